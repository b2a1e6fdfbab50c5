/**
 * The relay with a CRM on the webhook's instance (issue #10: "webhook throughput and the
 * provider's reply latency must not fall when a CRM is configured"): the relay bench's workload
 * run side by side without a CRM and with the Vtiger simulator answering normally, holding its
 * searches (a slow CRM) and down, in rounds so that a busy machine weighs on every case alike.
 * Each CRM run also proves that every call was logged exactly once.
 */
import type { StoredActivity } from '../simulators/crm/crm-simulator.ts';
import { benchFirstCallAfterRestart, type RestartComparison } from './crm-restart.ts';
import { BenchCrm, type BenchCrmKind } from './crm-run.ts';
import { type BenchRelayOptions, benchCaller, benchCallSid, benchRelay, type CrmFigures, type Percentiles, type RelayFigures } from './relay.ts';
import { inTurn } from './in-turn.ts';

export type CrmScenario = 'fast' | 'slow' | 'down';

export const CRM_SCENARIOS: Record<CrmScenario, string> = {
  fast: 'CRM answering',
  slow: 'CRM slow (every search held until the webhooks are in)',
  down: 'CRM down (connections refused until the webhooks are in)',
};

/** How the CRM's activities match the calls: each call logged once, none lost, none twice. */
export interface LogCount {
  activities: number;
  lost: number;
  duplicated: number;
}

export interface CrmRun extends RelayFigures {
  crm: CrmFigures;
  logs: LogCount;
  /** The CRM requests the simulator received per call, warm-up included, by operation, and in all (`all`). */
  requestsPerCall: Record<string, number>;
}

/** A figure with a CRM against the same round's run without one (>1 is more of it). */
export interface VersusNoCrm {
  webhooksPerSecond: number;
  relayCpuMsPerCall: number;
  webhookP50: number;
  webhookP99: number;
}

export interface RelayComparison {
  rounds: number;
  /** Medians over the rounds: a fresh relay ("Relay"). */
  noCrm: RelayFigures;
  /** Without a CRM after `warmUpCalls` calls, as the CRM's runs: their baseline. */
  noCrmWarm: RelayFigures;
  /** Calls the CRM's runs and their baseline settle before the measured ones (the CRM answering them). */
  warmUpCalls: number;
  withCrm: Record<CrmScenario, { median: CrmRun; ratio: VersusNoCrm; runs: CrmRun[] }>;
  /** The CRM answering, calls one at a time: caller identification when the relay is not saturated. */
  oneAtATime: CrmRun;
  remoteCrm: RemoteCrm;
}

/** A CRM far away, as real ones are (issue 10): calls at an agent's pace against it, and the first call after relay restarts. */
export interface RemoteCrm {
  /** `REMOTE_CRM_CALLS` calls one at a time at each round trip, each settled before the next (`eachCallSettled`). */
  oneAtATime: Array<{ rttMs: number; run: CrmRun }>;
  /** The first call after each of `REMOTE_CRM_RESTARTS` restarts, with the sign-in ahead and without, the CRM `REMOTE_CRM_RTTS_MS[0]` away. */
  restarts: RestartComparison;
}

/** The round trips (ms) between the relay and a remote CRM: one that answers a search within the 300 ms hold, and one that cannot. */
export const REMOTE_CRM_RTTS_MS = [120, 250] as const;
/** Calls of each remote run and restarts of each kind: settled calls take a few round trips each, a restart a relay's start, so few of each. */
const REMOTE_CRM_CALLS = 16;
const REMOTE_CRM_RESTARTS = 5;

export async function benchRemoteCrm(): Promise<RemoteCrm> {
  const oneAtATime: RemoteCrm['oneAtATime'] = [];
  for (const rttMs of REMOTE_CRM_RTTS_MS) {
    const run = await benchCrm('fast', REMOTE_CRM_CALLS, { concurrency: 1, rttMs, eachCallSettled: true });
    console.log(`CRM ${rttMs} ms away, calls one at a time`, summary(run), run.crm, run.logs);
    sayIfNotExactlyOnce(`CRM ${rttMs} ms away`, run.logs, REMOTE_CRM_CALLS);
    oneAtATime.push({ rttMs, run });
  }
  const restarts = await benchFirstCallAfterRestart(REMOTE_CRM_RTTS_MS[0], REMOTE_CRM_RESTARTS);
  console.log(`CRM ${restarts.rttMs} ms away, the first call after a restart`, JSON.stringify(restarts));
  return { oneAtATime, restarts };
}

/**
 * Calls each CRM run (and its baseline) settles first, the CRM answering: a fresh relay's CPU per
 * call with the CRM was mostly V8 compiling the CRM's paths (× 3.7 against no CRM, × 2.2 to × 2.9
 * warm: issue 10), which a relay up for a while has done. The slow and the down CRM turn so after
 * it (`benchCrm`), as a CRM fails under a relay that has run for a while.
 */
