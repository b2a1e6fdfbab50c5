import browser from 'webextension-polyfill';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { enabledSites } from '../storage.ts';
import { checkSender } from './trusted-sender.ts';

// The sender checks against WXT's fake browser: storage and tabs are the fake's own; host
// permissions, which it does not implement, are what the agent granted here.
const CRM = 'https://crm.example.com';
let granted: Set<string>;

beforeEach(async () => {
  fakeBrowser.reset();
  granted = new Set([`${CRM}/*`]);
  vi.spyOn(browser.permissions, 'contains').mockImplementation(async ({ origins = [] }) => origins.every((origin) => granted.has(origin)));
  await enabledSites.setValue([{ pattern: `${CRM}/*` }]);
});
afterEach(() => vi.restoreAllMocks());

/** What the browser says about a content script's message from a frame (`frameUrl`) of a tab showing `tabUrl`. */
function fromPage(tabUrl: string, frameUrl = tabUrl, tabId = 7) {
  return { id: browser.runtime.id, url: frameUrl, origin: new URL(frameUrl).origin, frameId: frameUrl === tabUrl ? 0 : 3, tab: { id: tabId, url: tabUrl, index: 0, highlighted: false, active: true, pinned: false, incognito: false } };
}

describe('who may ask the background to call', () => {
  it('trusts a content script in a tab of an enabled site, and takes the tab from the browser', async () => {
    expect(await checkSender(fromPage(`${CRM}/contacts/42`))).toEqual({ kind: 'page', tabId: 7 });
  });

  it('trusts a frame of an enabled site inside a tab of one, about:blank frames by their origin', async () => {
    expect(await checkSender(fromPage(`${CRM}/contacts/42`, `${CRM}/widgets/related`))).toEqual({ kind: 'page', tabId: 7 });
    expect(await checkSender({ ...fromPage(`${CRM}/contacts/42`), url: 'about:blank', origin: CRM, frameId: 4 })).toEqual({ kind: 'page', tabId: 7 });
  });

  it('refuses a tab of a site the agent did not enable', async () => {
    expect(await checkSender(fromPage('https://evil.example.net/phish'))).toEqual({ refused: 'https://evil.example.net is not a site enabled in Options > Sites' });
  });

  it('refuses a frame of another origin inside an enabled tab', async () => {
    expect(await checkSender(fromPage(`${CRM}/contacts/42`, 'https://ads.example.net/banner'))).toEqual({ refused: 'https://ads.example.net is not a site enabled in Options > Sites' });
  });

  it("refuses a frame of an enabled site inside another site's page", async () => {
    expect(await checkSender(fromPage('https://evil.example.net/framing', `${CRM}/contacts/42`))).toEqual({
      refused: "the tab's page, https://evil.example.net, is not a site enabled in Options > Sites",
    });
  });

  it('refuses an enabled site whose host permission the agent revoked', async () => {
    granted.clear();
    expect(await checkSender(fromPage(`${CRM}/contacts/42`))).toEqual({ refused: 'https://crm.example.com is not a site enabled in Options > Sites' });
  });

  it('refuses another extension, even one that names an enabled page', async () => {
    expect(await checkSender({ ...fromPage(`${CRM}/contacts/42`), id: 'some-other-extension' })).toEqual({ refused: 'the message does not come from this extension' });
    expect(await checkSender({ id: 'some-other-extension', url: 'chrome-extension://some-other-extension/popup.html' })).toEqual({ refused: 'the message does not come from this extension' });
  });

  it('refuses a web page message that comes from no tab', async () => {
    expect(await checkSender({ id: browser.runtime.id, url: `${CRM}/contacts/42`, origin: CRM })).toEqual({ refused: 'the message does not come from a tab' });
  });

  it('trusts our own pages, and shows their calls in the CRM tab the agent is looking at', async () => {
    const popup = { id: browser.runtime.id, url: browser.runtime.getURL('/popup.html') };
    expect(await checkSender(popup)).toEqual({ kind: 'extension-page', tabId: undefined });
    // The fake browser cannot make an existing tab the active one: the focused window's active
    // tab is given here, as the browser would answer the query.
    const crm = await browser.tabs.create({ url: `${CRM}/contacts/42` });
    const query = vi.spyOn(browser.tabs, 'query').mockResolvedValue([{ ...crm, active: true }]);
    expect(await checkSender(popup)).toEqual({ kind: 'extension-page', tabId: crm.id });
    expect(await checkSender({ ...popup, url: browser.runtime.getURL('/options.html') })).toEqual({ kind: 'extension-page', tabId: crm.id });
    expect(query).toHaveBeenCalledWith({ active: true, lastFocusedWindow: true });
    // Looking at a page of a site that is not enabled: the call goes through, with no card.
    query.mockResolvedValue([{ ...crm, url: 'https://news.example.org/', active: true }]);
    expect(await checkSender(popup)).toEqual({ kind: 'extension-page', tabId: undefined });
  });

  it('does not take a look-alike of our own address for one of our pages', async () => {
    const lookalike = `${browser.runtime.getURL('/').replace(/\/$/, '')}.evil.example/popup.html`;
    expect(await checkSender({ id: browser.runtime.id, url: lookalike })).toEqual({ refused: 'the message does not come from a tab' });
  });
});
