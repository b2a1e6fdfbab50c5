import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { findPhoneNumbersInText, parsePhoneNumberFromString } from '@phone-connector/shared/phone-metadata';
import { detectNumbers, detectNumbersBySearch, detectSelectedNumber, digitsIn, mightContainPhoneNumber, parseCallHref } from './detect-numbers.ts';

interface Found {
  text: string;
  e164: string;
  extension?: string;
}

// Counted, not replaced: the tests below tell a text searched from one parsed whole.
vi.mock('@phone-connector/shared/phone-metadata', async (importOriginal) => {
  const library = await importOriginal<typeof import('@phone-connector/shared/phone-metadata')>();
  return { ...library, findPhoneNumbersInText: vi.fn(library.findPhoneNumbersInText), parsePhoneNumberFromString: vi.fn(library.parsePhoneNumberFromString) };
});

/** [page text, default country, what must be found (in order)] */
const cases: Array<[string, string, Found[]]> = [
  // National numbers, read in the default country.
  ['Call 415-555-0100 now', 'US', [{ text: '415-555-0100', e164: '+14155550100' }]],
  ['(212) 555-0199', 'US', [{ text: '(212) 555-0199', e164: '+12125550199' }]],
  ['212.555.0199', 'US', [{ text: '212.555.0199', e164: '+12125550199' }]],
  ['1-800-555-0199', 'US', [{ text: '1-800-555-0199', e164: '+18005550199' }]],
  ['Tel. 4155550100', 'us', [{ text: '4155550100', e164: '+14155550100' }]],
  ['020 7946 0018', 'GB', [{ text: '020 7946 0018', e164: '+442079460018' }]],
  ['06 12 34 56 78', 'FR', [{ text: '06 12 34 56 78', e164: '+33612345678' }]],
  ['06.12.34.56.78', 'FR', [{ text: '06.12.34.56.78', e164: '+33612345678' }]],
  ['030 901820', 'DE', [{ text: '030 901820', e164: '+4930901820' }]],
  ['98765 43210', 'IN', [{ text: '98765 43210', e164: '+919876543210' }]],
  ['Caller ID: 415 555 0100', 'US', [{ text: '415 555 0100', e164: '+14155550100' }]],
  ['Phone # 415 555 0100', 'US', [{ text: '415 555 0100', e164: '+14155550100' }]],
  // International numbers, whatever the default country.
  ['+44 20 7946 0018', 'US', [{ text: '+44 20 7946 0018', e164: '+442079460018' }]],
  ['0044 20 7946 0018', 'US', [{ text: '0044 20 7946 0018', e164: '+442079460018' }]],
  ['0044 20 7946 0018', 'FR', [{ text: '0044 20 7946 0018', e164: '+442079460018' }]],
  ['011 44 20 7946 0018', 'US', [{ text: '011 44 20 7946 0018', e164: '+442079460018' }]],
  ['+33 1 42 68 53 00', 'DE', [{ text: '+33 1 42 68 53 00', e164: '+33142685300' }]],
  ['+44 (0)20 7946 0018', 'US', [{ text: '+44 (0)20 7946 0018', e164: '+442079460018' }]],
  ['+1 415 555 0100', 'ZZ', [{ text: '+1 415 555 0100', e164: '+14155550100' }]],
  ['+91 98765 43210', '', [{ text: '+91 98765 43210', e164: '+919876543210' }]],
  // Extensions.
  ['(415) 555-0100 x123', 'US', [{ text: '(415) 555-0100 x123', e164: '+14155550100', extension: '123' }]],
  ['415 555 0100 ext. 12', 'US', [{ text: '415 555 0100 ext. 12', e164: '+14155550100', extension: '12' }]],
  ['415 555 0100 ext 12', 'US', [{ text: '415 555 0100 ext 12', e164: '+14155550100', extension: '12' }]],
  ['+1 415 555 0100 #12', 'US', [{ text: '+1 415 555 0100 #12', e164: '+14155550100', extension: '12' }]],
  ['4155550100x12', 'US', [{ text: '4155550100x12', e164: '+14155550100', extension: '12' }]],
  ['+44 20 7946 0018 ext. 7', 'US', [{ text: '+44 20 7946 0018 ext. 7', e164: '+442079460018', extension: '7' }]],
  // Several numbers, offsets over the original text.
  [
    'Call 415-555-0100 or 415-555-0101.',
    'US',
    [
      { text: '415-555-0100', e164: '+14155550100' },
      { text: '415-555-0101', e164: '+14155550101' },
    ],
  ],
  ['15/01/2024 - 415 555 0100', 'US', [{ text: '415 555 0100', e164: '+14155550100' }]],
  ['Created 2024-05-01 14:30, mobile +1 415 555 0100', 'US', [{ text: '+1 415 555 0100', e164: '+14155550100' }]],
  // Look-alikes: dates and times.
  ['2024-05-01', 'US', []],
  ['01/05/2024', 'US', []],
  ['05.01.2024', 'DE', []],
  ['12-31-2024', 'US', []],
  ['2024-05-01 14:30:00', 'US', []],
  ['12:30 - 14:45', 'US', []],
  // A time right before a number is blanked, not read as its first digits.
  ['14:30 415 555 0100', 'US', [{ text: '415 555 0100', e164: '+14155550100' }]],
  ['14:30 415 555 0100', 'DE', [{ text: '415 555 0100', e164: '+494155550100' }]],
  // Order, invoice and other ids.
  ['#100234', 'US', []],
  ['#4155550100', 'US', []],
  ['ORD-2024-000123', 'US', []],
  ['2024-000123', 'US', []],
  ['INV 2024 1234', 'US', []],
  ['Order #2015550123', 'US', []],
  ['Invoice no. 2015550123', 'US', []],
  ['Ticket: 2015550123', 'US', []],
  ['Customer ID 4155550100', 'US', []],
  ['AB4155550100CD', 'US', []],
  ['user-4155550100', 'US', []],
  ['14155550100@sms.example.com', 'US', []],
  // Zip codes.
  ['94107', 'US', []],
  ['94107-1234', 'US', []],
  ['SW1A 1AA', 'GB', []],
  ['75008 Paris', 'FR', []],
  // Prices.
  ['$1,234.56', 'US', []],
  ['1 234,56 €', 'FR', []],
  ['USD 1234567890', 'US', []],
  ['USD 4155550100', 'US', []],
  ['4155550100 EUR', 'US', []],
  ['€ 4.155.550.100', 'DE', []],
  ['4155550100.00', 'US', []],
  ['Total: 2015550123', 'US', []],
  // IP addresses, long ids, cards, tracking numbers, ISBNs.
  ['192.168.100.200', 'US', []],
  ['212.55.50.199', 'US', []],
  ['4111 1111 1111 1111', 'US', []],
  ['4155-5501-0012-3456', 'US', []],
  ['1234567890123456', 'US', []],
  ['550e8400-e29b-41d4-a716-446655440000', 'US', []],
  ['1Z999AA10123456784', 'US', []],
  ['9400 1000 0000 0000 0000 00', 'US', []],
  ['ISBN 978-3-16-148410-0', 'US', []],
  ['ISBN 0306406152', 'US', []],
  // Versions and coordinates.
  ['v2.415.555.0100', 'US', []],
  ['version 4.15.5550.100', 'US', []],
  ['10.0.19041.1234', 'US', []],
  ['37.7749, -122.4194', 'US', []],
  ['40.712776,-74.005974', 'US', []],
  ['37.4155550100', 'US', []],
  // Too short, or not valid where it is read.
  ['555-0100', 'US', []],
  ['1234567890', 'US', []],
  ['0612345678', 'US', []],
  // Runs of digits and single dashes, slashes or dots: left unsearched when glued to an id or not a valid number.
  ['ORD-2024-000123', 'US', []],
  ['#4155550100', 'US', []],
  ['A-415-555-0100', 'US', []],
  ['90001-1001', 'US', []],
  ['8000000000000000', 'US', []],
  ['12/34/5678/90', 'GB', []],
  ['#00000000010000000', 'BE', []],
  // The same shapes when they are numbers: searched, in several countries' formats.
  ['4155550100', 'US', [{ text: '4155550100', e164: '+14155550100' }]],
  ['Mobile: 212-555-0199', 'US', [{ text: '212-555-0199', e164: '+12125550199' }]],
  ['020-7946-0018', 'GB', [{ text: '020-7946-0018', e164: '+442079460018' }]],
  ['030/901820', 'DE', [{ text: '030/901820', e164: '+4930901820' }]],
  ['Tel.030-901820', 'DE', [{ text: '030-901820', e164: '+4930901820' }]],
  ['02.123.45.67', 'BE', [{ text: '02.123.45.67', e164: '+3221234567' }]],
  ['0612345678', 'FR', [{ text: '0612345678', e164: '+33612345678' }]],
  ['9876543210', 'IN', [{ text: '9876543210', e164: '+919876543210' }]],
  ['01144-20-7946-0018', 'US', [{ text: '01144-20-7946-0018', e164: '+442079460018' }]],
  ['zip 90001-1001, call 212-555-0199', 'US', [{ text: '212-555-0199', e164: '+12125550199' }]],
  // An extension ends inside the next run: its rest is searched ("0#" + nine digits of extension).
  ['0#00000000010000000', 'BE', [{ text: '10000000', e164: '+3210000000' }]],
];

