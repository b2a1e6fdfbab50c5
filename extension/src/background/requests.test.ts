import browser from 'webextension-polyfill';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { answerAtOnce } from '../../../tests/simulators/http.ts';
import { TwilioSimulator } from '../../../tests/simulators/twilio.ts';
import { sendToBackground } from '../messages.ts';
import { callView } from '../testing/call-view.ts';
import { RelayStub } from '../testing/relay-stub.ts';
import { agentSettings, callbackUrls, defaultCountry, enabledSites, providerSettings, relaySettings } from '../storage.ts';
import { CallRateLimit } from './call-rate-limit.ts';
import { OutboundCalls } from './calls.ts';
import { CrmDispositions } from './crm-dispositions.ts';
import { handleRequests } from './requests.ts';

// The background's message handling against WXT's fake browser (storage, tabs, runtime) and the
// Twilio simulator over real HTTP. Host permissions, which the fake does not implement, are
// granted for the CRM; messages to tabs are recorded as the content script would receive them.
const ACCOUNT = `AC${'1'.repeat(32)}`;
const TOKEN = 'requests-token';
const CRM = 'https://crm.example.com';
const ANSWER_URL = 'http://127.0.0.1:9/hooks/i/s/answer';
let twilio: TwilioSimulator;
let relay: RelayStub;
let now: number;
let handle: ReturnType<typeof handleRequests>;
let toTabs: MockInstance<typeof browser.tabs.sendMessage>;

beforeAll(async () => {
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT, authToken: TOKEN });
  relay = await RelayStub.start();
});
afterAll(async () => {
  await twilio?.close();
  await relay?.close();
});

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
  handle = handleRequests(new OutboundCalls(), new CallRateLimit(3, 60_000, () => now), new CrmDispositions());
  relay.requests.length = 0;
  relay.routes = {};
});
afterEach(() => vi.restoreAllMocks());

/** What the browser says about a content script's message from a frame (`frameUrl`) of tab `tabId`. */
function fromPage(tabId: number, tabUrl = `${CRM}/contacts/42`, frameUrl = tabUrl) {
  return { id: browser.runtime.id, url: frameUrl, origin: new URL(frameUrl).origin, frameId: frameUrl === tabUrl ? 0 : 3, tab: { id: tabId, url: tabUrl, index: 0, highlighted: false, active: true, pinned: false, incognito: false } };
}

const cardsIn = (tabId: number) => toTabs.mock.calls.filter(([id]) => id === tabId).map(([, message]) => message as { state: string; detail?: string });
const lastCall = () => [...twilio.calls.values()].at(-1)!;

describe("a placed call's Cancel", () => {
  it('ends the call placed from the asking tab, and nothing for another tab, a site not enabled or a forged key', async () => {
    twilio.agentPhone = 'rings';
    try {
      const placed = await handle({ type: 'place-call', to: '+14155550123' }, fromPage(7));
      const key = placed && 'key' in placed ? placed.key : '';
      expect(await handle({ type: 'hang-up-call', key }, fromPage(8))).toEqual({ ok: false, error: 'This call cannot be ended from this page: hang up on your phone.' });
      expect(await handle({ type: 'hang-up-call', key }, fromPage(7, 'https://evil.example.com/'))).toMatchObject({ ok: false, error: expect.stringMatching(/^Hang-up refused: https:\/\/evil\.example\.com is not a site enabled/) });
      expect(await handle({ type: 'hang-up-call', key: 42 }, fromPage(7))).toEqual({ ok: false, error: 'Hang-up refused: the request names no call.' });
      const call = lastCall();
      expect(call.status).not.toBe('canceled');

      expect(await handle({ type: 'hang-up-call', key }, fromPage(7))).toEqual({ ok: true });
      await call.done;
      expect(call.status).toBe('canceled');
    } finally {
      answerAtOnce(twilio);
    }
  });
});

describe('the calls under way', () => {
  it('are listed for the toolbar popup, with the key its Cancel sends, and for no page', async () => {
    const fromPopup = { id: browser.runtime.id, url: browser.runtime.getURL('/popup.html') };
    const placed = await handle({ type: 'place-call', to: '+14155550123' }, fromPage(7));
    const key = placed && 'key' in placed ? placed.key : '';
    expect(await handle({ type: 'placed-calls' }, fromPopup)).toMatchObject({ ok: true, calls: [{ key, callId: lastCall().sid, shownTo: '(415) 555-0123', canHangUp: true }] });
    expect(await handle({ type: 'placed-calls' }, fromPage(7))).toEqual({ ok: false, error: 'Refused: only the toolbar popup lists the calls under way.' });
    expect(await handle({ type: 'placed-calls' }, { id: 'another-extension', url: 'chrome-extension://another-extension/popup.html' })).toEqual({ ok: false, error: 'Refused: the message does not come from this extension.' });
    await lastCall().done;
  });
});

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
    expect(await sendToBackground('update-call', { callId: 1, patch: { notes: 'x' } })).toEqual({ ok: false, error: 'Call update refused: the message does not come from this extension.' });
    expect(await sendToBackground('retry-crm-log', { callId: 1 })).toEqual({ ok: false, error: 'Retry refused: the message does not come from this extension.' });
    expect(await sendToBackground('crm-dispositions', { instanceId: 'default' })).toEqual({ ok: false, error: 'Dispositions refused: the message does not come from this extension.' });
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

