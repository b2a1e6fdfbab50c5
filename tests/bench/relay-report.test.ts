import { describe, expect, it } from 'vitest';
import type { CrmPhase } from './crm-run.ts';
import type { CrmRun, RelayComparison } from './relay-crm.ts';
import { relaySections } from './relay-report.ts';
import { mergeReport } from './report.ts';
import type { Percentiles, RelayFigures } from './relay.ts';
import { QUICK_THROUGHPUT_BENCH, type RoundFigures, type ServerFigures, type Throughput, type ThroughputComparison } from './relay-throughput.ts';
import { throughputSection } from './relay-throughput-report.ts';

const SPREAD = { p50: 10, p95: 20, p99: 30, max: 40 };
const NO_CRM: RelayFigures = { calls: 400, concurrency: 16, webhooksPerSecond: 100, webhookMs: SPREAD, pushMs: SPREAD, rssMiB: 150, relayCpuMsPerCall: 4, relayMainCpuMsPerCall: 3, webhookPhase: { wallMs: 10, relayMainRunMs: 1.5, relayMainQueuedMs: 0.5, relayMainIdleMs: 8, relayOtherThreadsMs: 0.2, benchCpuMs: 0.3 } };

function comparison(logs: CrmRun['logs']): RelayComparison {
  const run: CrmRun = { ...NO_CRM, webhooksPerSecond: 90, crm: { contactOnFirstEvent: 0.75, contactMs: SPREAD, logMs: { p50: 400, p95: 500, p99: 600, max: 700 }, failed: 0, stepsRationed: 120, stepsAtOnce: 80, simulatorCpuMs: 0.4 }, logs, requestsPerCall: { all: 2 } };
  const scenario = { median: run, ratio: { webhooksPerSecond: 0.9, relayCpuMsPerCall: 2, webhookP50: 1.1, webhookP99: 1.2 }, runs: [run] };
  const oneAtATime: CrmRun = { ...run, calls: 50, crm: { ...run.crm, contactOnFirstEvent: 1 }, logs: { activities: 50, lost: 0, duplicated: 0 } };
  const remote = (contactOnFirstEvent: number, pushMs: Percentiles, contactMs: Percentiles, logMs: Percentiles): CrmRun => ({ ...oneAtATime, calls: 16, pushMs, crm: { ...oneAtATime.crm, contactOnFirstEvent, contactMs, logMs } });
  const afterRestart = (contactOnFirstEvent: number, firstEvent: Percentiles, contact: Percentiles) => ({ restarts: 5, contactOnFirstEvent, firstEventMs: [], firstEvent, contact });
  const remoteCrm = {
    oneAtATime: [
      { rttMs: 120, run: remote(0.9375, { p50: 262.5, p95: 0, p99: 353, max: 0 }, { p50: 264, p95: 0, p99: 677.6, max: 0 }, { p50: 138.2, p95: 0, p99: 170.1, max: 0 }) },
      { rttMs: 250, run: remote(0, { p50: 305.1, p95: 0, p99: 327, max: 0 }, { p50: 520.8, p95: 0, p99: 1021.1, max: 0 }, { p50: 267.1, p95: 0, p99: 311.6, max: 0 }) },
    ],
    restarts: { rttMs: 120, signInAhead: afterRestart(3, { p50: 354.7, p95: 0, p99: 399.5, max: 0 }, { p50: 355, p95: 0, p99: 410, max: 0 }), signInAtTheCall: afterRestart(0, { p50: 382.7, p95: 0, p99: 431.6, max: 0 }, { p50: 610, p95: 0, p99: 702, max: 0 }) },
  };
  return { rounds: 1, noCrm: NO_CRM, noCrmWarm: NO_CRM, warmUpCalls: 0, withCrm: { fast: scenario, slow: scenario, down: scenario }, oneAtATime, remoteCrm };
}

