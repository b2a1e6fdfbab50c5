import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** What one checkpoint found: frames in the log, and how many of them are now in the database file. */
export interface CheckpointResult {
  log: number;
  checkpointed: number;
  /** The log's checkpoint sequence, from its header: moves each time SQLite rewrites the log from its start. */
  restarts: number;
}

/** Runs one PASSIVE checkpoint somewhere other than the relay's main thread. */
export type RunCheckpoint = (done: (error: Error | null, result?: CheckpointResult) => void) => void;

/**
 * A thread of its own with its own connection to `file`, that runs a PASSIVE checkpoint each time
 * it is asked. Code given as text rather than a module path: the relay runs from TypeScript (tsx,
 * vitest's loader) and a worker loads its script without the parent's loader. Its connection keeps
 * SQLite's default `synchronous=FULL`: a checkpoint syncs the log before it copies it and the
 * database file before it lets the log be rewritten, so a commit never lives only in the page cache.
 */
export function checkpointThread(file: string): { run: RunCheckpoint; close(): Promise<void> } {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(CHECKPOINT_THREAD, { eval: true, workerData: { driver, file } });
  // A worker that cannot open the file (or crashes) must not take the relay down: every
  // checkpoint asked of it then fails, and the store checkpoints on its own thread instead.
  let failure: Error | undefined;
  const waiting: Array<(error: Error | null, result?: CheckpointResult) => void> = [];
  const fail = (error: Error) => {
    failure ??= error;
    for (const done of waiting.splice(0)) done(failure);
  };
  worker.on('error', fail);
  worker.on('exit', (code) => fail(new Error(`the checkpoint thread exited (code ${code})`)));
  worker.on('message', (message: { error?: string; log?: number; checkpointed?: number; restarts?: number }) => {
    const done = waiting.shift();
    if (waiting.length === 0) worker.unref();
    if (message.error !== undefined) done?.(new Error(message.error));
    else done?.(null, { log: message.log!, checkpointed: message.checkpointed!, restarts: message.restarts! });
  });
  worker.unref();
  return {
    run(done) {
      if (failure) return done(failure);
      // Referenced while a checkpoint runs, so that a store closing waits for its answer rather than the process exiting under it.
      worker.ref();
      waiting.push(done);
      worker.postMessage('checkpoint');
    },
    async close() {
      if (failure) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Unreferenced, the thread would not keep the process alive until it has closed its connection.
      worker.ref();
      worker.postMessage('close');
      await exited;
    },
  };
}

