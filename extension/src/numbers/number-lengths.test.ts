import { getCountries, getCountryCallingCode, parsePhoneNumberFromString } from '@phone-connector/shared/phone-metadata';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cannotBeValidByLength, patternLengths } from './number-lengths.ts';

describe('patternLengths', () => {
  it.each([
    ['[2-9]\\d{9}|3\\d{6}', [7, 10]],
    ['(?:1[0-2]|[2-9])\\d{3,5}', [4, 5, 6, 7]],
    ['8\\d{5}(?:\\d{2})?', [6, 8]],
    ['(?:[2-9]\\d|1)?\\d{2}', [2, 3, 4]],
    ['7\\d*', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]],
  ])('%s', (pattern, lengths) => {
    expect([...patternLengths(pattern)].sort((a, b) => a - b)).toEqual(lengths);
  });

  it('refuses a form it does not know rather than judging it', () => {
    expect(() => patternLengths('\\w{3}')).toThrow(/unsupported/);
    expect(() => patternLengths('(?:12')).toThrow(/unclosed/);
  });
});

describe('cannotBeValidByLength', () => {
  it('rules out the bench list\'s zip codes and long ids in the US, not its numbers', () => {
    expect(cannotBeValidByLength('900011001', 'US')).toBe(true);
    expect(cannotBeValidByLength('8000000000079190', 'US')).toBe(true);
    expect(cannotBeValidByLength('2125550100', 'US')).toBe(false);
    expect(cannotBeValidByLength('12125550100', 'US')).toBe(false);
  });

  it.each([
    // International prefix: any country's number follows, never judged.
    ['011442079460958', 'US'],
    // A national prefix, a carrier code (BR), a transform rule that drops digits (AR) or adds an area code (VI).
    ['02079460958', 'GB'],
    ['0211187654321', 'BR'],
    ['01115 23456789'.replace(' ', ''), 'AR'],
    ['2345678', 'VI'],
    // The calling code without a plus, then a national prefix.
    ['4402079460958', 'GB'],
  ])('keeps %s (%s), valid for libphonenumber', (digits, country) => {
    expect(parsePhoneNumberFromString(digits, { defaultCountry: country as never })?.isValid()).toBe(true);
    expect(cannotBeValidByLength(digits, country as never)).toBe(false);
  });

  it('reads every country of the metadata', () => {
    for (const country of getCountries()) expect(typeof cannotBeValidByLength('12345', country)).toBe('boolean');
  });

  it('never rules out digits that libphonenumber reads as a valid number, in any country', () => {
    const countries = getCountries();
    // Runs that start the ways a number may: its calling code, an international or national prefix, or not.
    const starts = ['', 'calling code', '0', '00', '011', '1', '8', '9', '15', '0549'];
    const rest = fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 16 }).map((digits) => digits.join(''));
    let ruledOut = 0;
    fc.assert(
      fc.property(fc.constantFrom(...countries), fc.constantFrom(...starts), rest, (country, start, tail) => {
        const digits = (start === 'calling code' ? getCountryCallingCode(country) : start) + tail;
        if (!cannotBeValidByLength(digits, country)) return;
        ruledOut++;
        expect(parsePhoneNumberFromString(digits, { defaultCountry: country })?.isValid() ?? false).toBe(false);
      }),
      { numRuns: 5_000 },
    );
    // The check does its work: most random runs have no possible length.
    expect(ruledOut).toBeGreaterThan(2_000);
  });

  it('never rules out a number libphonenumber finds valid, written without a plus, in any country', () => {
    // Valid numbers are rare among random digits: generate the national numbers libphonenumber formats itself.
    let checked = 0;
    for (const country of getCountries()) {
      for (const national of ['2345678', '23456789', '234567890', '2345678901', '612345678', '7123456789', '9123456789', '31234567', '51234567', '81234567']) {
        const number = parsePhoneNumberFromString(national, { defaultCountry: country });
        if (!number?.isValid()) continue;
        for (const written of [number.formatNational().replace(/\D/g, ''), `${number.countryCallingCode}${number.nationalNumber}`]) {
          if (!parsePhoneNumberFromString(written, { defaultCountry: country })?.isValid()) continue;
          checked++;
          expect(cannotBeValidByLength(written, country), `${written} in ${country}`).toBe(false);
        }
      }
    }
    expect(checked).toBeGreaterThan(300);
  });
});
