import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildExtensionForTests, launchWithExtension } from '../e2e/harness/extension.ts';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { DEADLINE_MS, waitFor } from '../e2e/harness/world.ts';
import { buildTestPages } from '../e2e/pages/build.ts';

export interface ContentFigures {
  buttons: number;
  msToAllButtons: number;
  /** Main-thread tasks over 50 ms while the page loads and the scanner works. */
  longTasks: { count: number; maxMs: number; totalMs: number };
  /** The same page where the extension is not enabled: what the page costs by itself. */
  baselineLongTasks: { count: number; maxMs: number; totalMs: number };
}

const OBSERVE_LONG_TASKS = `window.__longTasks = []; new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); }).observe({ type: 'longtask', buffered: true });`;

/** The 1,000-contact Vtiger list in Chromium with the built extension: time to every button, long tasks. */
export async function benchContentScript(): Promise<ContentFigures> {
  buildExtensionForTests();
  const dir = await buildTestPages(mkdtempSync(join(tmpdir(), 'pc-bench-pages-')));
  const site = await serveDirectory(dir);
  const browser = await launchWithExtension();
  try {
    await browser.setStorage({ sites: [{ pattern: 'http://127.0.0.1/*' }], defaultCountry: 'US' });
    await waitFor(async () => (await browser.registeredSites()).includes('http://127.0.0.1/*'), DEADLINE_MS, 'the content script to be registered for the site');
    const summarise = (durations: number[]) => ({ count: durations.length, maxMs: Math.round(Math.max(0, ...durations)), totalMs: Math.round(durations.reduce((a, b) => a + b, 0)) });

    const baseline = await browser.context.newPage();
    await baseline.addInitScript(OBSERVE_LONG_TASKS);
    await baseline.goto(`${site.url.replace('127.0.0.1', 'localhost')}/vtiger-list.html`);
    await baseline.waitForTimeout(2000);
    const baselineLongTasks = summarise(await baseline.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks));
    await baseline.close();

    const page = await browser.context.newPage();
    await page.addInitScript(OBSERVE_LONG_TASKS);
    const start = Date.now();
    await page.goto(`${site.url}/vtiger-list.html`);
    const want = Number(await page.locator('meta[name="pc-expected-buttons"]').getAttribute('content'));
    while ((await page.locator('button[data-pc-call]').count()) < want) await page.waitForTimeout(20);
    const msToAllButtons = Date.now() - start;
    await page.waitForTimeout(1000);
    const longTasks = summarise(await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks));
    return { buttons: want, msToAllButtons, longTasks, baselineLongTasks };
  } finally {
    await browser.close();
    await site.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
