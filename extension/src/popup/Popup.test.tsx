// @vitest-environment happy-dom
import browser from 'webextension-polyfill';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { type BackgroundMessages, messageListener } from '../messages.ts';
import { noteMissedCall } from '../missed-calls.ts';
import { agentSettings, defaultCountry, missedCalls, relaySettings } from '../storage.ts';
import { callView } from '../testing/call-view.ts';
import { RelayStub } from '../testing/relay-stub.ts';
import { Popup } from './Popup.tsx';

// The toolbar popup in happy-dom: its calls come from RelayStub over HTTP, its storage and
// messages go through WXT's fake browser, where a stand-in background records call requests.
const ADA = { id: '4x12', name: 'Ada Lovelace', company: null, url: null };
let relay: RelayStub;
let root: HTMLElement;
let placed: Array<{ type: string; to: string; extension?: string }>;
let placeAnswer: BackgroundMessages['place-call']['response'];

beforeAll(async () => {
  relay = await RelayStub.start();
});
afterAll(async () => relay?.close());

beforeEach(async () => {
  fakeBrowser.reset();
  placed = [];
  placeAnswer = { ok: true, key: 'call-1' };
  relay.requests.length = 0;
  relay.routes = {
    'GET /calls?limit=50': () => ({
      body: {
        calls: [
          callView({ id: 14, call_id: 'CA14', status: 'completed', from_number: '+14155550142' }),
          callView({ id: 13, call_id: 'CA13', status: 'no-answer', from_number: '+14155550199', contact: ADA, contacts: [ADA] }),
          callView({ id: 12, call_id: 'CA12', direction: 'outbound', status: 'busy', to_number: '+14155550100' }),
          callView({ id: 11, call_id: 'CA11', status: 'busy', from_number: '+12125550142' }),
        ],
        next_cursor: null,
      },
    }),
  };
  await relaySettings.setValue({ url: relay.url, token: 'agent-token' });
  await defaultCountry.setValue('US');
  browser.runtime.onMessage.addListener(
    messageListener<Pick<BackgroundMessages, 'place-call'>>({
      'place-call': (message) => {
        placed.push(message);
        return placeAnswer;
      },
    }),
  );
  root = document.createElement('div');
  document.body.append(root);
});
afterEach(() => {
  render(null, root);
  root.remove();
});

/** Opens the popup and clicks Call back on the missed call `id` once the list shows it. */
async function callBack(id: number): Promise<void> {
  const button = () => root.querySelector<HTMLButtonElement>(`[data-pc-missed="${id}"] [data-pc-action="call-back"]`);
  render(<Popup />, root);
  await expect.poll(button).not.toBeNull();
  act(() => button()!.click());
}
const callBackStatus = (id: number) => root.querySelector(`[data-pc-missed="${id}"] [role="status"]`)?.textContent;

const missedRows = () => [...root.querySelectorAll('[data-testid="missed-calls"] li')].map((li) => li.textContent);

describe('missed calls in the toolbar popup', () => {
  it("lists missed inbound calls with the caller's name, and showing them clears the badge's count", async () => {
    for (const id of [11, 13]) await noteMissedCall(callView({ id, status: 'no-answer' }));
    expect((await missedCalls.getValue()).unseen).toEqual([11, 13]);
    render(<Popup />, root);
    await expect.poll(missedRows).toEqual(['Ada Lovelace (415) 555-0199Call back', '(212) 555-0142Call back']);
    expect(root.querySelector('[data-pc-missed="13"] [data-pc-contact]')?.textContent).toBe('Ada Lovelace');
    await expect.poll(() => missedCalls.getValue()).toEqual({ unseen: [], seenThrough: 13 });
    expect(relay.requests.map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual(['GET /calls?limit=50 Bearer agent-token']);
  });

  it('calls back in one click through the same request a call button sends', async () => {
    await callBack(13);
    await expect.poll(() => callBackStatus(13)).toBe('Your phone is ringing.');
    expect(placed).toEqual([{ type: 'place-call', to: '+14155550199' }]);
  });

  it('says why the background refused a call back', async () => {
    placeAnswer = { ok: false, error: 'no provider is set up: choose one in Options > Provider' };
    await callBack(11);
    await expect.poll(() => callBackStatus(11)).toBe('no provider is set up: choose one in Options > Provider');
    expect(placed).toEqual([{ type: 'place-call', to: '+12125550142' }]);
  });

  it("says in the recent calls who took each of the team's incoming calls: you, a colleague by name, else their number", async () => {
    await agentSettings.setValue({ extension: '(415) 555-0111', email: '', callerid: '', fields: {} });
    relay.routes['GET /calls?limit=50'] = () => ({
      body: {
        calls: [
          callView({ id: 24, call_id: 'CA24', status: 'completed', duration: 35, extra: { answered_by: '+14155550111', answered_by_name: 'Ada' } }),
          callView({ id: 23, call_id: 'CA23', status: 'completed', extra: { answered_by: '+14155550122', answered_by_name: 'Bob' } }),
          callView({ id: 22, call_id: 'CA22', status: 'completed', extra: { answered_by: '+14155550133' } }),
          callView({ id: 21, call_id: 'CA21', status: 'completed' }),
        ],
        next_cursor: null,
      },
    });
    render(<Popup />, root);
    const rows = () => [...root.querySelectorAll('[data-testid="recent-calls"] li')].map((li) => li.querySelector('[data-pc-field="taken-by"]')?.textContent ?? null);
    await expect.poll(rows).toEqual([' · you took it', ' · Bob took it', ' · (415) 555-0133 took it', null]);
    // Each status as the popups word it, the duration as their timer shows it.
    expect(root.querySelector('[data-testid="recent-calls"] li .hint')!.textContent).toBe('Ended · 0:35 · you took it');
  });

  it('shows no missed list when nobody was missed', async () => {
    relay.routes['GET /calls?limit=50'] = () => ({ body: { calls: [callView({ id: 14, status: 'completed' })], next_cursor: null } });
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-testid="recent-calls"]')).not.toBeNull();
    expect(root.querySelector('[data-testid="missed-calls"]')).toBeNull();
  });
});
