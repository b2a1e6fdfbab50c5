/**
 * Issue #11 end to end: the CRM in the agent's browser. A real relay process whose instance
 * has the bundled Vtiger connector (connectors/crm/vtiger.xml) pointed at the Vtiger simulator,
 * the Twilio simulator, and Chromium with the built extension. Each test reads the outcome
 * where it lands: the page's popup, the toolbar popup, the relay's API, the simulated CRM.
 */
import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SeedContact } from '../simulators/crm/crm-simulator.ts';
import { VtigerSimulator } from '../simulators/crm/vtiger.ts';
import { recordingBytes } from '../simulators/http.ts';
import type { DialOutcome, SimulatedCall } from '../simulators/twilio.ts';
import { api } from '../relay/harness.ts';
import { screenshotPath } from './harness/screenshots.ts';
import { AGENT_NUMBER, DEADLINE_MS, startWorld, TWILIO_NUMBER, waitFor, type World } from './harness/world.ts';

/** Each caller has a number of their own: a lookup is cached per number, and each test asks its own. */
const PEOPLE = {
  jane: { firstName: 'Jane', lastName: 'Doe', company: 'Acme Corp', phones: ['(415) 555-0100'] },
  oliver: { firstName: 'Oliver', lastName: 'Smith', company: 'Smith & Sons', phones: ['+1 415 555 0142'] },
  olivia: { firstName: 'Olivia', lastName: 'Smith', company: 'Brightwater', phones: ['415.555.0142'] },
  alan: { firstName: 'Alan', lastName: 'Turing', company: 'Bletchley Park', phones: ['+1-415-555-0133'] },
  ada: { firstName: 'Ada', lastName: 'Lovelace', company: 'Analytical Engines', phones: ['4155550122'] },
  linus: { firstName: 'Linus', lastName: 'Pauling', company: 'Caltech', phones: ['(415) 555-0155'] },
  grace: { firstName: 'Grace', lastName: 'Hopper', company: 'Navy Labs', phones: ['415-555-0166'] },
} satisfies Record<string, SeedContact>;
type Person = keyof typeof PEOPLE;

/** Ada's colleague: a call to the team's number rings both; his phone has no extension in this browser. */
const BOB = { name: 'Bob', number: '+14155550122', email: 'bob@example.com' };

const GREETING = 'Sorry, nobody can take your call. Please leave a message.';
let vtiger: VtigerSimulator;
let world: World;
const ids = {} as Record<Person, string>;
/** The agents' own Vtiger users, whom their calls are logged for (the connector's <find_user>, by e-mail). */
const users = {} as Record<'ada' | 'bob', string>;
/** Errors thrown in the CRM pages the tests open: there must be none. */
const pageErrors: string[] = [];

beforeAll(async () => {
  vtiger = await VtigerSimulator.start();
  const names = Object.keys(PEOPLE) as Person[];
  for (const [i, id] of vtiger.seed(names.map((name) => PEOPLE[name])).entries()) ids[names[i]!] = id;
  users.ada = vtiger.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
  users.bob = vtiger.seedUser({ email: BOB.email, firstName: 'Bob', lastName: 'Builder' });
  // A caller nobody answers hears the greeting and may leave a message (the missed calls' test);
  // while Ada and Bob are both away, a caller goes there at once.
  world = await startWorld({ crm: { connector: 'vtiger', config: vtiger.config }, colleagues: [BOB], providerConfig: { voicemail_greeting: GREETING, away_voicemail: 'true' } });
});
afterAll(async () => {
  await world?.close();
  await vtiger?.close();
});

const nameOf = (person: Person) => `${PEOPLE[person].firstName} ${PEOPLE[person].lastName}`;
const urlOf = (person: Person) => vtiger.contacts().find((c) => c.id === ids[person])!.url;

async function callbacks(): Promise<{ incoming: string; status: string }> {
  const instances = await api<Array<{ callbacks: { incoming: string; status: string } }>>(world.relay, world.agent.token, 'GET', '/instances');
  return instances.body[0]!.callbacks;
}

/** A CRM tab with the content script running, its errors collected. */
async function crmPage(): Promise<Page> {
  const page = await world.open('contact.html');
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.locator('button[data-pc-call]').first().waitFor();
  return page;
}

/**
 * A customer calls Ada's number (or `to`: the team's, which rings every agent); the first phone
 * rung answers (unless `dial` says otherwise); the call stays up until `endCall`.
 */
async function ring(from: string, dial?: DialOutcome, to = AGENT_NUMBER): Promise<SimulatedCall> {
  const call = world.twilio.inboundCall({ url: (await callbacks()).incoming, from, to, held: true, ...(dial ? { dial } : {}) });
  unended.add(call);
  return call;
}

/** Calls rung and not ended yet. */
const unended = new Set<SimulatedCall>();
// A test that only looks at a call's popup leaves it up: it ends before the next test, as the
// agent who took it is on a call until then, and the team's calls would leave them out.
afterEach(async () => {
  for (const call of unended) await endCall(call);
});

