/**
 * The subset of VTQL, Vtiger's query language, that a connector uses to find a caller
 * (../shared/CRMS.md §1.4, [D VT VTQL_Parser.php]):
 *
 *   SELECT <col,...|*|count(*)> FROM <OneModule> [WHERE col op value ((AND|OR) col op value)*]
 *     [ORDER BY col[,col] [ASC|DESC]] [LIMIT [offset,] count] ;
 *
 * - Operators `= != < > <= >= IN(...) LIKE`; no parentheses for grouping: the conditions go into
 *   one SQL WHERE, so AND binds before OR. One module, no joins. The trailing `;` is required.
 * - Values are single-quoted, `''` is a quote; `%` and `_` are LIKE's wildcards (plain SQL LIKE
 *   on the phone as typed: no normalisation, a connector must cope).
 * - `id` is always selected; at most 100 rows (no LIMIT means 100, larger counts are clamped).
 * - Unknown field: ACCESS_DENIED "Permission to access '<f>' attribute denied."; anything the
 *   grammar refuses: QUERY_SYNTAX_ERROR.
 * [I]: comparisons ignore case, as MySQL's default collation does; the syntax error's wording
 * after "Syntax Error on line 1: token '…'" and the token names in it follow the lemon-generated
 * parser as remembered, not a verified message; rows come in record-creation order without
 * ORDER BY; `count(*)` answers `[{"count":"<n>"}]`.
 */

export type Operator = '=' | '!=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';

export interface Condition {
  column: string;
  operator: Operator;
  /** One value, or the list of IN. */
  values: string[];
}

export interface VtqlQuery {
  module: string;
  select: '*' | 'count' | string[];
  /** Alternatives (OR) of conditions that must all hold (AND); empty when there is no WHERE. */
  where: Condition[][];
  orderBy: { columns: string[]; descending: boolean } | null;
  limit: { offset: number; count: number };
}

export class VtqlError extends Error {
  constructor(
    readonly code: 'QUERY_SYNTAX_ERROR' | 'ACCESS_DENIED',
    message: string,
  ) {
    super(message);
  }
}

/** The most rows one query returns (CRMS.md §1.4). */
export const MAX_ROWS = 100;

interface Token {
  /** The parser's name for it, as a syntax error names it. */
  name: string;
  text: string;
}

const KEYWORDS = new Set(['SELECT', 'FROM', 'WHERE', 'AND', 'OR', 'LIKE', 'IN', 'ORDER', 'BY', 'ASC', 'DESC', 'LIMIT', 'COUNT']);
const SYMBOLS: Array<[string, string]> = [
  ['<=', 'LTE'],
  ['>=', 'GTE'],
  ['!=', 'NE'],
  ['=', 'EQ'],
  ['<', 'LT'],
  ['>', 'GT'],
  [',', 'COMMA'],
  ['(', 'PARENOPEN'],
  [')', 'PARENCLOSE'],
  ['*', 'ASTERISK'],
  [';', 'SEMICOLON'],
];
const OPERATORS: Record<string, Operator> = { EQ: '=', NE: '!=', LT: '<', GT: '>', LTE: '<=', GTE: '>=', LIKE: 'LIKE' };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const rest = text.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    if (rest[0] === "'") {
      // '' inside a value is one quote.
      const quoted = /^'((?:[^']|'')*)'/.exec(rest);
      if (!quoted) throw syntaxError({ name: 'VALUE', text: rest }, ['VALUE']);
      tokens.push({ name: 'VALUE', text: quoted[1]!.replace(/''/g, "'") });
      at += quoted[0].length;
      continue;
    }
    const number = /^\d+/.exec(rest);
    if (number) {
      tokens.push({ name: 'INTEGER', text: number[0] });
      at += number[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      const upper = word[0].toUpperCase();
      tokens.push({ name: KEYWORDS.has(upper) ? upper : 'COLUMNNAME', text: word[0] });
      at += word[0].length;
      continue;
    }
    const symbol = SYMBOLS.find(([s]) => rest.startsWith(s));
    if (!symbol) throw syntaxError({ name: 'UNKNOWN', text: rest[0]! }, []);
    tokens.push({ name: symbol[1], text: symbol[0] });
    at += symbol[0].length;
  }
  tokens.push({ name: '$', text: '' });
  return tokens;
}

function syntaxError(token: Token, expected: string[]): VtqlError {
  return new VtqlError('QUERY_SYNTAX_ERROR', `Syntax Error on line 1: token '${token.text}' Unexpected ${token.name}(${token.text}), expected one of: ${expected.join(',')}`);
}

