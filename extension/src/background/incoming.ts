import browser from 'webextension-polyfill';
import { isFinalStatus, type CallView } from '@phone-connector/shared';
import { matchesPattern, searchUrlFor } from '../sites.ts';
import { type EnabledSite, enabledSites } from '../storage.ts';
import { sendToTab } from '../messages.ts';
import { takenBy } from '../taken-by.ts';
import { ForwardedCalls } from '../call-forwarding.ts';
import { shownNumber } from './shown-number.ts';

/**
 * Incoming calls: shown in the CRM tab the agent is looking at (the active tab of the
 * focused window, else the most recently used enabled tab), or as a system notification
 * when no enabled tab is open. Updates of a call go to the tab that shows it.
 */
export class IncomingCalls {
  /** The tab that shows each call's popup, by call id: kept through the wrap-up (call-forwarding.ts). */
  private readonly shownIn: ForwardedCalls<number, number>;
  private readonly notified = new Set<number>();

  /** `now`: the clock of the wrap-up window (tests move it). */
  constructor(now: () => number = Date.now) {
    this.shownIn = new ForwardedCalls(now);
  }

  async onRelayCall(call: CallView): Promise<void> {
    const sites = await enabledSites.getValue();
    let tabId = this.shownIn.get(call.id);
    if (tabId !== undefined && !(await tabStillEnabled(tabId, sites))) tabId = undefined;
    if (tabId === undefined && !isFinalStatus(call.status)) tabId = await pickTab(sites);
    if (tabId === undefined) {
      await this.showNotification(call);
      return;
    }
    this.shownIn.set(call.id, tabId);
    const tab = await browser.tabs.get(tabId);
    const shownFrom = call.from_number ? await shownNumber(call.from_number) : undefined;
    await sendToTab(tabId, 'incoming-call', { call, searchUrl: searchUrlFor(tab.url, sites, call.from_number), shownFrom, takenBy: await takenBy(call) });
    this.shownIn.observe(call.id, call);
  }

  private async showNotification(call: CallView): Promise<void> {
    const id = `pc-incoming-${call.id}`;
    // Over, or a colleague's: as the popup does, the notice leaves (and is not shown again).
    if (isFinalStatus(call.status) || (await takenBy(call))?.colleague !== undefined) {
      if (this.notified.delete(call.id)) await browser.notifications.clear(id);
      return;
    }
    this.notified.add(call.id);
    await browser.notifications.create(id, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title: call.contact ? `Incoming call: ${call.contact.name}` : 'Incoming call',
      message: `${call.from_number ?? 'Unknown number'}${call.status ? ` · ${call.status}` : ''}`,
    });
  }
}

async function tabStillEnabled(tabId: number, sites: EnabledSite[]): Promise<boolean> {
  try {
    const tab = await browser.tabs.get(tabId);
    return Boolean(tab.url && sites.some((s) => matchesPattern(s.pattern, tab.url!)));
  } catch {
    return false;
  }
}

async function pickTab(sites: EnabledSite[]): Promise<number | undefined> {
  if (sites.length === 0) return undefined;
  const enabled = (url?: string) => Boolean(url && sites.some((s) => matchesPattern(s.pattern, url)));
  const [focused] = await browser.tabs.query({ active: true, lastFocusedWindow: true });
  if (focused?.id !== undefined && enabled(focused.url)) return focused.id;
  const tabs = (await browser.tabs.query({})).filter((t) => t.id !== undefined && enabled(t.url));
  tabs.sort((a, b) => (b.lastAccessed ?? 0) - (a.lastAccessed ?? 0));
  return tabs[0]?.id;
}
