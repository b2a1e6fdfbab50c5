/** What waits for the end of its hold: a new call's first events waiting for the caller's contact. */
export interface Held {
  holdEnded(): void;
}

/**
 * The holds begun in one turn of the event loop, ended by one timer: they began together (a store
 * batch commits up to 16 new calls at once) and last as long, so each ends when its own timer
 * would have. A member that no longer waits leaves, and is not kept until the timer.
 */
export class HoldGroup {
  private readonly members = new Set<Held>();

  constructor(holdMs: number) {
    setTimeout(() => {
      for (const held of this.members) held.holdEnded();
      this.members.clear();
    }, holdMs);
  }

  join(held: Held): void {
    this.members.add(held);
  }

  leave(held: Held): void {
    this.members.delete(held);
  }
}

/** The group holds of that length join in this turn, by length: one group per length, for the process. */
const joining = new Map<number, HoldGroup>();

/**
 * Holds `held` for `holdMs`, in the group of this turn. A timer of its own per lookup, with the
 * closures and promises around it, outlived the nursery under a burst whose lookups wait for its
 * end (a Timeout, its callback and their context per call, issue 10).
 */
export function holdFor(holdMs: number, held: Held): HoldGroup {
  let group = joining.get(holdMs);
  if (!group) {
    group = new HoldGroup(holdMs);
    joining.set(holdMs, group);
    // The turn's end: later holds begin a group of their own.
    setImmediate(() => joining.delete(holdMs));
  }
  group.join(held);
  return group;
}
