import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { benchHeapSettled } from './bench-heap.ts';

describe('benchHeapSettled', () => {
  it('runs a scavenge of this process at once', async () => {
    const seen: PerformanceEntry[] = [];
    const observer = new PerformanceObserver((list) => seen.push(...list.getEntries()));
    observer.observe({ entryTypes: ['gc'] });
    const before = performance.now();
    benchHeapSettled();
    const after = performance.now();
    // Entries are reported after the fact: wait for the one that started within the call.
    const within = () => seen.filter((e) => (e as unknown as { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MINOR && e.startTime >= before && e.startTime <= after);
    while (within().length === 0) await new Promise((resolve) => setImmediate(resolve));
    observer.disconnect();
    expect(within()).toHaveLength(1);
  });
});
