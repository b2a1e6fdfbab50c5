/** Fixtures for the relay's unit tests: the real app over an in-memory SQLite store. */
import { computeTwilioSignature } from '@phone-connector/shared';
import { createApp } from './app.ts';
import { EventPublisher } from './calls/event-publisher.ts';
import { CallerLookup, LOOKUP_DEFAULTS, type LookupSettings } from './crm/caller-lookup.ts';
import { CRM_DEFAULTS, type CrmSettings } from './crm/call-log.ts';
import { CrmConnectors } from './crm/connectors.ts';
import { type CrmConnectorPlan, type CrmEngine, crmEngine } from './crm/engine.ts';
import { CrmOutboxWorker, OUTBOX_DEFAULTS, type OutboxSettings } from './crm/outbox-worker.ts';
import { generateToken, hashToken, randomId } from './auth/token.ts';
import type { RelayDeps } from './deps.ts';
import { loadBundledConnectors } from './instances/catalogue.ts';
import { PlanResolver } from './instances/plans.ts';
import { createLogger } from './log.ts';
import { RelayMetrics } from './metrics.ts';
import type { AgentEvent } from './store/index.ts';
import { openSqliteStore } from './store/sqlite/store.ts';

export const PUBLIC_URL = 'https://relay.example.test';
export const TWILIO_TOKEN = 'unit-test-auth-token';

const bundled = loadBundledConnectors();

export interface TestCrmOptions {
  /** The CRM engine (a scripted one: `crm/scripted-crm.ts`); the build's engine by default. */
  engine?: CrmEngine;
  bundled?: ReadonlyMap<string, CrmConnectorPlan>;
  settings?: Partial<CrmSettings>;
  lookup?: Partial<LookupSettings>;
  outbox?: Partial<OutboxSettings>;
}

export function testRelay(options: { now?: () => Date; crm?: TestCrmOptions } = {}) {
  const store = openSqliteStore(':memory:');
  const published: AgentEvent[] = [];
  const logs: string[] = [];
  const now = options.now ?? (() => new Date());
  const metrics = new RelayMetrics();
  const publisher = new EventPublisher((events) => published.push(...events));
  const deps: RelayDeps = {
    store,
    plans: new PlanResolver(bundled),
    publish: (events) => publisher.publish(events),
    hold: (events) => publisher.hold(events),
    crm: {
      connectors: new CrmConnectors(options.crm?.engine ?? crmEngine, options.crm?.bundled ?? new Map()),
      lookup: new CallerLookup(metrics, () => now().getTime(), { ...LOOKUP_DEFAULTS, ...options.crm?.lookup }),
      settings: { ...CRM_DEFAULTS, ...options.crm?.settings },
      wake: () => outbox.wake(),
    },
    metrics,
    log: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    publicUrl: () => PUBLIC_URL,
    now,
  };
  // Random jitter off: a test's clock moves by the delays it expects.
  const outbox = new CrmOutboxWorker(deps, { ...OUTBOX_DEFAULTS, random: () => 1, ...options.crm?.outbox });
  metrics.crmOutbox = () => outbox.gauges();
  const app = createApp(deps);

  const addAgent = (name: string, number: string, extra: { email?: string; admin?: boolean } = {}) => {
    const token = generateToken();
    const agent = store.addAgent({ id: randomId('ag_'), name, number, email: extra.email ?? null, admin: extra.admin ?? false, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
    return { ...agent, token };
  };

  /** An agent-API request with a JSON body. */
  const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
    app.request(`/api/v1${path}`, {
      method,
      headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  /** Registers a Twilio instance for an agent and returns its callback URLs. */
  const twilioInstance = async (token: string, id = 'main') => {
    const response = await call(token, 'PUT', `/instances/${id}`, { connector: 'twilio', config: { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006' } });
    return ((await response.json()) as { callbacks: { answer: string; status: string; incoming: string } }).callbacks;
  };

  /** A webhook signed the way Twilio signs it, sent to the app at the public URL's path. */
  const twilioWebhook = async (url: string, params: Record<string, string>, init: { headers?: Record<string, string>; token?: string } = {}) => {
    const body = new URLSearchParams(params).toString();
    const signature = await computeTwilioSignature(init.token ?? TWILIO_TOKEN, url, params);
    return app.request(url.replace(PUBLIC_URL, ''), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Twilio-Signature': signature, ...init.headers },
      body,
    });
  };

  return { app, deps, store, published, logs, outbox, addAgent, call, twilioInstance, twilioWebhook };
}
