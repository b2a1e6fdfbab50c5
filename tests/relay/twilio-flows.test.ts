/**
 * Outbound and inbound calls end to end: the engine places the call the way the extension
 * does, a Twilio simulator drives signed webhooks through a "proxy" into a real relay
 * process, and agents' WebSocket clients receive the events.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CallTarget, type ConnectorPlan, loadConnector, placeCall } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingBytes } from '../simulators/http.ts';
import { ANSWERED_OUTBOUND_WEBHOOKS, newSid, TwilioSimulator } from '../simulators/twilio.ts';
import { expectStatusesInOrder, heardThroughRelay } from '../contract/harness.ts';
import { AgentClient, addAgent, api, REPO_ROOT, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'twilio-auth-token-for-tests';
const TWILIO_NUMBER = '+15005550006';
const CUSTOMER = '+14155550100';
/** A number behind a switchboard: called at its main number, then extension 204 is keyed in. */
const SWITCHBOARD = '+14155550123';

let dir: ReturnType<typeof tempDir>;
let relay: RelayProcess;
let twilio: TwilioSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: { answer: string; status: string; incoming: string };
let config: Record<string, string>;
let plan: ConnectorPlan;

beforeAll(async () => {
  dir = tempDir();
  const db = join(dir.path, 'relay.db');
  // The admin: her instance is the team's number, whose incoming calls may ring every agent.
  ada = await addAgent(db, { name: 'Ada', number: '+14155550111', email: 'ada@example.com', admin: true });
  bob = await addAgent(db, { name: 'Bob', number: '+14155550122' });
  // The relay sits behind a proxy: Twilio calls the public URL, the proxy forwards it. The
  // relay's own requests to Twilio's API (a call's recording) go to the simulator.
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, forward: (url) => url.replace(PUBLIC_URL, relay.url) });
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL, env: { PROVIDER_ORIGINS: `https://api.twilio.com=${twilio.baseUrl}` } });
  const put = await api(relay, ada.token, 'PUT', '/instances/twilio-main', {
    connector: 'twilio',
    config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER },
  });
  expect(put.status).toBe(200);
  callbacks = put.body.callbacks;
  config = { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, answer_callback: callbacks.answer, status_callback: callbacks.status, incoming_callback: callbacks.incoming };
  plan = loadConnector(readFileSync(join(REPO_ROOT, 'connectors/twilio.xml'), 'utf8'));
});

afterAll(async () => {
  await twilio?.close();
  await relay?.stop();
  dir?.remove();
});

/** The engine's requests to api.twilio.com, sent to the simulator instead. */
const toSimulator = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => fetch(url.replace('https://api.twilio.com', twilio.baseUrl), init);

/** The extension's part of an outbound call: place it with the engine, then report it. */
async function placeOutboundCall(agent: TestAgent, to: CallTarget) {
  const placed = await placeCall(plan, { config, agent: { extension: agent.number }, callbacks }, to, toSimulator);
  expect(placed.ok, placed.error).toBe(true);
  const sid = placed.record.call_id!;
  const report = await api(relay, agent.token, 'POST', '/calls', { instance: 'twilio-main', call_id: sid, to_number: placed.record.to_number, status: placed.record.call_status_raw });
  expect([200, 201]).toContain(report.status);
  return { sid, simulated: twilio.calls.get(sid)! };
}

