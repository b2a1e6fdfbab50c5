/**
 * Relay throughput against the bare forwarder (issue 13), every scenario in one run. Each round
 * measures the forwarder (tests/bench/forwarder.ts) and then the relay in each of its setups with
 * the same senders and the same payloads; the figures are the rounds' medians and every relay
 * figure is also given as a ratio to the same round's baseline, so that the load other work puts
 * on a shared machine cancels out.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateToken, hashToken, randomId } from '../../relay-server/src/auth/token.ts';
import { openStore } from '../../relay-server/src/store/open.ts';
import { freshDatabase } from '../../relay-server/src/testing-postgres.ts';
import { api, counterIn, REPO_ROOT, startRelayProcess, tempDir } from '../relay/harness.ts';
import { benchHeapSettled } from './bench-heap.ts';
import { costPerSocket, INSPECTOR_ON_SIGNAL, inspectorOnRequest, settledMemory, type ProcessMemory, type SocketCost } from './idle-memory.ts';
import { BenchSocket, type SocketClose } from './bench-socket.ts';
import { countGc, countMarking, type GcCounts, type MarkingCounts, mainIsolateOf } from './gc-trace.ts';
import { countJit, type JitCounts } from './jit-trace.ts';
import { type CpuProfile, cpuProfileArgs, type FunctionSelfTime, monotonicUs, type ProfileWindow, type SelfTime, selfTimeByArea, selfTimeByFunction } from './cpu-profile.ts';
import { median, medianOfEach, medianPercentiles } from './relay-crm.ts';
import { cpuMs, type ThreadTimes, threadKernelMs, threadTimesByName, threadTimesPerWebhook } from './cpu-account.ts';
import { sessionsCpuMs, sessionsSpentMs } from './postgres-cpu.ts';
import { BenchCrm, type CrmPhase, crmPhase, readCrmBacklog, untilCrmDrained } from './crm-run.ts';
import { InspectorClient, inspectorUrlOf, type SamplingNode, samplingOptions } from './heap-sampling.ts';
import { benchCaller, benchCallSid, DISTINCT_CALLERS, type Percentiles, percentiles, until } from './relay.ts';
import { postWebhooks, type SignedWebhook, signWebhooks } from './webhook-load.ts';
import { inTurn } from './in-turn.ts';

export interface ThroughputOptions {
  rounds: number;
  /** Webhooks of each throughput phase (new calls, then updates of those calls). */
  calls: number;
  /** Webhooks sent one at a time for the unloaded push latency. */
  unloadedCalls: number;
  /**
   * Incoming calls, one at a time, each routed to every fan-out agent. The full bench takes 100 on
   * each server: the p99 of the last socket over 20 calls was their slowest, and the p99 per socket
   * one or two slow calls' (issue 13).
   */
  fanOutCalls: number;
  fanOutAgents: number;
  /** Agents registered (one of them connected) for the "flat in the number of agents" runs. */
  registeredAgents: number[];
}

export const FULL_THROUGHPUT_BENCH: ThroughputOptions = { rounds: 3, calls: 2000, unloadedCalls: 300, fanOutCalls: 100, fanOutAgents: 1000, registeredAgents: [1000, 10_000] };
export const QUICK_THROUGHPUT_BENCH: ThroughputOptions = { rounds: 1, calls: 500, unloadedCalls: 100, fanOutCalls: 5, fanOutAgents: 1000, registeredAgents: [1000, 10_000] };

export const CONCURRENCY = 16;

export interface Throughput {
  webhooksPerSecond: number;
  roundTripMs: Percentiles;
  /** CPU the server process spent per webhook, until every event was on the socket. */
  serverCpuMs: number;
  /** Of it, its main thread's: the rest is its other threads' (V8's compiler and collector above all, issue 13). */
  serverMainThreadMs: number;
  /** Of the main thread's, its time in the kernel per webhook, and its minor page faults per webhook (the heap's growth shows there). */
  serverMainSystemMs?: number;
  serverMainFaults?: number;
  /** The server's threads' time on a core and on a run queue per webhook, by thread name (`threadTimesByName`): a thread that names itself shows apart. */
  serverThreadsMs?: Record<string, ThreadTimes>;
  /**
   * The same, from the first webhook posted until the last answered: the work that competed with
   * the webhooks for the rate. The CRM's work put off until the burst ends falls outside it, not
   * the phase's figures, which run until every event is on the socket (issue 10).
   */
  serverThreadsWhileSendingMs?: Record<string, ThreadTimes>;
  /** CPU the bench process (senders and sockets) spent per webhook: what shows the generator is not the limit. */
  generatorCpuMs: number;
  /** V8's compiles and deopts in the server during the phase, when it ran with `--trace-opt --trace-deopt` (`webhook-cpu.ts --jit`). */
  jit?: JitCounts;
  /** What the server's scavenges promoted during the phase, when it ran with `--trace-gc-nvp` (`crm-load.ts --phases --gc`). */
  gc?: GcCounts;
  /** The main thread's incremental marking during the phase, when it ran with `--trace-incremental-marking` too (`crm-load.ts --phases --marking`). */
  marking?: MarkingCounts;
  /** The relay's (not the forwarder's) socket traffic during the phase, from its `/metrics`. */
  sockets?: SocketTraffic;
}

/**
 * What the relay's counters said of its sockets over a phase: events sent by how it came by them
 * (agent-socket.ts `EventSource`: `gap` is a read of the log for an event that came before the one
 * it follows, issue 10) and connections it ended by reason; and how often the bench's socket was
 * cut off and resumed (bench-socket.ts).
 */
export interface SocketTraffic {
  eventsSent: Record<string, number>;
  disconnects: Record<string, number>;
  benchResumed: number;
}

export interface FanOut {
  /** Webhook sent -> its message on each socket, over every socket and call. */
  deliveryMs: Percentiles;
  /** Webhook sent -> its message on the last socket, per call. */
  lastSocketMs: Percentiles;
  /**
   * Webhook sent -> its message on the first socket, per call: the server's time before its first
   * send (for the relay: the call's transaction, its sync, the reply), read without instrumenting it.
   * The last socket minus this is the sends and the bench's reading.
   */
  firstSocketMs: Percentiles;
  /** The provider's round trip: whether its reply waits for the fan-out. */
  replyMs: Percentiles;
}

/**
 * Memory of idle connected sockets, read after a full collection (idle-memory.ts) with none, then
 * `sockets`, then twice as many connected: what each socket costs is the slope between the last
 * two, the first step's code compiled and caches grown once left out of it.
 */
export interface IdleSockets {
  sockets: number;
  rssNoneMiB: number;
  rssOneMiB: number;
  rssTwoMiB: number;
  /** Per socket from `sockets` to twice as many. */
  perSocket: SocketCost;
  /** Per socket from none to `sockets`. */
  firstPerSocket: SocketCost;
}

/** What one server (the forwarder or the relay) did in one round. */
export interface ServerFigures {
  newCalls: Throughput;
  updates: Throughput;
  /** One sender: webhook sent -> event on the agent's socket. */
  unloadedPushMs: Percentiles;
  fanOut: FanOut;
  idle: IdleSockets;
}

export interface RoundFigures {
  forwarder: ServerFigures;
  relay: ServerFigures;
  /** New-call throughput with that many agents registered, keyed by the count (1: the relay's own run). */
  registered: Record<number, Throughput>;
  /** The relay with the Vtiger connector on the instance and its simulator answering (crm-run.ts), each phase accounted. */
  crm: { newCalls: Throughput; updates: Throughput; phases: { newCalls: CrmPhase; updates: CrmPhase } };
}

