/**
 * An Exotel simulator over real HTTP. It takes "connect two numbers" requests (Basic auth with
 * API key and token, form body; XML answers, or JSON when the path ends in `.json`), then
 * drives the call the way Exotel does: it rings From (the agent), dials To (the customer) once
 * the agent answers and bridges them itself, posting the subscribed StatusCallback events
 * (answered, terminal) as multipart/form-data, or as JSON when the request set
 * StatusCallbackContentType=application/json. Incoming calls (`inboundCall`) run a flow of a Connect applet
 * whose Dial Whom is fetched from a URL (a GET whose JSON reply lists the numbers to ring) and
 * an async Passthru applet after it. Exotel signs nothing.
 *
 * Facts used:
 * - [D] developer.exotel.com docs/voice-v1/api-reference/connect-two-numbers: POST
 *   /v1/Accounts/{sid}/Calls/connect on api.exotel.com or api.in.exotel.com, Basic
 *   `api_key:api_token`, form parameters From (called first), To, CallerId (an ExoPhone)
 *   required, StatusCallback, StatusCallbackEvents (array: answered, terminal) and
 *   StatusCallbackContentType (multipart/form-data or application/json) optional; XML responses
 *   unless `.json` is appended; the JSON answer, HTTP 200, `{"Call":{"Sid","ParentCallSid",
 *   "DateCreated","DateUpdated","AccountSid","To","From","PhoneNumberSid","Status":
 *   "in-progress","StartTime","EndTime","Duration","Price","Direction":"outbound-api",
 *   "AnsweredBy","ForwardedFrom","CallerName","Uri"}}` with null for what is not known yet.
 * - [D] status-callback and docs/references/webhooks: a POST with CallSid, DateUpdated
 *   (YYYY-MM-DD HH:mm:ss), Status (completed, failed, busy, no-answer), RecordingUrl; with
 *   StatusCallbackEvents also EventType, DateCreated, To, From, PhoneNumberSid, StartTime,
 *   EndTime, ConversationDuration (integer seconds), Direction (outbound-api), CustomField, Legs
 *   (an array of {OnCallDuration, Status, AnsweredBy}); multipart/form-data unless
 *   StatusCallbackContentType=application/json.
 * - [D] support.exotel.com 3000096873 (Programmable Connect) and 48283 (Passthru): GETs with
 *   CallSid, CallFrom, CallTo, Direction (incoming), Created, DialCallDuration, StartTime,
 *   EndTime, CallType (call-attempt, completed, client-hangup, incomplete, voicemail),
 *   DialWhomNumber, and the header Exotel-Version: 1.0 on the Connect applet's; CallType
 *   voicemail when the call "went to voicemail applet", and RecordingUrl, "only available if the
 *   passthru applet is after a CONNECT/VOICEMAIL/GREETING applet" (48283). [I] The recording's
 *   address: the S3 bucket integrations show for call recordings (exotelrecordings/…/….mp3).
 * - [C] frappe/crm's Exotel integration (crm/integrations/exotel/handler.py, ExotelCallUI.vue)
 *   and other public integrations: StatusCallbackEvents sent as indexed keys
 *   (`StatusCallbackEvents[0]=…`, URL-encoded); errors as `{"RestException":{"Message",…}}`;
 *   the XML answer `<TwilioResponse><Call><Sid>…`; the Connect applet's reply
 *   `{"destination":{"numbers":[…]},"parallel_ringing":{"activate":…},…}`; one "answered" event
 *   per leg, Status in-progress: the agent's (`Legs[0][Status]` in-progress, `Legs[1][Status]`
 *   empty, "Ringing...") then the customer's (`Legs[1][Status]` in-progress); once the agent
 *   answered, a terminal event whose Status is the customer's no-answer or busy, as
 *   `Legs[1][Status]` (ExotelCallUI.vue's updateStatus).
 * - [C] The XML error `<TwilioResponse><RestException><Status>403</Status><Message>…
 *   </Message></RestException>` (vijendra/exotel test/fixtures/call_dnd.xml), the JSON one
 *   `{"RestException":{"Status":403,"Message":…}}` with a numeric Status (a Node integration's
 *   logged answer): XML element names as the JSON keys, for Call and RestException.
 * - [C] The Passthru after a Connect applet (frappe/erpnext erpnext/tests/exotel_test_data.py; a
 *   live one in a Spring service's ExotelCallbackPayloadTest, com.fincity.saas.message):
 *   DialCallStatus (completed, no-answer, canceled) beside CallType, DialCallDuration ringing
 *   included, DialWhomNumber the agent who took the call, and `Legs[i][Number]`,
 *   `Legs[i][OnCallDuration]` (talk time) for each number tried.
 * - [D] developer.exotel.com/api (HTTP status codes): 401 for missing or invalid credentials,
 *   400 for a malformed request; the status-callback page's JSON example has numeric
 *   OnCallDuration.
 * - [I] Assumed: the refusals' messages (vijendra/exotel stubs the 401 as the plain text
 *   "Authentication is required to view this page."; here inside a RestException); repeated
 *   StatusCallbackEvents keys accepted too; HTTP 400 for any other StatusCallbackContentType;
 *   the JSON "answered" event's empty second leg as `{"Status":""}`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { basicAuth, closeServer, listen, readBody, sendJson, sendWebhook, zonelessTime } from './http.ts';

export interface ExotelSimulatorOptions {
  apiKey: string;
  apiToken: string;
  sid: string;
  /** The account's ExoPhones; CallerId must be one of them. */
  exoPhones: readonly string[];
  forward?: (publicUrl: string) => string;
}

