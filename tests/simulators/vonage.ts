/**
 * A Vonage Voice API simulator over real HTTP. It takes create-call requests the way
 * api.nexmo.com does (an application JWT checked with the application's public key, a JSON
 * body), then drives the call: the agent's leg reports started and ringing, Vonage asks the
 * answer URL for an NCCO, follows its `connect` actions (one new leg per action, each with its
 * own uuid in the same conversation) and reports every leg's events. Inbound calls start with
 * `inboundCall`, from the application's Answer URL. Every webhook carries a signed JWT in
 * `Authorization`. Everything sent and received is kept in `exchanges`.
 *
 * Facts used, and where they come from:
 * - Create call, `POST https://api.nexmo.com/v1/calls`, JSON: `to` (array of endpoints),
 *   `from`, `answer_url` (array) or `ncco`, `answer_method` (default GET), `event_url` (array,
 *   required unless the application has one), `event_method` (default POST); phone numbers
 *   are `\d{7,15}`; 201 `{uuid, status, direction, conversation_uuid}`. Documented: the Voice
 *   OpenAPI definition, Nexmo/api-specification definitions/voice.yml.
 * - The application JWT: RS256, claims application_id, iat, jti, exp. Documented:
 *   @vonage/jwt tokenGenerate (Vonage/vonage-node-sdk). The 401 body
 *   `{type, title, detail, instance}` is documented (api-specification common_errors.yml
 *   BadCredentialsError); the 400 bodies (`invalid_parameters`, the JSON error) are assumed.
 * - Answer webhook: `to`, `from`, `uuid`, `conversation_uuid`, in the query for GET, as a JSON
 *   body for POST; the reply is an NCCO (a JSON array). Documented: Voice API webhook reference.
 * - Events: JSON POST with `from, to, uuid, conversation_uuid, status, direction, timestamp`;
 *   `answered` adds empty `start_time, rate, network`; `completed` adds `duration, start_time,
 *   end_time, rate, price, network`. Documented: webhook reference. That an inbound call's
 *   answer request comes before its own leg's events is assumed (a Vonage tutorial's log shows
 *   them at the same millisecond); `eventsBeforeAnswer` sends them first.
 * - `connect`: at most one endpoint per action; several actions ring one after the other;
 *   `from` must be one of your virtual numbers, else the caller ID is unknown; `timeout`
 *   defaults to 60 s; the new leg's events go to the action's `eventUrl`, else the
 *   application's Event URL. Documented: NCCO reference and Call Flow guide; a connected leg
 *   having its own uuid in the same conversation_uuid is shown in Vonage's phone-to-app
 *   tutorial. "After a connect the next action in the NCCO stack is processed" (NCCO
 *   reference): the NCCO goes on after a connected leg ends; that it stops when the leg running
 *   it hangs up is assumed.
 * - An inbound call's own leg is answered when Vonage runs the NCCO, before any connected leg
 *   starts: shown in the phone-to-app tutorial's event log. That a connected leg reports
 *   completed before the leg running the NCCO does, unless the caller hung up (`hangup:
 *   'caller'` on an inbound call: the caller's leg ends first, then the connected one), is
 *   assumed.
 * - A phone endpoint's `dtmfAnswer`: digits, `*` and `#` keyed in once the endpoint answers, `p`
 *   a 500 ms pause. Documented: the NCCO reference (connect, phone endpoint; Nexmo/station) and
 *   @vonage/voice's PSTNEndpoint type. That other characters make the action fail is assumed.
 * - Signed webhooks: `Authorization: Bearer <JWT>`, HS256 with the signature secret, claims
 *   iat, jti, iss "Vonage", payload_hash, api_key, application_id; no exp in Vonage's sample.
 *   Documented: "Decoding signed webhooks" (developer.vonage.com getting-started/webhooks).
 *   payload_hash is the SHA-256 (hex) of the JSON body for a POST and of the query parameters
 *   as compact JSON, in order, for a GET: documented in Vonage's support article "How do I
 *   verify that the Voice API Webhook request and its payload has not been tampered". The
 *   answer webhook is signed like the events: documented in Vonage's docs repository
 *   (Nexmo/nexmo-developer PR #3585, "Voice API Signed Callbacks Beta", 2021-03: "In the Beta
 *   phase, the Answer URL and all the event callbacks supported"; the 2020 developer preview,
 *   PR #3310, listed only started, ringing, answered, completed; PR #3770 made them the default).
 * - Ending a call, `PUT https://api.nexmo.com/v1/calls/{uuid}` with the JSON `{"action":
 *   "hangup"}` and the application JWT, answered 204 No Content, 401 or 404; the uuid is a
 *   leg's. Documented: voice.yml updateCall (and the SDKs' hangupCall / hangup /
 *   terminateCall, whose tests stub 204, 404 and 401). The 404 body `{type, title, detail,
 *   instance}` is common_errors.yml NotFoundError (its detail wording here is assumed), as is
 *   a 404 for a leg that has ended (an integrator's code treats it so). Only the first leg of a
 *   call placed through the API is ended here; the other actions (mute, transfer, …) and the
 *   other legs are not simulated. Ended while it rings (`agentPhone = 'rings'`), the leg reports
 *   `cancelled`, documented as "an outgoing call is cancelled by the originator before being
 *   answered" (webhook reference), then `completed`, which "is always received at the end of a
 *   call unless the call was rejected" (Call Flow guide); that the API's hangup is taken while
 *   the leg rings, and the `completed` fields of a leg never answered (no talk), are assumed.
 *   Ended while connected (`holdCalls`), the agent's leg completes and then the customer's
 *   leg connected to it, as when the caller of an inbound call hangs up (assumed, see above).
 * - `talk` says its text (up to 1,500 characters), synchronously. `record`: endOnSilence 3 to 10,
 *   endOnKey one of 0-9 * #, timeOut 3 to 7200, beepStart, eventUrl an array; with one of the
 *   three conditions the NCCO waits for the recording to end, without any it goes on at once
 *   and the call is recorded until it is over, its event sent then. Documented: NCCO reference
 *   (record) and the Recording guide. The caller leaves a message of `message` seconds
 *   (`inboundCall`; 30 by default) then hangs up, which ends the NCCO: assumed, as is a message
 *   of 0 s giving an event with size 0 and no file.
 * - The record event: `start_time, recording_url, size, recording_uuid, end_time,
 *   conversation_uuid, timestamp`, at the action's eventUrl, else the call's Event URL; the file
 *   at `https://api.nexmo.com/v1/files/{id}`. Documented: webhook reference (Record). The file is
 *   served (`GET /v1/files/{id}`, ranges honoured) only with the application JWT the create-call
 *   path checks, else 401: documented in "Download a recording" (the 401 body is assumed).
 * - A connect with `eventType: "synchronous"`: when its leg ends failed, rejected, unanswered,
 *   busy or timeout, the answer to that event, if it is an NCCO, replaces the rest of the NCCO.
 *   Documented: NCCO reference (connect eventType) and Vonage's 2021 announcement ("Eliminate
 *   Failed Calls with Dynamic Connection Capabilities"). That an answer with no body lets the NCCO
 *   go on is assumed. A recording started before stays recording: assumed.
 */
