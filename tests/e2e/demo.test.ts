import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SCREENSHOTS } from '../../scripts/demo/story.ts';
import { REPO_ROOT, tempDir } from '../relay/harness.ts';
import { ACCOUNT_SID, AUTH_TOKEN } from './harness/world.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/**
 * A whole demo run: an extension build, then the story with its webhooks held 1.5 s each.
 * About a minute on an idle 2-core machine; sized for a busy one.
 */
const DEMO_RUN_MS = 300_000;

/** `pnpm demo` as a newcomer runs it, on a machine without a display, writing to a temporary folder. */
interface DemoRun {
  child: ChildProcess;
  output: string;
  lines: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process that was a descendant of the demo at some point: pid -> command line. */
  descendants: Map<number, string>;
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string>;
}

const runs: Array<{ run: DemoRun; removeOutput(): void }> = [];
afterEach(async () => {
  for (const { run, removeOutput } of runs.splice(0)) {
    if (run.child.exitCode === null && run.child.signalCode === null) run.child.kill('SIGKILL');
    await run.exited;
    removeOutput();
  }
});

function startDemo(): DemoRun {
  const output = tempDir('pc-demo-');
  const env: Record<string, string | undefined> = { ...process.env, PC_DEMO_OUTPUT: output.path };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  // The same command as the root package.json's "demo" script (dependencies are installed here).
  const child = spawn(process.execPath, ['--import', 'tsx', join('scripts', 'demo', 'main.ts')], { cwd: REPO_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  for (const stream of [child.stdout!, child.stderr!]) {
    stream.setEncoding('utf8');
    let pending = '';
    stream.on('data', (chunk: string) => {
      pending += chunk;
      const complete = pending.split('\n');
      pending = complete.pop()!;
      lines.push(...complete);
      for (const listener of listeners) listener();
    });
  }
  const descendants = new Map<number, string>();
  const watch = setInterval(() => {
    for (const [pid, command] of descendantsOf(child.pid!)) descendants.set(pid, command);
  }, 200);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      clearInterval(watch);
      resolve({ code, signal });
    }),
  );
  const run: DemoRun = {
    child,
    output: output.path,
    lines,
    exited,
    descendants,
    waitForLine: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = lines.find((l) => pattern.test(l));
          if (!line) return;
          listeners.delete(check);
          clearTimeout(timer);
          resolve(line);
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
  };
  runs.push({ run, removeOutput: output.remove });
  return run;
}

