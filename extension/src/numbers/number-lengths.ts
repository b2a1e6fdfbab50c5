import { type CountryCode, Metadata } from '@phone-connector/shared/phone-metadata';

/** libphonenumber keeps no national number longer than this (its MAX_LENGTH_FOR_NSN), nor shorter than 2. */
const MAX_NATIONAL_LENGTH = 17;
const MIN_NATIONAL_LENGTH = 2;

/** The parts of libphonenumber's numbering plan read here (its typings name none of them). */
interface NumberingPlan {
  callingCode(): string;
  IDDPrefix(): string | undefined;
  nationalNumberPattern(): string;
  nationalPrefixForParsing(): string | undefined;
  nationalPrefixTransformRule(): string | undefined;
}

interface PlanMetadata {
  numberingPlan: NumberingPlan;
  selectNumberingPlan(country: string): void;
  getCountryCodesForCallingCode(callingCode: string): string[] | undefined;
}

/** How a country's numbering plan may turn a run of digits (no plus) into a national number, read once from the metadata. */
interface CountryLengths {
  /** Digits starting with it may be international: any country's number, not judged here. */
  iddPrefix: RegExp | undefined;
  callingCode: string;
  /** The plan read for national numbers (the country's own), and for those after its calling code (the code's main country). */
  national: PrefixStrip;
  afterCallingCode: PrefixStrip;
  /** lengths[n]: some country of the calling code has national numbers of n digits. */
  lengths: boolean[];
}

/** A national prefix removed before the national number (its match), and digits its transform rule may put back. */
interface PrefixStrip {
  prefix: RegExp | undefined;
  addedDigits: number;
}

const byCountry = new Map<CountryCode, CountryLengths>();

/**
 * True when `digits` (ASCII digits of a number written without a plus) cannot be a valid
 * number of `country` for libphonenumber, by its length alone: every national number it could
 * leave (the digits as they are, less a national prefix, less the calling code and a national
 * prefix, a transform rule's digits added) has a length that no number of the calling code's
 * countries has. Zip codes (90001-1001) and long ids (8000000000079190) were a parse each,
 * most of the number search on a CRM list (issue #12). Digits that may start with the
 * international prefix (011 in the US) are never judged: false.
 */
export function cannotBeValidByLength(digits: string, country: CountryCode): boolean {
  const plan = lengthsOf(country);
  if (plan.iddPrefix && digits.search(plan.iddPrefix) === 0) return false;
  if (fitsAfterPrefix(digits, plan.national, plan.lengths)) return false;
  if (!digits.startsWith(plan.callingCode)) return true;
  return !fitsAfterPrefix(digits.slice(plan.callingCode.length), plan.afterCallingCode, plan.lengths);
}

/** Whether a national number made of `digits`, its national prefix removed or not, may have one of `lengths`. */
function fitsAfterPrefix(digits: string, strip: PrefixStrip, lengths: boolean[]): boolean {
  const matched = strip.prefix?.exec(digits)?.[0].length ?? 0;
  // The transform rule replaces the prefix with its own digits and the prefix's captured ones.
  const longest = Math.min(MAX_NATIONAL_LENGTH, digits.length + strip.addedDigits);
  for (let length = Math.max(MIN_NATIONAL_LENGTH, digits.length - matched); length <= longest; length++) if (lengths[length]) return true;
  return false;
}

function lengthsOf(country: CountryCode): CountryLengths {
  let lengths = byCountry.get(country);
  if (!lengths) {
    lengths = readLengths(country);
    byCountry.set(country, lengths);
  }
  return lengths;
}

function readLengths(country: CountryCode): CountryLengths {
  const metadata = new Metadata() as unknown as PlanMetadata;
  metadata.selectNumberingPlan(country);
  const callingCode = metadata.numberingPlan.callingCode();
  const idd = metadata.numberingPlan.IDDPrefix();
  const national = prefixStrip(metadata.numberingPlan);
  const lengths: boolean[] = [];
  for (const member of metadata.getCountryCodesForCallingCode(callingCode) ?? [country]) {
    metadata.selectNumberingPlan(member);
    for (const length of patternLengths(metadata.numberingPlan.nationalNumberPattern())) lengths[length] = true;
  }
  // libphonenumber selects the plan of a calling code by the code itself: its main country's.
  metadata.selectNumberingPlan(callingCode);
  return { iddPrefix: idd ? new RegExp(idd) : undefined, callingCode, national, afterCallingCode: prefixStrip(metadata.numberingPlan), lengths };
}

