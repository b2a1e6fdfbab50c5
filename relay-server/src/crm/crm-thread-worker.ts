/**
 * The CRM thread's side (crm-thread.ts starts it): opens each session with the real engine and
 * its own network (CrmHttpClient) and token cache, runs the operations the relay's main thread
 * asks for and answers with their outcomes, plain data. A paced connector's request asks the main
 * thread for its place (RatePacer, shared with the caller lookups there) before it is sent, and
 * says when it ended.
 */
import { writeFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { type CrmConnectorPlan, type CrmOutcome, type CrmSession, type Fetch, loadCrmConnector, memoryTokenCache, openCrmSession } from '@phone-connector/shared';
import { CrmHttpClient } from './crm-http.ts';
import { CRM_THREAD_NAME, type FromCrmThread, type ToCrmThread } from './crm-thread.ts';

const port = parentPort!;

try {
  writeFileSync('/proc/thread-self/comm', CRM_THREAD_NAME);
} catch {
  // Not Linux: the thread keeps the process's name.
}
const http = new CrmHttpClient((workerData as { requestTimeoutMs: number }).requestTimeoutMs);
/** The open sessions by id, each with its connector's text (its key in `plans`); a string for one that could not open: why. */
const sessions = new Map<number, { session: CrmSession | string; xml: string }>();
/**
 * Each connector text compiled once, shared by the sessions opened on it and dropped with the last
 * of them: a relay whose thousand instances use the bundled Vtiger connector holds one plan, not a
 * thousand (a plan and its session ~100 KB, a compile ~10 ms, which an instance's first call waited
 * for), as the main thread shares the bundled plans. The sessions' own state (token cache, network)
 * stays theirs. The bundled connectors are compiled when the relay starts the thread and kept while
 * it runs (`keep`, counted as one more user that never leaves).
 */
const plans = new Map<string, { plan: CrmConnectorPlan | string; users: number }>();

/** The connector text's plan, compiled at its first use, counted as used once more (a session, or the thread's life for a kept one). */
function usePlan(xml: string, file: string): CrmConnectorPlan | string {
  let entry = plans.get(xml);
  if (!entry) {
    const { plan, diagnostics } = loadCrmConnector(xml, file);
    // The main thread compiled the same text: a plan it had and this thread has not is a bug, told as the operations' failure.
    entry = { plan: plan ?? `the CRM connector does not load on the CRM thread: ${diagnostics.map((d) => d.message).join('; ')}`, users: 0 };
    plans.set(xml, entry);
  }
  entry.users++;
  return entry.plan;
}

function open({ session, xml, file, paced, options }: Extract<ToCrmThread, { type: 'open' }>): void {
  const plan = usePlan(xml, file);
  let opened: CrmSession | string;
  try {
    opened = typeof plan === 'string' ? plan : openCrmSession(plan, { ...options, fetch: paced ? pacedFetch(session) : http.fetch, tokenCache: memoryTokenCache() });
  } catch (error) {
    opened = `the CRM session could not be opened: ${(error as Error).message}`;
  }
  sessions.set(session, { session: opened, xml });
}

function release(session: number): void {
  const xml = sessions.get(session)?.xml;
  sessions.delete(session);
  const entry = xml === undefined ? undefined : plans.get(xml);
  if (entry && --entry.users === 0) plans.delete(xml!);
}

/** Paced requests waiting for their place, by id. */
const places = new Map<number, () => void>();
let nextPlace = 1;

const post = (message: FromCrmThread) => port.postMessage(message);

/** The network of a paced session: each request sent once the main thread has given it its place. */
function pacedFetch(session: number): Fetch {
  return async (url, init) => {
    const place = nextPlace++;
    await new Promise<void>((resolve) => {
      places.set(place, resolve);
      post({ type: 'pace', place, session, operation: init.operation });
    });
    try {
      return await http.fetch(url, init);
    } finally {
      post({ type: 'paced', place });
    }
  };
}

port.on('message', (message: ToCrmThread) => {
  switch (message.type) {
    case 'open':
      open(message);
      return;
    case 'release':
      release(message.session);
      return;
    case 'keep':
      usePlan(message.xml, message.file);
      return;
    case 'plans':
      post({ type: 'plans', id: message.id, count: plans.size });
      return;
    case 'placed': {
      const placed = places.get(message.place);
      places.delete(message.place);
      placed?.();
      return;
    }
    case 'run': {
      const session = sessions.get(message.session)?.session;
      if (typeof session !== 'object') {
        // A connector that does not load here fails for good; a session released (its instance changed
        // while the outbox held it for a create then an update) is worth trying again: the next attempt
        // opens the instance's current session, as it would have in-process.
        const outcome = session === undefined ? { ok: false as const, error: 'the CRM session is not open on the CRM thread', retry: true } : { ok: false as const, error: session, retry: false };
        post({ type: 'outcome', id: message.id, outcome });
        return;
      }
      const run = session[message.operation] as ((...args: unknown[]) => Promise<CrmOutcome<unknown>>) | undefined;
      // A lookup told whom its search found before its follow-ups answer: the thread says so, once they are due.
      const args = message.searched ? [...message.args, (found: unknown) => post({ type: 'searched', id: message.id, found })] : message.args;
      void (run ? run.apply(session, args) : Promise.resolve<CrmOutcome<unknown>>({ ok: false, error: `the connector has no ${message.operation}`, retry: false })).then(
        (outcome) => post({ type: 'outcome', id: message.id, outcome }),
        // The engine never throws (its failures are outcomes): one that did is a bug, and the write is tried again.
        (error: unknown) => post({ type: 'outcome', id: message.id, outcome: { ok: false, error: `the CRM thread failed: ${(error as Error).message}`, retry: true } }),
      );
      return;
    }
  }
});

post({ type: 'ready' });
