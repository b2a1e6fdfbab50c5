import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../store/index.ts';
import { FanOutQueue } from './fanout-queue.ts';

const event = (agentId: string, seq: number): AgentEvent => ({ agentId, seq, prevSeq: seq - 1, kind: 'created', call: '{"id":1}' });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
/**
 * A queue whose clock stands still, so that every agent waiting goes out in the next turn: on the
 * real clock a stalled machine can use up a turn's budget between two agents (a CI run did), and
 * the budget has tests of its own below.
 */
const stillQueue = (deliver: ConstructorParameters<typeof FanOutQueue>[0]) => new FanOutQueue(deliver, undefined, undefined, () => 0);

describe('FanOutQueue', () => {
  it('hands nothing over in the turn that committed, so the webhook\'s reply goes first', async () => {
    const delivered: string[] = [];
    const queue = stillQueue((batch) => delivered.push(...batch.events.map((e) => `${e.agentId}:${e.seq}`)));
    queue.push([event('ada', 1), event('bob', 1), event('ada', 2)]);
    queue.push([event('ada', 3)]);
    expect(delivered).toEqual([]);
    await nextTurn();
    // Per agent in seq order: a later commit's events join the agent's batch still to go out.
    expect(delivered).toEqual(['ada:1', 'ada:2', 'ada:3', 'bob:1']);
  });

  it("hands each agent its events in seq order, whatever order the turn's commits were pushed in", async () => {
    const deliveries: string[][] = [];
    const queue = stillQueue((batch) => deliveries.push(batch.events.map((e) => `${e.agentId}:${e.seq}`)));
    // A CRM step's commit (ada:5) published after a later webhook's of the same batch (ada:6, bob:2).
    queue.push([event('ada', 6), event('bob', 2)]);
    queue.push([event('ada', 5)]);
    queue.push([event('ada', 7), event('bob', 1)]);
    await nextTurn();
    expect(deliveries).toEqual([
      ['ada:5', 'ada:6', 'ada:7'],
      ['bob:1', 'bob:2'],
    ]);
    // Once handed over, an agent's next events start a batch of their own.
    queue.push([event('ada', 8)]);
    await nextTurn();
    expect(deliveries.at(-1)).toEqual(['ada:8']);
  });

  /** A queue with a 2 ms budget on a clock that moves `msPerAgent` per agent served; `turns` logs agents and other work in the order they ran. */
  async function turnsOf(agents: string[], msPerAgent: number): Promise<string[]> {
    const turns: string[] = [];
    let clock = 0;
    const queue = new FanOutQueue(
      (batch) => {
        turns.push(batch.agentId);
        clock += msPerAgent;
        return 1;
      },
      undefined,
      2,
      () => clock,
    );
    queue.push(agents.map((agentId) => event(agentId, 1)));
    setImmediate(() => turns.push('(a webhook)'));
    while (turns.length < agents.length + 1) await nextTurn();
    return turns;
  }

  it('fans a call out to many agents in turns of a time budget, letting other work run between them', async () => {
    expect(await turnsOf(['a', 'b', 'c', 'd', 'e'], 1)).toEqual(['a', 'b', '(a webhook)', 'c', 'd', 'e']);
  });

  it('serves at least one agent a turn, however slow a socket was', async () => {
    expect(await turnsOf(['a', 'b', 'c'], 100)).toEqual(['a', '(a webhook)', 'b', 'c']);
  });

  it('tells how many messages went out once per commit and turn, not once per agent', async () => {
    const told: string[] = [];
    let clock = 0;
    const queue = new FanOutQueue(
      (batch) => {
        clock += 1;
        // Ada has two sockets, Bob none: what went out counts, not the agents served.
        return { ada: 2, bob: 0 }[batch.agentId] ?? 1;
      },
      (messages, committedAt, at) => told.push(`${messages} of the commit at ${committedAt}, at ${at}`),
      3,
      () => clock,
    );
    queue.push(['ada', 'bob', 'cy', 'dan'].map((agentId) => event(agentId, 1)));
    clock = 0.5;
    queue.push([event('eve', 1)]);
    while (told.length < 3) await nextTurn();
    // Turns of 3 ms: Ada, Bob and Cy; then Dan and, in the same turn, the second commit's Eve.
    expect(told).toEqual(['3 of the commit at 0, at 3.5', '1 of the commit at 0, at 4.5', '1 of the commit at 0.5, at 5.5']);
  });
});