describe('outbound call (click to call)', () => {
  it('bridges the agent to the customer and pushes each change to the agent only', async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { mode: 'subprotocol', lastSeq: null });
    const bobSocket = await AgentClient.connect(relay, bob.token, { lastSeq: null });
    await adaSocket.waitFor((c) => c.welcome !== undefined);
    await bobSocket.waitFor((c) => c.welcome !== undefined);
    const startSeq = adaSocket.welcome!.seq;

    const { sid, simulated } = await placeOutboundCall(ada, CUSTOMER);
    await simulated.done;

    // Twilio rang the agent's phone from the Twilio number, then asked the relay what to do.
    expect(simulated.to).toBe(ada.number);
    expect(simulated.from).toBe(TWILIO_NUMBER);
    const voice = simulated.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550100`);
    expect(voice.status).toBe(200);
    expect(voice.contentType).toMatch(/^text\/xml/);
    expect(voice.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number>${CUSTOMER}</Number></Dial></Response>`);
    expect(simulated.dialed).toEqual([CUSTOMER]);
    expect(simulated.errors).toEqual([]);
    expect(simulated.exchanges.map((e) => [e.kind, e.params.CallStatus, e.status])).toEqual(ANSWERED_OUTBOUND_WEBHOOKS.map(([kind, status]) => [kind, status, 200]));

    // The <Dial action> ends the call, the parent's completed then fills its end time.
    await adaSocket.waitFor((c) => c.events.at(-1)?.call.ended_at != null);
    const events = adaSocket.events;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => startSeq + i + 1));
    expect(events.filter((e) => e.event === 'created')).toHaveLength(1);
    expect(events[0]!.event).toBe('created');
    expectStatusesInOrder(events);
    expect(events.every((e) => e.call.call_id === sid)).toBe(true);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({
      instance_id: 'twilio-main',
      call_id: sid,
      direction: 'outbound',
      status: 'completed',
      status_raw: 'completed',
      to_number: CUSTOMER,
      from_number: TWILIO_NUMBER,
      user_number: ada.number,
      // The customer's talk time (the <Dial action>'s DialCallDuration), not the agent's whole leg (47 s).
      duration: 42,
    });
    expect(calls.body.calls[0]).toEqual(events.at(-1)!.call);
    // The completed callback's Timestamp is when that event fired: the call's end.
    const completed = simulated.exchanges.find((e) => e.kind === 'status' && e.params.CallStatus === 'completed')!;
    expect([calls.body.calls[0].started_at, calls.body.calls[0].ended_at]).toEqual([null, new Date(completed.params.Timestamp!).toISOString()]);

    // Bob saw nothing of Ada's call.
    expect(bobSocket.events).toEqual([]);
    expect((await api(relay, bob.token, 'GET', '/calls')).body.calls).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it("keys in the extension of a number behind a switchboard once the customer's line answers", async () => {
    const { sid, simulated } = await placeOutboundCall(ada, { number: SWITCHBOARD, extension: '204' });
    await simulated.done;
    const voice = simulated.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550123&DialExt=204`);
    expect(voice.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number sendDigits="ww204">${SWITCHBOARD}</Number></Dial></Response>`);
    expect([simulated.dialed, simulated.sentDigits, simulated.errors]).toEqual([[SWITCHBOARD], ['ww204'], []]);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(SWITCHBOARD)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: sid, to_number: SWITCHBOARD, extra: { to_extension: '204' } });
  });

  it('keeps one record when the extension reports the call after the webhooks arrived', async () => {
    twilio.dialOutcome = { answer: false, status: 'busy' };
    const { sid, simulated } = await placeOutboundCall(ada, '+14155550177');
    await simulated.done;
    twilio.dialOutcome = { answer: true, talkSeconds: 42 };
    const again = await api(relay, ada.token, 'POST', '/calls', { instance: 'twilio-main', call_id: sid, to_number: '+14155550177', status: 'queued' });
    expect(again.status).toBe(200);
    // The customer was busy: the <Dial action> says so, and the parent call's completed after it does not hide it.
    expect(again.body).toMatchObject({ call_id: sid, status: 'busy', status_raw: 'busy', to_number: '+14155550177' });
    expect(simulated.exchanges.find((e) => e.kind === 'dial-action')!.params.DialCallStatus).toBe('busy');
    const list = await api(relay, ada.token, 'GET', '/calls?number=%2B14155550177');
    expect(list.body.calls).toHaveLength(1);
  });
});

describe('placing a call with wrong credentials', () => {
  it("shows Twilio's error and no call happens", async () => {
    const before = twilio.calls.size;
    const placed = await placeCall(plan, { config: { ...config, authtoken: 'wrong' }, agent: { extension: ada.number }, callbacks }, CUSTOMER, toSimulator);
    expect(placed).toMatchObject({ ok: false, error: 'Authenticate' });
    expect(twilio.calls.size).toBe(before);
  });
});

