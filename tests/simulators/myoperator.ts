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
 * - Seen in a clinic's OBD reference, from its official Postman collection
 *   (manoj-clinic-automation/drmanoj-clinic-automation, api/MyOperator_OBD_ClickToCall_Reference.md):
 *   the success answer echoes the request's `reference_id` ("whatever WE sent — this is the
 *   loop-closing join key"), `unique_id` being "MyOperator's id for this call request"; and, in
 *   its captures of its own OBD calls' call.end (api/MyOperator_Call_API_Master_Reference_23_june_.md
 *   §9.0), `session_id` shaped `cb9.<epoch>.<n>`, `ref_id` "MyOperator's OWN UUID", and the
 *   reference_id sent back as `payload.client_ref_id` ("Join key for OUR OBD calls"). So the
 *   simulator's unique_id is none of the webhooks' ids. A reference_id used again is refused
 *   (a provider adapter: locked for about two days; the wording here invented).
 * - Assumed: a missing or wrong x-api-key gets HTTP 403 `{"message":"Forbidden"}` (the API
 *   gateway's answer; the clinic's notes list "403 Forbidden (wrong key/secret)" among the
 *   collection's saved examples, without a body); the other rejections reuse the shape above
 *   (wording invented); call.initiated and call.answered carrying client_ref_id as call.end does
 *   (only call.end and call.summary were captured).
 * - Documented (support.myoperator.com, Webhook v2 articles "exact payload structure" and
 *   "configure and manage Webhook v2"): HTTPS POSTs of `application/json`; envelope `event_id,
 *   company_id, event_type, event_sequence, event_version, timestamp, channel ("call"),
 *   direction ("incoming"/"outgoing"), session_id (one per call), system_identifier (the DID),
 *   customer_identifier, payload`; sub-events chosen per webhook (call.initiated,
 *   call.answered, call.end, …); authentication None, Basic, or an API key with a key name and
 *   value of your choosing, in a header or the query.
 * - Seen in third-party code: the call.end payload `id, did, direction, customer_number, status
 *   (bridged|missed|voicemail), started_at, ended_at, category, duration, recording_filename,
 *   billable, ref_id, client_ref_id, legs[{leg_index, uid, type, phone_number, result,
 *   dial_status, ring_duration, talk_duration}]`, quoted "verbatim from MyOperator's official
 *   Postman collection" in a provider adapter's tests (an incoming call: the customer's leg
 *   `result: "connected"` with the whole call's talk_duration, the agent's leg `dial_status:
 *   "ANSWER", result: "answered"` with its phone_number), and checked against real captures of
 *   call.end on an OBD account (the clinic above): "recording_filename is present and complete
 *   in call.end"; `payload.duration` "includes agent-pickup + ring time" (49 where the customer's
 *   leg talked 32); the customer's leg, `type == "customer"`, carries the talk time and `result
 *   == "answered"` when the customer picked up. Legs of agents who rang out: `result:
 *   "not_answered"`, `dial_status` BUSY or NOANSWER (the collection's call.summary, a hunt).
 *   Assumed: the legs' order on an OBD call (the agent's first here), call.initiated and
 *   call.answered carrying the same payload without the end fields.
 */
import { randomBytes, randomUUID } from 'node:crypto';
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
  /** A click to call's: the OBD answer's unique_id, MyOperator's id of the request (not the session's). */
  uniqueId?: string;
  /** A click to call's reference_id, as sent: the webhooks' payload.client_ref_id. */
  referenceId?: string;
  direction: 'incoming' | 'outgoing';
  customer: string;
  /** The agent's phone MyOperator rang. */
  agentPhone: string;
  status: string;
  deliveries: Delivery[];
  done: Promise<void>;
}

const E164 = /^\+[1-9]\d{6,14}$/;
/** Seconds the agent's phone rings on a click to call, and then the customer's. */
const AGENT_RING = 5;
const CUSTOMER_RING = 3;

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

  /** The click to call placed with this reference_id. */
  callByReference(referenceId: string): MyOperatorCall | undefined {
    return [...this.calls.values()].find((call) => call.referenceId === referenceId);
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.calls.values()].map((c) => c.done));
    await closeServer(this.server);
  }

  /**
   * A customer calls the DID; MyOperator's IVR rings the given user, who answers unless `outcome`
   * says otherwise, after the phones of `ringsOutFirst` (a hunt) rang out.
   */
  inboundCall(input: { from: string; userId: string; outcome?: CallOutcome; ringsOutFirst?: readonly string[] }): MyOperatorCall {
    const call = this.newCall('incoming', input.from, this.options.users[input.userId]!);
    call.done = this.drive(call, input.outcome ?? { answer: true, talkSeconds: 30 }, Promise.resolve(), (input.ringsOutFirst ?? []).map((id) => this.options.users[id]!));
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

    const referenceId = typeof body.reference_id === 'string' && body.reference_id ? body.reference_id : undefined;
    if (referenceId && this.callByReference(referenceId)) return sendJson(res, 400, rejection('400', 'reference_id already used'));
    const call = this.newCall('outgoing', body.number, agentPhone);
    call.uniqueId = randomUUID();
    if (referenceId) call.referenceId = referenceId;
    sendJson(res, 200, { details: 'Request accepted successfully', status: 'success', code: '200', unique_id: call.uniqueId, ...(referenceId ? { reference_id: referenceId } : {}) });
    call.done = this.drive(call, this.outcome, this.agentAnswers);
  }

  /** The call's life as Webhook v2 tells it: initiated, answered (if so), end. */
  private async drive(call: MyOperatorCall, outcome: CallOutcome, agentAnswers: Promise<void>, ringsOut: readonly string[] = []): Promise<void> {
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
    // payload.duration is the whole call: on a click to call the agent's ring and pick-up too.
    const duration = call.direction === 'outgoing' ? AGENT_RING + CUSTOMER_RING + talk : talk + 1;
    await this.deliver(call, 'call.end', 3, {
      status: call.status,
      started_at: startedAt.toISOString(),
      ended_at: new Date(startedAt.getTime() + duration * 1000).toISOString(),
      category: call.direction === 'outgoing' ? 'obd' : 'incoming',
      duration,
      recording_filename: outcome.answer ? `${randomBytes(8).toString('hex')}-v2.mp3` : '',
      billable: outcome.answer,
      legs: this.legs(call, outcome, talk, duration, ringsOut),
    });
  }

  /**
   * call.end's legs. An incoming call: the customer's leg (connected, for the whole call), then
   * one leg per agent the IVR rang, in order. A click to call: the agent's leg, then the
   * customer's, whose `result` says whether the customer picked up.
   */
  private legs(call: MyOperatorCall, outcome: CallOutcome, talk: number, duration: number, ringsOut: readonly string[]): Record<string, unknown>[] {
    const uid = (n: number) => `${call.sessionId}${n}`;
    const agent = (n: number, phone: string, answered: boolean, dialStatus = answered ? 'ANSWER' : 'NOANSWER') => ({
      leg_index: n,
      uid: uid(n),
      type: 'agent',
      phone_number: phone,
      dial_status: dialStatus,
      result: answered ? 'answered' : 'not_answered',
      ring_duration: AGENT_RING,
      talk_duration: answered ? talk : null,
    });
    if (call.direction === 'outgoing') {
      return [
        agent(1, call.agentPhone, true),
        { leg_index: 2, uid: uid(2), type: 'customer', phone_number: call.customer, dial_status: outcome.answer ? 'ANSWER' : 'NOANSWER', result: outcome.answer ? 'answered' : 'not_answered', ring_duration: CUSTOMER_RING, talk_duration: outcome.answer ? talk : null },
      ];
    }
    const hunted = [...ringsOut.map((phone, i) => agent(i + 2, phone, false, 'BUSY')), agent(ringsOut.length + 2, call.agentPhone, outcome.answer)];
    return [{ leg_index: 1, uid: call.sessionId, type: 'customer', phone_number: call.customer, result: 'connected', dial_status: '', ring_duration: null, talk_duration: duration }, ...hunted];
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
      payload: { id: call.sessionId, did: this.options.did, direction: call.direction, customer_number: call.customer, ref_id: randomUUID(), client_ref_id: call.referenceId ?? '', ...payload },
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
