import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { randomId } from './auth/token.ts';
import { createApp, type Readiness } from './app.ts';
import { EventPublisher } from './calls/event-publisher.ts';
import { AWAY_RETURN_CHECK_MS, AwayReturnClock } from './calls/away-return.ts';
import { CrmBreaker } from './crm/crm-breaker.ts';
import { WEBHOOKS_FIRST_DEFAULTS, WebhooksFirst, type WebhooksFirstSettings } from './crm/webhooks-first.ts';
import { CRM_DEFAULTS } from './crm/settings.ts';
import { CrmConnectors, loadBundledCrmConnectors } from './crm/connectors.ts';
import { startCrmWithStore } from './crm/crm-start.ts';
import { CrmThreadEngine } from './crm/crm-thread.ts';
import type { CrmEngine } from './crm/engine.ts';
import { OUTBOX_DEFAULTS, type OutboxSettings } from './crm/outbox-worker.ts';
import { loadBundledConnectors } from './instances/catalogue.ts';
import { PlanResolver } from './instances/plans.ts';
import { answerOrCloseConnection } from './keep-alive.ts';
import { createLogger, type Logger } from './log.ts';
import { RelayMetrics } from './metrics.ts';
import type { RelayStore, StoreLocation } from './store/index.ts';
import { openStore } from './store/open.ts';
import { Hub } from './ws/hub.ts';
import { attachWebSocket, closeWebSockets } from './ws/index.ts';
import { fetchThrough } from './recordings/provider-origins.ts';
import { wireRelay } from './wiring.ts';

export interface RelayOptions extends StoreLocation {
  port: number;
  host: string;
  /** The address providers reach; defaults to the address the relay listens on. */
  publicUrl?: string;
  log?: Logger;
  /** Folder of bundled connectors (the repository's `connectors/` by default). */
  connectorsDir?: string;
  /** Folder of bundled CRM connectors (the repository's `connectors/crm/` by default). */
  crmConnectorsDir?: string;
  /** A CRM that cannot update a logged call: how long its log waits for the agent's notes. */
  crmWrapUpMs?: number;
  /** The CRM connector engine: its sessions on a thread of their own unless told (tests hand in a scripted one, or `crmEngine` to run them on the main thread). */
  crmEngine?: CrmEngine;
  /** False: no CRM session is signed in ahead of its first call (sign-in-ahead.ts), that call's lookup signs in; what the benches measure the sign-in ahead against. */
  crmSignInAhead?: boolean;
  /** The CRM outbox's retry and timing settings. */
  crmOutbox?: Partial<OutboxSettings>;
  /** How the CRM's steps give way to webhooks. */
  crmTurns?: Partial<WebhooksFirstSettings>;
  /** Bytes queued for one WebSocket client before it is cut off (it resumes from its last seq). */
  wsBufferLimit?: number;
  heartbeatMs?: number;
  /** How often a SQLite store looks for commits of another process (`relay agent remove`, another relay's events). */
  changePollMs?: number;
  /** PostgreSQL: the shortest recent round trip from which the database counts as far (`POSTGRES_DEFAULTS`). */
  farRoundTripMs?: number;
  /** How often connected agents' events are read from the store whatever other relays announced (the safety net). */
  eventPollMs?: number;
  /** How long shutdown waits for in-flight requests before cutting connections. */
  shutdownTimeoutMs?: number;
  /** How often agents whose return time has come are made available again (and their sockets told). */
  awayReturnCheckMs?: number;
  /** Where requests to a provider's API go instead, origin for origin (`PROVIDER_ORIGINS`). */
  providerOrigins?: ReadonlyMap<string, string>;
}

export interface RunningRelay {
  port: number;
  publicUrl: string;
  store: RelayStore;
  /** Graceful shutdown: stop taking connections, finish in-flight requests, close the store. */
  close(): Promise<void>;
}

export const DEFAULTS = {
  port: 8787,
  host: '127.0.0.1',
  wsBufferLimit: 1024 * 1024,
  heartbeatMs: 30_000,
  eventPollMs: 5_000,
  shutdownTimeoutMs: 10_000,
};

