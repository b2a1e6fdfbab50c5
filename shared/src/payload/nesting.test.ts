import { describe, expect, it } from 'vitest';
import { MAX_PAYLOAD_DEPTH } from './nesting.ts';
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
