import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { TwilioSimulator } from '../../../tests/simulators/twilio.ts';
import { agentSettings, callbackUrls, defaultCountry, providerSettings } from '../storage.ts';
import { loadCallSetup, OutboundCalls } from './calls.ts';

// The background's call path against the Twilio simulator over real HTTP, with WXT's fake
// browser for storage. The relay is left out here (no relay configured): tests/e2e has it.
const ACCOUNT = `AC${'0'.repeat(32)}`;
const TOKEN = 'unit-token';
let twilio: TwilioSimulator;

beforeAll(async () => {
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT, authToken: TOKEN });
});
afterAll(async () => twilio?.close());

beforeEach(async () => {
  fakeBrowser.reset();
  const xml = readFileSync(join(import.meta.dirname, '..', '..', '..', 'connectors', 'twilio.xml'), 'utf8').replaceAll('https://api.twilio.com', twilio.baseUrl);
  await providerSettings.setValue({ customXml: xml, config: { authid: ACCOUNT, authtoken: TOKEN, callerid: '+15005550006' }, instanceId: 'default' });
  // Nothing listens there: the simulator's answer webhook fails, which these tests do not need.
  await callbackUrls.setValue({ answer: 'http://127.0.0.1:9/hooks/i/s/answer', status: 'http://127.0.0.1:9/hooks/i/s/status' });
  await agentSettings.setValue({ extension: '+14155550111', email: '', callerid: '', fields: {} });
  await defaultCountry.setValue('US');
});

describe('placing calls from the background', () => {
  it('creates the call at the provider with the agent as To and the customer in DialTo', async () => {
    const before = twilio.calls.size;
    const result = await new OutboundCalls().place('+14155550100');
    expect(result.ok).toBe(true);
    expect(twilio.calls.size).toBe(before + 1);
    const call = [...twilio.calls.values()].at(-1)!;
    expect(call.to).toBe('+14155550111');
    expect(call.from).toBe('+15005550006');
  });

  it('calls the first number of a selection ("Call selection")', async () => {
    const before = twilio.calls.size;
    expect(await new OutboundCalls().placeSelection('Ada Lovelace, mobile (212) 555-0142, ask for Ada')).toMatchObject({ ok: true });
    expect(twilio.calls.size).toBe(before + 1);
  });

  it('refuses a selection without a number, saying so', async () => {
    expect(await new OutboundCalls().placeSelection('see you on 2024-05-01')).toEqual({ ok: false, error: '"see you on 2024-05-01" is not a phone number' });
  });

  it("shows the provider's own error message", async () => {
    await providerSettings.setValue({ ...(await providerSettings.getValue()), config: { authid: ACCOUNT, authtoken: 'wrong', callerid: '+15005550006' } });
    const result = await new OutboundCalls().place('+14155550100');
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatch(/authenticate/i);
  });

  it('says what to set up when nothing is', async () => {
    await providerSettings.setValue({ connectorId: 'nope', config: {}, instanceId: 'default' });
    expect(await loadCallSetup()).toEqual({ error: 'no provider is set up: choose one in Options > Provider' });
  });
});