describe('the relay sections of docs/benchmarks.md', () => {
  it('shows each CRM case with its ratio to no CRM, the contact share and the log latency', () => {
    const text = relaySections(comparison({ activities: 400, lost: 0, duplicated: 0 }));
    expect(text).toContain('| webhooks per second | 100 |');
    expect(text).toContain('| … against no CRM | × 0.90 | × 0.90 | × 0.90 |');
    expect(text).toContain('| relay CPU per call (ms), against no CRM | 4, × 2.00 |');
    expect(text).toContain('| … against no CRM, p50 / p99 | × 1.10 / × 1.20 |');
    expect(text).toContain('| calls whose first event names the contact | 75 % |');
    expect(text).toContain('| call ended -> its CRM log written, p50 / p99 (ms) | 400 / 600 |');
    expect(text).toContain('yes (400 activities)');
    expect(text).toContain("| while the webhooks came, per webhook (ms): the relay's thread running / waiting for a core / idle | 1.5 / 0.5 / 8 |");
    expect(text).toContain("(senders, socket) / the CRM simulator's process, CPU per webhook (ms) | 0.2 / 0.3 / 0.4 |");
    expect(text).toContain('| CRM steps started while the webhooks came: waited their turn / at once (room, or a banked credit) | 120 / 80 |');
    expect(text).toContain('50 calls one at a time');
    expect(text).toContain('| calls whose first event names the contact | 100 % |');
    expect(text).toContain('yes (50 activities)');
  });

  it('shows the CRM a round trip away: each round trip\'s calls one at a time, and the first call after a restart with and without the sign-in ahead', () => {
    const text = relaySections(comparison({ activities: 400, lost: 0, duplicated: 0 }));
    expect(text).toContain('16 calls\none at a time at an agent\'s pace');
    expect(text).toContain('the first call after each of 5 relay restarts');
    expectRows(text, [
      '| 120 ms, calls one at a time | 94 % | 262.5 / 353 | 264 / 677.6 | 138.2 / 170.1 |\n| 250 ms, calls one at a time | 0 % | 305.1 / 327 | 520.8 / 1021.1 | 267.1 / 311.6 |\n',
      '| 120 ms, the first call after a restart, signed in ahead | 3 of 5 | 354.7 / 399.5 | 355 / 410 | |\n| 120 ms, the first call after a restart, signed in at the call | 0 of 5 | 382.7 / 431.6 | 610 / 702 | |\n',
    ]);
  });

  it("sets every CRM case beside the run without a CRM warmed up as it was, not the fresh relay's, and counts the warm-up's logs", () => {
    const fresh = comparison({ activities: 1400, lost: 0, duplicated: 0 });
    const noCrmWarm: RelayFigures = { ...NO_CRM, webhookPhase: { ...NO_CRM.webhookPhase, relayMainRunMs: 0.7, relayOtherThreadsMs: 0.1 } };
    const text = relaySections({ ...fresh, noCrmWarm, warmUpCalls: 1000 });
    expect(text).toContain('first\nsettles 1,000 calls of other callers');
    expect(text).toContain('| every call logged exactly once (worst run) | yes (1400 activities) | yes (1400 activities) | yes (1400 activities) |');
    expect(text).toContain('| … the same without a CRM | 0.7 / 0.5 / 8 | 0.7 / 0.5 / 8 | 0.7 / 0.5 / 8 |');
    expect(text).toContain('| … the same without a CRM | 0.1 / 0.3 / 0 | 0.1 / 0.3 / 0 | 0.1 / 0.3 / 0 |');
  });

  it('says loudly when a run lost or duplicated a CRM log', () => {
    const text = relaySections(comparison({ activities: 401, lost: 1, duplicated: 2 }));
    expect(text.split('**NO: 401 activities for 400 calls; never logged: 1, logged more than once: 2**')).toHaveLength(4);
    expect(text).not.toContain('yes (400');
  });
});

describe('the report', () => {
  const previous = '# Benchmarks\n\n## Connector engine\n\nengine\n\n## Relay (a real process)\n\nold relay\n\n## Relay with a CRM\n\nold crm\n\n## Content script\n\ncontent\n';

  it('replaces only the measured parts, in place, both relay sections at once', () => {
    expect(mergeReport(previous, new Map([['relay', '## Relay (new)\n\nnew\n\n## Relay with a CRM\n\nnew crm\n']]))).toBe(
      '## Connector engine\n\nengine\n\n## Relay (new)\n\nnew\n\n## Relay with a CRM\n\nnew crm\n\n## Content script\n\ncontent\n',
    );
  });

  it('keeps both relay sections when another part is measured, and adds a part the report did not have', () => {
    expect(mergeReport('# Benchmarks\n\n## Relay\n\nr\n\n## Relay with a CRM\n\nc\n', new Map([['content', '## Content script\n\nnew\n']]))).toBe(
      '## Relay\n\nr\n\n## Relay with a CRM\n\nc\n\n## Content script\n\nnew\n',
    );
  });
});

