/**
 * connectors/exotel.xml against the Exotel simulator, through a real relay process. The
 * connector reads Exotel's default XML answer (`<TwilioResponse><Call><Sid>`), so the call id
 * comes from the nested path Call.Sid; Exotel bridges the two legs itself, so the relay only
 * hears StatusCallbacks: JSON when the connector asks for it, multipart/form-data otherwise
 * (Exotel's default). Incoming calls come from a Connect applet that fetches whom to dial from
 * the relay, and a Passthru applet that reports the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { ExotelSimulator } from '../simulators/exotel.ts';
import { basicAuth } from '../simulators/http.ts';
import { ContractRelay, Extension, expectOneCallStream, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const API_KEY = 'exotel-api-key';
const API_TOKEN = 'exotel-api-token';
const SID = 'acme1';
const EXOPHONE = '+918047112233';
const CUSTOMER = '+919812345678';

let relay: ContractRelay;
let exotel: ExotelSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+919900011122' }, { name: 'Bob', number: '+919900033344' }]));
  exotel = await ExotelSimulator.start({ apiKey: API_KEY, apiToken: API_TOKEN, sid: SID, exoPhones: [EXOPHONE], forward: relay.forward });
  const settings = { apikey: API_KEY, apitoken: API_TOKEN, sid: SID, subdomain: 'api.in.exotel.com', callerid: EXOPHONE };
  const instance = await relay.registerInstance(ada, 'exotel-main', 'exotel', settings);
  expect(instance.warnings).toEqual([]);
  callbacks = instance.callbacks;
  config = { ...settings, status_callback: callbacks.status, incoming_callback: callbacks.incoming };
  extension = new Extension({ relay, instance: 'exotel-main', connector: 'exotel', config, callbacks, fetch: toSimulator('https://api.in.exotel.com', exotel.baseUrl) });
});

afterAll(async () => {
  await exotel?.close();
  await relay?.close();
});

/** The extension's part of an outbound call: place it with the engine, then report it. */
async function placeOutboundCall(agent: TestAgent, to: string) {
  const { placed, callId: sid } = await extension.clickToCall(agent, to);
  return { sid, placed, simulated: exotel.calls.get(sid)! };
}

describe('outbound call (click to call)', () => {
  it('reads Call.Sid from the XML answer, and the StatusCallbacks update that one record', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);

    const { sid, placed, simulated } = await placeOutboundCall(ada, CUSTOMER);
    expect(sid).toMatch(/^[0-9a-f]{32}$/);
    expect(placed.record).toMatchObject({ call_status: 'in-progress', call_status_raw: 'in-progress' });
    expect(placed.request!.url).toBe(`https://api.in.exotel.com/v1/Accounts/${SID}/Calls/connect`);
    await simulated.done;

    // Exotel rang the agent first, then the customer, from the ExoPhone.
    expect(simulated).toMatchObject({ from: ada.number, to: CUSTOMER, callerId: EXOPHONE });
    expect(simulated.dialed).toEqual([ada.number, CUSTOMER]);
    // One "answered" event per leg (the agent's, then the customer's), then the end.
    expect(simulated.exchanges.map((e) => [e.kind, e.method, e.params.EventType, e.params.Status, e.status])).toEqual([
      ['status', 'POST', 'answered', 'in-progress', 200],
      ['status', 'POST', 'answered', 'in-progress', 200],
      ['status', 'POST', 'terminal', 'completed', 200],
    ]);
    expect(simulated.exchanges.map((e) => (JSON.parse(e.requestBody ?? '{}') as { Legs?: { Status: string }[] }).Legs?.map((leg) => leg.Status))).toEqual([
      ['in-progress', ''],
      ['in-progress', 'in-progress'],
      ['completed', 'completed'],
    ]);
    expect(simulated.exchanges.every((e) => e.url === callbacks.status && e.body === '')).toBe(true);
    // The connector asks for JSON StatusCallbacks, so Legs arrive as an array.
    expect(new URLSearchParams(placed.request!.body).get('StatusCallbackContentType')).toBe('application/json');
    expect(simulated.exchanges.map((e) => e.requestContentType)).toEqual(['application/json', 'application/json', 'application/json']);

    const events = await expectOneCallStream(adaSocket, sid);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({
      instance_id: 'exotel-main',
      call_id: sid,
      direction: 'outbound',
      status: 'completed',
      to_number: CUSTOMER,
      from_number: EXOPHONE,
      user_number: ada.number,
      duration: 42,
    });
    expect(calls.body.calls[0]).toEqual(events.at(-1)!.call);
    expect(bobSocket.events).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('records a customer who does not answer', async () => {
    exotel.outcome = { agent: 'answered', customer: 'no-answer' };
    const { sid, simulated } = await placeOutboundCall(ada, '+919812300000');
    await simulated.done;
    exotel.outcome = { agent: 'answered', customer: 'answered' };
    const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B919812300000')).body.calls;
    expect(call).toMatchObject({ call_id: sid, status: 'no-answer', duration: 0 });
  });

  it('records a busy customer as busy once the agent answered (the overall status is the customer leg\'s)', async () => {
    exotel.outcome = { agent: 'answered', customer: 'busy' };
    try {
      const { sid, simulated } = await placeOutboundCall(ada, '+919812322222');
      await simulated.done;
      // The agent's "answered" event only: the customer never answered.
      expect(simulated.exchanges.map((e) => [e.params.EventType, e.params.Status])).toEqual([
        ['answered', 'in-progress'],
        ['terminal', 'busy'],
      ]);
      const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B919812322222')).body.calls;
      expect(call).toMatchObject({ call_id: sid, status: 'busy', duration: 0, user_number: ada.number });
    } finally {
      exotel.outcome = { agent: 'answered', customer: 'answered' };
    }
  });
});

