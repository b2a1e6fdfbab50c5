import { getPath, type PayloadPath } from '../payload/path.ts';

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
  // One array per candidate, where a set, a closure and the set's copy made three (issue 10).
  return (stored) => {
    const owners: number[] = [];
    for (const phone of stored) {
      const digits = phone.replace(/\D+/g, '');
      // Fewer digits than 7 match only a national number as short (storedPhoneMatches' rule).
      if (digits.length >= MIN_MATCH_DIGITS) addOwners(owners, digits, byEnding.get(digits.slice(-MIN_MATCH_DIGITS)), nationals);
      addOwners(owners, digits, short, nationals);
    }
    return owners.length > 1 ? owners.sort((a, b) => a - b) : owners;
  };
}

/** Adds to `owners` the indexes of `indexes` whose national number `digits` matches, once each. */
function addOwners(owners: number[], digits: string, indexes: readonly number[] | undefined, nationals: readonly string[]): void {
  if (indexes) for (const index of indexes) if (!owners.includes(index) && digitsMatch(digits, nationals[index]!)) owners.push(index);
}

/**
 * A candidate's phones, as text: at each path of `paths`, in its record then in the item that
 * holds it (the same object when the search has no `record` path, read once then), each path
 * holding one phone or a list of them (Pipedrive's `phones: ["+1 415-555-0100", …]`). One array,
 * where a chain of flatMap, filter and map made six per path (issue 10).
 */
export function phonesOf(paths: readonly PayloadPath[], record: unknown, item: unknown): string[] {
  const phones: string[] = [];
  for (const path of paths) {
    addPhones(phones, getPath(record, path));
    if (record !== item) addPhones(phones, getPath(item, path));
  }
  return phones;
}

function addPhones(phones: string[], found: unknown): void {
  if (typeof found === 'string' || typeof found === 'number') phones.push(String(found));
  else if (Array.isArray(found)) for (const phone of found) if (typeof phone === 'string' || typeof phone === 'number') phones.push(String(phone));
}
