import { describe, expect, it } from 'vitest';
import type { AgentEvent } from '../store/index.ts';
import { FanOutQueue } from './fanout-queue.ts';

const event = (agentId: string, seq: number): AgentEvent => ({ agentId, seq, kind: 'created', call: '{"id":1}' });
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('FanOutQueue', () => {
  it('hands nothing over in the turn that committed, so the webhook\'s reply goes first', async () => {
    const delivered: string[] = [];
    const queue = new FanOutQueue((batch) => {
      delivered.push(...batch.events.map((e) => `${e.agentId}:${e.seq}`));
    });
    queue.push([event('ada', 1), event('bob', 1), event('ada', 2)]);
    queue.push([event('ada', 3)]);
    expect(delivered).toEqual([]);
    await nextTurn();
    // Per agent in seq order, commits in the order they came.
    expect(delivered).toEqual(['ada:1', 'ada:2', 'bob:1', 'ada:3']);
  });

  /** A queue with a 2 ms budget on a clock that moves `msPerAgent` per agent served; `turns` logs agents and other work in the order they ran. */
  async function turnsOf(agents: string[], msPerAgent: number): Promise<string[]> {
    const turns: string[] = [];
    let clock = 0;
    const queue = new FanOutQueue(
      (batch) => {
        turns.push(batch.agentId);
        clock += msPerAgent;
      },
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
});
