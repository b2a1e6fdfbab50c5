/**
 * connectors/signalwire.xml against the SignalWire simulator, through a real relay process:
 * click to call (create call -> answer -> status -> completed), an incoming call that rings the
 * agents, and webhooks whose X-SignalWire-Signature is wrong.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { answerAtOnce, recordingBytes } from '../simulators/http.ts';
import { signLaml, startSignalWireSimulator } from '../simulators/signalwire.ts';
import { ANSWERED_OUTBOUND_WEBHOOKS, type TwilioSimulator } from '../simulators/twilio.ts';
import { ContractRelay, Extension, expectOneCallStream, heardThroughRelay, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const SPACE = 'acme';
const PROJECT_ID = 'b3877c40-da60-4998-90ad-b792e98472af';
const API_TOKEN = 'PT-api-token-for-tests';
const SIGNING_KEY = 'PSK-signing-key-for-tests';
const SIGNALWIRE_NUMBER = '+15005550006';
const CUSTOMER = '+14155550100';
/** A number behind a switchboard: called at its main number, then extension 204 is keyed in. */
const SWITCHBOARD = '+14155550123';

let relay: ContractRelay;
let signalwire: TwilioSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  // The simulator first: the relay fetches recordings from the Space's host, sent there.
  signalwire = await startSignalWireSimulator({ projectId: PROJECT_ID, apiToken: API_TOKEN, signingKey: SIGNING_KEY, forward: (url) => relay.forward(url), numbers: [SIGNALWIRE_NUMBER], space: SPACE });
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }], { PROVIDER_ORIGINS: `https://${SPACE}.signalwire.com=${signalwire.baseUrl}` }));
  config = { space: SPACE, project_id: PROJECT_ID, api_token: API_TOKEN, signing_key: SIGNING_KEY, callerid: SIGNALWIRE_NUMBER };
  callbacks = (await relay.registerInstance(ada, 'signalwire-main', 'signalwire', config)).callbacks;
  // The engine's requests to the Space's host go to the simulator instead.
  extension = new Extension({ relay, instance: 'signalwire-main', connector: 'signalwire', config, callbacks, fetch: toSimulator(`https://${SPACE}.signalwire.com`, signalwire.baseUrl) });
});

afterAll(async () => {
  await signalwire?.close();
  await relay?.close();
});

describe('outbound call (click to call)', () => {
  it("keys in the extension of a number behind a switchboard once the customer's line answers", async () => {
    const { callId: sid } = await extension.clickToCall(ada, { number: SWITCHBOARD, extension: '204' }, { config: { ...config, ...withCallbacks() } });
    const call = signalwire.calls.get(sid)!;
    await call.done;
    const voice = call.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550123&DialExt=204`);
    expect(voice.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number sendDigits="ww204">${SWITCHBOARD}</Number></Dial></Response>`);
    expect([call.dialed, call.sentDigits, call.errors]).toEqual([[SWITCHBOARD], ['ww204'], []]);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(SWITCHBOARD)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: sid, to_number: SWITCHBOARD, extra: { to_extension: '204' } });
  });

  it('bridges the agent to the customer and pushes each change to the agent', async () => {
    const socket = await relay.connect(ada);

    const { placed, callId: sid } = await extension.clickToCall(ada, CUSTOMER, {
      config: { ...config, ...withCallbacks() },
    });
    expect(placed.request!.url).toBe(`https://${SPACE}.signalwire.com/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls.json`);
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    const call = signalwire.calls.get(sid)!;
    await call.done;

    // SignalWire rang the agent from the SignalWire number, then asked the relay what to do.
    expect([call.to, call.from]).toEqual([ada.number, SIGNALWIRE_NUMBER]);
    const voice = call.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550100`);
    expect(voice.contentType).toMatch(/^text\/xml/);
    expect(voice.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number>${CUSTOMER}</Number></Dial></Response>`);
    expect(call.dialed).toEqual([CUSTOMER]);
    expect(call.errors).toEqual([]);
    expect(call.exchanges.map((e) => [e.kind, e.params.CallStatus, e.status])).toEqual(ANSWERED_OUTBOUND_WEBHOOKS.map(([kind, status]) => [kind, status, 200]));

    await expectOneCallStream(socket, sid);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({
      instance_id: 'signalwire-main',
      call_id: sid,
      direction: 'outbound',
      status: 'completed',
      to_number: CUSTOMER,
      from_number: SIGNALWIRE_NUMBER,
      user_number: ada.number,
      // The customer's talk time (the <Dial action>'s DialCallDuration), not the agent's whole leg (47 s).
      duration: 42,
    });
    await socket.close();
  });

  it("shows SignalWire's error for a wrong API token and places no call", async () => {
    const before = signalwire.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, api_token: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'Authenticate' });
    expect(signalwire.calls.size).toBe(before);
  });

  it("shows SignalWire's reason for a call it refuses as invalid, which comes in an errors array", async () => {
    const before = signalwire.calls.size;
    // A caller ID the project does not own: SignalWire answers 400 {"errors":[{code, message, more_info}]}.
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, callerid: '+15005550009' } });
    expect(placed).toMatchObject({ ok: false, error: "'From' phone number not verified" });
    expect(signalwire.calls.size).toBe(before);
  });
});