/** Relay figures over the baseline's, per round then the median (above 1: more of it than the baseline). */
export interface ThroughputRatios {
  newCalls: number;
  updates: number;
  registered: Record<number, number>;
  crmNewCalls: number;
  crmUpdates: number;
}

export interface ThroughputComparison {
  options: ThroughputOptions;
  /** Where the relay's CPU went under the new-call and update load, from one more run under `node --cpu-prof`. */
  profile: SelfTime[];
  /** Medians over the rounds. */
  median: RoundFigures;
  ratios: ThroughputRatios;
  rounds: RoundFigures[];
}

const AUTH_TOKEN = 'bench-auth-token';
const OWNER_NUMBER = '+14155550111';
/** The team number every fan-out agent has. */
const FAN_OUT_NUMBER = '+14155550199';
/**
 * Calls (a new call and its completed status each) sent before anything is measured: the JIT and
 * the caches warm up on both servers alike. With 200, V8 optimised most of either server's path
 * inside the measured phases (158 compiles in the relay's new calls: s18-cpu's --trace-opt run), a
 * cost a server running for hours paid long before: 2,000 measure both as they run (the design
 * text has the figures of both).
 */
export const WARM_UP = 2_000;
/**
 * Times the warm-up runs before anything is measured. After one, each measured phase still paid
 * V8's optimising again after the switch from the phase before (the relay's other threads 0.1 ms
 * per new call, TurboFan's, and the forwarder's half as much), a cost a relay serving both kinds
 * for long does not pay again. After three, the CRM row's measured burst still compiled the CRM
 * path's first hot functions: four (design text). With the CRM row's 2,000 calls that takes every
 * one of the bench's distinct callers (`DISTINCT_CALLERS`).
 */
export const WARM_UP_ROUNDS = 4;

/** The longest every event may take to reach the sockets once the webhooks are answered. */
const DELIVERY_DEADLINE_MS = 60_000;

export async function benchRelayThroughput(options: ThroughputOptions): Promise<ThroughputComparison> {
  const rounds: RoundFigures[] = [];
  for (let round = 1; round <= options.rounds; round++) {
    const forwarderTarget = await startForwarder(options.fanOutAgents);
    const forwarder = await stopAfter(forwarderTarget, async () => ({ ...(await loadFigures(forwarderTarget, options)), ...(await socketFigures(forwarderTarget, options)) }));
    // One agent registered, as in the runs with more below; the fan-out agents in a relay of their own.
    const load = await withRelay({}, (target) => loadFigures(target, options));
    const sockets = await withRelay({ fanOutAgents: options.fanOutAgents, extraAgents: options.fanOutAgents }, (target) => socketFigures(target, options));
    const relay = { ...load, ...sockets };
    const registered = await registeredThroughput(options.calls, [1, ...options.registeredAgents], round);
    const crm = await crmThroughput(options.calls);
    rounds.push({ forwarder, relay, registered, crm });
    console.log(`relay throughput round ${round}`, JSON.stringify(summary(rounds.at(-1)!)));
  }
  return { options, rounds, median: medianRound(rounds), ratios: medianRatios(rounds.map(roundRatios)), profile: await profileRelay(options) };
}

/**
 * The throughput phases on a relay with the Vtiger connector on its instance (crm-run.ts: the
 * simulator in its own process, the clock started once the warm-up's lookups are answered): the
 * CRM row alone, for tests/bench/crm-load.ts `--phases` beside `relayThroughput`. Its warm-up's
 * rounds each wait for the CRM backlog of the one before to drain, so that they start as the
 * measured new calls do, a burst after a drain: with the rounds back to back, the measured new
 * calls were the relay's first such burst and paid V8's optimising again (30 to 51 TurboFan
 * compiles and 8 to 13 deopts, "wrong map" in `deliver`, `eventFrame`, the reply's
 * `xmlElements`, against 1 and none without a CRM: issue 10, design text).
 */
export async function crmThroughput(calls: number, profile?: PhasesProfile, heap?: PhasesHeap, trace: PhasesTrace = {}): Promise<RoundFigures['crm']> {
  // Past the distinct callers, a caller would come again and its lookup hit the relay's cache: the row would measure less CRM work.
  if (WARM_UP * WARM_UP_ROUNDS + calls > DISTINCT_CALLERS) throw new Error(`the CRM row's ${WARM_UP * WARM_UP_ROUNDS + calls} calls need callers new to the CRM: ${DISTINCT_CALLERS} at most`);
  const simulator = await BenchCrm.start(WARM_UP * WARM_UP_ROUNDS + calls);
  return withRelay({ crm: simulator.setup, ...phasesProfileSetup(profile), inspect: heap !== undefined, ...trace }, async (target) => {
    if (profile) profile.pid = target.pid;
    const drained = () => untilCrmDrained(() => readCrmBacklog(target.origin));
    await warmUp(target, WARM_UP_ROUNDS, drained);
    const phases: CrmPhase[] = [];
    const drainedFirst: MeasuredPhase = async (webhooks, work) => {
      const phaseName = phases.length === 0 ? 'newCalls' : 'updates';
      const { result, phase } = await crmPhase(target, simulator, webhooks, heap ? (sent) => sampledPhase(target, heap, phaseName, () => work(sent), drained) : work, true);
      phases.push(phase);
      return result;
    };
    const figures = await profiledPhases(target, profile, () => throughputPhases(target, calls, { updates: true }, profile?.windows, drainedFirst));
    return { ...figures, phases: { newCalls: phases[0]!, updates: phases[1]! } };
  }).finally(() => simulator.close());
}

/** The same phases on a relay without a CRM. */
export function relayThroughput(calls: number, profile?: PhasesProfile, heap?: PhasesHeap, trace: PhasesTrace = {}): Promise<{ newCalls: Throughput; updates: Throughput }> {
  return withRelay({ ...phasesProfileSetup(profile), inspect: heap !== undefined, ...trace }, async (target) => {
    if (profile) profile.pid = target.pid;
    await warmUp(target);
    let phase = 0;
    const sampled: MeasuredPhase | undefined = heap && ((_, work) => sampledPhase(target, heap, phase++ === 0 ? 'newCalls' : 'updates', work, async () => undefined));
    return profiledPhases(target, profile, () => throughputPhases(target, calls, { updates: true }, profile?.windows, sampled));
  });
}

/** V8's traces a run of the phases reads per phase (crm-load.ts `--gc`, `--marking`, `--jit`): its collections and incremental marking (gc-trace.ts), its compiles and deopts (jit-trace.ts). */
export interface PhasesTrace {
  gcTrace?: boolean;
  /** With `gcTrace`: the incremental marking's start and steps traced too. */
  markingTrace?: boolean;
  jitTrace?: boolean;
}

/** The relay's V8 flags for `trace`. */
function traceArgs(trace: PhasesTrace): string[] {
  return [...(trace.jitTrace ? ['--trace-opt', '--trace-deopt'] : []), ...(trace.gcTrace ? ['--trace-gc-nvp', ...(trace.markingTrace ? ['--trace-incremental-marking'] : [])] : [])];
}

