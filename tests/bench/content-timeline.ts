/**
 * `tsx tests/bench/content-timeline.ts [fill|rerender|scroll] [--rows N] [--c2d] [--bare] [--whole] [--gc] [--settle] [--tasks] [--extension DIR]`: where the time goes
 * between the page's change of the generated CRM list (tests/e2e/pages/crm-list.html) and every
 * number decorated (`scroll`: the bench's infinite scroll, 500 rows every 100 ms for 5 s, from its
 * last append on: the frames from the task of that append), by our content script as users get it (minified) or, with `--c2d`, by
 * ringcentral-c2d as the bench runs it. A performance trace of the renderer's main thread, cut into
 * frames (each ends with its layerize): per frame, its span, the time no event ran (idle), the
 * decorating party's script (tasks of its own, the count in brackets; passes in the frame's
 * rendering, after its style and layout, and its animation frame callbacks; callbacks inside the
 * page's tasks, such as a mutation observer's), style, layout, pre-paint and paint, and the page's
 * timers (the bench's decoration poll among them), and the party's thread CPU in it (column cpu), and their sums. `scroll --whole`: from
 * the scroll's first append on, what the appends shared the thread with; with `--bare`, the page alone (no party). Then, after the page's own frame (parse, style
 * and layout of its change): the frames, wall time and idle time, the thread's CPU time by share,
 * when the party's last script ended and when the bench's poll saw every number (and its checks by
 * place that missed before); with `scroll`, the last append's frame apart: its layerize after the
 * append, the thread's CPU in it by share, and the bench's poll after it; with `--gc`, the
 * garbage collections inside the party's scripts since the change (V8's, and Blink's own heap's by
 * event name, a step nested in another counted under each); with `--settle`, the long frames
 * as the bench takes them, until after its own check of every number by place (it waits 1 s, then
 * counts and checks them): a frame of ours may come only then; and the party's CPU until then. On a loaded
 * machine compare CPU, and runs of two trees taken alternately (`--extension`: another tree's
 * build, its extension/.output-e2e/chrome-mv3, loaded instead of this tree's). With `--tasks`, the thread's
 * tasks after the page's frame until the bench saw every number, by kind, and the time no task ran
 * at all (the frames' idle is time with no timeline event: Blink's heap sweeps, the browser's own
 * tasks), and a probe build's `console.timeStamp` marks (`pc:` …) in order.
 */
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { eventsBetween, markPageClock, pageThreadEvents, pageThreadMarks, startTracing, stopTracing, TIMELINE, type TraceEvent } from './chromium-trace.ts';
import { attributeEachFrame, type FrameEvent, type LongFrame, over100ByUs } from './frame-attribution.ts';
import { C2D_DECORATION, changeRows, DECORATION, openCrmList, pollDecorated, prepareRowsChange } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';
import { accountTasks, TASK_KINDS, type TaskKind } from './task-account.ts';

const args = process.argv.slice(2);
const scenario = args.includes('rerender') ? 'rerender' : args.includes('scroll') ? 'scroll' : 'fill';
const rows = positiveIntegerFlag(args, '--rows', 10_000);
const c2d = args.includes('--c2d');
/** The page without the extension: what the page's own frames cost (with `scroll --whole`). */
const bare = args.includes('--bare');
/** `scroll`: from its first append on, not its last. */
const whole = args.includes('--whole');
/** Also trace V8's garbage collections (its own categories: a heavier trace): how much of the party's script they take. */
const gc = args.includes('--gc');
/**
 * After every number was seen, what the bench does before it reads the frames: a second's wait, its
 * count and its check by place. A headless page draws no frame while idle, so a pass of ours
 * asked for then waits for that check's frame: the scroll's frame over 100 ms 20.5 s after the
 * change in a bench run, our far hosts' sentinels read in it (issue #12).
 */
const settle = args.includes('--settle');
/**
 * Also trace the thread's tasks (Chromium's `toplevel` category): what holds the thread after the
 * page's frame, task by task, and when none runs (issue #12: is the time to decorated waiting or working?).
 */
