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
 * - A column unknown to the module: ACCESS_DENIED, "Permission to access '.<f>.' attribute denied."
 *   in the select list (sic: the dots are PHP concatenation left inside a double-quoted string),
 *   "Permission to access <f> attribute denied." in the WHERE; in ORDER BY nothing checks it and
 *   MySQL refuses the SQL: DATABASE_QUERY_ERROR "Database error while performing requested
 *   operation", as for a LIMIT that is not a number [D VT7.1/8.0 include/Webservices/VTQL_Parser.php
 *   buildSelectStmt, VtigerModuleOperation::query, languages/en_us/Webservices.php].
 * - The grammar's refusal: QUERY_SYNTAX_ERROR "Syntax Error on line 1: token '<text>' Unexpected
 *   <TOKEN>(<text>), expected one of: <TOKEN,...>", with the parser's token names (FRM for FROM,
 *   TABLENAME for the module, LOGICAL_AND, LOGICAL_OR, ORDERBY, VALUE for quoted values and
 *   numbers alike) [D VT7.1/8.0 VTQL_Parser.php yy_syntax_error, $yyTokenName]; the list after
 *   "expected one of" comes from the parser's tables and is only approximated here [I]. Input the
 *   lexer cannot read at all (an unterminated quote, an empty '' value, a stray `%` or `"`) is a
 *   plain PHP Exception that webservice.php's catch-all answers: INTERNAL_SERVER_ERROR "Unknown
 *   Error while processing request" [D VT7.1/8.0 VTQL_Lexer.php, webservice.php]; lexing and
 *   parsing go token by token, so a syntax error before that point is answered first.
 * - Comparisons ignore case: the value goes into the SQL as written (VTQL_Parser buildSelectStmt),
 *   and the installer creates the database `DEFAULT CHARACTER SET utf8 DEFAULT COLLATE
 *   utf8_general_ci` (and accepts only a utf8 one) [D VT8.0 modules/Install/models/Utils.php
 *   checkDbConnection, include/database/PearDatabase.php check_db_utf8_support]; LIKE is MySQL's,
 *   `\` its escape character.
 * [I]: rows come in record-creation order without ORDER BY (MySQL's order); `count(*)` answers
 * `[{"count":"<n>"}]`.
 */
import { escapeRegExp } from './crm-server.ts';

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
    readonly code: 'QUERY_SYNTAX_ERROR' | 'ACCESS_DENIED' | 'DATABASE_QUERY_ERROR' | 'INTERNAL_SERVER_ERROR',
    message: string,
  ) {
    super(message);
  }
}

/** The most rows one query returns (CRMS.md §1.4). */
export const MAX_ROWS = 100;

interface Token {
  /** The parser's name for it, as a syntax error names it; LEXFAIL where the lexer gave up. */
  name: string;
  text: string;
  /** A VALUE written in quotes (a LIMIT takes only a bare number). */
  quoted?: boolean;
}

/** Refusals of MySQL and of webservice.php's catch-all, worded as Vtiger words them. */
const DATABASE_ERROR = 'Database error while performing requested operation';
const UNKNOWN_ERROR = 'Unknown Error while processing request';

/** Keywords and the parser's names for them. */
const KEYWORDS = new Map([
  ['SELECT', 'SELECT'],
  ['FROM', 'FRM'],
  ['WHERE', 'WHERE'],
  ['AND', 'LOGICAL_AND'],
  ['OR', 'LOGICAL_OR'],
  ['LIKE', 'LIKE'],
  ['IN', 'IN'],
  ['ASC', 'ASC'],
  ['DESC', 'DESC'],
  ['LIMIT', 'LIMIT'],
  ['COUNT', 'COUNT'],
]);
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
      // '' inside a value is one quote; the lexer reads no empty value ('').
      const quoted = /^'((?:[^']|'')+)'/.exec(rest);
      if (!quoted) break;
      tokens.push({ name: 'VALUE', text: quoted[1]!.replace(/''/g, "'"), quoted: true });
      at += quoted[0].length;
      continue;
    }
    const number = /^[+-]?\d+/.exec(rest);
    if (number) {
      tokens.push({ name: 'VALUE', text: number[0] });
      at += number[0].length;
      continue;
    }
    const order = /^ORDER\s+BY\b/i.exec(rest);
    if (order) {
      tokens.push({ name: 'ORDERBY', text: order[0] });
      at += order[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (word) {
      tokens.push({ name: KEYWORDS.get(word[0].toUpperCase()) ?? 'COLUMNNAME', text: word[0] });
      at += word[0].length;
      continue;
    }
    const symbol = SYMBOLS.find(([s]) => rest.startsWith(s));
    if (!symbol) break;
    tokens.push({ name: symbol[1], text: symbol[0] });
    at += symbol[0].length;
  }
  tokens.push(at < text.length ? { name: 'LEXFAIL', text: text.slice(at) } : { name: '$', text: '' });
  return tokens;
}

function syntaxError(token: Token, expected: string[]): VtqlError {
  if (token.name === 'LEXFAIL') return new VtqlError('INTERNAL_SERVER_ERROR', UNKNOWN_ERROR);
  return new VtqlError('QUERY_SYNTAX_ERROR', `Syntax Error on line 1: token '${token.text}' Unexpected ${token.name}(${token.text}), expected one of: ${expected.join(',')}`);
}

/** Reads a VTQL statement; throws a QUERY_SYNTAX_ERROR VtqlError on anything the grammar refuses (INTERNAL_SERVER_ERROR where the lexer gives up). */
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
  take('FRM');
  // The lexer calls the word after FROM a TABLENAME, whatever it is.
  if (peek().name !== 'COLUMNNAME') throw syntaxError(peek(), ['TABLENAME']);
  const module = take('COLUMNNAME').text;

  const where: Condition[][] = [];
  if (accept('WHERE')) {
    let group: Condition[] = [];
    where.push(group);
    for (;;) {
      group.push(condition());
      if (accept('LOGICAL_AND')) continue;
      if (!accept('LOGICAL_OR')) break;
      group = [];
      where.push(group);
    }
  }

  let orderBy: VtqlQuery['orderBy'] = null;
  if (accept('ORDERBY')) {
    const columns = [take('COLUMNNAME').text];
    while (accept('COMMA')) columns.push(take('COLUMNNAME').text);
    const descending = accept('DESC');
    if (!descending) accept('ASC');
    orderBy = { columns, descending };
  }

  let limit = { offset: 0, count: MAX_ROWS };
  if (accept('LIMIT')) {
    // Any VALUE passes the grammar; MySQL refuses a LIMIT that is not a bare number.
    const number = (token: Token): number => {
      if (token.quoted || !/^\d+$/.test(token.text)) throw new VtqlError('DATABASE_QUERY_ERROR', DATABASE_ERROR);
      return Number(token.text);
    };
    // After LIMIT the lexer calls any word a VALUE.
    const value = (): Token => (peek().name === 'COLUMNNAME' ? take('COLUMNNAME') : take('VALUE'));
    const first = number(value());
    limit = accept('COMMA') ? { offset: first, count: number(value()) } : { offset: 0, count: first };
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
      const values = [take('VALUE').text];
      while (accept('COMMA')) values.push(take('VALUE').text);
      take('PARENCLOSE');
      return { column, operator: 'IN', values };
    }
    return { column, operator: OPERATORS[operator.name]!, values: [take('VALUE').text] };
  }
}

/**
 * Runs a parsed query over a module's rows (every field a string, `id` included). `fields` are
 * the module's field names; a column outside them is an ACCESS_DENIED VtqlError.
 */
export function runVtql(query: VtqlQuery, rows: Array<Record<string, string>>, fields: readonly string[]): Array<Record<string, string>> {
  const unknown = (columns: readonly string[]) => columns.find((column) => !fields.includes(column));
  const selected = unknown(Array.isArray(query.select) ? query.select : []);
  if (selected !== undefined) throw new VtqlError('ACCESS_DENIED', `Permission to access '.${selected}.' attribute denied.`);
  const compared = unknown(query.where.flat().map((c) => c.column));
  if (compared !== undefined) throw new VtqlError('ACCESS_DENIED', `Permission to access ${compared} attribute denied.`);
  if (unknown(query.orderBy?.columns ?? []) !== undefined) throw new VtqlError('DATABASE_QUERY_ERROR', DATABASE_ERROR);

  const holds = whereTest(query.where);
  const matching = rows.filter(holds);
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

/** A condition compiled once per query, not once per row (issue 10). */
interface ConditionTest {
  column: string;
  holds: (stored: string) => boolean;
  /** The character every value it holds for ends with, lower-cased, when the pattern fixes one and it is ASCII. */
  lastChar?: string;
}

/**
 * The WHERE as one test of a row. A LIKE whose pattern ends in a literal character holds only for
 * a value ending in that character, case aside: each OR'd group is filed under one such condition
 * of its own, by column and character, and a row tries only the groups filed under the last
 * characters of its own values, then the groups with none. A batch of 20 callers (the last four
 * digits of each, in four phone fields: 80 to 160 OR'd LIKEs) tested every pattern against each of
 * the bench's thousands of contacts, some 12 ms of the simulator's CPU per search on the relay's
 * cores (issue 10).
 */
function whereTest(where: Condition[][]): (row: Record<string, string>) => boolean {
  if (where.length === 0) return () => true;
  const unfiled: ConditionTest[][] = [];
  const filed = new Map<string, Map<string, ConditionTest[][]>>();
  for (const group of where.map((conditions) => conditions.map(conditionTest))) {
    const key = group.find((c) => c.lastChar !== undefined);
    if (!key) {
      unfiled.push(group);
      continue;
    }
    const byChar = filed.get(key.column) ?? new Map<string, ConditionTest[][]>();
    const groups = byChar.get(key.lastChar!) ?? [];
    filed.set(key.column, byChar.set(key.lastChar!, groups));
    groups.push(group);
  }
  const groupHolds = (row: Record<string, string>) => (group: ConditionTest[]) => group.every((c) => c.holds(row[c.column] ?? ''));
  return (row) => {
    const holds = groupHolds(row);
    for (const [column, byChar] of filed) {
      const stored = row[column] ?? '';
      const last = stored.charCodeAt(stored.length - 1);
      // Only an ASCII character matches an ASCII one, case aside (a non-ASCII value's last character, or none, files nothing).
      if (last < 0x80 && byChar.get(String.fromCharCode(asciiLower(last)))?.some(holds)) return true;
    }
    return unfiled.some(holds);
  };
}

/** Whether a stored value meets the condition. */
function conditionTest(condition: Condition): ConditionTest {
  const [value = ''] = condition.values;
  const column = condition.column;
  switch (condition.operator) {
    case '=':
      return { column, holds: (stored) => compare(stored, value) === 0 };
    case '!=':
      return { column, holds: (stored) => compare(stored, value) !== 0 };
    case '<':
      return { column, holds: (stored) => compare(stored, value) < 0 };
    case '>':
      return { column, holds: (stored) => compare(stored, value) > 0 };
    case '<=':
      return { column, holds: (stored) => compare(stored, value) <= 0 };
    case '>=':
      return { column, holds: (stored) => compare(stored, value) >= 0 };
    case 'IN':
      return { column, holds: (stored) => condition.values.some((v) => compare(stored, v) === 0) };
    case 'LIKE':
      return { column, ...likeTest(likeParts(value)) };
  }
}

/** Numbers as numbers, anything else as case-insensitive text. */
function compare(a: string, b: string): number {
  if (/^-?\d+(\.\d+)?$/.test(a) && /^-?\d+(\.\d+)?$/.test(b)) return Number(a) - Number(b);
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x < y ? -1 : x > y ? 1 : 0;
}

/** One character of a LIKE pattern: a wildcard (`%` any run, `_` one character), or a literal one. */
type LikePart = { wildcard: '%' | '_' } | { literal: string };

/** SQL LIKE's pattern read: `\` escapes the next character (a `\` at the end is itself). */
function likeParts(pattern: string): LikePart[] {
  const parts: LikePart[] = [];
  for (let i = 0; i < pattern.length; i += 1) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) parts.push({ literal: pattern[++i]! });
    else if (char === '%' || char === '_') parts.push({ wildcard: char });
    else parts.push({ literal: char });
  }
  return parts;
}

/**
 * A LIKE's test, case-insensitive as the regular expression `^…$` with the `i` and `s` flags that
 * is its reading, and the character a match must end with. `%` then ASCII text (the phone
 * searches' `%1234`) is a comparison of the value's end; anything else the regular expression.
 */
function likeTest(parts: LikePart[]): Pick<ConditionTest, 'holds' | 'lastChar'> {
  const last = parts.at(-1);
  const lastChar = last && 'literal' in last && last.literal < '\x80' ? last.literal.toLowerCase() : undefined;
  const [first, ...rest] = parts;
  const suffix = rest.map((part) => ('literal' in part ? part.literal : '')).join('');
  if (first && 'wildcard' in first && first.wildcard === '%' && rest.every((part) => 'literal' in part) && /^[\x00-\x7f]*$/.test(suffix)) {
    return { holds: (stored) => endsWithIgnoringAsciiCase(stored, suffix), lastChar };
  }
  const source = parts.map((part) => ('literal' in part ? escapeRegExp(part.literal) : part.wildcard === '%' ? '.*' : '.')).join('');
  const pattern = new RegExp(`^${source}$`, 'is');
  return { holds: (stored) => pattern.test(stored), lastChar };
}

/**
 * Whether `stored` ends with the ASCII `suffix`, case aside as a regular expression with the `i`
 * flag (and no `u`) sees it: a character matches an ASCII one only if it is that one in either
 * case, never a non-ASCII look-alike (the Kelvin sign is not `k`, `ı` not `i`).
 */
function endsWithIgnoringAsciiCase(stored: string, suffix: string): boolean {
  const from = stored.length - suffix.length;
  if (from < 0) return false;
  for (let i = 0; i < suffix.length; i += 1) if (asciiLower(stored.charCodeAt(from + i)) !== asciiLower(suffix.charCodeAt(i))) return false;
  return true;
}

/** A UTF-16 code unit with A-Z lowered, every other one as it is. */
function asciiLower(code: number): number {
  return code >= 0x41 && code <= 0x5a ? code + 0x20 : code;
}
