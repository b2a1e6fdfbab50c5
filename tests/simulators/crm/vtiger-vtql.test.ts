/**
 * VTQL's WHERE as the simulator evaluates it: SQL LIKE read as a case-insensitive regular
 * expression, AND before OR. The evaluation files each OR'd group under the last character its
 * LIKE must end with and compares `%digits` as the value's end (issue 10); these tests pin the
 * meaning that must not change with it, against the plain reading of every condition on every row.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseVtql, runVtql } from './vtiger-vtql.ts';

const FIELDS = ['id', 'name', 'phone', 'mobile', 'description'];

/** The ids of `rows` the query selects, in row order. */
function selected(where: string, rows: Array<Record<string, string>>): string[] {
  return runVtql(parseVtql(`SELECT id FROM Contacts WHERE ${where};`), rows, FIELDS).map((row) => row.id!);
}

const rowsOf = (values: Record<string, string>) => Object.entries(values).map(([id, name]) => ({ id, name }));
const quoted = (text: string) => `'${text.replace(/'/g, "''")}'`;

describe('VTQL LIKE', () => {
  it('ignores case, ASCII letters only in either case: the Kelvin sign is not k, dotless ı not i', () => {
    const rows = rowsOf({ a: 'Doe', b: 'DOE', c: 'doe', d: 'Do\u212A', e: 'Dok', f: 'Pı', g: 'PI', h: 'Mé', i: 'MÉ', j: 'Do\u212Ae', k: 'DoKe' });
    expect(selected("name LIKE '%oe'", rows)).toEqual(['a', 'b', 'c']);
    expect(selected("name LIKE 'D%'", rows)).toEqual(['a', 'b', 'c', 'd', 'e', 'j', 'k']);
    expect(selected("name LIKE '%ke'", rows)).toEqual(['k']);
    expect(selected("name LIKE '%K'", rows)).toEqual(['e']);
    expect(selected("name LIKE '%\u212A'", rows)).toEqual(['d']);
    expect(selected("name LIKE '%i'", rows)).toEqual(['g']);
    // Outside ASCII, the case of the regular expression's `i` flag: é and É are one letter.
    expect(selected("name LIKE '%é'", rows)).toEqual(['h', 'i']);
  });

  it('reads _ as exactly one character, anywhere, the last one included', () => {
    const rows = rowsOf({ a: '555-0100', b: '555-010', c: '555-01000', d: '555-0109', e: '555-0\n00' });
    expect(selected("name LIKE '%-010_'", rows)).toEqual(['a', 'd']);
    expect(selected("name LIKE '555-0_00'", rows)).toEqual(['a', 'e']);
    expect(selected("name LIKE '________'", rows)).toEqual(['a', 'd', 'e']);
  });

  it('takes \\ as the escape of the next character, and a \\ at the end as itself', () => {
    const rows = rowsOf({ a: '100%', b: '1000', c: 'a_b', d: 'axb', e: 'back\\', f: 'back' });
    expect(selected("name LIKE '%\\%'", rows)).toEqual(['a']);
    expect(selected("name LIKE 'a\\_b'", rows)).toEqual(['c']);
    expect(selected("name LIKE 'a_b'", rows)).toEqual(['c', 'd']);
    expect(selected("name LIKE '%\\'", rows)).toEqual(['e']);
  });

  it('finds text inside a value with a pattern ending in %; an empty pattern is input the lexer cannot read', () => {
    const rows = [
      { id: 'a', description: 'Inbound call\n[relay-call:CA1]\nnotes' },
      { id: 'b', description: '[relay-call:CA12]' },
      { id: 'c', description: '' },
    ];
    expect(selected("description LIKE '%[relay-call:CA1]%'", rows)).toEqual(['a']);
    expect(selected("description LIKE '%'", rows)).toEqual(['a', 'b', 'c']);
    // VTQL_Lexer reads a quoted value as '(?:[^']|'')+': no empty one, and its plain Exception is webservice.php's catch-all.
    expect(() => selected("description LIKE ''", rows)).toThrow(expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR', message: 'Unknown Error while processing request' }));
    expect(selected("description LIKE '%]'", rows)).toEqual(['b']);
  });

  it('holds an AND group only when every condition of it holds, whichever of them ends in a literal character', () => {
    const rows = [
      { id: 'a', name: 'Jane', phone: '(415) 555-0100', mobile: '' },
      { id: 'b', name: 'Sam', phone: '(415) 555-0100', mobile: '+1 415 555 0199' },
      { id: 'c', name: 'Jane', phone: '020 7946 0018', mobile: '+1 415 555 0199' },
    ];
    expect(selected("phone LIKE '%0100' AND name = 'jane'", rows)).toEqual(['a']);
    expect(selected("name = 'Sam' AND phone LIKE '%0100'", rows)).toEqual(['b']);
    expect(selected("name LIKE 'j%' AND mobile LIKE '%0199'", rows)).toEqual(['c']);
    // AND binds before OR: (Sam AND 0018) OR (Jane AND 0199), and a group with no LIKE at all.
    expect(selected("name = 'Sam' AND phone LIKE '%0018' OR name = 'Jane' AND mobile LIKE '%0199'", rows)).toEqual(['c']);
    expect(selected("phone LIKE '%9999' OR name = 'Sam'", rows)).toEqual(['b']);
  });

  it('answers the rows in their order, whichever OR\'d group found each', () => {
    const rows = rowsOf({ a: 'x1', b: 'y', c: 'x2', d: 'z' });
    expect(selected("name LIKE '%2' OR name = 'y' OR name LIKE '%1' OR name LIKE '_'", rows)).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('VTQL WHERE, every condition read on every row', () => {
  /** Letters of either case and their non-ASCII look-alikes, digits, separators, the wildcards and the escape. */
  const CHARS = ['a', 'A', 'k', 'K', '\u212A', 'i', 'I', 'ı', 'İ', 'é', 'É', '1', '0', ' ', '-', '\n', '%', '_', '\\', "'"];
  const text = (maxLength: number, minLength = 0) => fc.array(fc.constantFrom(...CHARS), { minLength, maxLength }).map((chars) => chars.join(''));
  // A value is never empty: VTQL's lexer reads no '' (the test above).
  const condition = fc.record({ column: fc.constantFrom('name', 'phone', 'mobile'), operator: fc.constantFrom('LIKE', 'LIKE', 'LIKE', '='), value: text(5, 1) });
  const where = fc.array(fc.array(condition, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 6 });
  const rows = fc.array(fc.record({ name: text(6), phone: text(6), mobile: text(6) }), { maxLength: 12 });

  /** LIKE as SQL defines it over the regular expression: `%` any run, `_` one character, `\` escapes the next one. */
  function likeRegExp(pattern: string): RegExp {
    let source = '';
    for (let i = 0; i < pattern.length; i += 1) {
      const char = pattern[i]!;
      if (char === '\\' && i + 1 < pattern.length) source += `\\u${pattern.charCodeAt(++i).toString(16).padStart(4, '0')}`;
      else if (char === '%') source += '.*';
      else if (char === '_') source += '.';
      else source += `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
    }
    return new RegExp(`^${source}$`, 'is');
  }

  /** `=`: numbers as numbers, anything else as text, case aside. */
  const equal = (a: string, b: string) => (NUMBER.test(a) && NUMBER.test(b) ? Number(a) === Number(b) : a.toLowerCase() === b.toLowerCase());
  const NUMBER = /^-?\d+(\.\d+)?$/;

  it('selects the rows the plain reading selects', () => {
    fc.assert(
      fc.property(where, rows, (groups, values) => {
        const table = values.map((row, i) => ({ id: String(i), ...row }));
        const vtql = groups.map((group) => group.map((c) => `${c.column} ${c.operator} ${quoted(c.value)}`).join(' AND ')).join(' OR ');
        const holds = (row: Record<string, string>, c: (typeof groups)[number][number]) => (c.operator === 'LIKE' ? likeRegExp(c.value).test(row[c.column]!) : equal(row[c.column]!, c.value));
        const expected = table.filter((row) => groups.some((group) => group.every((c) => holds(row, c)))).map((row) => row.id);
        expect(selected(vtql, table)).toEqual(expected.slice(0, 100));
      }),
      { numRuns: 300 },
    );
  });
});