describe('detectNumbers', () => {
  it.each(cases)('%j (%s)', (text, country, expected) => {
    const found = detectNumbers(text, country);
    expect(found.map(({ text: shown, e164, extension }) => ({ text: shown, e164, ...(extension ? { extension } : {}) }))).toEqual(expected);
    for (const number of found) expect(text.slice(number.start, number.end)).toBe(number.text);
  });

  it('keeps offsets over long text', () => {
    const text = `${'Lorem ipsum dolor sit amet. '.repeat(20)}Reach Ana at +1 (415) 555-0100 ext. 5 today.`;
    const [number] = detectNumbers(text, 'US');
    expect(number).toMatchObject({ start: text.indexOf('+1'), text: '+1 (415) 555-0100 ext. 5', extension: '5' });
  });

  it('finds in a text what the search without the shape check and the look-alike prefilters finds', () => {
    // The reference is the same detection with every look-alike pattern run and the search always
    // made: libphonenumber's own results depend on the rest of the text ("1000, 0010415" in DE
    // finds +491000 only when a number follows), so forcing the search by appending a number is
    // no reference. Dates, times and addresses, whole or cut, with a number beside them or not.
    const piece = fc.oneof(
      fc.constantFrom('-', '/', '.', ' ', ':', 'ORD-', '#', 'Tel.', 'x', '+', '(', ')', ', ', 'A', 'ext. '),
      fc.stringMatching(/^[0-9]{1,11}$/),
      fc.constantFrom('415', '555', '0100', '020', '7946', '0018', '030', '901820', '06', '12', '34', '56', '78', '2024', '011', '44', '0044'),
      fc.constantFrom('2024-05-01', '2024/5/1', '01/05/2024', '05.01.24', '15/01/2024 - ', '14:30', '9:05:59', '192.168.1.10', '10.0.0.1', '02.123.45.67', '2024-05-', '.01.24', '90001-1001'),
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 8 }).map((pieces) => pieces.join('')), fc.constantFrom('US', 'GB', 'DE', 'FR', 'BE', 'IN', 'ZZ'), (text, country) => {
        expect(detectNumbers(text, country)).toEqual(detectNumbersBySearch(text, country));
      }),
      { numRuns: 3000 },
    );
  });

  it('finds a text that is one plain number, whole, by what the search finds', () => {
    // National numbers valid in their country, their digits grouped in any way a plain number may
    // be, with a calling code or a bracketed group in front or none, blanks around; and random
    // digits so grouped, mostly no valid number, some of which the search finds a number inside.
    const valid: Array<[string, string]> = [['US', '4155550100'], ['US', '2125550199'], ['GB', '02079460018'], ['FR', '0612345678'], ['DE', '030901820'], ['BE', '021234567'], ['IN', '9876543210']];
    const callingCodes: Record<string, string> = { US: '1', GB: '44', FR: '33', DE: '49', BE: '32', IN: '91' };
    const number = fc.oneof(
      fc.constantFrom(...valid).chain(([country, digits]) =>
        fc.record({ country: fc.constant(country), digits: fc.constant(digits), international: fc.boolean(), callingCode: fc.constant(callingCodes[country] as string) }),
      ),
      fc.record({ country: fc.constantFrom('US', 'GB', 'DE', 'FR', 'BE', 'IN', 'ZZ'), digits: fc.stringMatching(/^[0-9]{4,16}$/), international: fc.boolean(), callingCode: fc.stringMatching(/^[0-9]{1,3}$/) }),
    );
    const plain = fc
      .tuple(number, fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }), fc.array(fc.constantFrom(' ', '-', '.'), { minLength: 6, maxLength: 6 }), fc.boolean(), fc.constantFrom('', ' ', '00'), fc.constantFrom('', ' ', '\n  '))
      .map(([{ country, digits, international, callingCode }, sizes, separators, bracketed, prefixGap, blank]) => {
        const national = international && digits.startsWith('0') && country !== 'ZZ' ? digits.slice(1) : digits;
        const groups: string[] = [];
        for (let at = 0, i = 0; at < national.length; i++) {
          const size = i < sizes.length - 1 ? (sizes[i] as number) : national.length - at;
          groups.push(national.slice(at, at + size));
          at += size;
        }
        const [first = '', ...rest] = groups.filter(Boolean);
        const body = (bracketed ? `(${first}) ` : first + (rest.length > 0 ? separators[0] : '')) + rest.map((group, i) => group + (i < rest.length - 1 ? separators[i + 1] : '')).join('');
        const prefix = international ? (prefixGap === '00' ? `00${callingCode} ` : `+${callingCode}${prefixGap}`) : '';
        return { text: `${blank}${prefix}${body}${blank}`, country };
      });
    fc.assert(
      fc.property(plain, ({ text, country }) => {
        expect(detectNumbers(text, country)).toEqual(detectNumbersBySearch(text, country));
      }),
      { numRuns: 3000 },
    );
  });

  it('parses a text that is one plain number once, and searches none of it', () => {
    vi.mocked(findPhoneNumbersInText).mockClear();
    vi.mocked(parsePhoneNumberFromString).mockClear();
    expect(detectNumbers('(646) 555-0123', 'US').map(({ e164, start, end }) => ({ e164, start, end }))).toEqual([{ e164: '+16465550123', start: 0, end: 14 }]);
    expect(detectNumbers(' +1 646 555 0124 ', 'US').map(({ text, e164 }) => ({ text, e164 }))).toEqual([{ text: '+1 646 555 0124', e164: '+16465550124' }]);
    // Its shape check parses a run of digits and dashes: that parse is the number's.
    expect(detectNumbers('646-555-0125', 'US').map(({ e164 }) => e164)).toEqual(['+16465550125']);
    expect(findPhoneNumbersInText).not.toHaveBeenCalled();
    expect(parsePhoneNumberFromString).toHaveBeenCalledTimes(3);
    // Words around it, an extension, or no valid number whole: searched.
    for (const text of ['Call (646) 555-0126', '(646) 555-0127 x12', '(646) 555-01']) detectNumbers(text, 'US');
    expect(findPhoneNumbersInText).toHaveBeenCalledTimes(3);
  });

  it('does not read a word cut by the context window as an id label', () => {
    const text = `${'x'.repeat(40)} at the border 415 555 0100`;
    expect(detectNumbers(text, 'US').map((n) => n.e164)).toEqual(['+14155550100']);
  });
});

