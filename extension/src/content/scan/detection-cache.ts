import { type DetectedNumber, detectNumbers, mightContainPhoneNumber } from '../../numbers/detect-numbers.ts';

/** Longer text nodes (logs, JSON dumps) are skipped: one search must fit in a slice. */
const MAX_TEXT_LENGTH = 10_000;

/**
 * Texts remembered; the oldest are forgotten first, so memory stays bounded on endless pages.
 * A 10,000-row list shows ~40,000 distinct texts with enough digits (ids, amounts, zip codes):
 * at 20,000 a re-render found none of them again and searched every one (issue #12).
 */
const CAPACITY = 100_000;

/** One shared result for the many texts without a number: the cache holds their keys only. */
const NONE: readonly DetectedNumber[] = Object.freeze([]);

/**
 * The numbers found in each text, in one default country. A CRM shows the same texts again
 * and again (a re-rendered list, dates, statuses): each is searched once, not on every
 * render (issue #12: re-rendering 10,000 rows).
 */
export class DetectionCache {
  private readonly found = new Map<string, readonly DetectedNumber[]>();

  constructor(
    readonly country: string,
    private readonly capacity = CAPACITY,
  ) {}

  numbersIn(text: string): readonly DetectedNumber[] {
    // Looked up first: the walk that found the text has just checked its digits.
    let numbers = this.found.get(text);
    if (!numbers) {
      if (text.length > MAX_TEXT_LENGTH || !mightContainPhoneNumber(text)) return NONE;
      const detected = detectNumbers(text, this.country);
      numbers = detected.length > 0 ? detected : NONE;
      if (this.found.size >= this.capacity) this.found.delete(this.found.keys().next().value as string);
      this.found.set(text, numbers);
    }
    return numbers;
  }
}
