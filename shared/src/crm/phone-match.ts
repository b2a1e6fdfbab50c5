/** Fewer trailing digits than this match too many numbers to identify anyone (CRMS.md §6 rule 4). */
const MIN_MATCH_DIGITS = 7;

/**
 * Whether a number as stored in a CRM (`(415) 555-0100`, `+1 415-555-0100`, `555-0100`) is the
 * caller's, whose national significant number is `national`: their digits agree on the last
 * min(both lengths) digits, and that is at least 7 (or all of a shorter national number).
 * CRM searches are fuzzy (Vtiger `LIKE '%0100'`), so every candidate is checked this way.
 */
export function storedPhoneMatches(stored: string, national: string): boolean {
  const digits = stored.replace(/\D+/g, '');
  const compared = Math.min(digits.length, national.length);
  if (compared === 0 || compared < Math.min(MIN_MATCH_DIGITS, national.length)) return false;
  return digits.slice(-compared) === national.slice(-compared);
}
