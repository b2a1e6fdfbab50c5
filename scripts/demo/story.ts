import { join } from 'node:path';
import type { ExtensionBrowser } from '../../tests/e2e/harness/extension.ts';
import { AGENT_NUMBER, DEADLINE_MS, TWILIO_NUMBER, waitFor } from '../../tests/e2e/harness/world.ts';
import { api } from '../../tests/relay/harness.ts';
import type { RecordedCrmRequest } from '../../tests/simulators/crm/crm-simulator.ts';
import type { Exchange, SimulatedCall } from '../../tests/simulators/twilio.ts';
import { type Contact, contactPath } from './contacts.ts';
import { AGENT_EMAIL, type DemoWorld } from './demo-world.ts';
import { formLines, redactHeaders, redactHookSecrets, type Transcript } from './transcript.ts';

type Page = Awaited<ReturnType<ExtensionBrowser['context']['newPage']>>;
type Locator = ReturnType<Page['locator']>;

export const SCREENSHOTS = ['01-call-buttons.png', '02-calling.png', '03-call-ended.png', '04-incoming-call.png', '05-wrap-up.png', '06-call-log.png', '07-recent-call.png', '08-voicemail.png', '09-away-voicemail.png', '10-after-hours.png'] as const;

export interface StoryOptions {
  world: DemoWorld;
  contacts: Contact[];
  output: string;
  transcript: Transcript;
}

/** What every step works with: one CRM tab, the requests the extension made, the output. */
interface Scene extends StoryOptions {
  page: Page;
  requests: ExtensionRequest[];
  shot(name: (typeof SCREENSHOTS)[number]): Promise<void>;
}

/** An HTTP request the extension's service worker made, as Chromium saw it. */
interface ExtensionRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
  status: number;
  response: string;
}

/**
 * The headless run: the story an agent lives, played in the real browser with trusted clicks,
 * each step observed on screen, screenshotted and written to the transcript.
 */
export async function runStory(options: StoryOptions): Promise<void> {
  const page = options.world.browser.context.pages()[0] ?? (await options.world.browser.context.newPage());
  const scene: Scene = {
    ...options,
    page,
    requests: recordExtensionRequests(options.world),
    shot: async (name) => void (await page.screenshot({ path: join(options.output, name) })),
  };
  await showCallButtons(scene);
  await clickToCall(scene);
  const incoming = await takeIncomingCall(scene);
  await wrapUp(scene, incoming);
  await readCallLog(scene, incoming.openInCrm);
  await leaveVoicemail(scene);
  await awayToVoicemail(scene);
  await afterHours(scene);
}

async function showCallButtons({ world, contacts, page, transcript, output }: Scene): Promise<void> {
  transcript.section('1. Call buttons on every number');
  await page.goto(`${world.site.url}/`);
  const buttons = page.locator('button[data-pc-call]');
  await waitFor(async () => (await buttons.count()) === contacts.length, DEADLINE_MS, `${contacts.length} call buttons on the contact list`);
  await page.screenshot({ path: join(output, '01-call-buttons.png'), fullPage: true });
  const first = await buttons.evaluateAll((all) => all.slice(0, 3).map((b) => b.getAttribute('data-pc-call')));
  transcript.note(`Opened the demo CRM's contact list: ${contacts.length} contacts, one number each; the extension added ${await buttons.count()} call buttons.`, [
    `The first ones call ${first.join(', ')}, …`,
    '-> 01-call-buttons.png',
  ]);
}

