import { createInterface } from 'node:readline';
import { TWILIO_NUMBER } from '../../tests/e2e/harness/world.ts';
import { AgentClient, api } from '../../tests/relay/harness.ts';
import { type Contact, contactByNumber } from './contacts.ts';
import type { DemoWorld } from './demo-world.ts';

interface CallMessage {
  type: string;
  call?: { id: number; direction: string | null; status: string | null; from_number: string | null; to_number: string | null; duration: number | null; notes: string | null };
}

/**
 * With a display: the demo CRM in a visible Chromium window (the extension's Options in a
 * second tab), what to try printed here, the relay's call events narrated as they arrive, and
 * a few keyboard commands read from `input` (the terminal). Resolves on `q`, when the window is
 * closed, or when `signal` aborts.
 */
export async function runInteractive(world: DemoWorld, contacts: Contact[], signal: AbortSignal, log: (message: string) => void, input: NodeJS.ReadableStream = process.stdin): Promise<void> {
  const { context, extensionId } = world.browser;
  const crm = context.pages()[0] ?? (await context.newPage());
  await crm.goto(`${world.site.url}/`);
  const options = await context.newPage();
  await options.goto(`chrome-extension://${extensionId}/options.html`);
  await crm.bringToFront();

  // The agent's own relay events, on a second connection, so the terminal tells the story too.
  const narrator = await AgentClient.connect(world.relay, world.agent.token);
  const shown = new Map<number, string>();
  narrator.ws.on('message', (data) => {
    const { call } = JSON.parse(data.toString()) as CallMessage;
    if (!call?.status || shown.get(call.id) === call.status) return;
    shown.set(call.id, call.status);
    const other = call.direction === 'inbound' ? call.from_number : call.to_number;
    const who = contactByNumber(contacts, other)?.name;
    log(`  ${call.direction === 'inbound' ? '↙ from' : '↗ to'} ${who ? `${who} ` : ''}${other ?? 'unknown'}: ${call.status}${call.duration ? `, ${call.duration} s` : ''}`);
  });

  const example = contacts[0]!;
  const callers = contacts.slice(1);
  let nextCaller = 0;
  log(`
The demo is running in the Chromium window. Real: the relay, the extension, Chromium.
Simulated: Acme CRM and Twilio (the banner on every CRM page says so).

Try it:
  1. In Acme CRM, click the green phone button next to a number, e.g. ${example.name}'s ${example.phones[0]!.display}.
     Your phone (simulated) rings, then the customer's; the card at the bottom right follows the call.
  2. Type  i  and Enter here: ${callers[0]!.name} calls your Twilio number ${TWILIO_NUMBER} and the call pops up
     in the CRM tab. Type notes in the popup and save them; "Open in CRM" finds the caller.
  3. Recent calls: the extension's toolbar popup (puzzle-piece icon > Phone Connector), or  l  and Enter here.
     The second tab is the extension's Options page, filled in as an agent would.
  4. Type  v  and Enter here: a caller nobody answers hears the voicemail greeting set in Options and leaves
     a message; the toolbar popup's missed calls link it.
  5. Type  a  and Enter here: you are away (as the toolbar popup's switch says it), so the next caller ( i )
     goes straight to voicemail and no phone rings;  a  again: available. Or  h : the number closes, as
     Options > Opening hours would have it, and callers go to voicemail;  h  again: open at all hours.

Commands:  i  incoming call   v  voicemail   a  away / available   h  closed / open   l  call log   q  quit (or Ctrl-C)
`);

  // Line mode, not raw: Ctrl-C stays a signal for every process of the demo.
  const lines = createInterface({ input, terminal: false });
  try {
    await new Promise<void>((resolve) => {
      let done = false;
      const finish = (reason?: string) => {
        if (done) return;
        done = true;
        if (reason) log(reason);
        resolve();
      };
      signal.addEventListener('abort', () => finish());
      context.on('close', () => finish('The Chromium window was closed.'));
      lines.on('line', (line) => {
        const command = line.trim().toLowerCase();
        if (command === 'q') finish();
        else if (command === 'i' || command === 'v') {
          const caller = callers[nextCaller++ % callers.length]!;
          world.ring(caller.phones[0]!.e164, command === 'v' ? { dial: { answer: false, status: 'no-answer', message: 23 } } : {});
          log(`  ${caller.name} (${caller.phones[0]!.display}) is calling${command === 'v' ? ': nobody answers, and a message is left' : ''}…`);
        } else if (command === 'a') void switchAway(world).then(log, (error: Error) => log(`  ${error.message}`));
        else if (command === 'h') void switchHours(world).then(log, (error: Error) => log(`  ${error.message}`));
        else if (command === 'l') void printCallLog(world, contacts, log);
        else if (command) log('  Commands: i = incoming call, v = voicemail, a = away / available, h = closed / open, l = call log, q = quit');
      });
    });
  } finally {
    lines.close();
    await narrator.close();
  }
}

/** `a`: the agent's presence switched, as the toolbar popup's switch does (PATCH /me). */
async function switchAway(world: DemoWorld): Promise<string> {
  const me = await api<{ away_since: string | null }>(world.relay, world.agent.token, 'GET', '/me');
  const away = me.body.away_since === null;
  const switched = await api(world.relay, world.agent.token, 'PATCH', '/me', { away });
  if (switched.status !== 200) throw new Error(`The relay refused the switch (${switched.status}).`);
  return away ? "  You are away: the team's calls go straight to voicemail, no phone rings (try  i ).  a  again: available." : '  You are available again: calls ring your phone.';
}

/** `h`: the number closed every day, or open at all hours again, as Options > Opening hours saves them (PUT /instances/:id {hours}). */
async function switchHours(world: DemoWorld): Promise<string> {
  const read = await api<{ config: Record<string, string>; hours: object | null }>(world.relay, world.agent.token, 'GET', '/instances/default');
  if (read.status !== 200) throw new Error(`The relay answered ${read.status} for the number's setup.`);
  const closing = read.body.hours === null;
  const hours = closing ? { time_zone: Intl.DateTimeFormat().resolvedOptions().timeZone, week: {} } : null;
  // Its config as read: the masked secrets sent back unchanged keep their stored values; its CRM, left out, stays.
  const saved = await api(world.relay, world.agent.token, 'PUT', '/instances/default', { xml: world.providerXml, config: read.body.config, hours });
  if (saved.status !== 200) throw new Error(`The relay refused the opening hours (${saved.status}).`);
  return closing ? '  The number is closed (every day, in Options > Opening hours): callers go to voicemail (try  i ).  h  again: open.' : '  The number is open at all hours again.';
}

async function printCallLog(world: DemoWorld, contacts: Contact[], log: (message: string) => void): Promise<void> {
  const answer = await api<{ calls: NonNullable<CallMessage['call']>[] }>(world.relay, world.agent.token, 'GET', '/calls?limit=10');
  if (answer.status !== 200) return log(`  The relay answered ${answer.status} for the call log.`);
  if (answer.body.calls.length === 0) return log('  No calls yet.');
  for (const call of answer.body.calls) {
    const other = call.direction === 'inbound' ? call.from_number : call.to_number;
    const who = contactByNumber(contacts, other)?.name ?? '';
    log(`  ${call.direction === 'inbound' ? '↙' : '↗'} ${(other ?? 'unknown').padEnd(16)} ${who.padEnd(18)} ${call.status ?? ''}${call.duration ? ` · ${call.duration} s` : ''}${call.notes ? ` · “${call.notes}”` : ''}`);
  }
}
