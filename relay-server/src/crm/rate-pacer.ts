import type { Fetch, RateLimitPlan } from '@phone-connector/shared';

/** A request counted in a window: when it ended, Infinity while it runs (or while a lookup holds its place, `reserve`). */
interface Entry {
  end: number;
}

/** One declared `<rate>` of one instance: the requests that still count in it. */
interface Window {
  limit: RateLimitPlan;
  entries: Entry[];
}

/** A place a lookup took in its instance's windows before its search is sent (`reserve`). */
export interface Reservation {
  /** Gives the place back if no request took it (the lookup was answered without asking the CRM, or gave up first). */
  release(): void;
}

/**
 * Keeps each instance's CRM requests to its connector's `<limits>` (issue 10): a sliding window per
 * instance and `<rate>`. A request counts from when it is sent until `perMs` after its answer came:
 * the CRM counts it when it arrives, somewhere in between, so however long the network takes, no
 * window of the CRM's ever holds more than `requests`. Paced per relay process: relays sharing one
 * database each keep to the limits on their own (docs/relay.md).
 */
export class RatePacer {
  private readonly windows = new Map<string, Window[]>();
  /** Places lookups took (`reserve`) that no request has taken over yet, by instance and operation. */
  private readonly reserved = new Map<string, Array<{ entries: Entry[] }>>();

  constructor(private readonly now: () => number) {}

  /** The instance's limits, declared when its session opens; a `<rate>` unchanged by a new setup keeps what it counted. */
  declare(instanceUid: string, limits: readonly RateLimitPlan[]): void {
    const before = this.windows.get(instanceUid) ?? [];
    if (limits.length === 0) this.windows.delete(instanceUid);
    else this.windows.set(instanceUid, limits.map((limit) => before.find((window) => sameLimit(window.limit, limit)) ?? { limit, entries: [] }));
  }

  /** Milliseconds until a request of `operation` may be sent for the instance: 0 when it may now. */
  readyIn(instanceUid: string, operation: string | undefined): number {
    const now = this.now();
    return Math.max(0, ...this.applying(instanceUid, operation).map((window) => waitOf(window, now)));
  }

  /**
   * Counts, now, a request of `operation` that a lookup is about to send, before it is sent: a
   * lookup admitted by `readyIn` holds its place while it builds its request, so the lookups after
   * it wait (and go together in a batch) instead of all being admitted on the same free place.
   * The lookup's first request of that operation takes the place over (`fetch`).
   */
  reserve(instanceUid: string, operation: string): Reservation {
    const entries = this.count(instanceUid, operation);
    // No limit counts it (most CRMs): nothing to hold, nor for a request to take over.
    if (entries.length === 0) return NOTHING_RESERVED;
    const key = reservedKey(instanceUid, operation);
    const place = { entries };
    const places = this.reserved.get(key) ?? [];
    places.push(place);
    this.reserved.set(key, places);
    return {
      release: () => {
        const open = this.reserved.get(key);
        const index = open?.indexOf(place) ?? -1;
        if (index < 0) return;
        open!.splice(index, 1);
        if (open!.length === 0) this.reserved.delete(key);
        for (const entry of entries) this.forget(instanceUid, entry);
      },
    };
  }

  /** The instance's network, paced: each request waits until every window it counts in has room, and counts there until `perMs` after its answer. */
  fetch(instanceUid: string, fetch: Fetch): Fetch {
    return async (url, init) => {
      const done = await this.acquire(instanceUid, init.operation);
      try {
        return await fetch(url, init);
      } finally {
        done();
      }
    };
  }

  /** Waits for room for a request of `operation` (or takes a place a lookup reserved), counts it, and gives what says it ended. */
  async acquire(instanceUid: string, operation: string | undefined): Promise<() => void> {
    const key = reservedKey(instanceUid, operation ?? '');
    const places = this.reserved.get(key);
    let entries = places?.shift()?.entries;
    if (places?.length === 0) this.reserved.delete(key);
    for (let wait = entries ? 0 : this.readyIn(instanceUid, operation); wait > 0; wait = this.readyIn(instanceUid, operation)) {
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    entries ??= this.count(instanceUid, operation);
    return () => {
      const at = this.now();
      for (const entry of entries) entry.end = Math.min(entry.end, at);
    };
  }

  private count(instanceUid: string, operation: string | undefined): Entry[] {
    return this.applying(instanceUid, operation).map((window) => {
      const entry = { end: Infinity };
      window.entries.push(entry);
      return entry;
    });
  }

  private forget(instanceUid: string, entry: Entry): void {
    for (const window of this.windows.get(instanceUid) ?? []) {
      const index = window.entries.indexOf(entry);
      if (index >= 0) window.entries.splice(index, 1);
    }
  }

  private applying(instanceUid: string, operation: string | undefined): Window[] {
    return (this.windows.get(instanceUid) ?? []).filter(({ limit }) => !limit.operations || (operation !== undefined && (limit.operations as readonly string[]).includes(operation)));
  }
}

const NOTHING_RESERVED: Reservation = { release: () => undefined };

/** How long until the window has room for one more request: 0 now; a full window of requests still running is looked at again after `perMs`. */
function waitOf(window: Window, now: number): number {
  const { requests, perMs } = window.limit;
  window.entries = window.entries.filter((entry) => entry.end > now - perMs);
  if (window.entries.length < requests) return 0;
  const ends = window.entries.map((entry) => entry.end).sort((a, b) => a - b);
  const freeing = ends[window.entries.length - requests]!;
  return freeing === Infinity ? perMs : freeing + perMs - now;
}

function sameLimit(a: RateLimitPlan, b: RateLimitPlan): boolean {
  return a.requests === b.requests && a.perMs === b.perMs && (a.operations ?? []).join() === (b.operations ?? []).join();
}

function reservedKey(instanceUid: string, operation: string): string {
  return `${instanceUid}\n${operation}`;
}
