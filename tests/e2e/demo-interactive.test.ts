import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { loadContacts } from '../../scripts/demo/contacts.ts';
import { startDemoWorld } from '../../scripts/demo/demo-world.ts';
import { runInteractive } from '../../scripts/demo/interactive.ts';
import { Teardown } from '../../scripts/demo/teardown.ts';
import { api, tempDir } from '../relay/harness.ts';
import { AGENT_NUMBER, DEADLINE_MS, waitFor } from './harness/world.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * `pnpm demo` with a display: the same world in a visible window, driven from the terminal. Here
 * the window is headless and the terminal a stream the test types into, line by line.
 */
describe('the interactive demo', () => {
  it('takes its commands: a caller rings, away and closed send the next ones to voicemail, the call log, quit', async () => {
    const output = tempDir('pc-demo-interactive-');
    const teardown = new Teardown(() => undefined);
    const stopping = new AbortController();
    cleanups.push(async () => output.remove(), () => teardown.run(), async () => stopping.abort());
    const world = await startDemoWorld({ output: output.path, headless: true, pauseMs: 0, signal: stopping.signal, teardown, log: () => undefined });
    const contacts = loadContacts();
    const said: string[] = [];
    const input = new PassThrough();
    const running = runInteractive(world, contacts, stopping.signal, (message) => said.push(...message.split('\n')), input);
    const saysSo = (pattern: RegExp) => waitFor(() => said.some((line) => pattern.test(line)), DEADLINE_MS, `the demo to say ${pattern}`);
    const type = (command: string) => input.write(`${command}\n`);
    /** `i`: the next caller rings the Twilio number; resolves with whom the relay's answer rang. */
    const incoming = async () => {
      const before = world.twilio.calls.size;
      type('i');
      await waitFor(() => world.twilio.calls.size === before + 1, DEADLINE_MS, 'the call at the Twilio simulator');
      const call = [...world.twilio.calls.values()].at(-1)!;
      await call.done;
      return call.dialed;
    };
    const me = async () => (await api<{ away_since: string | null }>(world.relay, world.agent.token, 'GET', '/me')).body;
    const number = async () => (await api<{ hours: object | null; open_now: { open: boolean } | null }>(world.relay, world.agent.token, 'GET', '/instances/default')).body;
    await saysSo(/^Commands: /);

    const [first, second, third] = contacts.slice(1);
    expect(await incoming()).toEqual([AGENT_NUMBER]);
    await saysSo(new RegExp(`^  ${first!.name} \\(.*\\) is calling…$`));
    // The narrator follows the relay's events for the call, naming the caller from the demo's contacts.
    await saysSo(new RegExp(`^  ↙ from ${first!.name} \\+\\d+: completed`));

    type('a');
    await saysSo(/^ {2}You are away: the team's calls go straight to voicemail/);
    expect((await me()).away_since).not.toBeNull();
    expect(await incoming()).toEqual([]);
    await saysSo(new RegExp(`^  ${second!.name} \\(`));
    type('a');
    await saysSo(/^ {2}You are available again/);
    expect((await me()).away_since).toBeNull();

    type('h');
    await saysSo(/^ {2}The number is closed/);
    expect((await number()).open_now).toEqual({ open: false, until: null });
    expect(await incoming()).toEqual([]);
    await saysSo(new RegExp(`^  ${third!.name} \\(`));
    type('h');
    await saysSo(/^ {2}The number is open at all hours again/);
    expect(await number()).toMatchObject({ hours: null, open_now: null });
    // The number kept its setup: the next caller rings the agent again, through the same connector.
    expect(await incoming()).toEqual([AGENT_NUMBER]);

    type('l');
    await waitFor(() => said.filter((line) => line.startsWith('  ↙ +')).length === 4, DEADLINE_MS, 'the call log, four calls');
    type('what');
    await saysSo(/^ {2}Commands: i = incoming call, v = voicemail, a = away \/ available, h = closed \/ open, l = call log, q = quit$/);
    type('q');
    await running;
  }, 4 * DEADLINE_MS);
});
