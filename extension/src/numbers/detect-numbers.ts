import { type CountryCode, findPhoneNumbersInText, isSupportedCountry, parsePhoneNumberFromString } from '@phone-connector/shared/phone-metadata';
import { cannotBeValidByLength } from './number-lengths.ts';

/** A number to call, as the page shows it and normalised. */
export interface PhoneTarget {
  /** The number as displayed, extension included. */
  text: string;
  e164: string;
  extension?: string;
}

/** A number found in a string; `start`/`end` (exclusive) index that string. */
export interface DetectedNumber extends PhoneTarget {
  start: number;
  end: number;
}

/** No full number (area code included) has fewer digits; cheaper than a libphonenumber search. */
const MIN_DIGITS = 7;

/**
 * Look-alikes libphonenumber accepts as (part of) a number. They are blanked with spaces of
 * the same length before the search, so offsets stay those of the page's text and a date
 * cannot swallow a neighbouring number ("15/01/2024 - 415 555 0100" finds nothing otherwise).
 * Each pattern is run only on a text holding what it cannot match without: most texts with digits
 * on a CRM page (ids, long ids, amounts) hold none, and the patterns were a third of the detection
 * of a list's order ids, zip codes and long ids (issue #12). A date repeats its separator, so a
 * text with one dash (a zip code, "(212) 555-0100") is not run through the date pattern either.
 */
const MASKED_LOOKALIKES: ReadonlyArray<{ pattern: RegExp; needs: (text: string) => boolean }> = [
  // Dates with one separator throughout: 2024-05-01, 2024/5/1, 01/05/2024, 05.01.24.
  { pattern: /(?<![\d./-])(?:\d{4}([-/.])\d{1,2}\1\d{1,2}|\d{1,2}([-/.])\d{1,2}\2(?:\d{4}|\d{2}))(?!\d|[-/.]\d)/g, needs: (text) => holdsTwice(text, '-') || holdsTwice(text, '/') || holdsTwice(text, '.') },
  // Times: 14:30, 9:05:59.
  { pattern: /(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)/g, needs: (text) => text.includes(':') },
  // IPv4 addresses; octets never have a leading zero, Belgian "02.123.45.67" keeps its own.
  { pattern: /(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\d|\.\d)/g, needs: (text) => holdsTwice(text, '.') },
];

/**
 * "0044 20…" is international everywhere, even where the dialling prefix is 011 (US); only
 * at the start of a number, never a group inside one ("020 7946 0018").
 */
const DOUBLE_ZERO_PREFIX = /(?<![\d+)][\s./-]*)00(?=[1-9])/g;

