/**
 * A Bandwidth Programmable Voice simulator over real HTTP: the OAuth 2.0 token endpoint, the
 * create-call API (Bearer token, JSON), then the call's JSON webhooks (answer, disconnect; initiate for inbound calls), the
 * BXML the relay answers (`<Transfer><PhoneNumber>…`) rung and bridged, and the 204 Bandwidth
 * wants for a disconnect checked. Inbound calls are started with `inboundCall`. Update Call with
 * `state: completed` cancels a call while the agent's phone rings (`agentPhone = 'rings'`) or
 * hangs up one connected to the customer (`holdCalls`). `<SpeakSentence>`, `<Record>` (a caller's
 * message, as long as the outcome's `message` says), `<StartRecording>` in the BXML answered to a
 * transferAnswer (the talk, recorded on that leg) and `<Hangup>` are followed; each recording's
 * recordingAvailable is sent once the call is over, and its file served for the bearer token.
 *
 * Facts used, and where they come from ([D] Bandwidth's docs or SDKs, [C] seen in answers the
 * live API gave Bandwidth's SDK tests, [I] assumed):
 * - [D] Create Call (Bandwidth/api-docs site/specs/voice.yml `createCall`; node-sdk bandwidth.yml,
 *   server https://voice.bandwidth.com/api/v2): `POST /accounts/{accountId}/calls`, JSON; `from`,
 *   `to`, `answerUrl`, `applicationId` required; `answerMethod`, `disconnectUrl`,
 *   `disconnectMethod`, `username`/`password` ("Basic auth" for the callbacks), `tag`,
 *   `callTimeout`, `callbackTimeout` optional; HTTP 201 with `accountId, callId ("c-…"),
 *   applicationId, to, from, callUrl, answerUrl, answerMethod, disconnectUrl,
 *   disconnectMethod, enqueuedTime, callTimeout, callbackTimeout, tag`.
 * - [D] Errors `{"type","description","id"}` (node-sdk bandwidth.yml `voiceApiError`); 400
 *   `validation`, 401 `authentication-error`, 403 `authorization-error`, 415 for another media
 *   type. [D api-docs site/docs/voice/errors.mdx] their bodies: 400 "Invalid to: must be an E164
 *   telephone number", 401 "The credentials provided were invalid" "when the specified user does
 *   not have access to the account" (so a credential used with another account's id gets 401, not
 *   403), 403 "Access is denied" "when the user does not have access to the Voice API", 415
 *   "Content type '…' not supported". [I] the wording of the other validation messages (missing
 *   field, unknown application).
 * - [D] OAuth 2.0 client credentials: token URL `https://api.bandwidth.com/api/v1/oauth2/token`
 *   (node-sdk bandwidth.yml `tokenUrl`, configuration.ts), Basic `client_id:client_secret`, form
 *   `grant_type=client_credentials`, answer `{access_token, expires_in}`; legacy API users
 *   (Basic auth) end on December 2, 2026 (Credential Management). The simulator accepts only such
 *   tokens on the Voice API. [I] a wrong client gets 401 `{"error":"invalid_client"}` (RFC 6749's
 *   wording); an unknown token gets the 401 above (its body [D errors.mdx], for an OAuth token [I]).
 * - [D] Webhooks (api-docs site/docs/voice/webhooks/answer.mdx, initiate.mdx, disconnect.mdx):
 *   JSON POSTs with `eventType, eventTime, accountId, applicationId, from, to, direction
 *   (inbound|outbound), callId, callUrl, startTime`, `answerTime` once answered, `endTime,
 *   cause` on disconnect (`hangup, busy, timeout, cancel, rejected, callback-error,
 *   invalid-bxml, application-error, account-limit, node-capacity-exceeded, error, unknown`,
 *   "not exhaustive"); answer and initiate want BXML `<Response>` back, disconnect "HTTP/1.1 204".
 * - [D] `<Transfer transferCallerId>` with 1 to 8 `<PhoneNumber>`s (E.164) rings them at once and
 *   bridges the first to answer (api-docs site/docs/voice/bxml/transfer.mdx); invalid BXML ends
 *   the call (`invalid-bxml`), an undeliverable callback too (`callback-error`).
 * - [D] Transfer callbacks (api-docs site/docs/voice/bxml/transfer.mdx, webhooks/transferAnswer.mdx,
 *   transferComplete.mdx): `<PhoneNumber transferAnswerUrl>` gets `transferAnswer` when that number
 *   answers (`callId` the new B leg, `parentCallId` the original call, `transferCallerId`,
 *   `transferTo`), and the BXML answered runs for the called party before the bridge;
 *   `<Transfer transferCompleteUrl>` gets `transferComplete` for the original call when the B leg
 *   ends, its `cause` the B leg's (`hangup`, `busy`, `timeout`, …, `errorMessage` on failures), "only
 *   sent if the call is still active", and the BXML answered runs on the original call; each with
 *   Basic auth from its tag's `username`/`password`. With no BXML left the original call ends with
 *   cause `hangup` ("there was no more BXML to execute"), whatever the transfer's outcome.
 *   [D webhooks/transferAnswer.mdx] the B leg's `callId` is a `c-…` id of its own, next to
 *   `parentCallId`. Simulated (a scenario, not a fact): the first `<PhoneNumber>` answers.
 * - [D] Callbacks carry Basic auth with the `username`/`password` given on the call (voice.yml),
 *   and the Voice application's `CallbackCreds` for the events of incoming calls, whose initiate
 *   goes to `CallInitiatedCallbackUrl` and disconnect to `CallStatusCallbackUrl`
 *   (api-docs site/docs/account/applications.mdx). No signature: Bandwidth does not sign webhooks.
 * - [D] Update Call (voice.yml and node-sdk bandwidth.yml `updateCall`, `callStateEnum`):
 *   `POST /accounts/{accountId}/calls/{callId}`, JSON, authenticated as a create; `state`
 *   `completed` hangs the call up "if it is answered, cancel[s] it if it is an unanswered outbound
 *   call", `active` (the default) redirects it; `redirectUrl` and `tag` "Not allowed if `state` is
 *   `completed`". HTTP 200 without a body. [D errors.mdx] 404 `Call [<id>] not found` for an
 *   unknown call, 409 `Call [<id>] cannot be modified in its current state` (id "") for "a recently
 *   ended call". [C] Bandwidth/python-sdk smoke tests (live API): 200, 404 for an unknown call, 401
 *   for bad credentials. [I] the wording of the 400s (a state that is neither value, a field not
 *   allowed with `completed`), and 409 rather than 404 for every call that is over (the page gives
 *   404 too, "when the call-id is no longer active"). Redirects are not simulated.
 * - [D] How a call ended that way is reported (webhooks/disconnect.mdx, bxml/transfer.mdx): one
 *   disconnect, cause `cancel` ("cancelled by its originator while it was ringing") for the agent's
 *   phone still ringing, `hangup` once answered; no transferComplete for a transfer the call was
 *   in, which is sent "only if the call is still active". [I] that these are the causes Bandwidth
 *   gives a call ended through the API.
 * - [D] `<SpeakSentence>` (bxml/speakSentence.mdx): its text "Cannot be blank". `<Hangup>` ends the
 *   call (cause `hangup`).
 * - [D] `<Record>` (bxml/record.mdx): `maxDuration` (seconds, 60 by default, at most 10800),
 *   `fileFormat` (`wav` by default, or `mp3`), `terminatingDigits` (`#` by default),
 *   `recordCompleteUrl` (recordComplete, whose BXML runs next, the verbs after the `<Record>`
 *   ignored; "not sent if the recording ended due to the call hanging up"),
 *   `recordingAvailableUrl` (recordingAvailable, once the file can be downloaded), and
 *   `username`/`password` for both. Simulated: the caller talks for the outcome's `message`
 *   seconds (0 without one: a caller who hangs up at the beep), then hangs up, or presses #
 *   (`endsMessage: 'key'`); a message longer than `maxDuration` is cut there and recordComplete
 *   follows.
 * - [D] `<StartRecording>` (bxml/startRecording.mdx; allowed in a transferAnswer's BXML,
 *   webhooks/transferAnswer.mdx) records the call until it ends; `recordingAvailableUrl`,
 *   `fileFormat` and `username`/`password` as for `<Record>`. Simulated there only: the leg's
 *   talk (`talkSeconds`) is recorded under that leg's callId; elsewhere it is noted as not
 *   simulated.
 * - [D] recordComplete and recordingAvailable (webhooks/recordComplete.mdx,
 *   recordingAvailable.mdx): JSON with the call's fields (`parentCallId`, `transferCallerId` and
 *   `transferTo` for a `<Transfer>`'s B leg), `recordingId`, `channels`, `startTime`, `endTime`,
 *   `duration` (ISO 8601, "PT20.056S"), `fileFormat`, `mediaUrl`; recordingAvailable adds
 *   `status` (`complete`) and wants 204. [I] `duration` written as Java's Duration writes it
 *   (`PT1M23S`, `PT0S`), the form of the documented examples; recordingAvailable sent once the
 *   call is over.
 * - [D] Download Recording (Bandwidth's SDK docs, RecordingsApi DownloadCallRecording): `GET
 *   /accounts/{accountId}/calls/{callId}/recordings/{recordingId}/media` with the API's
 *   credentials, 401 without them. Served here for a token the simulator issued, as an MP3 (the
 *   connector asks for `mp3`); [I] the 404 for a recording the account does not have.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { basicAuth, closeServer, listen, readBody, recordingBytes, releaseCalls, sendRecording, sendWebhook } from './http.ts';
import { parseTwiml, type TwimlElement } from './twiml.ts';

export interface BandwidthSimulatorOptions {
  accountId: string;
  /** An API Credential (OAuth 2.0 client). */
  clientId: string;
  clientSecret: string;
  applicationId: string;
  /** The application's callback credentials, sent with the events of incoming calls. */
  callbackCreds?: { userId: string; password: string };
  forward?: (publicUrl: string) => string;
}

