import { type FilterArg, type FilterCall, type Template, type TemplatePart, TemplateSyntaxError } from './ast.ts';

const CONFIG_PREFIX = '$config.$fields.';
const NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const FILTER_NAME = /[A-Za-z_][A-Za-z0-9_]*/y;
const BARE_ARG = /[A-Za-z0-9_+-]+/y;
/** A character that, right before `@`, makes it part of a literal such as an e-mail address. */
const WORD_BEFORE_AT = /[A-Za-z0-9._%+-]/;
/**
 * How deep groups and quoted filter arguments may nest (real templates use two or three levels).
 * Parsing, checking and rendering recurse per level, so a pasted `{{{{…}}}}` thousands deep
 * would otherwise overflow the stack instead of being reported.
 */
const MAX_TEMPLATE_DEPTH = 16;

/**
 * Parses `text with @var|filter:arg and $config.$fields.name` into a Template.
 *
 * `@` starts a variable unless it follows literal word characters (so `ops@example.com`
 * stays literal); `@@` is a literal `@`. Filters bind to the reference they follow; `{{ … }}`
 * groups text and references into one value for filters (`{{@path@query}}|md5`).
 */
export function parseTemplate(source: string): Template {
  return parseAt(source, 0);
}

function parseAt(source: string, depth: number): Template {
  const groups = matchGroups(source);
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  const flushText = () => {
    if (text) parts.push({ kind: 'text', text });
    text = '';
  };
  while (i < source.length) {
    const ch = source[i]!;
    if (ch === '@' && source[i + 1] === '@') {
      text += '@';
      i += 2;
      continue;
    }
    // After literal word characters `@` is text (`ops@example.com`); right after a reference it
    // starts the next one (`@request_path@request_query`).
    const afterReference = parts.length > 0 && !text && parts[parts.length - 1]!.kind === 'ref';
    if (ch === '@' && (afterReference || !(i > 0 && WORD_BEFORE_AT.test(source[i - 1]!)))) {
      NAME.lastIndex = i + 1;
      const match = NAME.exec(source);
      if (!match) {
        text += ch;
        i++;
        continue;
      }
      flushText();
      const end = i + 1 + match[0].length;
      const { filters, next } = parseFilters(source, end, depth);
      parts.push({ kind: 'ref', scope: 'var', name: match[0], filters, offset: i });
      i = next;
      continue;
    }
    const end = ch === '{' ? groups.get(i) : undefined;
    if (end !== undefined) {
      flushText();
      const inner = parseNested(source.slice(i + 2, end), i + 2, depth);
      const { filters, next } = parseFilters(source, end + 2, depth);
      parts.push({ kind: 'ref', scope: 'group', name: '', template: inner, filters, offset: i });
      i = next;
      continue;
    }
    if (ch === '$' && source.startsWith(CONFIG_PREFIX, i)) {
      NAME.lastIndex = i + CONFIG_PREFIX.length;
      const match = NAME.exec(source);
      if (!match) {
        throw new TemplateSyntaxError('`$config.$fields.` must be followed by a field name', i, 'write `$config.$fields.NAME`');
      }
      flushText();
      const end = i + CONFIG_PREFIX.length + match[0].length;
      const { filters, next } = parseFilters(source, end, depth);
      parts.push({ kind: 'ref', scope: 'config', name: match[0], filters, offset: i });
      i = next;
      continue;
    }
    if (ch === '$' && /^\$config\b/.test(source.slice(i))) {
      throw new TemplateSyntaxError('config fields are written `$config.$fields.NAME`', i);
    }
    text += ch;
    i++;
  }
  flushText();
  return { source, parts };
}

function parseFilters(source: string, start: number, depth: number): { filters: FilterCall[]; next: number } {
  const filters: FilterCall[] = [];
  let i = start;
  while (source[i] === '|') {
    FILTER_NAME.lastIndex = i + 1;
    const match = FILTER_NAME.exec(source);
    if (!match) break; // a lone `|` after a reference is literal text
    const filter: FilterCall = { name: match[0], offset: i + 1 };
    i = i + 1 + match[0].length;
    if (source[i] === ':') {
      const { arg, next } = parseArg(source, i + 1, depth);
      filter.arg = arg;
      i = next;
    }
    filters.push(filter);
  }
  return { filters, next: i };
}

