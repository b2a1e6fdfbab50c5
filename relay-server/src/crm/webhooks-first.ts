export interface WebhooksFirstSettings {
  /**
   * While webhooks keep the relay busy, one CRM step starts per this many webhooks answered. A
   * call brings the relay three or four webhooks (ringing, answered, ended) and two CRM steps (its
   * lookup and its log), so at 2 the CRM keeps pace with any steady stream of calls, at half the
   * webhooks' rate, and its backlog stays bounded.
   */
  webhooksPerStep: number;
  /** A step starts at least this often while webhooks are in flight: a webhook that hangs (a body never finished) never stalls the CRM. */
  floorMs: number;
  /**
   * How long the relay stays busy after its last webhook was answered. Senders that wait for their
   * answer leave the relay with none in flight between an answer and their next webhook; opening
   * the gate to every waiting step in those gaps handed the thread back to the CRM at once.
   */
  quietMs: number;
}

export const WEBHOOKS_FIRST_DEFAULTS: WebhooksFirstSettings = { webhooksPerStep: 2, floorMs: 100, quietMs: 10 };

/** Credits a burst of webhooks may bank for later CRM steps: a long quiet CRM does not buy a flood of steps in the next burst. */
const MAX_CREDITS = 4;

/**
 * The relay's one thread, webhooks first (issue 10: webhook throughput must not fall when a CRM is
 * configured; issue 13). CRM steps (a caller's lookup, an outbox row's write) take their turn here:
 * with no webhook in flight for `quietMs` they start at once; while webhooks are in flight (or
 * were a moment ago) they start one per `webhooksPerStep` webhooks answered, and at least one per
 * `floorMs`. On a saturated relay the CRM
 * then takes a bounded share of the thread (its work waits, the contact comes in an `updated`
 * event, the log a little later), and catches up as soon as the webhooks pause. Steps start in the
 * order they came.
 */
export class WebhooksFirst {
  private webhooks = 0;
  private credits = 0;
  private readonly waiting: Array<() => void> = [];
  private floorTimer: NodeJS.Timeout | undefined;
  /** Set while the relay is quiet for less than `quietMs`: webhooks may follow at once. */
  private quietTimer: NodeJS.Timeout | undefined;

  constructor(private readonly settings: WebhooksFirstSettings = WEBHOOKS_FIRST_DEFAULTS) {}

  /** A webhook arrived: CRM steps wait while it is in flight. */
  webhookStarted(): void {
    this.webhooks += 1;
    clearTimeout(this.quietTimer);
    this.quietTimer = undefined;
  }

  /** A webhook was answered (or failed): it earns the CRM a share of a step. */
  webhookEnded(): void {
    this.webhooks -= 1;
    this.credits = Math.min(MAX_CREDITS, this.credits + 1 / this.settings.webhooksPerStep);
    if (this.webhooks === 0) {
      clearTimeout(this.quietTimer);
      this.quietTimer = setTimeout(() => {
        this.quietTimer = undefined;
        this.admit();
      }, this.settings.quietMs);
      this.quietTimer.unref();
    }
    this.admit();
  }

  /** Runs a CRM step once its turn comes. */
  async run<T>(step: () => Promise<T>): Promise<T> {
    if (this.waiting.length > 0 || !this.mayStart()) {
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        this.armFloor();
      });
    }
    return step();
  }

  /** CRM steps waiting for their turn. */
  get backlog(): number {
    return this.waiting.length;
  }

  /** Whether one more step may start now, spending a credit when webhooks are in flight. */
  private mayStart(): boolean {
    if (this.webhooks === 0 && !this.quietTimer) return true;
    if (this.credits < 1) return false;
    this.credits -= 1;
    return true;
  }

  private admit(): void {
    while (this.waiting.length > 0 && this.mayStart()) this.waiting.shift()!();
    if (this.waiting.length === 0) this.disarmFloor();
  }

  private armFloor(): void {
    if (this.floorTimer) return;
    this.floorTimer = setInterval(() => {
      this.waiting.shift()?.();
      // Webhooks may have ended meanwhile with nothing else to let the rest go.
      this.admit();
    }, this.settings.floorMs);
    this.floorTimer.unref();
  }

  private disarmFloor(): void {
    clearInterval(this.floorTimer);
    this.floorTimer = undefined;
  }
}
