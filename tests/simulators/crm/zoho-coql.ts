/**
 * The subset of Zoho's COQL (`POST /crm/v8/coql`, body `{"select_query": …}`) the simulator
 * understands: `select f1, f2 from Module where field = 'value' [limit n]`. Endpoint, body, scope
 * ZohoCRM.coql.READ and `=` as a comparator: [D Zoho Get-Records-through-COQL-Query v8,
 * COQL-Overview]. That `=` compares the whole value (where the search API's `equals` finds it
 * inside longer values) is what separates it from `criteria`; the ignored case, the backslash
 * before `'` and `\` in a literal, and the error wording are [I].
 */

export interface CoqlQuery {
  fields: string[];
  module: string;
  where: { field: string; value: string };
  limit: number;
}

const QUERY = /^\s*select\s+([\w$]+(?:\s*,\s*[\w$]+)*)\s+from\s+(\w+)\s+where\s+([\w$]+)\s*=\s*'((?:[^'\\]|\\.)*)'\s*(?:limit\s+(\d+))?\s*$/i;
/** COQL's default and largest LIMIT [D COQL-Overview]. */
const DEFAULT_LIMIT = 200;
const MAX_LIMIT = 2000;

/** Parses `source`; throws an Error saying what the subset expected. */
export function parseCoql(source: string): CoqlQuery {
  const parts = QUERY.exec(source);
  if (!parts) throw new Error("expected select <fields> from <module> where <field> = '<value>' [limit <n>]");
  const [, fields, module, field, literal, limit] = parts;
  const count = limit === undefined ? DEFAULT_LIMIT : Number(limit);
  if (count < 1 || count > MAX_LIMIT) throw new Error(`limit must be between 1 and ${MAX_LIMIT}`);
  return {
    fields: fields!.split(',').map((f) => f.trim()),
    module: module!,
    where: { field: field!, value: literal!.replace(/\\(.)/g, '$1') },
    limit: count,
  };
}

/** Whether a field's text is the one `=` asks for. */
export function equalsCoql(query: CoqlQuery, actual: string | null): boolean {
  return actual !== null && actual.toLowerCase() === query.where.value.toLowerCase();
}