/**
 * A run of the phases with the relay's inspector open (`node --inspect=0`): each phase's
 * allocations, V8's sampling heap profiler keeping what the collector took (heap-sampling.ts),
 * from the phase's first webhook until the relay's CRM work for it is done (the lookups run
 * after the new calls' events, the logs after the updates'). The sampling costs CPU: the
 * phase's figures then are not the bench's.
 */
export interface PhasesHeap {
  /** Bytes between samples, on average. */
  samplingInterval: number;
  profiles: { newCalls?: SamplingNode; updates?: SamplingNode };
}

/** `work` under the sampling heap profiler, until `settled` (the CRM's backlog drained) too. */
async function sampledPhase<T>(target: Target, heap: PhasesHeap, phase: keyof PhasesHeap['profiles'], work: () => Promise<T>, settled: () => Promise<unknown>): Promise<T> {
  const inspector = target.inspector!;
  await inspector.post('HeapProfiler.startSampling', samplingOptions(heap.samplingInterval));
  const result = await work();
  await settled();
  heap.profiles[phase] = (await inspector.post<{ profile: { head: SamplingNode } }>('HeapProfiler.stopSampling')).profile.head;
  return result;
}

/** A run of the phases under `node --cpu-prof` (sampled every `intervalUs`, V8's 1,000 unless told): the profile goes to `dir`, the relay's pid and each phase's stretch are filled in. */
export interface PhasesProfile {
  dir: string;
  intervalUs?: number;
  /**
   * Only the main thread, through the inspector opened after the warm-up, over the phases: no
   * sampler thread per worker (`--cpu-prof` starts one for the CRM thread too, on the relay's two
   * cores, so the CRM run paid more for its profile than the run without: issue 10). The
   * profile lands in `mainThread`, and there is no CRM thread's.
   */
  mainThreadOnly?: boolean;
  mainThread?: CpuProfile;
  pid?: number;
  windows: { newCalls: PhaseWindow; updates: PhaseWindow };
}

/** A phase's stretch of the profile, and when its last webhook was answered: the stretch "while sending", where the CRM row's slow mode shows (issue 10). */
export interface PhaseWindow extends ProfileWindow {
  sentUs: number;
}

/** Each phase's stretch of a profile to come, filled in by the run (`send`). */
export function phaseWindows(): PhasesProfile['windows'] {
  const window = () => ({ fromUs: 0, toUs: 0, sentUs: 0 });
  return { newCalls: window(), updates: window() };
}

/** The node flags of `profile`'s run, none without one or with the main thread's only (`profiledPhases`). */
function phasesProfileSetup(profile?: PhasesProfile): { cpuProfileDir?: string; cpuProfileIntervalUs?: number } {
  return profile && !profile.mainThreadOnly ? { cpuProfileDir: profile.dir, ...(profile.intervalUs ? { cpuProfileIntervalUs: profile.intervalUs } : {}) } : {};
}

/** `work` (the phases), with `profile.mainThreadOnly` under the main thread's profiler, through the inspector opened now. */
async function profiledPhases<T>(target: Target, profile: PhasesProfile | undefined, work: () => Promise<T>): Promise<T> {
  if (!profile?.mainThreadOnly) return work();
  const inspector = await target.inspect();
  await inspector.post('Profiler.enable');
  await inspector.post('Profiler.setSamplingInterval', { interval: profile.intervalUs ?? 1000 });
  await inspector.post('Profiler.start');
  const result = await work();
  profile.mainThread = (await inspector.post<{ profile: CpuProfile }>('Profiler.stop')).profile;
  return result;
}

/** The CPU profile of the relay's main thread that `profile`'s run took. */
export function readPhasesProfile(profile: PhasesProfile): CpuProfile {
  return profile.mainThread ?? readRelayProfile(profile.dir, profile.pid!);
}

/**
 * The profile of the relay's worker thread that ran `module` (`node --cpu-prof` writes one per
 * thread, each worker's as it ends): the CRM thread's with crm-thread-worker.ts (issue 10).
 * Undefined when no thread of the run ran it.
 */
export function readPhasesThreadProfile(profile: PhasesProfile, module: string): CpuProfile | undefined {
  for (const name of readdirSync(profile.dir).filter((file) => file.includes(`.${profile.pid}.`) && !file.includes(`.${profile.pid}.0.`))) {
    const thread = JSON.parse(readFileSync(join(profile.dir, name), 'utf8')) as CpuProfile;
    if (thread.nodes.some((node) => node.callFrame.url.endsWith(module))) return thread;
  }
  return undefined;
}

/**
 * The fan-out alone, on the relay only (no forwarder, no throughput phases): `calls` incoming
 * calls to `agents` connected agents, then the one-sender push latency on the same relay; with
 * `profileDir`, the relay runs under `node --cpu-prof` and the self time by function of the
 * measured calls comes back too (the warm-ups' 2,000 webhooks, whose store work the whole run's
 * figures mixed in, left out). With `forwarder`, the same on the bare forwarder instead, measured
 * by the same code as the relay (its CPU per call in `relayCpuMsPerCall`). For iterating on the
 * WebSocket hub (tests/bench/fan-out.ts).
 */
export async function benchFanOutAlone(options: {
  agents: number;
  calls: number;
  unloadedCalls: number;
  profileDir?: string;
  /** A PostgreSQL server (its admin URL): the relay's store is a fresh database on it, not a SQLite file. */
  postgresUrl?: string;
  forwarder?: boolean;
}): Promise<{ fanOut: FanOut; relayCpuMsPerCall: number; storeCpuMsPerCall?: number; unloadedPushMs: Percentiles; profile?: FunctionSelfTime[] }> {
  if (options.forwarder) {
    const target = await startForwarder(options.agents);
    // It sends every webhook to every socket: warmed up before the fan-out's sockets connect, as in `socketFigures`.
    return stopAfter(target, async () => {
      await warmUp(target);
      return fanOutAloneOn(target, options, { fromUs: 0, toUs: 0 }, false);
    });
  }
  const window: ProfileWindow = { fromUs: 0, toUs: 0 };
  const setup = { fanOutAgents: options.agents, ...(options.profileDir ? { cpuProfileDir: options.profileDir } : {}), ...(options.postgresUrl ? { postgresUrl: options.postgresUrl } : {}) };
  const { figures, pid } = await withRelay(setup, async (target) => ({ figures: await fanOutAloneOn(target, options, window, true), pid: target.pid }));
  if (!options.profileDir) return figures;
  return { ...figures, profile: selfTimeByFunction(readRelayProfile(options.profileDir, pid), window, 30) };
}

/** `benchFanOutAlone` on a server already started (warmed up here after its sockets connect with `warmUpHere`): the measured calls between `window`'s ends. */
async function fanOutAloneOn(target: Target, options: { calls: number; unloadedCalls: number }, window: ProfileWindow, warmUpHere: boolean): Promise<{ fanOut: FanOut; relayCpuMsPerCall: number; storeCpuMsPerCall?: number; unloadedPushMs: Percentiles }> {
  const sockets = await BenchSocket.connectMany(target.origin, target.tokens.fanOut);
  try {
    if (warmUpHere) await warmUp(target);
    await warmUpFanOut(target, sockets);
    // The relay's CPU per call is what load on a shared machine changes least: the wall-clock figures wait for the CPU.
    // On PostgreSQL the store's statements run in the server's sessions: their CPU beside it.
    const storeBefore = target.databaseUrl && (await sessionsCpuMs(target.databaseUrl));
    const cpuBefore = cpuMs(target.pid);
    window.fromUs = monotonicUs();
    const fanOutFigures = await fanOut(target, sockets, options.calls);
    window.toUs = monotonicUs();
    const relayCpuMsPerCall = Number(((cpuMs(target.pid) - cpuBefore) / options.calls).toFixed(1));
    const storeCpu = storeBefore ? { storeCpuMsPerCall: Number((sessionsSpentMs(storeBefore, await sessionsCpuMs(target.databaseUrl!)) / options.calls).toFixed(1)) } : {};
    return { fanOut: fanOutFigures, relayCpuMsPerCall, ...storeCpu, unloadedPushMs: await unloaded(target, options.unloadedCalls) };
  } finally {
    for (const socket of sockets) socket.close();
  }
}

