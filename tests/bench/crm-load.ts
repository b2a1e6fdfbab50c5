/**
 * `npx tsx tests/bench/crm-load.ts [--calls N] [--rounds N] [--warm-up N] [--pinned] [--profile] [--phases [--gc] [--marking] [--jit] [--profile [--profile-interval US] [--main-thread]] | --phases --heap [--interval BYTES]] [--one-at-a-time [--settled]] [--crm-rtt MS] [--restarts N] [--remote] [--crm slow|down] [--kind vtiger|hubspot]`: the relay
 * without a CRM and with the Vtiger simulator answering (HubSpot's with `--kind hubspot`, its bundled connector), alternately in each round (200 calls at
 * 16 senders, each an incoming then a completed webhook), without the rest of `pnpm bench relay`:
 * a check while working on the CRM's path (issue 10), not figures for the docs. Per run, where
 * the webhooks' wall time went (cpu-account.ts) and how many CRM steps were rationed; per round,
 * the ratios with / without. `--warm-up N` has each relay settle N calls of other callers first
 * (the JIT then warm, as in a relay up for a while; a fresh relay's figures count its compiler's
 * start on the CRM's paths). `--pinned` puts the relay alone on one core in both runs (relay.ts
 * `pin`). `--profile` adds one CRM run under `node --cpu-prof`, read by function while the
 * webhooks came. `--phases` runs the throughput bench's CRM row instead (relay-throughput.ts:
 * `--calls` new calls, then their updates, after a warm-up), without and with the CRM, alternately
 * (per phase, the main thread's time on a core per webhook until the last webhook was answered too:
 * the CRM's work that competed with the webhooks, without what waited for the burst's end);
 * with `--gc`, the relay runs with `--trace-gc-nvp` and each phase tells the KB its main thread's
 * scavenges promoted per webhook, its scavenges and mark-compacts, and the KB its other threads'
 * promoted, its collections' pauses and its heap at the phase's first collection (gc-trace.ts: until every event was on the socket, as the phase's CPU);
 * with `--marking` (which implies `--gc`), with `--trace-incremental-marking` too, each phase's incremental marking on the main
 * thread: whether a cycle was under way at its start, the cycles begun, the ms it was on, its steps and their ms (gc-trace.ts `countMarking`);
 * with `--jit`, with `--trace-opt --trace-deopt` too, each phase's compiles and deopts (jit-trace.ts);
 * with `--profile [--profile-interval US] [--main-thread]`, each run under `node --cpu-prof` too (sampled every US µs, V8's 1,000 unless told; with
 * `--main-thread`, the main thread alone through the inspector over the phases, relay-throughput.ts `PhasesProfile`): per round and phase, the relay's main
 * thread's self time per webhook by function, with the CRM against without, the CRM functions
 * the time with the CRM ran under, and the CRM thread's own busy time and self time by function;
 * after the rounds, the runs with the CRM in the slow mode against those in the fast one (the main
 * thread while sending, with ÷ without: slow-mode.ts), their new calls' self time by function while sending.
 * Each round ends with the machine's load. With `--heap [--interval BYTES]` instead, one run of each with the
 * relay's inspector open, V8's sampling heap profiler (every BYTES allocated on average, 4096 unless
 * told; the objects the collector took kept) over each phase until the relay's CRM work for it is
 * done: per phase, the KB the whole relay process allocated per webhook without and with the CRM,
 * by the function allocating, by the innermost and by the outermost project file on its stack
 * (relay-server/src, shared/src). Its figures are allocation only: the sampling slows the relay.
 * `--one-at-a-time` runs the CRM bench's call-centre pace instead (relay-crm.ts: `--calls` calls,
 * default 50, one sender, the CRM answering): the contact on the first event and the log's latency;
 * with `--settled`, at an agent's pace (each call ends once its contact is on the socket, the next
 * rings once its log is written), else the webhooks follow each other at once. `--crm-rtt MS` puts
 * the CRM that far away (a round trip of MS before each of its answers, getchallenge and login
 * included, concurrent requests each waiting on its own; crm-server.ts `roundTrip`), for
 * `--one-at-a-time` and `--restarts`. `--restarts N` runs, instead, the first call after N relay
 * restarts with the sessions signed in ahead and N with `CRM_SIGN_IN_AHEAD=off`, alternately, the
 * agent online before each call (crm-restart.ts): how many had the contact on the first event, and
 * its latency. `--remote` runs the part of `pnpm bench relay` that does this (16 settled calls at
 * 120 and at 250 ms, 5 restarts of each kind at 120 ms; relay-crm.ts `benchRemoteCrm`) and prints
 * its table for docs/benchmarks.md.
 * `--crm slow|down` runs the CRM bench's slow or down CRM instead of the answering one (relay-crm.ts;
 * with `--warm-up N`, the CRM answers the warm-up's calls and turns slow or down after them, as
 * `pnpm bench relay` runs it), with `--profile` too.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { tempDir } from '../relay/harness.ts';
import { type CallFrame, type CpuProfile, largestFirst, selfTimeByFunction, type Stack, sumSelfTime } from './cpu-profile.ts';
import { benchFirstCallAfterRestart } from './crm-restart.ts';
import { BENCH_CRMS, type BenchCrmKind, type CrmPhase } from './crm-run.ts';
import { positiveIntegerFlag } from './flags.ts';
import { allocationSplit, allocationTable } from './heap-sampling.ts';
import { benchCrm, benchRemoteCrm, CRM_SCENARIOS, type CrmScenario, sayIfNotExactlyOnce, summary } from './relay-crm.ts';
import { remoteCrmTable } from './relay-report.ts';
import { compareModes, FAST_UNDER, type ProfiledRun, selfOnCpu, SLOW_FROM } from './slow-mode.ts';
import { benchRelay } from './relay.ts';
import { crmThroughput, type PhasesHeap, type PhasesProfile, phaseWindows, readPhasesProfile, readPhasesThreadProfile, relayThroughput, type Throughput } from './relay-throughput.ts';

const args = process.argv.slice(2);
const calls = positiveIntegerFlag(args, '--calls', 200);
const rounds = positiveIntegerFlag(args, '--rounds', 1);
const pinned = args.includes('--pinned');
const oneAtATime = args.includes('--one-at-a-time');
/** Calls each relay settles before the measured ones (benchRelay's `warmUpCalls`): its JIT warm, as after a while up. */
const warmUpCalls = args.includes('--warm-up') ? positiveIntegerFlag(args, '--warm-up', 300) : 0;
const scenario = (args.includes('--crm') ? args[args.indexOf('--crm') + 1] : 'fast') as CrmScenario;
if (!(scenario in CRM_SCENARIOS)) throw new Error(`--crm takes one of ${Object.keys(CRM_SCENARIOS).join(', ')}`);
/** The CRM the runs with a CRM use (`--kind`; not the `--phases` runs, which are the throughput bench's Vtiger row). */
const kind = (args.includes('--kind') ? args[args.indexOf('--kind') + 1] : 'vtiger') as BenchCrmKind;
if (!BENCH_CRMS.includes(kind)) throw new Error(`--kind takes one of ${BENCH_CRMS.join(', ')}`);
/** The CRM's round trip (`--crm-rtt MS`): each of its answers sent that long after it is ready; none unless told. */
const rttMs = args.includes('--crm-rtt') ? positiveIntegerFlag(args, '--crm-rtt', 0) : 0;

