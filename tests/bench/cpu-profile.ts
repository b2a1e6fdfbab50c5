/**
 * Where a process spent its CPU, from the profile `node --cpu-prof` writes: self time (the time
 * a function ran its own code, not its callees') summed by where the code lives, so that the
 * bench's report can say what the relay's time goes to.
 */

/** The parts of V8's `.cpuprofile` JSON read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string }; children?: number[] }>;
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
