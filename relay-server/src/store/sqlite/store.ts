import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { type ChangeMarks, changeBetween } from '../change-marks.ts';
import type { ChangeElsewhere, RelayStore, StoreTables, StoreTx } from '../index.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteTables } from './tables.ts';
import { TABLE_METHODS, TransactionQueue } from './transaction-queue.ts';
import { CHECKPOINT_SPACING_MS, checkpointThread, MAX_LOG_FRAMES, WalCheckpoints } from './wal-checkpoints.ts';
import { fsyncOf, WalSync } from './wal-sync.ts';

export interface SqliteStoreOptions {
  /** How often the change counter is read while someone listens for other processes' commits. */
  changePollMs?: number;
  /** Transactions committed together at most (group commit; 1: each its own commit). */
  maxBatch?: number;
  /** Frames in the log beyond which a log not rewritten from its start is caught up (`MAX_LOG_FRAMES`; smaller in tests). */
  maxLogFrames?: number;
}

/** 64: a burst of webhooks shares one disk sync, and a batch still commits in a few milliseconds. */
export const SQLITE_DEFAULTS = { changePollMs: 500, maxBatch: 64, maxLogFrames: MAX_LOG_FRAMES };

/** Opens (creating and migrating when needed) the SQLite database at `file`. */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): RelayStore {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new Database(file);
  let walFd: number | undefined;
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a webhook the relay acknowledged survives a power cut, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
    if (file !== ':memory:') {
      // Reading the schema version opened the write-ahead log, so the file is there.
      walFd = openSync(`${file}-wal`, 'r');
      db.pragma('synchronous = NORMAL');
      // Checkpoints run on another thread (WalCheckpoints), not inside this connection's COMMITs.
      db.pragma('wal_autocheckpoint = 0');
    }
  } catch (error) {
    if (walFd !== undefined) closeSync(walFd);
    db.close();
    throw error;
  }
  // An option given as undefined (the relay passes its own, often unset) keeps the default: setInterval(undefined) would poll every millisecond.
  return sqliteStore(db, walFd === undefined ? undefined : { fd: walFd, file: resolve(file) }, {
    changePollMs: options.changePollMs ?? SQLITE_DEFAULTS.changePollMs,
    maxBatch: options.maxBatch ?? SQLITE_DEFAULTS.maxBatch,
    maxLogFrames: options.maxLogFrames ?? SQLITE_DEFAULTS.maxLogFrames,
  });
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > MIGRATIONS.length) throw new Error(`the database is at schema version ${version}, newer than this relay (${MIGRATIONS.length}): upgrade the relay`);
  for (let next = version; next < MIGRATIONS.length; next++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[next]!);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
  }
}

/**
 * The store on one better-sqlite3 connection. Statements run synchronously; the queue takes
 * transactions and plain calls alike in turn, so nothing runs inside another's open transaction.
 * A plain call is a transaction of one statement (or the few an update needs).
 *
 * Durability as with `synchronous=FULL`, without its cost: with FULL, SQLite syncs the log inside
 * every COMMIT and the main thread waits for the disk (5 ms per commit on a busy machine, when
 * the relay's own work for a webhook is under 1 ms: issue 13). Here SQLite commits with NORMAL
 * (the log written, not synced; still never corrupt, SQLite syncs around checkpoints and when it
 * restarts the log) and the queue settles a transaction only once an fsync of the log begun
 * after its COMMIT has completed, in the thread pool: a committed transaction is in the synced
 * log or already checkpointed into the synced database file. The log file keeps its inode while
 * this connection is open (SQLite deletes it only when the last connection closes).
 */