/** The caller hangs up: the <Dial action> of a call the agent took, then Twilio's final status callback. */
async function endCall(call: SimulatedCall, status = 'completed'): Promise<void> {
  unended.delete(call);
  await call.done;
  if (call.heldDial) await world.twilio.hangUp(call);
  call.status = status;
  const answer = await world.twilio.webhook(call, 'status', 'POST', (await callbacks()).status, { CallDuration: '35' });
  expect(answer.status).toBe(200);
}

interface RelayCall {
  id: number;
  call_id: string;
  contact: { id: string; name: string } | null;
  contacts: Array<{ id: string }>;
  crm_log: { state: string; id: string | null; url: string | null; error: string | null } | null;
  recording_url: string | null;
  extra: Record<string, string>;
}

async function relayCall(sid: string): Promise<RelayCall | undefined> {
  const answer = await api<{ calls: RelayCall[] }>(world.relay, world.agent.token, 'GET', '/calls');
  return answer.body.calls.find((c) => c.call_id === sid);
}

/** The Events records the relay wrote for a call: vtiger.xml marks each with `[relay-call:<sid>]`. */
const activitiesOf = (sid: string) => vtiger.activities().filter((a) => String(a.fields.description).includes(`[relay-call:${sid}]`));

const textOf = (locator: Locator) => locator.textContent();

/** Records, in the page, each state of the incoming popups (the caller's name, who took the call, a notes field) and how many were mounted. */
const recordPopups = `(() => {
  window.__pcPopups = [];
  window.__pcPopupsMounted = 0;
  const seen = new WeakSet();
  const watch = () => {
    for (const host of document.querySelectorAll('[data-pc-popup]')) {
      if (seen.has(host) || !host.shadowRoot) continue;
      seen.add(host);
      window.__pcPopupsMounted += 1;
      const push = () => {
        const root = host.shadowRoot;
        const state = { contact: root.querySelector('[data-pc-contact]')?.textContent ?? null, takenBy: root.querySelector('[data-pc-field="taken-by"]')?.textContent ?? null, notes: root.querySelector('textarea') !== null };
        if (JSON.stringify(window.__pcPopups.at(-1)) !== JSON.stringify(state)) window.__pcPopups.push(state);
      };
      push();
      new MutationObserver(push).observe(host.shadowRoot, { subtree: true, childList: true, characterData: true });
    }
  };
  new MutationObserver(watch).observe(document.documentElement, { subtree: true, childList: true });
  watch();
})()`;
const recordedPopups = (page: Page) => page.evaluate(() => (window as unknown as { __pcPopups: Array<{ contact: string | null; takenBy: string | null; notes: boolean }> }).__pcPopups);

describe('the incoming popup names the caller', () => {
  it('shows the number, then the name, company and record link the CRM has (a CRM that answers fast)', async () => {
    const page = await crmPage();
    const call = await ring('+14155550100');
    const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
    await popup.waitFor();
    expect(await textOf(popup.locator('[data-pc-field="number"]'))).toBe('(415) 555-0100');
    await expect.poll(() => textOf(popup.locator('[data-pc-contact]'))).toBe(nameOf('jane'));
    expect(await textOf(popup.locator('[data-pc-field="company"]'))).toBe('Acme Corp');
    expect(await popup.locator('[data-pc-action="open-record"]').getAttribute('href')).toBe(urlOf('jane'));
    await page.screenshot({ path: screenshotPath('crm-popup-contact.png') });
    await endCall(call);
    await expect.poll(async () => (await relayCall(call.sid))?.crm_log?.state).toBe('logged');
    await page.close();
  });

  it('appears at once with the number while the CRM is slow, and gains the name when it answers', async () => {
    const page = await crmPage();
    const before = vtiger.requests.length;
    const release = vtiger.holdSearches();
    try {
      const call = await ring('+14155550133');
      const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
      await popup.waitFor();
      // The CRM holds the search unanswered (status 0): the popup did not wait for it.
      await waitFor(() => vtiger.requests.slice(before).some((r) => r.status === 0), DEADLINE_MS, 'the search held at the CRM');
      expect(await textOf(popup.locator('[data-pc-field="number"]'))).toBe('(415) 555-0133');
      expect(await popup.locator('[data-pc-contact]').count()).toBe(0);
      release();
      await expect.poll(() => textOf(popup.locator('[data-pc-contact]'))).toBe(nameOf('alan'));
      expect(await textOf(popup.locator('[data-pc-field="number"]'))).toBe('(415) 555-0133');
    } finally {
      release();
      await page.close();
    }
  });

  it('still pops up, without a name and without an error in the page, while the CRM is down', async () => {
    const page = await crmPage();
    await vtiger.down();
    try {
      const call = await ring('+14155550122');
      const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
      await popup.waitFor();
      await expect.poll(() => relayCall(call.sid)).toBeDefined();
      const { id } = (await relayCall(call.sid))!;
      await world.relay.waitForLog((entry) => entry.msg === 'caller lookup failed' && entry.call === id, DEADLINE_MS);
      // The relay gave up on the lookup: whatever it pushed about the call is in the popup by now.
      expect(await textOf(popup.locator('[data-pc-field="number"]'))).toBe('(415) 555-0122');
      expect(await popup.locator('[data-pc-contact]').count()).toBe(0);
      expect((await relayCall(call.sid))?.contact).toBeNull();
      expect(pageErrors).toEqual([]);
    } finally {
      await vtiger.up();
      await page.close();
    }
  });

  it('offers a picker when several contacts share the number; the choice reaches the relay and the CRM log links it', async () => {
    const page = await crmPage();
    const call = await ring('+14155550142');
    const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
    const picker = popup.locator('select[data-pc-field="contact-picker"]');
    await picker.waitFor();
    expect(await picker.locator('option').allTextContents()).toEqual(['Oliver Smith (Smith & Sons)', 'Olivia Smith (Brightwater)']);
    await picker.selectOption(ids.olivia);
    await expect.poll(async () => (await relayCall(call.sid))?.contact?.id).toBe(ids.olivia);
    await expect.poll(() => textOf(popup.locator('[data-pc-contact]'))).toBe(nameOf('olivia'));
    await endCall(call);
    await expect.poll(() => activitiesOf(call.sid).map((a) => a.fields.contact_id), { timeout: DEADLINE_MS }).toEqual([ids.olivia]);
    await page.close();
  });

  it('offers "Create contact", the CRM`s form prefilled with the number, when nobody has it', async () => {
    const page = await crmPage();
    const call = await ring('+14155550177');
    const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
    const create = popup.locator('[data-pc-action="create-contact"]');
    await create.waitFor();
    expect(await create.getAttribute('href')).toBe(`${vtiger.url}/index.php?module=Contacts&view=Edit&phone=%2B14155550177`);
    // Beside the CRM's own search, which the page already offered.
    expect(await popup.locator('[data-pc-action="search-crm"]').count()).toBe(1);
    expect(await popup.locator('[data-pc-contact]').count()).toBe(0);
    await page.close();
  });
});

