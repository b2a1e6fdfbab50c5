import { Worker } from 'node:worker_threads';
import type { CrmOutcome, CrmSession } from '@phone-connector/shared';
import type { CrmThreadData, CrmThreadOperation, CrmThreadSession, FromCrmThread, ToCrmThread } from './crm-thread-protocol.ts';
import type { RatePacer } from './rate-pacer.ts';

/** The CRM thread's entry: an .mjs that registers tsx's loader, then loads crm-thread-worker.ts. */
const ENTRY = new URL('./crm-thread-worker.mjs', import.meta.url);

/** The one running thread, and what the main thread has asked of it that it has not answered. */
interface Running {
  worker: Worker;
  /** Calls waiting for their outcome. */
  pending: Map<number, (outcome: CrmOutcome<unknown>) => void>;
  /** Requests of paced instances counted by the pacer: how each says it ended. */
  acquired: Map<number, () => void>;
  /** Sessions opened in this thread. */
  opened: Set<number>;
  /** Stopped by `close`, not by a crash. */
  closing: boolean;
}

export interface CrmThreadHooks {
  /** Told when the thread stops other than by `close` (a crash), with its exit code. */
  onStop?: (code: number) => void;
  /** The thread's entry (tests hand in one that crashes). */
  entry?: URL;
}

/**
 * Every CRM session of the relay, run in one worker thread (issue 10): the engine (searches,
 * templates, answers read), the logins, the follow-up answers and the HTTP connections are
 * there, off the thread that answers webhooks. The main thread holds `CrmSession`s that pass plain
 * data by message; their synchronous parts (name, canUpdate, lookupBatch, newContactUrl) come
 * from a session the main thread opens itself and never lets reach the network. Pacing stays here
 * (`<limits>`, rate-pacer.ts: caller lookups ask it synchronously): a paced instance's request asks
 * for room by message and says when it ended. A thread that stops (crash, `terminate`) fails
 * what it had in hand as retryable, and the next call starts another.
 */
export class CrmThread {
  private running: Running | undefined;
  private nextId = 1;
  /** Threads started again after one stopped. */
  restarts = 0;
  private stops = 0;

  constructor(
    private readonly data: CrmThreadData,
    private readonly pacer: RatePacer,
    private readonly hooks: CrmThreadHooks = {},
  ) {}

  /** A session run in the thread; `local` (the same connector and config, opened on this thread with no network) answers the synchronous parts. */
  session(spec: CrmThreadSession, local: CrmSession): { session: CrmSession; drop(): void } {
    const id = this.nextId++;
    let dropped = false;
    const call = <T>(operation: CrmThreadOperation, ...args: unknown[]) => {
      const answer = this.call(id, spec, operation, args) as Promise<CrmOutcome<T>>;
      // A session of an instance's older version still asked (a write in flight when its setup was saved): opened again for it, dropped after.
      if (dropped) void answer.then(() => this.drop(id));
      return answer;
    };
    const session: CrmSession = {
      name: local.name,
      canUpdate: local.canUpdate,
      ...(local.lookupBatch === undefined ? {} : { lookupBatch: local.lookupBatch }),
      findContacts: (number) => call('findContacts', number),
      ...(local.findContactsOf ? { findContactsOf: (numbers: readonly string[]) => call('findContactsOf', [...numbers]) } : {}),
      logCall: (crmCall) => call('logCall', crmCall),
      ...(local.findCallLog ? { findCallLog: (crmCall) => call('findCallLog', crmCall) } : {}),
      updateCall: (recordId, crmCall) => call('updateCall', recordId, crmCall),
      dispositions: () => call('dispositions'),
      newContactUrl: (number) => local.newContactUrl(number),
    };
    return {
      session,
      drop: () => {
        dropped = true;
        this.drop(id);
      },
    };
  }

  private drop(session: number): void {
    const running = this.running;
    if (running?.opened.delete(session)) running.worker.postMessage({ type: 'drop', session } satisfies ToCrmThread);
  }

  /** Stops the thread (the relay is stopping): what it had in hand fails as retryable. */
  async close(): Promise<void> {
    const running = this.running;
    if (!running) return;
    running.closing = true;
    await running.worker.terminate();
  }

  private call(session: number, spec: CrmThreadSession, operation: CrmThreadOperation, args: unknown[]): Promise<CrmOutcome<unknown>> {
    const running = this.thread();
    if (!running.opened.has(session)) {
      running.opened.add(session);
      running.worker.postMessage({ type: 'open', session, ...spec } satisfies ToCrmThread);
    }
    const id = this.nextId++;
    return new Promise((resolve) => {
      running.pending.set(id, resolve);
      // Referenced while it has work in hand: a relay stopping waits for it rather than exiting under it.
      if (running.pending.size === 1) running.worker.ref();
      running.worker.postMessage({ type: 'call', id, session, operation, args } satisfies ToCrmThread);
    });
  }

  private thread(): Running {
    if (this.running) return this.running;
    if (this.stops > 0) this.restarts++;
    const worker = new Worker(this.hooks.entry ?? ENTRY, { workerData: this.data });
    const running: Running = { worker, pending: new Map(), acquired: new Map(), opened: new Set(), closing: false };
    this.running = running;
    worker.unref();
    worker.on('message', (message: FromCrmThread) => this.heard(running, message));
    // An error is followed by 'exit', which fails what was in hand; the thread's message never reaches the logs (it may quote a CRM's answer).
    worker.on('error', () => undefined);
    worker.once('exit', (code) => {
      this.stops++;
      if (this.running === running) this.running = undefined;
      for (const done of running.acquired.values()) done();
      running.acquired.clear();
      const outcome: CrmOutcome<unknown> = { ok: false, error: `the CRM thread stopped (exit code ${code})`, retry: true };
      for (const resolve of running.pending.values()) resolve(outcome);
      running.pending.clear();
      if (!running.closing) this.hooks.onStop?.(code);
    });
    return running;
  }

  private heard(running: Running, message: FromCrmThread): void {
    switch (message.type) {
      case 'answer': {
        const resolve = running.pending.get(message.id);
        running.pending.delete(message.id);
        if (running.pending.size === 0) running.worker.unref();
        resolve?.(message.outcome);
        return;
      }
      case 'acquire':
        void this.pacer.acquire(message.instanceUid, message.operation).then((done) => {
          // The thread stopped while the request waited: its place is given back at once.
          if (this.running !== running) return done();
          running.acquired.set(message.id, done);
          running.worker.postMessage({ type: 'acquired', id: message.id } satisfies ToCrmThread);
        });
        return;
      case 'release':
        running.acquired.get(message.id)?.();
        running.acquired.delete(message.id);
    }
  }
}
