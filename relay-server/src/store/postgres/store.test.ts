import net from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dropDatabase, freshDatabase, sqlOn, startTestPostgres, type TestPostgres } from '../../testing-postgres.ts';
import { mergeCall } from '../../calls/merge.ts';
import { describeStoreContract } from '../contract.ts';
import type { ChangeElsewhere, RelayStore } from '../index.ts';
import { StoreUnavailableError } from '../unavailable.ts';
import { MIGRATIONS } from './migrations.ts';
import { openPostgresStore, type PostgresStoreOptions } from './store.ts';
import { PostgresTables } from './tables.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();
describeStoreContract('PostgreSQL', async () => {
  const url = await freshDatabase();
  return {
    open: () => openPostgresStore(url),
    drop: () => dropDatabase(url),
  };
});

const ada = { id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: 'hash-ada', createdAt: T(0) };

describe('the per-agent events of a PostgreSQL store', () => {
  it("stores a call's snapshot once per append, and prunes it with the last event referring to it", async () => {
    const url = await freshDatabase();
    const store = await openPostgresStore(url);
    const rowCount = async (table: string) => (await sqlOn(url, `SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
    try {
      for (const [id, number] of [['ada', '+14155550111'], ['bob', '+14155550122'], ['cy', '+14155550133']]) {
        await store.addAgent({ ...ada, id: id!, name: id!, number: number!, tokenHash: `hash-${id}` });
      }
      await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
      const stored = await store.transaction(async (tx) => {
        const id = await tx.insertCall('in_1', 'CA1', mergeCall(undefined, { status: 'ringing' }), T(1));
        await tx.linkAgents(['ada', 'bob', 'cy'], id);
        return (await tx.callById(id))!;
      });
      await store.appendEvents(['ada', 'bob', 'cy'].map((agentId) => ({ agentId, kind: 'created' as const })), stored, T(1));
      await store.appendEvents([{ agentId: 'ada', kind: 'updated' }], { ...stored, status: 'in-progress' }, T(2));
      expect([await rowCount('events'), await rowCount('call_snapshots')]).toEqual([4, 2]);
      // Ada's removal takes the answered snapshot (hers alone) along; the ringing one stays for the others.
      await store.removeAgent('ada');
      expect([await rowCount('events'), await rowCount('call_snapshots')]).toEqual([2, 1]);
      expect((await store.eventsAfter('bob', 0, 10)).map((e) => JSON.parse(e.call))).toEqual([stored]);
      // Two removals at once, from two connections: neither leaves the snapshot they shared behind.
      const other = await openPostgresStore(url);
      try {
        await Promise.all([store.removeAgent('bob'), other.removeAgent('cy')]);
      } finally {
        await other.close();
      }
      expect([await rowCount('events'), await rowCount('call_snapshots')]).toEqual([0, 0]);
    } finally {
      await store.close();
      await dropDatabase(url);
    }
  });
});

describe("a PostgreSQL call's agents linked through a roster", () => {
  const count = async (url: string, sql: string) => (await sqlOn(url, `SELECT count(*)::int AS n FROM ${sql}`)).rows[0].n as number;

  it('writes one link row per call whatever its agents, the roster stored once for every call to the same agents, unfound once a member is removed (issue 13)', async () => {
    const url = await freshDatabase();
    const store = await openPostgresStore(url);
    try {
      const team = Array.from({ length: 50 }, (_, i) => `ag_${String(i).padStart(2, '0')}`);
      for (const id of team) await store.addAgent({ ...ada, id, name: id, tokenHash: `hash-${id}` });
      await store.putInstance({ agentId: 'ag_00', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
      const newCall = (callId: string, agentIds: string[]) =>
        store.transaction(async (tx) => {
          const id = await tx.insertCall('in_1', callId, mergeCall(undefined, { status: 'ringing' }), T(1));
          await tx.linkAgents(agentIds, id);
          return id;
        });
      await newCall('CA1', team);
      const second = await newCall('CA2', [...team].reverse());
      expect(await store.agentIdsOfCall(second)).toEqual(team);
      expect((await sqlOn(url, 'SELECT call_id::int, roster_id::int FROM call_links ORDER BY call_id')).rows).toEqual([
        { call_id: 1, roster_id: 1 },
        { call_id: 2, roster_id: 1 },
      ]);
      expect([await count(url, 'rosters'), await count(url, 'roster_members'), await count(url, 'call_agents')]).toEqual([1, 50, 100]);
      // A member removed: the roster keeps the others' calls, and is found by its members no more.
      await store.removeAgent('ag_49');
      expect(await count(url, 'rosters WHERE members_key IS NULL')).toBe(1);
      await newCall('CA3', team.slice(0, 49));
      expect((await sqlOn(url, 'SELECT roster_id::int FROM call_links WHERE call_id = 3')).rows).toEqual([{ roster_id: 2 }]);
      expect(await store.agentIdsOfCall(second)).toEqual(team.slice(0, 49));
    } finally {
      await store.close();
      await dropDatabase(url);
    }
  });

  it("reads an agent's page of calls through the indexes, as many rows however many calls others have (issue 13)", async () => {
    const url = await freshDatabase();
    const store = await openPostgresStore(url);
    /** Rows the plan of the store's listCalls read from calls and call_links (EXPLAIN ANALYZE of its own text and values). */
    const rowsRead = async (agentId: string, query: { limit: number; before?: number }) => {
      const spy = vi.spyOn(pg.Pool.prototype, 'query');
      const calls = await store.listCalls(agentId, query);
      const [text, values] = spy.mock.calls.at(-1) as unknown as [string, unknown[]];
      spy.mockRestore();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) ${text}`, values);
        type Node = { 'Relation Name'?: string; 'Actual Rows': number; 'Actual Loops': number; Plans?: Node[] };
        const read = (node: Node): number =>
          (['calls', 'call_links'].includes(node['Relation Name'] ?? '') ? node['Actual Rows'] * node['Actual Loops'] : 0) + (node.Plans ?? []).reduce((sum, child) => sum + read(child), 0);
        return { ids: calls.map((c) => c.id), read: read(rows[0]['QUERY PLAN'][0].Plan as Node) };
      } finally {
        await client.end();
      }
    };
    try {
      for (const id of ['ada', 'bob']) await store.addAgent({ ...ada, id, tokenHash: `hash-${id}` });
      await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
      // Calls to Ada alone and to Ada with Bob every 100th call; every other call to Bob alone.
      const fill = async (from: number, to: number) => {
        for (const [agents, remainder] of [[['ada'], 0], [['ada', 'bob'], 50], [['bob'], -1]] as const) {
          await sqlOn(url, `WITH c AS (INSERT INTO calls (instance_uid, call_id, created_at, updated_at)
            SELECT 'in_1', 'CA' || g, '${T(1)}', '${T(1)}' FROM generate_series(${from}, ${to}) g WHERE ${remainder < 0 ? 'g % 100 NOT IN (0, 50)' : `g % 100 = ${remainder}`} RETURNING id)
            SELECT link_agents(id, '{${agents.join(',')}}') FROM c`);
        }
        await sqlOn(url, 'ANALYZE');
      };
      await fill(1, 2_000);
      const few = await rowsRead('ada', { limit: 20 });
      const fewBefore = await rowsRead('ada', { limit: 20, before: few.ids[10] });
      await fill(2_001, 20_000);
      const many = await rowsRead('ada', { limit: 20 });
      const manyBefore = await rowsRead('ada', { limit: 20, before: many.ids[10] });
      expect([few.ids.length, many.ids.length, manyBefore.ids.length]).toEqual([20, 20, 20]);
      // Each of Ada's two rosters: a page of links, each link's call by its key; then the page's calls.
      for (const { read } of [few, fewBefore, many, manyBefore]) expect(read).toBeLessThanOrEqual(2 * 20 * 2 + 20);
    } finally {
      await store.close();
      await dropDatabase(url);
    }
  });

  it("migrates a database of per-agent links: each call's agents, their call lists and reads kept, a roster per set of agents", async () => {
    const url = await freshDatabase();
    // The schema before rosters (2 migrations): CA1 and CA3 for Ada, Bob and Cy, CA2 for Ada alone.
    await sqlOn(url, `CREATE TABLE relay_schema (version INTEGER NOT NULL); INSERT INTO relay_schema (version) VALUES (2); ${MIGRATIONS.slice(0, 2).join(';')}`);
    await sqlOn(
      url,
      `INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ${['ada', 'bob', 'cy'].map((id) => `('${id}', '${id}', '+14155550111', 'h-${id}', '${T(0)}')`).join(', ')};
       INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}');
       INSERT INTO calls (instance_uid, call_id, status, created_at, updated_at) VALUES ('in_1', 'CA1', 'ringing', '${T(1)}', '${T(1)}'), ('in_1', 'CA2', 'ringing', '${T(2)}', '${T(2)}'), ('in_1', 'CA3', 'ringing', '${T(3)}', '${T(3)}');
       INSERT INTO call_agents (agent_id, call_id) VALUES ('cy', 1), ('ada', 1), ('bob', 1), ('ada', 2), ('bob', 3), ('cy', 3), ('ada', 3)`,
    );
    const store = await openPostgresStore(url);
    try {
      expect(await store.agentIdsOfCall(1)).toEqual(['ada', 'bob', 'cy']);
      expect(await store.agentIdsOfCall(2)).toEqual(['ada']);
      expect(await store.callAgentIds('in_1', 'CA3')).toEqual(['ada', 'bob', 'cy']);
      expect((await store.listCalls('ada', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA3', 'CA2', 'CA1']);
      expect((await store.listCalls('cy', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA3', 'CA1']);
      expect(await store.callFor('bob', 2)).toBeUndefined();
      expect((await store.callFor('bob', 1))?.call_id).toBe('CA1');
      // Linked to the same agents, a new call reuses the roster the migration made.
      await store.transaction(async (tx) => tx.linkAgents(['bob', 'ada', 'cy'], await tx.insertCall('in_1', 'CA4', mergeCall(undefined, {}), T(4))));
    } finally {
      await store.close();
    }
    expect((await sqlOn(url, 'SELECT call_id::int, roster_id::int FROM call_links ORDER BY call_id')).rows.map((r) => [r.call_id, r.roster_id])).toEqual([[1, 1], [2, 2], [3, 1], [4, 1]]);
    expect([await count(url, 'rosters'), await count(url, 'roster_members')]).toEqual([2, 4]);
    expect((await sqlOn(url, `SELECT table_type FROM information_schema.tables WHERE table_name = 'call_agents'`)).rows).toEqual([{ table_type: 'VIEW' }]);
    await dropDatabase(url);
  });
});


describe('the round trips of a PostgreSQL transaction', () => {
  /** What a new call's webhook writes: the call read (locked), inserted, linked, its event appended. */
  async function newCall(tx: Pick<PostgresTables, 'callByKey' | 'insertCall' | 'linkAgents' | 'appendEvents'>, callId: string) {
    await tx.callByKey('in_1', callId);
    const state = mergeCall(undefined, { status: 'ringing' });
    const id = await tx.insertCall('in_1', callId, state, T(1));
    await tx.linkAgents(['ada'], id);
    return tx.appendEvents([{ agentId: 'ada', kind: 'created' }], { id } as never, T(1), { last: true });
  }

  /**
   * A store on a fresh database with Ada and her instance in_1, for `test` (given the database's URL
   * too); its mocks restored, the store closed and the database dropped after it.
   */
  async function withAdaAndInstance(test: (store: RelayStore, url: string) => Promise<void>, options?: PostgresStoreOptions): Promise<void> {
    const url = await freshDatabase();
    const store = await openPostgresStore(url, options);
    try {
      await store.addAgent(ada);
      await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
      await test(store, url);
    } finally {
      vi.restoreAllMocks();
      await store.close();
      await dropDatabase(url);
    }
  }

  it("writes a transaction's BEGIN and its first statement together, and a new call's insert with its links, its append and its COMMIT (issue 13)", async () => {
    await withAdaAndInstance(async (store) => {
      const steps: string[] = [];
      const query = pg.Client.prototype.query;
      vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
        const text = String((args[0] as { text?: string }).text ?? args[0]).trim().split(/\s+/)[0]!;
        steps.push(`send ${text}${(this as unknown as { pipeline: boolean }).pipeline ? '' : ' (not pipelined)'}`);
        const answer = (query as (...a: unknown[]) => Promise<unknown>).apply(this, args);
        const answered = () => steps.push(`answer ${text}`);
        void answer.then(answered, answered);
        return answer as never;
      });
      const [event] = await store.transaction((tx) => newCall(tx, 'CA1'));
      // The first statement goes out before BEGIN is answered; the call's read reserves its id, so its insert and its link go
      // out before their answers (nobody reads them), with the append and, behind it, NOTIFY and COMMIT: two round trips.
      expect(steps).toEqual([
        ...['send BEGIN', 'send SELECT', 'answer BEGIN', 'answer SELECT'],
        ...['send INSERT', 'send SELECT', 'send WITH', 'send NOTIFY', 'answer INSERT', 'answer SELECT', 'answer WITH', 'answer NOTIFY'],
      ]);
      vi.restoreAllMocks();
      expect((await store.callByKey('in_1', 'CA1'))!.id).toBe(JSON.parse(event!.call).id);
    }, { poolSize: 1 });
  });

  it("sends each turn's statements in one write: BEGIN with the call's read, then the insert, links, append and COMMIT (issue 13)", async () => {
    await withAdaAndInstance(async (store, url) => {
      const port = Number(new URL(url).port);
      let writes = 0;
      // The connection's statements prepared by a first call, so the measured one writes as every later webhook does.
      await store.transaction((tx) => newCall(tx, 'CA1'));
      const socket = net.Socket.prototype as unknown as Record<'_write' | '_writev', (this: net.Socket, ...args: unknown[]) => unknown>;
      for (const method of ['_write', '_writev'] as const) {
        const original = socket[method];
        vi.spyOn(socket, method).mockImplementation(function (this: net.Socket, ...args: unknown[]) {
          if (this.remotePort === port) writes++;
          return original.apply(this, args);
        });
      }
      await store.transaction((tx) => newCall(tx, 'CA2'));
      // Two system calls, one per round trip; a write per statement made six.
      expect(writes).toBe(2);
    }, { poolSize: 1 });
  });

  it("inserts a call with the id its read reserved, takes a new one for a call it did not read, and skips a rolled back transaction's", async () => {
    await withAdaAndInstance(async (store) => {
      const state = mergeCall(undefined, { status: 'ringing' });
      await expect(
        store.transaction(async (tx) => {
          await tx.callByKey('in_1', 'CA1');
          await tx.insertCall('in_1', 'CA1', state, T(1));
          throw new Error('taken back');
        }),
      ).rejects.toThrow('taken back');
      // The read reserves an id for CA2; CA3, not read, takes the sequence's next; CA2 the one reserved.
      const [second, third] = await store.transaction(async (tx) => {
        expect(await tx.callByKey('in_1', 'CA2')).toBeUndefined();
        const other = await tx.insertCall('in_1', 'CA3', state, T(1));
        return [await tx.insertCall('in_1', 'CA2', state, T(1)), other];
      });
      expect([second, third]).toEqual([2, 3]);
      expect((await store.callByKey('in_1', 'CA2'))?.id).toBe(2);
      expect((await store.callByKey('in_1', 'CA3'))?.id).toBe(3);
      expect(await store.callByKey('in_1', 'CA1')).toBeUndefined();
      // A read that finds its call reserves nothing.
      expect(await store.transaction(async (tx) => (await tx.callByKey('in_1', 'CA2'))?.id)).toBe(2);
      expect(await store.transaction((tx) => tx.insertCall('in_1', 'CA4', state, T(1)))).toBe(4);
    });
  });

  it('commits nothing of a transaction whose last append, the COMMIT sent behind it, fails: an agent that does not exist', async () => {
    await withAdaAndInstance(async (store) => {
      let runs = 0;
      const failed = store.transaction(async (tx) => {
        runs++;
        await tx.callByKey('in_1', 'CA1');
        const id = await tx.insertCall('in_1', 'CA1', mergeCall(undefined, { status: 'ringing' }), T(1));
        await tx.linkAgents(['ada'], id);
        return tx.appendEvents([{ agentId: 'ada', kind: 'created' }, { agentId: 'ghost', kind: 'created' }], { id } as never, T(1), { last: true });
      });
      await expect(failed).rejects.toThrow('cannot append an event for agent ghost: no such agent');
      expect(runs).toBe(1);
      expect(await store.callByKey('in_1', 'CA1')).toBeUndefined();
      expect(await store.lastSeq('ada')).toBe(0);
      expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
      // The connection went back to the pool with no transaction open: the next one on it commits.
      expect(await store.transaction((tx) => newCall(tx, 'CA2'))).toMatchObject([{ agentId: 'ada', seq: 1 }]);
      // A statement after the last is refused, not sent outside the transaction.
      await expect(
        store.transaction(async (tx) => {
          await tx.appendEvents([{ agentId: 'ada', kind: 'updated' }], { id: 1 } as never, T(2), { last: true });
          await tx.lastSeq('ada');
        }),
      ).rejects.toThrow("this transaction's commit has been sent");
    });
  });

  it('fails a transaction with the error of a write it did not wait for, run again on a conflict, and commits nothing of it', async () => {
    const url = await freshDatabase();
    const store = await openPostgresStore(url);
    const other = await openPostgresStore(url);
    try {
      await store.addAgent(ada);
      await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
      const state = mergeCall(undefined, { status: 'ringing' });
      // A link to no agent fails on its foreign key: the append behind it fails as "aborted", the transaction with the link's error.
      const behindIt = store.transaction(async (tx) => {
        const id = await tx.insertCall('in_1', 'CA1', state, T(1));
        await tx.linkAgents(['nobody'], id);
        return tx.appendEvents([{ agentId: 'ada', kind: 'created' }], { id } as never, T(1));
      });
      await expect(behindIt).rejects.toMatchObject({ code: '23503', constraint: 'roster_members_agent_id_fkey' });
      // The same as the work's last write, with no statement behind it: COMMIT is not sent (it would roll back without an error).
      await expect(store.transaction(async (tx) => tx.linkAgents(['nobody'], (await tx.insertCall('in_1', 'CA1', state, T(1)))!))).rejects.toMatchObject({ code: '23503' });
      expect(await store.callByKey('in_1', 'CA1')).toBeUndefined();
      expect(await store.lastSeq('ada')).toBe(0);
      // A deadlock met by a write not waited for runs the transaction again: two transactions update two calls in opposite orders.
      const [one, two] = await store.transaction(async (tx) => [await tx.insertCall('in_1', 'CA2', state, T(1)), await tx.insertCall('in_1', 'CA3', state, T(1))]);
      const reruns = () => store.transactionStats().reruns.deadlock + other.transactionStats().reruns.deadlock;
      // Both hold their first call before either writes its second: each then waits for the other's (a test may await more than tx).
      let holding = 0;
      let bothHold: () => void;
      const bothHolding = new Promise<void>((resolve) => (bothHold = resolve));
      const crossed = (first: number, second: number, by: typeof store) =>
        by.transaction(async (tx) => {
          await tx.updateCall(first, { ...state, status: 'in-progress' }, T(2));
          await tx.callById(first);
          if (++holding === 2) bothHold();
          await bothHolding;
          await tx.updateCall(second, { ...state, status: 'completed' }, T(2));
          await tx.callById(second);
        });
      await Promise.all([crossed(one!, two!, store), crossed(two!, one!, other)]);
      expect(reruns()).toBeGreaterThanOrEqual(1);
    } finally {
      await other.close();
      await store.close();
      await dropDatabase(url);
    }
  });

  it("prepares a webhook's statements once per connection, a locked read apart from a plain one", async () => {
    const url = await freshDatabase();
    const store = await openPostgresStore(url);
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    let client: pg.PoolClient | undefined;
    try {
      await store.addAgent(ada);
      await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
      client = await pool.connect();
      const session = client;
      const preparedHere = async () => (await session.query<{ name: string; statement: string }>('SELECT name, statement FROM pg_prepared_statements ORDER BY name')).rows;
      for (const callId of ['CA1', 'CA2']) {
        await client.query('BEGIN');
        await newCall(new PostgresTables(client, true), callId);
        await client.query('COMMIT');
      }
      const afterTwo = await preparedHere();
      expect(afterTwo.map((row) => row.statement.trim().split(/\s+/)[0])).toEqual(expect.arrayContaining(['SELECT', 'INSERT', 'SELECT', 'WITH']));
      expect(afterTwo).toHaveLength(4);
      // The same read outside a transaction locks nothing: another text, so another name on the same connection.
      expect((await new PostgresTables(client, false).callByKey('in_1', 'CA1'))?.call_id).toBe('CA1');
      const afterRead = await preparedHere();
      expect(afterRead).toHaveLength(5);
      expect(new Set(afterRead.map((row) => row.name)).size).toBe(5);
    } finally {
      client?.release();
      await pool.end();
      await store.close();
      await dropDatabase(url);
    }
  });
});

describe('opening a PostgreSQL store', () => {
  it('migrates once, and refuses a database newer than the relay', async () => {
    const url = await freshDatabase();
    await (await openPostgresStore(url)).close();
    const reopened = await openPostgresStore(url);
    await reopened.addAgent(ada);
    await reopened.close();
    expect((await sqlOn(url, 'SELECT version FROM relay_schema')).rows).toEqual([{ version: MIGRATIONS.length }]);
    await sqlOn(url, `UPDATE relay_schema SET version = ${MIGRATIONS.length + 1}`);
    await expect(openPostgresStore(url)).rejects.toThrow(/newer than this relay/);
  });

  it("migrates each commit's snapshots, one per agent, into one the events refer to, keeping every agent's replay", async () => {
    const url = await freshDatabase();
    await sqlOn(url, `CREATE TABLE relay_schema (version INTEGER NOT NULL); INSERT INTO relay_schema (version) VALUES (1); ${MIGRATIONS[0]}`);
    const rows = ['ada', 'bob'].flatMap((agent) => [
      `('${agent}', 1, 'created', '{"id":1}', '${T(1)}')`,
      `('${agent}', 2, 'updated', '{"id":2}', '${T(1)}')`,
    ]);
    await sqlOn(
      url,
      `INSERT INTO agents (id, name, number, token_hash, last_seq, created_at) VALUES ('ada', 'Ada', '+14155550111', 'h-ada', 2, '${T(0)}'), ('bob', 'Bob', '+14155550122', 'h-bob', 2, '${T(0)}');
       INSERT INTO events (agent_id, seq, kind, call, created_at) VALUES ${rows.join(', ')}`,
    );
    const store = await openPostgresStore(url);
    try {
      for (const agentId of ['ada', 'bob']) {
        expect(await store.eventsAfter(agentId, 0, 10)).toEqual([
          { agentId, seq: 1, prevSeq: 0, kind: 'created', call: '{"id":1}' },
          { agentId, seq: 2, prevSeq: 1, kind: 'updated', call: '{"id":2}' },
        ]);
      }
    } finally {
      await store.close();
    }
    expect((await sqlOn(url, 'SELECT id::int, call, created_at FROM call_snapshots ORDER BY id')).rows).toEqual([
      { id: 1, call: '{"id":1}', created_at: T(1) },
      { id: 2, call: '{"id":2}', created_at: T(1) },
    ]);
  });

  it('names the database but never its password when it cannot open', async () => {
    const url = new URL(await freshDatabase());
    const password = url.password;
    url.password = `${password}-wrong`;
    const error = await openPostgresStore(url.toString()).then(
      () => undefined,
      (e: Error) => e,
    );
    expect(error?.message).toMatch(/cannot open the PostgreSQL store at postgres:\/\/relay:\*\*\*@127\.0\.0\.1:\d+\/relay_\w+: password authentication failed/);
    expect(error?.message).not.toContain(password);
  });
});

describe('a PostgreSQL store while its server restarts', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startTestPostgres();
  });
  afterAll(() => server?.stop());

  it('fails requests as unavailable while the server is down, and recovers, LISTEN included', async () => {
    const store = await openPostgresStore(server.url, { connectTimeoutMs: 1_000, maxReconnectMs: 200, changePollMs: 3_600_000 });
    const heard: ChangeElsewhere[] = [];
    store.onChangeElsewhere((change) => heard.push(change));
    try {
      await store.addAgent(ada);
      await server.halt();
      const error = await store.agentById('ada').then(
        () => undefined,
        (e: Error) => e,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      expect(error?.message).not.toContain(new URL(server.url).password);
      await expect(store.transaction((tx) => tx.listAgents())).rejects.toBeInstanceOf(StoreUnavailableError);
      await server.resume();
      await vi.waitFor(async () => expect(await store.agentById('ada')).toMatchObject({ id: 'ada' }), { timeout: 20_000, interval: 100 });
      // Reconnected: notices sent while it was away are lost, so it says everything may have changed.
      await vi.waitFor(() => expect(heard).toContainEqual({ events: true, directory: true }), { timeout: 20_000 });
      heard.length = 0;
      const other = await openPostgresStore(server.url);
      await other.removeAgent('ada');
      await other.close();
      await vi.waitFor(() => expect(heard).toContainEqual({ events: false, directory: true }), { timeout: 20_000 });
    } finally {
      await store.close();
    }
  });
});
