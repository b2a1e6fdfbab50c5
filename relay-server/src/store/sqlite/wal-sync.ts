import { fsync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** Makes everything written to a file so far durable, off the main thread; calls back once it is. */
export type DiskSync = (done: (error: Error | null) => void) => void;

type Done = (error: Error | null) => void;

/** A `DiskSync` of the file `fd` is open on: fsync in libuv's thread pool. */
export function fsyncOf(fd: number): DiskSync {
  return (done) => fsync(fd, done);
}

/** When `WalSync` begins one more sync beside those running, and the clock it tells that by. */
export interface WalSyncOptions {
  /** The most syncs running at once: libuv's thread pool has four threads, and other work queues there too. */
  maxRunning: number;
  /**
   * How long (ms) the newest running sync may have lasted for a commit asked meanwhile to wait for
   * it to end and then for its own; past that, its own sync begins at once, beside it.
   */
  worthWaitingMs: number;
  /** Milliseconds, never going back. */
  now: () => number;
  /** Calls `fn` in `ms` milliseconds, unless the function it answers is called first. */
  later: (ms: number, fn: () => void) => () => void;
  /** Calls `fn` once the event loop has polled for I/O since this call: a sync that completed before then has been answered. */
  afterPoll: (fn: () => void) => void;
}

export const WAL_SYNC_DEFAULTS: WalSyncOptions = {
  maxRunning: 3,
  worthWaitingMs: 1,
  now: () => performance.now(),
  later: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  // Asked in the poll phase, the first immediate runs before the next poll: the second runs after one.
  afterPoll: (fn) => setImmediate(() => setImmediate(fn)),
};

interface Running {
  begun: number;
  /** Those it settles; emptied once they are, by it or by a sync begun after it that completed first. */
  covered: Done[];
}

/**
 * Syncs of the write-ahead log, shared: every commit that asks while one runs waits for the next,
 * which covers them all (group commit, as PostgreSQL's WAL flush does). On a quick disk one runs at
 * a time, so a burst costs two syncs, not one per commit. Once the newest running sync has lasted
 * `worthWaitingMs`, those waiting get a sync of their own beside it (up to `maxRunning`): on a
 * slow disk a commit no longer waits for a sync that began before it and then for its own.
 * A sync that completes settles those of every sync begun before it too (it covers all they
 * covered), so commits settle in their order; one that fails fails every commit not settled yet,
 * those waiting included, since Linux reports a writeback error to one fsync only.
 */
export class WalSync {
  /** Those waiting for a sync that has not begun yet. */
  private waiting: Done[] = [];
  /** The syncs running, in the order they began. */
  private readonly running: Running[] = [];
  private cancelLater: (() => void) | undefined;
  /** Whether a look after the loop's next poll is due. */
  private looking = false;
  private idlers: Array<() => void> = [];
  private readonly options: WalSyncOptions;

  constructor(
    private readonly sync: DiskSync,
    options: Partial<WalSyncOptions> = {},
  ) {
    this.options = { ...WAL_SYNC_DEFAULTS, ...options };
  }

  /** Calls `done` once a sync begun after this call has completed: what was committed before it is then on disk. */
  after(done: Done): void {
    this.waiting.push(done);
    this.startIfWorth();
  }

  /** Resolves once no sync is running or waiting. */
  idle(): Promise<void> {
    if (this.running.length === 0 && this.waiting.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idlers.push(resolve));
  }

  /**
   * Begins a sync for those waiting if none runs, or beside the newest running once it has lasted
   * longer than it is worth waiting for. The clock alone does not tell: a sync's completion is
   * answered only when the event loop polls for I/O, and a main thread busy for 3 ms (16 webhooks)
   * sees a 0.4 ms sync last 3 (a probe with its log on tmpfs began a second sync for most commits,
   * 233 syncs against 126 for 1,000 commits); so only one still running after the loop has polled.
   */
  private startIfWorth(polled = false): void {
    if (this.waiting.length === 0) return;
    const newest = this.running.at(-1);
    if (!newest) return this.start();
    // A completion looks again.
    if (this.running.length >= this.options.maxRunning) return;
    const lasted = this.options.now() - newest.begun;
    if (lasted < this.options.worthWaitingMs) {
      this.cancelLater ??= this.options.later(this.options.worthWaitingMs - lasted, () => {
        this.cancelLater = undefined;
        this.startIfWorth();
      });
    } else if (polled) this.start();
    else if (!this.looking) {
      this.looking = true;
      this.options.afterPoll(() => {
        this.looking = false;
        this.startIfWorth(true);
      });
    }
  }

  private start(): void {
    this.cancelLater?.();
    this.cancelLater = undefined;
    const sync: Running = { begun: this.options.now(), covered: this.waiting };
    this.waiting = [];
    this.running.push(sync);
    this.sync((error) => this.completed(sync, error));
  }

  private completed(sync: Running, error: Error | null): void {
    const index = this.running.indexOf(sync);
    const settled = error ? this.running : this.running.slice(0, index + 1);
    const covered = settled.flatMap((running) => running.covered.splice(0));
    if (error) covered.push(...this.waiting.splice(0));
    this.running.splice(index, 1);
    for (const done of covered) done(error);
    this.startIfWorth();
    if (this.running.length === 0 && this.waiting.length === 0) for (const resolve of this.idlers.splice(0)) resolve();
  }
}
