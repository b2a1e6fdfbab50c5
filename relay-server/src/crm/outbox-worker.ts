import { answeringPhone, type CrmCall, type CrmLog, type CrmOutcome, type CrmSession } from '@phone-connector/shared';
import { randomId } from '../auth/token.ts';
import type { RelayDeps } from '../deps.ts';
import { type Agent, type AgentDirectory, type AgentEvent, appendUpdated, type Call, type CrmLease, type CrmWork, holdsCrmLease, type Instance, type StoreTx } from '../store/index.ts';
import { crmSession } from './call-log.ts';
import type { Admission } from './crm-breaker.ts';
import { toCrmCall } from './crm-call.ts';
import { CrmUsers } from './crm-users.ts';
import { withTimeout } from './with-timeout.ts';

export interface OutboxSettings {
  /** Rows claimed and run at once. */
  batch: number;
  /** The first retry's delay; each failure doubles it, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** The longest Retry-After honoured as given. */
  maxRetryAfterMs: number;
  /** One CRM write's deadline; past it the attempt counts as failed (and may have landed). */
  timeoutMs: number;
  /**
   * How long a claimed row belongs to this relay. Longer than a row's run (a lookup of an earlier
   * attempt and a write, `timeoutMs` each, then the commit): past it, the row counts as orphaned.
   */
  leaseMs: number;
  /** How long `stop` waits for writes in flight; one left behind is recovered at the next start. */
  stopGraceMs: number;
  /**
   * How long a row's outcome waits, while other rows are in flight, for theirs to commit with it in
   * one transaction (`commit`): it commits sooner once every row in flight has landed.
   */
  landingWaitMs: number;
  random: () => number;
}

export const OUTBOX_DEFAULTS: OutboxSettings = { batch: 16, baseDelayMs: 2_000, maxDelayMs: 5 * 60_000, maxRetryAfterMs: 60 * 60_000, timeoutMs: 30_000, leaseMs: 120_000, stopGraceMs: 5_000, landingWaitMs: 2, random: Math.random };

/** setTimeout's longest delay. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** A time after every lease: with a store no other relay shares, every row in flight at the start is an orphan. */
const AFTER_EVERY_LEASE = '9999-12-31T23:59:59.999Z';

/** What a claimed row's run reads first: whether the claim still holds, the call, and its CRM session and call as the CRM sees it (none when the instance lost its CRM). */
type RowRead = { lost: true } | { lost: false; call: Call | undefined; target?: RowTarget };

/** Where a row's write goes: the instance's CRM session, and the call as that CRM sees it. */
export interface RowTarget {
  session: CrmSession;
  crmCall: CrmCall;
}

/** A row claimed in a transaction still open (`queueWithCommit`), and what its run reads first when that transaction hands it over (`handOverRead`). */
interface ClaimInTransaction {
  read?: RowRead;
}

/** The CRM's activity of a call. */
type ActivityRef = { id: string; url: string | null };

/**
 * A `runDue` loop: its rows in flight, how many it ran, and whether it must claim itself once one
 * lands (a landing that claimed nothing in its own transaction, or a row left queued for want of room).
 */
interface DueLoop {
  rows: Set<Promise<void>>;
  ran: number;
  claimAgain: boolean;
}

/** A loop's row on its way: whether its landing's transaction claimed the due rows for the loop (`claimAtLanding`). */
interface LoopRow {
  loop: DueLoop;
  claimed: boolean;
}

/** A row's outcome waiting to commit with the others that land close to it (`commit`). */
interface Landing {
  work: CrmWork;
  next: NextLog;
  written: ActivityRef | undefined;
  ofLoop: LoopRow | undefined;
  landed: () => void;
  failed: (error: unknown) => void;
}

/** A row claimed to run: as any row, or as the probe of its CRM's open circuit (crm-breaker.ts). */
interface ClaimedRow {
  work: CrmWork;
  admission: Admission;
}

const CLOSED: Admission = { kind: 'closed' };

/** From the call and its row as stored: the call's new `crm_log` (undefined keeps it), after doing what the row needs. */
type NextLog = (tx: StoreTx, call: Call, current: CrmWork | undefined) => Promise<CrmLog | undefined>;

/**
 * Runs the CRM outbox: claims due rows (committed in flight before the CRM is called), creates
 * or updates the call's CRM record, and commits the outcome with the call's `crm_log` and its
 * agents' events. A timer wakes it at the next due time; `runDue` runs due work now (tests, with
 * an injected clock).
 */
