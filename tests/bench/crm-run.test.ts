import { constants, getPriority } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { CpuReading } from './cpu-account.ts';
import { accountAtLastReply, BenchCrm, type CrmBacklog, crmBacklogOf, type PhaseReading, stepsStarted, untilCrmDrained } from './crm-run.ts';
import { benchCrm } from './relay-crm.ts';
import { benchRelay } from './relay.ts';

const METRICS = `# TYPE relay_crm_outbox_depth gauge
relay_crm_outbox_depth 3
relay_crm_lookups_pending 165
relay_crm_steps_total{start="at_once"} 4
relay_crm_steps_total{start="rationed"} 196
relay_crm_lookups_total{source="cache"} 7
relay_crm_lookups_total{source="crm"} 380
relay_crm_requests_total{operation="find_contact",outcome="ok"} 20
relay_crm_requests_total{operation="find_contact",outcome="retry"} 1
relay_crm_requests_total{operation="log_call",outcome="ok"} 300
relay_store_transactions_total 1502
`;

const backlog = (lookupsPending: number, outboxDepth: number): CrmBacklog => ({ lookupsPending, outboxDepth, stepsAtOnce: 0, stepsRationed: 0, lookupsSent: 0, searches: 0, storeTransactions: 0 });

describe("a bench's CRM run", () => {
  it("reads the relay's CRM backlog, steps, lookups sent (in how many searches) and store transactions from /metrics, none counted yet as 0", () => {
    expect(crmBacklogOf(METRICS)).toEqual({ lookupsPending: 165, outboxDepth: 3, stepsAtOnce: 4, stepsRationed: 196, lookupsSent: 380, searches: 21, storeTransactions: 1502 });
    expect(crmBacklogOf(METRICS.replace(/^relay_crm_(lookups|requests)_total.*\n/gm, ''))).toMatchObject({ lookupsSent: 0, searches: 0 });
  });

  it("counts the steps started while the webhooks came apart from those started after the last reply, the burst's lookups caught up at once", () => {
    const steps = (stepsAtOnce: number, stepsRationed: number): CrmBacklog => ({ ...backlog(0, 0), stepsAtOnce, stepsRationed });
    expect(stepsStarted(steps(40, 300), steps(43, 309), steps(107, 310))).toEqual({ stepsAtOnce: 3, stepsRationed: 9, stepsAtOnceAfter: 64, stepsRationedAfter: 1 });
    // A phase that only sends (no wait for the socket after it) reads its end as the last reply: nothing after.
    expect(stepsStarted(steps(40, 300), steps(107, 310), steps(107, 310))).toEqual({ stepsAtOnce: 67, stepsRationed: 10, stepsAtOnceAfter: 0, stepsRationedAfter: 0 });
  });

  it("accounts the phase until its last reply, the window of its rate, and the wait for the events after it apart", () => {
    const reading = (at: number, relayMainRunMs: number, relayMainQueuedMs: number, relayCpuMs: number, benchCpuMs: number, simulatorMs: number): PhaseReading => {
      const cpu: CpuReading = { at, relayMainRunMs, relayMainQueuedMs, relayCpuMs, benchCpuMs };
      return { cpu, simulatorMs };
    };
    // 1,000 webhooks answered in 500 ms, then 200 ms waiting for the contacts the events held, the CRM thread and the simulator catching the lookups up.
    const before = reading(1_000, 100, 10, 200, 50, 30);
    const sent = reading(1_500, 350, 60, 550, 110, 60);
    const end = reading(1_700, 380, 80, 680, 120, 120);
    expect(accountAtLastReply(before, sent, end, 1_000)).toEqual({
      account: { wallMs: 0.5, relayMainRunMs: 0.25, relayMainQueuedMs: 0.05, relayMainIdleMs: 0.2, relayOtherThreadsMs: 0.1, benchCpuMs: 0.06 },
      simulatorCpuMs: 0.03,
      afterLastReply: { account: { wallMs: 0.2, relayMainRunMs: 0.03, relayMainQueuedMs: 0.02, relayMainIdleMs: 0.15, relayOtherThreadsMs: 0.1, benchCpuMs: 0.01 }, simulatorCpuMs: 0.06 },
    });
    // A work that tells no last reply (it only sends): the whole phase, nothing after.
    expect(accountAtLastReply(before, undefined, end, 1_000)).toEqual({
      account: { wallMs: 0.7, relayMainRunMs: 0.28, relayMainQueuedMs: 0.07, relayMainIdleMs: 0.35, relayOtherThreadsMs: 0.2, benchCpuMs: 0.07 },
      simulatorCpuMs: 0.09,
    });
  });

  it('fails on /metrics without a series rather than reading it as drained', () => {
    expect(() => crmBacklogOf('relay_crm_outbox_depth 0\n')).toThrow(/relay_crm_lookups_pending/);
  });

  it('starts the clock only once no lookup is pending and the outbox is empty', async () => {
    const readings = [backlog(165, 0), backlog(2, 0), backlog(0, 4), backlog(0, 0), backlog(9, 9)];
    const waits: number[] = [];
    const drained = await untilCrmDrained(async () => readings.shift()!, { pollMs: 7 }, async (ms) => void waits.push(ms));
    expect(drained).toEqual(backlog(0, 0));
    expect(waits).toEqual([7, 7, 7]);
    expect(readings).toHaveLength(1);
  });

  it('gives up past its deadline, saying what was left', async () => {
    await expect(untilCrmDrained(async () => backlog(12, 3), { deadlineMs: 0 }, async () => {})).rejects.toThrow('12 lookups pending, 3 outbox rows');
  });

  it("runs the CRM simulator at the lowest CPU priority: it takes only what the relay and the senders leave, as a remote CRM would take none", async () => {
    const crm = await BenchCrm.start(1);
    try {
      expect(getPriority(crm.pid)).toBe(constants.priority.PRIORITY_LOW);
    } finally {
      await crm.close();
    }
  }, 60_000);

  it("settles a warm-up's calls, of callers of their own, before the measured ones, each logged once", async () => {
    // Had the warm-up reused the measured calls' ids, or not been sent, the measured ids would count the warm-up's logs as theirs or the warm-up's as lost.
    const run = await benchCrm('fast', 2, { warmUpCalls: 3 });
    expect(run.logs).toEqual({ activities: 5, lost: 0, duplicated: 0 });
    expect(run.calls).toBe(2);
    // The first calls followed are the measured ones, each with its waits.
    const waited = { eventMs: expect.any(Number), contact: expect.any(Boolean), contactMs: expect.any(Number), logMs: expect.any(Number) };
    expect(run.crm.firstCalls).toEqual([waited, waited]);
  }, 120_000);

  it('takes a CRM down only once the warm-up is settled: its calls looked up and logged, the measured ones not named, then every call logged once', async () => {
    // Down from the start, the warm-up's logs would stay queued and the drain before the measured calls would never come.
    const run = await benchCrm('down', 2, { warmUpCalls: 3 });
    expect(run.crm.contactOnFirstEvent).toBe(0);
    expect(run.logs).toEqual({ activities: 5, lost: 0, duplicated: 0 });
    // The warm-up's callers were searched for: the CRM answered them (a CRM down from the start receives no search).
    expect(Object.keys(run.requestsPerCall).filter((operation) => operation.startsWith('query'))).not.toHaveLength(0);
  }, 120_000);

  it("sends calls at an agent's pace against a CRM far away: each call's search only once the call before it is logged", async () => {
    const crm = await BenchCrm.start(3, 'vtiger', 20);
    try {
      await benchRelay({ calls: 3, concurrency: 1, eachCallSettled: true, crm: { simulator: crm, degrade: () => {}, recover: () => {} } });
      const searchesAndLogs = (await crm.operations()).filter((operation) => operation === 'query Contacts' || operation === 'create');
      expect(searchesAndLogs).toEqual(['query Contacts', 'create', 'query Contacts', 'create', 'query Contacts', 'create']);
    } finally {
      await crm.close();
    }
  }, 120_000);
});
