import { describe, expect, it } from 'vitest';
import { DetectionCache } from './detection-cache.ts';

describe('DetectionCache', () => {
  it('finds the numbers of a text as detectNumbers does, in its country', () => {
    expect(new DetectionCache('US').numbersIn('Call 415-555-0100 or 020 7946 0018').map((n) => n.e164)).toEqual(['+14155550100']);
    expect(new DetectionCache('GB').numbersIn('Call 415-555-0100 or 020 7946 0018').map((n) => n.e164)).toEqual(['+442079460018']);
    expect(new DetectionCache('US').numbersIn('ORD-2024-000123 on 2024-05-01')).toEqual([]);
  });

  it('searches a text once, however often the page shows it', () => {
    const cache = new DetectionCache('US');
    const first = cache.numbersIn('+1 415 555 0100');
    expect(first).toHaveLength(1);
    // The same result object: no second search.
    expect(cache.numbersIn('+1 415 555 0100')).toBe(first);
  });

  it('forgets the oldest texts past its capacity, not the newest', () => {
    const cache = new DetectionCache('US');
    const oldest = cache.numbersIn('+1 212 555 0100');
    for (let i = 0; i < 20_000; i++) cache.numbersIn(`id ${1_000_000 + i}`);
    const newest = cache.numbersIn(`id ${1_000_000 + 19_999}`);
    expect(cache.numbersIn(`id ${1_000_000 + 19_999}`)).toBe(newest);
    expect(cache.numbersIn('+1 212 555 0100')).not.toBe(oldest);
  });

  it('skips texts too long to search in one slice', () => {
    expect(new DetectionCache('US').numbersIn(`${'x'.repeat(10_000)} +1 415 555 0100`)).toEqual([]);
  });
});
