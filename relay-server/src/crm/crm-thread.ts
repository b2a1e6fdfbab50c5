import { Worker } from 'node:worker_threads';
import { type CrmOutcome, type CrmSession, loadCrmConnector, openCrmSession } from '@phone-connector/shared';
import { CRM_REQUEST_TIMEOUT_MS } from './connectors.ts';
import type { CrmConnectorPlan, CrmEngine, CrmOperation, CrmPace, RelaySessionOptions } from './engine.ts';

/** What a session is opened with in the CRM thread: data only (a plan holds functions and regexes, which do not cross; the thread compiles the text again). */
type SessionData = Pick<RelaySessionOptions, 'config' | 'defaultCountry' | 'followUpTtlMs' | 'agent'>;

export type ToCrmThread =
  | { type: 'open'; session: number; xml: string; file: string; paced: boolean; options: SessionData }
  | { type: 'release'; session: number }
  /** A connector text to compile now and keep for the thread's life (one the relay bundles). */
  | { type: 'keep'; xml: string; file: string }
  | { type: 'placed'; place: number }
  /** How many compiled connectors the thread holds (tests). */
  | { type: 'plans'; id: number }
  /** `searched`: a lookup whose caller the relay names before its follow-ups answer (`CrmSession.findContacts`'s `onSearched`). */
  | { type: 'run'; id: number; session: number; operation: CrmOperation; args: unknown[]; searched?: true };

export type FromCrmThread =
  | { type: 'ready' }
  | { type: 'outcome'; id: number; outcome: CrmOutcome<unknown> }
  /** A lookup's search answered while follow-ups are still due: whom it found; sent only then. */
  | { type: 'searched'; id: number; found: unknown }
  | { type: 'pace'; place: number; session: number; operation: string | undefined }
  | { type: 'paced'; place: number }
  | { type: 'plans'; id: number; count: number };

type OpenMessage = Extract<ToCrmThread, { type: 'open' }>;
type KeepMessage = Extract<ToCrmThread, { type: 'keep' }>;

/** The CRM thread's name, which it gives itself: told apart from V8's and libuv's threads (named as the process) in top, ps and /proc's per-thread CPU, which the benches read (issue 10). */
export const CRM_THREAD_NAME = 'pc-crm';

/** The thread's first module: it registers tsx's loader, then runs crm-thread-worker.ts. */
const BOOT = new URL('./crm-thread-boot.mjs', import.meta.url);

/**
 * The CRM engine on a thread of its own (issue 10): every session's templates, token chain,
 * requests (node:http) and answers run on one worker, so the relay's main thread, which answers
 * the webhooks and is their bottleneck, keeps only what touches the store, the outbox, the
 * breaker, the metrics and the sockets. A session here is a proxy: its data (name, canUpdate,
 * lookupBatch, the new-contact URL) comes from the same session opened on this thread without a
 * network; each operation is a message to the thread and its outcome the answer, many in flight.
 * A paced connector's request asks this thread for its place under the `<limits>` (the pacer
 * stays here, with the caller lookups that read it). The thread crashing or exiting fails the
 * operations in flight as worth retrying (a create that may have landed is then asked for first,
 * as after any failed create: outbox-worker.ts), and the next operation starts a new thread, which
 * opens the live sessions again (their logins too). Messages carry config values: never log them.
 */
export class CrmThreadEngine implements CrmEngine {
  /** Each plan's text, to compile it again in the thread. */
  private readonly sources = new WeakMap<CrmConnectorPlan, { xml: string; file: string }>();
  private readonly sessionIds = new WeakMap<CrmSession, number>();
  /** The live sessions: opened again in a new thread. */
  private readonly opened = new Map<number, { message: OpenMessage; pace: CrmPace | undefined }>();
  /** The plans compiled ahead of their sessions: compiled again in a new thread. */
  private readonly kept = new Map<CrmConnectorPlan, KeepMessage>();
  /** Operations in flight, by id. */
  private readonly running = new Map<number, (outcome: CrmOutcome<never>) => void>();
  /** Lookups in flight that hear whom their search found before their follow-ups, by id. */
  private readonly searching = new Map<number, (found: never) => void>();
  /** Questions of how many compiled connectors the thread holds, by id. */
  private readonly planCounts = new Map<number, (count: number) => void>();
  /** Paced requests the thread is sending, by place: what says each ended. */
  private readonly places = new Map<number, () => void>();
  private worker: Worker | undefined;
  /** Resolves once the thread running now can take operations, or has stopped. */
  private ready: Promise<void> | undefined;
  private isReady: (() => void) | undefined;
  private nextSession = 1;
  private nextId = 1;
  private closed = false;
  /** How many threads were started: the first, and one after each that stopped. */
  starts = 0;

