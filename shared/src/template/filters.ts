import { toE164, toNational } from '../record/phone.ts';
import { hmacSha1, hmacSha256, md5, sha1, sha256 } from './digest.ts';
import type { FilterArg, FilterCall } from './ast.ts';

export interface FilterContext {
  defaultCountry?: string;
  /** Renders a nested template (the values of `urlappend`'s object). */
  renderNested(template: import('./ast.ts').Template): string;
}

interface FilterSpec {
  /** What the argument is: none, an optional or required string, or a `{'k': 'v'}` object. */
  arg: 'none' | 'optional-string' | 'string' | 'object';
  doc: string;
  /** Receives undefined for a variable that is not set; only `default` accepts that. */
  apply(value: string | undefined, arg: FilterArg | undefined, context: FilterContext): string | undefined;
}

const defined = (fn: (value: string, arg: FilterArg | undefined, context: FilterContext) => string) =>
  (value: string | undefined, arg: FilterArg | undefined, context: FilterContext) => (value === undefined ? undefined : fn(value, arg, context));

const stringArg = (arg: FilterArg | undefined) => (arg?.kind === 'string' ? arg.value : undefined);


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
  default: {
    arg: 'string',
    doc: "Uses the argument (a template) when the value is not set or empty: `$config.$fields.campaign|default:'@user_phone_home'`. The only filter that accepts a missing value.",
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
  if (spec.arg === 'object' && arg?.kind !== 'object') {
    return { message: `filter \`${filter.name}\` needs an object argument`, hint: `write \`|${filter.name}:{'Key': '@value'}\`` };
  }
  return undefined;
}