async function clickToCall({ world, contacts, page, requests, transcript, shot }: Scene): Promise<void> {
  transcript.section('2. Click to call');
  const customer = contacts[0]!;
  const number = customer.phones[0]!;
  await page.goto(world.site.url + contactPath(customer));
  const button = page.locator(`button[data-pc-call="${number.e164}"]`);
  await button.waitFor({ timeout: DEADLINE_MS });
  await page.evaluate(recordCardStatuses('[data-pc-progress]'));
  await button.click();
  transcript.note(`On ${customer.name}'s page (${customer.company}, ${customer.city}), clicked the call button next to ${number.label} ${number.display}.`);

  const placed = await nextRequest(requests, (r) => r.url.startsWith(world.twilio.baseUrl), 'the extension to call Twilio');
  transcript.note('The extension (its service worker) sent Twilio this request, as Chromium saw it:', [
    `${placed.method} ${placed.url}`,
    ...redactHeaders(placed.headers),
    ...formLines(placed.body),
    `Twilio (simulated) answered ${placed.status}: ${summariseCreatedCall(placed.response)}`,
    `To is your own phone, ${AGENT_NUMBER}: it rings first; DialTo carries the customer's number for the relay.`,
  ]);
  const reported = await nextRequest(requests, (r) => r.url === `${world.relay.url}/api/v1/calls` && r.method === 'POST', 'the extension to report the call');
  transcript.note(`The extension reported the call to the relay for the call log: POST /api/v1/calls -> ${reported.status}.`);

  await statusShown(page, 'In progress');
  await shot('02-calling.png');
  transcript.note('The progress card says "In progress": your phone answered and Twilio is dialling the customer.', ['-> 02-calling.png']);
  await statusShown(page, 'Ended');
  await shot('03-call-ended.png');
  // Read without waiting: the card closes a few seconds after the call ends.
  const [duration] = await page.locator('[data-pc-progress] .pc-timer').allTextContents();
  transcript.note(`The card says "Ended"${duration ? ` after ${duration}` : ''}.`, ['-> 03-call-ended.png']);

  const call = [...world.twilio.calls.values()].find((c) => c.direction === 'outbound-api');
  if (!call) throw new Error('the click placed no call at the Twilio simulator');
  await call.done;
  transcript.note("Webhooks Twilio sent to the relay (each signed with X-Twilio-Signature) and the relay's answers:", webhookLines(call));
  transcript.note("The TwiML the relay answered to the answer callback, from the connector's <send_response>:", [twimlOf(call)]);
  transcript.note(`Twilio dialled ${call.dialed.join(', ')} and bridged it to your phone.`);
  transcript.note(`Statuses the progress card showed, in order: ${(await seenStatuses(page)).join(' -> ')}.`);
}

/** The incoming call, once it ended, and where its popup's "Open in CRM" link leads. */
interface IncomingCall {
  call: SimulatedCall;
  popup: Locator;
  openInCrm: string | null;
}

async function takeIncomingCall({ world, contacts, page, transcript, shot }: Scene): Promise<IncomingCall> {
  transcript.section('3. An incoming call');
  const caller = contacts[1]!;
  const number = caller.phones[0]!;
  await page.goto(`${world.site.url}/`);
  await page.locator('button[data-pc-call]').first().waitFor({ timeout: DEADLINE_MS });
  await page.evaluate(recordCardStatuses('[data-pc-popup]'));
  await page.bringToFront();
  // Held: the caller stays on the line until the notes are saved and the popup photographed,
  // however long that takes on this machine.
  const call = world.ring(number.e164, { held: true });
  transcript.note(`${caller.name} (${number.display}) calls the company's Twilio number, ${TWILIO_NUMBER}.`);

  const popup = page.locator(`[data-pc-popup="${call.sid}"]`);
  await popup.waitFor({ timeout: DEADLINE_MS });
  const openInCrm = await popup.getByRole('link', { name: 'Open in CRM' }).getAttribute('href');
  const shown = await popup.locator('[data-pc-field="number"]').textContent();
  const status = await popup.locator('[data-pc-field="status"]').textContent();
  transcript.note(`The incoming-call popup appeared in the CRM tab the agent is looking at: ${shown}, "${status}".`, [`"Open in CRM" links to ${openInCrm ?? '(no link)'}`]);
  // The relay looks the caller up in the CRM (the Vtiger simulator) and pushes who it found.
  const name = popup.locator('[data-pc-contact]');
  await name.waitFor({ timeout: DEADLINE_MS });
  const company = await popup.locator('[data-pc-field="company"]').textContent();
  const record = await popup.locator('[data-pc-action="open-record"]').getAttribute('href');
  transcript.note(`The popup names the caller, as the relay found them in the CRM: ${await name.textContent()}${company ? ` (${company})` : ''}.`, [`"Open record" links to ${record ?? '(no link)'}`]);
  const notes = 'Wants two more warehouses on the plan; send a quote by Friday.';
  await popup.getByLabel('Call notes').fill(notes);
  await popup.getByRole('button', { name: 'Save notes' }).click();
  await popup.locator('.pc-saved').waitFor({ timeout: DEADLINE_MS });
  transcript.note(`Typed notes in the popup and saved them: "${notes}"`);
  await statusShown(page, 'In progress');
  await shot('04-incoming-call.png');
  transcript.note('The popup says "In progress": you picked up.', ['-> 04-incoming-call.png']);

  await call.done;
  await world.hangUp(call);
  await statusShown(page, 'Ended');
  transcript.note("Webhooks Twilio sent to the relay and the relay's answers:", webhookLines(call));
  transcript.note('The TwiML the relay answered to the incoming call, ringing the agents it routed the call to:', [twimlOf(call)]);
  transcript.note(`Statuses the popup showed, in order: ${(await seenStatuses(page)).join(' -> ')}.`);
  return { call, popup, openInCrm };
}