export interface BandwidthExchange {
  eventType: string;
  url: string;
  event: Record<string, unknown>;
  /** 0 when the request did not get an HTTP answer. */
  status: number;
  contentType: string | null;
  body: string;
}

/** Disconnect causes the Disconnect webhook page documents for a call that never connected (it says more may come). */
export type FailureCause = 'busy' | 'timeout' | 'cancel' | 'rejected' | 'application-error' | 'account-limit' | 'node-capacity-exceeded' | 'error' | 'unknown';

/** A cause Bandwidth adds after its page was read, as the page warns may happen. */
export type LaterCause = `later-${string}`;

/**
 * How a transferred party (the customer, or an incoming call's agents) ends up; when nobody
 * answered, how long the caller's message is if one is asked for (none: 0 s, a hang-up at the
 * beep), and how it ends (the caller hangs up, or presses #).
 */
export type TransferOutcome =
  | { answer: true; talkSeconds: number }
  | { answer: false; cause: FailureCause | LaterCause; message?: number; endsMessage?: 'hangup' | 'key' };

/** A recording made on a call: by a `<Record>` (the caller's message) or a `<StartRecording>` (the talk, on the leg that answered). */
export interface BandwidthRecording {
  recordingId: string;
  /** The leg it was made on: the call's own id, or its transfer's B leg. */
  callId: string;
  mediaUrl: string;
  seconds: number;
  fileFormat: 'wav' | 'mp3';
  /** Where its recordingAvailable goes, and the Basic credentials its tag gave. */
  availableUrl?: string;
  credentials?: string;
  /** The B leg's fields (`parentCallId`, `transferCallerId`, `transferTo`) for a recording made on one. */
  leg?: Record<string, string>;
}

