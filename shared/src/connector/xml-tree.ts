import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An attribute with the offset of its name in the source, for error positions. */
export interface XmlAttribute {
  name: string;
  value: string;
  offset: number;
}

/** A text run (including CDATA) directly inside an element. */
export interface XmlText {
  text: string;
  offset: number;
  cdata: boolean;
}

export interface XmlElement {
  name: string;
  offset: number;
  attributes: XmlAttribute[];
  children: XmlElement[];
  texts: XmlText[];
  /** `connector/config/fields/field[2]`: indices only where a name repeats among siblings. */
  path: string;
}

export interface XmlSyntaxProblem {
  message: string;
  offset: number;
  hint?: string;
  /** Element path, when the problem is inside an element. */
  path?: string;
}

export type XmlParseResult = { ok: true; root: XmlElement } | { ok: false; problem: XmlSyntaxProblem };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  captureMetaData: true,
  cdataPropName: '#cdata',
  commentPropName: '#comment',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
});
const META = XMLParser.getMetaDataSymbol() as unknown as string;

type OrderedNode = Record<string, unknown> & { ':@'?: Record<string, string> };

/** Maps character offsets to 1-based line:col. */
export class LineIndex {
  private readonly starts: number[] = [0];
  constructor(source: string) {
    for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  locate(offset: number): { line: number; col: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - this.starts[lo]! + 1 };
  }
  offsetOf(line: number, col: number): number {
    return (this.starts[line - 1] ?? 0) + col - 1;
  }
}

/**
 * Parses connector XML into a positioned element tree. DOCTYPE declarations (and with them
 * entity declarations) are refused outright: a connector is pasted by users and run by the
 * relay, so no entity expansion of any kind is allowed.
 */
export function parseXmlTree(source: string): XmlParseResult {
  const doctype = /<!(DOCTYPE|ENTITY)\b/i.exec(source);
  if (doctype) {
    return {
      ok: false,
      problem: {
        message: `<!${doctype[1]!.toUpperCase()}> is not allowed in a connector`,
        offset: doctype.index,
        hint: 'remove the declaration; connectors use no DTDs or custom entities',
      },
    };
  }
  const balance = checkTagBalance(source);
  if (balance) return { ok: false, problem: balance };
  const validation = XMLValidator.validate(source, { allowBooleanAttributes: false });
  if (validation !== true) {
    const lines = new LineIndex(source);
    return {
      ok: false,
      problem: {
        message: `malformed XML: ${validation.err.msg}`,
        offset: lines.offsetOf(validation.err.line, validation.err.col),
        hint: xmlHint(validation.err.code, validation.err.msg),
      },
    };
  }
  const nodes = parser.parse(source) as OrderedNode[];
  const roots = nodes.filter((n) => !isSpecial(nodeName(n)));
  if (roots.length !== 1) {
    return { ok: false, problem: { message: 'a connector must have exactly one root element', offset: 0 } };
  }
  const root = roots[0]!;
  return { ok: true, root: toElement(root, source, nodeName(root)) };
}

interface OpenTag {
  name: string;
  offset: number;
  bare: boolean;
}

/**
 * Finds unbalanced tags with messages a connector author can act on. The seed's examples
 * lost their closing slashes (`<call_id use="CallSid"><call_id>`), so a bare tag repeating
 * the open element's name is named as a closing tag that lost its slash.
 */
function checkTagBalance(source: string): XmlSyntaxProblem | undefined {
  const stack: OpenTag[] = [];
  const tag = /<(!--[\s\S]*?-->|!\[CDATA\[[\s\S]*?\]\]>|\?[\s\S]*?\?>|\/?)([A-Za-z_][\w.:-]*)?/g;
  for (let match = tag.exec(source); match; match = tag.exec(source)) {
    const kind = match[1]!;
    if (kind.startsWith('!') || kind.startsWith('?')) continue;
    const name = match[2];
    if (!name) continue;
    const end = findTagEnd(source, match.index);
    tag.lastIndex = end;
    const body = source.slice(match.index, end);
    if (kind === '/') {
      const open = stack.pop();
      if (!open) return { message: `</${name}> closes nothing`, offset: match.index, hint: 'remove it' };
      if (open.name !== name) {
        const slashless = missingSlash([...stack, open]);
        if (slashless) return slashless;
        return {
          message: `</${name}> found where </${open.name}> was expected`,
          offset: match.index,
          path: pathOf([...stack, open]),
          hint: `<${open.name}> is still open; close it or end its tag with />`,
        };
      }
      continue;
    }
    if (body.endsWith('/>')) continue;
    stack.push({ name, offset: match.index, bare: /^<[\w.:-]+\s*>$/.test(body) });
  }
  if (stack.length === 0) return undefined;
  const unclosed = stack.slice(1).find((open) => !open.bare) ?? stack[stack.length - 1]!;
  const slashless = missingSlash(stack);
  if (slashless && slashless.offset < unclosed.offset) return slashless;
  return {
    message: `<${unclosed.name}> is never closed`,
    offset: unclosed.offset,
    path: pathOf(stack.slice(0, stack.indexOf(unclosed) + 1)),
    hint: `end the tag with /> or add </${unclosed.name}>; the seed examples lost their closing slashes`,
  };
}

