/**
 * Where a process spent its CPU, from a V8 CPU profile (`node --cpu-prof`, or Chromium's sampling
 * profiler over CDP): self time (the time a function ran its own code, not its callees') summed
 * under a key the caller picks (function, package or folder, entry point, category), so that the
 * bench's reports and profile tools can say what the time goes to.
 */

/** A frame of a profile's stacks. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber?: number;
}

/** The parts of V8's `.cpuprofile` JSON read here. */
export interface CpuProfile {
  /** `positionTicks`: a node's samples by the line they were taken at (1-based; Chromium's profiler gives them). */
  nodes: Array<{ id: number; callFrame: CallFrame; children?: number[]; positionTicks?: Array<{ line: number; ticks: number }> }>;
  /** Microseconds, on the clock of `process.hrtime()` (both are the system's monotonic clock). */
  startTime?: number;
  samples: number[];
  timeDeltas: number[];
}

/** A sample's stack: the running frame first, then its callers up to the root. */
export type Stack = readonly [CallFrame, ...CallFrame[]];

/** How the samples of a profile are summed. */
export interface SelfTimeTally {
  /** The key a sample's time is summed under. */
  key: (stack: Stack) => string;
  /** Which samples are summed by key; the others count as busy only. Every sample when left out. */
  ours?: (stack: Stack) => boolean;
  /** From the first sample whose stack runs through a function of this name (the work under test; start-up before it left out). */
  from?: string;
  /** Only the samples stamped within this stretch. */
  window?: ProfileWindow;
  /**
   * Each sample stands for the time until the next one (as DevTools' timeline draws it) rather
   * than since the one before (V8's `timeDeltas`). On a loaded machine the sampler's gaps make
   * the two disagree: a short Chromium profile gave `setInterval` 3 ms one way and 20 ms the
   * other. Compare figures of one convention only.
   */
  untilNextSample?: boolean;
}

export interface SelfTimes {
  /** Microseconds by key, of the samples that are ours. */
  byKey: Map<string, number>;
  /** Microseconds of every busy sample counted (idle left out), ours or not. */
  busyUs: number;
  /** Microseconds of the samples that are ours: the sum of `byKey`. */
  oursUs: number;
}

/** Self time of the busy samples (idle left out), summed by `tally.key`. */
export function sumSelfTime(profile: CpuProfile, tally: SelfTimeTally): SelfTimes {
  const stackOf = stacksOf(profile);
  let first = 0;
  if (tally.from !== undefined) {
    const from = tally.from;
    first = profile.samples.findIndex((id) => stackOf(id)?.some((frame) => frame.functionName === from));
    if (first < 0) throw new Error(`no sample of the profile runs through ${from}`);
  }
  if (tally.window && profile.startTime === undefined) throw new Error('the profile has no start time to place a window in');
  const byKey = new Map<string, number>();
  let busyUs = 0;
  let oursUs = 0;
  let at = profile.startTime ?? 0;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const time = profile.timeDeltas[tally.untilNextSample ? i + 1 : i] ?? 0;
    if (i < first || (tally.window && (at < tally.window.fromUs || at > tally.window.toUs))) continue;
    const stack = stackOf(profile.samples[i]!);
    if (!stack || stack[0].functionName === '(idle)') continue;
    busyUs += time;
    if (tally.ours && !tally.ours(stack)) continue;
    oursUs += time;
    const key = tally.key(stack);
    byKey.set(key, (byKey.get(key) ?? 0) + time);
  }
  return { byKey, busyUs, oursUs };
}

/** The largest `top` entries of `values`, largest first. */
export function largestFirst(values: Map<string, number>, top: number): Array<[string, number]> {
  return [...values].sort((a, b) => b[1] - a[1]).slice(0, top);
}

/** Each node's stack, built once per node: a profile has far fewer nodes than samples. */
function stacksOf(profile: CpuProfile): (id: number) => Stack | undefined {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const stacks = new Map<number, Stack>();
  const stackOf = (id: number): Stack | undefined => {
    const known = stacks.get(id);
    if (known) return known;
    const node = nodes.get(id);
    if (!node) return undefined;
    const parent = parents.get(id);
    const stack: Stack = [node.callFrame, ...(parent === undefined ? [] : (stackOf(parent) ?? []))];
    stacks.set(id, stack);
    return stack;
  };
  return stackOf;
}

