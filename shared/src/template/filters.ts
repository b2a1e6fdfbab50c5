import { nationalDigits, toE164, toNational } from '../record/phone.ts';
import { DATE_FORMATS, DURATION_UNITS, escapeSosl, fitPattern, formatDate, formatDuration, quoteSoql, quoteSql } from './crm-formats.ts';
import { hmacSha1, hmacSha256, md5, sha1, sha256 } from './digest.ts';
import type { FilterArg, FilterCall } from './ast.ts';

export interface FilterContext {
  defaultCountry?: string;
  /** Renders a nested template (the values of `urlappend`'s object). */
  renderNested(template: import('./ast.ts').Template): string;
  /** Renders a nested template, undefined where it names a value that is not set (`and`'s argument). */
  renderNestedOptional(template: import('./ast.ts').Template): string | undefined;
}

interface FilterSpec {
  /** What the argument is: none, an optional or required string, or a `{'k': 'v'}` object. */
  arg: 'none' | 'optional-string' | 'string' | 'object';
  /** The argument must be one of these words (checked when the connector loads). */
  choices?: readonly string[];
  doc: string;
  /** Receives undefined for a variable that is not set; only `default` accepts that. */
  apply(value: string | undefined, arg: FilterArg | undefined, context: FilterContext): string | undefined;
}

const defined = (fn: (value: string, arg: FilterArg | undefined, context: FilterContext) => string) =>
  (value: string | undefined, arg: FilterArg | undefined, context: FilterContext) => (value === undefined ? undefined : fn(value, arg, context));

const stringArg = (arg: FilterArg | undefined) => (arg?.kind === 'string' ? arg.value : undefined);
/** The argument rendered (it is a template: `pattern:'$config.$fields.format'`). */
const renderedArg = (arg: FilterArg | undefined, context: FilterContext) => (arg?.kind === 'string' ? context.renderNested(arg.template) : '');
/** A filter that may find its value unreadable (a bad date): undefined then, so the template names the value. */
const readable = (fn: (value: string, arg: FilterArg | undefined, context: FilterContext) => string | undefined) =>
  (value: string | undefined, arg: FilterArg | undefined, context: FilterContext) => (value === undefined ? undefined : fn(value, arg, context));
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };


/** Every filter a template may use: `value|name` or `value|name:arg`, applied left to right. */
export const FILTERS: Record<string, FilterSpec> = {
  urlappend: {
    arg: 'object',
    doc: "Appends query parameters to a URL: `@answer_callback|urlappend:{'DialTo': '@to_number'}`. Values are templates and are URL-encoded; a value that renders empty leaves its parameter out (`'DialExt': \"@to_extension|default:''\"` for an optional one).",
    apply: defined((url, arg, context) => {
      if (arg?.kind !== 'object') return url;
      const query = arg.entries
        .map(([key, template]) => [key, context.renderNested(template)] as const)
        .filter(([, value]) => value !== '')
        .map(([key, value]) => `${encodeUriComponentSafe(key)}=${encodeUriComponentSafe(value)}`)
        .join('&');
      if (!query) return url;
      const hashAt = url.indexOf('#');
      const [base, hash] = hashAt >= 0 ? [url.slice(0, hashAt), url.slice(hashAt)] : [url, ''];
      const queryAt = base.indexOf('?');
      const joiner = queryAt < 0 ? '?' : queryAt === base.length - 1 || base.endsWith('&') ? '' : '&';
      return `${base}${joiner}${query}${hash}`;
    }),
  },
  urlencode: { arg: 'none', doc: 'Percent-encodes the value for use inside a URL.', apply: defined((v) => encodeUriComponentSafe(v)) },
  pathsegment: {
    arg: 'none',
    doc: "Percent-encodes the value as one segment of a URL's path: as `urlencode`, but `:` and `@` stay as they are (RFC 3986 allows them there), for ids that carry them (Telnyx's `v3:…` call ids). A `/`, `?` or `#` in the value cannot leave the segment.",
    apply: defined((v) => encodeUriComponentSafe(v).replace(/%3A/gi, ':').replace(/%40/gi, '@')),
  },
  digits: { arg: 'none', doc: 'Keeps only the digits: `+1 (415) 555-0100` becomes `14155550100`.', apply: defined((v) => v.replace(/\D+/g, '')) },
  e164: {
    arg: 'optional-string',
    doc: "E.164 form (`+14155550100`), reading national numbers in the default country or the given one (`e164:'IN'`). Values that are not phone numbers pass unchanged.",
    apply: defined((v, arg, context) => toE164(v, stringArg(arg) ?? context.defaultCountry) ?? v),
  },
  national: {
    arg: 'optional-string',
    doc: 'National format (`(415) 555-0100`), as a person in that country dials it.',
    apply: defined((v, arg, context) => toNational(v, stringArg(arg) ?? context.defaultCountry)),
  },
  lower: { arg: 'none', doc: 'Lower case.', apply: defined((v) => v.toLowerCase()) },
  upper: { arg: 'none', doc: 'Upper case.', apply: defined((v) => v.toUpperCase()) },
  base64: { arg: 'none', doc: 'Base64 of the UTF-8 bytes (for hand-built `Authorization` headers).', apply: defined((v) => base64(v)) },
  md5: { arg: 'none', doc: 'MD5 of the UTF-8 value, lower-case hex.', apply: defined((v) => md5(v)) },
  sha1: { arg: 'none', doc: 'SHA-1, lower-case hex.', apply: defined((v) => sha1(v)) },
  sha256: { arg: 'none', doc: 'SHA-256, lower-case hex.', apply: defined((v) => sha256(v)) },
  hmac_sha1: {
    arg: 'string',
    doc: "HMAC-SHA1 with the argument as key, lower-case hex: `{{@request_path@request_query}}|hmac_sha1:'$config.$fields.secret'`.",
    apply: defined((v, arg, context) => hmacSha1(arg?.kind === 'string' ? context.renderNested(arg.template) : '', v)),
  },
  hmac_sha256: {
    arg: 'string',
    doc: 'HMAC-SHA256 with the argument as key, lower-case hex.',
    apply: defined((v, arg, context) => hmacSha256(arg?.kind === 'string' ? context.renderNested(arg.template) : '', v)),
  },
  last: {
    arg: 'string',
    doc: "The last N digits (`@number|last:'4'` is `0100`): what Vtiger's `LIKE '%…'` searches by. Fewer digits than N: all of them.",
    apply: defined((v, arg, context) => v.replace(/\D+/g, '').slice(-Math.max(1, Number(renderedArg(arg, context)) || 1))),
  },
  pattern: {
    arg: 'string',
    doc: "The number's national digits poured into the `#` slots of a user format, last digits last: `@number|pattern:'(###) ###-####'` is `(415) 555-0100`. Unset when the number has fewer digits than slots.",
    apply: readable((v, arg, context) => fitPattern(nationalDigits(v, context.defaultCountry) ?? v.replace(/\D+/g, ''), renderedArg(arg, context))),
  },
  duration: {
    arg: 'string',
    choices: DURATION_UNITS,
    doc: "A duration in seconds in the CRM's unit: `s`, `ms` (HubSpot), `minutes`, `hours` (whole, rounded down), `minutes_of_hour` (0-59, beside `hours`: Vtiger), `mm:ss` (Zoho), `hh:mm`, `hh:mm:ss`. Unset when the value is not a number of seconds.",
    apply: readable((v, arg) => formatDuration(v, stringArg(arg) ?? '')),
  },
  date: {
    arg: 'string',
    choices: DATE_FORMATS,
    doc: "An instant (ISO 8601 with a zone, or epoch milliseconds) in UTC, as the CRM writes it: `iso` (`2025-03-02T14:05:10Z`), `iso-ms` (`…10.000Z`), `iso-offset` (`…10+00:00`: Zoho), `sql` (`2025-03-02 14:05:10`), `date` (`2025-03-02`), `time` (`14:05:10`), `epoch`, `epoch-ms`. Unset when the value is not such an instant.",
    apply: readable((v, arg) => formatDate(v, stringArg(arg) ?? '')),
  },
  sql: { arg: 'none', doc: "For inside a single-quoted SQL or VTQL literal: `'` becomes `''` and `\\` becomes `\\\\` (Vtiger's `query`).", apply: defined((v) => quoteSql(v)) },
  soql: { arg: 'none', doc: "For inside a single-quoted SOQL literal: a backslash before `'` and `\\` (Salesforce's `query`, which does not read `''`).", apply: defined((v) => quoteSoql(v)) },
  sosl: { arg: 'none', doc: 'Salesforce SOSL: a backslash before each reserved character `& | ! ( ) { } [ ] ^ " ~ * ? : \\ \' + -`.', apply: defined((v) => escapeSosl(v)) },
  after: {
    arg: 'string',
    doc: "The text after the first occurrence of the argument; the whole value when it does not occur (Vtiger's id `4x123` with `after:'x'` is the record number `123`).",
    apply: defined((v, arg, context) => {
      const separator = renderedArg(arg, context);
      const at = separator ? v.indexOf(separator) : -1;
      return at < 0 ? v : v.slice(at + separator.length);
    }),
  },
  html: { arg: 'none', doc: 'Escapes `& < > " \'` for HTML (HubSpot\'s `hs_call_body`).', apply: defined((v) => v.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!)) },
  not: {
    arg: 'none',
    doc: "`true` when the value is unset or empty, else empty: an `if` that holds while a checkbox is unticked (`if=\"$config.$fields.screen_calls|not\"`).",
    apply: (v) => (v === undefined || v === '' ? 'true' : ''),
  },
  and: {
    arg: 'string',
    doc: "The argument (a template) when the value is set and not empty, else empty: both set, for an `if` (`if=\"@agents_away|and:'$config.$fields.away_voicemail'\"`; `…|and:'…'|not` holds unless both are). With `not` and `default`, a filter that accepts a missing value, and an argument that names one.",
    apply: (v, arg, context) => (v === undefined || v === '' || arg?.kind !== 'string' ? '' : (context.renderNestedOptional(arg.template) ?? '')),
  },
  default: {
    arg: 'string',
    doc: "Uses the argument (a template) when the value is not set or empty: `$config.$fields.campaign|default:'@user_phone_home'`. With `not` and `and`, the only filters that accept a missing value.",
    apply: (v, arg, context) => (v === undefined || v === '' ? (arg?.kind === 'string' ? context.renderNested(arg.template) : '') : v),
  },
};

