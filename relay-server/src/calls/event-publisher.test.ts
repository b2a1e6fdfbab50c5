import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import type { AgentEvent, Call } from '../store/index.ts';
import { callIdOf, EventPublisher } from './event-publisher.ts';

const event = (agentId: string, seq: number, call = '{"id":1}'): AgentEvent => ({ agentId, seq, prevSeq: seq - 1, kind: seq === 1 ? 'created' : 'updated', call });

/** A full collection of this process's heap, now. */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

describe('EventPublisher', () => {
  it('keeps a held batch and what follows it for the same agent back, in seq order, without holding other agents', () => {
    const delivered: AgentEvent[] = [];
    const publisher = new EventPublisher((events) => delivered.push(...events));
    const release = publisher.hold([event('ada', 1), event('bob', 1)]);
    publisher.publish([event('ada', 2), event('ada', 3, '{"id":2}'), event('cy', 1)]);
    expect(delivered.map((e) => [e.agentId, e.seq])).toEqual([['cy', 1]]);
    release({ id: 1, contact: 'Grace' } as unknown as Call);
    // Events of the held call show it as it is now; another call's events are left as they were.
    expect(delivered.map((e) => [e.agentId, e.seq, e.call])).toEqual([
      ['cy', 1, '{"id":1}'],
      ['ada', 1, '{"id":1,"contact":"Grace"}'],
      ['ada', 2, '{"id":1,"contact":"Grace"}'],
      ['ada', 3, '{"id":2}'],
      ['bob', 1, '{"id":1,"contact":"Grace"}'],
    ]);
    release();
    publisher.publish([event('ada', 3)]);
    expect(delivered).toHaveLength(6);
  });

  it('keeps no event once released, though its release function is kept (a lookup keeps it until it ends, issue 10)', async () => {
    const publisher = new EventPublisher(() => undefined);
    // Built in a function of its own: nothing of this test's frame refers to the event.
    const holdOne = () => {
      const held = event('ada', 1);
      return { release: publisher.hold([held]), held: new WeakRef(held) };
    };
    const { release, held } = holdOne();
    release();
    // A WeakRef's target stays until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    collectGarbage();
    expect(held.deref()).toBeUndefined();
    expect(publisher.holds('ada')).toBe(false);
    release();
  });

  it('hands a commit\'s events over in one delivery, published or released, however many agents they go to (issue 13)', () => {
    const deliveries: AgentEvent[][] = [];
    const publisher = new EventPublisher((events) => deliveries.push([...events]));
    const team = ['ada', 'bob', 'cy'];
    publisher.publish(team.map((agentId) => event(agentId, 1)));
    expect(deliveries.map((d) => d.map((e) => e.agentId))).toEqual([team]);
    const release = publisher.hold([event('ada', 2), event('bob', 2)]);
    // Held for ada and bob: cy's and dan's go on, in one delivery still.
    publisher.publish([event('ada', 3), event('cy', 2), event('dan', 1), event('bob', 3)]);
    release();
    expect(deliveries.slice(1).map((d) => d.map((e) => [e.agentId, e.seq]))).toEqual([
      [
        ['cy', 2],
        ['dan', 1],
      ],
      [
        ['ada', 2],
        ['ada', 3],
        ['bob', 2],
        ['bob', 3],
      ],
    ]);
  });

  it("shows a released call's contact on each of its events queued behind it, in any batch, and on no other call's", () => {
    const delivered: AgentEvent[] = [];
    const publisher = new EventPublisher((events) => delivered.push(...events));
    const first = publisher.hold([event('ada', 1, '{"id":1}')]);
    publisher.publish([event('ada', 2, '{"id":2}')]);
    const third = publisher.hold([event('ada', 3, '{"id":3}')]);
    publisher.publish([event('ada', 4, '{"id":1}'), event('ada', 5, '{"id":3}')]);
    first({ id: 1, contact: 'Grace' } as unknown as Call);
    expect(delivered.map((e) => [e.seq, e.call])).toEqual([
      [1, '{"id":1,"contact":"Grace"}'],
      [2, '{"id":2}'],
    ]);
    publisher.publish([event('ada', 6, '{"id":3}'), event('bob', 1, '{"id":3}')]);
    third({ id: 3, contact: 'Alan' } as unknown as Call);
    expect(delivered.slice(2).map((e) => [e.agentId, e.seq, e.call])).toEqual([
      ['bob', 1, '{"id":3}'],
      ['ada', 3, '{"id":3,"contact":"Alan"}'],
      ['ada', 4, '{"id":1,"contact":"Grace"}'],
      ['ada', 5, '{"id":3,"contact":"Alan"}'],
      ['ada', 6, '{"id":3,"contact":"Alan"}'],
    ]);
    expect(publisher.holds('ada')).toBe(false);
  });

  it('hands events committed before a held batch over ahead of it, and queues later ones in seq order', () => {
    const delivered: AgentEvent[] = [];
    const publisher = new EventPublisher((events) => delivered.push(...events));
    // A webhook's first events (seq 11) held, then a CRM step of the same commit batch (seq 10) published.
    const release = publisher.hold([event('ada', 11, '{"id":2}')]);
    publisher.publish([event('ada', 10, '{"id":1}'), event('ada', 13, '{"id":1}')]);
    expect(delivered.map((e) => e.seq)).toEqual([10]);
    publisher.publish([event('ada', 12, '{"id":3}')]);
    release();
    expect(delivered.map((e) => e.seq)).toEqual([10, 11, 12, 13]);
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

describe('callIdOf', () => {
  it("reads the id a snapshot begins with, and parses a snapshot of any other shape", () => {
    const shown = (call: string) => callIdOf(event('ada', 1, call));
    expect(shown('{"id":42,"call_id":"CA1","contact":{"id":"12x7"}}')).toBe(42);
    expect(shown('{"id":7}')).toBe(7);
    // The id elsewhere: the top-level one, never a nested one.
    expect(shown('{"contact":{"id":5},"id":9}')).toBe(9);
    expect(shown('{"idle":1,"id":3}')).toBe(3);
    expect(shown('{"id":12.5,"x":1}')).toBe(12.5);
  });
});
