import type Database from 'better-sqlite3';

/**
 * Reads of the directory (agents and instances) kept from one read to the next while the
 * directory's version (moved by triggers on every change to agents and instances, whichever
 * process commits it) stays the same: the version's one row is read instead (issue 13). Within a
 * transaction the version counts that transaction's own changes, which a rollback takes back:
 * `forget` is called on every rollback, so nothing read on a version that never got committed is
 * used when the version comes back to that number. What is kept goes to every caller: `load`
 * returns it frozen. A key `load` finds nothing for is not kept.
 */
export class KeptWhileDirectoryUnchanged<V> {
  private readonly kept = new Map<string, V>();
  private version: number | undefined;

  constructor(
    private readonly directory: DirectoryVersion,
    /** How many keys are kept; the first kept goes first. */
    private readonly limit: number,
    private readonly load: (key: string) => V | undefined,
  ) {}

  read(key: string): V | undefined {
    const version = this.directory.current();
    if (version !== this.version) this.forget(version);
    if (this.kept.has(key)) return this.kept.get(key);
    const value = this.load(key);
    if (value === undefined) return undefined;
    if (this.kept.size >= this.limit) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(key, value);
    return value;
  }

  /** Drops what was kept: a rollback may have taken back a change seen in it. */
  forget(version?: number): void {
    this.kept.clear();
    this.version = version;
  }
}

/**
 * The directory's version (one row, moved by triggers on every change to agents and instances),
 * read for each kept read, or once for reads run together (`together`): reads with no write among
 * them, inside one SQLite transaction, see one version. A batch's reads are the webhooks' guards,
 * each a read of the version where one serves them all (issue 13).
 */
export class DirectoryVersion {
  private readonly readVersion;
  /** While reads run together: the version the first of them read, null before one needs it. */
  private held: number | null | undefined;

  constructor(db: Database.Database) {
    this.readVersion = db.prepare<[], number>(`SELECT version FROM directory_version`).pluck();
  }

  current(): number {
    if (this.held === undefined) return this.readVersion.get()!;
    return (this.held ??= this.readVersion.get()!);
  }

  /** Runs `reads`, which write nothing and run inside one transaction, reading the version once at most. */
  together<T>(reads: () => T): T {
    this.held = null;
    try {
      return reads();
    } finally {
      this.held = undefined;
    }
  }
}
