import { CALL_STATUSES, type CallStatus } from './call-status.ts';
import { normalisePhone } from './phone.ts';

export type CallDirection = 'inbound' | 'outbound';

/** What a stored call is at, for a status block that only fills there: a status, or its direction. */
export type FillCondition = CallStatus | CallDirection;

/** The fields a `response` block may map, in the order docs list them. */
export const RECORD_FIELDS = [
  'call_id',
  'call_status',
  'direction',
  'from_number',
  'to_number',
  'user_number',
  'answered_by',
  'duration',
  'starttime',
  'endtime',
  'recordingurl',
  'billrate',
  'gateway',
  'campaign_name',
  'uui',
  'error',
  'success',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

/** Seed spellings accepted inside a response block, with a warning. */
export const RECORD_FIELD_ALIASES: Record<string, RecordField> = { callid: 'call_id', status: 'call_status' };

/** One call as the engine maps it from a provider response or webhook. */
export interface CallRecord {
  call_id?: string;
  call_status?: CallStatus;
  /** The provider's own status word, kept as sent. */
  call_status_raw?: string;
  direction?: CallDirection;
  direction_raw?: string;
  from_number?: string;
  to_number?: string;
  user_number?: string;
  /** The phone that took an incoming call: the number of the agent's leg that answered. */
  answered_by?: string;
  /** Seconds. */
  duration?: number;
  /** ISO 8601. */
  starttime?: string;
  endtime?: string;
  recordingurl?: string;
  billrate?: string;
  gateway?: string;
  campaign_name?: string;
  uui?: string;
  error?: string;
  success?: string;
  /** Fields the connector maps that are not among the known ones. */
  extra: Record<string, string>;
  /**
   * From a status block with `ended="fill"`, `answered="fill"`, `inbound="fill"` or
   * `outbound="fill"`: a call at one of these statuses (ended; taken by someone), or going this
   * way, takes only the fields it lacks.
   */
  fills_only_at?: readonly FillCondition[];
}

/** Provider words for each canonical status (see PROVIDERS.md's crosswalk). */
const STATUS_WORDS: Record<CallStatus, string[]> = {
  queued: ['queued', 'queue', 'initiated', 'initiate', 'queued successfully', 'scheduled', 'started', 'dialing', 'new'],
  ringing: ['ringing', 'ring', 'rang', 'alerting', 'early'],
  'in-progress': ['in-progress', 'inprogress', 'in progress', 'answered', 'answer', 'active', 'bridged', 'connected', 'live', 'talking', 'ongoing'],
  completed: ['completed', 'complete', 'hangup', 'hanup', 'hang-up', 'normal_clearing', 'ended', 'end', 'disconnected', 'disconnect', 'finished', 'success'],
  busy: ['busy', 'user_busy'],
  'no-answer': ['no-answer', 'noanswer', 'no answer', 'no_answer', 'not_answered', 'notanswered', 'not answered', 'unanswered', 'timeout', 'missed', 'noresponse'],
  failed: ['failed', 'fail', 'failure', 'rejected', 'error', 'invalid_number', 'invalidnumber', 'exception', 'call_rejected', 'not_found', 'unspecified', 'congestion', 'noroutedestination', 'invalidnumberformat', 'unavailable'],
  canceled: ['canceled', 'cancelled', 'cancel', 'originator_cancel', 'abandoned'],
};
const STATUS_LOOKUP = new Map<string, CallStatus>(
  Object.entries(STATUS_WORDS).flatMap(([status, words]) => words.map((w) => [w, status as CallStatus] as const)),
);

export function normaliseStatus(raw: string): CallStatus | undefined {
  const key = raw.trim().toLowerCase();
  return STATUS_LOOKUP.get(key) ?? STATUS_LOOKUP.get(key.replace(/[\s_]+/g, '-')) ?? STATUS_LOOKUP.get(key.replace(/[\s_-]+/g, ''));
}

export function normaliseDirection(raw: string): CallDirection | undefined {
  const key = raw.trim().toLowerCase().replace(/[\s_-]+/g, '');
  if (/^(in|inbound|incoming|inbounddial|ivr)/.test(key)) return 'inbound';
  if (/^(out|outbound|outgoing|manual|progressive|preview|predictive|clicktocall|api)/.test(key)) return 'outbound';
  return undefined;
}

/** The record fields normalised to a closed set of values, and that set. */
export const CLOSED_FIELDS = { call_status: CALL_STATUSES, direction: ['inbound', 'outbound'] } as const;

/** Whether `word` normalises to a value of `field` (a connector's `unknown` stands in for the rest). */
export function isKnownWord(field: keyof typeof CLOSED_FIELDS, word: string): boolean {
  return (field === 'direction' ? normaliseDirection(word) : normaliseStatus(word)) !== undefined;
}

/** `90`, `90.4`, `01:30`, `00:01:30`, ISO 8601's `PT1M30S` (Bandwidth's `PT20.056S`) -> seconds. Undefined for anything else. */
export function normaliseDuration(raw: string): number | undefined {
  const text = raw.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text));
  const clock = /^(?:(\d+):)?(\d{1,2}):(\d{1,2})$/.exec(text);
  if (clock) return Number(clock[1] ?? 0) * 3600 + Number(clock[2]) * 60 + Number(clock[3]);
  const iso = ISO_DURATION.exec(text);
  if (iso && (iso[1] ?? iso[2] ?? iso[3] ?? iso[4]) !== undefined) {
    const [days, hours, minutes, seconds] = [iso[1], iso[2], iso[3], iso[4]].map((part) => Number(part ?? 0));
    return Math.round(((days! * 24 + hours!) * 60 + minutes!) * 60 + seconds!);
  }
  return undefined;
}