/** After the call: the popup's wrap-up (an outcome from the CRM's list), and the call as the CRM now holds it. */
async function wrapUp({ world, transcript, shot }: Scene, { call, popup }: IncomingCall): Promise<void> {
  transcript.section('4. Wrap-up, and the call in the CRM');
  const outcome = popup.locator('select[data-pc-field="disposition"]');
  await outcome.waitFor({ timeout: DEADLINE_MS });
  const offered = (await outcome.locator('option').allTextContents()).slice(1);
  await outcome.selectOption('Connected');
  await popup.getByRole('button', { name: 'Save notes' }).click();
  await popup.locator('.pc-saved').waitFor({ timeout: DEADLINE_MS });
  transcript.note('The call ended; the popup stayed for the wrap-up. Picked the outcome "Connected" and saved it with the notes.', [`Outcomes offered (the connector's dispositions): ${offered.join(', ')}`]);

  const marker = `[relay-call:${call.sid}]`;
  const logged = () => world.vtiger.activities().filter((a) => String(a.fields.description).includes(marker));
  await waitFor(() => String(logged()[0]?.fields.description ?? '').includes('Disposition: Connected'), DEADLINE_MS, 'the disposition on the CRM record');
  const log = popup.locator('[data-pc-crm-log="logged"]');
  await log.waitFor({ timeout: DEADLINE_MS });
  await shot('05-wrap-up.png');
  transcript.note(`The popup says "${(await log.textContent())?.trim()}"; "Open log" links to ${await log.locator('[data-pc-action="open-log"]').getAttribute('href')}`, ['-> 05-wrap-up.png']);

  const [activity] = logged();
  const fields = activity!.fields;
  const contact = world.vtiger.contacts().find((c) => c.id === fields.contact_id);
  transcript.note(`Vtiger (simulated) holds the call as one Events record, ${activity!.id}, created once and updated ${activity!.updates} time(s):`, [
    ...['subject', 'activitytype', 'eventstatus', 'date_start', 'time_start', 'time_end', 'duration_minutes'].map((name) => `${name}: ${String(fields[name])}`),
    `contact_id: ${String(fields.contact_id)} (${contact?.name ?? 'no contact'})`,
    `assigned_user_id: ${String(fields.assigned_user_id)}${fields.assigned_user_id === world.vtiger.userId(AGENT_EMAIL) ? " (the agent's own Vtiger user, found by her e-mail)" : " (the connector's user: no Vtiger user has the agent's e-mail)"}`,
    ...String(fields.description).split('\n').map((line) => `description | ${line}`),
  ]);
  transcript.note("The relay's requests to Vtiger's webservice so far (the extension never calls the CRM):", world.vtiger.requests.map(vtigerOperation));
}

