import browser from 'webextension-polyfill';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { CallView } from '@phone-connector/shared';
import type { Message, TabMessages } from '../messages.ts';
import { answerAtOnce } from '../../../tests/simulators/http.ts';
import { TwilioSimulator } from '../../../tests/simulators/twilio.ts';
import { agentSettings, callbackUrls, defaultCountry, providerSettings } from '../storage.ts';
import { loadCallSetup } from '../call-setup.ts';
import { callView } from '../testing/call-view.ts';
import { WRAP_UP_MS } from './call-forwarding.ts';
import { LONGEST_CALL_MS, OutboundCalls } from './calls.ts';

// The background's call path against the Twilio simulator over real HTTP, with WXT's fake
// browser for storage. The relay is left out here (no relay configured): tests/e2e has it.
const ACCOUNT = `AC${'0'.repeat(32)}`;
const TOKEN = 'unit-token';
let twilio: TwilioSimulator;

beforeAll(async () => {
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT, authToken: TOKEN });
});
afterAll(async () => twilio?.close());

afterEach(() => vi.restoreAllMocks());

beforeEach(async () => {
  fakeBrowser.reset();
  const xml = readFileSync(join(import.meta.dirname, '..', '..', '..', 'connectors', 'twilio.xml'), 'utf8').replaceAll('https://api.twilio.com', twilio.baseUrl);
  await providerSettings.setValue({ customXml: xml, config: { authid: ACCOUNT, authtoken: TOKEN, callerid: '+15005550006' }, instanceId: 'default' });
  // Nothing listens there: the simulator's answer webhook fails, which these tests do not need.
  await callbackUrls.setValue({ answer: 'http://127.0.0.1:9/hooks/i/s/answer', status: 'http://127.0.0.1:9/hooks/i/s/status' });
  await agentSettings.setValue({ extension: '+14155550111', email: '', callerid: '', fields: {} });
  await defaultCountry.setValue('US');
});

/**
 * Whom the provider is told to bridge the agent to: the connector puts the customer (and their
 * extension) on the answer callback URL, which the simulator fetches once the agent's phone answers.
 */
async function dialedFrom(call: { done: Promise<unknown>; exchanges: { kind: string; url: string }[] }) {
  await call.done;
  const answer = new URL(call.exchanges.find((e) => e.kind === 'voice')!.url);
  return { dialTo: answer.searchParams.get('DialTo'), dialExt: answer.searchParams.get('DialExt') || null };
}

