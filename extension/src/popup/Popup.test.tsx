// @vitest-environment happy-dom
import browser from 'webextension-polyfill';
import { render } from 'preact';
import { act } from 'preact/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { CallRateLimit } from '../background/call-rate-limit.ts';
import { OutboundCalls } from '../background/calls.ts';
import { CrmDispositions } from '../background/crm-dispositions.ts';
import { handleRequests } from '../background/requests.ts';
import { type BackgroundMessages, messageListener, type PlacedCallNow } from '../messages.ts';
import { noteMissedCall } from '../missed-calls.ts';
import { agentSettings, awaySince, awayUntil, defaultCountry, missedCalls, relaySettings } from '../storage.ts';
import { callView } from '../testing/call-view.ts';
import { RelayStub } from '../testing/relay-stub.ts';
import { userClick } from '../testing/user-click.ts';
import { callTime, inSentence, instantTime } from './call-time.tsx';
import { Popup } from './Popup.tsx';
import { returnChoices } from './Presence.tsx';
import { MAX_AWAY_HOURS, type TeamView } from '@phone-connector/shared';

// The toolbar popup in happy-dom: its calls come from RelayStub over HTTP, its storage and
// messages go through WXT's fake browser, where a stand-in background records call requests
// and the background's own handlers take a call's notes, retries and dispositions to the stub.
const ADA = { id: '4x12', name: 'Ada Lovelace', company: null, url: null };
let relay: RelayStub;
let root: HTMLElement;
let placed: Array<{ type: string; to: string; extension?: string }>;
let placeAnswer: BackgroundMessages['place-call']['response'];
/** What the stand-in background says is under way, and the hang-ups it was asked for. */
let underWay: PlacedCallNow[];
let hangUps: string[];
let hangUpAnswer: BackgroundMessages['hang-up-call']['response'];

beforeAll(async () => {
  relay = await RelayStub.start();
});
afterAll(async () => relay?.close());

beforeEach(async () => {
  fakeBrowser.reset();
  placed = [];
  placeAnswer = { ok: true, key: 'call-1' };
  underWay = [];
  hangUps = [];
  hangUpAnswer = { ok: true };
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
    messageListener<Pick<BackgroundMessages, 'place-call' | 'placed-calls' | 'hang-up-call'>>({
      'place-call': (message) => {
        placed.push(message);
        return placeAnswer;
      },
      'placed-calls': () => ({ ok: true, calls: underWay }),
      'hang-up-call': ({ key }) => {
        hangUps.push(key);
        return hangUpAnswer;
      },
    }),
  );
  // What the browser says of a message from the toolbar popup: one of our own pages.
  const background = handleRequests(new OutboundCalls(), new CallRateLimit(), new CrmDispositions());
  const fromPopup = { id: browser.runtime.id, url: browser.runtime.getURL('/popup.html') };
  browser.runtime.onMessage.addListener(
    messageListener<Pick<BackgroundMessages, 'update-call' | 'retry-crm-log' | 'crm-dispositions'>>({
      'update-call': (message) => background(message, fromPopup)! as Promise<BackgroundMessages['update-call']['response']>,
      'retry-crm-log': (message) => background(message, fromPopup)! as Promise<BackgroundMessages['retry-crm-log']['response']>,
      'crm-dispositions': (message) => background(message, fromPopup)! as Promise<BackgroundMessages['crm-dispositions']['response']>,
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
    // Each says when, as the reader's clock has it (callTime's own tests say how).
    const when = callTime(callView())!.label;
    await expect.poll(missedRows).toEqual([`Ada Lovelace (415) 555-0199 · ${when}Call back`, `(212) 555-0142 · ${when}Call back`]);
    expect(root.querySelector('[data-pc-missed="13"] time')?.getAttribute('datetime')).toBe('2026-01-01T00:00:00.000Z');
    expect(root.querySelector('[data-pc-missed="13"] [data-pc-contact]')?.textContent).toBe('Ada Lovelace');
    await expect.poll(() => missedCalls.getValue()).toEqual({ unseen: [], seenThrough: 13 });
    expect(relay.requests.filter((r) => r.path.startsWith('/calls')).map((r) => `${r.method} ${r.path} ${r.authorization}`)).toEqual(['GET /calls?limit=50 Bearer agent-token']);
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
    // When, each status as the popups word it, the duration as their timer shows it.
    expect(root.querySelector('[data-testid="recent-calls"] li .hint')!.textContent).toBe(`${callTime(callView())!.label} · Ended · 0:35 · you took it`);
  });

  it("links the caller's message on a missed call, with its length, in a tab of its own, and marks the call in the recent calls", async () => {
    const url = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE15';
    relay.routes['GET /calls?limit=50'] = () => ({
      body: {
        calls: [
          callView({ id: 15, status: 'no-answer', recording_url: url, extra: { recording_duration: '83' } }),
          callView({ id: 16, status: 'no-answer', recording_url: 'javascript:alert(1)' }),
          callView({ id: 17, status: 'completed', recording_url: url }),
        ],
        next_cursor: null,
      },
    });
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-pc-missed="15"] [data-pc-action="voicemail"]')).not.toBeNull();
    const link = root.querySelector<HTMLAnchorElement>('[data-pc-missed="15"] [data-pc-action="voicemail"]')!;
    expect([link.textContent, link.getAttribute('href'), link.getAttribute('target'), link.rel]).toEqual(['Voicemail 1:23', url, '_blank', 'noopener noreferrer']);
    expect(root.querySelector('[data-pc-missed="16"] [data-pc-action="voicemail"]')).toBeNull();
    const marked = [...root.querySelectorAll('[data-testid="recent-calls"] li')].map((li) => li.querySelector('[data-pc-field="voicemail"]')?.textContent ?? null);
    expect(marked).toEqual([' · voicemail', null, null]);
  });

  it('says of a missed call that rang no phone why: every agent away, or the number closed', async () => {
    relay.routes['GET /calls?limit=50'] = () => ({
      body: {
        calls: [callView({ id: 25, status: 'no-answer', extra: { after_hours: 'true' } }), callView({ id: 24, status: 'no-answer', extra: { all_away: 'true' } }), callView({ id: 23, status: 'no-answer' })],
        next_cursor: null,
      },
    });
    render(<Popup />, root);
    const marks = () => [...root.querySelectorAll('[data-testid="missed-calls"] li')].map((li) => li.querySelector('[data-pc-field="all-away"], [data-pc-field="after-hours"]')?.textContent ?? null);
    await expect.poll(marks).toEqual([' · after hours', ' · everyone away', null]);
  });

  it('marks a missed call called back, or answered when the caller called again', async () => {
    relay.routes['GET /calls?limit=50'] = () => ({
      body: {
        calls: [
          callView({ id: 22, direction: 'outbound', from_number: '+14155550111', to_number: '+14155550142', status: 'completed' }),
          callView({ id: 21, status: 'completed', from_number: '+14155550177' }),
          callView({ id: 20, status: 'no-answer', from_number: '+14155550177' }),
          callView({ id: 19, status: 'busy', from_number: '+14155550142' }),
          callView({ id: 18, status: 'no-answer', from_number: '+14155550199' }),
        ],
        next_cursor: null,
      },
    });
    render(<Popup />, root);
    const marks = () => [...root.querySelectorAll('[data-testid="missed-calls"] li')].map((li) => li.querySelector('[data-pc-field="follow-up"]')?.textContent ?? null);
    await expect.poll(marks).toEqual([' · called again, answered', ' · called back', null]);
  });

  it('shows no missed list when nobody was missed', async () => {
    relay.routes['GET /calls?limit=50'] = () => ({ body: { calls: [callView({ id: 14, status: 'completed' })], next_cursor: null } });
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-testid="recent-calls"]')).not.toBeNull();
    expect(root.querySelector('[data-testid="missed-calls"]')).toBeNull();
  });
});

