/**
 * connectors/telzio.xml against the Telzio simulator, through a real relay process. Telzio
 * bridges Aleg (the agent) and Bleg (the customer) itself and does not document what
 * /dial/outbound answers, so the call enters the relay from the Call Created webhook, routed to
 * the agent whose phone is Aleg; the other webhooks complete the record. Every webhook carries
 * the Bearer token configured at Telzio; a wrong one is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type CallEvent, type TestAgent } from '../relay/harness.ts';
import { type TelzioCall, TelzioSimulator } from '../simulators/telzio.ts';
import { ContractRelay, Extension, expectStatusesInOrder, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const API_KEY = 'pk_51f399820503bea5c3d1';
const API_SECRET = 'sk_telzio-secret-for-tests';
const WEBHOOK_TOKEN = 'telzio-webhook-token-for-tests';
const TELZIO_NUMBER = '+18885550100';
const CUSTOMER = '+14155550100';

let relay: ContractRelay;
let telzio: TelzioSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }]));
  const settings = { apikey: API_KEY, apisecret: API_SECRET, callerid: TELZIO_NUMBER, webhook_token: WEBHOOK_TOKEN };
  callbacks = (await relay.registerInstance(ada, 'telzio-main', 'telzio', settings)).callbacks;
  config = { ...settings, status_callback: callbacks.status, incoming_callback: callbacks.incoming };
  // What the admin sets up in Telzio's Integrations > Webhooks, both formats in use.
  telzio = await TelzioSimulator.start({
    apiKey: API_KEY,
    apiSecret: API_SECRET,
    numbers: [TELZIO_NUMBER],
    forward: relay.forward,
    webhooks: [
      { event: 'call_created', url: callbacks.incoming, format: 'json', bearer: WEBHOOK_TOKEN },
      { event: 'child_call_created', url: callbacks.status, format: 'form', bearer: WEBHOOK_TOKEN },
      { event: 'call_status_changed', url: callbacks.status, format: 'json', bearer: WEBHOOK_TOKEN },
      { event: 'call_ended', url: callbacks.status, format: 'json', bearer: WEBHOOK_TOKEN },
    ],
  });
  extension = new Extension({ relay, instance: 'telzio-main', connector: 'telzio', config, callbacks, fetch: toSimulator('https://api.telzio.com', telzio.baseUrl) });
});

afterAll(async () => {
  await telzio?.close();
  await relay?.close();
});

/** The extension's part: place the call. Telzio's answer carries no call id, so nothing is reported. */
async function placeOutboundCall(agent: TestAgent, to: string): Promise<TelzioCall> {
  const before = new Set(telzio.calls.keys());
  const placed = await extension.place(agent, to);
  expect(placed.ok, placed.error).toBe(true);
  expect(placed.record.call_id).toBeUndefined();
  const call = [...telzio.calls.values()].find((c) => !before.has(c.callId))!;
  await call.done;
  return call;
}

const of = (callId: string) => (e: CallEvent) => e.call.call_id === callId;

