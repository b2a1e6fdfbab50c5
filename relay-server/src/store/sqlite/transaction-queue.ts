import { setImmediate as afterPendingIo } from 'node:timers/promises';
import type Database from 'better-sqlite3';
import { CommitHooks } from '../commit-hooks.ts';
import type { StoreTables, StoreTx } from '../index.ts';
import { SqliteTables } from './tables.ts';
import type { WalSync } from './wal-sync.ts';

type Work = (tx: StoreTx) => Promise<unknown>;

interface Queued {
  work: Work;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface QueuedRead {
  read: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = ({ ok: true; value: unknown } | { ok: false; error: unknown }) & { hooks: CommitHooks };

/** Every method of the tables, by name: what a transaction's `tx` offers. */
export const TABLE_METHODS = Object.getOwnPropertyNames(SqliteTables.prototype).filter((name) => name !== 'constructor') as Array<keyof StoreTables>;

/**
 * One SQLite connection's transactions, run one after another: BEGIN IMMEDIATE, the work, COMMIT.
 * Each promise settles once its commit is on disk: after COMMIT itself when SQLite syncs in it
 * (no `walSync`), else once `walSync` has synced the log past it. The work awaits only its `tx`
 * (the store contract), so holding the connection while it runs costs no more than its statements.
 */
export class TransactionQueue {
  private readonly waiting: Queued[] = [];
  private readonly reads: QueuedRead[] = [];
  private draining: Promise<void> | undefined;
  /** Settles once the writes held (`hold`) may go on. */
  private held: Promise<void> | undefined;
  /** Committed batches whose sync has not been asked for yet: each settles its transactions once synced. */
  private unsynced: Array<(error: Error | null) => void> = [];
  private readonly sql;

  constructor(
    private readonly db: Database.Database,
    private readonly tables: SqliteTables,
    private readonly maxBatch: number,
    private readonly walSync: WalSync | undefined,
    /** Told of every COMMIT that succeeded (the log's checkpoints follow the commits). */
    private readonly onCommit: () => void = () => {},
  ) {
    this.sql = {
      beginRead: db.prepare('BEGIN'),
      begin: db.prepare('BEGIN IMMEDIATE'),
      // Writes nothing, but takes the write lock: a read transaction becomes a write one, if nothing was committed since it began.
      claimWrite: db.prepare('UPDATE directory_version SET version = version WHERE 0'),
      commit: db.prepare('COMMIT'),
      rollback: db.prepare('ROLLBACK'),
    };
  }

  run<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /**
   * A plain read, run at the start of the next batch, inside its transaction, and settled at
   * once: it needs no sync, and sees what was committed before (never a batch's own writes).
   * On its own, each read began and ended a read transaction of SQLite's, taking and dropping
   * the file locks that cost (about 20 µs) several times the read itself: the webhook guard's
   * read was 5 % of the relay's CPU under load (issue 13). The reads of one turn share one.
   */
  read<T>(read: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.reads.push({ read, resolve: resolve as (value: unknown) => void, reject });
      this.draining ??= this.drain();
    });
  }

  /**
   * `read`, answered only once a sync begun after it has completed: what an agent is sent or
   * welcomed with (its events, its last seq). A read sees the commits of batches whose sync may
   * still run, and a crash before it could give their seqs to other events: the hub's poll, coming
   * between a fan-out call's COMMIT and its sync, sent that call's event to agents the webhook's own
   * path had not reached yet (issue 13).
   */
  async readSynced<T>(read: () => T): Promise<T> {
    const value = await this.read(read);
    const walSync = this.walSync;
    if (walSync) await new Promise<void>((resolve, reject) => walSync.after((error) => (error ? reject(error) : resolve())));
    return value;
  }

  /**
   * Begins no batch (its reads wait too) until the function answered is called; the batches
   * committed so far are synced meanwhile, as when the queue runs dry. Asked between two batches:
   * the log's catch-up checkpoint (WalCheckpoints) copies every frame with no writer appending.
   */
  hold(): () => void {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    this.held = held;
    return () => {
      if (this.held === held) this.held = undefined;
      release();
    };
  }