describe("ending a placed call (the card's Cancel and Hang up)", () => {
  afterEach(() => answerAtOnce(signalwire));

  it("cancels a call while the agent's phone rings: SignalWire ends it unbridged and the agent sees it canceled", async () => {
    signalwire.agentPhone = 'rings';
    const socket = await relay.connect(ada);
    const { callId: sid } = await extension.clickToCall(ada, CUSTOMER, { config: { ...config, ...withCallbacks() } });
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === sid && e.call.status === 'ringing'));

    const ended = await extension.hangUp(ada, sid);
    expect(ended).toMatchObject({ ok: true });
    expect(ended.request).toMatchObject({ method: 'POST', url: `https://${SPACE}.signalwire.com/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls/${sid}.json`, body: 'Status=completed' });
    expect(signalwire.updates).toContainEqual({ sid, form: { Status: 'completed' } });
    const call = signalwire.calls.get(sid)!;
    await call.done;
    // Nobody answered: SignalWire never asked the relay to bridge the customer.
    expect(call.exchanges.map((e) => e.kind)).not.toContain('voice');
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'canceled');
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: sid, status: 'canceled' });
    await socket.close();
  });

  it('hangs up a call in progress: the customer leg ends, then the call, completed', async () => {
    signalwire.holdCalls = true;
    const socket = await relay.connect(ada);
    const { callId: sid } = await extension.clickToCall(ada, CUSTOMER, { config: { ...config, ...withCallbacks() } });
    const call = signalwire.calls.get(sid)!;
    // Connected: the agent answered and the customer's leg was dialled.
    await vi.waitFor(() => expect(call.connected).toBeDefined(), { timeout: 20_000, interval: 20 });
    expect(call.dialed).toEqual([CUSTOMER]);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === sid && e.call.status === 'in-progress'));

    expect(await extension.hangUp(ada, sid)).toMatchObject({ ok: true });
    await call.done;
    expect(call.exchanges.map((e) => e.kind).slice(-2)).toEqual(['dial-action', 'status']);
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    await socket.close();
  });

  it("shows SignalWire's answer when the call is not one of the project's", async () => {
    const ended = await extension.hangUp(ada, '3fa85f64-5717-4562-b3fc-2c963f66afa6');
    expect(ended.ok).toBe(false);
    expect(ended.error).toMatch(/was not found/);
  });

  it('is refused by SignalWire with a wrong API token, and the call goes on', async () => {
    signalwire.agentPhone = 'rings';
    const { callId: sid } = await extension.clickToCall(ada, CUSTOMER, { config: { ...config, ...withCallbacks() } });
    const ended = await extension.hangUp(ada, sid, { config: { ...config, api_token: 'wrong' } });
    expect(ended).toMatchObject({ ok: false, error: 'Authenticate' });
    const call = signalwire.calls.get(sid)!;
    expect(call.status).not.toBe('canceled');
    // Picked up: the call goes on to its end as any other.
    await waitUntilRinging(call);
    signalwire.pickUp(call);
    await call.done;
    expect(call.status).toBe('completed');
  });
});