/** Each row (or run of lines) must be in the section as written. */
function crmPhase(relayMainRunMs: number, stepsAtOnce: number): CrmPhase {
  const afterLastReply = { account: { wallMs: 0.15, relayMainRunMs: 0.03, relayMainQueuedMs: 0.02, relayMainIdleMs: 0.1, relayOtherThreadsMs: 0.05, benchCpuMs: 0.01 }, simulatorCpuMs: 0.06 };
  return { account: { wallMs: 2, relayMainRunMs, relayMainQueuedMs: 0.6, relayMainIdleMs: 0.5, relayOtherThreadsMs: 0.7, benchCpuMs: 0.4 }, simulatorCpuMs: 1.1, afterLastReply, stepsAtOnce, stepsRationed: 1000, stepsAtOnceAfter: stepsAtOnce * 10, stepsRationedAfter: 2, lookupsSent: 300, searches: 15, transactions: 0.5, outboxDepthAfter: 0 };
}

function expectRows(text: string, rows: readonly string[]): void {
  for (const row of rows) expect(text).toContain(row);
}

describe('the relay throughput section', () => {
  const throughput = (webhooksPerSecond: number): Throughput => ({ webhooksPerSecond, roundTripMs: SPREAD, serverCpuMs: 0.2, serverMainThreadMs: 0.12, generatorCpuMs: 0.1 });
  const CPU_ROW = '| … server CPU per webhook (ms) | 0.20 | 0.20 | | |';
  const server = (rate: number, latency: Percentiles, kbPerSocket: number): ServerFigures => ({
    newCalls: throughput(rate),
    updates: throughput(rate * 2),
    unloadedPushMs: latency,
    fanOut: { deliveryMs: latency, lastSocketMs: { ...latency, p50: 40 }, firstSocketMs: { ...latency, p50: 20 }, replyMs: { ...latency, p50: 5 } },
    idle: { sockets: 1000, rssNoneMiB: 100, rssOneMiB: 104, rssTwoMiB: 108, perSocket: { heapKb: kbPerSocket - 0.5, externalKb: 0.5, nativeKb: 2.5 }, firstPerSocket: { heapKb: kbPerSocket * 2, externalKb: 0, nativeKb: -1.25 } },
  });
  const round = (relayRate: number, latency: Percentiles, kb: number): RoundFigures => ({
    forwarder: server(10_000, { p50: 1, p95: 2, p99: 3, max: 4 }, 3),
    relay: server(relayRate, latency, kb),
    registered: { 1: throughput(relayRate), 1000: throughput(relayRate), 10000: throughput(relayRate / 2) },
    crm: {
      newCalls: { ...throughput(relayRate / 4), sockets: { eventsSent: { local: 1990, gap: 10 }, disconnects: { slow: 0 }, benchResumed: 0 } },
      updates: { ...throughput(relayRate), sockets: { eventsSent: { local: 2000, gap: 0 }, disconnects: { slow: 1, heartbeat: 0 }, benchResumed: 1 } },
      phases: { newCalls: crmPhase(0.9, 60), updates: crmPhase(1.2, 7) },
    },
  });
  const comparison = (relayRate: number, latency: Percentiles, kb: number): ThroughputComparison => ({
    options: QUICK_THROUGHPUT_BENCH,
    median: round(relayRate, latency, kb),
    ratios: { newCalls: relayRate / 10_000, updates: relayRate / 10_000, registered: { 1: 1, 1000: 1, 10000: 0.5 }, crmNewCalls: 0.25, crmUpdates: 1 },
    rounds: [round(relayRate, latency, kb), round(relayRate, latency, kb)],
    profile: [
      { area: 'better-sqlite3', percent: 45 },
      { area: 'writev', percent: 7.25 },
    ],
  });

  it('puts the relay beside the forwarder with the ratio and says which goals a run meets', () => {
    const text = throughputSection(comparison(6000, { p50: 2, p95: 5, p99: 8, max: 9 }, 6));
    expectRows(text, [
      '| new-call webhooks per second, 16 senders | 10,000 | 6,000 | × 0.60 | ≥ 5,000/s: met; ≥ × 0.50: met |',
      '| updates of known calls per second | 20,000 | 12,000 | × 0.60 | |',
      "| webhook -> event on the agent's socket, one sender, p50 / p99 (ms) | 1.0 / 3.0 | 2.0 / 8.0 | | p99 ≤ 10 ms: met |",
      '| incoming call -> each of 1,000 sockets, p50 / p99 (ms) | 1.0 / 3.0 | 2.0 / 8.0 | | p99 ≤ 50 ms: met |',
      '| … the first socket (the time before the first send), p50 / p99 (ms) | 20.0 / 3.0 | 20.0 / 8.0 | | |',
      "| … the provider's reply, p50 / p99 (ms) | 5.0 / 3.0 | 5.0 / 8.0 | | before the last socket: met |",
      '| resident memory after a full collection, 0 -> 1,000 -> 2,000 idle sockets (MiB) | 100 -> 104 -> 108 | 100 -> 104 -> 108 | | |',
      // Judged on what the heap and V8's external memory keep, the rest of resident memory beside it.
      '| … per idle connected agent, from 1,000 to 2,000 sockets (KB): live heap + external | 2.50 + 0.50 = 3.00 | 5.50 + 0.50 = 6.00 | | ≤ 10 KB: met |',
      '| … the rest of resident memory, per socket (KB; it moves by steps of some 2.5 MB) | 2.50 | 2.50 | | |',
      '| … from none to 1,000 sockets: live heap + external / the rest (KB) | 6.00 + 0.00 = 6.00 / -1.25 | 12.00 + 0.00 = 12.00 / -1.25 | | |',
      '| 10,000 | 3,000 | × 0.50 |',
      '| new-call webhooks per second | 6,000 | 1,500 | × 0.25 |',
      "| … round trip p50 / p99 (ms) | 10.0 / 30.0 | 10.0 / 30.0 | |\n| … until the last reply, per webhook (ms): the relay's thread running / waiting for a core / idle | | 0.9 / 0.6 / 0.5 | |",
      "| … CPU per webhook until the last reply (ms): the relay's other threads / the bench process / the CRM simulator | | 0.7 / 0.4 / 1.1 | |\n| … after it, until the events were on the socket, per webhook (ms): wall / the relay's thread running / its other threads / the CRM simulator | | 0.15 / 0.03 / 0.05 / 0.06 | |\n| … CRM steps started while the webhooks came: waited their turn / at once | | 1000 / 60 | |\n| … and after the last reply, until the events were on the socket | | 2 / 600 | |\n| … the agent's events that reached its socket through a read of the log, all rounds |  | 20 of 4,000 | |\n| updates of known calls per second",
      "| … until the last reply, per webhook (ms): the relay's thread running / waiting for a core / idle | | 1.2 / 0.6 / 0.5 | |",
      '| … CRM steps started while the webhooks came: waited their turn / at once | | 1000 / 7 | |\n| … and after the last reply, until the events were on the socket | | 2 / 70 | |',
      // Summed over the rounds (two here); the relay without a CRM counted nothing (no `sockets`).
      "| … the agent's events that reached its socket through a read of the log, all rounds |  | 0 of 4,000; cut off 2 time(s) | |",
      CPU_ROW,
      '| where | share of the busy CPU |\n| --- | ---: |\n| better-sqlite3 | 45.0 % |\n| writev | 7.3 % |\n',
    ]);
    expect(text).not.toContain('not met');
  });

  it("judges the idle agent on what its objects keep, not on the rest of resident memory, which moves by megabytes", () => {
    const figures = comparison(6000, { p50: 2, p95: 5, p99: 8, max: 9 }, 6);
    figures.median.relay.idle.perSocket.nativeKb = 12;
    expectRows(throughputSection(figures), ['| 5.50 + 0.50 = 6.00 | | ≤ 10 KB: met |', '| … the rest of resident memory, per socket (KB; it moves by steps of some 2.5 MB) | 2.50 | 12.00 | | |']);
  });

  it('says plainly each goal a run misses', () => {
    const text = throughputSection(comparison(4000.5, { p50: 20, p95: 50, p99: 80, max: 90 }, 17));
    expectRows(text, [
      '| new-call webhooks per second, 16 senders | 10,000 | 4,001 |',
      '| × 0.40 | ≥ 5,000/s: **not met**; ≥ × 0.50: **not met** |',
      'p99 ≤ 10 ms: **not met**',
      'p99 ≤ 50 ms: **not met**',
      '≤ 10 KB: **not met**',
    ]);
  });
});
