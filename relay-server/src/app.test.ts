import { describe, expect, it } from 'vitest';
import { createApp } from './app.ts';
import { createLogger } from './log.ts';
import { testRelay } from './testing.ts';

describe('operations endpoints', () => {
  it('reports health until shutdown starts', async () => {
    const { deps } = testRelay();
    const readiness = { ready: true };
    const app = createApp(deps, readiness);
    expect(await (await app.request('/healthz')).json()).toEqual({ status: 'ok' });
    readiness.ready = false;
    const response = await app.request('/healthz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'shutting-down' });
  });

  it('serves Prometheus text', async () => {
    const relay = testRelay();
    relay.deps.metrics.webhook('status', 'ok');
    relay.deps.metrics.pushLatency.observe(0.003);
    const response = await relay.app.request('/metrics');
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0.0.4/);
    const text = await response.text();
    expect(text).toContain('# TYPE relay_webhooks_total counter\nrelay_webhooks_total{event="status",outcome="ok"} 1\n');
    expect(text).toContain('relay_push_latency_seconds_bucket{le="0.0025"} 0\nrelay_push_latency_seconds_bucket{le="0.005"} 1\n');
    expect(text).toContain('relay_push_latency_seconds_count 1\n');
    expect(text).toContain('relay_ws_connected_agents 0\n');
  });

  it("counts the store's transactions and their reruns by cause", async () => {
    const relay = testRelay();
    const before = relay.store.transactionStats().transactions;
    await relay.store.transaction(async (tx) => tx.listAgents());
    await relay.store.transaction(async (tx) => tx.listAgents());
    expect(relay.store.transactionStats().transactions).toBe(before + 2);
    const text = await (await relay.app.request('/metrics')).text();
    // Read after the render's own outbox read (a SQLite transaction too).
    expect(text).toContain(`\nrelay_store_transactions_total ${relay.store.transactionStats().transactions}\n`);
    expect(text).toContain('# TYPE relay_store_transaction_retries_total counter\n');
    // One SQLite connection, one transaction at a time: nothing conflicts (PostgreSQL's reruns: store/postgres/two-relays.test.ts).
    for (const cause of ['same_call', 'deadlock', 'serialization']) expect(text).toContain(`relay_store_transaction_retries_total{cause="${cause}"} 0\n`);
  });

  it("shows PostgreSQL's round-trip floor and batches in flight, and nothing of them for SQLite", async () => {
    const relay = testRelay();
    expect(await (await relay.app.request('/metrics')).text()).not.toContain('relay_store_round_trip_floor_seconds');
    relay.deps.metrics.storeTransactions = () => ({ ...relay.store.transactionStats(), batches: { roundTripFloorMs: 4.5, inFlight: 2 } });
    const text = await (await relay.app.request('/metrics')).text();
    expect(text).toContain('# TYPE relay_store_round_trip_floor_seconds gauge\nrelay_store_round_trip_floor_seconds 0.0045\n');
    expect(text).toContain('# TYPE relay_store_batches_in_flight_limit gauge\nrelay_store_batches_in_flight_limit 2\n');
  });

  it('answers unknown paths with JSON 404', async () => {
    const { app } = testRelay();
    const response = await app.request('/nope');
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'not found' });
  });
});

describe('logs', () => {
  it('writes JSON lines at or above the level', () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', write: (l) => lines.push(l) });
    log.info('hidden');
    log.warn('shown', { error: new Error('boom'), n: 1 });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', msg: 'shown', error: 'boom', n: 1, time: expect.any(String) });
  });
});
