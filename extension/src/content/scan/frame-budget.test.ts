import { describe, expect, it } from 'vitest';
import { FrameLedger } from './frame-budget.ts';

describe('FrameLedger', () => {
  it('counts our time once a frame of ours is asked for, until the pass closes it, and keeps that frame\'s total', () => {
    let now = 0;
    const ledger = new FrameLedger(() => now);
    const work = (ms: number) => ledger.count(() => (now += ms));
    // A reading slice with no frame asked for (a fill read through, nothing handed on): in no frame.
    work(10);
    expect(ledger.spentMs).toBe(0);
    // A slice that hands its buttons on asks for a frame: its own time is in it, and the next slices'.
    ledger.count(() => {
      now += 10;
      ledger.opened();
    });
    work(10);
    expect(ledger.spentMs).toBe(20);
    // The overlay's pass of 15 ms closes the frame: 35 ms of ours in it, none in the next yet.
    ledger.close(15);
    expect([ledger.spentMs, ledger.lastFrameMs]).toEqual([0, 35]);
    work(10);
    expect(ledger.spentMs).toBe(0);
  });

  it('counts the time of work that throws', () => {
    let now = 0;
    const ledger = new FrameLedger(() => now);
    ledger.opened();
    expect(() =>
      ledger.count(() => {
        now += 7;
        throw new Error('a slice failed');
      }),
    ).toThrow();
    expect(ledger.spentMs).toBe(7);
  });
});
