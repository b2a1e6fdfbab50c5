/**
 * The generated CRM list (tests/e2e/pages/crm-list.html) in Chromium with our extension enabled on
 * 127.0.0.1, as the content script's profile tools open it; the same page on localhost is the bare
 * page (the extension is not enabled there).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { buildExtensionForTests, type ExtensionBrowser, launchWithExtension } from '../e2e/harness/extension.ts';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { DEADLINE_MS, waitFor } from '../e2e/harness/world.ts';
import { buildTestPages } from '../e2e/pages/build.ts';
import { type Measure, writeC2dBundle } from './content.ts';

export const DECORATION = 'button[data-pc-call]';

/** ringcentral-c2d's decoration: the wrapper of each number. */
export const C2D_DECORATION = '[data-c2d-context]';

export interface CrmListPage {
  browser: ExtensionBrowser;
  page: Page;
  close(): Promise<void>;
}

/**
 * Opens the list, once our content script decorates its first number (unless `bare`); `c2d`: the
 * list on localhost, where ringcentral-c2d decorates it instead of us, as in the bench;
 * `extensionDir`: another tree's build (its .output-e2e/chrome-mv3) instead of this tree's, for
 * runs of two trees taken alternately.
 */
export async function openCrmList(options: { unminified?: boolean; bare?: boolean; c2d?: boolean; extensionDir?: string } = {}): Promise<CrmListPage> {
  const extensionDir = options.extensionDir ?? buildExtensionForTests({ unminified: options.unminified });
  const pagesDir = await buildTestPages(mkdtempSync(join(tmpdir(), 'pc-bench-pages-')));
  if (options.c2d) await writeC2dBundle(pagesDir);
  const site = await serveDirectory(pagesDir);
  const browser = await launchWithExtension(extensionDir);
  const close = async () => {
    await browser.close();
    await site.close();
    rmSync(pagesDir, { recursive: true, force: true });
  };
  try {
    await browser.setStorage({ sites: [{ pattern: 'http://127.0.0.1/*' }], defaultCountry: 'US' });
    await waitFor(async () => (await browser.registeredSites()).includes('http://127.0.0.1/*'), DEADLINE_MS, 'the content script to be registered for the site');
    const page = await browser.context.newPage();
    const theirs = options.bare || options.c2d;
    await page.goto(`${theirs ? site.url.replace('127.0.0.1', 'localhost') : site.url}/crm-list.html${options.c2d ? '?c2d' : ''}`);
    if (options.c2d) await page.locator(`#probe ${C2D_DECORATION}`).first().waitFor({ timeout: DEADLINE_MS });
    else if (!options.bare) await page.locator('button[data-pc-call="+12125550199"]').first().waitFor({ timeout: DEADLINE_MS });
    return { browser, page, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Before a re-render, the list is filled and decorated: the change measured is then the re-render alone. */
export async function prepareRowsChange(page: Page, scenario: 'fill' | 'rerender', rows: number, decoration = DECORATION): Promise<void> {
  if (scenario !== 'rerender') return;
  await page.evaluate(`window.bench.fill(${rows})`);
  await decoratedAt(page, rows, decoration);
}

/**
 * Changes the rows in a task of the page, as the bench does (its frame is then the page's own), and
 * resolves with the page's clock at the change.
 */
export async function changeRows(page: Page, scenario: 'fill' | 'rerender', rows: number): Promise<number> {
  return (await page.evaluate(`new Promise((resolve) => setTimeout(() => resolve(window.bench.${scenario === 'fill' ? `fill(${rows})` : 'rerender()'})))`)) as number;
}

/** The page's clock when every number of `rows` is decorated in place (crm-list.js's `inPlace`), or null past the deadline; and the checks that missed before. */
export async function pollDecorated(page: Page, rows: number, decoration = DECORATION): Promise<{ at: number | null; missed: Measure['missedChecks'] }> {
  return (await page.evaluate(`window.bench.decorated('${decoration}', ${rows}, ${DEADLINE_MS})`)) as { at: number | null; missed: Measure['missedChecks'] };
}

/** The page's clock when every number of `rows` is decorated in place, or null past the deadline. */
export async function decoratedAt(page: Page, rows: number, decoration = DECORATION): Promise<number | null> {
  return (await pollDecorated(page, rows, decoration)).at;
}
