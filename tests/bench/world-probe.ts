/**
 * `npx tsx tests/bench/world-probe.ts fill|rerender [--pairs N] [--rows N] [--profile]`: what
 * running the scanner in the page's own (main) world would save against the isolated world a
 * content script runs in (issue #12: each world makes its own JavaScript wrapper for each node it
 * touches). This tree's scanner (startScanner, bundled unminified, its defaults: frames, budgets,
 * overlay; a call's click stubbed, the country 'US') is started through CDP in a fresh page of the
 * generated CRM list (tests/e2e/pages/crm-list.html), either in the main world (Runtime.evaluate)
 * or in an isolated world made by Page.createIsolatedWorld, as an extension's is; the same headless
 * Chromium, one page per run, the two worlds taking turns going first (in-turn.ts). Per run: the
 * load average, the page's main thread CPU (CDP's ThreadTime) from the change (the bench's fill
 * or re-render) until every number is decorated in place, and the script time (ScriptDuration) in
 * it; the page's own frame and the bench's check count alike in both worlds. With `--profile`,
 * Chromium's sampling profiler runs too and each run's time in our script is split into parts
 * (world-figures.ts: walk, styles, text boxes, plans, buttons). Per pair, isolated / main. A
 * ceiling probe, no extension (no settings, no relay): it writes no docs.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { type CDPSession} from 'playwright-core';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { DEADLINE_MS } from '../e2e/harness/world.ts';
import { buildTestPages } from '../e2e/pages/build.ts';
import type { CpuProfile } from './cpu-profile.ts';
import { changeRows, DECORATION, decoratedAt, prepareRowsChange } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';
import { REPO_ROOT } from './in-page-ab.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';
import { SCAN_PARTS, type ScanPart, scanParts } from './world-figures.ts';
import { launchProbeBrowser } from './probe-browser.ts';

const args = process.argv.slice(2);
const scenario = args.includes('rerender') ? 'rerender' : 'fill';
const pairs = positiveIntegerFlag(args, '--pairs', 6);
const rows = positiveIntegerFlag(args, '--rows', 10_000);
const profiled = args.includes('--profile');
const SCRIPT_URL = 'pc-scanner-probe.js';
type World = 'main' | 'isolated';

interface Run {
  load: string;
  cpuMs: number;
  scriptMs: number;
  parts?: Record<ScanPart | 'all', number>;
}

const bundle = (
  await build({
    entryPoints: [join(REPO_ROOT, 'extension/src/content/scan/scanner.ts')],
    write: false,
    bundle: true,
    format: 'iife',
    globalName: 'pcScanner',
    platform: 'browser',
    target: 'chrome120',
    logLevel: 'silent',
  })
).outputFiles[0]!.text;
const START = `${bundle}
pcScanner.startScanner({ root: document, defaultCountry: 'US', signal: new AbortController().signal, onCall: () => undefined });
//# sourceURL=${SCRIPT_URL}`;

const pagesDir = await buildTestPages(mkdtempSync(join(tmpdir(), 'pc-world-pages-')));
const site = await serveDirectory(pagesDir);
const browser = await launchProbeBrowser(['--no-sandbox', '--disable-gpu']);

/** The page's main thread CPU and script time so far (ms), from CDP's Performance domain. */
async function metrics(cdp: CDPSession): Promise<{ cpuMs: number; scriptMs: number }> {
  const { metrics: list } = (await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> };
  const of = (name: string) => (list.find((metric) => metric.name === name)?.value ?? Number.NaN) * 1000;
  return { cpuMs: of('ThreadTime'), scriptMs: of('ScriptDuration') };
}

