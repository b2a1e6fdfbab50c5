// @vitest-environment happy-dom
import browser from 'webextension-polyfill';
import { act } from 'preact/test-utils';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import type { CallView, Contact } from '@phone-connector/shared';
import { type BackgroundMessages, messageListener } from '../messages.ts';
import { callView } from '../testing/call-view.ts';
import { userClick } from '../testing/user-click.ts';
import { CallProgressCards } from './call-progress.tsx';
import { CLOSE_AFTER_END_MS, IncomingPopups } from './incoming-popup.tsx';

// The popup and the progress card in a page (happy-dom), with WXT's fake browser carrying their
// messages to a stand-in background that records them and answers as the relay would.
const ADA: Contact = { id: '4x12', name: 'Ada Lovelace', company: 'Analytical Engines', url: 'https://crm.example.com/index.php?module=Contacts&view=Detail&record=12' };
const CHARLES: Contact = { id: '4x13', name: 'Charles Babbage', company: null, url: 'https://crm.example.com/index.php?module=Contacts&view=Detail&record=13' };
const PENDING = { state: 'pending', id: null, url: null, error: null } as const;

let sent: Array<{ type: string } & Record<string, unknown>>;
/** The background's answers, by kind; each test sets those it needs. */
let answers: Partial<{ [K in keyof BackgroundMessages]: (request: BackgroundMessages[K]['request']) => BackgroundMessages[K]['response'] }>;
let popups: IncomingPopups;

beforeEach(() => {
  fakeBrowser.reset();
  sent = [];
  answers = {};
  const record = <K extends keyof BackgroundMessages>(type: K) => (message: { type: K } & BackgroundMessages[K]['request']) => {
    sent.push(message as never);
    const answer = answers[type] as ((request: BackgroundMessages[K]['request']) => BackgroundMessages[K]['response']) | undefined;
    if (!answer) throw new Error(`the test gave no answer to ${type}`);
    return answer(message);
  };
  browser.runtime.onMessage.addListener(
    messageListener<BackgroundMessages>({ 'place-call': record('place-call'), 'update-call': record('update-call'), 'retry-crm-log': record('retry-crm-log'), 'crm-dispositions': record('crm-dispositions'), 'hang-up-call': record('hang-up-call'), 'placed-calls': record('placed-calls') }),
  );
  popups = new IncomingPopups(document);
});
afterEach(() => {
  popups.closeAll();
  // A test that failed under fake timers leaves Preact's effects waiting on a fake animation
  // frame: run them, or every later test's effects (the dispositions' fetch) wait for ever.
  if (vi.isFakeTimers()) vi.runOnlyPendingTimers();
  vi.useRealTimers();
});

/** The popup of a call: its host carries `data-pc-popup`, its content is in the host's shadow root. */
const popupOf = (callId = 'CA1') => document.querySelector(`[data-pc-popup="${callId}"]`)?.shadowRoot ?? null;
const text = (root: ParentNode | null, selector: string) => root?.querySelector(selector)?.textContent ?? null;
const href = (root: ParentNode | null, selector: string) => root?.querySelector(selector)?.getAttribute('href') ?? null;

// What the agent does, each inside `act`: Preact renders the state it changes before the next step, as a browser does between two keystrokes.
function choose(select: HTMLSelectElement | null | undefined, value: string): void {
  act(() => {
    select!.value = value;
    select!.dispatchEvent(new Event('change', { bubbles: true }));
  });
}

function type(textarea: HTMLTextAreaElement | null | undefined, value: string): void {
  act(() => {
    textarea!.value = value;
    textarea!.dispatchEvent(new Event('input', { bubbles: true }));
  });
}

function click(root: ParentNode | null, selector: string): void {
  act(() => (root?.querySelector(selector) as HTMLElement | null)!.click());
}

const ringing = (fields: Partial<CallView> = {}) => callView({ id: 7, call_id: 'CA1', status: 'ringing', instance_id: 'default', ...fields });
const later = (call: CallView, fields: Partial<CallView>) => ({ ...call, updated_at: new Date(Date.parse(call.updated_at) + 1000).toISOString(), ...fields });

