/**
 * `tsx tests/bench/content-timeline.ts [fill|rerender] [--rows N]`: where the time goes between
 * the page's change of the generated CRM list (tests/e2e/pages/crm-list.html) and every number
 * decorated by our content script, as users get it (minified). A performance trace of the
 * renderer's main thread, cut into frames (each ends with its layerize): per frame, its span, our
 * script (slices and overlay passes, the count in brackets), style, layout, pre-paint and paint,
 * and the page's timers (the page's decoration poll among them). Then the thread's CPU time after
 * the page's own frame (parse, style and layout of its change): ours, the rendering, the rest. On a
 * loaded machine compare CPU, and runs of two trees taken alternately.
 */
import { markPageClock, pageThreadEvents, startTracing, stopTracing } from './chromium-trace.ts';
import type { FrameEvent } from './frame-attribution.ts';
import { changeRows, DECORATION, decoratedAt, openCrmList, prepareRowsChange } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';

const args = process.argv.slice(2);
const scenario = args.includes('rerender') ? 'rerender' : 'fill';
const rows = positiveIntegerFlag(args, '--rows', 10_000);

type Share = 'ours' | 'style' | 'layout' | 'prePaint' | 'paint' | 'timers' | 'other';
const SHARES: Share[] = ['ours', 'style', 'layout', 'prePaint', 'paint', 'timers', 'other'];
const RENDERING: Share[] = ['style', 'layout', 'prePaint', 'paint'];

const isOurs = (event: FrameEvent) => event.url?.startsWith('chrome-extension://') === true;

function shareOf(event: FrameEvent): Share {
  if (isOurs(event)) return 'ours';
  if (event.name === 'UpdateLayoutTree') return 'style';
  if (event.name === 'Layout') return 'layout';
  if (event.name === 'PrePaint') return 'prePaint';
  if (event.name === 'Paint' || event.name === 'Layerize') return 'paint';
  return event.name === 'TimerFire' ? 'timers' : 'other';
}

/** The outermost events: nested ones (a layout forced inside a script) count in their parent's share. */
function outermost(events: readonly FrameEvent[]): FrameEvent[] {
  const sorted = [...events].sort((a, b) => a.start - b.start || b.duration - a.duration);
  const top: FrameEvent[] = [];
  let end = Number.NEGATIVE_INFINITY;
  for (const event of sorted) {
    if (event.start < end) continue;
    top.push(event);
    end = event.start + event.duration;
  }
  return top;
}

const { browser, page, close } = await openCrmList();
try {
  await prepareRowsChange(page, scenario, rows);
  await page.evaluate(`window.bench.mark('${DECORATION}')`);
  const cdp = await browser.context.newCDPSession(page);
  await startTracing(cdp);
  const start = await changeRows(page, scenario, rows);
  const at = await decoratedAt(page, rows);
  const pageNow = await markPageClock(page);
  const events = outermost(pageThreadEvents(await stopTracing(cdp), pageNow)).filter((event) => event.start >= start - 1 && (at === null || event.start < at));
  console.log(`${scenario} of ${rows} rows: ${at === null ? 'not decorated within the deadline' : `decorated ${Math.round(at - start)} ms after the change`}`);
  printFrames(events, start);
} finally {
  await close();
}

function printFrames(events: readonly FrameEvent[], start: number): void {
  console.log(`${'from ms'.padStart(8)} ${'span'.padStart(6)} ${SHARES.map((share) => share.padStart(9)).join(' ')}`);
  const cpuAfter = new Map<Share, number>();
  let pageFrameDone = false;
  let frame = new Map<Share, number>();
  let scripts = 0;
  let from = start;
  for (const event of events) {
    const share = shareOf(event);
    frame.set(share, (frame.get(share) ?? 0) + event.duration);
    if (share === 'ours') scripts++;
    if (pageFrameDone) cpuAfter.set(share, (cpuAfter.get(share) ?? 0) + (event.cpu ?? event.duration));
    if (event.name !== 'Layerize') continue;
    const end = event.start + event.duration;
    const cells = SHARES.map((share) => (share === 'ours' ? `${Math.round(frame.get(share) ?? 0)}(${scripts})` : String(Math.round(frame.get(share) ?? 0))).padStart(9));
    console.log(`${String(Math.round(from - start)).padStart(8)} ${String(Math.round(end - from)).padStart(6)} ${cells.join(' ')}`);
    // The first frame that laid out is the page's own (its change parsed, styled and laid out).
    if ((frame.get('layout') ?? 0) > 0) pageFrameDone = true;
    frame = new Map();
    scripts = 0;
    from = end;
  }
  const cpu = (shares: Share[]) => Math.round(shares.reduce((sum, share) => sum + (cpuAfter.get(share) ?? 0), 0));
  console.log(`thread CPU after the page's frame (ms): ours ${cpu(['ours'])}, rendering ${cpu(RENDERING)}, timers ${cpu(['timers'])}, other ${cpu(['other'])}`);
}
