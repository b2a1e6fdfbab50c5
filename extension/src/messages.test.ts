import type { CallView } from '@phone-connector/shared';
import browser from 'webextension-polyfill';
import type { Runtime } from 'webextension-polyfill';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type BackgroundMessages, messageListener, sendToBackground, sendToTab } from './messages.ts';

// The message map's routing through WXT's fake browser: what one side sends with the helpers
// is what the other side's listener hands to the handler of that kind.
const tab: Runtime.MessageSender = { id: browser.runtime.id, url: 'https://crm.example.com/contacts/42', frameId: 0 };
let handled: { kind: keyof BackgroundMessages; message: object; sender: Runtime.MessageSender }[];
let listener: ReturnType<typeof messageListener<BackgroundMessages>>;

beforeEach(() => {
  fakeBrowser.reset();
  handled = [];
  listener = messageListener<BackgroundMessages>({
    'place-call': (message, sender) => {
      handled.push({ kind: 'place-call', message, sender });
      return { ok: true, key: `call-${message.to}` };
    },
    'update-call': async (message, sender) => {
      handled.push({ kind: 'update-call', message, sender });
      return { ok: false, error: `no call ${message.callId}` };
    },
    'retry-crm-log': (message, sender) => {
      handled.push({ kind: 'retry-crm-log', message, sender });
      return { ok: false, error: `no call ${message.callId}` };
    },
    'crm-dispositions': (message, sender) => {
      handled.push({ kind: 'crm-dispositions', message, sender });
      return { ok: true, dispositions: [`${message.instanceId}: Interested`] };
    },
    'hang-up-call': (message, sender) => {
      handled.push({ kind: 'hang-up-call', message, sender });
      return { ok: false, error: `no call ${message.key}` };
    },
    'placed-calls': (message, sender) => {
      handled.push({ kind: 'placed-calls', message, sender });
      return { ok: true, calls: [] };
    },
  });
  browser.runtime.onMessage.addListener(listener);
});
afterEach(() => {
  vi.restoreAllMocks();
  fakeBrowser.reset();
});

describe('the message map', () => {
  it('hands each kind to its own handler, and its answer back to the sender', async () => {
    expect(await sendToBackground('place-call', { to: '+14155550123', extension: '204' })).toEqual({ ok: true, key: 'call-+14155550123' });
    expect(await sendToBackground('update-call', { callId: 7, patch: { notes: 'call back Monday' } })).toEqual({ ok: false, error: 'no call 7' });
    expect(await sendToBackground('retry-crm-log', { callId: 8 })).toEqual({ ok: false, error: 'no call 8' });
    expect(await sendToBackground('crm-dispositions', { instanceId: 'default' })).toEqual({ ok: true, dispositions: ['default: Interested'] });
    expect(handled.map(({ kind, message }) => [kind, message])).toEqual([
      ['place-call', { type: 'place-call', to: '+14155550123', extension: '204' }],
      ['update-call', { type: 'update-call', callId: 7, patch: { notes: 'call back Monday' } }],
      ['retry-crm-log', { type: 'retry-crm-log', callId: 8 }],
      ['crm-dispositions', { type: 'crm-dispositions', instanceId: 'default' }],
    ]);
  });

  it('gives the handler the sender the browser names', async () => {
    await listener({ type: 'place-call', to: '+14155550100' }, tab);
    expect(handled).toEqual([{ kind: 'place-call', message: { type: 'place-call', to: '+14155550100' }, sender: tab }]);
  });

  it('leaves other kinds and non-messages unanswered, for another listener (or none) to answer', async () => {
    for (const stray of [{ type: 'incoming-call' }, { type: 'toString' }, { to: '+14155550100' }, 'place-call', null]) {
      expect(listener(stray, tab)).toBeUndefined();
    }
    expect(handled).toEqual([]);
  });

  it("sends a tab's call UI its message in the top frame, and shrugs off a tab that closed", async () => {
    const toTabs = vi.spyOn(browser.tabs, 'sendMessage').mockResolvedValueOnce(undefined).mockRejectedValue(new Error('Could not establish connection. Receiving end does not exist.'));
    const inject = vi.spyOn(browser.scripting, 'executeScript').mockRejectedValue(new Error('No tab with id: 6.'));
    await sendToTab(5, 'call-progress', { key: 'call-1', to: '+14155550100', shownTo: '(415) 555-0100', state: 'ringing' });
    await expect(sendToTab(6, 'call-progress', { key: 'call-2', to: '+14155550100', shownTo: '(415) 555-0100', state: 'ringing' })).resolves.toBeUndefined();
    expect(toTabs.mock.calls[0]).toEqual([5, { type: 'call-progress', key: 'call-1', to: '+14155550100', shownTo: '(415) 555-0100', state: 'ringing' }, { frameId: 0 }]);
    expect(toTabs).toHaveBeenCalledTimes(2);
    expect(inject).toHaveBeenCalledTimes(1);
  });

  it('injects the call UI into a tab without one, once for the messages sent meanwhile, then delivers each', async () => {
    let injected = false;
    const delivered: unknown[] = [];
    vi.spyOn(browser.tabs, 'sendMessage').mockImplementation(async (_tab: number, message: unknown) => {
      if (!injected) throw new Error('Could not establish connection. Receiving end does not exist.');
      delivered.push(message);
    });
    let finishInjection = () => {};
    const inject = vi.spyOn(browser.scripting, 'executeScript').mockImplementation(
      () =>
        new Promise((resolve) => {
          finishInjection = () => {
            injected = true;
            resolve([]);
          };
        }),
    );
    const ringing = sendToTab(7, 'incoming-call', { call: { id: 1 } as CallView });
    const answered = sendToTab(7, 'incoming-call', { call: { id: 2 } as CallView });
    await vi.waitFor(() => expect(inject).toHaveBeenCalled());
    finishInjection();
    await Promise.all([ringing, answered]);
    expect(inject).toHaveBeenCalledTimes(1);
    expect(inject.mock.calls[0]?.[0]).toEqual({ target: { tabId: 7, frameIds: [0] }, files: ['/content-scripts/call-ui.js'] });
    expect(delivered).toEqual([
      { type: 'incoming-call', call: { id: 1 } },
      { type: 'incoming-call', call: { id: 2 } },
    ]);
  });
});
