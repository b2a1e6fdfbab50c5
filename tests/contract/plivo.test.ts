/**
 * connectors/plivo.xml against the Plivo simulator, through a real relay process: the engine
 * places the call as the extension does, the simulator drives V3-signed webhooks through a
 * "proxy" into the relay, and agents' WebSocket clients receive the events. Plivo's create-call
 * answers a request_uuid, its webhooks carry RequestUUID and CallUUID: every webhook of one call
 * must land on one record. The <Dial>'s action and callbackUrl requests tell the customer's (or
 * an incoming call's agents') outcome, which the call log must keep over the hangup's.
 */
import { randomUUID } from 'node:crypto';
import type { CallTarget } from '@phone-connector/shared';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, latestCallWith, type TestAgent } from '../relay/harness.ts';
import { answerAtOnce, basicAuth, recordingBytes } from '../simulators/http.ts';
import { type DialOutcome, type PlivoCall, PlivoSimulator, plivoV3Signature } from '../simulators/plivo.ts';
import { ContractRelay, Extension, expectOneCallStream, heardThroughRelay, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const AUTH_ID = 'MAODU1MDRKOTQ2ZJY5ZD';
const AUTH_TOKEN = 'plivo-auth-token-for-tests';
const PLIVO_NUMBER = '+14155550199';
const CUSTOMER = '+14155550100';
/** A number behind a switchboard: called at its main number, then extension 204 is keyed in. */
const SWITCHBOARD = '+14155550123';

let relay: ContractRelay;
let plivo: PlivoSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  // A second, older token is still active: Plivo then sends two signatures, comma-separated. The
  // simulator first: the relay fetches recordings from media.plivo.com, sent there.
  plivo = await PlivoSimulator.start({ authId: AUTH_ID, authToken: AUTH_TOKEN, otherTokens: ['an-older-token'], forward: (url) => relay.forward(url) });
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }], { PROVIDER_ORIGINS: `https://media.plivo.com=${plivo.baseUrl}` }));
  const instance = await relay.registerInstance(ada, 'plivo-main', 'plivo', { authid: AUTH_ID, authtoken: AUTH_TOKEN, callerid: PLIVO_NUMBER });
  expect(instance.warnings).toEqual([]);
  callbacks = instance.callbacks;
  config = { authid: AUTH_ID, authtoken: AUTH_TOKEN, callerid: PLIVO_NUMBER, answer_callback: callbacks.answer, status_callback: callbacks.status, incoming_callback: callbacks.incoming };
  extension = new Extension({ relay, instance: 'plivo-main', connector: 'plivo', config, callbacks, fetch: toSimulator('https://api.plivo.com', plivo.baseUrl) });
});

afterAll(async () => {
  await plivo?.close();
  await relay?.close();
});

/** The <Dial> attributes the relay's replies carry: its action and events URL, naming the call. */
function dialUrls(callId: string): string {
  const url = `${callbacks.status}?CallId=${callId}`;
  return `action="${url}" callbackUrl="${url}"`;
}

/** An incoming call from `from` to the Plivo number whose agents' dial ends as `outcome` says (nobody answering, the caller hanging up). */
function inboundCallDialled(outcome: DialOutcome, from: string) {
  plivo.dialOutcome = outcome;
  try {
    return plivo.inboundCall({ answerUrl: callbacks.incoming, hangupUrl: callbacks.status, from, to: '14155550199' });
  } finally {
    plivo.dialOutcome = { answer: true };
  }
}

const EMPTY_RESPONSE = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

/** Waits for the hangup URL's request, the last of a call, to have reached the socket. */
const hungUp = (socket: Awaited<ReturnType<ContractRelay['connect']>>) => socket.waitFor((c) => c.events.at(-1)?.call.extra.hangup_cause !== undefined);

/** The extension's part of an outbound call: place it with the engine, then report it. */
async function placeOutboundCall(agent: TestAgent, to: CallTarget) {
  const { callId: requestUuid } = await extension.clickToCall(agent, to);
  return { requestUuid, simulated: plivo.calls.get(requestUuid)! };
}

