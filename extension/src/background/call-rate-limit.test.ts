import { describe, expect, it } from 'vitest';
import { CallRateLimit } from './call-rate-limit.ts';

describe('calls per tab, in a sliding window', () => {
  it('lets three calls a minute through from one tab, then says when the next one may go', () => {
    let now = 1_000_000;
    const limit = new CallRateLimit(3, 60_000, () => now);
    expect([limit.take(1), (now += 10_000, limit.take(1)), (now += 10_000, limit.take(1))]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    now += 5_000;
    expect(limit.take(1)).toEqual({ ok: false, reason: 'Too many calls from this tab: at most 3 in 60 s. Try again in 35 s.' });
    // Another tab has its own count.
    expect(limit.take(2)).toEqual({ ok: true });
  });

  it('slides: a slot frees up exactly when the oldest call leaves the window, and refusals take none', () => {
    let now = 0;
    const limit = new CallRateLimit(3, 60_000, () => now);
    for (const at of [0, 20_000, 40_000]) {
      now = at;
      expect(limit.take(1).ok).toBe(true);
    }
    now = 59_999;
    expect(limit.take(1).ok).toBe(false);
    now = 60_000;
    expect(limit.take(1).ok).toBe(true); // the call at 0 left the window
    expect(limit.take(1).ok).toBe(false); // 20 s, 40 s and 60 s are in it
    now = 80_000;
    expect(limit.take(1).ok).toBe(true);
  });
});