describe('inbound call (incoming popup)', () => {
  it('rings every agent when no agent has the called number, and pushes to each', async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    const bobSocket = await AgentClient.connect(relay, bob.token, { mode: 'subprotocol', lastSeq: null });
    await Promise.all([adaSocket.waitFor((c) => !!c.welcome), bobSocket.waitFor((c) => !!c.welcome)]);

    const call = twilio.inboundCall({ url: callbacks.incoming, from: '+14155550199', to: TWILIO_NUMBER, statusCallback: callbacks.status, extra: { CallerName: 'Grace <script>alert(1)</script>' } });
    await call.done;

    const voice = call.exchanges[0]!;
    expect(voice.status).toBe(200);
    const number = (agent: TestAgent) => `<Number statusCallbackEvent="answered" statusCallback="${callbacks.status}">${agent.number}</Number>`;
    expect(voice.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}">${number(ada)}${number(bob)}</Dial></Response>`);
    expect(call.dialed).toEqual([ada.number, bob.number]);

    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sid, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: TWILIO_NUMBER } });
      expect(socket.events.every((e) => e.call.call_id === call.sid)).toBe(true);
    }
    const [adaView] = (await api(relay, ada.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    const [bobView] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(adaView).toEqual(bobView);
    // Ada's phone took it: her <Number>'s answered event names her number in To.
    expect(adaView).toMatchObject({ call_id: call.sid, status: 'completed', duration: 30, extra: { answered_by: ada.number, answered_by_name: 'Ada' } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('rings only the agent whose number was called', async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    const bobSocket = await AgentClient.connect(relay, bob.token, { lastSeq: null });
    await Promise.all([adaSocket.waitFor((c) => !!c.welcome), bobSocket.waitFor((c) => !!c.welcome)]);

    const call = twilio.inboundCall({ url: callbacks.incoming, from: '+14155550188', to: bob.number });
    await call.done;
    expect(call.dialed).toEqual([bob.number]);
    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.event === 'created'));
    expect(adaSocket.events).toEqual([]);
    expect((await api(relay, ada.token, 'GET', '/calls?number=%2B14155550188')).body.calls).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('records an incoming call nobody picked up as no-answer, a missed call, though the parent call completes', async () => {
    const call = twilio.inboundCall({ url: callbacks.incoming, from: '+14155550144', to: bob.number, statusCallback: callbacks.status, dial: { answer: false, status: 'no-answer' } });
    await call.done;
    expect(call.exchanges.find((e) => e.kind === 'dial-action')!.params.DialCallStatus).toBe('no-answer');
    expect(call.exchanges.find((e) => e.kind === 'status' && e.params.CallStatus === 'completed')).toBeDefined();
    const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550144')).body.calls;
    const completed = call.exchanges.find((e) => e.kind === 'status' && e.params.CallStatus === 'completed')!;
    expect(stored).toMatchObject({ direction: 'inbound', status: 'no-answer', status_raw: 'no-answer', duration: 0, ended_at: new Date(completed.params.Timestamp!).toISOString() });
  });

  it('answers a retried webhook the same way without a second record or popup', async () => {
    const bobSocket = await AgentClient.connect(relay, bob.token, { lastSeq: null });
    await bobSocket.waitFor((c) => !!c.welcome);
    const call = twilio.inboundCall({ url: callbacks.incoming, from: '+14155550166', to: bob.number });
    await call.done;
    // Created ringing, answered (the agent's <Number> status callback), completed (the <Dial action>).
    await bobSocket.waitFor((c) => c.events.length === 3 && c.events.at(-1)?.call.status === 'completed');
    expect(bobSocket.events.map((e) => e.call.status)).toEqual(['ringing', 'in-progress', 'completed']);
    const before = bobSocket.events.length;

    // Twilio retries the very same request (same sid, same parameters).
    const retry = await twilio.webhook({ ...call, status: 'ringing' }, 'voice', 'POST', callbacks.incoming);
    expect(retry.status).toBe(200);
    expect(retry.body).toBe(call.exchanges[0]!.body);
    const ping = JSON.stringify({ type: 'ping' });
    bobSocket.ws.send(ping);
    await bobSocket.waitFor((c) => c.messages.some((m) => m.type === 'pong'));
    expect(bobSocket.events).toHaveLength(before);
    const list = await api(relay, bob.token, 'GET', '/calls?number=%2B14155550166');
    expect(list.body.calls).toHaveLength(1);
    // No status callback on the number: the <Dial action> alone ends the call.
    expect(list.body.calls[0].status).toBe('completed');
    await bobSocket.close();
  });

  it('ignores a late ringing after the call completed', async () => {
    const call = twilio.inboundCall({ url: callbacks.incoming, from: '+14155550155', to: bob.number, statusCallback: callbacks.status });
    await call.done;
    const late = await twilio.webhook({ ...call, status: 'ringing', sid: call.sid }, 'status', 'POST', callbacks.status);
    expect(late.status).toBe(200);
    const list = await api(relay, bob.token, 'GET', '/calls?number=%2B14155550155');
    expect(list.body.calls[0]).toMatchObject({ status: 'completed', duration: 30 });
  });

  it('takes an unknown call sid on the status callback as a new call of the instance owner', async () => {
    const sid = newSid();
    const stray = await twilio.webhook({ sid, direction: 'outbound-api', from: TWILIO_NUMBER, to: ada.number, status: 'completed', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() }, 'status', 'POST', callbacks.status, { CallDuration: '3' });
    expect(stray.status).toBe(200);
    const list = await api(relay, ada.token, 'GET', '/calls?limit=1');
    expect(list.body.calls[0]).toMatchObject({ call_id: sid, status: 'completed', duration: 3 });
  });
});

describe('voicemail (an incoming call nobody took)', () => {
  const GREETING = 'Sorry, nobody can take your call. Leave a message after the tone.';
  let voicemail: { answer: string; status: string; incoming: string };

  beforeAll(async () => {
    const put = await api(relay, ada.token, 'PUT', '/instances/twilio-voicemail', {
      connector: 'twilio',
      config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, voicemail_greeting: GREETING },
    });
    expect(put.status).toBe(200);
    voicemail = put.body.callbacks;
  });

  it("says the greeting, records the caller's message and gives the missed call its recording, pushed to the agent", async () => {
    const bobSocket = await AgentClient.connect(relay, bob.token, { lastSeq: null });
    await bobSocket.waitFor((c) => !!c.welcome);
    const call = twilio.inboundCall({ url: voicemail.incoming, from: '+14155550133', to: bob.number, statusCallback: voicemail.status, dial: { answer: false, status: 'no-answer', message: 23 } });
    await call.done;

    const dialAction = call.exchanges.find((e) => e.kind === 'dial-action')!;
    const recordAction = `${voicemail.status}?Voicemail=ended`;
    expect(dialAction.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${GREETING}</Say><Record action="${recordAction}" maxLength="120" recordingStatusCallback="${voicemail.status}"/></Response>`);
    expect(call.said).toEqual([GREETING]);
    expect(call.errors).toEqual([]);
    const [recording] = call.recordings;
    expect(recording).toMatchObject({ seconds: 23 });
    // The <Record>'s action ends the call; its status callback brings the file.
    const ended = call.exchanges.find((e) => e.kind === 'record-action')!;
    expect([ended.url, ended.status, ended.body]).toEqual([recordAction, 200, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>']);
    expect(call.exchanges.find((e) => e.kind === 'recording-status')!.status).toBe(200);

    const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550133')).body.calls;
    expect(stored).toMatchObject({ call_id: call.sid, direction: 'inbound', status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, recording!.url) });
    expect(stored.extra.recording_duration).toBe('23');
    // Missed first, then the message on the same call: the popup and the missed list learn of it.
    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.recording_url === stored.recording_url));
    const statuses = bobSocket.events.filter((e) => e.call.call_id === call.sid).map((e) => e.call.status);
    expect(new Set(statuses.slice(statuses.indexOf('no-answer')))).toEqual(new Set(['no-answer']));
    await bobSocket.close();
  });

  it("plays the message through the relay's link, with the account's credentials the agent never sees; a player's range passes", async () => {
    const call = twilio.inboundCall({ url: voicemail.incoming, from: '+14155550132', to: bob.number, statusCallback: voicemail.status, dial: { answer: false, status: 'no-answer', message: 4 } });
    await call.done;
    const [recording] = call.recordings;
    const sid = recording!.url.split('/').at(-1)!;
    let link = '';
    await expect.poll(async () => (link = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550132')).body.calls[0]?.recording_url ?? '')).toMatch(/\/recordings\//);
    const before = twilio.mediaFetches.length;

    const whole = await fetch(link.replace(PUBLIC_URL, relay.url));
    expect([whole.status, whole.headers.get('content-type'), whole.headers.get('cache-control')]).toEqual([200, 'audio/mpeg', 'private, no-store']);
    expect(Buffer.from(await whole.arrayBuffer()).equals(recordingBytes(sid, 4))).toBe(true);
    const part = await fetch(link.replace(PUBLIC_URL, relay.url), { headers: { Range: 'bytes=0-9' } });
    expect([part.status, part.headers.get('content-range'), (await part.arrayBuffer()).byteLength]).toEqual([206, `bytes 0-9/${recordingBytes(sid, 4).length}`, 10]);
    // The MP3 of Twilio's link (.mp3), asked with the Account SID and auth token.
    expect(twilio.mediaFetches.slice(before)).toEqual([
      { sid, authorization: `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`, range: undefined },
      { sid, authorization: `Basic ${btoa(`${ACCOUNT_SID}:${AUTH_TOKEN}`)}`, range: 'bytes=0-9' },
    ]);
    // Not for another call, nor with the signature of one.
    const other = new URL(link.replace(PUBLIC_URL, relay.url));
    other.searchParams.set('call', 'CA00000000000000000000000000000000');
    expect((await fetch(other)).status).toBe(404);
  });

  it('keeps the call missed, with no recording, when the caller hangs up at the tone', async () => {
    const call = twilio.inboundCall({ url: voicemail.incoming, from: '+14155550134', to: bob.number, statusCallback: voicemail.status, dial: { answer: false, status: 'busy' } });
    await call.done;
    expect(call.said).toEqual([GREETING]);
    expect(call.recordings).toEqual([]);
    const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550134')).body.calls;
    expect(stored).toMatchObject({ status: 'busy', recording_url: null });
  });

  it('asks no message of a caller an agent answered, nor of a customer who did not answer a call placed here', async () => {
    const taken = twilio.inboundCall({ url: voicemail.incoming, from: '+14155550135', to: bob.number, statusCallback: voicemail.status });
    await taken.done;
    expect(taken.exchanges.find((e) => e.kind === 'dial-action')!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');

    twilio.dialOutcome = { answer: false, status: 'no-answer' };
    try {
      const placed = await placeCall(plan, { config: { ...config, voicemail_greeting: GREETING, ...voicemail }, agent: { extension: ada.number }, callbacks: voicemail }, CUSTOMER, toSimulator);
      expect(placed.ok, placed.error).toBe(true);
      const outbound = twilio.calls.get(placed.record.call_id!)!;
      await outbound.done;
      expect(outbound.exchanges.find((e) => e.kind === 'dial-action')!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      expect([outbound.said, outbound.recordings]).toEqual([[], []]);
    } finally {
      twilio.dialOutcome = { answer: true, talkSeconds: 42 };
    }
    expect(taken.said).toEqual([]);
  });
});

describe('call recording (Record calls ticked)', () => {
  let recording: { answer: string; status: string; incoming: string };
  let recordingConfig: Record<string, string>;

  beforeAll(async () => {
    // As an API caller may say it: "yes" is a ticked box, kept as true.
    const put = await api(relay, ada.token, 'PUT', '/instances/twilio-recording', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, record_calls: 'yes' } });
    expect(put.status).toBe(200);
    expect(put.body.warnings).toEqual([]);
    recording = put.body.callbacks;
    recordingConfig = { ...config, record_calls: 'true', ...Object.fromEntries(Object.entries(recording).map(([kind, url]) => [`${kind}_callback`, url])) };
  });

  it("records a click to call's talk and an incoming call's, and gives each call its recording", async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    await adaSocket.waitFor((c) => !!c.welcome);
    const placed = await placeCall(plan, { config: recordingConfig, agent: { extension: ada.number }, callbacks: recording }, CUSTOMER, toSimulator);
    expect(placed.ok, placed.error).toBe(true);
    const outbound = twilio.calls.get(placed.record.call_id!)!;
    const incoming = twilio.inboundCall({ url: recording.incoming, from: '+14155550136', to: ada.number, statusCallback: recording.status });
    await Promise.all([outbound.done, incoming.done]);

    const dialOf = (call: typeof outbound) => call.exchanges.find((e) => e.kind === 'voice')!.body;
    for (const call of [outbound, incoming]) {
      expect(dialOf(call)).toContain(`<Dial action="${recording.status}" record="record-from-answer" recordingStatusCallback="${recording.status}">`);
      expect(call.errors).toEqual([]);
    }
    expect([outbound.recordings.map((r) => r.seconds), incoming.recordings.map((r) => r.seconds)]).toEqual([[42], [30]]);
    for (const call of [outbound, incoming]) {
      await adaSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.extra.provider_recording_url === call.recordings[0]!.url));
      const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(call === outbound ? CUSTOMER : '+14155550136')}&limit=1`)).body.calls;
      expect(stored).toMatchObject({ call_id: call.sid, status: 'completed', ...heardThroughRelay(PUBLIC_URL, call.sid, call.recordings[0]!.url) });
      expect(stored.extra.recording_duration).toBe(String(call.recordings[0]!.seconds));
    }
    await adaSocket.close();
  });

  it('records nothing with the box unticked, and says so of a value that is no yes or no', async () => {
    const call = twilio.inboundCall({ url: callbacks.incoming, from: '+14155550137', to: ada.number });
    await call.done;
    expect(call.exchanges[0]!.body).not.toContain('record');
    expect(call.recordings).toEqual([]);
    const unsure = await api(relay, ada.token, 'PUT', '/instances/twilio-unsure', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, record_calls: 'sometimes' } });
    expect(unsure.status).toBe(200);
    expect(unsure.body.warnings).toEqual([expect.objectContaining({ path: 'config.record_calls', message: '"sometimes" is not a yes or a no for "record_calls"; it was left unticked' })]);
    expect(unsure.body.config.record_calls).toBeUndefined();
    const off = await api(relay, ada.token, 'PUT', '/instances/twilio-unsure', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, record_calls: 'false' } });
    expect([off.body.warnings, off.body.config.record_calls]).toEqual([[], undefined]);
  });
});

