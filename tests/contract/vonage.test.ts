/**
 * connectors/vonage.xml against the Vonage simulator, through a real relay process: click to
 * call (application JWT -> create call -> answer URL's NCCO -> every leg's events), the call's
 * card ending it (PUT /v1/calls/{uuid}), an incoming call whose NCCO rings the agents in turn,
 * voicemail (after the last agent's phone rang out, or at once while everyone is away), recorded
 * calls and their files opened through the relay, and webhooks whose signed JWT is wrong.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { CallTarget } from '@phone-connector/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, latestCallWith, type TestAgent } from '../relay/harness.ts';
import { recordingBytes } from '../simulators/http.ts';
import { type DialOutcome, FILES_ORIGIN, type SimulatedCall, VonageSimulator } from '../simulators/vonage.ts';
import { ContractRelay, Extension, expectStatusesInOrder, heardThroughRelay, type RelayCallbacks, toSimulator } from './harness.ts';

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
  // The simulator first: the relay fetches recordings from api.nexmo.com, sent there.
  vonage = await VonageSimulator.start({
    applicationId: APPLICATION_ID,
    publicKey: keys.publicKey,
    apiKey: API_KEY,
    signatureSecret: SIGNATURE_SECRET,
    numbers: [digits(VIRTUAL_NUMBER)],
    forward: (url) => relay.forward(url),
  });
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }], { PROVIDER_ORIGINS: `${FILES_ORIGIN}=${vonage.baseUrl}` }));
  // Without recordings to fetch, the relay needs no private key: only what checks and answers webhooks.
  callbacks = (await relay.registerInstance(ada, 'vonage-main', 'vonage', { application_id: APPLICATION_ID, signature_secret: SIGNATURE_SECRET, callerid: VIRTUAL_NUMBER })).callbacks;
  config = { application_id: APPLICATION_ID, private_key: PRIVATE_KEY, signature_secret: SIGNATURE_SECRET, callerid: VIRTUAL_NUMBER };
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
    const call = { conversationUuid: conversation, leg, connected: [], ncco: [], dialed: [], sentDigits: [], errors: [], said: [], recordings: [], exchanges: [], done: Promise.resolve() };
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

/** A Vonage instance of Ada's with these settings besides the account's (the private key too: the relay fetches recordings with it): its callback URLs, and the extension placing calls through it. */
async function vonageInstance(id: string, settings: Record<string, string>) {
  const urls = (await relay.registerInstance(ada, id, 'vonage', { ...config, ...settings })).callbacks;
  const placing = new Extension({ relay, instance: id, connector: 'vonage', config: { ...config, ...settings }, callbacks: urls, fetch: toSimulator('https://api.nexmo.com', vonage.baseUrl) });
  return { urls, placing };
}

/** An incoming call through an instance's Voice capability, its agents' legs ending as `outcomes` say, the caller leaving a `message` of that many seconds if asked. */
function inboundThrough(urls: RelayCallbacks, outcomes: DialOutcome[], from: string, message?: number): SimulatedCall {
  vonage.application = { answerUrl: urls.incoming, answerMethod: 'POST', eventUrl: urls.status, eventMethod: 'POST' };
  vonage.dialOutcomes = outcomes;
  try {
    return vonage.inboundCall({ from, to: digits(VIRTUAL_NUMBER), ...(message === undefined ? {} : { message }) });
  } finally {
    vonage.application = { answerUrl: callbacks.incoming, answerMethod: 'POST', eventUrl: callbacks.status, eventMethod: 'POST' };
  }
}

/** The status URL with the marks a reply adds to it. */
const marked = (urls: RelayCallbacks, marks: Record<string, string>) => `${urls.status}?${new URLSearchParams(marks)}`;

/** The greeting and the record action that takes a caller's message, for the call `callId`. */
const voicemailNcco = (urls: RelayCallbacks, callId: string, greeting: string) => [
  { action: 'talk', text: greeting },
  { action: 'record', eventUrl: [marked(urls, { CallId: callId, Recording: 'message' })], endOnSilence: 10, endOnKey: '#', timeOut: 120, beepStart: true },
];

/** The connect action that rings `agent` for an incoming call; the last one rung marked for voicemail. */
const agentConnect = (urls: RelayCallbacks, agent: TestAgent, last?: 'voicemail') => ({
  action: 'connect',
  from: digits(VIRTUAL_NUMBER),
  timeout: 20,
  ...(last ? { eventType: 'synchronous' } : {}),
  eventUrl: [marked(urls, last ? { leg: 'agent', Voicemail: 'offer' } : { leg: 'agent' })],
  endpoint: [{ type: 'phone', number: digits(agent.number) }],
});

