/**
 * A Telnyx TeXML simulator over real HTTP: the TeXML Calls API (Bearer API key, JSON body),
 * then the call's webhooks as Telnyx sends them, form-encoded and signed with Ed25519 by a key
 * pair generated here (the test gives the relay `publicKey`, base64 of its 32 raw bytes). The
 * TeXML the relay answers is followed like the Twilio simulator follows TwiML (`<Dial action>
 * <Number>`). Inbound calls are started with `inboundCall`.
 *
 * Facts used, and where they come from:
 * - Documented (developers.telnyx.com, TeXML REST "Initiate an outbound call"; telnyx-python
 *   `CallCallsParams`): `POST https://api.telnyx.com/v2/texml/Accounts/{account_sid}/Calls`,
 *   `Authorization: Bearer <API key>`, JSON with `ApplicationSid`, `To`, `From` required and
 *   `Url`, `UrlMethod`, `StatusCallback`, `StatusCallbackMethod`, `StatusCallbackEvent`
 *   (`initiated ringing answered completed`, several separated by spaces) optional.
 * - Documented (same OpenAPI, "Initiate TeXML Call Result"): the answer has `from`, `status`,
 *   `to`. Seen in third-party code (not in the schema): it also has `call_sid`, the `v3:…` id
 *   the webhooks carry as CallSid; the simulator answers it, and assumes HTTP 200.
 * - Documented (API error codes; API troubleshooting): errors are `{"errors":[{code, title,
 *   detail}]}`, 10009 "Authentication failed" (HTTP 401), 10004 "Missing required parameter"
 *   and 10016 "Phone number must be in +E.164 format" (HTTP 422 for validation errors).
 *   Assumed: 10005 with HTTP 404 for another account, 10017 with HTTP 422 for an unknown
 *   ApplicationSid, 10014 with HTTP 415 for a body that is not JSON.
 * - Documented (callbacks texml-call-initiated/-answered/-completed; Hangup verb): callbacks
 *   are `application/x-www-form-urlencoded` POSTs with `AccountSid, CallSid, CallSidLegacy,
 *   CallStatus (initiated|ringing|in-progress|completed|no-answer|busy|failed|canceled),
 *   CallbackSource=call-progress-events, ConnectionId, From, To, SequenceNumber, Timestamp`,
 *   plus `CallDuration`, `HangupCause`, `HangupSource`, `DialCallStatus` on completed.
 * - Documented (callbacks texml-call-completed): its CallStatus is completed, busy, no-answer,
 *   canceled or failed; `Timestamp` is when the webhook was generated;
 *   the call's own times come on completed as `StartTime`, `AnsweredTime` and `EndTime` (UTC,
 *   ISO 8601), and `CallDuration` is the seconds between start and end. The simulator keeps a
 *   clock of the call (ringing, talk) and generates each webhook a moment after its event, so
 *   `Timestamp` is always later than `EndTime`.
 * - Documented (TeXML fundamentals, instruction fetching): on inbound calls Telnyx fetches
 *   TeXML from the application's Webhook URL; the reply is a TwiML-compatible `<Response>`.
 *   Documented (TeXML Instruction Fetching, "Request Parameters"; its copy in
 *   team-telnyx/knowledge-base wiki/runbooks/texml-instruction-fetching.md): the fetch always
 *   carries `AccountSid, CallSid, CallSidLegacy, CallerId, CallingPartyType, From, FromSipUri, To,
 *   ToSipUri, ConnectionId`, and its example `CallStatus=in-progress`. Documented (TeXML REST
 *   calls page): an inbound call "is answered and the instruction fetch request is sent", so the
 *   inbound fetch says `in-progress` before any agent was rung; the simulator sends that. Seen in
 *   third-party TeXML handlers: the fetch carries `Direction` (`inbound`/`outbound-api`); one
 *   integrator's typed inbound body lists neither Direction nor CallStatus.
 * - Documented (Dial page, "Expected callbacks"): when the dialled call ends, the `<Dial action>`
 *   gets the "Dial Action Callback", whose reference is texml-call-completed: `DialCallStatus`,
 *   `DialCallSid`, `DialCallDuration`. Assumed: its CallSid is the parent call's, as in TwiML.
 * - Documented (Dial page, "Number Attributes"; the knowledge base's copy of it in
 *   team-telnyx/knowledge-base wiki/runbooks/dial.md): `<Number sendDigits>` plays DTMF when
 *   the call is answered, digits 0-9, #, * and w (a half-second pause); `statusCallback`,
 *   `statusCallbackEvent` (initiated, ringing, answered, amd, dtmf, completed, several separated
 *   by spaces, `completed` by default) and `statusCallbackMethod` (POST by default; the
 *   simulator always posts) send the dialled leg's own texml-call-* callbacks; those callbacks
 *   carry `ParentCallSid` (their schemas). Documented (TeXML REST calls page): each `<Dial>`
 *   creates a call of its own, tied to the parent call. Documented (Dial page): the first
 *   `<Number>` to answer is connected and the other attempts are hung up; here the first one
 *   answers. Assumed from TwiML: the legs hung up end as `canceled`, and an answered leg is
 *   `in-progress`, as the parent's texml-call-answered says. Not documented: whether the
 *   application's Call progress events URL also gets the dialled legs' events; off by default,
 *   `legEventsToApplication` sends every one of them there too (kind `leg-status`).
 * - Documented (telnyx-ruby `WebhookVerification`; callback pages): headers
 *   `telnyx-signature-ed25519` (base64 of the 64-byte signature) and `telnyx-timestamp` (Unix
 *   seconds); the signed message is `${timestamp}|${rawBody}`; both Call Control and TeXML.
 * - Documented (TeXML REST "Update call"; telnyx-node `texml.accounts.calls.update`):
 *   `POST /v2/texml/Accounts/{account_sid}/Calls/{call_sid}`, Bearer API key, form-encoded;
 *   `Status=completed` ends the call; HTTP 200 answers the call resource (`account_sid`, `sid`,
 *   `from`, `to`, `status`, `direction`, `date_updated` in RFC 2822, `uri`, …). Assumed: 404 10005
 *   for a call the account does not have (the other TeXML REST commands document a 404), 415
 *   10014 for a body that is not a form, and for a call already over 422 90018 "Call has already
 *   ended", which third-party code saw Telnyx answer to a Call Control hang-up. Assumed too, since
 *   Telnyx does not say: a call ended while the agent's phone rings completes `canceled`
 *   (HangupCause originator_cancel); one ended in progress hangs up the dialled leg, whose end
 *   posts the `<Dial action>`, then completes `completed`; the API's side is the caller. Tests
 *   keep the agent's phone ringing (`agentPhone = 'rings'`, then `pickUp`) or a call connected
 *   (`holdCalls`) to end it so.
 * - Documented (TeXML Record page; its copy in team-telnyx/knowledge-base wiki/runbooks/record.md):
 *   `<Record>` records the caller up to `maxLength` seconds (3600 by default, 0 to 14400), ended by
 *   a key (`finishOnKey`) or the caller hanging up, then requests its `action` for the TeXML
 *   that goes on; once the file is available its `recordingStatusCallback` gets the
 *   texml-recording-completed callback (its reference page): form-encoded `AccountSid, CallSid,
 *   CallSidLegacy, ConnectionId, RecordingChannels, RecordingDuration` (seconds), `RecordingSid,
 *   RecordingSource` (`RecordVerb` or `DialVerb`), `RecordingStatus=completed, RecordingUrl`, and
 *   nothing of the call's other fields. Documented (Dial page): `<Dial record>` is one of
 *   do-not-record, record-from-answer, record-from-ringing, record-from-answer-dual,
 *   record-from-ringing-dual, with its own `recordingStatusCallback`. Documented (Record page):
 *   recording URLs are valid for 10 minutes after the call ended; the simulator's are presigned
 *   links of that lifetime. Not documented, so assumed: the `<Record action>` carries the call's
 *   fields (CallStatus completed once the caller hung up) with RecordingUrl and RecordingDuration,
 *   as in TwiML; a recording `<Dial>`'s callback names the dialled leg in CallSid (the connector
 *   must not rely on it: it marks its URLs); a caller who hangs up at the beep leaves no file
 *   and no recording callback; `<Say>` is noted, not timed.
 * - Documented (TeXML REST "Fetch recording resource"; telnyx-ruby
 *   `TexmlGetCallRecordingResponseBody`): `GET /v2/texml/Accounts/{account_sid}/Recordings/
 *   {recording_sid}.json`, Bearer API key, answers the recording (`account_sid, call_sid, sid,
 *   duration, status, source, media_url, uri`), 404 for one the account does not have (the
 *   OpenAPI lists 404). Assumed: `media_url` is a presigned link made for that answer, good 10
 *   minutes like the callback's; `expireLinks` plays the minutes passing, after which S3 answers
 *   403 AccessDenied.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, randomUUID, sign } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, readBody, recordingBytes, releaseCalls, sendJson, sendRecording, sendWebhook } from './http.ts';
import { parseTwiml, type TwimlElement } from './twiml.ts';
import { rfc2822 } from './twilio.ts';

export interface TelnyxSimulatorOptions {
  apiKey: string;
  /** The account's id in TeXML paths and webhooks (a UUID). */
  accountSid: string;
  /** The TeXML Application calls must name (`ApplicationSid`). */
  applicationSid: string;
  /** Where a request to a public URL really goes (a reverse proxy in front of the relay). */
  forward?: (publicUrl: string) => string;
}