const heap = args.includes('--heap');
const markingTrace = args.includes('--marking');
const trace = { gcTrace: args.includes('--gc') || markingTrace, markingTrace, jitTrace: args.includes('--jit') };
/** `--profile-interval US`: the profiler's sampling interval (V8's 1,000 µs unless told): 1,000 new calls are some 200 ms of the main thread. */
const profileIntervalUs = args.includes('--profile-interval') ? positiveIntegerFlag(args, '--profile-interval', 1000) : undefined;
/** With `--profile`, each round's run with the CRM, its mode and its new calls' self time by function, for `compareModes` after the rounds. */
const profiledRuns: ProfiledRun[] = [];

for (let round = 1; round <= rounds && args.includes('--phases') && !heap; round++) {
  const profiles = args.includes('--profile') ? { without: phasesProfile(), with: phasesProfile() } : undefined;
  try {
    const without = await relayThroughput(calls, profiles?.without.profile, undefined, trace);
    const withCrm = await crmThroughput(calls, profiles?.with.profile, undefined, trace);
    printPhases(round, without, withCrm);
    if (profiles) {
      const run = { without: profiled(profiles.without.profile), with: profiled(profiles.with.profile) };
      printPhaseProfiles(run.without, run.with);
      const whileSending = { without: sending(without.newCalls), with: sending(withCrm.newCalls) };
      const profiledRun = { withOverWithout: whileSending.with / whileSending.without, ...newCallsWhileSending(run.with, whileSending.with * 1000) };
      console.log(`round ${round} profiled run with the CRM, the new calls while sending:`, JSON.stringify({ ...profiledRun, selfUs: Object.fromEntries(profiledRun.selfUs) }));
      profiledRuns.push(profiledRun);
    }
  } finally {
    profiles?.without.remove();
    profiles?.with.remove();
  }
  console.log(`round ${round} load ${loadavg().map((load) => load.toFixed(2)).join(' ')}`);
}
if (profiledRuns.length > 0) printModes(profiledRuns);

