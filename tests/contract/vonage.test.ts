/**
 * connectors/vonage.xml against the Vonage simulator, through a real relay process: click to
 * call (application JWT -> create call -> answer URL's NCCO -> every leg's events), the call's
 * card ending it (PUT /v1/calls/{uuid}), an incoming call whose NCCO rings the agents in turn,
 * and webhooks whose signed JWT is wrong.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { CallTarget } from '@phone-connector/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { VonageSimulator } from '../simulators/vonage.ts';
import { ContractRelay, Extension, expectStatusesInOrder, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const APPLICATION_ID = 'aaaaaaaa-bbbb-cccc-dddd-0123456789ab';
const API_KEY = 'a1b2c3d4';
const SIGNATURE_SECRET = 'vonage-signature-secret-for-tests';
const VIRTUAL_NUMBER = '+14155550101';
const CUSTOMER = '+14155550100';
/** A number behind a switchboard: called at its main number, then extension 204 is keyed in. */
const SWITCHBOARD = '+14155550123';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = keys.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const digits = (number: string) => number.replace(/\D/g, '');

let relay: ContractRelay;
let vonage: VonageSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }]));
  // The relay never calls Vonage, so it gets no private key: only what checks and answers webhooks.
  callbacks = (await relay.registerInstance(ada, 'vonage-main', 'vonage', { application_id: APPLICATION_ID, signature_secret: SIGNATURE_SECRET, callerid: VIRTUAL_NUMBER })).callbacks;
  config = { application_id: APPLICATION_ID, private_key: PRIVATE_KEY, signature_secret: SIGNATURE_SECRET, callerid: VIRTUAL_NUMBER };
  vonage = await VonageSimulator.start({
    applicationId: APPLICATION_ID,
    publicKey: keys.publicKey,
    apiKey: API_KEY,
    signatureSecret: SIGNATURE_SECRET,
    numbers: [digits(VIRTUAL_NUMBER)],
    forward: relay.forward,
  });
  // What docs/providers/vonage.md tells the admin to paste into the application's Voice capability.
  vonage.application = { answerUrl: callbacks.incoming, answerMethod: 'POST', eventUrl: callbacks.status, eventMethod: 'POST' };
  extension = new Extension({ relay, instance: 'vonage-main', connector: 'vonage', config, callbacks, fetch: toSimulator('https://api.nexmo.com', vonage.baseUrl) });
});

afterAll(async () => {
  await vonage?.close();
  await relay?.close();
});

/** The extension's part of an outbound call: place it with the engine, then report it. */
async function placeOutboundCall(agent: TestAgent, to: CallTarget) {
  const { placed, callId } = await extension.clickToCall(agent, to);
  return { placed, callId, simulated: vonage.calls.get(callId)! };
}

