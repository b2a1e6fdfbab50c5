/**
 * A Bandwidth Programmable Voice simulator over real HTTP: the OAuth 2.0 token endpoint, the
 * create-call API (Bearer token, JSON), then the call's JSON webhooks (answer, disconnect; initiate for inbound calls), the
 * BXML the relay answers (`<Transfer><PhoneNumber>…`) rung and bridged, and the 204 Bandwidth
 * wants for a disconnect checked. Inbound calls are started with `inboundCall`.
 *
 * Facts used, and where they come from ([D] Bandwidth's docs or SDKs, [I] assumed):
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
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { basicAuth, closeServer, listen, readBody, sendWebhook } from './http.ts';
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

/** How a transferred party (the customer, or an incoming call's agents) ends up. */
export type TransferOutcome = { answer: true; talkSeconds: number } | { answer: false; cause: FailureCause | LaterCause };

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
  errors: string[];
  exchanges: BandwidthExchange[];
  done: Promise<void>;
}

interface CallbackPlan {
  answerUrl?: string;
  disconnectUrl?: string;
  /** The callbacks' Authorization header: Basic, with the username and password given on the call. */
  credentials?: string;
}

const CALLS_PATH = /^\/api\/v2\/accounts\/([^/]+)\/calls$/;
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
   * The agent's phone rings until this settles, then the agent answers an outbound call: a test
   * holds it to act while the phone rings (a condition, not a time, so a busy machine is fine).
   */
  agentAnswers: Promise<void> = Promise.resolve();

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
    const match = CALLS_PATH.exec(path);
    if (!match || req.method !== 'POST') return sendJson(res, 404, { type: 'not-found', description: 'The resource was not found', id: null });
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !this.tokens.has(bearer)) return sendJson(res, 401, { type: 'authentication-error', description: 'The credentials provided were invalid', id: null });
    // Bandwidth's Voice errors page: 401 when the user "does not have access to the account".
    if (match[1] !== this.options.accountId) return sendJson(res, 401, { type: 'authentication-error', description: 'The credentials provided were invalid', id: null });
    const contentType = req.headers['content-type'] ?? '';
    if (!/^application\/json/i.test(contentType)) return sendJson(res, 415, { type: 'validation', description: `Content type '${contentType}' not supported`, id: null });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { type: 'validation', description: 'The request body is not valid JSON', id: null });
    }
    for (const name of ['from', 'to', 'answerUrl', 'applicationId']) {
      if (typeof body[name] !== 'string' || !body[name]) return sendJson(res, 400, { type: 'validation', description: `Missing ${name}`, id: null });
    }
    const { from, to, answerUrl, applicationId } = body as Record<string, string>;
    for (const [name, value] of [['to', to], ['from', from]] as const) {
      if (!E164.test(value!)) return sendJson(res, 400, { type: 'validation', description: `Invalid ${name}: must be an E164 telephone number`, id: null });
    }
    if (applicationId !== this.options.applicationId) return sendJson(res, 400, { type: 'validation', description: 'Invalid applicationId: application not found', id: null });

    const call = this.newCall('outbound', from!, to!);
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
    call.done = this.driveOutbound(call, plan, this.legOutcome, this.transferOutcome, this.agentAnswers);
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

  private async driveOutbound(call: BandwidthCall, plan: CallbackPlan, leg: LegOutcome, outcome: TransferOutcome, agentAnswers: Promise<void>): Promise<void> {
    await agentAnswers;
    if (!leg.answer) return this.disconnect(call, plan.disconnectUrl, leg.cause, plan.credentials);
    call.answerTime = new Date().toISOString();
    const answer = await this.event(call, plan.answerUrl!, 'answer', {}, plan.credentials);
    const cause = await this.followBxml(call, answer, outcome);
    await this.disconnect(call, plan.disconnectUrl, cause, plan.credentials);
  }

  private async disconnect(call: BandwidthCall, url: string | undefined, cause: string, credentials?: string): Promise<void> {
    call.cause = cause;
    if (!url) return;
    const exchange = await this.event(call, url, 'disconnect', { endTime: new Date().toISOString(), cause }, credentials);
    // Bandwidth documents 204 as the answer to a disconnect; anything else is noted.
    if (exchange.status !== 204 || exchange.body !== '') call.errors.push(`disconnect answered ${exchange.status} with ${JSON.stringify(exchange.body)}`);
  }

  /**
   * Follows a BXML answer: each `<Transfer>` rings its `<PhoneNumber>`s at once and bridges the
   * first (it answers, unless `outcome` says otherwise), with its transferAnswer and
   * transferComplete callbacks when asked for. Returns the original call's disconnect cause.
   */
  private async followBxml(call: BandwidthCall, answer: BandwidthExchange, outcome: TransferOutcome): Promise<string> {
    if (answer.status < 200 || answer.status >= 300) return 'callback-error';
    let document: TwimlElement;
    try {
      document = parseTwiml(answer.body);
    } catch (error) {
      call.errors.push(`invalid BXML: ${(error as Error).message}`);
      return 'invalid-bxml';
    }
    for (const transfer of document.children.filter((e) => e.name === 'Transfer')) {
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
        const leg = await this.event(call, answerUrl, 'transferAnswer', { ...target, direction: 'outbound', callId: `c-${randomUUID()}`, parentCallId: call.callId, answerTime: new Date().toISOString() }, tagCredentials(phones[0]!));
        if (!isBxml(leg)) return this.transferCallbackFailed(call, leg);
      }
      const completeUrl = transfer.attrs.transferCompleteUrl;
      if (completeUrl) {
        const end = outcome.answer ? { cause: 'hangup' } : { cause: outcome.cause, errorMessage: `transfer ended: ${outcome.cause}`, errorId: randomUUID() };
        const complete = await this.event(call, completeUrl, 'transferComplete', { ...target, ...end }, tagCredentials(transfer));
        // The BXML answered runs on the original call; verbs after the <Transfer> are ignored.
        if (!isBxml(complete)) return this.transferCallbackFailed(call, complete);
        return this.followBxml(call, complete, outcome);
      }
    }
    return 'hangup';
  }

  private transferCallbackFailed(call: BandwidthCall, exchange: BandwidthExchange): string {
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