/** The main thread on a core per webhook until the last webhook was answered: the CRM's work that competed with the webhooks, not what waited for the burst's end. */
function sending(phase: { serverThreadsWhileSendingMs?: Record<string, { runMs: number }> }): number {
  return phase.serverThreadsWhileSendingMs?.main?.runMs ?? NaN;
}

/** A round's figures of the phases, without the CRM and with it. */
function printPhases(round: number, without: { newCalls: Throughput; updates: Throughput }, withCrm: Awaited<ReturnType<typeof crmThroughput>>): void {
  /** A figure without the CRM and with it, and with / without. */
  const withWithout = (a: number, b: number) => `${a} / ${b} x${(b / a).toFixed(2)}`;
  const rate = (phase: { webhooksPerSecond: number }) => phase.webhooksPerSecond;
  console.log(`round ${round} phases, webhooks/s without / with: new calls ${withWithout(rate(without.newCalls), rate(withCrm.newCalls))}, updates ${withWithout(rate(without.updates), rate(withCrm.updates))}`);
  const cpu = (phase: { serverCpuMs: number }) => phase.serverCpuMs;
  console.log(`round ${round} phases, the relay's CPU per webhook (ms) without / with: new calls ${cpu(without.newCalls)} / ${cpu(withCrm.newCalls)}, updates ${cpu(without.updates)} / ${cpu(withCrm.updates)}`);
  const main = (phase: { serverMainThreadMs: number }) => phase.serverMainThreadMs;
  console.log(`round ${round} phases, the relay's main thread per webhook (ms) without / with: new calls ${main(without.newCalls)} / ${main(withCrm.newCalls)}, updates ${withWithout(main(without.updates), main(withCrm.updates))}`);
  const kernel = (phase: { serverMainSystemMs?: number; serverMainFaults?: number }) => `${phase.serverMainSystemMs} ms, ${phase.serverMainFaults} faults`;
  console.log(`round ${round} phases, of the main thread per webhook, in the kernel and minor faults, without / with: new calls ${kernel(without.newCalls)} / ${kernel(withCrm.newCalls)}, updates ${kernel(without.updates)} / ${kernel(withCrm.updates)}`);
  // The process's CPU less its main thread's, both in /proc's 10 ms ticks (V8's compiler and collector, libuv's pool).
  const others = (phase: { serverCpuMs: number; serverMainThreadMs: number }) => (phase.serverCpuMs - phase.serverMainThreadMs).toFixed(3);
  console.log(`round ${round} phases, the relay's other threads per webhook (ms) without / with: new calls ${others(without.newCalls)} / ${others(withCrm.newCalls)}, updates ${others(without.updates)} / ${others(withCrm.updates)}`);
  const drained = (phase: CrmPhase) => `${phase.untilDrainedCpuMs} (main thread ${phase.untilDrainedMainThreadMs}, store transactions ${phase.untilDrainedTransactions})`;
  console.log(`round ${round} phases, the relay's CPU per webhook (ms) with the CRM until its backlog drained: new calls ${drained(withCrm.phases.newCalls)}, updates ${drained(withCrm.phases.updates)}`);
  // Each thread's time on a core / on a run queue per webhook, by name (cpu-account.ts `threadTimesByName`): the CRM thread is `pc-crm`.
  const threads = (phase: { serverThreadsMs?: Record<string, { runMs: number; queuedMs: number }> }, times = phase.serverThreadsMs) =>
    Object.entries(times ?? {})
      .map(([name, times]) => `${name} ${times.runMs} / ${times.queuedMs}`)
      .join(', ');
  console.log(`round ${round} phases, the relay's threads per webhook (ms on a core / on a run queue), without: new calls ${threads(without.newCalls)}; updates ${threads(without.updates)}`);
  console.log(`round ${round} phases, the relay's threads per webhook (ms on a core / on a run queue), with: new calls ${threads(withCrm.newCalls)}; updates ${threads(withCrm.updates)}`);
  const whileSending = (phase: Throughput) => threads(phase, phase.serverThreadsWhileSendingMs);
  console.log(`round ${round} phases, the relay's threads per webhook while sending (ms on a core / on a run queue), without: new calls ${whileSending(without.newCalls)}; updates ${whileSending(without.updates)}`);
  console.log(`round ${round} phases, the relay's threads per webhook while sending (ms on a core / on a run queue), with: new calls ${whileSending(withCrm.newCalls)}; updates ${whileSending(withCrm.updates)}`);
  console.log(`round ${round} phases, the relay's main thread on a core per webhook while sending (ms) without / with: new calls ${withWithout(sending(without.newCalls), sending(withCrm.newCalls))}, updates ${withWithout(sending(without.updates), sending(withCrm.updates))}`);
  if (trace.gcTrace) {
    const promoted = (phase: Throughput, gc = phase.gc!) => `${(gc.promotedBytes / 1024 / calls).toFixed(2)} KB (${gc.scavenges} scavenges, ${gc.markCompacts} mark-compacts; other threads ${(gc.otherPromotedBytes / 1024 / calls).toFixed(2)} KB)`;
    console.log(`round ${round} phases, promoted out of the nursery per webhook without / with: new calls ${promoted(without.newCalls)} / ${promoted(withCrm.newCalls)}, updates ${promoted(without.updates)} / ${promoted(withCrm.updates)}`);
    const pauses = (phase: Throughput, gc = phase.gc!) => `scavenges ${gc.scavengePauseMs.toFixed(1)}, mark-compacts ${gc.markCompactPauseMs.toFixed(1)} + incremental marking ${gc.incrementalMarkingMs.toFixed(1)}, heap ${((gc.heapBytesAtFirst ?? NaN) / 2 ** 20).toFixed(0)} MB at the first`;
    console.log(`round ${round} phases, the main thread's collection pauses (ms, the phase's) without / with: new calls ${pauses(without.newCalls)} / ${pauses(withCrm.newCalls)}, updates ${pauses(without.updates)} / ${pauses(withCrm.updates)}`);
  }
  if (trace.markingTrace) {
    const marking = (phase: Throughput, counts = phase.marking!) => `${counts.onAtStart ? 'on at the start' : 'off at the start'}, ${counts.started} begun, on ${counts.onMs} ms, ${counts.steps} steps ${counts.stepsMs.toFixed(1)} ms`;
    console.log(`round ${round} phases, the main thread's incremental marking without / with: new calls ${marking(without.newCalls)} / ${marking(withCrm.newCalls)}, updates ${marking(without.updates)} / ${marking(withCrm.updates)}`);
  }
  if (trace.jitTrace) {
    // Every thread's compiles and deopts (V8's trace names no isolate): the CRM thread's are told by their functions (shared/src/crm).
    const listed = (sites: Array<{ site: string; count: number }>) => (sites.length ? ` (${sites.map(({ site, count }) => `${count}x ${site}`).join('; ')})` : '');
    const jit = (phase: Throughput, counts = phase.jit!) => `${counts.compiles} compiles${listed(counts.compiled)}, ${counts.deopts} deopts${listed(counts.deopted)}`;
    console.log(`round ${round} phases, TurboFan in the new calls without / with: ${jit(without.newCalls)} / ${jit(withCrm.newCalls)}`);
    console.log(`round ${round} phases, TurboFan in the updates without / with: ${jit(without.updates)} / ${jit(withCrm.updates)}`);
  }
  console.log(`round ${round} phases, the owner's socket without / with:`, JSON.stringify({ newCalls: [without.newCalls.sockets, withCrm.newCalls.sockets], updates: [without.updates.sockets, withCrm.updates.sockets] }));
  console.log(`round ${round} new calls with the CRM:`, JSON.stringify(withCrm.phases.newCalls));
  console.log(`round ${round} updates with the CRM:`, JSON.stringify(withCrm.phases.updates));
}