const tasks = args.includes('--tasks');
const extensionDir = args.includes('--extension') ? resolve(args[args.indexOf('--extension') + 1] ?? '') : undefined;
const decoration = c2d ? C2D_DECORATION : DECORATION;

type Share = 'tasks' | 'render' | 'inPage' | 'style' | 'layout' | 'prePaint' | 'paint' | 'timers' | 'other';
const SHARES: Share[] = ['tasks', 'render', 'inPage', 'style', 'layout', 'prePaint', 'paint', 'timers', 'other'];
const PARTY: Share[] = ['tasks', 'render', 'inPage'];
const RENDERING: Share[] = ['style', 'layout', 'prePaint', 'paint'];
const SCRIPT = new Set(['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'EventDispatch', 'v8.callFunction', 'V8.Execute', 'RunMicrotasks']);

/** V8's collections, as the timeline records them: a scavenge of the young generation, and a mark-compact of the whole heap (or a step of its incremental marking). */
const GC = new Set(['MinorGC', 'MajorGC', 'V8.GCIncrementalMarking']);
/**
 * Blink's own heap (Oilpan, cppgc): the DOM's nodes, computed style declarations, rect lists. Its
 * sweep runs lazily, on the main thread, in whatever allocates into a page that still holds dead
 * objects: after a re-render, the old rows' nodes (issue #12).
 */
const BLINK_GC_CATEGORIES = ['cppgc', 'disabled-by-default-cppgc', 'blink_gc', 'disabled-by-default-blink_gc'];
const isBlinkGc = (name: string) => /^(CppGC|BlinkGC)\./.test(name);

const isParty = (event: FrameEvent) => (c2d ? event.url?.endsWith('/c2d.js') === true : event.url?.startsWith('chrome-extension://') === true);

function shareOf(event: FrameEvent): Share {
  if (event.name === 'UpdateLayoutTree') return 'style';
  if (event.name === 'Layout') return 'layout';
  if (event.name === 'PrePaint') return 'prePaint';
  if (event.name === 'Paint' || event.name === 'Layerize') return 'paint';
  return event.name === 'TimerFire' ? 'timers' : 'other';
}

/**
 * The outermost events, and the party's outermost scripts inside them (a mutation observer's
 * callback in the page's task, an animation frame callback): nested events count in their
 * parent's share, except the party's script, which is taken out of its parent's.
 */
function outermost(events: readonly FrameEvent[]): Array<{ event: FrameEvent; inside?: FrameEvent }> {
  const sorted = [...events].sort((a, b) => a.start - b.start || b.duration - a.duration);
  const top: Array<{ event: FrameEvent; inside?: FrameEvent }> = [];
  let outer: FrameEvent | undefined;
  let partyEnd = Number.NEGATIVE_INFINITY;
  for (const event of sorted) {
    const end = event.start + event.duration;
    if (outer && event.start < outer.start + outer.duration) {
      if (isParty(event) && SCRIPT.has(event.name) && event.start >= partyEnd) {
        top.push({ event, inside: outer });
        partyEnd = end;
      }
      continue;
    }
    outer = event;
    top.push({ event });
    if (isParty(event)) partyEnd = end;
  }
  return top;
}

const { browser, page, close } = await openCrmList({ c2d, bare, extensionDir });
try {
  if (scenario !== 'scroll') await prepareRowsChange(page, scenario, rows, decoration);
  const cdp = await browser.context.newCDPSession(page);
  await startTracing(cdp, [...TIMELINE, ...(gc ? ['v8', 'disabled-by-default-v8.gc', ...BLINK_GC_CATEGORIES] : []), ...(tasks ? ['toplevel'] : [])]);
  const change = scenario === 'scroll' ? await scrollRows(page) : { start: await changeRows(page, scenario, rows), rows, end: null };
  const { start } = change;
  const polled = bare ? null : await pollDecorated(page, change.rows, decoration);
  const at = bare ? change.end : (polled?.at ?? null);
  if (settle) await settleAsTheBench(page);
  const pageNow = await markPageClock(page);
  // The last append's clock is read in its task, after the append: that task counts whole.
  const trace: TraceEvent[] = await stopTracing(cdp);
  // The tasks (--tasks) and the rest of the toplevel category are kept apart: the frames' shares are taken from the events inside them.
  const all = pageThreadEvents(trace, pageNow);
  const traced = all.filter((event) => !event.toplevel);
  const events = eventsBetween(traced, start - 1, at);
  console.log(`${c2d ? 'c2d' : bare ? 'bare' : 'ours'}, ${scenario} of ${change.rows} rows: ${at === null ? 'not decorated within the deadline' : `decorated ${Math.round(at - start)} ms after the ${scenario === 'scroll' ? 'last append' : 'change'}`}`);
  if (polled) console.log(`the bench's checks by place that missed before: ${polled.missed.checks} (${Math.round(polled.missed.ms)} ms)`);
  // The frames see the events of the default trace only: V8's own (--gc) nest our tasks in theirs.
  const pageFrameEnd = printFrames(outermost(gc ? events.filter((event) => event.name === 'V8.Execute' || !/^v8\./i.test(event.name)) : events), start, at, change.end);
  if (tasks) printTasks(eventsBetween(all, start - 1, at), pageFrameEnd ?? start, start);
  if (tasks) for (const { at: markAt, message } of pageThreadMarks(trace, pageNow, 'pc:')) console.log(`  mark at ${Math.round(markAt - start)} ms: ${message}`);
  if (gc) printPartyGc(events);
  // With --settle, the frames after every number was seen too, whose events are past `at`.
  if (settle) printPartyCpuSettled(outermost(eventsBetween(traced, start - 1, null)));
  printLongFrames((await page.evaluate(`window.bench.frames(${start})`)) as LongFrame[], settle ? eventsBetween(traced, start - 1, null) : events, start);
} finally {
  await close();
}

/**
 * The party's CPU from the change on through the bench's wait and check: its work after every
 * number was seen counts too (the overlay checks the places of buttons it handed back unread
 * after a re-render, issue #12).
 */
function printPartyCpuSettled(events: ReadonlyArray<{ event: FrameEvent }>): void {
  const cpu = events.reduce((sum, { event }) => (isParty(event) ? sum + (event.cpu ?? event.duration) : sum), 0);
  console.log(`the party's CPU from the change through the bench's wait and check: ${Math.round(cpu)} ms`);
}

/** As the bench does once every number was seen (tests/bench/content.ts's `finish`): wait a second, count the decorations, check them by place. */
async function settleAsTheBench(page: Page): Promise<void> {
  await page.evaluate('new Promise((resolve) => setTimeout(resolve, 1000))');
  await page.evaluate(`window.bench.count('${decoration}')`);
  await page.evaluate(`window.bench.inPlace('${decoration}')`);
}

/** The bench's infinite scroll; `start` is its last append (its first with --whole), `end` its last. */
async function scrollRows(page: Page): Promise<{ start: number; rows: number; end: number }> {
  const appended = (await page.evaluate('window.bench.scroll(500, 100, 5000)')) as { start: number; lastAppend: number; rows: number };
  console.log(`the page's appends took ${Math.round(appended.lastAppend - appended.start)} ms`);
  return { start: whole ? appended.start : appended.lastAppend, rows: appended.rows, end: appended.lastAppend };
}

/**
 * Prints the frames and what followed the page's own; returns when the page's frame ended
 * (undefined: none laid out). `lastAppend`: the scroll's, whose frame is told apart.
 */
function printFrames(events: ReadonlyArray<{ event: FrameEvent; inside?: FrameEvent }>, start: number, at: number | null, lastAppend: number | null): number | undefined {
  console.log(`${'from ms'.padStart(8)} ${'span'.padStart(6)} ${'idle'.padStart(6)} ${'cpu'.padStart(5)} ${SHARES.map((share) => share.padStart(9)).join(' ')}`);
  const cpuAfter = new Map<Share, number>();
  /** The thread's CPU in the current frame by share; the last append's frame's, kept. */
  let frameCpu = new Map<Share, number>();
  let lastAppendFrame: { from: number; end: number; cpu: Map<Share, number> } | undefined;
  let afterPageFrame: { from: number; frames: number; idle: number } | undefined;
  let frame = new Map<Share, number>();
  let busy = 0;
  let tasks = 0;
  /** The party's thread CPU in the frame: on a loaded machine its wall time is stretched by other processes, this is not. */
  let partyCpu = 0;
  const partyCpuPerFrame: number[] = [];
  /** Every frame's figures summed: span, idle, the party's CPU, then each share. */
  const sums = { frames: 0, span: 0, idle: 0, cpu: 0, shares: new Map<Share, number>() };
  let rendering = false;
  let from = start;
  let partyEnd = start;
  for (const { event, inside } of events) {
    let share = shareOf(event);
    if (isParty(event)) {
      share = inside && inside.name !== 'FireAnimationFrame' ? 'inPage' : inside || rendering ? 'render' : 'tasks';
      partyEnd = Math.max(partyEnd, event.start + event.duration);
      partyCpu += event.cpu ?? event.duration;
      if (share === 'tasks') tasks++;
    }
    // The party's script inside a page's event is taken out of that event's share.
    const parentShare = inside ? shareOf(inside) : undefined;
    frame.set(share, (frame.get(share) ?? 0) + event.duration);
    if (parentShare) frame.set(parentShare, (frame.get(parentShare) ?? 0) - event.duration);
    else busy += event.duration;
    for (const cpu of afterPageFrame ? [frameCpu, cpuAfter] : [frameCpu]) {
      cpu.set(share, (cpu.get(share) ?? 0) + (event.cpu ?? event.duration));
      if (parentShare) cpu.set(parentShare, (cpu.get(parentShare) ?? 0) - (event.cpu ?? event.duration));
    }
    // From the frame's animation frame callbacks on, the party's script runs in its rendering (after layout: a resize observer's notice).
    if (!inside && (event.name === 'FireAnimationFrame' || share === 'style' || share === 'layout' || share === 'prePaint')) rendering = true;
    if (event.name !== 'Layerize' || inside) continue;
    const end = event.start + event.duration;
    const idle = end - from - busy;
    const cells = SHARES.map((one) => (one === 'tasks' ? `${Math.round(frame.get(one) ?? 0)}(${tasks})` : String(Math.round(frame.get(one) ?? 0))).padStart(9));
    console.log(`${String(Math.round(from - start)).padStart(8)} ${String(Math.round(end - from)).padStart(6)} ${String(Math.round(idle)).padStart(6)} ${String(Math.round(partyCpu)).padStart(5)} ${cells.join(' ')}`);
    sums.frames++;
    sums.span += end - from;
    sums.idle += idle;
    sums.cpu += partyCpu;
    for (const [share, ms] of frame) sums.shares.set(share, (sums.shares.get(share) ?? 0) + ms);
    if (afterPageFrame) {
      partyCpuPerFrame.push(partyCpu);
      afterPageFrame.frames++;
      afterPageFrame.idle += idle;
    } else if ((frame.get('layout') ?? 0) > 0) {
      // The first frame that laid out is the page's own (its change parsed, styled and laid out).
      afterPageFrame = { from: end, frames: 0, idle: 0 };
    }
    if (lastAppend !== null && from <= lastAppend && lastAppend < end) lastAppendFrame = { from, end, cpu: frameCpu };
    frame = new Map();
    frameCpu = new Map();
    busy = 0;
    tasks = 0;
    partyCpu = 0;
    rendering = false;
    from = end;
  }
  const summed = SHARES.map((share) => `${share} ${Math.round(sums.shares.get(share) ?? 0)}`).join(', ');
  console.log(`in all ${sums.frames} frames (ms): span ${Math.round(sums.span)}, idle ${Math.round(sums.idle)}, the party's CPU ${Math.round(sums.cpu)}; ${summed}`);
  if (at !== null) console.log(`after the last frame until the bench saw every number: ${Math.round(at - from)} ms, idle ${Math.round(at - from - busy)} ms`);
  if (lastAppendFrame) printLastAppendFrame(lastAppendFrame, lastAppend as number, at);
  if (!afterPageFrame) return undefined;
  const cpu = (shares: Share[]) => Math.round(shares.reduce((sum, share) => sum + (cpuAfter.get(share) ?? 0), 0));
  const since = (time: number) => Math.round(time - (afterPageFrame?.from ?? start));
  console.log(`after the page's frame (ends at ${Math.round(afterPageFrame.from - start)} ms): ${afterPageFrame.frames} frames, idle ${Math.round(afterPageFrame.idle)} ms`);
  console.log(
    `thread CPU after the page's frame (ms): party ${cpu(PARTY)} (tasks ${cpu(['tasks'])}, in rendering ${cpu(['render'])}, in the page's tasks ${cpu(['inPage'])}), rendering ${cpu(RENDERING)}, timers ${cpu(['timers'])}, other ${cpu(['other'])}`,
  );
  const largest = Math.round(Math.max(0, ...partyCpuPerFrame));
  const over = (ms: number) => partyCpuPerFrame.filter((cpu) => cpu > ms).length;
  console.log(`the party's CPU per frame after the page's frame: largest ${largest} ms, over 50 ms in ${over(50)} frames, over 100 ms in ${over(100)}`);
  console.log(`the party's last script ended ${since(partyEnd)} ms after the page's frame; the bench saw every number ${at === null ? 'never' : `${since(at)} ms after it`}`);
  return afterPageFrame.from;
}

/**
 * The scroll's last append's frame: the time to decorated after the append is the rest of that
 * frame (the page's parse, style and layout of its 25,000 rows, which a loaded machine stretches
 * in wall time, not in CPU), then the bench's poll; the thread's CPU in it by share tells two
 * trees apart where its wall time cannot (issue #12).
 */
function printLastAppendFrame(frame: { from: number; end: number; cpu: Map<Share, number> }, lastAppend: number, at: number | null): void {
  const cpu = (shares: Share[]) => Math.round(shares.reduce((sum, share) => sum + (frame.cpu.get(share) ?? 0), 0));
  console.log(
    `the last append's frame: its layerize ${Math.round(frame.end - lastAppend)} ms after the append (the frame ${Math.round(frame.end - frame.from)} ms), thread CPU in it ${cpu(SHARES)} ms: the page's rendering ${cpu(RENDERING)}, the party's ${cpu(PARTY)}, the page's timers ${cpu(['timers'])}, other ${cpu(['other'])}; the bench saw every number ${at === null ? 'never' : `${Math.round(at - frame.end)} ms after its layerize`}`,
  );
}

/** The thread's tasks from the page's frame's end on (task-account.ts), and the time in no task: what waits, not what works. */
function printTasks(events: readonly FrameEvent[], from: number, start: number): void {
  const { byKind, partyInFrames, running, idle } = accountTasks(events, from - 0.01, (inside) =>
    outermost(inside)
      .map(({ event }) => event)
      .filter((event) => isParty(event) && SCRIPT.has(event.name)),
  );
  const ms = (value: number) => Math.round(value);
  const kinds = (Object.keys(TASK_KINDS) as TaskKind[]).map((kind) => {
    const { count, wall, cpu } = byKind[kind];
    const inFrames = kind === 'frames' ? ` (the party's passes in them ${ms(partyInFrames.wall)} / ${ms(partyInFrames.cpu)})` : '';
    return `${TASK_KINDS[kind]} ${count}: ${ms(wall)} / ${ms(cpu)}${inFrames}`;
  });
  console.log(
    `tasks from the page's frame's layerize (${ms(from - start)} ms) until the bench saw every number, wall / CPU ms: the page's frame's task after it ${ms(running.wall)} / ${ms(running.cpu)}; ${kinds.join('; ')}; in no task ${ms(idle)}`,
  );
}

/**
 * The page's long animation frames (as the bench counts them, from the change until every number
 * was seen) and of those over 100 ms, the party's share of each as the bench's frames table takes
 * it (tests/bench/frame-attribution.ts) and what ran in them by share (wall ms, CPU of the party's):
 * which frames its share took over 100 ms, and what of its work is in them.
 */
function printLongFrames(frames: readonly LongFrame[], events: readonly FrameEvent[], start: number): void {
  const shares = attributeEachFrame(frames, events, isParty).filter(({ frame }) => frame.duration > 100);
  console.log(`long animation frames: ${frames.length}, over 100 ms: ${shares.length}, over 100 ms by the party's share: ${shares.filter(over100ByUs).length}`);
  for (const share of shares) {
    const { frame } = share;
    const inside = events.filter((event) => event.start >= frame.start && event.start < frame.start + frame.duration);
    const byShare = new Map<Share, { wall: number; cpu: number; count: number }>();
    for (const { event, inside: outer } of outermost(inside)) {
      const share = isParty(event) ? (outer && outer.name !== 'FireAnimationFrame' ? 'inPage' : outer || event.start >= frame.styleAndLayoutStart ? 'render' : 'tasks') : shareOf(event);
      const sum = byShare.get(share) ?? { wall: 0, cpu: 0, count: 0 };
      byShare.set(share, { wall: sum.wall + event.duration, cpu: sum.cpu + (event.cpu ?? event.duration), count: sum.count + 1 });
    }
    const what = [...byShare].map(([name, { wall, cpu, count }]) => `${name} ${Math.round(wall)}${PARTY.includes(name) ? `/${Math.round(cpu)} cpu` : ''} (${count})`).join(', ');
    console.log(
      `  at ${Math.round(frame.start - start)} ms, ${Math.round(frame.duration)} ms (render from +${Math.round(frame.renderStart - frame.start)}, style and layout from +${Math.round(frame.styleAndLayoutStart - frame.start)}): the party's ${Math.round(share.byUsMs)} ms (script ${Math.round(share.ourScriptMs)}, forced ${Math.round(share.ourForcedMs)}, relayout after ${Math.round(share.relayoutAfterOursMs)})${over100ByUs(share) ? ', OVER 100 MS BY IT' : ''}; ${what}`,
    );
  }
}

/**
 * The garbage collections that ran inside the party's own scripts, after the page's change: the
 * JavaScript objects it makes per row (the wrappers of the nodes it walks, the strings of their
 * texts, rects and computed styles, its own records) are collected in its time (issue #12).
 */
function printPartyGc(events: readonly FrameEvent[]): void {
  const party = outermost(events)
    .map(({ event }) => event)
    .filter((event) => isParty(event) && SCRIPT.has(event.name));
  const byName = new Map<string, number>();
  let i = 0;
  for (const gc of [...events].filter((event) => GC.has(event.name) || isBlinkGc(event.name)).sort((a, b) => a.start - b.start)) {
    while (i < party.length && (party[i] as FrameEvent).start + (party[i] as FrameEvent).duration <= gc.start) i++;
    const script = party[i];
    if (!script || gc.start < script.start) continue;
    byName.set(gc.name, (byName.get(gc.name) ?? 0) + (gc.cpu ?? gc.duration));
  }
  const cpu = party.reduce((sum, event) => sum + (event.cpu ?? event.duration), 0);
  const gcs = [...new Set([...GC, ...byName.keys()])].map((name) => `${name} ${Math.round(byName.get(name) ?? 0)}`).join(', ');
  console.log(`the party's scripts since the change: thread CPU ${Math.round(cpu)} ms, garbage collections inside them (ms): ${gcs}`);
}
