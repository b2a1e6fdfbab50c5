/**
 * A Zadarma simulator over real HTTP: the CallBack API (`GET /v1/request/callback/`, signed
 * with `Authorization: KEY:SIGNATURE`) and the cloud PBX's call notifications, which go to the
 * one URL set in the console ("Call notifications in PBX"). A click to call rings the agent
 * (`from`), then the PBX dials the customer (`to`) through the extension `sip` and reports it
 * with NOTIFY_OUT_START and NOTIFY_OUT_END. An incoming call (`inboundCall`) raises NOTIFY_START,
 * follows the JSON reply (`redirect`, `hangup`), rings an extension and reports NOTIFY_INTERNAL,
 * NOTIFY_ANSWER and NOTIFY_END. Every notification is a form POST signed in `Signature`,
 * computed here with node:crypto from Zadarma's own recipe, independently of the engine.
 *
 * Facts used:
 * - Documented (zadarma/user-api-v1 Client.php PROD_URL and getAuthHeader, zadarma/user-api-typescript Client.ts): API
 *   base https://api.zadarma.com; `Authorization: KEY:base64(hex(HMAC-SHA1(secret, method +
 *   params + md5(params))))`, `method` the path (`/v1/request/callback/`), `params` the request's
 *   parameters sorted by name and built with PHP's http_build_query (RFC 1738: spaces as `+`);
 *   the libraries send `format=json` and, for GET, the parameters in the query string.
 * - Documented (zadarma/openapi `/v1/request/callback`): `from` (^(\+?[0-9]{7,15}|[0-9]{3,5})$)
 *   and `to` (^(\+?[0-9]{7,15}|[0-9]{5})$) required, `sip` (^([0-9]{5}|[0-9]{3})$) and
 *   `predicted` optional; the system calls `from` first, then `to`; 200
 *   `{"status":"success","from","to","time"}`; 400, 401 and 429 otherwise; rate limit 100/min.
 * - Documented (Api.php `request()`; user-api-v1 issue #8, maintainers): errors are
 *   `{"status":"error","message":…}` with an HTTP status of 400 or more; a wrong method gets
 *   `status: error` with 404 or 400. Seen in third-party code: a bad signature gets
 *   401 `{"status":"error","message":"Not authorized"}`; the rate limit answered HTTP 200
 *   `{"status":"error"}` "You exceeded the rate limit by User Limits", not openapi's 429
 *   (VladSh77/zadarma-odoo CHANGELOG 17.0.1.7.3, from its production logs: `rateLimited`).
 * - Documented (user-api-v1 lib/Webhook/*.php, zadarma/user-api-typescript types.ts and a
 *   Zadarma reseller's knowledge base): notifications are form POSTs; their fields per event and
 *   their `Signature` = base64(hex(HMAC-SHA1(secret, fields))) over the fields in `SIGNED`
 *   below (the PHP library compares base64_encode(hash_hmac('sha1', …)), i.e. base64 of the hex;
 *   the TypeScript library's webhook check uses base64 of the raw digest, which contradicts the
 *   PHP library, the knowledge base's PHP example and its own API signature: not followed).
 * - Documented (same): NOTIFY_END and NOTIFY_OUT_END carry duration, disposition (answered,
 *   busy, cancel, no answer, failed, no money, unallocated number, no limit, no day limit, line
 *   limit, "no money, no limit": NotifyEnd.php, NotifyOutEnd.php at bfdb755), status_code
 *   (Q.931), is_recorded, call_id_with_rec;
 *   `internal` is the extension; replies to NOTIFY_START are JSON: `redirect` (extension,
 *   scenario `0-1`, menu, `blacklist`) with `return_timeout`, or `hangup: 1`.
 * - Documented (zadarma/multi-ivr README): the console checks the URL with `GET ?zd_echo=X` and
 *   expects X as the body, and the URL goes under "Call notifications in PBX" at
 *   my.zadarma.com/api.
 * - Seen in third-party code (Nik1125/twenty-zadarma local-to-utc-iso.ts, converting live
 *   webhooks): call_start is `Y-m-d H:i:s`, the wall clock of the account's (cabinet's) time zone
 *   with no offset; the simulated account's time zone is UTC.
 * - Documented (openapi `pbx_call_id` example `in_ae6b…`) and seen (twenty-zadarma: "verified
 *   against CSV export + live webhooks: in_xxx for inbound, out_xxx for outbound"): pbx_call_id
 *   is `in_…` or `out_…`.
 * - Seen (VladSh77/zadarma-odoo controllers/webhook.py, "Verified on prod logs": 347 of 347
 *   NOTIFY_OUT_END): `internal` the extension, always present; `destination` the external number;
 *   `caller_id` the external CallerID, not the extension; `calltype` `normal`.
 * - Seen: production integrations answer every notification, NOTIFY_START included, with plain
 *   text (VladSh77/zadarma-odoo `OK`, webard/nova-zadarma `ok`), and their incoming calls still
 *   ring and reach NOTIFY_END: the PBX ignores a reply that is not JSON.
 * - Documented (openapi `/v1/pbx/callinfo`): which of NOTIFY_START, _INTERNAL, _ANSWER, _END,
 *   _OUT_START, _OUT_END are sent is chosen per event (`events` option).
 * - Seen (isaler SalesMan CRM, quoting Zadarma's Russian docs: NOTIFY_ANSWER is the "answer when
 *   calling an internal or external number", and handling it on out_ calls): NOTIFY_ANSWER may
 *   come on a click to call too, when the customer answers (`answersOutgoing`: its fields then
 *   are assumed, caller_id the extension and destination the customer).
 * - Assumed: that a CallBack made through `sip` raises NOTIFY_OUT_START once the agent answered
 *   and the PBX dials the customer, then NOTIFY_OUT_END, and nothing when the agent does not
 *   answer; the error texts for bad parameters; status codes 16/17/19 for answered/busy/no
 *   answer. Not simulated: `format=xml`, `predicted`, 429.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, sendWebhook, zonelessTime } from './http.ts';

export type ZadarmaEvent = 'NOTIFY_START' | 'NOTIFY_INTERNAL' | 'NOTIFY_ANSWER' | 'NOTIFY_END' | 'NOTIFY_OUT_START' | 'NOTIFY_OUT_END' | 'NOTIFY_RECORD';

/** The fields each event signs, in order (user-api-v1 `getSignatureString()`). */
export const SIGNED: Record<ZadarmaEvent, readonly string[]> = {
  NOTIFY_START: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_INTERNAL: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_ANSWER: ['caller_id', 'destination', 'call_start'],
  NOTIFY_END: ['caller_id', 'called_did', 'call_start'],
  NOTIFY_OUT_START: ['internal', 'destination', 'call_start'],
  NOTIFY_OUT_END: ['internal', 'destination', 'call_start'],
  NOTIFY_RECORD: ['pbx_call_id', 'call_id_with_rec'],
};

