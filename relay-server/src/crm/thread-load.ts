import { type EventLoopUtilization, performance } from 'node:perf_hooks';

/** How busy the relay's one thread has been lately. */
export interface ThreadLoad {
  /** Share (0 to 1) of the recent wall time the thread spent running rather than waiting for I/O. */
  utilisation(): number;
}

/**
 * The thread's load from Node's event-loop utilisation, over windows of at least `windowMs`: read
 * when asked, at most once per window (a read is two clock reads and a subtraction), so a relay
 * that asks on every webhook pays for one read per window. A webhook in flight is not a busy
 * thread: one sender that posts its next webhook as soon as the last is answered keeps one in
 * flight nearly all the time, with the thread idle most of it (docs/benchmarks.md, "Relay with a
 * CRM", 50 calls one at a time).
 */
export class EventLoopLoad implements ThreadLoad {
  private last: EventLoopUtilization;
  private lastAt: number;
  private recent = 0;

  constructor(
    private readonly windowMs = 25,
    private readonly clock: () => number = () => performance.now(),
    /** Node's counter: with no argument the totals so far, with two the difference between them. */
    private readonly sample: (current?: EventLoopUtilization, since?: EventLoopUtilization) => EventLoopUtilization = (current, since) => performance.eventLoopUtilization(current, since),
  ) {
    this.last = this.sample();
    this.lastAt = this.clock();
  }

  utilisation(): number {
    const at = this.clock();
    if (at - this.lastAt >= this.windowMs) {
      const current = this.sample();
      this.recent = this.sample(current, this.last).utilization;
      this.last = current;
      this.lastAt = at;
    }
    return this.recent;
  }
}
