import { type CountryCode, isSupportedCountry, Metadata, parsePhoneNumberFromString } from './phone-metadata.ts';

export type { CountryCode };

export function isCountryCode(code: string): code is CountryCode {
  return isSupportedCountry(code.toUpperCase());
}

/** Readings of numbers seen lately, by country and raw text; the oldest out first. */
const recentReadings = new Map<string, string | undefined>();
/**
 * As many as a burst's callers: a CRM lookup reads each new caller and the call's log reads it again
 * once the burst's backlog drains, past 1,024 others at a contact centre's peak (2,000 new calls
 * in the throughput bench: each log parsed its caller again, 4.7 KB of each update's garbage with
 * the CRM; issue 10). About 100 bytes an entry in each of the two maps: 1.6 MB at most.
 */
const RECENT_READINGS = 8192;
/** National digits of E.164 numbers read lately (`nationalDigits`), the same way. */
const recentNationalDigits = new Map<string, string | undefined>();

/**
 * E.164 form of a dialable number (`+14155550100`), reading national numbers in the
 * default country. Returns undefined for anything that is not a phone number (SIP URIs,
 * `client:alice`, anonymous callers): callers keep the raw value then.
 *
 * Remembered for the last numbers read: the relay reads the same few in webhook after webhook
 * (the called team number, a caller again in each status), and parsing them was the largest
 * part of mapping a webhook (2 to 5 % of the relay's CPU under load, issue 13).
 */
export function toE164(raw: string, defaultCountry?: string): string | undefined {
  const country = defaultCountry && isCountryCode(defaultCountry) ? (defaultCountry.toUpperCase() as CountryCode) : undefined;
  // A country code has no space: the key cannot be read two ways. A number written with its `+` reads
  // alike in every country (libphonenumber ignores the default one; a property test holds it): one
  // key, so that the caller's number read for a CRM lookup in the instance's country, then its
  // national digits read without one, parse it once (issue 10).
  const key = raw.startsWith('+') ? ` ${raw}` : `${country ?? ''} ${raw}`;
  if (recentReadings.has(key)) return recentReadings.get(key);
  const e164 = readE164(raw, country);
  remember(recentReadings, key, e164);
  return e164;
}

function readE164(raw: string, country: CountryCode | undefined): string | undefined {
  const cleaned = raw.trim().replace(/^00/, '+');
  if (!/\d/.test(cleaned) || /[a-z]{2,}:/i.test(cleaned)) return undefined;
  // Ozonetel sends `918041234567`: digits with a country code but no `+`. Prefer whichever
  // reading is a valid number, then whichever is at least possible (test ranges like 555-01xx).
  // extract: false — the whole value must be the number; `call me at +1 415…` or markup around
  // a number is not a phone number (webhook fields are provider- and caller-controlled).
  const national = parsePhoneNumberFromString(cleaned, { defaultCountry: country, extract: false });
  const international = cleaned.startsWith('+') ? undefined : parsePhoneNumberFromString(`+${cleaned}`, { extract: false });
  const candidates = [national, international].filter((p) => p !== undefined);
  // One reading is kept when possible or valid, whichever: the length check first, as `isValid`
  // tries the number against each of its country's number types' patterns.
  const only = candidates.length === 1 ? candidates[0]! : undefined;
  const parsed = only ? (only.isPossible() || only.isValid() ? only : undefined) : (candidates.find((p) => p.isValid()) ?? candidates.find((p) => p.isPossible()));
  // A number read as itself (providers send E.164) is what `nationalDigits` parses next: its digits
  // are this parse's. A CRM lookup of a new caller parsed it twice (issue 10).
  if (parsed && parsed.number === raw) remember(recentNationalDigits, raw, parsed.nationalNumber);
  return parsed?.number;
}

/** Keeps `value` under `key` among the last RECENT_READINGS, the oldest out first. */
function remember<T>(readings: Map<string, T>, key: string, value: T): void {
  if (readings.size >= RECENT_READINGS) readings.delete(readings.keys().next().value!);
  readings.set(key, value);
}

