/**
 * connectors/signalwire.xml against the SignalWire simulator, through a real relay process:
 * click to call (create call -> answer -> status -> completed), an incoming call that rings the
 * agents, and webhooks whose X-SignalWire-Signature is wrong.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectorPlan, loadConnector, placeCall } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, addAgent, api, REPO_ROOT, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from '../relay/harness.ts';
import { signLaml, startSignalWireSimulator } from '../simulators/signalwire.ts';
import type { TwilioSimulator } from '../simulators/twilio.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const SPACE = 'acme';
const PROJECT_ID = 'b3877c40-da60-4998-90ad-b792e98472af';
const API_TOKEN = 'PT-api-token-for-tests';
const SIGNING_KEY = 'PSK-signing-key-for-tests';
const SIGNALWIRE_NUMBER = '+15005550006';
const CUSTOMER = '+14155550100';

let dir: ReturnType<typeof tempDir>;
let relay: RelayProcess;
let signalwire: TwilioSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: { answer: string; status: string; incoming: string };
let config: Record<string, string>;
let plan: ConnectorPlan;

beforeAll(async () => {
  dir = tempDir();
  const db = join(dir.path, 'relay.db');
  ada = await addAgent(db, { name: 'Ada', number: '+14155550111' });
  bob = await addAgent(db, { name: 'Bob', number: '+14155550122' });
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
  signalwire = await startSignalWireSimulator({ projectId: PROJECT_ID, apiToken: API_TOKEN, signingKey: SIGNING_KEY, forward: (url) => url.replace(PUBLIC_URL, relay.url) });
  config = { space: SPACE, project_id: PROJECT_ID, api_token: API_TOKEN, signing_key: SIGNING_KEY, callerid: SIGNALWIRE_NUMBER };
  const put = await api(relay, ada.token, 'PUT', '/instances/signalwire-main', { connector: 'signalwire', config });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  callbacks = put.body.callbacks;
  plan = loadConnector(readFileSync(join(REPO_ROOT, 'connectors/signalwire.xml'), 'utf8'));
}, 30_000);

afterAll(async () => {
  await signalwire?.close();
  await relay?.stop();
  dir?.remove();
});

/** The engine's requests to the Space's host, sent to the simulator instead. */
const toSimulator = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) =>
  fetch(url.replace(`https://${SPACE}.signalwire.com`, signalwire.baseUrl), init);

const RANK: Record<string, number> = { queued: 0, ringing: 1, 'in-progress': 2, completed: 3 };

describe('outbound call (click to call)', () => {
  it('bridges the agent to the customer and pushes each change to the agent', async () => {
    const socket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    await socket.waitFor((c) => c.welcome !== undefined);

    const placed = await placeCall(plan, { config: { ...config, ...withCallbacks() }, agent: { extension: ada.number }, callbacks }, CUSTOMER, toSimulator);
    expect(placed.ok, placed.error).toBe(true);
    expect(placed.request!.url).toBe(`https://${SPACE}.signalwire.com/api/laml/2010-04-01/Accounts/${PROJECT_ID}/Calls.json`);
    const sid = placed.record.call_id!;
    expect(sid).toMatch(/^[0-9a-f-]{36}$/);
    const report = await api(relay, ada.token, 'POST', '/calls', { instance: 'signalwire-main', call_id: sid, to_number: CUSTOMER, from_number: placed.record.from_number, status: placed.record.call_status });
    expect([200, 201]).toContain(report.status);
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
    expect(call.exchanges.map((e) => [e.kind, e.params.CallStatus, e.status])).toEqual([
      ['status', 'initiated', 200],
      ['status', 'ringing', 200],
      ['voice', 'in-progress', 200],
      ['status', 'in-progress', 200],
      ['dial-action', 'in-progress', 200],
      ['status', 'completed', 200],
    ]);

    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    const events = socket.events;
    expect(events[0]!.event).toBe('created');
    expect(events.filter((e) => e.event === 'created')).toHaveLength(1);
    expect(events.every((e) => e.call.call_id === sid)).toBe(true);
    const ranks = events.map((e) => RANK[e.call.status as string] ?? -1);
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));

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
      duration: 47,
    });
    await socket.close();
  });

  it("shows SignalWire's error for a wrong API token and places no call", async () => {
    const before = signalwire.calls.size;
    const placed = await placeCall(plan, { config: { ...config, api_token: 'wrong' }, agent: { extension: ada.number }, callbacks }, CUSTOMER, toSimulator);
    expect(placed).toMatchObject({ ok: false, error: 'Authenticate' });
    expect(signalwire.calls.size).toBe(before);
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent and rings their phones', async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    const bobSocket = await AgentClient.connect(relay, bob.token, { lastSeq: null });
    await Promise.all([adaSocket.waitFor((c) => !!c.welcome), bobSocket.waitFor((c) => !!c.welcome)]);

    const call = signalwire.inboundCall({ url: callbacks.incoming, from: '+14155550199', to: SIGNALWIRE_NUMBER, statusCallback: callbacks.status });
    await call.done;

    expect(call.exchanges[0]).toMatchObject({ kind: 'voice', status: 200 });
    expect(call.dialed).toEqual([ada.number, bob.number]);
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sid, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: SIGNALWIRE_NUMBER } });
    }
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });
});

describe('webhook signatures', () => {
  const form = (sid: string) => new URLSearchParams({ AccountSid: PROJECT_ID, CallSid: sid, CallStatus: 'completed', From: '+14155550177', To: SIGNALWIRE_NUMBER, Direction: 'inbound' }).toString();
  const post = (sid: string, headers: Record<string, string>) =>
    fetch(callbacks.status.replace(PUBLIC_URL, relay.url), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: form(sid) });

  it.each([
    ['a wrong X-SignalWire-Signature', (body: string) => ({ 'X-SignalWire-Signature': signLaml(SIGNING_KEY, callbacks.status, Object.fromEntries(new URLSearchParams(body))).replace(/^./, 'A') })],
    ['a signature made with the API token instead of the Signing Key', (body: string) => ({ 'X-SignalWire-Signature': signLaml(API_TOKEN, callbacks.status, Object.fromEntries(new URLSearchParams(body))) })],
    ['only a valid X-Twilio-Signature', (body: string) => ({ 'X-Twilio-Signature': signLaml(SIGNING_KEY, callbacks.status, Object.fromEntries(new URLSearchParams(body))) })],
  ])('refuses %s with 403 and stores nothing', async (_case, headers) => {
    const sid = crypto.randomUUID();
    const response = await post(sid, headers(form(sid)));
    expect(response.status).toBe(403);
    expect(await storedCallIds()).not.toContain(sid);
  });

  it('accepts the same webhook signed with the Signing Key', async () => {
    const sid = crypto.randomUUID();
    const response = await post(sid, { 'X-SignalWire-Signature': signLaml(SIGNING_KEY, callbacks.status, Object.fromEntries(new URLSearchParams(form(sid)))) });
    expect(response.status).toBe(200);
    expect(await storedCallIds()).toContain(sid);
  });
});

async function storedCallIds(): Promise<string[]> {
  const list = await api(relay, ada.token, 'GET', '/calls?limit=200');
  return list.body.calls.map((c: { call_id: string }) => c.call_id);
}

/** The relay's callback URLs as the extension passes them to the engine (config fields). */
function withCallbacks(): Record<string, string> {
  return { answer_callback: callbacks.answer, status_callback: callbacks.status, incoming_callback: callbacks.incoming };
}
