import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../relay/harness.ts';
import type { PhaseAccount } from './cpu-account.ts';
import type { CpuProfile } from './cpu-profile.ts';
import type { CrmPhase } from './crm-run.ts';
import { crmThroughput, medianCrmPhase, phaseWindows, readPhasesThreadProfile, WARM_UP, WARM_UP_ROUNDS } from './relay-throughput.ts';

describe('the throughput bench with a CRM', () => {
  it('refuses more calls than it has callers new to the CRM, before starting anything', async () => {
    // Past 10,000 callers they come again, and their lookups would hit the relay's cache.
    await expect(crmThroughput(10_000 - WARM_UP * WARM_UP_ROUNDS + 1)).rejects.toThrow(/need callers new to the CRM: 10000 at most/);
  });
});

describe('medianCrmPhase', () => {
  const account = (relayMainRunMs: number): PhaseAccount => ({ wallMs: 1, relayMainRunMs, relayMainQueuedMs: 0.1, relayMainIdleMs: 0.2, relayOtherThreadsMs: 0.3, benchCpuMs: 0.4 });
  const phase = (runMs: number, afterRunMs?: number): CrmPhase => ({
    account: account(runMs),
    simulatorCpuMs: 0.05,
    ...(afterRunMs === undefined ? {} : { afterLastReply: { account: account(afterRunMs), simulatorCpuMs: afterRunMs * 2 } }),
    stepsAtOnce: 0,
    stepsRationed: 9,
    stepsAtOnceAfter: 80,
    stepsRationedAfter: 1,
    lookupsSent: 100,
    searches: 5,
    transactions: 1.1,
    outboxDepthAfter: 0,
  });

  it("takes the median of the time after the last reply apart from the webhooks' own", () => {
    const median = medianCrmPhase([phase(0.25, 0.03), phase(0.2, 0.05), phase(0.3, 0.01)]);
    expect(median.account.relayMainRunMs).toBe(0.25);
    expect(median.afterLastReply).toEqual({ account: account(0.03), simulatorCpuMs: 0.06 });
  });

  it('shows no time after the last reply when a round did not count it', () => {
    expect(medianCrmPhase([phase(0.25, 0.03), phase(0.2)]).afterLastReply).toBeUndefined();
  });
});

describe('readPhasesThreadProfile', () => {
  it("reads the relay's worker thread that ran the module asked for, not its main thread's, another worker's or another process's", () => {
    const profileOf = (url: string, functionName = 'run'): CpuProfile => ({ nodes: [{ id: 1, callFrame: { functionName, url } }], samples: [1], timeDeltas: [1] });
    const dir = tempDir('pc-bench-thread-profile-');
    try {
      const write = (name: string, url: string, functionName?: string) => writeFileSync(join(dir.path, name), JSON.stringify(profileOf(url, functionName)));
      write('CPU.20261205.040000.42.0.001.cpuprofile', 'file:///repo/relay-server/src/crm/crm-thread-worker.ts');
      write('CPU.20261205.040000.42.1.002.cpuprofile', 'file:///repo/node_modules/tsx/dist/loader.mjs');
      write('CPU.20261205.040000.43.2.003.cpuprofile', 'file:///repo/relay-server/src/crm/crm-thread-worker.ts');
      write('CPU.20261205.040000.42.2.004.cpuprofile', 'file:///repo/relay-server/src/crm/crm-thread-worker.ts?worker');
      write('CPU.20261205.040000.42.3.005.cpuprofile', 'file:///repo/relay-server/src/crm/crm-thread-worker.ts', 'the CRM thread');
      const windows = phaseWindows();
      expect(readPhasesThreadProfile({ dir: dir.path, pid: 42, windows }, 'crm-thread-worker.ts')).toEqual(profileOf('file:///repo/relay-server/src/crm/crm-thread-worker.ts', 'the CRM thread'));
      expect(readPhasesThreadProfile({ dir: dir.path, pid: 44, windows }, 'crm-thread-worker.ts')).toBeUndefined();
    } finally {
      dir.remove();
    }
  });
});