type WebhookCpuFigures = { newCalls: Throughput; updates: Throughput; unloadedPushMs?: Percentiles; /** With `jit`: the relay's whole run, start-up and warm-ups included. */ jit?: JitCounts };

export interface WebhookCpuRound {
  forwarder: WebhookCpuFigures;
  relay: WebhookCpuFigures;
}

/**
 * The relay's CPU per webhook against the forwarder's, new calls then their updates at 16
 * senders, without the rest of `pnpm bench relay` (no socket, fan-out nor CRM setups): a check
 * while working on the webhook's path; with `unloadedCalls`, then the one-sender push latency on
 * the same server, as the full bench measures it. With `profileDir`, one more relay run under
 * `node --cpu-prof`, read by function for each phase apart, sampled every `profileIntervalUs`
 * (`cpuProfileArgs`). `warmUps`: how many times the warm-up runs (`WARM_UP_ROUNDS`, as in the full
 * bench, unless told): after one, each phase still pays V8's optimising again after the switch from
 * the phase before (new connections, the other kind of webhook); after three, next to none (issue 13: the design text's "The relay's other threads, warm").
 */
export async function benchWebhookCpu(options: { rounds: number; calls: number; unloadedCalls?: number; profileDir?: string; profileIntervalUs?: number; warmUps?: number; jit?: boolean }): Promise<{ rounds: WebhookCpuRound[]; profile?: { newCalls: FunctionSelfTime[]; updates: FunctionSelfTime[] } }> {
  const rounds: WebhookCpuRound[] = [];
  const phases = async (target: Target): Promise<WebhookCpuFigures> => {
    await warmUp(target, options.warmUps);
    const figures = await throughputPhases(target, options.calls);
    return options.unloadedCalls ? { ...figures, unloadedPushMs: await unloaded(target, options.unloadedCalls) } : figures;
  };
  for (let round = 1; round <= options.rounds; round++) {
    const forwarderTarget = await startForwarder(0);
    const forwarder = await stopAfter(forwarderTarget, () => phases(forwarderTarget));
    const relay = await withRelay(options.jit ? { jitTrace: true } : {}, async (target) => {
      const figures = await phases(target);
      return target.traced?.jitTrace ? { ...figures, jit: countJit(target.traced.output) } : figures;
    });
    rounds.push({ forwarder, relay });
    console.log(`webhook cpu round ${round}`, JSON.stringify({ forwarder: cpuSummary(forwarder), relay: cpuSummary(relay) }));
  }
  if (!options.profileDir) return { rounds };
  const windows = phaseWindows();
  const pid = await withRelay({ cpuProfileDir: options.profileDir, ...(options.profileIntervalUs ? { cpuProfileIntervalUs: options.profileIntervalUs } : {}) }, async (target) => {
    await warmUp(target, options.warmUps);
    await throughputPhases(target, options.calls, { updates: true }, windows);
    return target.pid;
  });
  const profile = readRelayProfile(options.profileDir, pid);
  return { rounds, profile: { newCalls: selfTimeByFunction(profile, windows.newCalls), updates: selfTimeByFunction(profile, windows.updates) } };
}

/**
 * New calls with `counts` agents registered (one of them connected; the calls routed by the
 * called number), each count on a relay of its own, the counts' order reversed every other round
 * so that the machine's drift weighs on both ends alike: measured one after the other, 1 agent
 * first and 10,000 last minutes later, the ratio moved x0.72 to x1.03 from one bench to the next
 * while the relay's CPU per webhook did not move (issue 13).
 */
async function registeredThroughput(calls: number, counts: readonly number[], round: number): Promise<Record<number, Throughput>> {
  const figures: Record<number, Throughput> = {};
  for (const count of inTurn(counts, round - 1)) {
    figures[count] = await withRelay({ extraAgents: count - 1 }, async (target) => {
      await warmUp(target);
      return (await throughputPhases(target, calls, { updates: false })).newCalls;
    });
  }
  return figures;
}

/** The registered rows of `pnpm bench relay` without the rest, for pairing 1 agent against 10,000 (tests/bench/registered-agents.ts). */
export async function benchRegisteredAgents(options: { rounds: number; calls: number; counts: number[] }): Promise<Array<Record<number, Throughput>>> {
  const rounds: Array<Record<number, Throughput>> = [];
  for (let round = 1; round <= options.rounds; round++) {
    const figures = await registeredThroughput(options.calls, options.counts, round);
    rounds.push(figures);
    console.log(`registered agents round ${round}`, JSON.stringify(Object.fromEntries(Object.entries(figures).map(([count, t]) => [count, { perS: t.webhooksPerSecond, cpuMs: t.serverCpuMs, mainThreadMs: t.serverMainThreadMs }]))));
  }
  return rounds;
}

function cpuSummary(phases: WebhookCpuFigures) {
  return {
    newPerS: phases.newCalls.webhooksPerSecond,
    newCpuMs: phases.newCalls.serverCpuMs,
    newMainThreadMs: phases.newCalls.serverMainThreadMs,
    updatePerS: phases.updates.webhooksPerSecond,
    updateCpuMs: phases.updates.serverCpuMs,
    updateMainThreadMs: phases.updates.serverMainThreadMs,
    ...(phases.unloadedPushMs ? { loneP50: phases.unloadedPushMs.p50, loneP99: phases.unloadedPushMs.p99 } : {}),
  };
}

/** The profile the relay's main thread wrote into `dir` (thread 0; tsx's loader runs in a worker of its own). */
function readRelayProfile(dir: string, pid: number): CpuProfile {
  const file = readdirSync(dir).find((name) => name.includes(`.${pid}.0.`));
  if (!file) throw new Error(`the relay (pid ${pid}) wrote no CPU profile`);
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
}

/** One more run of the relay's load phases under `node --cpu-prof` (not among the measured ones: profiling slows it). */
async function profileRelay(options: ThroughputOptions): Promise<SelfTime[]> {
  const dir = tempDir('pc-bench-profile-');
  try {
    const pid = await withRelay({ cpuProfileDir: dir.path }, async (target) => {
      await warmUp(target);
      await throughputPhases(target, options.calls);
      return target.pid;
    });
    return selfTimeByArea(readRelayProfile(dir.path, pid), 'webhookGuardHandler');
  } finally {
    dir.remove();
  }
}