async function readCallLog({ world, page, transcript, output }: Scene, openInCrm: string | null): Promise<void> {
  transcript.section('5. The call log');
  const toolbar = await openToolbar(world, 400);
  const recent = toolbar.getByTestId('recent-calls').locator('li');
  await waitFor(async () => (await recent.count()) >= 2, DEADLINE_MS, 'two calls in the toolbar popup');
  await toolbar.locator('main').screenshot({ path: join(output, '06-call-log.png') });
  const rows = (await recent.allInnerTexts()).map((row) => row.replace(/\s+/g, ' ').trim());
  transcript.note('The toolbar popup (chrome-extension://…/popup.html) lists the recent calls it read from the relay:', [...rows.map((row) => `| ${row}`), '-> 06-call-log.png']);
  // A line opens to what the page's popup offered, for after the page is gone.
  const incoming = recent.filter({ hasText: '↙' }).first();
  await incoming.locator('.recent-toggle').click();
  await incoming.locator('[data-pc-crm-log="logged"]').waitFor({ timeout: DEADLINE_MS });
  const notes = await incoming.getByLabel('Call notes').inputValue();
  const outcome = await incoming.locator('select[data-pc-field="disposition"]').inputValue().catch(() => '');
  await toolbar.locator('main').screenshot({ path: join(output, '07-recent-call.png') });
  transcript.note('Opened, the incoming call shows its contact, Call back and its wrap-up, editable there after the CRM tab is gone:', [
    `| ${(await incoming.locator('[data-pc-contact]').innerText()) || 'no contact'}; outcome "${outcome}"; notes "${notes}"; ${await incoming.locator('[data-pc-crm-log]').innerText()}`,
    '-> 07-recent-call.png',
  ]);
  await toolbar.close();

  const log = await api<{ calls: Array<{ direction: string; from_number: string; to_number: string; status: string; duration: number | null; notes: string | null }> }>(world.relay, world.agent.token, 'GET', '/calls');
  transcript.note(
    `The relay's call log (GET /api/v1/calls, stored in SQLite) has ${log.body.calls.length} calls:`,
    log.body.calls.map((c) => `| ${c.direction} ${c.from_number} -> ${c.to_number}, ${c.status}, ${c.duration ?? '?'} s${c.notes ? `, notes: "${c.notes}"` : ''}`),
  );
  if (openInCrm) {
    await page.goto(openInCrm);
    // Acme CRM renders the results from script once its contacts have loaded, after the page has.
    await page.getByRole('heading', { name: 'Search results' }).waitFor({ timeout: DEADLINE_MS });
    const found = await page.locator('table.contacts tbody tr .person strong').allInnerTexts();
    transcript.note(`"Open in CRM" opens the CRM's search for the caller's number, which finds: ${found.length ? found.join(', ') : 'nobody'}.`);
  }
}