const RECORDING_URL = /^https:\/\/api\.nexmo\.com\/v1\/files\/[0-9a-f-]{36}$/;

/** The stored call of the latest call with `number`, as an agent's call list shows it (Bob's: an incoming call to the team). */
const storedCall = (number: string, agent: TestAgent = bob) => latestCallWith(relay, agent, number);

describe('voicemail (an incoming call nobody took)', () => {
  const greeting = 'Nobody is free right now. Please leave a message.';
  let voicemail: Awaited<ReturnType<typeof vonageInstance>>;
  beforeAll(async () => {
    voicemail = await vonageInstance('vonage-voicemail', { voicemail_greeting: greeting });
  });

  it("says the greeting once the last agent's phone rang out, records the caller's message and gives the missed call its recording, pushed to the agent", async () => {
    const bobSocket = await relay.connect(bob);
    const call = inboundThrough(voicemail.urls, [{ answer: false, status: 'unanswered' }, { answer: false, status: 'timeout' }], '14155550144', 41);
    await call.done;

    // Only the last agent's connect waits on its end: Ada's rang out and the NCCO went on to Bob's.
    const [answer] = call.exchanges;
    expect(JSON.parse(answer!.body)).toEqual([agentConnect(voicemail.urls, ada), agentConnect(voicemail.urls, bob, 'voicemail')]);
    const failures = call.exchanges.filter((e) => e.kind === 'event' && (e.payload.status === 'unanswered' || e.payload.status === 'timeout'));
    expect(failures.map((e) => [e.payload.status, e.body])).toEqual([
      ['unanswered', ''],
      ['timeout', JSON.stringify(voicemailNcco(voicemail.urls, call.conversationUuid, greeting))],
    ]);
    expect([call.dialed, call.said, call.errors]).toEqual([[digits(ada.number), digits(bob.number)], [greeting], []]);
    const [recording] = call.recordings;
    expect(recording).toEqual({ url: expect.stringMatching(RECORDING_URL), seconds: 41, kind: 'message' });
    const record = call.exchanges.find((e) => e.kind === 'record')!;
    expect(record).toMatchObject({ url: marked(voicemail.urls, { CallId: call.conversationUuid, Recording: 'message' }), status: 200 });
    // Vonage's record event names no leg and no status: the URL's marks say what it is.
    expect(Object.keys(record.payload)).toEqual(['start_time', 'recording_url', 'size', 'recording_uuid', 'end_time', 'conversation_uuid', 'timestamp']);

    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.conversationUuid && e.call.extra.provider_recording_url === recording!.url));
    await bobSocket.close();
    const stored = await storedCall('+14155550144');
    expect(stored).toMatchObject({ call_id: call.conversationUuid, direction: 'inbound', status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.conversationUuid, recording!.url) });
    expect(stored.extra).toMatchObject({ recording_of: 'message', recording_duration: '41' });
  });

  it('leaves a caller who hangs up at the beep a plain missed call, with no recording', async () => {
    const call = inboundThrough(voicemail.urls, [{ answer: false, status: 'busy' }, { answer: false, status: 'rejected' }], '14155550145', 0);
    await call.done;
    expect(call.said).toEqual([greeting]);
    // Vonage's event for a message of nothing (if it sends one): a file of 0 bytes is no voicemail.
    expect(call.recordings).toEqual([{ url: expect.stringMatching(RECORDING_URL), seconds: 0, kind: 'message' }]);
    expect(call.exchanges.filter((e) => e.kind === 'record').map((e) => [e.payload.size, e.status])).toEqual([[0, 200]]);
    await expect.poll(() => storedCall('+14155550145')).toMatchObject({ call_id: call.conversationUuid, status: 'no-answer', recording_url: null });
  });

  it("asks no message of a caller an agent answered, nor of a click to call's customer who did not answer", async () => {
    const answered = inboundThrough(voicemail.urls, [{ answer: false, status: 'unanswered' }, { answer: true, talkSeconds: 12, hangup: 'caller' }], '14155550146');
    await answered.done;
    expect([answered.said, answered.recordings, answered.errors]).toEqual([[], [], []]);
    expect(answered.exchanges.filter((e) => e.kind === 'event').every((e) => e.body === '')).toBe(true);
    await expect.poll(() => storedCall('+14155550146')).toMatchObject({ call_id: answered.conversationUuid, status: 'completed', duration: 12 });

    vonage.dialOutcomes = [{ answer: false, status: 'unanswered' }];
    const { callId } = await voicemail.placing.clickToCall(ada, '+14155550147');
    const placed = vonage.calls.get(callId)!;
    await placed.done;
    expect(JSON.parse(placed.exchanges.find((e) => e.kind === 'answer')!.body)).toEqual([
      { action: 'connect', from: digits(VIRTUAL_NUMBER), eventUrl: [marked(voicemail.urls, { leg: 'customer' })], endpoint: [{ type: 'phone', number: '14155550147' }] },
    ]);
    expect([placed.said, placed.recordings, placed.errors]).toEqual([[], [], []]);
    await expect.poll(() => storedCall('+14155550147', ada)).toMatchObject({ call_id: callId, status: 'no-answer', recording_url: null });
  });
});