export class CrmOutboxWorker {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Timers run between `start` and `stop` only: before, work runs when `runDue` is called. */
  private started = false;
  private stopped = false;
  /** `runDue` calls under way: their loops claim what falls due meanwhile, so wakes wait for them. */
  private running = 0;
  /** The next due time being read (`schedule`), and whether a wake came meanwhile. */
  private scheduling: Promise<void> | undefined;
  private scheduleAgain = false;
  /** `runDue` loops waiting for one of their rows to land: a row left queued for want of room has them claim at the next landing, whoever's. */
  private readonly loopsWaiting = new Set<() => void>();
  /** Rows claimed by `queueWithCommit` and not yet running: they count against `batch`. */
  private handedOver = 0;
  /** A row fell due while every slot was taken (`queueWithCommit`, `schedule`): the next to land wakes the worker. */
  private dueLeftQueued = false;
  /** This relay process's name on the rows it claims. */
  private readonly owner = randomId('relay_');
  /** Which CRM user each agent is, per session. */
  private readonly crmUsers = new CrmUsers(() => this.deps.now().getTime());
  /** Rows claimed by each transaction still open, by call (`queueWithCommit`, `handOverRead`). */
  private readonly claimsIn = new WeakMap<StoreTx, Map<number, ClaimInTransaction>>();
  /** Outcomes waiting to commit together (`commit`), the timer that bounds their wait, and the outcomes in a transaction now. */
  private landings: Landing[] = [];
  private landingTimer: NodeJS.Timeout | undefined;
  private landingsCommitting = 0;

  constructor(
    private readonly deps: RelayDeps,
    private readonly settings: OutboxSettings = OUTBOX_DEFAULTS,
  ) {
    // A circuit that opens moves the timer to its probe; one that closes lets its held rows be claimed.
    deps.crm.breaker.onChange(() => this.wake());
  }

  /**
   * Rows a previous run left in flight may have reached the CRM: they run again, asking the CRM
   * first. A store no other relay shares has no live claim at this relay's start; in a shared one,
   * rows wait for their lease to end (`runDue`).
   */
  async start(): Promise<void> {
    if (!this.deps.store.shared) {
      const orphans = await this.deps.store.requeueOrphanedCrmWork(AFTER_EVERY_LEASE);
      if (orphans > 0) this.deps.log.warn('crm outbox: rows left in flight by a previous run are queued again', { rows: orphans });
    }
    this.started = true;
    this.wake();
    await this.scheduling;
  }

  /**
   * Something may have fallen due. Each call's change wakes the worker: while a run is on, its
   * loop claims what fell due (and it schedules when it ends), and wakes that come while the
   * next due time is being read are served by one more read, not one each.
   */
  wake(): void {
    if (!this.started || this.stopped || this.running > 0) return;
    if (this.scheduling) {
      this.scheduleAgain = true;
      return;
    }
    this.scheduling = (async () => {
      do {
        this.scheduleAgain = false;
        await this.schedule();
      } while (this.scheduleAgain && !this.stopped);
    })().finally(() => (this.scheduling = undefined));
  }

  /**
   * Runs every row due now, and those that fall due meanwhile (a change made during a write);
   * resolves with how many it ran once none is left. Rows run side by side, `batch` at most: a
   * slow CRM holds its own rows' slots, not the others'.
   */
  async runDue(): Promise<number> {
    this.running += 1;
    // The rows this loop claimed: it claims again once one of them lands, in that landing's own
    // transaction (`claimAtLanding`): a claim transaction of its own after each landing, 2.65 rows
    // a claim after a burst, was a commit and a disk sync per few rows (issue 10). It claims in a
    // transaction of its own at its start, after a landing that could not claim (no commit, a
    // probe due) and once a row was left queued for want of room. Rows claimed at their commit run
    // beside it without claiming at their landing (after a burst their landings mostly found
    // nothing); what falls due by time meanwhile is claimed at the loop's next landing or, once it
    // ends, by the timer it schedules.
    const loop: DueLoop = { rows: new Set(), ran: 0, claimAgain: true };
    try {
      while (!this.stopped) {
        if (loop.claimAgain) {
          loop.claimAgain = false;
          // Rows claimed by transactions not yet committed (`queueWithCommit`) hold their slots already.
          const free = this.settings.batch - this.inFlight.size - this.handedOver;
          const claimed = free > 0 ? await this.claim(free) : [];
          for (const { work, admission } of claimed) this.run(work, undefined, admission, loop);
        }
        if (loop.rows.size === 0) break;
        let claimAgain!: () => void;
        await new Promise<void>((resolve) => {
          claimAgain = () => {
            loop.claimAgain = true;
            resolve();
          };
          this.loopsWaiting.add(claimAgain);
          void Promise.race(loop.rows).then(() => resolve());
        });
        this.loopsWaiting.delete(claimAgain);
      }
    } catch (error) {
      this.deps.log.error('crm outbox failed', { error });
    }
    this.running -= 1;
    this.wake();
    return loop.ran;
  }

