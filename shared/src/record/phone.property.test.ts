import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nationalDigits, normalisePhone, toE164 } from './phone.ts';
import { type CountryCode, getCountries, getCountryCallingCode, parsePhoneNumberFromString } from './phone-metadata.ts';

const countries = getCountries();
const callingCodes = [...new Set(countries.map((country) => getCountryCallingCode(country)))];

/** What `normalisePhone` stands for: libphonenumber's full reading, else the value as sent. */
const fullReading = (raw: string, country?: string) => toE164(raw, country) ?? raw.trim();

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));
/** `+` and digits as providers send them: a real calling code or not, often a national prefix's digits after it. */
const plusAndDigits = fc
  .tuple(
    fc.oneof(fc.constantFrom(...callingCodes), digits(0, 3)),
    fc.oneof(fc.constantFrom('', '0', '1', '8', '9', '00', '01', '06', '15', '011', '0800', '90'), digits(0, 3)),
    digits(0, 16),
  )
  .map((parts) => `+${parts.join('')}`);

describe('a number in E.164 read without parsing it', () => {
  it('reads as the full parse reads it, for any + and digits, in any default country', () => {
    fc.assert(
      fc.property(plusAndDigits, fc.option(fc.constantFrom(...countries), { nil: undefined }), (raw, country) => {
        expect(normalisePhone(raw, country)).toBe(fullReading(raw, country));
      }),
      { numRuns: 20_000 },
    );
  });

  it('reads as the full parse reads it where the parse takes a national prefix off or finds no number', () => {
    for (const raw of ['+4402079460018', '+114155550100', '+788495555555', '+54901123456789', '+0123', '+999123', '+1', '+14155550100', '+390612345678']) {
      expect(normalisePhone(raw)).toBe(fullReading(raw));
    }
    expect(normalisePhone('+4402079460018')).toBe('+442079460018');
  });
});

describe('a number written with its +', () => {
  it('reads alike whatever the default country (toE164 keeps one reading for all)', () => {
    const reading = (raw: string, country?: CountryCode) => {
      const parsed = parsePhoneNumberFromString(raw, { defaultCountry: country, extract: false });
      return parsed && [parsed.number, parsed.nationalNumber, parsed.isValid(), parsed.isPossible()];
    };
    fc.assert(
      fc.property(plusAndDigits, fc.constantFrom(...countries), (raw, country) => {
        expect(reading(raw, country)).toEqual(reading(raw));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe('the E.164 reading', () => {
  it('is the valid reading, else the possible one, of the number as written or with a + before it', () => {
    // Readings weighed as toE164 says it does, each tested in full.
    const reference = (raw: string, country?: CountryCode) => {
      const cleaned = raw.trim().replace(/^00/, '+');
      const readings = [parsePhoneNumberFromString(cleaned, { defaultCountry: country, extract: false }), cleaned.startsWith('+') ? undefined : parsePhoneNumberFromString(`+${cleaned}`, { extract: false })];
      return (readings.find((p) => p?.isValid()) ?? readings.find((p) => p?.isPossible()))?.number;
    };
    const written = fc.oneof(plusAndDigits, digits(1, 15), plusAndDigits.map((raw) => `00${raw.slice(1)}`), digits(7, 11).map((d) => `(${d.slice(0, 3)}) ${d.slice(3)}`));
    fc.assert(
      fc.property(written, fc.option(fc.constantFrom(...countries), { nil: undefined }), (raw, country) => {
        expect(toE164(raw, country)).toBe(reference(raw, country));
      }),
      { numRuns: 20_000 },
    );
  });
});

describe("a number's national digits kept from its E.164 reading", () => {
  it('are the digits a parse of its E.164 form gives, for any + and digits, in any default country', () => {
    fc.assert(
      fc.property(plusAndDigits, fc.option(fc.constantFrom(...countries), { nil: undefined }), (raw, country) => {
        // Read first, as a lookup does: the reading keeps the digits that nationalDigits then gives.
        const e164 = toE164(raw, country);
        expect(nationalDigits(raw, country)).toBe(e164 && parsePhoneNumberFromString(e164)?.nationalNumber);
      }),
      { numRuns: 20_000 },
    );
  });
});