describe('mightContainPhoneNumber', () => {
  it('needs seven digits, in any script', () => {
    expect(mightContainPhoneNumber('555-010')).toBe(false);
    expect(mightContainPhoneNumber('555-0100')).toBe(true);
    expect(mightContainPhoneNumber('٠١٢٣٤٥٦')).toBe(true);
  });

  it('counts the digits of one run of digits and number punctuation only', () => {
    expect(mightContainPhoneNumber('+1 (415) 555-0100')).toBe(true);
    expect(mightContainPhoneNumber('Call: 415.555.0100 ext. 12')).toBe(true);
    expect(mightContainPhoneNumber('415\n555 0100')).toBe(true);
    expect(mightContainPhoneNumber('$12,345.67')).toBe(false);
    expect(mightContainPhoneNumber('12 items, 5 left, 3 due')).toBe(false);
    expect(mightContainPhoneNumber('415 555x0100')).toBe(false);
  });

  it('tells the walk, in one pass, a run that may hold a number from digits a split number may hold', () => {
    expect(digitsIn('+1 (415) 555-0100')).toBe('run');
    expect(digitsIn('٠١٢٣٤٥٦')).toBe('run');
    expect(digitsIn('$12,345.67')).toBe('some');
    expect(digitsIn('Tel. +44')).toBe('some');
    expect(digitsIn('x٣')).toBe('some');
    expect(digitsIn('Contact, no number')).toBe('none');
    expect(digitsIn('')).toBe('none');
  });

  it('lets every ASCII character libphonenumber accepts inside a number continue the run, and no other', () => {
    const continuing = new Set([...'0123456789', ...'-/. ()[]~+', '\t', '\n', '\r', '\f']);
    for (let code = 0; code < 128; code++) {
      const char = String.fromCharCode(code);
      expect(mightContainPhoneNumber(`41${char}55501`), JSON.stringify(char)).toBe(continuing.has(char));
    }
    expect(mightContainPhoneNumber('41\u00A055501')).toBe(true);
    expect(mightContainPhoneNumber('41\u00E955501')).toBe(false);
  });

  it('searches nothing where blanked dates leave too few digits', () => {
    expect(detectNumbers('Due 2024-05-01 09:30', 'US')).toEqual([]);
  });
});

