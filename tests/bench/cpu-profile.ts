/**
 * Where a process spent its CPU, from the profile `node --cpu-prof` writes: self time (the time
 * a function ran its own code, not its callees') summed by where the code lives, so that the
 * bench's report can say what the relay's time goes to.
 */

/** The parts of V8's `.cpuprofile` JSON read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber?: number }; children?: number[] }>;
  /** Microseconds, on the clock of `process.hrtime()` (both are the system's monotonic clock). */
  startTime?: number;
  samples: number[];
  timeDeltas: number[];
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
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  const runsThrough = (id: number) => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) if (nodes.get(at)?.callFrame.functionName === from) return true;
    return false;
  };
  const first = profile.samples.findIndex(runsThrough);
  if (first < 0) throw new Error(`no sample of the profile runs through ${from}`);
  const byArea = new Map<string, number>();
  let busy = 0;
  for (let i = first; i < profile.samples.length; i++) {
    const frame = nodes.get(profile.samples[i]!)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const time = profile.timeDeltas[i] ?? 0;
    const area = areaOf(frame);
    byArea.set(area, (byArea.get(area) ?? 0) + time);
    busy += time;
  }
  return [...byArea]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([area, time]) => ({ area, percent: Number(((100 * time) / busy).toFixed(1)) }));
}

/** A stretch of the profile, in microseconds of the monotonic clock (`process.hrtime.bigint() / 1000n`). */
export interface ProfileWindow {
  fromUs: number;
  toUs: number;
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
  if (profile.startTime === undefined) throw new Error('the profile has no start time to place a window in');
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const byFunction = new Map<string, number>();
  let busy = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const time = profile.timeDeltas[i] ?? 0;
    at += time;
    if (at < window.fromUs || at > window.toUs) continue;
    const frame = nodes.get(profile.samples[i]!)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const name = functionNameOf(frame);
    byFunction.set(name, (byFunction.get(name) ?? 0) + time);
    busy += time;
  }
  if (busy === 0) throw new Error('no busy sample of the profile falls in the window');
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => ({ name, percent: Number(((100 * time) / busy).toFixed(1)) }));
}

function functionNameOf(frame: { functionName: string; url: string; lineNumber?: number }): string {
  if (frame.url === '') return frame.functionName;
  const ours = /\/((?:relay-server|shared)\/src\/.+)$/.exec(frame.url)?.[1];
  const where = ours ?? (areaOf(frame) === frame.url ? frame.url : `${areaOf(frame)}/${frame.url.split('/').pop()}`);
  // V8's line numbers count from 0.
  return `${frame.functionName || '(anonymous)'} ${where}:${(frame.lineNumber ?? -1) + 1}`;
}

function areaOf(frame: { functionName: string; url: string }): string {
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
