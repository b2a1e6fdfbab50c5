import { storage, type WxtStorageItem } from '#imports';

/** When each tab's recent calls were placed (ms since the epoch, oldest first), by tab id. */
export type CallsPlacedByTab = Record<string, number[]>;
/**
 * The per-tab call rate limit's count. storage.session, not local: it must outlive the MV3
 * service worker (stopped when idle) but not the browser, whose tab ids it counts by. Content
 * scripts cannot touch session storage (trusted contexts only, by default), so the item is
 * defined here, in the background's module, not in ../storage.ts, which content scripts import:
 * defining an item with a version reads its metadata at once, which a content script is refused
 * ("Access to storage is not allowed from this context"). No version either: nothing in session
 * storage outlives the browser, so there is never an old shape to migrate.
 */
export const callsPlacedByTab = storage.defineItem<CallsPlacedByTab>('session:callsPlacedByTab', { fallback: {} });

/**
 * At most `limit` calls per sliding window from one tab. Clicks need a trusted event, but a
 * compromised page renderer can forge the message a click sends: this bounds what it can
 * dial. The times are kept in storage.session, not in memory: Chrome stops an idle MV3 service
 * worker after ~30 s, and a page pacing its calls across those restarts would otherwise start
 * from zero each time. The clock is injected so tests can move time.
 */
export class CallRateLimit {
  /** The last take in flight: takes run one after another, so two at once cannot both read a free slot. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly limit = 3,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
    private readonly placed: WxtStorageItem<CallsPlacedByTab, Record<string, unknown>> = callsPlacedByTab,
  ) {}

  /** Takes a slot for a call from `tabId`, or says why not and how long until one frees up. */
  take(tabId: number): Promise<{ ok: true } | { ok: false; reason: string }> {
    const taken = this.queue.then(() => this.takeNow(tabId));
    this.queue = taken.catch(() => undefined);
    return taken;
  }

  private async takeNow(tabId: number): Promise<{ ok: true } | { ok: false; reason: string }> {
    const now = this.now();
    const placed: CallsPlacedByTab = {};
    // Tabs whose last call left the window have nothing left to count: forget them.
    for (const [tab, times] of Object.entries(await this.placed.getValue())) if (now - times.at(-1)! < this.windowMs) placed[tab] = times;
    const recent = (placed[tabId] ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= this.limit) {
      await this.placed.setValue({ ...placed, [tabId]: recent });
      const retryInSeconds = Math.ceil((this.windowMs - (now - recent[0]!)) / 1000);
      return { ok: false, reason: `Too many calls from this tab: at most ${this.limit} in ${this.windowMs / 1000} s. Try again in ${retryInSeconds} s.` };
    }
    await this.placed.setValue({ ...placed, [tabId]: [...recent, now] });
    return { ok: true };
  }
}
