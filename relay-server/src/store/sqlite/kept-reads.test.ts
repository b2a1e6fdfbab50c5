import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCall } from '../../calls/merge.ts';
import type { AgentEvent, Call, InstanceInput, NewAgent, RelayStore, StoreTx } from '../index.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';
import { SqliteTables } from './tables.ts';

// What the store keeps between reads while the directory stays the same (KeptWhileDirectoryUnchanged).

const AT = '2026-12-01T09:00:00.000Z';
const LATER = '2026-12-01T10:00:00.000Z';
const TEAM = '+14155550100';
const agent = (id: string, number = TEAM): NewAgent => ({ id, name: id, number, email: null, admin: false, tokenHash: `h-${id}`, createdAt: AT });
const ada: NewAgent = { id: 'ada', name: 'ada', number: '+14155550111', email: null, admin: true, tokenHash: 'h-ada', createdAt: AT };
const main = (at = AT, config: Record<string, string> = { authid: 'AC1' }): InstanceInput => ({
  agentId: 'ada',
  localId: 'main',
  connector: 'twilio',
  xml: null,
  config,
  crm: { connector: 'vtiger', xml: null, config: { url: 'https://crm.example' } },
  at,
});
const UID = { uid: 'in_main', secret: 's3cret' };

let dir: string;
let store: RelayStore;
/** Another process's connection, as `relay agent …` and `relay instance …` have. */
let other: SqliteTables;
let otherDb: Database.Database;

/** A store on a fresh file with `seed` in it, and another process's connection to that file. */
function storeAndAnotherProcess(seed: (store: RelayStore) => Promise<void>): void {
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-kept-reads-'));
    const file = join(dir, 'relay.db');
    store = openSqliteStore(file);
    await seed(store);
    otherDb = new Database(file);
    other = new SqliteTables(otherDb);
  });

  afterEach(async () => {
    otherDb.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
}

/** Tables on a database in memory, behind whose back a test may change rows. */
function memoryTables(): { db: Database.Database; tables: SqliteTables } {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) db.exec(migration);
  return { db, tables: new SqliteTables(db) };
}

describe('the agents kept by number', () => {
  storeAndAnotherProcess(async (seeded) => {
    await seeded.addAgent(agent('ada'));
    await seeded.addAgent(agent('bob'));
  });

  it('are the same agents from one read to the next while the directory stays the same, and cannot be changed', async () => {
    const first = await store.agentsWithNumber(TEAM);
    const second = await store.agentsWithNumber(TEAM);
    expect(second.map((a) => a.id)).toEqual(['ada', 'bob']);
    expect(second[0]).toBe(first[0]);
    expect(second).not.toBe(first);
    expect(() => Object.assign(second[0]!, { number: '+15005550006' })).toThrow(TypeError);
  });

  it('follow what another process adds, changes and removes', async () => {
    await store.agentsWithNumber(TEAM);
    other.addAgent(agent('cy'));
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['ada', 'bob', 'cy']);
    other.updateAgent('ada', { number: '+15005550006' });
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['bob', 'cy']);
    other.removeAgent('bob');
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['cy']);
  });

  it('forget what a transaction saw of its own changes once it is rolled back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.addAgent(agent('ghost'));
        expect((await tx.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['ada', 'bob', 'ghost']);
        throw new Error('the webhook failed');
      }),
    ).rejects.toThrow('the webhook failed');
    // The directory's version is back where it was; another change brings it to the ghost's again.
    other.addAgent(agent('dan', '+15005550006'));
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['ada', 'bob']);
  });
});

it('reads the agents of a number once for as long as the directory does not change', () => {
  const { db, tables } = memoryTables();
  tables.addAgent(agent('ada'));
  tables.agentsWithNumber(TEAM);
  // Behind the directory's back (no trigger moves its version): what is kept is what was read.
  db.exec(`DROP TRIGGER agent_changed`);
  db.exec(`UPDATE agents SET name = 'Ada' WHERE id = 'ada'`);
  expect(tables.agentsWithNumber(TEAM)[0]!.name).toBe('ada');
  db.close();
});

