/**
 * A PostgreSQL store's batches (issue 13): the transactions asked for in one turn share one
 * transaction on one connection, and still each commits or fails by its own work; with the
 * database far, a second batch goes out while the first is in flight.
 */
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mergeCall } from '../../calls/merge.ts';
import { dropDatabase, freshDatabase } from '../../testing-postgres.ts';
import type { Call, RelayStore, StoreTx } from '../index.ts';
import { openPostgresStore } from './store.ts';
import { type Queued, TransactionBatches } from './transaction-batches.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();
const agent = (id: string, number: string) => ({ id, name: id, number, email: null, admin: false, tokenHash: `hash-${id}`, createdAt: T(0) });

/**
 * What a webhook does: find the call or create it, merge `status` into it, and tell `agents` (its
 * last statement); `afterRead` between its read and its writes.
 */
async function record(tx: StoreTx, callId: string, status: 'ringing' | 'in-progress' | 'completed', agents: readonly string[] = ['ada'], afterRead?: () => Promise<void>) {
  const known = await tx.callByKey('in_1', callId);
  await afterRead?.();
  const state = mergeCall(known, { status });
  const id = known ? known.id : await tx.insertCall('in_1', callId, state, T(1));
  if (known) await tx.updateCall(id, state, T(1));
  else await tx.linkAgents(agents, id);
  const events = await tx.appendEvents(
    agents.map((agentId) => ({ agentId, kind: known ? 'updated' : 'created' })),
    { ...known!, id, status },
    T(1),
    { last: true },
  );
  return { before: known?.status ?? null, events };
}

