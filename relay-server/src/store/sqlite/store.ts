import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { ChangeElsewhere, RelayStore, StoreTx } from '../index.ts';
import { MIGRATIONS } from './migrations.ts';
import { SqliteTables } from './tables.ts';
import { TABLE_METHODS, TransactionQueue } from './transaction-queue.ts';

export interface SqliteStoreOptions {
  /** How often the change counter is read while someone listens for other processes' commits. */
  changePollMs?: number;
  /** Transactions committed together at most (group commit; 1: each its own commit). */
  maxBatch?: number;
}

/** 64: a burst of webhooks shares one disk sync, and a batch still commits in a few milliseconds. */
export const SQLITE_DEFAULTS = { changePollMs: 500, maxBatch: 64 };

/** Opens (creating and migrating when needed) the SQLite database at `file`. */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): RelayStore {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    // FULL: a webhook the relay acknowledged survives a power cut, not only a process crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  // An option given as undefined (the relay passes its own, often unset) keeps the default: setInterval(undefined) would poll every millisecond.
  return sqliteStore(db, { changePollMs: options.changePollMs ?? SQLITE_DEFAULTS.changePollMs, maxBatch: options.maxBatch ?? SQLITE_DEFAULTS.maxBatch });
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
 */
function sqliteStore(db: Database.Database, options: Required<SqliteStoreOptions>): RelayStore {
  const queue = new TransactionQueue(db, new SqliteTables(db), options.maxBatch);
  const changes = new ChangeWatch(db, options.changePollMs);
  let closed = false;

  let transactions = 0;

  const transaction = <T>(work: (tx: StoreTx) => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('the store is closed'));
    transactions++;
    return queue.run(work);
  };

  const plain = Object.fromEntries(
    TABLE_METHODS.map((name) => [name, (...args: unknown[]) => transaction((tx) => (tx[name] as (...a: unknown[]) => Promise<unknown>)(...args))]),
  ) as unknown as StoreTx;

  return {
    ...plain,
    kind: 'sqlite',
    // One file, one relay: a second relay process would run its own outbox and hub on it.
    shared: false,
    transaction,
    // One connection, one transaction at a time: nothing conflicts, nothing runs again.
    transactionStats: () => ({ transactions, reruns: { same_call: 0, deadlock: 0, serialization: 0 } }),
    onChangeElsewhere: (listener) => changes.listen(listener),
    async close() {
      if (closed) return;
      closed = true;
      await queue.idle();
      changes.stop();
      db.close();
    },
  };
}

/**
 * Another process's commits, seen through `PRAGMA data_version`: SQLite moves it on this
 * connection when another connection commits, never for its own writes. It does not say which
 * tables changed; the marks do, as PostgreSQL's change poll reads them: the last event's rowid
 * and the directory's version (moved by triggers). An event-only commit then costs the hub no
 * directory check (one store read per connected agent), and `relay agent …` no events read.
 */
class ChangeWatch {
  private readonly listeners = new Set<(change: ChangeElsewhere) => void>();
  private readonly readMarks;
  private timer: NodeJS.Timeout | undefined;
  private version = 0;
  private marks: Marks = { events: 0, directory: 0 };

  constructor(
    private readonly db: Database.Database,
    private readonly pollMs: number,
  ) {
    this.readMarks = db.prepare<[], Marks>('SELECT (SELECT coalesce(max(rowid), 0) FROM events) AS events, (SELECT version FROM directory_version) AS directory');
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
    const directory = this.marks.directory !== before.directory;
    // A removed agent takes its events along: the last rowid may then come back for a new event, so a directory change reads events too.
    const events = directory || this.marks.events !== before.events;
    if (!events) return;
    for (const listener of [...this.listeners]) listener({ events, directory });
  }

  private read(): number {
    return this.db.pragma('data_version', { simple: true }) as number;
  }
}

/** Where the other processes' commits had got to at the last look. */
interface Marks {
  events: number;
  directory: number;
}
