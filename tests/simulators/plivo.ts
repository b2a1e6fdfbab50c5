/**
 * A Plivo Voice simulator over real HTTP. It takes Call API requests (Basic auth, JSON body,
 * 201 with a `request_uuid`), then drives the call the way Plivo does: the ring URL, the answer
 * URL whose Plivo XML it follows (`<Dial callerId><Number>`), and the hangup URL. Incoming calls
 * (`inboundCall`) run an Application's Answer and Hangup URLs. Every request is a form POST
 * signed with Plivo's V3 signature, computed here with node:crypto, independently of the
 * engine's verifier.
 *
 * Facts used:
 * - Documented (docs.plivo.com, Call API "Make an outbound call"): POST
 *   https://api.plivo.com/v1/Account/{auth_id}/Call/; from, to, answer_url required; ring_url,
 *   hangup_url, *_method (default POST) optional; answer `{"message":"call fired",
 *   "request_uuid","api_id"}` (201 in plivo-python's fixture, 200 on the docs page).
 * - Documented (Call API "Callbacks"): ring_url gets From, To, RequestUUID, ALegRequestUUID,
 *   CallUUID, Direction=outbound, Event=Ring, CallStatus=ringing, SessionStart; answer_url the
 *   same with Event=StartApp, CallStatus=in-progress, ALegUUID; hangup_url Event=Hangup,
 *   CallStatus=completed, StartTime, AnswerTime, EndTime (yyyy-MM-dd HH:mm:ss).
 * - Documented (XML request; Application): inbound requests carry CallUUID, From, To,
 *   CallStatus (ringing), Direction=inbound and no request ids; hangup requests add
 *   HangupCause, Duration, BillDuration; outbound CallStatus may be busy, failed, timeout or
 *   no-answer; answers are Plivo XML documents under `<Response>`, at most 100 KB.
 * - Documented (Dial XML): `<Dial callerId="…"><Number>…</Number></Dial>`; several Numbers
 *   ring at once and the first to answer is bridged.
 * - Documented (Dial XML page; docs.plivo.com "Dial status reporting"): when a `<Dial action>` ends,
 *   Plivo requests the action URL with DialStatus (completed, busy, failed, cancel, timeout, no-answer),
 *   DialRingStatus, DialHangupCause, DialALegUUID and DialBLegUUID (empty if nobody answered),
 *   besides the call's own parameters, and the call goes on with the XML it answers (an empty
 *   `<Response>` ends it). `<Dial callbackUrl>` (plivo-python DialElement) gets the dial's events.
 * - Third-party code only ([C]: Plivo integrations on GitHub, Vobiz's Plivo-compatible docs): the
 *   callbackUrl events are DialAction answer (Event DialAnswer) and hangup (Event DialHangup) of a
 *   B leg, with CallUUID, DialALegUUID, DialBLegUUID, DialBLegTo, DialBLegStatus, and on hangup
 *   DialBLegDuration, DialBLegBillDuration, DialBLegHangupCause; the action carries no duration.
 *   [D] since: plivo.com/docs/voice/xml/routing.md (a stored copy of Plivo's Call Routing page,
 *   "Dial Callback URL Parameters"): DialAction "answer, connected, hangup, digits", DialBLegTo
 *   "B-leg destination", DialBLegDuration "Call duration (on hangup)", DialBLegStatus,
 *   DialALegUUID, DialBLegUUID, DialBLegFrom, DialBLegBillDuration, DialBLegHangupCauseName; and
 *   "Dial Action URL Parameters": DialStatus "completed, busy, failed, cancel, timeout,
 *   no-answer" (cancel: the caller hung up while the numbers rang), DialBLegUUID "empty if not
 *   answered".
 *   [C] plivo/plivoframework (Plivo's open-source engine) src/plivo/rest/freeswitch/
 *   inboundsocket.py: "don't send http request for B legs losing bridge race" (LOSE_RACE): the
 *   numbers that lose a simultaneous dial get no hangup event.
 * - Screening. Documented (Dial XML page; plivo-python DialElement): `<Dial confirmSound>` is "a
 *   remote URL fetched with a POST HTTP request that must return an XML response with Play,
 *   Wait, and/or Speak elements only (all others are ignored)", played to the called party when
 *   it answers; confirmKey, the digit (or # or *) it presses to accept the call; confirmTimeout,
 *   from the answer, 120 s by default. Documented (the User element page): "the phone that
 *   confirms the key correctly is bridged and all others fail".
 *   [C] plivoframework elements.py: the confirmSound URL is requested once, as the `<Dial>`
 *   starts, with the call's own parameters; a request that fails or holds no sound leaves the
 *   dial unscreened (here noted in `call.errors` too); a phone that presses no key is not bridged
 *   and the others ring on (FreeSWITCH's group_confirm).
 *   Assumed: that the callbackUrl sends DialAction answer when a phone picks up, before its key,
 *   and connected (DialBLegStatus connected, no Event) once it is bridged, screened or not: the
 *   harder order for a connector, as Plivo's pages list both words without saying when
 *   (plivoframework sends its answer only at the bridge); that a phone whose voicemail answered
 *   is hung up once confirmTimeout runs out, with a hangup event of that many seconds
 *   (NO_ANSWER), and sends nothing when another phone was bridged first.
 * - Documented (Dial XML page; plivo-python, plivo-node and plivo-php XML builders): `<Number>`
 *   takes `sendDigits`, DTMF keyed in once that number answers, each `w` a half-second wait.
 *   Assumed: * and # and W (one second, as the Call API's send_digits has it) are accepted too;
 *   anything else is an invalid answer XML; the first `<Number>` of a `<Dial>` answers here.
 * - Documented (Application "Hangup URL Parameters"; "Hangup causes"): hangup requests name
 *   the cause in HangupCauseName, HangupCauseCode and HangupSource (4000 "Normal Hangup").
 *   Assumed: they come with the older HangupCause (NORMAL_CLEARING, USER_BUSY, NO_ANSWER) of
 *   the XML request page; the names and codes of busy and unanswered calls were not found, so
 *   only an answered call's are sent.
 * - Documented (PROVIDERS.md A2, plivo-python `signature_v3.py`): X-Plivo-Signature-V3 =
 *   base64(HMAC-SHA256(auth token, S + "." + nonce)), S as written in `plivoV3String`, nonce in
 *   X-Plivo-Signature-V3-Nonce; the header may list one signature per active token.
 * - Documented (API responses): errors are JSON `{"api_id", "error"}` with 400 or 401.
 * - Documented (plivo-python rest/client.py): the SDK sends the Call API a JSON body.
 * - Documented (official SDKs: plivo-node Call.cancel "Hangup a Call Request", plivo-python
 *   Calls.cancel, plivo-go CancelRequest, plivo-java Call.canceller, plivo-ruby cancel_request,
 *   plivo-php cancel; their tests): DELETE https://api.plivo.com/v1/Account/{auth_id}/Request/
 *   {request_uuid}/ ends the call a create returned that id for, answered 204 with no body.
 *   Documented (hangup causes page): a call ended through the "Hangup or Cancel Call API" has
 *   HangupSource "API Request"; one ended before it was answered 1000 "Canceled". Documented
 *   ("Hangup a specific call"): DELETE …/Call/{call_uuid}/ hangs up a call by its CallUUID, 204.
 *   Third-party code only ([C]: integrators on GitHub): the request id cancels a call still
 *   queued or ringing. [C] plivoframework's HangupCall ends a call by its RequestUUID in any
 *   state and still requests the `<Dial action>` when the A leg hangs up.
 *   Assumed: that an answered call ends by its request id too (as plivoframework's; the
 *   connector uses the CallUUID then), and a ringing one by its CallUUID; the 404 for an id that
 *   is unknown or whose call is over; that a call cancelled while it rang reports CallStatus
 *   cancel ("Dial status reporting": canceled by the caller) and HangupCause ORIGINATOR_CANCEL,
 *   and one hung up in progress completed with HangupCauseName "Normal Hangup".
 * - Assumed: the error texts, that the Call API refuses a body that is not JSON, that an
 *   invalid answer XML ends the call with HangupCause "Invalid Answer XML" (the CDR example's
 *   hangup_cause_name) and that the nonce is a string of digits.
 * - Documented (docs.plivo.com "The Record element"): `<Record>`'s attributes and their allowed
 *   values (action, method, fileFormat mp3|wav, redirect, timeout, maxLength > 1 and 60 by
 *   default, playBeep, finishOnKey, recordSession, startOnDialAnswer, transcriptionType,
 *   transcriptionUrl, transcriptionMethod, callbackUrl, callbackMethod; recordChannelType on the
 *   newer page); the action gets the result, then (redirect, by default) the call runs the XML it
 *   answers, while redirect="false" only requests it and goes on with the next element; the
 *   callbackUrl is requested "when the recorded file is ready to be used"; startOnDialAnswer
 *   records the next `<Dial>` from when its called party answers (support.plivo.com, "How can I
 *   record an outbound call?", with the Record before the Dial). `<Speak>` (voice, language,
 *   loop) says its text; `<Hangup>` (reason, schedule) ends the call.
 * - Third-party code only ([C]: plivo-examples-python voice/record; a live voicemail action kept in
 *   an integrator's database dump): the action and the callbackUrl carry RecordUrl
 *   (https://media.plivo.com/v1/Account/{auth_id}/Recording/{RecordingID}.mp3), RecordingDuration
 *   (seconds), RecordingDurationMs, RecordingStartMs, RecordingEndMs, RecordingID and RecordFile; a
 *   voicemail's action, after the caller hung up, has CallStatus completed, Event Redirect and
 *   Digits empty; a background Record's action comes at once with RecordingDuration -1.
 *   Assumed: that a startOnDialAnswer Record's action comes at once too, with the file's URL; that
 *   a dial nobody answered records nothing; that the callbackUrl carries the recording's fields
 *   only (not the call's), once the call is over; that a caller who hangs up at the beep leaves a
 *   file of 0 s, whose callbackUrl still comes.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { basicAuth, closeServer, listen, readBody, recordingBytes, releaseCalls, sendJson, sendRecording, sendWebhook, zonelessTime } from './http.ts';
import { parseTwiml, type TwimlElement } from './twiml.ts';

export interface PlivoSimulatorOptions {
  authId: string;
  authToken: string;
  /** Tokens whose signatures are sent besides the auth token's (Plivo lists one per active token). */
  otherTokens?: readonly string[];
  /** Where a request to a public URL really goes (a proxy in front of the relay). */
  forward?: (publicUrl: string) => string;
}