export const CRM_WARM_UP_CALLS = 1000;

export async function benchRelayWithCrm(rounds = 3, calls = 200, warmUpCalls = CRM_WARM_UP_CALLS): Promise<RelayComparison> {
  const noCrm: RelayFigures[] = [];
  const noCrmWarm: RelayFigures[] = [];
  const runs: Record<CrmScenario, CrmRun[]> = { fast: [], slow: [], down: [] };
  const steps: Array<(round: number) => Promise<void>> = [
    async (round) => {
      noCrm.push(await benchRelay({ calls }));
      console.log(`round ${round} no CRM`, summary(noCrm.at(-1)!));
    },
    async (round) => {
      noCrmWarm.push(await benchRelay({ calls, warmUpCalls }));
      console.log(`round ${round} no CRM, warmed up`, summary(noCrmWarm.at(-1)!));
    },
    ...(Object.keys(runs) as CrmScenario[]).map((scenario) => async (round: number) => {
      const run = await benchCrm(scenario, calls, { warmUpCalls });
      runs[scenario].push(run);
      console.log(`round ${round} ${scenario}`, summary(run), run.crm, run.logs);
      sayIfNotExactlyOnce(scenario, run.logs, calls + warmUpCalls);
    }),
  ];
  // The order reversed every other round: what the machine does meanwhile (another bench starting, a cache filled) weighs on each run alike.
  for (let round = 1; round <= rounds; round++) for (const step of inTurn(steps, round - 1)) await step(round);
  const withCrm = Object.fromEntries(
    (Object.keys(runs) as CrmScenario[]).map((scenario) => {
      const scenarioRuns = runs[scenario];
      const versus = scenarioRuns.map((run, i) => ratio(run, noCrmWarm[i]!));
      return [
        scenario,
        {
          runs: scenarioRuns,
          median: { ...medianFigures(scenarioRuns), crm: medianCrm(scenarioRuns.map((r) => r.crm)), logs: worstLogs(scenarioRuns.map((r) => r.logs)) },
          ratio: { webhooksPerSecond: median(versus.map((v) => v.webhooksPerSecond)), relayCpuMsPerCall: median(versus.map((v) => v.relayCpuMsPerCall)), webhookP50: median(versus.map((v) => v.webhookP50)), webhookP99: median(versus.map((v) => v.webhookP99)) },
        },
      ];
    }),
  ) as RelayComparison['withCrm'];
  const oneAtATime = await benchCrm('fast', ONE_AT_A_TIME_CALLS, { concurrency: 1 });
  console.log('one call at a time', summary(oneAtATime), oneAtATime.crm, oneAtATime.logs);
  sayIfNotExactlyOnce('one call at a time', oneAtATime.logs, ONE_AT_A_TIME_CALLS);
  return { rounds, noCrm: medianFigures(noCrm), noCrmWarm: medianFigures(noCrmWarm), warmUpCalls, withCrm, oneAtATime, remoteCrm: await benchRemoteCrm() };
}

/** Calls of the one-at-a-time run: enough for a share in percent, few enough to stay cheap. */
const ONE_AT_A_TIME_CALLS = 50;

/** A lost or duplicated log fails the bench, loudly. */
export function sayIfNotExactlyOnce(run: string, logs: LogCount, calls: number): void {
  if (logs.lost === 0 && logs.duplicated === 0 && logs.activities === calls) return;
  console.error(`\n!!! CRM (${run}): ${calls} calls gave ${logs.activities} CRM activities, ${logs.lost} calls never logged, ${logs.duplicated} logged more than once !!!\n`);
  process.exitCode = 1;
}

/**
 * One run on an instance with the Vtiger connector (or `kind`'s), against a simulator (crm-run.ts)
 * holding a contact for every caller, `rttMs` away when given; `logs` counts the warm-up's calls too
 * (each logged once as well).
 */
export async function benchCrm(scenario: CrmScenario, calls: number, options: Pick<BenchRelayOptions, 'concurrency' | 'pinned' | 'cpuProfileDir' | 'window' | 'warmUpCalls' | 'eachCallSettled'> & { kind?: BenchCrmKind; rttMs?: number } = {}): Promise<CrmRun> {
  const all = calls + (options.warmUpCalls ?? 0);
  const simulator = await BenchCrm.start(all, options.kind, options.rttMs);
  try {
    // The warm-up's calls are looked up and logged by the CRM answering; it turns slow or down for the measured ones.
    let recover = async () => {};
    const degrade = async () => {
      if (scenario === 'slow') recover = await simulator.holdSearches();
      else if (scenario === 'down') {
        await simulator.down();
        recover = () => simulator.up();
      }
    };
    const { kind: _kind, rttMs: _rttMs, ...relayOptions } = options;
    const figures = await benchRelay({ calls, ...relayOptions, crm: { simulator, degrade, recover: () => recover() } });
    return { ...figures, crm: figures.crm!, logs: countLogs(await simulator.activities(), all), requestsPerCall: perCall(await simulator.requestCounts(), all) };
  } finally {
    await simulator.close();
  }
}

