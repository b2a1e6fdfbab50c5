/**
 * `pnpm demo` / `npm run demo`: Phone Connector working on one machine, without a Twilio
 * account or a CRM. The relay, the extension and Chromium are the real ones; Twilio and the
 * CRM are stand-ins (docs/demo.md). With a display it opens a window to click around in;
 * without one (or with --headless) it plays the whole story and writes screenshots and a
 * transcript to demo-output/ (or $PC_DEMO_OUTPUT). Ctrl-C stops everything it started;
 * a second Ctrl-C stops at once.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { constants } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { buildExtensionForTests } from '../../tests/e2e/harness/extension.ts';
import { REPO_ROOT } from '../../tests/relay/harness.ts';
import { ensureChromium } from '../ensure-chromium.ts';
import { loadContacts } from './contacts.ts';
import { type DemoWorld, startDemoWorld } from './demo-world.ts';
import { runInteractive } from './interactive.ts';
import { runStory, SCREENSHOTS } from './story.ts';
import { Teardown } from './teardown.ts';
import { Transcript } from './transcript.ts';

const headless = process.argv.includes('--headless') || !(process.env.DISPLAY || process.env.WAYLAND_DISPLAY);
const output = resolve(process.env.PC_DEMO_OUTPUT ?? join(REPO_ROOT, 'demo-output'));
const log = (message: string) => console.log(message);

/**
 * Wrappers (npm, pnpm, tsx's CLI) pass a Ctrl-C on to us although the terminal already sent
 * it to us: a copy arriving this soon after the first is the same keypress, not a second one.
 */
const SAME_KEYPRESS_MS = 500;
const stopping = new AbortController();
let interrupted: { signal: NodeJS.Signals; at: number } | undefined;
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(name, () => {
    if (interrupted && Date.now() - interrupted.at < SAME_KEYPRESS_MS) return;
    if (interrupted) {
      console.error('Stopping now.');
      process.exit(128 + constants.signals[name]);
    }
    interrupted = { signal: name, at: Date.now() };
    console.log('\nStopping the demo… (Ctrl-C again to stop at once)');
    stopping.abort();
  });
}

const teardown = new Teardown((message) => console.error(`  ${message}`));
let starting: Promise<DemoWorld> | undefined;
let transcript: Transcript | undefined;
let failure: unknown;
await Promise.race([run().catch((error: unknown) => (failure = error)), new Promise((done) => stopping.signal.addEventListener('abort', done))]);
stopping.abort();
await teardown.run();
// After Ctrl-C, start-up may still be launching something: it is stopped as soon as it registers.
await starting?.catch(() => undefined);
await teardown.run();
transcript?.save();

if (interrupted) {
  console.log('Stopped; nothing of the demo is left running.');
  process.exit(128 + constants.signals[interrupted.signal]);
}
if (failure) {
  console.error(`\nThe demo failed: ${(failure as Error).message ?? String(failure)}`);
  if (transcript) console.error(`What happened until then: ${shortPath(transcript.path)}; the relay's log: ${shortPath(join(output, 'relay.log'))}`);
  process.exit(1);
}
if (transcript) {
  log(`\nDone. Screenshots in ${shortPath(output)}: ${SCREENSHOTS.join(', ')}`);
  log(`Transcript: ${shortPath(transcript.path)}`);
} else log('Stopped; nothing of the demo is left running.');
process.exit(0);

async function run(): Promise<void> {
  log(`Phone Connector demo (${headless ? 'headless: the whole story, screenshots and a transcript' : 'in a Chromium window'})`);
  prepareOutput();
  ensureChromium({ log });
  log('Building the extension (the demo build also lets it reach 127.0.0.1 without a permission prompt)…');
  buildExtensionForTests();
  stopping.signal.throwIfAborted();
  const pauseMs = headless ? 1500 : 2500;
  starting = startDemoWorld({ output, headless, pauseMs, signal: stopping.signal, teardown, log });
  const world = await starting;
  const contacts = loadContacts();
  if (!headless) return runInteractive(world, contacts, stopping.signal, log);

  log('');
  transcript = new Transcript(
    join(output, 'transcript.txt'),
    [
      'Phone Connector demo: transcript',
      `${new Date().toString()}`,
      '',
      `Real: the relay (${world.relay.url}, SQLite at ${join(output, 'relay.db')}), the extension built from extension/, Chromium.`,
      `Simulated: the CRM "Acme CRM" (${world.site.url}) and Twilio (${world.twilio.baseUrl}). On their way from the simulator to`,
      `the relay, webhooks are held ${pauseMs / 1000} s each, so statuses last long enough to be seen. No request left this machine.`,
    ],
    log,
  );
  await runStory({ world, contacts, output, transcript });
}

/** Relative to where the demo was started from when inside it, else absolute. */
function shortPath(path: string): string {
  const inside = relative(process.cwd(), path);
  return inside && !inside.startsWith('..') ? inside : path;
}

/** A fresh database each run; earlier screenshots and transcript go too, nothing else. */
function prepareOutput(): void {
  mkdirSync(output, { recursive: true });
  for (const name of ['relay.db', 'relay.db-wal', 'relay.db-shm', 'relay.log', 'transcript.txt', ...SCREENSHOTS]) rmSync(join(output, name), { force: true });
}