describe("screening a team's incoming calls (agents press a key to take one)", () => {
  const GREETING = 'Nobody is free; leave a message.';
  let screening: { answer: string; status: string; incoming: string };

  beforeAll(async () => {
    const put = await api(relay, ada.token, 'PUT', '/instances/twilio-screening', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, screen_calls: 'true', voicemail_greeting: GREETING } });
    expect(put.status).toBe(200);
    screening = put.body.callbacks;
  });

  it("asks the phone that answers for a key, and names the agent who pressed it as the one who took the call", async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    await adaSocket.waitFor((c) => !!c.welcome);
    const call = twilio.inboundCall({ url: screening.incoming, from: '+14155550138', to: TWILIO_NUMBER, statusCallback: screening.status, dial: { answer: true, talkSeconds: 25, pickUp: bob.number } });
    await call.done;

    // Each phone runs the question once it answers; no answered event is asked for.
    const ask = `${screening.status}?Screen=ask&amp;Parent=${call.sid}`;
    expect(call.exchanges[0]!.body).toContain(`<Number url="${ask}">${ada.number}</Number><Number url="${ask}">${bob.number}</Number>`);
    const question = call.exchanges.find((e) => e.kind === 'screen')!;
    expect([question.status, question.params.To]).toEqual([200, bob.number]);
    expect(question.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Gather numDigits="1" timeout="8" action="${screening.status}?Screen=taken&amp;Parent=${call.sid}"><Say>Incoming call. Press any key to take it.</Say></Gather><Hangup/></Response>`);
    expect(call.exchanges.find((e) => e.kind === 'screen-action')!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(call.exchanges.filter((e) => e.kind === 'number-status')).toEqual([]);

    await adaSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.status === 'completed'));
    // The statuses in the order they came. The number's final status callback may add one more
    // "completed" event (it fills the call's end) before or after the wait above ends.
    const statuses = adaSocket.events.filter((e) => e.call.call_id === call.sid).map((e) => e.call.status);
    expect(statuses.filter((status, i) => status !== statuses[i - 1])).toEqual(['ringing', 'in-progress', 'completed']);
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550138')).body.calls;
    expect(stored).toMatchObject({ status: 'completed', duration: 25, extra: { answered_by: bob.number, answered_by_name: 'Bob' } });
    await adaSocket.close();
  });

  it("takes a phone whose own voicemail answered for nobody: the call rings out to the team's voicemail", async () => {
    const call = twilio.inboundCall({ url: screening.incoming, from: '+14155550139', to: TWILIO_NUMBER, statusCallback: screening.status, dial: { answer: true, talkSeconds: 25, pickUp: bob.number, pressesKey: false, message: 12 } });
    await call.done;
    expect(call.exchanges.filter((e) => e.kind === 'screen-action')).toEqual([]);
    expect(call.exchanges.find((e) => e.kind === 'dial-action')!.params.DialCallStatus).toBe('no-answer');
    expect(call.said).toEqual(['Incoming call. Press any key to take it.', GREETING]);
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550139')).body.calls;
    expect(stored).toMatchObject({ status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, call.recordings[0]!.url) });
    expect(stored.extra.recording_duration).toBe('12');
    expect(stored.extra.answered_by).toBeUndefined();
  });
});

describe("everyone away (callers go straight to voicemail, the box ticked)", () => {
  const GREETING = 'We are closed. Leave a message and we will call you back.';
  let away: { answer: string; status: string; incoming: string };
  const setAway = (agent: TestAgent, isAway: boolean) => api(relay, agent.token, 'PATCH', '/me', { away: isAway }).then((r) => expect(r.status).toBe(200));

  beforeAll(async () => {
    const put = await api(relay, ada.token, 'PUT', '/instances/twilio-away', {
      connector: 'twilio',
      config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, voicemail_greeting: GREETING, away_voicemail: 'yes' },
    });
    expect(put.status).toBe(200);
    away = put.body.callbacks;
  });

  it("rings no phone while the whole team is away: the greeting, the caller's message, and a call missed from the start", async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    await adaSocket.waitFor((c) => !!c.welcome);
    await setAway(ada, true);
    await setAway(bob, true);
    try {
      const call = twilio.inboundCall({ url: away.incoming, from: '+14155550140', to: TWILIO_NUMBER, statusCallback: away.status, dial: { answer: false, status: 'no-answer', message: 31 } });
      await call.done;
      const recordAction = `${away.status}?Voicemail=ended`;
      expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${GREETING}</Say><Record action="${recordAction}" maxLength="120" recordingStatusCallback="${away.status}"/></Response>`);
      expect([call.dialed, call.said, call.errors]).toEqual([[], [GREETING], []]);
      const [recording] = call.recordings;
      expect(recording).toMatchObject({ seconds: 31 });

      // Missed from its first event (never ringing: no popup for a call that rings no phone), not
      // once the caller hung up; the message then comes to the same call.
      await adaSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.extra.provider_recording_url === recording!.url));
      const events = adaSocket.events.filter((e) => e.call.call_id === call.sid);
      expect(new Set(events.map((e) => e.call.status))).toEqual(new Set(['no-answer']));
      expect(events[0]).toMatchObject({ event: 'created', call: { recording_url: null, extra: { all_away: 'true' } } });
      expect(events[0]!.call.ended_at).not.toBeNull();
      const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550140')).body.calls;
      expect(stored).toMatchObject({ call_id: call.sid, direction: 'inbound', status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, recording!.url) });
      expect(stored.extra).toMatchObject({ all_away: 'true', recording_duration: '31' });
      expect(stored.ended_at).toBe(events[0]!.call.ended_at);
      // Twilio retries the voice webhook: the same answer, and the call keeps its end.
      const retried = await twilio.webhook({ ...call, status: 'ringing' }, 'voice', 'POST', away.incoming);
      expect(retried.body).toBe(call.exchanges[0]!.body);
      const [again] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550140')).body.calls;
      expect(again).toEqual(stored);
    } finally {
      await setAway(ada, false);
      await setAway(bob, false);
      await adaSocket.close();
    }
  });

  it('rings the agents who are available, and an away agent whose own number was called goes to voicemail', async () => {
    await setAway(ada, true);
    try {
      const team = twilio.inboundCall({ url: away.incoming, from: '+14155550141', to: TWILIO_NUMBER, statusCallback: away.status });
      await team.done;
      expect(team.dialed).toEqual([bob.number]);
      expect(team.said).toEqual([]);

      // Ada's own line: she alone takes its calls, and she is away.
      const direct = twilio.inboundCall({ url: away.incoming, from: '+14155550142', to: ada.number, statusCallback: away.status, dial: { answer: false, status: 'no-answer', message: 5 } });
      await direct.done;
      expect([direct.dialed, direct.said]).toEqual([[], [GREETING]]);
      const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550142')).body.calls;
      expect(stored).toMatchObject({ status: 'no-answer', extra: { all_away: 'true' } });
    } finally {
      await setAway(ada, false);
    }
  });

  it('outside the number’s opening hours, rings no phone while agents are available; within them, rings them', async () => {
    const setHours = async (hours: unknown) => {
      const put = await api(relay, ada.token, 'PUT', '/instances/twilio-hours', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, voicemail_greeting: GREETING, away_voicemail: 'true' }, hours });
      expect(put.status).toBe(200);
      return put.body.callbacks as typeof away;
    };
    // Open on no day (closed whenever the test runs), then at all hours of every day.
    const hooks = await setHours({ time_zone: 'America/New_York', week: {} });
    const closed = twilio.inboundCall({ url: hooks.incoming, from: '+14155550146', to: TWILIO_NUMBER, statusCallback: hooks.status, dial: { answer: false, status: 'no-answer', message: 9 } });
    await closed.done;
    expect([closed.dialed, closed.said]).toEqual([[], [GREETING]]);
    const [missed] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550146')).body.calls;
    expect(missed).toMatchObject({ status: 'no-answer', extra: { after_hours: 'true', recording_duration: '9' } });
    expect(missed.extra.all_away).toBeUndefined();

    const allDay = [{ from: '00:00', to: '24:00' }];
    await setHours({ time_zone: 'America/New_York', week: { mon: allDay, tue: allDay, wed: allDay, thu: allDay, fri: allDay, sat: allDay, sun: allDay } });
    const open = twilio.inboundCall({ url: hooks.incoming, from: '+14155550147', to: TWILIO_NUMBER, statusCallback: hooks.status });
    await open.done;
    expect([open.dialed, open.said]).toEqual([[ada.number, bob.number], []]);
    const [answered] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550147')).body.calls;
    expect(answered).toMatchObject({ status: 'completed' });
    expect(answered.extra.after_hours).toBeUndefined();
  });

  it('rings everyone as before when the box is not ticked, or when there is no greeting to say', async () => {
    const unticked = await api(relay, ada.token, 'PUT', '/instances/twilio-away-unticked', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, voicemail_greeting: GREETING } });
    const silent = await api(relay, ada.token, 'PUT', '/instances/twilio-away-silent', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER, away_voicemail: 'true' } });
    await setAway(ada, true);
    await setAway(bob, true);
    try {
      for (const [put, from] of [[unticked, '+14155550143'], [silent, '+14155550149']] as const) {
        const call = twilio.inboundCall({ url: put.body.callbacks.incoming, from, to: TWILIO_NUMBER, statusCallback: put.body.callbacks.status });
        await call.done;
        expect([call.dialed, call.said]).toEqual([[ada.number, bob.number], []]);
        const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(from)}`)).body.calls;
        expect(stored).toMatchObject({ status: 'completed' });
        expect(stored.extra.all_away).toBeUndefined();
      }
    } finally {
      await setAway(ada, false);
      await setAway(bob, false);
    }
  });
});