/** How the phone Bandwidth rings first for a call we place (the agent's) ends up. */
export type LegOutcome = { answer: true } | { answer: false; cause: FailureCause | LaterCause };

export interface BandwidthCall {
  callId: string;
  direction: 'outbound' | 'inbound';
  from: string;
  to: string;
  startTime: string;
  answerTime?: string;
  /** The cause of the disconnect, once the call has ended. */
  cause?: string;
  /** `<PhoneNumber>`s of every `<Transfer>` the relay answered with. */
  transferredTo: string[];
  /** `transferCallerId` of those transfers. */
  transferCallerIds: string[];
  /** What `<SpeakSentence>`s said, in order. */
  said: string[];
  recordings: BandwidthRecording[];
  errors: string[];
  exchanges: BandwidthExchange[];
  /** While an outbound call rings the agent's phone (`agentPhone = 'rings'`): it answers (`pickUp`), or the call is canceled through the API. */
  ringing?: { pickUp(): void; end(): void };
  /** An outbound call connected to the customer and held (`holdCalls`): hangs it up, as the API does. */
  connected?: () => void;
  /** Hung up through the API between two of its steps (a callback under way): it ends at the next one. */
  hangUpRequested?: boolean;
  done: Promise<void>;
}

/** What happens to a call we place, fixed when it is created. */
interface OutboundScenario {
  leg: LegOutcome;
  transfer: TransferOutcome;
  /** Resolves true when the agent's phone answers, false when the call is canceled while it rings. */
  pickedUp: Promise<boolean>;
  /** Whether the bridged call stays connected until it is hung up through the API. */
  hold: boolean;
}

interface CallbackPlan {
  answerUrl?: string;
  disconnectUrl?: string;
  /** The callbacks' Authorization header: Basic, with the username and password given on the call. */
  credentials?: string;
}