/** The simulator's call has reached the agent's ringing phone. */
async function waitUntilRinging(call: { ringing?: unknown }): Promise<void> {
  await vi.waitFor(() => expect(call.ringing).toBeDefined(), { timeout: 20_000, interval: 20 });
}

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent and rings their phones', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);

    const call = signalwire.inboundCall({ url: callbacks.incoming, from: '+14155550199', to: SIGNALWIRE_NUMBER, statusCallback: callbacks.status });
    await call.done;

    expect(call.exchanges[0]).toMatchObject({ kind: 'voice', status: 200 });
    expect(call.dialed).toEqual([ada.number, bob.number]);
    // Each agent's <Number> asks for its answered event: the popup shows the call in progress.
    const number = (agent: { number: string }) => `<Number statusCallbackEvent="answered" statusCallback="${callbacks.status}">${agent.number}</Number>`;
    expect(call.exchanges[0]!.body).toContain(`<Dial action="${callbacks.status}">${number(ada)}${number(bob)}</Dial>`);
    const answered = call.exchanges.find((e) => e.kind === 'number-status')!;
    expect(answered).toMatchObject({ status: 200, params: { ParentCallSid: call.sid, CallStatus: 'in-progress', Direction: 'outbound-dial' } });
    expect(answered.params.CallSid).not.toBe(call.sid);
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sid, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: SIGNALWIRE_NUMBER } });
      // The agent's leg is the same call, never a call of its own.
      expect(socket.events.map((e) => [e.call.call_id, e.call.status])).toEqual([[call.sid, 'ringing'], [call.sid, 'in-progress'], [call.sid, 'completed']]);
    }
    // The number's status callback carries the call's creation time as Timestamp, which is no end time.
    const status = call.exchanges.find((e) => e.kind === 'status')!;
    expect(status.params).toMatchObject({ CallStatus: 'completed', CallDuration: '35' });
    expect(status.params.CallbackSource).toBeUndefined();
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550199')).body.calls;
    expect(stored).toMatchObject({ call_id: call.sid, status: 'completed', duration: 30, started_at: null, ended_at: null, extra: { answered_by: answered.params.To } });
    expect([ada.number, bob.number]).toContain(answered.params.To);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });
});

describe('voicemail (an incoming call nobody took)', () => {
  it("says the greeting, records the caller's message and gives the missed call its recording, pushed to the agent", async () => {
    const greeting = 'Nobody is free right now. Please leave a message.';
    const voicemail = (await relay.registerInstance(ada, 'signalwire-voicemail', 'signalwire', { ...config, voicemail_greeting: greeting })).callbacks;
    const bobSocket = await relay.connect(bob);
    const call = signalwire.inboundCall({ url: voicemail.incoming, from: '+14155550144', to: bob.number, statusCallback: voicemail.status, dial: { answer: false, status: 'no-answer', message: 41 } });
    await call.done;

    expect(call.exchanges.find((e) => e.kind === 'dial-action')!.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Say>${greeting}</Say><Record action="${voicemail.status}?Voicemail=ended" maxLength="120" recordingStatusCallback="${voicemail.status}"/></Response>`,
    );
    expect(call.said).toEqual([greeting]);
    const [recording] = call.recordings;
    expect(recording!.url).toMatch(new RegExp(`^https://${SPACE}\\.signalwire\\.com/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Recordings/[0-9a-f-]{36}$`));
    expect(call.exchanges.filter((e) => e.kind === 'record-action' || e.kind === 'recording-status').map((e) => [e.kind, e.status])).toEqual([['record-action', 200], ['recording-status', 200]]);
    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.extra.provider_recording_url === recording!.url));
    const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550144')).body.calls;
    expect(stored).toMatchObject({ call_id: call.sid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, recording!.url) });
    expect(stored.extra.recording_duration).toBe('41');
    // The relay's link plays the MP3, fetched with the project's credentials (Media URL Protection on, as the simulator plays it).
    const played = await fetch(relay.forward(stored.recording_url));
    expect([played.status, played.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(Buffer.from(await played.arrayBuffer()).equals(recordingBytes(recording!.url.split('/').at(-1)!, 41))).toBe(true);
    await bobSocket.close();
  });
});

