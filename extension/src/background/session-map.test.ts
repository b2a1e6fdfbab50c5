import { storage } from '#imports';
import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type ForwardedEntry, ForwardedCalls, WRAP_UP_MS } from './call-forwarding.ts';
import { type KeptEntries, SessionMap } from './session-map.ts';

beforeEach(() => fakeBrowser.reset());

const kept: KeptEntries<number, string> = storage.defineItem('session:sessionMapTest', { fallback: [] });

describe('what the service worker keeps through a restart', () => {
  it('hands a worker started again what the last one kept, each change written in order, the last state last', async () => {
    const first = new SessionMap(kept);
    for (let i = 0; i < 20; i++) first.set(i % 3, `state ${i}`);
    first.delete(0);
    await first.written();
    const again = new SessionMap(kept);
    await again.ready;
    expect([...again.entries()]).toEqual([
      [1, 'state 19'],
      [2, 'state 17'],
    ]);
  });

  it('lets an entry set before the kept ones are read back win over its kept value, and keeps both', async () => {
    await kept.setValue([
      [1, 'kept'],
      [2, 'kept'],
    ]);
    const map = new SessionMap(kept);
    map.set(2, 'new');
    await map.ready;
    expect([map.get(1), map.get(2)]).toEqual(['kept', 'new']);
    await map.written();
    expect(new Map(await kept.getValue())).toEqual(
      new Map([
        [1, 'kept'],
        [2, 'new'],
      ]),
    );
  });

  it('keeps at most its limit, the first set going first', async () => {
    const map = new SessionMap(kept, 2);
    map.set(1, 'a');
    map.set(2, 'b');
    map.set(1, 'a again');
    map.set(3, 'c');
    await map.written();
    expect(await kept.getValue()).toEqual([
      [2, 'b'],
      [3, 'c'],
    ]);
  });

  it("runs a call's wrap-up window on after a restart, from when it first settled", async () => {
    const forwarded: KeptEntries<number, ForwardedEntry<string>> = storage.defineItem('session:forwardedTest', { fallback: [] });
    let now = 1_000_000;
    const before = new ForwardedCalls<number, string>(() => now, forwarded);
    before.set(5, 'tab 1');
    before.observe(5, { status: 'completed', crm_log: { state: 'logged', id: '43x1', url: null, error: null } });
    await before.written();
    now += WRAP_UP_MS - 1;
    const after = new ForwardedCalls<number, string>(() => now, forwarded);
    await after.ready;
    expect(after.get(5)).toBe('tab 1');
    now += 1;
    expect(after.get(5)).toBeUndefined();
    await after.written();
    expect(await forwarded.getValue()).toEqual([]);
  });
});
