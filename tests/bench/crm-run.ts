/**
 * How a relay bench runs with a CRM (issue 10), the same for the CRM bench (relay-crm.ts) and the
 * throughput bench's CRM row (relay-throughput.ts), which disagreed (× 0.72 against × 0.40) for
 * how each set its run up: the Vtiger simulator in a process of its own, not in the load
 * generator's (whose event loop its answers took); the clock started only once the relay's CRM
 * backlog (pending lookups, outbox rows) is drained, so that a warm-up's lookups do not run in
 * the measured phase; and the phase accounted alike, the simulator's CPU apart from the bench's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { constants, setPriority } from 'node:os';
import { join } from 'node:path';
import type { StoredActivity } from '../simulators/crm/crm-simulator.ts';
import { counterIn, REPO_ROOT } from '../relay/harness.ts';
import { type CpuReading, cpuMs, type PhaseAccount, phaseAccount, readCpu } from './cpu-account.ts';
import type { SimulatorOrder } from './crm-simulator-process.ts';

/** The CRMs a bench can run against: the bundled connector of that name, and its simulator. */
export const BENCH_CRMS = ['vtiger', 'hubspot'] as const;
export type BenchCrmKind = (typeof BENCH_CRMS)[number];

/** The CRM's simulator (Vtiger's unless told), in its own process, knowing the first `callers` bench callers, each answer `rttMs` away (none: on loopback). */
export class BenchCrm {
  private nextId = 0;
  private readonly answers = new Map<number, { resolve: (result: unknown) => void; reject: (error: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    /** The instance's `crm` setup (PUT /instances/:id). */
    readonly setup: { connector: string; config: Record<string, string> },
  ) {
    child.on('message', (message: { id: number; result?: unknown; error?: string }) => {
      const answer = this.answers.get(message.id);
      this.answers.delete(message.id);
      if (message.error === undefined) answer?.resolve(message.result);
      else answer?.reject(new Error(`the CRM simulator failed an order: ${message.error}`));
    });
  }

  static async start(callers: number, kind: BenchCrmKind = 'vtiger', rttMs = 0): Promise<BenchCrm> {
    const child = fork(join(REPO_ROOT, 'tests', 'bench', 'crm-simulator-process.ts'), ['--callers', String(callers), '--kind', kind, ...(rttMs > 0 ? ['--rtt-ms', String(rttMs)] : [])], { cwd: REPO_ROOT, execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const config = await new Promise<Record<string, string>>((resolve, reject) => {
      child.once('message', (message: { ready: Record<string, string> }) => resolve(message.ready));
      child.once('exit', (code) => reject(new Error(`the CRM simulator exited (${code}) before listening`)));
    });
    // A remote CRM takes none of the relay's cores; at the same priority the simulator took 0.7 to
    // 1.6 ms of CPU per new call on them, and the runs measured it more than the relay (issue 10).
    // Lowered once it listens, before anything is measured: at the lowest priority from the fork,
    // its start-up (loading TypeScript, some seconds of CPU) waited minutes on a busy machine.
    setPriority(child.pid!, constants.priority.PRIORITY_LOW);
    return new BenchCrm(child, { connector: kind, config });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** CPU the simulator's process has spent, in all (ms). */
  cpuMs(): number {
    return cpuMs(this.pid);
  }

  /** Holds every contact search unanswered until the returned release (a slow CRM). */
  async holdSearches(): Promise<() => Promise<void>> {
    await this.order('holdSearches');
    return async () => void (await this.order('releaseSearches'));
  }

  async down(): Promise<void> {
    await this.order('down');
  }

  async up(): Promise<void> {
    await this.order('up');
  }

  activities(): Promise<StoredActivity[]> {
    return this.order('activities') as Promise<StoredActivity[]>;
  }

  /** The requests the simulator answered so far, by operation (`query Contacts`, `retrieve`, `create`, …). */
  requestCounts(): Promise<Record<string, number>> {
    return this.order('requestCounts') as Promise<Record<string, number>>;
  }

  /** The requests the simulator answered so far, oldest first, each by operation as `requestCounts` names them. */
  operations(): Promise<string[]> {
    return this.order('operations') as Promise<string[]>;
  }

  async close(): Promise<void> {
    if (!this.child.connected) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    await this.order('close');
    await exited;
  }

  private order(order: SimulatorOrder): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.answers.set(id, { resolve, reject });
      this.child.send({ id, order });
    });
  }
}

/** The relay's CRM work, from its `/metrics`. */
export interface CrmBacklog {
  /** Caller lookups not answered yet, and outbox rows queued or in flight. */
  lookupsPending: number;
  outboxDepth: number;
  /** CRM steps started so far: at once, or after waiting their turn. */
  stepsAtOnce: number;
  stepsRationed: number;
  /** Caller lookups sent to the CRM so far, and the searches that carried them (several lookups each when they wait together). */
  lookupsSent: number;
  searches: number;
  /** The relay's store transactions so far (each a commit and, on SQLite, a disk sync). */
  storeTransactions: number;
}

export function crmBacklogOf(metrics: string): CrmBacklog {
  const value = (series: string) => {
    const found = new RegExp(`^${series.replace(/[{}]/g, '\\$&')} (\\d+)`, 'm').exec(metrics)?.[1];
    if (found === undefined) throw new Error(`/metrics has no ${series}`);
    return Number(found);
  };
  return {
    lookupsPending: value('relay_crm_lookups_pending'),
    outboxDepth: value('relay_crm_outbox_depth'),
    stepsAtOnce: value('relay_crm_steps_total{start="at_once"}'),
    stepsRationed: value('relay_crm_steps_total{start="rationed"}'),
    lookupsSent: counterIn(metrics, 'relay_crm_lookups_total', 'source="crm"'),
    searches: counterIn(metrics, 'relay_crm_requests_total', 'operation="find_contact"'),
    storeTransactions: value('relay_store_transactions_total'),
  };
}

export async function readCrmBacklog(origin: string): Promise<CrmBacklog> {
  return crmBacklogOf(await (await fetch(`${origin}/metrics`)).text());
}

/**
 * Waits until the relay has no CRM work left (no lookup pending, no outbox row), reading it
 * with `read` every `pollMs`; past `deadlineMs`, fails with what was left. The clock of a
 * measured phase starts after it: a warm-up's lookups, rationed while it ran, otherwise run in
 * the phase (165 of its 200 still pending when the throughput bench's new calls began).
 */
export async function untilCrmDrained(read: () => Promise<CrmBacklog>, { deadlineMs = 60_000, pollMs = 50 } = {}, wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))): Promise<CrmBacklog> {
  const deadline = performance.now() + deadlineMs;
  for (;;) {
    const backlog = await read();
    if (backlog.lookupsPending === 0 && backlog.outboxDepth === 0) return backlog;
    if (performance.now() > deadline) throw new Error(`the relay's CRM backlog did not drain within ${deadlineMs / 1000} s: ${backlog.lookupsPending} lookups pending, ${backlog.outboxDepth} outbox rows`);
    await wait(pollMs);
  }
}

