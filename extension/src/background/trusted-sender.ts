import browser from 'webextension-polyfill';
import { matchesPattern, originPattern } from '../sites.ts';
import { enabledSites } from '../storage.ts';

/** Who asked the background for something, once checked. */
export type TrustedSender =
  /** A content script in a tab, or a frame of one, on a site the agent enabled. */
  | { kind: 'page'; tabId: number }
  /** One of our own pages (options, toolbar popup); `tabId` is the CRM tab the agent is looking at, if any. */
  | { kind: 'extension-page'; tabId?: number };

/** Chrome also says which document sent the message, which for an about:blank frame is its parent's origin. */
type MessageSender = browser.Runtime.MessageSender & { origin?: string };

/**
 * Decides whether a message may make the background act (place a call, write notes): it must
 * come from this extension, and from either one of its own pages or a content script running
 * on a site the agent enabled, in a tab that is on one too. Everything comes from what the
 * browser says about the sender, never from the message: a compromised page renderer can
 * send any message, but cannot change where the browser says it comes from.
 */
export async function checkSender(sender: MessageSender): Promise<TrustedSender | { refused: string }> {
  if (sender.id !== browser.runtime.id) return { refused: 'the message does not come from this extension' };
  if (sender.url?.startsWith(browser.runtime.getURL('/'))) return { kind: 'extension-page', tabId: await focusedEnabledTab() };
  const tab = sender.tab;
  if (tab?.id === undefined || tab.id < 0) return { refused: 'the message does not come from a tab' };
  const document = sender.origin && sender.origin !== 'null' ? sender.origin : sender.url;
  if (!(await isEnabledSite(document))) return { refused: `${describe(document)} is not a site enabled in Options > Sites` };
  // A frame of an enabled site inside a page that is not (a CRM framed by another site) is refused too.
  if (!(await isEnabledSite(tab.url))) return { refused: `the tab's page, ${describe(tab.url)}, is not a site enabled in Options > Sites` };
  return { kind: 'page', tabId: tab.id };
}

/** On a site the agent enabled, and still allowed to run there (the host permission may have been revoked). */
async function isEnabledSite(url: string | undefined): Promise<boolean> {
  if (!url) return false;
  const sites = await enabledSites.getValue();
  if (!sites.some((site) => matchesPattern(site.pattern, url))) return false;
  return browser.permissions.contains({ origins: [originPattern(url)] });
}

/** The active tab of the focused window, when it is on an enabled site: where our pages' calls show progress. */
async function focusedEnabledTab(): Promise<number | undefined> {
  const [active] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  return active?.id !== undefined && (await isEnabledSite(active.url)) ? active.id : undefined;
}

function describe(url: string | undefined): string {
  if (!url) return 'a page without an address';
  try {
    return new URL(url).origin;
  } catch {
    return url.slice(0, 60);
  }
}
