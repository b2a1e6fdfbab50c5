import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Fetch } from '@phone-connector/shared';
import type { CrmRateAnswer, CrmRateAsk } from '../store/index.ts';
import { rateWaits } from '../store/rows.ts';
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
    // Four answers read at 0, 100, 200, 300, so came before 1, 101, 201, 301: the fifth may go at 1001.
    expect(pacer.readyIn('i1', 'find_contact')).toBe(601);
    advance(600);
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
    advance(1000);
    expect(pacer.readyIn('i1', 'log_call')).toBe(1);
  });

  it('applies a limit to its operations only, and one without operations to every request, token steps included', async () => {
    const { pacer } = pacerAt();
    pacer.declare('i1', [SEARCH, { requests: 5, perMs: 10_000 }]);
    for (let i = 0; i < 4; i++) (await pacer.acquire('i1', 'find_contact'))();
    expect(pacer.readyIn('i1', 'find_contact')).toBeGreaterThan(0);
    expect(pacer.readyIn('i1', 'log_call')).toBe(0);
    (await pacer.acquire('i1', undefined))();
    expect(pacer.readyIn('i1', 'log_call')).toBe(10_001);
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
    expect(sent).toEqual([0, 0, 1001, 1001]);
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
    expect(pacer.readyIn('i1', 'log_call')).toBe(10_001);
    pacer.declare('i1', []);
    expect(pacer.readyIn('i1', 'log_call')).toBe(0);
  });

  it('counts the instances of one CRM account in the same windows, and each account apart', async () => {
    const { pacer } = pacerAt();
    pacer.declare('team-a', [SEARCH], 'token-1');
    pacer.declare('team-b', [SEARCH], 'token-1');
    pacer.declare('team-c', [SEARCH], 'token-2');
    for (let i = 0; i < 2; i++) (await pacer.acquire('team-a', 'find_contact'))();
    for (let i = 0; i < 2; i++) (await pacer.acquire('team-b', 'find_contact'))();
    expect(pacer.readyIn('team-a', 'find_contact')).toBe(1001);
    expect(pacer.readyIn('team-b', 'find_contact')).toBe(1001);
    expect(pacer.readyIn('team-c', 'find_contact')).toBe(0);
    // One instance set up anew (or removed) leaves the account's windows to the other.
    pacer.declare('team-a', []);
    expect(pacer.readyIn('team-b', 'find_contact')).toBe(1001);
    expect(pacer.readyIn('team-a', 'find_contact')).toBe(0);
  });

  it('keeps relays sharing a store to the limits together: a request waits there for the room another relay holds, and lookups see that wait', async () => {
    vi.useFakeTimers({ now: 0 });
    const places = memoryPlaces();
    const failed: unknown[] = [];
    const sent: number[] = [];
    const network: Fetch = async () => (sent.push(Date.now()), { status: 200, headers: { forEach: () => undefined }, text: async () => '{}' });
    const relays = [new RatePacer(Date.now), new RatePacer(Date.now)];
    const fetches = relays.map((pacer, n) => {
      pacer.share(places, `relay_${n}`, (error) => failed.push(error));
      pacer.declare(`i${n}`, [{ requests: 2, perMs: 1000, operations: ['find_contact'] }], 'token-1');
      return pacer.fetch(`i${n}`, network);
    });
    const all = Promise.all(fetches.flatMap((fetch) => [0, 1, 2, 3].map(() => fetch('http://crm/search', { method: 'POST', headers: {}, operation: 'find_contact' }))));
    await vi.advanceTimersByTimeAsync(0);
    // Two went, from whichever relay; the other relay's own windows are empty, yet its lookups wait for the store's.
    expect(sent).toEqual([0, 0]);
    expect(Math.min(...relays.map((pacer, n) => pacer.readyIn(`i${n}`, 'find_contact')))).toBe(1001);
    await vi.runAllTimersAsync();
    await all;
    // Alone, each relay would have sent two at 0 and two at 1001: four a second.
    expect(sent).toEqual([0, 0, 1001, 1001, 2002, 2002, 3003, 3003]);
    expect(places.rows.map((row) => row.relay).sort()).toEqual(['relay_0', 'relay_0', 'relay_0', 'relay_0', 'relay_1', 'relay_1', 'relay_1', 'relay_1']);
    expect(failed).toEqual([]);
  });

  it('says a shared place still runs every half window, then when it ended; a store out of reach leaves the request to this relay', async () => {
    vi.useFakeTimers({ now: 0 });
    const places = memoryPlaces();
    const failed: unknown[] = [];
    const pacer = new RatePacer(Date.now);
    pacer.share(places, 'relay_0', (error) => failed.push(error));
    pacer.declare('i1', [{ requests: 1, perMs: 1000 }], 'token-1');
    const done = await pacer.acquire('i1', 'log_call');
    await vi.advanceTimersByTimeAsync(1200);
    expect(places.rows[0]!.endedAt).toBe(1000);
    await vi.advanceTimersByTimeAsync(100);
    done();
    await vi.advanceTimersByTimeAsync(2000);
    expect(places.rows[0]!.endedAt).toBe(1301);
    places.takeCrmRatePlace = () => Promise.reject(new Error('database out of reach'));
    (await pacer.acquire('i1', 'log_call'))();
    expect(failed).toEqual([new Error('database out of reach')]);
  });
});

/** Shared windows of one account as a store keeps them (the stores themselves: store/contract.ts). */
function memoryPlaces() {
  const rows: Array<{ id: number; relay: string; operation: string | null; endedAt: number }> = [];
  return {
    rows,
    async takeCrmRatePlace(ask: CrmRateAsk): Promise<CrmRateAnswer> {
      const waits = rateWaits(rows, ask);
      if (waits.now > 0) return { place: null, readyIn: waits.now };
      rows.push({ id: rows.length + 1, relay: ask.relay, operation: ask.operation, endedAt: ask.runsUntil });
      return { place: rows.length, readyIn: waits.next };
    },
    async markCrmRatePlaces(ids: readonly number[], at: number, ended = false): Promise<void> {
      for (const row of rows) if (ids.includes(row.id)) row.endedAt = ended ? at : Math.max(row.endedAt, at);
    },
  };
}
