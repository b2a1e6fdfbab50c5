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
 * a few keyboard commands. Resolves on `q`, when the window is closed, or when `signal` aborts.
 */
export async function runInteractive(world: DemoWorld, contacts: Contact[], signal: AbortSignal, log: (message: string) => void): Promise<void> {
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

Commands:  i + Enter  incoming call    v + Enter  voicemail    l + Enter  call log    q + Enter (or Ctrl-C)  quit
`);

  // Line mode, not raw: Ctrl-C stays a signal for every process of the demo.
  const input = createInterface({ input: process.stdin, terminal: false });
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
      input.on('line', (line) => {
        const command = line.trim().toLowerCase();
        if (command === 'q') finish();
        else if (command === 'i' || command === 'v') {
          const caller = callers[nextCaller++ % callers.length]!;
          world.ring(caller.phones[0]!.e164, command === 'v' ? { dial: { answer: false, status: 'no-answer', message: 23 } } : {});
          log(`  ${caller.name} (${caller.phones[0]!.display}) is calling${command === 'v' ? ': nobody answers, and a message is left' : ''}…`);
        } else if (command === 'l') void printCallLog(world, contacts, log);
        else if (command) log('  Commands: i = incoming call, v = voicemail, l = call log, q = quit');
      });
    });
  } finally {
    input.close();
    await narrator.close();
  }
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