const ALL_EVENTS = Object.keys(SIGNED) as ZadarmaEvent[];
const CALLBACK_PATH = '/v1/request/callback/';

export interface ZadarmaSimulatorOptions {
  key: string;
  secret: string;
  /** The PBX's caller ID, as notifications show it (digits). */
  callerId: string;
  /** The extension the PBX's own scenario rings when no reply redirects the call. */
  defaultExtension?: string;
  /** Where a request to a public URL really goes (a proxy in front of the relay). */
  forward?: (publicUrl: string) => string;
}

/** One notification the PBX sent, and the answer it got. */
export interface ZadarmaExchange {
  event: ZadarmaEvent;
  method: 'GET' | 'POST';
  url: string;
  params: Record<string, string>;
  headers: Record<string, string>;
  /** 0 when the request got no HTTP answer. */
  status: number;
  contentType: string;
  body: string;
}

/** One API request the simulator answered. */
export interface ZadarmaApiRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  authorization: string | undefined;
  status: number;
  body: unknown;
}

/** How a phone the PBX rings responds. */
/** The dispositions user-api-v1's NotifyEnd and NotifyOutEnd list for a call nobody talked on. */
export type Disposition = 'busy' | 'cancel' | 'no answer' | 'failed' | 'no money' | 'unallocated number' | 'no limit' | 'no day limit' | 'line limit' | 'no money, no limit';

