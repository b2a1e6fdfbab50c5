/**
 * At most `limit` calls per sliding window from one tab. Clicks need a trusted event, but a
 * compromised page renderer can forge the message a click sends: this bounds what it can
 * dial. The clock is injected so tests can move time.
 */
export class CallRateLimit {
  /** When each tab's recent calls were placed, oldest first. */
  private readonly placed = new Map<number, number[]>();

  constructor(
    private readonly limit = 3,
    private readonly windowMs = 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes a slot for a call from `tabId`, or says why not and how long until one frees up. */
  take(tabId: number): { ok: true } | { ok: false; reason: string } {
    const now = this.now();
    // Tabs whose last call left the window have nothing left to count: forget them.
    for (const [tab, times] of this.placed) if (now - times.at(-1)! >= this.windowMs) this.placed.delete(tab);
    const recent = (this.placed.get(tabId) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length >= this.limit) {
      this.placed.set(tabId, recent);
      const retryInSeconds = Math.ceil((this.windowMs - (now - recent[0]!)) / 1000);
      return { ok: false, reason: `Too many calls from this tab: at most ${this.limit} in ${this.windowMs / 1000} s. Try again in ${retryInSeconds} s.` };
    }
    this.placed.set(tabId, [...recent, now]);
    return { ok: true };
  }
}
