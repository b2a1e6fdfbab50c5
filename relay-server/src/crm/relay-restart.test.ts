/**
 * The CRM outbox in a running relay (server.ts's wiring, a database file, real timers): calls
 * are logged with no one driving the worker, and a relay that stops between the CRM's answer
 * and its own commit leaves a row that the next start recovers without creating twice. The
 * CRM is the scripted session; the real engine and simulators come with the contract tests.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { computeTwilioSignature } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateToken, hashToken } from '../auth/token.ts';
import { createLogger } from '../log.ts';
import { type RunningRelay, startRelay } from '../server.ts';
import { SCRIPTED_XML, ScriptedCrm, scriptedEngine } from './scripted-crm.ts';

const TWILIO_TOKEN = 'restart-test-twilio-token';
const ACCESS_KEY = 'restart-test-crm-access-key';
const WAIT = { timeout: 15_000, interval: 20 };

let dir: string;
let crm: ScriptedCrm;
let relay: RunningRelay;
let logs: string[];
let token: string;
/** How often the relay asked its CRM engine to get ready (a threaded engine starts its thread then). */
let starts: number;
/** What the engine's start waits for before it says it is ready. */
let ready: Promise<void>;

async function start() {
  relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    db: join(dir, 'relay.db'),
    crmConnectorsDir: join(dir, 'crm'),
    crmEngine: { ...scriptedEngine(crm).engine, start: () => (starts++, ready) },
    crmOutbox: { stopGraceMs: 50 },
    log: createLogger({ write: (line) => logs.push(line) }),
  });
}

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${relay.publicUrl}/api/v1${path}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

async function webhook(url: string, params: Record<string, string>) {
  const signature = await computeTwilioSignature(TWILIO_TOKEN, url, params);
  const response = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature }, body: new URLSearchParams(params) });
  expect(response.status).toBe(200);
}

/** Sets the instance up (again: the port, hence the callback URLs, change with each start) and runs a call from ringing to completed. */
async function completedCall(sid: string) {
  const put = await api('PUT', '/instances/main', {
    connector: 'twilio',
    config: { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006' },
    crm: { connector: 'scripted', config: { url: 'https://crm.example.test', username: 'ada', accesskey: ACCESS_KEY } },
  });
  expect(put.status).toBe(200);
  await webhook(put.body.callbacks.incoming, { CallSid: sid, From: '+14155550199', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' });
  await webhook(put.body.callbacks.status, { CallSid: sid, CallStatus: 'completed', CallDuration: '30' });
}

const crmLogOf = async (sid: string) => (await api('GET', '/calls')).body.calls.find((c: { call_id: string }) => c.call_id === sid)?.crm_log;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relay-crm-'));
  // The bundled CRM connectors folder, as the relay reads it at start.
  mkdirSync(join(dir, 'crm'));
  writeFileSync(join(dir, 'crm', 'scripted.xml'), SCRIPTED_XML);
  crm = new ScriptedCrm();
  logs = [];
  starts = 0;
  ready = Promise.resolve();
  await start();
  token = generateToken();
  await relay.store.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: true, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
});

afterEach(async () => {
  await relay.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the CRM outbox in a running relay', () => {
  it('logs a completed call on its own, and never logs the CRM access key', async () => {
    await completedCall('CA1');
    await vi.waitFor(async () => expect(await crmLogOf('CA1')).toMatchObject({ state: 'logged', id: 'act-1' }), WAIT);
    expect(crm.asked('logCall')).toHaveLength(1);
    expect((await api('GET', '/crm-connectors')).body.map((c: { id: string }) => c.id)).toEqual(['scripted']);
    expect(logs.join('\n')).not.toContain(ACCESS_KEY);
  });

  it('gets the CRM engine ready only once an instance has a CRM: when an agent sets one up, and at the start of a relay that has one', async () => {
    expect(starts).toBe(0);
    const provider = { connector: 'twilio', config: { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006' } };
    expect((await api('PUT', '/instances/main', provider)).status).toBe(200);
    expect(starts).toBe(0);
    await relay.close();
    await start();
    expect(starts).toBe(0);
    // The setup is answered once the engine is ready, not before: the instance's first calls find it loaded.
    let loaded!: () => void;
    ready = new Promise((resolve) => (loaded = resolve));
    let answered = false;
    const setup = api('PUT', '/instances/main', { ...provider, crm: { connector: 'scripted', config: { url: 'https://crm.example.test', username: 'ada', accesskey: ACCESS_KEY } } }).then((answer) => {
      answered = true;
      return answer;
    });
    await vi.waitFor(() => expect(starts).toBe(1), WAIT);
    expect((await api('GET', '/instances')).status).toBe(200);
    expect(answered).toBe(false);
    loaded();
    expect((await setup).status).toBe(200);
    await completedCall('CA3');
    expect(starts).toBe(2);
    await relay.close();
    await start();
    expect(starts).toBe(3);
  });

  it('recovers a write the relay stopped in the middle of, without creating a second record', async () => {
    const release = crm.hang('logCall');
    await completedCall('CA2');
    await vi.waitFor(() => expect(crm.asked('logCall')).toHaveLength(1), WAIT);
    // The relay goes down while the CRM is creating the record; the CRM finishes after our store is closed.
    await relay.close();
    release();
    await vi.waitFor(() => expect(crm.records.size).toBe(1), WAIT);

    await start();
    await vi.waitFor(async () => expect(await crmLogOf('CA2')).toMatchObject({ state: 'logged', id: 'act-1' }), WAIT);
    expect(crm.asked('findCallLog')).toHaveLength(1);
    expect(crm.asked('logCall')).toHaveLength(1);
    expect(crm.records.size).toBe(1);
    expect(logs.some((line) => line.includes('rows left in flight by a previous run'))).toBe(true);
  });
});