/** National format (`(415) 555-0100`) for display; falls back to the input. */
export function toNational(raw: string, defaultCountry?: string): string {
  const e164 = toE164(raw, defaultCountry);
  if (!e164) return raw;
  return parsePhoneNumberFromString(e164)?.formatNational() ?? raw;
}

/**
 * A number as a person in `country` reads it: national format for that country's numbers
 * (`(415) 555-0100`), international for the others (`+44 20 7946 0018`), so a foreign caller
 * never looks local.
 */
export function formatForDisplay(raw: string, country?: string): string {
  const e164 = toE164(raw, country);
  const parsed = e164 ? parsePhoneNumberFromString(e164) : undefined;
  if (!parsed) return raw;
  return country && parsed.country === country.toUpperCase() ? parsed.formatNational() : parsed.formatInternational();
}

/** A number as the call record stores it: E.164 when it is one, else the provider's value as is. */
export function normalisePhone(raw: string, defaultCountry?: string): string {
  if (readsAsItself(raw)) return raw;
  return toE164(raw, defaultCountry) ?? raw.trim();
}

const PLUS_AND_DIGITS = /^\+\d+$/;

/**
 * Whether `raw` is its own reading (`normalisePhone`) without parsing it: `+` and digits, and no
 * national prefix may start after its calling code. libphonenumber reads such a number by taking
 * the calling code off, then the national prefix (or what its pattern matches, for a transform
 * rule) after it, and writes `+`, the code and what is left: the same digits when no prefix
 * matched; with no known calling code there is no reading and the raw value is kept. Providers
 * send numbers in E.164, and every new caller was a parse, 5.6 % of the relay's CPU under load
 * (issue 13). A property test holds it to the full reading.
 */
function readsAsItself(raw: string): boolean {
  if (!PLUS_AND_DIGITS.test(raw)) return false;
  // The calling code as libphonenumber finds it: the shortest of 1 to 3 digits that is one.
  for (let end = 2; end <= 4 && end <= raw.length; end++) {
    const prefix = nationalPrefixAfter(raw.slice(1, end));
    if (prefix === false) continue;
    return prefix === null || !prefix.test(raw.slice(end));
  }
  return true;
}

/** Per calling code: the national prefix libphonenumber tries after it, null for none, false: no such code. */
const prefixesAfterCallingCode = new Map<string, RegExp | null | false>();
/** The parts of libphonenumber's metadata read here (its typings name none of them). */
let metadata: { hasCallingCode(code: string): boolean; selectNumberingPlan(code: string): void; numberingPlan: { nationalPrefixForParsing(): string | undefined } } | undefined;

function nationalPrefixAfter(callingCode: string): RegExp | null | false {
  let prefix = prefixesAfterCallingCode.get(callingCode);
  if (prefix !== undefined) return prefix;
  metadata ??= new Metadata() as unknown as NonNullable<typeof metadata>;
  if (callingCode.startsWith('0') || !metadata.hasCallingCode(callingCode)) prefix = false;
  else {
    // The plan of the code's main country, as libphonenumber selects it for an international number.
    metadata.selectNumberingPlan(callingCode);
    const pattern = metadata.numberingPlan.nationalPrefixForParsing();
    prefix = pattern ? new RegExp(`^(?:${pattern})`) : null;
  }
  prefixesAfterCallingCode.set(callingCode, prefix);
  return prefix;
}

/**
 * The national significant number's digits (`4155550100` for `+14155550100`, `2079460018` for
 * `+44 20 7946 0018`): what CRMs' stored numbers end with, however they were typed. Undefined
 * for what is not a phone number.
 */
export function nationalDigits(raw: string, defaultCountry?: string): string | undefined {
  const e164 = toE164(raw, defaultCountry);
  if (!e164) return undefined;
  // Remembered as E.164 readings are: a CRM lookup and its log read the caller's digits four or
  // five times (the number's variants, the log's fields), a parse each (docs/benchmarks.md, "Relay with a CRM").
  if (recentNationalDigits.has(e164)) return recentNationalDigits.get(e164);
  const national = parsePhoneNumberFromString(e164)?.nationalNumber;
  remember(recentNationalDigits, e164, national);
  return national;
}