describe('who is calling', () => {
  it('shows the number at once, and the name, company and record link when an update brings the contact', () => {
    const call = ringing();
    popups.show(call, { searchUrl: 'https://crm.example.com/search?q=%2B14155550199', shownFrom: '(415) 555-0199' });
    expect(text(popupOf(), '[data-pc-field="number"]')).toBe('(415) 555-0199');
    expect(popupOf()?.querySelector('[data-pc-contact]')).toBeNull();

    popups.show(later(call, { contact: ADA, contacts: [ADA] }));
    expect(text(popupOf(), '[data-pc-contact]')).toBe('Ada Lovelace');
    // The update carries no formatted number: the one shown stays.
    expect(text(popupOf(), '[data-pc-field="number"]')).toBe('(415) 555-0199');
    expect(text(popupOf(), '[data-pc-field="company"]')).toBe('Analytical Engines');
    expect(href(popupOf(), '[data-pc-action="open-record"]')).toBe(ADA.url);
    // The page's own search stays, from the first event.
    expect(href(popupOf(), '[data-pc-action="search-crm"]')).toBe('https://crm.example.com/search?q=%2B14155550199');
    expect(popupOf()?.querySelector('[data-pc-field="contact-picker"]')).toBeNull();
  });

  it('says who took the call once the background tells it, and keeps it through the updates that do not', () => {
    const call = ringing();
    popups.show(call, { shownFrom: '(415) 555-0199' });
    expect(popupOf()?.querySelector('[data-pc-field="taken-by"]')).toBeNull();
    popups.show(later(call, { status: 'in-progress' }), { takenBy: { colleague: 'Bob' } });
    expect(text(popupOf(), '[data-pc-field="taken-by"]')).toBe('Taken by Bob');
    popups.show(later(later(call, {}), { notes: 'called back' }));
    expect(text(popupOf(), '[data-pc-field="taken-by"]')).toBe('Taken by Bob');
    expect(text(popupOf(), '[data-pc-field="number"]')).toBe('(415) 555-0199');
  });

  it("names the caller from the first event and adds the company when an update brings it (the CRM's follow-up answered after the hold, issue 10)", () => {
    const named = { ...ADA, company: null };
    const call = ringing({ contact: named, contacts: [named] });
    popups.show(call);
    expect(text(popupOf(), '[data-pc-contact]')).toBe('Ada Lovelace');
    expect(popupOf()?.querySelector('[data-pc-field="company"]')).toBeNull();
    popups.show(later(call, { contact: ADA, contacts: [ADA] }));
    expect(text(popupOf(), '[data-pc-contact]')).toBe('Ada Lovelace');
    expect(text(popupOf(), '[data-pc-field="company"]')).toBe('Analytical Engines');
  });

  it('offers a picker when several records match; the choice goes to the relay and the popup shows its answer', async () => {
    const call = ringing({ contact: ADA, contacts: [ADA, CHARLES] });
    popups.show(call);
    const picker = popupOf()?.querySelector<HTMLSelectElement>('[data-pc-field="contact-picker"]');
    expect([...picker!.options].map((o) => o.textContent)).toEqual(['Ada Lovelace (Analytical Engines)', 'Charles Babbage']);
    answers['update-call'] = ({ patch }) => ({ ok: true, call: later(call, { contact: patch.contact_id === CHARLES.id ? CHARLES : ADA }) });
    choose(picker, CHARLES.id);
    await expect.poll(() => text(popupOf(), '[data-pc-contact]')).toBe('Charles Babbage');
    expect(sent).toEqual([{ type: 'update-call', callId: 7, patch: { contact_id: CHARLES.id } }]);
    expect(href(popupOf(), '[data-pc-action="open-record"]')).toBe(CHARLES.url);
  });

  it("keeps the contact and says the relay's reason when the pick is refused", async () => {
    popups.show(ringing({ contact: ADA, contacts: [ADA, CHARLES] }));
    answers['update-call'] = () => ({ ok: false, error: 'relay: no contact 4x13 among the matches' });
    choose(popupOf()?.querySelector<HTMLSelectElement>('[data-pc-field="contact-picker"]'), CHARLES.id);
    await expect.poll(() => text(popupOf(), '[data-pc-field="contact-error"]')).toBe('relay: no contact 4x13 among the matches');
    expect(text(popupOf(), '[data-pc-contact]')).toBe('Ada Lovelace');
  });

  it('offers "Create contact" beside the CRM search when nothing matched, and only a web link', () => {
    const newContact = 'https://crm.example.com/index.php?module=Contacts&view=Edit&phone=%2B14155550199';
    const call = ringing({ new_contact_url: newContact });
    popups.show(call, { searchUrl: 'https://crm.example.com/search?q=%2B14155550199' });
    expect(href(popupOf(), '[data-pc-action="create-contact"]')).toBe(newContact);
    expect(href(popupOf(), '[data-pc-action="search-crm"]')).toBe('https://crm.example.com/search?q=%2B14155550199');
    popups.show(later(call, { new_contact_url: 'javascript:alert(document.cookie)' }));
    expect(popupOf()?.querySelector('[data-pc-action="create-contact"]')).toBeNull();
  });

  it('shows a newer event over an older answer that arrives after it', () => {
    const call = ringing({ contact: ADA, contacts: [ADA, CHARLES] });
    const newer = later(call, { contact: CHARLES });
    popups.show(newer);
    popups.show(call);
    expect(text(popupOf(), '[data-pc-contact]')).toBe('Charles Babbage');
  });
});

