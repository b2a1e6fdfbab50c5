import { PayloadError } from './payload-error.ts';

/**
 * multipart/form-data bodies (RFC 7578 over RFC 2046), read synchronously and strictly: the
 * engine's parse is synchronous and runs in a service worker, where `Response.formData()` would
 * be async and would say no more than "could not parse" about a bad body. Exotel posts its
 * StatusCallback this way unless asked for JSON. Fields come back as name/value pairs in the
 * order sent, repeated names kept; file parts are left out (no call field is a file, and the
 * body reached us as text).
 */

const CRLF = '\r\n';
/** RFC 2046 `boundary`: 1 to 70 of these characters, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
/** Far more than any provider's webhook; a body with more parts is not a webhook. */
const MAX_PARTS = 1000;
const MAX_PART_HEADER_CHARS = 8192;

/** The boundary a multipart Content-Type declares. */
export function multipartBoundary(contentType: string | undefined): string {
  const boundary = headerParameters(contentType ?? '').params.get('boundary');
  if (!boundary) throw new PayloadError('multipart/form-data has no boundary in its Content-Type');
  if (!BOUNDARY.test(boundary)) throw new PayloadError(`"${boundary.slice(0, 80)}" is not a valid boundary (RFC 2046: 1 to 70 letters, digits or '()+_,-./:=? characters)`);
  return boundary;
}

/** The text fields of a multipart/form-data body, in order. Anything malformed is a PayloadError. */
export function parseMultipart(body: string, boundary: string): Array<[string, string]> {
  const dash = `--${boundary}`;
  const delimiter = `${CRLF}${dash}`;
  let at: number;
  if (body.startsWith(dash)) at = dash.length;
  else {
    // Anything before the first boundary line is a preamble, ignored (RFC 2046 5.1.1).
    const first = body.indexOf(delimiter);
    if (first === -1) throw new PayloadError(`the body has no ${dash} line`);
    at = first + delimiter.length;
  }
  const fields: Array<[string, string]> = [];
  for (let parts = 0; ; parts++) {
    // `--boundary--` closes the body; what follows is an epilogue, ignored.
    if (body.startsWith('--', at)) return fields;
    let start = at;
    while (body[start] === ' ' || body[start] === '\t') start++;
    if (start === body.length) throw new PayloadError(`the multipart body is not closed by ${dash}--`);
    if (!body.startsWith(CRLF, start)) throw new PayloadError(`the boundary line ${dash} is followed by ${JSON.stringify(body.slice(at, at + 20))}, not a line break (CRLF)`);
    start += CRLF.length;
    const end = body.indexOf(delimiter, start);
    if (end === -1) throw new PayloadError(`the multipart body is not closed by ${dash}--`);
    if (parts === MAX_PARTS) throw new PayloadError(`the body has more than ${MAX_PARTS} parts`);
    const field = readPart(body.slice(start, end));
    if (field) fields.push(field);
    at = end + delimiter.length;
  }
}

/** One part: its headers, a blank line, its content. Undefined for a file. */
function readPart(part: string): [string, string] | undefined {
  const headerEnd = part.startsWith(CRLF) ? 0 : part.indexOf(`${CRLF}${CRLF}`);
  if (headerEnd === -1) throw new PayloadError('a part has no blank line after its headers');
  if (headerEnd > MAX_PART_HEADER_CHARS) throw new PayloadError(`a part has headers longer than ${MAX_PART_HEADER_CHARS} characters`);
  const headers = new Map<string, string>();
  for (const line of headerEnd === 0 ? [] : part.slice(0, headerEnd).split(CRLF)) {
    const colon = line.indexOf(':');
    if (colon <= 0) throw new PayloadError(`${JSON.stringify(line.slice(0, 40))} in a part is not a header`);
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const content = part.slice(headerEnd === 0 ? CRLF.length : headerEnd + 2 * CRLF.length);
  const disposition = headers.get('content-disposition');
  if (disposition === undefined) throw new PayloadError('a part has no Content-Disposition header');
  const { value: kind, params } = headerParameters(disposition);
  if (kind.toLowerCase() !== 'form-data') throw new PayloadError(`a part is not form-data (Content-Disposition: ${kind.slice(0, 40)})`);
  const name = params.get('name');
  if (!name) throw new PayloadError('a part has no name (Content-Disposition: form-data; name="…")');
  const encoding = headers.get('content-transfer-encoding')?.toLowerCase();
  if (encoding !== undefined && !['7bit', '8bit', 'binary'].includes(encoding)) {
    throw new PayloadError(`the part "${name}" uses Content-Transfer-Encoding ${encoding}, which RFC 7578 has senders leave out`);
  }
  if (params.has('filename') || params.has('filename*')) return undefined;
  return [name, content];
}

/** `type; a=1; b="x;y"`: the leading value and the parameters (names lower-cased, quotes removed). */
function headerParameters(header: string): { value: string; params: Map<string, string> } {
  const semicolon = header.indexOf(';');
  const params = new Map<string, string>();
  if (semicolon === -1) return { value: header.trim(), params };
  for (const match of header.slice(semicolon).matchAll(/;\s*([^\s=;]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g)) {
    params.set(match[1]!.toLowerCase(), match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]!.trim());
  }
  return { value: header.slice(0, semicolon).trim(), params };
}
