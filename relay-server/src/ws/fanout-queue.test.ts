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

  it('fans a call out to many agents in turns of a time budget, letting other work run between them', async () => {
    const turns: string[] = [];
    // A clock that moves one millisecond per agent served: a budget of 2 ms serves two agents a turn.
    let clock = 0;
    const queue = new FanOutQueue(
      (batch) => {
        turns.push(batch.agentId);
        clock += 1;
      },
      2,
      () => clock,
    );
    queue.push(['a', 'b', 'c', 'd', 'e'].map((agentId) => event(agentId, 1)));
    setImmediate(() => turns.push('(a webhook)'));
    while (turns.length < 6) await nextTurn();
    expect(turns).toEqual(['a', 'b', '(a webhook)', 'c', 'd', 'e']);
  });

  it('serves at least one agent a turn, however slow a socket was', async () => {
    const turns: string[] = [];
    let clock = 0;
    const queue = new FanOutQueue(
      (batch) => {
        turns.push(batch.agentId);
        clock += 100;
      },
      2,
      () => clock,
    );
    queue.push(['a', 'b', 'c'].map((agentId) => event(agentId, 1)));
    setImmediate(() => turns.push('(a webhook)'));
    while (turns.length < 4) await nextTurn();
    expect(turns).toEqual(['a', '(a webhook)', 'b', 'c']);
  });
});
