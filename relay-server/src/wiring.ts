import type { EventPublisher } from './calls/event-publisher.ts';
import { CallerLookup, LOOKUP_DEFAULTS, type LookupSettings } from './crm/caller-lookup.ts';
import type { CrmBreaker } from './crm/crm-breaker.ts';
import type { CrmConnectors } from './crm/connectors.ts';
import { lookUpHeldCallers } from './crm/identify-caller.ts';
import { CrmOutboxWorker, type OutboxSettings } from './crm/outbox-worker.ts';
import type { CrmSettings } from './crm/settings.ts';
import { CrmSignIns, SIGN_INS_AT_ONCE } from './crm/sign-in-ahead.ts';
import type { WebhooksFirst } from './crm/webhooks-first.ts';
import type { RelayDeps } from './deps.ts';
import type { PlanResolver } from './instances/plans.ts';
import type { Logger } from './log.ts';
import type { RelayMetrics } from './metrics.ts';
import type { Agent, RelayStore } from './store/index.ts';

/** What a relay's dependencies are wired from: the parts a served relay (server.ts) and a test's (testing.ts) make each their own way. */
export interface RelayParts {
  store: RelayStore;
  plans: PlanResolver;
  publisher: EventPublisher;
  connectors: CrmConnectors;
  turns: WebhooksFirst;
  breaker: CrmBreaker;
  metrics: RelayMetrics;
  log: Logger;
  publicUrl: () => string;
  now: () => Date;
  /** The agent changed here: told to their sockets (`Hub.agentChanged`); none in tests without sockets. */
  agentChanged?: (agent: Agent) => void;
  /** The caller lookups' clock, in milliseconds: asked on every new call's webhook, so the server's is `Date.now`, with no `Date` made. */
  nowMs: () => number;
  lookup?: LookupSettings;
  crmSettings: CrmSettings;
  outbox: OutboxSettings;
  /** False: no CRM session signed in ahead of its first call (`CrmSignIns`). */
  signInAhead?: boolean;
  /** Requests to providers' APIs; `fetch` by default. */
  providerFetch?: typeof fetch;
}

/**
 * The relay's dependencies, its CRM outbox worker and its sign-ins, wired one way for the server
 * and the tests alike: the metrics' CRM gauges, and the held caller lookups run again when their
 * CRM answers. The caller starts and stops the outbox worker.
 */
export function wireRelay(parts: RelayParts): { deps: RelayDeps; outbox: CrmOutboxWorker; signIns: CrmSignIns } {
  const { store, publisher, connectors, turns, breaker, metrics } = parts;
  const deps: RelayDeps = {
    store,
    plans: parts.plans,
    publish: (events) => publisher.publish(events),
    hold: (events) => publisher.hold(events),
    agentChanged: parts.agentChanged ?? (() => undefined),
    crm: {
      connectors,
      lookup: new CallerLookup(metrics, parts.nowMs, turns, breaker, connectors.pacer, parts.lookup ?? LOOKUP_DEFAULTS),
      turns,
      breaker,
      settings: parts.crmSettings,
      signIn: (instance) => void signIns.forInstance(instance),
      wake: () => outbox.wake(),
      queueWithCommit: (tx, work, now) => outbox.queueWithCommit(tx, work, now),
      handOverRead: (tx, callId, read) => outbox.handOverRead(tx, callId, read),
    },
    metrics,
    log: parts.log,
    publicUrl: parts.publicUrl,
    providerFetch: parts.providerFetch ?? fetch,
    now: parts.now,
  };
  const signIns = new CrmSignIns(deps, SIGN_INS_AT_ONCE, parts.signInAhead ?? true);
  const outbox = new CrmOutboxWorker(deps, parts.outbox);
  metrics.crmOutbox = () => outbox.gauges();
  metrics.crmLookupBacklog = () => deps.crm.lookup.backlog();
  metrics.crmTurns = () => turns.counts;
  metrics.crmCircuits = () => ({ ...breaker.counts, open: breaker.openInstances().length });
  metrics.storeTransactions = () => store.transactionStats();
  breaker.onChange((instanceUid, open) => {
    if (!open) void lookUpHeldCallers(deps, instanceUid).catch((error: unknown) => deps.log.error('held caller lookups could not be run again', { instance: instanceUid, error }));
  });
  return { deps, outbox, signIns };
}