/** The demo's process tree right now, from /proc (Linux, where the end-to-end tests run). */
function descendantsOf(root: number): Map<number, string> {
  const children = new Map<number, number[]>();
  const commands = new Map<number, string>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = processInfo(Number(entry));
    if (!info || info.state === 'Z') continue;
    commands.set(Number(entry), info.command);
    children.set(info.ppid, [...(children.get(info.ppid) ?? []), Number(entry)]);
  }
  const found = new Map<number, string>();
  const queue = [...(children.get(root) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    found.set(pid, commands.get(pid) ?? '');
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

function processInfo(pid: number): { ppid: number; state: string; command: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ")".
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
    return { ppid: Number(ppid), state: state!, command };
  } catch {
    return undefined;
  }
}

/** The URLs the demo printed for the relay, the simulator and the CRM site. */
function printedUrls(run: DemoRun): string[] {
  return run.lines.flatMap((line) => /^\s+(?:Relay|Twilio|Demo CRM|CRM API)\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(line)?.[1] ?? []);
}

async function expectNothingLeft(run: DemoRun, urls: string[]): Promise<void> {
  const survivors = [...run.descendants].filter(([pid, command]) => {
    const now = processInfo(pid);
    return now !== undefined && now.state !== 'Z' && now.command === command;
  });
  expect(survivors, 'processes the demo started and left running').toEqual([]);
  for (const url of urls) {
    const refused = await fetch(url).then(
      () => 'it answered',
      (error: Error & { cause?: { code?: string } }) => error.cause?.code,
    );
    expect(refused, `${url} still answers`).toBe('ECONNREFUSED');
  }
}

describe('pnpm demo without a display', () => {
  it('plays the whole story, writes screenshots and a transcript, and leaves nothing running', async () => {
    const run = startDemo();
    const { code } = await run.exited;
    expect(code, run.lines.join('\n')).toBe(0);

    for (const name of SCREENSHOTS) {
      const png = readFileSync(join(run.output, name));
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE), `${name} is a PNG`).toBe(true);
      // The IHDR chunk follows the signature: width and height, big-endian, at bytes 16 and 20.
      expect(Math.min(png.readUInt32BE(16), png.readUInt32BE(20)), `${name} is not a sliver`).toBeGreaterThan(150);
      expect(png.length, `${name} holds more than a blank page`).toBeGreaterThan(5_000);
    }
    const transcriptPath = join(run.output, 'transcript.txt');
    expect(run.lines).toContain(`Transcript: ${transcriptPath}`);
    const transcript = readFileSync(transcriptPath, 'utf8');
    expect(transcript).toContain('the extension added 20 call buttons');
    expect(transcript).toContain('Statuses the progress card showed, in order: Calling… -> Calling your phone… -> Ringing -> In progress -> Ended.');
    expect(transcript).toMatch(/POST http:\/\/127\.0\.0\.1:\d+\/2010-04-01\/Accounts\/AC\w+\/Calls\.json\n\s+authorization: Basic <redacted>/);
    expect(transcript).toContain('<Number>+442079460321</Number>');
    expect(transcript).toContain('The incoming-call popup appeared in the CRM tab');
    expect(transcript).toContain('Statuses the popup showed, in order: Ringing -> In progress -> Ended.');
    // The Vtiger simulator behind the demo CRM, holding its contacts: the caller named, the call logged.
    expect(transcript).toContain('The popup names the caller, as the relay found them in the CRM: Camille Laurent (Maison Laurent).');
    expect(transcript).toMatch(/"Open record" links to http:\/\/127\.0\.0\.1:\d+\/vtigercrm\/index\.php\?module=Contacts&view=Detail&record=\d+/);
    expect(transcript).toContain("Outcomes offered (the connector's dispositions): Connected, Left voicemail, No answer, Busy, Wrong number");
    expect(transcript).toMatch(/The popup says "Logged in the CRM · Open log"; "Open log" links to http:\/\/127\.0\.0\.1:\d+\/vtigercrm\/index\.php\?module=Calendar&view=Detail&record=\d+/);
    expect(transcript).toMatch(/holds the call as one Events record, \d+x\d+, created once/);
    expect(transcript).toContain('subject: Inbound call from +33199001234');
    // A call nobody took: the greeting and the message, linked in the toolbar and on the CRM record.
    expect(transcript).toContain('<Say>Sorry, nobody at Acme can take your call. Please leave a message after the tone.</Say><Record ');
    // Away: the answer to the incoming call dials nobody; the missed call says why and links the message.
    expect(transcript).toMatch(/rings no phone[^\n]*\n\s+<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say>Sorry, nobody at Acme[^<]*<\/Say><Record [^>]*\/><\/Response>/);
    expect(transcript).toMatch(/\| .* · everyone away · Voicemail 0:12/);
    expect(transcript).toContain('no colleague is available, so the team’s calls go to voicemail');
    // Outside the opening hours: the agent available, the answer dials nobody all the same.
    expect(transcript).toContain('It says: "Closed now: callers go to voicemail."');
    expect(transcript).toMatch(/outside the hours, every agent counts as away[^\n]*\n\s+<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say>Sorry, nobody at Acme[^<]*<\/Say><Record [^>]*\/><\/Response>/);
    expect(transcript).toContain('| Closed: callers go to voicemail');
    expect(transcript).toMatch(/\| .* · after hours · Voicemail 0:09/);
    // The message's link is the relay's, which plays the file it fetches from Twilio with the account's credentials.
    expect(transcript).toMatch(/"Voicemail 0:23" links to http:\/\/127\.0\.0\.1:\d+\/recordings\/in_[\w-]+\/[\w-]{22}\?call=CA\w+\n\s+opened: HTTP 200, audio\/mpeg, 23010 bytes/);
    expect(transcript).toMatch(/description \| Recording: http:\/\/127\.0\.0\.1:\d+\/recordings\/in_[\w-]+\/[\w-]{22}\?call=CA\w+/);
    expect(transcript).toMatch(/contact_id: \d+x\d+ \(Camille Laurent\)/);
    expect(transcript).toMatch(/assigned_user_id: \d+x\d+ \(the agent's own Vtiger user, found by her e-mail\)/);
    expect(transcript).toContain('description | Wants two more warehouses on the plan; send a quote by Friday.');
    expect(transcript).toContain('description | Disposition: Connected');
    expect(transcript).toMatch(/GET getchallenge -> 200\n\s+POST login -> 200\n\s+GET query Contacts -> 200/);
    expect(transcript).toMatch(/POST create Events -> 200[^]*POST revise -> 200/);
    // The talk times the <Dial action>s gave: the agent's 30 s on the incoming call (which the
    // agent's own phone took), the customer's 42 s on the click to call; each line says when
    // (today's: the time alone).
    expect(transcript).toMatch(/\| ↙ .+ \d{1,2}:\d\d(?: [AP]M)? · Ended · 0:30 · you took it\n\s+\| ↗ .+ \d{1,2}:\d\d(?: [AP]M)? · Ended · 0:42\n/);
    expect(transcript).toContain('| Camille Laurent; outcome "Connected"; notes "Wants two more warehouses on the plan; send a quote by Friday."; Logged in the CRM · Open log');
    expect(transcript).toContain('notes: "Wants two more warehouses on the plan; send a quote by Friday."');
    expect(transcript).toContain('"Open in CRM" opens the CRM\'s search for the caller\'s number, which finds: Camille Laurent.');
    // Secrets stay out: the Twilio auth token, the callback URLs' secret part, the CRM's access key and session.
    expect(transcript).not.toMatch(/sessionName|accessKey/i);
    expect(transcript).not.toContain(AUTH_TOKEN);
    expect(transcript).not.toContain(Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'));
    expect(transcript).not.toMatch(/\/hooks\/in_[^/\s]+\/(?!\*\*\*\/)/);

    const commands = [...run.descendants.values()];
    expect(commands.some((c) => c.includes('relay-server/bin.mjs start'))).toBe(true);
    expect(commands.some((c) => c.includes('chromium'))).toBe(true);
    await expectNothingLeft(run, printedUrls(run));
  }, DEMO_RUN_MS);

  it.each([
    ['right after the relay is listening', /^\s+Relay\s+http:/, '1. Call buttons on every number'],
    ['in the middle of a call', /clicked the call button/, '3. An incoming call'],
  ])('stops on Ctrl-C %s, where it was, and leaves nothing running', async (_, moment, nextStep) => {
    const run = startDemo();
    await run.waitForLine(moment, DEMO_RUN_MS - 60_000);
    run.child.kill('SIGINT');
    const { code } = await run.exited;
    expect(code, run.lines.join('\n')).toBe(130);
    expect(run.lines).toContain('Stopped; nothing of the demo is left running.');
    // Promptly: the story does not play on, and every part stopped when asked; none had to be
    // cut off at the teardown's time limit.
    expect(run.lines).not.toContain(nextStep);
    expect(run.lines.filter((line) => line.includes('could not stop'))).toEqual([]);
    await expectNothingLeft(run, printedUrls(run));
  }, DEMO_RUN_MS);
});