describe('everyone away (callers go straight to voicemail, the box ticked)', () => {
  it("rings no phone, says the greeting, records the message and counts the call missed from the start", async () => {
    const greeting = 'We are closed for the day. Please leave a message.';
    const away = (await relay.registerInstance(ada, 'signalwire-away', 'signalwire', { ...config, voicemail_greeting: greeting, away_voicemail: 'true' })).callbacks;
    const setAway = async (isAway: boolean) => {
      for (const agent of [ada, bob]) expect((await api(relay, agent.token, 'PATCH', '/me', { away: isAway })).status).toBe(200);
    };
    await setAway(true);
    try {
      const call = signalwire.inboundCall({ url: away.incoming, from: '+14155550148', to: SIGNALWIRE_NUMBER, statusCallback: away.status, dial: { answer: false, status: 'no-answer', message: 17 } });
      await call.done;
      expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${greeting}</Say><Record action="${away.status}?Voicemail=ended" maxLength="120" recordingStatusCallback="${away.status}"/></Response>`);
      expect([call.dialed, call.said]).toEqual([[], [greeting]]);
      const [recording] = call.recordings;
      const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550148')).body.calls;
      expect(stored).toMatchObject({ call_id: call.sid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, recording!.url) });
      expect(stored.extra).toMatchObject({ all_away: 'true', recording_duration: '17' });
    } finally {
      await setAway(false);
    }
  });
});

describe('call recording (Record calls ticked)', () => {
  it("records an incoming call's talk and gives the call its recording", async () => {
    const recording = (await relay.registerInstance(ada, 'signalwire-recording', 'signalwire', { ...config, record_calls: 'true' })).callbacks;
    const call = signalwire.inboundCall({ url: recording.incoming, from: '+14155550145', to: bob.number, statusCallback: recording.status });
    await call.done;
    expect(call.exchanges[0]!.body).toContain(`<Dial action="${recording.status}" record="record-from-answer" recordingStatusCallback="${recording.status}">`);
    const [made] = call.recordings;
    expect(made).toMatchObject({ seconds: 30 });
    await expect.poll(async () => (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550145')).body.calls[0]).toMatchObject({ status: 'completed', ...heardThroughRelay(PUBLIC_URL, call.sid, made!.url) });
  });
});

describe('screening incoming calls (agents press a key to take one)', () => {
  it('bridges the phone that pressed a key and names its agent; a phone whose voicemail answered takes nothing', async () => {
    const screening = (await relay.registerInstance(ada, 'signalwire-screening', 'signalwire', { ...config, screen_calls: 'true' })).callbacks;
    const taken = signalwire.inboundCall({ url: screening.incoming, from: '+14155550146', to: SIGNALWIRE_NUMBER, statusCallback: screening.status, dial: { answer: true, talkSeconds: 20, pickUp: bob.number } });
    const declined = signalwire.inboundCall({ url: screening.incoming, from: '+14155550147', to: SIGNALWIRE_NUMBER, statusCallback: screening.status, dial: { answer: true, talkSeconds: 20, pickUp: ada.number, pressesKey: false } });
    await Promise.all([taken.done, declined.done]);
    expect(taken.exchanges[0]!.body).toContain(`<Number url="${screening.status}?Screen=ask&amp;Parent=${taken.sid}">${bob.number}</Number>`);
    expect(taken.exchanges.filter((e) => e.kind === 'screen' || e.kind === 'screen-action').map((e) => [e.kind, e.status])).toEqual([['screen', 200], ['screen-action', 200]]);
    const stored = async (number: string) => (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(number)}`)).body.calls[0];
    await expect.poll(() => stored('+14155550146')).toMatchObject({ status: 'completed', extra: { answered_by: bob.number } });
    expect(declined.exchanges.find((e) => e.kind === 'dial-action')!.params.DialCallStatus).toBe('no-answer');
    await expect.poll(() => stored('+14155550147')).toMatchObject({ status: 'no-answer' });
    expect((await stored('+14155550147')).extra.answered_by).toBeUndefined();
  });
});

describe('webhook signatures', () => {
  const form = (sid: string) => new URLSearchParams({ AccountSid: PROJECT_ID, CallSid: sid, CallStatus: 'completed', From: '+14155550177', To: SIGNALWIRE_NUMBER, Direction: 'inbound' }).toString();
  const post = (sid: string, headers: Record<string, string>) =>
    fetch(relay.forward(callbacks.status), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: form(sid) });

  it.each([
    ['a wrong X-SignalWire-Signature', (body: string) => ({ 'X-SignalWire-Signature': signLaml(SIGNING_KEY, callbacks.status, Object.fromEntries(new URLSearchParams(body))).replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) })],
    ['a signature made with the API token instead of the Signing Key', (body: string) => ({ 'X-SignalWire-Signature': signLaml(API_TOKEN, callbacks.status, Object.fromEntries(new URLSearchParams(body))) })],
    ['only a valid X-Twilio-Signature', (body: string) => ({ 'X-Twilio-Signature': signLaml(SIGNING_KEY, callbacks.status, Object.fromEntries(new URLSearchParams(body))) })],
  ])('refuses %s with 403 and stores nothing', async (_case, headers) => {
    const sid = crypto.randomUUID();
    const response = await post(sid, headers(form(sid)));
    expect(response.status).toBe(403);
    expect(await relay.storedCallIds(ada)).not.toContain(sid);
  });

  it('accepts the same webhook signed with the Signing Key', async () => {
    const sid = crypto.randomUUID();
    const response = await post(sid, { 'X-SignalWire-Signature': signLaml(SIGNING_KEY, callbacks.status, Object.fromEntries(new URLSearchParams(form(sid)))) });
    expect(response.status).toBe(200);
    expect(await relay.storedCallIds(ada)).toContain(sid);
  });
});

/** The relay's callback URLs as the extension passes them to the engine (config fields). */
function withCallbacks(): Record<string, string> {
  return { answer_callback: callbacks.answer, status_callback: callbacks.status, incoming_callback: callbacks.incoming };
}