/** Counts divided by the calls, with their sum as `all`. */
function perCall(counts: Record<string, number>, calls: number): Record<string, number> {
  const all = Object.values(counts).reduce((sum, count) => sum + count, 0);
  return Object.fromEntries(Object.entries({ ...counts, all }).map(([key, count]) => [key, Math.round((count / calls) * 100) / 100]));
}

/** Each call's activity found by the marker the Vtiger connector writes into its description, or HubSpot's unique call property. */
function countLogs(activities: StoredActivity[], calls: number): LogCount {
  const perCall = new Map<string, number>();
  for (const activity of activities) {
    const callSid = /\[relay-call:([^\]]+)\]/.exec(String(activity.fields.description ?? ''))?.[1] ?? (typeof activity.fields.relay_call_id === 'string' ? activity.fields.relay_call_id : '(no marker)');
    perCall.set(callSid, (perCall.get(callSid) ?? 0) + 1);
  }
  let lost = 0;
  let duplicated = 0;
  for (let i = 0; i < calls; i++) {
    const count = perCall.get(benchCallSid(i)) ?? 0;
    if (count === 0) lost += 1;
    if (count > 1) duplicated += 1;
  }
  return { activities: activities.length, lost, duplicated };
}

function ratio(run: RelayFigures, baseline: RelayFigures): VersusNoCrm {
  const of = (a: number, b: number) => (b === 0 ? 0 : a / b);
  return { webhooksPerSecond: of(run.webhooksPerSecond, baseline.webhooksPerSecond), relayCpuMsPerCall: of(run.relayCpuMsPerCall, baseline.relayCpuMsPerCall), webhookP50: of(run.webhookMs.p50, baseline.webhookMs.p50), webhookP99: of(run.webhookMs.p99, baseline.webhookMs.p99) };
}

function medianFigures(runs: RelayFigures[]): RelayFigures {
  return { calls: runs[0]!.calls, concurrency: runs[0]!.concurrency, webhooksPerSecond: median(runs.map((r) => r.webhooksPerSecond)), webhookMs: medianPercentiles(runs.map((r) => r.webhookMs)), pushMs: medianPercentiles(runs.map((r) => r.pushMs)), rssMiB: median(runs.map((r) => r.rssMiB)), relayCpuMsPerCall: median(runs.map((r) => r.relayCpuMsPerCall)), relayMainCpuMsPerCall: median(runs.map((r) => r.relayMainCpuMsPerCall)), webhookPhase: medianOfEach(runs.map((r) => r.webhookPhase)) };
}

/** Field by field, the median over the runs. */
export function medianOfEach<T extends { [K in keyof T]: number }>(runs: T[]): T {
  return Object.fromEntries((Object.keys(runs[0]!) as Array<keyof T>).map((key) => [key, median(runs.map((r) => r[key]))])) as T;
}

function medianCrm(figures: CrmFigures[]): CrmFigures {
  return { contactOnFirstEvent: median(figures.map((f) => f.contactOnFirstEvent)), contactMs: medianPercentiles(figures.map((f) => f.contactMs)), logMs: medianPercentiles(figures.map((f) => f.logMs)), failed: Math.max(...figures.map((f) => f.failed)), stepsRationed: median(figures.map((f) => f.stepsRationed)), stepsAtOnce: median(figures.map((f) => f.stepsAtOnce)), simulatorCpuMs: median(figures.map((f) => f.simulatorCpuMs)) };
}

/** A lost or duplicated log in any round must show, not be smoothed away by a median. */
function worstLogs(counts: LogCount[]): LogCount {
  return counts.reduce((worst, c) => (c.lost + c.duplicated > worst.lost + worst.duplicated ? c : worst));
}

export function medianPercentiles(values: Percentiles[]): Percentiles {
  return { p50: median(values.map((v) => v.p50)), p95: median(values.map((v) => v.p95)), p99: median(values.map((v) => v.p99)), max: median(values.map((v) => v.max)) };
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function summary(figures: RelayFigures): string {
  return `${figures.webhooksPerSecond} webhooks/s, round trip p50 ${figures.webhookMs.p50} ms p99 ${figures.webhookMs.p99} ms, relay CPU ${figures.relayCpuMsPerCall} ms/call (main thread ${figures.relayMainCpuMsPerCall})`;
}
