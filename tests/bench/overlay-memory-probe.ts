/**
 * `tsx tests/bench/overlay-memory-probe.ts A_DIR B_DIR [--rounds N] [--rows N]`: what the page's
 * renderer holds once a fill of the generated CRM list (tests/e2e/pages/crm-list.html, 10,000 rows
 * by default) is decorated, on two builds (each a tree's extension/.output-e2e/chrome-mv3) and on
 * the bare page (no extension), in turn each round (in-turn.ts). Per run, after every number was
 * seen, a second's wait (the bench's) and a garbage collection of the page: Chromium's DOM
 * counters (Memory.getDOMCounters: nodes, documents, listeners), its layout objects and V8's heap
 * of the page (Performance.getMetrics), and the page's renderer's resident memory (the largest
 * renderer of this browser, /proc). Per build, the medians and those less the bare page's of the
 * same round: what the overlay costs the renderer (issue #12: the bands' memory, left unmeasured).
 * A probe: prints, writes no docs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { descendantsOf, rssKb } from './cpu-account.ts';
import { changeRows, decoratedAt, openCrmList } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';

const args = process.argv.slice(2);
const dirs = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (dirs.length !== 2) throw new Error('usage: overlay-memory-probe.ts A_DIR B_DIR [--rounds N] [--rows N]');
const [a, b] = dirs.map((dir) => resolve(dir)) as [string, string];
const rounds = positiveIntegerFlag(args, '--rounds', 3);
const rows = positiveIntegerFlag(args, '--rows', 10_000);

interface RendererMemory {
  nodes: number;
  layoutObjects: number;
  listeners: number;
  jsHeapKb: number;
  rssKb: number;
}
const FIGURES: Array<keyof RendererMemory> = ['nodes', 'layoutObjects', 'listeners', 'jsHeapKb', 'rssKb'];

/** The page's renderer's resident memory: the largest renderer this process started (the extension's worker and spare renderers hold less than 10,000 rows). */
function pageRendererRssKb(): number {
  let largest = 0;
  for (const pid of descendantsOf(process.pid).keys()) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) largest = Math.max(largest, rssKb(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return largest;
}

async function measure(build: 'bare' | string): Promise<RendererMemory> {
  const { browser, page, close } = await openCrmList(build === 'bare' ? { bare: true, extensionDir: a } : { extensionDir: build });
  try {
    await changeRows(page, 'fill', rows);
    if (build !== 'bare' && (await decoratedAt(page, rows)) === null) throw new Error(`${build}: not every number decorated within the deadline`);
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 1000))');
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((one) => one.name === name)?.value ?? 0;
    const counters = await cdp.send('Memory.getDOMCounters');
    return { nodes: counters.nodes, layoutObjects: metric('LayoutObjects'), listeners: counters.jsEventListeners, jsHeapKb: Math.round(metric('JSHeapUsedSize') / 1024), rssKb: pageRendererRssKb() };
  } finally {
    await close();
  }
}

const runs = new Map<string, RendererMemory[]>([['bare', []], [a, []], [b, []]]);
const overBare = new Map<string, RendererMemory[]>([[a, []], [b, []]]);
for (let round = 0; round < rounds; round++) {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const measured = new Map<string, RendererMemory>();
  for (const build of inTurn(['bare', a, b], round)) measured.set(build, await measure(build));
  const bare = measured.get('bare') as RendererMemory;
  for (const [build, memory] of measured) {
    runs.get(build)?.push(memory);
    if (build !== 'bare') overBare.get(build)?.push(Object.fromEntries(FIGURES.map((name) => [name, memory[name] - bare[name]])) as unknown as RendererMemory);
    console.log(`round ${round + 1} ${build === 'bare' ? 'bare' : build === a ? 'A' : 'B'} (load ${load}): ${FIGURES.map((name) => `${name} ${memory[name]}`).join(', ')}`);
  }
}
const medians = (values: RendererMemory[] | undefined) => FIGURES.map((name) => `${name} ${median((values ?? []).map((one) => one[name]))}`).join(', ');
console.log(`${rows} rows, ${rounds} rounds, medians: bare ${medians(runs.get('bare'))}`);
for (const [build, name] of [[a, 'A'], [b, 'B']] as const) console.log(`  ${name} ${medians(runs.get(build))}; less the bare page's of its round: ${medians(overBare.get(build))}`);
