import { describe, expect, it } from 'vitest';
import type { AgentEvent, Call } from '../store/index.ts';
import { EventPublisher } from './event-publisher.ts';

const event = (agentId: string, seq: number, call = 'old'): AgentEvent => ({ agentId, seq, kind: seq === 1 ? 'created' : 'updated', call });

describe('EventPublisher', () => {
  it('keeps a held batch and what follows it for the same agent back, in seq order, without holding other agents', () => {
    const delivered: AgentEvent[] = [];
    const publisher = new EventPublisher((events) => delivered.push(...events));
    const release = publisher.hold([event('ada', 1), event('bob', 1)]);
    publisher.publish([event('ada', 2), event('cy', 1)]);
    expect(delivered.map((e) => [e.agentId, e.seq])).toEqual([['cy', 1]]);
    release({ call_id: 'CA1' } as Call);
    expect(delivered.map((e) => [e.agentId, e.seq, e.call])).toEqual([
      ['cy', 1, 'old'],
      ['ada', 1, '{"call_id":"CA1"}'],
      ['ada', 2, 'old'],
      ['bob', 1, '{"call_id":"CA1"}'],
    ]);
    release();
    publisher.publish([event('ada', 3)]);
    expect(delivered).toHaveLength(5);
  });

  it('delivers a later held batch only after an earlier one', () => {
    const delivered: AgentEvent[] = [];
    const publisher = new EventPublisher((events) => delivered.push(...events));
    const first = publisher.hold([event('ada', 1)]);
    const second = publisher.hold([event('ada', 2)]);
    second();
    expect(delivered).toEqual([]);
    first();
    expect(delivered.map((e) => e.seq)).toEqual([1, 2]);
  });
});