/** ISO 8601 durations of days and times: `P1DT2H`, `PT20.056S` (no years or months: their length varies). */
const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i;

/**
 * ISO 8601 from the forms providers send: ISO already, `2024-05-01 10:20:30` (no zone: kept
 * without one, since the provider's zone is not known), RFC 2822 (`Tue, 31 Aug 2010 20:36:28
 * +0000`), or Unix seconds / milliseconds.
 */
export function normaliseTime(raw: string): string | undefined {
  const text = raw.trim();
  if (!text) return undefined;
  if (/^\d{9,13}$/.test(text)) {
    const n = Number(text);
    return new Date(text.length > 11 ? n : n * 1000).toISOString();
  }
  const naive = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/.exec(text);
  if (naive) return `${naive[1]}T${naive[2]!.length === 5 ? `${naive[2]}:00` : naive[2]}`;
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  const parsed = Date.parse(text);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

export interface NormaliseOptions {
  defaultCountry?: string;
}

/**
 * Builds a record from mapped raw strings: numbers to E.164, status to the canonical set
 * (raw kept), durations to seconds, times to ISO 8601. Values that cannot be normalised are
 * kept as sent (durations and times then land in `extra` with a `_raw` suffix).
 */
export function buildRecord(values: Record<string, string>, options: NormaliseOptions = {}): CallRecord {
  const record: CallRecord = { extra: {} };
  for (const [field, raw] of Object.entries(values)) {
    switch (field) {
      case 'call_status':
        record.call_status_raw = values.call_status_raw ?? raw;
        record.call_status = normaliseStatus(raw);
        break;
      case 'call_status_raw':
        break;
      case 'direction':
        record.direction_raw = raw;
        record.direction = normaliseDirection(raw);
        break;
      case 'from_number':
      case 'to_number':
      case 'user_number':
      case 'answered_by':
        record[field] = normalisePhone(raw, options.defaultCountry);
        break;
      case 'duration': {
        const seconds = normaliseDuration(raw);
        if (seconds === undefined) record.extra.duration_raw = raw;
        else record.duration = seconds;
        break;
      }
      case 'recording_duration': {
        // An extra field, in seconds as Twilio sends it, whatever form the provider's is in.
        const seconds = normaliseDuration(raw);
        record.extra.recording_duration = seconds === undefined ? raw : String(seconds);
        break;
      }
      case 'starttime':
      case 'endtime': {
        const iso = normaliseTime(raw);
        if (iso === undefined) record.extra[`${field}_raw`] = raw;
        else record[field] = iso;
        break;
      }
      case 'call_id':
      case 'recordingurl':
      case 'billrate':
      case 'gateway':
      case 'campaign_name':
      case 'uui':
      case 'error':
      case 'success':
        record[field] = raw;
        break;
      default:
        record.extra[field] = raw;
    }
  }
  return record;
}

/** The record as template variables (`@to_number`, `@call_id`, `@duration`, extras). */
export function recordVariables(record: CallRecord): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [key, value] of Object.entries(record)) {
    if (key === 'extra' || key === 'fills_only_at' || value === undefined) continue;
    vars[key] = String(value);
  }
  for (const [key, value] of Object.entries(record.extra)) vars[key] ??= value;
  return vars;
}