describe('the instances kept with their owner', () => {
  storeAndAnotherProcess(async (seeded) => {
    await seeded.addAgent(ada);
    await seeded.putInstance(main(), UID);
  });

  it('are the same objects from one read to the next while the directory stays the same, and cannot be changed', async () => {
    const first = (await store.instanceWithOwner('in_main'))!;
    const second = (await store.instanceWithOwner('in_main'))!;
    expect(second.instance).toBe(first.instance);
    expect(second.owner).toBe(first.owner);
    expect(second).toEqual({ instance: await store.instanceByUid('in_main'), owner: await store.agentById('ada') });
    expect(() => Object.assign(second.instance, { secret: 'guessed' })).toThrow(TypeError);
    expect(() => Object.assign(second.instance.config, { authid: 'AC2' })).toThrow(TypeError);
    expect(() => Object.assign(second.instance.crm!.config, { url: 'https://evil.example' })).toThrow(TypeError);
    expect(() => Object.assign(second.owner, { admin: false })).toThrow(TypeError);
    expect(() => Object.assign(second.owner.profile, { country: 'GB' })).toThrow(TypeError);
  });

  it('follow what another process changes of the instance or its owner, and what it removes', async () => {
    await store.instanceWithOwner('in_main');
    other.putInstance(main(LATER, { authid: 'AC2' }), UID);
    expect((await store.instanceWithOwner('in_main'))!.instance).toMatchObject({ config: { authid: 'AC2' }, updatedAt: LATER });
    other.updateAgent('ada', { profile: { country: 'GB' } });
    expect((await store.instanceWithOwner('in_main'))!.owner.profile).toEqual({ country: 'GB' });
    other.deleteInstance('ada', 'main');
    expect(await store.instanceWithOwner('in_main')).toBeUndefined();
  });

  it("are what an instance's read by uid gives, the CRM's steps' (issue 10): the same kept object, following another process's changes", async () => {
    const kept = (await store.instanceWithOwner('in_main'))!.instance;
    expect(await store.instanceByUid('in_main')).toBe(kept);
    expect(await store.transaction((tx) => tx.instanceByUid('in_main'))).toBe(kept);
    other.putInstance(main(LATER, { authid: 'AC2' }), UID);
    expect(await store.instanceByUid('in_main')).toMatchObject({ config: { authid: 'AC2' }, updatedAt: LATER });
    other.deleteInstance('ada', 'main');
    expect(await store.instanceByUid('in_main')).toBeUndefined();
  });

  it('forget what a transaction saw of its own changes once it is rolled back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.updateAgent('ada', { profile: { country: 'GB' } });
        expect((await tx.instanceWithOwner('in_main'))!.owner.profile).toEqual({ country: 'GB' });
        throw new Error('the request failed');
      }),
    ).rejects.toThrow('the request failed');
    // The directory's version is back where it was; another change brings it to the rolled-back one's again.
    other.addAgent({ ...ada, id: 'bob', tokenHash: 'h-bob' });
    expect((await store.instanceWithOwner('in_main'))!.owner.profile).toEqual({});
  });
});

it.each([
  ['with its owner', (tables: SqliteTables) => tables.instanceWithOwner('in_main')?.instance],
  ['by uid', (tables: SqliteTables) => tables.instanceByUid('in_main')],
])('reads an instance %s once for as long as the directory does not change', (_, read) => {
  const { db, tables } = memoryTables();
  tables.addAgent(ada);
  tables.putInstance(main(), UID);
  read(tables);
  // Behind the directory's back (no trigger moves its version): what is kept is what was read.
  db.exec(`DROP TRIGGER instance_changed`);
  db.exec(`UPDATE instances SET secret = 'other' WHERE uid = 'in_main'`);
  expect(read(tables)!.secret).toBe('s3cret');
  db.close();
});

