/**
 * The OData `$filter` subset the Dynamics simulator reads (dynamics.ts): comparisons with `eq`
 * and `ne`, the string functions `contains`, `startswith` and `endswith`, `and`, `or`, `not` and
 * parentheses [D Dataverse "Filter rows using OData"]. Literals are single-quoted strings (a
 * quote doubled inside [D OData 4.01 URL conventions §5.1.1.6.1]), numbers, `true`, `false` and
 * `null`. Strings compare ignoring case, as Dataverse's default collation does [I].
 */

export type ODataLiteral = string | number | boolean | null;

export type ODataFilter =
  | { kind: 'compare'; op: 'eq' | 'ne'; property: string; value: ODataLiteral }
  | { kind: 'function'; name: 'contains' | 'startswith' | 'endswith'; property: string; value: string }
  | { kind: 'not'; operand: ODataFilter }
  | { kind: 'and' | 'or'; left: ODataFilter; right: ODataFilter };

/** A `$filter` Dataverse cannot read, in the words of its OData parser [C: "Syntax error at position N in '…'."]. */
export class ODataSyntaxError extends Error {}

type Token = { kind: 'word' | 'string' | 'number' | '(' | ')' | ','; text: string; at: number };

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({ kind: ch, text: ch, at: i });
      i++;
    } else if (ch === "'") {
      let text = '';
      let j = i + 1;
      for (;;) {
        if (j >= source.length) throw new ODataSyntaxError(`There is an unterminated string literal at position ${i} in '${source}'.`);
        if (source[j] === "'") {
          if (source[j + 1] === "'") {
            text += "'";
            j += 2;
            continue;
          }
          break;
        }
        text += source[j++];
      }
      tokens.push({ kind: 'string', text, at: i });
      i = j + 1;
    } else {
      const match = /^(-?\d+(\.\d+)?(?![\w-])|[A-Za-z_][\w.]*)/.exec(source.slice(i));
      if (!match) throw new ODataSyntaxError(`Syntax error: character '${ch}' is not valid at position ${i} in '${source}'.`);
      tokens.push({ kind: /^-?\d/.test(match[0]) ? 'number' : 'word', text: match[0], at: i });
      i += match[0].length;
    }
  }
  return tokens;
}

/** Parses a `$filter` expression; `and` binds tighter than `or`. */
export function parseODataFilter(source: string): ODataFilter {
  const tokens = tokenize(source);
  let position = 0;
  const fail = (at?: number): never => {
    throw new ODataSyntaxError(`Syntax error at position ${at ?? source.length} in '${source}'.`);
  };
  const peek = () => tokens[position];
  const take = (kind: Token['kind'], text?: string): Token => {
    const token = tokens[position];
    if (!token || token.kind !== kind || (text !== undefined && token.text.toLowerCase() !== text)) return fail(token?.at);
    position++;
    return token;
  };
  const isWord = (text: string) => peek()?.kind === 'word' && peek()!.text.toLowerCase() === text;

  const literal = (): ODataLiteral => {
    const token = peek();
    if (!token) return fail();
    position++;
    if (token.kind === 'string') return token.text;
    if (token.kind === 'number') return Number(token.text);
    if (token.kind === 'word' && ['true', 'false', 'null'].includes(token.text)) return token.text === 'null' ? null : token.text === 'true';
    return fail(token.at);
  };

  const primary = (): ODataFilter => {
    if (isWord('not')) {
      position++;
      return { kind: 'not', operand: primary() };
    }
    if (peek()?.kind === '(') {
      position++;
      const inner = or();
      take(')');
      return inner;
    }
    const word = take('word');
    const name = word.text.toLowerCase();
    if (peek()?.kind === '(' && (name === 'contains' || name === 'startswith' || name === 'endswith')) {
      position++;
      const property = take('word').text;
      take(',');
      const value = take('string').text;
      take(')');
      return { kind: 'function', name, property, value };
    }
    const op = take('word').text.toLowerCase();
    if (op !== 'eq' && op !== 'ne') return fail(tokens[position - 1]!.at);
    return { kind: 'compare', op, property: word.text, value: literal() };
  };

  /** Operands of `operand` joined by `word`, left to right. */
  const chain = (word: 'and' | 'or', operand: () => ODataFilter): ODataFilter => {
    let left = operand();
    while (isWord(word)) {
      position++;
      left = { kind: word, left, right: operand() };
    }
    return left;
  };
  const and = () => chain('and', primary);
  const or = (): ODataFilter => chain('or', and);

  const filter = or();
  if (position < tokens.length) fail(tokens[position]!.at);
  return filter;
}

/** Every property a filter reads, for the "no such property" check. */
export function filterProperties(filter: ODataFilter): string[] {
  switch (filter.kind) {
    case 'compare':
    case 'function':
      return [filter.property];
    case 'not':
      return filterProperties(filter.operand);
    default:
      return [...filterProperties(filter.left), ...filterProperties(filter.right)];
  }
}

/** Whether a row passes the filter; `value` reads one of its properties (null when empty). */
export function matchesFilter(filter: ODataFilter, value: (property: string) => unknown): boolean {
  const text = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  switch (filter.kind) {
    case 'compare': {
      const equal = text(value(filter.property) ?? null) === text(filter.value);
      return filter.op === 'eq' ? equal : !equal;
    }
    case 'function': {
      const held = value(filter.property);
      // A null column is neither true nor false: the row is left out [D "Filter rows": null evaluates as not true].
      if (typeof held !== 'string') return false;
      const [haystack, needle] = [held.toLowerCase(), filter.value.toLowerCase()];
      if (filter.name === 'contains') return haystack.includes(needle);
      return filter.name === 'startswith' ? haystack.startsWith(needle) : haystack.endsWith(needle);
    }
    case 'not':
      return !matchesFilter(filter.operand, value);
    case 'and':
      return matchesFilter(filter.left, value) && matchesFilter(filter.right, value);
    case 'or':
      return matchesFilter(filter.left, value) || matchesFilter(filter.right, value);
  }
}