describe('outbound', () => {
  it('the progress card names who is being called', async () => {
    const page = await crmPage();
    const before = world.twilio.calls.size;
    await page.locator('button[data-pc-call="+14155550100"]').click();
    const card = page.locator('[data-pc-progress]');
    await expect.poll(() => textOf(card.locator('[data-pc-contact]'))).toBe(nameOf('jane'));
    // The call runs its course (the simulator's last status callback answered) before the next
    // test: until it ends, Ada is on a call, and the team's calls would leave her out.
    await waitFor(() => world.twilio.calls.size === before + 1, DEADLINE_MS, 'the call at the Twilio simulator');
    await [...world.twilio.calls.values()].at(-1)!.done;
    await page.close();
  });
});

describe('wrap-up', () => {
  it('sends the disposition and notes to the CRM record, and shows the call logged with a link to it', async () => {
    const page = await crmPage();
    const call = await ring('+14155550155');
    const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
    await expect.poll(() => textOf(popup.locator('[data-pc-contact]'))).toBe(nameOf('linus'));
    await endCall(call);
    // A call the relay logs in a CRM keeps its popup after it ends, for the wrap-up.
    await popup.locator('[data-pc-wrap-up="ended"]').waitFor();
    const disposition = popup.locator('select[data-pc-field="disposition"]');
    await disposition.waitFor();
    expect(await disposition.locator('option').allTextContents()).toEqual(['Pick an outcome', 'Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number']);
    await disposition.selectOption('Left voicemail');
    const notes = 'Asked for the 2027 price list; call back Tuesday.';
    await popup.getByLabel('Call notes').fill(notes);
    await popup.getByRole('button', { name: 'Save notes' }).click();
    await popup.locator('.pc-saved').waitFor();

    await expect.poll(() => activitiesOf(call.sid).map((a) => a.fields.description), { timeout: DEADLINE_MS }).toEqual([expect.stringContaining(`${notes}\nDisposition: Left voicemail\n`)]);
    const [activity] = activitiesOf(call.sid);
    expect(activity!.fields).toMatchObject({ subject: 'Inbound call from +14155550155', activitytype: 'Call', eventstatus: 'Held', contact_id: ids.linus, assigned_user_id: users.ada });
    await expect.poll(() => popup.locator('[data-pc-crm-log]').getAttribute('data-pc-crm-log')).toBe('logged');
    await expect.poll(() => popup.locator('[data-pc-action="open-log"]').getAttribute('href')).toBe(vtiger.recordUrl(activity!.id));
    await page.screenshot({ path: screenshotPath('crm-wrap-up.png') });
    await page.close();
  });

  it("leaves a call a colleague took to him: says who, without notes or outcome, goes, and the CRM log is his", async () => {
    const page = await crmPage();
    // What the popup showed, as the page saw it: it leaves a few seconds after Bob took the call.
    await page.evaluate(recordPopups);
    const call = await ring('+14155550100', { answer: true, talkSeconds: 30, pickUp: BOB.number }, TWILIO_NUMBER);
    const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
    await call.done;
    // Both phones rang (in the order the relay lists its agents); Bob's picked up.
    expect([...call.dialed].sort()).toEqual([AGENT_NUMBER, BOB.number].sort());
    await expect.poll(() => recordedPopups(page)).toContainEqual(expect.objectContaining({ takenBy: 'Taken by Bob', notes: false }));
    // Gone while Bob still talks.
    await expect.poll(() => popup.count()).toBe(0);
    await endCall(call);
    // Logged in Vtiger with Bob as its agent; the end and the log did not bring Ada's popup back.
    await expect.poll(() => activitiesOf(call.sid).map((a) => String(a.fields.description).includes('agent Bob')), { timeout: DEADLINE_MS }).toEqual([true]);
    // Recorded for Bob's own Vtiger user, found by his e-mail.
    expect(activitiesOf(call.sid)[0]!.fields.assigned_user_id).toBe(users.bob);
    await expect.poll(async () => (await relayCall(call.sid))?.crm_log?.state).toBe('logged');
    expect(await popup.count()).toBe(0);
    expect(await page.evaluate(() => (window as unknown as { __pcPopupsMounted: number }).__pcPopupsMounted)).toBe(1);
    await page.close();
  });

  it('shows a log the CRM refused as failed, with its reason and a Retry that logs it once', async () => {
    const page = await crmPage();
    const call = await ring('+14155550100');
    const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
    await expect.poll(() => textOf(popup.locator('[data-pc-contact]'))).toBe(nameOf('jane'));
    // A 400 is permanent: the relay does not retry it by itself, past writing it once more for the
    // connector's own user in case the refusal was of Ada's user (the second 400).
    vtiger.failNext(2, { status: 400 }, /operation=create&elementType=Events/);
    await endCall(call);
    await expect.poll(() => popup.locator('[data-pc-crm-log]').getAttribute('data-pc-crm-log'), { timeout: DEADLINE_MS }).toBe('failed');
    expect(await textOf(popup.locator('[data-pc-field="crm-error"]'))).toMatch(/^Not logged in the CRM: .*HTTP 400/);
    expect(activitiesOf(call.sid)).toEqual([]);
    await popup.locator('[data-pc-action="retry-log"]').click();
    await expect.poll(() => popup.locator('[data-pc-crm-log]').getAttribute('data-pc-crm-log'), { timeout: DEADLINE_MS }).toBe('logged');
    expect(activitiesOf(call.sid)).toHaveLength(1);
    await page.close();
  });
});

