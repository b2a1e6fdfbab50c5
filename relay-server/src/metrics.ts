/** The relay's Prometheus metrics, rendered in the text exposition format. */
import type { CrmOutcome } from '@phone-connector/shared';
import type { TransactionStats } from './store/index.ts';

type Labels = Record<string, string>;

const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

class Counter {
  /**
   * By the labels' raw names and values: a counter bumped on every webhook and every event
   * sent escaped and joined its labels each time (2 % of the relay's CPU under load, issue 13);
   * the exposition text is made once per label set.
   */
  private readonly series = new Map<string, { labels: string; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  inc(labels: Labels, by = 1): void {
    let key = '';
    for (const name in labels) key += `${name}\0${labels[name]}\0`;
    const series = this.series.get(key);
    if (series) series.count += by;
    else this.series.set(key, { labels: labelText(labels), count: by });
  }
  render(): string[] {
    return [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`, ...[...this.series.values()].map(({ labels, count }) => `${this.name}${labels} ${count}`)];
  }
}

class Histogram {
  private readonly counts = BUCKETS.map(() => 0);
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  /** `times` observations of the same value: a fan-out's sockets served in one go. */
  observe(seconds: number, times = 1): void {
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.counts[i]! += times;
    });
    this.sum += seconds * times;
    this.count += times;
  }
  render(): string[] {
    return [
      `# HELP ${this.name} ${this.help}`,
      `# TYPE ${this.name} histogram`,
      ...BUCKETS.map((bound, i) => `${this.name}_bucket{le="${bound}"} ${this.counts[i]}`),
      `${this.name}_bucket{le="+Inf"} ${this.count}`,
      `${this.name}_sum ${this.sum}`,
      `${this.name}_count ${this.count}`,
    ];
  }
}

export type WebhookOutcome =
  | 'ok'
  | 'reply_failed'
  | 'not_found'
  | 'forbidden'
  | 'bad_signature'
  | 'bad_request'
  | 'too_large'
  | 'method_not_allowed'
  /** The client closed the connection before its body was complete: its doing, not ours. */
  | 'aborted'
  | 'error';

export class RelayMetrics {
  readonly webhooks = new Counter('relay_webhooks_total', 'Provider webhooks received, by event and outcome.');
  readonly disconnects = new Counter('relay_ws_disconnects_total', 'WebSocket connections the relay closed, by reason.');
  readonly wsEventsSent = new Counter(
    'relay_ws_events_sent_total',
    'Events handed to agents\' sockets, by how the relay came by them: local (committed here), replay (a client resuming), gap (read to fill in before a local event), notice (committed by another relay, read on its notice), poll (found only by the safety-net poll).',
  );
  readonly changeNotices = new Counter('relay_store_change_notices_total', 'Notices that another process committed to the store, by what changed (events, directory).');
  readonly pushLatency = new Histogram('relay_push_latency_seconds', 'Time from an event being stored to its message being handed to the socket.');
  readonly crmRequests = new Counter('relay_crm_requests_total', 'CRM operations run, by operation and outcome (ok, retry: a failure worth retrying, failed: a permanent one).');
  readonly crmLookups = new Counter('relay_crm_lookups_total', 'Caller lookups, by source (cache, crm, or held: not sent, the CRM held after failing repeatedly).');
  /** Read at render time, from the WebSocket hub. */
  connections: () => { agents: number; sockets: number } = () => ({ agents: 0, sockets: 0 });
  /** Read at render time, from the store: its transactions, and how many times one ran again (a conflict with another relay). */
  storeTransactions: () => TransactionStats = () => ({ transactions: 0, reruns: { same_call: 0, deadlock: 0, serialization: 0 } });
  /** Read at render time, from the store: rows in the CRM outbox and the age of the oldest due one. */
  crmOutbox: () => Promise<{ depth: number; oldestDueSeconds: number }> = async () => ({ depth: 0, oldestDueSeconds: 0 });
  /** Read at render time, from the CRM's turns (crm/webhooks-first.ts): its steps and commits, at once or rationed. */
  crmTurns: () => { stepsAtOnce: number; stepsRationed: number; commitsAtOnce: number; commitsGathered: number } = () => ({ stepsAtOnce: 0, stepsRationed: 0, commitsAtOnce: 0, commitsGathered: 0 });
  /** Read at render time, from the CRM's circuit breaker (crm/crm-breaker.ts): circuits open now, opened and closed since the start. */
  crmCircuits: () => { open: number; opened: number; closed: number } = () => ({ open: 0, opened: 0, closed: 0 });
  /** Read at render time, from the caller lookups: those not answered yet and the age of the oldest. */
  crmLookupBacklog: () => { depth: number; oldestSeconds: number } = () => ({ depth: 0, oldestSeconds: 0 });

  crmRequest(operation: 'find_contact' | 'log_call' | 'find_call_log' | 'find_user' | 'update_call' | 'dispositions', outcome: CrmOutcome<unknown>): void {
    this.crmRequests.inc({ operation, outcome: outcome.ok ? 'ok' : outcome.retry ? 'retry' : 'failed' });
  }

