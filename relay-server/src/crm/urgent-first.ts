/** A waiter's resume, and while it is urgent (a lookup whose call's first event is held for it). */
interface Waiter {
  resume: () => void;
  urgent: (() => boolean) | undefined;
  resumed: boolean;
}

/**
 * Waiters for a scarce turn (a CRM step's on the relay's thread, a lookup's slot at its CRM), the
 * urgent ones first, the newest of those first; the others, and those no longer urgent, in the
 * order they came. A lookup is urgent while its call's first event waits for it (the hold,
 * identify-caller.ts): under a burst the CRM answers fewer lookups than calls come, and in the
 * order they came every lookup waited past its hold, the oldest first (issue 10: of 300 calls, 7
 * had the contact on their first event, their lookups waiting 1.8 s at the median for a slot).
 * The newest has the most of its hold left: each turn then goes to a lookup that can still be in
 * time, and the ones past their hold, which only an `updated` event awaits, wait for a lull.
 */
export class UrgentFirstQueue {
  /** Every waiter in the order it came; resumed ones are dropped as they reach the front. */
  private readonly inOrder: Waiter[] = [];
  /** The urgent waiters, newest on top; those resumed or no longer urgent are dropped as they reach the top. */
  private readonly urgent: Waiter[] = [];
  private waiting = 0;

  get length(): number {
    return this.waiting;
  }

  push(resume: () => void, urgent?: () => boolean): void {
    const waiter: Waiter = { resume, urgent, resumed: false };
    this.inOrder.push(waiter);
    if (urgent) this.urgent.push(waiter);
    this.waiting += 1;
  }

  /** Resumes the next waiter, if any: the newest still urgent, else the oldest. */
  resumeNext(): boolean {
    const next = this.nextUrgent() ?? this.nextInOrder();
    if (!next) return false;
    next.resumed = true;
    this.waiting -= 1;
    next.resume();
    return true;
  }

  private nextUrgent(): Waiter | undefined {
    // Urgency only ends (a hold is released once): a waiter below the top that is no longer urgent is dropped when it surfaces.
    while (this.urgent.length > 0) {
      const top = this.urgent.pop()!;
      if (!top.resumed && top.urgent!()) return top;
    }
    return undefined;
  }

  private nextInOrder(): Waiter | undefined {
    while (this.inOrder.length > 0) {
      const first = this.inOrder.shift()!;
      if (!first.resumed) return first;
    }
    return undefined;
  }
}