  /**
   * Inside the transaction that queues a call's row: gives the row to store. One due now is claimed
   * for this worker when it has room, so that no claim transaction of its own follows (one disk
   * sync fewer per call). The row runs once that transaction has committed (`tx.afterCommit`); a
   * transaction rolled back or run again gives its slot back and runs nothing. Claimed only once
   * started and not stopped, and not on a shared store, where any free relay may claim. Also while
   * a `runDue` loop is on: after a burst it runs from the first landing until the backlog is done,
   * so the rows its lookups made due were all claimed by the loop, each with a read transaction of
   * its own (a commit and a disk sync per call: issue 10); the loop claims the rows left queued for
   * want of room. The worker is woken at the commit only for a row it would not find otherwise:
   * one due later (its timer), one whose CRM is held, one for any relay of a shared store. Woken
   * after every webhook of a call whose log was pending, it read its next due time 0.19 times an
   * update webhook in a burst, a claimed or waiting row's only to find it so (issue 10).
   */
  queueWithCommit(tx: StoreTx, work: CrmWork, now: string): CrmWork {
    if (work.dueAt <= now && !this.deps.store.shared && this.started && !this.stopped) {
      if (this.noRoom()) {
        // The row waits queued, and the next row to land wakes the worker for it (`run`).
        this.dueLeftQueued = true;
        return work;
      }
      const admission = this.deps.crm.breaker.admit(work.instanceUid);
      // Its CRM is held: the row waits queued, claimed once a probe gets an answer.
      if (admission.kind !== 'held') return this.claimWithCommit(tx, work, admission);
    }
    tx.afterCommit(() => this.wake());
    return work;
  }

  /** Whether every slot is taken, by rows in flight and rows claimed in transactions not yet committed. */
  private noRoom(): boolean {
    return this.inFlight.size + this.handedOver >= this.settings.batch;
  }

  private claimWithCommit(tx: StoreTx, work: CrmWork, admission: Admission): CrmWork {
    const { breaker } = this.deps.crm;
    const claimed: CrmWork = { ...work, state: 'inflight', lease: this.lease() };
    this.handedOver += 1;
    const claim: ClaimInTransaction = {};
    const claims = this.claimsIn.get(tx) ?? new Map<number, ClaimInTransaction>();
    this.claimsIn.set(tx, claims.set(work.callId, claim));
    tx.afterCommit(
      () => {
        this.handedOver -= 1;
        // Stopped meanwhile: the row stays in flight, as a write cut short by a stop does (the next start asks the CRM first).
        if (!this.stopped) this.run(claimed, claim.read, admission);
        else breaker.giveBack(work.instanceUid, admission);
      },
      () => {
        this.handedOver -= 1;
        breaker.giveBack(work.instanceUid, admission);
      },
    );
    return claimed;
  }

  /**
   * At the end of a transaction that may have claimed the call's row (`queueWithCommit`): whether
   * it did, and if so the row's run starts from what `read` gives, the call as this transaction
   * leaves it and its CRM target, instead of a transaction of its own to read them (a commit and a
   * disk sync on the webhooks' thread, and a wake-up, per call: issue 10). The claim was made in
   * this transaction on a store no other relay shares, so it holds when the row runs; a change of
   * the call after this commit marks the row to run again, as one during its write does. A row
   * that waits for its turn (webhooks-first.ts) reads afresh when it starts.
   */
  async handOverRead(tx: StoreTx, callId: number, read: () => Promise<{ call: Call; target: RowTarget | undefined }>): Promise<boolean> {
    const claim = this.claimsIn.get(tx)?.get(callId);
    if (!claim) return false;
    const { call, target } = await read();
    claim.read = { lost: false, call, target };
    return true;
  }