/** A bare `<name>` opened inside an element of the same name: a closing tag that lost its slash. */
function missingSlash(stack: OpenTag[]): XmlSyntaxProblem | undefined {
  const index = stack.findIndex((open, i) => open.bare && stack.slice(0, i).some((o) => o.name === open.name && !o.bare));
  if (index < 0) return undefined;
  const tag = stack[index]!;
  return { message: `<${tag.name}> looks like a closing tag without its slash`, offset: tag.offset, hint: `write </${tag.name}>`, path: pathOf(stack.slice(0, index + 1)) };
}

function pathOf(tags: OpenTag[]): string {
  return tags.map((t) => t.name).join('/');
}

function xmlHint(code: string, message: string): string | undefined {
  if (code === 'InvalidTag' && /closing tag/.test(message)) {
    return 'every element needs a closing tag or a self-closing `/>`; the seed examples lost their closing slashes';
  }
  if (code === 'InvalidAttr') return 'attribute values must be quoted, and each attribute may appear once';
  return undefined;
}

function nodeName(node: OrderedNode): string {
  return Object.keys(node).find((k) => k !== ':@') ?? '';
}

function isSpecial(name: string): boolean {
  return name === '#text' || name === '#cdata' || name === '#comment' || name.startsWith('?');
}

function toElement(node: OrderedNode, source: string, path: string): XmlElement {
  const name = nodeName(node);
  const meta = (node as Record<string, unknown>)[META] as { startIndex: number } | undefined;
  const offset = meta?.startIndex ?? 0;
  const element: XmlElement = { name, offset, attributes: locateAttributes(node[':@'] ?? {}, source, offset), children: [], texts: [], path };
  const kids = (node[name] as OrderedNode[] | undefined) ?? [];
  let cursor = source.indexOf('>', offset) + 1;
  const seen = new Map<string, number>();
  const counts = new Map<string, number>();
  for (const kid of kids) {
    const kidName = nodeName(kid);
    if (!isSpecial(kidName)) counts.set(kidName, (counts.get(kidName) ?? 0) + 1);
  }
  for (const kid of kids) {
    const kidName = nodeName(kid);
    if (kidName === '#comment') {
      cursor = Math.max(cursor, source.indexOf('-->', cursor) + 3);
      continue;
    }
    if (kidName === '#text' || kidName === '#cdata') {
      const text = kidName === '#text' ? String(kid['#text'] ?? '') : String(((kid['#cdata'] as OrderedNode[])[0]?.['#text']) ?? '');
      const needle = kidName === '#cdata' ? '<![CDATA[' : firstRawChunk(text);
      const found = needle ? source.indexOf(needle, cursor) : -1;
      const at = found >= 0 ? found : cursor;
      element.texts.push({ text, offset: at, cdata: kidName === '#cdata' });
      continue;
    }
    const index = (seen.get(kidName) ?? 0) + 1;
    seen.set(kidName, index);
    const childPathName = (counts.get(kidName) ?? 0) > 1 ? `${kidName}[${index}]` : kidName;
    const child = toElement(kid, source, `${path}/${childPathName}`);
    element.children.push(child);
    const childMeta = (kid as Record<string, unknown>)[META] as { endIndex?: number } | undefined;
    cursor = Math.max(cursor, childMeta?.endIndex ?? child.offset);
  }
  return element;
}

/** The first non-blank characters of a text node as they appear raw (entities undone roughly). */
function firstRawChunk(text: string): string {
  const trimmed = text.trim();
  if (!trimmed) return '';
  return trimmed.slice(0, 12).split(/[&<>"']/)[0] ?? '';
}

function locateAttributes(attrs: Record<string, string>, source: string, elementOffset: number): XmlAttribute[] {
  const tagEnd = findTagEnd(source, elementOffset);
  const tag = source.slice(elementOffset, tagEnd);
  return Object.entries(attrs).map(([name, value]) => {
    const match = new RegExp(`\\s${escapeRegExp(name)}\\s*=`).exec(tag);
    return { name, value: String(value), offset: match ? elementOffset + match.index + 1 : elementOffset };
  });
}

function findTagEnd(source: string, from: number): number {
  let quote = '';
  for (let i = from; i < source.length; i++) {
    const ch = source[i];
    if (quote) {
      if (ch === quote) quote = '';
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '>') return i + 1;
  }
  return source.length;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