export type LegOutcome = { answer: true; talkSeconds: number } | { answer: false; disposition: Disposition };

export interface ZadarmaCall {
  pbxCallId: string;
  direction: 'outbound' | 'inbound';
  /** Outbound: the agent's phone (`from`); inbound: the caller. */
  from: string;
  /** Outbound: the customer (`to`); inbound: the called number (DID). */
  to: string;
  /** Outbound: the extension the call is made through (`sip`). */
  sip?: string;
  /** The extensions the PBX rang for an incoming call. */
  rang: string[];
  /** The JSON replies to NOTIFY_START, as parsed. */
  replies: Array<Record<string, unknown>>;
  exchanges: ZadarmaExchange[];
  /** Resolves when the call has ended and its last notification was sent. */
  done: Promise<void>;
}

const STATUS_CODES: Record<string, string> = { answered: '16', busy: '17', 'no answer': '19', cancel: '16', failed: '21' };

export class ZadarmaSimulator {
  readonly calls: ZadarmaCall[] = [];
  readonly requests: ZadarmaApiRequest[] = [];
  /** The console's "Call notifications in PBX" URL; without one the PBX notifies nobody. */
  notificationUrl: string | undefined;
  /** The notifications enabled in the console. */
  events = new Set<ZadarmaEvent>(ALL_EVENTS);
  /** How the agent's phone (`from`) and then the customer (`to`) respond to the next click to call. */
  agentOutcome: LegOutcome = { answer: true, talkSeconds: 0 };
  customerOutcome: LegOutcome = { answer: true, talkSeconds: 42 };
  /** How the extension rung for the next incoming call responds. */
  extensionOutcome: LegOutcome = { answer: true, talkSeconds: 30 };
  /** Over the account's rate limit: API requests get HTTP 200 with `status: error`. */
  rateLimited = false;
  /** A click to call's customer answering raises NOTIFY_ANSWER too (see above). */
  answersOutgoing = false;

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: ZadarmaSimulatorOptions,
  ) {}

  static async start(options: ZadarmaSimulatorOptions): Promise<ZadarmaSimulator> {
    let simulator: ZadarmaSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { status: 'error', message: error.message }));
    simulator = new ZadarmaSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.calls.map((c) => c.done));
    await closeServer(this.server);
  }

  /** Signs notifications; a test swaps it to forge them. */
  signer: (message: string) => string = (message) => zadarmaSignature(this.options.secret, message);

  /**
   * What the console does when the URL is saved: `GET url?zd_echo=X`, accepted only when the
   * body is X.
   */
  async checkNotificationUrl(url: string): Promise<{ ok: boolean; status: number; body: string }> {
    const echo = randomBytes(8).toString('hex');
    const target = new URL(url);
    target.searchParams.set('zd_echo', echo);
    try {
      const response = await fetch(this.forward(target.toString()));
      const body = await response.text();
      return { ok: response.status === 200 && body.trim() === echo, status: response.status, body };
    } catch (error) {
      return { ok: false, status: 0, body: (error as Error).message };
    }
  }

  /** An incoming call to the DID `to` from `from` (digits, as Zadarma sends them). */
  inboundCall(input: { from: string; to: string }): ZadarmaCall {
    const call = this.newCall('inbound', input.from, input.to);
    const outcome = this.extensionOutcome;
    call.done = this.driveInbound(call, outcome);
    return call;
  }

  /** Sends one signed notification for a call; exposed for step-by-step scenarios. */
  async notify(call: ZadarmaCall, event: ZadarmaEvent, fields: Record<string, string>, sign: (message: string) => string = (m) => zadarmaSignature(this.options.secret, m)): Promise<ZadarmaExchange> {
    const params = { event, ...fields };
    const headers: Record<string, string> = { 'Content-Type': 'application/x-www-form-urlencoded', Signature: sign(signedString(event, params)) };
    const url = this.notificationUrl!;
    const answer = await sendWebhook(this.forward(url), { method: 'POST', headers, body: new URLSearchParams(params).toString() });
    const exchange: ZadarmaExchange = { event, method: 'POST', url, params, headers, ...answer };
    call.exchanges.push(exchange);
    return exchange;
  }

  private forward(url: string): string {
    return this.options.forward ? this.options.forward(url) : url;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    const query = Object.fromEntries(url.searchParams);
    const answer = (status: number, body: Record<string, unknown>) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname, query, authorization: req.headers.authorization, status, body });
      sendJson(res, status, body);
    };
    if (url.pathname !== CALLBACK_PATH) return answer(404, { status: 'error', message: 'Method not found' });
    if (req.method !== 'GET') return answer(400, { status: 'error', message: `Wrong request method ${req.method ?? ''}` });
    if (!this.authorized(url.pathname, [...url.searchParams], req.headers.authorization)) return answer(401, { status: 'error', message: 'Not authorized' });
    if (this.rateLimited) return answer(200, { status: 'error', message: 'You exceeded the rate limit by User Limits' });

    const { from, to, sip } = query;
    if (!from || !to) return answer(400, { status: 'error', message: `Required parameter missing: ${!from ? 'from' : 'to'}` });
    if (!/^(\+?[0-9]{7,15}|[0-9]{3,5})$/.test(from)) return answer(400, { status: 'error', message: 'Wrong parameter from' });
    if (!/^(\+?[0-9]{7,15}|[0-9]{5})$/.test(to)) return answer(400, { status: 'error', message: 'Wrong parameter to' });
    if (sip !== undefined && !/^([0-9]{5}|[0-9]{3})$/.test(sip)) return answer(400, { status: 'error', message: 'Wrong parameter sip' });

    const call = this.newCall('outbound', from, to);
    if (sip) call.sip = sip;
    answer(200, { status: 'success', from: from.replace(/^\+/, ''), to: to.replace(/^\+/, ''), time: Math.floor(Date.now() / 1000) });
    call.done = this.driveCallback(call, this.agentOutcome, this.customerOutcome);
  }

  /** Zadarma's check of `Authorization: KEY:SIGNATURE` over the method and the sorted parameters. */
  private authorized(method: string, params: Array<[string, string]>, header: string | undefined): boolean {
    const colon = header?.indexOf(':') ?? -1;
    if (!header || colon < 0 || header.slice(0, colon) !== this.options.key) return false;
    const query = httpBuildQuery([...params].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const md5 = createHash('md5').update(query).digest('hex');
    return header.slice(colon + 1) === zadarmaSignature(this.options.secret, `${method}${query}${md5}`);
  }

  /** The agent's phone rings first; once answered, the PBX dials the customer through `sip`. */
  private async driveCallback(call: ZadarmaCall, agent: LegOutcome, customer: LegOutcome): Promise<void> {
    if (!agent.answer) return;
    const internal = call.sip ?? (/^\d{3,5}$/.test(call.from) ? call.from : '');
    const start = { call_start: zonelessTime(new Date()), pbx_call_id: call.pbxCallId, internal, destination: call.to.replace(/^\+/, '') };
    await this.send(call, 'NOTIFY_OUT_START', start);
    if (this.answersOutgoing && customer.answer) await this.send(call, 'NOTIFY_ANSWER', { caller_id: internal, destination: start.destination, call_start: start.call_start, pbx_call_id: call.pbxCallId, internal });
    await this.send(call, 'NOTIFY_OUT_END', { ...start, caller_id: this.options.callerId, calltype: 'normal', ...endingOf(customer) });
  }

  /** NOTIFY_START, then the reply decides: hang up, or ring an extension (the redirect, else the default one). */
  private async driveInbound(call: ZadarmaCall, extension: LegOutcome): Promise<void> {
    const base = { call_start: zonelessTime(new Date()), pbx_call_id: call.pbxCallId, caller_id: call.from, called_did: call.to };
    const reply = replyOf(await this.send(call, 'NOTIFY_START', base));
    if (reply) call.replies.push(reply);
    if (reply?.hangup !== undefined && String(reply.hangup) === '1') {
      await this.send(call, 'NOTIFY_END', { ...base, ...ending('cancel', 0) });
      return;
    }
    const redirect = typeof reply?.redirect === 'string' || typeof reply?.redirect === 'number' ? String(reply.redirect) : undefined;
    if (redirect === 'blacklist') {
      await this.send(call, 'NOTIFY_END', { ...base, ...ending('busy', 0) });
      return;
    }
    // An extension is three to five digits; a scenario or menu falls back to the default extension here.
    const target = redirect && /^\d{3,5}$/.test(redirect) ? redirect : (this.options.defaultExtension ?? '100');
    call.rang.push(target);
    await this.send(call, 'NOTIFY_INTERNAL', { ...base, internal: target });
    if (extension.answer) await this.send(call, 'NOTIFY_ANSWER', { caller_id: call.from, destination: target, call_start: base.call_start, pbx_call_id: call.pbxCallId, internal: target });
    await this.send(call, 'NOTIFY_END', { ...base, internal: target, ...endingOf(extension) });
  }

  /** Sends a notification when the console has a URL and the event is enabled. */
  private async send(call: ZadarmaCall, event: ZadarmaEvent, fields: Record<string, string>): Promise<ZadarmaExchange | undefined> {
    if (!this.notificationUrl || !this.events.has(event)) return undefined;
    return this.notify(call, event, fields, this.signer);
  }

  private newCall(direction: ZadarmaCall['direction'], from: string, to: string): ZadarmaCall {
    const pbxCallId = `${direction === 'inbound' ? 'in' : 'out'}_${randomBytes(16).toString('hex')}`;
    const call: ZadarmaCall = { pbxCallId, direction, from, to, rang: [], replies: [], exchanges: [], done: Promise.resolve() };
    this.calls.push(call);
    return call;
  }
}

