import { describe, expect, it } from 'vitest';
import { formFields } from './form-fields.ts';
import { multipartBoundary, parseMultipart } from './multipart.ts';
import { formatFromContentType, parseBody, PayloadError } from './parse-body.ts';

/** A multipart/form-data body as Node's fetch (undici) encodes it: an encoder the parser does not share. */
async function encoded(fields: Array<[string, string | Blob, string?]>): Promise<{ body: string; contentType: string }> {
  const data = new FormData();
  for (const [name, value, filename] of fields) {
    if (typeof value === 'string') data.append(name, value);
    else data.append(name, value, filename);
  }
  const response = new Response(data);
  return { body: await response.text(), contentType: response.headers.get('content-type')! };
}

const CRLF = '\r\n';
const part = (name: string, value: string, extraHeaders = '') => `Content-Disposition: form-data; name="${name}"${CRLF}${extraHeaders}${CRLF}${value}`;
const body = (boundary: string, ...parts: string[]) => `--${boundary}${CRLF}${parts.join(`${CRLF}--${boundary}${CRLF}`)}${CRLF}--${boundary}--${CRLF}`;

describe('multipart/form-data bodies (RFC 7578)', () => {
  it('reads the fields a standard encoder writes, in order, with repeats, UTF-8 and line breaks kept', async () => {
    const { body: text, contentType } = await encoded([
      ['CallSid', 'b6cfaf0e7b29d8f0a1d2c3e4f5a6b7c8'],
      ['Legs[0][Status]', 'completed'],
      ['Legs[0][Status]', 'busy'],
      ['CustomField', 'Zoë "quoted"\r\nsecond line'],
      ['Empty', ''],
    ]);
    expect(formatFromContentType(contentType)).toBe('multipart');
    expect(parseMultipart(text, multipartBoundary(contentType))).toEqual([
      ['CallSid', 'b6cfaf0e7b29d8f0a1d2c3e4f5a6b7c8'],
      ['Legs[0][Status]', 'completed'],
      ['Legs[0][Status]', 'busy'],
      ['CustomField', 'Zoë "quoted"\r\nsecond line'],
      ['Empty', ''],
    ]);
    expect(parseBody(text, 'multipart', contentType)).toEqual({ CallSid: 'b6cfaf0e7b29d8f0a1d2c3e4f5a6b7c8', 'Legs[0][Status]': 'busy', CustomField: 'Zoë "quoted"\r\nsecond line', Empty: '' });
  });

  it('leaves out file parts: a webhook field is text', async () => {
    const { body: text, contentType } = await encoded([['CallSid', 'CA1'], ['recording', new Blob(['RIFF....']), 'call.wav'], ['Status', 'completed']]);
    expect(parseMultipart(text, multipartBoundary(contentType))).toEqual([['CallSid', 'CA1'], ['Status', 'completed']]);
  });

  it('takes a quoted boundary, a preamble, transport padding, an epilogue and case-insensitive headers', () => {
    const text = `preamble to ignore${CRLF}--b:1 x${CRLF}content-disposition: FORM-DATA; name=CallSid${CRLF}${CRLF}CA2${CRLF}--b:1 x  ${CRLF}${part('Status', 'busy', `Content-Type: text/plain; charset=utf-8${CRLF}`)}${CRLF}--b:1 x--${CRLF}epilogue`;
    expect(parseMultipart(text, multipartBoundary('multipart/form-data; charset=utf-8; BOUNDARY="b:1 x"'))).toEqual([['CallSid', 'CA2'], ['Status', 'busy']]);
  });

  it('reads no fields from an empty body', () => {
    expect(parseBody('', 'multipart', 'multipart/form-data; boundary=x')).toEqual({});
  });

  it.each([
    ['multipart/form-data', 'has no boundary'],
    ['multipart/form-data; boundary=', 'has no boundary'],
    ['multipart/form-data; boundary="a{b}"', 'is not a valid boundary'],
    [`multipart/form-data; boundary=${'x'.repeat(71)}`, 'is not a valid boundary'],
  ])('refuses the Content-Type %j', (contentType, message) => {
    expect(() => multipartBoundary(contentType)).toThrow(PayloadError);
    expect(() => multipartBoundary(contentType)).toThrow(message);
  });

  it.each([
    ['no boundary line at all', 'CallSid=CA1', 'no --xyz line'],
    ['no closing boundary', `--xyz${CRLF}${part('CallSid', 'CA1')}`, 'not closed'],
    ['a body cut after a boundary line', `--xyz${CRLF}${part('CallSid', 'CA1')}${CRLF}--xyz`, 'not closed'],
    ['text after a boundary', `--xyz junk${CRLF}${part('CallSid', 'CA1')}${CRLF}--xyz--`, 'boundary line --xyz is followed by'],
    ['a part without headers', body('xyz', `${CRLF}CA1`), 'has no Content-Disposition'],
    ['a part without its blank line', body('xyz', 'Content-Disposition: form-data; name="a"'), 'no blank line'],
    ['a header line without a colon', body('xyz', `Content-Disposition: form-data; name="a"${CRLF}garbage${CRLF}${CRLF}1`), 'is not a header'],
    ['a part that is not form-data', body('xyz', `Content-Disposition: attachment; name="a"${CRLF}${CRLF}1`), 'is not form-data'],
    ['a part without a name', body('xyz', `Content-Disposition: form-data${CRLF}${CRLF}1`), 'has no name'],
    ['an encoded part', body('xyz', part('a', 'MQ==', `Content-Transfer-Encoding: base64${CRLF}`)), 'Content-Transfer-Encoding base64'],
    ['bare LF line breaks', `--xyz\nContent-Disposition: form-data; name="a"\n\n1\n--xyz--\n`, 'is followed by'],
  ])('refuses %s', (_case, text, message) => {
    expect(() => parseMultipart(text, 'xyz')).toThrow(PayloadError);
    expect(() => parseMultipart(text, 'xyz')).toThrow(message);
  });

  it('refuses more parts than a webhook ever carries, and over-long part headers', () => {
    const many = body('xyz', ...Array.from({ length: 1001 }, (_, i) => part(`f${i}`, 'v')));
    expect(() => parseMultipart(many, 'xyz')).toThrow('more than 1000 parts');
    const longHeader = body('xyz', part('a', '1', `X-Long: ${'h'.repeat(9000)}${CRLF}`));
    expect(() => parseMultipart(longHeader, 'xyz')).toThrow('headers longer than');
  });
});

describe('form fields as providers sign them', () => {
  it('reads URL-encoded bodies (also without a Content-Type) and multipart ones, repeats kept', async () => {
    expect(formFields('a=1&a=2&b=3', 'application/x-www-form-urlencoded')).toEqual([['a', '1'], ['a', '2'], ['b', '3']]);
    expect(formFields('a=1', undefined)).toEqual([['a', '1']]);
    expect(formFields('To=%2B14155550100&Note=on+air&Odd=100%&&=x', 'application/x-www-form-urlencoded')).toEqual([['To', '+14155550100'], ['Note', 'on air'], ['Odd', '100%'], ['', 'x']]);
    const { body: text, contentType } = await encoded([['a', '1'], ['a', '2']]);
    expect(formFields(text, contentType)).toEqual([['a', '1'], ['a', '2']]);
  });

  it('has no fields for JSON or XML bodies', () => {
    expect(formFields('{"a":1}', 'application/json')).toBeUndefined();
    expect(formFields('<a/>', 'text/xml')).toBeUndefined();
  });
});
