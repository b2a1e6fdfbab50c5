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