/** Zadarma's signature of a string: base64 of the lower-case hex HMAC-SHA1 (PHP's hash_hmac). */
export function zadarmaSignature(secret: string, message: string): string {
  return Buffer.from(createHmac('sha1', secret).update(message).digest('hex')).toString('base64');
}

/** The string a notification's `Signature` covers: its event's fields, concatenated. */
export function signedString(event: ZadarmaEvent, params: Record<string, string>): string {
  return SIGNED[event].map((field) => params[field] ?? '').join('');
}

/** PHP's http_build_query (RFC 1738): unreserved `A-Za-z0-9-_.` kept, spaces as `+`, the rest %XX. */
function httpBuildQuery(pairs: Array<[string, string]>): string {
  const encode = (text: string) =>
    [...Buffer.from(text, 'utf8')]
      .map((byte) => {
        const c = String.fromCharCode(byte);
        if (/[A-Za-z0-9\-_.]/.test(c)) return c;
        return c === ' ' ? '+' : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
      })
      .join('');
  return pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
}

/** The fields that close a call (NOTIFY_END, NOTIFY_OUT_END). */
function ending(disposition: string, seconds: number): Record<string, string> {
  return { duration: String(seconds), disposition, status_code: STATUS_CODES[disposition] ?? '16', is_recorded: '0', call_id_with_rec: '' };
}

function endingOf(outcome: LegOutcome): Record<string, string> {
  return outcome.answer ? ending('answered', outcome.talkSeconds) : ending(outcome.disposition, 0);
}

/** The reply to NOTIFY_START as JSON, or undefined: anything else is ignored by the PBX. */
function replyOf(exchange: ZadarmaExchange | undefined): Record<string, unknown> | undefined {
  if (!exchange || exchange.status !== 200) return undefined;
  try {
    const value: unknown = JSON.parse(exchange.body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/** Zadarma's JSON answers carry its rate-limit headers. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'X-RateLimit-Limit': '100', 'X-RateLimit-Remaining': '99' }).end(JSON.stringify(body));
}
