/**
 * A MyOperator simulator over real HTTP: the OBD API (`POST /obd-api-v1`, x-api-key header,
 * secrets in the JSON body) and Webhook v2 deliveries to the webhooks the account has set up,
 * each subscribed to some sub-events and authenticated with an API-key header. MyOperator
 * bridges calls itself, so there is no reply to interpret: the simulator records that every
 * delivery got a 2xx. Inbound calls are started with `inboundCall`.
 *
 * Facts used, and where they come from. Much of MyOperator is NOT publicly documented; what
 * could not be confirmed is marked, and a real account may differ.
 * - Documented (support.myoperator.com, "Campaigns API" / OBD): `POST
 *   https://obd-api.myoperator.co/obd-api-v1`, header `x-api-key`, JSON body `company_id,
 *   secret_token, type ("1" = peer to peer), user_id, number ("+<country code><number>"),
 *   public_ivr_id, reference_id, region, caller_id, group`; x-api-key, secret token, public IVR
 *   ID and company ID are required.
 * - Seen in third-party code only, two independent integrations (a clinic's OBD relay, a
 *   provider adapter's tests): the success answer `{"details":"Request
 *   accepted successfully","status":"success","code":"200","unique_id":…}` with HTTP 200; a
 *   rejection `{"details":"invalid public_ivr_id","status":"error","code":"403"}` with HTTP 403;
 *   `user_id` and `number_2` are mutually exclusive (403); "User Dial" (type 1 with user_id)
 *   rings the user's phone first, then the customer.
 * - Assumed: a missing or wrong x-api-key gets HTTP 403 `{"message":"Forbidden"}` (the API
 *   gateway's answer); the other rejections reuse the shape above (wording invented); and the
 *   OBD `unique_id` is the `session_id` of the call's webhooks.
 * - Documented (support.myoperator.com, Webhook v2 articles "exact payload structure" and
 *   "configure and manage Webhook v2"): HTTPS POSTs of `application/json`; envelope `event_id,
 *   company_id, event_type, event_sequence, event_version, timestamp, channel ("call"),
 *   direction ("incoming"/"outgoing"), session_id (one per call), system_identifier (the DID),
 *   customer_identifier, payload`; sub-events chosen per webhook (call.initiated,
 *   call.answered, call.end, …); authentication None, Basic, or an API key with a key name and
 *   value of your choosing, in a header or the query.
 * - Seen in third-party code quoting MyOperator's Postman collection (unconfirmed): the
 *   call.end payload `id, did, direction, customer_number, status (bridged|missed|voicemail),
 *   started_at, ended_at, category, duration, recording_filename, billable, ref_id,
 *   client_ref_id, legs[{leg_index, uid, type, phone_number, result, dial_status,
 *   ring_duration, talk_duration}]`. Assumed: call.initiated and call.answered carry the same
 *   payload without the end fields.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { closeServer, listen, readBody, sendJson, sendWebhook } from './http.ts';

/** One Webhook v2 as set up in the admin panel. */
export interface WebhookV2 {
  url: string;
  events: readonly string[];
  /** API-key authentication in a header. */
  auth?: { header: string; value: string };
}

export interface MyOperatorSimulatorOptions {
  apiKey: string;
  companyId: string;
  secretToken: string;
  publicIvrId: string;
  /** The company's users: user_id -> the phone MyOperator rings for them. */
  users: Record<string, string>;
  /** The company's number, shown to customers and carried as system_identifier. */
  did: string;
  webhooks: readonly WebhookV2[];
  forward?: (publicUrl: string) => string;
}

export interface Delivery {
  eventType: string;
  url: string;
  event: Record<string, unknown>;
  /** 0 when the request did not get an HTTP answer. */
  status: number;
  body: string;
}

export type CallOutcome = { answer: true; talkSeconds: number } | { answer: false; status: 'missed' | 'voicemail' };

export interface MyOperatorCall {
  sessionId: string;
  direction: 'incoming' | 'outgoing';
  customer: string;
  /** The agent's phone MyOperator rang. */
  agentPhone: string;
  status: string;
  deliveries: Delivery[];
  done: Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;

export class MyOperatorSimulator {
  readonly calls = new Map<string, MyOperatorCall>();
  outcome: CallOutcome = { answer: true, talkSeconds: 42 };
  /**
   * The agent's phone rings until this settles, then the agent answers an OBD call: a test
   * holds it to act while the phone rings (a condition, not a time, so a busy machine is fine).
   */
  agentAnswers: Promise<void> = Promise.resolve();

  private constructor(
    private readonly server: Server,
    readonly baseUrl: string,
    private readonly options: MyOperatorSimulatorOptions,
  ) {}

