/**
 * A small, strict reader for the TwiML a relay answers with: elements, attributes, text and
 * the predefined and numeric entities. Anything else (DOCTYPE, CDATA, a tag that does not
 * close) is a parse failure, as Twilio reports it (error 12100, Document parse failure).
 */
export interface TwimlElement {
  name: string;
  attrs: Record<string, string>;
  children: TwimlElement[];
  text: string;
}

export class TwimlParseError extends Error {
  override name = 'TwimlParseError';
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    const value = ENTITIES[name];
    if (value === undefined) throw new TwimlParseError(`unknown entity ${whole}`);
    return value;
  });
}

/** Parses a TwiML document and returns its root element (`Response`). */
export function parseTwiml(source: string): TwimlElement {
  const text = source.replace(/^\uFEFF/, '').replace(/^\s*<\?xml[^?]*\?>/, '');
  const token = /<\/([A-Za-z][\w.-]*)\s*>|<([A-Za-z][\w.-]*)((?:\s+[A-Za-z_:][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*(\/?)>|([^<]+)|(<)/gy;
  const root: TwimlElement = { name: '#document', attrs: {}, children: [], text: '' };
  const stack = [root];
  for (let match = token.exec(text); match; match = token.exec(text)) {
    const [, closing, opening, attrText, selfClosing, chars, stray] = match;
    const top = stack.at(-1)!;
    if (stray) throw new TwimlParseError(`unexpected "<" at offset ${match.index}`);
    if (chars !== undefined) {
      if (top === root && chars.trim()) throw new TwimlParseError('text outside the root element');
      top.text += decode(chars);
    } else if (closing) {
      if (closing !== top.name) throw new TwimlParseError(`</${closing}> closes <${top.name}>`);
      stack.pop();
    } else if (opening) {
      const attrs: Record<string, string> = {};
      for (const [, name, double, single] of (attrText ?? '').matchAll(/([A-Za-z_:][\w.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) attrs[name!] = decode(double ?? single ?? '');
      const element: TwimlElement = { name: opening, attrs, children: [], text: '' };
      top.children.push(element);
      if (!selfClosing) stack.push(element);
    }
  }
  if (stack.length !== 1) throw new TwimlParseError(`<${stack.at(-1)!.name}> is not closed`);
  if (root.children.length !== 1 || root.children[0]!.name !== 'Response') throw new TwimlParseError('the document must have one <Response> root');
  return root.children[0]!;
}
