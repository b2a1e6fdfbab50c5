import { performance } from 'node:perf_hooks';
import { EventLoopLoad, type ThreadLoad } from './thread-load.ts';

export interface WebhooksFirstSettings {
  /**
   * The thread's utilisation (0 to 1) from which, with webhooks queuing, the relay counts as
   * saturated and the CRM's steps are rationed. Below it they start at once.
   */
  saturatedAt: number;
  /**
   * Once saturated, the relay stays so while webhooks queue until the utilisation falls under
   * this. In a burst on a machine shared with other work the thread idles a tenth to a quarter of
   * the time (its webhooks wait for the disk's sync, its senders for a core), so windows under
   * `saturatedAt` came and went, and each let the steps that came meanwhile start at once: 100 to
   * 320 of 1,000 new calls' lookups, their follow-ups run among the webhooks (issue 10). A log's
   * write waits longer (`run`'s `kind`): until the webhooks stop queuing, or the load has stayed
   * under this for `quietMs`.
   */
  easesAt: number;
  /**
   * Webhooks in flight at once from which the relay counts as saturated without waiting for the
   * load's window: that many wait for the thread or for the disk's sync they share, whatever the
   * window read. At a burst's start the window still read the quiet before it, and within a burst
   * on a shared machine a window in which the thread waited for the sync and for its senders read
   * 0.2 and let the waiting steps all go: 61 of one run's CRM steps started at once with its 16
   * senders all waiting (the throughput bench's CRM row, counted with tests/bench/crm-load.ts;
   * issue 10). One sender's webhooks, or a few agents', never reach 8; a burst that does has its
   * contacts come in `updated` events, as on a saturated thread.
   */
  queuedAt: number;
  /**
   * While the relay is saturated, one search for callers starts per this many webhooks answered. A step
   * with its follow-ups (the CRM's answer read, its commit, its events) costs the thread about
   * what two or three webhooks do, so at 16 the CRM takes a sixth or so of a saturated thread and
   * its steps wait (`backlogMax`) until the burst eases: at 2 the CRM kept pace with the calls
   * and the webhooks ran at half the speed they do without a CRM (issue 10). A log's write takes
   * no share: it waits for the burst's end, or the floor (`run`'s `kind`).
   */
  webhooksPerStep: number;
  /**
   * Caller lookups one step's share pays for, while the relay is saturated. A step that searches
   * the CRM for several callers at once (caller-lookup.ts) has each lookup's follow-ups to run (its
   * contact's transaction, its events): past this many lookups, it pays for the rest from the
   * credits (`searched`).
   */
  lookupsPerStep: number;
  /**
   * CRM steps waiting at most before the CRM's share grows to one step per webhook answered, the
   * pace at which calls bring them (no call brings more steps than webhooks): a saturated relay
   * never lets the backlog grow without bound.
   */
  backlogMax: number;
  /** A step (a search or a log's write, the one that came first) starts at least this often while rationed: a saturated relay never stalls the CRM. */
  floorMs: number;
  /**
   * How long webhooks count as queuing after two or more were last in flight at once. Senders
   * that wait for their answer leave gaps between an answer and their next webhook, longer than
   * 10 ms on a machine whose cores are taken (at 10 ms, a sixth of a burst's steps started in
   * such gaps); a thread busy with CRM steps alone (the webhooks paused) is not rationed.
   */
  quietMs: number;
  /** How often steps that wait look again whether the thread has room. */
  recheckMs: number;
  /** On a saturated thread, how long a CRM step's store transaction waits for others to share its commit with. */
  gatherMs: number;
  /** Transactions gathered at most: that many go to the store at once without waiting longer. */
  gatherMax: number;
}

export const WEBHOOKS_FIRST_DEFAULTS: WebhooksFirstSettings = { saturatedAt: 0.9, easesAt: 0.5, queuedAt: 8, webhooksPerStep: 16, lookupsPerStep: 1, floorMs: 100, quietMs: 250, backlogMax: 4096, recheckMs: 10, gatherMs: 20, gatherMax: 16 };

