import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { CallRateLimit, callsPlacedByTab } from './call-rate-limit.ts';

beforeEach(() => fakeBrowser.reset());

describe('calls per tab, in a sliding window', () => {
  it('lets three calls a minute through from one tab, then says when the next one may go', async () => {
    let now = 1_000_000;
    const limit = new CallRateLimit(3, 60_000, () => now);
    expect([await limit.take(1), (now += 10_000, await limit.take(1)), (now += 10_000, await limit.take(1))]).toEqual([{ ok: true }, { ok: true }, { ok: true }]);
    now += 5_000;
    expect(await limit.take(1)).toEqual({ ok: false, reason: 'Too many calls from this tab: at most 3 in 60 s. Try again in 35 s.' });
    // Another tab has its own count.
    expect(await limit.take(2)).toEqual({ ok: true });
  });

  it('slides: a slot frees up exactly when the oldest call leaves the window, and refusals take none', async () => {
    let now = 0;
    const limit = new CallRateLimit(3, 60_000, () => now);
    for (const at of [0, 20_000, 40_000]) {
      now = at;
      expect((await limit.take(1)).ok).toBe(true);
    }
    now = 59_999;
    expect((await limit.take(1)).ok).toBe(false);
    now = 60_000;
    expect((await limit.take(1)).ok).toBe(true); // the call at 0 left the window
    expect((await limit.take(1)).ok).toBe(false); // 20 s, 40 s and 60 s are in it
    now = 80_000;
    expect((await limit.take(1)).ok).toBe(true);
  });
});

describe('the count survives the service worker', () => {
  it('a restarted worker (a new limiter over the same session storage) still refuses the tab', async () => {
    let now = 1_000_000;
    const before = new CallRateLimit(3, 60_000, () => now);
    for (let i = 0; i < 3; i++) expect(await (now += 1_000, before.take(7))).toEqual({ ok: true });
    // Chrome stops an idle worker after ~30 s: the page paces its next call past that.
    now += 31_000;
    const restarted = new CallRateLimit(3, 60_000, () => now);
    expect(await restarted.take(7)).toEqual({ ok: false, reason: 'Too many calls from this tab: at most 3 in 60 s. Try again in 27 s.' });
    expect(await restarted.take(8)).toEqual({ ok: true });
    // Tabs whose calls all left the window are dropped from storage, so it does not grow with every tab ever seen.
    now += 60_000;
    expect(await restarted.take(8)).toEqual({ ok: true });
    expect(await callsPlacedByTab.getValue()).toEqual({ 8: [now] });
  });

  it('counts calls that arrive at once one after another, so a burst gets no more than the limit', async () => {
    const limit = new CallRateLimit(3, 60_000, () => 1_000_000);
    const results = await Promise.all(Array.from({ length: 6 }, () => limit.take(7)));
    expect(results.filter((r) => r.ok)).toHaveLength(3);
  });
});