function parseArg(source: string, start: number, depth: number): { arg: FilterArg; next: number } {
  const ch = source[start];
  if (ch === "'" || ch === '"') {
    const { value, next } = parseQuoted(source, start);
    return { arg: { kind: 'string', value, template: parseNested(value, start + 1, depth) }, next };
  }
  if (ch === '{') return parseObject(source, start, depth);
  BARE_ARG.lastIndex = start;
  const match = BARE_ARG.exec(source);
  if (!match) {
    throw new TemplateSyntaxError('a filter argument is missing after `:`', start, "quote it: `default:'value'`");
  }
  return { arg: { kind: 'string', value: match[0], template: { source: match[0], parts: [{ kind: 'text', text: match[0] }] } }, next: start + match[0].length };
}

function parseQuoted(source: string, start: number): { value: string; next: number } {
  const quote = source[start]!;
  let value = '';
  for (let i = start + 1; i < source.length; i++) {
    const ch = source[i]!;
    if (ch === '\\' && i + 1 < source.length) {
      value += source[++i];
      continue;
    }
    if (ch === quote) return { value, next: i + 1 };
    value += ch;
  }
  throw new TemplateSyntaxError(`unterminated string: missing closing ${quote}`, start);
}

/** `{'Key': '@value', 'Other': 'literal'}` — JSON-like, single or double quotes, values are templates. */
function parseObject(source: string, start: number, depth: number): { arg: FilterArg; next: number } {
  const entries: Array<[string, Template]> = [];
  let i = skipSpace(source, start + 1);
  if (source[i] === '}') return { arg: { kind: 'object', entries }, next: i + 1 };
  for (;;) {
    const quote = source[i];
    if (quote !== "'" && quote !== '"') {
      throw new TemplateSyntaxError('expected a quoted key in the filter object', i, "write {'Key': '@value'}");
    }
    const key = parseQuoted(source, i);
    i = skipSpace(source, key.next);
    if (source[i] !== ':') throw new TemplateSyntaxError('expected `:` after the key', i, "write {'Key': '@value'}");
    i = skipSpace(source, i + 1);
    let valueSource: string;
    let valueOffset = i;
    if (source[i] === "'" || source[i] === '"') {
      const value = parseQuoted(source, i);
      valueSource = value.value;
      valueOffset = i + 1;
      i = value.next;
    } else {
      const end = source.slice(i).search(/[,}]/);
      if (end < 0) throw new TemplateSyntaxError('unterminated filter object: missing `}`', start);
      valueSource = source.slice(i, i + end).trim();
      i += end;
    }
    entries.push([key.value, parseNested(valueSource, valueOffset, depth)]);
    i = skipSpace(source, i);
    if (source[i] === ',') {
      i = skipSpace(source, i + 1);
      continue;
    }
    if (source[i] === '}') return { arg: { kind: 'object', entries }, next: i + 1 };
    throw new TemplateSyntaxError('unterminated filter object: missing `}`', start, "write {'Key': '@value'}");
  }
}

/**
 * Each `{{` with the index of the `}}` that closes it, nested groups counted, in one pass (a
 * search per `{{` made thousands of unclosed ones quadratic). A `{{` left out is text.
 */
function matchGroups(source: string): Map<number, number> {
  const groups = new Map<number, number>();
  const open: number[] = [];
  for (let i = source.indexOf('{{'); i >= 0 && i < source.length - 1; i++) {
    if (source[i] === '{' && source[i + 1] === '{') open.push(i++);
    else if (source[i] === '}' && source[i + 1] === '}' && open.length > 0) groups.set(open.pop()!, i++);
  }
  return groups;
}

/** Parses a template nested one level below `depth`, reporting errors at their place in the outer one. */
function parseNested(source: string, offset: number, depth: number): Template {
  if (depth === MAX_TEMPLATE_DEPTH) throw new TemplateSyntaxError(`templates nest deeper than ${MAX_TEMPLATE_DEPTH} levels`, offset, 'flatten the {{ … }} groups and quoted filter arguments');
  try {
    return parseAt(source, depth + 1);
  } catch (error) {
    if (error instanceof TemplateSyntaxError) throw new TemplateSyntaxError(error.message, offset + error.offset, error.hint);
    throw error;
  }
}

function skipSpace(source: string, i: number): number {
  while (i < source.length && /\s/.test(source[i]!)) i++;
  return i;
}

/** Every reference in a template, including those nested in filter arguments. */
export function* references(template: Template): Generator<Extract<TemplatePart, { kind: 'ref' }>> {
  for (const part of template.parts) {
    if (part.kind !== 'ref') continue;
    yield part;
    if (part.template) yield* references(part.template);
    for (const filter of part.filters) {
      if (filter.arg?.kind === 'object') for (const [, value] of filter.arg.entries) yield* references(value);
      if (filter.arg?.kind === 'string') yield* references(filter.arg.template);
    }
  }
}
