/**
 * `tsx tests/bench/overlay-memory-probe.ts A_DIR [B_DIR] [--rounds N] [--rows N]`: what the page's
 * renderer holds once a fill of the generated CRM list (tests/e2e/pages/crm-list.html, 10,000 rows
 * by default) is decorated, on one or two builds (each a tree's extension/.output-e2e/chrome-mv3),
 * by ringcentral-c2d (the page on localhost, as in the bench) and on the bare page (no extension),
 * in turn each round (in-turn.ts). Per run, after every number was seen, a second's wait (the
 * bench's) and a garbage collection of the page: Chromium's DOM counters (Memory.getDOMCounters:
 * nodes, documents, listeners), its layout objects and V8's heap of the page
 * (Performance.getMetrics), the page's renderer's resident memory (the largest renderer of this
 * browser, /proc), and Chromium's own account of that renderer (memory-dump.ts: Oilpan's heap,
 * malloc, PartitionAlloc, V8, the compositor's tiles; Oilpan's live objects by kind). Per party,
 * the medians and those less the bare page's of the same round, and the kinds of objects that grew
 * most: what the overlay costs the renderer, and where (issue #12).
 * A probe: prints, writes no docs.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { descendantsOf, rssKb } from './cpu-account.ts';
import { C2D_DECORATION, changeRows, decoratedAt, openCrmList } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';
import { inTurn } from './in-turn.ts';
import { ALLOCATORS, type AllocatorFigures, allocatorFigures, allocatorsOf, dumpMemory, kindsOver, type ObjectKind, objectKinds } from './memory-dump.ts';
import { median } from './relay-crm.ts';

const args = process.argv.slice(2);
const dirs = args.filter((arg, i) => !arg.startsWith('--') && !args[i - 1]?.startsWith('--'));
if (dirs.length < 1 || dirs.length > 2) throw new Error('usage: overlay-memory-probe.ts A_DIR [B_DIR] [--rounds N] [--rows N]');
const builds = dirs.map((dir) => resolve(dir));
const a = builds[0] as string;
const rounds = positiveIntegerFlag(args, '--rounds', 3);
const rows = positiveIntegerFlag(args, '--rows', 10_000);

/** Who decorates the page: nobody, ringcentral-c2d, or one of the builds (its directory). */
type Party = 'bare' | 'c2d' | string;

type RendererMemory = { nodes: number; layoutObjects: number; listeners: number; jsHeapKb: number; rssKb: number } & AllocatorFigures;
const FIGURES = ['nodes', 'layoutObjects', 'listeners', 'jsHeapKb', 'rssKb', ...Object.keys(ALLOCATORS)] as Array<keyof RendererMemory>;

/** The page's renderer: the largest renderer this process started (the extension's worker and spare renderers hold less than 10,000 rows). */
function pageRenderer(): { pid: number; rssKb: number } {
  let largest = { pid: 0, rssKb: 0 };
  for (const pid of descendantsOf(process.pid).keys()) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer')) continue;
      const resident = rssKb(pid);
      if (resident > largest.rssKb) largest = { pid, rssKb: resident };
    } catch {
      // Gone meanwhile.
    }
  }
  return largest;
}

async function measure(party: Party): Promise<{ memory: RendererMemory; kinds: Map<string, ObjectKind> }> {
  const { browser, page, close } = await openCrmList(party === 'bare' || party === 'c2d' ? { [party]: true, extensionDir: a } : { extensionDir: party });
  try {
    await changeRows(page, 'fill', rows);
    if (party !== 'bare' && (await decoratedAt(page, rows, party === 'c2d' ? C2D_DECORATION : undefined)) === null) throw new Error(`${party}: not every number decorated within the deadline`);
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 1000))');
    const cdp = await browser.context.newCDPSession(page);
    await cdp.send('HeapProfiler.collectGarbage');
    await cdp.send('Performance.enable');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name: string) => metrics.find((one) => one.name === name)?.value ?? 0;
    const counters = await cdp.send('Memory.getDOMCounters');
    const renderer = pageRenderer();
    const allocators = allocatorsOf(await dumpMemory(cdp), renderer.pid);
    const memory = { nodes: counters.nodes, layoutObjects: metric('LayoutObjects'), listeners: counters.jsEventListeners, jsHeapKb: Math.round(metric('JSHeapUsedSize') / 1024), rssKb: renderer.rssKb, ...allocatorFigures(allocators) };
    return { memory, kinds: objectKinds(allocators) };
  } finally {
    await close();
  }
}

const parties: Party[] = ['bare', 'c2d', ...builds];
const nameOf = (party: Party) => (party === 'bare' || party === 'c2d' ? party : party === a ? 'A' : 'B');
const runs = new Map<Party, RendererMemory[]>(parties.map((party) => [party, []]));
const overBare = new Map<Party, RendererMemory[]>(parties.map((party) => [party, []]));
const kinds = new Map<Party, Array<Map<string, ObjectKind>>>(parties.map((party) => [party, []]));
for (let round = 0; round < rounds; round++) {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0];
  const measured = new Map<Party, RendererMemory>();
  for (const party of inTurn(parties, round)) {
    const run = await measure(party);
    measured.set(party, run.memory);
    kinds.get(party)?.push(run.kinds);
  }
  const bare = measured.get('bare') as RendererMemory;
  for (const [party, memory] of measured) {
    runs.get(party)?.push(memory);
    overBare.get(party)?.push(Object.fromEntries(FIGURES.map((name) => [name, memory[name] - bare[name]])) as RendererMemory);
    console.log(`round ${round + 1} ${nameOf(party)} (load ${load}): ${FIGURES.map((name) => `${name} ${memory[name]}`).join(', ')}`);
  }
}
const medians = (values: RendererMemory[] | undefined) => FIGURES.map((name) => `${name} ${median((values ?? []).map((one) => one[name]))}`).join(', ');
console.log(`${rows} rows, ${rounds} rounds, medians: bare ${medians(runs.get('bare'))}`);
for (const party of parties.slice(1)) {
  console.log(`  ${nameOf(party)} ${medians(runs.get(party))}; less the bare page's of its round: ${medians(overBare.get(party))}`);
  const grown = kindsOver(kinds.get(party) ?? [], kinds.get('bare') ?? [], 12);
  console.log(`    Oilpan's live objects over the bare page's, by kind: ${grown.map((one) => `${one.kind} ${Math.round(one.kb)} KiB (${one.count})`).join(', ')}`);
}
