import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonTooDeepAt, MAX_PAYLOAD_DEPTH } from './nesting.ts';
import { parseBody, PayloadError } from './parse-body.ts';
import { getPath, parsePath } from './path.ts';

const jsonArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const xmlElements = (depth: number) => `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;

describe('payload nesting', () => {
  it('reads payloads nested up to the bound', () => {
    expect(() => parseBody(`{"CallSid":"CA1","deep":${jsonArrays(MAX_PAYLOAD_DEPTH - 1)}}`, 'json')).not.toThrow();
    expect(() => parseBody(xmlElements(MAX_PAYLOAD_DEPTH), 'xml')).not.toThrow();
  });

  it('refuses a JSON body nested thousands of arrays deep, naming where (a 500 before: JSON.stringify overflowed the stack)', () => {
    const body = `{"CallSid":"CA1","CallStatus":${jsonArrays(6000)}}`;
    expect(() => parseBody(body, 'json')).toThrow(PayloadError);
    expect(() => parseBody(body, 'json')).toThrow(`the JSON body nests deeper than ${MAX_PAYLOAD_DEPTH} levels (at character ${30 + MAX_PAYLOAD_DEPTH - 1})`);
    expect(() => parseBody(`{"a":${jsonArrays(MAX_PAYLOAD_DEPTH)}}`, 'json')).toThrow(PayloadError);
  });

  it('does not count brackets inside JSON strings', () => {
    const body = JSON.stringify({ text: '['.repeat(100), quoted: '\\"[[[' });
    expect(parseBody(body, 'json')).toEqual(JSON.parse(body));
  });

  it('refuses an XML body nested deeper than the bound, whatever its attributes and comments hold', () => {
    expect(() => parseBody(xmlElements(MAX_PAYLOAD_DEPTH + 1), 'xml')).toThrow(`the XML body nests deeper than ${MAX_PAYLOAD_DEPTH} elements (at character ${3 * MAX_PAYLOAD_DEPTH})`);
    expect(() => parseBody(xmlElements(6000), 'xml')).toThrow(PayloadError);
    const shallow = `<r>${'<a x="<b>"/><!-- <c> --><![CDATA[<d>]]><?pi <e>?>'.repeat(100)}</r>`;
    expect(() => parseBody(shallow, 'xml')).not.toThrow();
  });

  it('reads a JSON string nested too deep as text, not as a container (Ozonetel-style `data` field)', () => {
    const payload = { data: `{"Status":${jsonArrays(6000)}}`, ok: '{"Status":"Answered"}' };
    expect(getPath(payload, parsePath('data.Status'))).toBeUndefined();
    expect(getPath(payload, parsePath('ok.Status'))).toBe('Answered');
  });
});

describe('jsonTooDeepAt', () => {
  /** How deep a JSON value nests: a container is one level more than its deepest member. */
  const depthOf = (value: unknown): number => (value !== null && typeof value === 'object' ? 1 + Math.max(0, ...Object.values(value).map(depthOf)) : 0);
  /** Strings full of what a scan could take for structure: brackets, quotes, backslashes (escaped in the JSON text). */
  const tricky = fc.string({ unit: fc.constantFrom('[', ']', '{', '}', '"', '\\', 'a', ' ') });
  const leaf = fc.oneof(tricky, fc.integer(), fc.constant(null));
  /** A value wrapped in arrays and objects around the bound, its keys and strings tricky too. */
  const nested = fc.tuple(fc.array(fc.tuple(fc.boolean(), tricky, fc.array(leaf, { maxLength: 2 })), { minLength: MAX_PAYLOAD_DEPTH - 3, maxLength: MAX_PAYLOAD_DEPTH + 3 }), leaf).map(([layers, inner]) =>
    layers.reduce<unknown>((value, [asObject, key, beside]) => (asObject ? { [key]: value, ...Object.fromEntries(beside.map((b, k) => [`${key}${k}`, b])) } : [...beside, value]), inner),
  );

  it('finds a level past the bound exactly when the value nests past it, whatever its strings hold', () => {
    fc.assert(
      fc.property(nested, (value) => {
        const text = JSON.stringify(value);
        expect(jsonTooDeepAt(text) !== undefined).toBe(depthOf(value) > MAX_PAYLOAD_DEPTH);
      }),
      { numRuns: 1000 },
    );
  });

  it('finds the level past the bound in a text whose only brackets are the nesting ones, and none at the bound', () => {
    // As many brackets in all as the levels: a count of them alone tells these two apart.
    const past = `${'['.repeat(MAX_PAYLOAD_DEPTH)}{"a":1}${']'.repeat(MAX_PAYLOAD_DEPTH)}`;
    expect(jsonTooDeepAt(past)).toBe(MAX_PAYLOAD_DEPTH);
    expect(jsonTooDeepAt(past.slice(1, -1))).toBeUndefined();
    // Brackets beside each other, not inside: many in all, never deep.
    expect(jsonTooDeepAt(JSON.stringify(Array.from({ length: 100 }, (_, i) => ({ id: i, tags: [] }))))).toBeUndefined();
  });

  it('points at the bracket that opens the level past the bound, after strings that hold brackets and escaped quotes', () => {
    const text = `{"a":"[[\\"{{\\\\","b":${'['.repeat(MAX_PAYLOAD_DEPTH)}]]}`;
    // The object is the first level: the bound's last bracket opens the level past it.
    expect(jsonTooDeepAt(text)).toBe(text.indexOf('"b":') + 4 + MAX_PAYLOAD_DEPTH - 1);
    expect(jsonTooDeepAt(text.replace('"b":[', '"b":'))).toBeUndefined();
  });
});