describe('placing calls from the background', () => {
  it('creates the call at the provider with the agent as To and the customer in DialTo', async () => {
    const before = twilio.calls.size;
    const result = await new OutboundCalls().place({ number: '+14155550100' });
    expect(result.ok).toBe(true);
    expect(twilio.calls.size).toBe(before + 1);
    const call = [...twilio.calls.values()].at(-1)!;
    expect(call.to).toBe('+14155550111');
    expect(call.from).toBe('+15005550006');
    expect(await dialedFrom(call)).toEqual({ dialTo: '+14155550100', dialExt: null });
  });

  it('calls the first number of a selection ("Call selection")', async () => {
    const before = twilio.calls.size;
    expect(await new OutboundCalls().placeSelection('Ada Lovelace, mobile (212) 555-0142 or (646) 555-0199, ask for Ada')).toMatchObject({ ok: true });
    expect(twilio.calls.size).toBe(before + 1);
    expect(await dialedFrom([...twilio.calls.values()].at(-1)!)).toEqual({ dialTo: '+12125550142', dialExt: null });
  });

  it('calls a selected number with its extension', async () => {
    expect(await new OutboundCalls().placeSelection('Reception: (212) 555-0142 ext. 7, ask for Ada')).toMatchObject({ ok: true });
    const call = [...twilio.calls.values()].at(-1)!;
    await call.done;
    expect(call.exchanges.find((e) => e.kind === 'voice')?.url).toBe('http://127.0.0.1:9/hooks/i/s/answer?DialTo=%2B12125550142&DialExt=7');
  });

  it('tells the agent to key in an extension the connector cannot hand to the provider, with every status', async () => {
    // The Twilio connector as an author might have written it before extensions: no DialExt.
    const provider = await providerSettings.getValue();
    await providerSettings.setValue({ ...provider, customXml: provider.customXml!.replace(`, 'DialExt': "@to_extension|default:''"`, '') });
    const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    const calls = new OutboundCalls();
    expect(await calls.place({ number: '+14155550123', extension: '204' }, 5)).toMatchObject({ ok: true });
    const note = 'Extension 204: key it in on your phone once the line answers.';
    expect(cards.mock.calls.map(([tab, card]) => [tab, (card as Message<TabMessages, 'call-progress'>).state, (card as Message<TabMessages, 'call-progress'>).detail])).toEqual([
      [5, 'calling', undefined],
      [5, 'queued', note],
    ]);
    await calls.onRelayCall({ call_id: [...twilio.calls.keys()].at(-1)!, status: 'ringing' } as CallView);
    expect(cards.mock.calls.at(-1)?.slice(0, 2)).toMatchObject([5, { state: 'ringing', detail: note }]);
  });

  it('formats the called number for the card as the agent reads it: national in their default country, international elsewhere', async () => {
    const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    const calls = new OutboundCalls();
    await calls.place({ number: '+14155550123' }, 5);
    await calls.refuse('+442079460018', 'no agent number', 5);
    await calls.refuse('Ada', '"Ada" is not a phone number', 5);
    const shown = cards.mock.calls.map(([, card]) => (card as Message<TabMessages, 'call-progress'>).shownTo);
    expect(new Set(shown.slice(0, -2))).toEqual(new Set(['(415) 555-0123']));
    expect(shown.slice(-2)).toEqual(['+44 20 7946 0018', 'Ada']);
  });

  it("hands the card the relay's view of the call (who is called, the CRM log) through the wrap-up after the log is settled", async () => {
    const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    let now = 1_000_000;
    const calls = new OutboundCalls(() => now);
    expect(await calls.place({ number: '+14155550123' }, 5)).toMatchObject({ ok: true });
    const ada = { id: '4x12', name: 'Ada Lovelace', company: null, url: null };
    const call = callView({ call_id: [...twilio.calls.keys()].at(-1)!, direction: 'outbound', status: 'ringing', contact: ada, contacts: [ada] });
    await calls.onRelayCall(call);
    await calls.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'pending', id: null, url: null, error: null } });
    await calls.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'logged', id: '43x1', url: null, error: null } });
    // Logged, and the card still open for the wrap-up: the recording that comes later reaches it.
    now += WRAP_UP_MS - 1;
    await calls.onRelayCall({ ...call, status: 'completed', recording_url: 'https://media.example/RE1.mp3', crm_log: { state: 'logged', id: '43x1', url: null, error: null } });
    // Past the wrap-up window: a late repeat of the final event has no card to go to.
    now += 1;
    await calls.onRelayCall({ ...call, status: 'completed', crm_log: { state: 'logged', id: '43x1', url: null, error: null } });
    const forwarded = cards.mock.calls.map(([, card]) => (card as Message<TabMessages, 'call-progress'>).call).filter(Boolean);
    expect(forwarded.map((c) => [c!.contact?.name, c!.status, c!.crm_log?.state ?? null, c!.recording_url])).toEqual([
      ['Ada Lovelace', 'ringing', null, null],
      ['Ada Lovelace', 'completed', 'pending', null],
      ['Ada Lovelace', 'completed', 'logged', null],
      ['Ada Lovelace', 'completed', 'logged', 'https://media.example/RE1.mp3'],
    ]);
  });

  it('offers the card Cancel once the provider gave the call an id, and ends the call through the provider', async () => {
    twilio.agentPhone = 'rings';
    try {
      const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
      const calls = new OutboundCalls();
      const placed = await calls.place({ number: '+14155550123' }, 5);
      expect(placed.ok).toBe(true);
      const sent = cards.mock.calls.map(([, card]) => card as Message<TabMessages, 'call-progress'>);
      expect(sent.map((card) => [card.state, card.canHangUp])).toEqual([
        ['calling', undefined],
        ['queued', true],
      ]);
      const sid = [...twilio.calls.keys()].at(-1)!;
      await calls.onRelayCall({ call_id: sid, status: 'ringing' } as CallView);
      expect(cards.mock.calls.at(-1)?.[1]).toMatchObject({ state: 'ringing', canHangUp: true });

      expect(await calls.hangUp(placed.ok ? placed.key : '', 5)).toEqual({ ok: true });
      const call = twilio.calls.get(sid)!;
      await call.done;
      expect(twilio.updates.at(-1)).toEqual({ sid, form: { Status: 'completed' } });
      expect(call.status).toBe('canceled');
    } finally {
      answerAtOnce(twilio);
    }
  });

  it('lists the calls under way for the toolbar popup, newest first, as their cards have them, until each ends or is too old to be live', async () => {
    vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    const toPages = vi.spyOn(browser.runtime, 'sendMessage').mockResolvedValue(undefined);
    let now = 1_000_000;
    const calls = new OutboundCalls(() => now);
    const first = await calls.place({ number: '+14155550123' }, 5);
    const firstSid = [...twilio.calls.keys()].at(-1)!;
    now += 1000;
    // From the dial box with no CRM tab: no card in a page, so the popup is where it shows.
    const second = await calls.place({ number: '+442079460958' });
    const secondSid = [...twilio.calls.keys()].at(-1)!;
    // The popup, if open, is told of each call placed, to ask again.
    expect(toPages.mock.calls.map(([message]) => message)).toEqual([{ type: 'placed-calls-changed' }, { type: 'placed-calls-changed' }]);
    const ada = { id: '4x12', name: 'Ada Lovelace', company: null, url: null };
    await calls.onRelayCall(callView({ call_id: firstSid, direction: 'outbound', status: 'in-progress', contact: ada, contacts: [ada] }));
    const listed = async () => (await calls.underWay()).map(({ key, callId, instanceId, shownTo, state, canHangUp, call }) => [key, callId, instanceId, shownTo, state, canHangUp, call?.contact?.name]);
    const key = (placed: typeof first) => (placed.ok ? placed.key : '');
    expect(await listed()).toEqual([
      [key(second), secondSid, 'default', '+44 20 7946 0958', 'queued', true, undefined],
      [key(first), firstSid, 'default', '(415) 555-0123', 'in-progress', true, 'Ada Lovelace'],
    ]);
    // Ended: no longer under way.
    await calls.onRelayCall(callView({ call_id: firstSid, direction: 'outbound', status: 'completed' }));
    expect((await listed()).map(([k]) => k)).toEqual([key(second)]);
    // A call whose end never reached us (the relay was down) is not under way hours later.
    now += LONGEST_CALL_MS;
    expect((await listed()).map(([k]) => k)).toEqual([key(second)]);
    now += 1;
    expect(await listed()).toEqual([]);
  });

  it('tells the card when the call was first seen answered, for its timer, and keeps that time through later events', async () => {
    const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    let now = 1_000_000;
    const calls = new OutboundCalls(() => now);
    await calls.place({ number: '+14155550123' }, 5);
    const sid = [...twilio.calls.keys()].at(-1)!;
    const event = (status: CallView['status']) => calls.onRelayCall(callView({ call_id: sid, direction: 'outbound', status }));
    await event('ringing');
    now += 5000;
    await event('in-progress');
    now += 30_000;
    // The relay repeats the status with news (the contact found, the log pending): the time stays.
    await event('in-progress');
    await event('completed');
    expect(cards.mock.calls.map(([, card]) => [(card as Message<TabMessages, 'call-progress'>).state, (card as Message<TabMessages, 'call-progress'>).answeredAt])).toEqual([
      ['calling', undefined],
      ['queued', undefined],
      ['ringing', undefined],
      ['in-progress', 1_005_000],
      ['in-progress', 1_005_000],
      ['completed', 1_005_000],
    ]);
  });

  it("forwards the relay's events about a call that come while the tab is told of the provider's answer", async () => {
    twilio.agentPhone = 'rings';
    try {
      const calls = new OutboundCalls();
      let raced = false;
      // The provider's webhooks race its answer to the create: the relay's first event about the
      // call comes while the background is still telling the tab the call is queued.
      const cards = vi.spyOn(browser.tabs, 'sendMessage').mockImplementation(async (_tab, message) => {
        if ((message as Message<TabMessages, 'call-progress'>).state === 'queued' && !raced) {
          raced = true;
          await calls.onRelayCall(callView({ call_id: [...twilio.calls.keys()].at(-1)!, direction: 'outbound', status: 'ringing' }));
        }
      });
      const placed = await calls.place({ number: '+14155550127' }, 5);
      expect(cards.mock.calls.map(([, card]) => (card as Message<TabMessages, 'call-progress'>).state)).toEqual(['calling', 'queued', 'ringing']);
      expect(cards.mock.calls.at(-1)?.[1]).toMatchObject({ state: 'ringing', canHangUp: true });
      expect(await calls.hangUp(placed.ok ? placed.key : '', 5)).toEqual({ ok: true });
    } finally {
      answerAtOnce(twilio);
    }
  });

  it('ends only a call placed from the asking tab, by the provider that placed it', async () => {
    vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    const calls = new OutboundCalls();
    const placed = await calls.place({ number: '+14155550123' }, 5);
    const key = placed.ok ? placed.key : '';
    const updates = twilio.updates.length;
    expect(await calls.hangUp(key, 6)).toEqual({ ok: false, error: 'This call cannot be ended from this page: hang up on your phone.' });
    expect(await calls.hangUp('call-unknown', 5)).toEqual({ ok: false, error: 'This call cannot be ended from this page: hang up on your phone.' });
    await providerSettings.setValue({ ...(await providerSettings.getValue()), instanceId: 'another' });
    expect(await calls.hangUp(key, 5)).toEqual({ ok: false, error: 'The provider set up now cannot end this call: hang up on your phone.' });
    expect(twilio.updates.length).toBe(updates);
  });

  it("hands the hang-up what the relay's events told of the call (an id only its webhooks carry)", async () => {
    vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    const provider = await providerSettings.getValue();
    // A connector that ends the call by a leg's id once an event brought one: here an id Twilio does not know.
    await providerSettings.setValue({ ...provider, customXml: provider.customXml!.replace('<url>Calls/@call_id|urlencode.json</url>', `<url>Calls/{{@leg_sid|urlencode}}|default:'@call_id|urlencode'.json</url>`).replace('<call_id use="CallSid"/>', '<call_id use="CallSid"/><leg_sid use="LegSid"/>') });
    const calls = new OutboundCalls();
    const placed = await calls.place({ number: '+14155550125' }, 5);
    const key = placed.ok ? placed.key : '';
    const sid = [...twilio.calls.keys()].at(-1)!;
    await calls.onRelayCall(callView({ call_id: sid, direction: 'outbound', status: 'in-progress', extra: { leg_sid: 'CAleg' } }));
    expect(await calls.hangUp(key, 5)).toEqual({ ok: false, error: `The requested resource /2010-04-01/Accounts/${ACCOUNT}/Calls/CAleg.json was not found` });
  });

  it('goes on after the browser restarts the service worker: the card still follows the call and ends it, the toolbar still lists it', async () => {
    twilio.agentPhone = 'rings';
    try {
      const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
      const placed = await new OutboundCalls().place({ number: '+14155550123' }, 5);
      const sid = [...twilio.calls.keys()].at(-1)!;
      // A worker started again: a new OutboundCalls, with nothing in memory but what session storage kept.
      const restarted = new OutboundCalls();
      await restarted.onRelayCall(callView({ call_id: sid, direction: 'outbound', status: 'ringing' }));
      expect(cards.mock.calls.at(-1)?.slice(0, 2)).toEqual([5, expect.objectContaining({ type: 'call-progress', key: placed.ok && placed.key, state: 'ringing', canHangUp: true })]);
      expect((await restarted.underWay()).map(({ key, callId, state }) => [key, callId, state])).toEqual([[placed.ok && placed.key, sid, 'ringing']]);
      // The state it kept is the latest: a third worker lists it ringing too.
      expect((await new OutboundCalls().underWay()).map(({ state }) => state)).toEqual(['ringing']);
      expect(await restarted.hangUp(placed.ok ? placed.key : '', 5)).toEqual({ ok: true });
      await twilio.calls.get(sid)!.done;
      expect(twilio.calls.get(sid)!.status).toBe('canceled');
    } finally {
      answerAtOnce(twilio);
    }
  });

  it("hands the hang-up what the provider's answer to the call request told besides the call's id", async () => {
    twilio.agentPhone = 'rings';
    try {
      vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
      const provider = await providerSettings.getValue();
      // As Vonage's connector keeps the agent's leg, which its API ends, beside the call's id.
      await providerSettings.setValue({ ...provider, customXml: provider.customXml!.replace('<url>Calls/@call_id|urlencode.json</url>', '<url>Calls/@first_leg|urlencode.json</url>').replace('<call_id use="sid"/>', '<call_id use="sid"/><first_leg use="sid"/>') });
      const calls = new OutboundCalls();
      const placed = await calls.place({ number: '+14155550126' }, 5);
      expect(await calls.hangUp(placed.ok ? placed.key : '', 5)).toEqual({ ok: true });
      const sid = [...twilio.calls.keys()].at(-1)!;
      await twilio.calls.get(sid)!.done;
      expect(twilio.updates.at(-1)?.sid).toBe(sid);
    } finally {
      answerAtOnce(twilio);
    }
  });

  it("offers no hang-up with a connector that has none, and shows the provider's refusal of one", async () => {
    const cards = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValue(undefined);
    const provider = await providerSettings.getValue();
    await providerSettings.setValue({ ...provider, customXml: provider.customXml!.replace(/<hangup>[\s\S]*<\/hangup>/, '') });
    const calls = new OutboundCalls();
    await calls.place({ number: '+14155550123' }, 5);
    expect(cards.mock.calls.map(([, card]) => (card as Message<TabMessages, 'call-progress'>).canHangUp)).toEqual([undefined, undefined]);

    await providerSettings.setValue(provider);
    const placed = await calls.place({ number: '+14155550124' }, 5);
    await providerSettings.setValue({ ...provider, config: { ...provider.config, authtoken: 'wrong' } });
    expect(await calls.hangUp(placed.ok ? placed.key : '', 5)).toEqual({ ok: false, error: 'Authenticate' });
  });

  it('refuses a selection without a number, saying so', async () => {
    expect(await new OutboundCalls().placeSelection('see you on 2024-05-01')).toEqual({ ok: false, error: '"see you on 2024-05-01" is not a phone number' });
  });

  it("shows the provider's own error message", async () => {
    await providerSettings.setValue({ ...(await providerSettings.getValue()), config: { authid: ACCOUNT, authtoken: 'wrong', callerid: '+15005550006' } });
    const result = await new OutboundCalls().place({ number: '+14155550100' });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/authenticate/i);
  });

  it('says what to set up when nothing is', async () => {
    await providerSettings.setValue({ connectorId: 'nope', config: {}, instanceId: 'default' });
    expect(await loadCallSetup()).toEqual({ error: 'no provider is set up: choose one in Options > Provider' });
  });
});
