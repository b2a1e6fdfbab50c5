/**
 * A Twilio Programmable Voice simulator over real HTTP, speaking Twilio's documented wire
 * format: it takes create-call requests (Basic auth, form body, 201 JSON with a `CA…` sid),
 * then drives the call the way Twilio does: status callbacks for the requested
 * StatusCallbackEvents, the voice webhook on `Url`, the TwiML it gets back
 * (`<Dial action><Number>…`) and the final `completed` callback. Every webhook is a form POST
 * signed with `X-Twilio-Signature` over the exact URL called. Inbound calls are started with
 * `inboundCall`. Everything sent and received is kept in `exchanges` for assertions.
 *
 * Sources: [D] twilio.com/docs/voice/api/call-resource (create call, call object, statuses,
 * directions); [D] twilio.com/docs/voice/twiml#request-parameters (voice webhook fields);
 * [D] twilio.com/docs/voice/twiml/number, "Status Callback HTTP Parameters": CallStatus,
 * CallDuration (completed only), Timestamp (RFC 2822, when the event fired), CallbackSource
 * `call-progress-events`, SequenceNumber from 0; [D] twilio-python `test_request_validator.py`
 * (signature).
 * Error bodies are `{code, message, more_info, status}` [D twilio.com/docs/usage/twilios-response:
 * a refused request is HTTP 400 with its Code and MoreInfo]. Their texts: 20003 "Authenticate";
 * 21201 "No 'To' number is specified", 21213 "No 'From' number is specified" and 21210 "The
 * source phone number provided, …, is not yet verified for your account. …", all HTTP 400 [C a
 * Cucumber suite run against api.twilio.com, "Incoming Voice Calls negative testing"]; 20404 "The
 * requested resource /2010-04-01/… was not found" (the path) [C integrations' recorded answers];
 * 21205 "Url is not a valid URL: <the url>" [C an integrator's captured error]; 32018 [D its error
 * page]. [I] 20001's and 20004's texts, not found in Twilio's pages or integrators' code.
 *
 * `StatusCallbackEvent` is one parameter per event, as Twilio documents it (twilio-node `call.ts`);
 * a value that is not one event name, such as "initiated ringing", is refused with Twilio's
 * documented error 21626 "Invalid 'StatusCallbackEvent'" [D its error page]; HTTP 400 as for every
 * refused parameter [D twilios-response], not seen in a captured answer for 21626 itself.
 * A `<Number sendDigits>` (0-9, *, # and w, Twilio's <Number> reference; anything else is
 * warning 13222 and no digits are sent) is keyed in when that number answers; the first
 * `<Number>` of a `<Dial>` is the one that answers here.
 *
 * A call created with inline TwiML (`Twiml` instead of `Url`, as twilio-direct.xml does) runs
 * that document at once, with no voice webhook. Twilio documents (twilio-node `call.ts`, the
 * `twiml` parameter) that `Url` wins when both are given and that `Twiml` holds at most 4000
 * characters (error 32018, "Twiml size exceeded maximum allowed value of 4000 characters", its
 * error page); HTTP 400 as for every refused parameter [D twilios-response], not seen in a
 * captured answer for 32018 itself.
 *
 * `numbers`, when given, are the account's own numbers: a call from any other is refused with
 * 21210, as Twilio refuses a caller ID the account has neither bought nor verified.
 *
 * Twilio-compatible providers reuse it through the options: SignalWire's LaML API lives under
 * `/api/laml/2010-04-01`, signs with its own key under its own header and has UUID call sids.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { computeTwilioSignature } from '@phone-connector/shared';
import { basicAuth, closeServer, listen, readBody, recordingBytes, releaseCalls, sendJson, sendRecording, sendWebhook } from './http.ts';
import { parseTwiml, type TwimlElement } from './twiml.ts';

export interface TwilioSimulatorOptions {
  accountSid: string;
  authToken: string;
  /**
   * Where a request to a public URL really goes, as a reverse proxy or tunnel would forward it.
   * The signature is always computed over the public URL, as Twilio does.
   */
  forward?: (publicUrl: string) => string;
  /** Path of the API before `/Accounts/{sid}/Calls.json`; default `/2010-04-01`. */
  apiPrefix?: string;
  /** Headers that carry the webhook signature; default `X-Twilio-Signature`. */
  signatureHeaders?: readonly string[];
  /** Key that signs webhooks; default the auth token (SignalWire: the project's Signing Key). */
  signingKey?: string;
  /** Computes a webhook signature; default the engine's Twilio algorithm. */
  sign?: (key: string, url: string, params: Record<string, string>) => Promise<string> | string;
  /** Makes a call sid; default `CA` and 32 hex digits. */
  newSid?: () => string;
  /**
   * The fields an inbound call's status callback adds to the standard ones, given when the call
   * was created; default Twilio's call-progress fields (SignalWire's number-level callback differs).
   */
  inboundStatusFields?: (call: SimulatedCall, createdAt: Date) => Record<string, string>;
  /** The account's numbers; when set, a call `From` another number is refused (21210). */
  numbers?: readonly string[];
  /** The body of a refused request; default Twilio's `{code, message, more_info, status}`. */
  errorBody?: (status: number, code: number, message: string) => unknown;
  /** The HTTP status of a created call; default Twilio's 201. */
  createdStatus?: number;
  /** Where a new recording is, its sid the last segment; default Twilio's `…/Accounts/{sid}/Recordings/RE…`. */
  newRecordingUrl?: () => string;
}

