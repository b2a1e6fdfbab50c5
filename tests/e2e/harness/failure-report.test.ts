import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExtensionBrowser, launchWithExtension, openExtensionBrowsers } from './extension.ts';
import { describePage } from './failure-report.ts';

let browser: ExtensionBrowser;

beforeAll(async () => {
  browser = await launchWithExtension();
});

afterAll(async () => {
  await browser?.close();
  expect(openExtensionBrowsers().has(browser)).toBe(false);
});

describe("a failed test's report", () => {
  it('knows the browsers still open', () => {
    expect(openExtensionBrowsers().has(browser)).toBe(true);
  });

  it('says a page is shown and drawing frames', async () => {
    const page = await browser.context.newPage();
    await page.goto(`chrome-extension://${browser.extensionId}/options.html`);
    expect(await describePage(page)).toMatch(/^visible, (not )?focused, complete, [1-9]\d* animation frame\(s\) in 1 s$/);
    await page.close();
  });

  it('says a page it cannot read, rather than failing the report', async () => {
    const page = await browser.context.newPage();
    await page.close();
    expect(await describePage(page)).toMatch(/^not readable \(/);
  });
});