describe('the wrap-up', () => {
  it("offers the instance's dispositions once the call ended, and saves them with the notes", async () => {
    answers['crm-dispositions'] = ({ instanceId }) => ({ ok: true, dispositions: instanceId === 'default' ? ['Interested', 'Call back later'] : [] });
    const call = ringing({ contact: ADA, contacts: [ADA] });
    popups.show(call);
    expect(popupOf()?.querySelector('[data-pc-field="disposition"]')).toBeNull();
    const ended = later(call, { status: 'completed', duration: 95, crm_log: PENDING });
    popups.show(ended);
    await expect.poll(() => popupOf()?.querySelectorAll('[data-pc-field="disposition"] option').length).toBe(3);
    choose(popupOf()?.querySelector<HTMLSelectElement>('[data-pc-field="disposition"]'), 'Call back later');
    type(popupOf()?.querySelector('textarea'), 'Wants a quote by Friday');
    answers['update-call'] = ({ patch }) => ({ ok: true, call: later(ended, { notes: patch.notes ?? null, disposition: patch.disposition ?? null }) });
    click(popupOf(), '.pc-actions button');
    await expect.poll(() => text(popupOf(), '.pc-saved')).toBe('Saved');
    expect(sent).toEqual([
      { type: 'crm-dispositions', instanceId: 'default' },
      { type: 'update-call', callId: 7, patch: { notes: 'Wants a quote by Friday', disposition: 'Call back later' } },
    ]);
  });

  it('sends notes alone during the call, when there is no outcome to pick yet', async () => {
    const call = ringing({ status: 'in-progress' });
    popups.show(call);
    answers['update-call'] = () => ({ ok: true, call });
    type(popupOf()?.querySelector('textarea'), 'Asked about pricing');
    click(popupOf(), '.pc-actions button');
    await expect.poll(() => text(popupOf(), '.pc-saved')).toBe('Saved');
    expect(sent).toEqual([{ type: 'update-call', callId: 7, patch: { notes: 'Asked about pricing' } }]);
  });

  it('stays open after the end while the call has a CRM log, and closes a call without one', () => {
    vi.useFakeTimers();
    answers['crm-dispositions'] = () => ({ ok: true, dispositions: [] });
    popups.show(callView({ id: 1, call_id: 'CA-crm', status: 'completed', crm_log: PENDING }));
    popups.show(callView({ id: 2, call_id: 'CA-plain', status: 'completed' }));
    vi.advanceTimersByTime(CLOSE_AFTER_END_MS + 1);
    expect(popupOf('CA-crm')).not.toBeNull();
    expect(popupOf('CA-plain')).toBeNull();
  });

  it("leaves a colleague's call to them: who took it, no notes or outcome, gone a few seconds later and not back for its end or its CRM log", () => {
    vi.useFakeTimers();
    answers['crm-dispositions'] = () => ({ ok: true, dispositions: ['Interested'] });
    const call = ringing({ contact: ADA, contacts: [ADA] });
    popups.show(call);
    // Ringing, the call may still be this agent's: notes can be typed.
    expect(popupOf()?.querySelector('textarea')).not.toBeNull();
    const bobs = later(call, { status: 'in-progress' });
    popups.show(bobs, { takenBy: { colleague: 'Bob' } });
    expect(text(popupOf(), '[data-pc-field="taken-by"]')).toBe('Taken by Bob');
    expect(text(popupOf(), '[data-pc-contact]')).toBe('Ada Lovelace');
    expect(popupOf()?.querySelector('textarea')).toBeNull();
    expect(popupOf()?.querySelector('[data-pc-wrap-up]')).toBeNull();
    // An update while it is still shown (the event carries no context): Bob's it stays.
    popups.show(later(bobs, { notes: 'Bob typing' }));
    expect(text(popupOf(), '[data-pc-field="taken-by"]')).toBe('Taken by Bob');
    expect(popupOf()?.querySelector('textarea')).toBeNull();
    vi.advanceTimersByTime(CLOSE_AFTER_END_MS + 1);
    expect(popupOf()).toBeNull();
    // Bob's call ends and is logged: nothing comes back on this agent's screen.
    const ended = later(later(bobs, {}), { status: 'completed', duration: 95, crm_log: PENDING });
    popups.show(ended, { takenBy: { colleague: 'Bob' } });
    popups.show(later(ended, { crm_log: { state: 'logged', id: '43x9', url: null, error: null } }), { takenBy: { colleague: 'Bob' } });
    expect(popupOf()).toBeNull();
    expect(sent.filter((m) => m.type === 'update-call' || m.type === 'crm-dispositions')).toEqual([]);
  });

  it('stays closed once the agent dismissed it, whatever the call does next', () => {
    popups.show(ringing());
    click(popupOf(), '[aria-label="Dismiss"]');
    expect(popupOf()).toBeNull();
    popups.show(later(ringing(), { status: 'in-progress' }));
    popups.show(later(ringing(), { status: 'completed', crm_log: PENDING }));
    expect(popupOf()).toBeNull();
    // Another call still pops up.
    popups.show(ringing({ id: 8, call_id: 'CA2' }));
    expect(popupOf('CA2')).not.toBeNull();
  });

  it('does not come back for a late event of a call it closed after its end (a recording)', () => {
    vi.useFakeTimers();
    const ended = ringing({ status: 'completed' });
    popups.show(ended);
    vi.advanceTimersByTime(CLOSE_AFTER_END_MS + 1);
    expect(popupOf()).toBeNull();
    popups.show(later(ended, { recording_url: 'https://api.twilio.com/recordings/RE1' }));
    expect(popupOf()).toBeNull();
  });

  it("links the call's recording once the provider gives one, in a tab of its own, not in place of the CRM's page", () => {
    answers['crm-dispositions'] = () => ({ ok: true, dispositions: [] });
    const call = ringing({ status: 'in-progress' });
    popups.show(call, { takenBy: {} });
    expect(popupOf()?.querySelector('[data-pc-action="recording"]')).toBeNull();
    popups.show(later(call, { status: 'completed', crm_log: PENDING, recording_url: 'https://recordings.example.com/RE7.mp3' }));
    expect(href(popupOf(), '[data-pc-action="recording"]')).toBe('https://recordings.example.com/RE7.mp3');
    expect(popupOf()?.querySelector('[data-pc-action="recording"]')?.getAttribute('target')).toBe('_blank');
  });

  it('keeps the wrap-up of a call this agent took', () => {
    vi.useFakeTimers();
    answers['crm-dispositions'] = () => ({ ok: true, dispositions: [] });
    const call = ringing({ status: 'in-progress' });
    popups.show(call, { takenBy: {} });
    expect(popupOf()?.querySelector('textarea')).not.toBeNull();
    popups.show(later(call, { status: 'completed', crm_log: PENDING }));
    vi.advanceTimersByTime(CLOSE_AFTER_END_MS + 1);
    expect(popupOf()?.querySelector('[data-pc-wrap-up]')?.getAttribute('data-pc-wrap-up')).toBe('ended');
  });
});

