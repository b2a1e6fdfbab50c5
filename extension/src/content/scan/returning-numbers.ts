import type { Anchor } from './button-slots.ts';

/**
 * A re-rendered list (its tbody replaced with the same rows) brings its numbers back where the
 * parked buttons stand: a new number whose row has the text of a gone number's row takes that
 * one's place without its end and placement read (a Range's rects and a computed style of its
 * cell and row: ~20 of the 53 µs a number of our re-render; issue #12). Its table row's text stands
 * for what sets where a number ends inside it (the text before it in its cell, a row's wrapped
 * height); what moves rows in groups (the columns' widths, rows above grown, added or removed)
 * the sentinels of each host they go back to tell, read after (button-overlay.ts). Matched by
 * text, not by the order the scanner hands the numbers over: that order follows where its walk
 * was when the page's frame came, and differed between a fill and its re-render.
 */

/**
 * What a number's table row says, with what it calls; none outside a table row: the text of any
 * other element around a number may be a whole page's (a single-page app's root), read per number.
 */
export function rowKey(anchor: Anchor, calls: string): string | undefined {
  const row = anchor.parentElement?.closest('tr');
  return row ? `${calls}\n${row.textContent ?? ''}` : undefined;
}

/**
 * Gone entries by their rows' keys. Rows of the same text (a list showing one contact twice) stand
 * at different places: such a key gives none, and a second new row with a key already taken none.
 */
export class ReturningNumbers<T> {
  private readonly byRow = new Map<string, T | null>();

  add(key: string, gone: T): void {
    this.byRow.set(key, this.byRow.has(key) ? null : gone);
  }

  /** The gone entry whose row had this key, once. */
  take(key: string): T | undefined {
    const gone = this.byRow.get(key);
    if (gone === undefined) return undefined;
    this.byRow.set(key, null);
    return gone ?? undefined;
  }

  clear(): void {
    this.byRow.clear();
  }
}