  /**
   * Runs one claimed row (from what its claiming transaction read, when it handed that over). Once it
   * is done, a row left queued for want of room is claimed (by the running loop, or a wake); a retry
   * scheduled by the row itself wakes the worker in `settle`.
   */
  private run(work: CrmWork, read: RowRead | undefined, admission: Admission, loop?: DueLoop): Promise<void> {
    const ofLoop: LoopRow | undefined = loop && { loop, claimed: false };
    // A CRM step: on a saturated relay it waits for the burst's end, or the floor's turn (webhooks-first.ts).
    const running: Promise<void> = this.deps.crm.turns
      // What the claiming transaction read is as fresh as a read now only when the step starts at once.
      .run((waited) => this.admitted(work, waited ? undefined : read, admission, ofLoop), 'log')
      // Rows stay in flight and are picked up again at the next start: nothing is lost.
      .catch((error: unknown) => this.deps.log.error('crm outbox write failed', { instance: work.instanceUid, call: work.callId, error }))
      .finally(() => {
        this.inFlight.delete(running);
        if (ofLoop) {
          ofLoop.loop.rows.delete(running);
          if (!ofLoop.claimed) ofLoop.loop.claimAgain = true;
        }
        if (!this.dueLeftQueued) return;
        this.dueLeftQueued = false;
        for (const claimAgain of this.loopsWaiting) claimAgain();
        this.wake();
      });
    this.inFlight.add(running);
    if (loop) {
      loop.rows.add(running);
      loop.ran += 1;
    }
    return running;
  }

  /**
   * Rows whose relay stopped queued again, then due rows claimed: one transaction (each was one
   * of its own, and the loop above claims after every row that lands). A held CRM's rows are left
   * queued, untouched, but for one row as its probe when that is due; a CRM with no row due finds
   * its probe a wait later (or in a lookup, or a row made due meanwhile).
   */
  private async claim(limit: number): Promise<ClaimedRow[]> {
    const now = this.deps.now().toISOString();
    const { breaker } = this.deps.crm;
    const probes = breaker.probesDue().map((uid) => ({ uid, admission: breaker.admit(uid) }));
    let outcome: { orphans: number; probed: ClaimedRow[]; claimed: CrmWork[] };
    try {
      outcome = await this.deps.store.transaction(async (tx) => {
        const orphans = await tx.requeueOrphanedCrmWork(now);
        const probed: ClaimedRow[] = [];
        for (const { uid, admission } of probes.slice(0, limit)) {
          const [work] = await tx.claimDueCrmWork(now, 1, this.lease(), { only: uid });
          if (work) probed.push({ work, admission });
        }
        const left = limit - probed.length;
        return { orphans, probed, claimed: left > 0 ? await this.claimClosed(tx, now, left) : [] };
      });
    } catch (error) {
      for (const { uid, admission } of probes) breaker.giveBack(uid, admission);
      throw error;
    }
    for (const { uid, admission } of probes) {
      if (outcome.probed.some((row) => row.admission === admission)) continue;
      breaker.giveBack(uid, admission);
      breaker.postpone(uid);
    }
    if (outcome.orphans > 0) this.deps.log.warn('crm outbox: rows whose relay stopped are queued again', { rows: outcome.orphans });
    return [...outcome.probed, ...outcome.claimed.map((work) => ({ work, admission: CLOSED }))];
  }

  /** The due rows of the instances whose circuit is closed, oldest first, `limit` at most. */
  private claimClosed(tx: StoreTx, now: string, limit: number): Promise<CrmWork[]> {
    return tx.claimDueCrmWork(now, limit, this.lease(), { except: this.deps.crm.breaker.openInstances() });
  }

  /**
   * Inside the transaction that lands a loop's row: what the loop's claim after that landing
   * would do (orphans queued again, due rows claimed into the slots free once the row is done),
   * in that transaction instead of one of its own. The rows run once it has committed; a
   * transaction rolled back or run again gives their slots back and runs nothing. A probe due
   * is left to the loop's own claim, which takes the breaker's admissions outside any transaction.
   */
  private async claimAtLanding(tx: StoreTx, rows: readonly LoopRow[], landed: number): Promise<void> {
    if (this.stopped || this.deps.crm.breaker.probesDue().length > 0) return;
    // The landing rows' slots are free once they land; a row they made due again (`queueWithCommit`) holds one already.
    const free = this.settings.batch - (this.inFlight.size - landed) - this.handedOver;
    const now = this.deps.now().toISOString();
    const orphans = await tx.requeueOrphanedCrmWork(now);
    const claimed = free > 0 ? await this.claimClosed(tx, now, free) : [];
    this.handedOver += claimed.length;
    tx.afterCommit(
      () => {
        this.handedOver -= claimed.length;
        // The claimed rows are the first loop's; another loop's rows (a `runDue` beside it) leave their loop to claim itself.
        const loop = rows[0]!.loop;
        for (const row of rows) row.claimed ||= row.loop === loop;
        if (orphans > 0) this.deps.log.warn('crm outbox: rows whose relay stopped are queued again', { rows: orphans });
        // Stopped meanwhile: the rows stay in flight, as a write cut short by a stop does (the next start asks the CRM first).
        if (!this.stopped) for (const work of claimed) this.run(work, undefined, CLOSED, loop);
      },
      () => (this.handedOver -= claimed.length),
    );
  }

