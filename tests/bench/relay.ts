import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { addAgent, AgentClient, api, REPO_ROOT, startRelayProcess, tempDir } from '../relay/harness.ts';
import { accountedPhase, cpuMs, type PhaseAccount, rssKb } from './cpu-account.ts';
import { type BenchCrm, crmPhase, readCrmBacklog, untilCrmDrained } from './crm-run.ts';
import { cpuProfileArgs, monotonicUs, type ProfileWindow } from './cpu-profile.ts';
import type { WebhookConnection } from './webhook-connection.ts';
import { openConnections, type SignedWebhook, signWebhooks, webhookRequest } from './webhook-load.ts';

export interface RelayFigures {
  /** Calls, each an incoming webhook (ringing) then a status one (completed). */
  calls: number;
  concurrency: number;
  webhooksPerSecond: number;
  webhookMs: Percentiles;
  pushMs: Percentiles;
  rssMiB: number;
  /** CPU the relay process spent per call, from the first webhook until every event (and CRM log) was in: what a busy machine slows, not what it is. */
  relayCpuMsPerCall: number;
  /** Of it, the relay's main thread's; the rest is its other threads' (V8's collector and compiler, libuv's pool with the disk syncs). */
  relayMainCpuMsPerCall: number;
  /** While the webhooks were sent (first sent -> last answered), per webhook: where the wall time went, process by process. */
  webhookPhase: PhaseAccount;
  /** With a CRM on the instance only. */
  crm?: CrmFigures;
}

/** What the agent's socket showed of the CRM's work. */
export interface CrmFigures {
  /** Share (0 to 1) of calls whose first pushed event named the caller's contact. */
  contactOnFirstEvent: number;
  /** Incoming webhook sent -> the first event naming the contact on the agent's socket (the lookup as the agent sees it), over the calls that had one. */
  contactMs: Percentiles;
  /** Call ended (its `completed` webhook sent) -> the `crm_log` `logged` event on the agent's socket. */
  logMs: Percentiles;
  /** Calls whose `crm_log` turned `failed`: the CRM refused them for good. */
  failed: number;
  /** CRM steps (searches for callers, outbox rows) that waited their turn behind webhooks / started at once, while the webhooks were sent (/metrics). */
  stepsRationed: number;
  stepsAtOnce: number;
  /** The CRM simulator's CPU per webhook while they were sent (ms): its own process, on the relay's cores. */
  simulatorCpuMs: number;
  /** The first calls sent (at most `FIRST_CALLS`), in order: a fresh relay's first lookups and logs, which the percentiles hide. */
  firstCalls?: FirstCall[];
}

/** One of the first calls, each wait in ms from its webhook (null: never came): its first pushed event and whether it named the contact, the first event that did (the lookup as the agent sees it), and its log. */
export interface FirstCall {
  eventMs: number | null;
  contact: boolean;
  contactMs: number | null;
  logMs: number | null;
}

/** How many of the measured calls `firstCalls` follows. */
const FIRST_CALLS = 8;

