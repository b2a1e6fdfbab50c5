import { describe, expect, it } from 'vitest';
import { costPerSocket, type ProcessMemory } from './idle-memory.ts';

describe('costPerSocket', () => {
  it("splits what each socket added into the live heap, external memory and the rest of resident memory, the heap's kept room left out", () => {
    const before: ProcessMemory = { rssKb: 100_000, heapUsedKb: 20_000, heapResidentKb: 30_000, externalKb: 1_000 };
    // 1,000 sockets: 3,000 KB more live heap in 2,000 KB more resident heap (V8 gave room back), 200 KB more external, 500 KB more native.
    const after: ProcessMemory = { rssKb: 102_700, heapUsedKb: 23_000, heapResidentKb: 32_000, externalKb: 1_200 };
    expect(costPerSocket(before, after, 1000)).toEqual({ heapKb: 3, externalKb: 0.2, nativeKb: 0.5 });
  });
});
