import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLOCK_MARK, markPageClock, startTracing, stopTracing } from '../bench/chromium-trace.ts';
import { type ExtensionBrowser, launchWithExtension } from './harness/extension.ts';
import { serveDirectory } from './harness/static-server.ts';
import { buildTestPages } from './pages/build.ts';
import { DEADLINE_MS } from './harness/world.ts';

/** crm-list.html's driver (tests/e2e/pages/crm-list.js): the bench's check of decorations by place. */
interface ListPage {
  bench: {
    fill(rows: number): number;
    inPlace(selector: string): { cells: number; missing: number; doubled: number; misplaced: number; exact: boolean };
    decorated(selector: string, want: number, deadlineMs: number): Promise<{ at: number | null; missed: { checks: number } }>;
  };
}
declare const window: ListPage;

const BUTTON = 'button[data-pc-call]';
const WRAPPER = '[data-c2d-context]';
const ROWS = 40;

/**
 * Buttons drawn as our overlay draws them, by the test in the page (no extension runs on it): in an
 * open shadow root at the end of the body, each 4 px right of its number's end, centred on its line;
 * and one for each of the page's own three numbers above the list (the check leaves them be).
 */
function drawButtons(page: Page): Promise<void> {
  return page.evaluate(() => {
    const root = document.createElement('div');
    root.id = 'overlay';
    const shadow = root.attachShadow({ mode: 'open' });
    const host = document.createElement('div');
    shadow.append(host);
    const range = document.createRange();
    for (const cell of document.querySelectorAll('#list td.phone')) {
      range.selectNodeContents(cell);
      const end = [...range.getClientRects()].at(-1) as DOMRect;
      const button = document.createElement('button');
      button.dataset.pcCall = `+1${(cell.textContent ?? '').replace(/\D/g, '').slice(-10)}`;
      button.style.cssText = `position: absolute; width: 18px; height: 18px; padding: 0; left: ${end.right + 4 + scrollX}px; top: ${(end.top + end.bottom) / 2 - 9 + scrollY}px`;
      host.append(button);
    }
    for (const e164 of ['+12125550199', '+14155550100', '+442079460958']) {
      const button = document.createElement('button');
      button.dataset.pcCall = e164;
      button.style.cssText = 'position: absolute; width: 18px; height: 18px; left: 0; top: 0';
      host.append(button);
    }
    document.body.append(root);
  });
}

const buttons = (page: Page) => page.locator('#overlay').locator(BUTTON);

/** Rows whose buttons drawSkippedHosts puts in four hosts, off screen but the first. */
const SKIPPED_ROWS = 400;

/**
 * `rows` rows, their buttons in hosts of 100 that Chromium skips off screen (content-visibility:
 * auto, as our overlay has them), once frames went by: the hosts off screen never styled nor laid out.
 */
async function drawSkippedHosts(page: Page, rows: number): Promise<void> {
  await page.evaluate((n) => window.bench.fill(n), rows);
  await page.evaluate(() => {
    const shadow = Object.assign(document.createElement('div'), { id: 'overlay' }).attachShadow({ mode: 'open' });
    const range = document.createRange();
    const cells = [...document.querySelectorAll('#list td.phone')];
    for (let first = 0; first < cells.length; first += 100) {
      const ends = cells.slice(first, first + 100).map((cell) => {
        range.selectNodeContents(cell);
        const end = [...range.getClientRects()].at(-1) as DOMRect;
        return { cell, left: end.right + 4 + scrollX, top: (end.top + end.bottom) / 2 - 9 + scrollY };
      });
      const top = Math.min(...ends.map((end) => end.top)) - 4;
      const bottom = Math.max(...ends.map((end) => end.top)) + 22;
      const host = document.createElement('div');
      host.style.cssText = `position: absolute; contain: strict; content-visibility: auto; left: 0; top: ${top}px; width: 2000px; height: ${bottom - top}px`;
      for (const end of ends) {
        const button = document.createElement('button');
        button.dataset.pcCall = `+1${(end.cell.textContent ?? '').replace(/\D/g, '').slice(-10)}`;
        button.style.cssText = `position: absolute; width: 18px; height: 18px; padding: 0; left: ${end.left}px; top: ${end.top - top}px`;
        host.append(button);
      }
      shadow.append(host);
    }
    document.body.append(shadow.host);
  });
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
}
const check = (page: Page, selector = BUTTON) => page.evaluate((s) => window.bench.inPlace(s), selector);

