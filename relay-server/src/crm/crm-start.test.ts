/**
 * Two relays on one store (a SQLite file, a PostgreSQL database): a CRM set up through one gets
 * the other's CRM engine ready and its bundled connectors compiled, with no call on the other.
 * server.ts's wiring, real stores and their change notices; the CRM is the scripted one.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { generateToken, hashToken } from '../auth/token.ts';
import { createLogger } from '../log.ts';
import { type RelayOptions, type RunningRelay, startRelay } from '../server.ts';
import { freshDatabase } from '../testing-postgres.ts';
import type { CrmConnectorPlan } from './engine.ts';
import { SCRIPTED_XML, ScriptedCrm, scriptedEngine } from './scripted-crm.ts';

const WAIT = { timeout: 20_000, interval: 20 };

/**
 * A relay with the scripted CRM, and what it asked of its engine: to get ready (asked again, a thread
 * engine keeps the one thread: a PostgreSQL relay may hear of its own setup too), and which plans to
 * compile ahead.
 */
interface Relay {
  relay: RunningRelay;
  crm: ScriptedCrm;
  ready: boolean;
  prepared: Set<CrmConnectorPlan>;
}

let dir: string;
const relays: Relay[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'relay-crm-start-'));
  mkdirSync(join(dir, 'crm'));
  writeFileSync(join(dir, 'crm', 'scripted.xml'), SCRIPTED_XML);
});

afterEach(async () => {
  await Promise.all(relays.splice(0).map(({ relay }) => relay.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function start(store: Pick<RelayOptions, 'db' | 'databaseUrl'>): Promise<Relay> {
  const crm = new ScriptedCrm();
  const started: Relay = { relay: undefined!, crm, ready: false, prepared: new Set() };
  started.relay = await startRelay({
    port: 0,
    host: '127.0.0.1',
    ...store,
    changePollMs: 20,
    crmConnectorsDir: join(dir, 'crm'),
    crmEngine: {
      ...scriptedEngine(crm).engine,
      start: async () => void (started.ready = true),
      prepare: (plan) => void started.prepared.add(plan),
    },
    log: createLogger({ write: () => {} }),
  });
  relays.push(started);
  return started;
}

describe.each([
  ['one SQLite file', async () => ({ db: join(dir, 'relay.db') })],
  ['one PostgreSQL database', async () => ({ databaseUrl: await freshDatabase() })],
])('two relays on %s', (_, location) => {
  it("gets the other relay's CRM engine ready when an agent sets a CRM up through one, before any call", async () => {
    const store = await location();
    const [here, there] = [await start(store), await start(store)];
    expect([here.ready, there.ready]).toEqual([false, false]);
    const token = generateToken();
    await here.relay.store.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: true, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
    const put = await fetch(`${here.relay.publicUrl}/api/v1/instances/main`, {
      method: 'PUT',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        connector: 'twilio',
        config: { authid: 'AC123', authtoken: 'twilio-token', callerid: '+15005550006' },
        crm: { connector: 'scripted', config: { url: 'https://crm.example.test', username: 'ada', accesskey: 'crm-access-key' } },
      }),
    });
    expect(put.status).toBe(200);
    // Through this relay: ready, its connector compiled and the instance's session opened, before its first call.
    expect(here.ready).toBe(true);
    expect(here.prepared.size).toBe(1);
    expect(here.crm.opened?.config).toMatchObject({ username: 'ada' });
    // The other relay, told by the store: ready and its bundled connector compiled, with no call and no session of its own yet.
    await vi.waitFor(() => expect(there.ready).toBe(true), WAIT);
    expect(there.prepared.size).toBe(1);
    expect(there.crm.opened).toBeUndefined();
    expect(there.crm.asked('findContacts')).toHaveLength(0);
    // A relay that starts on a store with a CRM is ready, its bundled connector compiled, once it listens.
    const third = await start(store);
    expect(third.ready).toBe(true);
    expect(third.prepared.size).toBe(1);
  });
});
