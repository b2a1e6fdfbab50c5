import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { type CrmOutcome, type CrmSession, type Fetch, memoryTokenCache } from '@phone-connector/shared';
import { CrmHttpClient } from './crm-http.ts';
import type { CrmSource, CrmThreadData, CrmThreadOperation, FromCrmThread, ToCrmThread } from './crm-thread-protocol.ts';
import { type CrmConnectorPlan, crmEngine } from './engine.ts';

/**
 * The relay's CRM thread (crm-thread.ts starts it): every CRM session's engine, logins, follow-up
 * answers and HTTP connections live here, off the thread that answers webhooks.
 */
const data = workerData as CrmThreadData;
const port = parentPort!;

const http = new CrmHttpClient(data.requestTimeoutMs);
/** Bundled connectors by id, each loaded at its first session. */
const bundled = new Map<string, CrmConnectorPlan | undefined>();
const sessions = new Map<number, CrmSession | undefined>();
/** Requests of paced instances waiting for the main thread's room (`acquire`). */
const acquiring = new Map<number, () => void>();
let nextAcquire = 1;

const post = (message: FromCrmThread) => port.postMessage(message);

port.on('message', (message: ToCrmThread) => {
  switch (message.type) {
    case 'open':
      sessions.set(message.session, open(message));
      return;
    case 'drop':
      sessions.delete(message.session);
      return;
    case 'acquired':
      acquiring.get(message.id)?.();
      acquiring.delete(message.id);
      return;
    case 'call':
      void run(sessions.get(message.session), message.operation, message.args).then((outcome) => post({ type: 'answer', id: message.id, outcome }));
  }
});

function open(message: Extract<ToCrmThread, { type: 'open' }>): CrmSession | undefined {
  const plan = planOf(message.source);
  if (!plan) return undefined;
  try {
    return crmEngine.open(plan, {
      config: message.config,
      fetch: message.paced ? paced(message.instanceUid) : http.fetch,
      tokenCache: memoryTokenCache(),
      defaultCountry: message.defaultCountry,
      followUpTtlMs: message.followUpTtlMs,
    });
  } catch {
    return undefined;
  }
}

function planOf(source: CrmSource): CrmConnectorPlan | undefined {
  if ('xml' in source) return crmEngine.load(source.xml, source.file).plan;
  if (!bundled.has(source.connector)) {
    let plan: CrmConnectorPlan | undefined;
    try {
      plan = crmEngine.load(readFileSync(join(data.bundledDir, `${source.connector}.xml`), 'utf8'), `connectors/crm/${source.connector}.xml`).plan;
    } catch {
      plan = undefined;
    }
    bundled.set(source.connector, plan);
  }
  return bundled.get(source.connector);
}

/** The network of an instance whose connector declares `<limits>`: each request waits for the main thread's pacer (rate-pacer.ts), and tells it when it ended. */
function paced(instanceUid: string): Fetch {
  return async (url, init) => {
    const id = nextAcquire++;
    await new Promise<void>((resolve) => {
      acquiring.set(id, resolve);
      post({ type: 'acquire', id, instanceUid, operation: init.operation });
    });
    try {
      return await http.fetch(url, init);
    } finally {
      post({ type: 'release', id });
    }
  };
}

async function run(session: CrmSession | undefined, operation: CrmThreadOperation, args: unknown[]): Promise<CrmOutcome<unknown>> {
  if (!session) return { ok: false, error: 'the CRM connector could not be loaded', retry: false };
  const method = session[operation] as ((...args: unknown[]) => Promise<CrmOutcome<unknown>>) | undefined;
  if (!method) return { ok: false, error: `the CRM connector has no ${operation}`, retry: false };
  try {
    return await method.apply(session, args);
  } catch (error) {
    // Sessions never throw (shared/src/crm/session.ts); a bug that did must not leave the main thread waiting.
    return { ok: false, error: `${operation} failed: ${(error as Error).message}`, retry: true };
  }
}
