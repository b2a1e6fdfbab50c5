import type { EventLoopUtilization } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { EventLoopLoad } from './thread-load.ts';

/** Node's counter, by hand: totals of active and idle milliseconds that the test moves. */
function counter() {
  const totals = { active: 0, idle: 0, reads: 0 };
  const sample = (current?: EventLoopUtilization, since?: EventLoopUtilization): EventLoopUtilization => {
    if (current && since) {
      const active = current.active - since.active;
      const idle = current.idle - since.idle;
      return { active, idle, utilization: active / (active + idle) };
    }
    totals.reads += 1;
    return { active: totals.active, idle: totals.idle, utilization: totals.active / (totals.active + totals.idle || 1) };
  };
  return { totals, sample };
}

describe('event-loop load', () => {
  it("is the thread's utilisation over the last window, read once per window", () => {
    const clock = { ms: 0 };
    const { totals, sample } = counter();
    const load = new EventLoopLoad(25, sample, () => 0);
    // The first question starts the first window.
    expect(load.utilisation(clock.ms)).toBe(0);
    const readsAtStart = totals.reads;

    // The first window: 20 ms running, 5 ms idle.
    totals.active += 20;
    totals.idle += 5;
    clock.ms += 10;
    expect(load.utilisation(clock.ms)).toBe(0);
    expect(totals.reads).toBe(readsAtStart);
    clock.ms += 15;
    expect(load.utilisation(clock.ms)).toBe(0.8);
    expect(totals.reads).toBe(readsAtStart + 1);

    // Asked again within the next window: the last window's figure, no new read.
    totals.active += 1;
    totals.idle += 9;
    clock.ms += 10;
    expect(load.utilisation(clock.ms)).toBe(0.8);
    expect(totals.reads).toBe(readsAtStart + 1);

    // The next window counts only what happened since the last read.
    totals.active += 1;
    totals.idle += 14;
    clock.ms += 15;
    expect(load.utilisation(clock.ms)).toBe(0.08);
  });

  it('counts the time the thread waited for a core as busy (a machine shared with other work)', () => {
    const clock = { ms: 0 };
    const { totals, sample } = counter();
    const core = { waitedMs: 100 };
    const load = new EventLoopLoad(25, sample, () => core.waitedMs);
    load.utilisation(clock.ms);

    // 10 ms running, 40 ms "idle" of which the kernel kept the thread off the cores for 30.
    totals.active += 10;
    totals.idle += 40;
    core.waitedMs += 30;
    clock.ms += 50;
    expect(load.utilisation(clock.ms)).toBe(0.8);

    // Never more than the whole window.
    totals.active += 40;
    totals.idle += 10;
    core.waitedMs += 40;
    clock.ms += 50;
    expect(load.utilisation(clock.ms)).toBe(1);
  });

  it("reads Node's own counter by default: a thread kept busy shows", () => {
    const load = new EventLoopLoad(1);
    load.utilisation(performance.now());
    const until = performance.now() + 30;
    while (performance.now() < until) {
      // Busy: the thread never returns to the event loop.
    }
    expect(load.utilisation(performance.now())).toBeGreaterThan(0.5);
  });
});