/** Part of a longer token: ORD-2024-000123, 37.4155550100, user4155550100@…, #4155550100. */
const ATTACHED_BEFORE = /(?:[\p{Script=Latin}\p{N}][-_/\\]|\p{N}[.,]|[#@])$/u;
const ATTACHED_AFTER = /^(?:[-_/\\@][\p{Script=Latin}\p{N}]|[.,]\p{N}|[\p{Script=Latin}\p{N}])/u;

const CURRENCY_CODES = 'USD|EUR|GBP|JPY|CNY|RMB|INR|CHF|CAD|AUD|NZD|SEK|NOK|DKK|PLN|CZK|HUF|RUB|BRL|MXN|ZAR|SGD|HKD|KRW|TRY|AED|SAR|ILS|Rs';
const CURRENCY_BEFORE = new RegExp(`(?:\\p{Sc}|\\b(?:${CURRENCY_CODES})\\.?)\\s*$`, 'u');
const CURRENCY_AFTER = new RegExp(`^\\s*(?:\\p{Sc}|(?:${CURRENCY_CODES})\\b)`, 'u');

/** Labels of ids, amounts and versions right before the digits: "Order #2015550123", "Invoice no. …". */
const ID_LABEL_BEFORE =
  /(?:^|[^\p{L}])(?:order|ord|invoice|inv|ref|reference|ticket|case|sku|(?<!caller[\s-]?)id|isbn|ean|upc|serial|tracking|transaction|txn|receipt|account|acct|iban|po|version|ver|v|build|rev|total|amount|price|balance)\s*(?:no\.?|nr\.?|num(?:ber)?|#)?\s*[:#.]?\s*$/iu;

/** "2024-000123" reads as a valid US number; a year and a dash starts ids, never a phone number. */
const YEAR_PREFIX = /^(?:19|20)\d\d[-/]/;

/** How much text around a match the context guards look at. */
const CONTEXT = 32;

/**
 * What libphonenumber accepts between the digits of one number (its VALID_PUNCTUATION: dashes,
 * slashes, dots, spaces, brackets, tildes) and before them (plus signs); line breaks and tabs
 * too, to err on the side of searching.
 */
const NUMBER_PUNCTUATION = new Set('-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30FC\uFF0D\uFF0F/\uFF0E. \u00A0\u00AD\u200B\u2060\u3000\t\n\r\f()\uFF08\uFF09\uFF3B\uFF3D[]~\u2053\u223C\uFF5E+\uFF0B');

/**
 * NUMBER_PUNCTUATION's ASCII characters by code: the DOM walk asks about every text it meets,
 * a string per character looked up in a Set was a cost per character of the page (issue #12).
 */
const ASCII_NUMBER_PUNCTUATION = Uint8Array.from({ length: 128 }, (_, code) => (NUMBER_PUNCTUATION.has(String.fromCharCode(code)) ? 1 : 0));

/**
 * True when `text` has enough digits in one run of digits and number punctuation to hold a
 * phone number; a cheap pre-filter for the DOM scan and the search. Any other character (a
 * letter, a comma, a currency sign) ends a number, so "$12,345.67" or "2 items, 5 left" are
 * never searched: amounts were a sixth of a 10,000-row list's reading (issue #12).
 */
export function mightContainPhoneNumber(text: string): boolean {
  return digitsIn(text) === 'run';
}

/**
 * What `text`'s digits can be part of: a run long enough to hold a phone number (see
 * mightContainPhoneNumber), digits too few for one (a number split across inline elements may
 * hold them), or no digit at all. One pass: the DOM walk asks it of every text it meets.
 */
export function digitsIn(text: string): 'run' | 'some' | 'none' {
  let digits = 0;
  let some = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 128) {
      if (isAsciiDigit(code)) {
        some = true;
        if (++digits >= MIN_DIGITS) return 'run';
      } else if (ASCII_NUMBER_PUNCTUATION[code] === 0) digits = 0;
      continue;
    }
    const char = text[i] ?? '';
    if (isOtherScriptDigit(code, char)) {
      some = true;
      if (++digits >= MIN_DIGITS) return 'run';
    } else if (!NUMBER_PUNCTUATION.has(char)) digits = 0;
  }
  return some ? 'some' : 'none';
}

/**
 * Phone numbers in `text`: international ones anywhere, national ones as read in
 * `defaultCountry` (ISO 3166 alpha-2; unknown codes find international numbers only). Only
 * numbers valid for their country are kept, minus look-alikes (dates, ids, prices, …).
 */
export function detectNumbers(text: string, defaultCountry: string): DetectedNumber[] {
  return detect(text, defaultCountry, true);
}

/**
 * `detectNumbers` without its shortcuts: every look-alike pattern run, whatever the text holds,
 * and the search made without the shape check (`hasPossibleNumberRun`). What they must never change.
 */
export function detectNumbersBySearch(text: string, defaultCountry: string): DetectedNumber[] {
  return detect(text, defaultCountry, false);
}

function detect(text: string, defaultCountry: string, shortcuts: boolean): DetectedNumber[] {
  if (!mightContainPhoneNumber(text)) return [];
  const searched = maskLookalikes(text, shortcuts);
  // Blanked dates and times leave runs too short for a number: "Due 2024-05-01" is not searched.
  if (!mightContainPhoneNumber(searched)) return [];
  const country = toCountry(defaultCountry);
  if (shortcuts && !hasPossibleNumberRun(text, searched, country)) return [];
  // Without `extended`, libphonenumber keeps only numbers valid for their country (VALID leniency).
  const found = (shortcuts && wholeNumber(searched, country)) || findPhoneNumbersInText(searched, { defaultCountry: country });
  const numbers: DetectedNumber[] = [];
  for (const { number, startsAt, endsAt } of found) {
    // Undo the 00 -> " +" rewrite so the match covers what the page shows.
    const start = searched[startsAt] === '+' && text[startsAt] !== '+' ? startsAt - 1 : startsAt;
    if (isLookalike(text, start, endsAt)) continue;
    numbers.push({ start, end: endsAt, text: text.slice(start, endsAt), e164: number.number, ...(number.ext ? { extension: number.ext } : {}) });
  }
  return numbers;
}

/**
 * The number in a selection the agent asked to call: the first detected one, else any
 * possible number (the agent vouches for it, so look-alike guards and validity are relaxed).
 */
export function detectSelectedNumber(selection: string, defaultCountry: string): PhoneTarget | undefined {
  const [first] = detectNumbers(selection, defaultCountry);
  if (first) return { text: first.text, e164: first.e164, ...(first.extension ? { extension: first.extension } : {}) };
  const [possible] = findPhoneNumbersInText(selection, { defaultCountry: toCountry(defaultCountry), extended: true });
  if (!possible) return undefined;
  const { number, startsAt, endsAt } = possible;
  return { text: selection.slice(startsAt, endsAt), e164: number.number, ...(number.ext ? { extension: number.ext } : {}) };
}

/**
 * The number of a `tel:`/`callto:` link (RFC 3966 `;ext=` included). The page declares it a
 * phone number, so a possible number is enough; service codes such as `tel:911` are not.
 */
export function parseCallHref(href: string, defaultCountry: string): PhoneTarget | undefined {
  const match = /^\s*(?:tel|callto):(?:\/\/)?(.*)$/is.exec(href);
  if (!match?.[1]) return undefined;
  let value = match[1];
  try {
    value = decodeURIComponent(value);
  } catch {
    // A stray % is not an escape: read the href as written.
  }
  const [digits = '', ...params] = value.split(';');
  const extension = params.map((param) => /^ext=(\d+)$/i.exec(param.trim())?.[1]).find(Boolean);
  const number = parsePhoneNumberFromString(digits.trim(), { defaultCountry: toCountry(defaultCountry) });
  if (!number?.isPossible()) return undefined;
  const ext = extension ?? number.ext;
  return { text: digits.trim(), e164: number.number, ...(ext ? { extension: ext } : {}) };
}

/** The supported country of each code asked about: every text is detected in the scanner's one default country. */
const countries = new Map<string, CountryCode | undefined>();

function toCountry(code: string): CountryCode | undefined {
  if (countries.has(code)) return countries.get(code);
  const upper = code.trim().toUpperCase();
  const country = isSupportedCountry(upper) ? upper : undefined;
  countries.set(code, country);
  return country;
}

/** `text` with its look-alikes blanked; `prefiltered`: each pattern run only where its `needs` holds. */
function maskLookalikes(text: string, prefiltered: boolean): string {
  let masked = text;
  for (const { pattern, needs } of MASKED_LOOKALIKES) {
    if (!prefiltered || needs(masked)) masked = masked.replace(pattern, (lookalike) => ' '.repeat(lookalike.length));
  }
  return masked.includes('00') ? masked.replace(DOUBLE_ZERO_PREFIX, ' +') : masked;
}

function holdsTwice(text: string, char: string): boolean {
  const first = text.indexOf(char);
  return first >= 0 && text.includes(char, first + 1);
}

/**
 * Separators that, right after a digit, make ATTACHED_BEFORE reject a number starting after
 * them and ATTACHED_AFTER one ending before them (the digit after them included).
 */
const ATTACHING_SEPARATORS = '-/.';

/** A run no longer than this is matched by one pass of libphonenumber's candidate pattern (21 blocks of up to 20 digits). */
const MAX_SHAPED_RUN = 200;

/**
 * False when no run of digits and number punctuation in `searched` can yield a number that
 * libphonenumber accepts and `isLookalike` keeps: the search is skipped, with the same result.
 * Ids, zip codes and long ids were most of a CRM list's search (issue #12). A run whose digits
 * are separated by single dashes, slashes or dots only (2024-000123, 90001-1001,
 * 8000000000000000) has one acceptable match at most, the whole run: libphonenumber starts a
 * candidate at its first digit (a bracket or plus before it is another shape, searched), every
 * inner match starts after a digit and a separator (ATTACHED_BEFORE) or ends before one and a
 * digit (ATTACHED_AFTER). So the run is left out when its first digit is attached to a
 * token before it (ORD-2024-000123, #4155550100), or when the whole run is no valid number, the
 * one check libphonenumber's search would make on it anyway (by its length first, without a
 * parse, where the length alone says so: zip codes, long ids). Only a text with one run holding
 * digits is left out: an earlier number's extension ("0#000…", "… ext. 2024-…") can end inside
 * a later run, and the next candidate then starts after a bare digit. Any other text is searched.
 */
function hasPossibleNumberRun(text: string, searched: string, country: CountryCode | undefined): boolean {
  let runStart = 0;
  let digits = 0;
  let runsWithDigits = 0;
  for (let i = 0; i <= searched.length; i++) {
    const code = searched.charCodeAt(i);
    if (isAsciiDigit(code)) digits++;
    // Other scripts' digits are left to the search: the safe side.
    else if (code > 127 && isOtherScriptDigit(code, searched[i] ?? '')) return true;
    else if (i === searched.length || !isNumberPunctuation(code, searched, i)) {
      if (digits > 0 && (++runsWithDigits > 1 || !cannotYieldNumber(text, searched, runStart, i, country))) return true;
      runStart = i + 1;
      digits = 0;
    }
  }
  return false;
}

/** True when `searched[from, to)` (a run of ASCII digits and number punctuation) is shaped so that no kept number can start in it. */
function cannotYieldNumber(text: string, searched: string, from: number, to: number, country: CountryCode | undefined): boolean {
  if (to - from > MAX_SHAPED_RUN) return false;
  let first = from;
  while (first < to && !isAsciiDigit(searched.charCodeAt(first))) {
    // Only blanks or attaching separators before the first digit: no bracket or plus to start a candidate at.
    if (!ATTACHING_SEPARATORS.includes(searched[first] ?? '') && searched[first] !== ' ') return false;
    first++;
  }
  let last = to - 1;
  while (last > first && !isAsciiDigit(searched.charCodeAt(last))) last--;
  for (let i = first + 1; i < last; i++) {
    const code = searched.charCodeAt(i);
    if (isAsciiDigit(code)) continue;
    // One attaching separator between two digits, nothing else.
    if (!ATTACHING_SEPARATORS.includes(searched[i] ?? '') || !isAsciiDigit(searched.charCodeAt(i - 1)) || !isAsciiDigit(searched.charCodeAt(i + 1))) return false;
  }
  if (ATTACHED_BEFORE.test(contextBefore(text, first))) return true;
  const run = searched.slice(first, last + 1);
  if (country && cannotBeValidByLength(run.replace(/\D/g, ''), country)) return true;
  const number = parsePhoneNumberFromString(run, { defaultCountry: country });
  if (!number?.isValid()) return true;
  lastValidRun = { run, country, number };
  return false;
}

type PhoneNumber = NonNullable<ReturnType<typeof parsePhoneNumberFromString>>;

/**
 * The last run cannotYieldNumber parsed as valid: a text that is that run alone ("415-555-0100")
 * is not parsed again by wholeNumber. The search parses its candidates with `extended`, which
 * only libphonenumber's legacy API reads: the parse in the country alone makes the same number.
 */
let lastValidRun: { run: string; country: CountryCode | undefined; number: PhoneNumber } | undefined;

/**
 * One number and nothing else, as a CRM's phone column shows it: "(415) 555-0100", "+1 415 555
 * 0100", "415-555-0100", "+44 (0)20 7946 0018", blanks around it. Up to eight groups of at most
 * six digits: one space, dash or dot between them, a plus and calling code and a bracketed group
 * at the start only; no slash, letter, extension mark or other bracket.
 */
const PLAIN_NUMBER = /^[ \t\n\r\f]*((?:\+\d{1,3} ?)?(?:\(\d{1,5}\) ?)?\d{1,6}(?:[ .-]\d{1,6}){0,5})[ \t\n\r\f]*$/;

/**
 * What libphonenumber's search finds in `searched` when it is a PLAIN_NUMBER that parses as a
 * valid number: that number, whole, by one parse; undefined otherwise (the search decides, inner
 * numbers included). The search makes the same parse of the same candidate: its candidate pattern
 * takes the whole number (blocks of up to 20 digits, up to four punctuation characters between
 * them), none of its rejections applies (slash-separated dates, a time stamp before a colon,
 * unbalanced brackets, page ranges before a bracket, a letter or invalid symbol beside it), and
 * with no "x" in it the VALID leniency is the parse's validity. The matcher and its candidate
 * checks were half of the detection of each distinct number (issue #12).
 */
function wholeNumber(searched: string, country: CountryCode | undefined): ReturnType<typeof findPhoneNumbersInText> | undefined {
  const candidate = PLAIN_NUMBER.exec(searched)?.[1];
  if (candidate === undefined) return undefined;
  const reused = lastValidRun?.run === candidate && lastValidRun.country === country ? lastValidRun.number : undefined;
  const number = reused ?? parsePhoneNumberFromString(candidate, { defaultCountry: country });
  if (!number?.isPossible() || !number.isValid()) return undefined;
  const startsAt = searched.indexOf(candidate);
  return [{ number, startsAt, endsAt: startsAt + candidate.length }];
}

/** Is `text[i]`, of code `code`, NUMBER_PUNCTUATION? By the ASCII table, no string made, for the ASCII characters most texts are made of. */
function isNumberPunctuation(code: number, text: string, i: number): boolean {
  return code < 128 ? ASCII_NUMBER_PUNCTUATION[code] === 1 : NUMBER_PUNCTUATION.has(text[i] ?? '');
}

function isAsciiDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}

function isOtherScriptDigit(code: number, char: string): boolean {
  return code > 127 && /\p{Nd}/u.test(char);
}

/** The text the guards read before a match starting at `start`. */
function contextBefore(text: string, start: number): string {
  const from = Math.max(0, start - CONTEXT);
  const preceding = text.slice(from, start);
  // Drop a word the window cuts in half, so "border" never reads as "order".
  return from > 0 && /\p{L}/u.test(text[from - 1] ?? '') ? preceding.replace(/^\p{L}+/u, '') : preceding;
}

function isLookalike(text: string, start: number, end: number): boolean {
  const before = contextBefore(text, start);
  const after = text.slice(end, end + CONTEXT);
  return (
    ATTACHED_BEFORE.test(before) ||
    ATTACHED_AFTER.test(after) ||
    CURRENCY_BEFORE.test(before) ||
    CURRENCY_AFTER.test(after) ||
    ID_LABEL_BEFORE.test(before) ||
    YEAR_PREFIX.test(text.slice(start, end))
  );
}