describe('detectSelectedNumber', () => {
  it('takes the first detected number of a selection', () => {
    expect(detectSelectedNumber('Ana: +1 415 555 0100, Bo: +1 415 555 0101', 'US')).toEqual({ text: '+1 415 555 0100', e164: '+14155550100' });
  });

  it('trusts the agent for numbers the page scan refuses', () => {
    expect(detectSelectedNumber('Order #2015550123', 'US')).toEqual({ text: '2015550123', e164: '+12015550123' });
  });

  it('finds nothing in a selection without a number', () => {
    expect(detectSelectedNumber('Acme Corp', 'US')).toBeUndefined();
  });
});

describe('parseCallHref', () => {
  it.each([
    ['tel:+14155550100', 'US', { text: '+14155550100', e164: '+14155550100' }],
    ['tel:+1-415-555-0100;ext=12', 'US', { text: '+1-415-555-0100', e164: '+14155550100', extension: '12' }],
    ['tel:4155550100', 'US', { text: '4155550100', e164: '+14155550100' }],
    ['TEL:%2B442079460018', 'US', { text: '+442079460018', e164: '+442079460018' }],
    ['callto:+33612345678', 'US', { text: '+33612345678', e164: '+33612345678' }],
    ['callto://+33612345678', 'US', { text: '+33612345678', e164: '+33612345678' }],
  ])('%s', (href, country, expected) => {
    expect(parseCallHref(href, country)).toEqual(expected);
  });

  it.each(['tel:911', 'tel:', 'mailto:ana@example.com', 'tel:%E0%A4%A'])('refuses %s', (href) => {
    expect(parseCallHref(href, 'US')).toBeUndefined();
  });
});
