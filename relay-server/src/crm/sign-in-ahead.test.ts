import type { CrmOutcome, CrmSession } from '@phone-connector/shared';
import { describe, expect, it, vi } from 'vitest';
import type { RelayDeps } from '../deps.ts';
import { createLogger } from '../log.ts';
import type { Instance } from '../store/index.ts';
import { CrmSignIns, SIGN_INS_AT_ONCE } from './sign-in-ahead.ts';

/** Instances with a CRM, each with a session whose sign-in answers when the test says. */
function relayOf(count: number, options: { open?: Set<string>; started?: boolean } = {}) {
  const instances = Array.from({ length: count }, (_, i) => ({ uid: `in_${i}`, agentId: 'ag_1', crm: { connector: 'vtiger', xml: null, config: {} } }) as unknown as Instance);
  const answers: Array<(outcome: CrmOutcome<void>) => void> = [];
  let inFlight = 0;
  let mostInFlight = 0;
  const sessions = new Map(
    instances.map((instance) => [
      instance.uid,
      {
        name: 'Vtiger CRM',
        signIn: () => {
          inFlight++;
          mostInFlight = Math.max(mostInFlight, inFlight);
          return new Promise<CrmOutcome<void>>((resolve) => answers.push((outcome) => (inFlight--, resolve(outcome))));
        },
      } as unknown as CrmSession,
    ]),
  );
  const logs: string[] = [];
  let reads = 0;
  const deps = {
    store: { instancesOf: async () => (reads++, [...instances, { uid: 'in_nocrm', crm: null }]), agentById: async () => undefined },
    crm: { connectors: { started: options.started ?? true, sessionFor: async (instance: Instance) => sessions.get(instance.uid) }, breaker: { isOpen: (uid: string) => options.open?.has(uid) ?? false } },
    log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
  } as unknown as Pick<RelayDeps, 'store' | 'crm' | 'log'>;
  return { deps, answers, logs, mostInFlight: () => mostInFlight, reads: () => reads };
}

/** The agent connects, and the one sign-in that connect sends is answered with `outcome`; resolves once the connect is done. */
async function connectAnswering(signIns: CrmSignIns, relay: ReturnType<typeof relayOf>, outcome: CrmOutcome<void>): Promise<void> {
  const sent = relay.answers.length;
  const connected = signIns.forAgent('ag_1');
  await vi.waitFor(() => expect(relay.answers).toHaveLength(sent + 1));
  relay.answers[sent]!(outcome);
  await connected;
}

describe('signing CRM sessions in ahead of their calls', () => {
  it('keeps at most its bound of sign-ins in flight, the others waiting their turn, and signs each session in once', async () => {
    const relay = relayOf(10);
    const signIns = new CrmSignIns(relay.deps, 3);
    const connected = signIns.forAgent('ag_1');
    await vi.waitFor(() => expect(signIns.counts).toEqual({ running: 3, waiting: 7 }));
    expect(relay.answers).toHaveLength(3);
    relay.answers[0]!({ ok: true, value: undefined });
    await vi.waitFor(() => expect(relay.answers).toHaveLength(4));
    expect(signIns.counts).toEqual({ running: 3, waiting: 6 });
    for (let answered = 1; answered < 10; answered++) {
      await vi.waitFor(() => expect(relay.answers.length).toBeGreaterThan(answered));
      relay.answers[answered]!({ ok: true, value: undefined });
    }
    await connected;
    expect([relay.answers.length, relay.mostInFlight(), signIns.counts]).toEqual([10, 3, { running: 0, waiting: 0 }]);
    // The agent connects again: every session was asked already, nothing is sent.
    await signIns.forAgent('ag_1');
    expect(relay.answers).toHaveLength(10);
  });

  it('leaves an instance whose CRM the breaker holds alone', async () => {
    const relay = relayOf(2, { open: new Set(['in_0']) });
    await connectAnswering(new CrmSignIns(relay.deps), relay, { ok: true, value: undefined });
    expect(relay.answers).toHaveLength(1);
  });

  it('logs a refused sign-in once as a warning, and does not try again at the next connect', async () => {
    const relay = relayOf(1);
    const signIns = new CrmSignIns(relay.deps);
    await connectAnswering(signIns, relay, { ok: false, error: 'sign_in: HTTP 200: INVALID_USER_CREDENTIALS: Invalid username or password', retry: false });
    await signIns.forAgent('ag_1');
    const warnings = relay.logs.map((line) => JSON.parse(line) as { level: string; msg: string; error?: string }).filter((entry) => entry.level === 'warn');
    expect(warnings).toMatchObject([{ msg: expect.stringContaining('sign-in'), error: expect.stringContaining('INVALID_USER_CREDENTIALS') }]);
    expect(relay.answers).toHaveLength(1);
  });

  it('signs nothing in, at a connect or a save, when told not to sign in ahead (a bench baseline)', async () => {
    const relay = relayOf(2);
    const signIns = new CrmSignIns(relay.deps, SIGN_INS_AT_ONCE, false);
    await signIns.forAgent('ag_1');
    await signIns.forInstance({ uid: 'in_0', agentId: 'ag_1', crm: { connector: 'vtiger', xml: null, config: {} } } as unknown as Instance);
    expect([relay.reads(), relay.answers.length]).toEqual([0, 0]);
  });

  it('reads nothing at a connect on a relay that knows of no CRM', async () => {
    const relay = relayOf(1, { started: false });
    await new CrmSignIns(relay.deps).forAgent('ag_1');
    expect([relay.reads(), relay.answers.length]).toEqual([0, 0]);
  });

  it('tries again at the next connect when the CRM did not answer, not when it refused', async () => {
    const relay = relayOf(1);
    const signIns = new CrmSignIns(relay.deps);
    await connectAnswering(signIns, relay, { ok: false, error: 'sign_in: connect ECONNREFUSED', retry: true });
    await connectAnswering(signIns, relay, { ok: true, value: undefined });
    await signIns.forAgent('ag_1');
    expect(relay.answers).toHaveLength(2);
  });
});