describe("the call's CRM log", () => {
  const ended = () => ringing({ status: 'completed', contact: ADA, contacts: [ADA] });

  beforeEach(() => {
    answers['crm-dispositions'] = () => ({ ok: true, dispositions: [] });
  });

  it('shows it pending, then logged with a link to the CRM record', () => {
    const call = later(ended(), { crm_log: PENDING });
    popups.show(call);
    expect(popupOf()?.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('pending');
    popups.show(later(call, { crm_log: { state: 'logged', id: '43x7', url: 'https://crm.example.com/index.php?module=PBXManager&view=Detail&record=7', error: null } }));
    expect(popupOf()?.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('logged');
    expect(href(popupOf(), '[data-pc-action="open-log"]')).toBe('https://crm.example.com/index.php?module=PBXManager&view=Detail&record=7');
  });

  it("shows a failure with the CRM's reason, and Retry queues it again through the relay", async () => {
    const call = later(ended(), { crm_log: { state: 'failed', id: null, url: null, error: 'INVALID_AUTH_TOKEN: the access key is wrong' } });
    popups.show(call);
    expect(text(popupOf(), '[data-pc-field="crm-error"]')).toBe('Not logged in the CRM: INVALID_AUTH_TOKEN: the access key is wrong');
    answers['retry-crm-log'] = () => ({ ok: true, call: later(call, { crm_log: PENDING }) });
    click(popupOf(), '[data-pc-action="retry-log"]');
    await expect.poll(() => popupOf()?.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('pending');
    expect(sent.filter((m) => m.type === 'retry-crm-log')).toEqual([{ type: 'retry-crm-log', callId: 7 }]);
  });

  it("says why a retry did not go through, and keeps the failure on screen", async () => {
    popups.show(later(ended(), { crm_log: { state: 'failed', id: null, url: null, error: 'timeout' } }));
    answers['retry-crm-log'] = () => ({ ok: false, error: 'relay unreachable at http://relay.example' });
    click(popupOf(), '[data-pc-action="retry-log"]');
    await expect.poll(() => text(popupOf(), '[data-pc-crm-log] .pc-detail')).toBe('relay unreachable at http://relay.example');
    expect(popupOf()?.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('failed');
  });
});

describe('the progress card of an outbound call', () => {
  it('names who is called once an event brings the contact, and wraps the call up after it ends', async () => {
    answers['crm-dispositions'] = () => ({ ok: true, dispositions: ['Left voicemail'] });
    const cards = new CallProgressCards(document);
    const card = () => document.querySelector('[data-pc-progress="call-1"]')?.shadowRoot ?? null;
    cards.update({ key: 'call-1', to: '+14155550199', shownTo: '(415) 555-0199', state: 'calling' });
    expect(text(card(), '.pc-number')).toBe('(415) 555-0199');
    expect(card()?.querySelector('[data-pc-contact]')).toBeNull();
    const call = callView({ id: 8, call_id: 'CA-out', direction: 'outbound', status: 'ringing', instance_id: 'default', contact: ADA, contacts: [ADA] });
    cards.update({ key: 'call-1', to: '+14155550199', shownTo: '(415) 555-0199', state: 'ringing', call });
    expect(text(card(), '[data-pc-contact]')).toBe('Ada Lovelace');
    expect(card()?.querySelector('textarea')).toBeNull();

    const ended = later(call, { status: 'completed', crm_log: PENDING });
    cards.update({ key: 'call-1', to: '+14155550199', shownTo: '(415) 555-0199', state: 'completed', durationSeconds: 30, call: ended });
    await expect.poll(() => card()?.querySelectorAll('[data-pc-field="disposition"] option').length).toBe(2);
    choose(card()?.querySelector<HTMLSelectElement>('[data-pc-field="disposition"]'), 'Left voicemail');
    answers['update-call'] = ({ patch }) => ({ ok: true, call: later(ended, { disposition: patch.disposition ?? null, crm_log: { state: 'logged', id: '43x8', url: null, error: null } }) });
    click(card(), '.pc-actions button');
    await expect.poll(() => card()?.querySelector('[data-pc-crm-log]')?.getAttribute('data-pc-crm-log')).toBe('logged');
    expect(sent.at(-1)).toEqual({ type: 'update-call', callId: 8, patch: { notes: '', disposition: 'Left voicemail' } });
    // The answer kept the card's progress: still "completed" with its duration.
    expect(text(card(), '.pc-timer')).toBe('0:30');
    cards.closeAll();
  });

  it('counts the time since the call was answered while it is in progress, then shows its duration', () => {
    vi.useFakeTimers({ now: new Date('2026-12-07T10:00:00Z') });
    const cards = new CallProgressCards(document);
    const card = () => document.querySelector('[data-pc-progress="call-3"]')?.shadowRoot ?? null;
    const progress = { key: 'call-3', to: '+14155550199', shownTo: '(415) 555-0199' };
    cards.update({ ...progress, state: 'ringing' });
    expect(card()?.querySelector('[data-pc-field="timer"]')).toBeNull();
    // Answered 65 s ago, as the background saw it (the card may be shown later, in another tab or the popup).
    // act: the timer's effect runs now, not on the next (fake) frame.
    act(() => cards.update({ ...progress, state: 'in-progress', answeredAt: Date.now() - 65_000 }));
    expect(text(card(), '[data-pc-field="timer"]')).toBe('1:05');
    // Inside the card's live region, but not read out each second.
    expect(card()?.querySelector('[data-pc-field="timer"]')?.getAttribute('aria-live')).toBe('off');
    act(() => void vi.advanceTimersByTime(2000));
    expect(text(card(), '[data-pc-field="timer"]')).toBe('1:07');
    act(() => cards.update({ ...progress, state: 'completed', durationSeconds: 70, answeredAt: Date.now() - 67_000 }));
    expect(text(card(), '[data-pc-field="timer"]')).toBe('1:10');
    act(() => void vi.advanceTimersByTime(2000));
    expect(text(card(), '[data-pc-field="timer"]')).toBe('1:10');
    cards.closeAll();
  });

  it("cancels a ringing call, and hangs up an answered one, on the agent's own click only", async () => {
    const cards = new CallProgressCards(document);
    const card = () => document.querySelector('[data-pc-progress="call-2"]')?.shadowRoot ?? null;
    const progress = { key: 'call-2', to: '+14155550199', shownTo: '(415) 555-0199' };
    const button = () => card()?.querySelector<HTMLButtonElement>('[data-pc-action="hang-up"]') ?? null;
    // Before the provider has answered with a call id, and with a connector that cannot end calls: no button.
    cards.update({ ...progress, state: 'calling' });
    expect(button()).toBeNull();
    cards.update({ ...progress, state: 'ringing' });
    expect(button()).toBeNull();

    cards.update({ ...progress, state: 'ringing', canHangUp: true });
    expect(button()?.textContent).toBe('Cancel call');
    // A page script's click() on our open shadow root is no click of the agent's.
    act(() => button()!.click());
    expect(sent.filter((m) => m.type === 'hang-up-call')).toEqual([]);

    let answer: (value: { ok: true } | { ok: false; error: string }) => void = () => {};
    answers['hang-up-call'] = () => new Promise((resolve) => (answer = resolve)) as never;
    userClick(button()!);
    expect(sent.at(-1)).toEqual({ type: 'hang-up-call', key: 'call-2' });
    await expect.poll(() => button()?.disabled).toBe(true);
    expect(button()?.textContent).toBe('Ending…');
    await act(() => answer({ ok: false, error: 'Authenticate' }));
    await expect.poll(() => text(card(), '[data-pc-field="hang-up-error"]')).toBe('Could not end the call: Authenticate');
    expect(button()?.disabled).toBe(false);

    cards.update({ ...progress, state: 'in-progress', canHangUp: true });
    expect(button()?.textContent).toBe('Hang up');
    answers['hang-up-call'] = () => ({ ok: true });
    userClick(button()!);
    await expect.poll(() => button()?.textContent).toBe('Ending…');
    // The end comes from the relay: the button goes with the call's final status.
    cards.update({ ...progress, state: 'completed', canHangUp: true, durationSeconds: 12 });
    expect(button()).toBeNull();
    expect(text(card(), '[data-pc-field="status"]')).toBe('Ended');
    cards.closeAll();
  });
});