export interface PlivoExchange {
  /** `record-action` and `recording`: a `<Record>`'s action, and its callbackUrl once the file is ready; `confirm-sound`: a `<Dial confirmSound>`. */
  kind: 'ring' | 'answer' | 'hangup' | 'dial-callback' | 'dial-action' | 'confirm-sound' | 'record-action' | 'recording';
  url: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  /** 0 when the request got no HTTP answer. */
  status: number;
  contentType: string;
  body: string;
}

/** cancel: the caller (A leg) hung up while the numbers rang. */
type NotAnswered = { answer: false; status: 'busy' | 'no-answer' | 'failed' | 'timeout' | 'cancel' };

/** How the A leg (the phone Plivo calls first) ends up; the default is answered. */
export type LegOutcome = { answer: true } | NotAnswered;

/**
 * How the numbers a `<Dial>` rings end up: one answers (the first, or the one `pickUp` names), or
 * none does; then a caller asked to leave a message (a `<Record>` that records no dial) speaks
 * `message` seconds and hangs up, or hangs up at the beep when it is not given. The numbers in
 * `voicemails` are phones whose own voicemail answers first and never presses a key: unscreened,
 * the first of them takes the call.
 */
export type DialOutcome = ({ answer: true; pickUp?: string } | NotAnswered) & { message?: number; voicemails?: string[] };