/** A server under bench: where to post, which process to watch, how to connect agents. */
interface Target {
  origin: string;
  pid: number;
  incoming: string;
  status: string;
  /** Tokens of the agents to connect: the one that receives every event first, the fan-out agents, and agents that only stay connected. */
  tokens: { owner?: string; fanOut: Array<string | undefined>; idle: Array<string | undefined> };
  /** Index of the next call new to this server (its caller is `benchCaller(index)`). */
  nextCall: number;
  stop(): Promise<unknown>;
  /** The V8 traces the relay runs with, when any (`traceArgs`), and its output lines so far, which hold them. */
  traced?: PhasesTrace & { output: string[] };
  /** The relay's PostgreSQL database, when it runs on one. */
  databaseUrl?: string;
  /** The relay's inspector, when it runs with one from the start (`PhasesHeap`). */
  inspector?: InspectorClient;
  /** The server's inspector: opened the first time it is asked for, unless open from the start. */
  inspect(): Promise<InspectorClient>;
}

/** Throughput of new calls and of their updates at 16 senders, then the push latency with one. */
async function loadFigures(target: Target, options: ThroughputOptions): Promise<Pick<ServerFigures, 'newCalls' | 'updates' | 'unloadedPushMs'>> {
  await warmUp(target);
  const { newCalls, updates } = await throughputPhases(target, options.calls);
  return { newCalls, updates, unloadedPushMs: await unloaded(target, options.unloadedCalls) };
}

/**
 * Incoming calls that reach the fan-out's sockets, then the memory of idle sockets: the fan-out
 * first, as a load phase runs, with no inspector attached and the heap not just compacted by the
 * memory's full collections.
 */
async function socketFigures(target: Target, options: ThroughputOptions): Promise<Pick<ServerFigures, 'idle' | 'fanOut'>> {
  const sockets = await BenchSocket.connectMany(target.origin, target.tokens.fanOut);
  let figures: FanOut;
  try {
    await warmUpFanOut(target, sockets);
    figures = await fanOut(target, sockets, options.fanOutCalls);
  } finally {
    await Promise.all(sockets.map((socket) => socket.closed()));
  }
  return { fanOut: figures, idle: await idleSockets(target) };
}

/**
 * The server's memory after a full collection with no socket, with the fan-out agents' sockets, and
 * with as many more (the idle agents'), which then all close. Every socket connects and closes once
 * before: the first connections compile the server's path for them and leave malloc the room of
 * their handshakes' garbage, which the next ones reuse.
 */
async function idleSockets(target: Target): Promise<IdleSockets> {
  const inspector = await target.inspect();
  const tokens = [...target.tokens.fanOut, ...target.tokens.idle];
  await Promise.all((await BenchSocket.connectMany(target.origin, tokens)).map((socket) => socket.closed()));
  const none = await settledMemory(inspector);
  const sockets = await BenchSocket.connectMany(target.origin, target.tokens.fanOut);
  try {
    const one = await settledMemory(inspector);
    sockets.push(...(await BenchSocket.connectMany(target.origin, target.tokens.idle)));
    const two = await settledMemory(inspector);
    return idleFigures(target.tokens.fanOut.length, none, one, two);
  } finally {
    await Promise.all(sockets.map((socket) => socket.closed()));
  }
}

/**
 * The idle sockets' memory alone (tests/bench/idle-sockets.ts): each round on a forwarder and a
 * relay started for it, the two taking turns going first. No webhook before: in `pnpm bench
 * relay` the forwarder has served its load phases first, the relay has not.
 */
export async function benchIdleSockets(options: { rounds: number; sockets: number }): Promise<Array<{ forwarder: IdleSockets; relay: IdleSockets }>> {
  const rounds: Array<{ forwarder: IdleSockets; relay: IdleSockets }> = [];
  for (let round = 0; round < options.rounds; round++) {
    const figures: Partial<Record<'forwarder' | 'relay', IdleSockets>> = {};
    for (const server of inTurn(['forwarder', 'relay'] as const, round)) {
      if (server === 'relay') figures.relay = await withRelay({ fanOutAgents: options.sockets, extraAgents: options.sockets }, idleSockets);
      else {
        const target = await startForwarder(options.sockets);
        figures.forwarder = await stopAfter(target, () => idleSockets(target));
      }
    }
    rounds.push({ forwarder: figures.forwarder!, relay: figures.relay! });
    console.log(`idle sockets round ${round + 1}`, JSON.stringify(rounds.at(-1)));
  }
  return rounds;
}

function idleFigures(sockets: number, none: ProcessMemory, one: ProcessMemory, two: ProcessMemory): IdleSockets {
  const mib = (memory: ProcessMemory) => Math.round(memory.rssKb / 1024);
  return { sockets, rssNoneMiB: mib(none), rssOneMiB: mib(one), rssTwoMiB: mib(two), perSocket: costPerSocket(one, two, sockets), firstPerSocket: costPerSocket(none, one, sockets) };
}

async function stopAfter<T>(target: Target, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    await target.stop();
  }
}

/** The indexes of `count` calls new to the server. */
function takeCalls(target: Target, count: number): number[] {
  const first = target.nextCall;
  target.nextCall += count;
  return Array.from({ length: count }, (_, i) => first + i);
}

function incomingPayload(index: number, to = OWNER_NUMBER) {
  return { CallSid: benchCallSid(index), AccountSid: 'AC0', From: benchCaller(index % DISTINCT_CALLERS), To: to, CallStatus: 'ringing', Direction: 'inbound' };
}

function completedPayload(index: number) {
  return { CallSid: benchCallSid(index), AccountSid: 'AC0', From: benchCaller(index % DISTINCT_CALLERS), To: OWNER_NUMBER, CallStatus: 'completed', CallDuration: '42' };
}

/**
 * New calls, then their completed statuses: a relay that has served both kinds is what the phases
 * measure. With new calls alone, V8 compiled the update path inside the updates' phase, some 0.15
 * ms of an update's 0.58 ms of relay CPU (s16-cpu's --no-concurrent-recompilation runs), a cost a
 * running relay pays once. Each round after the first waits until the relay has `settled` (with a
 * CRM, its backlog drained), as the measured phases do.
 */
async function warmUp(target: Target, rounds = WARM_UP_ROUNDS, settled: () => Promise<unknown> = async () => undefined): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    if (round > 0) await settled();
    const socket = await BenchSocket.connect(target.origin, target.tokens.owner);
    try {
      const indexes = takeCalls(target, WARM_UP);
      const newCalls = await send(target, socket, await signWebhooks(target.incoming, AUTH_TOKEN, indexes.map((i) => incomingPayload(i))), CONCURRENCY, 1);
      const updates = await send(target, socket, await signWebhooks(target.status, AUTH_TOKEN, indexes.map((i) => completedPayload(i))), CONCURRENCY, 2);
      // Not among the figures, but a cut-off here is one the measured phases may meet too.
      for (const [phase, { sockets }] of Object.entries({ newCalls, updates })) {
        if (sockets && (sockets.benchResumed > 0 || Object.values(sockets.disconnects).some((n) => n > 0))) console.log(`warm-up round ${round + 1} ${phase}: the bench's socket was cut off`, JSON.stringify(sockets), describeCloses(socket.closes));
      }
    } finally {
      socket.close();
    }
  }
}

/**
 * How a phase of `webhooks` webhooks is run: as it is, or (with a CRM) once the CRM's backlog is
 * drained, accounted. `work` calls `sent` once its last webhook is answered, before it waits for
 * the events on the socket.
 */
type MeasuredPhase = <T>(webhooks: number, work: (sent?: () => Promise<void>) => Promise<T>) => Promise<T>;

