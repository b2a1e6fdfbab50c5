import type { ButtonAt } from './layout-shift.ts';

/**
 * Values by what their buttons call and where the first one is, as numbers: a key made as a
 * string printed each position's two fractional lengths, three times per number in a
 * re-render's park and take-over (10,000 keys set, got and deleted: 13 ms in node against 3 ms
 * for maps by number; issue #12).
 */
export class PlaceMap<T> {
  private readonly byCalls = new Map<string, Map<number, Map<number, T>>>();

  get(calls: string, at: ButtonAt): T | undefined {
    return this.byCalls.get(calls)?.get(at.left)?.get(at.top);
  }

  set(calls: string, at: ButtonAt, value: T): void {
    let byLeft = this.byCalls.get(calls);
    if (!byLeft) {
      byLeft = new Map();
      this.byCalls.set(calls, byLeft);
    }
    let byTop = byLeft.get(at.left);
    if (!byTop) {
      byTop = new Map();
      byLeft.set(at.left, byTop);
    }
    byTop.set(at.top, value);
  }

  delete(calls: string, at: ButtonAt): void {
    this.byCalls.get(calls)?.get(at.left)?.delete(at.top);
  }

  clear(): void {
    this.byCalls.clear();
  }
}
