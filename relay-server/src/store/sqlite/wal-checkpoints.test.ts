import { closeSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { type CheckpointResult, checkpointThread, MAX_LOG_FRAMES, type RunCheckpoint, WalCheckpoints } from './wal-checkpoints.ts';
import { openSqliteStore } from './store.ts';
import { TransactionQueue } from './transaction-queue.ts';

/** A checkpoint thread whose checkpoints complete when the test says: each begun one waits in `pending`. */
function heldThread() {
  const pending: Array<(error: Error | null, result?: CheckpointResult) => void> = [];
  const run: RunCheckpoint = (done) => pending.push(done);
  return { run, pending };
}

/** A clock the test moves. */
function clock() {
  let at = 0;
  return { now: () => at, advance: (ms: number) => (at += ms) };
}

const DONE: CheckpointResult = { log: 10, checkpointed: 10, restarts: 1 };

const NO_HOLD = () => () => {};

/** A hold of the store's writes that counts how often it was asked and released. */
function countedHold() {
  const hold = { asked: 0, released: 0, take: () => {
    hold.asked++;
    return () => void hold.released++;
  } };
  return hold;
}

/** Checkpoints whose second checkpoint finds the log behind: long, and not rewritten from its start since the first. */
function behindLog(spacingMs = 0) {
  const thread = heldThread();
  const hold = countedHold();
  const counts = { here: 0 };
  const time = clock();
  const checkpoints = new WalCheckpoints(thread.run, () => counts.here++, hold.take, spacingMs, time.now);
  checkpoints.committed();
  thread.pending.shift()!(null, { log: MAX_LOG_FRAMES + 1, checkpointed: MAX_LOG_FRAMES + 1, restarts: 5 });
  time.advance(spacingMs);
  checkpoints.committed();
  thread.pending.shift()!(null, { log: MAX_LOG_FRAMES + 2, checkpointed: MAX_LOG_FRAMES + 1, restarts: 5 });
  return { thread, hold, counts, checkpoints };
}

describe('WalCheckpoints', () => {
  it('runs one checkpoint at a time, and one more for the commits made while it ran', () => {
    const thread = heldThread();
    const time = clock();
    let here = 0;
    const checkpoints = new WalCheckpoints(thread.run, () => here++, NO_HOLD, 0, time.now);
    checkpoints.committed();
    checkpoints.committed();
    checkpoints.committed();
    expect(thread.pending).toHaveLength(1);
    thread.pending.shift()!(null, DONE);
    expect(thread.pending).toHaveLength(1);
    thread.pending.shift()!(null, DONE);
    // Nothing was committed since the second began: no third.
    expect(thread.pending).toHaveLength(0);
    expect(here).toBe(0);
  });

  it('spaces checkpoints by the given interval', async () => {
    const thread = heldThread();
    const time = clock();
    const checkpoints = new WalCheckpoints(thread.run, () => {}, NO_HOLD, 20, time.now);
    checkpoints.committed();
    thread.pending.shift()!(null, DONE);
    checkpoints.committed();
    // Asked too soon after the first began: it waits for its timer, not the next commit.
    expect(thread.pending).toHaveLength(0);
    time.advance(20);
    await vi.waitFor(() => expect(thread.pending).toHaveLength(1), { timeout: 5000, interval: 5 });
    // Stopping waits for the checkpoint running.
    let stopped = false;
    const stopping = checkpoints.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    thread.pending.shift()!(null, DONE);
    await stopping;
  });

  it('checkpoints on the store\'s own connection when the thread fails', () => {
    const thread = heldThread();
    let here = 0;
    const checkpoints = new WalCheckpoints(thread.run, () => here++, NO_HOLD, 0, clock().now);
    checkpoints.committed();
    thread.pending.shift()!(new Error('the checkpoint thread exited (code 1)'));
    expect(here).toBe(1);
    checkpoints.committed();
    thread.pending.shift()!(null, { log: 900, checkpointed: 900, restarts: 4 });
    expect(here).toBe(1);
  });

  it('keeps checkpointing on the store\'s own connection once the thread has failed, where it answers at once', () => {
    const time = clock();
    let here = 0;
    const failed: RunCheckpoint = (done) => done(new Error('the checkpoint thread exited (code 1)'));
    const checkpoints = new WalCheckpoints(failed, () => here++, NO_HOLD, 0, time.now);
    checkpoints.committed();
    checkpoints.committed();
    checkpoints.committed();
    expect(here).toBe(3);
  });

  it('leaves a long log that SQLite rewrote from its start since the last checkpoint to the thread', () => {
    const thread = heldThread();
    const hold = countedHold();
    const checkpoints = new WalCheckpoints(thread.run, () => expect.fail('checkpointed on the main thread'), hold.take, 0, clock().now);
    checkpoints.committed();
    thread.pending.shift()!(null, { log: 900, checkpointed: 900, restarts: 4 });
    checkpoints.committed();
    // A busy second's worth, restarted since (4 -> 5).
    thread.pending.shift()!(null, { log: MAX_LOG_FRAMES + 1, checkpointed: MAX_LOG_FRAMES + 1, restarts: 5 });
    checkpoints.committed();
    expect(hold.asked).toBe(0);
    expect(thread.pending).toHaveLength(1);
  });

  it('catches a log behind up on the thread at the next commit, the writes held until it is over (issues 13, 10)', () => {
    const { thread, hold, counts, checkpoints } = behindLog(1000);
    // Under load the log is never all checkpointed when a write begins: nothing asked until a commit comes.
    expect(thread.pending).toHaveLength(0);
    expect(hold.asked).toBe(0);
    checkpoints.committed();
    // At once, though the last checkpoint began less than the spacing ago, and held.
    expect(hold).toMatchObject({ asked: 1, released: 0 });
    expect(thread.pending).toHaveLength(1);
    // One catch-up at a time: the commits of the batch already running when it was asked wait for it.
    checkpoints.committed();
    expect(hold.asked).toBe(1);
    expect(thread.pending).toHaveLength(1);
    // Same sequence as before: the log restarts at the next write, so the catch-up is not found behind itself.
    thread.pending.shift()!(null, { log: MAX_LOG_FRAMES + 2, checkpointed: MAX_LOG_FRAMES + 2, restarts: 5 });
    expect(hold).toMatchObject({ asked: 1, released: 1 });
    expect(counts.here).toBe(0);
  });

  it('releases the writes and checkpoints on the store\'s own connection once when the catch-up fails', () => {
    const { thread, hold, counts, checkpoints } = behindLog();
    checkpoints.committed();
    thread.pending.shift()!(new Error('the checkpoint thread exited (code 1)'));
    expect(hold).toMatchObject({ asked: 1, released: 1 });
    expect(counts.here).toBe(1);
  });

  it('releases the writes when stopped during a catch-up, once it is over', async () => {
    const { thread, hold, counts, checkpoints } = behindLog();
    checkpoints.committed();
    let stopped = false;
    const stopping = checkpoints.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    thread.pending.shift()!(new Error('the checkpoint thread exited (code 1)'));
    await stopping;
    expect(hold).toMatchObject({ asked: 1, released: 1 });
    // Closing: nothing more to checkpoint here.
    expect(counts.here).toBe(0);
  });

  it('asks for no checkpoint once stopped', async () => {
    const thread = heldThread();
    const checkpoints = new WalCheckpoints(thread.run, () => {}, NO_HOLD, 0, clock().now);
    await checkpoints.stop();
    checkpoints.committed();
    expect(thread.pending).toHaveLength(0);
  });
});

describe('the SQLite store\'s checkpoints', () => {
  it('copy the committed log into the database file from another thread', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      const store = await openSqliteStore(file);
      const before = statSync(file).size;
      const at = new Date().toISOString();
      // A few hundred pages' worth of agents, in one commit.
      await store.transaction(async (tx) => {
        for (let i = 0; i < 2000; i++) await tx.addAgent({ id: `ag_${i}`, name: `Agent ${i} ${'x'.repeat(200)}`, number: '+14155550100', email: null, admin: false, tokenHash: `h${i}`, createdAt: at });
      });
      await vi.waitFor(() => expect(statSync(file).size).toBeGreaterThan(before + 400 * 1024), { timeout: 10_000, interval: 20 });
      await store.close();
      // The last connection to close removed the log: nothing left behind by the thread's.
      expect(() => statSync(`${file}-wal`)).toThrow(/ENOENT/);
      const db = new Database(file, { readonly: true });
      expect((db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n).toBe(2000);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('catch a log that grew too long up on the thread, the writes held, and the log restarts under continuous writes (issues 13, 10)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    const file = join(dir, 'relay.db');
    // Only the store's connection runs on this thread: the checkpoint thread loads its own driver.
    const pragmas = vi.spyOn(Database.prototype, 'pragma');
    const hold = TransactionQueue.prototype.hold;
    const held: Array<{ queued: number; sequence: number; released?: number }> = [];
    let queued = 0;
    let log: number | undefined;
    const sequence = () => {
      const header = Buffer.alloc(16);
      readSync(log!, header, 0, 16, 0);
      return header.readUInt32BE(12);
    };
    vi.spyOn(TransactionQueue.prototype, 'hold').mockImplementation(function (this: TransactionQueue) {
      const release = hold.call(this);
      const at: (typeof held)[number] = { queued, sequence: sequence() };
      held.push(at);
      return () => {
        at.released ??= queued;
        release();
      };
    });
    const store = openSqliteStore(file, { maxLogFrames: 200 });
    log = openSync(`${file}-wal`, 'r');
    try {
      const at = new Date().toISOString();
      const settled: number[] = [];
      const write = (n: number) => store.transaction((tx) => tx.addAgent({ id: `ag_${n}`, name: `Agent ${n} ${'x'.repeat(2000)}`, number: '+14155550100', email: null, admin: false, tokenHash: `h${n}`, createdAt: at })).then(() => settled.push(n));
      // Eight transactions in flight at all times, each one's end queuing the next, until the log restarted after a catch-up.
      const restarted = () => held.length > 0 && held[0]!.released !== undefined && sequence() !== held[0]!.sequence;
      const writer = async () => {
        while (!restarted() && queued < 50_000) await write(queued++);
      };
      await Promise.all(Array.from({ length: 8 }, writer));
      expect(restarted()).toBe(true);
      expect(pragmas.mock.calls.filter(([sql]) => sql.startsWith('wal_checkpoint'))).toEqual([]);
      // Transactions were queued while held, and every one committed, in the order queued.
      expect(held[0]!.released).toBeGreaterThan(held[0]!.queued);
      expect(settled).toEqual(Array.from({ length: queued }, (_, n) => n));
      await store.close();
      const db = new Database(file, { readonly: true });
      expect((db.prepare('SELECT count(*) AS n FROM agents').get() as { n: number }).n).toBe(queued);
      db.close();
    } finally {
      vi.restoreAllMocks();
      await store.close();
      closeSync(log);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('run on a thread that reports the log\'s restarts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    const file = join(dir, 'relay.db');
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    db.pragma('wal_autocheckpoint = 0');
    db.exec('CREATE TABLE calls (body BLOB)');
    const thread = checkpointThread(file);
    const checkpoint = () => new Promise<CheckpointResult>((resolve, reject) => thread.run((error, result) => (error ? reject(error) : resolve(result!))));
    try {
      db.exec('INSERT INTO calls VALUES (randomblob(10000))');
      const first = await checkpoint();
      expect(first.checkpointed).toBe(first.log);
      // All of it checkpointed: the next write rewrites the log from its start.
      db.exec('INSERT INTO calls VALUES (randomblob(10))');
      const second = await checkpoint();
      expect(second.restarts).toBe(first.restarts + 1);
    } finally {
      await thread.close();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
