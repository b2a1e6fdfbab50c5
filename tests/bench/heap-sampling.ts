/**
 * What a process allocated and where, from V8's sampling heap profiler keeping the objects the
 * collector took too (`HeapProfiler.startSampling` with `includeObjectsCollectedBy*GC`): its
 * garbage by the function that allocated it and by the project file on its stack (issue 10).
 * For this process (node:inspector, crm-lookup-heap.ts) or another one through its inspector
 * (`node --inspect=0`, the relay under the throughput bench's phases: crm-load.ts `--heap`).
 */
import WebSocket from 'ws';

/** A node of V8's sampling heap profile. */
export interface SamplingNode {
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  selfSize: number;
  children: SamplingNode[];
}

/** The options of `HeapProfiler.startSampling` that keep what the collector took. */
export function samplingOptions(samplingInterval: number): Record<string, unknown> {
  return { samplingInterval, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true };
}

/** The inspector's WebSocket URL that `node --inspect=0` printed (`Debugger listening on ws://…`), among a process's output lines. */
export function inspectorUrlOf(output: readonly string[]): string | undefined {
  for (const line of output) {
    const url = /Debugger listening on (ws:\/\/\S+)/.exec(line)?.[1];
    if (url) return url;
  }
  return undefined;
}

/** A CDP connection to another process's inspector: one command at a time is all the probes need, but ids keep answers apart. */
export class InspectorClient {
  private nextId = 1;
  private readonly answers = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const message = JSON.parse(String(data)) as { id?: number; result?: unknown; error?: { message: string } };
      if (message.id === undefined) return;
      const answer = this.answers.get(message.id);
      this.answers.delete(message.id);
      if (message.error) answer?.reject(new Error(message.error.message));
      else answer?.resolve(message.result);
    });
    ws.on('close', () => {
      for (const answer of this.answers.values()) answer.reject(new Error('the inspector closed'));
      this.answers.clear();
    });
  }

  static connect(url: string): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      // A heap profile of a long phase is megabytes of JSON: ws's default limit (100 MiB) is room enough.
      const ws = new WebSocket(url);
      ws.once('open', () => resolve(new InspectorClient(ws)));
      ws.once('error', reject);
    });
  }

  post<T = unknown>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.answers.set(id, { resolve: resolve as (result: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  close(): void {
    this.ws.close();
  }
}

/** Bytes sampled per unit (a caller, a webhook) summed three ways. */
export interface AllocationSplit {
  total: number;
  /** By the function that allocated. */
  self: Map<string, number>;
  /** By the function that allocated and its caller. */
  chain: Map<string, number>;
  /** By the innermost project file on the stack (the project's code that asked, when Node's or a package's code allocated). */
  innerFile: Map<string, number>;
  /** By the outermost project file on the stack (the entry the work came through). */
  outerFile: Map<string, number>;
  /** By the outermost function on the stack that `under` picks. */
  under: Map<string, number>;
}

/** The project's source files: relay-server/src, shared/src. */
const PROJECT_FILE = /\/((?:relay-server|shared)\/src\/[^:]+)$/;

/** Sums a sampling heap profile per unit; `under` picks the functions the `under` split is keyed by (the outermost on the stack). */
export function allocationSplit(root: SamplingNode, units: number, under: (frame: SamplingNode['callFrame']) => boolean = () => false): AllocationSplit {
  const split: AllocationSplit = { total: 0, self: new Map(), chain: new Map(), innerFile: new Map(), outerFile: new Map(), under: new Map() };
  const add = (map: Map<string, number>, key: string, size: number) => map.set(key, (map.get(key) ?? 0) + size);
  const walk = (node: SamplingNode, caller: string, outer: { file?: string; under?: string }, inner: string | undefined) => {
    const name = frameName(node.callFrame);
    const file = PROJECT_FILE.exec(node.callFrame.url)?.[1];
    const here = { file: outer.file ?? file, under: outer.under ?? (under(node.callFrame) ? name : undefined) };
    const innermost = file ?? inner;
    if (node.selfSize > 0) {
      const size = node.selfSize / units;
      split.total += size;
      add(split.self, name, size);
      add(split.chain, `${name} < ${caller}`, size);
      add(split.innerFile, innermost ?? '(no project file on the stack)', size);
      add(split.outerFile, here.file ?? '(no project file on the stack)', size);
      add(split.under, here.under ?? '(none on the stack)', size);
    }
    for (const child of node.children) walk(child, name, here, innermost);
  };
  walk(root, '(root)', {}, undefined);
  return split;
}

export function frameName(frame: SamplingNode['callFrame']): string {
  const where = /\/((?:relay-server|shared|node_modules\/\.pnpm\/[^/]+\/node_modules)\/.+)$/.exec(frame.url)?.[1] ?? frame.url.split('/').pop();
  return where ? `${frame.functionName || '(anonymous)'} ${where}:${frame.lineNumber + 1}:${frame.columnNumber + 1}` : frame.functionName || '(root)';
}

/** The largest `rows` entries, in KB. */
export function allocationTable(map: Map<string, number>, rows: number): string {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, rows)
    .map(([name, bytes]) => `  ${(bytes / 1024).toFixed(2).padStart(7)} KB ${name}`)
    .join('\n');
}
