import type { PlanResolver } from './instances/plans.ts';
import type { Logger } from './log.ts';
import type { RelayMetrics } from './metrics.ts';
import type { AgentEvent, RelayStore } from './store/index.ts';

/** What the HTTP sub-apps need, built once by the server (or by a test). */
export interface RelayDeps {
  store: RelayStore;
  plans: PlanResolver;
  /** Pushes just-committed events to live sockets. Call it in the same tick as the commit. */
  publish: (events: readonly AgentEvent[]) => void;
  metrics: RelayMetrics;
  log: Logger;
  /** The address providers reach, without a trailing slash (known once the server listens). */
  publicUrl: () => string;
  now: () => Date;
}
