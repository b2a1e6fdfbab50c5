/**
 * `npx tsx tests/bench/content-scroll-profile.ts [--batch 500] [--every 100] [--for 5000] [--bare] [--out FILE]`: where
 * the main thread's time goes while the bench's infinite scroll (crm-list.html, 500 rows every
 * 100 ms for 5 s) runs with our content script (issue #12). Builds the extension unminified
 * (`buildExtensionForTests({ unminified: true })`) so that functions keep their names, runs the scroll once under the CDP
 * sampling profiler and a performance trace, and prints: the page's appends and the buttons' lag
 * (as the bench measures them, slowed by the profiling), our script's time by entry point and by
 * function, and the renderer's main thread by phase (script, style, layout, pre-paint, paint),
 * with the style and layout forced inside script split by whose script forced them. A probe:
 * prints its tables, writes no docs.
 */
import { writeFileSync } from 'node:fs';
import { startTracing, stopTracing, type TraceEvent } from './chromium-trace.ts';
import { type CpuProfile, largestFirst, type Stack, sumSelfTime } from './cpu-profile.ts';
import { openCrmList } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';
import { relayoutsAfterOurPass } from './layout-roots.ts';

const args = process.argv.slice(2);
/** `--bare`: the page without the extension, what it costs by itself. */
const bare = args.includes('--bare');
/** `--out FILE`: the profile and the trace, kept as JSON for a closer look. */
const out = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
const scroll = { batch: positiveIntegerFlag(args, '--batch', 500), everyMs: positiveIntegerFlag(args, '--every', 100), forMs: positiveIntegerFlag(args, '--for', 5000) };

/** Our own functions' time, counted once per sample under the first of these found from the stack's root. */
const ENTRY_POINTS = ['onMutations', 'readSlice', 'write', 'frame', 'markStale', 'measureNextFrame', 'onScroll', 'settle'];

