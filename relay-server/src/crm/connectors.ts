import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type CrmSession, formatDiagnostic, memoryTokenCache } from '@phone-connector/shared';
import type { Instance } from '../store/index.ts';
import { LOOKUP_DEFAULTS } from './caller-lookup.ts';
import { CrmHttpClient } from './crm-http.ts';
import { rateAccountKey } from './rate-account.ts';
import { RatePacer } from './rate-pacer.ts';
import { type CrmConnectorPlan, type CrmEngine, type TokenCache } from './engine.ts';

/** The repository's `connectors/crm/` folder. */
export const BUNDLED_CRM_CONNECTORS_DIR = fileURLToPath(new URL('../../../connectors/crm/', import.meta.url));

/** How long one CRM request may take before the relay gives up on it (a retry follows for writes). */
export const CRM_REQUEST_TIMEOUT_MS = 10_000;

/** Bundled CRM connectors by id (file name without `.xml`), loaded once. A broken one stops the start. */
export function loadBundledCrmConnectors(engine: CrmEngine, dir: string = BUNDLED_CRM_CONNECTORS_DIR): ReadonlyMap<string, CrmConnectorPlan> {
  if (!existsSync(dir)) return new Map();
  const ids = readdirSync(dir)
    .filter((name) => name.endsWith('.xml'))
    .map((name) => name.slice(0, -'.xml'.length))
    .sort();
  return new Map(
    ids.map((id) => {
      const loaded = engine.load(readFileSync(join(dir, `${id}.xml`), 'utf8'), `connectors/crm/${id}.xml`);
      if (!loaded.plan) throw new Error(`bundled CRM connector ${id} is not valid:\n${loaded.diagnostics.map(formatDiagnostic).join('\n')}`);
      return [id, loaded.plan] as const;
    }),
  );
}

/**
 * The CRM connectors instances use: bundled plans, custom XML compiled once per instance
 * version, and one session per instance version (its token cache holds the CRM's login, e.g.
 * Vtiger's session, across calls). Saving an instance bumps its version, so nothing stale runs.
 */
export class CrmConnectors {
  private readonly custom = new Map<string, { updatedAt: string; plan: CrmConnectorPlan | undefined }>();
  private readonly sessions = new Map<string, { updatedAt: string; session: CrmSession | undefined }>();
  /** Every session's network: one pool of kept-alive connections per CRM host. */
  private readonly http: CrmHttpClient;
  /** Requests kept to their connector's `<limits>`, per CRM account (caller lookups wait for it too, to batch). */
  readonly pacer: RatePacer;
  /** Whether `start` was asked for: the engine is getting ready, or is. */
  started = false;

  constructor(
    readonly engine: CrmEngine,
    readonly bundled: ReadonlyMap<string, CrmConnectorPlan>,
    requestTimeoutMs = CRM_REQUEST_TIMEOUT_MS,
    now: () => number = Date.now,
  ) {
    this.http = new CrmHttpClient(requestTimeoutMs);
    this.pacer = new RatePacer(now);
  }

  planFor(instance: Instance): CrmConnectorPlan | undefined {
    const crm = instance.crm;
    if (!crm) return undefined;
    if (crm.xml === null) return this.bundled.get(crm.connector);
    const cached = this.custom.get(instance.uid);
    if (cached?.updatedAt === instance.updatedAt) return cached.plan;
    const plan = this.engine.load(crm.xml, `${instance.localId}.crm.xml`).plan;
    this.custom.set(instance.uid, { updatedAt: instance.updatedAt, plan });
    return plan;
  }

  /**
   * The instance's CRM session; undefined when it has no CRM or its connector cannot be loaded.
   * `defaultCountry` is asked only when the session is opened (a store read of the instance's
   * owner, which every call change of a CRM instance paid before, in the webhook's transaction).
   */
  async sessionFor(instance: Instance, defaultCountry: () => Promise<string | undefined>): Promise<CrmSession | undefined> {
    const cached = this.sessions.get(instance.uid);
    if (cached?.updatedAt === instance.updatedAt) return cached.session;
    const country = await defaultCountry();
    // Another caller may have opened it meanwhile: one session per instance version, one token cache.
    const opened = this.sessions.get(instance.uid);
    if (opened?.updatedAt === instance.updatedAt) return opened.session;
    const plan = this.planFor(instance);
    const tokenCache: TokenCache = memoryTokenCache();
    let session: CrmSession | undefined;
    this.pacer.declare(instance.uid, plan?.limits ?? [], plan && rateAccountKey(instance.crm!, plan));
    const paced = plan !== undefined && plan.limits.length > 0;
    try {
      session =
        plan &&
        this.engine.open(plan, {
          config: instance.crm!.config,
          fetch: paced ? this.pacer.fetch(instance.uid, this.http.fetch) : this.http.fetch,
          pace: paced ? (operation) => this.pacer.acquire(instance.uid, operation) : undefined,
          tokenCache,
          defaultCountry: country,
          // A company name may be as old as the contact the lookup cache holds.
          followUpTtlMs: LOOKUP_DEFAULTS.matchTtlMs,
        });
    } catch {
      // Sessions are opened on the webhook's path: one that cannot open is a CRM that cannot be loaded, never a failed webhook.
      session = undefined;
    }
    this.release(instance.uid);
    this.sessions.set(instance.uid, { updatedAt: instance.updatedAt, session });
    return session;
  }

  forget(uid: string): void {
    this.custom.delete(uid);
    this.release(uid);
    this.sessions.delete(uid);
    this.pacer.declare(uid, []);
  }

  /**
   * An instance has a CRM (the relay starts with one, an agent has just set one up here, or another
   * relay on the same store has: crm-start.ts): the engine gets ready for its first session now, not
   * at the first caller's lookup, and compiles the bundled connectors (a relay with a thousand CRM
   * instances compiles these few, not a session per instance). Resolves once it is ready.
   */
  start(): Promise<void> {
    this.started = true;
    for (const plan of this.bundled.values()) this.engine.prepare?.(plan);
    return this.engine.start?.() ?? Promise.resolve();
  }

  /** Closes the CRM connections kept alive and the engine's thread (the relay is stopping). */
  async close(): Promise<void> {
    this.http.close();
    await this.engine.close?.();
  }

  /** The instance's session of an earlier version, which nothing will call again: the engine closes it (in its thread). */
  private release(uid: string): void {
    const session = this.sessions.get(uid)?.session;
    if (session) this.engine.release?.(session);
  }
}
