/**
 * What idle connected sockets cost a server process (issue 13), read through the process's
 * inspector after a full collection: the heap it retains, the memory outside the heap that V8
 * knows of (ws's and Node's buffers: `external`), and the rest of its resident memory (Node's and
 * libuv's per-connection structures, malloc's room). Resident memory read before and after the
 * sockets connected moved from 0.0 to 7.3 KB a socket between runs: it counts the room V8 keeps
 * for the handshakes' garbage, collected or not, and what V8 gives back meanwhile.
 */
import { InspectorClient, inspectorUrlOf } from './heap-sampling.ts';
import { until } from './relay.ts';

/**
 * The node flag that lets `openInspector` open a process's inspector when the bench asks, on a
 * port of its own (SIGUSR1 alone opens 9229, which another process may hold): until then the
 * process runs as it would without it.
 */
export const INSPECTOR_ON_SIGNAL = '--inspect-port=127.0.0.1:0';

/** Opens the inspector of a process started with `INSPECTOR_ON_SIGNAL`, whose output lines (stderr's among them) are `output`, and connects to it. */
export async function openInspector(pid: number, output: readonly string[]): Promise<InspectorClient> {
  process.kill(pid, 'SIGUSR1');
  let url: string | undefined;
  if (!(await until(() => (url = inspectorUrlOf(output)) !== undefined, 10_000))) throw new Error(`process ${pid} opened no inspector within 10 s`);
  return InspectorClient.connect(url!);
}

/** A process's inspector, opened (`openInspector`) the first time it is asked for; `close` disconnects from it, if open. */
export function inspectorOnRequest(pid: number, output: readonly string[]): { open(): Promise<InspectorClient>; close(): void } {
  let client: Promise<InspectorClient> | undefined;
  return {
    open: () => (client ??= openInspector(pid, output)),
    close: () => void client?.then((inspector) => inspector.close(), () => undefined),
  };
}

/** A process's memory right after a full collection, in KB. */
export interface ProcessMemory {
  rssKb: number;
  /** What the heap's live objects take. */
  heapUsedKb: number;
  /** What of the heap is resident: used or kept room. */
  heapResidentKb: number;
  /** Memory outside the heap that V8 accounts for: ArrayBuffers' contents (Node's and ws's buffers) and other external strings and data. */
  externalKb: number;
}

/** Evaluated in the process: `process.memoryUsage()` and V8's physical heap size, as one JSON string. */
const MEMORY_EXPRESSION = `JSON.stringify({ ...process.memoryUsage(), heapResident: process.getBuiltinModule('node:v8').getHeapStatistics().total_physical_size })`;

/** How far two readings of the live heap may be apart for the process to count as settled: 16 bytes a socket of 1,000. */
const SETTLED_KB = 16;

/**
 * The process's memory once two readings in a row, each after a full collection, agree on the live
 * heap within `SETTLED_KB`. One collection was not enough: after 2,000 sockets closed, the next
 * three each found 0.1 to 8 MB less live (sockets the server was still closing, native handles whose
 * JS objects go only after a collection more), and the relay's live heap moved between two levels
 * 250 KB apart from one reading to the next now and then.
 */
export async function settledMemory(inspector: InspectorClient): Promise<ProcessMemory> {
  let last = await memoryAfterFullGc(inspector);
  let settled = false;
  await until(async () => {
    const now = await memoryAfterFullGc(inspector);
    settled = Math.abs(now.heapUsedKb - last.heapUsedKb) <= SETTLED_KB;
    last = now;
    return settled;
  }, 30_000);
  if (!settled) throw new Error(`the live heap did not settle within 30 s: no two readings in a row within ${SETTLED_KB} KB (the last ${last.heapUsedKb.toFixed(0)} KB)`);
  return last;
}

/** Collects the garbage (V8's full, memory-reducing collection, as the inspector asks it) and reads the process's memory. */
async function memoryAfterFullGc(inspector: InspectorClient): Promise<ProcessMemory> {
  await inspector.post('HeapProfiler.collectGarbage');
  const { result } = await inspector.post<{ result: { value: string } }>('Runtime.evaluate', { expression: MEMORY_EXPRESSION, returnByValue: true });
  const usage = JSON.parse(result.value) as { rss: number; heapUsed: number; heapResident: number; external: number };
  const kb = (bytes: number) => bytes / 1024;
  return { rssKb: kb(usage.rss), heapUsedKb: kb(usage.heapUsed), heapResidentKb: kb(usage.heapResident), externalKb: kb(usage.external) };
}

/** What one socket costs, in KB, by where it is kept. */
export interface SocketCost {
  /** The heap's live objects. */
  heapKb: number;
  externalKb: number;
  /**
   * Resident memory that is neither the heap nor external: the process's native side. It moves by
   * steps of some 2.5 MB between readings, the forwarder's too (malloc giving room back or taking
   * it, presumably), whatever the sockets: 2.5 KB a socket of 1,000, either way.
   */
  nativeKb: number;
}

/** Resident memory that is neither the heap nor external. */
function nativeKb(memory: ProcessMemory): number {
  return memory.rssKb - memory.heapResidentKb - memory.externalKb;
}

/** What each of `sockets` more sockets added between two readings. */
export function costPerSocket(before: ProcessMemory, after: ProcessMemory, sockets: number): SocketCost {
  const per = (from: number, to: number) => Number(((to - from) / sockets).toFixed(2));
  return { heapKb: per(before.heapUsedKb, after.heapUsedKb), externalKb: per(before.externalKb, after.externalKb), nativeKb: per(nativeKb(before), nativeKb(after)) };
}
