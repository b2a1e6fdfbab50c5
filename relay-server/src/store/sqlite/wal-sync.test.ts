import { describe, expect, it } from 'vitest';
import { type DiskSync, WalSync, type WalSyncOptions } from './wal-sync.ts';

/** A disk whose syncs complete when the test says: each begun sync waits in `pending`, in the order they began. */
function heldDisk() {
  const pending: Array<(error: Error | null) => void> = [];
  const sync: DiskSync = (done) => pending.push(done);
  return { sync, pending };
}

/** A clock that moves only when the test says, the timers it fires as it does, and the event loop's polls for I/O. */
function scriptedClock() {
  let time = 0;
  const timers: Array<{ at: number; fn: () => void; cancelled: boolean }> = [];
  const afterPoll: Array<() => void> = [];
  const options: Pick<WalSyncOptions, 'now' | 'later' | 'afterPoll'> = {
    now: () => time,
    later: (ms, fn) => {
      const timer = { at: time + ms, fn, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
    afterPoll: (fn) => afterPoll.push(fn),
  };
  return {
    options,
    /** Timers armed and neither fired nor cancelled. */
    armed: () => timers.filter((timer) => !timer.cancelled).length,
    advance(ms: number) {
      time += ms;
      for (const timer of timers.filter((t) => !t.cancelled && t.at <= time)) {
        timer.cancelled = true;
        timer.fn();
      }
    },
    /** The loop has polled for I/O (the syncs completed meanwhile answered before): runs what waited for that. */
    poll() {
      for (const fn of afterPoll.splice(0)) fn();
    },
  };
}

function walOf(options: Partial<WalSyncOptions> = {}) {
  const disk = heldDisk();
  const clock = scriptedClock();
  const wal = new WalSync(disk.sync, { maxRunning: 3, worthWaitingMs: 1, ...clock.options, ...options });
  const outcomes: Array<[string, Error | null]> = [];
  const ask = (name: string) => wal.after((error) => outcomes.push([name, error]));
  /** Asks for each, `apartMs` after the one before, the loop polling after each. */
  const askApart = (apartMs: number, ...names: string[]) => {
    for (const [i, name] of names.entries()) {
      if (i > 0) clock.advance(apartMs);
      ask(name);
      clock.poll();
    }
  };
  return { disk, clock, wal, outcomes, ask, askApart, settled: () => outcomes.map(([name]) => name) };
}

describe('WalSync', () => {
  it('calls back only once a sync begun after the request has completed', () => {
    const { disk, ask, settled } = walOf();
    ask('a');
    expect(disk.pending).toHaveLength(1);
    // Asked while the first sync runs: that sync may have begun before its commit, so it waits for the next.
    ask('b');
    ask('c');
    expect(disk.pending).toHaveLength(1);
    disk.pending.shift()!(null);
    expect(settled()).toEqual(['a']);
    // One sync covers every request that waited for it.
    expect(disk.pending).toHaveLength(1);
    disk.pending.shift()!(null);
    expect(settled()).toEqual(['a', 'b', 'c']);
    expect(disk.pending).toHaveLength(0);
  });

  it('never begins a second sync beside a quick one: the quick disk keeps one sync at a time', () => {
    const { disk, clock, ask, settled } = walOf();
    for (let round = 0; round < 5; round++) {
      ask(`${round}a`);
      clock.advance(0.3);
      ask(`${round}b`);
      clock.advance(0.6);
      clock.poll();
      // 0.9 ms into the running sync, under the 1 ms it is worth waiting for.
      expect(disk.pending).toHaveLength(1);
      disk.pending.shift()!(null);
      expect(clock.armed()).toBe(0);
      clock.advance(0.9);
      disk.pending.shift()!(null);
      expect(disk.pending).toHaveLength(0);
    }
    expect(settled()).toHaveLength(10);
    // Time moving on with nothing running starts nothing.
    clock.advance(10);
    expect(disk.pending).toHaveLength(0);
  });

  it('begins no second sync beside one that completed while the main thread was busy, answered only at the next poll', () => {
    const { disk, clock, ask, settled } = walOf();
    ask('a');
    clock.advance(0.2);
    ask('b');
    // The main thread runs 3 ms of webhooks: the timer comes due, but the sync completed in the
    // thread pool meanwhile and the poll answers it before the look after it.
    clock.advance(2.8);
    expect(disk.pending).toHaveLength(1);
    disk.pending.shift()!(null);
    clock.poll();
    expect(settled()).toEqual(['a']);
    expect(disk.pending).toHaveLength(1);
    disk.pending.shift()!(null);
    expect(settled()).toEqual(['a', 'b']);
    expect(disk.pending).toHaveLength(0);
  });

  it('begins a sync beside one that has lasted longer than it is worth waiting for, and settles in order', () => {
    const { disk, clock, ask, settled } = walOf();
    ask('a');
    clock.advance(0.4);
    ask('b');
    expect(disk.pending).toHaveLength(1);
    // The first sync reaches 1 ms: once the loop has polled and it still runs, b's begins beside it.
    clock.advance(0.6);
    expect(disk.pending).toHaveLength(1);
    clock.poll();
    expect(disk.pending).toHaveLength(2);
    // Asked past the mark with no timer due: begins after the next poll too (the second sync lasted 1.5 ms).
    clock.advance(1.5);
    ask('c');
    clock.poll();
    expect(disk.pending).toHaveLength(3);
    // The second sync completes first: it began after a's commit too, so it settles a then b.
    disk.pending[1]!(null);
    expect(settled()).toEqual(['a', 'b']);
    // The first completing later settles nothing twice.
    disk.pending[0]!(null);
    expect(settled()).toEqual(['a', 'b']);
    disk.pending[2]!(null);
    expect(settled()).toEqual(['a', 'b', 'c']);
  });

  it('does not settle a request by a sync begun before it, even when that sync completes after the one begun for it', () => {
    const { disk, askApart, settled } = walOf();
    askApart(2, 'a', 'b', 'c');
    expect(disk.pending).toHaveLength(3);
    // The first sync completes: it began before b and c were asked.
    disk.pending[0]!(null);
    expect(settled()).toEqual(['a']);
    disk.pending[1]!(null);
    expect(settled()).toEqual(['a', 'b']);
    disk.pending[2]!(null);
    expect(settled()).toEqual(['a', 'b', 'c']);
  });

  it('runs no more than maxRunning syncs at once, and begins the next once one completes', () => {
    const { disk, clock, ask, askApart, settled } = walOf({ maxRunning: 2 });
    askApart(5, 'a', 'b', 'c');
    ask('d');
    clock.advance(50);
    clock.poll();
    expect(disk.pending).toHaveLength(2);
    disk.pending.shift()!(null);
    expect(settled()).toEqual(['a']);
    // b's sync has lasted 55 ms: c and d get one beside it after the next poll.
    clock.poll();
    expect(disk.pending).toHaveLength(2);
    disk.pending.shift()!(null);
    disk.pending.shift()!(null);
    expect(settled()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('fails every request not settled yet when a sync fails, since the others may not learn of the lost write', () => {
    const { disk, ask, askApart, outcomes } = walOf({ maxRunning: 2 });
    askApart(2, 'a', 'b', 'c');
    expect(disk.pending).toHaveLength(2);
    const eio = new Error('EIO');
    // The later-begun sync fails: a (begun before it), b (its own) and c (waiting) all fail.
    disk.pending[1]!(eio);
    expect(outcomes).toEqual([
      ['a', eio],
      ['b', eio],
      ['c', eio],
    ]);
    // The first sync succeeding afterwards settles nothing twice; the next request syncs anew.
    disk.pending[0]!(null);
    ask('d');
    expect(disk.pending).toHaveLength(3);
    disk.pending[2]!(null);
    expect(outcomes.at(-1)).toEqual(['d', null]);
    expect(outcomes).toHaveLength(4);
  });

  it('is idle once nothing runs or waits', async () => {
    const { disk, wal, askApart, settled } = walOf();
    await wal.idle();
    askApart(2, 'a', 'b');
    const idle = wal.idle();
    let idled = false;
    void idle.then(() => (idled = true));
    // b's sync completes first and settles both; a's still runs.
    disk.pending[1]!(null);
    await Promise.resolve();
    expect(settled()).toEqual(['a', 'b']);
    expect(idled).toBe(false);
    disk.pending[0]!(null);
    await idle;
    expect(idled).toBe(true);
  });
});