for (let round = 1; round <= rounds && args.includes('--remote'); round++) {
  console.log(remoteCrmTable(await benchRemoteCrm()));
}

for (let round = 1; round <= rounds && args.includes('--restarts'); round++) {
  const restarts = await benchFirstCallAfterRestart(rttMs, positiveIntegerFlag(args, '--restarts', 5));
  for (const [name, figures] of [['signed in ahead', restarts.signInAhead], ['signed in at the call', restarts.signInAtTheCall]] as const) {
    console.log(`round ${round} the first call after a restart, CRM ${rttMs} ms away, ${name}: contact on the first event ${figures.contactOnFirstEvent} of ${figures.restarts}, first event ms ${figures.firstEventMs.join(' ')}, contact p50 / p99 ${figures.contact.p50} / ${figures.contact.p99} ms`);
  }
}

for (let round = 1; round <= rounds && oneAtATime; round++) {
  const run = await benchCrm('fast', positiveIntegerFlag(args, '--calls', 50), { concurrency: 1, kind, warmUpCalls, rttMs, eachCallSettled: args.includes('--settled') });
  const { firstCalls, ...crm } = run.crm;
  console.log(`round ${round} one at a time:`, summary(run), JSON.stringify(crm), JSON.stringify(run.logs), 'CRM requests per call', JSON.stringify(run.requestsPerCall));
  console.log(`round ${round} the first calls (first event ms, y: it named the contact / contact ms / log ms):`, (firstCalls ?? []).map((call) => `${call.eventMs}${call.contact ? 'y' : 'n'}/${call.contactMs}/${call.logMs}`).join(' '));
  sayIfNotExactlyOnce('one at a time', run.logs, run.calls + warmUpCalls);
}

