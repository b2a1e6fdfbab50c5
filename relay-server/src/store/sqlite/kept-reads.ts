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
  private readonly readVersion;
  private readonly kept = new Map<string, V>();
  private version: number | undefined;

  constructor(
    db: Database.Database,
    /** How many keys are kept; the first kept goes first. */
    private readonly limit: number,
    private readonly load: (key: string) => V | undefined,
  ) {
    // Plucked: better-sqlite3 builds a row object for every `get` otherwise, about 0.6 µs against 0.1
    // for the number alone, on a read every webhook makes twice (a probe of both; issue 13).
    this.readVersion = db.prepare<[], number>(`SELECT version FROM directory_version`).pluck();
  }

  read(key: string): V | undefined {
    const version = this.readVersion.get()!;
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
