/**
 * `npx tsx tests/bench/xpath-walk-probe.ts [fill|rerender] [--rounds N] [--rows N] [--slow]`:
 * whether the browser's XPath (or its selectors) can pick the texts worth reading for less than
 * the scan queue's walk (issue #12), in an isolated world as the content script's (CDP's
 * Page.createIsolatedWorld: each node the world touches costs a wrapper lookup there). One
 * headless Chromium page of the generated CRM list (tests/e2e/pages/crm-list.html); each round,
 * for each way in turn (in-turn.ts, the order rotated by the round), the page fills its list with
 * new rows (the bench's fill, laid out, two frames let pass, a garbage collection; `rerender`: over
 * rows the walk read and still holds), then the isolated world reads the new tbody
 * (xpath-walk.ts). `walk`: this tree's ScanQueue (its default isNothingToPlan: every text with a
 * run of digits is yielded). `complete`, every rule kept: one snapshot of every text, the elements
 * the walk must see by one querySelectorAll (skipped ones, shadow host names, call links) and one
 * XPath (custom elements), merged in document order. Partial ways, each a bound on what an XPath
 * walk could save (they yield the walk's anchors over the rows, no text of which shares its line,
 * but not over the document): `floor`, the texts with seven digits or more and nothing else asked;
 * `floorLine`, the same asked sharesLine; `anyDigit`, the texts with a digit, each checked as the
 * walk does; `texts`, every text so checked. `--slow` adds the snapshots that keep every rule in
 * the XPath itself (skipped ancestors, inline names, links and hosts by name tests: `digits`,
 * `lines`, `split`, `iterator`), ten times the walk and more. First checks, on the whole document
 * and on the rows, that every way yields the walk's anchors in its order (the partial ones on the
 * rows only). Per run: the page's main thread CPU (CDP's ThreadTime) around the read, its wall time
 * inside the page, the load average; per way, medians and its paired ratios to `walk`. No
 * extension, no scanner: a probe, it writes no docs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { CDPSession } from 'playwright-core';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { buildTestPages } from '../e2e/pages/build.ts';
import { positiveIntegerFlag } from './flags.ts';
import { REPO_ROOT } from './in-page-ab.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';
import { launchProbeBrowser } from './probe-browser.ts';

const args = process.argv.slice(2);
const rounds = positiveIntegerFlag(args, '--rounds', 8);
const rows = positiveIntegerFlag(args, '--rows', 10_000);
const scenario = args.includes('rerender') ? 'rerender' : 'fill';
const SLOW = ['digits', 'lines', 'split', 'iterator'] as const;
const WAYS = ['walk', 'complete', 'floor', 'floorLine', 'anyDigit', 'texts', ...(args.includes('--slow') ? SLOW : [])] as const;
type Way = (typeof WAYS)[number];
/** Ways that keep only some of the walk's rules: they yield its anchors over the rows, not the document (its split numbers, its head). */
const PARTIAL: readonly Way[] = ['floor', 'floorLine', 'anyDigit', 'texts'];

const bundle = (
  await build({
    stdin: {
      contents: `export { ScanQueue } from './extension/src/content/scan/scan-queue.ts'; export { walkByXPath } from './tests/bench/xpath-walk.ts';`,
      resolveDir: REPO_ROOT,
      loader: 'ts',
    },
    write: false,
    bundle: true,
    format: 'iife',
    globalName: 'pcProbe',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    logLevel: 'silent',
  })
).outputFiles[0]!.text;

/** In the isolated world: `read(root, way, keep)` yields the anchors of `root` as `way` does; counts them, or keeps them in `window.kept`. */
const READER = `${bundle}
window.read = (root, way, keep) => {
  let count = 0;
  let lines = 0;
  const kept = [];
  const yielded = (node, line) => {
    count++;
    if (line) lines++;
    if (keep) kept.push(node, line);
  };
  const onShadowRoot = (shadowRoot) => {
    if (keep) kept.push(shadowRoot, 'shadow root');
  };
  if (way === 'walk') {
    const queue = new pcProbe.ScanQueue(document, onShadowRoot);
    queue.add(root);
    const slice = { deadline: Number.POSITIVE_INFINITY };
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) yielded(anchor, queue.walkedTextOf(anchor)?.sharesLine ?? false);
  } else pcProbe.walkByXPath(root, way, onShadowRoot, yielded);
  if (keep) window.kept[way] = kept;
  return { count, lines };
};
window.kept = {};
window.sameAsWalk = (way) => window.kept.walk.length === window.kept[way].length && window.kept.walk.every((item, i) => item === window.kept[way][i]);
`;

const pagesDir = await buildTestPages(mkdtempSync(join(tmpdir(), 'pc-xpath-pages-')));
const site = await serveDirectory(pagesDir);
const browser = await launchProbeBrowser(['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc']);

async function threadMs(cdp: CDPSession): Promise<number> {
  const { metrics } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  return (metrics.find((metric) => metric.name === 'ThreadTime')?.value ?? Number.NaN) * 1000;
}

interface Run {
  cpuMs: number;
  wallMs: number;
  count: number;
  lines: number;
  load: string;
}

