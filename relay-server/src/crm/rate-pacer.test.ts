import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Fetch } from '@phone-connector/shared';
import { RatePacer } from './rate-pacer.ts';

const SEARCH = { requests: 4, perMs: 1000, operations: ['find_contact' as const] };
const ALL = { requests: 10, perMs: 10_000 };

function pacerAt(start = 0) {
  let now = start;
  const pacer = new RatePacer(() => now);
  return { pacer, advance: (ms: number) => (now += ms) };
}

describe('RatePacer', () => {
  afterEach(() => vi.useRealTimers());

  it('lets `requests` through per window, and the next once the first has been over for `per`', async () => {
    const { pacer, advance } = pacerAt();
    pacer.declare('i1', [SEARCH]);
    for (let i = 0; i < 4; i++) {
      expect(pacer.readyIn('i1', 'find_contact')).toBe(0);
      (await pacer.acquire('i1', 'find_contact'))();
      advance(100);
    }
    // Four ended at 0, 100, 200, 300: the fifth may go at 1000.
    expect(pacer.readyIn('i1', 'find_contact')).toBe(600);
    advance(599);
    expect(pacer.readyIn('i1', 'find_contact')).toBe(1);
    advance(1);
    expect(pacer.readyIn('i1', 'find_contact')).toBe(0);
  });

  it('counts a request until `per` after its answer: a slow one holds its place', async () => {
    const { pacer, advance } = pacerAt();
    pacer.declare('i1', [{ requests: 1, perMs: 1000 }]);
    const done = await pacer.acquire('i1', 'log_call');
    advance(5000);
    // Still running: looked at again after a window.
    expect(pacer.readyIn('i1', 'log_call')).toBe(1000);
    done();
    advance(999);
    expect(pacer.readyIn('i1', 'log_call')).toBe(1);
  });

  it('applies a limit to its operations only, and one without operations to every request, token steps included', async () => {
    const { pacer } = pacerAt();
    pacer.declare('i1', [SEARCH, { requests: 5, perMs: 10_000 }]);
    for (let i = 0; i < 4; i++) (await pacer.acquire('i1', 'find_contact'))();
    expect(pacer.readyIn('i1', 'find_contact')).toBeGreaterThan(0);
    expect(pacer.readyIn('i1', 'log_call')).toBe(0);
    (await pacer.acquire('i1', undefined))();
    expect(pacer.readyIn('i1', 'log_call')).toBe(10_000);
    // Another instance counts apart.
    pacer.declare('i2', [SEARCH]);
    expect(pacer.readyIn('i2', 'find_contact')).toBe(0);
  });

  it('makes a request wait for room (fake timers), then sends it', async () => {
    vi.useFakeTimers({ now: 0 });
    const pacer = new RatePacer(Date.now);
    pacer.declare('i1', [{ requests: 2, perMs: 1000, operations: ['find_contact'] }]);
    const sent: number[] = [];
    const network: Fetch = async () => (sent.push(Date.now()), { status: 200, headers: { forEach: () => undefined }, text: async () => '{}' });
    const fetch = pacer.fetch('i1', network);
    const all = Promise.all([0, 1, 2, 3].map(() => fetch('http://crm/search', { method: 'POST', headers: {}, operation: 'find_contact' })));
    await vi.runAllTimersAsync();
    await all;
    expect(sent).toEqual([0, 0, 1000, 1000]);
  });

  it('holds a lookup\'s reserved place until its request takes it over, and gives it back when none does', async () => {
    const { pacer } = pacerAt();
    pacer.declare('i1', [{ requests: 1, perMs: 1000, operations: ['find_contact'] }]);
    const reservation = pacer.reserve('i1', 'find_contact');
    expect(pacer.readyIn('i1', 'find_contact')).toBe(1000);
    // The lookup's search takes the reserved place: it does not wait for itself.
    const done = await pacer.acquire('i1', 'find_contact');
    reservation.release();
    expect(pacer.readyIn('i1', 'find_contact')).toBe(1000);
    done();
    // A lookup answered without its search gives its place back.
    const { pacer: other } = pacerAt();
    other.declare('i1', [{ requests: 1, perMs: 1000, operations: ['find_contact'] }]);
    const unused = other.reserve('i1', 'find_contact');
    expect(other.readyIn('i1', 'find_contact')).toBe(1000);
    unused.release();
    expect(other.readyIn('i1', 'find_contact')).toBe(0);
  });

  it('keeps what a limit counted when the setup is saved again with it, and nothing for an instance without limits', async () => {
    const { pacer } = pacerAt();
    pacer.declare('i1', [ALL]);
    for (let i = 0; i < 10; i++) (await pacer.acquire('i1', 'log_call'))();
    pacer.declare('i1', [{ ...ALL }, SEARCH]);
    expect(pacer.readyIn('i1', 'log_call')).toBe(10_000);
    pacer.declare('i1', []);
    expect(pacer.readyIn('i1', 'log_call')).toBe(0);
  });
});
