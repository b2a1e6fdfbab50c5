import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventPublisher, type ReleaseEvents } from '../calls/event-publisher.ts';
import type { AgentEvent, Call } from '../store/index.ts';
import { type AgentBatch, FanOutQueue } from './fanout-queue.ts';

/**
 * The way an agent's events go from the store's commits to its socket (EventPublisher, then
 * FanOutQueue, then the socket's prevSeq rule of agent-socket.ts), on random runs: every event
 * reaches each agent's socket once, in seq order, and none through a read of the log (issue 10:
 * with a CRM, a third of the owner's events did, each gap a read on the relay's thread). A store
 * batch's webhooks run their continuations in commit order, all alike (record-call.ts); a CRM
 * step's may come after later ones'. A webhook's held events published after a later commit's
 * would still be overtaken (a gap, filled from the log, not a loss): the relay does not do that,
 * and neither does the run.
 */

const AGENTS = ['ada', 'bob', 'cy'];

/** One transaction: a webhook's, whose first events of a new call may be held for the caller's CRM contact, or a CRM step's. */
interface Commit {
  agents: string[];
  callId: number;
  /** A CRM step's commit (the contact attached, the log written): gathered with others, its continuation runs a few microtasks after later webhooks' (webhooks-first.ts). */
  crmStep: boolean;
  /** How many of the batch's later commits are published before this CRM step's. */
  lateBy: number;
  /** A webhook's new call whose first events wait for the caller's contact (identify-caller.ts `lookUpCaller`). */
  held: boolean;
  /** A CRM step that attached a held call's contact: releases (with the call as it is now) a held batch, then publishes its own events. */
  releases: { nth: number; withCall: boolean } | undefined;
}

/** What happens between two store batches: held batches let go by their timer (without the call), and whether the event loop turns. */
interface Between {
  timedOut: number[];
  turn: boolean;
}

const commit: fc.Arbitrary<Commit> = fc.record({
  agents: fc.subarray(AGENTS, { minLength: 1 }),
  callId: fc.integer({ min: 1, max: 4 }),
  crmStep: fc.boolean(),
  lateBy: fc.integer({ min: 0, max: 5 }),
  held: fc.boolean(),
  releases: fc.option(fc.record({ nth: fc.nat(), withCall: fc.boolean() }), { nil: undefined }),
});

const run = fc.array(fc.record({ commits: fc.array(commit, { minLength: 1, maxLength: 6 }), then: fc.record({ timedOut: fc.array(fc.nat(), { maxLength: 2 }), turn: fc.boolean() }) }), {
  minLength: 1,
  maxLength: 10,
});

/** An agent's socket with agent-socket.ts's rule: the next event (its prevSeq the last sent) goes out, one further ahead makes it read the log from its last sent. */
class SocketModel {
  readonly sent: number[] = [];
  gapReads = 0;
  private lastSent = 0;

  constructor(private readonly log: () => readonly AgentEvent[]) {}

  deliver(events: readonly AgentEvent[]): void {
    for (const event of events) {
      if (event.seq <= this.lastSent) continue;
      if (event.prevSeq !== this.lastSent) {
        this.gapReads++;
        for (const logged of this.log()) if (logged.seq > this.lastSent) this.send(logged.seq);
        return;
      }
      this.send(event.seq);
    }
  }

  private send(seq: number): void {
    this.sent.push(seq);
    this.lastSent = seq;
  }
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Runs the batches through the publisher and the queue; each agent's socket, and every event committed. */
async function deliverRun(batches: Array<{ commits: Commit[]; then: Between }>, turnMs: number): Promise<{ sockets: Map<string, SocketModel>; committed: AgentEvent[] }> {
  const committed: AgentEvent[] = [];
  const sockets = new Map(AGENTS.map((agentId) => [agentId, new SocketModel(() => committed.filter((e) => e.agentId === agentId))]));
  // A clock that moves 1 ms each time it is read: a turn serves `turnMs` agents or so, and the rest waits for the next turn.
  let clock = 0;
  const queue = new FanOutQueue(
    (batch: AgentBatch) => {
      sockets.get(batch.agentId)!.deliver(batch.events);
      return batch.events.length;
    },
    () => {},
    turnMs,
    () => clock++,
  );
  const publisher = new EventPublisher((events) => queue.push(events));
  const lastSeq = new Map<string, number>();
  let seq = 0;
  const holds: Array<{ release: ReleaseEvents; callId: number }> = [];
  for (const { commits, then } of batches) {
    // The store commits the batch at once, in order, each agent's seqs in that order.
    const events = commits.map((c) =>
      c.agents.map((agentId) => {
        const event: AgentEvent = { agentId, seq: ++seq, prevSeq: lastSeq.get(agentId) ?? 0, kind: 'updated', call: `{"id":${c.callId}}` };
        lastSeq.set(agentId, event.seq);
        return event;
      }),
    );
    committed.push(...events.flat());
    // Their continuations run in commit order, but a CRM step's `lateBy` later commits after.
    const order = commits.map((c, i) => ({ c, i, at: c.crmStep ? i + c.lateBy + 0.5 : i })).sort((a, b) => a.at - b.at);
    for (const { c, i } of order) {
      if (c.crmStep && c.releases && holds.length > 0) {
        const held = holds[c.releases.nth % holds.length]!;
        held.release(c.releases.withCall ? ({ id: held.callId } as Call) : undefined);
      }
      if (!c.crmStep && c.held) holds.push({ release: publisher.hold(events[i]!), callId: c.callId });
      else publisher.publish(events[i]!);
    }
    for (const nth of then.timedOut) if (holds.length > 0) holds[nth % holds.length]!.release();
    if (then.turn) await nextTurn();
  }
  for (const { release } of holds) release();
  // Each turn serves at least one agent's batch: as many turns as events let everything out.
  for (let turn = 0; turn <= committed.length; turn++) await nextTurn();
  return { sockets, committed };
}

describe('agent events from commit to socket', () => {
  it('reach each socket once, in seq order, none through a read of the log, whatever order their commits are published in and whenever held ones are let go', async () => {
    await fc.assert(
      fc.asyncProperty(run, fc.integer({ min: 1, max: 6 }), async (batches, turnMs) => {
        const { sockets, committed } = await deliverRun(batches, turnMs);
        for (const [agentId, socket] of sockets) {
          expect(socket.sent).toEqual(committed.filter((e) => e.agentId === agentId).map((e) => e.seq));
          expect(socket.gapReads).toBe(0);
        }
      }),
      { numRuns: 500 },
    );
  });
});