/** New calls at 16 senders, then (unless told not to) their completed statuses, while the owner's socket receives every event. */
async function throughputPhases(target: Target, calls: number, phases = { updates: true }, windows?: { newCalls: PhaseWindow; updates: PhaseWindow }, measured: MeasuredPhase = (_, work) => work()): Promise<{ newCalls: Throughput; updates: Throughput }> {
  const socket = await BenchSocket.connect(target.origin, target.tokens.owner);
  try {
    const indexes = takeCalls(target, calls);
    const incoming = await signWebhooks(target.incoming, AUTH_TOKEN, indexes.map((i) => incomingPayload(i)));
    const newCalls = await measured(incoming.length, (sent) => send(target, socket, incoming, CONCURRENCY, 1, windows?.newCalls, sent));
    if (!phases.updates) return { newCalls, updates: newCalls };
    const statuses = await signWebhooks(target.status, AUTH_TOKEN, indexes.map((i) => completedPayload(i)));
    return { newCalls, updates: await measured(statuses.length, (sent) => send(target, socket, statuses, CONCURRENCY, 2, windows?.updates, sent)) };
  } finally {
    socket.close();
  }
}

function kernelPerWebhook(before: { systemMs: number; minorFaults: number }, after: { systemMs: number; minorFaults: number }, webhooks: number): Pick<Throughput, 'serverMainSystemMs' | 'serverMainFaults'> {
  return { serverMainSystemMs: Number(((after.systemMs - before.systemMs) / webhooks).toFixed(3)), serverMainFaults: Number(((after.minorFaults - before.minorFaults) / webhooks).toFixed(2)) };
}

/** Posts the webhooks, tells `sent`, and waits until `socket` has its `nth` message of each call; `window` takes when that was, and when the last was answered (for a CPU profile). */
async function send(target: Target, socket: BenchSocket, webhooks: SignedWebhook[], concurrency: number, nth: number, window?: PhaseWindow, sent?: () => Promise<void>): Promise<Throughput> {
  // The relay's counters read outside the CPU measured: /metrics is not the webhooks' work.
  const closesBefore = socket.closes.length;
  const countersBefore = target.tokens.owner && (await socketCounters(target.origin));
  const cpuBefore = cpuMs(target.pid);
  const mainThreadBefore = cpuMs(target.pid, target.pid);
  const kernelBefore = threadKernelMs(target.pid, target.pid);
  const threadsBefore = threadTimesByName(target.pid);
  const traced = target.traced;
  const traceFrom = traced?.output.length ?? 0;
  if (window) window.fromUs = monotonicUs();
  const run = await postWebhooks(target.origin, webhooks, concurrency);
  const threadsSent = threadTimesByName(target.pid);
  if (window) window.sentUs = monotonicUs();
  await sent?.();
  await delivered(webhooks, (callId) => socket.count(callId) >= nth, socket);
  if (window) window.toUs = monotonicUs();
  const figures: Throughput = {
    webhooksPerSecond: Math.round(webhooks.length / run.seconds),
    roundTripMs: percentiles(run.roundTripMs),
    serverCpuMs: Number(((cpuMs(target.pid) - cpuBefore) / webhooks.length).toFixed(3)),
    serverMainThreadMs: Number(((cpuMs(target.pid, target.pid) - mainThreadBefore) / webhooks.length).toFixed(3)),
    ...kernelPerWebhook(kernelBefore, threadKernelMs(target.pid, target.pid), webhooks.length),
    serverThreadsMs: threadTimesPerWebhook(threadsBefore, threadTimesByName(target.pid), webhooks.length),
    serverThreadsWhileSendingMs: threadTimesPerWebhook(threadsBefore, threadsSent, webhooks.length),
    generatorCpuMs: Number((run.generatorCpuMs / webhooks.length).toFixed(3)),
    ...(traced?.jitTrace ? { jit: countJit(traced.output.slice(traceFrom)) } : {}),
    ...(traced?.gcTrace ? { gc: countGc(traced.output.slice(traceFrom), mainIsolateOf(traced.output)) } : {}),
    ...(traced?.gcTrace && traced.markingTrace ? { marking: countMarking(traced.output, traceFrom, mainIsolateOf(traced.output)) } : {}),
  };
  if (countersBefore) figures.sockets = { ...countersSince(countersBefore, await socketCounters(target.origin)), benchResumed: socket.closes.length - closesBefore };
  return figures;
}

/** The relay's socket counters now (`relay_ws_events_sent_total`, `relay_ws_disconnects_total`), by each source and reason they have counted. */
async function socketCounters(origin: string): Promise<Omit<SocketTraffic, 'benchResumed'>> {
  const metrics = await (await fetch(`${origin}/metrics`)).text();
  // The values read off the series the relay renders, rather than a copy of agent-socket.ts's sources and reasons that could fall
  // behind them; each summed by the harness's reader over whatever other labels a series may carry.
  const by = (name: string, label: string) => {
    const values = new Set([...metrics.matchAll(new RegExp(`^${name}\\{[^}]*${label}="([^"]+)"`, 'gm'))].map(([, value]) => value!));
    return Object.fromEntries([...values].map((value) => [value, counterIn(metrics, name, `${label}="${value}"`)]));
  };
  return { eventsSent: by('relay_ws_events_sent_total', 'source'), disconnects: by('relay_ws_disconnects_total', 'reason') };
}

function countersSince(before: Omit<SocketTraffic, 'benchResumed'>, after: Omit<SocketTraffic, 'benchResumed'>): Omit<SocketTraffic, 'benchResumed'> {
  const since = (a: Record<string, number>, b: Record<string, number>) => Object.fromEntries(Object.entries(b).map(([key, n]) => [key, n - (a[key] ?? 0)]));
  return { eventsSent: since(before.eventsSent, after.eventsSent), disconnects: since(before.disconnects, after.disconnects) };
}

async function unloaded(target: Target, calls: number): Promise<Percentiles> {
  const socket = await BenchSocket.connect(target.origin, target.tokens.owner);
  try {
    const webhooks = await signWebhooks(target.incoming, AUTH_TOKEN, takeCalls(target, calls).map((i) => incomingPayload(i)));
    const run = await postWebhooks(target.origin, webhooks, 1);
    await delivered(webhooks, (callId) => socket.count(callId) >= 1, socket);
    return percentiles(webhooks.map((w) => socket.arrival(w.callId)! - run.sentAt.get(w.callId)!));
  } finally {
    socket.close();
  }
}

/**
 * Fan-out calls sent before those measured, on every server alike. A relay's first fan-outs run
 * its send path (the queue's turns, the socket's frame, Node's write) before the JIT has compiled
 * it for that use: with the warm-up's webhooks sent to one agent, the first three or four took 2
 * to 4 times as long as the next ones, and the p99 of 20 calls was theirs (issue 13). Measured
 * apart in the design text; the figures are a running relay's.
 */
export const FAN_OUT_WARM_UP = 5;

/** The unmeasured fan-out calls: before `fanOut` on every server, and before the CPU it measures. */
async function warmUpFanOut(target: Target, sockets: BenchSocket[]): Promise<void> {
  for (const index of takeCalls(target, FAN_OUT_WARM_UP)) await fanOutCall(target, sockets, index);
}

/**
 * Incoming calls to the team number, one at a time, each waiting until every socket has it, the
 * bench's own young generation emptied before each (`benchHeapSettled`).
 */
