/**
 * Odoo's search domains, as the Odoo simulator evaluates them: a list in Polish (prefix) notation
 * of conditions `[field, operator, value]` and the operators `'&'`, `'|'` (two operands) and `'!'`
 * (one), conditions next to each other joined by an implicit AND [D odoo.com/documentation, ORM
 * reference "Search domains"]. Condition operators kept to those the connector and tests use:
 * `=`, `!=`, `ilike` (the value inside `%…%`), `=ilike` (the value as a pattern, `%` any run of
 * characters, `_` one character), case aside. A field the model does not have is Odoo's
 * ValueError "Invalid field res.partner.mobile in leaf ('mobile', '=ilike', '%0100')" [D odoo/odoo
 * 17.0 odoo/osv/expression.py; 18.0 says "in condition", I], a domain that does not close is
 * "Invalid domain" [I: words].
 */
import { escapeRegExp } from './crm-server.ts';

/** A record as the domain reads it: its fields' values (false for an empty one, as Odoo has it). */
export type DomainRecord = Record<string, unknown>;

/** A domain Odoo refuses, with the exception it raises. */
export class DomainError extends Error {
  constructor(
    readonly exception: string,
    message: string,
  ) {
    super(message);
  }
}

type Node = { op: '&' | '|'; left: Node; right: Node } | { op: '!'; operand: Node } | { op: 'leaf'; field: string; operator: string; value: unknown };

const OPERATORS = new Set(['=', '!=', 'ilike', '=ilike']);

/** The records of `records` the domain keeps; `model` and `fields` say which fields exist. */
export function filterByDomain<R extends DomainRecord>(records: R[], domain: unknown, model: string, fields: ReadonlySet<string>): R[] {
  const node = parseDomain(domain, model, fields);
  return node ? records.filter((record) => holds(node, record)) : records;
}

function parseDomain(domain: unknown, model: string, fields: ReadonlySet<string>): Node | undefined {
  if (!Array.isArray(domain)) throw new DomainError('builtins.ValueError', `Invalid domain: ${JSON.stringify(domain)}`);
  const items = [...domain];
  const terms: Node[] = [];
  const next = (): Node => {
    if (items.length === 0) throw new DomainError('builtins.ValueError', `Invalid domain: ${JSON.stringify(domain)}`);
    const item = items.shift();
    if (item === '&' || item === '|') return { op: item, left: next(), right: next() };
    if (item === '!') return { op: '!', operand: next() };
    return leaf(item, model, fields);
  };
  while (items.length > 0) terms.push(next());
  return terms.reduceRight<Node | undefined>((right, left) => (right ? { op: '&', left, right } : left), undefined);
}

function leaf(item: unknown, model: string, fields: ReadonlySet<string>): Node {
  if (!Array.isArray(item) || item.length !== 3 || typeof item[0] !== 'string' || typeof item[1] !== 'string') throw new DomainError('builtins.ValueError', `Invalid leaf ${JSON.stringify(item)}`);
  const [field, operator, value] = item as [string, string, unknown];
  const shown = `('${field}', '${operator}', ${JSON.stringify(value)})`;
  if (!fields.has(field)) throw new DomainError('builtins.ValueError', `Invalid field ${model}.${field} in leaf ${shown}`);
  if (!OPERATORS.has(operator)) throw new DomainError('builtins.ValueError', `Invalid leaf ${shown}`);
  return { op: 'leaf', field, operator, value };
}

function holds(node: Node, record: DomainRecord): boolean {
  switch (node.op) {
    case '&':
      return holds(node.left, record) && holds(node.right, record);
    case '|':
      return holds(node.left, record) || holds(node.right, record);
    case '!':
      return !holds(node.operand, record);
    case 'leaf':
      return compare(record[node.field], node.operator, node.value);
  }
}

function compare(stored: unknown, operator: string, value: unknown): boolean {
  const id = Array.isArray(stored) ? stored[0] : stored;
  switch (operator) {
    case '=':
      return id === value || (id === false && value === false);
    case '!=':
      return id !== value;
    case 'ilike':
      return typeof stored === 'string' && stored.toLowerCase().includes(String(value).toLowerCase());
    default:
      return typeof stored === 'string' && likePattern(String(value)).test(stored);
  }
}

/** SQL ILIKE: `%` any run of characters, `_` one, the rest literal, the whole value, case aside. */
function likePattern(pattern: string): RegExp {
  const source = [...pattern].map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : escapeRegExp(ch))).join('');
  return new RegExp(`^${source}$`, 'is');
}
