/**
 * `tsx tests/bench/content-profile.ts [fill|rerender] [rows]`: where our content script's time
 * goes on the generated CRM list (tests/e2e/pages/crm-list.html), by function. Chromium's
 * sampling profiler (CDP) runs from the page's change until every number is decorated, on an
 * unminified build of the extension (its functions keep their names); self time is summed per
 * function of the content script and printed with its share, largest first. `--lines NAME[,NAME…]`: each
 * function's own samples by line of the unminified build, with the line's text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CallFrame, type CpuProfile, largestFirst, sumSelfTime } from './cpu-profile.ts';
import { changeRows, DECORATION, decoratedAt, openCrmList, prepareRowsChange } from './crm-list-page.ts';
import { positiveIntegerFlag } from './flags.ts';

const args = process.argv.slice(2);
const scenario = args.includes('rerender') ? 'rerender' : 'fill';
const rows = positiveIntegerFlag(args, '--rows', 10_000);
const TOP = 25;
/** `--callers NAME`: under which of our call chains a function's or a native's self time is spent. */
const callersAt = args.indexOf('--callers');
const callers = callersAt >= 0 ? args[callersAt + 1] : undefined;
const linesAt = args.indexOf('--lines');
const linesOf = linesAt >= 0 ? args[linesAt + 1] : undefined;
const CONTENT_SCRIPT = 'content-scripts/content.js';

/** A function of ours by name; an anonymous one (a callback, an arrow) by its line in the unminified build. */
const nameOf = (frame: CallFrame) => frame.functionName || `(anonymous):${(frame.lineNumber ?? -1) + 1}`;

const { browser, page, close } = await openCrmList({ unminified: true });
try {
  await prepareRowsChange(page, scenario, rows);
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await cdp.send('Profiler.start');
  const started = Date.now();
  await changeRows(page, scenario, rows);
  const at = await decoratedAt(page, rows);
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  console.log(`${scenario} of ${rows} rows: decorated ${at === null ? 'not within the deadline' : 'in time'}, profiled ${Date.now() - started} ms`);
  printSelfTimes(profile);
  if (linesOf) {
    const source = readFileSync(join(import.meta.dirname, '../../extension/.output-profile/chrome-mv3', CONTENT_SCRIPT), 'utf8').split('\n');
    for (const name of linesOf.split(',')) printLines(profile, name, source);
  }
} finally {
  await close();
}

/**
 * Self time per function of the content script, and the script's share of the busy samples. A
 * sample in a native the script called (checkVisibility, getClientRects, a TreeWalker step)
 * counts as the script's, under the native's name. With `--callers NAME`, that function's (or
 * native's) self time by the chain of our functions that called it.
 */
function printSelfTimes(profile: CpuProfile): void {
  const { byKey, busyUs, oursUs } = sumSelfTime(profile, {
    // The first frame up the stack that has a script says whose the sample is.
    ours: (stack) => stack.find((frame) => frame.url !== '')?.url.includes(CONTENT_SCRIPT) ?? false,
    key: ([running]) => (running.url === '' ? `${running.functionName || '(anonymous)'} [native]` : nameOf(running)),
  });
  console.log(`content script ${(oursUs / 1000).toFixed(0)} ms, ${((100 * oursUs) / busyUs).toFixed(1)} % of the page's busy samples (${(busyUs / 1000).toFixed(0)} ms)`);
  for (const [name, time] of largestFirst(byKey, TOP)) {
    console.log(`${((100 * time) / oursUs).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(1).padStart(7)} ms  ${name}`);
  }
  // Total time (callees included) per function of ours: under which of our steps the self times above are spent.
  const { byKey: byStack } = sumSelfTime(profile, {
    ours: (stack) => stack.find((frame) => frame.url !== '')?.url.includes(CONTENT_SCRIPT) ?? false,
    key: (stack) => [...new Set(stack.filter((frame) => frame.url.includes(CONTENT_SCRIPT)).map(nameOf))].join('\n'),
  });
  const totals = new Map<string, number>();
  for (const [stack, time] of byStack) for (const name of stack.split('\n')) totals.set(name, (totals.get(name) ?? 0) + time);
  if (callers) printCallers(profile, callers);
  console.log('total time, callees included:');
  for (const [name, time] of largestFirst(totals, TOP)) {
    console.log(`${((100 * time) / oursUs).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(1).padStart(7)} ms  ${name}`);
  }
}

/** `name`'s self time (a native's without its " [native]"), by the chain of our functions above it, the nearest first. */
function printCallers(profile: CpuProfile, name: string): void {
  const { byKey } = sumSelfTime(profile, {
    ours: ([running, ...above]) => (running.url === '' ? running.functionName : nameOf(running)) === name && above.some((frame) => frame.url.includes(CONTENT_SCRIPT)),
    key: ([, ...above]) => above.filter((frame) => frame.url.includes(CONTENT_SCRIPT)).slice(0, 8).map(nameOf).join(' < '),
  });
  console.log(`${name}, by its callers:`);
  for (const [chain, time] of largestFirst(byKey, 10)) console.log(`${(time / 1000).toFixed(1).padStart(7)} ms  ${chain}`);
}

/** The samples taken in `name`'s own code (every function of ours by that name), by line, with each line's text. */
function printLines(profile: CpuProfile, name: string, source: string[]): void {
  const ticksByLine = new Map<string, number>();
  let total = 0;
  for (const node of profile.nodes) {
    if (!node.callFrame.url.includes(CONTENT_SCRIPT) || nameOf(node.callFrame) !== name) continue;
    for (const { line, ticks } of node.positionTicks ?? []) {
      const key = `${String(line).padStart(6)}  ${source[line - 1]?.trim().slice(0, 110) ?? ''}`;
      ticksByLine.set(key, (ticksByLine.get(key) ?? 0) + ticks);
      total += ticks;
    }
  }
  console.log(`${name}, its own samples by line (${total}):`);
  for (const [line, ticks] of largestFirst(ticksByLine, 15)) console.log(`${((100 * ticks) / total).toFixed(1).padStart(5)} %  ${line}`);
}
