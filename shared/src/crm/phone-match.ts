/** Fewer trailing digits than this match too many numbers to identify anyone (CRMS.md §6 rule 4). */
const MIN_MATCH_DIGITS = 7;

/**
 * Whether a number as stored in a CRM (`(415) 555-0100`, `+1 415-555-0100`, `555-0100`) is the
 * caller's, whose national significant number is `national`: their digits agree on the last
 * min(both lengths) digits, and that is at least 7 (or all of a shorter national number).
 * CRM searches are fuzzy (Vtiger `LIKE '%0100'`), so every candidate is checked this way.
 */
export function storedPhoneMatches(stored: string, national: string): boolean {
  return digitsMatch(stored.replace(/\D+/g, ''), national);
}

function digitsMatch(digits: string, national: string): boolean {
  const compared = Math.min(digits.length, national.length);
  if (compared === 0 || compared < Math.min(MIN_MATCH_DIGITS, national.length)) return false;
  return digits.slice(-compared) === national.slice(-compared);
}

/**
 * Which of a batched search's numbers (their national digits, by index) a candidate's stored
 * phones match, as `storedPhoneMatches` says, the indexes in order. Each stored phone's digits are
 * read once and compared only with the numbers ending in its last 7 digits (and those shorter than
 * 7): checked pair by pair, a Vtiger batch of 20 numbers answered with 20 contacts of 4 phones each
 * read 3,200 phones' digits (issue 10).
 */
export function phoneOwners(nationals: readonly string[]): (stored: readonly string[]) => number[] {
  const byEnding = new Map<string, number[]>();
  const short: number[] = [];
  nationals.forEach((national, index) => {
    if (national.length < MIN_MATCH_DIGITS) return short.push(index);
    const ending = national.slice(-MIN_MATCH_DIGITS);
    const same = byEnding.get(ending);
    if (same) same.push(index);
    else byEnding.set(ending, [index]);
  });
  return (stored) => {
    const owners = new Set<number>();
    const check = (digits: string, indexes: readonly number[]) => {
      for (const index of indexes) if (digitsMatch(digits, nationals[index]!)) owners.add(index);
    };
    for (const phone of stored) {
      const digits = phone.replace(/\D+/g, '');
      // Fewer digits than 7 match only a national number as short (storedPhoneMatches' rule).
      if (digits.length >= MIN_MATCH_DIGITS) check(digits, byEnding.get(digits.slice(-MIN_MATCH_DIGITS)) ?? []);
      check(digits, short);
    }
    return [...owners].sort((a, b) => a - b);
  };
}