/** A CRM step: a search for callers (caller-lookup.ts), or an outbox row's write (outbox-worker.ts), which may wait for a burst's end. */
export type StepKind = 'search' | 'log';

interface Waiting {
  start: () => void;
  /** When it came, among the steps of both kinds. */
  seq: number;
}

/** Credits a burst of webhooks may bank for later CRM steps: a long quiet CRM does not buy a flood of steps in the next burst. */
const MAX_CREDITS = 4;

/**
 * The relay's one thread, webhooks first (issue 10: webhook throughput must not fall when a CRM is
 * configured; issue 13). CRM steps (a search for callers, an outbox row's write) take their turn here.
 * While the thread has room they start at once, webhooks in flight or not: a call centre's pace
 * leaves it idle most of the time, and a lookup that waited there only made the popup late. Once
 * the thread is saturated (`saturatedAt`, over the last window of `ThreadLoad`) while webhooks
 * queue (two or more in flight at once: one waits for the thread), or as soon as `queuedAt`
 * are in flight, they start one per `webhooksPerStep` webhooks answered, and at least one per
 * `floorMs`, until the load falls under `easesAt` or the webhooks stop queuing (a dip under
 * `saturatedAt` is not room). One webhook at a time is never a queue, however busy the thread looks: on a machine shared with other work, a callback
 * the kernel pauses counts as busy time, and one sender's lookups waited for nothing. Rationed,
 * the CRM takes a bounded share of the thread (its work waits, the contact comes in an `updated`
 * event, the log a little later), and catches up as soon as the webhooks pause or the load eases.
 * Its backlog is bounded: past `backlogMax` waiting steps, one starts per webhook answered.
 * An outbox row's write (`kind` 'log') takes no webhook's share: once the thread was saturated, it
 * waits for the burst's end (the webhooks stop queuing, or the load stays under `easesAt` for
 * `quietMs`), or for the floor's turn. The agent sees the call's end without it, and a burst of
 * 2,000 update webhooks ran 108 to 278 of them at one per `webhooksPerStep`, the main thread per
 * update ×0.92 to ×1.91 what it is without a CRM (crm-load.ts --phases; issue 10). Past
 * `backlogMax` waiting steps, logs' writes take shares as searches do: a relay saturated for long
 * still writes its logs at the webhooks' pace, its backlog bounded. Steps start in
 * the order they came, but that a search may go before a log's write that waits out the burst.
 */
export class WebhooksFirst {
  private webhooks = 0;
  /** When two or more webhooks were last in flight at once. */
  private lastQueuedAt = -Infinity;
  /** When the floor's current period began: the last step's start, or the moment steps began to wait; later while a search's lookups are paid for (`searched`). */
  private floorSince = 0;
  private credits = 0;
  /** Whether the thread was found saturated while webhooks queued, and has not eased (`easesAt`) nor seen them stop queuing since. */
  private saturated = false;
  /**
   * Whether the thread was found saturated since the webhooks last stopped queuing or the load
   * stayed under `easesAt` for `quietMs`: the burst a log's write waits out, its dips and all.
   */
  private inBurst = false;
  /** Since when the load has read under what keeps the thread saturated, webhooks still queuing: a dip, until it lasts `quietMs`. */
  private roomSince: number | undefined;
  /** Searches waiting for their turn, in the order they came (`seq`). */
  private readonly searches: Waiting[] = [];
  /** Logs' writes waiting for their turn, in the order they came: apart, so that a webhook's end asks nothing of them while the burst lasts. */
  private readonly logs: Waiting[] = [];
  private nextSeq = 0;
  private waitingElsewhere: () => number = () => 0;
  private recheckTimer: NodeJS.Timeout | undefined;
  /** Store transactions of CRM steps waiting to go to the store together, and the timer that sends them. */
  private gathered: Array<() => void> = [];
  private gatherTimer: NodeJS.Timeout | undefined;
  /** Steps and store transactions by how they went: at once, or after waiting their turn (`/metrics`: whether the rationing is engaged). */
  readonly counts = { stepsAtOnce: 0, stepsRationed: 0, commitsAtOnce: 0, commitsGathered: 0 };

