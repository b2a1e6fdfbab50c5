/**
 * Name-value pairs as `application/x-www-form-urlencoded` text, byte for byte what
 * `new URLSearchParams(pairs).toString()` writes (WHATWG URL, §5.2): each pair's text as UTF-8,
 * every byte percent-encoded but ASCII letters, digits and `*-._`, a space as `+`. Node's
 * serializer adds to its output a piece at a time: for a Vtiger search of 20 numbers (a query of
 * some 2,000 characters, a quarter of them spaces and quotes) that made 40 KB of garbage per
 * request on the relay's thread; here the bytes are counted, then written in one array (issue 10).
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
  // UTF-8 (a lone surrogate as U+FFFD, as URLSearchParams writes it), then written byte by byte:
  // percent-encoded in one pass, where `encodeURIComponent` and the replacements of what it leaves
  // (a space as %20, `'` and `!()~` as they are) made 50 KB of garbage for a search's query.
  const bytes = UTF8.encode(text);
  let length = 0;
  for (const byte of bytes) length += isPlain(byte) || byte === SPACE ? 1 : 3;
  const out = new Uint8Array(length);
  let at = 0;
  for (const byte of bytes) {
    if (isPlain(byte)) out[at++] = byte;
    else if (byte === SPACE) out[at++] = PLUS;
    else {
      out[at++] = PERCENT;
      out[at++] = HEX[byte >> 4]!;
      out[at++] = HEX[byte & 15]!;
    }
  }
  return ASCII.decode(out);
}

/** ASCII letters, digits and `*-._`: the bytes written as they are. */
const PLAIN = new Uint8Array(128);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789*-._') PLAIN[char.charCodeAt(0)] = 1;
const isPlain = (code: number) => code < 128 && PLAIN[code] === 1;
const [SPACE, PLUS, PERCENT] = [0x20, 0x2b, 0x25];
const HEX = new TextEncoder().encode('0123456789ABCDEF');
const UTF8 = new TextEncoder();
const ASCII = new TextDecoder();
