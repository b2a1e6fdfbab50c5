import { describe, expect, it } from 'vitest';
import { ForwardedCalls, WRAP_UP_MS } from './call-forwarding.ts';

const LOGGED = { status: 'completed' as const, crm_log: { state: 'logged' as const, id: '43x1', url: null, error: null } };
const FAILED = { status: 'completed' as const, crm_log: { state: 'failed' as const, id: '43x1', url: null, error: 'HTTP 400' } };
const RINGING = { status: 'ringing' as const, crm_log: null };

function clocked() {
  let now = 1_000_000;
  return { calls: new ForwardedCalls<number, string>(() => now), advance: (ms: number) => (now += ms) };
}

describe('the calls the background forwards to a tab', () => {
  it('keeps a settled call for the wrap-up window, so a later update (a recording) still reaches its popup', () => {
    const { calls, advance } = clocked();
    calls.set(5, 'tab 1');
    calls.observe(5, RINGING);
    calls.observe(5, LOGGED);
    advance(WRAP_UP_MS - 1);
    expect(calls.get(5)).toBe('tab 1');
    // Another settled event inside the window does not stretch it.
    calls.observe(5, LOGGED);
    advance(1);
    expect(calls.get(5)).toBeUndefined();
  });

  it('never forgets a call that is live or whose log is not settled, however long it lasts', () => {
    const { calls, advance } = clocked();
    calls.set(5, 'tab 1');
    calls.observe(5, RINGING);
    advance(3 * WRAP_UP_MS);
    expect(calls.get(5)).toBe('tab 1');
    calls.observe(5, FAILED);
    advance(3 * WRAP_UP_MS);
    expect(calls.get(5)).toBe('tab 1');
  });

  it('starts the window over when an update unsettles the call (the log failed after it was logged)', () => {
    const { calls, advance } = clocked();
    calls.set(5, 'tab 1');
    calls.observe(5, LOGGED);
    advance(WRAP_UP_MS - 10);
    calls.observe(5, FAILED);
    advance(WRAP_UP_MS);
    expect(calls.get(5)).toBe('tab 1');
    calls.observe(5, LOGGED);
    advance(WRAP_UP_MS);
    expect(calls.get(5)).toBeUndefined();
  });

  it('forgets each call whose window passed, and ignores events of calls it does not forward', () => {
    const { calls, advance } = clocked();
    calls.set(5, 'tab 1');
    calls.set(6, 'tab 2');
    calls.observe(5, LOGGED);
    calls.observe(7, LOGGED);
    advance(WRAP_UP_MS);
    expect([calls.get(6), calls.get(5), calls.get(7)]).toEqual(['tab 2', undefined, undefined]);
  });
});