describe('outbound call (click to call)', () => {
  it('rings Aleg, bridges Bleg, and the webhooks build one record for the agent whose phone is Aleg', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const call = await placeOutboundCall(ada, CUSTOMER);

    expect(call).toMatchObject({ direction: 'outbound', from: TELZIO_NUMBER, to: ada.number, child: { to: CUSTOMER } });
    expect(call.exchanges.map((e) => [e.event, e.payload.parent_call_id ? 'child' : 'parent', e.payload.status ?? e.payload.call_status ?? '', e.status])).toEqual([
      ['call_created', 'parent', '', 200],
      ['call_status_changed', 'parent', 'ringing', 200],
      ['call_status_changed', 'parent', 'in-progress', 200],
      ['child_call_created', 'child', '', 200],
      ['call_status_changed', 'child', 'ringing', 200],
      ['call_status_changed', 'child', 'in-progress', 200],
      ['call_status_changed', 'child', 'completed', 200],
      ['call_ended', 'child', 'completed', 200],
      ['call_status_changed', 'parent', 'completed', 200],
      ['call_ended', 'parent', 'completed', 200],
    ]);
    expect(call.exchanges[3]!.contentType).toBe('application/x-www-form-urlencoded');
    expect(telzio.suspended.size).toBe(0);

    // Every webhook was answered, so the store holds the call's final state; the relay pushes
    // after answering, so the socket may still be catching up: wait for the event carrying it
    // (the last call_ended changes the duration after the first 'completed').
    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    const stored = (calls.body.calls as CallEvent['call'][]).find((c) => c.call_id === call.callId);
    expect(stored, 'the call is stored').toBeDefined();
    await adaSocket.waitFor((c) => c.events.filter(of(call.callId)).at(-1)?.call.updated_at === stored?.updated_at);
    const events = adaSocket.events.filter(of(call.callId));
    expect(events[0]).toMatchObject({ event: 'created', call: { direction: 'outbound', status: 'ringing', from_number: TELZIO_NUMBER, user_number: ada.number } });
    expect(events.slice(1).every((e) => e.event === 'updated')).toBe(true);
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expectStatusesInOrder(events);

    expect(calls.body.calls).toContainEqual(events.at(-1)!.call);
    expect(events.at(-1)!.call).toMatchObject({
      instance_id: 'telzio-main',
      call_id: call.callId,
      direction: 'outbound',
      status: 'completed',
      status_raw: 'completed',
      from_number: TELZIO_NUMBER,
      user_number: ada.number,
      to_number: CUSTOMER,
      // The customer's leg's billed_duration: the talk time, not the agent's leg's 48 s.
      duration: 40,
      extra: { billed_duration: '40', hangup_reason: 'Normal Clearing' },
    });
    expect(bobSocket.events).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it.each([
    ['busy', 'busy'],
    ['noanswer', 'no answer'],
  ] as const)("ends as no answer, with no talk time, when the customer's leg ended %s, though the agent's leg completed", async (customer, reason) => {
    const socket = await relay.connect(ada);
    telzio.customer = customer;
    try {
      const call = await placeOutboundCall(ada, '+14155550155');
      expect(call.exchanges.map((e) => [e.event, e.payload.parent_call_id ? 'child' : 'parent', e.payload.status ?? e.payload.call_status ?? ''])).toEqual([
        ['call_created', 'parent', ''],
        ['call_status_changed', 'parent', 'ringing'],
        ['call_status_changed', 'parent', 'in-progress'],
        ['child_call_created', 'child', ''],
        ['call_status_changed', 'child', 'ringing'],
        ['call_status_changed', 'child', 'noanswer'],
        ['call_ended', 'child', 'noanswer'],
        ['call_status_changed', 'parent', 'completed'],
        ['call_ended', 'parent', 'completed'],
      ]);
      const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent('+14155550155')}&limit=1`)).body.calls as CallEvent['call'][];
      expect(stored).toMatchObject({ call_id: call.callId, direction: 'outbound', status: 'no-answer', status_raw: 'noanswer', duration: 0, extra: { billed_duration: '0', hangup_reason: reason } });
      // The agent's page never showed the call completed: its leg's end came after the customer's.
      await socket.waitFor((c) => c.events.filter(of(call.callId)).at(-1)?.call.updated_at === stored!.updated_at);
      const statuses = socket.events.filter(of(call.callId)).map((e) => e.call.status);
      expect(statuses.at(-1)).toBe('no-answer');
      expect(statuses).not.toContain('completed');
    } finally {
      telzio.customer = 'answers';
      await socket.close();
    }
  });

  it("files a B leg's own status changes and call_ended under its parent call, not as a record of its own", async () => {
    const call = await placeOutboundCall(ada, '+14155550144');
    expect(call.exchanges.filter((e) => e.payload.call_id === call.child!.callId && e.event !== 'child_call_created').map((e) => e.event)).toContain('call_status_changed');
    const calls = (await api(relay, ada.token, 'GET', `/calls?limit=20`)).body.calls as Array<{ call_id: string; status: string }>;
    expect(calls.some((c) => c.call_id === call.child!.callId)).toBe(false);
    expect(calls.find((c) => c.call_id === call.callId)).toMatchObject({ status: 'completed' });
  });
});

describe('placing a call', () => {
  it("shows Telzio's error for wrong credentials, and no call happens", async () => {
    const before = telzio.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, apisecret: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'Authorization has been denied for this request.' });
    expect(telzio.calls.size).toBe(before);
  });

  it('is refused with 400 when From is not a number of the account', async () => {
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, callerid: '+18885550999' } });
    expect(placed).toMatchObject({ ok: false, error: 'From +18885550999 is not a number in this account.' });
  });
});

describe('inbound call (incoming popup)', () => {
  it("pops up for every agent on Call Created; Telzio's call flow rings the agent, and the record follows it to the end", async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const call = telzio.inboundCall({ from: '+14155550177', fromCnam: 'LOVELACE ADA', to: TELZIO_NUMBER, rings: [bob.number] });
    await call.done;

    // The webhooks only notify: Telzio wants a 2xx, and the relay answers with an empty 200.
    expect(call.exchanges[0]).toMatchObject({ event: 'call_created', url: callbacks.incoming, status: 200, body: '' });
    expect(call.child).toMatchObject({ to: bob.number });
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.filter(of(call.callId)).at(-1)?.call.status === 'completed');
      const events = socket.events.filter(of(call.callId));
      expect(events[0]).toMatchObject({ event: 'created', call: { direction: 'inbound', status: 'ringing', from_number: '+14155550177', extra: { caller_name: 'LOVELACE ADA' } } });
    }
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    // The number called stays Telzio's; the user's leg that completed is who took the call.
    expect(view).toMatchObject({ call_id: call.callId, status: 'completed', duration: 48, user_number: TELZIO_NUMBER, to_number: TELZIO_NUMBER, extra: { answered_by: bob.number, answered_by_name: 'Bob' } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('stays in progress while a ring group ends the legs of the users who did not answer, and ends with the parent call', async () => {
    const socket = await relay.connect(ada);
    const call = telzio.inboundCall({ from: '+14155550178', to: TELZIO_NUMBER, rings: [bob.number, ada.number] });
    await call.done;
    expect(call.exchanges.map((e) => [e.event, e.payload.parent_call_id ? 'child' : 'parent', e.payload.status ?? e.payload.call_status ?? ''])).toEqual([
      ['call_created', 'parent', ''],
      ['call_status_changed', 'parent', 'ringing'],
      ['child_call_created', 'child', ''],
      ['child_call_created', 'child', ''],
      ['call_status_changed', 'child', 'ringing'],
      ['call_status_changed', 'child', 'ringing'],
      ['call_status_changed', 'child', 'in-progress'],
      ['call_status_changed', 'parent', 'in-progress'],
      ['call_status_changed', 'child', 'cancel'],
      ['call_ended', 'child', 'cancel'],
      ['call_status_changed', 'child', 'completed'],
      ['call_ended', 'child', 'completed'],
      ['call_status_changed', 'parent', 'completed'],
      ['call_ended', 'parent', 'completed'],
    ]);
    await socket.waitFor((c) => c.events.filter(of(call.callId)).at(-1)?.call.status === 'completed');
    const events = socket.events.filter(of(call.callId));
    expectStatusesInOrder(events);
    // Ada's canceled leg did not end the call Bob was talking on.
    expect(events.map((e) => e.call.status)).not.toContain('canceled');
    const [view] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent('+14155550178')}&limit=1`)).body.calls;
    // Ada was rung last and lost: the call's number is still Telzio's, and Bob took it.
    expect(view).toMatchObject({ call_id: call.callId, status: 'completed', duration: 48, to_number: TELZIO_NUMBER, extra: { billed_duration: '46', hangup_reason: 'Normal Clearing', answered_by: bob.number } });
    // The users' legs reported their statuses under their own call ids: none became a call of its own.
    for (const agent of [ada, bob]) {
      const listed = (await api(relay, agent.token, 'GET', '/calls?limit=50')).body.calls as Array<{ call_id: string }>;
      expect(listed.filter((c) => call.children.some((child) => child.callId === c.call_id))).toEqual([]);
    }
    await socket.close();
  });
  it("shows in progress once a user's leg answers, and a user's leg that rang out does not end the call", async () => {
    // Step by step, as a ring group that rings its users in turn would report the call.
    const call: TelzioCall = { callId: '11-cafe0001-000001', direction: 'inbound', from: '+14155550179', to: TELZIO_NUMBER, children: [], exchanges: [], done: Promise.resolve() };
    const [adaLeg, bobLeg] = ['11-cafe0001-000002', '11-cafe0001-000003'];
    const date = '2026-11-24T10:00:00.0000000';
    const stored = async () => ((await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(call.from)}&limit=1`)).body.calls as CallEvent['call'][])[0];
    await telzio.emit(call, 'call_created', { call_id: call.callId, direction: 'inbound', from: call.from, from_cnam: '', to: TELZIO_NUMBER, rate: 0, date });
    await telzio.emit(call, 'call_status_changed', { call_id: call.callId, parent_call_id: null, status: 'ringing', date });
    await telzio.emit(call, 'child_call_created', { call_id: adaLeg, parent_call_id: call.callId, from: call.from, to: ada.number, rate: 0, date });
    await telzio.emit(call, 'call_status_changed', { call_id: adaLeg, parent_call_id: call.callId, status: 'ringing', date });
    await telzio.emit(call, 'call_status_changed', { call_id: adaLeg, parent_call_id: call.callId, status: 'noanswer', date });
    // Ada's phone rang out: the group moves on to Bob, and the call still rings.
    expect(await stored()).toMatchObject({ call_id: call.callId, direction: 'inbound', status: 'ringing' });
    await telzio.emit(call, 'child_call_created', { call_id: bobLeg, parent_call_id: call.callId, from: call.from, to: bob.number, rate: 0, date });
    await telzio.emit(call, 'call_status_changed', { call_id: bobLeg, parent_call_id: call.callId, status: 'in-progress', date });
    // Bob answered: the call is in progress before the parent call says anything more.
    expect(await stored()).toMatchObject({ call_id: call.callId, status: 'in-progress' });
    expect(call.exchanges.map((e) => e.status)).toEqual([200, 200, 200, 200, 200, 200, 200]);
    const listed = (await api(relay, ada.token, 'GET', '/calls?limit=50')).body.calls as Array<{ call_id: string }>;
    expect(listed.filter((c) => c.call_id === adaLeg || c.call_id === bobLeg)).toEqual([]);
  });
});

describe('webhook authentication', () => {
  it('refuses a webhook with another Bearer token with 403 and stores nothing', async () => {
    const socket = await relay.connect(bob);
    const stray: TelzioCall = { callId: '11-deadbeef-000001', direction: 'inbound', from: '+14155550166', to: TELZIO_NUMBER, children: [], exchanges: [], done: Promise.resolve() };
    await telzio.emit(stray, 'call_created', { call_id: stray.callId, direction: 'inbound', from: stray.from, from_cnam: '', to: stray.to, rate: 0, date: '2026-11-24T10:00:00.0000000' }, { bearer: 'not-the-token' });
    expect(stray.exchanges[0]).toMatchObject({ status: 403 });
    expect(JSON.parse(stray.exchanges[0]!.body)).toMatchObject({ error: expect.stringMatching(/Authorization/) });
    expect((await api(relay, bob.token, 'GET', '/calls?number=%2B14155550166')).body.calls).toEqual([]);
    expect(socket.events).toEqual([]);
    await socket.close();
  });
});
