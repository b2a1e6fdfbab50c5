import browser from 'webextension-polyfill';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { TwilioSimulator } from '../../../tests/simulators/twilio.ts';
import { sendToBackground } from '../messages.ts';
import { agentSettings, callbackUrls, defaultCountry, enabledSites, providerSettings } from '../storage.ts';
import { CallRateLimit } from './call-rate-limit.ts';
import { OutboundCalls } from './calls.ts';
import { handleRequests } from './requests.ts';

// The background's message handling against WXT's fake browser (storage, tabs, runtime) and the
// Twilio simulator over real HTTP. Host permissions, which the fake does not implement, are
// granted for the CRM; messages to tabs are recorded as the content script would receive them.
const ACCOUNT = `AC${'1'.repeat(32)}`;
const TOKEN = 'requests-token';
const CRM = 'https://crm.example.com';
const ANSWER_URL = 'http://127.0.0.1:9/hooks/i/s/answer';
let twilio: TwilioSimulator;
let now: number;
let handle: ReturnType<typeof handleRequests>;
let toTabs: MockInstance<typeof browser.tabs.sendMessage>;

beforeAll(async () => {
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT, authToken: TOKEN });
});
afterAll(async () => twilio?.close());

beforeEach(async () => {
  fakeBrowser.reset();
  vi.spyOn(browser.permissions, 'contains').mockImplementation(async ({ origins = [] }) => origins.every((origin) => origin === `${CRM}/*`));
  toTabs = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
  const xml = readFileSync(join(import.meta.dirname, '..', '..', '..', 'connectors', 'twilio.xml'), 'utf8').replaceAll('https://api.twilio.com', twilio.baseUrl);
  await providerSettings.setValue({ customXml: xml, config: { authid: ACCOUNT, authtoken: TOKEN, callerid: '+15005550006' }, instanceId: 'default' });
  // Nothing listens there: the simulator's answer webhook fails, which these tests do not need.
  await callbackUrls.setValue({ answer: ANSWER_URL, status: 'http://127.0.0.1:9/hooks/i/s/status' });
  await agentSettings.setValue({ extension: '+14155550111', email: '', callerid: '', fields: {} });
  await defaultCountry.setValue('US');
  await enabledSites.setValue([{ pattern: `${CRM}/*` }]);
  now = 1_000_000;
  handle = handleRequests(new OutboundCalls(), new CallRateLimit(3, 60_000, () => now));
});
afterEach(() => vi.restoreAllMocks());

/** What the browser says about a content script's message from a frame (`frameUrl`) of tab `tabId`. */
function fromPage(tabId: number, tabUrl = `${CRM}/contacts/42`, frameUrl = tabUrl) {
  return { id: browser.runtime.id, url: frameUrl, origin: new URL(frameUrl).origin, frameId: frameUrl === tabUrl ? 0 : 3, tab: { id: tabId, url: tabUrl, index: 0, highlighted: false, active: true, pinned: false, incognito: false } };
}

const cardsIn = (tabId: number) => toTabs.mock.calls.filter(([id]) => id === tabId).map(([, message]) => message as { state: string; detail?: string });
const lastCall = () => [...twilio.calls.values()].at(-1)!;