function prefixStrip(plan: NumberingPlan): PrefixStrip {
  const prefix = plan.nationalPrefixForParsing();
  const rule = plan.nationalPrefixTransformRule();
  return { prefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined, addedDigits: rule ? rule.replace(/\$\d/g, '').length : 0 };
}

/**
 * The lengths (up to libphonenumber's longest national number) of the strings a metadata
 * pattern matches in full. Its patterns use groups, alternatives, character classes, `\d`
 * and the quantifiers `?`, `*`, `+`, `{n}`, `{n,m}`; anything else throws, so a new form in
 * an update of the metadata fails the tests instead of judging lengths wrongly.
 */
export function patternLengths(pattern: string): Set<number> {
  let at = 0;
  const lengths = alternatives();
  if (at !== pattern.length) throw new Error(`unexpected "${pattern[at]}" at ${at} in ${pattern}`);
  return lengths;

  function alternatives(): Set<number> {
    const lengths = sequence();
    while (pattern[at] === '|') {
      at++;
      for (const length of sequence()) lengths.add(length);
    }
    return lengths;
  }

  function sequence(): Set<number> {
    let lengths = new Set([0]);
    while (at < pattern.length && pattern[at] !== '|' && pattern[at] !== ')') {
      const item = atom();
      const [min, max] = quantifier();
      lengths = concat(lengths, repeat(item, min, max));
    }
    return lengths;
  }

  function atom(): Set<number> {
    const char = pattern[at];
    if (char === '(') {
      at += pattern.startsWith('(?:', at) ? 3 : 1;
      const inner = alternatives();
      if (pattern[at] !== ')') throw new Error(`unclosed group in ${pattern}`);
      at++;
      return inner;
    }
    if (char === '[') {
      const end = pattern.indexOf(']', at + 2);
      if (end < 0 || pattern.slice(at, end).includes('\\')) throw new Error(`unsupported class at ${at} in ${pattern}`);
      at = end + 1;
      return new Set([1]);
    }
    if (char === '\\' && pattern[at + 1] === 'd') {
      at += 2;
      return new Set([1]);
    }
    if (char !== undefined && char >= '0' && char <= '9') {
      at++;
      return new Set([1]);
    }
    throw new Error(`unsupported "${char}" at ${at} in ${pattern}`);
  }

  function quantifier(): [number, number] {
    const char = pattern[at];
    if (char === '?' || char === '*' || char === '+') {
      at++;
      return [char === '+' ? 1 : 0, char === '?' ? 1 : Number.POSITIVE_INFINITY];
    }
    const braces = /^\{(\d+)(?:(,)(\d*))?\}/.exec(pattern.slice(at));
    if (!braces) return [1, 1];
    at += braces[0].length;
    const min = Number(braces[1]);
    return [min, braces[2] === undefined ? min : braces[3] ? Number(braces[3]) : Number.POSITIVE_INFINITY];
  }
}

/** Every sum of a length of `a` and one of `b`, up to the longest national number. */
function concat(a: Set<number>, b: Set<number>): Set<number> {
  const sums = new Set<number>();
  for (const x of a) for (const y of b) if (x + y <= MAX_NATIONAL_LENGTH) sums.add(x + y);
  return sums;
}

/**
 * The lengths of `min` to `max` repetitions of `item`. Past `min`, MAX_NATIONAL_LENGTH more
 * repetitions reach every length that more would: an unbounded `max` ends.
 */
function repeat(item: Set<number>, min: number, max: number): Set<number> {
  let current = new Set([0]);
  for (let i = 0; i < min; i++) current = concat(current, item);
  const all = new Set(current);
  for (let i = min; i < Math.min(max, min + MAX_NATIONAL_LENGTH + 1); i++) {
    current = concat(current, item);
    for (const length of current) all.add(length);
  }
  return all;
}