/** How a `<Dial>` ended: the action URL's Dial parameters, and the `<Number>` bridged, if any. */
interface DialResult {
  params: Record<string, string>;
  bridged?: number;
}

export interface PlivoCall {
  requestUuid?: string;
  callUuid: string;
  direction: 'outbound' | 'inbound';
  from: string;
  to: string;
  /** Every `<Number>` of the `<Dial>`s the answer XML held, and the Dial's callerId. */
  dialed: string[];
  callerIds: string[];
  /** The DTMF keyed in to each answered number (its `sendDigits`), in order. */
  sentDigits: string[];
  /** What each `<Speak>` the call ran said, in order. */
  said: string[];
  /** The files each `<Record>` made (a message, or a dial's talk): the RecordUrl and its seconds. */
  recordings: Array<{ url: string; seconds: number }>;
  /** Why Plivo gave up on the answer XML, if it did. */
  errors: string[];
  exchanges: PlivoExchange[];
  /** Where a call placed through the API stands; the hangup URL's CallStatus once it is over. */
  status?: 'queued' | 'ringing' | 'in-progress' | NotAnswered['status'] | 'completed';
  /** While an outbound call rings the agent's phone (`agentPhone = 'rings'`): it answers (`pickUp`), or the call ends unanswered. */
  ringing?: { pickUp(): void; end(): void };
  /** Ended through the API before its phone was ringing for the simulator: it ends when it would ring. */
  endedEarly?: boolean;
  /** An outbound call whose `<Dial>` is connected and held (`holdCalls`): ends it, as the API does. */
  connected?: () => void;
  /** Ended through the API (DELETE …/Request/{request_uuid}/ or …/Call/{call_uuid}/). */
  endedByApi?: boolean;
  done: Promise<void>;
}

interface OutboundPlan {
  answerUrl: string;
  ringUrl?: string;
  hangupUrl?: string;
}

