import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import type { Page } from 'playwright-core';
import { buildExtensionForTests, E2E_BUILD_DIR, launchWithExtension } from '../e2e/harness/extension.ts';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { DEADLINE_MS, waitFor } from '../e2e/harness/world.ts';
import { buildTestPages } from '../e2e/pages/build.ts';
import { REPO_ROOT } from '../relay/harness.ts';
import { markPageClock, pageThreadEvents, startTracing, stopTracing } from './chromium-trace.ts';
import { attributeEachFrame, attributeFrames, type FrameEvent, type FrameShares, type LongFrame, over100ByUs } from './frame-attribution.ts';

/** Who decorates the page: nobody (the page's own cost), our content script, or ringcentral-c2d. */
export type Contender = 'bare' | 'ours' | 'c2d';
const CONTENDERS: Contender[] = ['bare', 'ours', 'c2d'];

/** What marks a decorated number: our call button (in the document or our overlay's open shadow roots), c2d's wrapper. */
const DECORATION: Record<Exclude<Contender, 'bare'>, string> = { ours: 'button[data-pc-call]', c2d: '[data-c2d-context]' };

/** The decoration of the page's probe number (#probe), which shows that the decorating party runs. */
const PROBE: Record<Exclude<Contender, 'bare'>, string> = { ours: 'button[data-pc-call="+12125550199"]', c2d: '#probe [data-c2d-context]' };

export interface ContentBenchOptions {
  /** List sizes to load, the largest one also re-rendered; none: the infinite scroll alone. */
  rows: number[];
  /** Runs per figure; the median is reported. */
  runs: number;
  /** Infinite scroll: rows per append, ms between appends, ms of appending. */
  scroll: { batch: number; everyMs: number; forMs: number };
  /**
   * Each scenario under a performance trace (every contender, so that each pays for it), its
   * long frames attributed to the decorating party's script and the rendering after it.
   */
  attributeFrames?: boolean;
}

export const FULL_CONTENT_BENCH: ContentBenchOptions = { rows: [1000, 5000, 10_000], runs: 3, scroll: { batch: 500, everyMs: 100, forMs: 5000 } };
export const QUICK_CONTENT_BENCH: ContentBenchOptions = { rows: [2000], runs: 1, scroll: { batch: 500, everyMs: 100, forMs: 1000 } };

/** Long animation frames and long tasks (> 50 ms) from the start of a scenario. */
export interface Jank {
  frames: number;
  longestFrameMs: number;
  framesOver100: number;
  longTasks: number;
  longestTaskMs: number;
}

/** One scenario for one contender; `ms` is the time until every number was decorated (null: not within the deadline). */
export interface Measure {
  ms: number | null;
  jank: Jank;
  /** Decorations in the list, and of those the ones in phone cells: both equal the rows when detection is exact. */
  decorated: { all: number; inPhoneCells: number };
  /** After the figures settled, each phone cell decorated in place and nothing left over (crm-list.js's `inPlace`). */
  inPlace: boolean;
  /**
   * The checks by place that ran before every number was decorated and missed, and the page's
   * time they took (reads of the page's layout, on the thread the decorating party shares).
   */
  missedChecks: { checks: number; ms: number; last?: { missing: number; doubled: number; misplaced: number } };
  /** Whose time the long frames were, when traced; of the last run. */
  frameShares?: FrameShares;
}

export interface ScrollMeasure extends Measure {
  /** How long the page took for its own appends (ideally the scroll's length). */
  appendsMs: number;
}

export interface ContentFigures {
  options: ContentBenchOptions;
  load: Array<{ rows: number; results: Record<Contender, Measure> }>;
  /** Absent when no list size was loaded. */
  rerender?: { rows: number; results: Record<Contender, Measure> };
  scroll: { rows: number; results: Record<Contender, ScrollMeasure> };
  /** The built content script, minified and gzipped. */
  contentScriptGzipKiB: number;
}

/** No figure waits longer for the last decoration. */
const DECORATION_DEADLINE_MS = 180_000;

interface PageHandle {
  page: Page;
  contender: Contender;
  /** Set when the scenario runs under a trace. */
  tracing?: boolean;
}

