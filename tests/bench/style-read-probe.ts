/**
 * `npx tsx tests/bench/style-read-probe.ts [--rounds N] [--rows N] [--kinds=K,...]`: whether a
 * re-render's computed styles cost more per read than a fill's (issue #12: in content-profile.ts
 * the re-render's getComputedStyle took 2-3x the fill's native time in some runs, for as many
 * calls). The generated CRM list (tests/e2e/pages/crm-list.html), no extension: each kind fills
 * the list, or re-renders it (filled first), waits two frames, then reads each phone cell's and
 * row's computed position, overflowX and overflowY for the first time, as the overlay's placements
 * do. A kind is `fill` or `rerender`, with `+auto:N` or `+hidden:N` for N elements Chromium
 * skips (10,000 buttons among them) in one shadow root at the body's end, off screen
 * (`content-visibility: auto`, as the overlay's hosts) or hidden (`content-visibility: hidden`,
 * as its parked hosts, which a re-render leaves). Printed per kind: the loop's wall time in the
 * page, and the renderer's main thread CPU (schedstat) over the evaluation that runs it, both
 * medians of the rounds; the kinds in turn each round. A probe: writes no docs.
 */
import { readFileSync } from 'node:fs';
import { descendantsOf } from './cpu-account.ts';
import { openCrmList } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';

const args = process.argv.slice(2);
const ROUNDS = positiveIntegerFlag(args, '--rounds', 5);
const ROWS = positiveIntegerFlag(args, '--rows', 10_000);
/** In the page, as a string: tsx's helpers are not there. */
const PROBE = `async (change, locks, count, rows) => {
  const frame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done)));
  document.getElementById('probe-locks')?.remove();
  if (change === 'rerender') {
    window.bench.fill(rows);
    await frame();
  }
  if (locks) {
    const holder = document.createElement('div');
    holder.id = 'probe-locks';
    const root = holder.attachShadow({ mode: 'open' });
    for (let i = 0; i < count; i++) {
      const host = document.createElement('div');
      host.style.cssText = 'position:absolute;left:0;top:' + (100000 + i * 2000) + 'px;width:100px;height:1000px;' + 'content-visibility:' + locks;
      for (let j = 0; j < 10000 / count; j++) host.append(document.createElement('button'));
      root.append(host);
    }
    document.body.append(holder);
  }
  if (change === 'fill') window.bench.fill(rows);
  else window.bench.rerender();
  await frame();
  await frame();
  window.probeCells = [...document.querySelectorAll('td.phone')];
}`;

/** The timed read: each phone cell's and row's computed placement, read for the first time. */
const READ = `(() => {
  let clipping = 0;
  const start = performance.now();
  for (const cell of window.probeCells) {
    for (const element of [cell, cell.parentElement]) {
      const style = getComputedStyle(element);
      if (style.position === 'sticky' || style.overflowX !== 'visible' || style.overflowY !== 'visible') clipping++;
    }
  }
  window.probeClipping = clipping;
  return performance.now() - start;
})()`;

const KINDS = (args.find((arg) => arg.startsWith('--kinds='))?.slice(8) ?? 'fill,fill+auto,fill+hidden,rerender,rerender+auto,rerender+hidden').split(',');

const { page, close } = await openCrmList({ bare: true });
try {
  const times = new Map<string, number[]>(KINDS.map((kind) => [kind, []]));
  const cpus = new Map<string, number[]>(KINDS.map((kind) => [kind, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const kind of KINDS) {
      const [change, lockKind] = kind.split('+') as ['fill' | 'rerender', string | undefined];
      const [locks, count] = lockKind ? lockKind.split(':') : [undefined, '0'];
      await page.evaluate(`(${PROBE})(${JSON.stringify(change)}, ${JSON.stringify(locks ?? null)}, ${Number(count ?? 40)}, ${ROWS})`);
      const cpuBefore = rendererMainRunUs();
      const ms = (await page.evaluate(READ)) as number;
      cpus.get(kind)!.push((rendererMainRunUs() - cpuBefore) / 1000);
      times.get(kind)!.push(ms);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const line = (values: number[]) => `median ${median(values).toFixed(1)} ms (${values.map((v) => v.toFixed(1)).join(' / ')})`;
  for (const [kind, values] of times) console.log(`${kind.padEnd(20)} wall ${line(values)}; renderer main thread CPU ${line(cpus.get(kind)!)}`);
} finally {
  await close();
}

/** Time on a core so far (µs) of the main threads of this process's Chromium renderers (the page's, and idle ones): not other benches' browsers. */
function rendererMainRunUs(): number {
  let total = 0;
  for (const pid of descendantsOf(process.pid).keys()) {
    try {
      // A renderer's main thread is its first (Linux names it after the process, not CrRendererMain).
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      total += Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
    } catch {
      // Gone meanwhile.
    }
  }
  return total;
}
