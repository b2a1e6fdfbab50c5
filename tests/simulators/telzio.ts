/**
 * A Telzio simulator over real HTTP. It takes "Dial External Phone Number" requests (Basic auth
 * with API key and secret, JSON body), rings Aleg, dials Bleg once Aleg answers and bridges them
 * itself, and reports the call through the account's webhooks (Integrations > Webhooks): each
 * subscription has an event, a URL, a format (JSON or form) and the Bearer token Telzio sends.
 * Events go out one at a time, in order, with a 15-second timeout and no retry; after repeated
 * failures a subscription is suspended. Incoming calls (`inboundCall`) are rung by Telzio's own
 * call flow: the webhooks only notify.
 *
 * Facts used:
 * - [D] telzio.com/support/developers/docs/v2/dial: POST https://api.telzio.com/dial/outbound
 *   with From (a Telzio number, E.164), Aleg (E.164, rung first, "Telzio dials this number and
 *   waits for an answer"), Bleg (extension, user name or E.164, dialed "when Aleg has been
 *   answered").
 * - [D] developer.telzio.com (Getting started, Authentication): a REST API over HTTPS that
 *   answers JSON; HTTP Basic, API key as user name and API secret as password.
 * - [D] webhooks/webhook-basics: JSON or x-www-form-urlencoded, chosen per webhook; header
 *   X-Telzio-Event-Type; Authorization: Bearer <token you entered> (or Basic); 15 s to accept,
 *   no retries, one event at a time in sequence, suspended after failing for a while.
 * - [D] webhooks/call-created (parent calls only: EventType, call_id, direction, from,
 *   from_cnam, to, rate, date), child-call-created (call_id, parent_call_id, from, to, rate,
 *   date), call-status-changed (call_id, status: initializing, ringing, in-progress, cancel,
 *   noanswer, completed, date), call-ended (call_id, parent_call_id — null for a parent call —,
 *   call_status, reason, from, to, duration, billed_duration, price, rate, free_minutes, date).
 * - [C] public integrations: a JSON dial body, keys pk_… and secrets sk_…, errors read from
 *   `Message`.
 * - [D] webhooks/call-hung-up: "call_hungup" is the EventType of another event, Call Hung Up
 *   (call_id, date, no status); [C] edonv/telzio-ts openapi/webhooks.yaml (a Telzio SDK's
 *   webhook schema, edited from observed payloads: from_extension, "Normal Clearing", "Only
 *   seen null"): Call Status Changed's EventType is "call_status_changed" (the docs page's
 *   "call_hungup" is copied from the Call Hung Up page), and it carries parent_call_id (null for
 *   a parent call), so B legs report their own status changes too; call_ended's reason reads
 *   like "Normal Clearing" (so does hangup_cause in Telzio's v3 API spec, in that repository's
 *   openapi/swagger.json) and also carries direction and was_missed_call (not sent here).
 * - [I] NOT documented, assumed: what /dial/outbound answers (here 200 with `{}`), its errors
 *   (`{"Message": …}`, ASP.NET's shape, with 400/401/415); that the parent call of
 *   /dial/outbound is the Aleg call (from = From, to = Aleg) and the Bleg is its child; which
 *   statuses a call passes through and in which order; the call_ended reasons other than
 *   "Normal Clearing"; the number of failures before suspension (5 here). A busy customer's leg
 *   ends noanswer with reason "busy" (busy is none of the documented statuses); a call flow that
 *   rings several users creates a child call for each and ends the others cancel when one
 *   answers; the B legs' call_ended come before the parent's end.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { basicAuth, closeServer, listen, readBody, sendWebhook } from './http.ts';

export type TelzioEvent = 'call_created' | 'child_call_created' | 'call_status_changed' | 'call_ended';

export interface TelzioWebhook {
  event: TelzioEvent;
  url: string;
  format: 'json' | 'form';
  /** The Bearer token entered for this webhook. */
  bearer: string;
}

export interface TelzioSimulatorOptions {
  apiKey: string;
  apiSecret: string;
  /** The account's phone numbers; From must be one of them. */
  numbers: readonly string[];
  webhooks: TelzioWebhook[];
  forward?: (publicUrl: string) => string;
}

export interface TelzioExchange {
  event: TelzioEvent;
  url: string;
  payload: Record<string, string | number | null>;
  contentType: string;
  status: number;
  body: string;
}

export interface TelzioCall {
  callId: string;
  direction: 'outbound' | 'inbound';
  from: string;
  to: string;
  /** The B leg Telzio dialed for a click to call, or the user who answered an incoming call. */
  child?: { callId: string; to: string };
  /** Every B leg, in the order they were created. */
  children: Array<{ callId: string; to: string }>;
  exchanges: TelzioExchange[];
  done: Promise<void>;
}

