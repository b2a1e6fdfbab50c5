/** A URL-encoded body's fields: name/value pairs in the order sent, repeated names kept. */
export type UrlEncodedFields = ReadonlyArray<readonly [string, string]>;

/**
 * The fields of the bodies read last: a signed webhook's body is read twice, for its signature
 * (form-fields.ts) and for its payload (parse-body.ts), each a URLSearchParams over the same text
 * (some 4 µs for a Twilio status callback, issue 13). Under a burst the relay checks the
 * signatures of a turn's webhooks before it maps the first of them, so a single last body was
 * never the one asked for again (both reads showed in a profile of 16 senders): the last
 * `RECENT_BODIES` are kept, the first kept going first. Keyed by the text: another body of the
 * same text reads the same.
 */
const recent = new Map<string, UrlEncodedFields>();
const RECENT_BODIES = 64;
/** V8 hashes a longer string by its length alone: such bodies would all collide in the map. */
const LONGEST_KEPT_BODY = 16_383;

/** The fields of a URL-encoded body; the array is shared with the next reader of the same body, not to be changed. */
export function urlEncodedFields(body: string): UrlEncodedFields {
  const kept = body.length <= LONGEST_KEPT_BODY;
  if (kept) {
    const known = recent.get(body);
    if (known) return known;
  }
  const fields = decodedFields(body) ?? searchParamsFields(body);
  if (kept) {
    if (recent.size >= RECENT_BODIES) recent.delete(recent.keys().next().value!);
    recent.set(body, fields);
  }
  return fields;
}

/** In a `u` expression a pair of surrogates is one code point: only a lone one is of category Cs. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * The fields as the WHATWG form parser reads them (`URLSearchParams`: a leading `?` dropped, `&`
 * between fields, the first `=` between name and value, `+` a space, then percent-decoding and
 * UTF-8), each name and value decoded by `decodeURIComponent`: undefined when one cannot be (a
 * stray `%`, escapes that are not UTF-8) or the text has a lone surrogate, where the two differ
 * (the WHATWG parser reads those as U+FFFD). URLSearchParams' parse in script was most of a
 * Twilio webhook's body read (issue 13).
 */
function decodedFields(body: string): Array<readonly [string, string]> | undefined {
  if (LONE_SURROGATE.test(body)) return undefined;
  const fields: Array<readonly [string, string]> = [];
  for (let start = body.startsWith('?') ? 1 : 0; start <= body.length; ) {
    let end = body.indexOf('&', start);
    if (end === -1) end = body.length;
    if (end > start) {
      // Looked for within the field: a body of fields without `=` is not read once per field.
      const field = body.slice(start, end);
      const equals = field.indexOf('=');
      const name = decodedComponent(equals === -1 ? field : field.slice(0, equals));
      const value = equals === -1 ? '' : decodedComponent(field.slice(equals + 1));
      if (name === undefined || value === undefined) return undefined;
      fields.push([name, value]);
    }
    start = end + 1;
  }
  return fields;
}

function decodedComponent(text: string): string | undefined {
  const spaced = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return undefined;
  }
}

function searchParamsFields(body: string): Array<readonly [string, string]> {
  const fields: Array<readonly [string, string]> = [];
  // forEach, not the iterator: spreading URLSearchParams' iterator cost about 4 % of the relay's
  // CPU in a profile of signed Twilio webhooks (issue 13), forEach a fraction of it.
  new URLSearchParams(body).forEach((value, name) => fields.push([name, value]));
  return fields;
}