/** Each event's agent, seq and previous seq. */
const seqs = (events: readonly AgentEvent[]) => events.map((e) => [e.agentId, e.seq, e.prevSeq]);

describe("each agent's last seq kept between appends", () => {
  storeAndAnotherProcess(async (seeded) => {
    // The instance's owner apart: removing Ada or Bob leaves it.
    await seeded.addAgent(agent('owner'));
    await seeded.addAgent(agent('ada'));
    await seeded.addAgent(agent('bob'));
    await seeded.putInstance({ ...main(), agentId: 'owner' }, UID);
  });
  const created = (agentIds: string[]) => agentIds.map((agentId) => ({ agentId, kind: 'created' as const }));
  /** A new call for `agentIds`, linked and told in `tx`, as a webhook records it: the agents' seqs and previous seqs. */
  const newCall = async (tx: Pick<StoreTx, 'insertCall' | 'linkAgents' | 'callById' | 'appendEvents'>, callId: string, ...agentIds: string[]) => {
    const id = await tx.insertCall(UID.uid, callId, mergeCall(undefined, {}), AT);
    await tx.linkAgents(agentIds, id);
    return seqs(await tx.appendEvents(created(agentIds), (await tx.callById(id))!, AT));
  };
  const inStore = (callId: string, ...agentIds: string[]) => store.transaction((tx) => newCall(tx, callId, ...agentIds));
  /** `other`'s tables run synchronously: the same steps, as another process runs them. */
  const elsewhere = (callId: string, ...agentIds: string[]) => {
    const id = other.insertCall(UID.uid, callId, mergeCall(undefined, {}), AT);
    other.linkAgents(agentIds, id);
    return seqs(other.appendEvents(created(agentIds), other.callById(id)!, AT));
  };

  it('goes on from the events another process appended meanwhile', async () => {
    expect(await inStore('CA1', 'ada', 'bob')).toEqual([['ada', 1, 0], ['bob', 1, 0]]);
    expect(elsewhere('CA2', 'ada')).toEqual([['ada', 2, 1]]);
    expect(await inStore('CA3', 'ada', 'bob')).toEqual([['ada', 3, 2], ['bob', 3, 1]]);
  });

  it('starts again from nothing for an agent removed and added again, by another process or by this one', async () => {
    await inStore('CA1', 'ada');
    other.removeAgent('ada');
    other.addAgent(agent('ada'));
    expect(await inStore('CA2', 'ada')).toEqual([['ada', 2, 0]]);
    await store.removeAgent('ada');
    await store.addAgent(agent('ada'));
    expect(await inStore('CA3', 'ada')).toEqual([['ada', 3, 0]]);
  });

  it('takes back the seqs of a transaction rolled back, alone or in a batch whose others run again', async () => {
    await inStore('CA1', 'ada');
    await expect(
      store.transaction(async (tx) => {
        await newCall(tx, 'CA2', 'ada');
        throw new Error('the webhook failed');
      }),
    ).rejects.toThrow('the webhook failed');
    expect(await inStore('CA3', 'ada')).toEqual([['ada', 2, 1]]);
    // Queued in one turn, the two share a batch: the second's failure rolls the first back, which runs again.
    const [kept, failed] = await Promise.allSettled([
      store.transaction((tx) => newCall(tx, 'CA4', 'ada')),
      store.transaction(async (tx) => {
        await newCall(tx, 'CA5', 'ada', 'bob');
        throw new Error('the second webhook failed');
      }),
    ]);
    expect(kept).toEqual({ status: 'fulfilled', value: [['ada', 3, 2]] });
    expect(failed).toMatchObject({ status: 'rejected' });
    expect(await inStore('CA6', 'ada', 'bob')).toEqual([['ada', 4, 3], ['bob', 4, 0]]);
    expect((await store.eventsAfter('ada', 0, 10)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it("links an agent under its short id, read again once another process removed it, gave its short id to another and added it back", async () => {
    await inStore('CA1', 'ada', 'bob');
    // Bob had the last short id: Cy, added next, is given it.
    other.removeAgent('bob');
    other.addAgent(agent('cy'));
    other.addAgent(agent('bob'));
    await inStore('CA2', 'ada', 'bob');
    expect((await store.listCalls('bob', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA2']);
    expect(await store.listCalls('cy', { limit: 10 })).toEqual([]);
    expect(await store.eventsAfter('cy', 0, 10)).toEqual([]);
    expect((await store.eventsAfter('bob', 0, 10)).map((e) => [e.seq, e.prevSeq])).toEqual([[2, 0]]);
  });

  it("reads for every agent at once what another process appended after each one's seq, and what a rollback left, nothing more", async () => {
    await inStore('CA1', 'ada', 'bob');
    const read = async (after: Array<[string, number]>) => seqs(await store.eventsAfterEach(new Map(after), 10));
    expect(await read([['ada', 1], ['bob', 1]])).toEqual([]);
    expect(elsewhere('CA2', 'ada')).toEqual([['ada', 2, 1]]);
    expect(await read([['ada', 1], ['bob', 1]])).toEqual([['ada', 2, 1]]);
    expect(await read([['ada', 0], ['bob', 0]])).toEqual([['ada', 1, 0], ['ada', 2, 1], ['bob', 1, 0]]);
    await expect(
      store.transaction(async (tx) => {
        await newCall(tx, 'CA3', 'bob');
        throw new Error('the webhook failed');
      }),
    ).rejects.toThrow('the webhook failed');
    expect(await read([['ada', 2], ['bob', 1]])).toEqual([]);
    other.removeAgent('bob');
    expect(await read([['ada', 1], ['bob', 0]])).toEqual([['ada', 2, 1]]);
  });

  it('goes on from the log after a restart', async () => {
    await inStore('CA1', 'ada');
    await inStore('CA2', 'ada');
    await store.close();
    store = openSqliteStore(join(dir, 'relay.db'));
    expect(await inStore('CA3', 'ada', 'bob')).toEqual([['ada', 3, 2], ['bob', 3, 0]]);
  });
});

/** Tables in memory (`memoryTables`) where Ada has heard of one call, its created event seq 1. */
function tablesWithAdasFirstEvent(): ReturnType<typeof memoryTables> & { call: Call } {
  const { db, tables } = memoryTables();
  tables.addAgent(ada);
  tables.putInstance(main(), UID);
  const id = tables.insertCall(UID.uid, 'CA1', mergeCall(undefined, {}), AT);
  tables.linkAgents(['ada'], id);
  const call = tables.callById(id)!;
  tables.appendEvents([{ agentId: 'ada', kind: 'created' }], call, AT);
  return { db, tables, call };
}

it("reads an agent's last seq and the last call event's once for as long as no other connection commits", () => {
  const { db, tables, call } = tablesWithAdasFirstEvent();
  // Behind the kept seqs' back, on the same connection (data_version does not move): what is kept is what was written.
  db.exec(`DELETE FROM call_events`);
  expect(seqs(tables.appendEvents([{ agentId: 'ada', kind: 'updated' }], call, AT))).toEqual([['ada', 2, 1]]);
  db.close();
});

it("reads no agent's events for every agent at once when its kept last seq says there are none past its seq", () => {
  const { db, tables } = tablesWithAdasFirstEvent();
  // Behind the kept seq's back, on the same connection (data_version does not move): an update the agent would see (audience 0: every agent linked).
  db.exec(`INSERT INTO call_events (seq, call_id, audience, call, created_at) SELECT 2, call_id, 0, call, created_at FROM call_events`);
  expect(seqs(tables.eventsAfter('ada', 1, 10))).toEqual([['ada', 2, 1]]);
  expect(tables.eventsAfterEach(new Map([['ada', 1]]), 10)).toEqual([]);
  expect(seqs(tables.eventsAfterEach(new Map([['ada', 0]]), 10))).toEqual([['ada', 1, 0], ['ada', 2, 1]]);
  db.close();
});