for (let round = 1; round <= rounds && !args.includes('--phases') && !oneAtATime && !args.includes('--restarts') && !args.includes('--remote'); round++) {
  const without = await benchRelay({ calls, pinned, warmUpCalls });
  console.log(`round ${round} no CRM:`, summary(without), JSON.stringify(without.webhookPhase));
  const withCrm = await benchCrm(scenario, calls, { pinned, warmUpCalls, kind });
  console.log(`round ${round} ${CRM_SCENARIOS[scenario]}:`, summary(withCrm), JSON.stringify(withCrm.webhookPhase), JSON.stringify(withCrm.crm), JSON.stringify(withCrm.logs), 'CRM requests per call', JSON.stringify(withCrm.requestsPerCall));
  sayIfNotExactlyOnce(CRM_SCENARIOS[scenario], withCrm.logs, calls + warmUpCalls);
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  console.log(`round ${round} with / without: webhooks/s x${ratio(withCrm.webhooksPerSecond, without.webhooksPerSecond)}, relay CPU per call x${ratio(withCrm.relayCpuMsPerCall, without.relayCpuMsPerCall)}`);
}

/** A run's profile to come, in a directory of its own. */
function phasesProfile(): { profile: PhasesProfile; remove: () => void } {
  const dir = tempDir('pc-bench-crm-phases-');
  return { profile: { dir: dir.path, ...(profileIntervalUs ? { intervalUs: profileIntervalUs } : {}), mainThreadOnly: args.includes('--main-thread'), windows: phaseWindows() }, remove: dir.remove };
}

