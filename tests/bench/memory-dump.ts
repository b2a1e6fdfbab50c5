/**
 * A renderer's memory by Chromium's own accounts (memory-infra): one detailed dump requested
 * through CDP's tracing, read per allocator (Oilpan's heap, malloc, PartitionAlloc, V8, the
 * compositor's tiles) and per kind of Oilpan object (HTMLButtonElement, ShadowRoot, a layout
 * object's kind…), where the resident memory alone tells no cause (issue #12).
 */
import type { CDPSession } from 'playwright-core';
import { stopTracing } from './chromium-trace.ts';
import { median } from './relay-crm.ts';

interface AllocatorDump {
  attrs?: Record<string, { value: string }>;
}
/** A trace's memory dump of one process (phase `v`). */
export interface MemoryDumpEvent {
  ph: string;
  pid: number;
  args?: { dumps?: { allocators?: Record<string, AllocatorDump> } };
}

/** The allocators reported, by the name the probe prints: Oilpan's heap (DOM, styles, layout objects) and what is live in it, malloc, PartitionAlloc, V8, the tiles. */
export const ALLOCATORS = {
  oilpanKb: 'blink_gc',
  oilpanLiveKb: 'blink_gc/main/allocated_objects',
  mallocKb: 'malloc',
  partitionAllocKb: 'partition_alloc',
  v8Kb: 'v8',
  tilesKb: 'cc/tile_memory',
} as const;
export type AllocatorFigures = Record<keyof typeof ALLOCATORS, number>;

/** Oilpan's live objects of one kind. */
export interface ObjectKind {
  kb: number;
  count: number;
}

const OBJECT_KIND = /^blink_objects\/blink_gc\/main\/(.+) \(0x[0-9a-f]+\)$/;

/** A kind's class name as read: namespaces dropped (Chromium's template names run to hundreds of characters). */
const kindName = (name: string) => name.replace(/\b(blink|cppgc|internal|std|v8)::/g, '');

const scalar = (dump: AllocatorDump | undefined, attr: string) => (dump?.attrs?.[attr] ? Number.parseInt(dump.attrs[attr].value, 16) : 0);

/** `pid`'s allocators in the trace: its most detailed dump (a trace holds light ones of every process too). */
export function allocatorsOf(events: readonly MemoryDumpEvent[], pid: number): Record<string, AllocatorDump> {
  let found: Record<string, AllocatorDump> = {};
  for (const event of events) {
    const allocators = event.ph === 'v' && event.pid === pid ? event.args?.dumps?.allocators : undefined;
    if (allocators && Object.keys(allocators).length > Object.keys(found).length) found = allocators;
  }
  return found;
}

/** Each allocator's size in KiB (its own, children included; 0 where Chromium reports none). */
export function allocatorFigures(allocators: Record<string, AllocatorDump>): AllocatorFigures {
  return Object.fromEntries(Object.entries(ALLOCATORS).map(([name, path]) => [name, Math.round(scalar(allocators[path], 'size') / 1024)])) as AllocatorFigures;
}

/** Oilpan's live objects by kind (the class name, its type index dropped). */
export function objectKinds(allocators: Record<string, AllocatorDump>): Map<string, ObjectKind> {
  const kinds = new Map<string, ObjectKind>();
  for (const [path, dump] of Object.entries(allocators)) {
    const kind = OBJECT_KIND.exec(path)?.[1];
    if (kind) kinds.set(kindName(kind), { kb: scalar(dump, 'size') / 1024, count: scalar(dump, 'object_count') });
  }
  return kinds;
}

/** One detailed memory dump of every process of the browser, as trace events. */
export async function dumpMemory(cdp: CDPSession): Promise<MemoryDumpEvent[]> {
  await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: ['disabled-by-default-memory-infra'] } });
  const { success } = await cdp.send('Tracing.requestMemoryDump', { deterministic: true, levelOfDetail: 'detailed' });
  const events = (await stopTracing(cdp)) as unknown as MemoryDumpEvent[];
  if (!success) throw new Error('Chromium did not dump its memory');
  return events;
}

/** The kinds that grew most over the bare page's of the same round: per kind, the median over rounds of the difference, largest `top` first. */
export function kindsOver(runs: ReadonlyArray<Map<string, ObjectKind>>, bare: ReadonlyArray<Map<string, ObjectKind>>, top: number): Array<ObjectKind & { kind: string }> {
  const kinds = new Set(runs.flatMap((run) => [...run.keys()]));
  const over = [...kinds].map((kind) => {
    const differences = runs.map((run, round) => ({ kb: (run.get(kind)?.kb ?? 0) - (bare[round]?.get(kind)?.kb ?? 0), count: (run.get(kind)?.count ?? 0) - (bare[round]?.get(kind)?.count ?? 0) }));
    return { kind, kb: median(differences.map((one) => one.kb)), count: median(differences.map((one) => one.count)) };
  });
  return over.sort((x, y) => y.kb - x.kb).slice(0, top);
}