describe('the batches of a PostgreSQL store', () => {
  let url: string;
  let store: RelayStore;

  beforeEach(async () => {
    url = await freshDatabase();
    store = await openPostgresStore(url);
    await store.addAgent(agent('ada', '+14155550111'));
    await store.addAgent(agent('bob', '+14155550122'));
    await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await store.close();
    await dropDatabase(url);
  });

  /** The first word of every statement the store's connections send from now on. */
  function sentStatements(): string[] {
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    vi.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      sent.push(String((args[0] as { text?: string }).text ?? args[0]).trim().split(/\s+/)[0]!);
      return (query as (...a: unknown[]) => unknown).apply(this, args) as never;
    });
    return sent;
  }

  it('commits the transactions asked for in one turn in one transaction: one BEGIN, one append, one COMMIT', async () => {
    const sent = sentStatements();
    const recorded = await Promise.all(Array.from({ length: 6 }, (_, i) => store.transaction((tx) => record(tx, `CA${i}`, 'ringing'))));
    expect(sent.filter((word) => word === 'BEGIN')).toHaveLength(1);
    // The append's WITH, and NOTIFY with COMMIT behind it.
    expect(sent.filter((word) => word === 'WITH')).toHaveLength(1);
    expect(sent.filter((word) => word === 'NOTIFY')).toHaveLength(1);
    vi.restoreAllMocks();
    expect(recorded.map(({ events }) => events.map((event) => event.seq))).toEqual([[1], [2], [3], [4], [5], [6]]);
    for (let i = 0; i < 6; i++) expect((await store.callByKey('in_1', `CA${i}`))?.status).toBe('ringing');
    expect((await store.eventsAfter('ada', 0, 10)).map((event) => JSON.parse(event.call).id)).toEqual(recorded.map(({ events }) => JSON.parse(events[0]!.call).id));
  });

  it('fails a transaction of a batch alone: the others commit, each failure with its own error', async () => {
    const outcomes = await Promise.allSettled([
      store.transaction((tx) => record(tx, 'CA1', 'ringing')),
      store.transaction(async (tx) => {
        await tx.callByKey('in_1', 'CA2');
        await tx.insertCall('in_1', 'CA2', mergeCall(undefined, { status: 'ringing' }), T(1));
        throw new Error('the work failed after its insert');
      }),
      store.transaction((tx) => record(tx, 'CA3', 'ringing', ['nobody'])),
      store.transaction((tx) => record(tx, 'CA4', 'ringing')),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(String((outcomes[1] as PromiseRejectedResult).reason)).toMatch(/the work failed after its insert/);
    expect(String((outcomes[2] as PromiseRejectedResult).reason)).toMatch(/foreign key constraint/);
    expect(await store.callByKey('in_1', 'CA2')).toBeUndefined();
    expect(await store.callByKey('in_1', 'CA3')).toBeUndefined();
    expect((await store.eventsAfter('ada', 0, 10)).map((event) => JSON.parse(event.call).id)).toEqual([(await store.callByKey('in_1', 'CA1'))!.id, (await store.callByKey('in_1', 'CA4'))!.id]);
  });

  it('commits a batch in which a transaction has nothing to append: its empty append is its last statement all the same', async () => {
    await store.transaction((tx) => record(tx, 'CA1', 'ringing'));
    // CA1's webhook sent again: nothing changed, no event, beside a new call's.
    const [again, other] = await Promise.all([
      store.transaction(async (tx) => tx.appendEvents([], (await tx.callByKey('in_1', 'CA1'))!, T(2), { last: true })),
      store.transaction((tx) => record(tx, 'CA2', 'ringing')),
    ]);
    expect(again).toEqual([]);
    expect(other.events.map((event) => event.seq)).toEqual([2]);
  });

  it('runs two transactions of one batch on the same call one after the other: the second reads what the first wrote', async () => {
    await store.transaction((tx) => record(tx, 'CA1', 'ringing'));
    const [first, second] = await Promise.all([store.transaction((tx) => record(tx, 'CA1', 'in-progress')), store.transaction((tx) => record(tx, 'CA1', 'completed'))]);
    expect([first.before, second.before]).toEqual(['ringing', 'in-progress']);
    expect((await store.callByKey('in_1', 'CA1'))?.status).toBe('completed');
    expect((await store.eventsAfter('ada', 0, 10)).map((event) => event.seq)).toEqual([1, 2, 3]);
  });

  it.each([
    ['an agent', (tx: StoreTx, id: number) => tx.callFor('ada', id)],
    ['the API', (tx: StoreTx, id: number) => tx.callById(id)],
  ])("runs alone the works of a batch that read one call by its key and by its id: %s's read by id waits for the webhook's write", async (_reader, readById) => {
    await store.transaction((tx) => record(tx, 'CA1', 'ringing'));
    const { id } = (await store.callByKey('in_1', 'CA1'))!;
    const [, seen] = await Promise.all([store.transaction((tx) => record(tx, 'CA1', 'in-progress')), store.transaction(async (tx) => (await readById(tx, id))?.status)]);
    expect(seen).toBe('in-progress');
  });

  it("runs alone the works of a batch that read one call's CRM work: the second queues on what the first queued", async () => {
    await store.transaction((tx) => record(tx, 'CA1', 'completed'));
    const { id } = (await store.callByKey('in_1', 'CA1'))!;
    // Queue the call's log, or mark the one queued to run again; tell whether one was queued.
    const queue = async (tx: StoreTx) => {
      const queued = await tx.crmWorkOf(id);
      await tx.putCrmWork(queued ? { ...queued, again: true } : { callId: id, instanceUid: 'in_1', state: 'queued', dueAt: T(2), attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: T(2) });
      return queued !== undefined;
    };
    expect(await Promise.all([store.transaction(queue), store.transaction(queue)])).toEqual([false, true]);
    expect((await store.crmWorkOf(id))?.again).toBe(true);
  });

  it("never deadlocks two relays' batches: each batch's appends take their agents' rows in one statement, in one order", async () => {
    const other = await openPostgresStore(url);
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      // Each agent's roster stored first (as it is after an agent's first call): two batches storing both at once wait on each other there.
      for (const agentId of ['ada', 'bob']) await store.transaction((tx) => record(tx, `CA-first-${agentId}`, 'ringing', [agentId]));
      // Ada's row held elsewhere: this store's batch (Ada, then Bob) waits for it; the other's (Bob, then Ada), one
      // statement per append, took Bob first, and once Ada's row was let go each batch waited for the other's.
      await holder.query('BEGIN');
      await holder.query("SELECT 1 FROM agents WHERE id = 'ada' FOR UPDATE");
      const batch = (on: RelayStore, name: string, order: readonly string[]) => Promise.all(order.map((agentId) => on.transaction((tx) => record(tx, `CA-${name}-${agentId}`, 'ringing', [agentId]))));
      const both = Promise.all([batch(store, 'a', ['ada', 'bob']), batch(other, 'b', ['bob', 'ada'])]);
      await vi.waitFor(
        async () => {
          const { rows } = await holder.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
          expect(rows[0].n).toBe(2);
        },
        { timeout: 20_000, interval: 20 },
      );
      await holder.query('COMMIT');
      await both;
      for (const on of [store, other]) expect(on.transactionStats().reruns.deadlock).toBe(0);
      for (const agentId of ['ada', 'bob']) expect((await store.eventsAfter(agentId, 0, 10)).map((event) => event.seq)).toEqual([1, 2, 3]);
    } finally {
      await holder.end();
      await other.close();
    }
  });
});