/** A run's profiles as written: the main thread's, the CRM thread's, and the phases' stretches. */
function profiled(profile: PhasesProfile) {
  return { profile: readPhasesProfile(profile), crmThread: readPhasesThreadProfile(profile, 'crm-thread-worker.ts'), windows: profile.windows };
}

/** The new calls' self time per webhook by function while sending (their first webhook to their last answer), as the mode is read, on a core: `cpuUs` per webhook. */
function newCallsWhileSending(run: ReturnType<typeof profiled>, cpuUs: number): Omit<ProfiledRun, 'withOverWithout'> {
  const { byKey, busyUs } = sumSelfTime(run.profile, { key: ([running]) => frameName(running), window: { fromUs: run.windows.newCalls.fromUs, toUs: run.windows.newCalls.sentUs } });
  return { cpuUs, busyUs: busyUs / calls, selfUs: selfOnCpu(byKey, busyUs, cpuUs) };
}

/** The slow runs against the fast ones (slow-mode.ts), once there is a run of each. */
function printModes(runs: readonly ProfiledRun[]): void {
  console.log(`runs with the CRM, the main thread while sending with / without: ${runs.map((run) => `x${run.withOverWithout.toFixed(2)} (${run.cpuUs.toFixed(0)} µs on a core, ${run.busyUs.toFixed(0)} in the profile)`).join(', ')}`);
  const modes = compareModes(runs);
  if (!modes) return console.log(`no run of each mode yet (slow at x${SLOW_FROM} or more, fast under x${FAST_UNDER})`);
  console.log(`the new calls while sending with the CRM, ${modes.fastRuns} fast runs -> ${modes.slowRuns} slow: the main thread on a core ${modes.cpuUs.fast.toFixed(1)} -> ${modes.cpuUs.slow.toFixed(1)} µs a new call (medians); by function, self µs a new call on a core:`);
  // The largest growths, then the largest cuts.
  for (const row of [...modes.rows.slice(0, 30), ...modes.rows.slice(Math.max(30, modes.rows.length - 10))]) console.log(`  ${row.fast.toFixed(1)} -> ${row.slow.toFixed(1)} (${row.slow >= row.fast ? '+' : ''}${(row.slow - row.fast).toFixed(1)}) ${row.name}`);
}

/**
 * The CRM's share of the relay's main thread, function by function: each phase's self time per
 * webhook with the CRM against without, and under which CRM function (the outermost on the stack).
 */