export interface SelfTime {
  /** A package (`better-sqlite3`), a folder of ours (`relay-server/src/store`), Node's own code (`node:net`) or V8's (`(garbage collector)`, a native like `writev`). */
  area: string;
  /** Share of the busy samples (idle left out), 0 to 100. */
  percent: number;
}

/**
 * Self time by area, largest first, counted from the first sample whose stack runs through a
 * function named `from` (the work under test; start-up before it left out).
 */
export function selfTimeByArea(profile: CpuProfile, from: string, top = 12): SelfTime[] {
  const { byKey, busyUs } = sumSelfTime(profile, { key: ([running]) => areaOf(running), from });
  return largestFirst(byKey, top).map(([area, time]) => ({ area, percent: percentOf(time, busyUs) }));
}

/** A stretch of the profile, in microseconds of the monotonic clock (`process.hrtime.bigint() / 1000n`). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
}

/**
 * The node flags that write a process's CPU profile into `dir`, sampled every `intervalUs` (V8's
 * default, 1,000, when left out). At 1 ms a phase of 2,000 new calls is some 400 busy samples of
 * the relay, and one function read 2.9 and 4.3 % of the new calls in two profiles (issue 13):
 * every 100 µs, ten times as many, for more of the profiler's own CPU.
 */
export function cpuProfileArgs(dir: string, intervalUs?: number): string[] {
  return ['--cpu-prof', `--cpu-prof-dir=${dir}`, ...(intervalUs === undefined ? [] : [`--cpu-prof-interval=${intervalUs}`])];
}

/** The clock V8's CPU profiles are stamped with (the system's monotonic clock, in microseconds). */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

export interface FunctionSelfTime {
  /** The function's name, where it lives (area and file) and its line: `mapWebhook shared/src/runtime/webhook.ts:40`. */
  name: string;
  percent: number;
}

/**
 * Self time by function within `window`, largest first: where a package's share (above) comes
 * from, one function at a time, so that a phase of the load (new calls, updates) can be read apart.
 */
export function selfTimeByFunction(profile: CpuProfile, window: ProfileWindow, top = 25): FunctionSelfTime[] {
  const { byKey, busyUs } = sumSelfTime(profile, { key: ([running]) => functionNameOf(running), window });
  if (busyUs === 0) throw new Error('no busy sample of the profile falls in the window');
  return largestFirst(byKey, top).map(([name, time]) => ({ name, percent: percentOf(time, busyUs) }));
}

function percentOf(time: number, busyUs: number): number {
  return Number(((100 * time) / busyUs).toFixed(1));
}

function functionNameOf(frame: CallFrame): string {
  if (frame.url === '') return frame.functionName;
  const ours = /\/((?:relay-server|shared)\/src\/.+)$/.exec(frame.url)?.[1];
  const where = ours ?? (areaOf(frame) === frame.url ? frame.url : `${areaOf(frame)}/${frame.url.split('/').pop()}`);
  // V8's line numbers count from 0.
  return `${frame.functionName || '(anonymous)'} ${where}:${(frame.lineNumber ?? -1) + 1}`;
}

function areaOf(frame: CallFrame): string {
  const { url } = frame;
  if (url === '') return frame.functionName;
  if (url.startsWith('node:')) return `node:${url.slice('node:'.length).replace(/^internal\//, '').replace(/^deps\//, '').split('/')[0]}`;
  const inPackage = url.lastIndexOf('/node_modules/');
  if (inPackage >= 0) {
    const [scope, name] = url.slice(inPackage + '/node_modules/'.length).split('/');
    return scope!.startsWith('@') ? `${scope}/${name}` : scope!;
  }
  return /\/((?:relay-server|shared)\/src\/[^/]+?)(?:\.ts)?(?:\/|$)/.exec(url)?.[1] ?? url;
}