/** call_ended's reason for a call hung up normally. */
const NORMAL_CLEARING = 'Normal Clearing';
/** After this many failed deliveries in a row a webhook is suspended. */
const SUSPEND_AFTER = 5;
const E164 = /^\+\d{6,15}$/;

export class TelzioSimulator {
  readonly calls = new Map<string, TelzioCall>();
  /** Webhooks Telzio stopped delivering to. */
  readonly suspended = new Set<TelzioWebhook>();
  /**
   * Whether B legs report their own Call Status Changed and Call Ended, as the parent_call_id
   * both carry says they do.
   */
  childLegEvents = true;
  talkSeconds = 42;
  /** What the customer of a click to call does once Telzio dials them. */
  customer: 'answers' | 'busy' | 'noanswer' = 'answers';
  private readonly failures = new Map<TelzioWebhook, number>();
  /** Telzio delivers one event at a time, in sequence. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: TelzioSimulatorOptions,
  ) {}

  static async start(options: TelzioSimulatorOptions): Promise<TelzioSimulator> {
    let simulator: TelzioSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { Message: error.message }));
    simulator = new TelzioSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /**
   * An incoming call: the number's call flow rings `rings` (users' numbers) at once; the first
   * answers, the others' legs are canceled.
   */
  inboundCall(input: { from: string; fromCnam?: string; to: string; rings: readonly string[] }): TelzioCall {
    const call = this.newCall('inbound', input.from, input.to);
    call.done = (async () => {
      await this.emit(call, 'call_created', { call_id: call.callId, direction: 'inbound', from: call.from, from_cnam: input.fromCnam ?? '', to: call.to, rate: 0.0, date: telzioTime() });
      await this.status(call, 'ringing');
      for (const user of input.rings) await this.dialChild(call, user);
      for (const child of call.children) await this.childStatus(call, child, 'ringing');
      const [answered, ...others] = call.children;
      if (answered) {
        call.child = answered;
        await this.childStatus(call, answered, 'in-progress');
        await this.status(call, 'in-progress');
        for (const other of others) await this.endChild(call, other, 'cancel', 'answered elsewhere', 15);
        await this.endChild(call, answered, 'completed', NORMAL_CLEARING, this.talkSeconds);
      }
      await this.end(call, answered ? 'completed' : 'noanswer', answered ? NORMAL_CLEARING : 'no answer');
    })();
    return call;
  }