describe('everyone away (callers go straight to voicemail, the box ticked)', () => {
  const greeting = 'We are closed for the day. Please leave a message.';
  const setAway = async (isAway: boolean) => {
    for (const agent of [ada, bob]) expect((await api(relay, agent.token, 'PATCH', '/me', { away: isAway })).status).toBe(200);
  };

  it('rings no phone, says the greeting, records the message and counts the call missed from the start', async () => {
    // Record calls ticked too: it records the agents' talk, and asks nothing of a call that rings nobody.
    const away = await vonageInstance('vonage-away', { voicemail_greeting: greeting, away_voicemail: 'true', record_calls: 'true' });
    // The agents' popup can tell that, while everyone is away, this instance's calls ring nobody.
    expect((await api(relay, ada.token, 'GET', '/instances/vonage-away')).body).toMatchObject({ away_voicemail: true });
    expect((await api(relay, ada.token, 'GET', '/instances/vonage-main')).body).toMatchObject({ away_voicemail: false });
    const adaSocket = await relay.connect(ada);
    await setAway(true);
    try {
      const call = inboundThrough(away.urls, [], '14155550148', 17);
      await call.done;
      expect(JSON.parse(call.exchanges[0]!.body)).toEqual(voicemailNcco(away.urls, call.conversationUuid, greeting));
      expect([call.dialed, call.said, call.errors]).toEqual([[], [greeting], []]);
      const [recording] = call.recordings;
      expect(recording).toMatchObject({ seconds: 17, kind: 'message' });
      await adaSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.conversationUuid && e.call.extra.provider_recording_url === recording!.url));
      // Missed from its first event: no popup rings for a call that rings no phone.
      const events = adaSocket.events.filter((e) => e.call.call_id === call.conversationUuid);
      expect(new Set(events.map((e) => e.call.status))).toEqual(new Set(['no-answer']));
      const stored = await storedCall('+14155550148');
      expect(stored).toMatchObject({ call_id: call.conversationUuid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.conversationUuid, recording!.url) });
      expect(stored.extra).toMatchObject({ all_away: 'true' });
    } finally {
      await setAway(false);
      await adaSocket.close();
    }
  });

  it('rings the agents as before with the box unticked, or with no greeting', async () => {
    const unticked = await vonageInstance('vonage-away-unticked', { voicemail_greeting: greeting });
    const silent = await vonageInstance('vonage-away-silent', { away_voicemail: 'true' });
    for (const id of ['vonage-away-unticked', 'vonage-away-silent']) expect((await api(relay, ada.token, 'GET', `/instances/${id}`)).body).toMatchObject({ away_voicemail: false });
    await setAway(true);
    try {
      for (const [urls, from, last] of [[unticked.urls, '14155550149', 'voicemail'], [silent.urls, '14155550150', undefined]] as const) {
        const call = inboundThrough(urls, [{ answer: true, talkSeconds: 8, hangup: 'caller' }], from);
        await call.done;
        // Every agent away: the team's call rings them all, in turn.
        expect(JSON.parse(call.exchanges[0]!.body)).toEqual([agentConnect(urls, ada), agentConnect(urls, bob, last)]);
        expect([call.said, call.errors]).toEqual([[], []]);
        await expect.poll(() => storedCall(`+${from}`)).toMatchObject({ call_id: call.conversationUuid, status: 'completed' });
      }
    } finally {
      await setAway(false);
    }
  });
});

