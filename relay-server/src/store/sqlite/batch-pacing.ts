/** What the transaction queue asks before a batch: whether its work would outlast a disk sync. */
export interface BatchPacing {
  /** Whether a batch of `transactions` would run longer than a batch waits for its sync. */
  outlastsSync(transactions: number): boolean;
  /** A batch of `transactions` ran (its work and COMMIT) for `ms`. */
  batchRan(ms: number, transactions: number): void;
  /** A committed batch waited `ms` from asking for its sync to the sync's end. */
  synced(ms: number): void;
}

/** How much each new time moves an average: about the last twenty count. */
const WEIGHT = 0.05;

/**
 * Moving averages of a transaction's time in a batch and of a batch's wait for its sync: the
 * disk's speed and the CPU's change with what else runs on the machine (a sync took 0.3 ms on a
 * quiet disk, 3 to 10 ms while other processes' tests and benches ran: issue 13).
 */
export class MeasuredPacing implements BatchPacing {
  // Until measured, a batch of ten or more outlasts a sync.
  private transactionMs = 0.1;
  private syncMs = 1;

  outlastsSync(transactions: number): boolean {
    return transactions * this.transactionMs >= this.syncMs;
  }

  batchRan(ms: number, transactions: number): void {
    if (transactions > 0) this.transactionMs += (ms / transactions - this.transactionMs) * WEIGHT;
  }

  synced(ms: number): void {
    this.syncMs += (ms - this.syncMs) * WEIGHT;
  }
}