describe('outbound call (click to call)', () => {
  it('rings the agent, bridges the customer with <Dial><Number>, and keeps one record keyed by request_uuid', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);

    const { requestUuid, simulated } = await placeOutboundCall(ada, CUSTOMER);
    await simulated.done;

    // Plivo called the agent's phone from the Plivo number (digits, as Plivo documents them).
    expect(simulated).toMatchObject({ from: '14155550199', to: '14155550111', errors: [] });
    expect(simulated.callUuid).not.toBe(requestUuid);
    expect(simulated.exchanges.map((e) => [e.kind, e.params.Event, e.params.CallStatus, e.status])).toEqual([
      ['ring', 'Ring', 'ringing', 200],
      ['answer', 'StartApp', 'in-progress', 200],
      ['dial-callback', 'DialAnswer', undefined, 200],
      ['dial-callback', undefined, undefined, 200],
      ['dial-callback', 'DialHangup', undefined, 200],
      ['dial-action', 'Redirect', 'in-progress', 200],
      ['hangup', 'Hangup', 'completed', 200],
    ]);
    const answer = simulated.exchanges[1]!;
    expect(answer.url).toBe(`${callbacks.answer}?DialTo=%2B14155550100`);
    expect(answer.headers['X-Plivo-Signature-V3']!.split(',')).toHaveLength(2);
    expect(answer.contentType).toMatch(/^text\/xml/);
    expect(answer.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="14155550199" ${dialUrls(requestUuid)}><Number>14155550100</Number></Dial></Response>`);
    expect(simulated.dialed).toEqual(['14155550100']);
    expect(simulated.callerIds).toEqual(['14155550199']);
    // The action gets XML back: an empty <Response> ends the call.
    expect(simulated.exchanges[5]!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(simulated.errors).toEqual([]);

    await hungUp(adaSocket);
    const events = await expectOneCallStream(adaSocket, requestUuid);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({
      instance_id: 'plivo-main',
      call_id: requestUuid,
      direction: 'outbound',
      status: 'completed',
      status_raw: 'completed',
      to_number: CUSTOMER,
      from_number: PLIVO_NUMBER,
      user_number: ada.number,
      // The customer's talk time (DialBLegDuration), not the agent's whole leg (45 s).
      duration: 42,
      extra: { call_uuid: simulated.callUuid, hangup_cause: 'NORMAL_CLEARING', hangup_cause_name: 'Normal Hangup' },
    });
    expect(calls.body.calls[0]).toEqual(events.at(-1)!.call);
    expect(bobSocket.events).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it("keys in the extension of a number behind a switchboard once the customer's line answers", async () => {
    const { requestUuid, simulated } = await placeOutboundCall(ada, { number: SWITCHBOARD, extension: '204' });
    await simulated.done;
    const answer = simulated.exchanges.find((e) => e.kind === 'answer')!;
    expect(answer.url).toBe(`${callbacks.answer}?DialTo=%2B14155550123&DialExt=204`);
    expect(answer.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="14155550199" ${dialUrls(requestUuid)}><Number sendDigits="ww204">14155550123</Number></Dial></Response>`);
    expect([simulated.dialed, simulated.sentDigits, simulated.errors]).toEqual([['14155550123'], ['ww204'], []]);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(SWITCHBOARD)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: requestUuid, to_number: SWITCHBOARD, extra: { to_extension: '204' } });
  });

  it('records a busy agent phone from the hangup URL alone', async () => {
    plivo.legOutcome = { answer: false, status: 'busy' };
    const { requestUuid, simulated } = await placeOutboundCall(ada, '+14155550133');
    await simulated.done;
    plivo.legOutcome = { answer: true };
    expect(simulated.exchanges.map((e) => e.kind)).toEqual(['ring', 'hangup']);
    const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550133')).body.calls;
    expect(call).toMatchObject({ call_id: requestUuid, status: 'busy', duration: 0, extra: { hangup_cause: 'USER_BUSY' } });
  });

  // Plivo answered the agent's leg, so its hangup says completed whatever the customer did.
  it.each([
    ['busy', 'busy'],
    ['no-answer', 'no-answer'],
    ['timeout', 'no-answer'],
    ['failed', 'failed'],
  ] as const)("logs a call whose customer's DialStatus is %s as %s with no talk time, not completed", async (dialStatus, status) => {
    const socket = await relay.connect(ada);
    plivo.dialOutcome = { answer: false, status: dialStatus };
    const { requestUuid, simulated } = await placeOutboundCall(ada, '+14155550134');
    plivo.dialOutcome = { answer: true };
    await simulated.done;
    expect(simulated.exchanges.map((e) => [e.kind, e.params.DialStatus ?? e.params.DialAction ?? e.params.CallStatus])).toEqual([
      ['ring', 'ringing'],
      ['answer', 'in-progress'],
      ['dial-callback', 'hangup'],
      ['dial-action', dialStatus],
      ['hangup', 'completed'],
    ]);
    await hungUp(socket);
    await socket.close();
    const call = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550134')).body.calls.find((c: { call_id: string }) => c.call_id === requestUuid);
    expect(call).toMatchObject({ status, status_raw: dialStatus, duration: 0, extra: { hangup_cause: 'NORMAL_CLEARING' } });
  });
});

