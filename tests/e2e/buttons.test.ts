import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestPages } from './pages/build.ts';
import { screenshotPath } from './harness/screenshots.ts';
import { DEADLINE_MS, startWorld, waitFor, type World } from './harness/world.ts';

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

/** A number on none of the test pages, added to see the scanner through everything queued before it. */
const MARKER = '+12025550199';

/**
 * Waits for the exact count, then checks it holds (no late duplicates): a number added now
 * gets its button only after the scanner has done everything queued before it (it scans in
 * order), so once that button is there, a late duplicate would be too.
 */
async function expectSettledCount(target: Page | Frame, want: number, deadlineMs = DEADLINE_MS): Promise<void> {
  await expect.poll(() => count(target), { timeout: deadlineMs }).toBe(want);
  await target.evaluate((number) => document.body.insertAdjacentHTML('beforeend', `<p id="pc-marker">${number}</p>`), MARKER);
  await target.locator(`button[data-pc-call="${MARKER}"]`).waitFor();
  expect(await count(target)).toBe(want + 1);
  await target.evaluate(() => document.getElementById('pc-marker')?.remove());
  await expect.poll(() => count(target)).toBe(want);
}

interface PageWatch {
  __pcMostButtons: number;
}

/**
 * In the page: the most call buttons the page showed in any frame, from now on. Counted at each
 * frame, not at each mutation: the overlay's buttons change inside shadow roots, which a
 * MutationObserver on the document does not see. Shown means rendered (`checkVisibility`): the
 * buttons of rows the page re-created wait, parked out of sight (`content-visibility: hidden`),
 * for the new rows to take them over, and a loaded machine made new ones while they waited
 * (42 buttons in the page, 22 of them shown).
 */
function watchMostButtons(): void {
  const watch = window as unknown as PageWatch;
  watch.__pcMostButtons = 0;
  const roots = () => [document, ...[...document.body.children].flatMap((element) => (element.shadowRoot ? [element.shadowRoot] : []))];
  const count = () => {
    const buttons = roots().flatMap((root) => [...root.querySelectorAll<HTMLElement>('button[data-pc-call]')]);
    const shown = buttons.filter((button) => button.checkVisibility()).length;
    watch.__pcMostButtons = Math.max(watch.__pcMostButtons, shown);
    requestAnimationFrame(count);
  };
  count();
}

/** crm-list.html's driver (tests/e2e/pages/crm-list.js). */
interface ListPage {
  bench: {
    fill(rows: number): number;
    rerender(): number;
    scroll(batch: number, everyMs: number, forMs: number): Promise<{ rows: number }>;
    count(selector: string): { all: number; inPhoneCells: number };
    frames(since: number): Array<{ start: number; duration: number }>;
  };
}

/** How many times the React test page has re-rendered its rows on its timer. */
const tick = async (page: Page) => Number(await page.locator('[data-tick]').getAttribute('data-tick'));