  /**
   * Stops the timer and waits (a grace period at most) for the writes in flight to land. A write
   * still out then stays in flight in the store, like after a crash: the next start asks the CRM
   * about it before writing again.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.landAll();
    let grace: NodeJS.Timeout | undefined;
    await Promise.race([Promise.all(this.inFlight), new Promise<void>((resolve) => (grace = setTimeout(resolve, this.settings.stopGraceMs)))]);
    clearTimeout(grace);
  }

  /** The outbox's depth and how long its oldest row has been due, for `/metrics`. */
  async gauges(): Promise<{ depth: number; oldestDueSeconds: number }> {
    const { depth, oldestDue } = await this.deps.store.crmOutboxStats();
    const overdueMs = oldestDue === null ? 0 : this.deps.now().getTime() - Date.parse(oldestDue);
    return { depth, oldestDueSeconds: Math.max(0, overdueMs) / 1000 };
  }

  /**
   * Sets the timer to the next due row or probe (`nextRunAt`), and never further than a lease away: in a shared store,
   * that is when another relay's orphaned rows can be found.
   */
  private async schedule(): Promise<void> {
    let next: number | undefined;
    try {
      next = await this.nextRunAt();
    } catch (error) {
      // The store is closing, or failing: the next wake or start schedules again.
      this.deps.log.error('crm outbox could not read its next due time', { error });
      return;
    }
    if (this.stopped) return;
    clearTimeout(this.timer);
    const untilDue = next === undefined ? this.settings.leaseMs : next - this.deps.now().getTime();
    if (untilDue <= 0 && this.noRoom()) {
      // Due now with every slot taken (a burst's logs wait for its end, webhooks-first.ts): the next
      // row to land wakes the worker. A timer ran a loop that had no room to claim, which scheduled
      // again, through the burst (issue 10).
      this.dueLeftQueued = true;
      return;
    }
    const delay = Math.min(Math.max(0, untilDue), this.settings.leaseMs, MAX_TIMER_MS);
    this.timer = setTimeout(() => void this.runDue(), delay);
    this.timer.unref();
  }

  /** When there is work to run next (ms since the epoch): a row due, or a held CRM's probe, whose rows are due already. */
  async nextRunAt(): Promise<number | undefined> {
    const { breaker } = this.deps.crm;
    const due = await this.deps.store.nextCrmDue(breaker.openInstances());
    const next = Math.min(due === undefined ? Infinity : Date.parse(due), breaker.nextProbeAt() ?? Infinity);
    return next === Infinity ? undefined : next;
  }

  private lease(): CrmLease {
    return { owner: this.owner, until: new Date(this.deps.now().getTime() + this.settings.leaseMs).toISOString() };
  }

  /**
   * Runs a claimed row if its CRM may be asked: as the probe it was claimed as, or if its circuit
   * is closed (it may have opened while the row waited its turn: the row then goes back to the
   * queue as it was, its attempts untouched).
   */
  private async admitted(work: CrmWork, known: RowRead | undefined, claimedAs: Admission, ofLoop: LoopRow | undefined): Promise<void> {
    const { breaker } = this.deps.crm;
    const admission = claimedAs.kind === 'probe' ? claimedAs : breaker.admit(work.instanceUid);
    if (admission.kind === 'held') {
      return this.commit(
        work,
        async (tx, _call, current) => {
          await tx.putCrmWork({ ...current!, state: 'queued', lease: null });
          return undefined;
        },
        undefined,
        ofLoop,
      );
    }
    try {
      await this.process(work, known, ofLoop);
    } finally {
      breaker.giveBack(work.instanceUid, admission);
    }
  }

