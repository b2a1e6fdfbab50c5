/**
 * How deep a payload may nest. Providers nest a handful of levels (Telnyx's `data.payload.…`);
 * the bound is checked on the text, before anything is built from it, so that nothing walking
 * a payload later (paths, `JSON.stringify` of a mapped value) can run out of stack: a signed
 * 12 KB webhook of 6,000 nested arrays used to end in a 500 instead of a 400.
 */
export const MAX_PAYLOAD_DEPTH = 32;

const QUOTE = 34;
const BACKSLASH = 92;
const OPENERS = new Set([91, 123]); // [ {
const CLOSERS = new Set([93, 125]); // ] }

/** Where JSON text opens a level deeper than the bound (the bracket's offset), or undefined. Brackets inside strings do not count. */
export function jsonTooDeepAt(text: string): number | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === BACKSLASH) i++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) inString = true;
    else if (OPENERS.has(code) && ++depth > MAX_PAYLOAD_DEPTH) return i;
    else if (CLOSERS.has(code)) depth--;
  }
  return undefined;
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