import { createHash, createHmac, type KeyObject, randomUUID, verify } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, readBody, recordingBytes, sendJson, sendRecording, sendWebhook } from './http.ts';

type Method = 'GET' | 'POST';

export interface VonageSimulatorOptions {
  applicationId: string;
  /** The application's public key, which checks the JWTs signed with its private key. */
  publicKey: KeyObject | string;
  /** The account's API key, sent in the webhook JWT's `api_key` claim. */
  apiKey: string;
  /** The account's signature secret, which signs webhooks. */
  signatureSecret: string;
  /** The account's virtual numbers (digits); a connect `from` outside them hides the caller ID. */
  numbers: string[];
  /** Where a request to a public URL really goes, as a reverse proxy or tunnel forwards it. */
  forward?: (publicUrl: string) => string;
}

/** The application's Voice capability, as set in the dashboard. */
export interface VoiceCapability {
  answerUrl?: string;
  answerMethod?: Method;
  eventUrl?: string;
  eventMethod?: Method;
}

/** One webhook the simulator sent, and the relay's answer. */
export interface Exchange {
  kind: 'answer' | 'event' | 'record';
  /** The uuid of the leg it is about. */
  leg: string;
  method: Method;
  url: string;
  payload: Record<string, unknown>;
  authorization: string;
  /** 0 when the request did not get an HTTP answer. */
  status: number;
  contentType: string;
  body: string;
}

/** What the person at a connect's endpoint does. */
export type DialOutcome =
  | { answer: true; talkSeconds: number; hangup: 'callee' | 'caller' }
  | { answer: false; status: 'busy' | 'unanswered' | 'rejected' | 'failed' | 'timeout' };

export interface SimulatedLeg {
  uuid: string;
  direction: 'inbound' | 'outbound';
  from: string;
  to: string;
}

export interface SimulatedCall {
  conversationUuid: string;
  /** The first leg: the agent's (outbound) or the caller's (inbound). */
  leg: SimulatedLeg;
  /** Legs created by connect actions, in order. */
  connected: SimulatedLeg[];
  /** The NCCO actions the relay answered with. */
  ncco: Array<Record<string, unknown>>;
  /** Endpoint numbers rung by connect actions, in order. */
  dialed: string[];
  /** The DTMF keyed in to each answered endpoint (its `dtmfAnswer`), in order. */
  sentDigits: string[];
  /** What Vonage would report as errors (bad NCCO, refused actions). */
  errors: string[];
  /** The texts the NCCO's talk actions said, in order. */
  said: string[];
  /** The files record actions made, in order: a caller's message (`message`) or the call (`call`). */
  recordings: Array<{ url: string; seconds: number; kind: 'message' | 'call' }>;
  exchanges: Exchange[];
  /** While a call placed through the API rings the agent's phone (`agentPhone = 'rings'`): it answers (`pickUp`), or the call is ended through the API. */
  ringing?: { pickUp(): void; hangUp(): void };
  /** A call placed through the API whose customer's leg stays connected (`holdCalls`): ends it, as hanging up its first leg through the API does. */
  held?: () => void;
  /** Its first leg was hung up through the API before the simulator waited for it to ring or talk: it ends there. */
  endedEarly?: boolean;
  /** Resolves when the call has ended and its last event was sent. */
  done: Promise<void>;
}