async function fanOut(target: Target, sockets: BenchSocket[], calls: number): Promise<FanOut> {
  const deliveryMs: number[] = [];
  const lastSocketMs: number[] = [];
  const firstSocketMs: number[] = [];
  const replyMs: number[] = [];
  for (const index of takeCalls(target, calls)) {
    benchHeapSettled();
    const { latencies, roundTripMs } = await fanOutCall(target, sockets, index);
    deliveryMs.push(...latencies);
    lastSocketMs.push(Math.max(...latencies));
    firstSocketMs.push(Math.min(...latencies));
    replyMs.push(...roundTripMs);
  }
  return { deliveryMs: percentiles(deliveryMs), lastSocketMs: percentiles(lastSocketMs), firstSocketMs: percentiles(firstSocketMs), replyMs: percentiles(replyMs) };
}

/** One incoming call to the team number: from sending it to each socket's event, and the provider's round trip. */
async function fanOutCall(target: Target, sockets: BenchSocket[], index: number): Promise<{ latencies: number[]; roundTripMs: number[] }> {
  const webhooks = await signWebhooks(target.incoming, AUTH_TOKEN, [incomingPayload(index, FAN_OUT_NUMBER)]);
  const run = await postWebhooks(target.origin, webhooks, 1);
  const callId = webhooks[0]!.callId;
  if (!(await until(() => sockets.every((socket) => socket.count(callId) >= 1), DELIVERY_DEADLINE_MS))) throw new Error(`call ${callId} reached ${sockets.filter((s) => s.count(callId) > 0).length} of ${sockets.length} sockets`);
  const sent = run.sentAt.get(callId)!;
  return { latencies: sockets.map((socket) => socket.arrival(callId)! - sent), roundTripMs: run.roundTripMs };
}

/** Waits until every webhook's event `arrived` on `socket`; past the deadline, fails with how many did not and how the socket's connections ended. */
async function delivered(webhooks: readonly SignedWebhook[], arrived: (callId: string) => boolean, socket: BenchSocket): Promise<void> {
  if (!(await until(() => webhooks.every((w) => arrived(w.callId)), DELIVERY_DEADLINE_MS))) {
    throw new Error(`${webhooks.filter((w) => !arrived(w.callId)).length} of ${webhooks.length} events never reached the socket within ${DELIVERY_DEADLINE_MS / 1000} s; ${describeCloses(socket.closes)}`);
  }
}

/** The ends of a bench socket's connections, for an error. */
export function describeCloses(closes: readonly SocketClose[]): string {
  if (closes.length === 0) return 'its connection never ended';
  const ends = closes.map((close) => `${close.code}${close.reason ? ` "${close.reason}"` : ''} at ${(close.at / 1000).toFixed(1)} s after seq ${close.lastSeq}`);
  return `its connection ended ${closes.length} time(s) (the bench resumed after its last seq when it could): ${ends.join(', ')}`;
}

/** The forwarder process, with as many anonymous fan-out sockets as the relay's fan-out agents, and as many idle ones. */
async function startForwarder(fanOutSockets: number): Promise<Target> {
  const child = spawn(process.execPath, [INSPECTOR_ON_SIGNAL, '--import', 'tsx', join(REPO_ROOT, 'tests', 'bench', 'forwarder.ts')], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = linesOf(child.stderr!);
  const port = await listeningPort(child);
  const origin = `http://127.0.0.1:${port}`;
  const inspector = inspectorOnRequest(child.pid!, stderr);
  const anonymous = () => Array.from({ length: fanOutSockets }, () => undefined);
  return {
    origin,
    pid: child.pid!,
    incoming: `${origin}/hooks/bench/incoming`,
    status: `${origin}/hooks/bench/status`,
    tokens: { fanOut: anonymous(), idle: anonymous() },
    nextCall: 0,
    inspect: inspector.open,
    stop: () => {
      inspector.close();
      return stopChild(child);
    },
  };
}

/** A child's stream as lines, kept for reading (the inspector's URL) and passed on to this process's stderr, where the forwarder's went before. */
function linesOf(stream: NodeJS.ReadableStream): string[] {
  const lines: string[] = [];
  let pending = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    process.stderr.write(chunk);
    const split = (pending + chunk).split('\n');
    pending = split.pop()!;
    lines.push(...split);
  });
  return lines;
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      output += chunk;
      const port = /"port":(\d+)/.exec(output)?.[1];
      if (port) resolve(Number(port));
    });
    child.once('exit', (code) => reject(new Error(`the forwarder exited (${code}) before listening: ${output}`)));
  });
}

function stopChild(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  return exited;
}

/**
 * A real relay on SQLite (or, given `postgresUrl`, on a fresh database of that PostgreSQL server)
 * whose agents are written into its store before it starts: the owner (an admin whose instance
 * takes the webhooks), `extraAgents` more with numbers of their own (the idle sockets' agents),
 * and the fan-out agents, all with the team number. Its inspector opens when the bench asks
 * (`Target.inspect`), or from the start with `inspect`.
 */
async function withRelay<T>(
  setup: PhasesTrace & { extraAgents?: number; fanOutAgents?: number; cpuProfileDir?: string; cpuProfileIntervalUs?: number; inspect?: boolean; crm?: { connector: string; config: Record<string, string> }; postgresUrl?: string },
  work: (target: Target) => Promise<T>,
): Promise<T> {
  const dir = tempDir('pc-bench-');
  try {
    const databaseUrl = setup.postgresUrl && (await freshDatabase('bench', setup.postgresUrl));
    const db = databaseUrl || join(dir.path, 'relay.db');
    const owner = await seedAgents(db, [{ number: OWNER_NUMBER, admin: true }]);
    const idle = await seedAgents(db, Array.from({ length: setup.extraAgents ?? 0 }, (_, i) => ({ number: `+1415600${String(i).padStart(4, '0')}`, admin: false })));
    const fanOut = await seedAgents(db, Array.from({ length: setup.fanOutAgents ?? 0 }, () => ({ number: FAN_OUT_NUMBER, admin: false })));
    const relay = await startRelayProcess({ db, env: { LOG_LEVEL: 'info' }, nodeArgs: [...(setup.cpuProfileDir ? cpuProfileArgs(setup.cpuProfileDir, setup.cpuProfileIntervalUs) : []), ...traceArgs(setup), setup.inspect ? '--inspect=127.0.0.1:0' : INSPECTOR_ON_SIGNAL] });
    const inspector = setup.inspect ? await InspectorClient.connect(inspectorUrlOf(relay.output)!) : undefined;
    const onRequest = inspectorOnRequest(relay.process.pid!, relay.output);
    const stop = () => {
      inspector?.close();
      onRequest.close();
      return relay.stop();
    };
    try {
      const xml = readFileSync(join(REPO_ROOT, 'connectors', 'twilio.xml'), 'utf8');
      const instance = await api<{ callbacks: { incoming: string; status: string } }>(relay, owner[0], 'PUT', '/instances/bench', {
        xml,
        config: { authid: 'AC0', authtoken: AUTH_TOKEN, callerid: '+15005550006' },
        ...(setup.crm ? { crm: setup.crm } : {}),
      });
      if (instance.status !== 200) throw new Error(`PUT /instances/bench answered ${instance.status}: ${JSON.stringify(instance.body)}`);
      return await work({ origin: relay.url, pid: relay.process.pid!, ...instance.body.callbacks, tokens: { owner: owner[0], fanOut, idle }, nextCall: 0, inspect: inspector ? async () => inspector : onRequest.open, stop, ...(traceArgs(setup).length ? { traced: { jitTrace: setup.jitTrace, gcTrace: setup.gcTrace, markingTrace: setup.markingTrace, output: relay.output } } : {}), ...(databaseUrl ? { databaseUrl } : {}), ...(inspector ? { inspector } : {}) });
    } finally {
      await stop();
    }
  } finally {
    dir.remove();
  }
}