  constructor(
    private readonly requestTimeoutMs = CRM_REQUEST_TIMEOUT_MS,
    /** Told when the thread stops other than by `close` (a crash, or an exit of its own), with its exit code and, when it threw, the error's name: never its text, which may quote a request. */
    private readonly onStop: (stop: { exitCode: number; error?: string }) => void = () => {},
  ) {}

  load(xml: string, file: string) {
    const loaded = loadCrmConnector(xml, file);
    if (loaded.plan) this.sources.set(loaded.plan, { xml, file });
    return loaded;
  }

  open(plan: CrmConnectorPlan, options: RelaySessionOptions): CrmSession {
    const source = this.sources.get(plan);
    // A plan compiled elsewhere has no text to send: it runs here, as the in-process engine's.
    if (!source) return openCrmSession(plan, options);
    const local = openCrmSession(plan, { ...options, fetch: () => Promise.reject(new Error('CRM requests are sent from the CRM thread')) });
    const id = this.nextSession++;
    const { config, defaultCountry, followUpTtlMs, agent } = options;
    const message: OpenMessage = { type: 'open', session: id, ...source, paced: options.pace !== undefined, options: { config, defaultCountry, followUpTtlMs, agent } };
    this.opened.set(id, { message, pace: options.pace });
    this.worker?.postMessage(message);
    const session: CrmSession = {
      name: local.name,
      canUpdate: local.canUpdate,
      lookupBatch: local.lookupBatch,
      findContacts: (number, onSearched) => this.run(id, 'findContacts', [number], onSearched),
      findContactsOf: local.findContactsOf && ((numbers, onSearched) => this.run(id, 'findContactsOf', [numbers], onSearched)),
      logCall: (call) => this.run(id, 'logCall', [call]),
      findCallLog: local.findCallLog && ((call) => this.run(id, 'findCallLog', [call])),
      findUser: local.findUser && ((email, name) => this.run(id, 'findUser', [email, name])),
      updateCall: (recordId, call) => this.run(id, 'updateCall', [recordId, call]),
      dispositions: () => this.run(id, 'dispositions', []),
      signIn: local.signIn && (() => this.run(id, 'signIn', [])),
      newContactUrl: (number) => local.newContactUrl(number),
    };
    this.sessionIds.set(session, id);
    return session;
  }

  prepare(plan: CrmConnectorPlan): void {
    const source = this.sources.get(plan);
    if (!source || this.kept.has(plan)) return;
    const message: KeepMessage = { type: 'keep', ...source };
    this.kept.set(plan, message);
    this.worker?.postMessage(message);
  }

  release(session: CrmSession): void {
    const id = this.sessionIds.get(session);
    if (id === undefined || !this.opened.delete(id)) return;
    this.worker?.postMessage({ type: 'release', session: id } satisfies ToCrmThread);
  }