export async function startRelay(options: RelayOptions): Promise<RunningRelay> {
  const log = options.log ?? createLogger();
  const bundled = loadBundledConnectors(options.connectorsDir);
  const engine =
    options.crmEngine ??
    new CrmThreadEngine(undefined, (stop) => log.error('the CRM thread stopped: the CRM operations in flight are tried again, and the next one starts a new thread', stop));
  const crmConnectors = new CrmConnectors(engine, loadBundledCrmConnectors(engine, options.crmConnectorsDir));
  const store = await openStore(options, { changePollMs: options.changePollMs, farRoundTripMs: options.farRoundTripMs });
  // A relay with a CRM to talk to is ready when its CRM thread is, as when its main thread has loaded
  // the engine: the first callers' lookups do not wait for the thread's start. A relay with none
  // starts no thread until an agent sets a CRM up, here (api/instances.ts) or on another relay.
  const crmStart = await startCrmWithStore(store, crmConnectors, log);
  // Relays sharing the database keep to each CRM account's limits together (issue 10); alone on it, the windows in memory are exact.
  if (store.shared) crmConnectors.pacer.share(store, randomId('relay_'), (error) => log.warn('CRM rate places could not be read or written: paced by this relay alone', { error }));
  const plans = new PlanResolver(bundled, store);
  const metrics = new RelayMetrics();
  const hub = new Hub({
    store,
    metrics,
    log,
    bufferLimit: options.wsBufferLimit ?? DEFAULTS.wsBufferLimit,
    heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
    eventPollMs: options.eventPollMs ?? DEFAULTS.eventPollMs,
    holds: (agentId) => publisher.holds(agentId),
    onConnect: (agentId) => void signIns.forAgent(agentId),
  });
  let publicUrl = options.publicUrl ?? '';
  const publisher = new EventPublisher((events) => hub.publish(events));
  const turns = new WebhooksFirst({ ...WEBHOOKS_FIRST_DEFAULTS, ...options.crmTurns });
  const breaker = new CrmBreaker(log, Date.now);
  const { deps, outbox, signIns } = wireRelay({
    store,
    plans,
    publisher,
    connectors: crmConnectors,
    turns,
    breaker,
    metrics,
    log,
    publicUrl: () => publicUrl,
    now: () => new Date(),
    agentChanged: (agent) => hub.agentChanged(agent),
    nowMs: Date.now,
    crmSettings: { ...CRM_DEFAULTS, wrapUpMs: options.crmWrapUpMs ?? CRM_DEFAULTS.wrapUpMs },
    outbox: { ...OUTBOX_DEFAULTS, ...options.crmOutbox },
    signInAhead: options.crmSignInAhead,
    providerFetch: fetchThrough(options.providerOrigins ?? new Map()),
  });
  const readiness: Readiness = { ready: true };
  const app = createApp(deps, readiness);

  await crmStart.ready;
  let server: Server;
  try {
    server = await new Promise<Server>((resolve, reject) => {
      const started = serve({ fetch: answerOrCloseConnection(app.fetch, log), port: options.port, hostname: options.host }, () => resolve(started as Server)) as Server;
      started.once('error', reject);
    });
  } catch (error) {
    hub.stop();
    crmStart.stop();
    await outbox.stop();
    await crmConnectors.close();
    await store.close();
    throw error;
  }
  const wss = attachWebSocket(server, { store, hub, log });
  await outbox.start();
  const awayReturn = new AwayReturnClock(store, (agent) => hub.agentChanged(agent), (error) => log.error('agents due back could not be made available', { error }));
  awayReturn.start(options.awayReturnCheckMs ?? AWAY_RETURN_CHECK_MS);
  const port = (server.address() as AddressInfo).port;
  publicUrl ||= `http://${urlHost(options.host)}:${port}`;
  log.info('listening', { port, host: options.host, publicUrl, connectors: [...plans.bundled.keys()] });

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= new Promise<void>((resolve) => {
      readiness.ready = false;
      log.info('shutting down');
      hub.stop();
      crmStart.stop();
      closeWebSockets(wss, 'relay shutting down');
      const sweep = setInterval(() => server.closeIdleConnections(), 100);
      const deadline = setTimeout(() => server.closeAllConnections(), options.shutdownTimeoutMs ?? DEFAULTS.shutdownTimeoutMs);
      server.close(() => {
        clearInterval(sweep);
        clearTimeout(deadline);
        // Rows in flight land (or time out) before the store closes; a kill here is what `start` recovers from.
        void Promise.all([outbox.stop(), awayReturn.stop()])
          .then(() => crmConnectors.close())
          .then(() => store.close())
          .catch((error: unknown) => log.error('the store did not close cleanly', { error }))
          .then(() => {
            log.info('stopped');
            resolve();
          });
      });
    }));

  return { port, publicUrl, store, close };
}

/** A host as it appears in a URL; a wildcard bind address is reached through loopback. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