export interface TexmlExchange {
  /**
   * `number-status`: a dialled `<Number>`'s own status callback (its `statusCallback`), for its
   * leg; `leg-status`: a dialled leg's event at the application's URL (`legEventsToApplication`).
   */
  kind: 'voice' | 'status' | 'dial-action' | 'number-status' | 'leg-status' | 'record-action' | 'recording-status';
  url: string;
  params: Record<string, string>;
  /** The raw form body sent, as signed. */
  body: string;
  timestamp: string;
  signature: string;
  /** 0 when the request did not get an HTTP answer. */
  status: number;
  contentType: string;
  reply: string;
}

/**
 * What the people a `<Dial>` rings do: the first `<Number>` answers, or nobody does; then a caller
 * asked to leave a message (a `<Record>` in the reply to the `<Dial action>`, or in the incoming
 * call's own TeXML when it dials nobody) speaks `message` seconds and hangs up, or hangs up at
 * the beep when it is not given.
 */
export type DialOutcome = { answer: true; talkSeconds: number; message?: number } | { answer: false; status: 'busy' | 'no-answer' | 'failed'; message?: number };

export interface TexmlCall {
  sid: string;
  /** `outbound-dial`: a leg a `<Dial>` created (TwiML's name; Telnyx documents none). */
  direction: 'outbound-api' | 'inbound' | 'outbound-dial';
  from: string;
  to: string;
  status: string;
  /** Numbers of every `<Number>` in the `<Dial>`s the relay answered with. */
  dialed: string[];
  /** The DTMF keyed in to each answered number (its `sendDigits`), in order. */
  sentDigits: string[];
  /** What each `<Say>` the call ran said, in order. */
  said: string[];
  /** The recordings made on the call (a `<Record>`'s message, a recording `<Dial>`'s talk): link and seconds. */
  recordings: Array<{ url: string; seconds: number }>;
  errors: string[];
  exchanges: TexmlExchange[];
  done: Promise<void>;
  /** Where the call's own progress events go: the application's URL, or the call's StatusCallback. */
  progressUrl?: string;
  /** While an outbound call rings the agent's phone (`agentPhone = 'rings'`): it answers (`pickUp`), or the call ends unanswered. */
  ringing?: { pickUp(): void; end(): void };
  /** Ended through the API before its phone was ringing for the simulator: it ends when it would ring. */
  endedEarly?: boolean;
  /** An outbound call connected to the customer and held (`holdCalls`): ends it, as the API's update does. */
  connected?: () => void;
}

