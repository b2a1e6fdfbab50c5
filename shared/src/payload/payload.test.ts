import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatFromContentType, parseBody, PayloadError } from './parse-body.ts';
import { getPath, parsePath, PathSyntaxError } from './path.ts';

const at = (payload: unknown, path: string) => getPath(payload, parsePath(path));

describe('paths', () => {
  it('reads dotted paths with array indices', () => {
    const payload = { result: { content: { call_id: 'c1' } }, entries: [{ sessionId: 's0' }, { sessionId: 's1' }] };
    expect(at(payload, 'result.content.call_id')).toBe('c1');
    expect(at(payload, 'entries.1.sessionId')).toBe('s1');
    expect(at(payload, 'entries[0].sessionId')).toBe('s0');
    expect(at(payload, 'entries.2.sessionId')).toBeUndefined();
    expect(at(payload, 'entries.x')).toBeUndefined();
  });

  it('prefers an exact key containing dots or dashes over splitting', () => {
    expect(at({ 'data.Status': 'exact', data: { Status: 'split' } }, 'data.Status')).toBe('exact');
    expect(at({ a: { 'b.c': { d: 1 } } }, 'a.b.c.d')).toBe(1);
    expect(at({ 'X-Call-Id': 'h1' }, 'X-Call-Id')).toBe('h1');
  });

  it('falls back to a key differing only in case', () => {
    expect(at({ to: '+1415' }, 'To')).toBe('+1415');
    expect(at({ To: 'exact', to: 'lower' }, 'To')).toBe('exact');
  });

  it('parses a JSON string when the path continues into it (Ozonetel data field)', () => {
    const payload = { data: JSON.stringify({ Status: 'Answered', nested: JSON.stringify({ deep: 7 }) }) };
    expect(at(payload, 'data.Status')).toBe('Answered');
    expect(at(payload, 'data.nested.deep')).toBe(7);
    expect(at({ data: 'not json' }, 'data.Status')).toBeUndefined();
    expect(at({ data: '{broken' }, 'data.Status')).toBeUndefined();
  });

  it("reads a form's field named with brackets by its name, and the same path through a JSON payload's arrays and objects", () => {
    // Exotel's multipart callback names each leg's fields so; its JSON one nests them.
    const form = parseBody('Legs%5B0%5D%5BNumber%5D=%2B919812300000&Legs%5B0%5D%5BOnCallDuration%5D=0&Legs%5B1%5D%5BOnCallDuration%5D=42', 'form');
    expect(at(form, 'Legs[1][OnCallDuration]')).toBe('42');
    expect(at(form, 'Legs[0][Number]')).toBe('+919812300000');
    expect(at(form, 'Legs[2][OnCallDuration]')).toBeUndefined();
    expect(at({ Legs: [{ OnCallDuration: 0 }, { OnCallDuration: 42 }] }, 'Legs[1][OnCallDuration]')).toBe(42);
    expect(at({ data: { ab: { c: 'x' } } }, 'data[ab][c]')).toBe('x');
    expect(parsePath('Legs[0][Status]').segments).toEqual(['Legs', '0', 'Status']);
    expect(at({ 'Legs[1][OnCallDuration]': '', Legs: [{ OnCallDuration: '7' }] }, 'Legs[1][OnCallDuration]|Legs[0][OnCallDuration]')).toBe('7');
  });

  it('takes the first alternative that has a value', () => {
    expect(at({ parent_call_id: null, call_id: 'c-1' }, 'parent_call_id|call_id')).toBe('c-1');
    expect(at({ parent_call_id: 'p-1', call_id: 'c-2' }, 'parent_call_id|call_id')).toBe('p-1');
    expect(at({ parent_call_id: '', call_id: 'c-3' }, 'parent_call_id|call_id')).toBe('c-3');
    expect(at({}, 'a|b.c')).toBeUndefined();
  });

  it.each(['', 'data..Status', '.a', 'a.', 'a b', 'a[]', 'a[x.y]', 'a[x', 'a]', 'a|', '|a'])('rejects the path %j', (path) => {
    expect(() => parsePath(path)).toThrow(PathSyntaxError);
  });
});

describe('bodies', () => {
  it('maps content types to formats', () => {
    expect(formatFromContentType('application/x-www-form-urlencoded; charset=utf-8')).toBe('form');
    expect(formatFromContentType('application/json')).toBe('json');
    expect(formatFromContentType('application/vnd.api+json')).toBe('json');
    expect(formatFromContentType('text/xml')).toBe('xml');
    expect(formatFromContentType('application/xml')).toBe('xml');
    expect(formatFromContentType('text/plain')).toBeUndefined();
    expect(formatFromContentType(undefined)).toBeUndefined();
  });

  it('maps each content type of a sequence to its own format, the same one asked again in a row or not', () => {
    const formats = new Map<string | undefined, string | undefined>([
      ['application/x-www-form-urlencoded', 'form'],
      ['Application/X-WWW-Form-Urlencoded; charset=UTF-8', 'form'],
      ['application/json; charset=utf-8', 'json'],
      ['multipart/form-data; boundary=x', 'multipart'],
      ['text/xml', 'xml'],
      ['text/plain', undefined],
      ['', undefined],
      [undefined, undefined],
    ]);
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...formats.keys()), { maxLength: 30 }), (types) => {
        for (const type of types) expect(formatFromContentType(type)).toBe(formats.get(type));
      }),
    );
  });

  it('reads form, JSON and XML bodies', () => {
    expect(parseBody('CallSid=CA1&To=%2B1415', 'form')).toEqual({ CallSid: 'CA1', To: '+1415' });
    expect(parseBody('{"a":{"b":1}}', 'json')).toEqual({ a: { b: 1 } });
    expect(parseBody('<Response><Call><Sid>CA9</Sid><Status>queued</Status></Call></Response>', 'xml')).toEqual({ Call: { Sid: 'CA9', Status: 'queued' } });
    expect(parseBody('   ', 'json')).toEqual({});
  });

  it('keeps XML attributes as keys', () => {
    expect(parseBody('<r><call id="7">x</call></r>', 'xml')).toEqual({ call: { id: '7', '#text': 'x' } });
  });

  it('rejects malformed JSON and XML with DTDs', () => {
    expect(() => parseBody('{"a":', 'json')).toThrow(PayloadError);
    expect(() => parseBody('<!DOCTYPE x [<!ENTITY e "boom">]><x>&e;</x>', 'xml')).toThrow('DOCTYPE');
  });
});
