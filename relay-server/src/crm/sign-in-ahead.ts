import type { CrmSession } from '@phone-connector/shared';
import type { RelayDeps } from '../deps.ts';
import type { Instance } from '../store/index.ts';
import { crmSession } from './call-log.ts';

/** Sign-ins in flight at once, across the relay: a thousand agents reconnecting to a restarted relay queue behind these few, not a thousand logins at one CRM. */
export const SIGN_INS_AT_ONCE = 4;

/**
 * Signs an instance's CRM session in before its first call (issue 10): Vtiger's getchallenge and
 * login, two round trips, ran inside the first call's lookup, whose contact then came after the
 * 300 ms hold. Asked when an agent comes online, for its own instances (the calls that reach it
 * come through them; an instance of another agent is signed in when its owner connects or saves
 * it, and its session is shared by every agent its calls reach), and when an instance's setup is
 * saved. Never awaited by the welcome or the save, never on a webhook's path; each session once
 * (a later connect finds it asked: nothing sent, unless the last try failed for a reason worth
 * retrying; an expired token is renewed by the next operation, as before), none while the
 * instance's breaker holds its CRM, at most `SIGN_INS_AT_ONCE` in flight. The requests go through
 * the session's network, so a connector's `<limits>` pace them. A failure is logged as a warning;
 * the first call then signs in. `ahead` false (`CRM_SIGN_IN_AHEAD=off`, a bench's baseline) asks
 * nothing: each session signs in at its first call's lookup, as before.
 */
export class CrmSignIns {
  private readonly asked = new WeakSet<CrmSession>();
  private readonly waiting: Array<() => void> = [];
  private running = 0;

  constructor(
    private readonly deps: Pick<RelayDeps, 'store' | 'crm' | 'log'>,
    private readonly atOnce = SIGN_INS_AT_ONCE,
    private readonly ahead = true,
  ) {}

  /** An agent came online: its instances with a CRM are signed in. Resolves once they are (tests); never rejects. */
  async forAgent(agentId: string): Promise<void> {
    // A relay that knows of no CRM (its thread never asked to start) reads nothing at a connect: 1,000 agents reconnecting cost it no store read.
    if (!this.ahead || !this.deps.crm.connectors.started) return;
    try {
      const instances = await this.deps.store.instancesOf(agentId);
      await Promise.all(instances.filter((instance) => instance.crm).map((instance) => this.forInstance(instance)));
    } catch (error) {
      this.deps.log.warn('CRM sign-in ahead of calls: the instances could not be read', { agent: agentId, error });
    }
  }

  /** Signs the instance's current session in, unless it was asked already or its CRM is held. Resolves once done; never rejects. */
  async forInstance(instance: Instance): Promise<void> {
    if (!this.ahead) return;
    try {
      const session = await crmSession(this.deps, this.deps.store, instance);
      if (!session?.signIn || this.asked.has(session) || this.deps.crm.breaker.isOpen(instance.uid)) return;
      this.asked.add(session);
      await this.turn();
      try {
        const outcome = await session.signIn();
        if (!outcome.ok) {
          this.deps.log.warn('CRM sign-in ahead of calls failed: the first call signs in', { instance: instance.uid, crm: session.name, error: outcome.error });
          // The CRM did not answer (network, 5xx): the agent's next connect tries again. A refused key does not: it waits for a new setup.
          if (outcome.retry) this.asked.delete(session);
        }
      } finally {
        this.done();
      }
    } catch (error) {
      this.deps.log.warn('CRM sign-in ahead of calls failed: the first call signs in', { instance: instance.uid, error });
    }
  }

  /** How many sign-ins are sent now, and how many wait for their turn. */
  get counts(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private async turn(): Promise<void> {
    if (this.running < this.atOnce) {
      this.running++;
      return;
    }
    // The one that ends hands its place over: `running` stays counted.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private done(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }
}