  /** Resolves once every transaction queued so far has settled. */
  async idle(): Promise<void> {
    while (this.draining) await this.draining;
    await this.walSync?.idle();
  }

  /**
   * Each batch begins once the event loop has handled the I/O already arrived: every webhook read
   * in the same turn has queued its transaction by then and shares the batch's one disk sync.
   * Begun at once, the first webhook's transaction committed alone and each webhook paid a sync
   * of its own (issue 13: commits were a third of the relay's CPU profile).
   */
  private async drain(): Promise<void> {
    let waited = false;
    while (this.waiting.length > 0 || this.reads.length > 0) {
      if (!waited) await afterPendingIo();
      while (this.held) {
        this.syncCommitted();
        await this.held;
      }
      await this.runBatch(this.waiting.splice(0, this.maxBatch), this.reads.splice(0));
      waited = false;
      // A batch's sync waits one turn for the next batch: the webhooks read meanwhile commit in it,
      // and one sync covers both. Never for more than that one batch.
      if (this.unsynced.length > 1) this.syncCommitted();
      else if (this.waiting.length === 0 && this.reads.length === 0) {
        await afterPendingIo();
        waited = true;
      }
    }
    this.syncCommitted();
    this.draining = undefined;
  }

  /** Asks for the sync of the batches committed so far. */
  private syncCommitted(): void {
    const batches = this.unsynced;
    if (batches.length === 0) return;
    this.unsynced = [];
    this.walSync!.after((error) => {
      for (const synced of batches) synced(error);
    });
  }

  /**
   * The batch's transactions run one after another in one SQLite transaction, without a savepoint
   * each: inside a savepoint SQLite copies each page a transaction changes into its statement
   * journal first, a third more of a new call's statements' time (issue 13). When one fails, that
   * rolls the whole batch back: the failing one is refused with its error, and the others run again
   * without it (the store contract lets a transaction run again). Those after it ran not yet, those
   * before it twice; it ran once, where running the whole batch again in savepoints ran it twice,
   * failing again.
   */
  private async runBatch(batch: Queued[], reads: QueuedRead[]): Promise<void> {
    // Reads alone begin a read transaction, which takes no write lock: another process may write meanwhile.
    const writing = { now: batch.length > 0 };
    try {
      (writing.now ? this.sql.begin : this.sql.beginRead).run();
    } catch (error) {
      for (const queued of [...reads, ...batch]) queued.reject(error);
      return;
    }
    this.runReads(reads);
    const outcomes: Outcome[] = [];
    for (let i = 0; i < batch.length || i < (await this.joined(batch, writing)); i++) {
      const queued = batch[i]!;
      const outcome = await this.runOne(queued);
      outcomes.push(outcome);
      if (!outcome.ok && batch.length > 1) {
        for (const ran of outcomes) ran.hooks.rolledBack();
        queued.reject(outcome.error);
        return this.runBatch([...batch.slice(0, i), ...batch.slice(i + 1)], []);
      }
      if (!this.db.inTransaction) {
        // A lone transaction failed and was rolled back, or SQLite ended the transaction itself (disk
        // full, I/O error): what the batch wrote is gone.
        this.tables.forgetKept();
        const lost = new Error('the store rolled the transaction back (SQLite ended it after an error)');
        for (const [j, done] of batch.slice(0, i + 1).entries()) {
          done.reject(outcomes[j]!.ok ? lost : (outcomes[j] as { error: unknown }).error);
          outcomes[j]!.hooks.rolledBack();
        }
        this.waiting.unshift(...batch.slice(i + 1));
        return;
      }
    }
    try {
      this.sql.commit.run();
    } catch (error) {
      if (this.db.inTransaction) this.sql.rollback.run();
      if (batch.length === 0) return;
      this.tables.forgetKept();
      for (const [i, queued] of batch.entries()) {
        queued.reject(error);
        outcomes[i]!.hooks.rolledBack();
      }
      return;
    }
    // Reads alone: nothing written, nothing to sync.
    if (batch.length === 0) return;
    this.onCommit();
    const settle = () => {
      for (const [i, queued] of batch.entries()) {
        const outcome = outcomes[i]!;
        if (outcome.ok) {
          queued.resolve(outcome.value);
          outcome.hooks.committed();
        } else queued.reject(outcome.error);
      }
    };
    if (!this.walSync) return settle();
    // The next batch runs meanwhile: the main thread does not wait for the disk.
    this.unsynced.push((error) => {
      if (!error) return settle();
      const unsure = new Error(`the disk did not confirm the commit (${error.message}): it may be lost`);
      // Not known to be committed: what would start after the commit does not.
      for (const [i, queued] of batch.entries()) {
        queued.reject(outcomes[i]!.ok ? unsure : (outcomes[i] as { error: unknown }).error);
        outcomes[i]!.hooks.rolledBack();
      }
    });
  }