/** One webhook the simulator sent, and the relay's answer. */
export interface Exchange {
  /**
   * `number-status`: a dialled `<Number>`'s own status callback (its `statusCallback`), for the
   * child leg; `record-action` and `recording-status`: a `<Record>`'s action and its
   * `recordingStatusCallback`; `screen` and `screen-action`: a `<Number url>` run on the answering
   * phone's leg before it is bridged, and its `<Gather action>`.
   */
  kind: 'voice' | 'status' | 'dial-action' | 'number-status' | 'record-action' | 'recording-status' | 'screen' | 'screen-action';
  method: 'GET' | 'POST';
  url: string;
  params: Record<string, string>;
  /** 0 when the request did not get an HTTP answer. */
  status: number;
  contentType: string;
  body: string;
}

/**
 * What the people a `<Dial>` rings do: its first `<Number>` (or the one `pickUp` names) answers,
 * or nobody does; then a caller asked to leave a message (a `<Record>` in the reply to the
 * `<Dial action>`, or in the voice URL's own answer when it dials nobody) speaks `message`
 * seconds and hangs up, or at once when it is not given. Asked to press a key first (a
 * `<Number url>` with a `<Gather>`), the phone that answered does so unless `pressesKey` is false
 * (its own voicemail took the call): then nobody took it.
 */
export type DialOutcome =
  | { answer: true; talkSeconds: number; pickUp?: string; pressesKey?: boolean; message?: number }
  | { answer: false; status: 'busy' | 'no-answer' | 'failed'; message?: number };

export interface SimulatedCall {
  sid: string;
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
  /** The messages each `<Record>` took: its recording's URL and seconds. */
  recordings: Array<{ url: string; seconds: number }>;
  /** Twilio error notifications the call raised (bad TwiML). */
  errors: string[];
  /** The inline TwiML the call was created with (`Twiml` parameter), if any. */
  twiml?: string;
  exchanges: Exchange[];
  /** A held inbound call's `<Dial>` still connected: its `action` request, sent by `hangUp`. */
  heldDial?: () => Promise<void>;
  /** While an outbound call rings the agent's phone (`agentPhone = 'rings'`): it answers (`pickUp`), or the call ends unanswered. */
  ringing?: { pickUp(): void; end(): void };
  /** Ended through the API before its phone was ringing for the simulator: it ends when it would ring. */
  endedEarly?: boolean;
  /** An outbound call connected and held (`holdCalls`): ends it, as hanging up through the API does. */
  connected?: () => void;
  /** Resolves when the call has ended and its last callback was sent. */
  done: Promise<void>;
}

interface CreatedCallPlan {
  /** The voice URL, or the inline TwiML document the call runs instead. */
  voice: { url: string } | { twiml: string };
  method: 'GET' | 'POST';
  statusCallback?: string;
  statusCallbackMethod: 'GET' | 'POST';
  events: Set<string>;
}

/**
 * The webhooks of an answered outbound call with every StatusCallbackEvent, in order, as
 * [kind, CallStatus] (Twilio, and the Twilio-compatible SignalWire and Telnyx TeXML).
 */