  private async process(work: CrmWork, known: RowRead | undefined, ofLoop: LoopRow | undefined): Promise<void> {
    const done = (crmLog?: CrmLog) =>
      this.commit(
        work,
        async (tx) => {
          await tx.deleteCrmWork(work.callId);
          return crmLog;
        },
        undefined,
        ofLoop,
      );
    const read = known ?? (await this.read(work));
    // Taken over by another relay since the claim (this one stalled past its lease): the row is that relay's to run.
    if (read.lost) return;
    const { call, target } = read;
    if (!call) return done();
    const log = call.crm_log;
    if (!target) return done({ state: 'skipped', id: log?.id ?? null, url: log?.url ?? null, error: 'the instance has no usable CRM connector any more' });
    const { session, crmCall } = target;
    // Failed or skipped logs wait for the retry API; a CRM that cannot update is done once logged.
    if (!log || log.state === 'failed' || log.state === 'skipped' || (log.id !== null && !session.canUpdate)) return done();

    if (log.id !== null) {
      const updated = await this.attempt(work, 'update_call', () => session.updateCall(log.id!, crmCall));
      return this.settle(work, session, updated.ok ? { ok: true, value: { id: log.id, url: updated.value.url ?? log.url } } : updated, ofLoop);
    }
    if (work.uncertain && session.findCallLog) {
      const found = await this.attempt(work, 'find_call_log', () => session.findCallLog!(crmCall));
      if (!found.ok) return this.settle(work, session, found, ofLoop);
      // The earlier attempt landed: link that record, and bring it up to date when the CRM allows.
      if (found.value) return this.settle(work, session, { ok: true, value: found.value }, ofLoop, session.canUpdate);
    }
    const owned = await this.withCrmUser(work, session, crmCall);
    if (!owned.ok) return this.settle(work, session, owned, ofLoop);
    let created = await this.attempt(work, 'log_call', () => session.logCall(owned.value));
    const owner = owned.value.agent_crm_id;
    if (!created.ok && !created.retry && created.status !== 401 && owner) {
      // The CRM may refuse a call logged for another user than the token's (Pipedrive, without
      // account settings access), or for a user deactivated since it was found: the call is logged
      // for the default owner rather than lost. Only when the CRM takes it so was the owner what it
      // refused, and the agent's user is not offered again while that answer is kept; refused
      // either way, the call was at fault, not the user, whose next calls are still theirs. A
      // refused token (401) is no question of owner: the log fails as it is.
      const refusal = created;
      created = await this.attempt(work, 'log_call', () => session.logCall({ ...owned.value, agent_crm_id: null }));
      if (created.ok) {
        this.deps.log.warn('crm refused the call for its agent\'s user: logged for the default owner', { instance: work.instanceUid, call: work.callId, status: refusal.status, error: refusal.error });
        this.crmUsers.refused(session, crmCall.agent_email!);
      }
    }
    return this.settle(work, session, created, ofLoop);
  }

  /** The call with the CRM user its agent is (`find_user`, kept per agent), whom `log_call` records it for. */
  private async withCrmUser(work: CrmWork, session: CrmSession, crmCall: CrmCall): Promise<CrmOutcome<CrmCall>> {
    const email = crmCall.agent_email;
    if (!session.findUser || !email) return { ok: true, value: crmCall };
    const user = await this.crmUsers.of(
      session,
      email,
      () => this.attempt(work, 'find_user', () => session.findUser!(email, crmCall.agent_name)),
      (failure) => this.deps.log.warn('crm user lookup refused: the call is logged for the default owner', { instance: work.instanceUid, call: work.callId, status: failure.status, error: failure.error }),
    );
    return user.ok ? { ok: true, value: { ...crmCall, agent_crm_id: user.value } } : user;
  }

  /**
   * What a row's write needs, in the store's plain reads: they ride its next batch, whose commit
   * they share (issue 13), where a transaction of their own took the write lock and asked for a
   * disk sync that nothing written needed (issue 10). The claim is checked on the row as read: a
   * lock taken to read it would end with the read, before the write, either way.
   */
  private async read(work: CrmWork): Promise<RowRead> {
    const { store } = this.deps;
    const [row, call, instance] = await Promise.all([store.crmWorkOf(work.callId), store.callById(work.callId), store.instanceByUid(work.instanceUid)]);
    if (!holdsCrmLease(row, work.lease)) return { lost: true };
    if (!call || !instance) return { lost: false, call };
    return { lost: false, call, target: await rowTarget(this.deps, store, instance, call, () => store.agentIdsOfCall(call.id)) };
  }

  private async attempt<T>(work: CrmWork, operation: 'log_call' | 'find_call_log' | 'find_user' | 'update_call', run: () => Promise<CrmOutcome<T>>): Promise<CrmOutcome<T>> {
    const outcome = await withTimeout(run, this.settings.timeoutMs);
    this.deps.crm.breaker.record(work.instanceUid, outcome);
    this.deps.metrics.crmRequest(operation, outcome);
    return outcome;
  }