describe('changes to a relay call (notes, disposition, picked contact, CRM log retry)', () => {
  beforeEach(async () => {
    await relaySettings.setValue({ url: relay.url, token: 'agent-token' });
  });

  it("sends the patch as PATCH /calls/:id with the agent's token, and answers the relay's call", async () => {
    const answered = callView({ id: 42, notes: 'Wants a quote', disposition: 'Interested', contact: { id: '4x2', name: 'Ada Lovelace', company: 'Analytical', url: null } });
    relay.routes['PATCH /calls/42'] = () => ({ body: answered });
    const patch = { notes: 'Wants a quote', disposition: 'Interested', contact_id: '4x2' };
    expect(await handle({ type: 'update-call', callId: 42, patch }, fromPage(7))).toEqual({ ok: true, call: answered });
    expect(relay.sent('PATCH /calls/42')).toMatchObject([{ authorization: 'Bearer agent-token', body: patch }]);
  });

  it("puts a failed CRM log back in the queue with POST /calls/:id/crm-log/retry, and says the relay's reason when it refuses", async () => {
    const pending = callView({ id: 9, crm_log: { state: 'pending', id: null, url: null, error: null } });
    relay.routes['POST /calls/9/crm-log/retry'] = () => ({ body: pending });
    expect(await handle({ type: 'retry-crm-log', callId: 9 }, fromPage(7))).toEqual({ ok: true, call: pending });
    relay.routes['POST /calls/9/crm-log/retry'] = () => ({ status: 409, body: { error: 'the CRM log is not failed' } });
    expect(await handle({ type: 'retry-crm-log', callId: 9 }, fromPage(7))).toEqual({ ok: false, error: 'relay: the CRM log is not failed' });
  });

  it.each([
    ['a call id that is no number', { callId: '42', patch: { notes: 'x' } }],
    ['a notes field that is no text', { callId: 42, patch: { notes: { html: 'x' } } }],
    ['a contact id too long for any CRM', { callId: 42, patch: { contact_id: 'x'.repeat(201) } }],
    ['no patch', { callId: 42 }],
  ])('refuses %s, and asks the relay nothing', async (_case, fields) => {
    expect(await handle({ type: 'update-call', ...fields }, fromPage(7))).toEqual({ ok: false, error: 'Call update refused: the request is not a call id and notes, disposition or contact.' });
    expect(relay.requests).toEqual([]);
  });

  it('refuses a change from a page that is not on an enabled site', async () => {
    expect(await handle({ type: 'update-call', callId: 1, patch: { notes: 'x' } }, fromPage(7, 'https://evil.example.net/'))).toEqual({
      ok: false,
      error: 'Call update refused: https://evil.example.net is not a site enabled in Options > Sites.',
    });
    expect(await handle({ type: 'retry-crm-log', callId: 1 }, fromPage(7, 'https://evil.example.net/'))).toMatchObject({ ok: false });
    expect(relay.requests).toEqual([]);
  });
});

describe("an instance's dispositions", () => {
  beforeEach(async () => {
    await relaySettings.setValue({ url: relay.url, token: 'agent-token' });
  });

  it('are fetched from the relay once per instance, and kept', async () => {
    relay.routes['GET /instances/default/crm/dispositions'] = () => ({ body: { dispositions: ['Interested', 'Call back later'] } });
    relay.routes['GET /instances/sales%20team/crm/dispositions'] = () => ({ body: { dispositions: ['Sold'] } });
    for (let i = 0; i < 3; i++) expect(await handle({ type: 'crm-dispositions', instanceId: 'default' }, fromPage(7))).toEqual({ ok: true, dispositions: ['Interested', 'Call back later'] });
    expect(await handle({ type: 'crm-dispositions', instanceId: 'sales team' }, fromPage(7))).toEqual({ ok: true, dispositions: ['Sold'] });
    expect(relay.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /instances/default/crm/dispositions', 'GET /instances/sales%20team/crm/dispositions']);
  });

  it("keep the CRM's name when its logged calls do not follow later notes; a relay that does not say is taken to follow", async () => {
    relay.routes['GET /instances/default/crm/dispositions'] = () => ({ body: { dispositions: ['Connected'], crm: 'Pipedrive', updates_logged_calls: false } });
    relay.routes['GET /instances/vt/crm/dispositions'] = () => ({ body: { dispositions: ['Held'], crm: 'Vtiger CRM', updates_logged_calls: true } });
    relay.routes['GET /instances/old/crm/dispositions'] = () => ({ body: { dispositions: ['Sold'] } });
    for (let i = 0; i < 2; i++) expect(await handle({ type: 'crm-dispositions', instanceId: 'default' }, fromPage(7))).toEqual({ ok: true, dispositions: ['Connected'], keepsLoggedCalls: 'Pipedrive' });
    expect(await handle({ type: 'crm-dispositions', instanceId: 'vt' }, fromPage(7))).toEqual({ ok: true, dispositions: ['Held'] });
    expect(await handle({ type: 'crm-dispositions', instanceId: 'old' }, fromPage(7))).toEqual({ ok: true, dispositions: ['Sold'] });
    expect(relay.sent('GET /instances/default/crm/dispositions')).toHaveLength(1);
  });

  it('are asked for again after the relay failed to give them', async () => {
    relay.routes['GET /instances/default/crm/dispositions'] = () => ({ status: 502, body: { error: 'the CRM did not answer' } });
    expect(await handle({ type: 'crm-dispositions', instanceId: 'default' }, fromPage(7))).toEqual({ ok: false, error: 'relay: the CRM did not answer' });
    relay.routes['GET /instances/default/crm/dispositions'] = () => ({ body: { dispositions: ['Interested'] } });
    expect(await handle({ type: 'crm-dispositions', instanceId: 'default' }, fromPage(7))).toEqual({ ok: true, dispositions: ['Interested'] });
    expect(relay.sent('GET /instances/default/crm/dispositions')).toHaveLength(2);
  });
});