/** The decorating party's script in a trace: our content script, or c2d's bundle. */
const SCRIPT_OF: Record<Contender, (event: FrameEvent) => boolean> = {
  bare: () => false,
  ours: (event) => event.url?.startsWith('chrome-extension://') === true,
  c2d: (event) => event.url?.endsWith('/c2d.js') === true,
};

/** Our content script on the list, ringcentral-c2d on it and the bare list, in one Chromium: figures are medians of `runs`. */
export async function benchContentScript(options: ContentBenchOptions): Promise<ContentFigures> {
  buildExtensionForTests();
  const dir = mkdtempSync(join(tmpdir(), 'pc-bench-pages-'));
  await writeBenchPages(dir);
  const site = await serveDirectory(dir);
  const browser = await launchWithExtension();
  try {
    await browser.setStorage({ sites: [{ pattern: 'http://127.0.0.1/*' }], defaultCountry: 'US' });
    await waitFor(async () => (await browser.registeredSites()).includes('http://127.0.0.1/*'), DEADLINE_MS, 'the content script to be registered for the site');
    // The extension is enabled on 127.0.0.1 only: the same page on localhost is the bare page, and c2d's.
    const other = site.url.replace('127.0.0.1', 'localhost');
    const urls: Record<Contender, string> = { ours: `${site.url}/crm-list.html`, bare: `${other}/crm-list.html`, c2d: `${other}/crm-list.html?c2d` };
    const open = async (contender: Contender): Promise<PageHandle> => {
      const page = await browser.context.newPage();
      await page.goto(urls[contender]);
      // The probe's number is decorated once the decorating party runs.
      if (contender !== 'bare') await page.locator(PROBE[contender]).first().waitFor({ timeout: DEADLINE_MS });
      return { page, contender, tracing: options.attributeFrames === true };
    };

    const largest = Math.max(...options.rows);
    const load: ContentFigures['load'] = [];
    const rerenderRuns: Record<Contender, Measure[]> = { bare: [], ours: [], c2d: [] };
    for (const rows of options.rows) {
      const runs: Record<Contender, Measure[]> = { bare: [], ours: [], c2d: [] };
      for (let run = 0; run < options.runs; run++) {
        for (const contender of CONTENDERS) {
          const handle = await open(contender);
          runs[contender].push(await measure(handle, rows, 'fill'));
          if (rows === largest) rerenderRuns[contender].push(await measure(handle, rows, 'rerender'));
          await handle.page.close();
        }
      }
      load.push({ rows, results: medians(runs) });
      console.log(`content: ${rows} rows`, summary(load.at(-1)?.results));
    }
    if (options.rows.length > 0) console.log(`content: re-render of ${largest} rows`, summary(medians(rerenderRuns)));

    const scrollRuns: Record<Contender, ScrollMeasure[]> = { bare: [], ours: [], c2d: [] };
    for (let run = 0; run < options.runs; run++) {
      for (const contender of CONTENDERS) {
        const handle = await open(contender);
        scrollRuns[contender].push(await measureScroll(handle, options.scroll));
        await handle.page.close();
      }
    }
    const scrollRows = Math.ceil(options.scroll.forMs / options.scroll.everyMs) * options.scroll.batch;
    console.log(`content: infinite scroll of ${scrollRows} rows`, summary(medians(scrollRuns)));
    return {
      options,
      load,
      ...(options.rows.length > 0 ? { rerender: { rows: largest, results: medians(rerenderRuns) } } : {}),
      scroll: { rows: scrollRows, results: medians(scrollRuns) },
      contentScriptGzipKiB: contentScriptGzipKiB(),
    };
  } finally {
    await browser.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The content script of the extension as built for the tests (the same code users get). */
export function contentScriptGzipKiB(): number {
  const script = readFileSync(join(E2E_BUILD_DIR, 'content-scripts', 'content.js'));
  return Math.round((gzipSync(script, { level: 9 }).length / 1024) * 10) / 10;
}

interface BenchWindow {
  bench: {
    fill(rows: number): number;
    rerender(): number;
    scroll(batch: number, everyMs: number, forMs: number): Promise<{ start: number; lastAppend: number; rows: number }>;
    count(selector: string): { all: number; inPhoneCells: number };
    decorated(selector: string, want: number, deadlineMs: number): Promise<{ at: number | null; missed: Measure['missedChecks'] }>;
    inPlace(selector: string): { exact: boolean };
    frames(since: number): LongFrame[];
    tasks(since: number): Array<{ duration: number }>;
  };
}
declare const window: BenchWindow;

/**
 * Runs `act` in a task of the page (it returns its start time), then waits for every number to
 * be decorated. A task, not the evaluation itself: Chromium reports no long animation frame for
 * the rendering that follows a DevTools evaluation, so the page's own cost would not show.
 */
async function measure(handle: PageHandle, rows: number, act: 'fill' | 'rerender'): Promise<Measure> {
  const { page } = handle;
  const trace = await traceScenario(handle);
  const start = await page.evaluate(([name, n]) => new Promise<number>((resolve) => setTimeout(() => resolve(name === 'fill' ? window.bench.fill(n) : window.bench.rerender()))), [act, rows] as const);
  return finish(handle, act, start, start, rows, trace);
}

async function measureScroll(handle: PageHandle, scroll: ContentBenchOptions['scroll']): Promise<ScrollMeasure> {
  const { page } = handle;
  const trace = await traceScenario(handle);
  const appended = await page.evaluate(({ batch, everyMs, forMs }) => window.bench.scroll(batch, everyMs, forMs), scroll);
  // Decoration time counts from the last append: how far the buttons lag behind the page.
  const result = await finish(handle, 'scroll', appended.start, appended.lastAppend, appended.rows, trace);
  return { ...result, appendsMs: Math.round(appended.lastAppend - appended.start) };
}

/** Starts the scenario's trace, when asked for; its end reads the trace back. */
async function traceScenario({ page, tracing }: PageHandle): Promise<(() => Promise<FrameEvent[]>) | undefined> {
  if (!tracing) return undefined;
  const cdp = await page.context().newCDPSession(page);
  await startTracing(cdp);
  return async () => {
    const pageNow = await markPageClock(page);
    const events = pageThreadEvents(await stopTracing(cdp), pageNow);
    await cdp.detach();
    return events;
  };
}

async function finish({ page, contender }: PageHandle, scenario: string, since: number, from: number, rows: number, trace?: () => Promise<FrameEvent[]>): Promise<Measure> {
  let ms: number | null = null;
  let decorated = { all: 0, inPhoneCells: 0 };
  let inPlace = true;
  let missedChecks = { checks: 0, ms: 0 };
  if (contender !== 'bare') {
    const selector = DECORATION[contender];
    const { at, missed } = await page.evaluate(([s, want, deadline]) => window.bench.decorated(s, want, deadline), [selector, rows, DECORATION_DEADLINE_MS] as const);
    ms = at === null ? null : Math.round(at - from);
    missedChecks = { ...missed, ms: Math.round(missed.ms) };
    // Late duplicates, leftovers or false positives would show here.
    await settle(page);
    decorated = await page.evaluate((s) => window.bench.count(s), selector);
    inPlace = (await page.evaluate((s) => window.bench.inPlace(s), selector)).exact;
  } else await settle(page);
  const frames = await page.evaluate((t) => window.bench.frames(t), since);
  const tasks = await page.evaluate((t) => window.bench.tasks(t), since);
  const durations = frames.map((frame) => frame.duration);
  const jank: Jank = {
    frames: frames.length,
    longestFrameMs: longest(durations),
    framesOver100: durations.filter((d) => d > 100).length,
    longTasks: tasks.length,
    longestTaskMs: longest(tasks.map((task) => task.duration)),
  };
  const events = trace ? await trace() : undefined;
  const frameShares = events ? attributeFrames(frames, events, SCRIPT_OF[contender]) : undefined;
  // Which frames its share took over 100 ms, to find them in a timeline (content-timeline.ts).
  const byIt = events && contender !== 'bare' ? attributeEachFrame(frames, events, SCRIPT_OF[contender]).filter(over100ByUs) : [];
  for (const { frame, byUsMs } of byIt) console.log(`content: ${contender}, ${scenario} of ${rows} rows: a frame over 100 ms by its share ${Math.round(frame.start - since)} ms after the change: ${Math.round(frame.duration)} ms, ${Math.round(byUsMs)} of them its`);
  return { ms, jank, decorated, inPlace, missedChecks, ...(frameShares ? { frameShares } : {}) };
}

/** Lets trailing frames end (and late work show) before the figures are read. */
async function settle(page: Page): Promise<void> {
  await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 1000)));
}