  /** Commits what an attempt came to: the record linked, a retry scheduled, or the failure shown. */
  private async settle(work: CrmWork, session: CrmSession, outcome: CrmOutcome<ActivityRef>, ofLoop: LoopRow | undefined, updateAfter = false): Promise<void> {
    const now = this.deps.now();
    if (outcome.ok) {
      return this.commit(
        work,
        async (tx, _call, current) => {
          // A change made while the write was in flight (or a found record's older content) is one more update.
          if ((current?.again || updateAfter) && session.canUpdate) {
            await tx.putCrmWork(this.queueWithCommit(tx, { ...work, state: 'queued', dueAt: now.toISOString(), attempts: 0, lastError: null, again: false, uncertain: false, lease: null }, now.toISOString()));
          } else await tx.deleteCrmWork(work.callId);
          return { state: 'logged', id: outcome.value.id, url: outcome.value.url, error: null };
        },
        outcome.value,
        ofLoop,
      );
    }
    // A held CRM logged once, when it was held (crm-breaker.ts), not once per row.
    const held = outcome.retry && this.deps.crm.breaker.isOpen(work.instanceUid);
    if (!held) this.deps.log.warn('crm write failed', { instance: work.instanceUid, call: work.callId, attempts: work.attempts + 1, retry: outcome.retry, status: outcome.status, error: outcome.error });
    if (!outcome.retry) {
      return this.commit(
        work,
        async (tx, call) => {
          await tx.deleteCrmWork(work.callId);
          return { ...logOf(call), state: 'failed', error: outcome.error };
        },
        undefined,
        ofLoop,
      );
    }
    const attempts = work.attempts + 1;
    // Held, the row is due again at once: its circuit's probe says when it runs (no claim takes it before).
    const dueAt = new Date(now.getTime() + (held ? 0 : this.retryDelay(attempts, outcome.retryAfterMs))).toISOString();
    await this.commit(
      work,
      async (tx, call, current) => {
        const log = logOf(call);
        // A create that failed may still have landed (a timeout, a 502 sent after the CRM's commit): the next attempt asks the CRM first.
        await tx.putCrmWork({ ...work, state: 'queued', dueAt, attempts, lastError: outcome.error, again: current?.again ?? false, uncertain: log.id === null, lease: null });
        return { ...log, error: outcome.error };
      },
      undefined,
      ofLoop,
    );
    // The timer goes to the retry (a row run outside `runDue` has no loop to schedule after it).
    this.wake();
  }

  /** Bounded exponential backoff with jitter; a longer Retry-After wins. */
  private retryDelay(attempts: number, retryAfterMs: number | undefined): number {
    const ceiling = Math.min(this.settings.maxDelayMs, this.settings.baseDelayMs * 2 ** (attempts - 1));
    const jittered = ceiling / 2 + (this.settings.random() * ceiling) / 2;
    return Math.max(jittered, Math.min(retryAfterMs ?? 0, this.settings.maxRetryAfterMs));
  }

  /**
   * What `next` does to the row and the call's new `crm_log` (undefined keeps it), with the call's
   * agents' events when it changed, in one transaction; the events are published once it is
   * committed. The store syncs the disk at every commit, on the thread that answers webhooks:
   * outcomes that land together are committed together by the store (SQLite's group commit), so
   * a busy CRM does not slow the webhooks down (docs/benchmarks.md, "Relay with a CRM"). Each
   * outcome comes in a turn of its own (its CRM's answer), so it waits for the other rows in flight
   * to land, `landingWaitMs` at most, and they commit in one transaction (`landTogether`): after
   * a burst, a commit, a disk sync and a claim per logged call were most of its cost (issue 10). A
   * kill -9 before that commit leaves the row in flight, as one before a commit of its own did: the
   * next start queues it again, uncertain, and its run asks the CRM for the record first.
   */
  private commit(work: CrmWork, next: NextLog, written: ActivityRef | undefined, ofLoop: LoopRow | undefined): Promise<void> {
    return new Promise<void>((landed, failed) => {
      this.landings.push({ work, next, written, ofLoop, landed, failed });
      // Every row in flight has landed: nothing to wait for. (A row whose run reached its commit before it counted in flight counts as one.)
      if (this.stopped || this.landings.length + this.landingsCommitting >= this.inFlight.size) this.landAll();
      else this.landingTimer ??= setTimeout(() => this.landAll(), this.settings.landingWaitMs);
    });
  }

  /** The outcomes waiting (`commit`) go to the store, together. */
  private landAll(): void {
    clearTimeout(this.landingTimer);
    this.landingTimer = undefined;
    const landings = this.landings;
    if (landings.length === 0) return;
    this.landings = [];
    void this.landTogether(landings);
  }

