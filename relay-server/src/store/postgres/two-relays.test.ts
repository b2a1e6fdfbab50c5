/**
 * What only shows with several connections: two stores on one database, as two relays have them.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mergeCall } from '../../calls/merge.ts';
import { freshDatabase, sqlOn } from '../../testing-postgres.ts';
import type { ChangeElsewhere, CrmWork, RelayStore } from '../index.ts';
import { LISTENER_NAME } from './change-listener.ts';
import { openPostgresStore, type PostgresStoreOptions } from './store.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();

describe('two PostgreSQL stores on one database', () => {
  let url: string;
  let a: RelayStore;
  let b: RelayStore;

  async function open(options: PostgresStoreOptions = {}): Promise<[RelayStore, RelayStore]> {
    // Opened together: both migrate the fresh database at once, and the advisory lock makes them take turns.
    [a, b] = await Promise.all([openPostgresStore(url, options), openPostgresStore(url, options)]);
    await a.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: 'hash-ada', createdAt: T(0) });
    await a.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
    return [a, b];
  }

  beforeEach(async () => {
    url = await freshDatabase();
  });
  afterEach(async () => {
    await Promise.all([a?.close(), b?.close()]);
  });

  /** Until a session on the database waits for a lock another holds. */
  const aSessionWaitsOnALock = () =>
    vi.waitFor(
      async () => {
        const { rows } = await sqlOn(url, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
        expect(rows[0].n).toBeGreaterThan(0);
      },
      { timeout: 20_000, interval: 20 },
    );

  /** What a webhook does: find the call or create it, and tell its agent. */
  const record = (store: RelayStore, callId: string, at: string) =>
    store.transaction(async (tx) => {
      const known = await tx.callByKey('in_1', callId);
      const state = mergeCall(known, { status: 'ringing' });
      const id = known ? known.id : await tx.insertCall('in_1', callId, state, at);
      if (known) await tx.updateCall(id, state, at);
      await tx.linkAgents(['ada'], id);
      // Its last statement, as a webhook's: the commit goes out behind it.
      return tx.appendEvents([{ agentId: 'ada', kind: known ? 'updated' : 'created' }], (await tx.callById(id))!, at, { last: true });
    });

  it('makes one call of the same call inserted by both at once', async () => {
    await open();
    const callIds = Array.from({ length: 10 }, (_, i) => `CA${i}`);
    await Promise.all(callIds.flatMap((callId) => [record(a, callId, T(1)), record(b, callId, T(1))]));
    for (const callId of callIds) {
      const call = await a.callByKey('in_1', callId);
      expect(call).toBeDefined();
      expect(await b.callAgentIds('in_1', callId)).toEqual(['ada']);
    }
    const events = await a.eventsAfter('ada', 0, 100);
    expect(events).toHaveLength(20);
    for (const callId of callIds) {
      const kinds = events.filter((e) => JSON.parse(e.call).call_id === callId).map((e) => e.kind);
      expect(kinds).toEqual(['created', 'updated']);
    }
  });

  it('gives an agent seqs without gaps or repeats when both write at once, in commit order', async () => {
    await open();
    const appended = await Promise.all(Array.from({ length: 30 }, (_, i) => record(i % 2 ? a : b, `CB${i}`, T(i))));
    const seqs = appended.flat().map((e) => e.seq);
    expect([...seqs].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect((await b.eventsAfter('ada', 0, 100)).map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await a.lastSeq('ada')).toBe(30);
  });

  it('runs again, once, the transaction that inserted a call the other store inserted meanwhile, and counts it', async () => {
    await open();
    let inserted = false;
    let commitFirst!: () => void;
    const held = new Promise<void>((resolve) => (commitFirst = resolve));
    // A's transaction inserts the call and stays open until B's insert of the same call waits on it.
    const first = a.transaction(async (tx) => {
      const id = await tx.insertCall('in_1', 'CE1', mergeCall(undefined, {}), T(1));
      inserted = true;
      await held;
      return id;
    });
    await vi.waitFor(() => expect(inserted).toBe(true), { timeout: 20_000 });
    let runs = 0;
    const second = b.transaction(async (tx) => {
      runs++;
      const known = await tx.callByKey('in_1', 'CE1');
      return known ? known.id : tx.insertCall('in_1', 'CE1', mergeCall(undefined, {}), T(1));
    });
    await aSessionWaitsOnALock();
    commitFirst();
    expect(await second).toBe(await first);
    expect(runs).toBe(2);
    expect(b.transactionStats().reruns).toEqual({ same_call: 1, deadlock: 0, serialization: 0 });
    expect(a.transactionStats().reruns).toEqual({ same_call: 0, deadlock: 0, serialization: 0 });
  });

  it.each([
    ['commits', 'links its call to the roster the first stored'],
    ['rolls back', 'stores the roster itself'],
  ])('makes the roster of the same agents once when both link a call to them at once: when the first %s, the second %s (issue 13)', async (outcome) => {
    await open();
    const team = Array.from({ length: 40 }, (_, i) => `ag_${String(i).padStart(2, '0')}`);
    for (const id of team) await a.addAgent({ id, name: id, number: '+14155550111', email: null, admin: false, tokenHash: `hash-${id}`, createdAt: T(0) });
    const link = (tx: Parameters<Parameters<RelayStore['transaction']>[0]>[0], callId: string) =>
      tx.insertCall('in_1', callId, mergeCall(undefined, {}), T(1)).then(async (id) => {
        await tx.linkAgents([...team].reverse(), id);
        return tx.agentIdsOfCall(id);
      });
    let linked = false;
    let endFirst!: () => void;
    const held = new Promise<void>((resolve) => (endFirst = resolve));
    // A's transaction stores the roster and stays open until B's, storing the same, waits on it.
    const first = a.transaction(async (tx) => {
      const agents = await link(tx, 'CR1');
      linked = true;
      await held;
      if (outcome === 'rolls back') throw new Error('rolled back');
      return agents;
    });
    first.catch(() => undefined);
    await vi.waitFor(() => expect(linked).toBe(true), { timeout: 20_000 });
    const second = b.transaction((tx) => link(tx, 'CR2'));
    await aSessionWaitsOnALock();
    endFirst();
    expect(await second).toEqual(team);
    if (outcome === 'commits') expect(await first).toEqual(team);
    else await expect(first).rejects.toThrow('rolled back');
    const count = async (sql: string) => (await sqlOn(url, sql)).rows[0].n as number;
    expect(await count('SELECT count(*)::int AS n FROM rosters')).toBe(1);
    expect(await count('SELECT count(*)::int AS n FROM roster_members')).toBe(team.length);
    expect(await count('SELECT count(*)::int AS n FROM call_links')).toBe(outcome === 'commits' ? 2 : 1);
    expect(await b.agentIdsOfCall((await b.callByKey('in_1', 'CR2'))!.id)).toEqual(team);
    for (const store of [a, b]) expect(Object.values(store.transactionStats().reruns)).toEqual([0, 0, 0]);
  });

  it('keeps every change when both change one call at once: a call read in a transaction is locked until commit', async () => {
    await open();
    const id = await a.transaction((tx) => tx.insertCall('in_1', 'CF1', mergeCall(undefined, {}), T(1)));
    const bump = (store: RelayStore) =>
      store.transaction(async (tx) => {
        const current = (await tx.callById(id))!;
        await tx.updateCall(id, mergeCall(current, { duration: (current.duration ?? 0) + 1 }), T(2));
      });
    await Promise.all(Array.from({ length: 20 }, (_, i) => bump(i % 2 ? a : b)));
    expect((await b.callById(id))?.duration).toBe(20);
    // They took turns on the row's lock: nothing conflicted, nothing ran again.
    for (const store of [a, b]) expect(Object.values(store.transactionStats().reruns)).toEqual([0, 0, 0]);
  });

  it('never deadlocks on seqs: events for the same agents, named in either order, take their rows in one order', async () => {
    await open();
    await a.addAgent({ id: 'bob', name: 'Bob', number: '+14155550122', email: null, admin: false, tokenHash: 'hash-bob', createdAt: T(0) });
    const appendBoth = (store: RelayStore, i: number) =>
      store.transaction(async (tx) => {
        const id = await tx.insertCall('in_1', `CG${i}`, mergeCall(undefined, {}), T(i));
        const order = i % 2 ? ['ada', 'bob'] : ['bob', 'ada'];
        return tx.appendEvents(order.map((agentId) => ({ agentId, kind: 'created' as const })), (await tx.callById(id))!, T(i));
      });
    await Promise.all(Array.from({ length: 30 }, (_, i) => appendBoth(i % 2 ? a : b, i)));
    for (const agentId of ['ada', 'bob']) expect((await a.eventsAfter(agentId, 0, 100)).map((e) => e.seq)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    for (const store of [a, b]) expect(store.transactionStats().reruns.deadlock).toBe(0);
  });

  it('leaves an outbox row a transaction holds to that transaction: a claim skips it, then takes what it committed', async () => {
    await open();
    const id = await a.transaction((tx) => tx.insertCall('in_1', 'CH1', mergeCall(undefined, {}), T(1)));
    const work: CrmWork = { callId: id, instanceUid: 'in_1', state: 'queued', dueAt: T(5), attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: T(0) };
    await a.putCrmWork(work);
    let read: CrmWork | undefined;
    let commit!: () => void;
    const held = new Promise<void>((resolve) => (commit = resolve));
    // As enqueueCrmWork does: read the queued row, then move its due time, in the call's transaction.
    const moved = a.transaction(async (tx) => {
      await tx.callById(id);
      read = await tx.crmWorkOf(id);
      await held;
      await tx.putCrmWork({ ...read!, dueAt: T(2) });
    });
    await vi.waitFor(() => expect(read?.state).toBe('queued'), { timeout: 20_000 });
    // Claimed now, the row would be in flight at B while A writes it back as queued: claimed twice.
    expect(await b.claimDueCrmWork(T(60), 10, { owner: 'relay-b', until: T(120) })).toEqual([]);
    commit();
    await moved;
    const claimed = await b.claimDueCrmWork(T(60), 10, { owner: 'relay-b', until: T(120) });
    expect(claimed.map((w) => [w.callId, w.dueAt, w.state])).toEqual([[id, T(2), 'inflight']]);
    expect(await a.claimDueCrmWork(T(60), 10, { owner: 'relay-a', until: T(120) })).toEqual([]);
  });

  it('lets each due outbox row be claimed by one store only', async () => {
    await open();
    const ids: number[] = [];
    for (let i = 0; i < 30; i++) {
      const id = await a.transaction((tx) => tx.insertCall('in_1', `CC${i}`, mergeCall(undefined, {}), T(1)));
      const work: CrmWork = { callId: id, instanceUid: 'in_1', state: 'queued', dueAt: T(i), attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: T(0) };
      await a.putCrmWork(work);
      ids.push(id);
    }
    const claims = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).claimDueCrmWork(T(60), 3, { owner: i % 2 ? 'relay-a' : 'relay-b', until: T(120) })),
    );
    const claimed = claims.flat();
    // 12 claims of 3 for 30 rows: every row claimed, none twice.
    expect(claimed.map((w) => w.callId).sort((x, y) => x - y)).toEqual(ids);
    for (const work of claimed) expect((await b.crmWorkOf(work.callId))?.lease?.owner).toBe(work.lease?.owner);
  });

  it('tells the other store, not itself, when events are appended or the directory changes', async () => {
    // A poll far away: what arrives here came by NOTIFY.
    await open({ changePollMs: 3_600_000 });
    const heardByA: ChangeElsewhere[] = [];
    const heardByB: ChangeElsewhere[] = [];
    a.onChangeElsewhere((change) => heardByA.push(change));
    b.onChangeElsewhere((change) => heardByB.push(change));
    await listening(url, 2);
    await record(a, 'CD1', T(1));
    await vi.waitFor(() => expect(heardByB).toContainEqual({ events: true, directory: false }), { timeout: 20_000 });
    await a.addAgent({ id: 'bob', name: 'Bob', number: '+14155550122', email: null, admin: false, tokenHash: 'hash-bob', createdAt: T(1) });
    await vi.waitFor(() => expect(heardByB).toContainEqual({ events: false, directory: true }), { timeout: 20_000 });
    // B heard both of A's commits by now; A heard none of its own.
    expect(heardByA).toEqual([]);
  });

  it("keeps an instance's read while it hears of directory changes: another store's once its notice arrives, its own at commit, by hand once the poll finds it (issue 13)", async () => {
    await open({ changePollMs: 50, maxReconnectMs: 200 });
    const config = async (store: RelayStore) => (await store.instanceWithOwner('in_1'))?.instance.config;
    /** A change by hand, announced to no one: seen at once only where nothing is kept. */
    const configByHand = (value: string) => sqlOn(url, `UPDATE instances SET config = '{"by":"${value}"}' WHERE uid = 'in_1'`);
    // Nothing kept while nothing listens: a store could not hear that what it kept changed.
    await configByHand('hand 1');
    expect(await config(a)).toEqual({ by: 'hand 1' });
    await configByHand('hand 2');
    expect(await config(a)).toEqual({ by: 'hand 2' });
    await new Promise<void>((resolve) => a.onChangeElsewhere(() => undefined, resolve));
    expect(await config(a)).toEqual({ by: 'hand 2' });
    await configByHand('hand 3');
    const kept = await a.instanceWithOwner('in_1');
    expect(kept?.instance.config).toEqual({ by: 'hand 2' });
    expect(Object.isFrozen(kept) && Object.isFrozen(kept!.instance) && Object.isFrozen(kept!.owner)).toBe(true);
    // An unknown uid is not kept.
    expect(await a.instanceWithOwner('in_2')).toBeUndefined();
    await sqlOn(url, `INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_2', 'ada', 'other', 'twilio', '{}', 's2', '${T(0)}', '${T(0)}')`);
    expect((await a.instanceWithOwner('in_2'))?.instance.localId).toBe('other');
    // Its own change, seen as soon as it commits.
    await a.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: { by: 'a' }, crm: null, at: T(1) }, { uid: 'in_x', secret: 'x' });
    expect(await config(a)).toEqual({ by: 'a' });
    // Another store's, once its notice arrives.
    await b.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: { by: 'b' }, crm: null, at: T(2) }, { uid: 'in_x', secret: 'x' });
    await vi.waitFor(async () => expect(await config(a)).toEqual({ by: 'b' }), { timeout: 20_000 });
    // A change whose notice no one sent is not seen while the read is kept. Kept from a read after
    // the poll too has found B's commit (it forgets what is kept, as the notice did), whenever that is.
    let hand = 3;
    await vi.waitFor(
      async () => {
        const kept = await config(a);
        await configByHand(`hand ${++hand}`);
        expect(await config(a)).toEqual(kept);
      },
      { timeout: 20_000 },
    );
    // With the directory's version moved, the poll finds it.
    await sqlOn(url, 'UPDATE directory_version SET version = version + 1');
    await vi.waitFor(async () => expect(await config(a)).toEqual({ by: `hand ${hand}` }), { timeout: 20_000 });
    // The LISTEN connection dies: nothing is kept until it is back, and then what was kept before is read again.
    await sqlOn(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${LISTENER_NAME}' AND datname = current_database()`);
    await configByHand('after the connection died');
    await vi.waitFor(async () => expect(await config(a)).toEqual({ by: 'after the connection died' }), { timeout: 20_000 });
  });

  it('finds a change no NOTIFY announced by its poll, and one lost with its connection by reconnecting', async () => {
    await open({ changePollMs: 50, maxReconnectMs: 200 });
    const heard: ChangeElsewhere[] = [];
    b.onChangeElsewhere((change) => heard.push(change));
    await listening(url, 1);
    // A write by hand, with no NOTIFY: only the poll can see it.
    await sqlOn(
      url,
      `WITH snapshot AS (INSERT INTO call_snapshots (call, created_at) VALUES ('{}', '${T(1)}') RETURNING id)
       INSERT INTO events (agent_id, seq, kind, snapshot_id) SELECT 'ada', 99, 'created', id FROM snapshot`,
    );
    await vi.waitFor(() => expect(heard).toContainEqual({ events: true, directory: false }), { timeout: 20_000 });
    heard.length = 0;
    // The LISTEN connection dies (PostgreSQL restarted, a proxy cut it): the store reconnects and says something may have changed.
    await sqlOn(url, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '${LISTENER_NAME}' AND datname = current_database()`);
    await vi.waitFor(() => expect(heard).toContainEqual({ events: true, directory: true }), { timeout: 20_000 });
    heard.length = 0;
    await a.removeAgent('ada');
    await vi.waitFor(() => expect(heard.some((c) => c.directory)).toBe(true), { timeout: 20_000 });
  });
});

/**
 * Waits until `stores` LISTEN connections (a store opens one once something listens to it) are up
 * and done connecting: each has issued its LISTEN and then read the change marks (its last query
 * is no longer the LISTEN). Waiting for any one connection let a test write before the other store
 * listened, or before it read the marks its poll compares with, and that store never heard of the
 * write.
 */
async function listening(url: string, stores: number): Promise<void> {
  await vi.waitFor(
    async () => {
      const { rows } = await sqlOn(
        url,
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE application_name = '${LISTENER_NAME}' AND datname = current_database() AND state = 'idle' AND query <> '' AND query NOT LIKE 'LISTEN%'`,
      );
      expect(rows[0].n).toBeGreaterThanOrEqual(stores);
    },
    { timeout: 20_000, interval: 50 },
  );
}
