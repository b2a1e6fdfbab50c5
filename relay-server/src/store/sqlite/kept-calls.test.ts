import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCall } from '../../calls/merge.ts';
import type { NewAgent, RelayStore, StoreTables } from '../index.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';
import { SqliteTables } from './tables.ts';

// The calls the store keeps with their agents between webhooks (KeptCalls).

const AT = '2026-12-01T09:00:00.000Z';
const LATER = '2026-12-01T09:00:05.000Z';
const agent = (id: string, createdAt = AT): NewAgent => ({ id, name: id, number: '+14155550100', email: null, admin: id === 'ada', tokenHash: `h-${id}`, createdAt });
const instance = { agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: AT };

/** What a webhook does: a new call for `agentIds`, then, in another transaction, its update. */
async function ringThenComplete(store: RelayStore, agentIds: string[]): Promise<number> {
  const id = await store.transaction(async (tx) => {
    const inserted = await tx.insertCall('in_main', 'CA1', mergeCall(undefined, { direction: 'inbound', status: 'ringing', from_number: '+15005550006', extra: { region: 'us1' } }), AT);
    await tx.linkAgents(await agentsById(tx, agentIds), inserted);
    return inserted;
  });
  await store.transaction(async (tx) => {
    const known = (await tx.callByKey('in_main', 'CA1'))!;
    await tx.callAgents('in_main', 'CA1');
    await tx.updateCall(known.id, mergeCall(known, { status: 'completed', duration: 42, extra: { price: '0.01' } }), LATER);
  });
  return id;
}

const agentsById = (tables: Pick<StoreTables, 'agentById'>, ids: string[]) => Promise.all(ids.map(async (id) => (await tables.agentById(id))!));

let dir: string;
let store: RelayStore;
/** Another process's connection to the same file, which keeps nothing it did not read itself. */
let otherDb: Database.Database;
let other: SqliteTables;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relay-kept-calls-'));
  const file = join(dir, 'relay.db');
  store = openSqliteStore(file);
  // Added out of order: the call's agents are read oldest first.
  await store.addAgent(agent('ada', LATER));
  await store.addAgent(agent('bob'));
  await store.addAgent(agent('cy'));
  await store.putInstance(instance, { uid: 'in_main', secret: 's3cret' });
  otherDb = new Database(file);
  other = new SqliteTables(otherDb);
});

afterEach(async () => {
  otherDb.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a call kept with its agents', () => {
  it('is what a read of its rows gives, field by field and in the same order, through inserts, links, updates, notes and CRM fields', async () => {
    const id = await ringThenComplete(store, ['ada', 'bob']);
    await store.linkAgents(await agentsById(store, ['cy', 'bob']), id);
    await store.setCallNotes(id, { notes: 'call back', disposition: 'sale' }, LATER);
    await store.setCallCrm(id, { contact: { id: '12x1', name: 'Grace', company: null, url: 'https://crm.example/12x1' }, contacts: [], new_contact_url: null, crm_log: null }, LATER);
    const kept = await store.callByKey('in_main', 'CA1');
    expect(JSON.stringify(kept)).toBe(JSON.stringify(other.callByKey('in_main', 'CA1')));
    expect(kept).toMatchObject({ status: 'completed', duration: 42, notes: 'call back', extra: { region: 'us1', price: '0.01' }, contact: { name: 'Grace' } });
    expect(await store.callAgents('in_main', 'CA1')).toEqual(other.callAgents('in_main', 'CA1'));
    expect((await store.callAgents('in_main', 'CA1')).map((a) => a.id)).toEqual(['bob', 'cy', 'ada']);
  });

  it('cannot be changed by whoever it is handed to', async () => {
    await ringThenComplete(store, ['ada']);
    const kept = (await store.callByKey('in_main', 'CA1'))!;
    expect(() => Object.assign(kept, { status: 'failed' })).toThrow(TypeError);
    expect(() => Object.assign(kept.extra, { region: 'eu1' })).toThrow(TypeError);
    const [ada] = await store.callAgents('in_main', 'CA1');
    expect(() => Object.assign(ada!, { number: '+15005550006' })).toThrow(TypeError);
  });

  it('follows what another process commits to the call or to its agents', async () => {
    const id = await ringThenComplete(store, ['ada']);
    await store.callByKey('in_main', 'CA1');
    other.setCallNotes(id, { notes: 'from the other relay', disposition: null }, LATER);
    expect(await store.callByKey('in_main', 'CA1')).toMatchObject({ notes: 'from the other relay' });
    other.updateAgent('ada', { number: '+15005550006' });
    expect((await store.callAgents('in_main', 'CA1')).map((a) => a.number)).toEqual(['+15005550006']);
  });

  it("follows this process's own changes to the call's agents", async () => {
    await ringThenComplete(store, ['ada', 'bob']);
    await store.callAgents('in_main', 'CA1');
    await store.updateAgent('bob', { number: '+15005550006' });
    expect((await store.callAgents('in_main', 'CA1')).map((a) => a.number)).toEqual(['+15005550006', '+14155550100']);
    await store.removeAgent('bob');
    expect((await store.callAgents('in_main', 'CA1')).map((a) => a.id)).toEqual(['ada']);
  });

  it('forgets what a transaction changed once it is rolled back', async () => {
    await ringThenComplete(store, ['ada']);
    await expect(
      store.transaction(async (tx) => {
        const known = (await tx.callByKey('in_main', 'CA1'))!;
        await tx.updateCall(known.id, mergeCall(known, { recording_url: 'https://rec.example/1' }), LATER);
        await tx.linkAgents(await agentsById(tx, ['bob']), known.id);
        expect(await tx.callByKey('in_main', 'CA1')).toMatchObject({ recording_url: 'https://rec.example/1' });
        throw new Error('the webhook failed');
      }),
    ).rejects.toThrow('the webhook failed');
    expect(await store.callByKey('in_main', 'CA1')).toMatchObject({ recording_url: null });
    expect((await store.callAgents('in_main', 'CA1')).map((a) => a.id)).toEqual(['ada']);
  });
});

it('reads neither the call nor its agents again for its next webhook', () => {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) db.exec(migration);
  const tables = new SqliteTables(db);
  tables.addAgent(agent('ada'));
  tables.putInstance(instance, { uid: 'in_main', secret: 's3cret' });
  const id = tables.insertCall('in_main', 'CA1', mergeCall(undefined, { status: 'ringing' }), AT);
  tables.linkAgents([tables.agentById('ada')!], id);
  // Behind the store's back (this connection's own statement, no version moved): what is kept is what was written.
  db.exec(`UPDATE calls SET status = 'failed'`);
  db.exec(`DELETE FROM call_agents`);
  expect(tables.callByKey('in_main', 'CA1')).toMatchObject({ status: 'ringing' });
  expect(tables.callAgents('in_main', 'CA1').map((a) => a.id)).toEqual(['ada']);
  db.close();
});