  /**
   * Outcomes that landed close together: one transaction applies each and claims the loops' next
   * rows into the slots they free (`claimAtLanding`). Should it fail, each lands in a transaction of
   * its own, as it would have alone (the store contract lets a transaction run again): one that fails
   * alone too stays in flight, picked up again at the next start.
   */
  private async landTogether(landings: Landing[]): Promise<void> {
    let events: AgentEvent[];
    this.landingsCommitting += landings.length;
    try {
      events = await this.transaction(async (tx) => {
        const applied: AgentEvent[] = [];
        for (const { work, next, written } of landings) applied.push(...(await this.apply(tx, work, next, written)));
        const loopRows = landings.flatMap(({ ofLoop }) => (ofLoop ? [ofLoop] : []));
        if (loopRows.length > 0) await this.claimAtLanding(tx, loopRows, landings.length);
        return applied;
      });
    } catch (error) {
      this.landingsCommitting -= landings.length;
      if (landings.length === 1) return landings[0]!.failed(error);
      for (const landing of landings) void this.landTogether([landing]);
      return;
    }
    this.landingsCommitting -= landings.length;
    this.deps.publish(events);
    for (const { landed } of landings) landed();
  }

  /** A row's store transaction: on a saturated relay, committed together with the other CRM steps' (webhooks-first.ts). */
  private transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return this.deps.crm.turns.commit(() => this.deps.store.transaction(work));
  }

  /** Inside the commit's transaction: one outcome applied; the events of its call's change. */
  private async apply(tx: StoreTx, work: CrmWork, next: NextLog, written?: ActivityRef): Promise<AgentEvent[]> {
    // The row read once, for its claim and for `next` (the store locks it for the rest of `tx`): a
    // statement fewer per CRM outcome than asking the store whether the claim holds, then reading the row (issue 10).
    const current = await tx.crmWorkOf(work.callId);
    if (!holdsCrmLease(current, work.lease)) {
      // Another relay requeued the row (this one's lease ran out mid-write) and it is that relay's
      // now: writing over its outcome could unlink or fail a call it logged. The requeue marked
      // the row uncertain, so its next run asks the CRM first (find_call) and links the record
      // this write made rather than creating a second one.
      this.deps.log.warn('crm outbox: the row was taken over while its write was out; its outcome is left to the relay that holds it now', { instance: work.instanceUid, call: work.callId, record: written?.id ?? null });
      return [];
    }
    const call = await tx.callById(work.callId);
    if (!call) {
      await tx.deleteCrmWork(work.callId);
      return [];
    }
    const crmLog = await next(tx, call, current);
    if (!crmLog || sameLog(call.crm_log, crmLog)) return [];
    const at = this.deps.now().toISOString();
    // Built from what is written rather than read back, as the lookup's change is: a read and a parse of the call fewer per CRM outcome (issue 10).
    const logged: Call = { ...call, crm_log: crmLog, updated_at: at };
    await tx.setCallCrmLog(call.id, crmLog, at);
    return appendUpdated(tx, logged, at);
  }
}

/** Where a call's row writes, its agents read through `agents` (a transaction's, or the store's): none when the instance has no usable CRM any more. */
export async function rowTarget(deps: Pick<RelayDeps, 'crm'>, agents: Pick<AgentDirectory, 'agentById' | 'agentsWithNumber'>, instance: Instance, call: Call, agentIds: () => Promise<string[]>): Promise<RowTarget | undefined> {
  const session = instance.crm ? await crmSession(deps, agents, instance) : undefined;
  if (!session) return undefined;
  return { session, crmCall: toCrmCall(call, await takenBy(agents, instance, call, await agentIds())) };
}

/**
 * The agent the CRM sees the call as taken by: of an incoming call, the one of its agents whose
 * phone answered it (a connector's `answered_by`); else the instance's owner (a team call nobody
 * is known to have taken: the admin who set the team's number up), or the one agent it reached.
 */
async function takenBy(agents: Pick<AgentDirectory, 'agentById' | 'agentsWithNumber'>, instance: Instance, call: Call, agentIds: string[]): Promise<Agent | undefined> {
  const answeredBy = answeringPhone(call);
  const answering = answeredBy ? (await agents.agentsWithNumber(answeredBy)).find((agent) => agentIds.includes(agent.id)) : undefined;
  return answering ?? agents.agentById(agentIds.length === 0 || agentIds.includes(instance.agentId) ? instance.agentId : agentIds[0]!);
}

function logOf(call: Call): CrmLog {
  return call.crm_log ?? { state: 'pending', id: null, url: null, error: null };
}

function sameLog(a: CrmLog | null, b: CrmLog): boolean {
  return a !== null && a.state === b.state && a.id === b.id && a.url === b.url && a.error === b.error;
}
