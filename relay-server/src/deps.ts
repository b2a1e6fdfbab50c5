import type { ReleaseEvents } from './calls/event-publisher.ts';
import type { CallerLookup } from './crm/caller-lookup.ts';
import type { CrmBreaker } from './crm/crm-breaker.ts';
import type { CrmSettings } from './crm/settings.ts';
import type { CrmConnectors } from './crm/connectors.ts';
import type { CrmOutboxWorker } from './crm/outbox-worker.ts';
import type { WebhooksFirst } from './crm/webhooks-first.ts';
import type { PlanResolver } from './instances/plans.ts';
import type { Logger } from './log.ts';
import type { RelayMetrics } from './metrics.ts';
import type { Agent, AgentEvent, CrmWork, Instance, RelayStore, StoreTx } from './store/index.ts';

/** What the HTTP sub-apps need, built once by the server (or by a test). */
export interface RelayDeps {
  store: RelayStore;
  plans: PlanResolver;
  /** Pushes just-committed events to live sockets. Call it in the same tick as the commit. */
  publish: (events: readonly AgentEvent[]) => void;
  /** Keeps just-committed events back until released; what is published for the same agents meanwhile waits behind them. */
  hold: (events: readonly AgentEvent[]) => ReleaseEvents;
  /** The CRM side of instances: connectors and sessions, caller lookups, and the outbox worker's doorbell. */
  crm: {
    connectors: CrmConnectors;
    lookup: CallerLookup;
    /** The thread's turns: webhooks first, CRM steps (searches for callers, outbox rows) behind them with a floor. */
    turns: WebhooksFirst;
    /** Per instance, whether its CRM may be asked: one that keeps failing is held, one probe at a time. */
    breaker: CrmBreaker;
    settings: CrmSettings;
    /** Signs the instance's CRM session in ahead of its first call, unawaited (CrmSignIns.forInstance). */
    signIn: (instance: Instance) => void;
    /** Tells the outbox worker that work was committed. */
    wake: () => void;
    /** Inside a transaction: a queued row for the outbox worker, claimed to run once committed when due now (CrmOutboxWorker.queueWithCommit). */
    queueWithCommit: (tx: StoreTx, work: CrmWork, now: string) => CrmWork;
    /** At the end of such a transaction: hands the claimed row what its run would read first (CrmOutboxWorker.handOverRead). */
    handOverRead: CrmOutboxWorker['handOverRead'];
  };
  metrics: RelayMetrics;
  log: Logger;
  /** Tells the agent's open sockets how the agent now is (`PATCH /me`): their other browsers follow. */
  agentChanged: (agent: Agent) => void;
  /** Requests to a provider's API (a call's recording, `<recording>`): `fetch`, through `PROVIDER_ORIGINS` when set. */
  providerFetch: typeof fetch;
  /** The address providers reach, without a trailing slash (known once the server listens). */
  publicUrl: () => string;
  now: () => Date;
}