/** A customer calls when nobody can answer: Twilio says the greeting, records a message, and the toolbar's missed calls link it. */
async function leaveVoicemail({ world, contacts, transcript, output }: Scene): Promise<void> {
  transcript.section('6. A call nobody takes: voicemail');
  const caller = contacts[2]!;
  const number = caller.phones[0]!;
  const call = world.ring(number.e164, { dial: { answer: false, status: 'no-answer', message: 23 } });
  transcript.note(`${caller.name} (${number.display}) calls; nobody picks up.`);
  await call.done;
  transcript.note("The relay's answer to Twilio's <Dial action> (DialCallStatus=no-answer): the greeting set in Options, then a recording of the caller's message:", [twimlOf(call, 'dial-action')]);
  const [message] = call.recordings;
  transcript.note(`Twilio said "${call.said.join(' ')}" and recorded ${message ? `${message.seconds} s: ${message.url}` : 'nothing'}; its recording status callback gave the missed call that file, which the relay serves at a link of its own (fetched with the account's credentials, which the agent never sees).`, webhookLines(call));

  const toolbar = await openToolbar(world, 400);
  const link = toolbar.getByTestId('missed-calls').locator('[data-pc-action="voicemail"]');
  await link.waitFor({ timeout: DEADLINE_MS });
  const row = link.locator('xpath=ancestor::li');
  await toolbar.locator('main').screenshot({ path: join(output, '08-voicemail.png') });
  const href = (await link.getAttribute('href'))!;
  const played = await fetch(href);
  const audio = await played.arrayBuffer();
  transcript.note('The toolbar popup lists the missed call with its message:', [`| ${(await row.innerText()).replace(/\s+/g, ' ').trim()}`, `"${await link.innerText()}" links to ${href}`, `opened: HTTP ${played.status}, ${played.headers.get('content-type')}, ${audio.byteLength} bytes`, '-> 08-voicemail.png']);
  await toolbar.close();

  const marker = `[relay-call:${call.sid}]`;
  await waitFor(() => world.vtiger.activities().some((a) => String(a.fields.description).includes(marker) && String(a.fields.description).includes('Recording: ')), DEADLINE_MS, "the voicemail's link on the CRM record");
  const logged = world.vtiger.activities().find((a) => String(a.fields.description).includes(marker))!;
  transcript.note(`Vtiger holds the missed call as ${logged.id}, its description:`, String(logged.fields.description).split('\n').map((line) => `description | ${line}`));
}

/**
 * The agent is away, and the connector sends callers to voicemail then (the tick box in Options):
 * the call rings no phone and pops up nowhere; the caller leaves a message at once, and the
 * toolbar lists the call missed, "everyone away", with its message.
 */
async function awayToVoicemail({ world, contacts, transcript, output }: Scene): Promise<void> {
  transcript.section('7. Away: straight to voicemail');
  const away = await api(world.relay, world.agent.token, 'PATCH', '/me', { away: true });
  if (away.status !== 200) throw new Error(`the relay refused the switch to away (${away.status})`);
  transcript.note('The agent switches to Away (PATCH /me {away: true}, as the toolbar\'s switch does); Options has "While every agent is away, callers go straight to voicemail" ticked.');
  const caller = contacts[3]!;
  const number = caller.phones[0]!;
  const call = world.ring(number.e164, { dial: { answer: false, status: 'no-answer', message: 12 } });
  transcript.note(`${caller.name} (${number.display}) calls.`);
  await call.done;
  transcript.note("The relay's answer to the incoming call rings no phone: the greeting, then the caller's message (@agents_away is set: every agent the call reaches is away):", [twimlOf(call)]);

  const { toolbar, row } = await missedCallMarked(world, 480, 'all-away');
  const hint = toolbar.locator('[data-pc-field="presence-hint"]');
  await waitFor(async () => (await hint.innerText()).includes('voicemail'), DEADLINE_MS, "the switch's words about voicemail");
  await toolbar.locator('main').screenshot({ path: join(output, '09-away-voicemail.png') });
  transcript.note('The toolbar popup: the switch, and the missed call, which never rang nor popped up:', [`| ${(await toolbar.locator('[data-pc-field="presence"] .row').innerText()).replace(/\s+/g, ' ').trim()}`, `| ${(await row.innerText()).replace(/\s+/g, ' ').trim()}`, '-> 09-away-voicemail.png']);
  await toolbar.close();
  await api(world.relay, world.agent.token, 'PATCH', '/me', { away: false });
}

/**
 * The number's opening hours, set in Options > Opening hours: closed every day, so whenever the
 * demo runs, a call rings no phone though the agent is available; the toolbar says the number is
 * closed, and lists the call missed, "after hours", with its message. The hours are then removed.
 */
