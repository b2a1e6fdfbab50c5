import { eventsByAgent } from '../calls/event-publisher.ts';
import type { AgentEvent } from '../store/index.ts';

/** Agents' sockets handed their events per turn of the event loop. */
export const FANOUT_SLICE = 100;

/** One agent's share of a commit. */
export interface AgentBatch {
  agentId: string;
  events: AgentEvent[];
  /** `performance.now()` when the events were handed over, for the push latency. */
  committedAt: number;
}

/**
 * Local events on their way to the sockets. They go out once the current turn of the event loop
 * is over, so the webhook that committed them has its reply written first; an incoming call
 * routed to 1,000 agents goes out in slices, each its own turn, so replies and other requests
 * are not kept waiting behind the whole fan-out (issue 13). Order is kept: first in, first out.
 */
export class FanOutQueue {
  private readonly queue: AgentBatch[] = [];
  private head = 0;
  private scheduled = false;

  /** `deliver` hands one agent's events to its sockets and says how many sockets it reached. */
  constructor(
    private readonly deliver: (batch: AgentBatch) => number,
    private readonly slice = FANOUT_SLICE,
  ) {}

  push(events: readonly AgentEvent[]): void {
    const committedAt = performance.now();
    for (const [agentId, own] of eventsByAgent(events)) this.queue.push({ agentId, events: own, committedAt });
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.head === this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    let reached = 0;
    while (this.head < this.queue.length && reached < this.slice) reached += Math.max(1, this.deliver(this.queue[this.head++]!));
    // Drop what went out, in one go rather than per batch.
    this.queue.splice(0, this.head);
    this.head = 0;
    this.schedule();
  }
}