describe('a call from a call button', () => {
  it("places it with the number's extension, and shows progress in the tab that asked", async () => {
    const before = twilio.calls.size;
    const result = await handle({ type: 'place-call', to: '+14155550123', extension: '204' }, fromPage(7));
    expect(result).toMatchObject({ ok: true });
    expect(twilio.calls.size).toBe(before + 1);
    const call = lastCall();
    await call.done;
    expect(call.exchanges.find((e) => e.kind === 'voice')?.url).toBe(`${ANSWER_URL}?DialTo=%2B14155550123&DialExt=204`);
    expect(cardsIn(7).map((card) => card.state)).toEqual(['calling', 'queued']);
  });

  it('shows progress in the tab the browser names, never in one the message names', async () => {
    expect(await handle({ type: 'place-call', to: '+14155550100', tabId: 99 }, fromPage(7))).toMatchObject({ ok: true });
    // Our popup has no tab: its calls show in the CRM tab the agent looks at (none here), not in a named one.
    expect(await handle({ type: 'place-call', to: '+14155550100', tabId: 99 }, { id: browser.runtime.id, url: browser.runtime.getURL('/popup.html') })).toMatchObject({ ok: true });
    expect(cardsIn(99)).toEqual([]);
    expect(cardsIn(7).length).toBeGreaterThan(0);
  });

  it.each([
    ['a tab of a site that is not enabled', fromPage(7, 'https://evil.example.net/phish'), 'https://evil.example.net is not a site enabled in Options > Sites'],
    ['a frame of another origin in an enabled tab', fromPage(7, `${CRM}/contacts/42`, 'https://ads.example.net/banner'), 'https://ads.example.net is not a site enabled in Options > Sites'],
    ['another extension', { ...fromPage(7), id: 'another-extension' }, 'the message does not come from this extension'],
    ['no tab', { id: browser.runtime.id, url: `${CRM}/contacts/42` }, 'the message does not come from a tab'],
  ])('refuses a message from %s and places no call', async (_case, sender, reason) => {
    const before = twilio.calls.size;
    expect(await handle({ type: 'place-call', to: '+14155550100' }, sender)).toEqual({ ok: false, error: `Call refused: ${reason}.` });
    expect(twilio.calls.size).toBe(before);
    expect(toTabs).not.toHaveBeenCalled();
  });

  it.each([[{ to: { toString: (): string => '+14155550100' } }], [{ to: '' }], [{ to: '4'.repeat(101) }], [{ to: '+14155550100', extension: 204 }]])('refuses a malformed request %j', async (fields) => {
    const before = twilio.calls.size;
    expect(await handle({ type: 'place-call', ...fields }, fromPage(7))).toEqual({ ok: false, error: 'Call refused: the request carries no number to call.' });
    expect(twilio.calls.size).toBe(before);
  });

  it('refuses a fourth call in a minute from one tab, saying why on its card; other tabs and later calls go through', async () => {
    const before = twilio.calls.size;
    for (const number of ['+14155550101', '+14155550102', '+14155550103']) {
      expect(await handle({ type: 'place-call', to: number }, fromPage(7))).toMatchObject({ ok: true });
      now += 1_000;
    }
    const reason = 'Too many calls from this tab: at most 3 in 60 s. Try again in 57 s.';
    expect(await handle({ type: 'place-call', to: '+14155550104' }, fromPage(7))).toEqual({ ok: false, error: reason });
    expect(twilio.calls.size).toBe(before + 3);
    expect(cardsIn(7).at(-1)).toMatchObject({ type: 'call-progress', to: '+14155550104', state: 'error', detail: reason });
    expect(await handle({ type: 'place-call', to: '+14155550105' }, fromPage(8))).toMatchObject({ ok: true });
    now += 57_000;
    expect(await handle({ type: 'place-call', to: '+14155550104' }, fromPage(7))).toMatchObject({ ok: true });
    expect(twilio.calls.size).toBe(before + 5);
  });
});

describe('the background on the runtime', () => {
  // The fake runtime delivers messages with an empty sender: each kind's own check refuses it.
  it('routes each kind to its own handler, and leaves other kinds unanswered', async () => {
    browser.runtime.onMessage.addListener(handle);
    const before = twilio.calls.size;
    expect(await sendToBackground('place-call', { to: '+14155550123' })).toEqual({ ok: false, error: 'Call refused: the message does not come from this extension.' });
    expect(await sendToBackground('save-notes', { callId: 1, notes: 'x' })).toEqual({ ok: false, error: 'Notes refused: the message does not come from this extension.' });
    for (const stray of [{ type: 'incoming-call' }, { type: 'call-progress', to: '+14155550123' }, { to: '+14155550123' }]) {
      expect(await browser.runtime.sendMessage(stray)).toBeUndefined();
    }
    expect(twilio.calls.size).toBe(before);
  });
});

describe('a call from the toolbar popup', () => {
  it('is trusted as our own page and not rate-limited: the agent is typing', async () => {
    const popup = { id: browser.runtime.id, url: browser.runtime.getURL('/popup.html') };
    const before = twilio.calls.size;
    for (let i = 0; i < 4; i++) expect(await handle({ type: 'place-call', to: '+14155550100' }, popup)).toMatchObject({ ok: true });
    expect(twilio.calls.size).toBe(before + 4);
  });
});

describe('notes', () => {
  it('refuses notes from a page that is not on an enabled site', async () => {
    expect(await handle({ type: 'save-notes', callId: 1, notes: 'x' }, fromPage(7, 'https://evil.example.net/'))).toEqual({
      ok: false,
      error: 'Notes refused: https://evil.example.net is not a site enabled in Options > Sites.',
    });
  });
});
