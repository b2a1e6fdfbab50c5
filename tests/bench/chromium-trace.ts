/**
 * A performance trace of a page in Chromium, through CDP: started before the page's change,
 * read back as JSON once it is over, and its renderer main thread put on the page's clock so
 * that it lines up with what the page measured (long animation frames).
 */
import type { CDPSession, Page } from 'playwright-core';
import type { FrameEvent } from './frame-attribution.ts';

export interface TraceEvent {
  name: string;
  /** Its categories, comma-separated. */
  cat?: string;
  ph: string;
  ts: number;
  dur?: number;
  /** The thread's CPU time in the event: unlike `dur`, not stretched by other processes on a loaded machine. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: {
    name?: string;
    /** A task's (toplevel's RunTask): where in Chromium it was posted from. */
    src_file?: string;
    data?: { message?: string; url?: string; stackTrace?: Array<{ url: string }> };
    beginData?: { stackTrace?: Array<{ url: string; functionName: string }>; dirtyObjects?: number; totalObjects?: number };
    /** A Layout's roots: the DOM nodes (backend ids) its layout started from, and their depth in the layout tree. */
    endData?: { layoutRoots?: Array<{ nodeId: number; depth: number }> };
    /** An UpdateLayoutTree's elements styled. */
    elementCount?: number;
  };
}

/** The timeline's events (script, style, layout, paint), without stacks: light enough to run beside a benchmark. */
export const TIMELINE = ['devtools.timeline', 'v8.execute'];

export async function startTracing(cdp: CDPSession, categories: readonly string[] = TIMELINE): Promise<void> {
  await cdp.send('Tracing.start', { transferMode: 'ReturnAsStream', traceConfig: { includedCategories: [...categories] } });
}

export async function stopTracing(cdp: CDPSession): Promise<TraceEvent[]> {
  const complete = new Promise<string>((resolve) => cdp.once('Tracing.tracingComplete', (event) => resolve(event.stream as string)));
  await cdp.send('Tracing.end');
  const handle = await complete;
  const chunks: string[] = [];
  for (;;) {
    const chunk = await cdp.send('IO.read', { handle, size: 1 << 20 });
    chunks.push(chunk.base64Encoded ? Buffer.from(chunk.data, 'base64').toString() : chunk.data);
    if (chunk.eof) break;
  }
  await cdp.send('IO.close', { handle });
  const parsed = JSON.parse(chunks.join('')) as { traceEvents?: TraceEvent[] } | TraceEvent[];
  return Array.isArray(parsed) ? parsed : (parsed.traceEvents ?? []);
}

/** The trace's mark of the page's clock (markPageClock): its thread is the page's renderer main thread. */
export const CLOCK_MARK = 'pc-page-clock';

/** Stamps the trace from the page: the mark's trace time against the page's `performance.now()`. */
export async function markPageClock(page: Page): Promise<number> {
  return page.evaluate((mark) => {
    console.timeStamp(mark);
    return performance.now();
  }, CLOCK_MARK);
}

/** The page's clock mark in the trace (its thread is the page's renderer main thread) and what turns trace time into the page's clock (ms). */
function pageClock(events: readonly TraceEvent[], pageNow: number): { mark: TraceEvent; offsetMs: number } | undefined {
  const mark = events.find((event) => event.name === 'TimeStamp' && event.args?.data?.message === CLOCK_MARK);
  return mark && { mark, offsetMs: pageNow - mark.ts / 1000 };
}

/**
 * The complete events of the thread that ran the page's clock mark (its renderer main thread),
 * on the page's clock: `pageNow` is what `markPageClock` returned.
 */
export function pageThreadEvents(events: readonly TraceEvent[], pageNow: number): FrameEvent[] {
  const clock = pageClock(events, pageNow);
  if (!clock) throw new Error('the trace holds no clock mark of the page');
  const { mark, offsetMs } = clock;
  return events
    .filter((event) => event.ph === 'X' && event.dur !== undefined && event.pid === mark.pid && event.tid === mark.tid)
    .map((event) => ({
      name: event.name,
      start: event.ts / 1000 + offsetMs,
      duration: (event.dur ?? 0) / 1000,
      ...(event.tdur !== undefined ? { cpu: event.tdur / 1000 } : {}),
      ...(event.args?.data?.url ? { url: event.args.data.url } : {}),
      ...(event.args?.src_file ? { postedFrom: event.args.src_file } : {}),
      ...(event.cat?.split(',').includes('toplevel') ? { toplevel: true } : {}),
    }));
}

/** The page's renderer main thread's `console.timeStamp` marks whose message starts with `prefix` (a probe build's), on the page's clock. */
export function pageThreadMarks(events: readonly TraceEvent[], pageNow: number, prefix: string): Array<{ at: number; message: string }> {
  const clock = pageClock(events, pageNow);
  if (!clock) return [];
  const { mark, offsetMs } = clock;
  return events
    .filter((event) => event.name === 'TimeStamp' && event.pid === mark.pid && event.tid === mark.tid && event.args?.data?.message?.startsWith(prefix))
    .map((event) => ({ at: event.ts / 1000 + offsetMs, message: event.args?.data?.message ?? '' }))
    .sort((a, b) => a.at - b.at);
}

/**
 * The events that ran between `from` and `to`, one still running at `to` cut there (its CPU in
 * proportion): the task in which the bench's poll saw every number goes on with its last check
 * by place (0.5–1 s at 10,000 rows), which is after the figure and not the poll's cost before it.
 */
export function eventsBetween(events: readonly FrameEvent[], from: number, to: number | null): FrameEvent[] {
  const between: FrameEvent[] = [];
  for (const event of events) {
    const end = event.start + event.duration;
    if (end <= from || (to !== null && event.start >= to)) continue;
    if (to === null || end <= to) {
      between.push(event);
      continue;
    }
    const share = (to - event.start) / event.duration;
    between.push({ ...event, duration: to - event.start, ...(event.cpu !== undefined ? { cpu: event.cpu * share } : {}) });
  }
  return between;
}