  /** Sends one event to every webhook subscribed to it; exposed for step-by-step scenarios. */
  emit(call: TelzioCall, event: TelzioEvent, payload: Record<string, string | number | null>, override?: Partial<TelzioWebhook>): Promise<void> {
    const delivery = this.queue.then(async () => {
      for (const hook of this.options.webhooks.filter((w) => w.event === event && !this.suspended.has(w))) {
        const target = { ...hook, ...override };
        const body = { EventType: event, ...payload };
        const contentType = target.format === 'json' ? 'application/json; charset=utf-8' : 'application/x-www-form-urlencoded';
        const answer = await sendWebhook(this.options.forward ? this.options.forward(target.url) : target.url, {
          method: 'POST',
          headers: { 'Content-Type': contentType, 'X-Telzio-Event-Type': event, Authorization: `Bearer ${target.bearer}` },
          body: target.format === 'json' ? JSON.stringify(body) : new URLSearchParams(Object.entries(body).map(([k, v]) => [k, v === null ? '' : String(v)])).toString(),
          signal: AbortSignal.timeout(15_000),
        });
        const exchange: TelzioExchange = { event, url: target.url, payload: body, contentType, status: answer.status, body: answer.body };
        call.exchanges.push(exchange);
        const ok = exchange.status >= 200 && exchange.status < 300;
        this.failures.set(hook, ok ? 0 : (this.failures.get(hook) ?? 0) + 1);
        if ((this.failures.get(hook) ?? 0) >= SUSPEND_AFTER) this.suspended.add(hook);
      }
    });
    this.queue = delivery.catch(() => undefined);
    return delivery;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.baseUrl);
    if (url.pathname !== '/dial/outbound') return sendJson(res, 404, { Message: `No HTTP resource was found that matches the request URI '${url.pathname}'.` });
    if (req.method !== 'POST') return sendJson(res, 405, { Message: "The requested resource does not support http method '" + req.method + "'." });
    const expected = basicAuth(this.options.apiKey, this.options.apiSecret);
    if (req.headers.authorization !== expected) return sendJson(res, 401, { Message: 'Authorization has been denied for this request.' });
    if (!/^application\/json/i.test(req.headers['content-type'] ?? '')) return sendJson(res, 415, { Message: 'The request entity must be JSON.' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, { Message: 'The request is invalid.' });
    }
    const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string).trim() : '');
    for (const name of ['From', 'Aleg', 'Bleg']) if (!text(name)) return sendJson(res, 400, { Message: `${name} is required.` });
    if (!this.options.numbers.includes(text('From'))) return sendJson(res, 400, { Message: `From ${text('From')} is not a number in this account.` });
    if (!E164.test(text('Aleg'))) return sendJson(res, 400, { Message: 'Aleg must be an E164 formatted phone number.' });

    const call = this.newCall('outbound', text('From'), text('Aleg'));
    sendJson(res, 200, {});
    const bleg = text('Bleg');
    call.done = (async () => {
      await this.emit(call, 'call_created', { call_id: call.callId, direction: 'outbound', from: call.from, from_cnam: '', to: call.to, rate: 0.012, date: telzioTime() });
      await this.status(call, 'ringing');
      await this.status(call, 'in-progress');
      call.child = await this.dialChild(call, bleg);
      await this.childStatus(call, call.child, 'ringing');
      // The agent answered Aleg, so the parent completes whatever the customer did.
      if (this.customer === 'answers') {
        await this.childStatus(call, call.child, 'in-progress');
        await this.endChild(call, call.child, 'completed', NORMAL_CLEARING, this.talkSeconds);
      } else await this.endChild(call, call.child, 'noanswer', this.customer === 'busy' ? 'busy' : 'no answer', this.customer === 'busy' ? 2 : 30);
      await this.end(call, 'completed', NORMAL_CLEARING);
    })();
  }

  private async dialChild(call: TelzioCall, to: string): Promise<{ callId: string; to: string }> {
    const child = { callId: newCallId(), to };
    call.children.push(child);
    await this.emit(call, 'child_call_created', { call_id: child.callId, parent_call_id: call.callId, from: call.from, to, rate: 0.012, date: telzioTime() });
    return child;
  }

  /** A B leg's final status change and its own call_ended (when enabled), `seconds` after it was dialed. */
  private async endChild(call: TelzioCall, child: { callId: string; to: string }, status: 'completed' | 'noanswer' | 'cancel', reason: string, seconds: number): Promise<void> {
    await this.childStatus(call, child, status);
    if (this.childLegEvents) await this.emit(call, 'call_ended', this.ended(child.callId, call.callId, status, reason, call.from, child.to, seconds));
  }

  /** A B leg's own Call Status Changed (when enabled): its call_id, and its parent's in parent_call_id. */
  private async childStatus(call: TelzioCall, child: { callId: string; to: string }, status: string): Promise<void> {
    if (this.childLegEvents) await this.emit(call, 'call_status_changed', { call_id: child.callId, parent_call_id: call.callId, status, date: telzioTime() });
  }

  private async end(call: TelzioCall, status: 'completed' | 'noanswer' | 'cancel', reason: string): Promise<void> {
    await this.status(call, status);
    const duration = status === 'completed' ? this.talkSeconds + 6 : 20;
    await this.emit(call, 'call_ended', this.ended(call.callId, null, status, reason, call.from, call.to, duration));
  }

  private status(call: TelzioCall, status: string): Promise<void> {
    return this.emit(call, 'call_status_changed', { call_id: call.callId, parent_call_id: null, status, date: telzioTime() });
  }

  private ended(callId: string, parent: string | null, status: string, reason: string, from: string, to: string, duration: number) {
    const billed = status === 'completed' ? duration - 2 : 0;
    return { call_id: callId, parent_call_id: parent, call_status: status, reason, from, to, duration, billed_duration: billed, price: Number((billed * 0.0002).toFixed(4)), rate: 0.012, free_minutes: 0, date: telzioTime() };
  }

  private newCall(direction: TelzioCall['direction'], from: string, to: string): TelzioCall {
    const call: TelzioCall = { callId: newCallId(), direction, from, to, children: [], exchanges: [], done: Promise.resolve() };
    this.calls.set(call.callId, call);
    return call;
  }
}

/** Telzio's call ids look like `11-312298b3-12a342`. */
function newCallId(): string {
  const hex = randomBytes(8).toString('hex');
  return `11-${hex.slice(0, 8)}-${hex.slice(8, 14)}`;
}

/** ISO 8601 with seven fraction digits and no zone, as Telzio's examples. */
function telzioTime(): string {
  return `${new Date().toISOString().slice(0, 23)}0000`;
}

/** Telzio's JSON answers name their charset. */
function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}