interface CallPlan {
  answer: { url: string; method: Method };
  event?: { url: string; method: Method };
}

/** How one call runs its NCCO. */
interface NccoRun {
  /** Where actions without an eventUrl report: the call's Event URL. */
  event: CallPlan['event'];
  /** The seconds the caller speaks after a synchronous record's beep, then hangs up; 0: at the beep. */
  message: number;
  /** With it, the end of a leg whose caller hung up waits there for the caller's leg to end first. */
  afterCaller?: Array<() => Promise<void>>;
  /** With it, an answered leg stays connected until it resolves: then the caller's leg has hung up. */
  hold?: () => Promise<void>;
  /** Asynchronous record actions still recording: their files are sent once the call is over. */
  recording: Array<Record<string, unknown>>;
}

const PHONE = /^\d{7,15}$/;
/** Where Vonage keeps a recording's file (webhook reference, Record: recording_url). */
export const FILES_ORIGIN = 'https://api.nexmo.com';
/** The failed ends of a connected leg that a synchronous connect's eventUrl may answer with a new NCCO. */
const CONNECT_FAILED = new Set(['failed', 'rejected', 'unanswered', 'busy', 'timeout']);
/** A record action's synchronous conditions: with one, the NCCO waits for the recording to end (NCCO reference). */
const RECORD_CONDITIONS = ['endOnSilence', 'endOnKey', 'timeOut'];
const DTMF_ANSWER = /^[0-9*#p]+$/;
const DEFAULT_OUTCOME: DialOutcome = { answer: true, talkSeconds: 42, hangup: 'callee' };
/** A leg's statuses after which it is over (webhook reference). */
const FINAL = new Set(['completed', 'busy', 'cancelled', 'unanswered', 'rejected', 'failed', 'timeout']);
/** updateCall's actions (voice.yml); only `hangup` is simulated. */
const CALL_ACTIONS = new Set(['hangup', 'transfer', 'mute', 'unmute', 'earmuff', 'unearmuff']);

export class VonageSimulator {
  readonly calls = new Map<string, SimulatedCall>();
  /** The application's Voice capability: inbound calls and legs without an eventUrl use it. */
  application: VoiceCapability = {};
  /** How the next connect actions end, consumed in order; then the default (answered, 42 s). */
  dialOutcomes: DialOutcome[] = [];
  /** What the agent's phone does when a call placed through the API rings it: answers at once, or rings until `pickUp` or the call is ended through the API. */
  agentPhone: 'answers' | 'rings' = 'answers';
  /** Whether a call placed through the API keeps its customer's leg connected, once answered, until the call is ended through the API. */
  holdCalls = false;
  /** The requests that modified a call (`PUT /v1/calls/{uuid}`), in order: the leg's uuid and the JSON sent. */
  readonly updates: Array<{ uuid: string; body: Record<string, unknown> }> = [];
  /** The requests for a recording's file (`GET /v1/files/{id}`) that carried a good application JWT, in order. */
  readonly fileFetches: string[] = [];
  /** The recordings' files by id, as `recording_url` names them. */
  private readonly files = new Map<string, Buffer>();
  /** Every leg by its uuid, with its call and whether it is over. */
  private readonly legs = new Map<string, { call: SimulatedCall; leg: SimulatedLeg; ended: boolean }>();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: VonageSimulatorOptions,
  ) {}

  static async start(options: VonageSimulatorOptions): Promise<VonageSimulator> {
    let simulator: VonageSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { title: 'Internal Error', detail: error.message }));
    simulator = new VonageSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    // A call a test left ringing or connected would never end: hang it up, as its API would.
    for (const call of this.calls.values()) (call.ringing?.hangUp ?? call.held)?.();
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /**
   * A customer calls one of the application's numbers: Vonage asks the Answer URL for an NCCO
   * and runs it. With `eventsBeforeAnswer`, the caller's leg reports started and ringing first.
   */
  inboundCall(input: { from: string; to: string; eventsBeforeAnswer?: boolean; message?: number }): SimulatedCall {
    const { answerUrl, answerMethod = 'GET', eventUrl, eventMethod = 'POST' } = this.application;
    if (!answerUrl) throw new Error('set application.answerUrl before placing an inbound call');
    const call = this.newCall({ uuid: randomUUID(), direction: 'inbound', from: input.from, to: input.to });
    const plan: CallPlan = { answer: { url: answerUrl, method: answerMethod }, ...(eventUrl ? { event: { url: eventUrl, method: eventMethod } } : {}) };
    call.done = (async () => {
      const started = new Date();
      if (input.eventsBeforeAnswer) await this.progress(call, call.leg, plan.event, ['started', 'ringing']);
      const answer = await this.answerWebhook(call, plan.answer);
      if (!input.eventsBeforeAnswer) await this.progress(call, call.leg, plan.event, ['started', 'ringing']);
      await this.event(call, call.leg, plan.event, 'answered');
      const run: NccoRun = { event: plan.event, message: input.message ?? 30, afterCaller: [], recording: [] };
      const talked = await this.runNcco(call, answer, run);
      await this.event(call, call.leg, plan.event, 'completed', completion(started, talked + 3));
      for (const end of run.afterCaller!) await end();
      await this.finishRecordings(call, run, started, talked + 3);
    })();
    return call;
  }

  /**
   * Sends one signed webhook, as Vonage would; exposed for step-by-step scenarios. `sign`
   * replaces the signing (another secret, another payload hash, or no header at all).
   */
  async webhook(
    call: SimulatedCall,
    leg: SimulatedLeg,
    kind: Exchange['kind'],
    target: { url: string; method: Method },
    payload: Record<string, unknown>,
    sign: { secret?: string; payloadHash?: string; omit?: boolean } = {},
  ): Promise<Exchange> {
    const url = new URL(target.url);
    let body: string | undefined;
    let hashed: string;
    if (target.method === 'GET') {
      for (const [key, value] of Object.entries(payload)) url.searchParams.append(key, String(value));
      // Vonage hashes the query parameters as a compact JSON object, in their order.
      hashed = JSON.stringify(Object.fromEntries(url.searchParams));
    } else {
      body = JSON.stringify(payload);
      hashed = body;
    }
    const token = hs256Jwt(sign.secret ?? this.options.signatureSecret, {
      iat: Math.floor(Date.now() / 1000),
      jti: randomUUID(),
      iss: 'Vonage',
      payload_hash: sign.payloadHash ?? createHash('sha256').update(hashed).digest('hex'),
      api_key: this.options.apiKey,
      application_id: this.options.applicationId,
    });
    const authorization = sign.omit ? '' : `Bearer ${token}`;
    const answer = await sendWebhook(this.options.forward ? this.options.forward(url.toString()) : url, {
      method: target.method,
      headers: { 'User-Agent': 'Vonage-Voice', ...(authorization ? { Authorization: authorization } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body }),
    });
    const exchange: Exchange = { kind, leg: leg.uuid, method: target.method, url: url.toString(), payload, authorization, ...answer };
    call.exchanges.push(exchange);
    return exchange;
  }

  /** The agent's phone, ringing for a call placed through the API (`agentPhone = 'rings'`), answers it. */
  pickUp(call: SimulatedCall): void {
    if (!call.ringing) throw new Error(`call ${call.leg.uuid} is not ringing`);
    call.ringing.pickUp();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const file = /^\/v1\/files\/([^/]+)$/.exec(url.pathname);
    if (file) return this.serveFile(req, res, decodeURIComponent(file[1]!));
    const one = /^\/v1\/calls\/([^/]+)$/.exec(url.pathname);
    if (!one && url.pathname !== '/v1/calls' && url.pathname !== '/v1/calls/') return sendError(res, 404, 'not-found', 'Not Found', `${url.pathname} does not exist`);
    // One call's resource is read (GET, not simulated) or modified (PUT); calls are created by POST.
    if (req.method !== (one ? 'PUT' : 'POST')) return sendError(res, 405, 'wrong-verb', 'Request method not allowed', `Request method '${req.method}' not supported`);
    const unauthorized = this.checkApplicationJwt(req.headers.authorization);
    if (unauthorized) return sendError(res, 401, 'unauthorized', 'Invalid credentials supplied', 'You did not provide correct credentials.', unauthorized);
    let body: Record<string, unknown>;
    try {
      if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) throw new Error('not JSON');
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
      if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new Error('not an object');
    } catch {
      return sendError(res, 400, 'invalid-json', 'Invalid JSON', 'The request body did not contain valid JSON');
    }
    if (one) return this.modify(res, decodeURIComponent(one[1]!), body);

    const invalid: Array<{ name: string; reason: string }> = [];
    const to = Array.isArray(body.to) ? (body.to[0] as Record<string, unknown> | undefined) : undefined;
    if (!to || to.type !== 'phone' || typeof to.number !== 'string' || !PHONE.test(to.number)) invalid.push({ name: 'to', reason: 'must be an array holding a phone endpoint whose number is 7 to 15 digits' });
    const from = body.from as Record<string, unknown> | undefined;
    if (!from || from.type !== 'phone' || typeof from.number !== 'string' || !PHONE.test(from.number)) invalid.push({ name: 'from', reason: 'must be a phone endpoint whose number is 7 to 15 digits' });
    const answerUrl = Array.isArray(body.answer_url) ? body.answer_url[0] : undefined;
    if (typeof answerUrl !== 'string' || !/^https?:\/\//.test(answerUrl)) invalid.push({ name: 'answer_url', reason: 'must be an array holding the URL that answers with an NCCO' });
    const eventUrl = Array.isArray(body.event_url) ? body.event_url[0] : this.application.eventUrl;
    if (typeof eventUrl !== 'string' || !/^https?:\/\//.test(eventUrl)) invalid.push({ name: 'event_url', reason: 'is required unless the application has an Event URL' });
    for (const name of ['answer_method', 'event_method']) {
      if (body[name] !== undefined && body[name] !== 'GET' && body[name] !== 'POST') invalid.push({ name, reason: 'must be GET or POST' });
    }
    if (invalid.length > 0) return sendJson(res, 400, { type: 'https://developer.nexmo.com/api-errors#bad-request', title: 'Bad Request', detail: `Invalid parameter: ${invalid[0]!.name}`, instance: randomUUID(), invalid_parameters: invalid });

    const call = this.newCall({ uuid: randomUUID(), direction: 'outbound', from: from!.number as string, to: to!.number as string });
    sendJson(res, 201, { uuid: call.leg.uuid, status: 'started', direction: 'outbound', conversation_uuid: call.conversationUuid });
    const plan: CallPlan = {
      answer: { url: answerUrl as string, method: body.answer_method === 'POST' ? 'POST' : 'GET' },
      event: { url: eventUrl as string, method: body.event_method === 'GET' ? 'GET' : 'POST' },
    };
    call.done = this.driveOutbound(call, plan);
  }

  /**
   * Modifies a leg (`PUT /v1/calls/{uuid}`): `hangup` ends the first leg of a call placed through
   * the API, ringing (`cancelled`) or connected; 204 No Content. A uuid that is no live leg is
   * not found (404). A call in neither mode (`agentPhone`, `holdCalls`) runs to its end on its
   * own: hung up after it began ringing, it ends as it would have.
   */
  private modify(res: ServerResponse, uuid: string, body: Record<string, unknown>): void {
    const action = body.action;
    // [I] the body of an unknown action (the invalid_parameters of a create-call 400).
    if (typeof action !== 'string' || !CALL_ACTIONS.has(action)) {
      return sendJson(res, 400, { type: 'https://developer.nexmo.com/api-errors#bad-request', title: 'Bad Request', detail: 'Invalid parameter: action', instance: randomUUID(), invalid_parameters: [{ name: 'action', reason: `must be one of ${[...CALL_ACTIONS].join(', ')}` }] });
    }
    const known = this.legs.get(uuid);
    if (!known || known.ended) return sendError(res, 404, 'not-found', 'Not Found', `ID '${uuid}' does not exist, or you do not have access`);
    const { call, leg } = known;
    if (action !== 'hangup' || leg !== call.leg || leg.direction !== 'outbound') throw new Error(`the simulator does not ${action} ${leg === call.leg ? 'an inbound call' : 'a connected leg'}`);
    this.updates.push({ uuid, body });
    if (call.ringing) call.ringing.hangUp();
    else if (call.held) call.held();
    else call.endedEarly = true;
    res.writeHead(204).end();
  }

  /** A recording's file, to a request with the application's JWT, as the create-call path checks it. */
  private serveFile(req: IncomingMessage, res: ServerResponse, id: string): void {
    if (req.method !== 'GET') return sendError(res, 405, 'wrong-verb', 'Request method not allowed', `Request method '${req.method}' not supported`);
    const unauthorized = this.checkApplicationJwt(req.headers.authorization);
    if (unauthorized) return sendError(res, 401, 'unauthorized', 'Invalid credentials supplied', 'You did not provide correct credentials.', unauthorized);
    const bytes = this.files.get(id);
    if (!bytes) return sendError(res, 404, 'not-found', 'Not Found', `File '${id}' does not exist`);
    this.fileFetches.push(id);
    sendRecording(req, res, bytes);
  }

  /** The reason the application JWT is refused, or undefined when it is good. */
  private checkApplicationJwt(header: string | undefined): string | undefined {
    const token = /^Bearer (\S+)$/.exec(header ?? '')?.[1];
    const parts = token?.split('.');
    if (!parts || parts.length !== 3) return 'no Bearer JWT';
    const [head, payload, signature] = parts as [string, string, string];
    let claims: Record<string, unknown>;
    try {
      if (decodePart(head).alg !== 'RS256') return 'the JWT is not RS256';
      claims = decodePart(payload);
    } catch {
      return 'the JWT does not decode';
    }
    if (!verify('RSA-SHA256', Buffer.from(`${head}.${payload}`), this.options.publicKey, Buffer.from(signature, 'base64url'))) return 'the JWT signature does not match the public key';
    const now = Date.now() / 1000;
    if (claims.application_id !== this.options.applicationId) return 'application_id is not this application';
    if (typeof claims.exp !== 'number' || claims.exp <= now) return 'the JWT has expired';
    if (typeof claims.iat !== 'number' || claims.iat > now + 60) return 'iat is missing or in the future';
    if (typeof claims.jti !== 'string' || !claims.jti) return 'jti is missing';
    return undefined;
  }

  private async driveOutbound(call: SimulatedCall, plan: CallPlan): Promise<void> {
    const started = new Date();
    await this.event(call, call.leg, plan.event, 'started');
    if (!call.endedEarly) await this.event(call, call.leg, plan.event, 'ringing');
    if (call.endedEarly || this.agentPhone === 'rings') {
      const answered = !call.endedEarly && (await new Promise<boolean>((resolve) => (call.ringing = { pickUp: () => resolve(true), hangUp: () => resolve(false) })));
      call.ringing = undefined;
      if (!answered) {
        // Hung up through the API before the agent answered: cancelled, then completed with no talk.
        await this.event(call, call.leg, plan.event, 'cancelled');
        await this.event(call, call.leg, plan.event, 'completed', completion(started, 0));
        return;
      }
    }
    const answer = await this.answerWebhook(call, plan.answer);
    await this.event(call, call.leg, plan.event, 'answered');
    // Held, the customer's leg ends after the agent's, as a leg whose caller hung up does.
    const run: NccoRun = { event: plan.event, message: 30, recording: [], ...(this.holdCalls ? { afterCaller: [], hold: () => this.holdUntilHungUp(call) } : {}) };
    const talked = await this.runNcco(call, answer, run);
    await this.event(call, call.leg, plan.event, 'completed', completion(started, talked + 5));
    for (const end of run.afterCaller ?? []) await end();
    await this.finishRecordings(call, run, started, talked + 5);
  }

  /** Connected until the call's first leg is hung up through the API. */
  private async holdUntilHungUp(call: SimulatedCall): Promise<void> {
    if (!call.endedEarly) await new Promise<void>((resolve) => (call.held = resolve));
    call.held = undefined;
  }

  private answerWebhook(call: SimulatedCall, target: { url: string; method: Method }): Promise<Exchange> {
    const { leg } = call;
    // The webhook reference lists GET parameters as to, from, conversation_uuid, uuid and the POST body as from, to, uuid, conversation_uuid.
    const payload =
      target.method === 'GET'
        ? { to: leg.to, from: leg.from, conversation_uuid: call.conversationUuid, uuid: leg.uuid }
        : { from: leg.from, to: leg.to, uuid: leg.uuid, conversation_uuid: call.conversationUuid };
    return this.webhook(call, leg, 'answer', target, payload);
  }

  /**
   * Runs the NCCO the answer URL returned, action after action. `talk` says its text. `record`
   * with a synchronous condition takes the caller's message (`run.message` seconds, then the
   * caller hangs up: the NCCO stops); without one it records until the call is over. Each
   * `connect` rings its one endpoint as a new leg; an answered leg talks, then the NCCO goes on if
   * that leg hung up and stops if the caller did; a synchronous connect's failed end is answered
   * by its eventUrl, whose NCCO, if any, replaces the rest. Returns the seconds talked.
   */
  private async runNcco(call: SimulatedCall, answer: Exchange, run: NccoRun): Promise<number> {
    let actions = readNcco(call, answer, 'answer URL');
    if (!actions) return 0;
    call.ncco = actions;
    let talked = 0;
    for (let i = 0; i < actions.length; i++) {
      const action = actions[i]!;
      if (action.action === 'talk') {
        if (typeof action.text !== 'string' || !action.text || action.text.length > 1500) call.errors.push(`talk needs a text of 1 to 1,500 characters: ${JSON.stringify(action.text)}`);
        else call.said.push(action.text);
      } else if (action.action === 'record') {
        if (await this.record(call, action, run)) return talked;
      } else if (action.action === 'connect') {
        const connected = await this.connect(call, action, run);
        talked += connected.talked;
        if (connected.replacement) {
          actions = connected.replacement;
          i = -1;
        } else if (connected.callerHungUp) return talked;
      } else call.errors.push(`the simulator does not run ${JSON.stringify(action.action)} actions`);
    }
    return talked;
  }

  /** One connect action: rings its endpoint as a new leg (see `runNcco`). */
  private async connect(call: SimulatedCall, action: Record<string, unknown>, run: NccoRun): Promise<{ talked: number; callerHungUp?: boolean; replacement?: Array<Record<string, unknown>> }> {
    const endpoints = Array.isArray(action.endpoint) ? (action.endpoint as Array<Record<string, unknown>>) : [];
    if (endpoints.length !== 1) {
      call.errors.push(`connect takes exactly one endpoint, got ${endpoints.length}`);
      return { talked: 0 };
    }
    const endpoint = endpoints[0]!;
    if (endpoint.type !== 'phone' || typeof endpoint.number !== 'string' || !PHONE.test(endpoint.number)) {
      call.errors.push(`connect endpoint is not a phone number of 7 to 15 digits: ${JSON.stringify(endpoint)}`);
      return { talked: 0 };
    }
    const { dtmfAnswer } = endpoint;
    if (dtmfAnswer !== undefined && (typeof dtmfAnswer !== 'string' || !DTMF_ANSWER.test(dtmfAnswer))) {
      call.errors.push(`connect endpoint's dtmfAnswer is not digits, *, # and p: ${JSON.stringify(dtmfAnswer)}`);
      return { talked: 0 };
    }
    if (action.eventType !== undefined && action.eventType !== 'synchronous') call.errors.push(`connect eventType is not "synchronous": ${JSON.stringify(action.eventType)}`);
    const from = typeof action.from === 'string' ? action.from : '';
    if (!this.options.numbers.includes(from)) call.errors.push(`connect from "${from}" is not one of your virtual numbers: the caller ID is unknown`);
    // The action's eventUrl, else the application's Event URL.
    const target = this.actionTarget(action) ?? this.applicationEvents();
    const leg: SimulatedLeg = { uuid: randomUUID(), direction: 'outbound', from, to: endpoint.number };
    this.legs.set(leg.uuid, { call, leg, ended: false });
    call.connected.push(leg);
    call.dialed.push(endpoint.number);
    const outcome = this.dialOutcomes.shift() ?? DEFAULT_OUTCOME;
    const started = new Date();
    await this.progress(call, leg, target, ['started', 'ringing']);
    if (!outcome.answer) {
      const failed = await this.event(call, leg, target, outcome.status);
      if (action.eventType !== 'synchronous' || !CONNECT_FAILED.has(outcome.status) || !failed?.body.trim()) return { talked: 0 };
      const replacement = readNcco(call, failed, "synchronous connect's eventUrl");
      return replacement ? { talked: 0, replacement } : { talked: 0 };
    }
    await this.event(call, leg, target, 'answered');
    if (typeof dtmfAnswer === 'string') call.sentDigits.push(dtmfAnswer);
    const end = () => this.event(call, leg, target, 'completed', completion(started, outcome.talkSeconds)).then(() => undefined);
    if (run.hold) await run.hold();
    const callerHungUp = run.hold !== undefined || outcome.hangup === 'caller';
    if (callerHungUp && run.afterCaller) run.afterCaller.push(end);
    else await end();
    return { talked: outcome.talkSeconds, callerHungUp };
  }

  /**
   * One record action. With a synchronous condition, the caller's message: the beep if asked,
   * `run.message` seconds, then the caller hangs up (true: the NCCO stops) and the recording's
   * event is sent. Without one, it records on until the call is over (`finishRecordings`).
   */
  private async record(call: SimulatedCall, action: Record<string, unknown>, run: NccoRun): Promise<boolean> {
    const problems = recordProblems(action);
    if (problems.length) {
      call.errors.push(...problems);
      return false;
    }
    if (!RECORD_CONDITIONS.some((name) => action[name] !== undefined)) {
      run.recording.push(action);
      return false;
    }
    const started = new Date();
    const seconds = Math.min(run.message, typeof action.timeOut === 'number' ? action.timeOut : 7200);
    await this.sendRecording(call, action, run.event, 'message', started, seconds);
    return true;
  }

  /** The files of the record actions that recorded until the call's end (`seconds` long), sent now that it is over. */
  private async finishRecordings(call: SimulatedCall, run: NccoRun, started: Date, seconds: number): Promise<void> {
    for (const action of run.recording) await this.sendRecording(call, action, run.event, 'call', started, seconds);
  }

  /** Keeps a recording's file (none for 0 s, whose event says size 0) and sends its event, as the webhook reference lists it. */
  private async sendRecording(call: SimulatedCall, action: Record<string, unknown>, event: CallPlan['event'], kind: 'message' | 'call', started: Date, seconds: number): Promise<void> {
    const id = randomUUID();
    const url = `${FILES_ORIGIN}/v1/files/${id}`;
    const file = seconds > 0 ? recordingBytes(id, seconds) : undefined;
    if (file) this.files.set(id, file);
    call.recordings.push({ url, seconds, kind });
    const target = this.actionTarget(action) ?? event;
    if (!target) return;
    const ended = new Date(started.getTime() + seconds * 1000);
    const payload = { start_time: started.toISOString(), recording_url: url, size: file?.length ?? 0, recording_uuid: randomUUID(), end_time: ended.toISOString(), conversation_uuid: call.conversationUuid, timestamp: new Date().toISOString() };
    await this.webhook(call, call.leg, 'record', target, payload);
  }

  /** An action's own eventUrl and eventMethod (POST by default). */
  private actionTarget(action: Record<string, unknown>): CallPlan['event'] {
    const own = Array.isArray(action.eventUrl) && typeof action.eventUrl[0] === 'string' ? action.eventUrl[0] : undefined;
    return own ? { url: own, method: action.eventMethod === 'GET' ? 'GET' : 'POST' } : undefined;
  }

  /** The application's Event URL. */
  private applicationEvents(): CallPlan['event'] {
    const { eventUrl, eventMethod = 'POST' } = this.application;
    return eventUrl ? { url: eventUrl, method: eventMethod } : undefined;
  }

  private async progress(call: SimulatedCall, leg: SimulatedLeg, target: CallPlan['event'], statuses: string[]): Promise<void> {
    for (const status of statuses) await this.event(call, leg, target, status);
  }

  /** One event of a leg, with the fields the webhook reference lists for its status, in its order. */
  private async event(call: SimulatedCall, leg: SimulatedLeg, target: CallPlan['event'], status: string, summary?: Completion): Promise<Exchange | undefined> {
    const known = this.legs.get(leg.uuid);
    if (known && FINAL.has(status)) known.ended = true;
    if (!target) return undefined;
    const { from, to, uuid, direction } = leg;
    const conversation_uuid = call.conversationUuid;
    const timestamp = new Date().toISOString();
    const payload =
      status === 'completed' && summary
        ? { end_time: summary.end_time, uuid, network: summary.network, duration: summary.duration, start_time: summary.start_time, rate: summary.rate, price: summary.price, from, to, conversation_uuid, status, direction, timestamp }
        : status === 'answered'
          ? { start_time: null, rate: null, from, to, uuid, conversation_uuid, status, direction, network: null, timestamp }
          : { from, to, uuid, conversation_uuid, status, direction, timestamp };
    return this.webhook(call, leg, 'event', target, payload);
  }

  private newCall(leg: SimulatedLeg): SimulatedCall {
    const call: SimulatedCall = { conversationUuid: `CON-${randomUUID()}`, leg, connected: [], ncco: [], dialed: [], sentDigits: [], errors: [], said: [], recordings: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.conversationUuid, call);
    this.legs.set(leg.uuid, { call, leg, ended: false });
    return call;
  }
}

