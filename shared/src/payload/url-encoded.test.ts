import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formFields } from './form-fields.ts';
import { parseBody } from './parse-body.ts';
import { urlEncodedFields } from './url-encoded.ts';

describe('urlEncodedFields', () => {
  it('reads a body once for its signature and its payload, as the relay checks then maps a webhook', () => {
    const body = 'CallSid=CA1&CallStatus=ringing&To=%2B14155550100';
    const signed = formFields(body, 'application/x-www-form-urlencoded');
    expect(urlEncodedFields(body)).toBe(signed);
    expect(parseBody(body, 'form')).toEqual({ CallSid: 'CA1', CallStatus: 'ringing', To: '+14155550100' });
  });

  it("reads a burst's bodies once each, though every signature is checked before the first payload is mapped", () => {
    const bodies = Array.from({ length: 16 }, (_, i) => `CallSid=CA${i}&CallStatus=ringing&From=%2B1415555${String(i).padStart(4, '0')}`);
    const signed = bodies.map((body) => formFields(body, 'application/x-www-form-urlencoded'));
    bodies.forEach((body, i) => expect(urlEncodedFields(body)).toBe(signed[i]));
    expect(parseBody(bodies[15]!, 'form')).toEqual({ CallSid: 'CA15', CallStatus: 'ringing', From: '+14155550015' });
  });

  it('keeps a bounded number of bodies, and reads a body past the bound again the same', () => {
    const first = urlEncodedFields('Kept=first');
    for (let i = 0; i < 200; i++) urlEncodedFields(`Other=${i}`);
    const again = urlEncodedFields('Kept=first');
    expect(again).not.toBe(first);
    expect(again).toEqual([['Kept', 'first']]);
  });

  it('reads a body too long to keep as any other', () => {
    const long = `Long=${'x'.repeat(20_000)}&b=1`;
    expect(urlEncodedFields(long)).toEqual([['Long', 'x'.repeat(20_000)], ['b', '1']]);
    expect(urlEncodedFields(long)).toEqual(urlEncodedFields(long));
  });

  it('reads each new body for itself', () => {
    expect(urlEncodedFields('a=1&a=2&b=3')).toEqual([['a', '1'], ['a', '2'], ['b', '3']]);
    expect(parseBody('a=4', 'form')).toEqual({ a: '4' });
    expect(urlEncodedFields('a=1&a=2&b=3')).toEqual([['a', '1'], ['a', '2'], ['b', '3']]);
    expect(urlEncodedFields('')).toEqual([]);
  });
});

describe('urlEncodedFields, read as URLSearchParams reads a body', () => {
  /** Text made of what a form body is made of: separators, escapes (valid or not, UTF-8 or not), `+`, `?`, any character, lone surrogates. */
  const formText = fc
    .array(
      fc.oneof(
        fc.constantFrom('&', '=', '+', '?', '%', '%2', '%zz', '%2B', '%26', '%3D', '%25', '%20', '%C3%A9', '%C3', '%A9', '%E2%82%AC', '%F0%9F%98%80', '%ED%A0%80', '%EF%BB%BF', '\uD83D', '\uDE00', '\uD83D\uDE00', 'é'),
        fc.integer({ min: 0, max: 255 }).map((byte) => `%${byte.toString(16).padStart(2, '0')}`),
        fc.string({ maxLength: 6 }),
        fc.string({ unit: 'grapheme', maxLength: 4 }),
      ),
      { maxLength: 24 },
    )
    .map((parts) => parts.join(''));

  it('gives the fields URLSearchParams gives, for any text', () => {
    fc.assert(
      fc.property(formText, (body) => {
        const expected: Array<[string, string]> = [];
        new URLSearchParams(body).forEach((value, name) => expected.push([name, value]));
        expect(urlEncodedFields(body)).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it('reads a Twilio webhook, a body starting with `?`, and a field with no `=`', () => {
    expect(urlEncodedFields('CallSid=CA9&From=%2B14155550100&Caller=O%27Brien+Jr&Empty=&&Flag')).toEqual([
      ['CallSid', 'CA9'],
      ['From', '+14155550100'],
      ['Caller', "O'Brien Jr"],
      ['Empty', ''],
      ['Flag', ''],
    ]);
    expect(urlEncodedFields('?a=1=2&%3F=%')).toEqual([
      ['a', '1=2'],
      ['?', '%'],
    ]);
  });
});
