import type { CallView } from '@phone-connector/shared';
import { isCallSettled } from '../call-settled.ts';
import { type KeptEntries, SessionMap } from './session-map.ts';

/**
 * How long a settled call's events still reach the tab that shows it: its popup or card stays
 * open for the wrap-up, and what comes after the log (a recording, a failed update of the
 * agent's notes) must reach it. Bounded, so the background forgets calls nobody looks at.
 */
export const WRAP_UP_MS = 30 * 60_000;

/**
 * Where the background forwards each call's events (a tab, a placed call's card), kept while
 * the call is live and for WRAP_UP_MS after it settled (isCallSettled); an event that unsettles
 * it (a Retry making the log pending again) starts the window over when it settles again.
 * With `kept`, the entries outlive the service worker (session-map.ts): await `ready` before
 * reading them, and `save()` after changing a target in place.
 */
export class ForwardedCalls<K, T> {
  private readonly entries: SessionMap<K, ForwardedEntry<T>>;

  constructor(
    private readonly now: () => number = Date.now,
    kept?: KeptEntries<K, ForwardedEntry<T>>,
  ) {
    this.entries = new SessionMap(kept);
  }

  /** Resolves once the entries a previous service worker kept are read back. */
  get ready(): Promise<void> {
    return this.entries.ready;
  }

  /** Keeps a target changed in place; resolves once kept. */
  save(): Promise<void> {
    return this.entries.save();
  }

  /** Resolves once every change so far is kept. */
  written(): Promise<void> {
    return this.entries.written();
  }

  /** Where `key`'s events go, or undefined once its wrap-up window has passed. */
  get(key: K): T | undefined {
    this.forgetWrappedUp();
    return this.entries.get(key)?.target;
  }

  /** The first entry whose target `matches`, with its key, unless its wrap-up window has passed. */
  find(matches: (target: T) => boolean): { key: K; target: T } | undefined {
    this.forgetWrappedUp();
    for (const [key, entry] of this.entries.entries()) if (matches(entry.target)) return { key, target: entry.target };
    return undefined;
  }

  /** Every target whose wrap-up window has not passed, oldest first. */
  targets(): T[] {
    this.forgetWrappedUp();
    return [...this.entries.entries()].map(([, entry]) => entry.target);
  }

  set(key: K, target: T): void {
    const settledAt = this.entries.get(key)?.settledAt;
    this.entries.set(key, settledAt === undefined ? { target } : { target, settledAt });
  }

  /** Takes the call's latest view into account: settled, its wrap-up window runs from the first settled view. */
  observe(key: K, call: Pick<CallView, 'status' | 'crm_log'>): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    const settledAt = isCallSettled(call) ? (entry.settledAt ?? this.now()) : undefined;
    if (settledAt === entry.settledAt) return;
    if (settledAt === undefined) delete entry.settledAt;
    else entry.settledAt = settledAt;
    void this.entries.save();
  }

  private forgetWrappedUp(): void {
    const now = this.now();
    for (const [key, entry] of this.entries.entries()) if (entry.settledAt !== undefined && now - entry.settledAt >= WRAP_UP_MS) this.entries.delete(key);
  }
}

/** A forwarded call's target, and since when its call is settled (its wrap-up window runs from then). */
export interface ForwardedEntry<T> {
  target: T;
  settledAt?: number;
}
