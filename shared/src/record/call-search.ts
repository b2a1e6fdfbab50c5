import { toE164 } from './phone.ts';
import type { CallView } from './call-view.ts';

/**
 * What an agent typed to find a call, read once: the words to find in the call's contact, notes
 * and outcome, and, when they typed a number, the digits to find in its numbers.
 */
export interface CallSearch {
  /** Folded (case and accents aside), each to be found somewhere in the call. */
  words: string[];
  /**
   * Set when the text is a number, whole or in part ("555 0199", "(415) 555-01", "020 7946
   * 0958"): the digit strings any of which one of the call's numbers must contain, the typed
   * digits and, when the text reads as a whole number, its E.164 digits (a national "020…" is
   * stored "+4420…").
   */
  digits: string[] | null;
}

/** Fewer typed digits than this find calls by their words only: "12" is in most numbers. */
const MIN_DIGITS = 3;
const PHONE_TEXT = /^[\d\s+().\-/]+$/;

/** Reads what an agent typed; undefined when it holds nothing to look for. */
export function parseCallSearch(text: string, defaultCountry?: string): CallSearch | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  if (PHONE_TEXT.test(trimmed)) {
    const typed = trimmed.replace(/\D/g, '');
    if (typed.length >= MIN_DIGITS) {
      const whole = toE164(trimmed, defaultCountry)?.slice(1);
      return { words: [], digits: whole && whole !== typed ? [typed, whole] : [typed] };
    }
  }
  return { words: fold(trimmed).split(/\s+/), digits: null };
}

/**
 * Whether `call` is one the agent looked for: its numbers hold the typed number, or every word
 * is in its contact's name or company, its notes, its outcome, the name of the colleague who
 * took it, or (a word of digits) its numbers.
 */
export function callMatches(call: Pick<CallView, 'contact' | 'notes' | 'disposition' | 'from_number' | 'to_number' | 'user_number' | 'extra'>, search: CallSearch): boolean {
  const numbers = [call.from_number, call.to_number, call.user_number].map((n) => (n ? n.replace(/\D/g, '') : ''));
  if (search.digits) return search.digits.some((digits) => numbers.some((n) => n.includes(digits)));
  const text = fold([call.contact?.name, call.contact?.company, call.notes, call.disposition, call.extra.answered_by_name].filter(Boolean).join('\n'));
  return search.words.every((word) => text.includes(word) || (word.length >= MIN_DIGITS && /^\d+$/.test(word) && numbers.some((n) => n.includes(word))));
}

/** Lower case without accents: "José" is found as "jose", "ÉMILE" as "emile" or "émile". */
function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