describe('the create-call API', () => {
  const request = (path: string, form: Record<string, string>, key = API_KEY) =>
    fetch(`${exotel.baseUrl}/v1/Accounts/${SID}/${path}`, {
      method: 'POST',
      headers: { Authorization: basicAuth(key, API_TOKEN), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });

  it('answers JSON with the same nested Call.Sid when the path ends in .json', async () => {
    const response = await request('Calls/connect.json', { From: ada.number, To: CUSTOMER, CallerId: EXOPHONE });
    expect(response.headers.get('content-type')).toMatch(/json/);
    const body = (await response.json()) as { Call: Record<string, string | null> };
    // As the docs' example: in progress, with null where nothing is known yet.
    expect(body.Call).toMatchObject({ AccountSid: SID, From: ada.number, To: CUSTOMER, PhoneNumberSid: EXOPHONE, Status: 'in-progress', EndTime: null, Duration: null, Direction: 'outbound-api', Uri: `/v1/Accounts/${SID}/Calls/${body.Call.Sid}.json` });
    await exotel.calls.get(body.Call.Sid!)!.done;
  });

  it("posts StatusCallbacks as multipart/form-data by default, and the relay reads them", async () => {
    // A call placed with the relay's StatusCallback URL but without StatusCallbackContentType
    // (another integration, or an older connector): Exotel's default encoding.
    const response = await request('Calls/connect.json', { From: ada.number, To: '+919812311111', CallerId: EXOPHONE, StatusCallback: callbacks.status, 'StatusCallbackEvents[0]': 'terminal' });
    const sid = ((await response.json()) as { Call: { Sid: string } }).Call.Sid;
    const simulated = exotel.calls.get(sid)!;
    await simulated.done;
    expect(simulated.exchanges.map((e) => [e.params.EventType, e.requestContentType.split(';')[0], e.status])).toEqual([['terminal', 'multipart/form-data', 200]]);
    const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B919812311111')).body.calls;
    expect(call).toMatchObject({ call_id: sid, status: 'completed', duration: 42, to_number: '+919812311111', from_number: EXOPHONE, user_number: ada.number });
  });

  it('refuses a StatusCallbackContentType it does not know', async () => {
    const response = await request('Calls/connect', { From: ada.number, To: CUSTOMER, CallerId: EXOPHONE, StatusCallback: callbacks.status, StatusCallbackContentType: 'text/csv' });
    expect(response.status).toBe(400);
  });

  it('refuses a missing parameter with 400 and an XML RestException', async () => {
    const response = await request('Calls/connect', { From: ada.number, To: CUSTOMER });
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('<RestException><Status>400</Status><Message>Missing parameter CallerId</Message></RestException>');
  });

  it("shows Exotel's XML error message to the agent for wrong credentials", async () => {
    const before = exotel.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, apitoken: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'Authentication is required to view this page.' });
    expect(exotel.calls.size).toBe(before);
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent, answers the Connect applet with their numbers, and closes on the Passthru', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const call = exotel.inboundCall({ connectUrl: callbacks.incoming, passthruUrl: callbacks.status, from: '+919812399999', to: EXOPHONE });
    await call.done;

    const connectExchange = call.exchanges[0]!;
    expect(connectExchange).toMatchObject({ kind: 'connect', method: 'GET', status: 200 });
    expect(connectExchange.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(connectExchange.body)).toEqual({
      fetch_after_attempt: false,
      destination: { numbers: [ada.number, bob.number] },
      outgoing_phone_number: EXOPHONE,
      parallel_ringing: { activate: true, max_parallel_attempts: 5 },
    });
    expect(call.dialed).toEqual([ada.number, bob.number]);
    expect(call.errors).toEqual([]);

    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sid, direction: 'inbound', status: 'ringing', from_number: '+919812399999', to_number: EXOPHONE } });
      expect(socket.events.every((e) => e.call.call_id === call.sid)).toBe(true);
    }
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    // The first number answered: the Passthru names Ada, and the relay names her. The duration
    // is her leg's talk time (42 s), not DialCallDuration, which counts the agents' ringing too (50).
    expect(view).toMatchObject({ call_id: call.sid, status: 'completed', status_raw: 'completed', duration: 42, user_number: ada.number, extra: { answered_by: ada.number, answered_by_name: 'Ada' } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it("names the agent who took the call from the Passthru's DialWhomNumber: Bob, the second rung", async () => {
    const socket = await relay.connect(ada);
    exotel.inboundAnswerer = 1;
    try {
      const call = exotel.inboundCall({ connectUrl: callbacks.incoming, passthruUrl: callbacks.status, from: '+919812377777', to: EXOPHONE });
      await call.done;
      // As a live Passthru reads: a leg per number rung, DialWhomNumber the one that talked.
      expect(call.exchanges.at(-1)).toMatchObject({
        kind: 'passthru',
        params: { CallType: 'completed', DialCallStatus: 'completed', DialWhomNumber: bob.number, 'Legs[0][Number]': ada.number, 'Legs[0][OnCallDuration]': '0', 'Legs[1][Number]': bob.number, 'Legs[1][OnCallDuration]': '42' },
        status: 200,
      });
      await socket.waitFor((c) => c.events.at(-1)?.call.call_id === call.sid && c.events.at(-1)?.call.status === 'completed');
      // What Ada's popup reads: the call was Bob's.
      expect(socket.events.at(-1)!.call.extra).toMatchObject({ answered_by: bob.number, answered_by_name: 'Bob' });
      // His leg's talk time, the second leg's.
      expect(socket.events.at(-1)!.call.duration).toBe(42);
    } finally {
      exotel.inboundAnswerer = 0;
      await socket.close();
    }
  });

  it('ends an unanswered incoming call as missed (CallType incomplete), so its popup closes', async () => {
    const socket = await relay.connect(ada);
    exotel.inboundAnswerer = null;
    try {
      const call = exotel.inboundCall({ connectUrl: callbacks.incoming, passthruUrl: callbacks.status, from: '+919812388888', to: EXOPHONE });
      await call.done;
      await socket.waitFor((c) => c.events.at(-1)?.call.call_id === call.sid && c.events.at(-1)?.call.status === 'no-answer');
      const [view] = (await api(relay, ada.token, 'GET', '/calls?number=%2B919812388888')).body.calls;
      expect(view).toMatchObject({ call_id: call.sid, status: 'no-answer', status_raw: 'incomplete', duration: 0 });
      // The Passthru still names the last agent rung (Bob): nobody took the call, so nobody is named.
      expect(call.exchanges.at(-1)!.params.DialWhomNumber).toBe(bob.number);
      expect(view.extra.answered_by).toBeUndefined();
    } finally {
      exotel.inboundAnswerer = 0;
      await socket.close();
    }
  });

  it("links the caller's message when the flow's Voicemail applet took the call nobody answered (CallType voicemail)", async () => {
    exotel.inboundAnswerer = null;
    exotel.inboundVoicemail = true;
    try {
      const call = exotel.inboundCall({ connectUrl: callbacks.incoming, passthruUrl: callbacks.status, from: '+919812377777', to: EXOPHONE });
      await call.done;
      const recording = call.exchanges.at(-1)!.params.RecordingUrl!;
      expect(recording).toMatch(/^https:\/\/.+\.mp3$/);
      const [view] = (await api(relay, ada.token, 'GET', '/calls?number=%2B919812377777')).body.calls;
      // A missed call with a recording: the toolbar's missed calls link it as the voicemail.
      expect(view).toMatchObject({ call_id: call.sid, status: 'no-answer', status_raw: 'voicemail', recording_url: recording });
    } finally {
      exotel.inboundAnswerer = 0;
      exotel.inboundVoicemail = false;
    }
  });
});
