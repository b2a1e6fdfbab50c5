import { describe, expect, it, vi } from 'vitest';
import * as detection from '../../numbers/detect-numbers.ts';
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
    const cache = new DetectionCache('US', 100);
    const oldest = cache.numbersIn('+1 212 555 0100');
    for (let i = 0; i < 100; i++) cache.numbersIn(`+1 415 555 ${1000 + i}`);
    const newest = cache.numbersIn('+1 415 555 1099');
    expect(cache.numbersIn('+1 415 555 1099')).toBe(newest);
    expect(cache.numbersIn('+1 212 555 0100')).not.toBe(oldest);
  });

  it('keeps the texts of a 10,000-row list (up to 50,000 with digits): a re-render searches none again', () => {
    const cache = new DetectionCache('US');
    const texts = Array.from({ length: 50_000 }, (_, i) => `ORD-2024-${String(i).padStart(6, '0')}`);
    for (const text of texts) cache.numbersIn(text);
    const detect = vi.spyOn(detection, 'detectNumbers');
    for (const text of texts) cache.numbersIn(text);
    expect(detect).not.toHaveBeenCalled();
  });

  it('skips texts too long to search in one slice', () => {
    expect(new DetectionCache('US').numbersIn(`${'x'.repeat(10_000)} +1 415 555 0100`)).toEqual([]);
  });
});