const CALLS_PATH = /^\/api\/v2\/accounts\/([^/]+)\/calls$/;
/** One call's resource: `POST` updates it (hangs it up). */
const CALL_PATH = /^\/api\/v2\/accounts\/([^/]+)\/calls\/([^/]+)$/;
/** A recording's file (Download Recording). */
const MEDIA_PATH = /^\/api\/v2\/accounts\/([^/]+)\/calls\/([^/]+)\/recordings\/([^/]+)\/media$/;
const TOKEN_PATH = '/api/v1/oauth2/token';
const E164 = /^\+[1-9]\d{6,14}$/;

export class BandwidthSimulator {
  readonly calls = new Map<string, BandwidthCall>();
  /** Access tokens issued, and how many times the token endpoint was asked. */
  private readonly tokens = new Set<string>();
  tokenRequests = 0;
  transferOutcome: TransferOutcome = { answer: true, talkSeconds: 42 };
  legOutcome: LegOutcome = { answer: true };
  /**
   * What the agent's phone does when an outbound call rings it: answers at once, or rings until
   * `pickUp` or the call is canceled through the API (a condition, not a time, so a busy machine
   * is fine).
   */
  agentPhone: 'answers' | 'rings' = 'answers';
  /** Whether an outbound call, once bridged to the customer, stays connected until it is hung up through the API. */
  holdCalls = false;
  /** The requests that updated a call (`POST …/calls/{callId}`), in order: the call's id and the JSON sent. */
  readonly updates: Array<{ callId: string; body: Record<string, unknown> }> = [];
  /** Each request for a recording's file, with the Authorization it carried. */
  readonly mediaFetches: Array<{ recordingId: string; authorization?: string }> = [];

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: BandwidthSimulatorOptions,
  ) {}

  static async start(options: BandwidthSimulatorOptions): Promise<BandwidthSimulator> {
    let simulator: BandwidthSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { type: 'internal-server-error', description: error.message, id: null }));
    simulator = new BandwidthSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    // A call a failed test left ringing or connected ends, so closing never waits on it.
    releaseCalls(this.calls.values());
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /**
   * An inbound call to a number of the application: the initiate event goes to its
   * Call-initiated callback URL, the disconnect to its Call status callback URL.
   */
  inboundCall(input: { initiateUrl: string; statusUrl?: string; from: string; to: string }): BandwidthCall {
    const call = this.newCall('inbound', input.from, input.to);
    const creds = this.options.callbackCreds;
    const credentials = creds ? basicAuth(creds.userId, creds.password) : undefined;
    const outcome = this.transferOutcome;
    call.done = (async () => {
      const initiate = await this.event(call, input.initiateUrl, 'initiate', {}, credentials);
      call.answerTime = new Date().toISOString();
      const cause = await this.followBxml(call, initiate, outcome);
      await this.disconnect(call, input.statusUrl, cause, credentials);
      await this.recordingsAvailable(call);
    })();
    return call;
  }

  /**
   * Sends one webhook event for a call, as Bandwidth would, with `credentials` as its
   * Authorization header; exposed for step-by-step scenarios.
   */
  async event(call: BandwidthCall, url: string, eventType: string, extra: Record<string, unknown>, credentials?: string): Promise<BandwidthExchange> {
    const event = { ...this.baseEvent(call, eventType), ...extra };
    const answer = await sendWebhook(this.options.forward ? this.options.forward(url) : url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'User-Agent': 'BandwidthAPI/v2', ...(credentials ? { Authorization: credentials } : {}) },
      body: JSON.stringify(event),
    });
    // An answer without a Content-Type (the 204 to a disconnect) is recorded as null.
    const exchange: BandwidthExchange = { eventType, url, event, status: answer.status, contentType: answer.contentType || null, body: answer.body };
    call.exchanges.push(exchange);
    return exchange;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', this.baseUrl).pathname;
    if (path === TOKEN_PATH && req.method === 'POST') return this.issueToken(req, res);
    const media = MEDIA_PATH.exec(path);
    if (media && req.method === 'GET') return this.recordingFile(req, res, media[1]!, decodeURIComponent(media[2]!), decodeURIComponent(media[3]!));
    const one = CALL_PATH.exec(path);
    const match = one ?? CALLS_PATH.exec(path);
    if (!match || req.method !== 'POST') return sendJson(res, 404, { type: 'not-found', description: 'The resource was not found', id: null });
    if (!this.authorized(req, match[1]!)) return sendJson(res, 401, { type: 'authentication-error', description: 'The credentials provided were invalid', id: null });
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json/i.test(contentType)) return sendJson(res, 415, { type: 'validation', description: `Content type '${contentType}' not supported`, id: null });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { type: 'validation', description: 'The request body is not valid JSON', id: null });
    }
    if (one) return this.update(res, decodeURIComponent(one[2]!), body);
    for (const name of ['from', 'to', 'answerUrl', 'applicationId']) {
      if (typeof body[name] !== 'string' || !body[name]) return sendJson(res, 400, { type: 'validation', description: `Missing ${name}`, id: null });
    }
    const { from, to, answerUrl, applicationId } = body as Record<string, string>;
    for (const [name, value] of [['to', to], ['from', from]] as const) {
      if (!E164.test(value!)) return sendJson(res, 400, { type: 'validation', description: `Invalid ${name}: must be an E164 telephone number`, id: null });
    }
    if (applicationId !== this.options.applicationId) return sendJson(res, 400, { type: 'validation', description: 'Invalid applicationId: application not found', id: null });

    const call = this.newCall('outbound', from!, to!);
    // Ringing before the create is answered, so a test can pick up as soon as the call is placed.
    const pickedUp = this.agentPhone === 'rings' ? new Promise<boolean>((resolve) => (call.ringing = { pickUp: () => resolve(true), end: () => resolve(false) })) : Promise.resolve(true);
    const disconnectUrl = typeof body.disconnectUrl === 'string' ? body.disconnectUrl : undefined;
    const username = typeof body.username === 'string' ? body.username : undefined;
    const password = typeof body.password === 'string' ? body.password : undefined;
    sendJson(res, 201, {
      accountId: this.options.accountId,
      callId: call.callId,
      applicationId,
      to,
      from,
      callUrl: `https://voice.bandwidth.com/api/v2/accounts/${this.options.accountId}/calls/${call.callId}`,
      answerUrl,
      answerMethod: body.answerMethod ?? 'POST',
      disconnectUrl: disconnectUrl ?? null,
      disconnectMethod: body.disconnectMethod ?? 'POST',
      enqueuedTime: new Date().toISOString(),
      callTimeout: body.callTimeout ?? 30,
      callbackTimeout: body.callbackTimeout ?? 15,
      tag: body.tag ?? null,
    });
    const plan: CallbackPlan = { answerUrl, disconnectUrl, credentials: username && password ? basicAuth(username, password) : undefined };
    call.done = this.driveOutbound(call, plan, { leg: this.legOutcome, transfer: this.transferOutcome, pickedUp, hold: this.holdCalls });
  }

  /**
   * Update Call with `state: completed`: a ringing call is canceled, a connected one hung up, one
   * between two steps ends at the next. Answered 200 without a body; an unknown call 404, one
   * already over 409.
   */
  private update(res: ServerResponse, callId: string, body: Record<string, unknown>): void {
    const call = this.calls.get(callId);
    if (!call) return sendJson(res, 404, { type: 'validation', description: `Call [${callId}] not found`, id: null });
    const state = body.state ?? 'active';
    if (state !== 'active' && state !== 'completed') return sendJson(res, 400, { type: 'validation', description: `Invalid state: ${String(state)}`, id: null });
    if (state === 'active') throw new Error('the Bandwidth simulator does not redirect calls');
    for (const name of ['redirectUrl', 'tag']) {
      if (body[name] !== undefined && body[name] !== null) return sendJson(res, 400, { type: 'validation', description: `${name} is not allowed when state is completed`, id: null });
    }
    if (call.cause !== undefined) return sendJson(res, 409, { type: 'validation', description: `Call [${callId}] cannot be modified in its current state`, id: '' });
    this.updates.push({ callId, body });
    res.writeHead(200).end();
    if (call.ringing) call.ringing.end();
    else if (call.connected) call.connected();
    else call.hangUpRequested = true;
  }

  /** Bandwidth no longer takes the tokens it issued (they expired, or the credential was rotated): each is answered 401 from now on. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** The agent's phone, ringing for an outbound call (`agentPhone = 'rings'`), answers it. */
  pickUp(call: BandwidthCall): void {
    if (!call.ringing) throw new Error(`call ${call.callId} is not ringing`);
    call.ringing.pickUp();
  }

  /** OAuth 2.0 client credentials: Basic client id and secret, form grant_type. */
  private async issueToken(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.tokenRequests++;
    const expected = basicAuth(this.options.clientId, this.options.clientSecret);
    const form = new URLSearchParams(await readBody(req));
    if (req.headers.authorization !== expected) return sendJson(res, 401, { error: 'invalid_client' });
    if (!/^application\/x-www-form-urlencoded/i.test(req.headers['content-type'] ?? '') || form.get('grant_type') !== 'client_credentials') {
      return sendJson(res, 400, { error: 'unsupported_grant_type' });
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.add(token);
    sendJson(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 3600 });
  }

  private async driveOutbound(call: BandwidthCall, plan: CallbackPlan, scenario: OutboundScenario): Promise<void> {
    const pickedUp = await scenario.pickedUp;
    call.ringing = undefined;
    // Canceled through the API before anyone answered: the originator canceled it while it rang.
    if (!pickedUp || call.hangUpRequested) return this.disconnect(call, plan.disconnectUrl, 'cancel', plan.credentials);
    if (!scenario.leg.answer) return this.disconnect(call, plan.disconnectUrl, scenario.leg.cause, plan.credentials);
    call.answerTime = new Date().toISOString();
    const answer = await this.event(call, plan.answerUrl!, 'answer', {}, plan.credentials);
    const cause = await this.followBxml(call, answer, scenario.transfer, scenario.hold);
    await this.disconnect(call, plan.disconnectUrl, cause, plan.credentials);
    await this.recordingsAvailable(call);
  }

  private async disconnect(call: BandwidthCall, url: string | undefined, cause: string, credentials?: string): Promise<void> {
    call.cause = cause;
    if (!url) return;
    const exchange = await this.event(call, url, 'disconnect', { endTime: new Date().toISOString(), cause }, credentials);
    // Bandwidth documents 204 as the answer to a disconnect; anything else is noted.
    if (exchange.status !== 204 || exchange.body !== '') call.errors.push(`disconnect answered ${exchange.status} with ${JSON.stringify(exchange.body)}`);
  }

  /**
   * Follows a BXML answer, verb by verb: `<SpeakSentence>` is said, `<Record>` takes the caller's
   * message, `<Hangup>` ends the call, and each `<Transfer>` rings its `<PhoneNumber>`s at once
   * and bridges the first (it answers, unless `outcome` says otherwise), with its transferAnswer
   * and transferComplete callbacks when asked for. A `hold`ed transfer that was answered stays
   * connected until the call is hung up through the API. Returns the original call's disconnect cause.
   */
  private async followBxml(call: BandwidthCall, answer: BandwidthExchange, outcome: TransferOutcome, hold = false): Promise<string> {
    // Hung up through the API while the callback was under way: its BXML never runs.
    if (call.hangUpRequested) return 'hangup';
    if (answer.status < 200 || answer.status >= 300) return 'callback-error';
    const document = parseBxml(call, answer);
    if (!document) return 'invalid-bxml';
    for (const verb of document.children) {
      let end: string | undefined;
      if (verb.name === 'SpeakSentence') end = this.speak(call, verb);
      else if (verb.name === 'Record') end = await this.record(call, verb, outcome);
      else if (verb.name === 'Hangup') end = 'hangup';
      else if (verb.name === 'Transfer') end = await this.transfer(call, verb, outcome, hold);
      else call.errors.push(`<${verb.name}> is not simulated`);
      if (end !== undefined) return end;
    }
    return 'hangup';
  }

  /** A `<SpeakSentence>`: its text is said to the caller. */
  private speak(call: BandwidthCall, verb: TwimlElement): string | undefined {
    if (!verb.text.trim()) {
      call.errors.push('invalid BXML: the text of a <SpeakSentence> cannot be blank');
      return 'invalid-bxml';
    }
    call.said.push(verb.text.trim());
    return undefined;
  }

  /**
   * A `<Record>`: the caller's message. A caller who hangs up ends the call (no recordComplete);
   * one who presses #, or runs out of time, is followed by recordComplete, whose BXML runs next.
   */
  private async record(call: BandwidthCall, verb: TwimlElement, outcome: TransferOutcome): Promise<string | undefined> {
    const maxDuration = Number(verb.attrs.maxDuration ?? 60);
    if (!Number.isInteger(maxDuration) || maxDuration < 1 || maxDuration > 10800) {
      call.errors.push(`invalid BXML: <Record maxDuration="${verb.attrs.maxDuration}">`);
      return 'invalid-bxml';
    }
    const talked = outcome.answer ? 0 : (outcome.message ?? 0);
    const recording = this.newRecording(call, verb, call.callId, Math.min(talked, maxDuration));
    if (recording === undefined) return 'invalid-bxml';
    const pressedKey = !outcome.answer && outcome.endsMessage === 'key';
    if (talked <= maxDuration && !pressedKey) return 'hangup';
    const completeUrl = verb.attrs.recordCompleteUrl;
    if (!completeUrl) return undefined;
    const complete = await this.event(call, completeUrl, 'recordComplete', recordingFields(recording), tagCredentials(verb));
    if (!isBxml(complete)) return this.callbackFailed(call, complete);
    return this.followBxml(call, complete, outcome);
  }

  /**
   * A `<Transfer>`. Returns the original call's disconnect cause when the call ends with it (held,
   * or the transferComplete's BXML followed), undefined when the verbs after it run.
   */
  private async transfer(call: BandwidthCall, transfer: TwimlElement, outcome: TransferOutcome, hold: boolean): Promise<string | undefined> {
    const phones = transfer.children.filter((e) => e.name === 'PhoneNumber');
    if (phones.length === 0 || phones.length > 8) {
      call.errors.push(`invalid BXML: <Transfer> takes 1 to 8 <PhoneNumber>s, got ${phones.length}`);
      return 'invalid-bxml';
    }
    call.transferredTo.push(...phones.map((e) => e.text.trim()));
    const callerId = transfer.attrs.transferCallerId;
    if (callerId) call.transferCallerIds.push(callerId);
    const target = { transferCallerId: callerId ?? call.from, transferTo: phones[0]!.text.trim() };
    const answerUrl = phones[0]!.attrs.transferAnswerUrl;
    if (outcome.answer && answerUrl) {
      const leg = { ...target, direction: 'outbound', callId: `c-${randomUUID()}`, parentCallId: call.callId };
      const answered = await this.event(call, answerUrl, 'transferAnswer', { ...leg, answerTime: new Date().toISOString() }, tagCredentials(phones[0]!));
      if (!isBxml(answered)) return this.callbackFailed(call, answered);
      const failed = this.followLegBxml(call, answered, leg, outcome.talkSeconds);
      if (failed) return failed;
    }
    if (hold && outcome.answer) {
      await new Promise<void>((resolve) => (call.connected = resolve));
      call.connected = undefined;
      // The original call is over: no transferComplete, which is sent only while it is still up.
      return 'hangup';
    }
    const completeUrl = transfer.attrs.transferCompleteUrl;
    if (!completeUrl) return undefined;
    const end = outcome.answer ? { cause: 'hangup' } : { cause: outcome.cause, errorMessage: `transfer ended: ${outcome.cause}`, errorId: randomUUID() };
    const complete = await this.event(call, completeUrl, 'transferComplete', { ...target, ...end }, tagCredentials(transfer));
    // The BXML answered runs on the original call; verbs after the <Transfer> are ignored.
    if (!isBxml(complete)) return this.callbackFailed(call, complete);
    return this.followBxml(call, complete, outcome);
  }

  /**
   * The BXML answered to a transferAnswer, run on the B leg before the bridge: a
   * `<StartRecording>` records the leg's talk. Returns a disconnect cause for BXML Bandwidth refuses there.
   */
  private followLegBxml(call: BandwidthCall, answered: BandwidthExchange, leg: Record<string, string>, talkSeconds: number): string | undefined {
    const document = parseBxml(call, answered);
    if (!document) return 'invalid-bxml';
    for (const verb of document.children) {
      // Not allowed in a transferAnswer's BXML (webhooks/transferAnswer.mdx).
      if (['Bridge', 'Conference', 'Forward', 'Transfer'].includes(verb.name)) {
        call.errors.push(`invalid BXML: <${verb.name}> is not allowed in reply to transferAnswer`);
        return 'invalid-bxml';
      }
      if (verb.name !== 'StartRecording') call.errors.push(`<${verb.name}> in reply to transferAnswer is not simulated`);
      else if (!this.newRecording(call, verb, leg.callId!, talkSeconds, leg)) return 'invalid-bxml';
    }
    return undefined;
  }

  /** A recording of `seconds` on the leg `legId`, made by `verb` (`<Record>` or `<StartRecording>`); undefined for a file format Bandwidth does not make. */
  private newRecording(call: BandwidthCall, verb: TwimlElement, legId: string, seconds: number, leg?: Record<string, string>): BandwidthRecording | undefined {
    const fileFormat = verb.attrs.fileFormat ?? 'wav';
    if (fileFormat !== 'wav' && fileFormat !== 'mp3') {
      call.errors.push(`invalid BXML: <${verb.name} fileFormat="${fileFormat}">`);
      return undefined;
    }
    const recordingId = `r-${randomUUID()}`;
    const recording: BandwidthRecording = {
      recordingId,
      callId: legId,
      mediaUrl: `https://voice.bandwidth.com/api/v2/accounts/${this.options.accountId}/calls/${legId}/recordings/${recordingId}/media`,
      seconds,
      fileFormat,
      availableUrl: verb.attrs.recordingAvailableUrl,
      credentials: tagCredentials(verb),
      leg,
    };
    call.recordings.push(recording);
    return recording;
  }

  /** Once the call is over, each recording's recordingAvailable, to the URL its verb gave; 204 is the answer Bandwidth wants. */
  private async recordingsAvailable(call: BandwidthCall): Promise<void> {
    for (const recording of call.recordings) {
      if (!recording.availableUrl) continue;
      const exchange = await this.event(call, recording.availableUrl, 'recordingAvailable', { ...recordingFields(recording), status: 'complete' }, recording.credentials);
      if (exchange.status !== 204) call.errors.push(`recordingAvailable answered ${exchange.status} with ${JSON.stringify(exchange.body)}`);
    }
  }

  /** Download Recording: the file, for a token the simulator issued (401 otherwise), as an MP3. */
  private recordingFile(req: IncomingMessage, res: ServerResponse, accountId: string, legId: string, recordingId: string): void {
    this.mediaFetches.push({ recordingId, authorization: req.headers.authorization });
    if (!this.authorized(req, accountId)) return sendJson(res, 401, { type: 'authentication-error', description: 'The credentials provided were invalid', id: null });
    const recording = [...this.calls.values()].flatMap((c) => c.recordings).find((r) => r.recordingId === recordingId && r.callId === legId);
    if (!recording) return sendJson(res, 404, { type: 'validation', description: `Recording [${recordingId}] not found`, id: null });
    sendRecording(req, res, recordingBytes(recordingId, recording.seconds));
  }

  /** Whether the request carries a token the simulator issued, for its account (a credential for another account gets 401, as the errors page says). */
  private authorized(req: IncomingMessage, accountId: string): boolean {
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    return bearer !== undefined && this.tokens.has(bearer) && accountId === this.options.accountId;
  }

  private callbackFailed(call: BandwidthCall, exchange: BandwidthExchange): string {
    call.errors.push(`${exchange.eventType} answered ${exchange.status} ${exchange.contentType ?? 'without a Content-Type'}, not BXML`);
    return exchange.status >= 200 && exchange.status < 300 ? 'invalid-bxml' : 'callback-error';
  }

  private newCall(direction: BandwidthCall['direction'], from: string, to: string): BandwidthCall {
    const call: BandwidthCall = {
      callId: `c-${randomUUID()}`,
      direction,
      from,
      to,
      transferredTo: [],
      transferCallerIds: [],
      said: [],
      recordings: [],
      errors: [],
      exchanges: [],
      done: Promise.resolve(),
      startTime: new Date().toISOString(),
    };
    this.calls.set(call.callId, call);
    return call;
  }

  private baseEvent(call: BandwidthCall, eventType: string): Record<string, unknown> {
    return {
      eventType,
      eventTime: new Date().toISOString(),
      accountId: this.options.accountId,
      applicationId: this.options.applicationId,
      from: call.from,
      to: call.to,
      direction: call.direction,
      callId: call.callId,
      callUrl: `https://voice.bandwidth.com/api/v2/accounts/${this.options.accountId}/calls/${call.callId}`,
      startTime: call.startTime,
      ...(call.answerTime ? { answerTime: call.answerTime } : {}),
    };
  }
}

