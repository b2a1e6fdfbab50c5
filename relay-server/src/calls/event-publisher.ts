import type { AgentEvent, Call } from '../store/index.ts';

/**
 * Hands a held batch over: with the call as it is now when given (the batch's events, and those
 * of the same call queued behind them, carry it instead).
 */
export type ReleaseEvents = (call?: Call) => void;

interface Batch {
  events: AgentEvent[];
  ready: boolean;
  /** The calls its events show (`callIdOf`), read once as it is queued. */
  calls: Set<number>;
}

/** An agent's batches, in seq order, and the queued ones by the calls their events show. */
interface AgentQueue {
  batches: Batch[];
  /**
   * A release updates the batches of its call, found here: scanning every batch queued behind it,
   * each release cost as much as the queue is long, and a queue grows with the hold (a slow CRM
   * holds each new call's first events 300 ms, while a burst queues thousands behind them).
   */
  byCall: Map<number, Set<Batch>>;
}

/**
 * Pushes committed events to live sockets, in each agent's seq order even while a batch is held
 * back: a new call's first events wait (briefly) for the caller's CRM contact, and whatever
 * is published for the same agent meanwhile queues behind them, never overtakes. Other agents'
 * events are not held.
 */
export class EventPublisher {
  private readonly queues = new Map<string, AgentQueue>();

  constructor(private readonly deliver: (events: readonly AgentEvent[]) => void) {}

  /**
   * What is not held goes on in one hand-over per commit: one per agent made the hub tell the
   * metrics of a fan-out to 1,000 agents once per socket, not once per turn (issue 13).
   */
  publish(events: readonly AgentEvent[]): void {
    if (this.queues.size === 0) return this.deliver(events);
    const now: AgentEvent[] = [];
    for (const [agentId, own] of eventsByAgent(events)) {
      const queue = this.queues.get(agentId);
      if (!queue) {
        now.push(...own);
        continue;
      }
      // Committed before what is queued (a CRM step's commit, published a few microtasks after a
      // later webhook of the same batch held its first events): ahead of it, as its seq says.
      const first = queue.batches[0]!.events[0]!.seq;
      const after: AgentEvent[] = [];
      for (const event of own) (event.seq < first ? now : after).push(event);
      if (after.length > 0) enqueue(queue, after, true);
    }
    if (now.length > 0) this.deliver(now);
  }

  /** Whether the agent's events are being kept back (a held batch not released yet, and what queued behind it). */
  holds(agentId: string): boolean {
    return this.queues.has(agentId);
  }

  /** Queues `events` without pushing them until the returned function is called (once; later calls do nothing). */
  hold(events: readonly AgentEvent[]): ReleaseEvents {
    let held: Array<readonly [string, Batch]> | undefined = [...eventsByAgent(events)].map(([agentId, own]) => {
      let queue = this.queues.get(agentId);
      if (!queue) this.queues.set(agentId, (queue = { batches: [], byCall: new Map() }));
      return [agentId, enqueue(queue, own, false)] as const;
    });
    return (call) => {
      // Released, the batches (their events, a snapshot of the call each) are no longer kept here: a
      // lookup keeps this function until it ends, after a burst's end when it waited (issue 10).
      const batches = held;
      if (!batches) return;
      held = undefined;
      const snapshot = call && JSON.stringify(call);
      const ready: AgentEvent[] = [];
      for (const [agentId, batch] of batches) {
        // Every queued event of that call was committed before `call` was read: each shows it as it is
        // now, so what the agent sees never goes back (a contact shown, then gone, then shown again).
        if (snapshot) {
          for (const queued of this.queues.get(agentId)!.byCall.get(call.id) ?? []) {
            queued.events = queued.events.map((event) => (callIdOf(event) === call.id ? { ...event, call: snapshot } : event));
          }
        }
        batch.ready = true;
        this.takeReady(agentId, ready);
      }
      if (ready.length > 0) this.deliver(ready);
    };
  }

  /** Moves the agent's batches that are ready, up to the first still held, into `ready`. */
  private takeReady(agentId: string, ready: AgentEvent[]): void {
    const queue = this.queues.get(agentId)!;
    while (queue.batches[0]?.ready) {
      const batch = queue.batches.shift()!;
      ready.push(...batch.events);
      for (const id of batch.calls) {
        const same = queue.byCall.get(id)!;
        same.delete(batch);
        if (same.size === 0) queue.byCall.delete(id);
      }
    }
    if (queue.batches.length === 0) this.queues.delete(agentId);
  }
}

/** Queues a batch in seq order: after the last batch that begins before it. */
function enqueue(queue: AgentQueue, events: AgentEvent[], ready: boolean): Batch {
  const batch: Batch = { events, ready, calls: new Set(events.map(callIdOf)) };
  let at = queue.batches.length;
  while (at > 0 && queue.batches[at - 1]!.events[0]!.seq > events[0]!.seq) at--;
  queue.batches.splice(at, 0, batch);
  for (const id of batch.calls) {
    const same = queue.byCall.get(id);
    if (same) same.add(batch);
    else queue.byCall.set(id, new Set([batch]));
  }
  return batch;
}

/** Events grouped by agent, each group in the order given. */
export function eventsByAgent(events: readonly AgentEvent[]): Map<string, AgentEvent[]> {
  const groups = new Map<string, AgentEvent[]>();
  for (const event of events) {
    const group = groups.get(event.agentId);
    if (group) group.push(event);
    else groups.set(event.agentId, [event]);
  }
  return groups;
}

/** A stored call's snapshot begins with its id (`toCall`'s first key, kept by `JSON.stringify`). */
const LEADING_ID = /^\{"id":(\d+)[,}]/;

/**
 * The call an event shows, read from the snapshot's first key; a snapshot of another shape is
 * parsed. Read for each event queued behind a held batch: with a CRM, a burst of new calls holds
 * their first events for their contacts and queues most others, and parsing each whole snapshot
 * was 7 % of the relay's thread, its garbage more (issue 10).
 */
export function callIdOf(event: AgentEvent): number {
  const leading = LEADING_ID.exec(event.call);
  return leading ? Number(leading[1]) : (JSON.parse(event.call) as Pick<Call, 'id'>).id;
}