/** A call a `<Dial>` placed, and the status callback its `<Number>` asked for. */
interface DialedLeg {
  call: TexmlCall;
  statusCallback?: string;
  events: Set<string>;
  sequence: number;
}

interface OutboundPlan {
  url?: string;
  statusCallback?: string;
  events: Set<string>;
}

const CALLS_PATH = /^\/v2\/texml\/Accounts\/([^/]+)\/Calls$/;
/** A recording's resource: `GET` fetches it, with a fresh link to its file. */
const RECORDING_PATH = /^\/v2\/texml\/Accounts\/([^/]+)\/Recordings\/([^/]+)\.json$/;
/** Where recordings' files are: presigned links, which the tests send to this simulator. */
export const MEDIA_ORIGIN = 'https://s3.amazonaws.com';
const MEDIA_PREFIX = '/telephony-recorder-prod/';
/** One call's resource: `POST` updates it. */
const CALL_PATH = /^\/v2\/texml\/Accounts\/([^/]+)\/Calls\/([^/]+)$/;
/** The statuses of a call that is over (texml-call-completed's CallStatus). */
const ENDED = new Set(['completed', 'busy', 'no-answer', 'canceled', 'failed']);
const E164 = /^\+[1-9]\d{6,14}$/;
const SEND_DIGITS = /^[0-9#*w]+$/;
/** What `<Dial record>` may say (the Dial page). */
const DIAL_RECORD = new Set(['do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual']);

export class TelnyxSimulator {
  readonly calls = new Map<string, TexmlCall>();
  /** The account's public key as Mission Control shows it: base64 of the 32 raw bytes. */
  readonly publicKey: string;
  private readonly privateKey: KeyObject;
  dialOutcome: DialOutcome = { answer: true, talkSeconds: 42 };
  /** Whether the dialled legs' events also go to their parent call's progress URL (undocumented). */
  legEventsToApplication = false;
  /** What the agent's phone does when an outbound call rings it: answers at once, or rings until `pickUp` or the call is ended through the API. */
  agentPhone: 'answers' | 'rings' = 'answers';
  /** Whether an outbound call's answered `<Dial>` stays connected until the call is ended through the API. */
  holdCalls = false;
  /** The requests that updated a call (`POST …/Calls/{call_sid}`), in order: the call's sid and the form sent. */
  readonly updates: Array<{ sid: string; form: Record<string, string> }> = [];
  /** The recordings fetched through the API (`GET …/Recordings/{sid}.json`), their sids in order. */
  readonly recordingFetches: string[] = [];
  private readonly recordingsBySid = new Map<string, { sid: string; callSid: string; seconds: number; source: string }>();
  /** The presigned links that still work: their signature, and the recording they open. */
  private readonly links = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: TelnyxSimulatorOptions,
  ) {
    const pair = generateKeyPairSync('ed25519');
    this.privateKey = pair.privateKey;
    // The SPKI DER of an Ed25519 key is a 12-byte prefix followed by the 32 raw bytes.
    this.publicKey = pair.publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
  }

  static async start(options: TelnyxSimulatorOptions): Promise<TelnyxSimulator> {
    let simulator: TelnyxSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, errorBody('10007', 'Unexpected error', error.message)));
    simulator = new TelnyxSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    // A call a failed test left ringing or connected ends, so closing never waits on it.
    releaseCalls(this.calls.values());
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /** An inbound call to a number of the TeXML Application: Telnyx fetches its Webhook URL. */
  inboundCall(input: { url: string; from: string; to: string; statusCallback?: string; dial?: DialOutcome }): TexmlCall {
    const call = this.newCall('inbound', input.from, input.to, 'ringing');
    call.progressUrl = input.statusCallback;
    const started = new Date();
    call.done = (async () => {
      // Telnyx answers the inbound call, then fetches its TeXML: the fetch says in-progress.
      call.status = 'in-progress';
      const voice = await this.webhook(call, 'voice', input.url, {
        CallerId: input.from,
        CallingPartyType: 'pstn',
        FromSipUri: `${input.from}@192.0.2.10`,
        ToSipUri: `${input.to}@sip.telnyx.com`,
      });
      const talked = await this.followTexml(call, voice, input.dial ?? { answer: true, talkSeconds: 30 }, started);
      call.status = 'completed';
      // Telnyx answers an inbound call to fetch its TeXML; the caller hangs up 5 s after the talk.
      const { at, times } = completion(started, 0, talked + 5);
      if (input.statusCallback) await this.webhook(call, 'status', input.statusCallback, { ...progress(3, at), ...times, HangupCause: 'normal_clearing', HangupSource: 'caller' });
    })();
    return call;
  }

  /**
   * Sends one signed webhook, as Telnyx would. `signedAt` (Unix seconds) backdates it, to
   * play a replay; `signWith` signs with another key, to play a forgery.
   */
  async webhook(call: TexmlCall, kind: TexmlExchange['kind'], url: string, extra: Record<string, string> = {}, tamper: { signedAt?: number; signWith?: KeyObject } = {}): Promise<TexmlExchange> {
    // A recording's callback names the account and the call, none of the call's other fields.
    const params = kind === 'recording-status' ? { ...this.recordingParams(call), ...extra } : { ...this.standardParams(call), ...extra };
    const body = new URLSearchParams(params).toString();
    const timestamp = String(tamper.signedAt ?? Math.floor(Date.now() / 1000));
    const signature = sign(null, Buffer.from(`${timestamp}|${body}`, 'utf8'), tamper.signWith ?? this.privateKey).toString('base64');
    const answer = await sendWebhook(this.options.forward ? this.options.forward(url) : url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'telnyx-signature-ed25519': signature, 'telnyx-timestamp': timestamp, 'User-Agent': 'telnyx-webhooks' },
      body,
    });
    const exchange: TexmlExchange = { kind, url, params, body, timestamp, signature, status: answer.status, contentType: answer.contentType, reply: answer.body };
    call.exchanges.push(exchange);
    return exchange;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const path = url.pathname;
    if (req.method === 'GET' && path.startsWith(MEDIA_PREFIX)) return this.media(req, res, url);
    const resource = RECORDING_PATH.exec(path);
    if (resource && req.method === 'GET') {
      this.recordingFetches.push(decodeURIComponent(resource[2]!));
      if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
        return sendJson(res, 401, errorBody('10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.'));
      }
      const recording = resource[1] === this.options.accountSid ? this.recordingsBySid.get(decodeURIComponent(resource[2]!)) : undefined;
      if (!recording) return sendJson(res, 404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
      return sendJson(res, 200, {
        account_sid: this.options.accountSid,
        call_sid: recording.callSid,
        sid: recording.sid,
        duration: String(recording.seconds),
        status: 'completed',
        source: recording.source,
        media_url: this.mediaLink(recording.sid),
        uri: `/v2/texml/Accounts/${this.options.accountSid}/Recordings/${recording.sid}.json`,
      });
    }
    const one = CALL_PATH.exec(path);
    const match = one ?? CALLS_PATH.exec(path);
    if (!match || req.method !== 'POST') return sendJson(res, 404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
    if (req.headers.authorization !== `Bearer ${this.options.apiKey}`) {
      return sendJson(res, 401, errorBody('10009', 'Authentication failed', 'The required authentication headers were either invalid or not included in the request.'));
    }
    if (match[1] !== this.options.accountSid) return sendJson(res, 404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
    if (one) return this.update(req, res, decodeURIComponent(one[2]!));
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 415, errorBody('10014', 'Unsupported Media Type', 'The request failed because the server does not support the media type.'));
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, errorBody('10015', 'Bad Request', 'The request failed because it was not well-formed.'));
    }
    for (const name of ['ApplicationSid', 'To', 'From']) {
      if (typeof body[name] !== 'string' || !body[name]) return sendJson(res, 422, errorBody('10004', 'Missing required parameter', `${name} is required.`, name));
    }
    const { ApplicationSid: applicationSid, To: to, From: from } = body as Record<string, string>;
    if (applicationSid !== this.options.applicationSid) return sendJson(res, 422, errorBody('10017', 'Associated resource does not exist', 'ApplicationSid does not exist.', 'ApplicationSid'));
    for (const [name, value] of [['To', to], ['From', from]] as const) {
      if (!E164.test(value!)) return sendJson(res, 422, errorBody('10016', 'Phone number must be in +E.164 format', `${name} must be in +E.164 format.`, name));
    }
    const plan: OutboundPlan = {
      url: typeof body.Url === 'string' ? body.Url : undefined,
      statusCallback: typeof body.StatusCallback === 'string' ? body.StatusCallback : undefined,
      events: new Set([...String(body.StatusCallbackEvent ?? '').split(/\s+/).filter(Boolean), 'completed']),
    };
    const call = this.newCall('outbound-api', from!, to!, 'queued');
    call.progressUrl = plan.statusCallback;
    sendJson(res, 200, { call_sid: call.sid, from, status: 'queued', to });
    const outcome = this.dialOutcome;
    call.done = this.driveOutbound(call, plan, outcome);
  }

  /**
   * Updates a call (see the header): `Status=completed` ends it while it rings or once it is
   * connected; any other Status leaves it as it is. Answered with the call's resource.
   */
  private async update(req: IncomingMessage, res: ServerResponse, sid: string): Promise<void> {
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
      return sendJson(res, 415, errorBody('10014', 'Unsupported Media Type', 'The request failed because the server does not support the media type.'));
    }
    const form = new URLSearchParams(await readBody(req));
    const call = this.calls.get(sid);
    if (!call) return sendJson(res, 404, errorBody('10005', 'Resource not found', 'The requested resource or URL could not be found.'));
    if (ENDED.has(call.status)) return sendJson(res, 422, errorBody('90018', 'Call has already ended', "This call is no longer active and can't receive commands."));
    this.updates.push({ sid, form: Object.fromEntries(form) });
    if (form.get('Status') === 'completed') {
      if (call.ringing) {
        call.status = 'canceled';
        call.ringing.end();
      } else if (call.status === 'queued' || call.status === 'initiated' || call.status === 'ringing') {
        call.status = 'canceled';
        call.endedEarly = true;
      } else if (call.connected) {
        call.status = 'completed';
        call.connected();
      }
    }
    sendJson(res, 200, {
      account_sid: this.options.accountSid,
      sid: call.sid,
      from: call.from,
      to: call.to,
      status: call.status,
      direction: call.direction === 'inbound' ? 'inbound' : 'outbound',
      date_updated: rfc2822(new Date()),
      uri: `/v2/texml/Accounts/${this.options.accountSid}/Calls/${call.sid}.json`,
    });
  }

  /** The agent's phone, ringing for an outbound call (`agentPhone = 'rings'`), answers it. */
  pickUp(call: TexmlCall): void {
    if (!call.ringing) throw new Error(`call ${call.sid} is not ringing`);
    call.ringing.pickUp();
  }

  private async driveOutbound(call: TexmlCall, plan: OutboundPlan, outcome: DialOutcome): Promise<void> {
    const started = new Date();
    let sequence = 0;
    const status = async (event: string, callStatus: string, at: Date, extra: Record<string, string> = {}) => {
      call.status = callStatus;
      if (plan.statusCallback && plan.events.has(event)) await this.webhook(call, 'status', plan.statusCallback, { ...progress(sequence++, at), ...extra });
    };
    await status('initiated', 'initiated', started);
    if (!call.endedEarly) await status('ringing', 'ringing', secondsAfter(started, 1));
    if (call.endedEarly || this.agentPhone === 'rings') {
      const answered = !call.endedEarly && (await new Promise<boolean>((resolve) => (call.ringing = { pickUp: () => resolve(true), end: () => resolve(false) })));
      call.ringing = undefined;
      if (!answered) {
        // Ended through the API while it rang: unanswered, so no AnsweredTime.
        const ended = secondsAfter(started, RING_SECONDS);
        const times = { StartTime: telnyxTime(started), EndTime: telnyxTime(ended), CallDuration: String(RING_SECONDS) };
        return status('completed', 'canceled', secondsAfter(ended, WEBHOOK_DELAY_SECONDS), { ...times, HangupCause: 'originator_cancel', HangupSource: 'caller' });
      }
    }
    call.status = 'in-progress';
    if (!plan.url) {
      call.errors.push('no Url and no application Webhook URL');
      return;
    }
    const voice = await this.webhook(call, 'voice', plan.url);
    await status('answered', 'in-progress', secondsAfter(started, RING_SECONDS));
    let hungUp = false;
    // Connected until the call is ended through the API; the talk time stays the outcome's.
    const hold = this.holdCalls
      ? async () => {
          if (hungUp) return;
          await new Promise<void>((resolve) => (call.connected = resolve));
          call.connected = undefined;
          hungUp = true;
        }
      : undefined;
    const talked = await this.followTexml(call, voice, outcome, secondsAfter(started, RING_SECONDS), hold);
    const { at, times } = completion(started, RING_SECONDS, RING_SECONDS + talked);
    await status('completed', 'completed', at, { ...times, HangupCause: 'normal_clearing', HangupSource: hungUp ? 'caller' : 'callee' });
  }

  /**
   * Follows a TeXML answer from `dialedAt` on: each `<Dial>` rings its `<Number>`s, each leg
   * sending the status callbacks its `<Number>` asked for, then posts its `action`. With `hold`,
   * an answered leg stays connected until `hold` resolves.
   */
  private async followTexml(call: TexmlCall, answer: TexmlExchange, outcome: DialOutcome, dialedAt: Date, hold?: () => Promise<void>): Promise<number> {
    if (answer.status !== 200 || !/xml/i.test(answer.contentType)) return 0;
    let document: TwimlElement;
    try {
      document = parseTwiml(answer.reply);
    } catch (error) {
      call.errors.push(`TeXML parse failure: ${(error as Error).message}`);
      return 0;
    }
    // No <Dial> (a voicemail while every agent is away): the caller hears the document and may leave a message.
    if (!document.children.some((e) => e.name === 'Dial')) {
      await this.takeMessage(call, answer, document, outcome);
      return 0;
    }
    let talked = 0;
    for (const dial of document.children.filter((e) => e.name === 'Dial')) {
      const numbers = dial.children.filter((e) => e.name === 'Number');
      call.dialed.push(...numbers.map((e) => e.text.trim()));
      const digits = numbers[0]?.attrs.sendDigits;
      if (digits !== undefined && !SEND_DIGITS.test(digits)) call.errors.push(`TeXML: invalid sendDigits "${digits}"`);
      else if (outcome.answer && digits !== undefined) call.sentDigits.push(digits);
      const record = dial.attrs.record;
      if (record !== undefined && !DIAL_RECORD.has(record)) call.errors.push(`TeXML: invalid Dial record "${record}"`);
      const seconds = outcome.answer ? outcome.talkSeconds : 0;
      const legs = numbers.map((number) => this.dialedLeg(call, number));
      await this.ringLegs(call, legs, outcome, dialedAt, hold);
      talked += seconds;
      if (dial.attrs.action) {
        const reply = await this.webhook(call, 'dial-action', dial.attrs.action, {
          DialCallStatus: outcome.answer ? 'completed' : outcome.status,
          DialCallSid: legs[0]?.call.sid ?? newCallSid(),
          DialCallDuration: String(seconds),
        });
        await this.followDialActionReply(call, reply, outcome);
      }
      // A recording <Dial> records the talk, if someone answered: the file comes after the dial ended.
      if (outcome.answer && legs[0] && record !== undefined && DIAL_RECORD.has(record) && record !== 'do-not-record') {
        await this.recorded(call, legs[0].call.sid, seconds, 'DialVerb', dial.attrs.recordingStatusCallback);
      }
      dialedAt = secondsAfter(dialedAt, seconds);
    }
    return talked;
  }

  /**
   * The legs of one `<Dial>`: all ring, then the first answers and the others are hung up
   * (canceled), or none answers and each ends as `outcome` says. Legs answer at once, so the
   * parent's clock stays the talk time. The answered leg ends once `hold`, if given, resolves.
   */
  private async ringLegs(parent: TexmlCall, legs: DialedLeg[], outcome: DialOutcome, dialedAt: Date, hold?: () => Promise<void>): Promise<void> {
    for (const leg of legs) {
      await this.legCallback(parent, leg, 'initiated', 'initiated', dialedAt);
      await this.legCallback(parent, leg, 'ringing', 'ringing', dialedAt);
    }
    const unanswered = { StartTime: telnyxTime(dialedAt), EndTime: telnyxTime(dialedAt), CallDuration: '0' };
    if (!outcome.answer) {
      for (const leg of legs) await this.legCallback(parent, leg, 'completed', outcome.status, dialedAt, unanswered);
      return;
    }
    const [picked, ...others] = legs;
    if (!picked) return;
    await this.legCallback(parent, picked, 'answered', 'in-progress', dialedAt);
    for (const leg of others) await this.legCallback(parent, leg, 'completed', 'canceled', dialedAt, unanswered);
    await hold?.();
    const { at, times } = completion(dialedAt, 0, outcome.talkSeconds);
    await this.legCallback(parent, picked, 'completed', 'completed', at, times);
  }

  /** The call a `<Number>` dials, with the status callback it asked for (`completed` alone by default). */
  private dialedLeg(parent: TexmlCall, number: TwimlElement): DialedLeg {
    const call: TexmlCall = { ...parent, sid: newCallSid(), direction: 'outbound-dial', to: number.text.trim(), status: 'queued', exchanges: [] };
    const events = new Set((number.attrs.statusCallbackEvent ?? 'completed').split(/\s+/).filter(Boolean));
    return { call, statusCallback: number.attrs.statusCallback, events, sequence: 0 };
  }

  /**
   * One event of a dialled leg, posted to its `<Number statusCallback>` if it asked for it, and to
   * the parent's progress URL with `legEventsToApplication`; kept in the parent's exchanges.
   */
  private async legCallback(parent: TexmlCall, leg: DialedLeg, event: string, status: string, at: Date, extra: Record<string, string> = {}): Promise<void> {
    leg.call.status = status;
    const params = { ...progress(leg.sequence++, at), ParentCallSid: parent.sid, ParentCallSidLegacy: parent.sid, ...extra };
    if (leg.statusCallback && leg.events.has(event)) parent.exchanges.push(await this.webhook(leg.call, 'number-status', leg.statusCallback, params));
    if (this.legEventsToApplication && parent.progressUrl) parent.exchanges.push(await this.webhook(leg.call, 'leg-status', parent.progressUrl, params));
  }

  /** Runs the TeXML Telnyx got back from a `<Dial action>` (`takeMessage`); an empty `<Response/>` ends the call. */
  private async followDialActionReply(call: TexmlCall, reply: TexmlExchange, outcome: DialOutcome): Promise<void> {
    if (reply.status !== 200 || !/xml/i.test(reply.contentType) || !reply.reply.trim()) return;
    let document: TwimlElement;
    try {
      document = parseTwiml(reply.reply);
    } catch (error) {
      call.errors.push(`TeXML parse failure: ${(error as Error).message}`);
      return;
    }
    await this.takeMessage(call, reply, document, outcome);
  }

  /**
   * Runs a document that dials nobody: each `<Say>` is noted, and a `<Record>` takes the caller's
   * message (`outcome.message` seconds, at most its maxLength, or none: the caller hangs up at the
   * beep). Then its `action` (assumed, as in TwiML: the call's fields with RecordingUrl and
   * RecordingDuration; by default the document's own URL) and, when a message was left, its
   * `recordingStatusCallback`.
   */
  private async takeMessage(call: TexmlCall, reply: TexmlExchange, document: TwimlElement, outcome: DialOutcome): Promise<void> {
    for (const verb of document.children) {
      if (verb.name === 'Say') call.said.push(verb.text.trim());
      if (verb.name === 'Hangup') return;
      if (verb.name !== 'Record') continue;
      const maxLength = Number(verb.attrs.maxLength ?? 3600);
      if (!Number.isInteger(maxLength) || maxLength < 0 || maxLength > 14400) call.errors.push(`TeXML: invalid Record maxLength "${verb.attrs.maxLength}"`);
      const seconds = outcome.message ? Math.min(outcome.message, maxLength || Infinity) : 0;
      call.status = 'completed';
      const url = seconds > 0 ? this.newRecordingUrl() : '';
      await this.webhook(call, 'record-action', verb.attrs.action ?? reply.url, seconds > 0 ? { RecordingUrl: url, RecordingDuration: String(seconds) } : {});
      if (seconds > 0) await this.recorded(call, call.sid, seconds, 'RecordVerb', verb.attrs.recordingStatusCallback, url);
      return;
    }
  }

  /**
   * A recording made on `call`, and its `recordingStatusCallback` when one was asked for: the
   * texml-recording-completed fields, CallSid the call `callSid` names (see the header).
   */
  private async recorded(call: TexmlCall, callSid: string, seconds: number, source: 'RecordVerb' | 'DialVerb', callback: string | undefined, url = this.newRecordingUrl()): Promise<void> {
    call.recordings.push({ url, seconds });
    const sid = new URL(url).pathname.split('/').at(-1)!.replace(/\.mp3$/, '');
    this.recordingsBySid.set(sid, { sid, callSid, seconds, source });
    if (!callback) return;
    // The copy shares the call's exchanges: the callback is kept with the call's.
    await this.webhook({ ...call, sid: callSid }, 'recording-status', callback, {
      RecordingChannels: '1',
      RecordingDuration: String(seconds),
      RecordingSid: sid,
      RecordingSource: source,
      RecordingStatus: 'completed',
      RecordingUrl: url,
    });
  }

  /** A new recording's link as Telnyx gives it: a presigned download of its file, valid 10 minutes. */
  private newRecordingUrl(): string {
    return this.mediaLink(randomUUID());
  }

  /** A presigned link to recording `sid`'s file, good until `expireLinks`. */
  private mediaLink(sid: string): string {
    const signature = randomBytes(32).toString('hex');
    this.links.set(signature, sid);
    return `${MEDIA_ORIGIN}${MEDIA_PREFIX}${this.options.accountSid}/2026-12-07/${sid}.mp3?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Expires=600&X-Amz-Signature=${signature}`;
  }

  /** Ten minutes pass: every link given so far stops working, as Telnyx's do (S3's AccessDenied). */
  expireLinks(): void {
    this.links.clear();
  }

  /** A presigned link fetched (from `MEDIA_ORIGIN`, sent here): the file, or S3's refusal of a link expired or unknown. */
  private media(req: IncomingMessage, res: ServerResponse, url: URL): void {
    const sid = this.links.get(url.searchParams.get('X-Amz-Signature') ?? '');
    const recording = sid === undefined ? undefined : this.recordingsBySid.get(sid);
    if (!recording || !url.pathname.endsWith(`/${sid}.mp3`)) {
      res.writeHead(403, { 'Content-Type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
      return;
    }
    sendRecording(req, res, recordingBytes(recording.sid, recording.seconds));
  }

  private newCall(direction: TexmlCall['direction'], from: string, to: string, status: string): TexmlCall {
    const call: TexmlCall = { sid: newCallSid(), direction, from, to, status, dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.sid, call);
    return call;
  }

  private recordingParams(call: TexmlCall): Record<string, string> {
    return { AccountSid: this.options.accountSid, CallSid: call.sid, CallSidLegacy: call.sid, ConnectionId: this.options.applicationSid };
  }

  private standardParams(call: TexmlCall): Record<string, string> {
    return {
      AccountSid: this.options.accountSid,
      CallSid: call.sid,
      CallSidLegacy: call.sid,
      CallStatus: call.status,
      ConnectionId: this.options.applicationSid,
      Direction: call.direction,
      From: call.from,
      To: call.to,
    };
  }
}

/** Seconds the agent's phone rings before it is answered. */
const RING_SECONDS = 5;
/** How long after its event Telnyx generates a webhook (its `Timestamp`). */
const WEBHOOK_DELAY_SECONDS = 2;

function progress(sequence: number, at: Date): Record<string, string> {
  return { CallbackSource: 'call-progress-events', SequenceNumber: String(sequence), Timestamp: telnyxTime(at) };
}

/**
 * The completed callback of a call answered `answeredAfter` and ended `endedAfter` seconds after
 * `started`: its times, and when Telnyx generates it (a moment after the end).
 */
function completion(started: Date, answeredAfter: number, endedAfter: number): { at: Date; times: Record<string, string> } {
  const times = {
    StartTime: telnyxTime(started),
    AnsweredTime: telnyxTime(secondsAfter(started, answeredAfter)),
    EndTime: telnyxTime(secondsAfter(started, endedAfter)),
    CallDuration: String(endedAfter),
  };
  return { at: secondsAfter(started, endedAfter + WEBHOOK_DELAY_SECONDS), times };
}

function secondsAfter(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

/** Telnyx's callback times: UTC ISO 8601 to the second (`2024-01-15T10:31:00Z`). */
function telnyxTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `v3:` and a base64url string, as Telnyx's call control ids. */
export function newCallSid(): string {
  return `v3:${randomBytes(39).toString('base64url')}`;
}

function errorBody(code: string, title: string, detail: string, pointer?: string) {
  return { errors: [{ code, title, detail, ...(pointer ? { source: { pointer: `/${pointer}` } } : {}) }] };
}