/** Reads a VTQL statement; throws a QUERY_SYNTAX_ERROR VtqlError on anything the grammar refuses. */
export function parseVtql(text: string): VtqlQuery {
  const tokens = tokenize(text);
  let at = 0;
  const peek = () => tokens[at]!;
  const take = (...names: string[]): Token => {
    const token = peek();
    if (!names.includes(token.name)) throw syntaxError(token, names);
    at += 1;
    return token;
  };
  const accept = (name: string): boolean => (peek().name === name ? (at++, true) : false);

  take('SELECT');
  let select: VtqlQuery['select'];
  if (accept('ASTERISK')) select = '*';
  else if (accept('COUNT')) {
    take('PARENOPEN');
    take('ASTERISK');
    take('PARENCLOSE');
    select = 'count';
  } else {
    select = [take('COLUMNNAME').text];
    while (accept('COMMA')) select.push(take('COLUMNNAME').text);
  }
  take('FROM');
  const module = take('COLUMNNAME').text;

  const where: Condition[][] = [];
  if (accept('WHERE')) {
    let group: Condition[] = [];
    where.push(group);
    for (;;) {
      group.push(condition());
      if (accept('AND')) continue;
      if (!accept('OR')) break;
      group = [];
      where.push(group);
    }
  }

  let orderBy: VtqlQuery['orderBy'] = null;
  if (accept('ORDER')) {
    take('BY');
    const columns = [take('COLUMNNAME').text];
    while (accept('COMMA')) columns.push(take('COLUMNNAME').text);
    const descending = accept('DESC');
    if (!descending) accept('ASC');
    orderBy = { columns, descending };
  }

  let limit = { offset: 0, count: MAX_ROWS };
  if (accept('LIMIT')) {
    const first = Number(take('INTEGER').text);
    limit = accept('COMMA') ? { offset: first, count: Number(take('INTEGER').text) } : { offset: 0, count: first };
    limit.count = Math.min(limit.count, MAX_ROWS);
  }
  take('SEMICOLON');
  take('$');
  return { module, select, where, orderBy, limit };

  function condition(): Condition {
    const column = take('COLUMNNAME').text;
    const operator = take('IN', ...Object.keys(OPERATORS));
    if (operator.name === 'IN') {
      take('PARENOPEN');
      const values = [take('VALUE', 'INTEGER').text];
      while (accept('COMMA')) values.push(take('VALUE', 'INTEGER').text);
      take('PARENCLOSE');
      return { column, operator: 'IN', values };
    }
    return { column, operator: OPERATORS[operator.name]!, values: [take('VALUE', 'INTEGER').text] };
  }
}

/** Every column the query names, in order: the ones a module must have. */
function namedColumns(query: VtqlQuery): string[] {
  return [...(Array.isArray(query.select) ? query.select : []), ...query.where.flat().map((c) => c.column), ...(query.orderBy?.columns ?? [])];
}

/**
 * Runs a parsed query over a module's rows (every field a string, `id` included). `fields` are
 * the module's field names; a column outside them is an ACCESS_DENIED VtqlError.
 */
export function runVtql(query: VtqlQuery, rows: Array<Record<string, string>>, fields: readonly string[]): Array<Record<string, string>> {
  const unknown = namedColumns(query).find((column) => !fields.includes(column));
  if (unknown !== undefined) throw new VtqlError('ACCESS_DENIED', `Permission to access '${unknown}' attribute denied.`);

  // Each condition compiled once per query, not once per row: a LIKE's pattern built for every row
  // of a module cost the bench's simulator a millisecond per search beside the relay (issue 10).
  const where = query.where.map((group) => group.map((c) => ({ column: c.column, holds: conditionTest(c) })));
  const matching = rows.filter((row) => where.length === 0 || where.some((group) => group.every((c) => c.holds(row[c.column] ?? ''))));
  if (query.select === 'count') return [{ count: String(matching.length) }];
  if (query.orderBy) {
    const { columns, descending } = query.orderBy;
    matching.sort((a, b) => {
      for (const column of columns) {
        const order = compare(a[column] ?? '', b[column] ?? '');
        if (order !== 0) return descending ? -order : order;
      }
      return 0;
    });
  }
  const page = matching.slice(query.limit.offset, query.limit.offset + query.limit.count);
  const select = query.select;
  if (select === '*') return page.map((row) => ({ ...row }));
  const columns = select.includes('id') ? select : [...select, 'id'];
  return page.map((row) => Object.fromEntries(columns.map((column) => [column, row[column] ?? ''])));
}

/** Whether a stored value meets the condition. */
function conditionTest(condition: Condition): (stored: string) => boolean {
  const [value = ''] = condition.values;
  switch (condition.operator) {
    case '=':
      return (stored) => compare(stored, value) === 0;
    case '!=':
      return (stored) => compare(stored, value) !== 0;
    case '<':
      return (stored) => compare(stored, value) < 0;
    case '>':
      return (stored) => compare(stored, value) > 0;
    case '<=':
      return (stored) => compare(stored, value) <= 0;
    case '>=':
      return (stored) => compare(stored, value) >= 0;
    case 'IN':
      return (stored) => condition.values.some((v) => compare(stored, v) === 0);
    case 'LIKE': {
      const pattern = likePattern(value);
      return (stored) => pattern.test(stored);
    }
  }
}

/** Numbers as numbers, anything else as case-insensitive text. */
function compare(a: string, b: string): number {
  if (/^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) return Number(a) - Number(b);
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** SQL LIKE: `%` any run, `_` one character, `\` escapes the next one. */
function likePattern(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) source += escapeRegExp(pattern[++i]!);
    else if (char === '%') source += '.*';
    else if (char === '_') source += '.';
    else source += escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 'is');
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