interface Completion {
  end_time: string;
  network: string;
  duration: string;
  start_time: string;
  rate: string;
  price: string;
}

/** The summary fields of a `completed` event for a leg that began at `started` and lasted `seconds`. */
function completion(started: Date, seconds: number): Completion {
  const ended = new Date(started.getTime() + seconds * 1000);
  return { end_time: ended.toISOString(), network: '310260', duration: String(seconds), start_time: started.toISOString(), rate: '0.01390000', price: (0.0139 * (seconds / 60)).toFixed(8) };
}

/** An HS256 JWT, as Vonage signs webhooks (independent of the engine's implementation). */
export function hs256Jwt(secret: string, claims: Record<string, unknown>): string {
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

/** An NCCO answered by the relay (the answer URL, a synchronous connect's eventUrl), or undefined with the error kept. */
function readNcco(call: SimulatedCall, answer: Exchange, from: string): Array<Record<string, unknown>> | undefined {
  if (answer.status < 200 || answer.status > 299) {
    call.errors.push(`${from} answered HTTP ${answer.status}`);
    return undefined;
  }
  let actions: unknown;
  try {
    actions = JSON.parse(answer.body);
  } catch {
    actions = undefined;
  }
  if (!Array.isArray(actions) || !actions.every((a) => typeof a === 'object' && a !== null && !Array.isArray(a))) {
    call.errors.push(`the NCCO from the ${from} is not a JSON array of actions`);
    return undefined;
  }
  return actions as Array<Record<string, unknown>>;
}

/** What is wrong with a record action's options (NCCO reference: their ranges and types). */
function recordProblems(action: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const { endOnSilence, endOnKey, timeOut, beepStart, eventUrl } = action;
  if (endOnSilence !== undefined && (typeof endOnSilence !== 'number' || endOnSilence < 3 || endOnSilence > 10)) problems.push(`record endOnSilence is not 3 to 10: ${JSON.stringify(endOnSilence)}`);
  if (endOnKey !== undefined && (typeof endOnKey !== 'string' || !/^[0-9*#]$/.test(endOnKey))) problems.push(`record endOnKey is not one of 0-9, * or #: ${JSON.stringify(endOnKey)}`);
  if (timeOut !== undefined && (typeof timeOut !== 'number' || timeOut < 3 || timeOut > 7200)) problems.push(`record timeOut is not 3 to 7200: ${JSON.stringify(timeOut)}`);
  if (beepStart !== undefined && typeof beepStart !== 'boolean') problems.push(`record beepStart is not a boolean: ${JSON.stringify(beepStart)}`);
  if (eventUrl !== undefined && (!Array.isArray(eventUrl) || typeof eventUrl[0] !== 'string')) problems.push(`record eventUrl is not an array of URLs: ${JSON.stringify(eventUrl)}`);
  return problems;
}

function decodePart(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

function sendError(res: ServerResponse, status: number, type: string, title: string, detail: string, reason?: string): void {
  // `reason` is the simulator's own note on why, for test failures; Vonage does not send it.
  sendJson(res, status, { type: `https://developer.nexmo.com/api-errors#${type}`, title, detail, instance: randomUUID(), ...(reason ? { simulator_reason: reason } : {}) });
}