/** encodeURIComponent that never throws: a lone surrogate (valid in JSON) becomes U+FFFD, as URLSearchParams does. */
export function encodeUriComponentSafe(text: string): string {
  return encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD'));
}

export function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function checkFilterCall(filter: FilterCall): { message: string; hint?: string } | undefined {
  const spec = FILTERS[filter.name];
  if (!spec) {
    return { message: `unknown filter \`${filter.name}\``, hint: `known filters: ${Object.keys(FILTERS).join(', ')}` };
  }
  const arg = filter.arg;
  if (spec.arg === 'none' && arg) return { message: `filter \`${filter.name}\` takes no argument` };
  if (spec.arg === 'string' && arg?.kind !== 'string') {
    return { message: `filter \`${filter.name}\` needs a quoted argument`, hint: `write \`|${filter.name}:'value'\`` };
  }
  if (spec.arg === 'optional-string' && arg && arg.kind !== 'string') return { message: `filter \`${filter.name}\` takes a quoted argument` };
  if (spec.choices && arg?.kind === 'string' && arg.template.parts.every((p) => p.kind === 'text') && !spec.choices.includes(arg.value)) {
    return { message: `filter \`${filter.name}\` does not know '${arg.value}'`, hint: `one of: ${spec.choices.join(', ')}` };
  }
  if (spec.arg === 'object' && arg?.kind !== 'object') {
    return { message: `filter \`${filter.name}\` needs an object argument`, hint: `write \`|${filter.name}:{'Key': '@value'}\`` };
  }
  return undefined;
}