describe('missed calls', () => {
  it('lists a missed call with the caller`s name and voicemail, counts it on the badge, clears it once seen, and calls back', async () => {
    const badge = () => world.browser.worker.evaluate(() => (globalThis as unknown as { chrome: { action: { getBadgeText(d: object): Promise<string> } } }).chrome.action.getBadgeText({}));
    // Nobody picks up: the <Dial action> says no-answer, the caller leaves a message of 37 s, and the call then completes.
    const call = await ring('+14155550166', { answer: false, status: 'no-answer', message: 37 });
    await expect.poll(async () => (await relayCall(call.sid))?.contact?.name, { timeout: DEADLINE_MS }).toBe(nameOf('grace'));
    await endCall(call, 'completed');
    await expect.poll(badge, { timeout: DEADLINE_MS }).toBe('1');
    const [message] = call.recordings;
    expect(message).toMatchObject({ seconds: 37 });
    // The message's link is the relay's: opened, it plays the file the relay fetches from Twilio
    // with the account's credentials, which the agent never sees (nor is asked for).
    const link = (await relayCall(call.sid))!.recording_url!;
    expect(link.startsWith(`${world.relay.url}/recordings/`)).toBe(true);
    const played = await fetch(link);
    expect([played.status, played.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(Buffer.from(await played.arrayBuffer()).equals(recordingBytes(message!.url.split('/').at(-1)!, 37))).toBe(true);
    // The relay's CRM log of the missed call gets the message's link.
    await expect.poll(() => activitiesOf(call.sid).map((a) => String(a.fields.description).includes(`Recording: ${link}`)), { timeout: DEADLINE_MS }).toEqual([true]);

    const toolbar = await world.browser.context.newPage();
    await toolbar.setViewportSize({ width: 344, height: 480 });
    await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
    const missed = toolbar.getByTestId('missed-calls').locator('li');
    await missed.first().waitFor();
    expect(await missed.count()).toBe(1);
    expect(await textOf(missed.locator('[data-pc-contact]'))).toBe(nameOf('grace'));
    expect(await textOf(missed)).toContain('(415) 555-0166');
    const voicemail = missed.locator('[data-pc-action="voicemail"]');
    expect([await textOf(voicemail), await voicemail.getAttribute('href'), await voicemail.getAttribute('target')]).toEqual(['Voicemail 0:37', link, '_blank']);
    await expect.poll(badge).toBe('');
    await toolbar.locator('main').screenshot({ path: screenshotPath('missed-calls.png') });
    // In the system's dark scheme, the popup is dark too: its page, the controls, the text.
    const looks = () =>
      toolbar.evaluate(() => {
        const of = (element: Element) => getComputedStyle(element);
        const button = document.querySelector('[data-pc-action="call-back"]')!;
        return { page: of(document.body).backgroundColor, text: of(document.body).color, button: of(button).backgroundColor, buttonText: of(button).color };
      });
    const light = await looks();
    await toolbar.emulateMedia({ colorScheme: 'dark' });
    const dark = await looks();
    const lightness = (color: string) => color.match(/\d+/g)!.slice(0, 3).reduce((sum, channel) => sum + Number(channel), 0) / 3;
    expect([lightness(light.page), lightness(light.text), lightness(light.button), lightness(light.buttonText)].map((l) => l > 128)).toEqual([true, false, true, false]);
    expect([lightness(dark.page), lightness(dark.text), lightness(dark.button), lightness(dark.buttonText)].map((l) => l > 128)).toEqual([false, true, false, true]);
    await toolbar.locator('main').screenshot({ path: screenshotPath('missed-calls-dark.png') });
    await toolbar.emulateMedia({ colorScheme: 'light' });

    const before = world.twilio.calls.size;
    await missed.locator('[data-pc-action="call-back"]').click();
    await waitFor(() => world.twilio.calls.size === before + 1, DEADLINE_MS, 'the call back at the Twilio simulator');
    const placed = [...world.twilio.calls.values()].at(-1)!;
    await placed.done;
    expect([placed.to, placed.dialed]).toEqual([AGENT_NUMBER, ['+14155550166']]);
    await expect.poll(() => textOf(missed.getByRole('status'))).toBe('Your phone is ringing.');
    await toolbar.close();
  });
});

describe('while the whole team is away', () => {
  it("rings no phone and pops up nowhere: the switch said the team's calls go to voicemail, and the missed call is marked everyone away, with the message", async () => {
    const [bob] = world.colleagues;
    const setAway = async (away: boolean) => {
      for (const agent of [world.agent, bob!]) expect((await api(world.relay, agent.token, 'PATCH', '/me', { away })).status).toBe(200);
    };
    await setAway(true);
    try {
      const toolbar = await world.browser.context.newPage();
      await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
      await expect.poll(() => textOf(toolbar.locator('[data-pc-field="presence-hint"]')), { timeout: DEADLINE_MS }).toMatch(/^since .+: no colleague is available, so the team’s calls go to voicemail$/);
      const page = await crmPage();
      await page.evaluate(recordPopups);
      const call = await ring('+14155550191', { answer: false, status: 'no-answer', message: 12 }, TWILIO_NUMBER);
      await call.done;
      expect([call.dialed, call.said]).toEqual([[], [GREETING]]);
      const [message] = call.recordings;
      const missed = toolbar.getByTestId('missed-calls').locator('li').filter({ hasText: '(415) 555-0191' });
      await expect.poll(() => textOf(missed.locator('[data-pc-field="all-away"]')), { timeout: DEADLINE_MS }).toBe(' · everyone away');
      const voicemail = missed.locator('[data-pc-action="voicemail"]');
      await expect.poll(() => textOf(voicemail), { timeout: DEADLINE_MS }).toBe('Voicemail 0:12');
      expect(await voicemail.getAttribute('href')).toBe((await relayCall(call.sid))!.recording_url);
      expect((await relayCall(call.sid))!.extra.provider_recording_url).toBe(message!.url);
      // A call that rang no phone popped up nowhere: the relay's first word of it was that it was missed.
      expect(await page.evaluate(() => (window as unknown as { __pcPopupsMounted: number }).__pcPopupsMounted)).toBe(0);
      await page.close();
      await toolbar.close();
    } finally {
      await setAway(false);
    }
  });
});

describe('outside the opening hours', () => {
  it('rings no phone though the agents are available: the hours set in Options, the popup says closed, the missed call is marked after hours', async () => {
    const options = await world.browser.context.newPage();
    await options.goto(`chrome-extension://${world.browser.extensionId}/options.html`);
    const section = options.getByTestId('hours-section');
    try {
      const weekdays = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday'];
      const save = async () => {
        await section.getByRole('button', { name: 'Save opening hours' }).click();
        await expect.poll(() => textOf(section.getByTestId('hours-message')), { timeout: DEADLINE_MS }).toBe('Saved: outside these hours callers go to voicemail.');
      };
      await section.getByLabel('Calls ring the agents only during these hours').check();
      await section.getByLabel('Time zone').selectOption('Europe/London');
      for (const day of weekdays) await section.getByLabel(day, { exact: true }).fill('9-12:30, 13:30-17:30');
      await section.getByLabel('Saturday', { exact: true }).fill('10-13');
      await section.getByLabel('Closed on (holidays)').fill('12-25, 12-26, 01-01, Easter-2, easter+1');
      await save();
      // What the relay kept, written back the way the form writes it; open or closed now depends on when the test runs.
      expect(await section.getByLabel('Monday', { exact: true }).inputValue()).toBe('09:00-12:30, 13:30-17:30');
      expect(await section.getByLabel('Closed on (holidays)').inputValue()).toBe('01-01, 12-25, 12-26, easter-2, easter+1');
      await expect.poll(() => textOf(section.locator('[data-pc-field="hours-now"]'))).toMatch(/^(Open now, until .+\.|Closed now, opens .+: callers go to voicemail\.)$/);
      await section.screenshot({ path: screenshotPath('opening-hours.png') });
      // Closed every day: whenever the test runs, the number is closed.
      for (const day of [...weekdays, 'Saturday']) await section.getByLabel(day, { exact: true }).fill('');
      await save();
      expect(await textOf(section.locator('[data-pc-field="hours-now"]'))).toBe('Closed now: callers go to voicemail.');

      const toolbar = await world.browser.context.newPage();
      await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
      await expect.poll(() => textOf(toolbar.locator('[data-pc-field="closed"]')), { timeout: DEADLINE_MS }).toBe('Closed: callers go to voicemail');
      expect(await textOf(toolbar.locator('[data-pc-field="presence-hint"]'))).toBe('once open, the team’s calls ring you and 1 colleague');
      const page = await crmPage();
      await page.evaluate(recordPopups);
      const call = await ring('+14155550192', { answer: false, status: 'no-answer', message: 7 }, TWILIO_NUMBER);
      await call.done;
      expect([call.dialed, call.said]).toEqual([[], [GREETING]]);
      const missed = toolbar.getByTestId('missed-calls').locator('li').filter({ hasText: '(415) 555-0192' });
      await expect.poll(() => textOf(missed.locator('[data-pc-field="after-hours"]')), { timeout: DEADLINE_MS }).toBe(' · after hours');
      await expect.poll(() => textOf(missed.locator('[data-pc-action="voicemail"]')), { timeout: DEADLINE_MS }).toBe('Voicemail 0:07');
      expect(await page.evaluate(() => (window as unknown as { __pcPopupsMounted: number }).__pcPopupsMounted)).toBe(0);
      await page.close();
      await toolbar.close();

      // Unticked and saved: the number is open at all hours again.
      await section.getByLabel('Calls ring the agents only during these hours').uncheck();
      await section.getByRole('button', { name: 'Save opening hours' }).click();
      await expect.poll(() => textOf(section.getByTestId('hours-message')), { timeout: DEADLINE_MS }).toBe('Saved: calls ring the agents at all hours.');
      expect((await api<{ hours: unknown }>(world.relay, world.agent.token, 'GET', '/instances/default')).body.hours).toBeNull();
    } finally {
      await options.close();
      expect((await api(world.relay, world.agent.token, 'PUT', '/instances/default', { ...(await instanceWithoutCrm()), hours: null })).status).toBe(200);
    }
  });
});

describe("the toolbar popup's recent calls", () => {
  it('wraps up a call whose page was closed: the refused log marked and retried, the notes written on it, the log followed live', async () => {
    // No CRM tab is open: the call rings, is taken and ends unseen, and Vtiger refuses its log
    // twice (for Ada's user, then for the connector's own).
    vtiger.failNext(2, { status: 400 }, /operation=create&elementType=Events/);
    const call = await ring('+14155550133');
    await endCall(call);
    await expect.poll(async () => (await relayCall(call.sid))?.crm_log?.state, { timeout: DEADLINE_MS }).toBe('failed');
    const { id } = (await relayCall(call.sid))!;

    const toolbar = await world.browser.context.newPage();
    await toolbar.setViewportSize({ width: 344, height: 600 });
    await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
    const line = toolbar.locator(`[data-pc-recent="${id}"]`);
    await expect.poll(() => textOf(line.locator('[data-pc-field="crm-log-failed"]'))).toBe('Not logged in the CRM');
    await line.locator('.recent-toggle').click();
    expect(await textOf(line.locator('[data-pc-contact]'))).toBe(nameOf('alan'));
    expect(await textOf(line.locator('[data-pc-field="crm-error"]'))).toMatch(/^Not logged in the CRM: .*HTTP 400/);
    await line.locator('[data-pc-action="retry-log"]').click();
    // The relay's events reach the open popup: the log goes from pending to logged in place.
    await expect.poll(() => line.locator('[data-pc-crm-log]').getAttribute('data-pc-crm-log'), { timeout: DEADLINE_MS }).toBe('logged');
    expect(await line.locator('[data-pc-field="crm-log-failed"]').count()).toBe(0);
    const [activity] = activitiesOf(call.sid);
    expect(await line.locator('[data-pc-action="open-log"]').getAttribute('href')).toBe(vtiger.recordUrl(activity!.id));
    expect(await line.locator('[data-pc-action="open-record"]').getAttribute('target')).toBe('_blank');

    const disposition = line.locator('select[data-pc-field="disposition"]');
    await disposition.selectOption('Connected');
    const notes = 'Called about the Enigma order; sending the quote.';
    await line.getByLabel('Call notes').fill(notes);
    await line.getByRole('button', { name: 'Save notes' }).click();
    await line.locator('.pc-saved').waitFor();
    await expect.poll(() => activitiesOf(call.sid).map((a) => a.fields.description), { timeout: DEADLINE_MS }).toEqual([expect.stringContaining(`${notes}\nDisposition: Connected\n`)]);
    expect(activitiesOf(call.sid)[0]!.fields).toMatchObject({ contact_id: ids.alan, assigned_user_id: users.ada });
    await expect.poll(() => line.locator('[data-pc-crm-log]').getAttribute('data-pc-crm-log'), { timeout: DEADLINE_MS }).toBe('logged');
    await toolbar.locator('main').screenshot({ path: screenshotPath('recent-call.png') });

    // Found again by what its notes say or by its caller's name: the relay searches every call.
    const search = toolbar.getByLabel('Find a call');
    const found = () => toolbar.getByTestId('found-calls').locator('[data-pc-recent]').evaluateAll((lines) => lines.map((li) => li.getAttribute('data-pc-recent')));
    await search.fill('enigma ORDER');
    await expect.poll(found, { timeout: DEADLINE_MS }).toEqual([String(id)]);
    // Nothing in between, so that the next list found is the name's, not this one's still shown.
    await search.fill('no such words anywhere');
    await expect.poll(() => textOf(toolbar.locator('[data-testid="calls-empty"]')), { timeout: DEADLINE_MS }).toBe('No call found.');
    await search.fill(nameOf('alan').toLowerCase());
    await expect.poll(found, { timeout: DEADLINE_MS }).toContain(String(id));
    await search.fill('');
    await toolbar.getByTestId('recent-calls').waitFor();
    await toolbar.close();
  });
});

describe("away from the team's calls", () => {
  it("switched in the toolbar popup: the team's calls ring Bob alone and never reach Ada's screen, until she is back", async () => {
    const title = () => world.browser.worker.evaluate(() => (globalThis as unknown as { chrome: { action: { getTitle(d: object): Promise<string> } } }).chrome.action.getTitle({}));
    const toolbar = await world.browser.context.newPage();
    await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
    const presence = toolbar.locator('[data-pc-action="presence"]');
    await expect.poll(() => textOf(presence)).toBe('● Available');
    await presence.click();
    await expect.poll(() => textOf(presence)).toBe('● Away');
    // The team as the relay has it: Ada and Bob, who is available.
    await expect.poll(() => textOf(toolbar.locator('[data-pc-field="presence-hint"]'))).toMatch(/^since .+: the team’s calls ring your 1 available colleague$/);
    // Read again after the switch (the relay's answer may come after the switch's).
    await expect.poll(() => textOf(toolbar.locator('[data-pc-field="team"] summary'))).toBe('Team: 1 available, 1 away');
    await expect.poll(title).toContain("away: the team's calls ring your colleagues");
    expect((await api<{ away_since: string | null }>(world.relay, world.agent.token, 'GET', '/me')).body.away_since).not.toBeNull();

    const page = await crmPage();
    await page.evaluate(recordPopups);
    const mounted = () => page.evaluate(() => (window as unknown as { __pcPopupsMounted: number }).__pcPopupsMounted);
    const call = await ring('+14155550188', { answer: true, talkSeconds: 5, pickUp: BOB.number }, TWILIO_NUMBER);
    await call.done;
    // The relay's reply rang Bob's phone alone, and told Ada nothing of the call.
    expect(call.dialed).toEqual([BOB.number]);
    expect(await relayCall(call.sid)).toBeUndefined();
    await endCall(call);

    await presence.click();
    await expect.poll(() => textOf(presence)).toBe('● Available');
    await expect.poll(title).not.toContain('away');
    const next = await ring('+14155550189', { answer: true, talkSeconds: 5, pickUp: BOB.number }, TWILIO_NUMBER);
    await next.done;
    expect([...next.dialed].sort()).toEqual([AGENT_NUMBER, BOB.number].sort());
    // Ada's events come in order: once this call's popup came, the first call's would have come before it.
    await expect.poll(mounted, { timeout: DEADLINE_MS }).toBe(1);
    await expect.poll(() => recordedPopups(page)).toContainEqual(expect.objectContaining({ takenBy: 'Taken by Bob' }));
    expect((await relayCall(next.sid))?.call_id).toBe(next.sid);
    await endCall(next);

    // Made away elsewhere (her other browser, an admin): the relay tells this one, whose badge and open popup follow.
    expect((await api(world.relay, world.agent.token, 'PATCH', '/me', { away: true })).status).toBe(200);
    await expect.poll(title, { timeout: DEADLINE_MS }).toContain("away: the team's calls ring your colleagues");
    await expect.poll(() => textOf(presence)).toBe('● Away');
    expect((await api(world.relay, world.agent.token, 'PATCH', '/me', { away: false })).status).toBe(200);
    await expect.poll(() => textOf(presence), { timeout: DEADLINE_MS }).toBe('● Available');
    await expect.poll(title).not.toContain('away');

    // Away for a while: the relay keeps the return time, the popup says it, and the relay's own
    // clock (every 10 s) brings Ada back once it has come, with no click of hers.
    const before = Date.now();
    await toolbar.locator('[data-pc-field="away-for"]').selectOption({ label: '30 minutes' });
    await expect.poll(() => textOf(toolbar.locator('[data-pc-field="presence-hint"]'))).toMatch(/^until .+: the team’s calls ring your 1 available colleague$/);
    await toolbar.screenshot({ path: screenshotPath('away-until.png'), clip: { x: 0, y: 0, width: 344, height: 164 } });
    const until = (await api<{ away_until: string | null }>(world.relay, world.agent.token, 'GET', '/me')).body.away_until!;
    await expect.poll(title).toMatch(/away until .+: the team's calls ring your colleagues/);
    expect(Date.parse(until) - before).toBeGreaterThanOrEqual(30 * 60_000 - 1000);
    // A return time a few seconds off (her other browser): the clock's next turn makes her available.
    expect((await api(world.relay, world.agent.token, 'PATCH', '/me', { away_until: new Date(Date.now() + 5000).toISOString() })).status).toBe(200);
    await expect.poll(() => textOf(presence), { timeout: DEADLINE_MS }).toBe('● Available');
    await expect.poll(title).not.toContain('away');
    expect((await api<{ away_since: string | null }>(world.relay, world.agent.token, 'GET', '/me')).body.away_since).toBeNull();
    await toolbar.close();
    await page.close();
  });

  it('away while the computer is locked: locking it makes Ada away at the relay, unlocking it available again; the popup turns it off', async () => {
    // What Chrome tells the extension of the computer (chrome.idle), told as Chrome would: the event dispatched in the service worker.
    const computer = (state: 'locked' | 'active') =>
      world.browser.worker.evaluate((next) => (globalThis as unknown as { chrome: { idle: { onStateChanged: { dispatch(state: string): void } } } }).chrome.idle.onStateChanged.dispatch(next), state);
    const awaySince = async () => (await api<{ away_since: string | null }>(world.relay, world.agent.token, 'GET', '/me')).body.away_since;
    const toolbar = await world.browser.context.newPage();
    await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
    const presence = toolbar.locator('[data-pc-action="presence"]');
    const whileLocked = toolbar.locator('[data-pc-field="away-while-locked"]');
    await expect.poll(() => textOf(presence)).toBe('● Available');
    expect(await whileLocked.isChecked()).toBe(true);

    await computer('locked');
    await expect.poll(awaySince, { timeout: DEADLINE_MS }).not.toBeNull();
    await expect.poll(() => textOf(presence), { timeout: DEADLINE_MS }).toBe('● Away');
    await computer('active');
    await expect.poll(awaySince, { timeout: DEADLINE_MS }).toBeNull();
    await expect.poll(() => textOf(presence), { timeout: DEADLINE_MS }).toBe('● Available');

    // Turned off in the popup: the background reads it there (lock-away.test.ts has what it then does, and does not).
    const stored = () => world.browser.worker.evaluate(async () => (await (globalThis as unknown as { chrome: { storage: { local: { get(key: string): Promise<Record<string, unknown>> } } } }).chrome.storage.local.get('awayWhileLocked')).awayWhileLocked);
    await whileLocked.uncheck();
    await expect.poll(stored).toBe(false);
    await toolbar.reload();
    await expect.poll(() => whileLocked.isChecked()).toBe(false);
    await whileLocked.check();
    await expect.poll(stored).toBe(true);
    await toolbar.close();
  });
});

describe('options, CRM section', () => {
  it('picks Vtiger, fills its form, saves it at the relay and tests the connection with a lookup', async () => {
    expect((await api(world.relay, world.agent.token, 'PUT', '/instances/default', { ...(await instanceWithoutCrm()), crm: null })).status).toBe(200);
    await world.browser.setStorage({ crm: { config: {} } });
    const page = await world.browser.context.newPage();
    await page.goto(`chrome-extension://${world.browser.extensionId}/options.html`);
    const section = page.getByTestId('crm-section');
    await section.getByLabel('CRM connector', { exact: true }).selectOption('vtiger');
    await section.getByLabel('Vtiger site URL (https://crm.example.com)').fill(vtiger.config.url!);
    await section.getByLabel('User name').fill(vtiger.config.username!);
    await section.getByLabel('Access key (My Preferences)').fill(vtiger.config.accesskey!);
    await section.getByRole('button', { name: 'Save CRM' }).click();
    await expect.poll(() => textOf(section.getByTestId('crm-message'))).toBe('Saved: the relay now looks callers up in Vtiger CRM and logs calls there.');

    const saved = await api<{ crm: { connector: string; config: Record<string, string> } | null }>(world.relay, world.agent.token, 'GET', '/instances/default');
    expect(saved.body.crm).toMatchObject({ connector: 'vtiger', config: { url: vtiger.config.url, username: vtiger.config.username } });
    expect(JSON.stringify(saved.body)).not.toContain(vtiger.config.accesskey);

    await section.getByLabel('Test connection: look up a number').fill('(415) 555-0142');
    await section.getByRole('button', { name: 'Test connection' }).click();
    const result = section.getByTestId('crm-test-result');
    await expect.poll(() => result.getAttribute('data-pc-crm-test')).toBe('ok');
    expect(await result.locator('li').allTextContents()).toEqual([`Oliver Smith (Smith & Sons) · ${ids.oliver}`, `Olivia Smith (Brightwater) · ${ids.olivia}`]);
    expect(await textOf(result.getByTestId('crm-test-user'))).toBe(`Your calls are logged for your CRM user (ada@example.com, id ${users.ada}).`);
    await page.close();
    // Nothing the relay wrote in all these tests holds the CRM's access key.
    expect(world.relay.output.join('\n')).not.toContain(vtiger.config.accesskey);
  });
});

/** The instance's provider part as the relay holds it, to save it again without its CRM. */
async function instanceWithoutCrm(): Promise<Record<string, unknown>> {
  const stored = await world.browser.getStorage(['provider']);
  const provider = stored.provider as { customXml: string; config: Record<string, string> };
  return { xml: provider.customXml, config: provider.config };
}