describe('call recording (Record calls ticked)', () => {
  let recording: Awaited<ReturnType<typeof vonageInstance>>;
  beforeAll(async () => {
    recording = await vonageInstance('vonage-recording', { record_calls: 'true' });
  });
  /** The record action before the connects, recording the call `callId` until it ends. */
  const recordNcco = (callId: string) => ({ action: 'record', eventUrl: [marked(recording.urls, { CallId: callId, Recording: 'call' })] });

  it("records an incoming call and gives it its recording once it is over, a file the relay's link plays", async () => {
    const call = inboundThrough(recording.urls, [{ answer: true, talkSeconds: 30, hangup: 'caller' }], '14155550151');
    await call.done;
    expect(JSON.parse(call.exchanges[0]!.body)).toEqual([recordNcco(call.conversationUuid), agentConnect(recording.urls, ada), agentConnect(recording.urls, bob)]);
    // The file comes after the call's last event: Vonage sends it once the call is over.
    expect(call.exchanges.at(-1)).toMatchObject({ kind: 'record', status: 200 });
    expect([call.dialed, call.errors]).toEqual([[digits(ada.number)], []]);
    const [made] = call.recordings;
    expect(made).toEqual({ url: expect.stringMatching(RECORDING_URL), seconds: 33, kind: 'call' });
    await expect.poll(() => storedCall('+14155550151')).toMatchObject({ call_id: call.conversationUuid, status: 'completed', duration: 30, ...heardThroughRelay(PUBLIC_URL, call.conversationUuid, made!.url) });
    const stored = await storedCall('+14155550151');
    expect(stored.extra).toMatchObject({ answered_by: ada.number, recording_of: 'call' });

    // Vonage's link asks for the application's JWT, which no agent has; the relay's plays the
    // file it fetches from api.nexmo.com with a fresh one.
    expect((await fetch(made!.url.replace(FILES_ORIGIN, vonage.baseUrl))).status).toBe(401);
    const played = await fetch(relay.forward(stored.recording_url));
    if (played.status !== 200) throw new Error(`the relay's link answered ${played.status}: ${await played.text()}`);
    expect([played.status, played.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    const file = made!.url.split('/').at(-1)!;
    expect(Buffer.from(await played.arrayBuffer()).equals(recordingBytes(file, 33))).toBe(true);
    expect(vonage.fileFetches.at(-1)).toBe(file);
  });

  it("keeps a missed call's file, the phones ringing, as the call's recording and not as a message", async () => {
    const call = inboundThrough(recording.urls, [{ answer: false, status: 'timeout' }, { answer: false, status: 'busy' }], '14155550154');
    await call.done;
    // Vonage records from the NCCO's start, whether or not anyone answers.
    const [made] = call.recordings;
    expect(made).toMatchObject({ kind: 'call' });
    await expect.poll(() => storedCall('+14155550154')).toMatchObject({ call_id: call.conversationUuid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.conversationUuid, made!.url) });
    // What the toolbar's missed calls read: not a voicemail (extension/src/missed-calls.ts, voicemailOf).
    expect((await storedCall('+14155550154')).extra.recording_of).toBe('call');
  });

  it("records a click to call's talk with the customer and gives the call its recording", async () => {
    const { callId } = await recording.placing.clickToCall(ada, '+14155550152');
    const placed = vonage.calls.get(callId)!;
    await placed.done;
    expect(JSON.parse(placed.exchanges.find((e) => e.kind === 'answer')!.body)).toEqual([
      recordNcco(callId),
      { action: 'connect', from: digits(VIRTUAL_NUMBER), eventUrl: [marked(recording.urls, { leg: 'customer' })], endpoint: [{ type: 'phone', number: '14155550152' }] },
    ]);
    expect([placed.errors, placed.recordings.map((r) => [r.kind, r.seconds])]).toEqual([[], [['call', 47]]]);
    await expect.poll(() => storedCall('+14155550152', ada)).toMatchObject({ call_id: callId, direction: 'outbound', status: 'completed', duration: 42, ...heardThroughRelay(PUBLIC_URL, callId, placed.recordings[0]!.url) });
  });

  it('records nothing with the box unticked', async () => {
    const call = inboundThrough(callbacks, [{ answer: true, talkSeconds: 5, hangup: 'caller' }], '14155550153');
    await call.done;
    expect(call.exchanges[0]!.body).not.toContain('record');
    expect(call.recordings).toEqual([]);
  });
});