  /** Stops the thread: what is in flight fails as worth retrying (the outbox has stopped before). */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    this.stopped(worker, 'the relay is stopping');
    await worker.terminate();
  }

  /**
   * Starts the thread now rather than at the first operation; resolves once it is ready (or has
   * stopped). It loads the engine's modules through tsx, some 0.6 to 1 s of its CPU, which the first
   * callers' lookups would otherwise wait for (in a fresh relay taking 50 calls one at a time, the
   * contact on the first event for 0 to 22 % of them instead of all): the relay is ready when its
   * thread is, as it is once its main thread has loaded the same modules.
   */
  start(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.thread();
    return this.ready!;
  }

  /** Ends the thread as a crash would (what the tests do to it): what is in flight fails as worth retrying, and the next operation starts another. */
  async terminateThread(): Promise<void> {
    await this.worker?.terminate();
  }

  /** How many compiled connectors the thread holds, each shared by its sessions (what the tests ask); 0 with no thread. */
  compiledPlans(): Promise<number> {
    const worker = this.worker;
    if (!worker) return Promise.resolve(0);
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.planCounts.set(id, resolve);
      worker.postMessage({ type: 'plans', id } satisfies ToCrmThread);
    });
  }

  private run<T>(session: number, operation: CrmOperation, args: unknown[], onSearched?: (found: never) => void): Promise<CrmOutcome<T>> {
    if (this.closed) return Promise.resolve({ ok: false, error: 'the relay is stopping', retry: true });
    const worker = this.thread();
    const id = this.nextId++;
    if (onSearched) this.searching.set(id, onSearched);
    return new Promise((resolve) => {
      this.running.set(id, resolve);
      worker.postMessage({ type: 'run', id, session, operation, args, ...(onSearched ? { searched: true as const } : {}) } satisfies ToCrmThread);
    });
  }

  private thread(): Worker {
    if (this.worker) return this.worker;
    this.starts++;
    const worker = new Worker(BOOT, { workerData: { requestTimeoutMs: this.requestTimeoutMs } });
    this.ready = new Promise((resolve) => (this.isReady = resolve));
    // The relay's server keeps the process up; an idle CRM thread must not keep a stopping one.
    worker.unref();
    worker.on('message', (message: FromCrmThread) => this.receive(worker, message));
    // Its error is followed by its exit, which fails what was in flight; the error's text is not shown (it may quote a request).
    let thrown: string | undefined;
    worker.on('error', (error) => (thrown = error.name));
    worker.once('exit', (code) => {
      if (!this.closed) this.onStop({ exitCode: code, ...(thrown ? { error: thrown } : {}) });
      this.stopped(worker, `the CRM thread stopped (exit code ${code}) before the CRM answered`);
    });
    for (const message of this.kept.values()) worker.postMessage(message);
    for (const { message } of this.opened.values()) worker.postMessage(message);
    this.worker = worker;
    return worker;
  }

  private receive(worker: Worker, message: FromCrmThread): void {
    switch (message.type) {
      case 'ready':
        this.isReady?.();
        return;
      case 'outcome': {
        const resolve = this.running.get(message.id);
        this.running.delete(message.id);
        this.searching.delete(message.id);
        resolve?.(message.outcome as CrmOutcome<never>);
        return;
      }
      case 'searched':
        this.searching.get(message.id)?.(message.found as never);
        return;
      case 'pace': {
        const pace = this.opened.get(message.session)?.pace;
        const placed = (ended: () => void) => {
          // The thread stopped while the request waited: nothing will say it ended.
          if (this.worker !== worker) return ended();
          this.places.set(message.place, ended);
          worker.postMessage({ type: 'placed', place: message.place } satisfies ToCrmThread);
        };
        // A session released meanwhile still has its requests in flight: they go unpaced, as its instance's limits are gone.
        if (!pace) placed(() => undefined);
        else void pace(message.operation).then(placed);
        return;
      }
      case 'paced': {
        const ended = this.places.get(message.place);
        this.places.delete(message.place);
        ended?.();
        return;
      }
      case 'plans':
        this.planCounts.get(message.id)?.(message.count);
        this.planCounts.delete(message.id);
        return;
    }
  }

  private stopped(worker: Worker, error: string): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.isReady?.();
    const failure = { ok: false as const, error, retry: true };
    for (const resolve of this.running.values()) resolve(failure);
    this.running.clear();
    this.searching.clear();
    for (const ended of this.places.values()) ended();
    this.places.clear();
    for (const answer of this.planCounts.values()) answer(0);
    this.planCounts.clear();
  }
}
