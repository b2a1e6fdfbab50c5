/**
 * `tsx tests/bench/scroll-pairs.ts A_DIR B_DIR [--pairs N]`: the bench's infinite scroll (500 rows
 * every 100 ms for 5 s) through content-timeline.ts (`scroll --whole --settle`, under its trace)
 * on the bare page and on two builds (each a tree's extension/.output-e2e/chrome-mv3), in turn, N
 * rounds (4 by default), each round's order rotated by one from the last, reversed after every
 * third (in-turn.ts): each of the three goes first, second and last alike. Per run:
 * the load average before it, the page's appends, the long frames as the bench counts them (from
 * the first append through its wait and check) and of those the ones over 100 ms by the party's
 * share (frame-attribution.ts), when every number was decorated after the last append, and the
 * party's thread CPU, in all and in the frames that ended before the last append (what could delay
 * the page's appends: work left for after them could not), and what the time to decorated after
 * the last append holds: the rest of that append's frame (its wall time, the page's rendering and
 * the party's CPU in it) and then until the bench saw every number; per pair, each build's appends
 * against the bare page's of that round (the goal: slowed by 20 % at most) and B / A of the CPU
 * figures.
 * A probe: prints, writes no docs (issue #12).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';
import { type LastAppendFrame, lastAppendFrame, partyCpuInFramesEndedBy, ratio } from './timeline-figures.ts';

interface ScrollRun {
  appendsMs: number;
  /** From the last append; null for the bare page or past the deadline. */
  decoratedMs: number | null;
  frames: number;
  over100ByParty: number;
  partyCpuMs: number;
  /** ... of it in the frames that ended before the last append: what could have delayed the page's appends. */
  partyCpuWhileAppendingMs: number;
  /** content-timeline.ts's line for each of those frames: when, how long, what ran in it. */
  over100Frames: string[];
  /** The last append's frame: what the time to decorated after it holds. */
  lastFrame: LastAppendFrame | null;
}

const args = process.argv.slice(2);
const dirs = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (dirs.length !== 2) throw new Error('usage: scroll-pairs.ts A_DIR B_DIR [--pairs N]');
const [a, b] = dirs.map((dir) => resolve(dir)) as [string, string];
const pairs = positiveIntegerFlag(args, '--pairs', 4);
const timeline = resolve(import.meta.dirname, 'content-timeline.ts');

/** A figure of content-timeline.ts's output, by the pattern of its line. */
function figure(stdout: string, pattern: RegExp): number | null {
  const found = pattern.exec(stdout)?.[1];
  return found === undefined ? null : Number(found);
}

