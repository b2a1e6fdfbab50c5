import { describe, expect, it } from 'vitest';
import { RoundTripFloor } from './round-trip-floor.ts';

describe('the shortest recent round trip to PostgreSQL', () => {
  it('counts as near (0) until its first span is complete, then is the shortest of it', () => {
    const floor = new RoundTripFloor(3);
    floor.observe(9);
    floor.observe(7);
    expect(floor.ms).toBe(0);
    floor.observe(8);
    expect(floor.ms).toBe(7);
  });

  it('keeps a short round trip for the rest of its span and the next: long ones from a busy machine do not hide it', () => {
    const floor = new RoundTripFloor(3);
    for (const ms of [6, 6, 6, 0.4, 30, 30]) floor.observe(ms);
    expect(floor.ms).toBe(0.4);
    floor.observe(25);
    expect(floor.ms).toBe(0.4);
    // Two spans on, it is forgotten: the database came no nearer than 12 ms since.
    for (const ms of [40, 12]) floor.observe(ms);
    expect(floor.ms).toBe(12);
  });
});