/** Adds agents straight to the store, a SQLite file or a PostgreSQL URL (10,000 `relay agent add` processes would take minutes); returns their tokens. */
async function seedAgents(db: string, agents: Array<{ number: string; admin: boolean }>): Promise<string[]> {
  const store = await openStore(/^postgres(ql)?:\/\//.test(db) ? { databaseUrl: db } : { db });
  try {
    const createdAt = new Date().toISOString();
    const tokens = agents.map(() => generateToken());
    await store.transaction(async (tx) => {
      for (const [i, agent] of agents.entries()) {
        await tx.addAgent({ id: randomId('ag_'), name: `Bench ${i}`, number: agent.number, email: null, admin: agent.admin, tokenHash: hashToken(tokens[i]!), createdAt });
      }
    });
    return tokens;
  } finally {
    await store.close();
  }
}

function roundRatios(round: RoundFigures): ThroughputRatios {
  const of = (a: Throughput, b: Throughput) => a.webhooksPerSecond / b.webhooksPerSecond;
  return {
    newCalls: of(round.relay.newCalls, round.forwarder.newCalls),
    updates: of(round.relay.updates, round.forwarder.updates),
    registered: Object.fromEntries(Object.entries(round.registered).map(([count, figures]) => [count, of(figures, round.registered[1]!)])),
    crmNewCalls: of(round.crm.newCalls, round.relay.newCalls),
    crmUpdates: of(round.crm.updates, round.relay.updates),
  };
}

function medianRatios(ratios: ThroughputRatios[]): ThroughputRatios {
  const of = (pick: (r: ThroughputRatios) => number) => median(ratios.map(pick));
  return {
    newCalls: of((r) => r.newCalls),
    updates: of((r) => r.updates),
    registered: Object.fromEntries(Object.keys(ratios[0]!.registered).map((count) => [count, of((r) => r.registered[Number(count)]!)])),
    crmNewCalls: of((r) => r.crmNewCalls),
    crmUpdates: of((r) => r.crmUpdates),
  };
}

function medianRound(rounds: RoundFigures[]): RoundFigures {
  const throughput = (pick: (r: RoundFigures) => Throughput): Throughput => ({
    webhooksPerSecond: median(rounds.map((r) => pick(r).webhooksPerSecond)),
    roundTripMs: medianPercentiles(rounds.map((r) => pick(r).roundTripMs)),
    serverCpuMs: median(rounds.map((r) => pick(r).serverCpuMs)),
    serverMainThreadMs: median(rounds.map((r) => pick(r).serverMainThreadMs)),
    generatorCpuMs: median(rounds.map((r) => pick(r).generatorCpuMs)),
  });
  const server = (pick: (r: RoundFigures) => ServerFigures): ServerFigures => ({
    newCalls: throughput((r) => pick(r).newCalls),
    updates: throughput((r) => pick(r).updates),
    unloadedPushMs: medianPercentiles(rounds.map((r) => pick(r).unloadedPushMs)),
    fanOut: {
      deliveryMs: medianPercentiles(rounds.map((r) => pick(r).fanOut.deliveryMs)),
      lastSocketMs: medianPercentiles(rounds.map((r) => pick(r).fanOut.lastSocketMs)),
      firstSocketMs: medianPercentiles(rounds.map((r) => pick(r).fanOut.firstSocketMs)),
      replyMs: medianPercentiles(rounds.map((r) => pick(r).fanOut.replyMs)),
    },
    idle: medianIdle(rounds.map((r) => pick(r).idle)),
  });
  return {
    forwarder: server((r) => r.forwarder),
    relay: server((r) => r.relay),
    registered: Object.fromEntries(Object.keys(rounds[0]!.registered).map((count) => [count, throughput((r) => r.registered[Number(count)]!)])),
    crm: { newCalls: throughput((r) => r.crm.newCalls), updates: throughput((r) => r.crm.updates), phases: { newCalls: medianCrmPhase(rounds.map((r) => r.crm.phases.newCalls)), updates: medianCrmPhase(rounds.map((r) => r.crm.phases.updates)) } },
  };
}

export function medianIdle(rounds: IdleSockets[]): IdleSockets {
  const of = (pick: (idle: IdleSockets) => number) => median(rounds.map(pick));
  return {
    sockets: rounds[0]!.sockets,
    rssNoneMiB: of((idle) => idle.rssNoneMiB),
    rssOneMiB: of((idle) => idle.rssOneMiB),
    rssTwoMiB: of((idle) => idle.rssTwoMiB),
    perSocket: medianOfEach(rounds.map((idle) => idle.perSocket)),
    firstPerSocket: medianOfEach(rounds.map((idle) => idle.firstPerSocket)),
  };
}

/** The median of each figure of a CRM phase over the rounds; the time after the last reply only when every round has it. */
export function medianCrmPhase(phases: CrmPhase[]): CrmPhase {
  const of = (pick: (p: CrmPhase) => number) => median(phases.map(pick));
  const tails = phases.flatMap((p) => (p.afterLastReply ? [p.afterLastReply] : []));
  const afterLastReply = tails.length === phases.length ? { account: medianOfEach(tails.map((t) => t.account)), simulatorCpuMs: median(tails.map((t) => t.simulatorCpuMs)) } : undefined;
  return { account: medianOfEach(phases.map((p) => p.account)), simulatorCpuMs: of((p) => p.simulatorCpuMs), ...(afterLastReply ? { afterLastReply } : {}), stepsAtOnce: of((p) => p.stepsAtOnce), stepsRationed: of((p) => p.stepsRationed), stepsAtOnceAfter: of((p) => p.stepsAtOnceAfter), stepsRationedAfter: of((p) => p.stepsRationedAfter), lookupsSent: of((p) => p.lookupsSent), searches: of((p) => p.searches), transactions: of((p) => p.transactions), outboxDepthAfter: of((p) => p.outboxDepthAfter), untilDrainedCpuMs: of((p) => p.untilDrainedCpuMs ?? NaN), untilDrainedMainThreadMs: of((p) => p.untilDrainedMainThreadMs ?? NaN), untilDrainedTransactions: of((p) => p.untilDrainedTransactions ?? NaN) };
}

function summary(round: RoundFigures) {
  return {
    forwarder: round.forwarder.newCalls.webhooksPerSecond,
    relay: round.relay.newCalls.webhooksPerSecond,
    updates: round.relay.updates.webhooksPerSecond,
    registered: Object.fromEntries(Object.entries(round.registered).map(([n, t]) => [n, t.webhooksPerSecond])),
    unloadedP99: round.relay.unloadedPushMs.p99,
    fanOutP99: round.relay.fanOut.deliveryMs.p99,
    fanOutReplyP50: round.relay.fanOut.replyMs.p50,
    heapKbPerAgent: round.relay.idle.perSocket.heapKb,
    crm: round.crm.newCalls.webhooksPerSecond,
  };
}
