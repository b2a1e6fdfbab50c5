import { XMLParser } from 'fast-xml-parser';
import { multipartBoundary, parseMultipart } from './multipart.ts';
import { PayloadError } from './payload-error.ts';
import { type UrlEncodedFields, urlEncodedFields } from './url-encoded.ts';
import { jsonTooDeepAt, MAX_PAYLOAD_DEPTH, xmlTooDeepAt } from './nesting.ts';

export { PayloadError };

export type BodyFormat = 'form' | 'json' | 'xml' | 'query' | 'multipart';

const xmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
});

/** The Content-Type read last and its format: a webhook's is read three or four times (signature, payload), and a provider sends one. */
let lastRead: { contentType: string | undefined; format: BodyFormat | undefined } = { contentType: undefined, format: undefined };

/** The body format a Content-Type names, or undefined when it names none we read. */
export function formatFromContentType(contentType: string | undefined): BodyFormat | undefined {
  if (contentType === lastRead.contentType) return lastRead.format;
  const format = formatOf(contentType);
  lastRead = { contentType, format };
  return format;
}

function formatOf(contentType: string | undefined): BodyFormat | undefined {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (!type) return undefined;
  if (type === 'application/x-www-form-urlencoded') return 'form';
  if (type === 'multipart/form-data') return 'multipart';
  if (type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'text/xml' || type === 'application/xml' || type.endsWith('+xml')) return 'xml';
  return undefined;
}

/**
 * Reads a body in the given format into a plain object. Malformed input is a PayloadError.
 * A multipart body needs its Content-Type, which carries the boundary.
 */
export function parseBody(body: string, format: BodyFormat, contentType?: string): Record<string, unknown> {
  if (body.trim() === '') return {};
  switch (format) {
    case 'form':
    case 'query':
      return fieldsToObject(urlEncodedFields(body));
    case 'multipart':
      return fieldsToObject(parseMultipart(body, multipartBoundary(contentType)));
    case 'json': {
      const tooDeep = jsonTooDeepAt(body);
      if (tooDeep !== undefined) throw new PayloadError(`the JSON body nests deeper than ${MAX_PAYLOAD_DEPTH} levels (at character ${tooDeep})`);
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (error) {
        throw new PayloadError(`the body is not valid JSON: ${(error as Error).message}`);
      }
      if (Array.isArray(parsed)) return { ...parsed };
      if (parsed === null || typeof parsed !== 'object') return { value: parsed };
      return parsed as Record<string, unknown>;
    }
    case 'xml':
      return parseXmlBody(body);
  }
}

/**
 * XML bodies become objects whose top level is the root element's content, so `Call.Sid`
 * reads `<TwilioResponse><Call><Sid>` the same way it reads `{"Call":{"Sid":…}}`.
 */
function parseXmlBody(body: string): Record<string, unknown> {
  if (/<!(DOCTYPE|ENTITY)\b/i.test(body)) throw new PayloadError('XML with a DOCTYPE or entity declaration is refused');
  const tooDeep = xmlTooDeepAt(body);
  if (tooDeep !== undefined) throw new PayloadError(`the XML body nests deeper than ${MAX_PAYLOAD_DEPTH} elements (at character ${tooDeep})`);
  let parsed: Record<string, unknown>;
  try {
    parsed = xmlParser.parse(body, true) as Record<string, unknown>;
  } catch (error) {
    throw new PayloadError(`the body is not well-formed XML: ${(error as Error).message}`);
  }
  const roots = Object.keys(parsed).filter((k) => !k.startsWith('?'));
  if (roots.length !== 1) return parsed;
  const content = parsed[roots[0]!];
  return content !== null && typeof content === 'object' ? (content as Record<string, unknown>) : { [roots[0]!]: content };
}

/** Form fields as an object; a repeated key keeps its last value (Twilio repeats none we map). */
function fieldsToObject(fields: UrlEncodedFields): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of fields) out[key] = value;
  return out;
}

/** A query's parameters as an object, as `fieldsToObject` makes a form's. */
export function formToObject(params: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  // forEach rather than the iterator, which cost the relay several times more (form-fields.ts).
  params.forEach((value, key) => {
    out[key] = value;
  });
  return out;
}
