/**
 * `tsx tests/bench/timeline-pairs.ts fill|rerender A_DIR B_DIR [--pairs N] [--rows N]`:
 * content-timeline.ts on two builds (each a tree's extension/.output-e2e/chrome-mv3, or any
 * chrome-mv3 build), in turn, N pairs (6 by default), each pair's order the other way round from
 * the last (in-turn.ts), with --settle. Per run: the load average before it, the party's CPU from
 * the change to every number decorated, its CPU after the page's frame, its CPU through the bench's
 * wait and check (what it does after every number was seen counts too), and when every number was
 * decorated, from the change and after the page's own frame (what the party's frames after it
 * cost, apart from that frame's own swings at a load); per pair, B / A of the CPUs and of those
 * times, and of the rendering after the page's frame (style, layout, pre-paint and paint: what the
 * party's frames cost Chromium); then their medians and ranges. Two trees compared on a machine other benches share: the
 * CPU first, the times with their spread (issue #12).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';
import { ratio, type TimelineFigures, timelineFigures } from './timeline-figures.ts';

const args = process.argv.slice(2);
const scenario = args.includes('rerender') ? 'rerender' : 'fill';
const dirs = args.filter((arg, i) => !arg.startsWith('--') && arg !== scenario && !args[i - 1]?.startsWith('--'));
if (dirs.length !== 2) throw new Error('usage: timeline-pairs.ts fill|rerender A_DIR B_DIR [--pairs N] [--rows N]');
const [a, b] = dirs.map((dir) => resolve(dir)) as [string, string];
const pairs = positiveIntegerFlag(args, '--pairs', 6);
const rows = positiveIntegerFlag(args, '--rows', 10_000);
const timeline = resolve(import.meta.dirname, 'content-timeline.ts');
const cpuRatios: number[] = [];
const settledRatios: number[] = [];
const decoratedRatios: number[] = [];
const seenAfterRatios: number[] = [];
const renderingRatios: number[] = [];
for (let pair = 0; pair < pairs; pair++) {
  const figures = new Map<string, TimelineFigures>();
  for (const dir of inTurn([a, b], pair)) {
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
    const run = spawnSync(process.execPath, ['--import', 'tsx', timeline, scenario, '--rows', String(rows), '--settle', '--extension', dir], { encoding: 'utf8' });
    const found = timelineFigures(run.stdout);
    figures.set(dir, found);
    console.log(`pair ${pair + 1} ${dir === a ? 'A' : 'B'} load ${load}: decorated ${found.decoratedMs ?? 'never'} ms, the party's CPU ${found.partyCpuMs} ms, after the page's frame ${found.partyCpuAfterFrameMs} ms (rendering ${found.renderingAfterFrameMs} ms), through the bench's check ${found.partyCpuSettledMs} ms; every number seen ${found.seenAfterFrameMs ?? '?'} ms after the page's frame`);
  }
  const [ofA, ofB] = [figures.get(a), figures.get(b)] as [TimelineFigures, TimelineFigures];
  const cpu = ratio(ofA.partyCpuMs, ofB.partyCpuMs);
  const settled = ratio(ofA.partyCpuSettledMs, ofB.partyCpuSettledMs);
  const decorated = ratio(ofA.decoratedMs, ofB.decoratedMs);
  const seenAfter = ratio(ofA.seenAfterFrameMs, ofB.seenAfterFrameMs);
  const rendering = ratio(ofA.renderingAfterFrameMs, ofB.renderingAfterFrameMs);
  if (cpu !== undefined) cpuRatios.push(cpu);
  if (settled !== undefined) settledRatios.push(settled);
  if (decorated !== undefined) decoratedRatios.push(decorated);
  if (seenAfter !== undefined) seenAfterRatios.push(seenAfter);
  if (rendering !== undefined) renderingRatios.push(rendering);
  console.log(`pair ${pair + 1} B/A: CPU ×${cpu ?? '?'}, through the check ×${settled ?? '?'}, decorated ×${decorated ?? '?'}, seen after the page's frame ×${seenAfter ?? '?'}, rendering after it ×${rendering ?? '?'}`);
}
const spread = (values: number[]) => `median ×${median(values) ?? '?'} (×${Math.min(...values)} to ×${Math.max(...values)}, ${values.filter((v) => v < 1).length} of ${values.length} lower)`;
console.log(`${scenario}, ${rows} rows, ${pairs} pairs: the party's CPU B/A ${spread(cpuRatios)}, through the bench's check ${spread(settledRatios)}; decorated B/A ${spread(decoratedRatios)}, after the page's frame ${spread(seenAfterRatios)}; rendering after the page's frame B/A ${spread(renderingRatios)}`);
