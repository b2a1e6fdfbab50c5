import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestPages } from './pages/build.ts';
import { screenshotPath } from './harness/screenshots.ts';
import { startWorld, waitFor, type World } from './harness/world.ts';

let world: World;
let siteDir: string;

beforeAll(async () => {
  siteDir = await buildTestPages(mkdtempSync(join(tmpdir(), 'pc-pages-')));
  copyFileSync(join(import.meta.dirname, 'fixtures', 'contact.html'), join(siteDir, 'contact.html'));
  world = await startWorld({ siteDir });
});
afterAll(async () => {
  await world?.close();
  rmSync(siteDir, { recursive: true, force: true });
});

const expected = async (target: Page | Frame) => Number(await target.locator('meta[name="pc-expected-buttons"]').getAttribute('content'));
/** Buttons in the document and its open shadow roots (Playwright's CSS engine pierces them). */
const count = (target: Page | Frame) => target.locator('button[data-pc-call]').count();

/** Waits for the exact count, then checks it holds (no late duplicates). */
async function expectSettledCount(target: Page | Frame, want: number): Promise<void> {
  await expect.poll(() => count(target), { timeout: 20_000 }).toBe(want);
  await new Promise((r) => setTimeout(r, 600));
  expect(await count(target)).toBe(want);
}

describe('call buttons on CRM-like pages', () => {
  it('puts exactly one button on every number of a 1,000-contact Vtiger list', async () => {
    const page = await world.open('vtiger-list.html');
    const want = await expected(page);
    expect(want).toBe(1757);
    await expectSettledCount(page, want);
    const values = await page.locator('button[data-pc-call]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-pc-call')!));
    expect(values.every((v) => /^\+[1-9]\d{6,14}$/.test(v))).toBe(true);
    expect(await page.locator('button[data-pc-call][data-pc-ext="12"]').count()).toBe(171);
    const label = await page.locator('button[data-pc-call]').first().getAttribute('aria-label');
    expect(label).toMatch(/^Call /);
    await page.locator('button[data-pc-call]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('call-buttons.png'), clip: { x: 0, y: 0, width: 1280, height: 420 } });

    const calls = world.twilio.calls.size;
    await page.locator('button[data-pc-call]').nth(3).click();
    await waitFor(() => world.twilio.calls.size === calls + 1, 10_000, 'the call from the list');
    expect(await page.evaluate(() => (window as unknown as { pcRowClicks?: number }).pcRowClicks ?? 0)).toBe(0);
    await page.close();
  });

  it('handles tel: and callto: links', async () => {
    const page = await world.open('tel-links.html');
    await expectSettledCount(page, await expected(page));
    await page.close();
  });

  it('finds numbers in open shadow roots and same-origin iframes, not in closed shadow roots', async () => {
    const page = await world.open('shadow-iframe.html');
    await expectSettledCount(page, await expected(page));
    const frame = page.frames().find((f) => f.url().endsWith('shadow-iframe-frame.html'));
    expect(frame).toBeDefined();
    await expectSettledCount(frame!, await expected(frame!));
    await page.close();
  });

  it('leaves look-alikes alone: dates, order ids, zip codes, prices, ids, form fields, hidden text', async () => {
    const page = await world.open('lookalikes.html');
    await expectSettledCount(page, 2);
    expect(await expected(page)).toBe(2);
    await page.close();
  });

  it('keeps buttons right through React re-renders and client-side pagination', async () => {
    const page = await world.open('react-spa/');
    for (const step of ['first', 'Next', 'Next']) {
      if (step === 'Next') await page.getByRole('button', { name: 'Next' }).click();
      const want = await expected(page);
      await expect.poll(() => count(page), { timeout: 20_000 }).toBe(want);
      // React rewrites the cells every 500 ms: sample for 2 s; never more buttons than numbers.
      const samples: number[] = [];
      for (let i = 0; i < 20; i++) {
        samples.push(await count(page));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(Math.max(...samples)).toBe(want);
      await expect.poll(() => count(page), { timeout: 5_000 }).toBe(want);
    }
    expect(page.url()).toContain('page=3');
    await page.close();
  });

  it('does nothing on a site the agent has not enabled', async () => {
    const page = await world.browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(world.site.url.replace('127.0.0.1', 'localhost') + '/contact.html');
    await page.waitForTimeout(1500);
    expect(await count(page)).toBe(0);
    const registered = await world.browser.worker.evaluate(() =>
      (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts(): Promise<Array<{ matches?: string[] }>> } } }).chrome.scripting.getRegisteredContentScripts(),
    );
    expect(registered.flatMap((r) => r.matches ?? [])).toEqual(['http://127.0.0.1/*']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
