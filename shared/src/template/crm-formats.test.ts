import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseTemplate } from './parse.ts';
import { renderTemplate } from './render.ts';
import { escapeSosl, fitPattern, formatDate, formatDuration, quoteSoql, quoteSql } from './crm-formats.ts';
import { phoneOwners, storedPhoneMatches } from '../crm/phone-match.ts';

const render = (source: string, vars: Record<string, string>) => renderTemplate(parseTemplate(source), { config: {}, vars, defaultCountry: 'US' });

describe('duration', () => {
  it.each([
    ['s', '282'],
    ['ms', '282000'],
    ['minutes', '4'],
    ['hours', '0'],
    ['minutes_of_hour', '4'],
    ['mm:ss', '04:42'],
    ['hh:mm', '00:04'],
    ['hh:mm:ss', '00:04:42'],
  ])('writes 282 s as %s: %s', (unit, expected) => {
    expect(render(`@d|duration:'${unit}'`, { d: '282' })).toBe(expected);
  });

  it('splits any duration into hours and minutes that add back up to its whole minutes', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (seconds) => {
      const hours = Number(formatDuration(String(seconds), 'hours'));
      const minutes = Number(formatDuration(String(seconds), 'minutes_of_hour'));
      expect(minutes).toBeLessThan(60);
      expect(hours * 60 + minutes).toBe(Number(formatDuration(String(seconds), 'minutes')));
      expect(formatDuration(String(seconds), 'ms')).toBe(String(seconds * 1000));
    }));
  });

  it('leaves a value that is not seconds unset, so the template names it', () => {
    expect(formatDuration('4 minutes', 's')).toBeUndefined();
    expect(() => render("@d|duration:'s'", { d: 'soon' })).toThrow('@d is empty');
    expect(render("@d|duration:'s'|default:'0'", { d: 'soon' })).toBe('0');
  });
});

describe('date', () => {
  it.each([
    ['iso', '2025-03-02T14:05:10Z'],
    ['iso-ms', '2025-03-02T14:05:10.000Z'],
    ['iso-offset', '2025-03-02T14:05:10+00:00'],
    ['sql', '2025-03-02 14:05:10'],
    ['date', '2025-03-02'],
    ['time', '14:05:10'],
    ['epoch', '1740924310'],
    ['epoch-ms', '1740924310000'],
  ])('writes the instant as %s: %s', (format, expected) => {
    expect(formatDate('2025-03-02T14:05:10Z', format)).toBe(expected);
    expect(formatDate('2025-03-02T19:35:10+05:30', format)).toBe(expected);
    expect(formatDate('1740924310000', format)).toBe(expected);
  });

  it('refuses a time without a zone and what is not a date', () => {
    expect(formatDate('2025-03-02T14:05:10', 'iso')).toBeUndefined();
    expect(formatDate('yesterday', 'iso')).toBeUndefined();
  });

  it('round-trips any instant through iso-ms', () => {
    fc.assert(fc.property(fc.date({ min: new Date('1971-01-01'), max: new Date('2200-01-01'), noInvalidDate: true }), (date) => {
      expect(formatDate(date.toISOString(), 'iso-ms')).toBe(date.toISOString());
      expect(formatDate(formatDate(date.toISOString(), 'iso-offset')!, 'epoch')).toBe(String(Math.floor(date.getTime() / 1000)));
    }));
  });
});