async function afterHours({ world, contacts, transcript, output }: Scene): Promise<void> {
  transcript.section('8. Outside the opening hours');
  const options = await world.browser.context.newPage();
  await options.goto(`chrome-extension://${world.browser.extensionId}/options.html`);
  const section = options.getByTestId('hours-section');
  const enabled = section.getByLabel('Calls ring the agents only during these hours');
  const save = async (saved: string) => {
    await section.getByRole('button', { name: 'Save opening hours' }).click();
    const message = section.getByTestId('hours-message');
    await waitFor(async () => (await message.innerText()) === saved, DEADLINE_MS, `"${saved}" in Options > Opening hours`);
  };
  await enabled.check();
  for (const day of ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday']) await section.getByLabel(day, { exact: true }).fill('');
  await save('Saved: outside these hours callers go to voicemail.');
  transcript.note(`Options > Opening hours: "Calls ring the agents only during these hours" ticked, every day blank (closed). It says: "${await section.locator('[data-pc-field="hours-now"]').innerText()}"`);
  const caller = contacts[4]!;
  const number = caller.phones[0]!;
  const call = world.ring(number.e164, { dial: { answer: false, status: 'no-answer', message: 9 } });
  transcript.note(`${caller.name} (${number.display}) calls; the agent is available.`);
  await call.done;
  transcript.note("The relay's answer rings no phone (outside the hours, every agent counts as away):", [twimlOf(call)]);

  const { toolbar, row } = await missedCallMarked(world, 420, 'after-hours');
  const closed = toolbar.locator('[data-pc-field="closed"]');
  await toolbar.locator('main').screenshot({ path: join(output, '10-after-hours.png') });
  transcript.note('The toolbar popup: the number closed, and the missed call, which never rang nor popped up:', [`| ${(await closed.innerText()).trim()}`, `| ${(await row.innerText()).replace(/\s+/g, ' ').trim()}`, '-> 10-after-hours.png']);
  await toolbar.close();
  await enabled.uncheck();
  await save('Saved: calls ring the agents at all hours.');
  await options.close();
}

/**
 * The toolbar popup once it lists a missed call that rang no phone, marked with `mark` (its
 * `data-pc-field`: why), with its voicemail link: the popup, and the call's row.
 */
async function missedCallMarked(world: DemoWorld, height: number, mark: 'all-away' | 'after-hours'): Promise<{ toolbar: Page; row: Locator }> {
  const toolbar = await openToolbar(world, height);
  const marked = toolbar.getByTestId('missed-calls').locator(`[data-pc-field="${mark}"]`);
  await marked.waitFor({ timeout: DEADLINE_MS });
  const row = marked.locator('xpath=ancestor::li');
  await row.locator('[data-pc-action="voicemail"]').waitFor({ timeout: DEADLINE_MS });
  return { toolbar, row };
}

/** The extension's toolbar popup in a page of its own, as wide as Chromium shows it and `height` tall. */
async function openToolbar(world: DemoWorld, height: number): Promise<Page> {
  const toolbar = await world.browser.context.newPage();
  await toolbar.setViewportSize({ width: 344, height });
  await toolbar.goto(`chrome-extension://${world.browser.extensionId}/popup.html`);
  return toolbar;
}

/**
 * A request to Vtiger's webservice as its operation and what it worked on, read from the query
 * or the form body (where Vtiger reads them): never the session id or the login's key.
 */
function vtigerOperation(request: RecordedCrmRequest): string {
  const params = new URLSearchParams([...new URLSearchParams(request.url.split('?')[1] ?? ''), ...new URLSearchParams(request.body)]);
  const query = /\bFROM (\w+)/.exec(params.get('query') ?? '')?.[1];
  const on = params.get('elementType') ?? query ?? '';
  return `${request.method} ${params.get('operation') ?? '(no operation)'}${on ? ` ${on}` : ''} -> ${request.status}`;
}

/** Every request the extension's service worker sends to the simulator or the relay's API. */
function recordExtensionRequests(world: DemoWorld): ExtensionRequest[] {
  const seen: ExtensionRequest[] = [];
  world.browser.context.on('requestfinished', (request) => {
    const url = request.url();
    if (!request.serviceWorker() || !(url.startsWith(world.twilio.baseUrl) || url.startsWith(`${world.relay.url}/api/`))) return;
    void (async () => {
      const response = await request.response();
      const body = (await response?.text().catch(() => '')) ?? '';
      seen.push({ method: request.method(), url, headers: await request.allHeaders(), body: request.postData(), status: response?.status() ?? 0, response: body });
    })().catch(() => undefined); // the browser closed meanwhile: the demo is stopping
  });
  return seen;
}

async function nextRequest(requests: ExtensionRequest[], match: (request: ExtensionRequest) => boolean, what: string): Promise<ExtensionRequest> {
  await waitFor(() => requests.some(match), DEADLINE_MS, what);
  return requests.find(match)!;
}

/**
 * Keeps, in the page, every status text the cards `selector` finds show (the progress cards, or
 * the incoming popups: a late event of the call placed before may bring its ended card to this
 * page too), so the whole sequence can be read afterwards. A string, not a function: tsx's
 * name-keeping helpers do not exist in the page.
 */
const recordCardStatuses = (selector: '[data-pc-progress]' | '[data-pc-popup]') => `(() => {
  window.__pcStatuses = [];
  const watched = new WeakSet();
  const watch = () => {
    for (const host of document.querySelectorAll(${JSON.stringify(selector)})) {
      if (watched.has(host) || !host.shadowRoot) continue;
      watched.add(host);
      const push = () => {
        const text = host.shadowRoot.querySelector('[data-pc-field="status"]')?.textContent;
        if (text && window.__pcStatuses.at(-1) !== text) window.__pcStatuses.push(text);
      };
      push();
      new MutationObserver(push).observe(host.shadowRoot, { subtree: true, childList: true, characterData: true });
    }
  };
  new MutationObserver(watch).observe(document.documentElement, { subtree: true, childList: true });
})()`;

function seenStatuses(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __pcStatuses: string[] }).__pcStatuses);
}