const runs = Object.fromEntries(WAYS.map((way) => [way, [] as Run[]])) as Record<Way, Run[]>;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(`${site.url}/crm-list.html`);
  const cdp = await page.context().newCDPSession(page);
  const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
  const { executionContextId: contextId } = (await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'pc-xpath-probe' })) as { executionContextId: number };
  const isolated = async <T>(expression: string): Promise<T> => {
    const reply = (await cdp.send('Runtime.evaluate', { expression, contextId, returnByValue: true })) as { result: { value: T }; exceptionDetails?: unknown };
    if (reply.exceptionDetails) throw new Error(`in the isolated world: ${JSON.stringify(reply.exceptionDetails)}`);
    return reply.result.value;
  };
  await isolated(READER);
  await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
  /**
   * New rows, laid out and painted by the page, then a collection: the read finds them as the
   * scanner would, no wrapper made. A re-render replaces rows the walk has read, kept alive as the
   * scanner keeps them until the overlay's pass: their wrappers are still in the world's map.
   */
  const fill = async () => {
    if (scenario === 'rerender') {
      await page.evaluate(`window.bench.fill(${rows})`);
      await isolated(`window.old = document.querySelector('#list tbody'); read(window.old, 'walk', false)`);
    }
    await page.evaluate(`window.bench.${scenario === 'fill' ? `fill(${rows})` : 'rerender()'}; document.body.offsetHeight; new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))`);
    await isolated('gc()');
  };

  // What the rows lack, for the check over the document: a call link, skipped elements holding
  // numbers, a custom element with an open shadow root, split numbers.
  await page.evaluate(`document.body.insertAdjacentHTML('beforeend', '<div id="xpath-check"><a href=" TEL:+14155550100">call</a> <button>+1 415 555 0101</button><x-card></x-card><textarea>+1 415 555 0102</textarea><script type="text/plain">+1 415 555 0104</script><span>+1 415</span> <span>555 0103</span><p>Ref <b>12</b>34567</p></div>'); document.querySelector('x-card').attachShadow({ mode: 'open' }).textContent = '+1 415 555 0105'`);
  for (const root of ['document', "document.querySelector('#list tbody')"]) {
    await fill();
    for (const way of WAYS) await isolated(`read(${root}, '${way}', true)`);
    const differ = [];
    // The floor checks nothing but seven digits: it yields the walk's anchors over the rows only.
    for (const way of WAYS.slice(1)) if (!(PARTIAL.includes(way) && root === 'document') && !(await isolated<boolean>(`sameAsWalk('${way}')`))) differ.push(way);
    if (differ.length > 0) throw new Error(`${differ.join(', ')} did not yield the walk's anchors over ${root}`);
  }
  await page.evaluate(`document.querySelector('#xpath-check').remove()`);
  console.log('every way yields the walk\'s anchors, in its order, over the document and the rows');

  for (let round = 0; round < rounds; round++) {
    const order = inTurn(WAYS, round);
    const rotated = [...order.slice(round % WAYS.length), ...order.slice(0, round % WAYS.length)];
    const line: string[] = [];
    for (const way of rotated) {
      await fill();
      const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
      const before = await threadMs(cdp);
      const read = await isolated<{ count: number; lines: number; wallMs: number }>(
        `(() => { const root = document.querySelector('#list tbody'); const start = performance.now(); const counted = read(root, '${way}', false); return { ...counted, wallMs: performance.now() - start }; })()`,
      );
      const cpuMs = (await threadMs(cdp)) - before;
      runs[way].push({ cpuMs, wallMs: read.wallMs, count: read.count, lines: read.lines, load });
      line.push(`${way} ${cpuMs.toFixed(0)}/${read.wallMs.toFixed(0)}`);
    }
    console.log(`round ${round + 1} load ${runs.walk[round]!.load}: CPU/wall ms ${line.join(', ')}`);
  }
  const counts = new Set(WAYS.map((way) => runs[way].map((run) => `${run.count}/${run.lines}`).join()));
  if (counts.size !== 1) throw new Error(`the ways yielded different counts: ${[...counts].join(' | ')}`);
  console.log(`${scenario}, ${rows} rows, ${rounds} rounds, ${runs.walk[0]!.count} anchors yielded (${runs.walk[0]!.lines} sharing a line); load ${runs.walk.map((run) => run.load).join(' ')}`);
  const spread = (values: number[]) => `×${median(values)!.toFixed(3)} (×${Math.min(...values).toFixed(3)} to ×${Math.max(...values).toFixed(3)})`;
  for (const way of WAYS) {
    const cpu = runs[way].map((run) => run.cpuMs);
    const wall = runs[way].map((run) => run.wallMs);
    const against = way === 'walk' ? '' : `; / walk: CPU ${spread(cpu.map((ms, i) => ms / runs.walk[i]!.cpuMs))}, wall ${spread(wall.map((ms, i) => ms / runs.walk[i]!.wallMs))}`;
    console.log(`  ${way.padEnd(8)} CPU median ${median(cpu)!.toFixed(0)} ms (${cpu.map((ms) => ms.toFixed(0)).join(' ')}), wall median ${median(wall)!.toFixed(0)} ms${against}`);
  }
} finally {
  await browser.close();
  await site.close();
  rmSync(pagesDir, { recursive: true, force: true });
}
