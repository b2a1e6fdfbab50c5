import { describe, expect, it } from 'vitest';
import { UrgentFirstQueue } from './urgent-first.ts';

/** A queue whose waiters record their resuming; `urgent` ids stay urgent until `expire`. */
function queue() {
  const waiters = new UrgentFirstQueue();
  const resumed: number[] = [];
  const urgent = new Set<number>();
  return {
    waiters,
    resumed,
    add: (id: number, isUrgent = false) => {
      if (isUrgent) urgent.add(id);
      waiters.push(() => resumed.push(id), isUrgent ? () => urgent.has(id) : undefined);
    },
    expire: (id: number) => urgent.delete(id),
    drain: () => {
      while (waiters.resumeNext());
    },
  };
}

describe('urgent first', () => {
  it('resumes waiters in the order they came when none is urgent (outbox rows)', () => {
    const q = queue();
    for (const id of [1, 2, 3]) q.add(id);
    expect(q.waiters.length).toBe(3);
    q.drain();
    expect(q.resumed).toEqual([1, 2, 3]);
    expect(q.waiters.length).toBe(0);
    expect(q.waiters.resumeNext()).toBe(false);
  });

  it('resumes the urgent waiters first, the newest first: it has the most of its hold left', () => {
    const q = queue();
    q.add(1);
    q.add(2, true);
    q.add(3);
    q.add(4, true);
    q.drain();
    expect(q.resumed).toEqual([4, 2, 1, 3]);
  });

  it('puts a waiter whose urgency ended back in the order it came (a lookup past its hold)', () => {
    const q = queue();
    q.add(1);
    q.add(2, true);
    q.add(3, true);
    q.add(4, true);
    q.expire(4);
    q.expire(2);
    q.waiters.resumeNext();
    expect(q.resumed).toEqual([3]);
    q.drain();
    expect(q.resumed).toEqual([3, 1, 2, 4]);
  });

  it('resumes each waiter once, counting only those still waiting', () => {
    const q = queue();
    q.add(1, true);
    q.add(2);
    q.waiters.resumeNext();
    expect(q.waiters.length).toBe(1);
    q.expire(1);
    q.add(3, true);
    q.drain();
    expect(q.resumed).toEqual([1, 3, 2]);
    expect(q.waiters.length).toBe(0);
  });
});
