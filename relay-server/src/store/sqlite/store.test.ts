import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCall } from '../../calls/merge.ts';
import type { RelayStore } from '../index.ts';
import { openStore } from '../open.ts';
import { describeStoreContract } from '../contract.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';
import { EVENTS_WALKED, SqliteTables } from './tables.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();

describeStoreContract('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
  return {
    // A short poll, so that tests waiting for another connection's commit are quick.
    open: async () => openSqliteStore(join(dir, 'relay.db'), { changePollMs: 20 }),
    drop: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

/** An event as the events table held it before call snapshots: agent, seq, kind, call JSON, time. */
type OldEvent = [string, number, string, string, string];

/** A database at schema `version` (the migrations before it run) with agents Ada and Bob, at seq 2, and `events`. */
function databaseWithEvents(file: string, version: number, events: OldEvent[]): void {
  const old = new Database(file);
  for (const migration of MIGRATIONS.slice(0, version)) old.exec(migration);
  old.pragma(`user_version = ${version}`);
  for (const agent of ['ada', 'bob']) old.exec(`INSERT INTO agents (id, name, number, token_hash, last_seq, created_at) VALUES ('${agent}', '${agent}', '+14155550111', 'h-${agent}', 2, '${T(0)}')`);
  const insert = old.prepare('INSERT INTO events (agent_id, seq, kind, call, created_at) VALUES (?, ?, ?, ?, ?)');
  for (const event of events) insert.run(...event);
  old.close();
}

describe('opening', () => {
  it('creates the folder and the database, and migrates once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'nested', 'relay.db');
      await (await openStore({ db: file })).close();
      expect(existsSync(file)).toBe(true);
      const reopened = await openStore({ db: file });
      await reopened.close();
      const db = new Database(file);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      db.close();
      await expect(openStore({ db: file })).rejects.toThrow(/newer than this relay/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates a database from before the CRM work, keeping its calls', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      const old = new Database(file);
      old.exec(MIGRATIONS[0]!);
      old.pragma('user_version = 1');
      old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('ada', 'Ada', '+14155550111', 'h', '${T(0)}')`);
      old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
      old.exec(`INSERT INTO calls (instance_uid, call_id, created_at, updated_at) VALUES ('in_1', 'CA1', '${T(1)}', '${T(1)}')`);
      old.close();
      const store = await openStore({ db: file });
      expect((await store.instanceByUid('in_1'))!.crm).toBeNull();
      expect(await store.callByKey('in_1', 'CA1')).toMatchObject({ contact: null, contacts: [], new_contact_url: null, crm_log: null });
      expect(await store.crmOutboxStats()).toEqual({ depth: 0, oldestDue: null });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates an outbox row left in flight before leases existed, and counts it as an orphan', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      const old = new Database(file);
      old.exec(MIGRATIONS[0]!);
      old.exec(MIGRATIONS[1]!);
      old.pragma('user_version = 2');
      old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('ada', 'Ada', '+14155550111', 'h', '${T(0)}')`);
      old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
      old.exec(`INSERT INTO calls (instance_uid, call_id, created_at, updated_at) VALUES ('in_1', 'CA1', '${T(1)}', '${T(1)}')`);
      old.exec(`INSERT INTO crm_outbox (call_id, instance_uid, state, due_at, created_at) VALUES (1, 'in_1', 'inflight', '${T(2)}', '${T(1)}')`);
      old.close();
      const store = await openStore({ db: file });
      expect(await store.crmWorkOf(1)).toMatchObject({ state: 'inflight', lease: null });
      expect(await store.requeueOrphanedCrmWork(T(0))).toBe(1);
      expect(await store.crmWorkOf(1)).toMatchObject({ state: 'queued', uncertain: true, lease: null });
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('migrates the events into commit order, keeping each agent\'s seqs, their replay and their uniqueness', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      databaseWithEvents(
        file,
        3,
        [1, 2].flatMap((seq) => ['ada', 'bob'].map((agent): OldEvent => [agent, seq, 'created', `{"id":${seq},"for":"${agent}"}`, T(seq)])),
      );
      const store = await openStore({ db: file });
      expect(await store.eventsAfter('ada', 0, 10)).toEqual([
        { agentId: 'ada', seq: 1, prevSeq: 0, kind: 'created', call: '{"id":1,"for":"ada"}' },
        { agentId: 'ada', seq: 2, prevSeq: 1, kind: 'created', call: '{"id":2,"for":"ada"}' },
      ]);
      expect(await store.eventsAfter('bob', 1, 10)).toEqual([{ agentId: 'bob', seq: 2, prevSeq: 1, kind: 'created', call: '{"id":2,"for":"bob"}' }]);
      await store.close();
      const db = new Database(file);
      // A rowid table: the rows are laid out in commit order, not by agent.
      expect(db.prepare(`SELECT sql FROM sqlite_schema WHERE name = 'agent_events'`).get()).not.toMatchObject({ sql: expect.stringMatching(/WITHOUT ROWID/) });
      expect(() => db.prepare(`INSERT INTO agent_events (agent_short_id, seq, kind, snapshot_id) SELECT short_id, 2, 'updated', 1 FROM agents WHERE id = 'ada'`).run()).toThrow(/UNIQUE/);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("migrates each commit's snapshots, one per agent, into one the events refer to, keeping every agent's replay", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      // Two commits, each with the same snapshot for both agents; the second is a different call with the same time.
      databaseWithEvents(file, 4, [
        ['ada', 1, 'created', '{"id":1}', T(1)],
        ['bob', 1, 'created', '{"id":1}', T(1)],
        ['ada', 2, 'updated', '{"id":2}', T(1)],
        ['bob', 2, 'updated', '{"id":2}', T(1)],
      ]);
      const store = await openStore({ db: file });
      for (const agentId of ['ada', 'bob']) {
        expect(await store.eventsAfter(agentId, 0, 10)).toEqual([
          { agentId, seq: 1, prevSeq: 0, kind: 'created', call: '{"id":1}' },
          { agentId, seq: 2, prevSeq: 1, kind: 'updated', call: '{"id":2}' },
        ]);
      }
      await store.close();
      const db = new Database(file, { readonly: true });
      expect(db.prepare('SELECT id, call, created_at FROM call_snapshots ORDER BY id').all()).toEqual([
        { id: 1, call: '{"id":1}', created_at: T(1) },
        { id: 2, call: '{"id":2}', created_at: T(1) },
      ]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("migrates each agent's last seq out of its agents row: read from its events, it goes on from there", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      const old = new Database(file);
      for (const migration of MIGRATIONS.slice(0, 5)) old.exec(migration);
      old.pragma('user_version = 5');
      for (const [agent, lastSeq] of [['ada', 2], ['bob', 0]] as const) {
        old.exec(`INSERT INTO agents (id, name, number, token_hash, last_seq, created_at) VALUES ('${agent}', '${agent}', '+14155550111', 'h-${agent}', ${lastSeq}, '${T(0)}')`);
      }
      old.exec(`INSERT INTO call_snapshots (id, call, created_at) VALUES (1, '{"id":1}', '${T(1)}'), (2, '{"id":1,"status":"completed"}', '${T(2)}')`);
      old.exec(`INSERT INTO events (agent_id, seq, kind, snapshot_id) VALUES ('ada', 1, 'created', 1), ('ada', 2, 'updated', 2)`);
      old.close();
      const store = await openStore({ db: file });
      expect([await store.lastSeq('ada'), await store.lastSeq('bob')]).toEqual([2, 0]);
      expect((await store.eventsAfter('ada', 1, 10)).map((e) => [e.seq, e.kind])).toEqual([[2, 'updated']]);
      await store.close();
      const db = new Database(file, { readonly: true });
      expect(db.prepare(`SELECT name FROM pragma_table_info('agents')`).pluck().all()).not.toContain('last_seq');
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("migrates the links and events to the agents' short ids, keeping replay, call lists and removal", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      const old = new Database(file);
      for (const migration of MIGRATIONS.slice(0, 6)) old.exec(migration);
      old.pragma('user_version = 6');
      for (const agent of ['bob', 'ada']) old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('${agent}', '${agent}', '+14155550111', 'h-${agent}', '${T(0)}')`);
      old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
      old.exec(`INSERT INTO calls (instance_uid, call_id, created_at, updated_at) VALUES ('in_1', 'CA1', '${T(1)}', '${T(1)}'), ('in_1', 'CA2', '${T(2)}', '${T(2)}')`);
      old.exec(`INSERT INTO call_agents (agent_id, call_id) VALUES ('ada', 1), ('bob', 1), ('ada', 2)`);
      old.exec(`INSERT INTO call_snapshots (id, call, created_at) VALUES (1, '{"id":1}', '${T(1)}'), (2, '{"id":2}', '${T(2)}')`);
      old.exec(`INSERT INTO events (agent_id, seq, kind, snapshot_id) VALUES ('ada', 1, 'created', 1), ('bob', 1, 'created', 1), ('ada', 2, 'created', 2)`);
      old.close();
      const store = await openStore({ db: file });
      expect((await store.eventsAfter('ada', 0, 10)).map((e) => [e.agentId, e.seq, e.call])).toEqual([['ada', 1, '{"id":1}'], ['ada', 2, '{"id":2}']]);
      expect([await store.lastSeq('ada'), await store.lastSeq('bob')]).toEqual([2, 1]);
      expect((await store.listCalls('ada', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA2', 'CA1']);
      expect((await store.listCalls('ada', { limit: 10, before: 2 })).map((c) => c.call_id)).toEqual(['CA1']);
      expect(await store.callFor('bob', 2)).toBeUndefined();
      expect(await store.agentIdsOfCall(1)).toEqual(['ada', 'bob']);
      // An agent added after the migration gets a short id of its own, and its rows follow it.
      await store.addAgent({ id: 'cy', name: 'cy', number: '+14155550111', email: null, admin: false, tokenHash: 'h-cy', createdAt: T(3) });
      await store.linkAgents(['cy', 'bob'], 2);
      const [created] = await store.appendEvents([{ agentId: 'cy', kind: 'created' }], (await store.callById(2))!, T(3));
      // The call events' counter starts above every agent's seq of before.
      expect(created).toMatchObject({ agentId: 'cy', seq: 3, prevSeq: 0 });
      expect((await store.callAgents('in_1', 'CA2')).map((a) => a.id)).toEqual(['ada', 'bob', 'cy']);
      expect(await store.removeAgent('ada')).toBe(true);
      expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
      expect(await store.agentIdsOfCall(2)).toEqual(['bob', 'cy']);
      await store.close();
      const db = new Database(file, { readonly: true });
      for (const table of ['call_agents', 'agent_events']) expect(db.prepare(`SELECT name FROM pragma_table_info('${table}')`).pluck().all()).not.toContain('agent_id');
      expect(db.prepare(`SELECT id, short_id FROM agents ORDER BY short_id`).raw().all()).toEqual([['bob', 1], ['cy', 3]]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('call events stored once', () => {
  const agent = (id: string) => ({ id, name: id, number: '+14155550111', email: null, admin: false, tokenHash: `h-${id}`, createdAt: T(0) });
  const created = (agentIds: string[]) => agentIds.map((agentId) => ({ agentId, kind: 'created' as const }));
  const updated = (agentIds: string[]) => agentIds.map((agentId) => ({ agentId, kind: 'updated' as const }));
  let dir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    file = join(dir, 'relay.db');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function storeWithAgents(...ids: string[]) {
    const store = await openSqliteStore(file);
    for (const id of ids) await store.addAgent(agent(id));
    await store.putInstance({ agentId: ids[0]!, localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
    return store;
  }

  /** A new call for `agentIds`, linked and told in one transaction. */
  const newCall = (store: RelayStore, callId: string, agentIds: string[], at = T(1)) =>
    store.transaction(async (tx) => {
      const id = await tx.insertCall('in_1', callId, mergeCall(undefined, { status: 'ringing' }), at);
      await tx.linkAgents(agentIds, id);
      const call = (await tx.callById(id))!;
      return { call, events: await tx.appendEvents(created(agentIds), call, at) };
    });

  const rows = (sql: string) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).raw().all();
    } finally {
      db.close();
    }
  };

  it('writes one row per call event whatever the agents it reaches, each seq from one counter', async () => {
    const store = await storeWithAgents('ada', 'bob', 'cy');
    const { call, events } = await newCall(store, 'CA1', ['ada', 'bob', 'cy']);
    expect(events.map((e) => [e.agentId, e.seq, e.prevSeq])).toEqual([['ada', 1, 0], ['bob', 1, 0], ['cy', 1, 0]]);
    const answered = await store.appendEvents(updated(['ada', 'bob', 'cy']), { ...call, status: 'in-progress' }, T(2));
    expect(answered.map((e) => [e.seq, e.prevSeq])).toEqual([[2, 1], [2, 1], [2, 1]]);
    const second = await newCall(store, 'CA2', ['bob']);
    expect(second.events).toMatchObject([{ agentId: 'bob', seq: 3, prevSeq: 2 }]);
    await store.close();
    expect(rows('SELECT seq, call_id, audience FROM call_events ORDER BY seq')).toEqual([[1, 1, 1], [2, 1, 0], [3, 2, 1]]);
    expect(rows('SELECT count(*) FROM agent_events')).toEqual([[0]]);
  });

  it("reads an agent's previous seq through its links after a restart, past the events it does not see", async () => {
    let store = await storeWithAgents('ada', 'bob');
    const { call } = await newCall(store, 'CA1', ['ada']);
    await newCall(store, 'CA2', ['bob']);
    // Bob joins the unchanged call: Ada is not told (seq 3 is Bob's alone).
    await store.transaction(async (tx) => {
      await tx.linkAgents(['bob'], call.id);
      return tx.appendEvents(created(['bob']), call, T(2));
    });
    await store.close();
    store = await openSqliteStore(file);
    try {
      expect([await store.lastSeq('ada'), await store.lastSeq('bob')]).toEqual([1, 3]);
      expect((await store.eventsAfter('bob', 0, 10)).map((e) => [e.seq, e.prevSeq, e.kind, JSON.parse(e.call).call_id])).toEqual([
        [2, 0, 'created', 'CA2'],
        [3, 2, 'created', 'CA1'],
      ]);
      const ended = await store.transaction(async (tx) => tx.appendEvents(updated(await tx.agentIdsOfCall(call.id)), { ...call, status: 'completed' }, T(3)));
      expect(ended.map((e) => [e.agentId, e.seq, e.prevSeq, e.kind])).toEqual([['ada', 4, 1, 'updated'], ['bob', 4, 3, 'updated']]);
      expect((await store.eventsAfter('ada', 0, 10)).map((e) => [e.seq, e.prevSeq, e.kind])).toEqual([[1, 0, 'created'], [4, 1, 'updated']]);
    } finally {
      await store.close();
    }
  });

  it('refuses an append its links cannot tell, and appends nothing of it', async () => {
    const store = await storeWithAgents('ada', 'bob');
    const { call } = await newCall(store, 'CA1', ['ada', 'bob']);
    // An update for some of the call's agents, one agent named twice, a created for an agent linked before.
    await expect(store.appendEvents(updated(['ada']), call, T(2))).rejects.toThrow(/all of its 2 agents/);
    await expect(store.appendEvents(updated(['ada', 'ada']), call, T(2))).rejects.toThrow(/twice/);
    await expect(store.appendEvents(created(['bob']), call, T(2))).rejects.toThrow(/just linked/);
    expect([await store.lastSeq('ada'), await store.lastSeq('bob')]).toEqual([1, 1]);
    await store.close();
    expect(rows('SELECT count(*) FROM call_events')).toEqual([[1]]);
  });

  it("does not read the links of the call it has just inserted, and reads them again once it has linked agents to it or another connection committed (issue 13)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-links-'));
    const file = join(dir, 'relay.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    for (const migration of MIGRATIONS) db.exec(migration);
    const tables = new SqliteTables(db);
    for (const id of ['ada', 'bob', 'cy']) tables.addAgent(agent(id));
    tables.putInstance({ agentId: 'bob', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
    const linkReads: unknown[] = [];
    const linkedShortIds = (tables as unknown as { statements: { linkedShortIds: { all: (id: number) => number[] } } }).statements.linkedShortIds;
    const all = linkedShortIds.all.bind(linkedShortIds);
    linkedShortIds.all = (id) => (linkReads.push(id), all(id));
    const agentsOf = (id: number) => tables.agentIdsOfCall(id);
    // The connection's first link reads them: nothing is known yet of other connections' commits.
    const zeroth = tables.insertCall('in_1', 'CA0', mergeCall(undefined, {}), T(1));
    tables.linkAgents(['ada'], zeroth);
    expect(linkReads).toEqual([zeroth]);
    linkReads.length = 0;

    const first = tables.insertCall('in_1', 'CA1', mergeCall(undefined, {}), T(1));
    tables.linkAgents(['ada'], first);
    expect(linkReads).toEqual([]);
    // Linked again: its links are read, and only the agent not linked yet is added.
    tables.linkAgents(['ada', 'bob'], first);
    expect(linkReads).toEqual([first]);
    expect(agentsOf(first)).toEqual(['ada', 'bob']);
    // A call inserted before another one is not the one just inserted.
    const second = tables.insertCall('in_1', 'CA2', mergeCall(undefined, {}), T(2));
    const third = tables.insertCall('in_1', 'CA3', mergeCall(undefined, {}), T(2));
    tables.linkAgents(['cy'], second);
    expect(linkReads).toEqual([first, second]);
    // Another connection links agents to the call this one has just inserted: its links are read.
    const fourth = tables.insertCall('in_1', 'CA4', mergeCall(undefined, {}), T(3));
    const otherDb = new Database(file);
    const other = new SqliteTables(otherDb);
    other.linkAgents(['ada'], fourth);
    tables.linkAgents(['ada', 'cy'], fourth);
    expect(linkReads).toEqual([first, second, fourth]);
    expect(agentsOf(fourth)).toEqual(['ada', 'cy']);
    expect(agentsOf(third)).toEqual([]);
    db.close();
    otherDb.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads an agent's events and last seq alike walking the call events or link by link, and past a link made without an event", () => {
    const db = new Database(':memory:');
    for (const migration of MIGRATIONS) db.exec(migration);
    const tables = new SqliteTables(db);
    for (const id of ['ada', 'bob']) tables.addAgent(agent(id));
    tables.putInstance({ agentId: 'bob', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
    const call = (callId: string, agentIds: string[]) => {
      const id = tables.insertCall('in_1', callId, mergeCall(undefined, {}), T(1));
      tables.linkAgents(agentIds, id);
      const stored = tables.callById(id)!;
      tables.appendEvents(created(agentIds), stored, T(1));
      return stored;
    };
    // Ada's call, then more of Bob's calls than a walk goes through, then Ada's call ends.
    const ada = call('CA0', ['ada']);
    for (let n = 1; n <= EVENTS_WALKED + 10; n++) call(`CB${n}`, ['bob']);
    const [ended] = tables.appendEvents(updated(['ada']), { ...ada, status: 'completed' }, T(2));
    // Ada linked to a new call with no event (a link alone): her last seq is still her last event.
    tables.linkAgents(['ada'], tables.insertCall('in_1', 'CA1', mergeCall(undefined, {}), T(3)));
    // Tables with nothing kept, as after a restart.
    const afresh = new SqliteTables(db);
    expect(afresh.lastSeq('ada')).toBe(ended!.seq);
    expect(afresh.eventsAfter('ada', 0, 10).map((e) => [e.seq, e.prevSeq, e.kind])).toEqual([[1, 0, 'created'], [ended!.seq, 1, 'updated']]);
    expect(afresh.eventsAfter('ada', ended!.seq - 1, 10).map((e) => [e.seq, e.kind])).toEqual([[ended!.seq, 'updated']]);
    expect(afresh.eventsAfter('bob', ended!.seq - 5, 10).map((e) => e.seq)).toEqual([ended!.seq - 4, ended!.seq - 3, ended!.seq - 2, ended!.seq - 1]);
    expect(afresh.lastSeq('bob')).toBe(ended!.seq - 1);
    db.close();
  });

  it('migrates a database of per-agent events in place: they stay readable, and new seqs start above them', async () => {
    // The schema before the call events (7 migrations): Ada at seq 3 (CA1 created and updated, CA2 created), Bob at seq 1 (CA1 created).
    const old = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 7)) old.exec(migration);
    old.pragma('user_version = 7');
    old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('ada', 'ada', '+14155550111', 'h-ada', '${T(0)}'), ('bob', 'bob', '+14155550111', 'h-bob', '${T(0)}')`);
    old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
    old.exec(`INSERT INTO calls (instance_uid, call_id, status, created_at, updated_at) VALUES ('in_1', 'CA1', 'ringing', '${T(1)}', '${T(1)}'), ('in_1', 'CA2', 'ringing', '${T(2)}', '${T(2)}')`);
    old.exec(`INSERT INTO call_agents (agent_short_id, call_id) VALUES (1, 1), (2, 1), (1, 2)`);
    old.exec(`INSERT INTO call_snapshots (id, call, created_at) VALUES (1, '{"id":1}', '${T(1)}'), (2, '{"id":1,"status":"in-progress"}', '${T(1)}'), (3, '{"id":2}', '${T(2)}')`);
    old.exec(`INSERT INTO events (agent_short_id, seq, kind, snapshot_id) VALUES (1, 1, 'created', 1), (2, 1, 'created', 1), (1, 2, 'updated', 2), (1, 3, 'created', 3)`);
    old.close();
    const store = await openSqliteStore(file);
    try {
      expect([await store.lastSeq('ada'), await store.lastSeq('bob')]).toEqual([3, 1]);
      // Ada's client, at seq 1 when the relay was upgraded, is sent what it missed.
      expect((await store.eventsAfter('ada', 1, 10)).map((e) => [e.seq, e.prevSeq, e.kind, e.call])).toEqual([
        [2, 1, 'updated', '{"id":1,"status":"in-progress"}'],
        [3, 2, 'created', '{"id":2}'],
      ]);
      const call = (await store.callById(1))!;
      const ended = await store.transaction(async (tx) => tx.appendEvents(updated(await tx.agentIdsOfCall(1)), { ...call, status: 'completed' }, T(3)));
      expect(ended.map((e) => [e.agentId, e.seq, e.prevSeq])).toEqual([['ada', 4, 3], ['bob', 4, 1]]);
      expect((await store.eventsAfter('bob', 0, 10)).map((e) => [e.seq, e.prevSeq, e.kind])).toEqual([[1, 0, 'created'], [4, 1, 'updated']]);
      expect((await store.eventsAfter('ada', 2, 10)).map((e) => [e.seq, e.prevSeq, e.kind])).toEqual([[3, 2, 'created'], [4, 3, 'updated']]);
    } finally {
      await store.close();
    }
  });

  it('migrates the call events off AUTOINCREMENT: their seqs and replay kept, the counter going on above the last, no sqlite_sequence row for them', async () => {
    // The schema with AUTOINCREMENT call events (8 migrations), two events given (CA1 created, then updated).
    const old = new Database(file);
    for (const migration of MIGRATIONS.slice(0, 8)) old.exec(migration);
    old.pragma('user_version = 8');
    old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('ada', 'ada', '+14155550111', 'h-ada', '${T(0)}')`);
    old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
    old.exec(`INSERT INTO calls (instance_uid, call_id, status, created_at, updated_at) VALUES ('in_1', 'CA1', 'ringing', '${T(1)}', '${T(1)}')`);
    old.exec(`INSERT INTO call_agents (agent_short_id, call_id, first_seq) VALUES (1, 1, 1)`);
    old.exec(`INSERT INTO call_events (call_id, audience, call, created_at) VALUES (1, 1, '{"id":1}', '${T(1)}'), (1, 0, '{"id":1,"status":"in-progress"}', '${T(2)}')`);
    old.close();
    const store = await openSqliteStore(file);
    try {
      expect(await store.lastSeq('ada')).toBe(2);
      expect((await store.eventsAfter('ada', 0, 10)).map((e) => [e.seq, e.prevSeq, e.kind, e.call])).toEqual([
        [1, 0, 'created', '{"id":1}'],
        [2, 1, 'updated', '{"id":1,"status":"in-progress"}'],
      ]);
      const call = (await store.callById(1))!;
      const ended = await store.appendEvents(updated(['ada']), { ...call, status: 'completed' }, T(3));
      expect(ended.map((e) => [e.seq, e.prevSeq])).toEqual([[3, 2]]);
      expect((await newCall(store, 'CA2', ['ada'])).events.map((e) => [e.seq, e.prevSeq])).toEqual([[4, 3]]);
    } finally {
      await store.close();
    }
    // The calls keep their AUTOINCREMENT counter; the call events have none to read and write.
    expect(rows('SELECT name FROM sqlite_sequence ORDER BY name')).toEqual([['calls']]);
    expect(rows(`SELECT sql FROM sqlite_schema WHERE name = 'call_events'`)).toEqual([[expect.not.stringMatching(/AUTOINCREMENT/)]]);
  });

  describe("a call's agents linked through a roster", () => {
    it('writes one link row per call whatever its agents, the roster stored once for every call to the same agents (issue 13)', async () => {
      const team = Array.from({ length: 50 }, (_, i) => `ag_${String(i).padStart(2, '0')}`);
      const store = await storeWithAgents(...team);
      await newCall(store, 'CA1', team);
      await newCall(store, 'CA2', [...team].reverse());
      expect(await store.agentIdsOfCall(2)).toEqual(team);
      expect((await store.eventsAfter('ag_49', 0, 10)).map((e) => [e.seq, e.kind])).toEqual([[1, 'created'], [2, 'created']]);
      await store.close();
      expect(rows('SELECT call_id, roster_id FROM call_links ORDER BY call_id')).toEqual([[1, 1], [2, 1]]);
      expect(rows('SELECT count(*) FROM rosters')).toEqual([[1]]);
      expect(rows('SELECT count(*) FROM roster_members')).toEqual([[50]]);
    });

    it('links an agent given the short id of a removed one to none of its calls, nor through its rosters', async () => {
      let store = await storeWithAgents('ada', 'bob', 'cy');
      await newCall(store, 'CA1', ['ada', 'bob', 'cy']);
      // Cy had the largest short id: Dan, added next, is given it again.
      expect(await store.removeAgent('cy')).toBe(true);
      await store.addAgent(agent('dan'));
      await newCall(store, 'CA2', ['ada', 'bob', 'dan']);
      await store.close();
      // Read afresh too: nothing kept.
      store = await openSqliteStore(file);
      try {
        expect(await store.agentIdsOfCall(1)).toEqual(['ada', 'bob']);
        expect(await store.agentIdsOfCall(2)).toEqual(['ada', 'bob', 'dan']);
        expect(await store.callFor('dan', 1)).toBeUndefined();
        expect((await store.listCalls('dan', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA2']);
        expect((await store.eventsAfter('dan', 0, 10)).map((e) => [e.seq, JSON.parse(e.call).call_id])).toEqual([[2, 'CA2']]);
      } finally {
        await store.close();
      }
      expect(rows(`SELECT short_id FROM agents WHERE id = 'dan'`)).toEqual([[3]]);
    });

    it("migrates a database of per-agent links: each call's agents, their first seqs, call lists and replay kept", async () => {
      // The schema before rosters (9 migrations): CA1 for Ada and Bob (seq 1, then updated at 2), Cy added to it at 3; CA2 for Ada alone (seq 4).
      const old = new Database(file);
      for (const migration of MIGRATIONS.slice(0, 9)) old.exec(migration);
      old.pragma('user_version = 9');
      for (const id of ['ada', 'bob', 'cy']) old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('${id}', '${id}', '+14155550111', 'h-${id}', '${T(0)}')`);
      old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
      old.exec(`INSERT INTO calls (instance_uid, call_id, status, created_at, updated_at) VALUES ('in_1', 'CA1', 'ringing', '${T(1)}', '${T(1)}'), ('in_1', 'CA2', 'ringing', '${T(2)}', '${T(2)}')`);
      old.exec(`INSERT INTO call_agents (agent_short_id, call_id, first_seq) VALUES (1, 1, 1), (2, 1, 1), (3, 1, 3), (1, 2, 4)`);
      old.exec(`INSERT INTO call_events (seq, call_id, audience, call, created_at) VALUES
        (1, 1, 1, '{"n":1}', '${T(1)}'), (2, 1, 0, '{"n":2}', '${T(1)}'), (3, 1, 1, '{"n":3}', '${T(1)}'), (4, 2, 1, '{"n":4}', '${T(2)}')`);
      old.close();
      const store = await openSqliteStore(file);
      try {
        const replay = async (agentId: string) => (await store.eventsAfter(agentId, 0, 10)).map((e) => [e.seq, e.prevSeq, e.kind, e.call]);
        expect(await replay('ada')).toEqual([[1, 0, 'created', '{"n":1}'], [2, 1, 'updated', '{"n":2}'], [4, 2, 'created', '{"n":4}']]);
        expect(await replay('bob')).toEqual([[1, 0, 'created', '{"n":1}'], [2, 1, 'updated', '{"n":2}']]);
        expect(await replay('cy')).toEqual([[3, 0, 'created', '{"n":3}']]);
        expect([await store.lastSeq('ada'), await store.lastSeq('bob'), await store.lastSeq('cy')]).toEqual([4, 2, 3]);
        expect(await store.agentIdsOfCall(1)).toEqual(['ada', 'bob', 'cy']);
        expect((await store.listCalls('ada', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA2', 'CA1']);
        expect(await store.callFor('bob', 2)).toBeUndefined();
        // Linked again to the same agents, a call reuses the roster the migration made.
        const call = (await store.callById(1))!;
        const ended = await store.transaction(async (tx) => tx.appendEvents(updated(await tx.agentIdsOfCall(1)), call, T(3)));
        expect(ended.map((e) => [e.agentId, e.seq, e.prevSeq])).toEqual([['ada', 5, 4], ['bob', 5, 2], ['cy', 5, 3]]);
        await newCall(store, 'CA3', ['bob', 'ada']);
      } finally {
        await store.close();
      }
      expect(rows('SELECT members FROM rosters ORDER BY id')).toEqual([['1'], ['1,2'], ['3']]);
      expect(rows('SELECT call_id, roster_id, first_seq FROM call_links ORDER BY call_id, roster_id')).toEqual([[1, 2, 1], [1, 3, 3], [2, 1, 4], [3, 2, 6]]);
      expect(rows(`SELECT type FROM sqlite_schema WHERE name = 'call_agents'`)).toEqual([['view']]);
    });
  });
});