describe('call buttons on CRM-like pages', () => {
  it('puts exactly one button on every number of a 1,000-contact Vtiger list', async () => {
    const page = await world.open('vtiger-list.html');
    const want = await expected(page);
    expect(want).toBe(1757);
    // Seconds on an idle machine (docs/benchmarks.md), far more on a busy one.
    await expectSettledCount(page, want, 4 * DEADLINE_MS);
    const values = await page.locator('button[data-pc-call]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-pc-call')!));
    expect(values.every((v) => /^\+[1-9]\d{6,14}$/.test(v))).toBe(true);
    expect(await page.locator('button[data-pc-call][data-pc-ext="12"]').count()).toBe(171);
    const label = await page.locator('button[data-pc-call]').first().getAttribute('aria-label');
    expect(label).toMatch(/^Call /);
    await page.locator('button[data-pc-call]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('call-buttons.png'), clip: { x: 0, y: 0, width: 1280, height: 420 } });

    const calls = world.twilio.calls.size;
    await page.locator('button[data-pc-call]').nth(3).click();
    await waitFor(() => world.twilio.calls.size === calls + 1, DEADLINE_MS, 'the call from the list');
    expect(await page.evaluate(() => (window as unknown as { pcRowClicks?: number }).pcRowClicks ?? 0)).toBe(0);
    await page.close();
  }, 8 * DEADLINE_MS);

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
    await page.evaluate(watchMostButtons);
    for (const step of ['first', 'Next', 'Next']) {
      if (step === 'Next') await page.getByRole('button', { name: 'Next' }).click();
      const want = await expected(page);
      await expect.poll(() => count(page)).toBe(want);
      // React rewrites the cells at every tick and re-creates the rows every 4th: through five
      // ticks, never more buttons than numbers, whatever the page showed in between.
      await page.evaluate(watchMostButtons);
      const from = await tick(page);
      await expect.poll(() => tick(page)).toBeGreaterThanOrEqual(from + 5);
      expect(await page.evaluate(() => (window as unknown as PageWatch).__pcMostButtons)).toBe(want);
      await expect.poll(() => count(page)).toBe(want);
    }
    expect(page.url()).toContain('page=3');
    await page.close();
  });

  it('keeps a growing CRM list decorated: split numbers, re-renders, infinite scroll, no errors', async () => {
    const page = await world.browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    // The content script logs what it caught (scan/safely.ts) instead of throwing into the page.
    page.on('console', (message) => {
      if (message.text().includes('[phone-connector]')) errors.push(message.text());
    });
    await page.goto(`${world.site.url}/crm-list.html`);
    await expectSettledCount(page, await expected(page));
    // The split numbers' buttons sit on #split's line.
    const split = await page.evaluate(() => {
      const line = document.getElementById('split')!.getBoundingClientRect();
      const hosts = [...document.body.children].filter((element) => element.shadowRoot);
      const buttons = hosts.flatMap((element) => [...element.shadowRoot!.querySelectorAll<HTMLButtonElement>('button[data-pc-call]')]);
      return buttons.filter((b) => {
        const box = b.getBoundingClientRect();
        return box.top >= line.top - 4 && box.bottom <= line.bottom + 4;
      }).map((b) => b.dataset.pcCall);
    });
    expect(split.sort()).toEqual(['+14155550100', '+442079460958']);

    // One button per row, in its phone cell: none on the five look-alikes of each row. The
    // overlay's buttons are not inside the cells: where each starts tells (crm-list.js).
    const inList = () => page.evaluate(() => (window as unknown as ListPage).bench.count('button[data-pc-call]'));
    await page.evaluate(() => (window as unknown as ListPage).bench.fill(500));
    await expect.poll(async () => (await inList()).all, { timeout: 4 * DEADLINE_MS }).toBe(500);
    expect((await inList()).inPhoneCells).toBe(500);

    // The CRM re-renders every row: the buttons come back, never more than one per number.
    await page.evaluate(watchMostButtons);
    await page.evaluate(() => (window as unknown as ListPage).bench.rerender());
    await expect.poll(async () => (await inList()).all, { timeout: 4 * DEADLINE_MS }).toBe(500);
    expect(await page.evaluate(() => (window as unknown as PageWatch).__pcMostButtons)).toBeLessThanOrEqual(500 + 3);

    // Infinite scroll: rows appended while the scanner works get their buttons too.
    const { rows } = await page.evaluate(() => (window as unknown as ListPage).bench.scroll(100, 50, 500));
    expect(rows).toBeGreaterThanOrEqual(1000);
    await expect.poll(async () => (await inList()).inPhoneCells, { timeout: 4 * DEADLINE_MS }).toBe(rows);
    await expectSettledCount(page, rows + 3);
    expect(errors).toEqual([]);
    await page.close();
  }, 16 * DEADLINE_MS);

  it("gives the bench the long frame a change of the rows runs in, though it starts before the change's clock", async () => {
    const page = await world.open('crm-list.html');
    const since = await page.evaluate(
      () =>
        new Promise<number>((resolve) =>
          setTimeout(() => {
            // The page's task does some work before the change, as a framework's render does: the
            // frame's start then reads earlier than the change's clock, whose 0.1 ms grain would
            // otherwise give both the same reading.
            const entered = performance.now();
            while (performance.now() < entered + 5);
            const start = (window as unknown as ListPage).bench.fill(10);
            // A change that costs its task 120 ms, as 10,000 rows parsed and read do.
            const until = performance.now() + 120;
            while (performance.now() < until);
            resolve(start);
          }),
        ),
    );
    const changeFrame = () => page.evaluate((t) => (window as unknown as ListPage).bench.frames(t).some((frame) => frame.start < t && frame.duration >= 120), since);
    await expect.poll(changeFrame, { timeout: DEADLINE_MS }).toBe(true);
    await page.close();
  });

  it('does nothing on a site the agent has not enabled', async () => {
    const page = await world.browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(world.site.url.replace('127.0.0.1', 'localhost') + '/contact.html');
    // The same page on the enabled site, opened after it, gets its button: by then the
    // extension would have acted on this one too.
    const enabled = await world.open('contact.html');
    await enabled.locator('button[data-pc-call]').waitFor();
    await enabled.close();
    expect(await count(page)).toBe(0);
    expect(await world.browser.registeredSites()).toEqual(['http://127.0.0.1/*']);
    expect(errors).toEqual([]);
    await page.close();
  });
});