const CALL_PATH = /^\/v1\/Account\/([^/]+)\/Call\/?$/;
/** One call: `DELETE` hangs it up (Hangup a specific call). */
const ONE_CALL_PATH = /^\/v1\/Account\/([^/]+)\/Call\/([^/]+)\/?$/;
/** One call request: `DELETE` ends its call (Cancel Call). */
const REQUEST_PATH = /^\/v1\/Account\/([^/]+)\/Request\/([^/]+)\/?$/;
/** A recording's file on media.plivo.com: `/v1/Account/{auth_id}/Recording/{RecordingID}.mp3`. */
const MEDIA_PATH = /^\/v1\/Account\/([^/]+)\/Recording\/([^/]+\.(?:mp3|wav))$/;
/** A call that ended normally, in the hangup fields Plivo's hangup causes page names (code 4000). */
const NORMAL_HANGUP = { HangupCauseName: 'Normal Hangup', HangupCauseCode: '4000', HangupSource: 'Callee' };
const NUMBER = /^\+?\d{6,15}$/;
const SEND_DIGITS = /^[0-9*#wW]+$/;
/** A call ended through the API before it was answered ([D] hangup causes page, code 1000; [I] the status and older cause). */
const CANCELED_BY_API = { CallStatus: 'cancel', HangupCause: 'ORIGINATOR_CANCEL', HangupCauseName: 'Canceled', HangupCauseCode: '1000', HangupSource: 'API Request' } as const;
/** The B leg's hangup cause of each unanswered DialStatus (the XML request page's causes). */
const DIAL_HANGUP_CAUSE = { busy: 'USER_BUSY', 'no-answer': 'NO_ANSWER', timeout: 'RECOVERY_ON_TIMER_EXPIRE', failed: 'CALL_REJECTED', cancel: 'ORIGINATOR_CANCEL' } as const;
const BOOLEAN = /^(true|false)$/;
const URL_VALUE = /^https?:\/\/\S+$/;
/** A `<Dial>`'s screening attributes and their values ([D] the Dial XML page: any digit, # or * for the key; confirmTimeout in seconds). */
const CONFIRM_ATTRIBUTES: Record<string, RegExp> = { confirmSound: URL_VALUE, confirmKey: /^[0-9#*]$/, confirmTimeout: /^[1-9]\d*$/ };
/** Only POST is simulated, as for the Call API's methods: GET would change how each request is signed. */
const POST_ONLY = /^POST$/;
/** What each simulated element's attributes may hold (the Record, Speak and Hangup XML pages); an attribute not listed is an invalid answer XML. */
const ELEMENT_ATTRIBUTES: Record<string, Record<string, RegExp>> = {
  Record: {
    action: URL_VALUE,
    method: POST_ONLY,
    fileFormat: /^(mp3|wav)$/,
    redirect: BOOLEAN,
    timeout: /^[1-9]\d*$/,
    maxLength: /^([2-9]|[1-9]\d+)$/,
    playBeep: BOOLEAN,
    finishOnKey: /^[0-9#*]+$/,
    recordSession: BOOLEAN,
    startOnDialAnswer: BOOLEAN,
    recordChannelType: /^(mono|stereo)$/,
    transcriptionType: /^(auto|hybrid)$/,
    transcriptionUrl: URL_VALUE,
    transcriptionMethod: POST_ONLY,
    callbackUrl: URL_VALUE,
    callbackMethod: POST_ONLY,
  },
  Speak: { voice: /^\S+$/, language: /^[a-z]{2,3}(-[A-Za-z]+)*$/, loop: /^\d+$/ },
  Hangup: { reason: /^(rejected|busy)$/, schedule: /^\d+$/ },
};

export class PlivoSimulator {
  readonly calls = new Map<string, PlivoCall>();
  /** Requests for a recording's file, in order: its name and the Authorization they carried. */
  readonly mediaFetches: Array<{ file: string; authorization?: string }> = [];
  legOutcome: LegOutcome = { answer: true };
  dialOutcome: DialOutcome = { answer: true };
  /** Seconds the bridged parties talk. */
  talkSeconds = 42;
  /** What the agent's phone does when an outbound call rings it: answers at once, or rings until `pickUp` or the call is ended through the API. */
  agentPhone: 'answers' | 'rings' = 'answers';
  /** Whether an outbound call's answered `<Dial>` stays connected until the call is ended through the API. */
  holdCalls = false;
  /** The request ids whose calls were ended through the API (`DELETE …/Request/{request_uuid}/`), in order. */
  readonly hangups: string[] = [];
  /** The call ids (CallUUID) of the calls hung up through the API (`DELETE …/Call/{call_uuid}/`), in order. */
  readonly callHangups: string[] = [];
  /** The callbackUrl requests of each call's recordings, sent once the call is over. */
  private readonly processing = new Map<PlivoCall, Array<() => Promise<PlivoExchange>>>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: PlivoSimulatorOptions,
  ) {}

  static async start(options: PlivoSimulatorOptions): Promise<PlivoSimulator> {
    let simulator: PlivoSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { api_id: randomUUID(), error: error.message }));
    simulator = new PlivoSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    // A call a failed test left ringing or connected ends, so closing never waits on it.
    releaseCalls(this.calls.values());
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /** An incoming call to a Plivo number whose Application has these Answer and Hangup URLs. */
  inboundCall(input: { answerUrl: string; hangupUrl?: string; from: string; to: string; extra?: Record<string, string> }): PlivoCall {
    const call = this.newCall('inbound', input.from, input.to);
    const outcome = this.dialOutcome;
    call.done = (async () => {
      const base = { CallUUID: call.callUuid, From: call.from, To: call.to, Direction: 'inbound', ...input.extra };
      const answer = await this.webhook(call, 'answer', input.answerUrl, { ...base, CallStatus: 'ringing', Event: 'StartApp' });
      const talked = await this.followXml(call, answer, { ...base, CallStatus: 'in-progress' }, outcome);
      if (input.hangupUrl) {
        await this.webhook(call, 'hangup', input.hangupUrl, {
          ...base,
          CallStatus: 'completed',
          Event: 'Hangup',
          HangupCause: talked > 0 ? 'NORMAL_CLEARING' : !outcome.answer && outcome.status === 'cancel' ? 'ORIGINATOR_CANCEL' : 'NO_ANSWER',
          ...(talked > 0 ? NORMAL_HANGUP : {}),
          Duration: String(talked + 3),
          BillDuration: String(talked + 3),
        });
      }
      await this.filesReady(call);
    })();
    return call;
  }

  /** Sends one signed form POST, as Plivo does; exposed for step-by-step scenarios. */
  async webhook(call: PlivoCall, kind: PlivoExchange['kind'], url: string, params: Record<string, string>, tamper?: (headers: Record<string, string>) => void): Promise<PlivoExchange> {
    const nonce = String(randomBytes(8).readBigUInt64BE() % 10n ** 16n);
    const tokens = [...(this.options.otherTokens ?? []), this.options.authToken];
    const headers: Record<string, string> = {
      'Content-Type': 'application/x-www-form-urlencoded',
      'User-Agent': 'PlivoHTTP/1.0',
      'X-Plivo-Signature-V3': tokens.map((t) => plivoV3Signature(t, 'POST', url, params, nonce)).join(','),
      'X-Plivo-Signature-V3-Nonce': nonce,
    };
    tamper?.(headers);
    const answer = await sendWebhook(this.options.forward ? this.options.forward(url) : url, { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    const exchange: PlivoExchange = { kind, url, params, headers, ...answer };
    call.exchanges.push(exchange);
    return exchange;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const media = MEDIA_PATH.exec(url.pathname);
    if (media && req.method === 'GET') return this.recordingFile(req, res, media[1]!, media[2]!);
    const request = REQUEST_PATH.exec(url.pathname);
    const one = request ? null : ONE_CALL_PATH.exec(url.pathname);
    const match = request ?? one ?? CALL_PATH.exec(url.pathname);
    if (!match) return sendJson(res, 404, { api_id: randomUUID(), error: 'not found' });
    if (req.method !== (request || one ? 'DELETE' : 'POST')) return sendJson(res, 405, { api_id: randomUUID(), error: 'method not allowed' });
    const expected = basicAuth(this.options.authId, this.options.authToken);
    if (match[1] !== this.options.authId || req.headers.authorization !== expected) {
      return sendJson(res, 401, { api_id: randomUUID(), error: 'authentication failed: check your Auth ID and Auth Token' });
    }
    if (request) return this.cancelRequest(res, decodeURIComponent(request[2]!));
    if (one) return this.hangUpCall(res, decodeURIComponent(one[2]!));
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 400, { api_id: randomUUID(), error: 'the request body must be JSON' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { api_id: randomUUID(), error: 'the request body is not valid JSON' });
    }
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    for (const name of ['from', 'to', 'answer_url']) {
      if (!text(name)) return sendJson(res, 400, { api_id: randomUUID(), error: `${name} is a required parameter` });
    }
    if (!NUMBER.test(text('from'))) return sendJson(res, 400, { api_id: randomUUID(), error: `invalid from number: ${text('from')}` });
    if (!NUMBER.test(text('to')) && !text('to').startsWith('sip:')) return sendJson(res, 400, { api_id: randomUUID(), error: `invalid destination: ${text('to')}` });
    for (const name of ['answer_url', 'ring_url', 'hangup_url']) {
      if (text(name) && !/^https?:\/\//.test(text(name))) return sendJson(res, 400, { api_id: randomUUID(), error: `${name} is not a valid URL` });
    }
    for (const name of ['answer_method', 'ring_method', 'hangup_method']) {
      // Only POST is simulated; asking for GET would change how every request is signed.
      if (text(name) && text(name).toUpperCase() !== 'POST') return sendJson(res, 400, { api_id: randomUUID(), error: `${name}: the simulator only sends POST` });
    }
    const call = this.newCall('outbound', text('from'), text('to'));
    call.requestUuid = randomUUID();
    call.status = 'queued';
    this.calls.set(call.requestUuid, call);
    sendJson(res, 201, { message: 'call fired', request_uuid: call.requestUuid, api_id: randomUUID() });
    call.done = this.driveOutbound(call, { answerUrl: text('answer_url'), ringUrl: text('ring_url') || undefined, hangupUrl: text('hangup_url') || undefined }, this.legOutcome, this.dialOutcome);
  }

  /**
   * Cancel Call: ends the call a create answered `requestUuid` for, whether it is queued, rings
   * or (held) is in progress, and answers 204 with no body; its hangup URL then reports the end.
   * A request id that is unknown, or whose call is over, is answered 404 [I].
   */
  private cancelRequest(res: ServerResponse, requestUuid: string): void {
    const call = this.calls.get(requestUuid);
    if (!call || call.requestUuid !== requestUuid || !isLive(call)) return sendJson(res, 404, { api_id: randomUUID(), error: 'not found' });
    this.hangups.push(requestUuid);
    this.endByApi(res, call);
  }

  /**
   * Hangup a specific call ([D] "Hangup a specific call": DELETE …/Call/{call_uuid}/, 204): the
   * call whose CallUUID it names ends, ringing [I] or in progress, as a Cancel Call ends it. An
   * unknown or ended call is answered 404 [I].
   */
  private hangUpCall(res: ServerResponse, callUuid: string): void {
    const call = this.calls.get(callUuid);
    if (!call || call.callUuid !== callUuid || !isLive(call)) return sendJson(res, 404, { api_id: randomUUID(), error: 'not found' });
    this.callHangups.push(callUuid);
    this.endByApi(res, call);
  }

  private endByApi(res: ServerResponse, call: PlivoCall): void {
    call.endedByApi = true;
    if (call.ringing) call.ringing.end();
    else if (call.status !== 'in-progress') call.endedEarly = true;
    // In progress: a held call ends now; one not held is ending on its own anyway.
    else call.connected?.();
    res.writeHead(204).end();
  }

  /** The agent's phone, ringing for an outbound call (`agentPhone = 'rings'`), answers it. */
  pickUp(call: PlivoCall): void {
    if (!call.ringing) throw new Error(`call ${call.requestUuid ?? call.callUuid} is not ringing`);
    call.ringing.pickUp();
  }

  private async driveOutbound(call: PlivoCall, plan: OutboundPlan, outcome: LegOutcome, dialed: DialOutcome): Promise<void> {
    const started = new Date();
    const base = { From: call.from, To: call.to, RequestUUID: call.requestUuid!, ALegRequestUUID: call.requestUuid!, CallUUID: call.callUuid, Direction: 'outbound' };
    const hangup = (params: Record<string, string>) => (plan.hangupUrl ? this.webhook(call, 'hangup', plan.hangupUrl, { ...base, ALegUUID: call.callUuid, Event: 'Hangup', StartTime: zonelessTime(started), ...params }) : undefined);
    if (!call.endedEarly) {
      call.status = 'ringing';
      if (plan.ringUrl) await this.webhook(call, 'ring', plan.ringUrl, { ...base, Event: 'Ring', CallStatus: 'ringing', SessionStart: sessionStart(started) });
    }
    if (call.endedEarly || this.agentPhone === 'rings') {
      const pickedUp = !call.endedEarly && (await new Promise<boolean>((resolve) => (call.ringing = { pickUp: () => resolve(true), end: () => resolve(false) })));
      call.ringing = undefined;
      if (!pickedUp) {
        // Cancelled through the API before anyone answered: nothing was bridged.
        call.status = CANCELED_BY_API.CallStatus;
        await hangup({ ...CANCELED_BY_API, Duration: '0', BillDuration: '0', EndTime: zonelessTime(new Date()) });
        return;
      }
    }
    let talked = 0;
    const answered = new Date(started.getTime() + 3000);
    if (outcome.answer) {
      call.status = 'in-progress';
      const answer = await this.webhook(call, 'answer', plan.answerUrl, { ...base, ALegUUID: call.callUuid, Event: 'StartApp', CallStatus: 'in-progress', SessionStart: sessionStart(started) });
      const hold = this.holdCalls ? () => this.holdConnected(call) : undefined;
      talked = await this.followXml(call, answer, { ...base, ALegUUID: call.callUuid, CallStatus: 'in-progress' }, dialed, hold);
    }
    call.status = outcome.answer ? 'completed' : outcome.status;
    const duration = outcome.answer ? talked + 3 : 0;
    await hangup({
      CallStatus: call.status,
      HangupCause: outcome.answer ? (call.errors.length ? 'Invalid Answer XML' : 'NORMAL_CLEARING') : outcome.status === 'busy' ? 'USER_BUSY' : 'NO_ANSWER',
      ...(outcome.answer && !call.errors.length ? { ...NORMAL_HANGUP, ...(call.endedByApi ? { HangupSource: CANCELED_BY_API.HangupSource } : {}) } : {}),
      Duration: String(duration),
      BillDuration: String(duration),
      ...(outcome.answer ? { AnswerTime: zonelessTime(answered) } : {}),
      EndTime: zonelessTime(new Date(answered.getTime() + duration * 1000)),
    });
    await this.filesReady(call);
  }

  /** Keeps an answered `<Dial>` connected until the call is ended through the API. */
  private holdConnected(call: PlivoCall): Promise<void> {
    return new Promise<void>((resolve) => (call.connected = resolve)).then(() => {
      call.connected = undefined;
    });
  }

  /**
   * Follows an answer: Plivo XML under `<Response>`, run element by element. `<Speak>` is noted;
   * `<Hangup>` ends the call; each `<Dial>` rings its `<Number>`s at once (the first answers,
   * unless `outcome` says none does), and its action hands the call to the XML it answers; a
   * `<Record startOnDialAnswer>` records the next `<Dial>` once a number answers; any other
   * `<Record>` takes the caller's message (`takeMessage`). Anything Plivo would refuse ends the call
   * with an error. `params` are the call's own parameters, sent with every request. `hold` keeps
   * the first `<Dial>` that connects connected until it resolves. Returns the seconds talked.
   */
  private async followXml(call: PlivoCall, answer: PlivoExchange, params: Record<string, string>, outcome: DialOutcome, hold?: () => Promise<void>): Promise<number> {
    const document = answerXml(call, answer);
    if (!document) return 0;
    let talked = 0;
    /** A `<Record startOnDialAnswer>` waiting for its `<Dial>`, and the file it will make. */
    let recordsDial: { verb: TwimlElement; url: string } | undefined;
    for (const verb of document.children) {
      const invalid = invalidElement(verb);
      if (invalid) {
        call.errors.push(`Invalid Answer XML: ${invalid}`);
        return talked;
      }
      if (verb.name === 'Speak') {
        call.said.push(verb.text.trim());
        continue;
      }
      if (verb.name === 'Hangup') return talked;
      if (verb.name === 'Record' && verb.attrs.startOnDialAnswer !== 'true') return talked + (await this.takeMessage(call, verb, params, outcome));
      if (verb.name === 'Record') {
        recordsDial = { verb, url: this.newRecordingUrl(verb) };
        if (!verb.attrs.action) continue;
        // Requested at once, the file still to come; unless redirect="false", the call goes on with the action's XML instead of the rest.
        const started = await this.webhook(call, 'record-action', verb.attrs.action, { ...params, Event: 'Redirect', Digits: '', ...recordingFields(recordsDial.url, -1) });
        if (verb.attrs.redirect !== 'false') return talked + (await this.followXml(call, started, params, outcome));
        continue;
      }
      const elements = verb.children.filter((e) => e.name === 'Number');
      const numbers = elements.map((e) => e.text.trim());
      const invalidNumber = numbers.find((n) => !NUMBER.test(n) && !n.startsWith('sip:'));
      if (numbers.length === 0 || invalidNumber !== undefined) {
        call.errors.push(`Invalid Answer XML: <Dial> needs <Number>s of digits${invalidNumber ? ` (got "${invalidNumber}")` : ''}`);
        return talked;
      }
      const badDigits = elements.map((e) => e.attrs.sendDigits).find((d) => d !== undefined && !SEND_DIGITS.test(d));
      if (badDigits !== undefined) {
        call.errors.push(`Invalid Answer XML: sendDigits "${badDigits}"`);
        return talked;
      }
      call.dialed.push(...numbers);
      if (verb.attrs.callerId !== undefined) call.callerIds.push(verb.attrs.callerId);
      const result = await this.dial(call, verb, numbers, params, outcome, hold);
      if (!result) return talked;
      if (result.bridged !== undefined) {
        const digits = elements[result.bridged]?.attrs.sendDigits;
        if (digits !== undefined) call.sentDigits.push(digits);
        talked += this.talkSeconds;
        // The talk was recorded from the answer: the file is ready once the call is over.
        if (recordsDial) this.recorded(call, recordsDial.url, this.talkSeconds, recordsDial.verb.attrs.callbackUrl);
      }
      recordsDial = undefined;
      if (verb.attrs.action) {
        const next = await this.webhook(call, 'dial-action', verb.attrs.action, { ...params, Event: 'Redirect', ...result.params });
        return talked + (await this.followXml(call, next, params, outcome));
      }
    }
    return talked;
  }

  /**
   * A `<Record>` that records no dial: after the beep the caller speaks `outcome.message` seconds
   * (at most maxLength) and hangs up, or hangs up at once. Then, as Plivo does, the action (the
   * call completed, the file's fields); the call is over, so the XML it answers has nothing left to
   * run. The file is ready once the call is over (its callbackUrl). Returns 0: nobody talked.
   */
  private async takeMessage(call: PlivoCall, verb: TwimlElement, params: Record<string, string>, outcome: DialOutcome): Promise<number> {
    const seconds = Math.min(outcome.message ?? 0, Number(verb.attrs.maxLength ?? 60));
    const url = this.newRecordingUrl(verb);
    if (verb.attrs.action) await this.webhook(call, 'record-action', verb.attrs.action, { ...params, CallStatus: 'completed', Event: 'Redirect', Digits: '', ...recordingFields(url, seconds) });
    this.recorded(call, url, seconds, verb.attrs.callbackUrl);
    return 0;
  }

  /** A file a `<Record>` made; its callbackUrl, if any, is requested once the call is over (`filesReady`). */
  private recorded(call: PlivoCall, url: string, seconds: number, callbackUrl: string | undefined): void {
    call.recordings.push({ url, seconds });
    if (!callbackUrl) return;
    const ready = this.processing.get(call) ?? [];
    ready.push(() => this.webhook(call, 'recording', callbackUrl, recordingFields(url, seconds)));
    this.processing.set(call, ready);
  }

  /** The recordings of a call that is over are ready: their callbackUrls, in order. */
  private async filesReady(call: PlivoCall): Promise<void> {
    for (const ready of this.processing.get(call) ?? []) await ready();
    this.processing.delete(call);
  }

  /**
   * A recording's file, where its RecordUrl says (media.plivo.com, which the tests send here):
   * asked with the Auth ID and Auth Token ([I] whether Plivo asks for them is not documented; the
   * simulator does, the harder case), its bytes. Each counted in `mediaFetches`.
   */
  private recordingFile(req: IncomingMessage, res: ServerResponse, account: string, file: string): void {
    this.mediaFetches.push({ file, authorization: req.headers.authorization });
    if (account !== this.options.authId || req.headers.authorization !== basicAuth(this.options.authId, this.options.authToken)) {
      return sendJson(res, 401, { api_id: randomUUID(), error: 'authentication failed: check your Auth ID and Auth Token' });
    }
    const made = [...this.calls.values()].flatMap((c) => c.recordings).find((r) => r.url.endsWith(`/Recording/${file}`));
    if (!made) return sendJson(res, 404, { api_id: randomUUID(), error: 'not found' });
    sendRecording(req, res, recordingBytes(file, made.seconds));
  }

  /** Where Plivo keeps a new recording ([C] a live RecordUrl): the account's, by its RecordingID, in the Record's format. */
  private newRecordingUrl(verb: TwimlElement): string {
    return `https://media.plivo.com/v1/Account/${this.options.authId}/Recording/${randomUUID()}.${verb.attrs.fileFormat ?? 'mp3'}`;
  }

  /**
   * Rings a `<Dial>`'s numbers, sending its callbackUrl events: DialAction answer when a number
   * picks up, connected once it is bridged (both [I] as to when). With a confirmSound, each phone
   * that picks up first hears its question (`confirmation`): the one that presses confirmKey is
   * bridged, a phone whose own voicemail answered never presses and is hung up once
   * confirmTimeout runs out, while the others ring on; unscreened, the first to pick up, a
   * voicemail too, is bridged. `hold` keeps the bridged number connected until it resolves.
   * Returns the action URL's Dial parameters and the `<Number>` bridged, or nothing when Plivo
   * would refuse the `<Dial>` (the reason in `call.errors`).
   */
  private async dial(call: PlivoCall, verb: TwimlElement, numbers: string[], params: Record<string, string>, outcome: DialOutcome, hold?: () => Promise<void>): Promise<DialResult | undefined> {
    const screen = await this.confirmation(call, verb, params);
    if (screen === 'refused') return undefined;
    const callbackUrl = verb.attrs.callbackUrl;
    const legs = numbers.map((to, i) => ({ CallUUID: call.callUuid, DialALegUUID: call.callUuid, DialBLegUUID: randomUUID(), DialBLegTo: to, DialBLegFrom: verb.attrs.callerId ?? call.from, DialBLegPosition: String(i + 1) }));
    type Leg = (typeof legs)[number];
    const event = async (leg: Leg, fields: Record<string, string>) => {
      if (callbackUrl) await this.webhook(call, 'dial-callback', callbackUrl, { ...leg, ...fields });
    };
    const pickedUp = (leg: Leg) => event(leg, { Event: 'DialAnswer', DialAction: 'answer', DialBLegStatus: 'answer' });
    const hangup = (leg: Leg, seconds: number, cause: string) =>
      event(leg, { Event: 'DialHangup', DialAction: 'hangup', DialBLegStatus: 'hangup', DialBLegDuration: String(seconds), DialBLegBillDuration: String(seconds), DialBLegHangupCause: cause });
    const bridge = async (leg: Leg): Promise<DialResult> => {
      await event(leg, { DialAction: 'connected', DialBLegStatus: 'connected' });
      await hold?.();
      // The numbers that lost the race, and screened phones that never pressed, get no request (LOSE_RACE: [C] plivoframework).
      await hangup(leg, this.talkSeconds, 'NORMAL_CLEARING');
      return { params: { DialStatus: 'completed', DialRingStatus: 'true', DialHangupCause: 'NORMAL_CLEARING', DialALegUUID: call.callUuid, DialBLegUUID: leg.DialBLegUUID }, bridged: legs.indexOf(leg) };
    };
    const isVoicemail = (leg: Leg) => (outcome.voicemails ?? []).some((n) => digitsOf(n) === leg.DialBLegTo);
    for (const leg of legs.filter(isVoicemail)) {
      await pickedUp(leg);
      if (!screen) return bridge(leg);
      call.said.push(...screen.prompt);
    }
    if (outcome.answer) {
      const picked = outcome.pickUp === undefined ? legs.find((leg) => !isVoicemail(leg)) : legs.find((leg) => leg.DialBLegTo === digitsOf(outcome.pickUp!));
      if (!picked) throw new Error(`no <Number> ${outcome.pickUp ?? ''} to pick up among ${numbers.join(', ')}`);
      await pickedUp(picked);
      if (screen) call.said.push(...screen.prompt);
      return bridge(picked);
    }
    for (const leg of legs) await (isVoicemail(leg) ? hangup(leg, screen!.timeout, 'NO_ANSWER') : hangup(leg, 0, DIAL_HANGUP_CAUSE[outcome.status]));
    return { params: { DialStatus: outcome.status, DialRingStatus: String(outcome.status !== 'failed'), DialHangupCause: DIAL_HANGUP_CAUSE[outcome.status], DialALegUUID: call.callUuid, DialBLegUUID: '' } };
  }

  /**
   * A `<Dial confirmSound confirmKey>`'s question, fetched as Plivo's engine does once the `<Dial>`
   * starts ([C] plivoframework: one POST with the call's own parameters): the text of each
   * `<Speak>` (a `<Play>`'s URL, in brackets) and how long a phone that answered has to press.
   * Unscreened (nothing): no confirmSound, no key, or an answer that is not XML or holds no sound
   * ([C] the engine then dials unscreened; the failure is noted in `call.errors` all the same).
   * Elements other than `<Play>`, `<Speak>` and `<Wait>`, which Plivo ignores ([D]), are noted too.
   * 'refused': an attribute out of its documented values.
   */
  private async confirmation(call: PlivoCall, verb: TwimlElement, params: Record<string, string>): Promise<{ prompt: string[]; timeout: number } | 'refused' | undefined> {
    for (const [name, pattern] of Object.entries(CONFIRM_ATTRIBUTES)) {
      const value = verb.attrs[name];
      if (value !== undefined && !pattern.test(value)) {
        call.errors.push(`Invalid Answer XML: <Dial ${name}="${value}">`);
        return 'refused';
      }
    }
    const { confirmSound, confirmKey, confirmTimeout } = verb.attrs;
    if (!confirmSound) return undefined;
    const document = answerXml(call, await this.webhook(call, 'confirm-sound', confirmSound, params));
    if (!document) return undefined;
    const prompt: string[] = [];
    for (const element of document.children) {
      if (element.name === 'Speak') prompt.push(element.text.trim());
      else if (element.name === 'Play') prompt.push(`[${element.text.trim()}]`);
      else if (element.name !== 'Wait') call.errors.push(`confirmSound answered <${element.name}>, which Plivo ignores there`);
    }
    if (!prompt.length) call.errors.push('confirmSound answered no sound: the <Dial> is not screened');
    return prompt.length && confirmKey ? { prompt, timeout: Number(confirmTimeout ?? 120) } : undefined;
  }

  private newCall(direction: PlivoCall['direction'], from: string, to: string): PlivoCall {
    const call: PlivoCall = { callUuid: randomUUID(), direction, from, to, dialed: [], callerIds: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.callUuid, call);
    return call;
  }
}

/**
 * The string Plivo's V3 scheme signs, written from plivo-python's `signature_v3.py`: the URL
 * without its query; for POST, "?" and the sorted query (`k=v&…`, query values decoded) when
 * there is a query or any body parameter, "." when there are both, then the sorted body
 * parameters as `k` + `v` with no separators.
 */
export function plivoV3String(method: 'GET' | 'POST', url: string, params: Record<string, string>): string {
  const queryAt = url.indexOf('?');
  const base = queryAt < 0 ? url : url.slice(0, queryAt);
  const query = new Map<string, string[]>();
  for (const [key, value] of new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1))) query.set(key, [...(query.get(key) ?? []), value]);
  if (method === 'GET') for (const [key, value] of Object.entries(params)) query.set(key, [...(query.get(key) ?? []), value]);
  const queryString = [...query.keys()]
    .sort()
    .flatMap((key) => [...query.get(key)!].sort().map((value) => `${key}=${value}`))
    .join('&');
  if (method === 'GET') return queryString ? `${base}?${queryString}` : base;
  const keys = Object.keys(params).sort();
  let signed = base;
  if (queryString || keys.length) signed += `?${queryString}`;
  if (queryString && keys.length) signed += '.';
  return signed + keys.map((key) => key + params[key]).join('');
}

export function plivoV3Signature(token: string, method: 'GET' | 'POST', url: string, params: Record<string, string>, nonce: string): string {
  return createHmac('sha256', token).update(`${plivoV3String(method, url, params)}.${nonce}`, 'utf8').digest('base64');
}

/** The Plivo XML an answer holds, or nothing (the reason in `call.errors`): what Plivo refuses ends the call. */
function answerXml(call: PlivoCall, answer: PlivoExchange): TwimlElement | undefined {
  if (answer.status !== 200) {
    call.errors.push(`${answer.kind} URL answered HTTP ${answer.status}`);
    return undefined;
  }
  if (!/^(text|application)\/xml/i.test(answer.contentType)) {
    call.errors.push(`${answer.kind} URL answered ${answer.contentType || 'no content type'}, not XML`);
    return undefined;
  }
  if (Buffer.byteLength(answer.body) > 100 * 1024) {
    call.errors.push('answer XML is larger than 100 KB');
    return undefined;
  }
  try {
    return parseTwiml(answer.body);
  } catch (error) {
    call.errors.push(`Invalid Answer XML: ${(error as Error).message}`);
    return undefined;
  }
}

/** Why Plivo would refuse an element the simulator runs, or undefined: an element it does not run, an attribute unknown or out of its values, a `<Speak>` with nothing to say. */
function invalidElement(verb: TwimlElement): string | undefined {
  if (verb.name === 'Dial') return undefined;
  const allowed = ELEMENT_ATTRIBUTES[verb.name];
  if (!allowed) return `<${verb.name}> is not simulated`;
  for (const [name, value] of Object.entries(verb.attrs)) {
    const pattern = allowed[name];
    if (!pattern) return `<${verb.name}> has no attribute ${name}`;
    if (!pattern.test(value)) return `<${verb.name} ${name}="${value}">`;
  }
  if (verb.name === 'Record' && verb.attrs.recordSession === 'true') return '<Record recordSession> is not simulated';
  if (verb.name === 'Speak' && !verb.text.trim()) return '<Speak> has no text';
  return undefined;
}

/** A recording's fields, as the Record's action and callbackUrl carry them ([C]); -1 seconds: still recording. */
function recordingFields(url: string, seconds: number): Record<string, string> {
  const id = url.slice(url.lastIndexOf('/') + 1).replace(/\.\w+$/, '');
  const ended = Date.now();
  const ms = seconds < 0 ? -1 : seconds * 1000;
  return {
    RecordUrl: url,
    RecordFile: url,
    RecordingID: id,
    RecordingDuration: String(seconds),
    RecordingDurationMs: String(ms),
    ...(seconds < 0 ? {} : { RecordingStartMs: String(ended - ms), RecordingEndMs: String(ended) }),
  };
}

function sessionStart(date: Date): string {
  return `${date.toISOString().slice(0, 23).replace('T', ' ')}000`;
}

/** A number as a `<Number>` holds it: its digits. */
function digitsOf(number: string): string {
  return number.replace(/\D/g, '');
}

/** A call placed through the API that has not ended: queued, ringing or in progress. */
function isLive(call: PlivoCall): boolean {
  return call.status === 'queued' || call.status === 'ringing' || call.status === 'in-progress';
}