/** A measured phase with a CRM: where the wall time went, the simulator's CPU, the steps started. */
export interface CrmPhase {
  /** Until the last webhook was answered (`sent`), the window the phase's rate is taken over; the whole phase when the work told none. */
  account: PhaseAccount;
  /** The simulator's CPU per webhook (ms) over the same window: on this machine it takes the relay's cores, as a remote CRM would not. */
  simulatorCpuMs: number;
  /**
   * From the last reply until the work ended (the events on the agent's socket), per webhook, when
   * the work told `sent`: a burst of new calls waits there for the contacts its events hold (up to
   * 300 ms), the main thread mostly idle while the CRM thread and the simulator catch the burst's
   * lookups up. Counted with the webhooks' window, it read as a fifth of the phase's wall time idle
   * and most of the relay's other threads' CPU (issue 10).
   */
  afterLastReply?: { account: PhaseAccount; simulatorCpuMs: number };
  /** CRM steps started while the webhooks came, until the last was answered: at once, or after waiting their turn. */
  stepsAtOnce: number;
  stepsRationed: number;
  /**
   * CRM steps started after the last webhook was answered, while the phase waited for every call's
   * event on the agent's socket (`work`'s `sent`): the catch-up of a burst's lookups, at once once
   * the webhooks stopped, which competed with no webhook. Counted with the steps above, they read
   * as 64 caller searches started at once in a burst of new calls that had started 0 to 5 (issue 10).
   */
  stepsAtOnceAfter: number;
  stepsRationedAfter: number;
  /** Caller lookups sent to the CRM while the webhooks came, and in how many searches. */
  lookupsSent: number;
  searches: number;
  /** The relay's store transactions per webhook while the webhooks came, and the outbox rows left when they stopped (the logs run after them). */
  transactions: number;
  outboxDepthAfter: number;
  /**
   * With `untilDrained` (the throughput bench's CRM row): the relay's CPU per webhook (ms), and its
   * main thread's, from the phase's first webhook until the CRM work they brought is done (the
   * backlog drained again): on a saturated relay most lookups and logs run after the webhooks,
   * outside `account`, so a change to their cost shows here (issue 10). Its /metrics reads while
   * it waits count too, a few per second. Not for a CRM that is down: its backlog stays.
   */
  untilDrainedCpuMs?: number;
  untilDrainedMainThreadMs?: number;
  /** The relay's store transactions per webhook over the same span: the outbox's claims and outcomes show here. */
  untilDrainedTransactions?: number;
}

