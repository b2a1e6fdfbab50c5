import type { Fetch, RateLimitPlan } from '@phone-connector/shared';
import type { CrmRateAnswer, CrmRatePlaces } from '../store/index.ts';
import { windowCounts, windowWait } from './rate-window.ts';

/** A request counted in a window: when it ended, Infinity while it runs (or while a lookup holds its place, `reserve`). */
interface Entry {
  end: number;
}

/** One declared `<rate>` of one CRM account: the requests that still count in it. */
interface Window {
  limit: RateLimitPlan;
  entries: Entry[];
}

/** A place a lookup took in its account's windows before its search is sent (`reserve`). */
export interface Reservation {
  /** Gives the place back if no request took it (the lookup was answered without asking the CRM, or gave up first). */
  release(): void;
}

/** The store's shared windows, when several relays share it (crm_rate_places). */
export type SharedRatePlaces = Pick<CrmRatePlaces, 'takeCrmRatePlace' | 'markCrmRatePlaces'>;

/**
 * Keeps CRM requests to their connector's `<limits>` (issue 10): a sliding window per CRM account
 * (`rateAccountKey`: instances set up with one token share it) and `<rate>`. A request counts
 * from when it is sent until `perMs` after its answer came: the CRM counts it when it arrives,
 * somewhere in between, so however long the network takes, no window of the CRM's ever holds more
 * than `requests`. On a store several relays share (`share`), each request also takes its place in
 * the account's windows there, so the relays together keep to the limits; a store only this relay
 * uses needs no more than the windows here (docs/relay.md).
 */
export class RatePacer {
  /** Each instance's CRM account; an instance declared without one counts alone. */
  private readonly accounts = new Map<string, string>();
  /** The windows of each account. */
  private readonly windows = new Map<string, Window[]>();
  /** Places lookups took (`reserve`) that no request has taken over yet, by account and operation. */
  private readonly reserved = new Map<string, Array<{ entries: Entry[] }>>();
  /** When the shared windows let a request go next, as the store last said, by account and operation: lookups wait for it here, to batch. */
  private readonly sharedReady = new Map<string, number>();
  private shared: { places: SharedRatePlaces; relay: string; failed: (error: unknown) => void } | undefined;

  constructor(private readonly now: () => number) {}

  /**
   * Counts every request in the store's shared windows too, as relay `relay` (the store is shared
   * with other relays). A store that cannot be reached leaves the requests to this relay's windows:
   * `failed` is told.
   */
  share(places: SharedRatePlaces, relay: string, failed: (error: unknown) => void): void {
    this.shared = { places, relay, failed };
  }

  /**
   * The instance's limits and its CRM account, declared when its session opens; a `<rate>`
   * unchanged by a new setup keeps what it counted, and so does one an instance of the same
   * account counts in.
   */
  declare(instanceUid: string, limits: readonly RateLimitPlan[], account = instanceUid): void {
    const previous = this.accounts.get(instanceUid);
    if (limits.length === 0) this.accounts.delete(instanceUid);
    else this.accounts.set(instanceUid, account);
    if (previous !== undefined && previous !== this.accounts.get(instanceUid) && ![...this.accounts.values()].includes(previous)) this.windows.delete(previous);
    if (limits.length === 0) return;
    const before = this.windows.get(account) ?? [];
    this.windows.set(account, limits.map((limit) => before.find((window) => sameLimit(window.limit, limit)) ?? { limit, entries: [] }));
  }

  /** Milliseconds until a request of `operation` may be sent for the instance: 0 when it may now. */
  readyIn(instanceUid: string, operation: string | undefined): number {
    const now = this.now();
    const account = this.accountOf(instanceUid);
    const shared = (this.sharedReady.get(placeKey(account, operation)) ?? now) - now;
    return Math.max(0, shared, ...this.applying(account, operation).map((window) => waitOf(window, now)));
  }

