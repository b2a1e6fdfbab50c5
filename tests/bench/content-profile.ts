/**
 * `tsx tests/bench/content-profile.ts [fill|rerender] [rows]`: where our content script's time
 * goes on the generated CRM list (tests/e2e/pages/crm-list.html), by function. Chromium's
 * sampling profiler (CDP) runs from the page's change until every number is decorated, on an
 * unminified build of the extension (its functions keep their names); self time is summed per
 * function of the content script and printed with its share, largest first.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExtensionForTests, launchWithExtension } from '../e2e/harness/extension.ts';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { DEADLINE_MS, waitFor } from '../e2e/harness/world.ts';
import { buildTestPages } from '../e2e/pages/build.ts';
import { type CpuProfile, largestFirst, sumSelfTime } from './cpu-profile.ts';
import { positiveIntegerFlag } from './flags.ts';

const args = process.argv.slice(2);
const scenario = args.includes('rerender') ? 'rerender' : 'fill';
const rows = positiveIntegerFlag(args, '--rows', 10_000);
const TOP = 25;

const extensionDir = buildExtensionForTests({ unminified: true });
const dir = mkdtempSync(join(tmpdir(), 'pc-profile-pages-'));
await buildTestPages(dir);
const site = await serveDirectory(dir);
const browser = await launchWithExtension(extensionDir);
try {
  await browser.setStorage({ sites: [{ pattern: 'http://127.0.0.1/*' }], defaultCountry: 'US' });
  await waitFor(async () => (await browser.registeredSites()).includes('http://127.0.0.1/*'), DEADLINE_MS, 'the content script to be registered for the site');
  const page = await browser.context.newPage();
  await page.goto(`${site.url}/crm-list.html`);
  await page.locator('button[data-pc-call="+12125550199"]').first().waitFor({ timeout: DEADLINE_MS });
  const bench = 'window.bench';
  if (scenario === 'rerender') {
    await page.evaluate(`${bench}.fill(${rows})`);
    await page.evaluate(`${bench}.decorated('button[data-pc-call]', ${rows}, ${DEADLINE_MS})`);
  }
  const cdp = await browser.context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 250 });
  await page.evaluate(`${bench}.mark('button[data-pc-call]')`);
  await cdp.send('Profiler.start');
  const started = Date.now();
  await page.evaluate(`new Promise((resolve) => setTimeout(() => resolve(${bench}.${scenario === 'fill' ? `fill(${rows})` : 'rerender()'})))`);
  const at = await page.evaluate(`${bench}.decorated('button[data-pc-call]', ${rows}, ${DEADLINE_MS})`);
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as { profile: CpuProfile };
  console.log(`${scenario} of ${rows} rows: decorated ${at === null ? 'not within the deadline' : 'in time'}, profiled ${Date.now() - started} ms`);
  printSelfTimes(profile);
} finally {
  await browser.close();
  await site.close();
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Self time per function of the content script, and the script's share of the busy samples. A
 * sample in a native the script called (checkVisibility, getClientRects, a TreeWalker step)
 * counts as the script's, under the native's name.
 */
function printSelfTimes(profile: CpuProfile): void {
  const { byKey, busyUs, oursUs } = sumSelfTime(profile, {
    // The first frame up the stack that has a script says whose the sample is.
    ours: (stack) => stack.find((frame) => frame.url !== '')?.url.includes('content-scripts/content.js') ?? false,
    key: ([running]) => (running.url === '' ? `${running.functionName || '(anonymous)'} [native]` : running.functionName || '(anonymous)'),
  });
  console.log(`content script ${(oursUs / 1000).toFixed(0)} ms, ${((100 * oursUs) / busyUs).toFixed(1)} % of the page's busy samples (${(busyUs / 1000).toFixed(0)} ms)`);
  for (const [name, time] of largestFirst(byKey, TOP)) {
    console.log(`${((100 * time) / oursUs).toFixed(1).padStart(5)} %  ${(time / 1000).toFixed(1).padStart(7)} ms  ${name}`);
  }
}