export interface ExotelExchange {
  kind: 'status' | 'connect' | 'passthru';
  method: 'GET' | 'POST';
  url: string;
  /** The call's fields as sent (Legs aside). */
  params: Record<string, string>;
  /** The Content-Type of what was sent; '' for a GET. */
  requestContentType: string;
  /** The body sent, as encoded (Legs included); undefined for a GET. */
  requestBody?: string;
  status: number;
  contentType: string;
  body: string;
}

/** How StatusCallbacks are encoded: Exotel's default, or what StatusCallbackContentType asks for. */
export type StatusEncoding = 'multipart' | 'json';

interface Leg {
  Status: string;
  OnCallDuration: number;
}

/** What happens to the two legs of a connect call; the default is both answered. */
export type ConnectOutcome = { agent: 'answered' | 'no-answer' | 'busy'; customer: 'answered' | 'no-answer' | 'busy' };

export interface ExotelCall {
  sid: string;
  direction: 'outbound-api' | 'incoming';
  from: string;
  to: string;
  callerId: string;
  /** Numbers Exotel rang for the call, in order (agent first on outbound calls). */
  dialed: string[];
  /** Why the Connect applet could not use the relay's answer, if it could not. */
  errors: string[];
  exchanges: ExotelExchange[];
  done: Promise<void>;
}

const CONNECT_PATH = /^\/v1\/Accounts\/([^/]+)\/Calls\/connect(\.json)?$/;