/**
 * Runs `work` (sending `webhooks` webhooks) once the CRM backlog is drained, and accounts for it
 * (`untilDrained`: until it is drained again, too). A `work` that waits for more once its last
 * webhook is answered calls `sent` then: the steps started later are counted apart.
 */
export async function crmPhase<T>(relay: { pid: number; origin: string }, crm: BenchCrm, webhooks: number, work: (sent: () => Promise<void>) => Promise<T>, untilDrained = false): Promise<{ result: T; phase: CrmPhase }> {
  const backlog = await untilCrmDrained(() => readCrmBacklog(relay.origin));
  const reading = (): PhaseReading => ({ cpu: readCpu(relay.pid), simulatorMs: crm.cpuMs() });
  const before = reading();
  const relayBefore = { all: cpuMs(relay.pid), main: cpuMs(relay.pid, relay.pid) };
  let atSent: { reading: PhaseReading; backlog: CrmBacklog } | undefined;
  // The clocks read before /metrics is: its answer is not the webhooks' work.
  const result = await work(async () => void (atSent = { reading: reading(), backlog: await readCrmBacklog(relay.origin) }));
  const end = reading();
  const steps = await readCrmBacklog(relay.origin);
  const drained = untilDrained ? await untilCrmDrained(() => readCrmBacklog(relay.origin)) : undefined;
  const perWebhook = (before: number, after: number) => Number(((after - before) / webhooks).toFixed(3));
  return {
    result,
    phase: {
      ...accountAtLastReply(before, atSent?.reading, end, webhooks),
      ...stepsStarted(backlog, atSent?.backlog ?? steps, steps),
      lookupsSent: steps.lookupsSent - backlog.lookupsSent,
      searches: steps.searches - backlog.searches,
      transactions: perWebhook(backlog.storeTransactions, steps.storeTransactions),
      outboxDepthAfter: steps.outboxDepth,
      ...(drained
        ? {
            untilDrainedCpuMs: perWebhook(relayBefore.all, cpuMs(relay.pid)),
            untilDrainedMainThreadMs: perWebhook(relayBefore.main, cpuMs(relay.pid, relay.pid)),
            untilDrainedTransactions: perWebhook(backlog.storeTransactions, drained.storeTransactions),
          }
        : {}),
    },
  };
}

/** The relay's clocks and the simulator's CPU at one moment of a phase. */
export interface PhaseReading {
  cpu: CpuReading;
  simulatorMs: number;
}

/** A phase accounted from `before` until its last reply (`sent`; `end` when there was none), and from then until `end`. */
export function accountAtLastReply(before: PhaseReading, sent: PhaseReading | undefined, end: PhaseReading, webhooks: number): Pick<CrmPhase, 'account' | 'simulatorCpuMs' | 'afterLastReply'> {
  const simulatorCpuMs = (from: PhaseReading, to: PhaseReading) => Number(((to.simulatorMs - from.simulatorMs) / webhooks).toFixed(3));
  const lastReply = sent ?? end;
  return {
    account: phaseAccount(before.cpu, lastReply.cpu, webhooks),
    simulatorCpuMs: simulatorCpuMs(before, lastReply),
    ...(sent ? { afterLastReply: { account: phaseAccount(sent.cpu, end.cpu, webhooks), simulatorCpuMs: simulatorCpuMs(sent, end) } } : {}),
  };
}

/** The CRM steps started from `before` until the last webhook was answered (`sent`), and from then until `after`. */
export function stepsStarted(before: CrmBacklog, sent: CrmBacklog, after: CrmBacklog): Pick<CrmPhase, 'stepsAtOnce' | 'stepsRationed' | 'stepsAtOnceAfter' | 'stepsRationedAfter'> {
  return { stepsAtOnce: sent.stepsAtOnce - before.stepsAtOnce, stepsRationed: sent.stepsRationed - before.stepsRationed, stepsAtOnceAfter: after.stepsAtOnce - sent.stepsAtOnce, stepsRationedAfter: after.stepsRationed - sent.stepsRationed };
}
