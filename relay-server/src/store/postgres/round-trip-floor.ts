/**
 * The shortest round trip to PostgreSQL seen lately: a transaction's BEGIN to its answer. A busy
 * machine lengthens round trips, and so does a busy relay reading the answer late; only distance
 * lengthens the shortest. Over the last two spans of `span` round trips, so a database that comes
 * nearer (a failover) is seen within a span; 0 (near) until the first span is complete.
 */
export class RoundTripFloor {
  #current = Number.POSITIVE_INFINITY;
  #previous = 0;
  #seen = 0;

  constructor(private readonly span = 64) {}

  observe(ms: number): void {
    this.#current = Math.min(this.#current, ms);
    if (++this.#seen < this.span) return;
    this.#previous = this.#current;
    this.#current = Number.POSITIVE_INFINITY;
    this.#seen = 0;
  }

  get ms(): number {
    return Math.min(this.#current, this.#previous);
  }
}