  constructor(
    private readonly settings: WebhooksFirstSettings = WEBHOOKS_FIRST_DEFAULTS,
    private readonly load: ThreadLoad = new EventLoopLoad(),
    /** The one clock of the turns and of the load's windows (performance.now()). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A webhook arrived. */
  webhookStarted(): void {
    this.webhooks += 1;
    if (this.webhooks < 2) return;
    const now = this.now();
    // They had stopped queuing meanwhile: the saturation of an earlier burst is no reason to ration now.
    if (now - this.lastQueuedAt >= this.settings.quietMs) this.saturated = this.inBurst = false;
    this.lastQueuedAt = now;
  }

  /**
   * Steps that wait elsewhere for a turn asked on their behalf (caller-lookup.ts: the lookups of an
   * instance wait in its queue, and it asks one turn per search, which carries several): counted
   * with the steps waiting here against `backlogMax`.
   */
  alsoWaiting(count: () => number): void {
    this.waitingElsewhere = count;
  }

  /** A webhook was answered (or failed): it earns the CRM a share of a step. */
  webhookEnded(): void {
    this.webhooks -= 1;
    const full = this.backlogFull();
    this.credits = Math.min(MAX_CREDITS, this.credits + (full ? 1 : 1 / this.settings.webhooksPerStep));
    // A search spends the share; a log's write waits for the burst's end, which the recheck finds, unless the backlog is full.
    if (this.searches.length > 0 || (full && this.logs.length > 0)) this.admit();
  }

  /**
   * The step now running was a search for `lookups` callers: on a saturated thread, the lookups
   * past `lookupsPerStep` are paid for from the credits, which may fall below zero (the next steps
   * wait until the webhooks have earned them back), and from the floor's time (its next step
   * waits that many periods more). A thread with room charges nothing.
   */
  searched(lookups: number): void {
    if (!this.rationed()) return;
    const more = Math.max(0, lookups / this.settings.lookupsPerStep - 1);
    this.credits -= more;
    // The floor's too: it lets one step's work through per `floorMs`, a search of twenty not twenty times that.
    this.floorSince += more * this.settings.floorMs;
  }

  /**
   * Runs a CRM step once its turn comes; `waited` tells it whether it waited for its turn (what it
   * read before may be old). A search waits behind the searches already waiting, a log's write
   * behind every step.
   */
  async run<T>(step: (waited: boolean) => Promise<T>, kind: StepKind = 'search'): Promise<T> {
    if (this.searches.length > 0 || (kind === 'log' && this.logs.length > 0) || !this.mayStart(kind)) {
      this.counts.stepsRationed += 1;
      await new Promise<void>((start) => {
        (kind === 'log' ? this.logs : this.searches).push({ start, seq: this.nextSeq++ });
        this.armRecheck();
      });
      return step(true);
    }
    this.counts.stepsAtOnce += 1;
    return step(false);
  }

  /**
   * Runs a CRM step's store transaction (a lookup's contact, an outbox row's read or outcome). While
   * the thread has room, at once. On a saturated thread it waits, `gatherMs` at most, for the
   * others that come meanwhile, and they all go to the store in one tick: the store commits what
   * is queued together (one BEGIN…COMMIT, one disk sync), where each CRM answer, landing on its
   * own, paid a commit and a sync of its own on the thread the webhooks wait for.
   */
  commit<T>(transaction: () => Promise<T>): Promise<T> {
    if (!this.rationed()) {
      this.counts.commitsAtOnce += 1;
      return transaction();
    }
    this.counts.commitsGathered += 1;
    const turn = new Promise<void>((resolve) => this.gathered.push(resolve));
    if (this.gathered.length >= this.settings.gatherMax) this.sendGathered();
    else this.gatherTimer ??= setTimeout(() => this.sendGathered(), this.settings.gatherMs);
    return turn.then(transaction);
  }

  /** CRM steps waiting for their turn. */
  get backlog(): number {
    return this.searches.length + this.logs.length;
  }

  /** Whether `backlogMax` steps wait, here and elsewhere: the CRM then keeps pace with the webhooks, logs' writes included. */
  private backlogFull(): boolean {
    return this.backlog + this.waitingElsewhere() >= this.settings.backlogMax;
  }

  /** Whether webhooks queue (two or more in flight, now or a moment ago) for a saturated thread. */
  private rationed(): boolean {
    const now = this.now();
    const queuing = this.webhooks >= 2 || now - this.lastQueuedAt < this.settings.quietMs;
    if (!queuing) return (this.saturated = this.inBurst = false);
    this.saturated = this.webhooks >= this.settings.queuedAt || this.load.utilisation(now) >= (this.saturated ? this.settings.easesAt : this.settings.saturatedAt);
    if (this.saturated) {
      this.inBurst = true;
      this.roomSince = undefined;
    } else if (now - (this.roomSince ??= now) >= this.settings.quietMs) this.inBurst = false;
    return this.saturated;
  }

  /**
   * Whether one more step may start now, spending a credit when rationed. A log's write waits for
   * the burst's end (the floor lets it go): a dip under `easesAt` while the webhooks still queue is
   * room for the searches, not for it. On a machine whose other work took the cores (load 6 to 8),
   * such dips let up to 30 of a burst's logs start at once, and 55 to 147 ran in it (crm-load.ts
   * --phases; issue 10).
   */
  private mayStart(kind: StepKind): boolean {
    const rationed = this.rationed();
    if (kind === 'log' && this.inBurst && !this.backlogFull()) return false;
    if (rationed) {
      if (this.credits < 1) return false;
      this.credits -= 1;
      this.floorSince = Math.max(this.floorSince, this.now());
    } else {
      // A saturated spell's debts (`searched`) end with it.
      this.credits = Math.max(0, this.credits);
      this.floorSince = this.now();
    }
    return true;
  }

  /**
   * Starts the waiting steps that may start, in the order they came; a log's write that may not is
   * passed over by the searches behind it, and so are the logs after it, without asking again.
   */
  private admit(): void {
    let logsWait = false;
    for (let queue = this.firstCame(); queue; queue = this.firstCame(logsWait)) {
      if (this.mayStart(queue === this.logs ? 'log' : 'search')) queue.shift()!.start();
      else if (queue === this.logs) logsWait = true;
      else break;
    }
    if (this.backlog === 0) this.disarmRecheck();
  }

  /** The queue whose first step came first, searches' or logs' writes' (these left out when `logsWait`); none when both are empty. */
  private firstCame(logsWait = false): Waiting[] | undefined {
    const log = logsWait ? undefined : this.logs[0];
    const search = this.searches[0];
    return log && !(search && search.seq < log.seq) ? this.logs : search ? this.searches : undefined;
  }

  /** While steps wait: the load may have fallen or the webhooks paused with nothing else to let them go; and the floor. */
  private armRecheck(): void {
    if (this.recheckTimer) return;
    this.floorSince = Math.max(this.floorSince, this.now());
    this.recheckTimer = setInterval(() => {
      if (this.now() - this.floorSince >= this.settings.floorMs) {
        this.floorSince = this.now();
        this.firstCame()?.shift()!.start();
      }
      this.admit();
    }, this.settings.recheckMs);
    this.recheckTimer.unref();
  }

  private sendGathered(): void {
    clearTimeout(this.gatherTimer);
    this.gatherTimer = undefined;
    const gathered = this.gathered;
    this.gathered = [];
    for (const send of gathered) send();
  }

  private disarmRecheck(): void {
    clearInterval(this.recheckTimer);
    this.recheckTimer = undefined;
  }
}