/** One run: a fresh page, the scanner started in `world`, the change measured until every number is decorated. */
async function run(world: World): Promise<Run> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  try {
    await page.goto(`${site.url}/crm-list.html`);
    const cdp = await page.context().newCDPSession(page);
    let contextId: number | undefined;
    if (world === 'isolated') {
      const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
      ({ executionContextId: contextId } = (await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'pc-world-probe' })) as { executionContextId: number });
    }
    const started = (await cdp.send('Runtime.evaluate', { expression: START, ...(contextId === undefined ? {} : { contextId }) })) as { exceptionDetails?: unknown };
    if (started.exceptionDetails) throw new Error(`the scanner did not start: ${JSON.stringify(started.exceptionDetails)}`);
    await page.locator('button[data-pc-call="+12125550199"]').first().waitFor({ timeout: DEADLINE_MS });
    await prepareRowsChange(page, scenario, rows);
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
    if (profiled) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
      await cdp.send('Profiler.start');
    }
    const load = readFileSync('/proc/loadavg', 'utf8').split(' ')[0]!;
    const before = await metrics(cdp);
    await changeRows(page, scenario, rows);
    if ((await decoratedAt(page, rows, DECORATION)) === null) throw new Error(`${world}: not every number decorated within the deadline`);
    const after = await metrics(cdp);
    const parts = profiled ? scanParts(((await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile }).profile, SCRIPT_URL, START) : undefined;
    return { load, cpuMs: after.cpuMs - before.cpuMs, scriptMs: after.scriptMs - before.scriptMs, parts };
  } finally {
    await page.close();
  }
}

const fixed = (ms: number) => ms.toFixed(0);
const spread = (values: number[]) => `median ×${median(values)?.toFixed(3)} (×${Math.min(...values).toFixed(3)} to ×${Math.max(...values).toFixed(3)})`;
const runs: Record<World, Run[]> = { main: [], isolated: [] };
try {
  for (let pair = 0; pair < pairs; pair++) {
    for (const world of inTurn(['main', 'isolated'] as const, pair)) {
      const done = await run(world);
      runs[world].push(done);
      const parts = done.parts ? `; ours ${fixed(done.parts.all)} ms: ${SCAN_PARTS.map((part) => `${part} ${fixed(done.parts![part])}`).join(', ')}` : '';
      console.log(`pair ${pair + 1} ${world.padEnd(8)} load ${done.load}: thread CPU ${fixed(done.cpuMs)} ms, script ${fixed(done.scriptMs)} ms${parts}`);
    }
    const [main, isolated] = [runs.main[pair]!, runs.isolated[pair]!];
    console.log(`pair ${pair + 1} isolated/main: CPU ×${(isolated.cpuMs / main.cpuMs).toFixed(3)}, script ×${(isolated.scriptMs / main.scriptMs).toFixed(3)}${main.parts && isolated.parts ? `, ours ×${(isolated.parts.all / main.parts.all).toFixed(3)}` : ''}`);
  }
  const ratios = (of: (run: Run) => number) => runs.main.map((main, i) => of(runs.isolated[i]!) / of(main));
  const medianOf = (world: World, of: (run: Run) => number) => fixed(median(runs[world].map(of)) ?? Number.NaN);
  console.log(`${scenario}, ${rows} rows, ${pairs} pairs: thread CPU main ${medianOf('main', (r) => r.cpuMs)} ms, isolated ${medianOf('isolated', (r) => r.cpuMs)} ms, isolated/main ${spread(ratios((r) => r.cpuMs))}; script main ${medianOf('main', (r) => r.scriptMs)} ms, isolated ${medianOf('isolated', (r) => r.scriptMs)} ms, ${spread(ratios((r) => r.scriptMs))}`);
  if (profiled) {
    for (const part of [...SCAN_PARTS, 'all'] as const) console.log(`  ${part.padEnd(10)} main ${medianOf('main', (r) => r.parts![part])} ms, isolated ${medianOf('isolated', (r) => r.parts![part])} ms, isolated/main ${spread(ratios((r) => r.parts![part]))}`);
  }
} finally {
  await browser.close();
  await site.close();
  rmSync(pagesDir, { recursive: true, force: true });
}