describe("the bench's check of decorations by place (crm-list.js)", () => {
  let dir: string;
  let site: Awaited<ReturnType<typeof serveDirectory>>;
  let browser: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    dir = await buildTestPages(mkdtempSync(join(tmpdir(), 'pc-in-place-')));
    site = await serveDirectory(dir);
    // No site is enabled: the extension decorates nothing, the test draws the decorations.
    browser = await launchWithExtension();
    page = await browser.context.newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await site?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  beforeEach(async () => {
    await page.goto(`${site.url}/crm-list.html`);
    await page.evaluate((n) => window.bench.fill(n), ROWS);
  });

  it('passes a button at each number, and decorated() resolves at once', async () => {
    await drawButtons(page);
    expect(await check(page)).toEqual({ cells: ROWS, missing: 0, doubled: 0, misplaced: 0, exact: true });
    expect((await page.evaluate(([s, n]) => window.bench.decorated(s, n, 5000), [BUTTON, ROWS] as const)).at).not.toBeNull();
  });

  it('fails a missing button, and decorated() waits for it', async () => {
    await drawButtons(page);
    await buttons(page).nth(7).evaluate((button) => button.remove());
    expect(await check(page)).toMatchObject({ missing: 1, misplaced: 0, exact: false });
    // Enough buttons to check by place (one of the page's own counted in): the check misses.
    const missed = await page.evaluate(([s, n]) => window.bench.decorated(s, n, 300), [BUTTON, ROWS - 1] as const);
    expect(missed.at).toBeNull();
    expect(missed.missed.checks).toBeGreaterThan(0);
    expect((await page.evaluate(([s, n]) => window.bench.decorated(s, n, 300), [BUTTON, ROWS] as const)).missed.checks).toBe(0);
  });

  it("fails a button away from its number: a row lower, before the number's end, far after it", async () => {
    await drawButtons(page);
    const move = (nth: number, dx: number, dy: number) =>
      buttons(page)
        .nth(nth)
        .evaluate((button: HTMLElement, [x, y]) => {
          button.style.left = `${Number.parseFloat(button.style.left) + x}px`;
          button.style.top = `${Number.parseFloat(button.style.top) + y}px`;
        }, [dx, dy] as const);
    const rowHeight = await page.evaluate(() => (document.querySelectorAll('#list tr')[1] as HTMLElement).offsetHeight);
    await move(3, 0, rowHeight);
    expect(await check(page)).toMatchObject({ missing: 1, doubled: 0, misplaced: 1, exact: false });
    await move(3, 0, -rowHeight);
    await move(5, -40, 0);
    expect(await check(page)).toMatchObject({ missing: 1, misplaced: 1, exact: false });
    await move(5, 40 + 60, 0);
    expect(await check(page)).toMatchObject({ missing: 1, misplaced: 1, exact: false });
  });

  it("fails a button of another number at a number's place, and a second button at one", async () => {
    await drawButtons(page);
    await buttons(page).nth(2).evaluate((button) => (button.dataset.pcCall = '+14155550999'));
    expect(await check(page)).toMatchObject({ missing: 1, misplaced: 1, exact: false });
    await buttons(page).nth(2).evaluate((button) => (button.dataset.pcCall = `+1${(document.querySelectorAll('#list td.phone')[2]?.textContent ?? '').replace(/\D/g, '').slice(-10)}`));
    await buttons(page).nth(4).evaluate((button) => button.after(button.cloneNode()));
    expect(await check(page)).toMatchObject({ missing: 0, doubled: 1, misplaced: 0, exact: false });
  });

  it('fails buttons left over from rows the list no longer has', async () => {
    await drawButtons(page);
    await page.evaluate((n) => window.bench.fill(n), ROWS - 10);
    expect(await check(page)).toMatchObject({ cells: ROWS - 10, missing: 0, misplaced: 10, exact: false });
  });

  it('counts no button of a hidden host: an overlay that keeps its buttons out of sight while it works', async () => {
    await drawButtons(page);
    await page.evaluate(() => ((document.querySelector('#overlay')?.shadowRoot?.firstElementChild as HTMLElement).style.contentVisibility = 'hidden'));
    expect(await check(page)).toMatchObject({ missing: ROWS, misplaced: 0, exact: false });
  });

  it('checks buttons in hosts Chromium skips off screen (content-visibility: auto, as our overlay has them) at the first check', async () => {
    // Chromium gave the first button read in each such host a zero box, once: the check missed one
    // cell per host until its next try (one per 250 rows in the bench).
    await drawSkippedHosts(page, SKIPPED_ROWS);
    expect(await check(page)).toEqual({ cells: SKIPPED_ROWS, missing: 0, doubled: 0, misplaced: 0, exact: true });
  });

  it('counts the buttons of hosts Chromium skips off screen without styling them', async () => {
    // Each button asked whether it is shown made Chromium style its whole skipped host: after the
    // infinite scroll's last append, the poll's first count took 1.2-2 s, the decorating party's frames waiting.
    await drawSkippedHosts(page, SKIPPED_ROWS);
    const cdp = await page.context().newCDPSession(page);
    await startTracing(cdp);
    await markPageClock(page);
    // More than are drawn: the poll counts, and never checks by place (that reads each button's box).
    const counted = await page.evaluate(([s, n]) => window.bench.decorated(s, n, 200), [BUTTON, SKIPPED_ROWS + 1] as const);
    const events = await stopTracing(cdp);
    await cdp.detach();
    expect(counted).toEqual({ at: null, missed: { checks: 0, ms: 0 } });
    const mark = events.find((event) => event.name === 'TimeStamp' && event.args?.data?.message === CLOCK_MARK);
    const styled = events.filter((event) => event.pid === mark?.pid && event.tid === mark?.tid && event.name === 'UpdateLayoutTree').reduce((sum, event) => sum + (event.args?.elementCount ?? 0), 0);
    // One host's buttons styled would be 100.
    expect(styled).toBeLessThan(SKIPPED_ROWS / 4);
    // The count is right: with as many buttons as rows (the page's three own numbers not drawn), the check by place runs and passes.
    expect((await page.evaluate(([s, n, deadline]) => window.bench.decorated(s, n, deadline), [BUTTON, SKIPPED_ROWS - 3, DEADLINE_MS] as const)).at).not.toBeNull();
  });

  it("checks a wrapper (ringcentral-c2d's) by its cell and number, and leaves look-alikes' wrappers to the accuracy", async () => {
    await page.evaluate(() => {
      for (const row of document.querySelectorAll('#list tr')) {
        for (const cell of row.querySelectorAll('td')) {
          if (!/\d{4}/.test(cell.textContent ?? '')) continue;
          const wrapper = document.createElement('span');
          wrapper.setAttribute('data-c2d-context', '');
          wrapper.append(...cell.childNodes);
          cell.append(wrapper);
        }
      }
    });
    expect(await check(page, WRAPPER)).toEqual({ cells: ROWS, missing: 0, doubled: 0, misplaced: 0, exact: true });
    // A wrapper of another number in a phone cell, its own number left bare.
    await page.evaluate(() => {
      const wrapper = document.querySelectorAll('#list td.phone [data-c2d-context]')[6] as HTMLElement;
      wrapper.after(...wrapper.childNodes);
      wrapper.textContent = '(415) 555-0999';
    });
    expect(await check(page, WRAPPER)).toMatchObject({ missing: 1, misplaced: 1, exact: false });
    // A phone cell's wrapper gone from it: missing; the look-alikes' wrappers still count for nothing.
    await page.evaluate(() => document.querySelectorAll('#list td.phone [data-c2d-context]')[6]?.remove());
    expect(await check(page, WRAPPER)).toMatchObject({ missing: 1, misplaced: 0, exact: false });
  });
});
