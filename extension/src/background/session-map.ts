import type { WxtStorageItem } from '#imports';

/** Where a SessionMap keeps its entries: an item of storage.session, defined in the background's modules. */
export type KeptEntries<K, V> = WxtStorageItem<Array<[K, V]>, Record<string, unknown>>;

/**
 * A Map the service worker keeps in storage.session as well as in memory. Chromium stops an MV3
 * service worker when it likes (idle, updated, crashed), and what the worker held in memory went
 * with it: which card shows a placed call, which tab shows an incoming one. A worker started again
 * reads the kept entries back (`ready`) and goes on where the last one stopped. Session, not local:
 * tab ids and cards mean nothing once the browser has restarted, and session storage goes with it.
 *
 * Each change writes the whole map, once what was kept has been read back, one write after
 * another: the last write holds the last state. Most entries are few (calls under way, their
 * wrap-up); `limit` bounds the others, the first set going first.
 */
export class SessionMap<K, V> {
  private readonly map = new Map<K, V>();
  /** Resolves once the entries a previous worker kept are read back; entries set meanwhile win. */
  readonly ready: Promise<void>;
  private writing: Promise<void>;

  constructor(
    private readonly kept?: KeptEntries<K, V>,
    private readonly limit = Infinity,
  ) {
    this.ready = kept
      ? kept.getValue().then(
          (entries) => {
            for (const [key, value] of entries) if (!this.map.has(key)) this.map.set(key, value);
          },
          // Unreadable: this worker starts with nothing, as before storage kept anything.
          () => undefined,
        )
      : Promise.resolve();
    this.writing = this.ready;
  }

  get(key: K): V | undefined {
    return this.map.get(key);
  }

  has(key: K): boolean {
    return this.map.has(key);
  }

  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
    for (const oldest of this.map.keys()) {
      if (this.map.size <= this.limit) break;
      this.map.delete(oldest);
    }
    void this.save();
  }

  delete(key: K): boolean {
    const had = this.map.delete(key);
    if (had) void this.save();
    return had;
  }

  /**
   * Writes the map as it is when the write runs; set and delete call it. Call it after changing a
   * value in place. Resolves once written (a write storage refused only costs a restart's memory).
   */
  save(): Promise<void> {
    const kept = this.kept;
    if (!kept) return Promise.resolve();
    this.writing = this.writing.then(() => kept.setValue([...this.map]).catch(() => undefined));
    return this.writing;
  }

  /** Resolves once every change so far is written: a handler awaits it before it is done, so that a worker stopped then loses nothing. */
  written(): Promise<void> {
    return this.writing;
  }
}