/**
 * Waits until the cards recorded have shown `text`, read from what `recordCardStatuses` kept:
 * a status that lasts a moment cannot pass unseen while the machine is busy.
 */
function statusShown(page: Page, text: string): Promise<void> {
  return waitFor(async () => (await seenStatuses(page)).includes(text), DEADLINE_MS, `the status "${text}"`);
}

function webhookLines(call: SimulatedCall): string[] {
  const names: Record<Exchange['kind'], string> = { voice: 'voice URL', status: 'status callback', 'dial-action': '<Dial action>', 'number-status': '<Number> status callback', 'record-action': '<Record action>', 'recording-status': 'recording status callback', screen: '<Number url>', 'screen-action': "the <Number url>'s <Gather action>" };
  return call.exchanges.map((exchange) => {
    const dial = exchange.params.DialCallStatus ? `, DialCallStatus=${exchange.params.DialCallStatus}` : '';
    const path = redactHookSecrets(new URL(exchange.url).pathname);
    // A recording's status callback tells the recording's status, not the call's.
    const status = exchange.params.CallStatus !== undefined ? `CallStatus=${exchange.params.CallStatus}` : `RecordingStatus=${exchange.params.RecordingStatus}`;
    return `${exchange.method} ${path}  (${names[exchange.kind]}, ${status}${dial}) -> ${exchange.status || exchange.body}`;
  });
}

/** The TwiML the relay answered to the call's voice URL. */
/** The TwiML the relay answered to the call's first webhook of `kind` (its voice URL by default), the hooks' secrets masked. */
function twimlOf(call: SimulatedCall, kind: Exchange['kind'] = 'voice'): string {
  const exchange = call.exchanges.find((e) => e.kind === kind);
  return exchange ? redactHookSecrets(exchange.body.trim()) : '(none)';
}

function summariseCreatedCall(body: string): string {
  try {
    const created = JSON.parse(body) as { sid?: string; status?: string };
    return `sid ${created.sid}, status ${created.status}`;
  } catch {
    return body.slice(0, 200);
  }
}