describe('a recent call, opened', () => {
  const LINUS = { id: '4x15', name: 'Linus Pauling', company: 'Caltech', url: 'https://crm.example.com/contacts/15' };
  const recent = (id: number) => root.querySelector<HTMLElement>(`[data-pc-recent="${id}"]`);
  /** Opens the popup and then the recent call `id`'s line, once the list shows it. */
  async function open(id: number): Promise<HTMLElement> {
    render(<Popup />, root);
    await expect.poll(() => recent(id)).not.toBeNull();
    act(() => recent(id)!.querySelector<HTMLButtonElement>('.recent-toggle')!.click());
    await expect.poll(() => recent(id)!.querySelector('.recent-details')).not.toBeNull();
    return recent(id)!;
  }
  const route = (calls: ReturnType<typeof callView>[]) => (relay.routes['GET /calls?limit=50'] = () => ({ body: { calls, next_cursor: null } }));

  it("links the call's recording, in a new tab, and no address that is not a web one", async () => {
    route([
      callView({ id: 41, status: 'completed', recording_url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE41' }),
      callView({ id: 40, status: 'completed', recording_url: 'javascript:alert(1)' }),
    ]);
    const line = await open(41);
    const link = line.querySelector<HTMLAnchorElement>('[data-pc-action="recording"]')!;
    expect([link.textContent, link.getAttribute('href'), link.getAttribute('target')]).toEqual(['Listen to the recording', 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE41', '_blank']);
    act(() => recent(40)!.querySelector<HTMLButtonElement>('.recent-toggle')!.click());
    await expect.poll(() => recent(40)!.querySelector('.recent-details')).not.toBeNull();
    expect(recent(40)!.querySelector('[data-pc-action="recording"]')).toBeNull();
  });

  it("names the recording of a call nobody took the caller's voicemail, with its length", async () => {
    const url = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE42';
    route([callView({ id: 42, status: 'no-answer', recording_url: url, extra: { recording_duration: '9' } })]);
    const line = await open(42);
    const link = line.querySelector<HTMLAnchorElement>('[data-pc-action="recording"]')!;
    expect([link.textContent, link.getAttribute('href')]).toEqual(['Listen to the voicemail (0:09)', url]);
  });

  it("shows the caller's record, opened in a new tab, and calls back", async () => {
    route([callView({ id: 31, status: 'completed', duration: 30, from_number: '+14155550155', contact: LINUS, contacts: [LINUS] })]);
    const line = await open(31);
    expect(line.querySelector('.recent-toggle')!.getAttribute('aria-expanded')).toBe('true');
    expect(line.querySelector('[data-pc-contact]')!.textContent).toBe('Linus Pauling');
    expect(line.querySelector('[data-pc-field="company"]')!.textContent).toBe('Caltech');
    // The popup's own window would be replaced by a link opened in it.
    const record = line.querySelector<HTMLAnchorElement>('[data-pc-action="open-record"]')!;
    expect([record.href, record.target]).toEqual([LINUS.url, '_blank']);
    act(() => line.querySelector<HTMLButtonElement>('[data-pc-action="call-back"]')!.click());
    await expect.poll(() => line.querySelector('[role="status"]')?.textContent).toBe('Your phone is ringing.');
    expect(placed).toEqual([{ type: 'place-call', to: '+14155550155' }]);
  });

  it("takes notes and the CRM's outcome for a call whose page is gone, and the relay writes them on its log", async () => {
    const ended = callView({ id: 32, instance_id: 'main', status: 'completed', duration: 30, crm_log: { state: 'logged', id: '18x7', url: 'https://crm.example.com/activity/7', error: null } });
    route([ended]);
    relay.routes['GET /instances/main/crm/dispositions'] = () => ({ body: { dispositions: ['Connected', 'Left voicemail'] } });
    relay.routes['PATCH /calls/32'] = (request) => ({ body: { ...ended, ...(request.body as object), crm_log: { ...ended.crm_log!, state: 'pending' } } });
    const line = await open(32);
    const outcome = () => line.querySelector<HTMLSelectElement>('select[data-pc-field="disposition"]');
    await expect.poll(() => [...(outcome()?.options ?? [])].map((o) => o.value)).toEqual(['', 'Connected', 'Left voicemail']);
    // Logged: the log's link opens beside the popup, as the record's does.
    expect(line.querySelector<HTMLAnchorElement>('[data-pc-action="open-log"]')!.target).toBe('_blank');
    act(() => {
      outcome()!.value = 'Left voicemail';
      outcome()!.dispatchEvent(new Event('change'));
      const notes = line.querySelector<HTMLTextAreaElement>('textarea')!;
      notes.value = 'Wants the 2027 price list';
      notes.dispatchEvent(new Event('input'));
    });
    act(() => [...line.querySelectorAll('button')].find((b) => b.textContent === 'Save notes')!.click());
    await expect.poll(() => line.querySelector('.pc-saved')?.textContent).toBe('Saved');
    expect(relay.sent('PATCH /calls/32').map((r) => r.body)).toEqual([{ notes: 'Wants the 2027 price list', disposition: 'Left voicemail' }]);
    // The line shows the call as the relay answered: its log is being written again.
    expect(line.querySelector('[data-pc-crm-log]')!.getAttribute('data-pc-crm-log')).toBe('pending');
  });

  it('marks a call the CRM refused to log, and its Retry queues the log again', async () => {
    const refused = callView({ id: 33, status: 'completed', crm_log: { state: 'failed', id: null, url: null, error: 'HTTP 400: Mandatory field subject missing' } });
    route([refused, callView({ id: 30, status: 'completed' })]);
    relay.routes['GET /instances/twilio/crm/dispositions'] = () => ({ body: { dispositions: [] } });
    relay.routes['POST /calls/33/crm-log/retry'] = () => ({ body: { ...refused, crm_log: { ...refused.crm_log!, state: 'pending', error: null } } });
    render(<Popup />, root);
    await expect.poll(() => recent(33)?.querySelector('[data-pc-field="crm-log-failed"]')?.textContent).toBe('Not logged in the CRM');
    expect(recent(30)!.querySelector('[data-pc-field="crm-log-failed"]')).toBeNull();
    render(null, root);
    const line = await open(33);
    expect(line.querySelector('[data-pc-field="crm-error"]')!.textContent).toBe('Not logged in the CRM: HTTP 400: Mandatory field subject missing');
    act(() => line.querySelector<HTMLButtonElement>('[data-pc-action="retry-log"]')!.click());
    await expect.poll(() => line.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('pending');
    expect(relay.sent('POST /calls/33/crm-log/retry')).toHaveLength(1);
    await expect.poll(() => relay.sent('GET /instances/twilio/crm/dispositions')).toHaveLength(1);
    expect(line.querySelector('[data-pc-field="crm-log-failed"]')).toBeNull();
  });

  it('offers no notes on a call a colleague took, and says whose they are', async () => {
    await agentSettings.setValue({ extension: '(415) 555-0111', email: '', callerid: '', fields: {} });
    route([callView({ id: 34, status: 'completed', extra: { answered_by: '+14155550122', answered_by_name: 'Bob' } })]);
    const line = await open(34);
    expect(line.querySelector('[data-pc-field="colleague-call"]')!.textContent).toBe('Bob took this call: its notes and outcome are theirs to write.');
    expect(line.querySelector('textarea')).toBeNull();
    expect(line.querySelector('[data-pc-action="call-back"]')!.textContent).toBe('Call back');
  });

  it('closes again, and a call placed from here is called again', async () => {
    route([callView({ id: 35, direction: 'outbound', status: 'completed', to_number: '+14155550100' })]);
    const line = await open(35);
    expect(line.querySelector('[data-pc-action="call-back"]')!.textContent).toBe('Call again');
    // Notes for a call without a CRM: the relay's call log keeps them; no outcome is asked.
    expect(line.querySelector('textarea')).not.toBeNull();
    expect(line.querySelector('select')).toBeNull();
    act(() => line.querySelector<HTMLButtonElement>('.recent-toggle')!.click());
    await expect.poll(() => line.querySelector('.recent-details')).toBeNull();
    expect(line.querySelector('.recent-toggle')!.getAttribute('aria-expanded')).toBe('false');
  });

  it("follows the relay's events while open: a listed call changes in place, a new one comes first", async () => {
    const pending = callView({ id: 36, status: 'completed', crm_log: { state: 'pending', id: null, url: null, error: null } });
    route([pending]);
    relay.routes['GET /instances/twilio/crm/dispositions'] = () => ({ body: { dispositions: [] } });
    const line = await open(36);
    expect(line.querySelector('[data-pc-crm-log]')!.textContent).toBe('Logging the call in the CRM…');
    // The wrap-up asks for the CRM's outcomes (none here): answered before the test ends.
    await expect.poll(() => relay.sent('GET /instances/twilio/crm/dispositions')).toHaveLength(1);
    // What the background sends our pages for each relay event.
    await browser.runtime.sendMessage({ type: 'call-changed', call: { ...pending, crm_log: { state: 'logged', id: '18x9', url: 'https://crm.example.com/activity/9', error: null } } });
    await expect.poll(() => line.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('logged');
    await browser.runtime.sendMessage({ type: 'call-changed', call: callView({ id: 37, status: 'ringing', from_number: '+14155550177' }) });
    // An answer that left the relay before that event (its updated_at older) does not undo it.
    await browser.runtime.sendMessage({ type: 'call-changed', call: { ...pending, updated_at: '2025-12-31T23:59:59.999Z' } });
    const lines = () => [...root.querySelectorAll<HTMLElement>('[data-pc-recent]')].map((li) => li.dataset.pcRecent);
    await expect.poll(lines).toEqual(['37', '36']);
    // The line that was open stays open, its log still the newer state.
    expect(recent(36)!.querySelector('.recent-details')).not.toBeNull();
    expect(line.querySelector('[data-pc-crm-log]')!.getAttribute('data-pc-crm-log')).toBe('logged');

  });

  it('keeps what the relay\'s events said while its first page of calls was being read', async () => {
    let answer: () => void = () => {};
    const older = callView({ id: 38, status: 'ringing', from_number: '+14155550166', updated_at: '2026-01-01T00:00:00.000Z' });
    // The page is read before the events below, and answered after them.
    relay.routes['GET /calls?limit=50'] = () => new Promise((resolve) => (answer = () => resolve({ body: { calls: [older], next_cursor: null } })));
    render(<Popup />, root);
    await expect.poll(() => relay.sent('GET /calls?limit=50')).toHaveLength(1);
    await browser.runtime.sendMessage({ type: 'call-changed', call: { ...older, status: 'completed', duration: 12, updated_at: '2026-01-01T00:01:00.000Z' } });
    await browser.runtime.sendMessage({ type: 'call-changed', call: callView({ id: 39, status: 'ringing', from_number: '+14155550167' }) });
    answer();
    const lines = () => [...root.querySelectorAll<HTMLElement>('[data-pc-recent]')].map((li) => `${li.dataset.pcRecent} ${li.querySelector('.recent-toggle .hint')?.textContent}`);
    await expect.poll(lines).toEqual([expect.stringMatching(/^39 .* · Ringing$/), expect.stringMatching(/^38 .* · Ended · 0:12$/)]);
  });

  it('shows older calls eight at a time: from those read, then from the relay\'s next page, until there are none', async () => {
    const page = (from: number, to: number) => Array.from({ length: from - to + 1 }, (_, i) => callView({ id: from - i, call_id: `CA${from - i}`, status: 'completed' }));
    relay.routes['GET /calls?limit=50'] = () => ({ body: { calls: page(80, 61), next_cursor: 'c2' } });
    relay.routes['GET /calls?limit=50&cursor=c2'] = () => ({ body: { calls: page(60, 58), next_cursor: null } });
    render(<Popup />, root);
    const lines = () => [...root.querySelectorAll<HTMLElement>('[data-pc-recent]')].map((li) => Number(li.dataset.pcRecent));
    const more = () => root.querySelector<HTMLButtonElement>('[data-pc-action="show-more"]');
    await expect.poll(lines).toEqual(page(80, 73).map((c) => c.id));
    act(() => more()!.click());
    await expect.poll(lines).toEqual(page(80, 65).map((c) => c.id));
    expect(relay.sent('GET /calls?limit=50&cursor=c2')).toEqual([]);
    // Four read are left: the next eight need the relay's next page.
    act(() => more()!.click());
    await expect.poll(lines).toEqual(page(80, 58).map((c) => c.id));
    expect(relay.sent('GET /calls?limit=50&cursor=c2')).toHaveLength(1);
    expect(more()).toBeNull();
  });

  it('says why the next page could not be read, and keeps the calls it shows', async () => {
    relay.routes['GET /calls?limit=50'] = () => ({ body: { calls: [callView({ id: 70, status: 'completed' })], next_cursor: 'c9' } });
    relay.routes['GET /calls?limit=50&cursor=c9'] = () => ({ status: 500, body: { error: 'the store is unavailable' } });
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-pc-action="show-more"]')).not.toBeNull();
    act(() => root.querySelector<HTMLButtonElement>('[data-pc-action="show-more"]')!.click());
    await expect.poll(() => root.querySelector('main > p.error')?.textContent).toContain('the store is unavailable');
    expect(root.querySelectorAll('[data-pc-recent]')).toHaveLength(1);
  });

  it('says, once the call is logged in a CRM that keeps it as logged (Pipedrive), that what is saved now stays in the call log', async () => {
    const logged = callView({ id: 38, instance_id: 'pd', status: 'completed', crm_log: { state: 'logged', id: '501', url: null, error: null } });
    route([logged, { ...logged, id: 39, crm_log: { state: 'pending', id: null, url: null, error: null } }]);
    relay.routes['GET /instances/pd/crm/dispositions'] = () => ({ body: { dispositions: ['Connected'], crm: 'Pipedrive', updates_logged_calls: false } });
    const line = await open(38);
    await expect.poll(() => line.querySelector('[data-pc-field="crm-keeps-log"]')?.textContent).toBe('Pipedrive keeps a call as it was logged: what you save now stays in the call log here.');
    // Not yet logged: the notes go into the one log Pipedrive gets, written when they are saved.
    act(() => recent(39)!.querySelector<HTMLButtonElement>('.recent-toggle')!.click());
    await expect.poll(() => recent(39)!.querySelector('[data-pc-field="crm-logs-once"]')?.textContent).toBe('Pipedrive gets this call once, when you save (or a few minutes after it ended).');
    expect(recent(39)!.querySelector('[data-pc-field="crm-keeps-log"]')).toBeNull();
    expect(line.querySelector('[data-pc-field="crm-logs-once"]')).toBeNull();
  });
});

describe('calls under way, in the toolbar popup', () => {
  const card = (key: string) => root.querySelector<HTMLElement>(`[data-pc-under-way="${key}"]`);
  const field = (key: string, name: string) => card(key)?.querySelector(`[data-pc-field="${name}"]`)?.textContent;
  const button = (key: string) => card(key)?.querySelector<HTMLButtonElement>('[data-pc-action="hang-up"]') ?? null;
  const ringing: PlacedCallNow = { key: 'call-7', callId: 'CA7', instanceId: 'twilio', shownTo: '(415) 555-0123', state: 'ringing', canHangUp: true };

  it("shows each call placed here as its card does, and ends it on the agent's click: Cancel while it rings, Hang up once answered", async () => {
    underWay = [ringing];
    render(<Popup />, root);
    await expect.poll(() => button('call-7')?.textContent).toBe('Cancel call');
    expect(card('call-7')!.querySelector('.pc-number')!.textContent).toBe('(415) 555-0123');
    expect(field('call-7', 'status')).toBe('Ringing');
    // A script's click() is no click of the agent's.
    act(() => button('call-7')!.click());
    expect(hangUps).toEqual([]);
    hangUpAnswer = { ok: false, error: 'Authenticate' };
    userClick(button('call-7')!);
    await expect.poll(() => field('call-7', 'hang-up-error')).toBe('Could not end the call: Authenticate');
    expect(hangUps).toEqual(['call-7']);

    // The relay's events move it on: answered, with who is called; the Hang up goes through.
    const ada = { id: '4x12', name: 'Ada Lovelace', company: null, url: null };
    const view = callView({ id: 40, call_id: 'CA7', instance_id: 'twilio', direction: 'outbound', status: 'in-progress', to_number: '+14155550123', contact: ada, contacts: [ada] });
    await browser.runtime.sendMessage({ type: 'call-changed', call: view });
    await expect.poll(() => button('call-7')?.textContent).toBe('Hang up');
    expect(card('call-7')!.querySelector('[data-pc-contact]')?.textContent).toBe('Ada Lovelace');
    // Answered while the popup is open: its timer counts from then.
    expect(field('call-7', 'timer')).toMatch(/^0:\d\d$/);
    hangUpAnswer = { ok: true };
    userClick(button('call-7')!);
    await expect.poll(() => button('call-7')?.textContent).toBe('Ending…');
    expect(hangUps).toEqual(['call-7', 'call-7']);
    // Its end: the card stays, saying so, until the agent dismisses it; the recent calls have it too.
    underWay = [];
    await browser.runtime.sendMessage({ type: 'call-changed', call: { ...view, status: 'completed', duration: 42 } });
    await expect.poll(() => field('call-7', 'status')).toBe('Ended');
    expect(button('call-7')).toBeNull();
    expect(card('call-7')!.querySelector('.pc-timer')?.textContent).toBe('0:42');
    await expect.poll(() => root.querySelector('[data-pc-recent="40"]')).not.toBeNull();
    act(() => card('call-7')!.querySelector<HTMLButtonElement>('.pc-close')!.click());
    await expect.poll(() => root.querySelector('[data-testid="calls-under-way"]')).toBeNull();
  });

  it('shows a call placed while it is open, follows only its own call by id and instance, and offers no button a connector cannot back', async () => {
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-testid="recent-calls"]')).not.toBeNull();
    expect(root.querySelector('[data-testid="calls-under-way"]')).toBeNull();
    underWay = [
      { ...ringing, key: 'call-8', callId: 'CA8', state: 'queued', canHangUp: undefined, detail: 'Extension 204: key it in on your phone once the line answers.' },
      // Answered before the popup opened: its timer counts from when the background saw it answered.
      { ...ringing, key: 'call-9', callId: 'CA9', state: 'in-progress', answeredAt: Date.now() - 125_000 },
    ];
    // What the background sends our pages when a call is placed.
    await browser.runtime.sendMessage({ type: 'placed-calls-changed' });
    await expect.poll(() => field('call-8', 'status')).toBe('Calling your phone…');
    expect(field('call-9', 'timer')).toMatch(/^2:(0[5-9]|[1-5]\d)$/);
    expect(field('call-8', 'detail')).toBe('Extension 204: key it in on your phone once the line answers.');
    expect(button('call-8')).toBeNull();
    await browser.runtime.sendMessage({ type: 'call-changed', call: callView({ call_id: 'CA8', instance_id: 'twilio', direction: 'outbound', status: 'ringing' }) });
    await expect.poll(() => field('call-8', 'status')).toBe('Ringing');
    // Another instance's call of the same id is not this one (act: rendered before the check).
    await act(() => browser.runtime.sendMessage({ type: 'call-changed', call: callView({ call_id: 'CA8', instance_id: 'another', direction: 'outbound', status: 'busy' }) }));
    expect(field('call-8', 'status')).toBe('Ringing');
  });
});

describe('finding a call from the toolbar popup', () => {
  const GRACE = { id: '12x4', name: 'Grace Hopper', company: 'Navy Labs', url: null };
  const lines = (testId: string) => [...root.querySelectorAll<HTMLElement>(`[data-testid="${testId}"] [data-pc-recent]`)].map((li) => Number(li.dataset.pcRecent));
  const heading = () => [...root.querySelectorAll('h2')].at(-1)?.textContent;
  const box = () => root.querySelector<HTMLInputElement>('input[type="search"]')!;
  const type = (text: string) =>
    act(() => {
      box().value = text;
      box().dispatchEvent(new Event('input', { bubbles: true }));
    });

  it('asks the relay for the calls the words find, lists them in place of the recent calls, and brings those back when cleared', async () => {
    relay.routes['GET /calls?limit=50&q=grace+hopper'] = () => ({ body: { calls: [callView({ id: 5, status: 'completed', contact: GRACE, contacts: [GRACE] })], next_cursor: null } });
    render(<Popup />, root);
    await expect.poll(() => lines('recent-calls')).toEqual([14, 13, 12, 11]);
    expect(box().getAttribute('aria-label')).toBe('Find a call');
    type('  grace hopper ');
    await expect.poll(() => lines('found-calls')).toEqual([5]);
    expect(heading()).toBe('Calls found');
    expect(root.querySelector('[data-testid="recent-calls"]')).toBeNull();
    // The missed calls stay: they are the recent ones.
    expect(root.querySelector('[data-testid="missed-calls"]')).not.toBeNull();
    type('');
    await expect.poll(() => lines('recent-calls')).toEqual([14, 13, 12, 11]);
    expect(heading()).toBe('Recent calls');
    expect(relay.requests.map((r) => r.path).filter((path) => path.startsWith('/calls'))).toEqual(['/calls?limit=50', '/calls?limit=50&q=grace+hopper']);
  });

  it('asks once the agent stops typing, and lists what the last words find', async () => {
    relay.routes['GET /calls?limit=50&q=0199'] = () => ({ body: { calls: [callView({ id: 13, status: 'no-answer' })], next_cursor: null } });
    render(<Popup />, root);
    await expect.poll(() => lines('recent-calls')).toHaveLength(4);
    for (const text of ['0', '01', '019', '0199']) type(text);
    await expect.poll(() => lines('found-calls')).toEqual([13]);
    expect(relay.requests.filter((r) => r.path.includes('q=')).map((r) => r.path)).toEqual(['/calls?limit=50&q=0199']);
  });

  it('says when nothing is found, and offers older calls when the relay stopped short of them', async () => {
    relay.routes['GET /calls?limit=50&q=lovelace'] = () => ({ body: { calls: [], next_cursor: null } });
    relay.routes['GET /calls?limit=50&q=hopper'] = () => ({ body: { calls: [], next_cursor: 'c3' } });
    relay.routes['GET /calls?limit=50&q=hopper&cursor=c3'] = () => ({ body: { calls: [callView({ id: 3, status: 'completed', contact: GRACE })], next_cursor: null } });
    render(<Popup />, root);
    type('lovelace');
    await expect.poll(() => root.querySelector('[data-testid="calls-empty"]')?.textContent).toBe('No call found.');
    expect(root.querySelector('[data-pc-action="show-more"]')).toBeNull();
    type('hopper');
    await expect.poll(() => root.querySelector('[data-testid="calls-empty"]')?.textContent).toBe('None among your latest calls.');
    const older = root.querySelector<HTMLButtonElement>('[data-pc-action="show-more"]')!;
    expect(older.textContent).toBe('Search older calls');
    act(() => older.click());
    await expect.poll(() => lines('found-calls')).toEqual([3]);
    expect(root.querySelector('[data-pc-action="show-more"]')).toBeNull();
  });

  it("follows the relay's events while searching: a call found changes in place, a new one comes first only when the search finds it", async () => {
    const found = callView({ id: 5, status: 'ringing', contact: GRACE, contacts: [GRACE] });
    relay.routes['GET /calls?limit=50&q=grace'] = () => ({ body: { calls: [found], next_cursor: null } });
    render(<Popup />, root);
    type('grace');
    await expect.poll(() => lines('found-calls')).toEqual([5]);
    await browser.runtime.sendMessage({ type: 'call-changed', call: callView({ id: 40, status: 'ringing', from_number: '+14155550177' }) });
    await browser.runtime.sendMessage({ type: 'call-changed', call: callView({ id: 41, status: 'ringing', contact: GRACE, contacts: [GRACE], updated_at: '2026-01-01T00:00:01.000Z' }) });
    await browser.runtime.sendMessage({ type: 'call-changed', call: { ...found, status: 'completed', updated_at: '2026-01-01T00:00:02.000Z' } });
    await expect.poll(() => lines('found-calls')).toEqual([41, 5]);
    await expect.poll(() => root.querySelector('[data-pc-recent="5"] .hint')?.textContent).toContain('Ended');
    // The recent calls took every event, each where its id puts it.
    type('');
    await expect.poll(() => lines('recent-calls')).toEqual([41, 40, 14, 13, 12, 11, 5]);
  });
});

/** Picks the option at `index` of a select, as the agent does. */
function choose(select: HTMLSelectElement, index: number): void {
  act(() => {
    select.selectedIndex = index;
    select.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

describe("away or available for the team's calls, in the toolbar popup", () => {
  const ME = { id: 'ag_ada', name: 'Ada', number: '+14155550111', email: null, profile: {}, admin: false };
  const presence = () => root.querySelector<HTMLButtonElement>('[data-pc-action="presence"]');
  const said = () => `${presence()?.textContent} | ${root.querySelector('[data-pc-field="presence-hint"]')?.textContent}`;

  it('reads it from the relay each time it opens, and switches it there', async () => {
    // What this browser last knew is stale: another browser (or an admin) made the agent away.
    await awaySince.setValue(null);
    const since = new Date(Date.now() - 60_000).toISOString();
    relay.routes['GET /me'] = () => ({ body: { ...ME, away_since: since } });
    relay.routes['PATCH /me'] = (request) => ({ body: { ...ME, away_since: (request.body as { away: boolean }).away ? since : null } });
    render(<Popup />, root);
    const when = instantTime(since)!.label;
    await expect.poll(said).toBe(`● Away | since ${when}: the team’s calls ring your colleagues`);
    expect(presence()!.getAttribute('aria-checked')).toBe('false');
    act(() => presence()!.click());
    await expect.poll(said).toBe('● Available | the team’s calls ring you');
    expect(presence()!.getAttribute('aria-checked')).toBe('true');
    expect(relay.sent('PATCH /me').map((r) => r.body)).toEqual([{ away: false }]);
    // The toolbar badge follows the stored value.
    expect(await awaySince.getValue()).toBeNull();
    act(() => presence()!.click());
    await expect.poll(said).toBe(`● Away | since ${when}: the team’s calls ring your colleagues`);
    expect(await awaySince.getValue()).toBe(since);
  });

  it('makes the agent away for a while: the relay brings them back at the time picked, which the popup says', async () => {
    await awaySince.setValue(null);
    let mine: { away_since: string | null; away_until: string | null } = { away_since: null, away_until: null };
    relay.routes['GET /me'] = () => ({ body: { ...ME, ...mine } });
    relay.routes['PATCH /me'] = (request) => {
      const { away, away_until: until } = request.body as { away: boolean; away_until?: string | null };
      mine = away ? { away_since: mine.away_since ?? '2026-01-01T10:00:00.000Z', away_until: until === undefined ? mine.away_until : until } : { away_since: null, away_until: null };
      return { body: { ...ME, ...mine } };
    };
    render(<Popup />, root);
    const select = () => root.querySelector<HTMLSelectElement>('[data-pc-field="away-for"]');
    await expect.poll(() => select()?.getAttribute('aria-label')).toBe('Away for');
    expect([...select()!.options].map((o) => o.textContent)).toEqual(['Away for…', '30 minutes', '1 hour', '2 hours', expect.stringMatching(/^Until .+ (today|tomorrow)$/), 'Until a day and time…']);
    const before = Date.now();
    choose(select()!, 2);
    await expect.poll(() => relay.sent('PATCH /me')).toHaveLength(1);
    const sent = relay.sent('PATCH /me')[0]!.body as { away: boolean; away_until: string };
    expect(sent.away).toBe(true);
    expect(Date.parse(sent.away_until) - before).toBeGreaterThanOrEqual(60 * 60_000 - 1000);
    expect(Date.parse(sent.away_until) - Date.now()).toBeLessThanOrEqual(60 * 60_000);
    const back = inSentence(instantTime(sent.away_until)!.label);
    await expect.poll(said).toBe(`● Away | until ${back}: the team’s calls ring your colleagues`);
    expect(await awayUntil.getValue()).toBe(sent.away_until);
    // Away: another return time, or none.
    expect(select()!.getAttribute('aria-label')).toBe('Back');
    expect([...select()!.options].map((o) => o.textContent)).toEqual(['Back…', 'In 30 minutes', 'In 1 hour', 'In 2 hours', expect.stringMatching(/^At .+ (today|tomorrow)$/), 'At a day and time…', 'When I switch back']);
    choose(select()!, 6);
    await expect.poll(said).toBe(`● Away | since ${instantTime('2026-01-01T10:00:00.000Z')!.label}: the team’s calls ring your colleagues`);
    expect(relay.sent('PATCH /me').at(-1)!.body).toEqual({ away: true, away_until: null });
    expect(await awayUntil.getValue()).toBeNull();
  });

  it('makes the agent away until a day and time of their own, later and within the relay’s week, saying why not otherwise', async () => {
    await awaySince.setValue(null);
    let mine: { away_since: string | null; away_until: string | null } = { away_since: null, away_until: null };
    relay.routes['GET /me'] = () => ({ body: { ...ME, ...mine } });
    relay.routes['PATCH /me'] = (request) => {
      const { away_until: until } = request.body as { away: boolean; away_until: string };
      mine = { away_since: '2026-01-01T10:00:00.000Z', away_until: until };
      return { body: { ...ME, ...mine } };
    };
    render(<Popup />, root);
    const select = () => root.querySelector<HTMLSelectElement>('[data-pc-field="away-for"]');
    await expect.poll(select).not.toBeNull();
    choose(select()!, 5);
    const input = root.querySelector<HTMLInputElement>('[data-pc-field="away-until-time"]')!;
    expect(input.type).toBe('datetime-local');
    // It starts at the next 8:00, and takes no time before now nor past a week.
    expect(new Date(input.value).getTime()).toBe(new Date(returnChoices(new Date()).at(-1)!.at).getTime());
    expect(new Date(input.max).getTime() - new Date(input.min).getTime()).toBe(MAX_AWAY_HOURS * 3_600_000);
    const submit = (value: string) =>
      act(() => {
        input.value = value;
        root.querySelector('[data-pc-field="away-until-form"]')!.dispatchEvent(new Event('submit', { bubbles: true, cancelable: true }));
      });
    const local = (date: Date) => `${date.getFullYear()}-${String(date.getMonth() + 1).padStart(2, '0')}-${String(date.getDate()).padStart(2, '0')}T${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
    submit(local(new Date(Date.now() - 3_600_000)));
    await expect.poll(() => root.querySelector('[data-pc-field="away-until-form"] [role="alert"]')?.textContent).toBe('Pick a time still to come.');
    submit(local(new Date(Date.now() + 8 * 24 * 3_600_000)));
    await expect.poll(() => root.querySelector('[data-pc-field="away-until-form"] [role="alert"]')?.textContent).toBe('Pick a time within the next 7 days.');
    expect(relay.sent('PATCH /me')).toHaveLength(0);
    // Three days ahead at half past nine (a Monday morning, seen from a Friday).
    const later = new Date(Date.now() + 3 * 24 * 3_600_000);
    later.setHours(9, 30, 0, 0);
    submit(local(later));
    await expect.poll(() => relay.sent('PATCH /me')).toHaveLength(1);
    expect(relay.sent('PATCH /me')[0]!.body).toEqual({ away: true, away_until: later.toISOString() });
    await expect.poll(said).toBe(`● Away | until ${inSentence(instantTime(later.toISOString())!.label)}: the team’s calls ring your colleagues`);
    // The picker is gone; the select is back.
    expect(root.querySelector('[data-pc-field="away-until-form"]')).toBeNull();
    expect(select()!.getAttribute('aria-label')).toBe('Back');
  });

  it('offers the next 8:00 as a return time: today before it, tomorrow after it', async () => {
    const at = (hours: number) => {
      const day = new Date(2026, 11, 7, hours, 0, 0);
      return returnChoices(day).at(-1)!;
    };
    expect(new Date(at(6).at).getTime()).toBe(new Date(2026, 11, 7, 8, 0, 0).getTime());
    expect(at(6).label).toMatch(/ today$/);
    expect(new Date(at(8).at).getTime()).toBe(new Date(2026, 11, 8, 8, 0, 0).getTime());
    expect(at(17).back).toMatch(/^At .+ tomorrow$/);
  });

  it('says whom the team’s calls ring, from the team as routing sees it, and lists the team', async () => {
    const member = (id: string, name: string, away_since: string | null, on_call: boolean, away_until: string | null = null) => ({ id, name, away_since, away_until, on_call });
    const cyBack = new Date(Date.now() + 3_600_000).toISOString();
    let team = [member('ag_ada', 'Ada', null, false), member('ag_bob', 'Bob', null, true), member('ag_cy', 'Cy', '2026-01-01T09:00:00.000Z', false, cyBack)];
    const counts = () => ({
      agents: team.length,
      available: team.filter((m) => m.away_since === null).length,
      available_on_call: team.filter((m) => m.away_since === null && m.on_call).length,
      away: team.filter((m) => m.away_since !== null).length,
    });
    let mine: string | null = null;
    relay.routes['GET /me'] = () => ({ body: { ...ME, away_since: mine } });
    relay.routes['GET /team'] = () => ({ body: { agents: team, more: 0, counts: counts() } });
    relay.routes['PATCH /me'] = (request) => {
      mine = (request.body as { away: boolean }).away ? '2026-01-01T10:00:00.000Z' : null;
      team = team.map((m) => (m.id === 'ag_ada' ? { ...m, away_since: mine } : m));
      return { body: { ...ME, away_since: mine } };
    };
    render(<Popup />, root);
    await expect.poll(said).toBe('● Available | the team’s calls ring you and 1 colleague');
    const listed = () => [...root.querySelectorAll('[data-pc-field="team"] li')].map((li) => li.textContent);
    expect(root.querySelector('[data-pc-field="team"] summary')!.textContent).toBe('Team: 2 available (1 on a call), 1 away');
    expect(listed()).toEqual(['● Ada (you) · available', '● Bob · on a call', `● Cy · away until ${inSentence(instantTime(cyBack)!.label)}`]);
    act(() => presence()!.click());
    await expect.poll(said).toMatch(/^● Away \| since .+: the team’s calls ring your 1 available colleague$/);
    await expect.poll(listed).toContain('● Ada (you) · away');
    // Nobody else available: being away changes nothing, and the popup says so.
    act(() => presence()!.click());
    await expect.poll(said).toBe('● Available | the team’s calls ring you and 1 colleague');
    team = team.map((m) => (m.id === 'ag_bob' ? { ...m, away_since: '2026-01-01T09:30:00.000Z' } : m));
    act(() => presence()!.click());
    await expect.poll(said).toMatch(/^● Away \| since .+: no colleague is available, so the team’s calls still ring you$/);
    // A team's number that sends callers to voicemail while everyone is away: they go there.
    relay.routes['GET /team'] = () => ({ body: { agents: team, more: 0, counts: counts(), away_voicemail: true } });
    act(() => presence()!.click());
    await expect.poll(said).toBe('● Available | the team’s calls ring you');
    act(() => presence()!.click());
    await expect.poll(said).toMatch(/^● Away \| since .+: no colleague is available, so the team’s calls go to voicemail$/);
  });

  it('shows no switch to an agent alone on the relay: there are no team’s calls to step out of', async () => {
    const ada = { id: 'ag_ada', name: 'Ada', away_since: null, on_call: false };
    let team = [ada, { id: 'ag_bob', name: 'Bob', away_since: null, on_call: false }];
    relay.routes['GET /me'] = () => ({ body: { ...ME, away_since: null } });
    relay.routes['PATCH /me'] = () => ({ body: { ...ME, away_since: null } });
    relay.routes['GET /team'] = () => ({ body: { agents: team, more: 0, counts: { agents: team.length, available: team.length, available_on_call: 0, away: 0 } } });
    render(<Popup />, root);
    await expect.poll(said).toBe('● Available | the team’s calls ring you and 1 colleague');
    // Bob leaves the relay; the popup reads the team again (after a switch here, as every 15 s).
    team = [ada];
    act(() => presence()!.click());
    await expect.poll(presence).toBeNull();
    expect(root.querySelector('[data-pc-field="away-while-locked"]')).toBeNull();
    expect(relay.sent('GET /team').length).toBe(2);
    // Alone but away (since before Bob left): the switch stays, the way back.
    render(null, root);
    relay.routes['GET /me'] = () => ({ body: { ...ME, away_since: '2026-01-01T09:00:00.000Z' } });
    render(<Popup />, root);
    await expect.poll(() => relay.sent('GET /team').length).toBe(3);
    await expect.poll(said).toMatch(/^● Away \| since .+: no colleague is available, so the team’s calls still ring you$/);
  });

  it('says when the number is closed and its callers go to voicemail, until when, even to an agent alone', async () => {
    const opens = new Date(Date.now() + 26 * 3_600_000).toISOString();
    const ada = { id: 'ag_ada', name: 'Ada', away_since: null, away_until: null, on_call: false };
    let view: TeamView = { agents: [ada], more: 0, counts: { agents: 1, available: 1, available_on_call: 0, away: 0 }, away_voicemail: true, closed: { until: opens } };
    let mine: string | null = null;
    relay.routes['GET /me'] = () => ({ body: { ...ME, away_since: mine, away_until: null } });
    relay.routes['PATCH /me'] = (request) => {
      mine = (request.body as { away: boolean }).away ? '2026-01-01T10:00:00.000Z' : null;
      return { body: { ...ME, away_since: mine, away_until: null } };
    };
    relay.routes['GET /team'] = () => ({ body: view });
    render(<Popup />, root);
    const line = () => root.querySelector('[data-pc-field="closed"]')?.textContent ?? null;
    await expect.poll(line).toBe(`Closed until ${inSentence(instantTime(opens)!.label)}: callers go to voicemail`);
    expect(root.querySelector('[data-pc-field="closed"] time')!.getAttribute('datetime')).toBe(opens);
    expect(presence()).toBeNull();
    // A colleague, the number still closed: whom the team's calls ring holds once it opens.
    view = { ...view, agents: [ada, { ...ada, id: 'ag_bob', name: 'Bob' }], counts: { ...view.counts, agents: 2, available: 2 } };
    render(null, root);
    render(<Popup />, root);
    await expect.poll(said).toBe('● Available | once open, the team’s calls ring you and 1 colleague');
    act(() => presence()!.click());
    await expect.poll(said).toMatch(/^● Away \| since .+: once open, the team’s calls ring your 1 available colleague$/);
    expect(line()).toBe(`Closed until ${inSentence(instantTime(opens)!.label)}: callers go to voicemail`);
    // The number open again: the switch, no line.
    mine = null;
    view = { ...view, closed: null };
    render(null, root);
    render(<Popup />, root);
    await expect.poll(said).toBe('● Available | the team’s calls ring you and 1 colleague');
    expect(line()).toBeNull();
  });

  it('says why the relay did not take the switch, and keeps what it had', async () => {
    relay.routes['GET /me'] = () => ({ body: { ...ME, away_since: null } });
    relay.routes['PATCH /me'] = () => ({ status: 401, body: { error: 'invalid token' } });
    render(<Popup />, root);
    await expect.poll(said).toBe('● Available | the team’s calls ring you');
    act(() => presence()!.click());
    await expect.poll(() => root.querySelector('[data-pc-field="presence"] .error')?.textContent).toBe('Could not change it: the relay refused your token: check it in Options > Relay');
    expect(said()).toBe('● Available | the team’s calls ring you');
    expect(presence()!.disabled).toBe(false);
  });

  it('shows what it last knew when the relay cannot be reached, and nothing without a relay', async () => {
    await awaySince.setValue('2026-01-01T09:00:00.000Z');
    render(<Popup />, root);
    // The stub has no GET /me here: a 404, as an unreachable relay would fail.
    await expect.poll(() => relay.sent('GET /me').length).toBe(1);
    await expect.poll(said).toMatch(/^● Away \| since /);
    render(null, root);
    await relaySettings.setValue({ url: '', token: '' });
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-testid="calls-empty"], .hint')).not.toBeNull();
    expect(presence()).toBeNull();
  });
});

describe('the keyboard shortcut, in the toolbar popup', () => {
  afterEach(() => vi.restoreAllMocks());
  const hint = () => root.querySelector('[data-pc-field="shortcut"]')?.textContent;

  it('names the keys that call a selected number, as the agent has them, until a call says how it went', async () => {
    vi.spyOn(browser.commands, 'getAll').mockResolvedValue([{ name: '_execute_action', shortcut: '' }, { name: 'call-selection', shortcut: 'Ctrl+Shift+9' }]);
    render(<Popup />, root);
    await expect.poll(hint).toBe('Or select a number in any page and press Ctrl+Shift+9.');
    const box = root.querySelector<HTMLInputElement>('input[type="tel"]')!;
    act(() => {
      box.value = '(415) 555-0100';
      box.dispatchEvent(new Event('input', { bubbles: true }));
    });
    act(() => root.querySelector<HTMLButtonElement>('form button[type="submit"]')!.click());
    await expect.poll(() => root.querySelector('[data-testid="dial-status"]')?.textContent).toBe('Your phone is ringing.');
    expect(hint()).toBeUndefined();
  });

  it('says nothing of a shortcut the agent removed', async () => {
    vi.spyOn(browser.commands, 'getAll').mockResolvedValue([{ name: 'call-selection', shortcut: '' }]);
    render(<Popup />, root);
    await expect.poll(() => root.querySelector('[data-testid="recent-calls"]')).not.toBeNull();
    expect(vi.mocked(browser.commands.getAll)).toHaveBeenCalled();
    expect(hint()).toBeUndefined();
  });
});
