import type { AgentEvent } from '../store/index.ts';

/**
 * How long one turn of the event loop hands events to sockets before it lets other work (a
 * webhook's request, its reply) run. A budget rather than a count of sockets: a fixed 100 sockets
 * per turn made 1,000 agents wait ten turns however fast the machine wrote them (issue 13).
 */
export const FANOUT_TURN_MS = 5;

/** One agent's share of a commit. */
export interface AgentBatch {
  agentId: string;
  events: AgentEvent[];
  /** When the events were handed over (the queue's clock, `performance.now()`), for the push latency. */
  committedAt: number;
}

/**
 * Local events on their way to the sockets. They go out once the current turn of the event loop
 * is over, so the webhook that committed them has its reply written first; an incoming call
 * routed to 1,000 agents goes out in turns of at most `FANOUT_TURN_MS` (at least one agent each),
 * so replies and other requests are not kept waiting behind the whole fan-out (issue 13). Order
 * is kept: first in, first out.
 */
export class FanOutQueue {
  private readonly queue: AgentBatch[] = [];
  private head = 0;
  private scheduled = false;
  /**
   * Each agent's batch still to go out: that agent's later events join it, in seq order. Commits
   * of one batch are published in the order their continuations run, not always in commit order (a
   * CRM step's, gathered on a saturated relay, comes a few microtasks after a later webhook's): in
   * the throughput bench with a CRM, a third of the owner's events reached its socket through a
   * read of the log, each such gap one read (issue 10).
   */
  private readonly pending = new Map<string, AgentBatch>();

  /**
   * `deliver` hands one agent's events to its sockets and says how many messages went out;
   * `handedOver` is told once per commit and turn how many went out and when (for the metrics:
   * counted per socket, they were per-socket work in a fan-out of 1,000); `now` is the clock the
   * turn's budget is read on.
   */
  constructor(
    private readonly deliver: (batch: AgentBatch) => number,
    private readonly handedOver: (messages: number, committedAt: number, at: number) => void = () => {},
    private readonly turnMs = FANOUT_TURN_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * Each event joins its agent's batch still to go out, or starts one: `pending` groups them by
   * agent. Grouped first (a map per commit, an array per agent) they were some 110 KB of garbage
   * in a call to 1,000 agents, hastening the scavenges that land in its sends (issue 13).
   */
  push(events: readonly AgentEvent[]): void {
    const committedAt = this.now();
    for (const event of events) {
      const waiting = this.pending.get(event.agentId);
      if (waiting) {
        const inOrder = waiting.events.at(-1)!.seq < event.seq;
        waiting.events.push(event);
        if (!inOrder) waiting.events.sort((a, b) => a.seq - b.seq);
        continue;
      }
      const batch = { agentId: event.agentId, events: [event], committedAt };
      this.queue.push(batch);
      this.pending.set(event.agentId, batch);
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.scheduled || this.head === this.queue.length) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    let now = this.now();
    const until = now + this.turnMs;
    let committedAt = this.queue[this.head]!.committedAt;
    let messages = 0;
    do {
      const batch = this.queue[this.head++]!;
      if (this.pending.get(batch.agentId) === batch) this.pending.delete(batch.agentId);
      if (batch.committedAt !== committedAt) {
        this.handedOver(messages, committedAt, now);
        committedAt = batch.committedAt;
        messages = 0;
      }
      messages += this.deliver(batch);
      now = this.now();
    } while (this.head < this.queue.length && now < until);
    this.handedOver(messages, committedAt, now);
    // Drop what went out, in one go rather than per batch.
    this.queue.splice(0, this.head);
    this.head = 0;
    this.schedule();
  }
}
