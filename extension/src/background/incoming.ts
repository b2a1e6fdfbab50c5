import browser from 'webextension-polyfill';
import { storage } from '#imports';
import { isFinalStatus, statusLabel, type CallView } from '@phone-connector/shared';
import { safeLink } from '../content/ui/safe-link.ts';
import { matchesPattern, searchUrlFor } from '../sites.ts';
import { type EnabledSite, enabledSites } from '../storage.ts';
import { sendToTab } from '../messages.ts';
import { takenBy } from '../taken-by.ts';
import { type ForwardedEntry, ForwardedCalls } from './call-forwarding.ts';
import { type KeptEntries, SessionMap } from './session-map.ts';
import { voicemailOf } from '../missed-calls.ts';
import { formatDuration } from '../ui/duration.ts';
import { shownNumber } from './shown-number.ts';

/**
 * What IncomingCalls knows of the calls it showed, kept through a restart of the service worker
 * (session-map.ts): a call that ends after one still leaves its tab's popup, and a notification's
 * click still opens its record. No version: session storage never outlives the browser.
 */
export interface IncomingKept {
  shownIn: KeptEntries<number, ForwardedEntry<number>>;
  notified: KeptEntries<number, string | null>;
  voicemails: KeptEntries<number, string>;
}
export const incomingKept: IncomingKept = {
  shownIn: storage.defineItem('session:incomingShownIn', { fallback: [] }),
  notified: storage.defineItem('session:incomingNotified', { fallback: [] }),
  voicemails: storage.defineItem('session:voicemailsAnnounced', { fallback: [] }),
};

/** The voicemail notifications remembered, the last ones: enough for a relay that pushes a call's last event again. */
const VOICEMAILS_REMEMBERED = 100;

/**
 * Incoming calls: shown in the CRM tab the agent is looking at (the active tab of the
 * focused window, else the most recently used enabled tab), or as a system notification
 * when no enabled tab is open. Updates of a call go to the tab that shows it. A message a caller
 * left on a call nobody took is announced the same way: the popup's wrap-up links it, else a
 * system notification does, once.
 */
export class IncomingCalls {
  /** The tab that shows each call's popup, by call id: kept through the wrap-up (call-forwarding.ts). */
  private readonly shownIn: ForwardedCalls<number, number>;
  /** The calls shown as system notifications, each with the caller's CRM record to open on a click, or null (JSON keeps no undefined). */
  private readonly notified: SessionMap<number, string | null>;
  /** The voicemails announced in a system notification, by call id, each with its link: the relay may push a call's last event again. */
  private readonly voicemails: SessionMap<number, string>;

  /** `now`: the clock of the wrap-up window (tests move it); `kept`: where what it showed outlives the worker. */
  constructor(now: () => number = Date.now, kept: IncomingKept = incomingKept) {
    this.shownIn = new ForwardedCalls(now, kept.shownIn);
    this.notified = new SessionMap(kept.notified);
    this.voicemails = new SessionMap(kept.voicemails, VOICEMAILS_REMEMBERED);
  }

  /** Resolves once what a previous service worker kept is read back. */
  private ready(): Promise<unknown> {
    return Promise.all([this.shownIn.ready, this.notified.ready, this.voicemails.ready]);
  }

  /** Resolves once what this one changed is kept. */
  private written(): Promise<unknown> {
    return Promise.all([this.shownIn.written(), this.notified.written(), this.voicemails.written()]);
  }

  async onRelayCall(call: CallView): Promise<void> {
    await this.ready();
    const sites = await enabledSites.getValue();
    let tabId = this.shownIn.get(call.id);
    if (tabId !== undefined && !(await tabStillEnabled(tabId, sites))) tabId = undefined;
    if (tabId === undefined && !isFinalStatus(call.status)) tabId = await pickTab(sites);
    if (tabId === undefined) {
      await this.showNotification(call);
      await this.written();
      return;
    }
    this.shownIn.set(call.id, tabId);
    const tab = await browser.tabs.get(tabId);
    const shownFrom = call.from_number ? await shownNumber(call.from_number) : undefined;
    await sendToTab(tabId, 'incoming-call', { call, searchUrl: searchUrlFor(tab.url, sites, call.from_number), shownFrom, takenBy: await takenBy(call) });
    this.shownIn.observe(call.id, call);
    await this.written();
  }

  private async showNotification(call: CallView): Promise<void> {
    const id = `pc-incoming-${call.id}`;
    // Over, or a colleague's: as the popup does, the notice leaves (and is not shown again).
    if (isFinalStatus(call.status) || (await takenBy(call))?.colleague !== undefined) {
      if (this.notified.delete(call.id)) await browser.notifications.clear(id);
      await this.announceVoicemail(call);
      return;
    }
    const shown = this.notified.has(call.id);
    const record = safeLink(call.contact?.url);
    this.notified.set(call.id, record ?? null);
    const who = callerName(call);
    // As the page's popup says it: the caller's name and company, the number as the agent reads it, the status in words.
    const notice = {
      type: 'basic' as const,
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title: who ? `Incoming call: ${who}` : 'Incoming call',
      message: `${await callerNumber(call)}${call.status ? ` · ${statusLabel(call.status, call.direction ?? 'inbound')}` : ''}`,
      contextMessage: record ? 'Click to open the record in the CRM' : '',
    };
    // Already shown: changed in place where the browser can (Chromium), rather than cleared and
    // popped up again for each event (the contact found, the call answered).
    const notifications = browser.notifications as typeof browser.notifications & { update?: (id: string, options: typeof notice) => Promise<boolean> };
    if (shown && notifications.update && (await notifications.update(id, notice))) return;
    await browser.notifications.create(id, notice);
  }

  /** The message the caller left on a missed call, in a notification of its own, whose click plays it. */
  private async announceVoicemail(call: CallView): Promise<void> {
    const voicemail = voicemailOf(call);
    if (!voicemail || this.voicemails.has(call.id)) return;
    this.voicemails.set(call.id, voicemail.url);
    const who = callerName(call);
    await browser.notifications.create(`pc-voicemail-${call.id}`, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title: who ? `Voicemail from ${who}` : 'Voicemail',
      message: `${await callerNumber(call)}${voicemail.seconds ? ` · ${formatDuration(voicemail.seconds)}` : ''}`,
      contextMessage: 'Click to listen',
    });
  }

  /**
   * A click on a call's system notification: the caller's CRM record in a new tab, when the CRM
   * named one, or the voicemail; the notification goes.
   */
  async onNotificationClicked(notificationId: string): Promise<void> {
    const [, kind, callId] = /^pc-(incoming|voicemail)-(\d+)$/.exec(notificationId) ?? [];
    if (callId === undefined) return;
    await this.ready();
    const url = kind === 'incoming' ? this.notified.get(Number(callId)) : this.voicemails.get(Number(callId));
    if (url) await browser.tabs.create({ url });
    await browser.notifications.clear(notificationId);
  }
}

/** The caller as the CRM named them, with their company: `Ada Lovelace (Analytical Engines)`. */
function callerName({ contact }: CallView): string | undefined {
  return contact ? `${contact.name}${contact.company ? ` (${contact.company})` : ''}` : undefined;
}

/** The caller's number as the agent reads it. */
function callerNumber(call: CallView): Promise<string> {
  return call.from_number ? shownNumber(call.from_number) : Promise.resolve('Unknown number');
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