function printPhaseProfiles(without: ReturnType<typeof profiled>, withCrm: ReturnType<typeof profiled>): void {
  for (const phase of ['newCalls', 'updates'] as const) {
    const perWebhook = (run: typeof without, key: (stack: Stack) => string) => {
      const { byKey, busyUs } = sumSelfTime(run.profile, { key, window: run.windows[phase] });
      return { byKey: new Map([...byKey].map(([name, us]) => [name, us / calls])), busyUs: busyUs / calls };
    };
    const self = { without: perWebhook(without, ([running]) => frameName(running)), with: perWebhook(withCrm, ([running]) => frameName(running)) };
    console.log(`${phase}: the relay's main thread busy ${self.without.busyUs.toFixed(0)} µs per webhook without the CRM, ${self.with.busyUs.toFixed(0)} with`);
    const names = new Set([...self.without.byKey.keys(), ...self.with.byKey.keys()]);
    const rows = [...names].map((name) => ({ name, without: self.without.byKey.get(name) ?? 0, with: self.with.byKey.get(name) ?? 0 })).sort((a, b) => b.with - b.without - (a.with - a.without));
    for (const row of rows.slice(0, 30)) console.log(`  self µs/webhook ${row.without.toFixed(1)} -> ${row.with.toFixed(1)} (+${(row.with - row.without).toFixed(1)}) ${row.name}`);
    const underCrm = perWebhook(withCrm, (stack) => {
      const outermost = [...stack].reverse().find((frame) => /\/src\/crm\//.test(frame.url));
      return outermost ? frameName(outermost) : '(no CRM function on the stack)';
    });
    for (const [name, us] of largestFirst(underCrm.byKey, 20)) console.log(`  under µs/webhook ${us.toFixed(1)} ${name}`);
    // The CRM thread's own profile (crm-thread.ts), over the same stretch: the engine, its requests and the messages' other ends.
    if (!withCrm.crmThread) console.log('  the CRM thread wrote no profile (`--main-thread`, CRM_THREAD=off, or it did not end)');
    else {
      const thread = sumSelfTime(withCrm.crmThread, { key: ([running]) => frameName(running), window: withCrm.windows[phase] });
      console.log(`  the CRM thread busy ${(thread.busyUs / calls).toFixed(0)} µs per webhook`);
      for (const [name, us] of largestFirst(thread.byKey, 15)) console.log(`  CRM thread self µs/webhook ${(us / calls).toFixed(1)} ${name}`);
    }
  }
}

if (args.includes('--phases') && heap) {
  const samplingInterval = positiveIntegerFlag(args, '--interval', 4096);
  const without: PhasesHeap = { samplingInterval, profiles: {} };
  const withCrm: PhasesHeap = { samplingInterval, profiles: {} };
  await relayThroughput(calls, undefined, without);
  await crmThroughput(calls, undefined, withCrm);
  for (const phase of ['newCalls', 'updates'] as const) {
    const split = { without: allocationSplit(without.profiles[phase]!, calls), with: allocationSplit(withCrm.profiles[phase]!, calls) };
    console.log(`${phase}: the relay allocated ${(split.without.total / 1024).toFixed(2)} KB per webhook without the CRM, ${(split.with.total / 1024).toFixed(2)} with (sampled every ${samplingInterval} bytes)`);
    for (const [title, key, rows] of [
      ['by the function allocating', 'self', 30],
      ['by the innermost project file on the stack', 'innerFile', 20],
      ['by the outermost project file on the stack', 'outerFile', 15],
    ] as const) {
      console.log(` ${title}, KB per webhook without -> with (largest growth first):`);
      const names = new Set([...split.without[key].keys(), ...split.with[key].keys()]);
      const kb = (map: Map<string, number>, name: string) => (map.get(name) ?? 0) / 1024;
      const growth = (name: string) => kb(split.with[key], name) - kb(split.without[key], name);
      for (const name of [...names].sort((a, b) => growth(b) - growth(a)).slice(0, rows)) console.log(`  ${kb(split.without[key], name).toFixed(2)} -> ${kb(split.with[key], name).toFixed(2)} (${growth(name) >= 0 ? '+' : ''}${growth(name).toFixed(2)}) ${name}`);
    }
    console.log(` with the CRM, by the function allocating < its caller:\n${allocationTable(split.with.chain, 30)}`);
  }
}

if (args.includes('--profile') && !args.includes('--phases')) {
  const dir = tempDir('pc-bench-crm-load-');
  try {
    const window = { fromUs: 0, toUs: 0 };
    await benchCrm(scenario, calls, { pinned, cpuProfileDir: dir.path, window, kind, warmUpCalls });
    const file = readdirSync(dir.path).find((name) => name.endsWith('.cpuprofile') && name.split('.').at(-3) === '0') ?? readdirSync(dir.path)[0]!;
    const profile = JSON.parse(readFileSync(join(dir.path, file), 'utf8')) as CpuProfile;
    const table = selfTimeByFunction(profile, window, 40);
    console.log(table.map((row) => JSON.stringify(row)).join('\n'));
  } finally {
    dir.remove();
  }
}

function frameName(frame: CallFrame): string {
  const where = /\/((?:relay-server|shared)\/src\/.+)$/.exec(frame.url)?.[1] ?? frame.url.split('/').pop();
  return where ? `${frame.functionName || '(anonymous)'} ${where}:${(frame.lineNumber ?? -1) + 1}` : frame.functionName;
}