  /**
   * The batch's length once it has run what it holds: the transactions queued meanwhile join it
   * (up to `maxBatch`), those of the webhooks whose reads it answered above all. A webhook's read
   * rides a batch and its transaction is queued a few promise steps later, while that batch runs:
   * it went into the next batch, and two thirds of the guards' reads were batches of reads alone
   * (issue 13), each webhook in two SQLite transactions. Waits for the promise steps already queued
   * (a tick runs once they all have), never for I/O: reads queued meanwhile wait for the next batch,
   * since they must not see its writes. Reads alone take the write lock only now, and only if no
   * other process committed since they began (else the transactions wait for the next batch).
   */
  private async joined(batch: Queued[], writing: { now: boolean }): Promise<number> {
    if (batch.length >= this.maxBatch) return batch.length;
    await new Promise((resolve) => process.nextTick(resolve));
    if (this.waiting.length === 0) return batch.length;
    if (!writing.now) {
      try {
        this.sql.claimWrite.run();
      } catch {
        return batch.length;
      }
      writing.now = true;
    }
    batch.push(...this.waiting.splice(0, this.maxBatch - batch.length));
    return batch.length;
  }

  private runReads(reads: QueuedRead[]): void {
    for (const queued of reads) {
      try {
        queued.resolve(queued.read());
      } catch (error) {
        queued.reject(error);
      }
    }
  }

  /** One transaction's work; a failure rolls the whole SQLite transaction back. */
  private async runOne(queued: Queued): Promise<Outcome> {
    const hooks = new CommitHooks();
    const view = new TransactionView(this.tables, hooks);
    const tx = view as unknown as StoreTx;
    try {
      const value = await queued.work(tx);
      return { ok: true, value, hooks };
    } catch (error) {
      // What it changed is taken back: what is kept between reads may have been read with its changes.
      this.tables.forgetKept();
      if (this.db.inTransaction) this.sql.rollback.run();
      hooks.rolledBack();
      return { ok: false, error, hooks };
    } finally {
      view.open = false;
    }
  }
}

/**
 * The tables as a transaction's `tx`, for as long as it is open: each method answers a promise,
 * and refuses once the transaction has ended. Its methods are made once, on the prototype: a view
 * with a closure per table method, built for every transaction, was 1 to 3 % of the relay's CPU
 * under load (issue 13; some 8 us a transaction against 0.1 in a probe of both).
 */
class TransactionView {
  open = true;

  constructor(
    readonly tables: SqliteTables,
    readonly hooks: CommitHooks,
  ) {}

  afterCommit(committed: () => void, rolledBack?: () => void): void {
    if (!this.open) throw new Error('store: afterCommit was called through a transaction that has ended');
    this.hooks.add(committed, rolledBack);
  }
}

for (const name of TABLE_METHODS) {
  const method = SqliteTables.prototype[name] as (...args: unknown[]) => unknown;
  // Writable and configurable as a class's own methods are: a wrapper may shadow one on an object made from the view.
  Object.defineProperty(TransactionView.prototype, name, {
    writable: true,
    configurable: true,
    value(this: TransactionView, ...args: unknown[]) {
      if (!this.open) return Promise.reject(new Error(`store: ${name} was called through a transaction that has ended`));
      try {
        return Promise.resolve(method.apply(this.tables, args));
      } catch (error) {
        return Promise.reject(error);
      }
    },
  });
}
