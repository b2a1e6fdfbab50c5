import { setImmediate as afterPendingIo } from 'node:timers/promises';
import type { StoreTx } from '../index.ts';

export interface Queued {
  work: (tx: StoreTx) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * A relay's transactions on PostgreSQL, in batches: those asked for in one turn of the event loop,
 * or while the batches before are in flight, run together (`runBatch`: one transaction on one
 * connection, one COMMIT), `maxBatch` at most; a lone one runs as it always did (`runAlone`).
 * `inFlight()` batches at most at once: one while the database is near (with two, each was
 * smaller, and the relay's and PostgreSQL's CPU per webhook higher), more while it is far, where a
 * batch's round trips, not anyone's CPU, kept the next one waiting (issue 13).
 */
export class TransactionBatches {
  private readonly waiting: Queued[] = [];
  /** Loops taking batches from `waiting`, each with a batch in flight or about to take one. */
  private lanes = 0;

  constructor(
    private readonly maxBatch: number,
    private readonly inFlight: () => number,
    private readonly runAlone: (queued: Queued) => Promise<void>,
    private readonly runBatch: (batch: Queued[]) => Promise<void>,
  ) {}

  run<T>(work: (tx: StoreTx) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (this.lanes < this.inFlight()) void this.drain();
    });
  }

  /** Each batch begins once the I/O already arrived is handled: every webhook read in that turn has asked by then. */
  private async drain(): Promise<void> {
    this.lanes++;
    await afterPendingIo();
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      await (batch.length === 1 ? this.runAlone(batch[0]!) : this.runBatch(batch));
    }
    this.lanes--;
  }
}
