import { readFileSync } from 'node:fs';
import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/** How busy the relay's one thread has been lately. */
export interface ThreadLoad {
  /**
   * Share (0 to 1) of the recent wall time the thread spent running rather than waiting for I/O;
   * `at` is the caller's clock reading (performance.now()), which it has read already.
   */
  utilisation(at: number): number;
}

/**
 * Milliseconds this thread has spent runnable but waiting for a core, in all (Linux schedstat,
 * its second field, in ns); 0 where the kernel does not say. Read synchronously: about 16 µs of
 * CPU a read (open, read, close; 20,000 reads timed on the 2-core bench machine, busy), at most
 * one per window (`EventLoopLoad`, 40 a second), so under 0.1 % of the thread. A descriptor kept
 * open and read with pread cost 4 µs: not worth its lifetime for 0.5 ms a second.
 */
export function waitedForCore(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[1]) / 1e6 || 0;
  } catch {
    return 0;
  }
}

/**
 * The thread's load from Node's event-loop utilisation plus its time waiting for a core, over
 * windows of at least `windowMs`: read when asked, at most once per window (a read is Node's
 * counter and one small /proc file), so a relay that asks on every webhook pays for one read per
 * window. The window is timed on the asker's
 * clock (WebhooksFirst's), not one of its own. A webhook in flight is not a busy
 * thread: one sender that posts its next webhook as soon as the last is answered keeps one in
 * flight nearly all the time, with the thread idle most of it (docs/benchmarks.md, "Relay with a
 * CRM", 50 calls one at a time). The time waiting for a core counts as busy: the utilisation
 * alone counts a thread that the kernel keeps off the cores while its webhooks are ready as idle
 * (it waits in epoll): on a machine shared with other work, 78 of the ~550 CRM steps of a
 * saturated burst started "at once" for that (issue 10, counted with tests/bench/crm-load.ts).
 */
export class EventLoopLoad implements ThreadLoad {
  /** Node's totals when the current window began, and when that was; the first question starts it. */
  private last: EventLoopUtilization | undefined;
  private lastAt = 0;
  private lastWaited = 0;
  private recent = 0;

  constructor(
    private readonly windowMs = 25,
    /** Node's counter: with no argument the totals so far, with two the difference between them. */
    private readonly sample: (current?: EventLoopUtilization, since?: EventLoopUtilization) => EventLoopUtilization = (current, since) => performance.eventLoopUtilization(current, since),
    /** Milliseconds the thread has waited for a core, in all. */
    private readonly waited: () => number = waitedForCore,
  ) {}

  utilisation(at: number): number {
    if (!this.last) {
      this.last = this.sample();
      this.lastWaited = this.waited();
      this.lastAt = at;
    } else if (at - this.lastAt >= this.windowMs) {
      const current = this.sample();
      const waited = this.waited();
      this.recent = Math.min(1, this.sample(current, this.last).utilization + (waited - this.lastWaited) / (at - this.lastAt));
      this.last = current;
      this.lastWaited = waited;
      this.lastAt = at;
    }
    return this.recent;
  }
}
