import { type CallRecord, type CallReport, type CallView, type FillCondition, isStatusForward, normaliseStatus, normalisePhone } from '@phone-connector/shared';

/** The provider-facing fields of a call, as stored. Absent values are null. */
export type CallState = Omit<CallView, 'id' | 'instance_id' | 'call_id' | 'notes' | 'disposition' | 'created_at' | 'updated_at' | CrmFields>;

/** What the CRM work adds to a call: kept apart from what providers say. */
type CrmFields = 'contact' | 'contacts' | 'crm_log' | 'new_contact_url';

/**
 * What one webhook or report says about a call; undefined means "says nothing". `fill_only_at`:
 * a call at one of these statuses, or going this way, takes only what it lacks from it (a status
 * block's `ended="fill"`: the final ones; `answered="fill"`: in progress and completed;
 * `inbound="fill"` / `outbound="fill"`: that direction).
 */
export type CallUpdate = { [K in Exclude<keyof CallState, 'extra'>]?: NonNullable<CallState[K]> } & { extra?: Record<string, string>; fill_only_at?: readonly FillCondition[] };

const EMPTY: CallState = {
  direction: null,
  status: null,
  status_raw: null,
  from_number: null,
  to_number: null,
  user_number: null,
  duration: null,
  started_at: null,
  ended_at: null,
  recording_url: null,
  extra: {},
};

/**
 * Folds an update into a call. Providers retry and reorder webhooks, so a later update never
 * erases a field, and the status only moves forward (a late `ringing` after `completed` is
 * dropped). An unrecognised status word updates `status_raw` alone.
 *
 * The state is built field by field, the same fields in the same order whether `current` is a
 * stored call or nothing: spread from a stored call, an update's state copied the call's 22
 * columns where a new call's had 11, and this function, optimised on new calls, was thrown away
 * (`--trace-deopt`: wrong map) and optimised again once updates came (issue 13).
 */
export function mergeCall(current: CallState | undefined, update: CallUpdate): CallState {
  if (current && fillsOnly(current, update.fill_only_at)) return mergeCall(current, blanksOf(current, update));
  const base = current ?? EMPTY;
  const forward = update.status !== undefined && isStatusForward(base.status, update.status);
  return {
    direction: base.direction ?? update.direction ?? null,
    status: forward ? update.status! : base.status,
    status_raw: forward ? (update.status_raw ?? update.status!) : update.status === undefined && update.status_raw !== undefined ? update.status_raw : base.status_raw,
    from_number: update.from_number !== undefined ? update.from_number : base.from_number,
    to_number: update.to_number !== undefined ? update.to_number : base.to_number,
    user_number: update.user_number !== undefined ? update.user_number : base.user_number,
    duration: update.duration !== undefined ? update.duration : base.duration,
    started_at: update.started_at !== undefined ? update.started_at : base.started_at,
    ended_at: update.ended_at !== undefined ? update.ended_at : base.ended_at,
    recording_url: update.recording_url !== undefined ? update.recording_url : base.recording_url,
    extra: { ...base.extra, ...update.extra },
  };
}

function fillsOnly(current: CallState, at: readonly FillCondition[] | undefined): boolean {
  return at !== undefined && ((current.status !== null && at.includes(current.status)) || (current.direction !== null && at.includes(current.direction)));
}

/**
 * What `update` says that `current` does not know: its fields where the call has none, its extra
 * fields the call lacks; never the status, which an ended call keeps.
 */
function blanksOf(current: CallState, update: CallUpdate): CallUpdate {
  const blanks: Record<string, unknown> = {};
  for (const key of STATE_FIELDS) if (key !== 'status' && key !== 'status_raw' && current[key] === null && update[key] !== undefined) blanks[key] = update[key];
  const extra: Record<string, string> = {};
  for (const [key, value] of Object.entries(update.extra ?? {})) if (!(key in current.extra)) extra[key] = value;
  return { ...(blanks as CallUpdate), extra };
}

/** The numbers a report names, which a provider's webhook names better. */
const REPORTED_NUMBERS = ['to_number', 'from_number', 'user_number'] as const;

/**
 * Folds the extension's report of a call it placed into the call. The report says what the
 * extension asked the provider for; the provider's webhooks say what the call is (Exotel rings
 * the customer from the ExoPhone, where the report names the agent's own number), and they may
 * reach the relay before the report does: a report fills the numbers no webhook gave and never
 * replaces one. Its status, like any, only moves the call forward.
 */
export function mergeReport(current: CallState | undefined, update: CallUpdate): CallState {
  if (!current) return mergeCall(undefined, update);
  const blanks: CallUpdate = { ...update };
  for (const key of REPORTED_NUMBERS) if (current[key] !== null) delete blanks[key];
  return mergeCall(current, blanks);
}

/** The state's fields but `extra`, compared one by one. */
const STATE_FIELDS = (Object.keys(EMPTY) as Array<keyof CallState>).filter((key) => key !== 'extra');

export function sameState(a: CallState, b: CallState): boolean {
  for (const key of STATE_FIELDS) {
    if (a[key] !== b[key]) return false;
  }
  const aKeys = Object.keys(a.extra);
  return aKeys.length === Object.keys(b.extra).length && aKeys.every((k) => a.extra[k] === b.extra[k]);
}

/** Record fields with a column of their own; the other mapped fields go to `extra`. */
const OTHER_FIELDS = ['answered_by', 'billrate', 'gateway', 'campaign_name', 'uui', 'error', 'success'] as const;

/** The update a mapped webhook carries. */
export function updateFromRecord(record: CallRecord): CallUpdate {
  const extra: Record<string, string> = { ...record.extra };
  for (const field of OTHER_FIELDS) if (record[field] !== undefined) extra[field] = record[field]!;
  return withoutUndefined({
    direction: record.direction,
    status: record.call_status,
    status_raw: record.call_status_raw,
    from_number: record.from_number,
    to_number: record.to_number,
    user_number: record.user_number,
    duration: record.duration,
    started_at: record.starttime,
    ended_at: record.endtime,
    recording_url: record.recordingurl,
    extra,
    fill_only_at: record.fills_only_at,
  });
}

/** The update for a call the extension reports it placed. */
export function updateFromReport(report: Pick<CallReport, 'to_number' | 'from_number' | 'status'>, defaultCountry?: string): CallUpdate {
  return withoutUndefined({
    direction: 'outbound' as const,
    to_number: normalisePhone(report.to_number, defaultCountry),
    from_number: report.from_number === undefined ? undefined : normalisePhone(report.from_number, defaultCountry),
    status: report.status === undefined ? undefined : normaliseStatus(report.status),
    status_raw: report.status,
  });
}

/** Its defined fields copied one by one: entries, filtered and made into an object again, allocated three arrays per webhook (issue 13). */
function withoutUndefined<T extends object>(value: T): T {
  const defined: Partial<T> = {};
  for (const key in value) if (value[key] !== undefined) defined[key] = value[key];
  return defined as T;
}
