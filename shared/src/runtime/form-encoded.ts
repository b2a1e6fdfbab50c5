import { encodeUriComponentSafe } from '../template/filters.ts';

/**
 * Name-value pairs as `application/x-www-form-urlencoded` text, byte for byte what
 * `new URLSearchParams(pairs).toString()` writes (WHATWG URL, §5.2): each pair's text as UTF-8,
 * every byte percent-encoded but ASCII letters, digits and `*-._`, a space as `+`. Node's
 * serializer adds to its output a piece at a time: for a Vtiger search of 20 numbers (a query of
 * some 2,000 characters, a quarter of them spaces and quotes) that made 40 KB of garbage per
 * request on the relay's thread; here each text is encoded whole, natively (issue 10).
 */
export function formEncoded(pairs: Iterable<readonly [string, string]>): string {
  let out = '';
  for (const [name, value] of pairs) out += `${out ? '&' : ''}${formComponent(name)}=${formComponent(value)}`;
  return out;
}

/**
 * Appends name-value pairs to a URL's query, as `url.searchParams.append` each would: the query
 * there read and written again with them. Without `url.searchParams`: once a URL has made that
 * object, each change of its query is parsed into it again, a Vtiger search's 2,000 characters
 * too (issue 10).
 */
export function appendQuery(url: URL, pairs: ReadonlyArray<readonly [string, string]>): void {
  if (pairs.length === 0) return;
  const added = formEncoded(pairs);
  url.search = url.search.length > 1 ? `${formEncoded(new URLSearchParams(url.search))}&${added}` : added;
}

function formComponent(text: string): string {
  let plain = 0;
  while (plain < text.length && isPlain(text.charCodeAt(plain))) plain++;
  if (plain === text.length) return text;
  // The engine's native encoder, then what it writes otherwise: a space as `+`, and `!'()~`, which it
  // leaves as they are, escaped. Writing the bytes here one by one (the UTF-8 of the text, then its
  // escapes in an array) took twice as long for the JSON `element` of every Vtiger write, 17 % of a
  // log step's engine CPU in its profile (issue 10).
  let encoded: string;
  try {
    encoded = encodeURIComponent(text);
  } catch {
    // A lone surrogate (valid in JSON): U+FFFD, as URLSearchParams writes it.
    encoded = encodeUriComponentSafe(text);
  }
  // A `%` in its output starts an escape, always: `%20` is a space, never part of another.
  if (encoded.includes('%20')) encoded = encoded.replaceAll('%20', '+');
  return LEFT_AS_IS.test(encoded) ? encoded.replace(LEFT_AS_IS_ALL, (mark) => MARK_ESCAPES[mark]!) : encoded;
}

/** ASCII letters, digits and `*-._`: the bytes written as they are. */
const PLAIN = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._') PLAIN[char.charCodeAt(0)] = 1;
const isPlain = (code: number) => code < 128 && PLAIN[code] === 1;
/** What `encodeURIComponent` leaves as it is and a form escapes. */
const LEFT_AS_IS = /[!'()~]/;
const LEFT_AS_IS_ALL = /[!'()~]/g;
const MARK_ESCAPES: Record<string, string> = { '!': '%21', "'": '%27', '(': '%28', ')': '%29', '~': '%7E' };
