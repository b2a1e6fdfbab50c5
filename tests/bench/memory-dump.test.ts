import { describe, expect, it } from 'vitest';
import { allocatorFigures, allocatorsOf, kindsOver, type MemoryDumpEvent, type ObjectKind, objectKinds } from './memory-dump.ts';

const bytes = (n: number) => ({ value: n.toString(16) });

/** A renderer's detailed dump as Chromium 150 writes it: sizes and counts in hex strings. */
const detailed: MemoryDumpEvent = {
  ph: 'v',
  pid: 7,
  args: {
    dumps: {
      allocators: {
        blink_gc: { attrs: { size: bytes(46 * 1024 * 1024), effective_size: bytes(12 * 1024 * 1024) } },
        'blink_gc/main/allocated_objects': { attrs: { size: bytes(33 * 1024 * 1024) } },
        malloc: { attrs: { size: bytes(2048) } },
        'cc/tile_memory': { attrs: { size: bytes(4096) } },
        'blink_objects/blink_gc/main/HTMLButtonElement (0x2c6)': { attrs: { size: bytes(10 * 1024), object_count: bytes(100) } },
        'blink_objects/blink_gc/main/blink::ComputedStyleBase::StyleSurroundData (0x1a)': { attrs: { size: bytes(3 * 1024), object_count: bytes(30) } },
        'blink_objects/blink_gc/main': { attrs: { size: bytes(33 * 1024 * 1024) } },
      },
    },
  },
};

describe('allocatorsOf', () => {
  it("takes the process's most detailed dump, not another process's nor a light one", () => {
    const light: MemoryDumpEvent = { ph: 'v', pid: 7, args: { dumps: { allocators: { malloc: { attrs: { size: bytes(1) } } } } } };
    const other: MemoryDumpEvent = { ph: 'v', pid: 8, args: { dumps: { allocators: { ...detailed.args?.dumps?.allocators, malloc: { attrs: { size: bytes(999 * 1024) } }, extra: {} } } } };
    expect(allocatorFigures(allocatorsOf([detailed, light, other, { ph: 'X', pid: 7 }], 7)).mallocKb).toBe(2);
  });
});

describe('allocatorFigures', () => {
  it("reads each allocator's own size in KiB, and 0 for one Chromium did not report", () => {
    expect(allocatorFigures(allocatorsOf([detailed], 7))).toEqual({ oilpanKb: 46 * 1024, oilpanLiveKb: 33 * 1024, mallocKb: 2, partitionAllocKb: 0, v8Kb: 0, tilesKb: 4 });
  });
});

describe('objectKinds', () => {
  it("reads Oilpan's live objects by kind, the type index and namespaces dropped", () => {
    expect(objectKinds(allocatorsOf([detailed], 7))).toEqual(
      new Map([
        ['HTMLButtonElement', { kb: 10, count: 100 }],
        ['ComputedStyleBase::StyleSurroundData', { kb: 3, count: 30 }],
      ]),
    );
  });
});

describe('kindsOver', () => {
  const kinds = (entries: Array<[string, number, number]>) => new Map<string, ObjectKind>(entries.map(([kind, kb, count]) => [kind, { kb, count }]));
  it("ranks kinds by the median over rounds of their growth over the same round's bare page, kinds the bare page lacks included", () => {
    const bare = [kinds([['Text', 100, 10]]), kinds([['Text', 300, 30]]), kinds([['Text', 100, 10]])];
    const runs = [kinds([['Text', 110, 11], ['HTMLButtonElement', 50, 5]]), kinds([['Text', 500, 50], ['HTMLButtonElement', 60, 6]]), kinds([['Text', 105, 11]])];
    expect(kindsOver(runs, bare, 2)).toEqual([
      { kind: 'HTMLButtonElement', kb: 50, count: 5 },
      { kind: 'Text', kb: 10, count: 1 },
    ]);
    expect(kindsOver(runs, bare, 1)).toHaveLength(1);
  });
});
