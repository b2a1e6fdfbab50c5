import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
import { type CheckpointResult, checkpointThread, MAX_LOG_FRAMES, type RunCheckpoint, WalCheckpoints } from './wal-checkpoints.ts';
import { openSqliteStore } from './store.ts';

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

describe('WalCheckpoints', () => {
  it('runs one checkpoint at a time, and one more for the commits made while it ran', () => {
    const thread = heldThread();
    const time = clock();
    let here = 0;
    const checkpoints = new WalCheckpoints(thread.run, () => here++, 0, time.now);
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
    const checkpoints = new WalCheckpoints(thread.run, () => {}, 20, time.now);
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

  it('checkpoints on the store\'s own connection when the thread fails, and when the log grew too long without a restart', () => {
    const thread = heldThread();
    let here = 0;
    const checkpoints = new WalCheckpoints(thread.run, () => here++, 0, clock().now);
    checkpoints.committed();
    thread.pending.shift()!(new Error('the checkpoint thread exited (code 1)'));
    expect(here).toBe(1);
    checkpoints.committed();
    thread.pending.shift()!(null, { log: 900, checkpointed: 900, restarts: 4 });
    checkpoints.committed();
    // A long log that SQLite rewrote from its start since the last checkpoint: a busy second's worth, left to the thread.
    thread.pending.shift()!(null, { log: MAX_LOG_FRAMES + 1, checkpointed: MAX_LOG_FRAMES + 1, restarts: 5 });
    checkpoints.committed();
    expect(here).toBe(1);
    // Under load the log is never all checkpointed when a write begins, so it is never rewritten from its start.
    thread.pending.shift()!(null, { log: MAX_LOG_FRAMES + 2, checkpointed: MAX_LOG_FRAMES + 1, restarts: 5 });
    expect(here).toBe(1);
    // Between two transactions, on the next commit.
    checkpoints.committed();
    expect(here).toBe(2);
  });

  it('asks for no checkpoint once stopped', async () => {
    const thread = heldThread();
    const checkpoints = new WalCheckpoints(thread.run, () => {}, 0, clock().now);
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