  crmLookup(source: 'cache' | 'crm' | 'held'): void {
    this.crmLookups.inc({ source });
  }

  webhook(event: string, outcome: WebhookOutcome): void {
    this.webhooks.inc({ event, outcome });
  }

  async render(): Promise<string> {
    const { agents, sockets } = this.connections();
    const outbox = await this.crmOutbox();
    const lookups = this.crmLookupBacklog();
    const store = this.storeTransactions();
    const turns = this.crmTurns();
    const circuits = this.crmCircuits();
    return [
      ...this.webhooks.render(),
      '# HELP relay_ws_connected_agents Agents with at least one live WebSocket.',
      '# TYPE relay_ws_connected_agents gauge',
      `relay_ws_connected_agents ${agents}`,
      '# HELP relay_ws_connections Live WebSocket connections.',
      '# TYPE relay_ws_connections gauge',
      `relay_ws_connections ${sockets}`,
      ...this.disconnects.render(),
      ...this.wsEventsSent.render(),
      ...this.changeNotices.render(),
      ...this.pushLatency.render(),
      ...this.crmRequests.render(),
      ...this.crmLookups.render(),
      '# HELP relay_store_transactions_total Store transactions run (each counted once, however many times it ran).',
      '# TYPE relay_store_transactions_total counter',
      `relay_store_transactions_total ${store.transactions}`,
      '# HELP relay_store_transaction_retries_total Times a store transaction ran again, by cause (same_call: another relay inserted the same new call; deadlock; serialization).',
      '# TYPE relay_store_transaction_retries_total counter',
      ...Object.entries(store.reruns).map(([cause, count]) => `relay_store_transaction_retries_total{cause="${cause}"} ${count}`),
      ...(store.batches
        ? [
            '# HELP relay_store_round_trip_floor_seconds PostgreSQL: the shortest of the last 64 to 127 round trips to the database (0 until 64 are timed); from 3 ms by default the database counts as far.',
            '# TYPE relay_store_round_trip_floor_seconds gauge',
            `relay_store_round_trip_floor_seconds ${store.batches.roundTripFloorMs / 1000}`,
            '# HELP relay_store_batches_in_flight_limit PostgreSQL: the batches of transactions let be in flight at once (by default 2 while the database is far, else 1).',
            '# TYPE relay_store_batches_in_flight_limit gauge',
            `relay_store_batches_in_flight_limit ${store.batches.inFlight}`,
          ]
        : []),
      '# HELP relay_crm_outbox_depth CRM writes waiting in the outbox (queued or in flight).',
      '# TYPE relay_crm_outbox_depth gauge',
      `relay_crm_outbox_depth ${outbox.depth}`,
      '# HELP relay_crm_outbox_oldest_due_seconds How long the oldest outbox row has been due (0 when none is).',
      '# TYPE relay_crm_outbox_oldest_due_seconds gauge',
      `relay_crm_outbox_oldest_due_seconds ${outbox.oldestDueSeconds}`,
      '# HELP relay_crm_lookups_pending Caller lookups not answered yet (waiting behind webhooks or asking the CRM).',
      '# TYPE relay_crm_lookups_pending gauge',
      `relay_crm_lookups_pending ${lookups.depth}`,
      '# HELP relay_crm_lookup_oldest_seconds How long the oldest pending caller lookup has waited (0 when none is).',
      '# TYPE relay_crm_lookup_oldest_seconds gauge',
      `relay_crm_lookup_oldest_seconds ${lookups.oldestSeconds}`,
      '# HELP relay_crm_steps_total CRM steps (searches for callers, outbox rows) by how they started: at_once (the thread had room) or rationed (they waited their turn behind webhooks on a saturated thread).',
      '# TYPE relay_crm_steps_total counter',
      `relay_crm_steps_total{start="at_once"} ${turns.stepsAtOnce}`,
      `relay_crm_steps_total{start="rationed"} ${turns.stepsRationed}`,
      '# HELP relay_crm_commits_total Store transactions of CRM steps: at_once, or gathered with others into one commit on a saturated thread.',
      '# TYPE relay_crm_commits_total counter',
      `relay_crm_commits_total{start="at_once"} ${turns.commitsAtOnce}`,
      `relay_crm_commits_total{start="gathered"} ${turns.commitsGathered}`,
      '# HELP relay_crm_circuits_open Instances whose CRM is held: it failed too many times in a row, and only a probe at a time asks it until one gets an answer.',
      '# TYPE relay_crm_circuits_open gauge',
      `relay_crm_circuits_open ${circuits.open}`,
      '# HELP relay_crm_circuit_changes_total CRM circuits opened (the CRM held) and closed (it answered a probe).',
      '# TYPE relay_crm_circuit_changes_total counter',
      `relay_crm_circuit_changes_total{to="open"} ${circuits.opened}`,
      `relay_crm_circuit_changes_total{to="closed"} ${circuits.closed}`,
      '',
    ].join('\n');
  }
}