describe('batches in flight at once', () => {
  /** Batches run by hand: each stays in flight until the test settles it. */
  function batchesBy(inFlight: number) {
    const begun: Array<{ batch: Queued[]; settle: () => void }> = [];
    const runBatch = (batch: Queued[]) =>
      new Promise<void>((settle) => {
        begun.push({ batch, settle });
      }).then(() => batch.forEach((queued) => queued.resolve(undefined)));
    return { batches: new TransactionBatches(64, () => inFlight, (queued) => runBatch([queued]), runBatch), begun };
  }
  const turns = async (count: number) => {
    for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const work = async () => undefined;

  it('takes the transactions asked for while a batch is in flight as the next batch, begun only when inFlight() allows', async () => {
    for (const inFlight of [1, 2]) {
      const { batches, begun } = batchesBy(inFlight);
      const first = [batches.run(work), batches.run(work)];
      await turns(2);
      const second = [batches.run(work), batches.run(work), batches.run(work)];
      await turns(2);
      expect(begun.map(({ batch }) => batch.length)).toEqual(inFlight === 1 ? [2] : [2, 3]);
      begun[0]!.settle();
      await Promise.all(first);
      await turns(2);
      expect(begun.map(({ batch }) => batch.length)).toEqual([2, 3]);
      begun[1]!.settle();
      await Promise.all(second);
    }
  });
});

describe('the batches of a PostgreSQL store far from its database', () => {
  let url: string;
  let store: RelayStore;

  beforeEach(async () => {
    url = await freshDatabase();
    // Every round trip counts as far: two batches in flight at once.
    store = await openPostgresStore(url, { farRoundTripMs: 0 });
    await store.addAgent(agent('ada', '+14155550111'));
    await store.addAgent(agent('bob', '+14155550122'));
    await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
  });
  afterEach(async () => {
    await store.close();
    await dropDatabase(url);
  });

  /** A gate the test opens; `reached` resolves once `count` works wait at it. */
  function gate(count: number) {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => (open = resolve));
    let arrived = 0;
    let allArrived!: () => void;
    const reached = new Promise<void>((resolve) => (allArrived = resolve));
    const pass = async () => {
      if (++arrived === count) allArrived();
      await opened;
    };
    return { open, reached, pass };
  }

  /** Sessions of the database waiting for a row lock another holds. */
  async function lockWaits(): Promise<number> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      return rows[0].n as number;
    } finally {
      await client.end();
    }
  }

  it('tells /metrics how far the database is and how many batches it lets be in flight', async () => {
    expect(store.transactionStats().batches).toEqual({ roundTripFloorMs: 0, inFlight: 2 });
    // A span of 64 BEGINs timed: the floor is the shortest of them.
    for (let i = 0; i < 64; i++) await store.transaction((tx) => tx.listAgents());
    const { roundTripFloorMs, inFlight } = store.transactionStats().batches!;
    expect(roundTripFloorMs).toBeGreaterThan(0);
    expect(inFlight).toBe(2);
  });

  it("sends a second batch while the first holds its agent's row: its append waits for the first's commit, so the agent's seqs follow the commits", async () => {
    const held = gate(2);
    // The first batch appends (Ada's row locked until its commit), then waits.
    const first = Promise.all(
      ['CA1', 'CA2'].map((callId) =>
        store.transaction(async (tx) => {
          const id = await tx.insertCall('in_1', callId, mergeCall(undefined, { status: 'ringing' }), T(1));
          await tx.linkAgents(['ada'], id);
          const events = await tx.appendEvents([{ agentId: 'ada', kind: 'created' }], { id } as Call, T(1));
          await held.pass();
          return events;
        }),
      ),
    );
    await held.reached;
    const second = Promise.all(['CA3', 'CA4'].map((callId) => store.transaction((tx) => record(tx, callId, 'ringing'))));
    try {
      // The second batch in flight too, its append waiting for Ada's row.
      await vi.waitFor(async () => expect(await lockWaits()).toBe(1), { timeout: 20_000, interval: 20 });
    } finally {
      held.open();
    }
    const [firstEvents, secondRecorded] = await Promise.all([first, second]);
    expect(firstEvents.map((events) => events.map((event) => event.seq))).toEqual([[1], [2]]);
    expect(secondRecorded.map(({ events }) => events.map((event) => event.seq))).toEqual([[3], [4]]);
    const logged = await store.eventsAfter('ada', 0, 10);
    expect(logged.map((event) => [event.seq, event.prevSeq])).toEqual([[1, 0], [2, 1], [3, 2], [4, 3]]);
  });

  it('commits a second batch while the first is held, and reruns alone a batch that inserted the call the other committed', async () => {
    const held = gate(2);
    // The first batch has read its calls (none yet) and waits before it writes.
    const first = Promise.all([store.transaction((tx) => record(tx, 'CA1', 'ringing', ['ada'], held.pass)), store.transaction((tx) => record(tx, 'CA2', 'completed', ['ada'], held.pass))]);
    await held.reached;
    let second: Array<Awaited<ReturnType<typeof record>>> | undefined;
    try {
      // Bob's call, and CA2 told of: both committed while the first batch is still open.
      void Promise.all([store.transaction((tx) => record(tx, 'CB1', 'ringing', ['bob'])), store.transaction((tx) => record(tx, 'CA2', 'in-progress'))]).then((recorded) => (second = recorded));
      await vi.waitFor(() => expect(second).toBeDefined(), { timeout: 20_000, interval: 20 });
    } finally {
      held.open();
    }
    expect(second!.map(({ before, events }) => [before, events.map((event) => [event.agentId, event.seq])])).toEqual([
      [null, [['bob', 1]]],
      [null, [['ada', 1]]],
    ]);
    // The first batch's insert of CA2 met the second's: the batch rolled back, each of its works ran again alone, CA2's as an update.
    expect((await first).map(({ before }) => before)).toEqual([null, 'in-progress']);
    expect(store.transactionStats().reruns.same_call).toBe(2);
    expect((await store.callByKey('in_1', 'CA2'))?.status).toBe('completed');
    expect((await store.eventsAfter('ada', 0, 10)).map((event) => [event.seq, event.prevSeq])).toEqual([[1, 0], [2, 1], [3, 2]]);
  });
});
