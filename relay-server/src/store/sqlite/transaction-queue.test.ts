import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCall } from '../../calls/merge.ts';
import type { RelayStore, StoreTx } from '../index.ts';
import { openSqliteStore } from './store.ts';
import { SqliteTables } from './tables.ts';
import { TransactionQueue } from './transaction-queue.ts';
import { type DiskSync, WalSync } from './wal-sync.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();
const MAX_BATCH = 8;

let dir: string;
let store: RelayStore;
/** Another connection to the same file, read synchronously: it sees only what is committed. */
let reader: Database.Database;

const committed = (callId: string) => reader.prepare('SELECT 1 FROM calls WHERE call_id = ?').get(callId) !== undefined;
const insert = (tx: StoreTx, callId: string) => tx.insertCall('in_1', callId, mergeCall(undefined, {}), T(1));

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'relay-batch-'));
  store = openSqliteStore(join(dir, 'relay.db'), { maxBatch: MAX_BATCH });
  await store.addAgent({ id: 'ada', name: 'Ada', number: '+14155550111', email: null, admin: false, tokenHash: 'h', createdAt: T(0) });
  await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_1', secret: 's' });
  reader = new Database(join(dir, 'relay.db'), { readonly: true });
});

afterEach(async () => {
  reader.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Queues `works` in one turn of the event loop: what the queue runs as one batch (group commit). */
function queuedTogether<T>(works: Array<(tx: StoreTx) => Promise<T>>): Promise<Array<PromiseSettledResult<T>>> {
  return Promise.allSettled(works.map((work) => store.transaction(work)));
}

describe('group commit (issue 13)', () => {
  it('runs transactions queued together as one transaction, invisible to other connections until its commit', async () => {
    const all = ['CA1', 'CA2', 'CA3'];
    const settled = await queuedTogether(
      all.map((callId, i) => async (tx: StoreTx) => {
        const id = await insert(tx, callId);
        // Each sees the writes of those before it in the batch; no other connection sees any of them yet.
        for (const earlier of all.slice(0, i)) expect(await tx.callByKey('in_1', earlier)).toBeDefined();
        expect(all.some(committed)).toBe(false);
        return id;
      }),
    );
    expect(settled).toEqual([1, 2, 3].map((value) => ({ status: 'fulfilled', value })));
    expect(all.every(committed)).toBe(true);
  });

  it('settles each promise after the shared commit, in the order the transactions were queued', async () => {
    const order: string[] = [];
    const callIds = Array.from({ length: MAX_BATCH }, (_, i) => `CA${i + 1}`);
    const all = callIds.map((callId) =>
      store
        .transaction((tx) => insert(tx, callId))
        .then(() => {
          // Synchronous read on another connection: at the moment this promise settles, the whole batch is committed.
          expect(callIds.every(committed)).toBe(true);
          order.push(callId);
        }),
    );
    await Promise.all(all);
    expect(order).toEqual(callIds);
  });

  it('waits for the I/O already arrived before it begins: transactions queued by separate callbacks of one turn share the commit', async () => {
    // Two callbacks of one event-loop phase, as two webhooks read in the same turn are.
    const [first, second] = await Promise.all(
      ['CA1', 'CA2'].map(
        (callId) =>
          new Promise<{ othersCommitted: boolean }>((resolve, reject) =>
            setImmediate(() => {
              store
                .transaction(async (tx) => {
                  const othersCommitted = committed(callId === 'CA1' ? 'CA2' : 'CA1');
                  await insert(tx, callId);
                  return { othersCommitted };
                })
                .then(resolve, reject);
            }),
          ),
      ),
    );
    // Neither saw the other committed: both ran inside the one batch.
    expect([first!.othersCommitted, second!.othersCommitted]).toEqual([false, false]);
    expect(['CA1', 'CA2'].every(committed)).toBe(true);
  });

  it('rolls back only the transaction that failed, and gives it its own error', async () => {
    const settled = await queuedTogether<number>([
      (tx) => insert(tx, 'CA1'),
      async (tx) => {
        await tx.linkAgents(['ada'], await insert(tx, 'CA2'));
        await tx.appendEvents([{ agentId: 'ada', kind: 'created' }], (await tx.callByKey('in_1', 'CA2'))!, T(2));
        throw new Error('the second work failed');
      },
      async (tx) => {
        await insert(tx, 'CA3');
        // A failing statement inside the batch is that transaction's failure too.
        return tx.insertCall('in_1', 'CA1', mergeCall(undefined, {}), T(3));
      },
      (tx) => insert(tx, 'CA4'),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect((settled[1] as PromiseRejectedResult).reason).toEqual(new Error('the second work failed'));
    expect(['CA1', 'CA2', 'CA3', 'CA4'].map(committed)).toEqual([true, false, false, true]);
    expect(await store.lastSeq('ada')).toBe(0);
    expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
  });

  it('runs a failing transaction once: the batch runs again without it, those before it twice, their first writes undone', async () => {
    const runs = { CA1: 0, CA2: 0, CA3: 0 };
    const settled = await queuedTogether<number>([
      (tx) => (runs.CA1++, insert(tx, 'CA1')),
      async (tx) => {
        runs.CA2++;
        await insert(tx, 'CA2');
        throw new Error('the second work failed');
      },
      (tx) => (runs.CA3++, insert(tx, 'CA3')),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(runs).toEqual({ CA1: 2, CA2: 1, CA3: 1 });
    expect(['CA1', 'CA2', 'CA3'].map(committed)).toEqual([true, false, true]);
    expect(reader.prepare('SELECT count(*) AS n FROM calls').get()).toEqual({ n: 2 });
    // Without a failure, each runs once.
    await queuedTogether([(tx) => (runs.CA1++, insert(tx, 'CA4')), (tx) => (runs.CA3++, insert(tx, 'CA5'))]);
    expect(runs).toEqual({ CA1: 3, CA2: 1, CA3: 2 });
  });

  it('commits at most maxBatch transactions together; the rest form the next batch', async () => {
    const callIds = Array.from({ length: MAX_BATCH + 1 }, (_, i) => `CA${i + 1}`);
    const firstSeenCommitted: boolean[] = [];
    const settled = await queuedTogether(
      callIds.map((callId) => async (tx) => {
        firstSeenCommitted.push(committed('CA1'));
        return insert(tx, callId);
      }),
    );
    expect(settled.every((s) => s.status === 'fulfilled')).toBe(true);
    // The last one ran after the first batch (CA1 to CA8) had committed.
    expect(firstSeenCommitted).toEqual([...Array<boolean>(MAX_BATCH).fill(false), true]);
  });
});

describe("a transaction's tx", () => {
  it('offers every table method, and refuses them once its transaction has ended, without running them', async () => {
    const leaked = await store.transaction(async (tx) => {
      expect(await tx.callByKey('in_1', 'CA1')).toBeUndefined();
      return tx;
    });
    await expect(insert(leaked, 'CA1')).rejects.toThrow('store: insertCall was called through a transaction that has ended');
    expect(() => leaked.afterCommit(() => undefined)).toThrow('store: afterCommit was called through a transaction that has ended');
    expect(committed('CA1')).toBe(false);
    expect(await store.callByKey('in_1', 'CA1')).toBeUndefined();
  });
});

describe('plain calls', () => {
  it('reads without a transaction of its own: in the next batch, settled without waiting for its sync', async () => {
    const before = store.transactionStats().transactions;
    expect(await store.instanceByUid('in_1')).toMatchObject({ localId: 'main' });
    expect(await store.agentById('ada')).toMatchObject({ name: 'Ada' });
    expect(store.transactionStats().transactions).toBe(before);
  });

  it("runs the reads of a turn in one SQLite transaction, before the batch's writes, and answers them before its sync", async () => {
    const db = new Database(join(dir, 'relay.db'));
    const pending: Array<(error: Error | null) => void> = [];
    const queue = new TransactionQueue(db, new SqliteTables(db), MAX_BATCH, new WalSync((done) => pending.push(done)));
    try {
      const inTransaction: boolean[] = [];
      const read = (callId: string) => queue.read(() => (inTransaction.push(db.inTransaction), db.prepare('SELECT 1 FROM calls WHERE call_id = ?').get(callId) !== undefined));
      const write = queue.run((tx) => insert(tx, 'CA1'));
      const reads = [read('CA1'), read('CA1')];
      expect(await Promise.all(reads)).toEqual([false, false]);
      expect(inTransaction).toEqual([true, true]);
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      // The write is committed, its sync not done: a read now sees it, and is not held back by the sync.
      expect(await read('CA1')).toBe(true);
      pending.shift()!(null);
      expect(await write).toBe(1);
      const failing = queue.read(() => {
        throw new Error('no such table');
      });
      await expect(failing).rejects.toThrow('no such table');
      expect(await read('CA1')).toBe(true);
      await queue.idle();
      expect(db.inTransaction).toBe(false);
    } finally {
      await queue.idle();
      db.close();
    }
  });

  it('answers a read whose answer goes to an agent only once a sync begun after it has completed', async () => {
    const db = new Database(join(dir, 'relay.db'));
    const pending: Array<(error: Error | null) => void> = [];
    const queue = new TransactionQueue(db, new SqliteTables(db), MAX_BATCH, new WalSync((done) => pending.push(done)));
    try {
      const seen = () => db.prepare('SELECT 1 FROM calls WHERE call_id = ?').get('CA1') !== undefined;
      const write = queue.run((tx) => insert(tx, 'CA1'));
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      // The write is committed, its sync running: the read sees it, and waits for a sync that covers it.
      let answer: boolean | undefined;
      const read = queue.readSynced(seen).then((value) => (answer = value));
      expect(await queue.read(seen)).toBe(true);
      pending.shift()!(null);
      expect(await write).toBe(1);
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(answer).toBeUndefined();
      pending.shift()!(null);
      expect(await read).toBe(true);
      const failed = queue.readSynced(seen);
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!(new Error('EIO'));
      await expect(failed).rejects.toThrow('EIO');
    } finally {
      while (pending.length > 0) pending.shift()!(null);
      await queue.idle();
      db.close();
    }
  });

  /** The queue on its own connection, with the SQLite transactions it begins listed. */
  function queueCountingBegins() {
    const db = new Database(join(dir, 'relay.db'));
    const begins: string[] = [];
    const prepare = db.prepare.bind(db);
    db.prepare = ((sql: string) => {
      const statement = prepare(sql);
      if (!sql.startsWith('BEGIN')) return statement;
      const run = statement.run.bind(statement);
      return Object.assign(statement, { run: () => (begins.push(sql), run()) });
    }) as typeof db.prepare;
    return { db, begins, queue: new TransactionQueue(db, new SqliteTables(db), MAX_BATCH, undefined) };
  }

  it("takes the transactions queued once its reads are answered into the same SQLite transaction: a webhook's read and write in one (issue 13)", async () => {
    const { db, begins, queue } = queueCountingBegins();
    try {
      const webhook = (callId: string) => queue.read(() => 'instance').then(() => queue.run((tx) => insert(tx, callId)));
      expect(await Promise.all([webhook('CA1'), webhook('CA2')])).toEqual([1, 2]);
      expect(begins).toEqual(['BEGIN']);
      expect(['CA1', 'CA2'].every(committed)).toBe(true);
      // A batch that began with writes takes them too.
      const first = queue.run((tx) => insert(tx, 'CA3'));
      const second = queue.read(() => 'instance').then(() => queue.run((tx) => insert(tx, 'CA4')));
      expect(await Promise.all([first, second])).toEqual([3, 4]);
      expect(begins).toEqual(['BEGIN', 'BEGIN IMMEDIATE']);
    } finally {
      await queue.idle();
      db.close();
    }
  });

  it('runs them in a batch of their own when another process committed since its reads began', async () => {
    const { db, begins, queue } = queueCountingBegins();
    const other = new Database(join(dir, 'relay.db'));
    try {
      // The read sees the database as it was when it began; another process commits right after.
      const read = queue.read(() => (db.prepare('SELECT count(*) FROM calls').get(), other.prepare(`UPDATE agents SET name = 'Ada' WHERE id = 'ada'`).run()));
      expect(await read.then(() => queue.run((tx) => insert(tx, 'CA1')))).toBe(1);
      expect(begins).toEqual(['BEGIN', 'BEGIN IMMEDIATE']);
      expect(committed('CA1')).toBe(true);
    } finally {
      other.close();
      await queue.idle();
      db.close();
    }
  });

  it('never reads what an open transaction wrote: a read made meanwhile waits for its end', async () => {
    let read: Promise<unknown> | undefined;
    await expect(
      store.transaction(async (tx) => {
        await insert(tx, 'CA1');
        read = store.callByKey('in_1', 'CA1');
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await read).toBeUndefined();
    expect(committed('CA1')).toBe(false);
  });
});

describe('durability through the log sync', () => {
  /** The queue on its own connection to the test's database, with a disk whose syncs complete when the test says. */
  function queueOnHeldDisk() {
    const db = new Database(join(dir, 'relay.db'));
    db.pragma('synchronous = NORMAL');
    const pending: Array<(error: Error | null) => void> = [];
    const sync: DiskSync = (done) => pending.push(done);
    return { db, pending, queue: new TransactionQueue(db, new SqliteTables(db), MAX_BATCH, new WalSync(sync)) };
  }

  async function settledYet(promise: Promise<unknown>): Promise<boolean> {
    let settled = false;
    promise.then(() => (settled = true), () => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    return settled;
  }

  it('settles a committed transaction only once the log sync begun after its commit completes', async () => {
    const { db, pending, queue } = queueOnHeldDisk();
    try {
      const first = queue.run((tx) => insert(tx, 'CA1'));
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      // Committed (another connection sees it) but not yet known to be on disk: not acknowledged.
      expect(committed('CA1')).toBe(true);
      expect(await settledYet(first)).toBe(false);
      // Committed while that sync runs: it waits for the next one.
      const second = queue.run((tx) => insert(tx, 'CA2'));
      while (!committed('CA2')) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!(null);
      expect(await first).toBe(1);
      expect(await settledYet(second)).toBe(false);
      pending.shift()!(null);
      expect(await second).toBe(2);
    } finally {
      db.close();
    }
  });

  it("syncs a batch together with the next one when transactions queued while it ran: one sync for both, then each settles", async () => {
    const { db, pending, queue } = queueOnHeldDisk();
    try {
      // A webhook's read rides the first batch, and its transaction is queued while that batch runs.
      const first = queue.run((tx) => insert(tx, 'CA1'));
      const second = queue.read(() => 'instance').then(() => queue.run((tx) => insert(tx, 'CA2')));
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      expect(committed('CA1') && committed('CA2')).toBe(true);
      expect(await settledYet(first)).toBe(false);
      pending.shift()!(null);
      expect(await Promise.all([first, second])).toEqual([1, 2]);
      expect(pending).toHaveLength(0);
      // Alone, a batch asks for its sync at once.
      const third = queue.run((tx) => insert(tx, 'CA3'));
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!(null);
      expect(await third).toBe(3);
    } finally {
      await queue.idle();
      db.close();
    }
  });

  it("begins no batch while held, for the log's catch-up checkpoint; syncs what was committed before, and runs what was queued after release, in order (issues 13, 10)", async () => {
    const db = new Database(join(dir, 'relay.db'));
    db.pragma('synchronous = NORMAL');
    const pending: Array<(error: Error | null) => void> = [];
    let release: (() => void) | undefined;
    let queued: Array<Promise<number>> = [];
    const seen = () => ['CA1', 'CA2', 'CA3'].filter((callId) => db.prepare('SELECT 1 FROM calls WHERE call_id = ?').get(callId) !== undefined);
    // Held as WalCheckpoints holds it: at a COMMIT, with the next transactions queued as it ran.
    const queue = new TransactionQueue(db, new SqliteTables(db), MAX_BATCH, new WalSync((done) => pending.push(done)), () => {
      if (release) return;
      release = queue.hold();
      queued = [queue.run((tx) => insert(tx, 'CA2')), queue.run((tx) => insert(tx, 'CA3'))];
    });
    try {
      const settledOrder: string[] = [];
      const first = queue.run((tx) => insert(tx, 'CA1'));
      // The first batch's sync is asked for while held, and settles it.
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!(null);
      expect(await first).toBe(1);
      const read = queue.read(seen).then((value) => (settledOrder.push('read'), value));
      for (const [i, work] of queued.entries()) void work.then(() => settledOrder.push(`CA${i + 2}`));
      for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
      // Neither the transactions nor the read began.
      expect(db.inTransaction).toBe(false);
      expect(committed('CA2') || committed('CA3')).toBe(false);
      expect(settledOrder).toEqual([]);
      expect(pending).toHaveLength(0);
      release!();
      expect(await read).toEqual(['CA1']);
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!(null);
      expect(await Promise.all(queued)).toEqual([2, 3]);
      expect(settledOrder).toEqual(['read', 'CA2', 'CA3']);
    } finally {
      while (pending.length > 0) pending.shift()!(null);
      await queue.idle();
      db.close();
    }
  });

  it('refuses the transactions a failed sync covered: their commit may be lost', async () => {
    const { db, pending, queue } = queueOnHeldDisk();
    try {
      const work = queue.run((tx) => insert(tx, 'CA1'));
      while (pending.length === 0) await new Promise((resolve) => setImmediate(resolve));
      pending.shift()!(new Error('EIO: i/o error, fsync'));
      await expect(work).rejects.toThrow('the disk did not confirm the commit (EIO: i/o error, fsync): it may be lost');
    } finally {
      db.close();
    }
  });
});