/** What recordComplete and recordingAvailable say of a recording (the call's own fields come first). */
function recordingFields(recording: BandwidthRecording): Record<string, unknown> {
  const end = Date.now();
  return {
    callId: recording.callId,
    ...recording.leg,
    recordingId: recording.recordingId,
    channels: 1,
    startTime: new Date(end - recording.seconds * 1000).toISOString(),
    endTime: new Date(end).toISOString(),
    duration: isoDuration(recording.seconds),
    fileFormat: recording.fileFormat,
    mediaUrl: recording.mediaUrl,
  };
}

/** A length as Bandwidth's recording webhooks write it: ISO 8601, as Java's Duration prints it (PT1M23S, PT0S). */
export function isoDuration(seconds: number): string {
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  return `PT${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${rest || (!hours && !minutes) ? `${rest}S` : ''}`;
}

/** The BXML of an answer; undefined, the error noted on the call, when it does not parse. */
function parseBxml(call: BandwidthCall, answer: BandwidthExchange): TwimlElement | undefined {
  try {
    return parseTwiml(answer.body);
  } catch (error) {
    call.errors.push(`invalid BXML: ${(error as Error).message}`);
    return undefined;
  }
}

/** The Basic credentials a BXML tag's `username` and `password` give its callbacks. */
function tagCredentials(tag: TwimlElement): string | undefined {
  return tag.attrs.username && tag.attrs.password ? basicAuth(tag.attrs.username, tag.attrs.password) : undefined;
}

function isBxml(exchange: BandwidthExchange): boolean {
  return exchange.status === 200 && /xml/i.test(exchange.contentType ?? '');
}

/** Bandwidth's JSON answers name their charset. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8' }).end(JSON.stringify(body));
}