describe('outbound call (click to call)', () => {
  it('connects the agent to the customer and keeps every leg on one call record', async () => {
    const socket = await relay.connect(ada);
    const startSeq = socket.welcome!.seq;

    const { placed, callId, simulated } = await placeOutboundCall(ada, CUSTOMER);
    await simulated.done;

    // One JSON request with a fresh application JWT (checked by the simulator with the public key).
    expect(placed.request!.url).toBe('https://api.nexmo.com/v1/calls');
    expect(placed.request!.headers.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/);
    expect(JSON.parse(placed.request!.body!)).toEqual({
      to: [{ type: 'phone', number: digits(ada.number) }],
      from: { type: 'phone', number: digits(VIRTUAL_NUMBER) },
      answer_url: [`${callbacks.answer}?DialTo=%2B14155550100`],
      answer_method: 'POST',
      event_url: [callbacks.status],
      event_method: 'POST',
    });
    expect(callId).toBe(simulated.conversationUuid);
    // The agent's leg: the id Vonage's API ends the call by (<hangup>).
    expect(placed.record.extra.leg_uuid).toBe(simulated.leg.uuid);
    expect(placed.record.call_status).toBe('queued');

    // Vonage rang the agent, then asked the answer URL for an NCCO that connects the customer.
    expect([simulated.leg.to, simulated.leg.from]).toEqual([digits(ada.number), digits(VIRTUAL_NUMBER)]);
    const answer = simulated.exchanges.find((e) => e.kind === 'answer')!;
    expect(answer).toMatchObject({ method: 'POST', url: `${callbacks.answer}?DialTo=%2B14155550100`, status: 200 });
    expect(answer.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(answer.body)).toEqual([
      { action: 'connect', from: digits(VIRTUAL_NUMBER), eventUrl: [`${callbacks.status}?leg=customer`], endpoint: [{ type: 'phone', number: digits(CUSTOMER) }] },
    ]);
    expect(simulated.dialed).toEqual([digits(CUSTOMER)]);
    expect(simulated.errors).toEqual([]);

    // Both legs reported, each under its own uuid, all accepted.
    const [customerLeg] = simulated.connected;
    const leg = (uuid: string) => (uuid === simulated.leg.uuid ? 'agent' : uuid === customerLeg!.uuid ? 'customer' : uuid);
    expect(simulated.exchanges.map((e) => [leg(e.leg), e.kind, e.payload.status ?? null, e.status])).toEqual([
      ['agent', 'event', 'started', 200],
      ['agent', 'event', 'ringing', 200],
      ['agent', 'answer', null, 200],
      ['agent', 'event', 'answered', 200],
      ['customer', 'event', 'started', 200],
      ['customer', 'event', 'ringing', 200],
      ['customer', 'event', 'answered', 200],
      ['customer', 'event', 'completed', 200],
      ['agent', 'event', 'completed', 200],
    ]);

    // The customer's leg ends the call with the talk time (42 s); the agent's longer leg then
    // only fills what the call lacks (its start, the rate).
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed' && c.events.at(-1)?.call.extra.billrate !== undefined);
    const events = socket.events;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => startSeq + i + 1));
    expect(events.filter((e) => e.event === 'created')).toHaveLength(1);
    expect(events[0]!.event).toBe('created');
    expect(events.every((e) => e.call.call_id === callId)).toBe(true);
    expectStatusesInOrder(events);
    expect(events.map((e) => e.call.status)).toEqual(expect.arrayContaining(['ringing', 'in-progress', 'completed']));

    const calls = await api(relay, ada.token, 'GET', '/calls?limit=50');
    const mine = calls.body.calls.filter((c: { call_id: string }) => c.call_id === callId);
    expect(mine).toHaveLength(1);
    expect(calls.body.calls.filter((c: { to_number: string }) => c.to_number === CUSTOMER)).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      instance_id: 'vonage-main',
      direction: 'outbound',
      status: 'completed',
      status_raw: 'completed',
      to_number: CUSTOMER,
      from_number: VIRTUAL_NUMBER,
      user_number: ada.number,
      duration: 42,
    });
    expect(mine[0].extra).toMatchObject({ billrate: '0.01390000' });
    expect(mine[0]).toEqual(events.at(-1)!.call);
    await socket.close();
  });

  it.each(['busy', 'unanswered'] as const)("records a customer's %s though the agent's leg then completes", async (outcome) => {
    const customer = outcome === 'busy' ? '+14155550178' : '+14155550179';
    vonage.dialOutcomes = [{ answer: false, status: outcome }];
    const { callId, simulated } = await placeOutboundCall(ada, customer);
    await simulated.done;
    expect(simulated.exchanges.filter((e) => e.leg === simulated.leg.uuid).at(-1)!.payload).toMatchObject({ status: 'completed', duration: '5' });
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(customer)}`)).body.calls;
    // No talk, so no duration: the agent's 5 s leg is not the call's.
    expect(stored).toMatchObject({ call_id: callId, status: outcome === 'busy' ? 'busy' : 'no-answer', status_raw: outcome, duration: null });
    expect(stored.started_at).not.toBeNull();
  });
});

describe("ending a placed call (the card's Cancel and Hang up)", () => {
  afterEach(() => {
    vonage.agentPhone = 'answers';
    vonage.holdCalls = false;
  });

  it("cancels a call while the agent's phone rings: Vonage ends it unbridged and the agent sees it canceled", async () => {
    vonage.agentPhone = 'rings';
    const customer = '+14155550155';
    const socket = await relay.connect(ada);
    const { placed, callId, simulated } = await placeOutboundCall(ada, customer);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === callId && e.call.status === 'ringing'));

    // The card ends the agent's leg, which the create-call answer named.
    const ended = await extension.hangUp(ada, callId, { fields: placed.record.extra });
    expect(ended).toMatchObject({ ok: true });
    expect(ended.request).toMatchObject({ method: 'PUT', url: `https://api.nexmo.com/v1/calls/${simulated.leg.uuid}`, body: '{"action":"hangup"}' });
    expect(ended.request!.headers).toMatchObject({ 'Content-Type': 'application/json', Authorization: expect.stringMatching(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/) });
    expect(vonage.updates).toContainEqual({ uuid: simulated.leg.uuid, body: { action: 'hangup' } });
    await simulated.done;

    // Nobody answered: Vonage never asked the relay for an NCCO, so the customer was never rung.
    expect(simulated.exchanges.map((e) => e.kind)).not.toContain('answer');
    expect(simulated.dialed).toEqual([]);
    expect(simulated.exchanges.map((e) => [e.payload.status, e.status])).toEqual([
      ['started', 200],
      ['ringing', 200],
      ['cancelled', 200],
      ['completed', 200],
    ]);
    await socket.waitFor((c) => c.events.at(-1)?.call.call_id === callId && c.events.at(-1)?.call.status === 'canceled');
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(customer)}`)).body.calls;
    // The leg's completed that follows only fills: the call stays canceled, with no talk time.
    expect(stored).toMatchObject({ call_id: callId, direction: 'outbound', status: 'canceled', status_raw: 'cancelled', duration: null, to_number: customer });
    await socket.close();
  });

  it("hangs up a call in progress: the agent's leg ends, then the customer's, and the call is completed", async () => {
    vonage.holdCalls = true;
    const customer = '+14155550156';
    const socket = await relay.connect(ada);
    const { placed, callId, simulated } = await placeOutboundCall(ada, customer);
    // Connected: the agent answered and the customer's leg was dialled and answered.
    await vi.waitFor(() => expect(simulated.held).toBeDefined(), { timeout: 20_000, interval: 20 });
    expect(simulated.dialed).toEqual([digits(customer)]);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === callId && e.call.status === 'in-progress'));

    expect(await extension.hangUp(ada, callId, { fields: placed.record.extra })).toMatchObject({ ok: true });
    await simulated.done;
    const [customerLeg] = simulated.connected;
    expect(simulated.exchanges.slice(-2).map((e) => [e.leg, e.payload.status, e.status])).toEqual([
      [simulated.leg.uuid, 'completed', 200],
      [customerLeg!.uuid, 'completed', 200],
    ]);
    await socket.waitFor((c) => c.events.at(-1)?.call.call_id === callId && c.events.at(-1)?.call.status === 'completed' && c.events.at(-1)?.call.duration === 42);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(customer)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: callId, status: 'completed', duration: 42 });
    await socket.close();
  });

  it("shows Vonage's answer for a call it does not know, a call already over and a conversation_uuid", async () => {
    const unknown = '3fa85f64-5717-4562-b3fc-2c963f66afa6';
    expect(await extension.hangUp(ada, 'CON-unknown', { fields: { leg_uuid: unknown } })).toEqual({ ok: false, error: `ID '${unknown}' does not exist, or you do not have access`, request: expect.anything() });

    const { placed, callId, simulated } = await placeOutboundCall(ada, '+14155550157');
    await simulated.done;
    const over = await extension.hangUp(ada, callId, { fields: placed.record.extra });
    expect(over).toMatchObject({ ok: false, error: `ID '${simulated.leg.uuid}' does not exist, or you do not have access` });
    // The API acts on legs: the conversation's id is no call it can end.
    expect(await extension.hangUp(ada, callId, { fields: { leg_uuid: simulated.conversationUuid } })).toMatchObject({ ok: false, error: expect.stringMatching(/does not exist/) });
  });

  it('is refused by Vonage with the wrong private key, and the call goes on', async () => {
    vonage.agentPhone = 'rings';
    const customer = '+14155550158';
    const { placed, callId, simulated } = await placeOutboundCall(ada, customer);
    await vi.waitFor(() => expect(simulated.ringing).toBeDefined(), { timeout: 20_000, interval: 20 });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();

    const ended = await extension.hangUp(ada, callId, { config: { ...config, private_key: other }, fields: placed.record.extra });
    expect(ended).toMatchObject({ ok: false, error: 'You did not provide correct credentials.' });
    expect(vonage.updates.some((u) => u.uuid === simulated.leg.uuid)).toBe(false);
    // Picked up, the call connects the customer and ends as any other.
    vonage.pickUp(simulated);
    await simulated.done;
    expect(simulated.dialed).toEqual([digits(customer)]);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(customer)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: callId, status: 'completed', duration: 42 });
  });
});

describe('a number behind a switchboard', () => {
  it("keys in the extension once the customer's line answers (the endpoint's dtmfAnswer)", async () => {
    const { callId, simulated } = await placeOutboundCall(ada, { number: SWITCHBOARD, extension: '204' });
    await simulated.done;
    const answer = simulated.exchanges.find((e) => e.kind === 'answer')!;
    expect(answer.url).toBe(`${callbacks.answer}?DialTo=%2B14155550123&DialExt=204`);
    expect(JSON.parse(answer.body)).toEqual([
      { action: 'connect', from: digits(VIRTUAL_NUMBER), eventUrl: [`${callbacks.status}?leg=customer`], endpoint: [{ type: 'phone', number: digits(SWITCHBOARD), dtmfAnswer: 'pp204' }] },
    ]);
    expect([simulated.dialed, simulated.sentDigits, simulated.errors]).toEqual([[digits(SWITCHBOARD)], ['pp204'], []]);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(SWITCHBOARD)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: callId, to_number: SWITCHBOARD, extra: { to_extension: '204' } });
  });
});

describe('placing a call with the wrong private key', () => {
  it("shows Vonage's error and no call happens", async () => {
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const before = vonage.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, private_key: other } });
    expect(placed).toMatchObject({ ok: false, error: 'You did not provide correct credentials.' });
    expect(vonage.calls.size).toBe(before);
  });

  it('names the setting when the private key is missing', async () => {
    const { private_key: _, ...withoutKey } = config;
    await expect(extension.place(ada, CUSTOMER, { config: withoutKey })).rejects.toThrow(/private_key|Private key/);
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent and rings them in turn until one answers', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob, { mode: 'subprotocol' })]);

    // Ada's phone rings out; Bob answers, then the caller hangs up.
    vonage.dialOutcomes = [{ answer: false, status: 'unanswered' }, { answer: true, talkSeconds: 30, hangup: 'caller' }];
    const call = vonage.inboundCall({ from: '14155550199', to: digits(VIRTUAL_NUMBER) });
    await call.done;

    const answer = call.exchanges[0]!;
    expect(answer).toMatchObject({ kind: 'answer', method: 'POST', url: callbacks.incoming, status: 200 });
    const connect = (agent: TestAgent) => ({ action: 'connect', from: digits(VIRTUAL_NUMBER), timeout: 20, eventUrl: [`${callbacks.status}?leg=agent`], endpoint: [{ type: 'phone', number: digits(agent.number) }] });
    expect(JSON.parse(answer.body)).toEqual([connect(ada), connect(bob)]);
    expect(call.dialed).toEqual([digits(ada.number), digits(bob.number)]);
    expect(call.errors).toEqual([]);
    expect(call.exchanges.every((e) => e.status === 200)).toBe(true);

    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed' && c.events.at(-1)?.call.started_at !== null);
      // Ringing while Vonage runs the NCCO and Ada's phone rings out, answered once Bob picks up.
      expect(socket.events.map((e) => e.call.status).filter((s, i, all) => s !== all[i - 1])).toEqual(['ringing', 'in-progress', 'completed']);
      expect(socket.events[0]).toMatchObject({
        event: 'created',
        call: { call_id: call.conversationUuid, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: VIRTUAL_NUMBER },
      });
      expect(socket.events.filter((e) => e.event === 'created')).toHaveLength(1);
      expect(socket.events.every((e) => e.call.call_id === call.conversationUuid)).toBe(true);
    }
    const [adaView] = (await api(relay, ada.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    const [bobView] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(adaView).toEqual(bobView);
    // Bob's talk time, not the caller's whole leg (33 s, with the NCCO's ringing).
    // Bob's phone took it (Ada's rang out first): his leg's answered names it in to.
    expect(adaView).toMatchObject({ call_id: call.conversationUuid, direction: 'inbound', status: 'completed', duration: 30, from_number: '+14155550199', extra: { answered_by: bob.number, answered_by_name: 'Bob' } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('logs a call no agent picked up as missed, though Vonage answered the caller to run the NCCO', async () => {
    const adaSocket = await relay.connect(ada);
    vonage.dialOutcomes = [{ answer: false, status: 'timeout' }, { answer: false, status: 'busy' }];
    const call = vonage.inboundCall({ from: '14155550188', to: digits(VIRTUAL_NUMBER) });
    await call.done;
    expect(call.exchanges.filter((e) => e.leg === call.leg.uuid).map((e) => e.payload.status ?? null)).toEqual([null, 'started', 'ringing', 'answered', 'completed']);

    await adaSocket.waitFor((c) => c.events.at(-1)?.call.status === 'no-answer');
    expect(adaSocket.events.map((e) => e.call.status).filter((s, i, all) => s !== all[i - 1])).toEqual(['ringing', 'no-answer']);
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(stored).toMatchObject({ call_id: call.conversationUuid, status: 'no-answer', status_raw: 'completed', duration: null, from_number: '+14155550188' });
    // The agents' legs rang out: none of them took the call.
    expect(stored.extra.answered_by).toBeUndefined();
    await adaSocket.close();
  });

  // Vonage may send the caller leg's events before or with the answer request: the call is
  // first seen through a status webhook, and the incoming webhook must still ring everyone.
  it('rings every agent even when the caller leg reports before the answer request', async () => {
    vonage.dialOutcomes = [{ answer: true, talkSeconds: 5, hangup: 'caller' }];
    const call = vonage.inboundCall({ from: '14155550177', to: digits(VIRTUAL_NUMBER), eventsBeforeAnswer: true });
    await call.done;
    const answer = call.exchanges.find((e) => e.kind === 'answer')!;
    expect(JSON.parse(answer.body)).toHaveLength(2);
  });

  // For a GET webhook Vonage's payload_hash covers the query parameters as JSON.
  it('accepts a signed GET answer request', async () => {
    vonage.application = { ...vonage.application, answerMethod: 'GET' };
    try {
      const call = vonage.inboundCall({ from: '14155550166', to: digits(VIRTUAL_NUMBER) });
      await call.done;
      expect(call.exchanges[0]!.status).toBe(200);
    } finally {
      vonage.application = { ...vonage.application, answerMethod: 'POST' };
    }
  });
});

describe('signed webhooks', () => {
  const target = () => ({ url: callbacks.status, method: 'POST' as const });

  it('refuses a bad signature, a tampered body and an unsigned request, and stores nothing', async () => {
    const conversation = 'CON-00000000-1111-2222-3333-444444444444';
    const leg = { uuid: '00000000-aaaa-bbbb-cccc-dddddddddddd', direction: 'inbound' as const, from: '14155550144', to: digits(VIRTUAL_NUMBER) };
    const call = { conversationUuid: conversation, leg, connected: [], ncco: [], dialed: [], sentDigits: [], errors: [], exchanges: [], done: Promise.resolve() };
    const payload = { from: leg.from, to: leg.to, uuid: leg.uuid, conversation_uuid: conversation, status: 'completed', direction: 'inbound', duration: '12', timestamp: new Date().toISOString() };

    const wrongSecret = await vonage.webhook(call, leg, 'event', target(), payload, { secret: 'not-the-signature-secret' });
    const tampered = await vonage.webhook(call, leg, 'event', target(), payload, { payloadHash: '0'.repeat(64) });
    const unsigned = await vonage.webhook(call, leg, 'event', target(), payload, { omit: true });
    for (const refused of [wrongSecret, tampered, unsigned]) expect(refused.status).toBe(403);

    const before = (await api(relay, ada.token, 'GET', '/calls?limit=50')).body.calls;
    expect(before.some((c: { call_id: string }) => c.call_id === conversation)).toBe(false);
    const good = await vonage.webhook(call, leg, 'event', target(), payload);
    expect(good.status).toBe(200);
    const stored = (await api(relay, ada.token, 'GET', '/calls?limit=50')).body.calls.filter((c: { call_id: string }) => c.call_id === conversation);
    // A caller's leg that ends with no agent's leg before it is a missed call.
    expect(stored).toMatchObject([{ status: 'no-answer', status_raw: 'completed' }]);
  });
});
