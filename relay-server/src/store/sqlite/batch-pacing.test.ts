import { describe, expect, it } from 'vitest';
import { MeasuredPacing } from './batch-pacing.ts';

describe('MeasuredPacing', () => {
  it("finds a batch longer than a sync from the transactions' and the syncs' recent times", () => {
    const pacing = new MeasuredPacing();
    for (let i = 0; i < 200; i++) {
      pacing.batchRan(1, 10);
      pacing.synced(0.3);
    }
    // 0.1 ms a transaction against 0.3 ms a sync.
    expect(pacing.outlastsSync(2)).toBe(false);
    expect(pacing.outlastsSync(4)).toBe(true);
    // The disk slows down (other processes sync too): the same batch no longer outlasts its sync.
    for (let i = 0; i < 200; i++) pacing.synced(5);
    expect(pacing.outlastsSync(16)).toBe(false);
    expect(pacing.outlastsSync(60)).toBe(true);
  });
});