describe("ending a placed call (the card's Cancel and Hang up)", () => {
  afterEach(() => answerAtOnce(plivo));

  it("cancels a call while the agent's phone rings: Plivo ends it unbridged and the agent sees it canceled", async () => {
    plivo.agentPhone = 'rings';
    const socket = await relay.connect(ada);
    const { requestUuid, simulated } = await placeOutboundCall(ada, '+14155550141');
    await waitUntilRinging(simulated);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === requestUuid && e.call.status === 'ringing'));

    const ended = await extension.hangUp(ada, requestUuid);
    expect(ended).toEqual({
      ok: true,
      request: { method: 'DELETE', url: `https://api.plivo.com/v1/Account/${AUTH_ID}/Request/${requestUuid}/`, headers: { Authorization: basicAuth(AUTH_ID, AUTH_TOKEN), Accept: 'application/json' } },
    });
    expect(plivo.hangups).toContain(requestUuid);
    await simulated.done;
    // Nobody answered: Plivo never asked the relay to bridge the customer.
    expect(simulated.exchanges.map((e) => e.kind)).toEqual(['ring', 'hangup']);
    expect(simulated.dialed).toEqual([]);
    expect(simulated.exchanges[1]!.params).toMatchObject({ RequestUUID: requestUuid, CallStatus: 'cancel', HangupCauseName: 'Canceled', HangupCauseCode: '1000', HangupSource: 'API Request' });
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'canceled');
    expect(socket.events.map((e) => e.call.status)).not.toContain('in-progress');
    await socket.close();
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550141')).body.calls;
    expect(stored).toMatchObject({ call_id: requestUuid, status: 'canceled', status_raw: 'cancel', duration: 0, extra: { call_uuid: simulated.callUuid, hangup_cause_name: 'Canceled' } });
  });

  it('hangs up a call in progress: the customer leg ends, then the call, completed', async () => {
    plivo.holdCalls = true;
    const socket = await relay.connect(ada);
    const { requestUuid, simulated } = await placeOutboundCall(ada, '+14155550142');
    // Connected: the agent answered and the customer's number picked up.
    await vi.waitFor(() => expect(simulated.connected).toBeDefined(), { timeout: 20_000, interval: 20 });
    expect(simulated.dialed).toEqual(['14155550142']);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === requestUuid && e.call.status === 'in-progress'));

    // The card ends it with what the relay's events told of it: the CallUUID the answer callback brought.
    const [answered] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550142')).body.calls;
    expect(answered.extra).toMatchObject({ answered_call_uuid: simulated.callUuid });
    const ended = await extension.hangUp(ada, requestUuid, { fields: answered.extra });
    expect(ended).toMatchObject({ ok: true, request: { method: 'DELETE', url: `https://api.plivo.com/v1/Account/${AUTH_ID}/Call/${simulated.callUuid}/` } });
    expect(plivo.callHangups).toContain(simulated.callUuid);
    await simulated.done;
    expect(simulated.exchanges.slice(-3).map((e) => [e.kind, e.params.DialAction ?? e.params.DialStatus ?? e.params.CallStatus])).toEqual([
      ['dial-callback', 'hangup'],
      ['dial-action', 'completed'],
      ['hangup', 'completed'],
    ]);
    expect(simulated.exchanges.at(-1)!.params).toMatchObject({ HangupSource: 'API Request' });
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    await socket.close();
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550142')).body.calls;
    expect(stored).toMatchObject({ call_id: requestUuid, status: 'completed', duration: 42 });
  });

  it("shows Plivo's answer when the request id is not one of the account's", async () => {
    expect(await extension.hangUp(ada, randomUUID())).toMatchObject({ ok: false, error: 'not found' });
  });

  it('is refused by Plivo with a wrong Auth Token, and the call goes on', async () => {
    plivo.agentPhone = 'rings';
    const { requestUuid, simulated } = await placeOutboundCall(ada, '+14155550143');
    const ended = await extension.hangUp(ada, requestUuid, { config: { ...config, authtoken: 'wrong' } });
    expect(ended).toMatchObject({ ok: false, error: 'authentication failed: check your Auth ID and Auth Token' });
    expect(plivo.hangups).not.toContain(requestUuid);
    // Picked up: the call goes on to its end as any other.
    await waitUntilRinging(simulated);
    plivo.pickUp(simulated);
    await simulated.done;
    expect(simulated.status).toBe('completed');
    expect(simulated.dialed).toEqual(['14155550143']);
  });
});

/** The simulator's call has reached the agent's ringing phone. */
async function waitUntilRinging(call: PlivoCall): Promise<void> {
  await vi.waitFor(() => expect(call.ringing).toBeDefined(), { timeout: 20_000, interval: 20 });
}

