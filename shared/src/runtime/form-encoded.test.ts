import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { appendQuery, formEncoded } from './form-encoded.ts';
import { encodeParameters } from './http.ts';

describe('formEncoded', () => {
  it('writes what URLSearchParams writes, for any text (every ASCII character, non-ASCII, lone surrogates)', () => {
    const text = fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: fc.constantFrom(...' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~\u00e9\u20ac\ud83d\ude00\ud800\udc00aZ09') }));
    fc.assert(
      fc.property(fc.array(fc.tuple(text, text), { maxLength: 4 }), (pairs) => {
        expect(formEncoded(pairs)).toBe(new URLSearchParams(pairs).toString());
      }),
      { numRuns: 2000 },
    );
  });

  it('writes a Vtiger search as its query parameter: spaces as +, quotes and % escaped', () => {
    const query = "SELECT id FROM Contacts WHERE phone LIKE '%0100' OR mobile LIKE '%0100' LIMIT 100;";
    expect(formEncoded([['operation', 'query'], ['query', query]])).toBe('operation=query&query=SELECT+id+FROM+Contacts+WHERE+phone+LIKE+%27%250100%27+OR+mobile+LIKE+%27%250100%27+LIMIT+100%3B');
    expect(formEncoded([])).toBe('');
  });
});

describe('encodeParameters', () => {
  it("puts a GET's fields in its query as URLSearchParams' append does, after the parameters there (an auth token), any text", () => {
    const text = fc.string({ unit: fc.constantFrom(...' !\'()~%&=+#?/\u00e9\ud83d\ude00\ud800aZ09') });
    fc.assert(
      fc.property(fc.constantFrom('https://crm.example/webservice.php', 'https://crm.example/w?sessionName=a%20b~c', 'https://crm.example/w?x=1#top', 'https://crm.example/w?'), fc.array(fc.tuple(text, text), { maxLength: 3 }), (base, fields) => {
        const expected = new URL(base);
        for (const [name, value] of fields) expected.searchParams.append(name, value);
        const url = new URL(base);
        expect(encodeParameters('GET', 'form', url, fields, () => ({}))).toEqual({});
        expect(url.toString()).toBe(expected.toString());
      }),
      { numRuns: 500 },
    );
  });
});

describe('appendQuery', () => {
  it("appends as URLSearchParams' append does, one call after another (an auth token, then a request's fields)", () => {
    const text = fc.string({ unit: fc.constantFrom(...' !\'()~%&=+#?/\u00e9\ud800aZ09') });
    fc.assert(
      fc.property(fc.constantFrom('https://crm.example/w', 'https://crm.example/w?a=%7e%20b+c', 'https://crm.example/w?#top'), fc.array(fc.array(fc.tuple(text, text), { maxLength: 2 }), { maxLength: 3 }), (base, calls) => {
        const expected = new URL(base);
        const url = new URL(base);
        for (const pairs of calls) {
          for (const [name, value] of pairs) expected.searchParams.append(name, value);
          appendQuery(url, pairs);
        }
        expect(url.toString()).toBe(expected.toString());
      }),
      { numRuns: 500 },
    );
  });
});
