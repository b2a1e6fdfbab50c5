import { fsync } from 'node:fs';

/** Makes everything written to a file so far durable, off the main thread; calls back once it is. */
export type DiskSync = (done: (error: Error | null) => void) => void;

/** A `DiskSync` of the file `fd` is open on: fsync in libuv's thread pool. */
export function fsyncOf(fd: number): DiskSync {
  return (done) => fsync(fd, done);
}

/**
 * Syncs of the write-ahead log, shared: every commit that asks while one runs waits for the next,
 * which covers them all (group commit, as PostgreSQL's WAL flush does). At most one runs at a
 * time, so a burst costs two syncs, not one per commit.
 */
export class WalSync {
  /** Those waiting for a sync that has not begun yet. */
  private waiting: Array<(error: Error | null) => void> = [];
  private running = false;

  constructor(private readonly sync: DiskSync) {}

  /** Calls `done` once a sync begun after this call has completed: what was committed before it is then on disk. */
  after(done: (error: Error | null) => void): void {
    this.waiting.push(done);
    if (!this.running) this.start();
  }

  /** Resolves once no sync is running or waiting. */
  idle(): Promise<void> {
    if (!this.running && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.after(() => resolve()));
  }

  private start(): void {
    const covered = this.waiting;
    this.waiting = [];
    this.running = true;
    this.sync((error) => {
      this.running = false;
      for (const done of covered) done(error);
      if (this.waiting.length > 0) this.start();
    });
  }
}