const CHECKPOINT_THREAD = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const { closeSync, openSync, readSync } = require('node:fs');
const db = new Database(workerData.file, { fileMustExist: true });
// Open while the store's connection is: SQLite keeps the log's file until the last connection closes.
const log = openSync(workerData.file + '-wal', 'r');
const header = Buffer.alloc(16);
parentPort.on('message', (message) => {
  if (message === 'close') {
    closeSync(log);
    db.close();
    parentPort.close();
    return;
  }
  try {
    const [row] = db.pragma('wal_checkpoint(PASSIVE)');
    readSync(log, header, 0, 16, 0);
    parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed, restarts: header.readUInt32BE(12) });
  } catch (error) {
    parentPort.postMessage({ error: String(error && error.message) });
  }
});
`;

/**
 * At most one checkpoint per this many milliseconds. A checkpoint that caught up makes the store's
 * next write rewrite the log from its start, and SQLite syncs the log's new header then, on the
 * writer's thread: spaced by 100 ms, one call for 1,000 agents in two paid that sync.
 */
export const CHECKPOINT_SPACING_MS = 1000;

/**
 * Frames in the log beyond which the store catches the log up once, when the log has not been
 * rewritten from its start since the checkpoint before: that happens only when a write begins with
 * every frame checkpointed, and under load that never lasts without stop, so a log that keeps
 * growing means no such moment came (about 40 MB). A log this long that did restart is a busy
 * second of calls for 1,000 agents (over 1,000 frames each once there is some history), which the
 * next checkpoint takes: caught up on the main thread, it stalled the next call 17 to 70 ms (issue 13).
 */
export const MAX_LOG_FRAMES = 10_000;

/**
 * Holds the store's writes until the function it answers is called: no transaction begins
 * meanwhile (`TransactionQueue.hold`).
 */
export type HoldWrites = () => () => void;

/**
 * Checkpoints of the write-ahead log, off the relay's thread (issue 13). SQLite's automatic
 * checkpoint runs inside the COMMIT that takes the log past 1,000 pages: it copies the log into the
 * database file and syncs both on the main thread. A call for 1,000 agents commits some 500 to
 * 1,200 pages, so every other one paid a checkpoint, 40 to 110 ms of its COMMIT on a loaded
 * machine, before any agent heard of it. Here the store's connection checkpoints never on its
 * own; after commits it asks `run` (another thread) for a PASSIVE checkpoint, one at a time and
 * spaced by `spacingMs`, which never blocks the writer.
 *
 * A log found behind (longer than `maxLogFrames` and not rewritten from its start since the last
 * checkpoint) is caught up on the other thread too, at the next commit: the store's writes are held
 * (`hold`) while a checkpoint, begun at once, copies every frame, so the next write rewrites the log
 * from its start. Caught up on the main thread (`checkpointHere`), it stalled everything the relay
 * does 20 to 30 ms once per run of the throughput bench's CRM row (issues 13 and 10); held, only
 * the store's transactions wait, and the main thread goes on reading webhooks and pushing events.
 * `checkpointHere` remains the fallback when the other thread fails.
 */
export class WalCheckpoints {
  /** The checkpoint running now, settled once it is over. */
  private running: Promise<void> | undefined;
  private asked = false;
  private lastStart = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private behind = false;
  /** The log's checkpoint sequence at the last checkpoint's end. */
  private restarts: number | undefined;
  private stopped = false;

  constructor(
    private readonly run: RunCheckpoint,
    /** Runs one checkpoint on the store's own connection (the fallback when the other thread fails). */
    private readonly checkpointHere: () => void,
    /** Called between two transactions (just after a COMMIT), never while one is open. */
    private readonly hold: HoldWrites,
    private readonly spacingMs = CHECKPOINT_SPACING_MS,
    private readonly now: () => number = () => performance.now(),
    private readonly maxLogFrames = MAX_LOG_FRAMES,
  ) {}

  /** Something was committed: a checkpoint runs soon, unless one is already on its way. */
  committed(): void {
    if (this.stopped) return;
    this.asked = true;
    // Nothing else runs while the log is behind (the checkpoint that found it asked for none).
    if (this.behind) {
      this.behind = false;
      this.start(this.hold());
    } else this.startWhenDue();
  }

  /** Resolves once no checkpoint runs; asks for none afterwards. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private startWhenDue(): void {
    if (this.running || this.timer || !this.asked) return;
    const wait = this.lastStart + this.spacingMs - this.now();
    if (wait > 0) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.startWhenDue();
      }, wait);
      this.timer.unref();
      return;
    }
    this.start();
  }

  /** One checkpoint on the other thread; with `release`, the catch-up of a log behind, the writes held until it is over. */
  private start(release?: () => void): void {
    this.asked = false;
    this.lastStart = this.now();
    let over!: () => void;
    // Set before `run`, which answers at once when the thread has failed.
    this.running = new Promise((resolve) => (over = resolve));
    this.run((error, result) => {
      this.running = undefined;
      release?.();
      over();
      if (this.stopped) return;
      // The other thread failed: this connection checkpoints as SQLite would have, rather than let the log grow.
      if (error) this.checkpointHere();
      else {
        // The log restarts at the next write after a catch-up, not in it: its sequence is the same then.
        this.behind = !release && result!.log > this.maxLogFrames && result!.restarts === this.restarts;
        this.restarts = result!.restarts;
        // Caught up at the next commit, which asks for no other.
        if (this.behind) return;
      }
      this.startWhenDue();
    });
  }
}
