import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { holdFor } from './hold-timers.ts';

/** The event loop's next turn: setImmediate is not faked below, only the timers. */
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

// A group joins for the rest of its turn: each test starts on a turn of its own, with its own timers.
beforeEach(nextTurn);
afterEach(() => {
  vi.useRealTimers();
});

describe('holdFor', () => {
  it('ends the holds begun in one turn with one timer, each when its own would have ended', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ended: string[] = [];
    const held = (name: string) => ({ holdEnded: () => void ended.push(name) });
    holdFor(300, held('a'));
    holdFor(300, held('b'));
    expect(vi.getTimerCount()).toBe(1);
    await nextTurn();
    vi.advanceTimersByTime(100);
    // A later turn's hold: a timer of its own, 300 ms from its start.
    holdFor(300, held('c'));
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(199);
    expect(ended).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(ended).toEqual(['a', 'b']);
    vi.advanceTimersByTime(100);
    expect(ended).toEqual(['a', 'b', 'c']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('keeps holds of another length apart, and does not end one that left its group', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const ended: string[] = [];
    const held = (name: string) => ({ holdEnded: () => void ended.push(name) });
    const left = held('left');
    holdFor(300, held('stays')).leave(held('never joined'));
    holdFor(300, left).leave(left);
    holdFor(50, held('short'));
    expect(vi.getTimerCount()).toBe(2);
    vi.advanceTimersByTime(50);
    expect(ended).toEqual(['short']);
    vi.advanceTimersByTime(250);
    expect(ended).toEqual(['short', 'stays']);
  });
});
