/**
 * The subset of SOQL the Salesforce simulator answers, enough to read a Task back by a field
 * the relay wrote (`CallObject`) or a contact by an exact phone string:
 * `SELECT Id, Subject FROM Task WHERE CallObject = 'CA8f3c' [AND|OR …] [LIMIT n]`, with `=`,
 * `!=` and `LIKE` ('%' and '_' wildcards), string literals in single quotes (`\'` and `\\`
 * escape), numbers, `true`, `false`, `null`. A bad query is MALFORMED_QUERY [D SF
 * resources_query]. Refused as outside the subset: parentheses, AND mixed with OR, ORDER BY,
 * GROUP BY, OFFSET, sub-queries. String `=` ignores case: "case-sensitive for unique case-sensitive
 * fields", "case-insensitive" for all others [D SF soql comparison operators]; no field simulated is
 * unique case-sensitive. The error texts are [I].
 */

export type SoqlLiteral = string | number | boolean | null;

export interface SoqlCondition {
  field: string;
  operator: '=' | '!=' | 'LIKE';
  value: SoqlLiteral;
}

export interface SoqlQuery {
  fields: string[];
  object: string;
  where: { join: 'AND' | 'OR'; conditions: SoqlCondition[] } | null;
  limit?: number;
}

/** A query Salesforce answers with 400 MALFORMED_QUERY. */
export class MalformedQuery extends Error {}

const TOKEN = /\s*(?:('(?:[^'\\]|\\.)*')|(!=|=|,|\(|\))|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*))/y;
const UNSIMULATED = /^(ORDER|GROUP|OFFSET|HAVING|FOR|WITH|USING|TYPEOF)$/i;

interface Token {
  text: string;
  kind: 'string' | 'symbol' | 'number' | 'word';
  column: number;
}

function tokens(source: string): Token[] {
  const list: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.length) {
    if (/^\s*$/.test(source.slice(TOKEN.lastIndex))) break;
    const start = TOKEN.lastIndex;
    const match = TOKEN.exec(source);
    if (!match) throw new MalformedQuery(`line 1:${start + 1} unexpected character '${source.slice(start).trim()[0]}'`);
    const [whole, string, symbol, number] = match;
    const column = start + whole.length - whole.trimStart().length + 1;
    if (string !== undefined) list.push({ text: string, kind: 'string', column });
    else if (symbol !== undefined) list.push({ text: symbol, kind: 'symbol', column });
    else if (number !== undefined) list.push({ text: number, kind: 'number', column });
    else list.push({ text: match[4]!, kind: 'word', column });
  }
  return list;
}

export function parseSoql(source: string): SoqlQuery {
  const list = tokens(source);
  let at = 0;
  const peek = () => list[at];
  const unexpected = (): never => {
    const token = peek();
    throw new MalformedQuery(token ? `line 1:${token.column} unexpected token: '${token.text}'` : 'unexpected end of query');
  };
  const keyword = (word: string): boolean => {
    if (peek()?.kind !== 'word' || peek()!.text.toUpperCase() !== word) return false;
    at += 1;
    return true;
  };
  const word = (): string => (peek()?.kind === 'word' ? list[at++]!.text : unexpected());
  const symbol = (text: string): boolean => {
    if (peek()?.kind !== 'symbol' || peek()!.text !== text) return false;
    at += 1;
    return true;
  };

  if (!keyword('SELECT')) unexpected();
  const fields = [word()];
  while (symbol(',')) fields.push(word());
  if (!keyword('FROM')) unexpected();
  const object = word();

  let where: SoqlQuery['where'] = null;
  if (keyword('WHERE')) {
    if (peek()?.text === '(') throw new MalformedQuery("parentheses in WHERE are outside the simulator's SOQL subset");
    const conditions = [condition()];
    let join: 'AND' | 'OR' | undefined;
    for (;;) {
      const next = keyword('AND') ? 'AND' : keyword('OR') ? 'OR' : undefined;
      if (!next) break;
      if (join && join !== next) throw new MalformedQuery("AND mixed with OR is outside the simulator's SOQL subset");
      join = next;
      conditions.push(condition());
    }
    where = { join: join ?? 'AND', conditions };
  }
  let limit: number | undefined;
  if (keyword('LIMIT')) {
    const token = peek();
    if (token?.kind !== 'number' || !/^\d+$/.test(token.text)) unexpected();
    limit = Number(list[at++]!.text);
  }
  if (peek()?.kind === 'word' && UNSIMULATED.test(peek()!.text)) throw new MalformedQuery(`${peek()!.text.toUpperCase()} is outside the simulator's SOQL subset`);
  if (peek()) unexpected();
  return { fields, object, where, ...(limit === undefined ? {} : { limit }) };

  function condition(): SoqlCondition {
    const field = word();
    const operator = symbol('=') ? '=' : symbol('!=') ? '!=' : keyword('LIKE') ? 'LIKE' : unexpected();
    const token = peek();
    if (!token) return unexpected();
    at += 1;
    if (token.kind === 'string') return { field, operator, value: token.text.slice(1, -1).replace(/\\(.)/g, '$1') };
    if (token.kind === 'number' && operator !== 'LIKE') return { field, operator, value: Number(token.text) };
    const constant = token.kind === 'word' && operator !== 'LIKE' ? ({ null: null, true: true, false: false } as Record<string, SoqlLiteral>)[token.text.toLowerCase()] : undefined;
    if (constant === undefined) {
      at -= 1;
      return unexpected();
    }
    return { field, operator, value: constant };
  }
}

/** Whether a record's values (read by field name) satisfy the WHERE clause. */
export function matchesWhere(where: SoqlQuery['where'], read: (field: string) => SoqlLiteral): boolean {
  if (!where) return true;
  const test = ({ field, operator, value }: SoqlCondition): boolean => {
    const actual = read(field);
    if (operator === 'LIKE') {
      if (typeof actual !== 'string') return false;
      const pattern = String(value).replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/%/g, '.*').replace(/_/g, '.');
      return new RegExp(`^${pattern}$`, 'is').test(actual);
    }
    const equal = typeof actual === 'string' && typeof value === 'string' ? actual.toLowerCase() === value.toLowerCase() : actual === value;
    return operator === '=' ? equal : !equal;
  };
  return where.join === 'AND' ? where.conditions.every(test) : where.conditions.some(test);
}