const longest = (values: number[]) => Math.round(Math.max(0, ...values));

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

/** The median of each figure over the runs; a run that missed the deadline counts as the longest time. */
function medians<T extends Measure>(runs: Record<Contender, T[]>): Record<Contender, T> {
  const result = {} as Record<Contender, T>;
  for (const contender of CONTENDERS) {
    const list = runs[contender];
    const first = list[0] as T;
    const ms = list.map((m) => m.ms ?? Number.POSITIVE_INFINITY);
    const middle = median(ms);
    const jank = Object.fromEntries(Object.keys(first.jank).map((key) => [key, median(list.map((m) => m.jank[key as keyof Jank]))])) as unknown as Jank;
    const appends = 'appendsMs' in first ? { appendsMs: median(list.map((m) => (m as unknown as ScrollMeasure).appendsMs)) } : {};
    const shares = list.at(-1)?.frameShares;
    result[contender] = { ...first, ...appends, ms: Number.isFinite(middle) ? middle : null, jank, decorated: list.at(-1)?.decorated ?? first.decorated, inPlace: list.every((m) => m.inPlace), ...(shares ? { frameShares: shares } : {}) };
  }
  return result;
}

function summary(results: Record<Contender, Measure> | undefined): string {
  if (!results) return '';
  return CONTENDERS.map((c) => `${c}: ${results[c].ms ?? '-'} ms, longest frame ${results[c].jank.longestFrameMs} ms${results[c].inPlace ? '' : ', not in place'}, checks by place missed ${results[c].missedChecks.checks} (${results[c].missedChecks.ms} ms${results[c].missedChecks.last ? `, the last ${JSON.stringify(results[c].missedChecks.last)}` : ''})`).join('; ');
}