function scroll(build: 'bare' | string): ScrollRun {
  // The bare page is opened in the same browser as the builds' (the extension is not enabled on it): no build of this tree's meanwhile.
  const run = spawnSync(process.execPath, ['--import', 'tsx', timeline, 'scroll', '--whole', '--settle', ...(build === 'bare' ? ['--bare', '--extension', a] : ['--extension', build])], { encoding: 'utf8' });
  const appendsMs = figure(run.stdout, /the page's appends took (\d+) ms/);
  if (appendsMs === null) throw new Error(`content-timeline.ts scroll gave no figures:\n${run.stdout}\n${run.stderr}`);
  // With --whole, counted from the first append.
  const decorated = build === 'bare' ? null : figure(run.stdout, /decorated (\d+) ms after/);
  return {
    appendsMs,
    decoratedMs: decorated === null ? null : decorated - appendsMs,
    frames: figure(run.stdout, /long animation frames: (\d+)/) ?? 0,
    over100ByParty: figure(run.stdout, /over 100 ms by the party's share: (\d+)/) ?? 0,
    partyCpuMs: figure(run.stdout, /the party's CPU from the change through the bench's wait and check: (\d+) ms/) ?? 0,
    partyCpuWhileAppendingMs: partyCpuInFramesEndedBy(run.stdout, appendsMs),
    over100Frames: run.stdout.split('\n').filter((line) => line.includes('OVER 100 MS BY IT')).map((line) => line.trim()),
    lastFrame: lastAppendFrame(run.stdout),
  };
}

/** `items` rotated left by `round` places: with three runs a round, each goes first, second and last in turn (a reversal keeps the middle one in the middle). */
function rotated<T>(items: readonly T[], round: number): T[] {
  const by = round % items.length;
  return [...items.slice(by), ...items.slice(0, by)];
}

const slowdowns = new Map<string, number[]>([[a, []], [b, []]]);
const over100 = new Map<string, number[]>([[a, []], [b, []]]);
const cpuRatios: number[] = [];
const appendingCpuRatios: number[] = [];
/** Per build: when every number was decorated after the last append, the rest of the last append's frame, and after that frame until the bench saw every number. */
const lastButtons = new Map<string, { decoratedMs: number[]; frameMs: number[]; seenAfterMs: number[] }>([a, b].map((build) => [build, { decoratedMs: [], frameMs: [], seenAfterMs: [] }]));
const lastFrameRenderingRatios: number[] = [];
const lastFramePartyRatios: number[] = [];
for (let pair = 0; pair < pairs; pair++) {
  const runs = new Map<string, ScrollRun>();
  for (const build of inTurn(rotated(['bare', a, b], pair), Math.floor(pair / 3))) {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const run = scroll(build);
    runs.set(build, run);
    const name = build === 'bare' ? 'bare' : build === a ? 'A' : 'B';
    console.log(`pair ${pair + 1} ${name} load ${load}: appends ${run.appendsMs} ms, long frames ${run.frames}, over 100 ms by the party's share ${run.over100ByParty}, decorated ${run.decoratedMs ?? '-'} ms after the last append, the party's CPU ${run.partyCpuMs} ms (${run.partyCpuWhileAppendingMs} ms in the frames before the last append)`);
    for (const frame of run.over100Frames) console.log(`  ${frame}`);
    const last = run.lastFrame;
    if (last) console.log(`  the last append's frame: its layerize ${last.afterAppendMs} ms after the append, the page's rendering ${last.renderingCpuMs} ms of CPU in it, the party's ${last.partyCpuMs}; every number seen ${last.seenAfterMs} ms after it`);
  }
  const bare = runs.get('bare') as ScrollRun;
  const percent = (build: string) => Math.round(((runs.get(build) as ScrollRun).appendsMs / bare.appendsMs - 1) * 100);
  for (const build of [a, b]) {
    const { over100ByParty, decoratedMs, lastFrame } = runs.get(build) as ScrollRun;
    slowdowns.get(build)?.push(percent(build));
    over100.get(build)?.push(over100ByParty);
    const figures = lastButtons.get(build);
    if (decoratedMs !== null) figures?.decoratedMs.push(decoratedMs);
    if (lastFrame) {
      figures?.frameMs.push(lastFrame.afterAppendMs);
      figures?.seenAfterMs.push(lastFrame.seenAfterMs);
    }
  }
  const [lastOfA, lastOfB] = [(runs.get(a) as ScrollRun).lastFrame, (runs.get(b) as ScrollRun).lastFrame];
  const lastRendering = lastOfA && lastOfB ? ratio(lastOfA.renderingCpuMs, lastOfB.renderingCpuMs) : undefined;
  if (lastRendering !== undefined) lastFrameRenderingRatios.push(lastRendering);
  const lastParty = lastOfA && lastOfB ? ratio(lastOfA.partyCpuMs, lastOfB.partyCpuMs) : undefined;
  if (lastParty !== undefined) lastFramePartyRatios.push(lastParty);
  const cpu = ratio((runs.get(a) as ScrollRun).partyCpuMs, (runs.get(b) as ScrollRun).partyCpuMs);
  if (cpu !== undefined) cpuRatios.push(cpu);
  const appendingCpu = ratio((runs.get(a) as ScrollRun).partyCpuWhileAppendingMs, (runs.get(b) as ScrollRun).partyCpuWhileAppendingMs);
  if (appendingCpu !== undefined) appendingCpuRatios.push(appendingCpu);
  console.log(`pair ${pair + 1}: appends against the bare page's A ${percent(a)} %, B ${percent(b)} %; the party's CPU B/A ×${cpu ?? '?'}, before the last append ×${appendingCpu ?? '?'}`);
}
const list = (values: number[] | undefined) => (values ?? []).join(', ');
/** Ratios as their median and range; the median of an even count rounded (an average of two). */
const spread = (ratios: number[]) => `median ×${Math.round(median(ratios) * 1000) / 1000} (×${Math.min(...ratios)} to ×${Math.max(...ratios)})`;
console.log(`${pairs} pairs: appends against the bare page's (%) A ${list(slowdowns.get(a))} (median ${median(slowdowns.get(a) ?? [])}), B ${list(slowdowns.get(b))} (median ${median(slowdowns.get(b) ?? [])})`);
console.log(`frames over 100 ms by the party's share: A ${list(over100.get(a))}, B ${list(over100.get(b))}; the party's CPU B/A ${spread(cpuRatios)}, before the last append ${spread(appendingCpuRatios)}`);
const lastOf = (build: string, name: 'decoratedMs' | 'frameMs' | 'seenAfterMs') => {
  const values = lastButtons.get(build)?.[name] ?? [];
  return `${values.join(' / ')} (median ${median(values)})`;
};
console.log(`decorated after the last append (ms): A ${lastOf(a, 'decoratedMs')}, B ${lastOf(b, 'decoratedMs')}; of it the last append's frame (to its layerize) A ${lastOf(a, 'frameMs')}, B ${lastOf(b, 'frameMs')}, then until the bench saw every number A ${lastOf(a, 'seenAfterMs')}, B ${lastOf(b, 'seenAfterMs')}`);
console.log(`the last append's frame's CPU B/A: the page's rendering ${spread(lastFrameRenderingRatios)}, the party's ${spread(lastFramePartyRatios)}`);