describe('query escaping', () => {
  it('sql keeps any text inside one single-quoted literal', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const quoted = quoteSql(text);
      // Outside doubled quotes and escaped backslashes nothing remains that could end the literal.
      expect(quoted.replace(/\\\\/g, '').replace(/''/g, '')).not.toMatch(/['\\]/);
      expect(quoted.replace(/''/g, "'").replace(/\\\\/g, '\\')).toBe(text);
    }));
    expect(render("name = '@n|sql'", { n: "O'Brien" })).toBe("name = 'O''Brien'");
  });

  it('soql keeps any text inside one single-quoted literal, with backslashes (SOQL does not read doubled quotes)', () => {
    fc.assert(fc.property(fc.string(), (text) => {
      const quoted = quoteSoql(text);
      // Once each backslash pair is gone, no quote or backslash is left to end the literal.
      expect(quoted.replace(/\\./gs, '')).not.toMatch(/['\\]/);
      expect(quoted.replace(/\\(.)/gs, '$1')).toBe(text);
    }));
    expect(render("CallObject = '@n|soql'", { n: "CA'1\\" })).toBe("CallObject = 'CA\\'1\\\\'");
  });

  it('sosl backslashes every reserved character and nothing else', () => {
    expect(escapeSosl('+1 (415) 555-0100')).toBe('\\+1 \\(415\\) 555\\-0100');
    fc.assert(fc.property(fc.string(), (text) => {
      const escaped = escapeSosl(text);
      expect(escaped.replace(/\\(.)/gs, '$1')).toBe(text);
      expect(escaped.replace(/\\./gs, '')).not.toMatch(/[&|!(){}[\]^"~*?:\\'+-]/);
    }));
  });
});

describe('number forms', () => {
  it('pours the national digits into a user format, and needs enough of them', () => {
    expect(render("@n|pattern:'(###) ###-####'", { n: '+14155550100' })).toBe('(415) 555-0100');
    expect(render("@n|pattern:'+1-###-###-####'", { n: '+14155550100' })).toBe('+1-415-555-0100');
    expect(fitPattern('0100', '(###) ###-####')).toBeUndefined();
  });

  it('takes the last digits and the text after a separator', () => {
    expect(render("@n|last:'4'", { n: '+1 (415) 555-0100' })).toBe('0100');
    expect(render("@id|after:'x'", { id: '4x123' })).toBe('123');
    expect(render("@id|after:'x'", { id: '123' })).toBe('123');
    expect(render('@t|html', { t: '<b>"A" & \'B\'</b>' })).toBe('&lt;b&gt;&quot;A&quot; &amp; &#39;B&#39;&lt;/b&gt;');
  });
});

describe('phone verification', () => {
  it('matches a stored number whatever its format', () => {
    for (const stored of ['(415) 555-0100', '+1 415-555-0100', '14155550100', '555-0100', '001 415 555 0100']) expect(storedPhoneMatches(stored, '4155550100')).toBe(true);
  });

  it('rejects the over-matches of a suffix search, and too few digits', () => {
    for (const stored of ['(212) 555-0100', '0100', '55-0100', '', 'n/a']) expect(storedPhoneMatches(stored, '4155550100')).toBe(false);
  });

  it('accepts exactly the numbers that end with the same 7 or more digits', () => {
    fc.assert(fc.property(fc.stringMatching(/^[0-9]{7,12}$/), fc.stringMatching(/^[0-9]{0,5}$/), (national, prefix) => {
      expect(storedPhoneMatches(`${prefix}${national}`, national)).toBe(true);
      const changed = `${national.slice(0, -1)}${(Number(national.at(-1)) + 1) % 10}`;
      expect(storedPhoneMatches(`${prefix}${changed}`, national)).toBe(false);
    }));
  });

  it("names a batch's numbers that a candidate's phones match, exactly as checking each pair does", () => {
    // Numbers that share endings, some shorter than 7 digits; phones written from their tails, with
    // prefixes and separators, or made up.
    const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));
    const batch = fc.array(fc.oneof(digits(7, 12), digits(1, 6), fc.constantFrom('4155550100', '2125550100', '5550100', '0100')), { minLength: 1, maxLength: 25 });
    const phonesOf = (nationals: string[]) =>
      fc.array(
        fc.oneof(
          fc.tuple(fc.constantFrom(...nationals), fc.nat(12), digits(0, 4), fc.constantFrom('', ' ', '-', ') ')).map(([national, keep, prefix, sep]) => `+${prefix}${sep}${national.slice(-keep - 1, -4) || ''}${sep}${national.slice(-4)}`),
          digits(0, 12),
          fc.constantFrom('', 'n/a', '(415) 555-0100'),
        ),
        { maxLength: 8 },
      );
    fc.assert(
      fc.property(batch.chain((nationals) => fc.tuple(fc.constant(nationals), phonesOf(nationals))), ([nationals, phones]) => {
        const pairwise = nationals.flatMap((national, index) => (phones.some((phone) => storedPhoneMatches(phone, national)) ? [index] : []));
        expect(phoneOwners(nationals)(phones)).toEqual(pairwise);
      }),
      { numRuns: 500 },
    );
  });
});