/** Trace events that run script: their own time is script, layouts and styles inside them are forced. */
const SCRIPT_EVENTS = new Set(['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'RunMicrotasks', 'EventDispatch', 'v8.run', 'V8.Execute', 'v8.callFunction', 'RunTask', 'ResizeObserverLoop']);

/** The trace's mark of the last append. */
const LAST_APPEND = 'pc-last-append';

const PHASES: Record<string, string> = {
  UpdateLayoutTree: 'style',
  RecalculateStyles: 'style',
  Layout: 'layout',
  PrePaint: 'pre-paint',
  Paint: 'paint',
  Layerize: 'paint',
  UpdateLayer: 'paint',
  Commit: 'commit',
  HitTest: 'hit test',
  ParseHTML: 'parse HTML',
  MajorGC: 'gc',
  MinorGC: 'gc',
  'V8.GC_SCAVENGER': 'gc',
};

const { browser, page, close } = await openCrmList({ unminified: true, bare });
try {
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await startTracing(cdp, ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'disabled-by-default-devtools.timeline.stack', 'v8.execute']);
  await cdp.send('Profiler.start');
  const appended = await page.evaluate((s) => (window as unknown as BenchWindow).bench.scroll(s.batch, s.everyMs, s.forMs), scroll);
  // The trace's figures count until here: what the page's appends shared the thread with.
  await page.evaluate((mark) => console.timeStamp(mark), LAST_APPEND);
  const at = bare ? appended.lastAppend : await (await page.evaluate((want) => (window as unknown as BenchWindow).bench.decorated('button[data-pc-call]', want, 180_000), appended.rows)).at;
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  const events = await stopTracing(cdp);
  if (out) writeFileSync(out, JSON.stringify({ profile, events }));
  console.log(`scroll of ${appended.rows} rows: appends ${Math.round(appended.lastAppend - appended.start)} ms; every button ${at === null ? 'not within 180 s' : `${Math.round(at - appended.lastAppend)} ms after the last append`}`);
  printProfile(profile);
  printTrace(events);
} finally {
  await close();
}

interface BenchWindow {
  bench: {
    scroll(batch: number, everyMs: number, forMs: number): Promise<{ start: number; lastAppend: number; rows: number }>;
    decorated(selector: string, want: number, deadlineMs: number): Promise<{ at: number | null }>;
  };
}

function isOurs(url: string): boolean {
  return url.startsWith('chrome-extension://');
}

function ms(us: number): number {
  return Math.round(us / 1000);
}

/** Our script's self time by entry point and by function, against the page's script and the browser's native work seen by the profiler. */
function printProfile(profile: CpuProfile): void {
  const runsOurs = (stack: Stack) => stack.some((frame) => isOurs(frame.url));
  const whose = sumSelfTime(profile, { untilNextSample: true, key: (stack) => (runsOurs(stack) ? 'ours' : stack.some((frame) => frame.url.startsWith('http')) ? 'page' : 'other') });
  const byEntry = sumSelfTime(profile, {
    untilNextSample: true,
    ours: runsOurs,
    key: (stack) => [...stack].reverse().find((frame) => isOurs(frame.url) && ENTRY_POINTS.includes(frame.functionName))?.functionName ?? 'other',
  });
  const byFunction = sumSelfTime(profile, {
    untilNextSample: true,
    ours: runsOurs,
    // A native (getClientRects, checkVisibility) counts under its own name: what it makes the browser do.
    key: ([running]) => (isOurs(running.url) || running.url === '' ? running.functionName || '(anonymous)' : `${running.functionName} (lib)`),
  });
  const whoseMs = (key: string) => ms(whose.byKey.get(key) ?? 0);
  console.log(`\nCPU profile (sampled; ms): ours ${whoseMs('ours')}, the page's script ${whoseMs('page')}, other (GC, browser, program) ${whoseMs('other')}`);
  console.log('ours by entry point:', table(byEntry.byKey));
  console.log('ours by function (self, natives by name):', table(byFunction.byKey, 25));
}

/**
 * The page's renderer main thread: CPU time (the trace's thread time: a loaded machine stretches
 * wall time, not this) by phase, self time; style and layout forced inside script, by whose script.
 */
function printTrace(events: TraceEvent[]): void {
  const names = new Map<string, string>();
  for (const event of events) if (event.ph === 'M' && event.name === 'thread_name' && event.args?.name) names.set(`${event.pid}:${event.tid}`, event.args.name);
  const threads = new Map<string, TraceEvent[]>();
  for (const event of events) {
    if (event.ph !== 'X' || event.dur === undefined) continue;
    const key = `${event.pid}:${event.tid}`;
    if (names.get(key) !== 'CrRendererMain') continue;
    threads.set(key, [...(threads.get(key) ?? []), event]);
  }
  // The page's renderer: the main thread that laid out the most.
  const layoutTime = (list: TraceEvent[]) => list.filter((e) => e.name === 'Layout').reduce((sum, e) => sum + (e.dur ?? 0), 0);
  const main = [...threads.values()].sort((a, b) => layoutTime(b) - layoutTime(a))[0] ?? [];
  main.sort((a, b) => a.ts - b.ts || (b.dur ?? 0) - (a.dur ?? 0));
  const byPhase = new Map<string, number>();
  const forced = new Map<string, number>();
  const lastAppend = events.find((event) => event.name === 'TimeStamp' && event.args?.data?.message === LAST_APPEND)?.ts ?? Number.POSITIVE_INFINITY;
  const cpu = (event: TraceEvent) => event.tdur ?? event.dur ?? 0;
  const stack: Array<{ event: TraceEvent; children: number }> = [];
  let busy = 0;
  const close = (until: number) => {
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as { event: TraceEvent; children: number };
      if (top.event.ts + (top.event.dur ?? 0) > until) break;
      stack.pop();
      const self = cpu(top.event) - top.children;
      const phase = PHASES[top.event.name] ?? (SCRIPT_EVENTS.has(top.event.name) ? 'script' : 'other');
      byPhase.set(phase, (byPhase.get(phase) ?? 0) + self);
      const parent = stack[stack.length - 1];
      if (parent) parent.children += cpu(top.event);
      else busy += cpu(top.event);
      if ((phase === 'style' || phase === 'layout') && stack.some((open) => SCRIPT_EVENTS.has(open.event.name) && open.event.name !== 'RunTask')) {
        const trace = top.event.args?.beginData?.stackTrace ?? top.event.args?.data?.stackTrace ?? [];
        const who = trace.length === 0 ? 'unknown' : trace.some((frame) => isOurs(frame.url)) ? 'ours' : 'page';
        const key = `${phase} forced by ${who}`;
        forced.set(key, (forced.get(key) ?? 0) + cpu(top.event));
        forced.set(`${key} (count)`, (forced.get(`${key} (count)`) ?? 0) + 1000);
      }
    }
  };
  for (const event of main) {
    if (event.ts > lastAppend) break;
    close(event.ts);
    stack.push({ event, children: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  console.log(`\nrenderer main thread until the last append, CPU ${ms(busy)} ms; self CPU time by phase (trace; ms):`, table(byPhase));
  console.log('style and layout forced inside script (ms; counts as "(count)"):', table(forced));
  printRelayouts(main.filter((event) => event.ts <= lastAppend));
}

/**
 * The layouts after the overlay's pass, by where they start (depth in the layout tree; 1: the
 * document, the whole page laid out again): how many, their CPU, the first and the last (a cost
 * growing with the list shows there).
 */
function printRelayouts(threadEvents: TraceEvent[]): void {
  const byDepth = new Map<string, number[]>();
  for (const { depths, cpuMs } of relayoutsAfterOurPass(threadEvents, isOurs)) {
    const key = depths.join(',');
    byDepth.set(key, [...(byDepth.get(key) ?? []), cpuMs]);
  }
  console.log('\nlayouts after our pass, by their roots\' depth (1: the document; CPU ms):');
  for (const [depths, cpu] of byDepth) {
    const total = cpu.reduce((sum, one) => sum + one, 0);
    console.log(`  depth ${depths.padEnd(10)} ${String(cpu.length).padStart(4)} layouts ${String(Math.round(total)).padStart(6)} ms, first ${cpu[0]?.toFixed(1)} ms, last ${cpu.at(-1)?.toFixed(1)} ms`);
  }
}

function table(values: Map<string, number>, top = 12): string {
  return `\n${largestFirst(values, top)
    .map(([name, us]) => `  ${name.padEnd(48)} ${String(ms(us)).padStart(7)}`)
    .join('\n')}`;
}
