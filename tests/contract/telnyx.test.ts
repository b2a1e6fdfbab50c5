/**
 * connectors/telnyx.xml against the Telnyx TeXML simulator, through a real relay process:
 * click to call (create call -> answer -> status -> completed), an incoming call that rings the
 * agents, and webhooks whose Ed25519 signature is forged, stale or for another body.
 */
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ConnectorPlan, loadConnector, placeCall } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentClient, addAgent, api, REPO_ROOT, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from '../relay/harness.ts';
import { newCallSid, TelnyxSimulator, type TexmlCall } from '../simulators/telnyx.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const API_KEY = 'KEY0123456789ABCDEF_tests';
const ACCOUNT_SID = 'f5586561-8ff0-4291-a51b-c7dfe4139ff9';
const APPLICATION_SID = '1293384261075731499';
const TELNYX_NUMBER = '+13120001234';
const CUSTOMER = '+14155550100';

let dir: ReturnType<typeof tempDir>;
let relay: RelayProcess;
let telnyx: TelnyxSimulator;
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
  telnyx = await TelnyxSimulator.start({ apiKey: API_KEY, accountSid: ACCOUNT_SID, applicationSid: APPLICATION_SID, forward: (url) => url.replace(PUBLIC_URL, relay.url) });
  config = { api_key: API_KEY, account_sid: ACCOUNT_SID, application_sid: APPLICATION_SID, callerid: TELNYX_NUMBER, public_key: telnyx.publicKey };
  const put = await api(relay, ada.token, 'PUT', '/instances/telnyx-main', { connector: 'telnyx', config });
  expect(put.status, JSON.stringify(put.body)).toBe(200);
  callbacks = put.body.callbacks;
  plan = loadConnector(readFileSync(join(REPO_ROOT, 'connectors/telnyx.xml'), 'utf8'));
}, 30_000);

afterAll(async () => {
  await telnyx?.close();
  await relay?.stop();
  dir?.remove();
});

const toSimulator = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => fetch(url.replace('https://api.telnyx.com', telnyx.baseUrl), init);

const RANK: Record<string, number> = { queued: 0, ringing: 1, 'in-progress': 2, completed: 3 };

async function storedCallIds(): Promise<string[]> {
  const list = await api(relay, ada.token, 'GET', '/calls?limit=200');
  return list.body.calls.map((c: { call_id: string }) => c.call_id);
}

describe('outbound call (click to call)', () => {
  it('bridges the agent to the customer and pushes each change to the agent', async () => {
    const socket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    await socket.waitFor((c) => c.welcome !== undefined);

    const placed = await placeCall(plan, { config, agent: { extension: ada.number }, callbacks }, CUSTOMER, toSimulator);
    expect(placed.ok, placed.error).toBe(true);
    expect(JSON.parse(placed.request!.body!)).toMatchObject({ ApplicationSid: APPLICATION_SID, To: ada.number, From: TELNYX_NUMBER, StatusCallbackEvent: 'initiated ringing answered completed' });
    const sid = placed.record.call_id!;
    expect(sid).toMatch(/^v3:/);
    const report = await api(relay, ada.token, 'POST', '/calls', { instance: 'telnyx-main', call_id: sid, to_number: CUSTOMER, from_number: placed.record.from_number, status: placed.record.call_status });
    expect([200, 201]).toContain(report.status);
    const call = telnyx.calls.get(sid)!;
    await call.done;

    expect([call.to, call.from]).toEqual([ada.number, TELNYX_NUMBER]);
    const voice = call.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550100`);
    expect(voice.contentType).toMatch(/^text\/xml/);
    expect(voice.reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number>${CUSTOMER}</Number></Dial></Response>`);
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
    expect(calls.body.calls[0]).toMatchObject({ instance_id: 'telnyx-main', call_id: sid, direction: 'outbound', status: 'completed', to_number: CUSTOMER, from_number: TELNYX_NUMBER, user_number: ada.number, duration: 47 });
    await socket.close();
  });

  it.each([
    ['a wrong API key', { api_key: 'KEY-wrong' }, 'The required authentication headers were either invalid or not included in the request.'],
    ['an unknown TeXML Application', { application_sid: '42' }, 'ApplicationSid does not exist.'],
  ])("shows Telnyx's error for %s and places no call", async (_case, override, error) => {
    const before = telnyx.calls.size;
    const placed = await placeCall(plan, { config: { ...config, ...override }, agent: { extension: ada.number }, callbacks }, CUSTOMER, toSimulator);
    expect(placed).toMatchObject({ ok: false, error });
    expect(telnyx.calls.size).toBe(before);
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent and rings their phones', async () => {
    const adaSocket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
    const bobSocket = await AgentClient.connect(relay, bob.token, { lastSeq: null });
    await Promise.all([adaSocket.waitFor((c) => !!c.welcome), bobSocket.waitFor((c) => !!c.welcome)]);

    const call = telnyx.inboundCall({ url: callbacks.incoming, from: '+14155550199', to: TELNYX_NUMBER, statusCallback: callbacks.status });
    await call.done;

    expect(call.exchanges[0]).toMatchObject({ kind: 'voice', status: 200 });
    expect(call.dialed).toEqual([ada.number, bob.number]);
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sid, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: TELNYX_NUMBER } });
    }
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(view).toMatchObject({ call_id: call.sid, status: 'completed', duration: 35 });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });
});

describe('webhook signatures', () => {
  const strayCall = (): TexmlCall => ({ sid: newCallSid(), direction: 'inbound', from: '+14155550177', to: TELNYX_NUMBER, status: 'ringing', dialed: [], errors: [], exchanges: [], done: Promise.resolve() });
  const otherKey = generateKeyPairSync('ed25519').privateKey;

  it.each([
    ['signed with another key', { signWith: otherKey }],
    ['signed ten minutes ago (a replay)', { signedAt: Math.floor(Date.now() / 1000) - 600 }],
    ['signed in the future', { signedAt: Math.floor(Date.now() / 1000) + 600 }],
  ])('refuses a webhook %s with 403 and stores nothing', async (_case, tamper) => {
    const call = strayCall();
    const exchange = await telnyx.webhook(call, 'voice', callbacks.incoming, {}, tamper);
    expect(exchange.status).toBe(403);
    expect(await storedCallIds()).not.toContain(call.sid);
  });

  it('refuses a valid signature and timestamp replayed over another body', async () => {
    const signed = await telnyx.webhook(strayCall(), 'voice', callbacks.incoming);
    expect(signed.status).toBe(200);
    const response = await fetch(callbacks.incoming.replace(PUBLIC_URL, relay.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'telnyx-signature-ed25519': signed.signature, 'telnyx-timestamp': signed.timestamp },
      body: signed.body.replace('%2B14155550177', '%2B14155550178'),
    });
    expect(response.status).toBe(403);
  });

  it('refuses a webhook without the signature headers', async () => {
    const sid = newCallSid();
    const response = await fetch(callbacks.status.replace(PUBLIC_URL, relay.url), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ AccountSid: ACCOUNT_SID, CallSid: sid, CallStatus: 'completed' }).toString(),
    });
    expect(response.status).toBe(403);
    expect(await storedCallIds()).not.toContain(sid);
  });
});
