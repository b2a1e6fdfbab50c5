/** Fixtures for the relay's unit tests: the real app over an in-memory SQLite store. */
import { computeTwilioSignature } from '@phone-connector/shared';
import { createApp } from './app.ts';
import { EventPublisher } from './calls/event-publisher.ts';
import { LOOKUP_DEFAULTS, type LookupSettings } from './crm/caller-lookup.ts';
import { BREAKER_DEFAULTS, type BreakerSettings, CrmBreaker } from './crm/crm-breaker.ts';
import { CRM_DEFAULTS, type CrmSettings } from './crm/settings.ts';
import { CrmConnectors } from './crm/connectors.ts';
import { type CrmConnectorPlan, type CrmEngine, crmEngine } from './crm/engine.ts';
import { OUTBOX_DEFAULTS, type OutboxSettings } from './crm/outbox-worker.ts';
import type { ThreadLoad } from './crm/thread-load.ts';
import { WEBHOOKS_FIRST_DEFAULTS, WebhooksFirst, type WebhooksFirstSettings } from './crm/webhooks-first.ts';
import { generateToken, hashToken, randomId } from './auth/token.ts';
import { loadBundledConnectors } from './instances/catalogue.ts';
import { PlanResolver } from './instances/plans.ts';
import { createLogger } from './log.ts';
import { RelayMetrics } from './metrics.ts';
import { ScriptedCrm, scriptedEngine } from './crm/scripted-crm.ts';
import type { AgentEvent, Call, RelayStore } from './store/index.ts';
import { openSqliteStore } from './store/sqlite/store.ts';
import { wireRelay } from './wiring.ts';

export const PUBLIC_URL = 'https://relay.example.test';
export const TWILIO_TOKEN = 'unit-test-auth-token';

const bundled = loadBundledConnectors();

/** A thread with room to spare. */
export const IDLE_THREAD: ThreadLoad = { utilisation: () => 0 };

export interface TestCrmOptions {
  /** The CRM engine (a scripted one: `crm/scripted-crm.ts`); the build's engine by default. */
  engine?: CrmEngine;
  bundled?: ReadonlyMap<string, CrmConnectorPlan>;
  settings?: Partial<CrmSettings>;
  lookup?: Partial<LookupSettings>;
  outbox?: Partial<OutboxSettings>;
  turns?: Partial<WebhooksFirstSettings>;
  breaker?: Partial<BreakerSettings>;
  /** How busy the thread looks to the CRM's turns: idle by default, so that a loaded test machine never rations the steps a test waits for. */
  threadLoad?: ThreadLoad;
}

/**
 * `store`: the relay's store (a PostgreSQL one that another relay shares, say); an in-memory SQLite one by default.
 * `providerFetch`: the relay's requests to providers' APIs (a call's recording); none leave the test by default.
 */