export interface Percentiles {
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** A CRM on the benched instance, how the bench makes it slow or down for the measured calls, and how it brings it back once every webhook is in. */
export interface CrmUnderBench {
  /** The CRM simulator (crm-run.ts), whose setup the instance carries. */
  simulator: BenchCrm;
  /** Runs once the warm-up's calls are settled, before the measured ones: holds the CRM's searches, or takes it down (nothing for a CRM that answers). */
  degrade(): Promise<void> | void;
  /** Runs once every webhook is answered: makes the CRM answer again (held searches released, back up), so that every call can be logged. */
  recover(): Promise<void> | void;
}

const AUTH_TOKEN = 'bench-auth-token';
/** The longest the CRM runs may take to log every call once the CRM answers again: retries back off for seconds after an outage. */
const LOGGED_DEADLINE_MS = 3 * 60_000;

/** How long an `eachCallSettled` call may wait for its contact, or its log. */
const SETTLED_DEADLINE_MS = 30_000;

/** Callers `benchCaller` writes with distinct last four digits: a call past them comes from a first one again. */
export const DISTINCT_CALLERS = 10_000;

/** Call `index`'s caller: distinct last four digits, so each call is a lookup of its own (no cache hit) and finds one contact. */
export function benchCaller(index: number): string {
  return `+1415555${String(index).padStart(4, '0')}`;
}

/**
 * Call `index`'s provider call id, as the CRM's activity carries it: "CA" and 32 hex digits, as
 * Twilio makes them, spread as its random ones are (a hash of the index, the same in every run).
 * The store's key of calls (instance, call id) is a B-tree: counted up, as this was before, each
 * new call's key went into the index page of the one before, where Twilio's land on a page of
 * their own, which the commit then writes (issue 13).
 */
export function benchCallSid(index: number): string {
  return `CA${createHash('sha256').update(`call ${index}`).digest('hex').slice(0, 32)}`;
}

/** The first `count` calls' waits, in the order they were sent (`FirstCall`). */
function firstCalls(
  count: number,
  waits: { firstEventOf: ReadonlyMap<string, { ms: number; contact: boolean }>; contactMsOf: ReadonlyMap<string, number>; logMsOf: ReadonlyMap<string, number> },
): FirstCall[] {
  const ms = (value: number | undefined) => (value === undefined ? null : Number(value.toFixed(1)));
  return Array.from({ length: count }, (_, index) => {
    const callId = benchCallSid(index);
    const event = waits.firstEventOf.get(callId);
    return { eventMs: ms(event?.ms), contact: event?.contact ?? false, contactMs: ms(waits.contactMsOf.get(callId)), logMs: ms(waits.logMsOf.get(callId)) };
  });
}

/**
 * A real relay process on SQLite takes signed Twilio webhooks for distinct calls from distinct
 * callers, each call an incoming webhook (answered with TwiML) then its completed status, as
 * fast as `concurrency` senders can post them, while one agent's WebSocket receives the events.
 * With `crm`, the instance carries that CRM: each caller is looked up and each call logged, and
 * the run ends once every call's log is written.
 */
export interface BenchRelayOptions {
  calls?: number;
  concurrency?: number;
  crm?: CrmUnderBench;
  /** Runs the relay under `node --cpu-prof`, its profile written there. */
  cpuProfileDir?: string;
  /** The relay alone on the first core, this process on the others (`pin`). */
  pinned?: boolean;
  /** Filled with when the first webhook was sent and when the last was answered (a CPU profile's window: the burst, where the CRM's work competes with the webhooks). */
  window?: ProfileWindow;
  /**
   * Calls sent first, of callers of their own, until the relay has settled them (every event
   * pushed, the CRM's backlog drained), before anything is measured: the JIT has compiled the
   * paths they ran, as in a relay that has been up a while. None by default (a fresh relay).
   */
  warmUpCalls?: number;
  /**
   * With `crm`, each measured call at an agent's pace: it ends (its completed webhook) once its
   * contact reached the agent's socket, and the next one rings once its log is written. Without,
   * the webhooks follow each other at once, and against a CRM far away the calls' lookups and logs
   * queue for the instance's CRM slots behind the ones before (issue 10).
   */
  eachCallSettled?: boolean;
}

export async function benchRelay(options: BenchRelayOptions = {}): Promise<RelayFigures> {
  const { calls = 1000, concurrency = 16, crm, cpuProfileDir, pinned = false, window, warmUpCalls = 0, eachCallSettled = false } = options;
  const dir = tempDir('pc-bench-');
  const db = join(dir.path, 'relay.db');
  const agent = await addAgent(db, { name: 'Bench', number: '+14155550111' });
  const relay = await startRelayProcess({ db, env: { LOG_LEVEL: 'info' }, nodeArgs: cpuProfileDir ? cpuProfileArgs(cpuProfileDir) : [] });
  if (pinned) {
    pin(relay.process.pid!, '0');
    pin(process.pid, `1-${LAST_CORE}`);
    if (crm) pin(crm.simulator.pid, `1-${LAST_CORE}`);
  }
  try {
    const xml = readFileSync(join(REPO_ROOT, 'connectors', 'twilio.xml'), 'utf8');
    const instance = await api<{ callbacks: { incoming: string; status: string } }>(relay, agent.token, 'PUT', '/instances/bench', {
      xml,
      config: { authid: 'AC0', authtoken: AUTH_TOKEN, callerid: '+15005550006' },
      ...(crm ? { crm: crm.simulator.setup } : {}),
    });
    if (instance.status !== 200) throw new Error(`PUT /instances/bench answered ${instance.status}: ${JSON.stringify(instance.body)}`);
    const { incoming, status } = instance.body.callbacks;
    const client = await AgentClient.connect(relay, agent.token, { lastSeq: null });
    /** When each call's incoming webhook (ringing) and its completed one were sent. */
    const ringingAt = new Map<string, number>();
    const endedAt = new Map<string, number>();
    const pushMs: number[] = [];
    let withContact = 0;
    /** Each call's waits by call id: its first event's (and whether it named the contact), the contact's and the log's; what `firstCalls` reads. */
    const firstEventOf = new Map<string, { ms: number; contact: boolean }>();
    const contactMsOf = new Map<string, number>();
    const logMsOf = new Map<string, number>();
    const logMs: number[] = [];
    const logged = new Set<string>();
    const failed = new Set<string>();
    client.ws.on('message', (data) => {
      const message = JSON.parse(data.toString()) as { type: string; event?: string; call?: { call_id: string; contact: unknown; crm_log: { state: string } | null } };
      if (message.type !== 'call' || !message.call) return;
      const { call } = message;
      const now = performance.now();
      const ringing = ringingAt.get(call.call_id);
      if (message.event === 'created' && ringing !== undefined) {
        pushMs.push(now - ringing);
        firstEventOf.set(call.call_id, { ms: now - ringing, contact: Boolean(call.contact) });
        if (call.contact) withContact += 1;
      }
      if (call.contact && ringing !== undefined && !contactMsOf.has(call.call_id)) contactMsOf.set(call.call_id, now - ringing);
      const ended = endedAt.get(call.call_id);
      if (call.crm_log?.state === 'logged' && ended !== undefined && !logged.has(call.call_id)) {
        logged.add(call.call_id);
        logMs.push(now - ended);
        logMsOf.set(call.call_id, now - ended);
      }
      if (call.crm_log?.state === 'failed') failed.add(call.call_id);
    });
    const webhookMs: number[] = [];
    // Signed and built before the clock starts and sent over kept-alive connections (webhook-load.ts): a
    // provider is another machine, and fetch with a signature per webhook cost this process about
    // twice the relay's CPU per webhook, on the cores the relay needs.
    const relayUrl = new URL(relay.url);
    const signCalls = async (indices: number[]) => {
      const payloads = indices.map((index) => ({ CallSid: benchCallSid(index), AccountSid: 'AC0', From: benchCaller(index), To: '+14155550111' }));
      const ringing = await signWebhooks(incoming, AUTH_TOKEN, payloads.map((call) => ({ ...call, CallStatus: 'ringing', Direction: 'inbound' })));
      const completed = await signWebhooks(status, AUTH_TOKEN, payloads.map((call) => ({ ...call, CallStatus: 'completed', CallDuration: '42' })));
      const built = (webhook: SignedWebhook) => ({ callId: webhook.callId, request: webhookRequest(relayUrl, webhook) });
      return { ringing: ringing.map(built), completed: completed.map(built) };
    };
    /** Sends every call's two webhooks at `concurrency` senders, a connection each; `sent(callId)` tells of each as it goes, and `answered` may hold the sender after each. */
    const sendCalls = async ({ ringing, completed }: Awaited<ReturnType<typeof signCalls>>, sent: (kind: 'ringing' | 'completed', callId: string) => void = () => {}, answered: (kind: 'ringing' | 'completed', callId: string) => Promise<void> = async () => {}) => {
      const connections = await openConnections(Array.from({ length: Math.min(concurrency, ringing.length) }, () => relayUrl));
      const send = async (connection: WebhookConnection, webhook: { callId: string; request: Buffer }) => {
        const t0 = performance.now();
        const answer = await connection.send(webhook.request);
        if (answer !== 200) throw new Error(`webhook for ${webhook.callId} answered ${answer}`);
        webhookMs.push(performance.now() - t0);
      };
      let next = 0;
      const sender = async (connection: WebhookConnection) => {
        while (next < ringing.length) {
          const index = next++;
          sent('ringing', ringing[index]!.callId);
          await send(connection, ringing[index]!);
          await answered('ringing', ringing[index]!.callId);
          sent('completed', completed[index]!.callId);
          await send(connection, completed[index]!);
          await answered('completed', completed[index]!.callId);
        }
      };
      await Promise.all(connections.map(sender)).finally(() => {
        for (const connection of connections) connection.close();
      });
    };
    if (warmUpCalls > 0) {
      // Callers after the measured ones: none of the measured calls finds its caller in the lookup cache.
      await sendCalls(await signCalls(Array.from({ length: warmUpCalls }, (_, i) => calls + i)));
      webhookMs.length = 0;
      if (crm) await untilCrmDrained(() => readCrmBacklog(relay.url));
    }
    await crm?.degrade();
    const measured = await signCalls(Array.from({ length: calls }, (_, i) => i));
    /** `eachCallSettled`: a call ends once its contact is pushed, the next rings once its log is written. */
    const settled = async (kind: 'ringing' | 'completed', callId: string) => {
      const done = kind === 'ringing' ? () => contactMsOf.has(callId) : () => logged.has(callId) || failed.has(callId);
      if (!(await until(done, SETTLED_DEADLINE_MS))) throw new Error(`call ${callId} had no ${kind === 'ringing' ? 'contact' : 'log'} within ${SETTLED_DEADLINE_MS / 1000} s`);
    };
    const sendAll = async () => {
      if (window) window.fromUs = monotonicUs();
      const started = performance.now();
      await sendCalls(measured, (kind, callId) => (kind === 'ringing' ? ringingAt : endedAt).set(callId, performance.now()), crm && eachCallSettled ? settled : undefined);
      if (window) window.toUs = monotonicUs();
      return (performance.now() - started) / 1000;
    };
    const cpuBefore = cpuMs(relay.process.pid!);
    const mainCpuBefore = cpuMs(relay.process.pid!, relay.process.pid!);
    let seconds: number;
    let webhookPhase: PhaseAccount;
    let steps: Pick<CrmFigures, 'stepsAtOnce' | 'stepsRationed' | 'simulatorCpuMs'> | undefined;
    if (crm) {
      const measured = await crmPhase({ pid: relay.process.pid!, origin: relay.url }, crm.simulator, 2 * calls, sendAll);
      seconds = measured.result;
      webhookPhase = measured.phase.account;
      steps = { stepsAtOnce: measured.phase.stepsAtOnce, stepsRationed: measured.phase.stepsRationed, simulatorCpuMs: measured.phase.simulatorCpuMs };
    } else {
      ({ result: seconds, account: webhookPhase } = await accountedPhase(relay.process.pid!, 2 * calls, sendAll));
    }
    if (!(await until(() => pushMs.length >= calls, 30_000))) throw new Error(`${calls - pushMs.length} of ${calls} calls were never pushed within 30 s`);
    if (crm) {
      await crm.recover();
      // A log that never comes is what this run must report (the CRM's activities are counted after it), not a crash that hides the other figures.
      if (!(await until(() => logged.size + failed.size >= calls, LOGGED_DEADLINE_MS))) {
        console.error(`${calls - logged.size - failed.size} of ${calls} calls were neither logged in the CRM nor failed within ${LOGGED_DEADLINE_MS / 1000} s; the relay's last CRM warnings:`);
        console.error(relay.output.filter((line) => line.includes('crm')).slice(-5).join('\n'));
      }
    }
    const relayCpuMsPerCall = Number(((cpuMs(relay.process.pid!) - cpuBefore) / calls).toFixed(2));
    const relayMainCpuMsPerCall = Number(((cpuMs(relay.process.pid!, relay.process.pid!) - mainCpuBefore) / calls).toFixed(2));
    const residentKb = rssKb(relay.process.pid!);
    await client.close();
    return {
      calls,
      concurrency,
      webhooksPerSecond: Math.round((2 * calls) / seconds),
      webhookMs: percentiles(webhookMs),
      pushMs: percentiles(pushMs),
      rssMiB: Math.round(residentKb / 1024),
      relayCpuMsPerCall,
      relayMainCpuMsPerCall,
      webhookPhase,
      ...(crm ? { crm: { contactOnFirstEvent: withContact / calls, contactMs: percentiles([...contactMsOf.values()]), logMs: percentiles(logMs), failed: failed.size, ...steps!, firstCalls: firstCalls(Math.min(FIRST_CALLS, calls), { firstEventOf, contactMsOf, logMsOf }) } } : {}),
    };
  } finally {
    await relay.stop();
    if (pinned) pin(process.pid, `0-${LAST_CORE}`);
    dir.remove();
  }
}

const LAST_CORE = Math.max(1, cpus().length - 1);

/**
 * Puts every thread of a process on the cores listed (`taskset -a`). `pinned` runs have the
 * relay on the first core and this process (the senders, the agent's socket, the CRM simulator)
 * on the others, with a CRM and without alike, so that the relay has the same CPU budget in both:
 * on a shared 2-core machine the simulator (in real life a remote service) otherwise takes the
 * relay's core.
 */
function pin(pid: number, cores: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cores, String(pid)], { stdio: 'ignore' });
}

/**
 * Polls `done` until it holds (true) or `ms` pass (false). Not AgentClient.waitFor: it checks on
 * each message before this bench's own listener has counted it, so the last one went unseen.
 */
export async function until(done: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = performance.now() + ms;
  while (!(await done())) {
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => Number((sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0).toFixed(1));
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: Number((sorted.at(-1) ?? 0).toFixed(1)) };
}