  static async start(options: MyOperatorSimulatorOptions): Promise<MyOperatorSimulator> {
    let simulator: MyOperatorSimulator | undefined;
    const { server, baseUrl } = await listen((req, res) => simulator!.handle(req, res), (res, error) => sendJson(res, 500, { details: error.message, status: 'error', code: '500' }));
    simulator = new MyOperatorSimulator(server, baseUrl, options);
    return simulator;
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /** A customer calls the DID; MyOperator's IVR rings the given user, who answers unless `outcome` says otherwise. */
  inboundCall(input: { from: string; userId: string; outcome?: CallOutcome }): MyOperatorCall {
    const call = this.newCall('incoming', input.from, this.options.users[input.userId]!);
    call.done = this.drive(call, input.outcome ?? { answer: true, talkSeconds: 30 }, Promise.resolve());
    return call;
  }

  /** Delivers one event to every webhook subscribed to it; exposed for step-by-step scenarios. */
  async deliver(call: MyOperatorCall, eventType: string, sequence: number, payload: Record<string, unknown> = {}): Promise<void> {
    for (const webhook of this.options.webhooks.filter((w) => w.events.includes(eventType))) {
      call.deliveries.push(await this.post(webhook, this.envelope(call, eventType, sequence, payload)));
    }
  }

  /** One delivery of an event to a webhook, as MyOperator sends it. */
  async post(webhook: WebhookV2, event: Record<string, unknown>): Promise<Delivery> {
    const { status, body } = await sendWebhook(this.options.forward ? this.options.forward(webhook.url) : webhook.url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...(webhook.auth ? { [webhook.auth.header]: webhook.auth.value } : {}) },
      body: JSON.stringify(event),
    });
    return { eventType: String(event.event_type), url: webhook.url, event, status, body };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (new URL(req.url ?? '/', this.baseUrl).pathname !== '/obd-api-v1' || req.method !== 'POST') return sendJson(res, 404, { message: 'Not Found' });
    if (req.headers['x-api-key'] !== this.options.apiKey) return sendJson(res, 403, { message: 'Forbidden' });
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(await readBody(req)) as Record<string, unknown>;
    } catch {
      return sendJson(res, 400, rejection('400', 'invalid JSON body'));
    }
    if (body.company_id !== this.options.companyId) return sendJson(res, 403, rejection('403', 'invalid company_id'));
    if (body.secret_token !== this.options.secretToken) return sendJson(res, 403, rejection('403', 'invalid secret_token'));
    if (body.public_ivr_id !== this.options.publicIvrId) return sendJson(res, 403, rejection('403', 'invalid public_ivr_id'));
    if (body.type !== '1') return sendJson(res, 400, rejection('400', 'only type 1 (peer to peer) is simulated'));
    if (typeof body.number !== 'string' || !E164.test(body.number)) return sendJson(res, 400, rejection('400', 'number must be +<country code><number>'));
    if (body.user_id !== undefined && body.number_2 !== undefined) return sendJson(res, 403, rejection('403', 'user_id and number_2 cannot be used together'));
    const agentPhone = typeof body.user_id === 'string' ? this.options.users[body.user_id] : undefined;
    if (!agentPhone) return sendJson(res, 403, rejection('403', 'invalid user_id'));

    const call = this.newCall('outgoing', body.number, agentPhone);
    sendJson(res, 200, { details: 'Request accepted successfully', status: 'success', code: '200', unique_id: call.sessionId });
    call.done = this.drive(call, this.outcome, this.agentAnswers);
  }

  /** The call's life as Webhook v2 tells it: initiated, answered (if so), end. */
  private async drive(call: MyOperatorCall, outcome: CallOutcome, agentAnswers: Promise<void>): Promise<void> {
    const startedAt = new Date();
    call.status = 'initiated';
    await agentAnswers;
    await this.deliver(call, 'call.initiated', 1, { started_at: startedAt.toISOString() });
    if (outcome.answer) {
      call.status = 'answered';
      await this.deliver(call, 'call.answered', 2, { started_at: startedAt.toISOString() });
    }
    call.status = outcome.answer ? 'bridged' : outcome.status;
    const talk = outcome.answer ? outcome.talkSeconds : 0;
    await this.deliver(call, 'call.end', 3, {
      status: call.status,
      started_at: startedAt.toISOString(),
      ended_at: new Date(startedAt.getTime() + (talk + 1) * 1000).toISOString(),
      category: call.direction,
      duration: talk + 1,
      recording_filename: outcome.answer ? `${randomBytes(8).toString('hex')}-v2.mp3` : '',
      billable: outcome.answer,
      legs: [
        { leg_index: 1, uid: call.sessionId, type: 'customer', phone_number: call.customer, result: outcome.answer ? 'connected' : 'not_connected', dial_status: '', ring_duration: null, talk_duration: talk },
        { leg_index: 2, uid: `${call.sessionId}1`, type: 'agent', phone_number: call.agentPhone, dial_status: outcome.answer ? 'ANSWER' : 'NOANSWER', result: outcome.answer ? 'answered' : 'not_answered', ring_duration: 5, talk_duration: talk },
      ],
    });
  }

  private envelope(call: MyOperatorCall, eventType: string, sequence: number, payload: Record<string, unknown>): Record<string, unknown> {
    return {
      event_id: `event-${randomBytes(8).toString('hex')}`,
      company_id: this.options.companyId,
      event_type: eventType,
      event_sequence: sequence,
      event_version: 1,
      timestamp: new Date().toISOString(),
      channel: 'call',
      direction: call.direction,
      session_id: call.sessionId,
      system_identifier: this.options.did,
      customer_identifier: call.customer,
      payload: { id: call.sessionId, did: this.options.did, direction: call.direction, customer_number: call.customer, ref_id: '', client_ref_id: '', ...payload },
    };
  }

  private newCall(direction: MyOperatorCall['direction'], customer: string, agentPhone: string): MyOperatorCall {
    const sessionId = `s4.${Math.floor(Date.now() / 1000)}.${randomBytes(3).readUIntBE(0, 3)}`;
    const call: MyOperatorCall = { sessionId, direction, customer, agentPhone, status: 'queued', deliveries: [], done: Promise.resolve() };
    this.calls.set(sessionId, call);
    return call;
  }
}

function rejection(code: string, details: string) {
  return { details, status: 'error', code };
}