/** The test pages (crm-list.html among them), and ringcentral-c2d bundled from node_modules (no network) as `window.c2d`. */
async function writeBenchPages(dir: string): Promise<void> {
  await buildTestPages(dir);
  await writeC2dBundle(dir);
}

/** ringcentral-c2d as `c2d.js` in `dir`, which crm-list.html?c2d loads. */
export async function writeC2dBundle(dir: string): Promise<void> {
  await build({
    stdin: { contents: "export * from 'ringcentral-c2d';", resolveDir: REPO_ROOT },
    outfile: join(dir, 'c2d.js'),
    bundle: true,
    format: 'iife',
    globalName: 'c2d',
    platform: 'browser',
    target: 'chrome120',
    define: { 'process.env.NODE_ENV': '"production"' },
    minify: true,
    logLevel: 'silent',
    alias: { events: join(import.meta.dirname, 'c2d-events.js') },
    // Its widget's images and styles do not matter here (numbers are wrapped, the widget only shows on hover).
    loader: { '.png': 'dataurl', '.svg': 'dataurl', '.scss': 'empty' },
    plugins: [withoutCoreJs, withPublishedLibphonenumber],
  });
}

/**
 * c2d with libphonenumber-js as published: our patch (patches/, each metadata pattern compiled
 * once) applies to every copy pnpm installs, c2d's too, which would make it another c2d than 2.0.3.
 */
const withPublishedLibphonenumber: Plugin = {
  name: 'with-published-libphonenumber',
  setup(builder) {
    builder.onLoad({ filter: /libphonenumber-js[\\/][^\\/]+[\\/]helpers[\\/]matchesEntirely\.js$/ }, (args) => {
      const patched = readFileSync(args.path, 'utf8');
      const published = patched.replace('entireMatcher(regularExpressionText).test(text)', () => "new RegExp('^(?:' + regularExpressionText + ')$').test(text)");
      if (published === patched) throw new Error(`${args.path}: not the patched matchesEntirely this undoes`);
      return { contents: published, loader: 'js' };
    });
  },
};

/** c2d imports core-js polyfills one by one; Chromium needs none of them. */
const withoutCoreJs: Plugin = {
  name: 'without-core-js',
  setup(builder) {
    builder.onResolve({ filter: /^core-js\// }, (args) => ({ path: args.path, namespace: 'without-core-js' }));
    builder.onLoad({ filter: /.*/, namespace: 'without-core-js' }, () => ({ contents: '' }));
  },
};
