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
 * The thread's load from Node's event-loop utilisation, over windows of at least `windowMs`: read
 * when asked, at most once per window (a read is two clock reads and a subtraction), so a relay
 * that asks on every webhook pays for one read per window. The window is timed on the asker's
 * clock (WebhooksFirst's), not one of its own. A webhook in flight is not a busy
 * thread: one sender that posts its next webhook as soon as the last is answered keeps one in
 * flight nearly all the time, with the thread idle most of it (docs/benchmarks.md, "Relay with a
 * CRM", 50 calls one at a time).
 */
export class EventLoopLoad implements ThreadLoad {
  /** Node's totals when the current window began, and when that was; the first question starts it. */
  private last: EventLoopUtilization | undefined;
  private lastAt = 0;
  private recent = 0;

  constructor(
    private readonly windowMs = 25,
    /** Node's counter: with no argument the totals so far, with two the difference between them. */
    private readonly sample: (current?: EventLoopUtilization, since?: EventLoopUtilization) => EventLoopUtilization = (current, since) => performance.eventLoopUtilization(current, since),
  ) {}

  utilisation(at: number): number {
    if (!this.last) {
      this.last = this.sample();
      this.lastAt = at;
    } else if (at - this.lastAt >= this.windowMs) {
      const current = this.sample();
      this.recent = this.sample(current, this.last).utilization;
      this.last = current;
      this.lastAt = at;
    }
    return this.recent;
  }
}
