import type { CrmOutcome, CrmSession } from '@phone-connector/shared';

/** How long the relay keeps which CRM user an agent is: a found one, and nobody. */
export const CRM_USER_TTL = { foundMs: 60 * 60_000, noneMs: 10 * 60_000 } as const;

/** Agents' answers kept per session at most: the oldest goes first. */
const MAX_KEPT_PER_SESSION = 1000;

type Kept = { id: string | null; until: number };

/**
 * Which CRM user each agent is (a connector's `<find_user>`, by the agent's email), asked once
 * and kept: `log_call` records the call for them. Kept per session, so an instance whose CRM
 * setup changed asks its new CRM again. A failure worth retrying is the caller's to retry (the
 * outbox row waits, as for any CRM failure); a refusal (a token without the scope to read
 * users, a validation error) counts as nobody, so the call is still logged, for the connector's
 * default owner.
 */
export class CrmUsers {
  private readonly kept = new WeakMap<CrmSession, Map<string, Kept>>();
  /** Questions in flight, by session and email: the rows of one batch (a burst of one agent's calls) share one. */
  private readonly asking = new WeakMap<CrmSession, Map<string, Promise<CrmOutcome<string | null>>>>();

  constructor(private readonly now: () => number) {}

  /**
   * The CRM user id of the agent whose email is `email`, null for nobody; `ask` runs
   * `session.findUser` (the caller counts and times it) when nothing valid is kept.
   * `refused` hears a permanent failure, once per time it is asked.
   */
  async of(
    session: CrmSession,
    email: string,
    ask: () => Promise<CrmOutcome<string | null>>,
    refused: (failure: Extract<CrmOutcome<unknown>, { ok: false }>) => void,
  ): Promise<CrmOutcome<string | null>> {
    const key = emailKey(email);
    const hit = this.kept.get(session)?.get(key);
    if (hit && hit.until > this.now()) return { ok: true, value: hit.id };
    let inFlight = this.asking.get(session);
    const pending = inFlight?.get(key);
    if (pending) return pending;
    if (!inFlight) this.asking.set(session, (inFlight = new Map()));
    const asked = this.ask(session, key, ask, refused).finally(() => inFlight.delete(key));
    inFlight.set(key, asked);
    return asked;
  }

  /** The CRM refused a call logged for the agent whose email is `email`: the agent counts as nobody for as long as nobody is kept. */
  refused(session: CrmSession, email: string): void {
    this.keep(session, emailKey(email), null);
  }

  private async ask(session: CrmSession, key: string, ask: () => Promise<CrmOutcome<string | null>>, refused: (failure: Extract<CrmOutcome<unknown>, { ok: false }>) => void): Promise<CrmOutcome<string | null>> {
    const outcome = await ask();
    if (!outcome.ok && outcome.retry) return outcome;
    if (!outcome.ok) refused(outcome);
    const id = outcome.ok ? outcome.value : null;
    this.keep(session, key, id);
    return { ok: true, value: id };
  }

  private keep(session: CrmSession, key: string, id: string | null): void {
    let bySession = this.kept.get(session);
    if (!bySession) this.kept.set(session, (bySession = new Map()));
    bySession.delete(key);
    if (bySession.size >= MAX_KEPT_PER_SESSION) bySession.delete(bySession.keys().next().value!);
    bySession.set(key, { id, until: this.now() + (id === null ? CRM_USER_TTL.noneMs : CRM_USER_TTL.foundMs) });
  }
}

/** An agent's email as the answers are kept by: CRMs compare addresses case aside. */
function emailKey(email: string): string {
  return email.trim().toLowerCase();
}
