import { type DetectedNumber, detectNumbers, mightContainPhoneNumber } from '../../numbers/detect-numbers.ts';

/** Longer text nodes (logs, JSON dumps) are skipped: one search must fit in a slice. */
const MAX_TEXT_LENGTH = 10_000;

/** Texts remembered; the oldest are forgotten first, so memory stays bounded on endless pages. */
const CAPACITY = 20_000;

/**
 * The numbers found in each text, in one default country. A CRM shows the same texts again
 * and again (a re-rendered list, dates, statuses): each is searched once, not on every
 * render (issue #12: re-rendering 10,000 rows).
 */
export class DetectionCache {
  private readonly found = new Map<string, DetectedNumber[]>();

  constructor(readonly country: string) {}

  numbersIn(text: string): DetectedNumber[] {
    if (text.length > MAX_TEXT_LENGTH || !mightContainPhoneNumber(text)) return [];
    let numbers = this.found.get(text);
    if (!numbers) {
      numbers = detectNumbers(text, this.country);
      if (this.found.size >= CAPACITY) this.found.delete(this.found.keys().next().value as string);
      this.found.set(text, numbers);
    }
    return numbers;
  }
}
