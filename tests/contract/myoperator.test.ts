/**
 * connectors/myoperator.xml against the MyOperator simulator, through a real relay process:
 * click to call through the OBD API (MyOperator rings the agent, then the customer, and tells
 * the relay through Webhook v2), an incoming call that pops up for the agents, and webhook
 * deliveries without the agreed API key. Several MyOperator facts are unconfirmed (see the
 * simulator): these tests prove the connector against those assumptions, not against MyOperator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { MyOperatorSimulator } from '../simulators/myoperator.ts';
import { ContractRelay, Extension, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const API_KEY = 'x-api-key-for-tests';
const COMPANY_ID = '6836cad944e39380';
const SECRET_TOKEN = 'secret-token-for-tests';
const PUBLIC_IVR_ID = '68749ed88306c330';
const WEBHOOK_KEY = 'webhook-key-for-tests';
const DID = '+911206544510';
const CUSTOMER = '+919876543210';
const ADA_USER = '6836cad947bcc605';
const BOB_USER = '69d4d6bb5ffa3909';

let relay: ContractRelay;
let myoperator: MyOperatorSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+919810000001' }, { name: 'Bob', number: '+919810000002' }]));
  config = { api_key: API_KEY, company_id: COMPANY_ID, secret_token: SECRET_TOKEN, public_ivr_id: PUBLIC_IVR_ID, user_id: ADA_USER, webhook_key: WEBHOOK_KEY };
  callbacks = (await relay.registerInstance(ada, 'myoperator-main', 'myoperator', config)).callbacks;
  // The two Webhook v2 entries the admin creates, as docs/providers/myoperator.md says.
  const auth = { header: 'X-Webhook-Key', value: WEBHOOK_KEY };
  myoperator = await MyOperatorSimulator.start({
    apiKey: API_KEY,
    companyId: COMPANY_ID,
    secretToken: SECRET_TOKEN,
    publicIvrId: PUBLIC_IVR_ID,
    users: { [ADA_USER]: ada.number, [BOB_USER]: bob.number },
    did: DID,
    webhooks: [
      { url: callbacks.incoming, events: ['call.initiated'], auth },
      { url: callbacks.status, events: ['call.answered', 'call.end'], auth },
    ],
    forward: relay.forward,
  });
  extension = new Extension({ relay, instance: 'myoperator-main', connector: 'myoperator', config, callbacks, fetch: toSimulator('https://obd-api.myoperator.co', myoperator.baseUrl) });
});

afterAll(async () => {
  await myoperator?.close();
  await relay?.close();
});

describe('outbound call (click to call, OBD User Dial)', () => {
  it("rings the agent's user, then the customer, and follows the call through Webhook v2", async () => {
    // The agent's phone rings until the extension has reported the call: the report comes first.
    let pickUp!: () => void;
    myoperator.agentAnswers = new Promise((resolve) => (pickUp = resolve));
    const socket = await relay.connect(ada);

    const { placed, callId, reported } = await extension.clickToCall(ada, '098765 43210', { defaultCountry: 'IN' });
    pickUp();
    myoperator.agentAnswers = Promise.resolve();
    expect(placed.request!.headers['x-api-key']).toBe(API_KEY);
    // A reference of this call's own, which the webhooks bring back: the call's id.
    expect(callId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(JSON.parse(placed.request!.body!)).toEqual({ company_id: COMPANY_ID, secret_token: SECRET_TOKEN, type: '1', user_id: ADA_USER, number: CUSTOMER, public_ivr_id: PUBLIC_IVR_ID, reference_id: callId });
    expect(reported.status).toBe(201);
    const call = myoperator.callByReference(callId)!;
    await call.done;
    // MyOperator's own ids are others: the OBD answer's unique_id, the webhooks' session_id.
    expect(placed.record.extra.obd_id).toBe(call.uniqueId);
    expect(new Set([callId, call.uniqueId, call.sessionId]).size).toBe(3);
    expect(call.deliveries.map((d) => (d.event.payload as { client_ref_id: string }).client_ref_id)).toEqual([callId, callId, callId]);

    expect([call.direction, call.agentPhone, call.customer]).toEqual(['outgoing', ada.number, CUSTOMER]);
    expect(call.deliveries.map((d) => [d.eventType, d.url, d.status, d.body])).toEqual([
      ['call.initiated', callbacks.incoming, 200, ''],
      ['call.answered', callbacks.status, 200, ''],
      ['call.end', callbacks.status, 200, ''],
    ]);

    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    expect(socket.events.map((e) => [e.event, e.call.status])).toEqual([
      ['created', 'queued'],
      ['updated', 'ringing'],
      ['updated', 'in-progress'],
      ['updated', 'completed'],
    ]);
    expect(socket.events.every((e) => e.call.call_id === callId)).toBe(true);
    // One entry: none made of the session's webhooks.
    expect(await relay.storedCallIds(ada)).not.toContain(call.sessionId);
    const [record] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`)).body.calls;
    // The talk time is the customer's leg's (42 s); call.end's payload.duration (50 s) also holds
    // the agent's ring and pick-up.
    const end = call.deliveries.find((d) => d.eventType === 'call.end')!.event.payload as { duration: number };
    expect(end.duration).toBe(50);
    expect(record).toMatchObject({ instance_id: 'myoperator-main', call_id: callId, direction: 'outbound', status: 'completed', to_number: CUSTOMER, duration: 42, extra: { outcome: 'bridged' } });
    await socket.close();
  });

  it.each(['missed', 'voicemail'] as const)('records a call the customer did not pick up (call.end %s) as no answer', async (status) => {
    myoperator.outcome = { answer: false, status };
    const placed = await extension.place(ada, '+919876500000');
    myoperator.outcome = { answer: true, talkSeconds: 42 };
    expect(placed.ok, placed.error).toBe(true);
    await myoperator.callByReference(placed.record.call_id!)!.done;
    const list = await api(relay, ada.token, 'GET', '/calls?limit=200');
    // The agent's leg was answered, but call.end's payload.status says the customer was not reached:
    // no talk time, although payload.duration counts the agent's ring and pick-up.
    expect(list.body.calls.find((c: { call_id: string }) => c.call_id === placed.record.call_id)).toMatchObject({ status: 'no-answer', status_raw: status, duration: 0, extra: { outcome: status } });
  });

  it.each([
    ['a wrong secret token', { secret_token: 'wrong' }, 'invalid secret_token'],
    ['an unknown user', { user_id: 'nobody' }, 'invalid user_id'],
    ['a wrong x-api-key', { api_key: 'wrong' }, 'HTTP 403'],
  ])("shows MyOperator's error for %s and places no call", async (_case, override, error) => {
    const before = myoperator.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, ...override } });
    expect(placed).toMatchObject({ ok: false, error });
    expect(myoperator.calls.size).toBe(before);
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent while MyOperator rings the one its IVR picked', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);

    const call = myoperator.inboundCall({ from: '+917906225789', userId: BOB_USER });
    await call.done;
    expect(call.agentPhone).toBe(bob.number);
    expect(call.deliveries.map((d) => [d.eventType, d.status])).toEqual([
      ['call.initiated', 200],
      ['call.answered', 200],
      ['call.end', 200],
    ]);

    // The agents' numbers are not in MyOperator's events, so the relay tells every agent.
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sessionId, direction: 'inbound', status: 'ringing', from_number: '+917906225789', extra: { did: DID } } });
    }
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    // call.end's answering agent leg names who took the call.
    expect(view).toMatchObject({ call_id: call.sessionId, status: 'completed', duration: 31, extra: { answered_by: bob.number, answered_by_name: 'Bob' } });
    // call.answered showed the call in progress while the agent talked.
    expect(adaSocket.events.map((e) => e.call.status)).toEqual(['ringing', 'in-progress', 'completed']);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it("names the agent who took the call after the IVR's hunt rang a colleague out", async () => {
    const socket = await relay.connect(ada);
    const call = myoperator.inboundCall({ from: '+917906225711', userId: BOB_USER, ringsOutFirst: [ADA_USER] });
    await call.done;
    const legs = (call.deliveries.find((d) => d.eventType === 'call.end')!.event.payload as { legs: Array<{ type: string; phone_number: string; result: string }> }).legs;
    expect(legs.map((l) => [l.type, l.phone_number, l.result])).toEqual([
      ['customer', '+917906225711', 'connected'],
      ['agent', ada.number, 'not_answered'],
      ['agent', bob.number, 'answered'],
    ]);
    await socket.waitFor((c) => c.events.at(-1)?.call.call_id === call.sessionId && c.events.at(-1)?.call.status === 'completed');
    expect(socket.events.at(-1)!.call.extra).toMatchObject({ answered_by: bob.number, answered_by_name: 'Bob' });
    const [view] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent('+917906225711')}&limit=1`)).body.calls;
    expect(view).toMatchObject({ call_id: call.sessionId, direction: 'inbound', status: 'completed', extra: { answered_by: bob.number } });
    await socket.close();
  });

  it('logs an incoming call nobody answered as a missed call', async () => {
    const socket = await relay.connect(bob);
    const call = myoperator.inboundCall({ from: '+917906225700', userId: BOB_USER, outcome: { answer: false, status: 'missed' } });
    await call.done;
    expect(call.deliveries.map((d) => [d.eventType, d.status])).toEqual([
      ['call.initiated', 200],
      ['call.end', 200],
    ]);
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'no-answer');
    expect(socket.events.map((e) => e.call.status)).toEqual(['ringing', 'no-answer']);
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(view).toMatchObject({ call_id: call.sessionId, direction: 'inbound', status: 'no-answer', status_raw: 'missed' });
    // Nobody took it: no agent's leg says answered.
    expect(view.extra.answered_by).toBeUndefined();
    await socket.close();
  });
});

describe('webhook authentication', () => {
  const event = (sessionId: string) => ({
    event_id: 'e-1',
    company_id: COMPANY_ID,
    event_type: 'call.initiated',
    event_sequence: 1,
    event_version: 1,
    timestamp: new Date().toISOString(),
    channel: 'call',
    direction: 'incoming',
    session_id: sessionId,
    system_identifier: DID,
    customer_identifier: '+917900000000',
    payload: {},
  });

  it.each([
    ['a wrong X-Webhook-Key', { header: 'X-Webhook-Key', value: 'guess' }],
    ['no key at all', undefined],
    ['the key in another header', { header: 'X-Api-Key', value: WEBHOOK_KEY }],
  ])('refuses a delivery with %s with 403 and stores nothing', async (_case, auth) => {
    const sessionId = `s4.forged.${Math.random()}`;
    const delivery = await myoperator.post({ url: callbacks.incoming, events: ['call.initiated'], ...(auth ? { auth } : {}) }, event(sessionId));
    expect(delivery.status).toBe(403);
    expect(await relay.storedCallIds(ada)).not.toContain(sessionId);
  });
});
