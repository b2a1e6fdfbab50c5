/**
 * How deep a payload may nest. Providers nest a handful of levels (Telnyx's `data.payload.…`);
 * the bound is checked on the text, before anything is built from it, so that nothing walking
 * a payload later (paths, `JSON.stringify` of a mapped value) can run out of stack: a signed
 * 12 KB webhook of 6,000 nested arrays used to end in a 500 instead of a 400.
 */
export const MAX_PAYLOAD_DEPTH = 32;

const QUOTE = 34;
const BACKSLASH = 92;
const [OPEN_BRACKET, CLOSE_BRACKET, OPEN_BRACE, CLOSE_BRACE] = [91, 93, 123, 125];

/**
 * Where JSON text opens a level deeper than the bound (the bracket's offset), or undefined. Brackets
 * inside strings do not count: a string is skipped to its closing quote, found by `indexOf` rather
 * than character by character (a CRM answer is mostly strings, and its scan, by sets of brackets,
 * was a third of reading it, JSON.parse the rest; issue 10).
 */
export function jsonTooDeepAt(text: string): number | undefined {
  // No more brackets in all than the bound has levels: none opens a level past it, whatever the
  // strings hold. A CRM's written record answers with one or two, and its scan, a string at a
  // time, was all of the check (issue 10).
  if (openingBrackets(text, MAX_PAYLOAD_DEPTH + 1) <= MAX_PAYLOAD_DEPTH) return undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === QUOTE) {
      const end = closingQuote(text, i);
      // Unterminated: nothing after it opens a level.
      if (end < 0) return undefined;
      i = end;
    } else if ((code === OPEN_BRACE || code === OPEN_BRACKET) && ++depth > MAX_PAYLOAD_DEPTH) return i;
    else if (code === CLOSE_BRACE || code === CLOSE_BRACKET) depth--;
  }
  return undefined;
}

/** How many `{` and `[` the text holds, counted natively (`indexOf`) up to `limit`. */
function openingBrackets(text: string, limit: number): number {
  let count = 0;
  for (const bracket of OPENING_BRACKETS) for (let at = text.indexOf(bracket); at >= 0 && count < limit; at = text.indexOf(bracket, at + 1)) count++;
  return count;
}

const OPENING_BRACKETS = ['{', '['];

/** The offset of the quote that closes the string opened at `start`: the next one after an even number of backslashes; -1 when none does. */
function closingQuote(text: string, start: number): number {
  for (let quote = text.indexOf('"', start + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

/**
 * One piece of XML markup: a comment, a CDATA section, a declaration or processing instruction,
 * an end tag, or a start tag whose quoted attribute values may hold `>`. Unterminated pieces run
 * to the end of the text (the parser refuses them afterwards).
 */
const XML_MARKUP = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<[!?][^>]*>?|<\/[^>]*>?|<[^\s/>!?][^"'>]*(?:(?:"[^"]*"|'[^']*')[^"'>]*)*>?/g;

/** Where XML text opens an element deeper than the bound (its start tag's offset), or undefined. */
export function xmlTooDeepAt(text: string): number | undefined {
  let depth = 0;
  for (const match of text.matchAll(XML_MARKUP)) {
    const markup = match[0];
    if (markup.startsWith('</')) depth--;
    else if (/^<[^!?]/.test(markup) && !markup.endsWith('/>') && ++depth > MAX_PAYLOAD_DEPTH) return match.index;
  }
  return undefined;
}