export const ANSWERED_OUTBOUND_WEBHOOKS: ReadonlyArray<readonly [Exchange['kind'], string]> = [
  ['status', 'initiated'],
  ['status', 'ringing'],
  ['voice', 'in-progress'],
  ['status', 'in-progress'],
  ['dial-action', 'in-progress'],
  ['status', 'completed'],
];

const API_VERSION = '2010-04-01';
/** The values StatusCallbackEvent takes (twilio-node `CallEvent`). */
const CALL_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);
/** A recording's media file: `…/Accounts/{sid}/Recordings/{RecordingSid}.mp3`. */
const RECORDING_MEDIA = /\/Accounts\/([^/]+)\/Recordings\/([^/.]+)\.mp3$/;

/** What `<Dial record>` may say (twilio.com/docs/voice/twiml/dial, `record`; anything else is warning 13217). */
const DIAL_RECORD = new Set(['true', 'false', 'do-not-record', 'record-from-answer', 'record-from-ringing', 'record-from-answer-dual', 'record-from-ringing-dual']);
/** What `<Number sendDigits>` may hold (warning 13222). */
const SEND_DIGITS = /^[0-9*#w]+$/;
/** Twilio's documented maximum for the `Twiml` parameter (error 32018). */
const MAX_TWIML_CHARS = 4000;

export class TwilioSimulator {
  readonly calls = new Map<string, SimulatedCall>();
  private readonly apiPrefix: string;
  private readonly callsPath: RegExp;
  /** One call's resource: `POST` updates it (ends it). */
  private readonly callPath: RegExp;
  /** How the next outbound call's `<Dial>` ends; the default is answered, 42 s of talk. */
  dialOutcome: DialOutcome = { answer: true, talkSeconds: 42 };
  /** What the agent's phone does when an outbound call rings it: answers at once, or rings until `pickUp` or the call is ended through the API. */
  agentPhone: 'answers' | 'rings' = 'answers';
  /** Whether an outbound call's answered `<Dial>` stays connected until the call is ended through the API. */
  holdCalls = false;
  /** The requests that updated a call (`POST …/Calls/{Sid}.json`), in order: the call's sid and the form sent. */
  readonly updates: Array<{ sid: string; form: Record<string, string> }> = [];
  /** Requests for a recording's media file, in order: its sid, and the Authorization and Range they carried. */
  readonly mediaFetches: Array<{ sid: string; authorization?: string; range?: string }> = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: TwilioSimulatorOptions,
  ) {
    this.apiPrefix = (options.apiPrefix ?? `/${API_VERSION}`).replace(/\/+$/, '');
    const prefix = this.apiPrefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    this.callsPath = new RegExp(`^${prefix}/Accounts/([^/]+)/Calls\\.json$`);
    this.callPath = new RegExp(`^${prefix}/Accounts/([^/]+)/Calls/([^/]+)\\.json$`);
  }

  static async start(options: TwilioSimulatorOptions): Promise<TwilioSimulator> {
    let simulator: TwilioSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { message: error.message, status: 500 }));
    simulator = new TwilioSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    // A call a failed test left ringing or connected ends, so closing never waits on it.
    releaseCalls(this.calls.values());
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /**
   * An inbound call: Twilio requests the number's voice URL, then follows the TwiML; the agents it
   * dials answer and talk 30 s unless `dial` says otherwise. A `held` call stays connected once an
   * agent answered (`done` resolves then) until `hangUp`.
   */
  inboundCall(input: { url: string; from: string; to: string; statusCallback?: string; extra?: Record<string, string>; dial?: DialOutcome; held?: boolean }): SimulatedCall {
    const call = this.newCall('inbound', input.from, input.to, 'ringing');
    const createdAt = new Date();
    const end = async () => {
      call.status = 'completed';
      const fields = this.options.inboundStatusFields?.(call, createdAt) ?? { CallDuration: '35', ...progress(call, 1) };
      if (input.statusCallback) await this.webhook(call, 'status', 'POST', input.statusCallback, fields);
    };
    call.done = (async () => {
      const voice = await this.webhook(call, 'voice', 'POST', input.url, { ...input.extra });
      // Twilio answers an inbound call to run its TwiML.
      call.status = 'in-progress';
      await this.followTwiml(call, voice, input.dial ?? { answer: true, talkSeconds: 30 }, input.held ? (action) => (call.heldDial = async () => (await action(), await end())) : undefined);
      if (!call.heldDial) await end();
    })();
    return call;
  }

  /** The caller of a held call hangs up: the `<Dial action>`, then the number's status callback if it has one. */
  async hangUp(call: SimulatedCall): Promise<void> {
    await call.done;
    const action = call.heldDial;
    if (!action) throw new Error(`call ${call.sid} is not held`);
    call.heldDial = undefined;
    await action();
  }

  /** Sends one signed webhook for a call, as Twilio would (`bare`: with the account and the call sid only); exposed for step-by-step scenarios. */
  async webhook(call: SimulatedCall, kind: Exchange['kind'], method: 'GET' | 'POST', url: string, extra: Record<string, string> = {}, bare = false): Promise<Exchange> {
    // A recording's status callback names the account and the call, none of the call's other fields.
    const params = bare ? { AccountSid: this.options.accountSid, CallSid: call.sid, ...extra } : { ...this.standardParams(call), ...extra };
    const target = new URL(url);
    if (method === 'GET') for (const [k, v] of Object.entries(params)) target.searchParams.append(k, v);
    const signed = method === 'GET' ? target.toString() : url;
    const sign = this.options.sign ?? computeTwilioSignature;
    const signature = await sign(this.options.signingKey ?? this.options.authToken, signed, method === 'GET' ? {} : params);
    const signatureHeaders = Object.fromEntries((this.options.signatureHeaders ?? ['X-Twilio-Signature']).map((name) => [name, signature]));
    const answer = await sendWebhook(this.options.forward ? this.options.forward(signed) : signed, {
      method,
      headers: { ...signatureHeaders, 'User-Agent': 'TwilioProxy/1.1', ...(method === 'POST' ? { 'Content-Type': 'application/x-www-form-urlencoded' } : {}) },
      ...(method === 'POST' ? { body: new URLSearchParams(params).toString() } : {}),
    });
    const exchange: Exchange = { kind, method, url: signed, params, ...answer };
    call.exchanges.push(exchange);
    return exchange;
  }

  private refuse(res: ServerResponse, status: number, code: number, message: string): void {
    const body = this.options.errorBody?.(status, code, message) ?? { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
    sendJson(res, status, body);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const media = RECORDING_MEDIA.exec(url.pathname);
    if (media && req.method === 'GET') return this.recordingMedia(req, res, media[1]!, media[2]!);
    const one = this.callPath.exec(url.pathname);
    const match = one ?? this.callsPath.exec(url.pathname);
    if (!match) return this.refuse(res, 404, 20404, `The requested resource ${url.pathname} was not found`);
    if (req.method !== 'POST') return this.refuse(res, 405, 20004, 'Method not allowed');
    const expected = basicAuth(this.options.accountSid, this.options.authToken);
    if (match[1] !== this.options.accountSid || req.headers.authorization !== expected) return this.refuse(res, 401, 20003, 'Authenticate');
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) {
      return this.refuse(res, 400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
    }
    const form = new URLSearchParams(await readBody(req));
    if (one) return this.update(res, url.pathname, decodeURIComponent(one[2]!), form);
    const to = form.get('To');
    const from = form.get('From');
    const voiceUrl = form.get('Url');
    const twiml = form.get('Twiml');
    if (!to) return this.refuse(res, 400, 21201, "No 'To' number is specified");
    if (!from) return this.refuse(res, 400, 21213, "No 'From' number is specified");
    if (this.options.numbers && !this.options.numbers.includes(from)) {
      return this.refuse(res, 400, 21210, `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`);
    }
    // Url wins over Twiml when both are given; only a call without Url runs its inline TwiML.
    const inline = voiceUrl === null && twiml !== null;
    if (inline && twiml.length > MAX_TWIML_CHARS) {
      return this.refuse(res, 400, 32018, `Twiml size exceeded maximum allowed value of ${MAX_TWIML_CHARS} characters`);
    }
    if (!inline && (!voiceUrl || !/^https?:\/\//.test(voiceUrl))) return this.refuse(res, 400, 21205, `Url is not a valid URL: ${voiceUrl ?? ''}`);
    // One parameter per event (twilio-node call.ts: "specify each one in a separate
    // status_callback_event parameter"); "initiated ringing" is no event name, so error 21626.
    const events = form.getAll('StatusCallbackEvent');
    if (events.some((event) => !CALL_EVENTS.has(event))) return this.refuse(res, 400, 21626, "Invalid 'StatusCallbackEvent'");

    const call = this.newCall('outbound-api', from, to, 'queued');
    if (inline) call.twiml = twiml;
    const plan: CreatedCallPlan = {
      voice: inline ? { twiml } : { url: voiceUrl! },
      method: form.get('Method')?.toUpperCase() === 'GET' ? 'GET' : 'POST',
      statusCallback: form.get('StatusCallback') ?? undefined,
      statusCallbackMethod: form.get('StatusCallbackMethod')?.toUpperCase() === 'GET' ? 'GET' : 'POST',
      // "completed" is always sent.
      events: new Set([...events, 'completed']),
    };
    sendJson(res, this.options.createdStatus ?? 201, this.resource(call));
    const outcome = this.dialOutcome;
    call.done = this.driveOutbound(call, plan, outcome);
  }

  /**
   * A call's resource, as Twilio answers a create or an update: its sid, numbers and status.
   * [D call-resource] for the fields; times are the answer's own.
   */
  private resource(call: SimulatedCall): Record<string, unknown> {
    const now = rfc2822(new Date());
    return {
      sid: call.sid,
      account_sid: this.options.accountSid,
      to: call.to,
      from: call.from,
      status: call.status,
      direction: call.direction,
      api_version: API_VERSION,
      duration: null,
      price: null,
      price_unit: 'USD',
      start_time: null,
      end_time: null,
      date_created: now,
      date_updated: now,
      uri: `${this.apiPrefix}/Accounts/${this.options.accountSid}/Calls/${call.sid}.json`,
    };
  }

  /**
   * Updates a call: `Status=canceled` ends it while it is queued or ringing and leaves a call in
   * progress as it is; `Status=completed` ends it in either state [D call-resource, "Update a
   * Call resource"]. A call ended before anyone answered ends `canceled` [I: the final status of
   * a ringing call ended with `completed`]. Answered with the call's resource; a call already
   * over is answered as it is [I].
   */
  private update(res: ServerResponse, path: string, sid: string, form: URLSearchParams): void {
    const call = this.calls.get(sid);
    if (!call) return this.refuse(res, 404, 20404, `The requested resource ${path} was not found`);
    const status = form.get('Status');
    // [I] the code and text of a Status that is neither value.
    if (status !== null && status !== 'canceled' && status !== 'completed') return this.refuse(res, 400, 20001, `Invalid Status: ${status}`);
    this.updates.push({ sid, form: Object.fromEntries(form) });
    if (status && call.ringing) {
      call.status = 'canceled';
      call.ringing.end();
    } else if (status && (call.status === 'queued' || call.status === 'initiated' || call.status === 'ringing')) {
      call.status = 'canceled';
      call.endedEarly = true;
    } else if (status === 'completed' && call.connected) {
      call.status = 'completed';
      call.connected();
    }
    sendJson(res, 200, this.resource(call));
  }

  /** The agent's phone, ringing for an outbound call (`agentPhone = 'rings'`), answers it. */
  pickUp(call: SimulatedCall): void {
    if (!call.ringing) throw new Error(`call ${call.sid} is not ringing`);
    call.ringing.pickUp();
  }

  private async driveOutbound(call: SimulatedCall, plan: CreatedCallPlan, outcome: DialOutcome): Promise<void> {
    let sequence = 0;
    const status = async (event: string, callStatus: string, extra: Record<string, string> = {}) => {
      call.status = callStatus;
      if (!plan.statusCallback || !plan.events.has(event)) return;
      await this.webhook(call, 'status', plan.statusCallbackMethod, plan.statusCallback, { ...progress(call, sequence++), ...extra });
    };
    await status('initiated', 'initiated');
    if (!call.endedEarly) await status('ringing', 'ringing');
    if (call.endedEarly || this.agentPhone === 'rings') {
      const answered = !call.endedEarly && (await new Promise<boolean>((resolve) => (call.ringing = { pickUp: () => resolve(true), end: () => resolve(false) })));
      call.ringing = undefined;
      // Ended through the API while it rang: the `completed` event, with the call's final status.
      if (!answered) return status('completed', 'canceled');
    }
    call.status = 'in-progress';
    // Inline TwiML runs as if the voice URL had answered it: no request is made.
    const voice: Exchange =
      'url' in plan.voice
        ? await this.webhook(call, 'voice', plan.method, plan.voice.url)
        : { kind: 'voice', method: 'POST', url: '', params: {}, status: 200, contentType: 'text/xml', body: plan.voice.twiml };
    await status('answered', 'in-progress');
    const held: { action?: () => Promise<void> } = {};
    const talked = await this.followTwiml(call, voice, outcome, this.holdCalls ? (action) => (held.action = action) : undefined);
    if (held.action) {
      // Connected until the call is ended through the API: then the `<Dial>`'s action, then `completed`.
      await new Promise<void>((resolve) => (call.connected = resolve));
      call.connected = undefined;
      await held.action();
    }
    await status('completed', 'completed', { CallDuration: String(talked + 5) });
  }

  /**
   * Follows a TwiML answer: each `<Dial>` rings its `<Number>`s, then Twilio requests the
   * `action` URL with the dial's outcome. TwiML that does not parse ends the call (12100).
   * Returns the seconds talked.
   */
  private async followTwiml(call: SimulatedCall, answer: Exchange, planned: DialOutcome, hold?: (action: () => Promise<void>) => void): Promise<number> {
    if (answer.status !== 200 || !/xml/i.test(answer.contentType)) return 0;
    const document = twimlOf(call, answer);
    if (!document) return 0;
    // No <Dial> (a voicemail while every agent is away): the caller hears the document and may leave a message.
    if (!document.children.some((e) => e.name === 'Dial')) {
      await this.takeMessage(call, answer, document, planned);
      return 0;
    }
    let talked = 0;
    for (const dial of document.children.filter((e) => e.name === 'Dial')) {
      const numbers = dial.children.filter((e) => e.name === 'Number');
      call.dialed.push(...numbers.map((e) => e.text.trim()));
      for (const number of numbers.filter((e) => e.attrs.sendDigits !== undefined && !SEND_DIGITS.test(e.attrs.sendDigits))) {
        call.errors.push(`13222 Dial->Number: Invalid sendDigits value "${number.attrs.sendDigits}"`);
      }
      // The first <Number> picks up (or the one `pickUp` names): asked to, it presses a key or
      // not, then its digits are keyed in, and it gets its `answered` event if it asked for one,
      // for the child leg.
      const picked = (planned.answer && planned.pickUp !== undefined ? numbers.find((e) => e.text.trim() === planned.pickUp) : undefined) ?? numbers[0];
      const declined = planned.answer && picked?.attrs.url !== undefined && !(await this.screen(call, picked, planned.pressesKey !== false));
      const outcome: DialOutcome = declined ? { answer: false, status: 'no-answer', ...(planned.message ? { message: planned.message } : {}) } : planned;
      const answered = picked?.attrs.sendDigits;
      if (outcome.answer && answered !== undefined && SEND_DIGITS.test(answered)) call.sentDigits.push(answered);
      if (outcome.answer && picked?.attrs.statusCallback && (picked.attrs.statusCallbackEvent ?? 'completed').split(/\s+/).includes('answered')) {
        const leg: SimulatedCall = { ...call, sid: this.newSid(), direction: 'outbound-dial', to: picked.text.trim(), status: 'in-progress', exchanges: [] };
        const exchange = await this.webhook(leg, 'number-status', picked.attrs.statusCallbackMethod?.toUpperCase() === 'GET' ? 'GET' : 'POST', picked.attrs.statusCallback, { ParentCallSid: call.sid, CallbackSource: 'call-progress-events', SequenceNumber: '0', Timestamp: rfc2822(new Date()) });
        call.exchanges.push(exchange);
      }
      const seconds = outcome.answer ? outcome.talkSeconds : 0;
      talked += seconds;
      const action = async () => {
        if (!dial.attrs.action) return;
        const reply = await this.webhook(call, 'dial-action', dial.attrs.method?.toUpperCase() === 'GET' ? 'GET' : 'POST', dial.attrs.action, {
          DialCallStatus: outcome.answer ? 'completed' : outcome.status,
          DialCallSid: this.newSid(),
          DialCallDuration: String(seconds),
          DialBridged: String(outcome.answer),
        });
        await this.followDialActionReply(call, reply, outcome);
      };
      // A recording <Dial> (record-from-answer…) records the talk, if someone answered: the file's
      // status callback comes once it is processed, after the dial ended.
      const record = dial.attrs.record;
      if (record !== undefined && !DIAL_RECORD.has(record)) call.errors.push(`13217 Dial: Invalid record value "${record}"`);
      const recorded = outcome.answer && record !== undefined && DIAL_RECORD.has(record) && record !== 'false' && record !== 'do-not-record';
      const ended = async () => {
        await action();
        if (recorded) await this.recorded(call, { url: this.newRecordingUrl(), seconds, source: 'DialVerb' }, dial.attrs.recordingStatusCallback, dial.attrs.recordingStatusCallbackMethod);
      };
      // A held call's answered <Dial> stays connected: its action comes when the caller hangs up.
      if (hold && outcome.answer) hold(ended);
      else await ended();
    }
    return talked;
  }

  /**
   * A `<Number url>`: the answering phone's leg requests it (ParentCallSid the call) and runs its
   * TwiML before it is bridged. A `<Gather>` waits for a key: pressed, its action is requested
   * with the key (Digits) and the leg is bridged unless that answer hangs up; not pressed (a
   * phone's voicemail), the document goes on after the `<Gather>`, and a `<Hangup>` there
   * declines the call. Returns whether the leg was bridged.
   */
  private async screen(call: SimulatedCall, number: TwimlElement, pressesKey: boolean): Promise<boolean> {
    const leg: SimulatedCall = { ...call, sid: this.newSid(), direction: 'outbound-dial', to: number.text.trim(), status: 'in-progress', exchanges: [] };
    const method = (attrs: Record<string, string>) => (attrs.method?.toUpperCase() === 'GET' ? 'GET' : 'POST');
    const ask = await this.webhook(leg, 'screen', method(number.attrs), number.attrs.url!, { ParentCallSid: call.sid });
    call.exchanges.push(ask);
    const document = twimlOf(call, ask);
    if (!document) return false;
    for (const verb of document.children) {
      if (verb.name === 'Hangup') return false;
      if (verb.name !== 'Gather') continue;
      call.said.push(...verb.children.filter((e) => e.name === 'Say').map((e) => e.text.trim()));
      if (!pressesKey || !verb.attrs.action) continue;
      const taken = await this.webhook(leg, 'screen-action', method(verb.attrs), verb.attrs.action, { ParentCallSid: call.sid, Digits: '1' });
      call.exchanges.push(taken);
      return !/<Hangup\b/.test(taken.body);
    }
    // The document ended without hanging up: the leg is bridged.
    return true;
  }

  /**
   * A recording's media file ([D] twilio.com/docs/voice/api/recording, "Fetch a Recording media
   * file": its URL with `.mp3` appended; HTTP Basic auth with the Account SID and auth token,
   * enforced here as on every account opened since July 2023): the MP3's bytes, or the part a
   * `Range: bytes=a-b` asks for (206). Each counted in `mediaFetches`.
   */
  private recordingMedia(req: IncomingMessage, res: ServerResponse, account: string, sid: string): void {
    this.mediaFetches.push({ sid, authorization: req.headers.authorization, range: req.headers.range });
    if (account !== this.options.accountSid || req.headers.authorization !== basicAuth(this.options.accountSid, this.options.authToken)) return this.refuse(res, 401, 20003, 'Authenticate');
    const made = [...this.calls.values()].flatMap((c) => c.recordings).find((r) => r.url.endsWith(`/Recordings/${sid}`));
    if (!made) return this.refuse(res, 404, 20404, `The requested resource ${req.url} was not found`);
    sendRecording(req, res, recordingBytes(sid, made.seconds));
  }

  /** Where a new recording is (its sid the last segment): Twilio's, or the provider's the options say. */
  private newRecordingUrl(): string {
    return this.options.newRecordingUrl?.() ?? `https://api.twilio.com/${API_VERSION}/Accounts/${this.options.accountSid}/Recordings/RE${randomBytes(16).toString('hex')}`;
  }

  /**
   * A recording made on `call` (by a `<Record>` or a recording `<Dial>`), and its
   * `recordingStatusCallback` when one was asked for: RecordingStatus `completed`, the parent
   * call's sid, the file's link and seconds (twilio.com/docs/voice/twiml/recording).
   */
  private async recorded(call: SimulatedCall, recording: { url: string; seconds: number; source: 'RecordVerb' | 'DialVerb' }, callback: string | undefined, method: string | undefined): Promise<void> {
    const { url, seconds, source } = recording;
    call.recordings.push({ url, seconds });
    if (!callback) return;
    await this.webhook(call, 'recording-status', method?.toUpperCase() === 'GET' ? 'GET' : 'POST', callback, {
      RecordingSid: url.slice(url.lastIndexOf('/') + 1),
      RecordingUrl: url,
      RecordingStatus: 'completed',
      RecordingDuration: String(seconds),
      RecordingChannels: '1',
      RecordingStartTime: rfc2822(new Date()),
      RecordingSource: source,
    }, true);
  }

  /** Runs the TwiML Twilio got back from a `<Dial action>` (`takeMessage`). */
  private async followDialActionReply(call: SimulatedCall, reply: Exchange, outcome: DialOutcome): Promise<void> {
    if (reply.status !== 200 || !/xml/i.test(reply.contentType) || !reply.body.trim()) return;
    const document = twimlOf(call, reply);
    if (document) await this.takeMessage(call, reply, document, outcome);
  }

  /**
   * Runs a document that dials nobody: each `<Say>` is noted, and a `<Record>` takes the
   * caller's message (`outcome.message` seconds, or none: the caller hangs up at the beep, which
   * Twilio records as nothing). Then, as Twilio does, the `<Record>`'s action (RecordingUrl,
   * RecordingDuration, Digits `hangup`; default: the document's own URL) and, once the file is
   * processed, its `recordingStatusCallback` (RecordingStatus `completed`, the parent call's sid).
   */
  private async takeMessage(call: SimulatedCall, reply: Exchange, document: TwimlElement, outcome: DialOutcome): Promise<void> {
    for (const verb of document.children) {
      if (verb.name === 'Say') call.said.push(verb.text.trim());
      if (verb.name === 'Hangup') return;
      if (verb.name !== 'Record') continue;
      const seconds = outcome.message ? Math.min(outcome.message, Number(verb.attrs.maxLength ?? 3600)) : 0;
      const url = this.newRecordingUrl();
      call.status = 'completed';
      const action = verb.attrs.action ?? reply.url;
      await this.webhook(call, 'record-action', verb.attrs.method?.toUpperCase() === 'GET' ? 'GET' : 'POST', action, { RecordingUrl: url, RecordingDuration: String(seconds), Digits: 'hangup' });
      // Nothing said: no file (Twilio's "absent", sent only to who asked for that event).
      if (seconds > 0) await this.recorded(call, { url, seconds, source: 'RecordVerb' }, verb.attrs.recordingStatusCallback, verb.attrs.recordingStatusCallbackMethod);
      return;
    }
  }

  /** A call sid in this provider's format (SignalWire's are UUIDs). */
  private newSid(): string {
    return (this.options.newSid ?? newSid)();
  }

  private newCall(direction: SimulatedCall['direction'], from: string, to: string, status: string): SimulatedCall {
    const call: SimulatedCall = { sid: this.newSid(), direction, from, to, status, dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.sid, call);
    return call;
  }

  private standardParams(call: SimulatedCall): Record<string, string> {
    return {
      AccountSid: this.options.accountSid,
      ApiVersion: API_VERSION,
      CallSid: call.sid,
      CallStatus: call.status,
      Called: call.to,
      Caller: call.from,
      Direction: call.direction,
      From: call.from,
      To: call.to,
    };
  }
}

/** The TwiML a webhook's answer holds, or nothing: a document that does not parse ends the call, as Twilio's error 12100. */
function twimlOf(call: SimulatedCall, answer: Exchange): TwimlElement | undefined {
  try {
    return parseTwiml(answer.body);
  } catch (error) {
    call.errors.push(`12100 Document parse failure: ${(error as Error).message}`);
    return undefined;
  }
}

function progress(call: SimulatedCall, sequence: number): Record<string, string> {
  return {
    CallbackSource: 'call-progress-events',
    SequenceNumber: String(sequence),
    Timestamp: rfc2822(new Date()),
    CallStatus: call.status,
  };
}

/** Twilio's times: RFC 2822 in UTC (`Tue, 31 Aug 2010 20:36:28 +0000`). */
export function rfc2822(date: Date): string {
  return date.toUTCString().replace('GMT', '+0000');
}

/** `CA` and 32 hex digits, as Twilio's call sids. */
export function newSid(): string {
  return `CA${randomBytes(16).toString('hex')}`;
}
