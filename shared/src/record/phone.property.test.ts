import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalisePhone, toE164 } from './phone.ts';
import { getCountries, getCountryCallingCode } from './phone-metadata.ts';

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