export function testRelay(options: { now?: () => Date; crm?: TestCrmOptions; store?: RelayStore; providerFetch?: typeof fetch } = {}) {
  const store = options.store ?? openSqliteStore(':memory:');
  const published: AgentEvent[] = [];
  const logs: string[] = [];
  const now = options.now ?? (() => new Date());
  const metrics = new RelayMetrics();
  const publisher = new EventPublisher((events) => published.push(...events));
  const turns = new WebhooksFirst({ ...WEBHOOKS_FIRST_DEFAULTS, ...options.crm?.turns }, options.crm?.threadLoad ?? IDLE_THREAD);
  const log = createLogger({ level: 'debug', write: (line) => logs.push(line) });
  const breaker = new CrmBreaker(log, () => now().getTime(), { ...BREAKER_DEFAULTS, ...options.crm?.breaker });
  // The pacer keeps the real clock: a test's frozen `now` would hold a paced request forever.
  const connectors = new CrmConnectors(options.crm?.engine ?? crmEngine, options.crm?.bundled ?? new Map());
  const { deps, outbox } = wireRelay({
    store,
    plans: new PlanResolver(bundled, store),
    publisher,
    connectors,
    turns,
    breaker,
    metrics,
    log,
    publicUrl: () => PUBLIC_URL,
    now,
    nowMs: () => now().getTime(),
    lookup: { ...LOOKUP_DEFAULTS, ...options.crm?.lookup },
    crmSettings: { ...CRM_DEFAULTS, ...options.crm?.settings },
    // Random jitter off: a test's clock moves by the delays it expects.
    outbox: { ...OUTBOX_DEFAULTS, random: () => 1, ...options.crm?.outbox },
    providerFetch: options.providerFetch ?? (async (input) => Promise.reject(new Error(`no provider in this test: ${String(input)}`))),
  });
  const app = createApp(deps);

  const addAgent = async (name: string, number: string, extra: { email?: string; admin?: boolean } = {}) => {
    const token = generateToken();
    const agent = await store.addAgent({ id: randomId('ag_'), name, number, email: extra.email ?? null, admin: extra.admin ?? false, tokenHash: hashToken(token), createdAt: new Date().toISOString() });
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

export const CRM_ACCESS_KEY = 'unit-test-crm-access-key';

/**
 * A relay whose clock the test moves, with a Twilio instance for Ada set up with the scripted
 * CRM (`crm/scripted-crm.ts`): provider webhooks go through the real path, CRM work through the
 * real rules and outbox, and the CRM answers per the test's script.
 */
export async function crmTestRelay({ store, admin = false, ...options }: Omit<TestCrmOptions, 'engine' | 'bundled'> & { store?: RelayStore; admin?: boolean } = {}) {
  const crm = new ScriptedCrm();
  const clock = { ms: Date.UTC(2026, 10, 30, 10, 0, 0) };
  // The first events wait for the caller's contact up to `holdMs` of real time (300 ms in production). A loaded
  // test machine can take longer than that to run a scripted CRM that answers at once, and the events would go
  // without the contact the test expects on them: tests hold them for as long as they wait for anything, and a
  // test of a CRM too slow for the hold sets a short one itself.
  const settings = { holdMs: 10_000, ...options.settings };
  const relay = testRelay({ now: () => new Date(clock.ms), crm: { ...scriptedEngine(crm), ...options, settings }, ...(store ? { store } : {}) });
  // An admin's instance is the team's: its incoming calls ring every agent (routing.ts).
  const ada = await relay.addAgent('Ada', '+14155550111', { email: 'ada@example.com', admin });
  const hooks = await relay.twilioInstance(ada.token);
  const setup = await relay.call(ada.token, 'PUT', '/instances/main', {
    connector: 'twilio',
    config: { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006' },
    crm: { connector: 'scripted', config: { url: 'https://crm.example.test', username: 'ada', accesskey: CRM_ACCESS_KEY } },
  });
  if (setup.status !== 200) throw new Error(`CRM setup refused: ${await setup.text()}`);

  /** The provider's webhooks of an inbound call from `from` to Ada. */
  const inbound = (sid: string, from: string) => ({
    ringing: () => relay.twilioWebhook(hooks.incoming, { CallSid: sid, From: from, To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' }),
    completed: (duration = 42) => relay.twilioWebhook(hooks.status, { CallSid: sid, CallStatus: 'completed', CallDuration: String(duration) }),
  });
  /** Every Call JSON pushed so far for a provider call id, oldest first, with its event kind. */
  const pushed = (sid: string) =>
    relay.published.map((e) => ({ kind: e.kind, call: JSON.parse(e.call) as Call })).filter((e) => e.call.call_id === sid);
  const callOf = async (sid: string) => (await relay.store.callByKey((await relay.store.instanceOf(ada.id, 'main'))!.uid, sid))!;
  const advance = (ms: number) => (clock.ms += ms);
  /** The first events wait no longer than in production: for a test of a CRM too slow for the hold. */
  const holdAsInProduction = () => {
    relay.deps.crm.settings.holdMs = CRM_DEFAULTS.holdMs;
  };
  return { ...relay, crm, clock, advance, ada, hooks, inbound, pushed, callOf, holdAsInProduction };
}
