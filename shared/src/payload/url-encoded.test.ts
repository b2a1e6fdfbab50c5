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

  it('reads each new body for itself', () => {
    expect(urlEncodedFields('a=1&a=2&b=3')).toEqual([['a', '1'], ['a', '2'], ['b', '3']]);
    expect(parseBody('a=4', 'form')).toEqual({ a: '4' });
    expect(urlEncodedFields('a=1&a=2&b=3')).toEqual([['a', '1'], ['a', '2'], ['b', '3']]);
    expect(urlEncodedFields('')).toEqual([]);
  });
});
