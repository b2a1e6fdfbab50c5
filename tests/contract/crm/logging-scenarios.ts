/**
 * The "never twice, never lost" scenarios of issue #10, run through a relay process against any
 * CRM's simulator: Twilio retrying its final webhook, a CRM that fails and then answers, a CRM
 * that is down, and the relay killed while a write waits. Each CRM's test file calls
 * `describeNeverTwiceNeverLost` with what differs: how a call is finished so that it is due for
 * logging (Pipedrive waits for the agent's wrap-up), and which requests are its log writes.
 */
import { describe, expect, it } from 'vitest';
import type { CrmSimulator } from '../../simulators/crm/crm-simulator.ts';
import type { CrmContract, ProviderCall } from './harness.ts';

const WAIT = { timeout: 45_000, interval: 100 };

export interface LoggingFacts<S extends CrmSimulator> {
  contract(): CrmContract<S>;
  /** Ends the call as Twilio does, and whatever else makes its log due (a wrap-up). */
  finish(call: ProviderCall): Promise<void>;
  /** The requests that write a call log, for failures injected into them only. */
  writes: RegExp;
}

/** The relay's CRM outbox as /metrics shows it: rows waiting, and how long the oldest has been due (0: none is due yet). */
export async function outbox(contract: CrmContract<CrmSimulator>): Promise<{ depth: number; oldestDueSeconds: number }> {
  const metrics = await (await fetch(`${contract.relay.url}/metrics`)).text();
  const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(metrics)?.[1] ?? NaN);
  return { depth: gauge('relay_crm_outbox_depth'), oldestDueSeconds: gauge('relay_crm_outbox_oldest_due_seconds') };
}

/** Waits until the relay's CRM outbox is empty: every write it had to do is done (or failed for good). */
export async function outboxDrained(contract: CrmContract<CrmSimulator>): Promise<void> {
  await expect.poll(async () => (await outbox(contract)).depth, WAIT).toBe(0);
}

export function describeNeverTwiceNeverLost<S extends CrmSimulator>(facts: LoggingFacts<S>): void {
  /** Rings and finishes a call while the CRM is down, until the call shows the failed write; `meanwhile` runs before the CRM is back. */
  const finishedWhileDown = async (from: string, meanwhile: () => Promise<void> = async () => {}): Promise<ProviderCall> => {
    const contract = facts.contract();
    await contract.crm.down();
    try {
      const call = await contract.ring(from);
      await facts.finish(call);
      await expect.poll(async () => (await contract.view(call.sid)).crm_log, WAIT).toMatchObject({ state: 'pending', error: expect.any(String) });
      await meanwhile();
      return call;
    } finally {
      await contract.crm.up();
    }
  };

  describe('never twice, never lost', () => {
    it('Twilio retrying its final webhook makes one record', async () => {
      const contract = facts.contract();
      const call = await contract.ring('+14155550201');
      await contract.end(call);
      await contract.end(call);
      await facts.finish(call);
      await contract.end(call);
      const logged = await contract.loggedOnce('+14155550201');
      await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      await contract.end(call);
      await outboxDrained(contract);
      expect(contract.activitiesFor('+14155550201')).toHaveLength(1);
    });

    it('a CRM failing three times and then answering gets the call once; the call shows the error meanwhile', async () => {
      const contract = facts.contract();
      contract.crm.failNext(3, { status: 503 }, facts.writes);
      const call = await contract.ring('+14155550202');
      await facts.finish(call);
      await expect.poll(async () => (await contract.view(call.sid)).crm_log?.error ?? null, WAIT).toMatch(/503/);
      const logged = await contract.loggedOnce('+14155550202');
      await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      await outboxDrained(contract);
      expect(contract.activitiesFor('+14155550202')).toHaveLength(1);
      expect(contract.crm.requests.filter((r) => facts.writes.test(r.url) && r.status === 503)).toHaveLength(3);
    });

    it('a CRM that is down loses nothing: the call is logged once when it is back', async () => {
      const contract = facts.contract();
      const call = await finishedWhileDown('+14155550203');
      const logged = await contract.loggedOnce('+14155550203');
      await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    });

    it('a relay killed (-9) while a write waits for the CRM logs the call once after its restart', async () => {
      const contract = facts.contract();
      const call = await finishedWhileDown('+14155550204', () => contract.crashAndRestart());
      const logged = await contract.loggedOnce('+14155550204');
      await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      await outboxDrained(contract);
      expect(contract.activitiesFor('+14155550204')).toHaveLength(1);
      contract.expectNoSecretLogged();
    });
  });
}