function sqliteStore(db: Database.Database, wal: { fd: number; file: string } | undefined, options: Required<SqliteStoreOptions>): RelayStore {
  const tables = new SqliteTables(db);
  const thread = wal && checkpointThread(wal.file);
  const checkpoints =
    thread &&
    new WalCheckpoints(
      thread.run,
      () => db.pragma('wal_checkpoint(PASSIVE)'),
      // Nothing reads on this connection outside the queue's batches but the change watch's poll, a
      // read of its own that ends before it returns: held, no snapshot keeps the checkpoint from any frame.
      (): (() => void) => queue.hold(),
      CHECKPOINT_SPACING_MS,
      undefined,
      options.maxLogFrames,
    );
  const queue: TransactionQueue = new TransactionQueue(db, tables, options.maxBatch, wal && new WalSync(fsyncOf(wal.fd)), checkpoints && (() => checkpoints.committed()));
  const changes = new ChangeWatch(db, options.changePollMs);
  let closed = false;

  let transactions = 0;

  const transaction = <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('the store is closed'));
    transactions++;
    return queue.run(work);
  };

  const plain = Object.fromEntries(
    TABLE_METHODS.map((name) => {
      const inTransaction = (...args: unknown[]) => transaction((tx) => (tx[name] as (...a: unknown[]) => Promise<unknown>)(...args));
      if (!READS.has(name)) return [name, inTransaction];
      const method = (tables[name] as (...a: unknown[]) => unknown).bind(tables);
      // Not a transaction of its own (the webhook guard's two reads were two per webhook, issue 13):
      // the next batch's, shared with the other reads and writes of the turn (`TransactionQueue.read`).
      if (SYNCED_READS.has(name)) return [name, (...args: unknown[]) => queue.readSynced(() => method(...args))];
      return [name, (...args: unknown[]) => queue.read(() => method(...args))];
    }),
  ) as unknown as StoreTables;

  return {
    ...plain,
    kind: 'sqlite',
    // One file, one relay: a second relay process would run its own outbox and hub on it.
    shared: false,
    transaction,
    // One connection, one transaction at a time: nothing conflicts, nothing runs again.
    transactionStats: () => ({ transactions, reruns: { same_call: 0, deadlock: 0, serialization: 0 } }),
    onChangeElsewhere: (listener, heard) => {
      const unsubscribe = changes.listen(listener);
      // The change marks were read as it listened: what comes after is heard.
      heard?.();
      return unsubscribe;
    },
    async close() {
      if (closed) return;
      closed = true;
      await queue.idle();
      await checkpoints?.stop();
      // Closed before the store's connection, so that the last one to close checkpoints the log and removes it.
      await thread?.close();
      changes.stop();
      if (wal) closeSync(wal.fd);
      db.close();
    },
  };
}

/** The methods that only read. */
const READS = new Set<keyof StoreTables>([
  'listAgents',
  'agentsWithNumber',
  'agentById',
  'agentByTokenHash',
  'instanceByUid',
  'instanceWithOwner',
  'connectorXml',
  'instanceOf',
  'instancesOf',
  'callByKey',
  'callAgentIds',
  'callAgents',
  'callById',
  'instanceOfCall',
  'agentIdsOfCall',
  'callFor',
  'agentsOnCalls',
  'listCalls',
  'crmWorkOf',
  'nextCrmDue',
  'crmOutboxStats',
  'lastSeq',
  'eventsAfter',
  'eventsAfterEach',
]);

/**
 * The reads whose events go to an agent (`TransactionQueue.readSynced`). Not the welcome's seq
 * (`lastSeq`): the welcome is a connection's first message, and a ping is answered at once.
 */
const SYNCED_READS = new Set<keyof StoreTables>(['eventsAfter', 'eventsAfterEach']);

/**
 * Another process's commits, seen through `PRAGMA data_version`: SQLite moves it on this
 * connection when another connection commits, never for its own writes. It does not say which
 * tables changed; the marks do, as PostgreSQL's change poll reads them: the last call event's seq
 * and the directory's version (moved by triggers). An event-only commit then costs the hub no
 * directory check (one store read per connected agent), and `relay agent …` no events read.
 */
class ChangeWatch {
  private readonly listeners = new Set<(change: ChangeElsewhere) => void>();
  private readonly readMarks;
  private timer: NodeJS.Timeout | undefined;
  private version = 0;
  private marks: ChangeMarks = { events: 0, directory: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly pollMs: number,
  ) {
    this.readMarks = db.prepare<[], ChangeMarks>('SELECT (SELECT coalesce(max(seq), 0) FROM call_events) AS events, (SELECT version FROM directory_version) AS directory');
  }

  listen(listener: (change: ChangeElsewhere) => void): () => void {
    if (this.listeners.size === 0) {
      this.version = this.read();
      this.marks = this.readMarks.get()!;
      this.timer = setInterval(() => this.poll(), this.pollMs);
      this.timer.unref();
    }
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
      if (this.listeners.size === 0) this.stop();
    };
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): void {
    if (!this.db.open) return;
    const version = this.read();
    if (version === this.version) return;
    this.version = version;
    const before = this.marks;
    this.marks = this.readMarks.get()!;
    const change = changeBetween(before, this.marks);
    // A removed agent takes its links along, and what an agent sees goes with them: a directory change reads events too.
    change.events ||= change.directory;
    if (!change.events) return;
    for (const listener of [...this.listeners]) listener(change);
  }

  private read(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}
