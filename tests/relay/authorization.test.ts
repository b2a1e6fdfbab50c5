/**
 * Agent A cannot read, change or receive anything of agent B's, on a real relay process:
 * every attempt fails closed (404 for someone else's id, exactly like an id that does not
 * exist; 401 without a valid token), and B's data is unchanged afterwards.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSid, TwilioSimulator } from '../simulators/twilio.ts';
import { AgentClient, addAgent, api, relayCli, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const AUTH_TOKEN = 'authorization-test-token';

let dir: ReturnType<typeof tempDir>;
let db: string;
let relay: RelayProcess;
let twilio: TwilioSimulator;
let alice: TestAgent;
let mallory: TestAgent;
let aliceCallId: number;
let aliceHooks: { answer: string; status: string; incoming: string };

beforeAll(async () => {
  dir = tempDir();
  db = join(dir.path, 'relay.db');
  alice = await addAgent(db, { name: 'Alice', number: '+14155550111' });
  mallory = await addAgent(db, { name: 'Mallory', number: '+14155550166' });
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
  twilio = await TwilioSimulator.start({ accountSid: 'AC1', authToken: AUTH_TOKEN, forward: (url) => url.replace(PUBLIC_URL, relay.url) });
  const config = { authid: 'AC1', authtoken: AUTH_TOKEN, callerid: '+15005550006' };
  aliceHooks = (await api(relay, alice.token, 'PUT', '/instances/main', { connector: 'twilio', config })).body.callbacks;
  await api(relay, mallory.token, 'PUT', '/instances/mine', { connector: 'twilio', config: { ...config, authtoken: 'mallory-token' } });
  const reported = await api(relay, alice.token, 'POST', '/calls', { instance: 'main', call_id: 'CAalice', to_number: '+14155550100' });
  aliceCallId = reported.body.id;
  await api(relay, alice.token, 'PATCH', `/calls/${aliceCallId}`, { notes: 'private note' });
});

afterAll(async () => {
  await twilio?.close();
  await relay?.stop();
  dir?.remove();
});

describe("another agent's data", () => {
  it('cannot be read', async () => {
    expect((await api(relay, mallory.token, 'GET', `/calls/${aliceCallId}`)).status).toBe(404);
    expect((await api(relay, mallory.token, 'GET', '/calls')).body).toEqual({ calls: [], next_cursor: null });
    expect((await api(relay, mallory.token, 'GET', '/calls?number=%2B14155550100')).body.calls).toEqual([]);
    expect((await api(relay, mallory.token, 'GET', '/instances')).body.map((i: { id: string }) => i.id)).toEqual(['mine']);
    expect((await api(relay, mallory.token, 'GET', '/instances/main')).status).toBe(404);
    expect((await api(relay, mallory.token, 'GET', '/me')).body.id).toBe(mallory.id);
  });

  it('cannot be changed', async () => {
    expect((await api(relay, mallory.token, 'PATCH', `/calls/${aliceCallId}`, { notes: 'overwritten' })).status).toBe(404);
    expect((await api(relay, mallory.token, 'DELETE', '/instances/main')).status).toBe(404);
    expect((await api(relay, mallory.token, 'POST', '/calls', { instance: 'main', call_id: 'CAalice', to_number: '+19005550000' })).status).toBe(404);
    // Same local id, own instance: a separate instance, Alice's is untouched.
    expect((await api(relay, mallory.token, 'PUT', '/instances/main', { connector: 'ozonetel', config: {} })).status).toBe(200);
    // Same provider call id on Mallory's own instance: a separate record.
    expect((await api(relay, mallory.token, 'POST', '/calls', { instance: 'mine', call_id: 'CAalice', to_number: '+19005550000' })).status).toBe(201);

    const call = await api(relay, alice.token, 'GET', `/calls/${aliceCallId}`);
    expect(call.body).toMatchObject({ call_id: 'CAalice', to_number: '+14155550100', notes: 'private note' });
    const instances = (await api(relay, alice.token, 'GET', '/instances')).body;
    expect(instances).toHaveLength(1);
    expect(instances[0]).toMatchObject({ id: 'main', connector: 'twilio', callbacks: aliceHooks });
  });

  it("cannot be received, live or replayed, and her webhooks do not reach him", async () => {
    const snoop = await AgentClient.connect(relay, mallory.token, { lastSeq: 0 });
    const own = await AgentClient.connect(relay, alice.token, { lastSeq: null });
    await Promise.all([snoop.waitFor((c) => c.welcome !== undefined), own.waitFor((c) => c.welcome !== undefined)]);
    const sid = newSid();
    const call = { sid, direction: 'outbound-api' as const, from: '+15005550006', to: alice.number, status: 'ringing', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    expect((await twilio.webhook(call, 'status', 'POST', aliceHooks.status)).status).toBe(200);
    await own.waitFor((c) => c.events.some((e) => e.call.call_id === sid));
    snoop.ws.send(JSON.stringify({ type: 'ping' }));
    await snoop.waitFor((c) => c.messages.some((m) => m.type === 'pong'));
    expect(snoop.events.every((e) => e.call.call_id === 'CAalice' && e.call.instance_id === 'mine')).toBe(true);
    expect(snoop.events.some((e) => e.call.instance_id === 'main')).toBe(false);
    await Promise.all([snoop.close(), own.close()]);
  });

  it('cannot be put on her screen or her phone by an incoming call he fabricates on his own instance', async () => {
    const own = await AgentClient.connect(relay, alice.token, { lastSeq: null });
    const his = await AgentClient.connect(relay, mallory.token, { lastSeq: null });
    await Promise.all([own.waitFor((c) => c.welcome !== undefined), his.waitFor((c) => c.welcome !== undefined)]);
    // His own Twilio instance, his own provider token, a valid signature: only the call's target is forged.
    const hooks = (await api(relay, mallory.token, 'GET', '/instances/mine')).body.callbacks;
    const forger = await TwilioSimulator.start({ accountSid: 'AC1', authToken: 'mallory-token', forward: (url) => url.replace(PUBLIC_URL, relay.url) });
    const sid = newSid();
    const call = { sid, direction: 'inbound' as const, from: '+14155550199', to: alice.number, status: 'ringing', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    const answer = await forger.webhook(call, 'voice', 'POST', hooks.incoming);
    await forger.close();
    expect(answer.status).toBe(200);
    expect(answer.body).toContain(`>${mallory.number}</Number>`);
    expect(answer.body).not.toContain(alice.number);
    await his.waitFor((c) => c.events.some((e) => e.call.call_id === sid));
    // A pong answers a ping sent after the webhook was stored: an event for her would have come first.
    own.ws.send(JSON.stringify({ type: 'ping' }));
    await own.waitFor((c) => c.messages.some((m) => m.type === 'pong'));
    expect(own.events.filter((e) => e.call.call_id === sid)).toEqual([]);
    expect((await api(relay, alice.token, 'GET', `/calls?number=${encodeURIComponent('+14155550199')}`)).body.calls).toEqual([]);
    await Promise.all([own.close(), his.close()]);
  });

  it('cannot be written through her callback URLs with his provider token', async () => {
    // Signed with Mallory's provider token, sent to Alice's URL: refused.
    const forged = await TwilioSimulator.start({ accountSid: 'AC1', authToken: 'mallory-token', forward: (url) => url.replace(PUBLIC_URL, relay.url) });
    const call = { sid: newSid(), direction: 'inbound' as const, from: '+14155550199', to: '+15005550006', status: 'ringing', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
    expect((await forged.webhook(call, 'voice', 'POST', aliceHooks.incoming)).status).toBe(403);
    await forged.close();
  });
});

describe('tokens', () => {
  it('are required on every endpoint', async () => {
    for (const [method, path] of [
      ['GET', '/me'],
      ['PATCH', '/me'],
      ['GET', '/connectors'],
      ['GET', '/instances'],
      ['PUT', '/instances/x'],
      ['DELETE', '/instances/main'],
      ['GET', '/calls'],
      ['POST', '/calls'],
      ['GET', `/calls/${aliceCallId}`],
      ['PATCH', `/calls/${aliceCallId}`],
    ] as const) {
      expect((await api(relay, undefined, method, path, method === 'GET' || method === 'DELETE' ? undefined : {})).status, `${method} ${path}`).toBe(401);
      expect((await api(relay, `${alice.token}x`, method, path)).status, `${method} ${path}`).toBe(401);
    }
    // Refused before the upgrade: no socket is opened for a token the relay does not know.
    await expect(AgentClient.connect(relay, `${alice.token}x`)).rejects.toThrow(/401/);
    await expect(AgentClient.connect(relay, `${alice.token}x`, { mode: 'subprotocol' })).rejects.toThrow(/401/);
  });

  it('stop working when the agent is removed, on the sockets already open too', async () => {
    const temp = await addAgent(db, { name: 'Temp', number: '+14155550177' });
    expect((await api(relay, temp.token, 'GET', '/me')).status).toBe(200);
    const open = await AgentClient.connect(relay, temp.token, { lastSeq: null });
    await open.waitFor((c) => c.welcome !== undefined);
    const removed = await relayCli(['agent', 'remove', temp.id, '--db', db]);
    expect(removed.code).toBe(0);
    expect(await open.closed).toEqual({ code: 4401, reason: 'the agent was removed' });
    expect((await api(relay, temp.token, 'GET', '/me')).status).toBe(401);
    await expect(AgentClient.connect(relay, temp.token, { mode: 'subprotocol' })).rejects.toThrow(/401/);
  });
});
