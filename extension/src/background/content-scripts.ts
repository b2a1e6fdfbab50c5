import browser from 'webextension-polyfill';
import type { EnabledSite } from '../storage.ts';

const SCRIPT_ID = 'pc-content';
const CONTENT_SCRIPT = '/content-scripts/content.js';

/**
 * Registers the content script for exactly the sites the agent enabled, and nowhere else.
 * Sites whose host permission was revoked are left out (registering them would fail).
 */
export async function syncContentScripts(sites: EnabledSite[]): Promise<string[]> {
  const granted: string[] = [];
  for (const site of sites) if (await browser.permissions.contains({ origins: [site.pattern] })) granted.push(site.pattern);
  const existing = await browser.scripting.getRegisteredContentScripts({ ids: [SCRIPT_ID] });
  if (existing.length) await browser.scripting.unregisterContentScripts({ ids: [SCRIPT_ID] });
  if (granted.length === 0) return granted;
  await browser.scripting.registerContentScripts([
    {
      id: SCRIPT_ID,
      matches: granted,
      js: [CONTENT_SCRIPT],
      css: [],
      allFrames: true,
      matchOriginAsFallback: true,
      runAt: 'document_idle',
      persistAcrossSessions: true,
    },
  ]);
  return granted;
}

/** Starts the content script in tabs that were already open when their site was enabled. */
export async function injectIntoOpenTabs(patterns: string[]): Promise<void> {
  if (patterns.length === 0) return;
  const tabs = await browser.tabs.query({ url: patterns });
  await Promise.all(
    tabs.map((tab) =>
      tab.id === undefined
        ? undefined
        : browser.scripting.executeScript({ target: { tabId: tab.id, allFrames: true }, files: [CONTENT_SCRIPT] }).catch(() => undefined),
    ),
  );
}
