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
  const markup = checkMarkup(source);
  if (markup) return { ok: false, problem: markup };
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
  let nodes: OrderedNode[];
  try {
    nodes = parser.parse(source) as OrderedNode[];
  } catch (error) {
    // The reader throws on some input its validator passed; checkMarkup names each case known
    // (with its position), so this is the last resort for one it does not know yet.
    return { ok: false, problem: { message: `malformed XML: ${(error as Error).message}`, offset: 0, hint: 'the XML reader gave no position' } };
  }
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
 * How deep connector elements may nest: the bundled connectors need 10. Deeper input is refused
 * here, before the XML reader (whose own limit, 100, throws with no position) and the passes
 * that walk the tree recursively see it.
 */
const MAX_ELEMENT_DEPTH = 32;
/** Names the XML reader refuses outright (they would reach JavaScript prototypes). */
const RESERVED_NAMES = /(?:^<\/?|\s)(__proto__|constructor|prototype)(?=[\s=/>]|$)/;

/**
 * Finds markup problems with messages a connector author can act on, before the XML reader
 * sees them: unbalanced tags, unclosed comments, CDATA sections and processing instructions,
 * names the reader refuses, runaway nesting. The seed's examples lost their closing slashes
 * (`<call_id use="CallSid"><call_id>`), so a bare tag repeating the open element's name is
 * named as a closing tag that lost its slash.
 */
function checkMarkup(source: string): XmlSyntaxProblem | undefined {
  const stack: OpenTag[] = [];
  let elements = 0;
  let tooDeep: XmlSyntaxProblem | undefined;
  const tag = /<(!--|!\[CDATA\[|[!?]|\/?)([A-Za-z_][\w.:-]*)?/g;
  for (let match = tag.exec(source); match; match = tag.exec(source)) {
    const kind = match[1]!;
    const name = match[2];
    if (kind === '!--' || kind === '![CDATA[') {
      const terminator = kind === '!--' ? '-->' : ']]>';
      const end = source.indexOf(terminator, match.index + 1 + kind.length);
      if (end < 0) return { message: `a ${kind === '!--' ? 'comment' : 'CDATA section'} is never closed`, offset: match.index, hint: `end it with ${terminator}` };
      tag.lastIndex = end + terminator.length;
      continue;
    }
    if (kind === '!') return { message: '`<!` starts neither a comment nor a CDATA section', offset: match.index, hint: 'write comments as <!-- … -->' };
    if (kind === '?') {
      const problem = checkInstruction(source, match.index, name ?? '');
      if (problem) return problem;
      tag.lastIndex = source.indexOf('?>', match.index) + 2;
      continue;
    }
    if (!name) continue;
    const end = findTagEnd(source, match.index);
    tag.lastIndex = end;
    const body = source.slice(match.index, end);
    const reserved = reservedName(body, match.index);
    if (reserved) return { ...reserved, path: pathOf(kind === '/' ? stack : [...stack, { name, offset: match.index, bare: false }]) };
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
    elements++;
    if (body.endsWith('/>')) continue;
    stack.push({ name, offset: match.index, bare: /^<[\w.:-]+\s*>$/.test(body) });
    // Deep nesting is most often tags left open, which the scan goes on to name; if every tag
    // turns out closed, the nesting itself is the problem.
    if (stack.length > MAX_ELEMENT_DEPTH && !tooDeep) {
      tooDeep = { message: `elements nest deeper than ${MAX_ELEMENT_DEPTH} levels`, offset: match.index, path: pathOf(stack), hint: 'connectors need about ten; look for tags that were never closed' };
    }
  }
  if (elements === 0) return { message: 'the file has no <connector> element', offset: 0, hint: 'a connector is one <connector for="PhoneCalls"> element' };
  if (stack.length === 0) return tooDeep;
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

/**
 * A `<?…?>` the reader could not close: it skips quoted text when looking for `?>`, so quotes
 * that do not pair up (`<?xml version='1.0"?>`) run it past the real end.
 */
function checkInstruction(source: string, offset: number, name: string): XmlSyntaxProblem | undefined {
  const end = source.indexOf('?>', offset);
  if (end < 0) return { message: `<?${name} …?> is never closed`, offset, hint: 'end it with ?>' };
  const body = source.slice(offset, end);
  if (!/^[^"']*(?:"[^"]*"[^"']*|'[^']*'[^"']*)*$/.test(body)) {
    return { message: `the quotes in <?${name} …?> do not pair up`, offset, hint: 'close each value with the quote that opened it: version="1.0"' };
  }
  return reservedName(body, offset);
}

/**
 * A name in a tag (`<…>` or `<?…?>`) that the reader refuses. Quoted values are blanked first,
 * so a name right after one (`"UTF-8"__proto__`) is found too; the position is the tag's for an
 * element name, the name's own for an attribute.
 */
function reservedName(tag: string, offset: number): XmlSyntaxProblem | undefined {
  const reserved = RESERVED_NAMES.exec(tag.replace(/"[^"]*"|'[^']*'/g, (quoted) => ' '.repeat(quoted.length)));
  if (!reserved) return undefined;
  const at = reserved[0].startsWith('<') ? offset : offset + reserved.index + 1;
  return { message: `\`${reserved[1]}\` cannot name an element or attribute`, offset: at, hint: 'no connector element or attribute has this name' };
}

/** A bare `<name>` opened inside an element of the same name: a closing tag that lost its slash. */
function missingSlash(stack: OpenTag[]): XmlSyntaxProblem | undefined {
  const opened = new Set<string>();
  for (const [index, tag] of stack.entries()) {
    if (tag.bare && opened.has(tag.name)) {
      return { message: `<${tag.name}> looks like a closing tag without its slash`, offset: tag.offset, hint: `write </${tag.name}>`, path: pathOf(stack.slice(0, index + 1)) };
    }
    if (!tag.bare) opened.add(tag.name);
  }
  return undefined;
}

/** `connector/config/fields/field`; one deeper than any nesting accepted keeps only its ends. */
function pathOf(tags: OpenTag[]): string {
  const names = tags.map((t) => t.name);
  return (names.length > MAX_ELEMENT_DEPTH + 1 ? [...names.slice(0, 4), '…', ...names.slice(-4)] : names).join('/');
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

/** Attributes with the offsets of their names, found in one pass over the tag (quoted values skipped). */
function locateAttributes(attrs: Record<string, string>, source: string, elementOffset: number): XmlAttribute[] {
  const tag = source.slice(elementOffset, findTagEnd(source, elementOffset));
  const offsets = new Map<string, number>();
  for (const match of tag.matchAll(/\s([^\s=/>"']+)\s*=\s*(?:"[^"]*"|'[^']*')/g)) {
    if (!offsets.has(match[1]!)) offsets.set(match[1]!, elementOffset + match.index + 1);
  }
  return Object.entries(attrs).map(([name, value]) => ({ name, value: String(value), offset: offsets.get(name) ?? elementOffset }));
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