describe('placing a call', () => {
  it("shows Plivo's error for wrong credentials, and no call happens", async () => {
    const before = plivo.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, authtoken: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'authentication failed: check your Auth ID and Auth Token' });
    expect(plivo.calls.size).toBe(before);
  });

  it('is refused with 400 when a required parameter is missing', async () => {
    const response = await fetch(`${plivo.baseUrl}/v1/Account/${AUTH_ID}/Call/`, {
      method: 'POST',
      headers: { Authorization: basicAuth(AUTH_ID, AUTH_TOKEN), 'Content-Type': 'application/json' },
      body: JSON.stringify({ from: '14155550199', to: '14155550111' }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'answer_url is a required parameter' });
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent, rings them all with one <Dial>, shows the call answered while an agent talks, and closes on the hangup URL keyed by CallUUID', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const call = plivo.inboundCall({ answerUrl: callbacks.incoming, hangupUrl: callbacks.status, from: '14155550177', to: '14155550199' });
    await call.done;

    const answer = call.exchanges[0]!;
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial ${dialUrls(call.callUuid)}><Number>14155550111</Number><Number>14155550122</Number></Dial></Response>`);
    expect(call.dialed).toEqual(['14155550111', '14155550122']);
    // Ada's phone answers and is bridged; Bob's stops ringing (a number that lost the race sends nothing); Ada hangs up.
    expect(call.exchanges.slice(1).map((e) => [e.kind, e.params.DialAction ?? e.params.DialStatus ?? e.params.CallStatus, e.params.DialBLegTo, e.status])).toEqual([
      ['dial-callback', 'answer', '14155550111', 200],
      ['dial-callback', 'connected', '14155550111', 200],
      ['dial-callback', 'hangup', '14155550111', 200],
      ['dial-action', 'completed', undefined, 200],
      ['hangup', 'completed', undefined, 200],
    ]);
    expect(call.errors).toEqual([]);

    for (const socket of [adaSocket, bobSocket]) {
      await hungUp(socket);
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.callUuid, direction: 'inbound', status: 'ringing', from_number: '+14155550177', to_number: PLIVO_NUMBER } });
      expect(socket.events.every((e) => e.call.call_id === call.callUuid)).toBe(true);
      const statuses = socket.events.map((e) => e.call.status);
      expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual(['ringing', 'in-progress', 'completed']);
    }
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(view).toMatchObject({ call_id: call.callUuid, status: 'completed', duration: 42, extra: { hangup_cause: 'NORMAL_CLEARING', hangup_cause_name: 'Normal Hangup', answered_by: ada.number, answered_by_name: 'Ada' } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('logs an incoming call no agent answered as a missed call (no-answer), though Plivo completed it', async () => {
    const socket = await relay.connect(bob);
    const call = inboundCallDialled({ answer: false, status: 'no-answer' }, '14155550178');
    await call.done;
    expect(call.exchanges.map((e) => [e.kind, e.params.DialStatus ?? e.params.CallStatus])).toEqual([
      ['answer', 'ringing'],
      ['dial-callback', undefined],
      ['dial-callback', undefined],
      ['dial-action', 'no-answer'],
      ['hangup', 'completed'],
    ]);
    // No voicemail greeting: the action's empty <Response> ends the call, and nobody is asked for a message.
    expect(call.exchanges[3]!.body).toBe(EMPTY_RESPONSE);
    expect([call.said, call.recordings, call.errors]).toEqual([[], [], []]);
    await hungUp(socket);
    expect(socket.events.map((e) => e.call.status)).not.toContain('in-progress');
    await socket.close();
    const [view] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550178')).body.calls;
    expect(view).toMatchObject({ call_id: call.callUuid, direction: 'inbound', status: 'no-answer', status_raw: 'no-answer', duration: 0, extra: { hangup_cause: 'NO_ANSWER' } });
  });

  it('logs an incoming call whose caller hung up while the agents rang (DialStatus cancel) as a missed call, not completed', async () => {
    const socket = await relay.connect(bob);
    const call = inboundCallDialled({ answer: false, status: 'cancel' }, '14155550179');
    await call.done;
    expect(call.exchanges.map((e) => [e.kind, e.params.DialStatus ?? e.params.CallStatus, e.status])).toEqual([
      ['answer', 'ringing', 200],
      ['dial-callback', undefined, 200],
      ['dial-callback', undefined, 200],
      ['dial-action', 'cancel', 200],
      ['hangup', 'completed', 200],
    ]);
    // The action of a cancelled dial gets the XML Plivo reads next too: an empty <Response>.
    expect(call.exchanges[3]).toMatchObject({ contentType: expect.stringMatching(/^text\/xml/), body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' });
    await hungUp(socket);
    expect(socket.events.map((e) => e.call.status)).not.toContain('in-progress');
    await socket.close();
    const [view] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550179')).body.calls;
    expect(view).toMatchObject({ call_id: call.callUuid, direction: 'inbound', status: 'canceled', status_raw: 'cancel', duration: 0, extra: { hangup_cause: 'ORIGINATOR_CANCEL' } });
    expect(view.extra.answered_by).toBeUndefined();
  });
});

/** A Plivo instance of Ada's with these settings besides the account's: its callback URLs, and the extension placing calls through it. */
async function plivoInstance(id: string, settings: Record<string, string>) {
  const registered = await relay.registerInstance(ada, id, 'plivo', { authid: AUTH_ID, authtoken: AUTH_TOKEN, callerid: PLIVO_NUMBER, ...settings });
  expect(registered.warnings).toEqual([]);
  const urls = registered.callbacks;
  const placing = new Extension({
    relay,
    instance: id,
    connector: 'plivo',
    config: { ...config, ...settings, answer_callback: urls.answer, status_callback: urls.status, incoming_callback: urls.incoming },
    callbacks: urls,
    fetch: toSimulator('https://api.plivo.com', plivo.baseUrl),
  });
  return { urls, placing };
}

/** An incoming call to the Plivo number through an instance's Application, its agents' dial ending as `outcome` says. */
function inboundThrough(urls: RelayCallbacks, outcome: DialOutcome, from: string): PlivoCall {
  plivo.dialOutcome = outcome;
  try {
    return plivo.inboundCall({ answerUrl: urls.incoming, hangupUrl: urls.status, from, to: '14155550199' });
  } finally {
    plivo.dialOutcome = { answer: true };
  }
}

/** The status URL with the marks a reply adds to it (`CallId`, `Voicemail`, `Recording`), as it appears in an XML attribute. */
const marked = (urls: RelayCallbacks, marks: Record<string, string>) => `${urls.status}?${new URLSearchParams(marks).toString().replaceAll('&', '&amp;')}`;

/** The greeting and the `<Record>` that takes a caller's message, for the call `callId`. */
const voicemailXml = (urls: RelayCallbacks, callId: string, greeting: string) =>
  `<Speak>${greeting}</Speak><Record action="${marked(urls, { CallId: callId, Voicemail: 'ended' })}" maxLength="120" callbackUrl="${marked(urls, { CallId: callId, Recording: 'ready' })}"/>`;

/** The `<Record>` before a `<Dial>` that records its talk, for the call `callId`. */
const recordingXml = (urls: RelayCallbacks, callId: string) =>
  `<Record action="${marked(urls, { CallId: callId, Recording: 'started' })}" redirect="false" startOnDialAnswer="true" maxLength="14400" callbackUrl="${marked(urls, { CallId: callId, Recording: 'ready' })}"/>`;

const RECORDING_URL = new RegExp(`^https://media\\.plivo\\.com/v1/Account/${AUTH_ID}/Recording/[0-9a-f-]{36}\\.mp3$`);

/** The stored call of the latest call with `number`, as an agent's call list shows it (Bob's: an incoming call to the team). */
const storedCall = (number: string, agent: TestAgent = bob) => latestCallWith(relay, agent, number);

describe('voicemail (an incoming call nobody took)', () => {
  const greeting = 'Nobody is free right now. Please leave a message.';
  let voicemail: Awaited<ReturnType<typeof plivoInstance>>;
  beforeAll(async () => {
    voicemail = await plivoInstance('plivo-voicemail', { voicemail_greeting: greeting });
  });

  it("says the greeting, records the caller's message and gives the missed call its recording, pushed to the agent", async () => {
    const bobSocket = await relay.connect(bob);
    const call = inboundThrough(voicemail.urls, { answer: false, status: 'no-answer', message: 41 }, '14155550144');
    await call.done;

    expect(call.exchanges.map((e) => [e.kind, e.status])).toEqual([
      ['answer', 200],
      ['dial-callback', 200],
      ['dial-callback', 200],
      ['dial-action', 200],
      ['record-action', 200],
      ['hangup', 200],
      ['recording', 200],
    ]);
    const [, , , action, message, , ready] = call.exchanges;
    expect(action!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response>${voicemailXml(voicemail.urls, call.callUuid, greeting)}</Response>`);
    expect(call.said).toEqual([greeting]);
    // The message ended with the caller hanging up: the action's <Hangup/> has nothing left to end.
    expect(message!.params).toMatchObject({ CallStatus: 'completed', RecordingDuration: '41' });
    expect(message!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
    const [recording] = call.recordings;
    expect(recording).toEqual({ url: expect.stringMatching(RECORDING_URL), seconds: 41 });
    // The file's request carries no call field: the URL's CallId names the call.
    expect(ready!.params).toEqual({ RecordUrl: recording!.url, RecordFile: recording!.url, RecordingID: expect.any(String), RecordingDuration: '41', RecordingDurationMs: '41000', RecordingStartMs: expect.any(String), RecordingEndMs: expect.any(String) });
    expect(call.errors).toEqual([]);

    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.callUuid && e.call.extra.provider_recording_url === recording!.url));
    await bobSocket.close();
    const stored = await storedCall('+14155550144');
    expect(stored).toMatchObject({ call_id: call.callUuid, direction: 'inbound', status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.callUuid, recording!.url) });
    expect(stored.extra).toMatchObject({ recording_duration: '41', hangup_cause: 'NO_ANSWER' });
    // The relay's link plays the file it fetches from media.plivo.com with the Auth ID and Auth Token.
    const before = plivo.mediaFetches.length;
    const played = await fetch(relay.forward(stored.recording_url));
    expect([played.status, played.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    const file = recording!.url.split('/').at(-1)!;
    expect(Buffer.from(await played.arrayBuffer()).equals(recordingBytes(file, 41))).toBe(true);
    expect(plivo.mediaFetches.slice(before)).toEqual([{ file, authorization: `Basic ${btoa(`${AUTH_ID}:${AUTH_TOKEN}`)}` }]);
  });

  it('leaves a caller who hangs up at the beep a plain missed call, with no recording', async () => {
    const call = inboundThrough(voicemail.urls, { answer: false, status: 'busy' }, '14155550145');
    await call.done;
    expect(call.said).toEqual([greeting]);
    // Plivo's file of 0 s (if it sends one) is no voicemail.
    expect(call.recordings).toEqual([{ url: expect.stringMatching(RECORDING_URL), seconds: 0 }]);
    expect(call.exchanges.filter((e) => e.kind === 'record-action' || e.kind === 'recording').map((e) => [e.kind, e.params.RecordingDuration, e.status])).toEqual([
      ['record-action', '0', 200],
      ['recording', '0', 200],
    ]);
    const stored = await storedCall('+14155550145');
    expect(stored).toMatchObject({ call_id: call.callUuid, status: 'busy', recording_url: null });
    expect(stored.extra.recording_duration).toBeUndefined();
  });

  it('asks no message of a click-to-call customer who did not answer', async () => {
    plivo.dialOutcome = { answer: false, status: 'no-answer', message: 30 };
    const { callId: requestUuid } = await voicemail.placing.clickToCall(ada, '+14155550146');
    plivo.dialOutcome = { answer: true };
    const simulated = plivo.calls.get(requestUuid)!;
    await simulated.done;
    const action = simulated.exchanges.find((e) => e.kind === 'dial-action')!;
    expect(action.params).toMatchObject({ Direction: 'outbound', DialStatus: 'no-answer' });
    expect(action.body).toBe(EMPTY_RESPONSE);
    expect([simulated.said, simulated.recordings, simulated.errors]).toEqual([[], [], []]);
    await expect.poll(() => storedCall('+14155550146', ada)).toMatchObject({ call_id: requestUuid, status: 'no-answer', recording_url: null });
  });
});

describe('everyone away (callers go straight to voicemail, the box ticked)', () => {
  const greeting = 'We are closed for the day. Please leave a message.';
  const setAway = async (isAway: boolean) => {
    for (const agent of [ada, bob]) expect((await api(relay, agent.token, 'PATCH', '/me', { away: isAway })).status).toBe(200);
  };

  it('rings no phone, says the greeting, records the message and counts the call missed from the start', async () => {
    const away = await plivoInstance('plivo-away', { voicemail_greeting: greeting, away_voicemail: 'true' });
    // The agents' popup can tell that, while everyone is away, this instance's calls ring nobody.
    expect((await api(relay, ada.token, 'GET', '/instances/plivo-away')).body).toMatchObject({ away_voicemail: true });
    expect((await api(relay, ada.token, 'GET', '/instances/plivo-main')).body).toMatchObject({ away_voicemail: false });
    await setAway(true);
    try {
      const call = inboundThrough(away.urls, { answer: false, status: 'no-answer', message: 17 }, '14155550148');
      await call.done;
      expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response>${voicemailXml(away.urls, call.callUuid, greeting)}</Response>`);
      expect(call.exchanges.map((e) => e.kind)).toEqual(['answer', 'record-action', 'hangup', 'recording']);
      expect([call.dialed, call.said, call.errors]).toEqual([[], [greeting], []]);
      const [recording] = call.recordings;
      expect(recording).toMatchObject({ seconds: 17 });
      expect(await storedCall('+14155550148')).toMatchObject({ call_id: call.callUuid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.callUuid, recording!.url) });
      expect((await storedCall('+14155550148')).extra).toMatchObject({ all_away: 'true', recording_duration: '17' });
    } finally {
      await setAway(false);
    }
  });

  it('rings the agents as before with the box unticked, or with no greeting', async () => {
    const unticked = await plivoInstance('plivo-away-unticked', { voicemail_greeting: greeting });
    const silent = await plivoInstance('plivo-away-silent', { away_voicemail: 'true' });
    for (const id of ['plivo-away-unticked', 'plivo-away-silent']) expect((await api(relay, ada.token, 'GET', `/instances/${id}`)).body).toMatchObject({ away_voicemail: false });
    await setAway(true);
    try {
      for (const [urls, from] of [[unticked.urls, '14155550149'], [silent.urls, '14155550150']] as const) {
        const call = inboundThrough(urls, { answer: true }, from);
        await call.done;
        // Every agent away: the team's call rings them all.
        expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial ${dialUrls(call.callUuid).replaceAll(callbacks.status, urls.status)}><Number>14155550111</Number><Number>14155550122</Number></Dial></Response>`);
        expect([call.said, call.errors]).toEqual([[], []]);
        await expect.poll(() => storedCall(`+${from}`)).toMatchObject({ call_id: call.callUuid, status: 'completed' });
      }
    } finally {
      await setAway(false);
    }
  });
});

describe('call recording (Record calls ticked)', () => {
  let recording: Awaited<ReturnType<typeof plivoInstance>>;
  beforeAll(async () => {
    recording = await plivoInstance('plivo-recording', { record_calls: 'true' });
  });

  it("records an incoming call's talk from the agent's answer and gives the call its recording", async () => {
    const call = inboundThrough(recording.urls, { answer: true }, '14155550151');
    await call.done;
    const dial = `<Dial ${dialUrls(call.callUuid).replaceAll(callbacks.status, recording.urls.status)}><Number>14155550111</Number><Number>14155550122</Number></Dial>`;
    expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response>${recordingXml(recording.urls, call.callUuid)}${dial}</Response>`);
    expect(call.exchanges.map((e) => [e.kind, e.params.RecordingDuration ?? e.params.DialAction ?? e.params.DialStatus ?? e.params.CallStatus, e.status])).toEqual([
      ['answer', 'ringing', 200],
      // Requested at once (redirect="false": its answer is not run), the file still to come.
      ['record-action', '-1', 200],
      ['dial-callback', 'answer', 200],
      ['dial-callback', 'connected', 200],
      ['dial-callback', 'hangup', 200],
      ['dial-action', 'completed', 200],
      ['hangup', 'completed', 200],
      ['recording', '42', 200],
    ]);
    expect([call.dialed, call.errors]).toEqual([['14155550111', '14155550122'], []]);
    const [made] = call.recordings;
    expect(made).toEqual({ url: expect.stringMatching(RECORDING_URL), seconds: 42 });
    expect(call.exchanges[1]!.params.RecordUrl).toBe(made!.url);
    expect(await storedCall('+14155550151')).toMatchObject({ call_id: call.callUuid, status: 'completed', duration: 42, ...heardThroughRelay(PUBLIC_URL, call.callUuid, made!.url) });
    expect((await storedCall('+14155550151')).extra).toMatchObject({ recording_duration: '42', answered_by: ada.number });
  });

  it("records a click to call's talk with the customer and gives the call its recording", async () => {
    const { callId: requestUuid } = await recording.placing.clickToCall(ada, '+14155550152');
    const simulated = plivo.calls.get(requestUuid)!;
    await simulated.done;
    const answer = simulated.exchanges.find((e) => e.kind === 'answer')!;
    const dial = `<Dial callerId="14155550199" ${dialUrls(requestUuid).replaceAll(callbacks.status, recording.urls.status)}><Number>14155550152</Number></Dial>`;
    expect(answer.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response>${recordingXml(recording.urls, requestUuid)}${dial}</Response>`);
    const [made] = simulated.recordings;
    expect(made).toMatchObject({ seconds: 42 });
    expect(simulated.exchanges.at(-1)).toMatchObject({ kind: 'recording', status: 200 });
    expect(simulated.errors).toEqual([]);
    expect(await storedCall('+14155550152', ada)).toMatchObject({ call_id: requestUuid, direction: 'outbound', status: 'completed', duration: 42, ...heardThroughRelay(PUBLIC_URL, requestUuid, made!.url) });
    expect((await storedCall('+14155550152', ada)).extra.recording_duration).toBe('42');
  });

  it('records nothing when nobody answers', async () => {
    const call = inboundThrough(recording.urls, { answer: false, status: 'no-answer' }, '14155550153');
    await call.done;
    expect(call.recordings).toEqual([]);
    expect(call.exchanges.map((e) => e.kind)).not.toContain('recording');
    expect(await storedCall('+14155550153')).toMatchObject({ call_id: call.callUuid, status: 'no-answer', recording_url: null });
  });
});

describe('screening incoming calls (agents press a key to take one)', () => {
  const greeting = 'Nobody could take your call. Please leave a message.';
  const QUESTION = 'Incoming call. Press 1 to take it.';
  let screening: Awaited<ReturnType<typeof plivoInstance>>;
  beforeAll(async () => {
    screening = await plivoInstance('plivo-screening', { screen_calls: 'true', voicemail_greeting: greeting });
  });

  /** The dial's events as [DialAction, the number, its seconds on hangup]. */
  const dialEvents = (call: PlivoCall) => call.exchanges.filter((e) => e.kind === 'dial-callback').map((e) => [e.params.DialAction, e.params.DialBLegTo, e.params.DialBLegDuration]);

  it('asks the phone that answers for 1, and names the agent who pressed it, not the phone whose own voicemail answered first', async () => {
    const adaSocket = await relay.connect(ada);
    const call = inboundThrough(screening.urls, { answer: true, pickUp: bob.number, voicemails: [ada.number] }, '14155550161');
    await call.done;

    const ask = marked(screening.urls, { CallId: call.callUuid, Screen: 'ask' });
    expect(call.exchanges[0]!.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${marked(screening.urls, { CallId: call.callUuid })}" callbackUrl="${marked(screening.urls, { CallId: call.callUuid, Screen: 'on' })}" confirmSound="${ask}" confirmKey="1" confirmTimeout="10"><Number>14155550111</Number><Number>14155550122</Number></Dial></Response>`,
    );
    // Fetched once, as the dial starts, with the call's own fields: the question, and nothing Plivo would ignore.
    const question = call.exchanges.filter((e) => e.kind === 'confirm-sound');
    expect(question.map((e) => [e.status, e.params.CallUUID, e.body])).toEqual([[200, call.callUuid, `<?xml version="1.0" encoding="UTF-8"?><Response><Speak>${QUESTION}</Speak></Response>`]]);
    // Ada's voicemail picks up first and hears the question, but presses nothing; Bob presses 1 and is bridged.
    expect(call.said).toEqual([QUESTION, QUESTION]);
    expect(dialEvents(call)).toEqual([
      ['answer', '14155550111', undefined],
      ['answer', '14155550122', undefined],
      ['connected', '14155550122', undefined],
      ['hangup', '14155550122', '42'],
    ]);
    expect(call.errors).toEqual([]);

    await hungUp(adaSocket);
    const statuses = adaSocket.events.map((e) => e.call.status);
    expect(statuses.filter((s, i) => s !== statuses[i - 1])).toEqual(['ringing', 'in-progress', 'completed']);
    // Never shown as taken by Ada's phone, not even for a moment.
    expect(adaSocket.events.map((e) => e.call.extra.answered_by).filter((n) => n !== undefined)).not.toContain(ada.number);
    await adaSocket.close();
    expect(await storedCall('+14155550161')).toMatchObject({ call_id: call.callUuid, status: 'completed', duration: 42, extra: { answered_by: bob.number, answered_by_name: 'Bob' } });
  });

  it("takes a phone whose own voicemail answered for nobody: the others ring out and the caller reaches the team's voicemail", async () => {
    const socket = await relay.connect(bob);
    const call = inboundThrough(screening.urls, { answer: false, status: 'no-answer', voicemails: [ada.number], message: 12 }, '14155550162');
    await call.done;
    expect(dialEvents(call)).toEqual([
      ['answer', '14155550111', undefined],
      ['hangup', '14155550111', '10'],
      ['hangup', '14155550122', '0'],
    ]);
    expect(call.exchanges.find((e) => e.kind === 'dial-action')!.params.DialStatus).toBe('no-answer');
    expect(call.said).toEqual([QUESTION, greeting]);
    expect(call.errors).toEqual([]);
    await hungUp(socket);
    expect(socket.events.map((e) => e.call.status)).not.toContain('in-progress');
    await socket.close();
    const [recording] = call.recordings;
    await expect.poll(() => storedCall('+14155550162')).toMatchObject({ call_id: call.callUuid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.callUuid, recording!.url) });
    const stored = await storedCall('+14155550162');
    expect(stored.extra.recording_duration).toBe('12');
    expect(stored.extra.answered_by).toBeUndefined();
  });

  it("dials as before with the box unticked, where the first phone's voicemail to answer takes the team's call", async () => {
    const unscreened = await plivoInstance('plivo-unscreened', { voicemail_greeting: greeting });
    const call = inboundThrough(unscreened.urls, { answer: false, status: 'no-answer', voicemails: [ada.number], message: 12 }, '14155550163');
    await call.done;
    expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial ${dialUrls(call.callUuid).replaceAll(callbacks.status, unscreened.urls.status)}><Number>14155550111</Number><Number>14155550122</Number></Dial></Response>`);
    expect(call.exchanges.map((e) => e.kind)).not.toContain('confirm-sound');
    expect(call.said).toEqual([]);
    await expect.poll(() => storedCall('+14155550163')).toMatchObject({ call_id: call.callUuid, status: 'completed', recording_url: null, extra: { answered_by: ada.number } });
  });
});

describe('webhook signatures', () => {
  it('refuses a webhook signed with another token, or not signed, with 403 and stores nothing', async () => {
    const socket = await relay.connect(bob);
    const forged = await forgedIncoming('not-the-auth-token');
    expect(forged.status).toBe(403);
    expect(JSON.parse(forged.body)).toMatchObject({ error: expect.stringMatching(/X-Plivo-Signature-V3/) });
    expect((await forgedIncoming(null)).status).toBe(403);
    expect((await api(relay, bob.token, 'GET', '/calls?number=%2B14155550166')).body.calls).toEqual([]);
    expect(socket.events).toEqual([]);
    await socket.close();
  });
});

/** An incoming-call webhook signed with a wrong token, or with no signature at all. */
function forgedIncoming(token: string | null) {
  const call: PlivoCall = { callUuid: randomUUID(), direction: 'inbound', from: '14155550166', to: '14155550199', dialed: [], callerIds: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
  const params = { CallUUID: call.callUuid, From: call.from, To: call.to, Direction: 'inbound', CallStatus: 'ringing', Event: 'StartApp' };
  return plivo.webhook(call, 'answer', callbacks.incoming, params, (headers) => {
    if (token === null) delete headers['X-Plivo-Signature-V3'];
    else headers['X-Plivo-Signature-V3'] = plivoV3Signature(token, 'POST', callbacks.incoming, params, headers['X-Plivo-Signature-V3-Nonce']!);
  });
}