export class ExotelSimulator {
  readonly calls = new Map<string, ExotelCall>();
  outcome: ConnectOutcome = { agent: 'answered', customer: 'answered' };
  talkSeconds = 42;
  /** How long an incoming call's agents ring before one answers. */
  ringSeconds = 8;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: ExotelSimulatorOptions,
  ) {}

  static async start(options: ExotelSimulatorOptions): Promise<ExotelSimulator> {
    let simulator: ExotelSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendError(res, 500, error.message, false));
    simulator = new ExotelSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /** Which number of a Connect reply picks up (its place in the list), or null: nobody does. */
  inboundAnswerer: number | null = 0;
  /** When nobody answers: the flow's Voicemail applet, after the Connect applet, records the caller's message (the Passthru's CallType voicemail, with its RecordingUrl). */
  inboundVoicemail = false;

  /**
   * An incoming call to an ExoPhone whose flow is Connect (Dial Whom: the relay's URL) then an
   * async Passthru. The number `inboundAnswerer` names answers; the Passthru's DialWhomNumber is
   * "the agent who was dialed to last" ([D] 3000088074): the one who took the call, also when
   * others rang ([C] the live Passthru above), or when nobody answered the last number rung
   * ([I] with parallel ringing).
   */

  inboundCall(input: { connectUrl: string; passthruUrl?: string; from: string; to: string }): ExotelCall {
    const call = this.newCall('incoming', input.from, input.to, input.to);
    call.done = (async () => {
      const started = new Date();
      const base = { CallSid: call.sid, CallFrom: call.from, CallTo: call.to, From: call.from, To: call.to, Direction: 'incoming', Created: zonelessTime(started), StartTime: zonelessTime(started) };
      const connect = await this.get(call, 'connect', input.connectUrl, { ...base, DialCallDuration: '0', EndTime: '1970-01-01 05:30:00', CallType: 'call-attempt', CurrentTime: zonelessTime(new Date()) }, { 'Exotel-Version': '1.0' });
      const numbers = this.readConnectReply(call, connect);
      call.dialed.push(...numbers);
      const answered = this.inboundAnswerer === null ? undefined : numbers[this.inboundAnswerer];
      if (!input.passthruUrl) return;
      // One leg per number tried, the answered one with its talk time.
      const legs = Object.fromEntries(
        numbers.flatMap((number, i) => [
          [`Legs[${i}][Number]`, number],
          [`Legs[${i}][OnCallDuration]`, number === answered ? String(this.talkSeconds) : '0'],
        ]),
      );
      await this.get(call, 'passthru', input.passthruUrl, {
        ...base,
        // DialCallDuration counts the agents' ringing too, OnCallDuration only the talk.
        DialCallDuration: answered ? String(this.talkSeconds + this.ringSeconds) : '0',
        DialCallStatus: answered ? 'completed' : 'no-answer',
        DialWhomNumber: answered ?? numbers.at(-1) ?? '',
        EndTime: '1970-01-01 05:30:00',
        CallType: answered ? 'completed' : this.inboundVoicemail ? 'voicemail' : 'incomplete',
        CurrentTime: zonelessTime(new Date()),
        ...(!answered && this.inboundVoicemail ? { RecordingUrl: `https://s3-ap-southeast-1.amazonaws.com/exotelrecordings/${this.options.sid}/${call.sid}.mp3` } : {}),
        ...legs,
      });
    })();
    return call;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const match = CONNECT_PATH.exec(url.pathname);
    const json = Boolean(match?.[2]);
    if (!match) return sendError(res, 404, 'The requested resource was not found', url.pathname.endsWith('.json'));
    if (req.method !== 'POST') return sendError(res, 405, 'Method not allowed', json);
    const expected = basicAuth(this.options.apiKey, this.options.apiToken);
    if (match[1] !== this.options.sid || req.headers.authorization !== expected) return sendError(res, 401, 'Authentication is required to view this page.', json);
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '')) return sendError(res, 400, 'Parameters must be sent as form data', json);
    const form = new URLSearchParams(await readBody(req));
    for (const name of ['From', 'To', 'CallerId']) {
      if (!form.get(name)?.trim()) return sendError(res, 400, `Missing parameter ${name}`, json);
    }
    const callerId = form.get('CallerId')!.trim();
    if (!this.options.exoPhones.includes(callerId)) return sendError(res, 400, `CallerId ${callerId} is not an ExoPhone of this account`, json);
    const statusCallback = form.get('StatusCallback') ?? undefined;
    if (statusCallback && !/^https?:\/\//.test(statusCallback)) return sendError(res, 400, 'StatusCallback is not a valid URL', json);
    // Sent as StatusCallbackEvents[0]=…, [1]=… (or repeated keys).
    const events = new Set([...form.entries()].filter(([k]) => /^StatusCallbackEvents(\[\d+\])?$/.test(k)).map(([, v]) => v.trim()));
    const askedType = form.get('StatusCallbackContentType');
    if (askedType !== null && askedType !== 'application/json' && askedType !== 'multipart/form-data') {
      return sendError(res, 400, 'StatusCallbackContentType must be application/json or multipart/form-data', json);
    }
    const encoding: StatusEncoding = askedType === 'application/json' ? 'json' : 'multipart';

    const call = this.newCall('outbound-api', form.get('From')!.trim(), form.get('To')!.trim(), callerId);
    const now = zonelessTime(new Date());
    const resource = {
      Sid: call.sid,
      ParentCallSid: '',
      DateCreated: now,
      DateUpdated: now,
      AccountSid: this.options.sid,
      To: call.to,
      From: call.from,
      PhoneNumberSid: callerId,
      Status: 'in-progress',
      StartTime: now,
      EndTime: '',
      Duration: '',
      Price: '',
      Direction: 'outbound-api',
      AnsweredBy: '',
      ForwardedFrom: '',
      CallerName: '',
      Uri: `/v1/Accounts/${this.options.sid}/Calls/${call.sid}${json ? '.json' : ''}`,
    };
    // The JSON answer has null where the XML one has an empty element (the docs' example).
    if (json) sendJson(res, 200, { Call: Object.fromEntries(Object.entries(resource).map(([k, v]) => [k, v === '' ? null : v])) });
    else sendXml(res, 200, `<Call>${Object.entries(resource).map(([k, v]) => (v === '' ? `<${k}/>` : `<${k}>${escapeXml(v)}</${k}>`)).join('')}</Call>`);
    call.done = this.driveConnect(call, { url: statusCallback, events, encoding }, this.outcome);
  }

  private async driveConnect(call: ExotelCall, statusCallback: { url?: string; events: Set<string>; encoding: StatusEncoding }, outcome: ConnectOutcome): Promise<void> {
    const started = new Date();
    call.dialed.push(call.from);
    const agentAnswered = outcome.agent === 'answered';
    if (agentAnswered) call.dialed.push(call.to);
    const bridged = agentAnswered && outcome.customer === 'answered';
    const status = !agentAnswered ? outcome.agent : bridged ? 'completed' : outcome.customer;
    const talked = bridged ? this.talkSeconds : 0;
    const { url, events, encoding } = statusCallback;
    if (!url) return;
    const agentLeg = { Status: agentAnswered ? 'completed' : outcome.agent, OnCallDuration: agentAnswered ? talked + 10 : 0 };
    const customerLeg = agentAnswered ? { Status: bridged ? 'completed' : outcome.customer, OnCallDuration: talked } : undefined;
    // One "answered" event per leg: the agent's while the customer's phone rings (that leg's
    // Status still empty), then the customer's.
    if (agentAnswered && events.has('answered')) {
      await this.postStatus(call, url, encoding, this.eventParams(call, 'answered', 'in-progress', started, 0), [{ Status: 'in-progress', OnCallDuration: 0 }, { Status: '', OnCallDuration: 0 }]);
      if (bridged) await this.postStatus(call, url, encoding, this.eventParams(call, 'answered', 'in-progress', started, 0), [{ Status: 'in-progress', OnCallDuration: 0 }, { Status: 'in-progress', OnCallDuration: 0 }]);
    }
    if (events.has('terminal')) await this.postStatus(call, url, encoding, this.eventParams(call, 'terminal', status, started, talked), customerLeg ? [agentLeg, customerLeg] : [agentLeg]);
    else await this.postStatus(call, url, encoding, { CallSid: call.sid, DateUpdated: zonelessTime(new Date()), Status: status, RecordingUrl: '' });
  }

  /** The fields of a StatusCallback for a subscribed event (its Legs go separately). */
  private eventParams(call: ExotelCall, event: 'answered' | 'terminal', status: string, started: Date, talked: number): Record<string, string> {
    return {
      CallSid: call.sid,
      EventType: event,
      Status: status,
      DateCreated: zonelessTime(started),
      DateUpdated: zonelessTime(new Date()),
      To: call.to,
      From: call.from,
      PhoneNumberSid: call.callerId,
      StartTime: zonelessTime(started),
      EndTime: event === 'terminal' ? zonelessTime(new Date(started.getTime() + (talked + 10) * 1000)) : '',
      ConversationDuration: String(talked),
      Direction: 'outbound-api',
      CustomField: '',
      RecordingUrl: '',
    };
  }

  /**
   * Posts a StatusCallback: multipart/form-data with Legs as `Legs[i][Key]` fields, or JSON with
   * Legs as an array and the durations as numbers.
   */
  private async postStatus(call: ExotelCall, url: string, encoding: StatusEncoding, params: Record<string, string>, legs: Leg[] = []): Promise<ExotelExchange> {
    let encoded: Response;
    if (encoding === 'json') {
      const durations = params.ConversationDuration === undefined ? {} : { ConversationDuration: Number(params.ConversationDuration) };
      const withLegs = legs.length ? { Legs: legs.map((leg) => ({ ...leg, AnsweredBy: 'NA' })) } : {};
      encoded = new Response(JSON.stringify({ ...params, ...durations, ...withLegs }), { headers: { 'Content-Type': 'application/json' } });
    } else {
      const form = new FormData();
      for (const [name, value] of Object.entries(params)) form.append(name, value);
      legs.forEach((leg, i) => {
        form.append(`Legs[${i}][OnCallDuration]`, String(leg.OnCallDuration));
        form.append(`Legs[${i}][Status]`, leg.Status);
        form.append(`Legs[${i}][AnsweredBy]`, 'NA');
      });
      // Encoded here, by the platform's own encoder, so the exchange keeps exactly what was sent.
      encoded = new Response(form);
    }
    const contentType = encoded.headers.get('content-type')!;
    return this.send(call, 'status', 'POST', url, params, { 'Content-Type': contentType }, await encoded.text());
  }

  /**
   * Reads the Connect applet's dynamic-URL reply: a 200 JSON object whose destination.numbers
   * lists the numbers to ring. Anything else sends the call down the applet's failure path.
   */
  private readConnectReply(call: ExotelCall, reply: ExotelExchange): string[] {
    if (reply.status !== 200 || !/json/i.test(reply.contentType)) {
      call.errors.push(`the Connect URL answered HTTP ${reply.status} ${reply.contentType}`);
      return [];
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(reply.body);
    } catch {
      call.errors.push('the Connect URL did not answer JSON');
      return [];
    }
    const numbers = (parsed as { destination?: { numbers?: unknown } }).destination?.numbers;
    if (!Array.isArray(numbers) || numbers.length === 0 || !numbers.every((n) => typeof n === 'string' && /^\+?\d{6,15}$/.test(n))) {
      call.errors.push('destination.numbers must be a non-empty list of phone numbers');
      return [];
    }
    const parallel = (parsed as { parallel_ringing?: { activate?: unknown } }).parallel_ringing?.activate === true;
    // Without parallel ringing Exotel tries the numbers one by one; the first still answers here.
    return parallel ? (numbers as string[]) : [(numbers as string[])[0]!];
  }

  private newCall(direction: ExotelCall['direction'], from: string, to: string, callerId: string): ExotelCall {
    const call: ExotelCall = { sid: randomBytes(16).toString('hex'), direction, from, to, callerId, dialed: [], errors: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.sid, call);
    return call;
  }

  private get(call: ExotelCall, kind: 'connect' | 'passthru', url: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<ExotelExchange> {
    return this.send(call, kind, 'GET', url, params, headers);
  }

  /** A GET carries `params` in its query; a POST sends `body` as it was encoded. */
  private async send(call: ExotelCall, kind: ExotelExchange['kind'], method: 'GET' | 'POST', url: string, params: Record<string, string>, headers: Record<string, string>, body?: string): Promise<ExotelExchange> {
    const target = new URL(url);
    if (method === 'GET') for (const [k, v] of Object.entries(params)) target.searchParams.append(k, v);
    const sent = method === 'GET' ? target.toString() : url;
    const answer = await sendWebhook(this.options.forward ? this.options.forward(sent) : sent, {
      method,
      headers: { 'User-Agent': 'Exotel', ...headers },
      ...(body === undefined ? {} : { body }),
    });
    const exchange: ExotelExchange = { kind, method, url: sent, params, requestContentType: headers['Content-Type'] ?? '', ...(body === undefined ? {} : { requestBody: body }), ...answer };
    call.exchanges.push(exchange);
    return exchange;
  }
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function sendXml(res: ServerResponse, status: number, inner: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse>${inner}</TwilioResponse>\n`);
}

function sendError(res: ServerResponse, status: number, message: string, json: boolean): void {
  if (json) sendJson(res, status, { RestException: { Status: status, Message: message } });
  else sendXml(res, status, `<RestException><Status>${status}</Status><Message>${escapeXml(message)}</Message></RestException>`);
}