  /**
   * Counts, now, a request of `operation` that a lookup is about to send, before it is sent: a
   * lookup admitted by `readyIn` holds its place while it builds its request, so the lookups after
   * it wait (and go together in a batch) instead of all being admitted on the same free place.
   * The first request of that operation on the account takes the place over (`fetch`).
   */
  reserve(instanceUid: string, operation: string): Reservation {
    const account = this.accountOf(instanceUid);
    const entries = this.count(account, operation);
    // No limit counts it (most CRMs): nothing to hold, nor for a request to take over.
    if (entries.length === 0) return NOTHING_RESERVED;
    const key = placeKey(account, operation);
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
        for (const entry of entries) this.forget(account, entry);
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

  /**
   * Waits for room for a request of `operation` (or takes a place a lookup reserved), counts it,
   * takes its place in the shared windows when there are (waiting there too), and gives what says it ended.
   */
  async acquire(instanceUid: string, operation: string | undefined): Promise<() => void> {
    const account = this.accountOf(instanceUid);
    const key = placeKey(account, operation);
    const places = this.reserved.get(key);
    let entries = places?.shift()?.entries;
    if (places?.length === 0) this.reserved.delete(key);
    for (let wait = entries ? 0 : this.readyIn(instanceUid, operation); wait > 0; wait = this.readyIn(instanceUid, operation)) {
      await sleep(wait);
    }
    entries ??= this.count(account, operation);
    const shared = this.shared && entries.length > 0 ? await this.takeShared(this.shared, account, operation) : undefined;
    return () => {
      const at = this.now() + CLOCK_STEP_MS;
      for (const entry of entries) entry.end = Math.min(entry.end, at);
      shared?.(at);
    };
  }

  /**
   * The request's place in the account's shared windows, waited for while another relay's requests
   * fill them; gives what says it ended. The place counts as running until its first renewal is due
   * (the request reaches the CRM after the place is taken, and the CRM counts it from then),
   * and while it runs its relay says so every half window, so a relay killed mid-request frees its
   * place one window after its last renewal was due, never before the CRM frees it.
   */
  private async takeShared(shared: NonNullable<RatePacer['shared']>, account: string, operation: string | undefined): Promise<((at: number) => void) | undefined> {
    const limits = this.windows.get(account)!.map((window) => window.limit);
    const windows = limits.filter((limit) => windowCounts(limit, operation));
    const longest = Math.max(...limits.map((limit) => limit.perMs));
    const renewEvery = Math.min(...windows.map((window) => window.perMs)) / 2;
    for (;;) {
      const now = this.now();
      let answer: CrmRateAnswer;
      try {
        answer = await shared.places.takeCrmRatePlace({ account, operation: operation ?? null, windows, relay: shared.relay, now, runsUntil: now + renewEvery, forgetBefore: now - longest });
      } catch (error) {
        shared.failed(error);
        return undefined;
      }
      this.sharedReady.set(placeKey(account, operation), now + answer.readyIn);
      if (answer.place === null) {
        await sleep(answer.readyIn);
        continue;
      }
      const place = [answer.place];
      const mark = (at: number, ended = false) => void shared.places.markCrmRatePlaces(place, at, ended).catch(shared.failed);
      const running = setInterval(() => mark(this.now()), renewEvery);
      running.unref();
      return (at) => {
        clearInterval(running);
        mark(at, true);
      };
    }
  }

  private accountOf(instanceUid: string): string {
    return this.accounts.get(instanceUid) ?? instanceUid;
  }

  private count(account: string, operation: string | undefined): Entry[] {
    return this.applying(account, operation).map((window) => {
      const entry = { end: Infinity };
      window.entries.push(entry);
      return entry;
    });
  }

  private forget(account: string, entry: Entry): void {
    for (const window of this.windows.get(account) ?? []) {
      const index = window.entries.indexOf(entry);
      if (index >= 0) window.entries.splice(index, 1);
    }
  }

  private applying(account: string, operation: string | undefined): Window[] {
    return (this.windows.get(account) ?? []).filter(({ limit }) => windowCounts(limit, operation));
  }
}

/**
 * How much later than the clock reads an answer may have come: `Date.now` reads whole
 * milliseconds, so an answer read at t came before t + 1. Counted from the reading, the next
 * request could be sent up to 1 ms before the window had room. All that keeps a paced request
 * inside the CRM's window, counted from each request's arrival, is the time the network takes
 * both ways: about 2 ms on loopback (HubSpot's simulator, the contract test's burst), so the
 * truncation could take half of it, and once, on a loaded machine, HubSpot's simulator refused a
 * paced search with 429.
 */
const CLOCK_STEP_MS = 1;

const NOTHING_RESERVED: Reservation = { release: () => undefined };

/** How long until the window has room for one more request (`windowWait`), forgetting the requests it no longer counts. */
function waitOf(window: Window, now: number): number {
  window.entries = window.entries.filter((entry) => entry.end > now - window.limit.perMs);
  return windowWait(window.entries.map((entry) => entry.end), window.limit, now);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function sameLimit(a: RateLimitPlan, b: RateLimitPlan): boolean {
  return a.requests === b.requests && a.perMs === b.perMs && (a.operations ?? []).join() === (b.operations ?? []).join();
}

function placeKey(account: string, operation: string | undefined): string {
  return `${account}\n${operation ?? ''}`;
}
