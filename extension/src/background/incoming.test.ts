import browser from 'webextension-polyfill';
import { afterEach, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { Message, TabMessages } from '../messages.ts';
import { agentSettings, defaultCountry, enabledSites, relayNumber } from '../storage.ts';
import { callView } from '../testing/call-view.ts';
import { WRAP_UP_MS } from './call-forwarding.ts';
import { IncomingCalls } from './incoming.ts';

// Where the background shows an incoming call, with WXT's fake browser's tabs and notifications;
// messages to tabs are recorded as the content script would receive them.
const ADA = { id: '4x12', name: 'Ada Lovelace', company: null, url: null };
let toTabs: MockInstance<typeof browser.tabs.sendMessage>;

beforeEach(async () => {
  fakeBrowser.reset();
  toTabs = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
  await enabledSites.setValue([{ pattern: 'https://crm.example.com/*' }]);
  await defaultCountry.setValue('US');
});
afterEach(() => vi.restoreAllMocks());

const shown = () => toTabs.mock.calls.map(([tabId, message]) => [tabId, (message as Message<TabMessages, 'incoming-call'>).call.status, (message as Message<TabMessages, 'incoming-call'>).call.crm_log?.state ?? null]);

describe('incoming calls in the background', () => {
  it("keeps updating the popup's tab after the call ends, until its CRM log is settled", async () => {
    const tab = await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    const incoming = new IncomingCalls();
    const call = callView({ id: 5, status: 'ringing' });
    await incoming.onRelayCall(call);
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'pending', id: null, url: null, error: null } });
    // The agent moved to a tab of another site: the popup's tab still gets the log's outcome.
    await browser.tabs.create({ url: 'https://mail.example.com/', active: true });
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'logged', id: '43x1', url: null, error: null } });
    expect(shown()).toEqual([
      [tab.id, 'ringing', null],
      [tab.id, 'completed', 'pending'],
      [tab.id, 'completed', 'logged'],
    ]);
  });

  it("keeps updating the popup's tab through the wrap-up after the log is settled (a recording, a failed update), then lets it go", async () => {
    const tab = await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    let now = 1_000_000;
    const incoming = new IncomingCalls(() => now);
    const call = callView({ id: 8, status: 'ringing' });
    const logged = { state: 'logged' as const, id: '43x3', url: null, error: null };
    await incoming.onRelayCall(call);
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: logged });
    now += WRAP_UP_MS - 1;
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: { ...logged, state: 'failed', error: 'HTTP 400' } });
    // The failed update reopened the popup's window: the Retry that logs it again still reaches the tab.
    now += WRAP_UP_MS;
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: logged });
    now += WRAP_UP_MS;
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: logged });
    expect(shown()).toEqual([
      [tab.id, 'ringing', null],
      [tab.id, 'completed', 'logged'],
      [tab.id, 'completed', 'failed'],
      [tab.id, 'completed', 'logged'],
    ]);
  });

  it("keeps updating the popup's tab while its CRM log failed, so a Retry's outcome reaches it", async () => {
    const tab = await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    const incoming = new IncomingCalls();
    const call = callView({ id: 7, status: 'ringing' });
    await incoming.onRelayCall(call);
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'failed', id: null, url: null, error: 'HTTP 400' } });
    // The agent clicked Retry on the popup: the relay queues the log again and writes it.
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'pending', id: null, url: null, error: null } });
    await incoming.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'logged', id: '43x2', url: null, error: null } });
    expect(shown()).toEqual([
      [tab.id, 'ringing', null],
      [tab.id, 'completed', 'failed'],
      [tab.id, 'completed', 'pending'],
      [tab.id, 'completed', 'logged'],
    ]);
  });

  it("goes on after the browser restarts the service worker: the call's end still reaches the popup's tab, though another tab is in front now", async () => {
    const tab = await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    const call = callView({ id: 30, status: 'ringing' });
    await new IncomingCalls().onRelayCall(call);
    await browser.tabs.create({ url: 'https://mail.example.com/', active: true });
    // A worker started again, with nothing in memory but what session storage kept.
    await new IncomingCalls().onRelayCall({ ...call, status: 'completed' });
    expect(shown()).toEqual([
      [tab.id, 'ringing', null],
      [tab.id, 'completed', null],
    ]);
    expect(await browser.notifications.getAll()).toEqual({});
  });

  it('goes on after the browser restarts the service worker: a notification still opens its record and leaves when the call ends, a voicemail is announced once', async () => {
    const opened = vi.spyOn(browser.tabs, 'create').mockResolvedValue({} as browser.Tabs.Tab);
    const record = { ...ADA, url: 'https://crm.example.com/contacts/4x12' };
    const call = callView({ id: 31, status: 'ringing', contact: record, contacts: [record] });
    await new IncomingCalls().onRelayCall(call);
    await new IncomingCalls().onNotificationClicked('pc-incoming-31');
    expect(opened.mock.calls.map(([options]) => options.url)).toEqual(['https://crm.example.com/contacts/4x12']);
    await new IncomingCalls().onRelayCall(callView({ id: 32, status: 'ringing' }));
    await new IncomingCalls().onRelayCall(callView({ id: 32, status: 'no-answer' }));
    expect(await browser.notifications.getAll()).toEqual({});
    const left = callView({ id: 32, status: 'no-answer', recording_url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE32' });
    await new IncomingCalls().onRelayCall(left);
    await browser.notifications.clear('pc-voicemail-32');
    // The relay pushes the call's last event again to a worker started since: no second notice.
    await new IncomingCalls().onRelayCall({ ...left, crm_log: { state: 'logged', id: '43x9', url: null, error: null } });
    expect(await browser.notifications.getAll()).toEqual({});
  });

  it("sends the caller's number formatted as the agent reads it, none for a call without one", async () => {
    await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    const incoming = new IncomingCalls();
    await incoming.onRelayCall(callView({ id: 9, call_id: 'CA9', status: 'ringing' }));
    await incoming.onRelayCall(callView({ id: 10, call_id: 'CA10', status: 'ringing', from_number: null }));
    const sent = toTabs.mock.calls.map(([, message]) => (message as Message<TabMessages, 'incoming-call'>).shownFrom);
    expect(sent).toEqual(['(415) 555-0199', undefined]);
  });

  it('says who took a call the team rang: this agent (its number as typed in the options), a colleague by name, else their number', async () => {
    await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    await agentSettings.setValue({ extension: '(415) 555-0111', email: '', callerid: '', fields: {} });
    const incoming = new IncomingCalls();
    const taken = async (id: number, extra: Record<string, string>, direction: 'inbound' | 'outbound' = 'inbound') => {
      await incoming.onRelayCall(callView({ id, status: 'in-progress', direction, extra }));
      return (toTabs.mock.calls.at(-1)![1] as Message<TabMessages, 'incoming-call'>).takenBy;
    };
    expect(await taken(11, { answered_by: '+14155550111', answered_by_name: 'Ada' })).toEqual({});
    expect(await taken(12, { answered_by: '+14155550122', answered_by_name: 'Bob' })).toEqual({ colleague: 'Bob' });
    expect(await taken(13, { answered_by: '+14155550133' })).toEqual({ colleague: '(415) 555-0133' });
    expect(await taken(14, {})).toBeUndefined();
    // The options hold another phone (for click to call) than the one the relay rings: both are this agent's.
    await agentSettings.setValue({ extension: '+442079460000', email: '', callerid: '', fields: {} });
    expect(await taken(16, { answered_by: '+14155550111', answered_by_name: 'Ada' })).toEqual({ colleague: 'Ada' });
    await relayNumber.setValue('+14155550111');
    expect(await taken(17, { answered_by: '+14155550111', answered_by_name: 'Ada' })).toEqual({});
    // A call placed here: some connectors map the customer's answer under the same name.
    expect(await taken(15, { answered_by: '+14155550122' }, 'outbound')).toBeUndefined();
  });

  it('names the caller in the system notification when no CRM tab is open, as the popup words it', async () => {
    const incoming = new IncomingCalls();
    await incoming.onRelayCall(callView({ id: 6, status: 'ringing', contact: ADA, contacts: [ADA] }));
    expect(await browser.notifications.getAll()).toMatchObject({ 'pc-incoming-6': { title: 'Incoming call: Ada Lovelace', message: '(415) 555-0199 · Ringing', contextMessage: '' } });
    await incoming.onRelayCall(callView({ id: 7, status: 'ringing', from_number: '+442079460958', contact: { ...ADA, company: 'Analytical Engines' } }));
    expect(await browser.notifications.getAll()).toMatchObject({ 'pc-incoming-7': { title: 'Incoming call: Ada Lovelace (Analytical Engines)', message: '+44 20 7946 0958 · Ringing' } });
    expect(toTabs).not.toHaveBeenCalled();
  });

  it("opens the caller's CRM record on a click on the notification, a web address only, and clears it", async () => {
    const incoming = new IncomingCalls();
    const opened = vi.spyOn(browser.tabs, 'create').mockResolvedValue({} as browser.Tabs.Tab);
    await incoming.onRelayCall(callView({ id: 9, status: 'ringing' }));
    // The CRM answered: the same notification names the caller and offers the record.
    const record = { ...ADA, url: 'https://crm.example.com/contacts/4x12' };
    await incoming.onRelayCall(callView({ id: 9, status: 'ringing', contact: record, contacts: [record] }));
    expect(await browser.notifications.getAll()).toMatchObject({ 'pc-incoming-9': { title: 'Incoming call: Ada Lovelace', contextMessage: 'Click to open the record in the CRM' } });
    await incoming.onNotificationClicked('pc-incoming-9');
    expect(opened.mock.calls.map(([options]) => options.url)).toEqual(['https://crm.example.com/contacts/4x12']);
    expect(await browser.notifications.getAll()).toEqual({});
    // A record URL a connector made up that is no web address opens nothing.
    const hostile = { ...ADA, url: 'javascript:alert(1)' };
    await incoming.onRelayCall(callView({ id: 10, status: 'ringing', contact: hostile, contacts: [hostile] }));
    expect((await browser.notifications.getAll())['pc-incoming-10']).toMatchObject({ contextMessage: '' });
    await incoming.onNotificationClicked('pc-incoming-10');
    await incoming.onNotificationClicked('pc-selection-1');
    expect(opened).toHaveBeenCalledTimes(1);
  });

  it("announces a caller's voicemail once, naming the caller, and plays it on a click, when no CRM tab shows the call", async () => {
    const incoming = new IncomingCalls();
    const opened = vi.spyOn(browser.tabs, 'create').mockResolvedValue({} as browser.Tabs.Tab);
    const url = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE20';
    const call = callView({ id: 20, status: 'ringing', contact: { ...ADA, company: 'Analytical Engines' }, contacts: [ADA] });
    await incoming.onRelayCall(call);
    // Nobody took it: the ringing notice goes; no message yet, no voicemail notice.
    await incoming.onRelayCall({ ...call, status: 'no-answer' });
    expect(await browser.notifications.getAll()).toEqual({});
    const left = { ...call, status: 'no-answer' as const, recording_url: url, extra: { recording_duration: '37' } };
    await incoming.onRelayCall(left);
    expect(await browser.notifications.getAll()).toEqual({
      'pc-voicemail-20': expect.objectContaining({ title: 'Voicemail from Ada Lovelace (Analytical Engines)', message: '(415) 555-0199 · 0:37', contextMessage: 'Click to listen' }),
    });
    // The relay pushes the call again (its CRM log): announced once.
    const created = vi.spyOn(browser.notifications, 'create');
    await incoming.onRelayCall({ ...left, crm_log: { state: 'logged', id: '43x2', url: null, error: null } });
    expect(created).not.toHaveBeenCalled();
    await incoming.onNotificationClicked('pc-voicemail-20');
    expect(opened.mock.calls.map(([options]) => options.url)).toEqual([url]);
    expect(await browser.notifications.getAll()).toEqual({});
    // A recording on a call someone took is no voicemail; a link that is no web address is none either.
    await incoming.onRelayCall(callView({ id: 21, status: 'completed', recording_url: url }));
    await incoming.onRelayCall(callView({ id: 22, status: 'busy', recording_url: 'javascript:alert(1)' }));
    expect(created).not.toHaveBeenCalled();
  });

  it("leaves the voicemail to the popup's wrap-up when a CRM tab shows the call", async () => {
    await browser.tabs.create({ url: 'https://crm.example.com/contacts', active: true });
    const incoming = new IncomingCalls();
    const call = callView({ id: 23, status: 'ringing' });
    await incoming.onRelayCall(call);
    await incoming.onRelayCall({ ...call, status: 'no-answer', recording_url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE23' });
    expect(await browser.notifications.getAll()).toEqual({});
    expect(shown().map(([, status]) => status)).toEqual(['ringing', 'no-answer']);
  });

  it('changes a shown notification in place where the browser can, rather than popping it up again', async () => {
    const notifications = browser.notifications as typeof browser.notifications & { update?: (id: string, options: object) => Promise<boolean> };
    const update = vi.fn(async () => true);
    notifications.update = update;
    try {
      const created = vi.spyOn(browser.notifications, 'create');
      const incoming = new IncomingCalls();
      await incoming.onRelayCall(callView({ id: 12, status: 'ringing' }));
      await incoming.onRelayCall(callView({ id: 12, status: 'ringing', contact: ADA, contacts: [ADA] }));
      expect(created).toHaveBeenCalledTimes(1);
      expect(update).toHaveBeenCalledWith('pc-incoming-12', expect.objectContaining({ title: 'Incoming call: Ada Lovelace' }));
      // Gone meanwhile (the agent closed it): shown again.
      update.mockResolvedValueOnce(false);
      await incoming.onRelayCall(callView({ id: 12, status: 'in-progress', contact: ADA, contacts: [ADA] }));
      expect(created).toHaveBeenCalledTimes(2);
    } finally {
      delete notifications.update;
    }
  });

  it("clears the system notification once a colleague took the call, and shows none of it again; this agent's own call keeps it", async () => {
    await agentSettings.setValue({ extension: '(415) 555-0111', email: '', callerid: '', fields: {} });
    const incoming = new IncomingCalls();
    await incoming.onRelayCall(callView({ id: 31, status: 'ringing' }));
    await incoming.onRelayCall(callView({ id: 32, status: 'ringing' }));
    expect(Object.keys(await browser.notifications.getAll()).sort()).toEqual(['pc-incoming-31', 'pc-incoming-32']);
    await incoming.onRelayCall(callView({ id: 31, status: 'in-progress', extra: { answered_by: '+14155550122', answered_by_name: 'Bob' } }));
    await incoming.onRelayCall(callView({ id: 32, status: 'in-progress', extra: { answered_by: '+14155550111' } }));
    expect(Object.keys(await browser.notifications.getAll())).toEqual(['pc-incoming-32']);
    await incoming.onRelayCall(callView({ id: 31, status: 'completed', extra: { answered_by: '+14155550122', answered_by_name: 'Bob' } }));
    expect(Object.keys(await browser.notifications.getAll())).toEqual(['pc-incoming-32']);
  });
});
