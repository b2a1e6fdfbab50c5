/**
 * connectors/twilio-direct.xml against the Twilio simulator: the call carries inline TwiML, so
 * Twilio bridges the agent to the customer without a single webhook. The relay only hears of
 * the call from the extension's report, and has nothing to offer for incoming calls.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { basicAuth } from '../simulators/http.ts';
import { TwilioSimulator } from '../simulators/twilio.ts';
import { ContractRelay, Extension, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const ACCOUNT_SID = `AC${'fedcba9876543210'.repeat(2)}`;
const AUTH_TOKEN = 'twilio-direct-token-for-tests';
const TWILIO_NUMBER = '+15005550006';
const CUSTOMER = '+14155550100';

let relay: ContractRelay;
let twilio: TwilioSimulator;
let ada: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }]));
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, forward: relay.forward, numbers: [TWILIO_NUMBER] });
  config = { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: TWILIO_NUMBER };
  callbacks = (await relay.registerInstance(ada, 'twilio-direct', 'twilio-direct', config)).callbacks;
  // The extension needs no callback URLs for this connector: none are passed to the engine.
  extension = new Extension({ relay, instance: 'twilio-direct', connector: 'twilio-direct', config, fetch: toSimulator('https://api.twilio.com', twilio.baseUrl) });
});

afterAll(async () => {
  await twilio?.close();
  await relay?.close();
});

describe('outbound call with inline TwiML', () => {
  it('rings the agent, dials the customer from the TwiML, and calls back no one', async () => {
    const socket = await relay.connect(ada);

    const { placed, callId: sid, reported } = await extension.clickToCall(ada, '(415) 555-0100', {
      defaultCountry: 'US',
    });
    const form = new URLSearchParams(placed.request!.body);
    expect([...form.keys()]).toEqual(['To', 'From', 'Twiml']);
    expect(form.get('Twiml')).toBe(`<Response><Dial><Number>${CUSTOMER}</Number></Dial></Response>`);
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(reported.status).toBe(201);

    const call = twilio.calls.get(sid)!;
    await call.done;
    expect([call.to, call.from]).toEqual([ada.number, TWILIO_NUMBER]);
    expect(call.twiml).toBe(form.get('Twiml'));
    expect(call.dialed).toEqual([CUSTOMER]);
    expect(call.errors).toEqual([]);
    expect(call.exchanges).toEqual([]);
    expect(call.status).toBe('completed');

    // The call log has the call as placed, and it stays that way: nothing tells the relay more.
    await socket.waitFor((c) => c.events.length === 1);
    expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: sid, direction: 'outbound', status: 'queued', to_number: CUSTOMER, from_number: ada.number } });
    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({ instance_id: 'twilio-direct', call_id: sid, status: 'queued', duration: null });
    await socket.close();
  });

  it("keys in the extension of a number behind a switchboard from the inline TwiML", async () => {
    const { placed, callId: sid } = await extension.clickToCall(ada, { number: '(415) 555-0123', extension: '204' }, { defaultCountry: 'US' });
    const twiml = new URLSearchParams(placed.request!.body).get('Twiml');
    expect(twiml).toBe('<Response><Dial><Number sendDigits="ww204">+14155550123</Number></Dial></Response>');
    const call = twilio.calls.get(sid)!;
    await call.done;
    expect([call.dialed, call.sentDigits, call.errors]).toEqual([['+14155550123'], ['ww204'], []]);
  });

  it("shows Twilio's error for a wrong auth token and places no call", async () => {
    const before = twilio.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, authtoken: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'Authenticate' });
    expect(twilio.calls.size).toBe(before);
  });

  it("shows Twilio's reason for a caller ID the account does not own and places no call", async () => {
    const before = twilio.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, callerid: '+15005550009' } });
    expect(placed).toMatchObject({ ok: false, error: expect.stringContaining('The source phone number provided, +15005550009, is not yet verified for your account.') });
    expect(twilio.calls.size).toBe(before);
  });

  it("refuses TwiML over Twilio's 4000 characters", async () => {
    const response = await fetch(`${twilio.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
      method: 'POST',
      headers: { Authorization: basicAuth(ACCOUNT_SID, AUTH_TOKEN), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ To: ada.number, From: TWILIO_NUMBER, Twiml: `<Response><Say>${'a'.repeat(4000)}</Say></Response>` }).toString(),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 32018 });
  });
});

describe('what is lost without a relay', () => {
  it.each(['incoming', 'status', 'answer'] as const)('has no %s webhook: the relay answers 404 and stores nothing', async (event) => {
    const before = (await api(relay, ada.token, 'GET', '/calls?limit=200')).body.calls.length;
    const response = await fetch(relay.forward(callbacks[event]), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ CallSid: `CA${'1'.repeat(32)}`, CallStatus: 'ringing', From: '+14155550199', To: TWILIO_NUMBER, Direction: 'inbound' }).toString(),
    });
    expect(response.status).toBe(404);
    expect((await api(relay, ada.token, 'GET', '/calls?limit=200')).body.calls).toHaveLength(before);
  });
});
