/**
 * The subset of SOSL the Salesforce simulator answers:
 * `FIND {term [OR term…]} [IN ALL|NAME|EMAIL|PHONE|SIDEBAR FIELDS]
 *  [RETURNING Object[(Field, Rel.Field… [LIMIT n])], …] [LIMIT n]`, keywords in any case.
 * Inside the braces the reserved characters `& | ! ( ) { } [ ] ^ " ~ * ? : \ ' + -` must be
 * escaped with a backslash [D SF sosl_examples, CRMS.md §5.2]; an unescaped one is refused.
 * Refused too, as outside the subset (valid SOSL, but not simulated): wildcards, phrases, AND /
 * NOT, and WHERE / ORDER BY / OFFSET inside RETURNING. The error texts are [I].
 */

export type SearchScope = 'ALL' | 'NAME' | 'EMAIL' | 'PHONE' | 'SIDEBAR';

export interface SoslReturning {
  object: string;
  /** As written (`Id`, `account.name`); empty when the object has no field list. */
  fields: string[];
  limit?: number;
}

export interface SoslQuery {
  /** The search term's alternatives (joined by OR), escapes resolved. */
  terms: string[];
  scope: SearchScope;
  /** Null when the query has no RETURNING clause. */
  returning: SoslReturning[] | null;
  limit?: number;
}

/** A query Salesforce answers with 400 MALFORMED_SEARCH. */
export class MalformedSearch extends Error {}

const RESERVED = new Set([...'&|!(){}[]^~:\'+-']);
const UNSIMULATED = new Set([...'*?"']);
const SCOPES = new Set<SearchScope>(['ALL', 'NAME', 'EMAIL', 'PHONE', 'SIDEBAR']);

export function parseSosl(source: string): SoslQuery {
  let at = 0;
  const column = () => at + 1;
  const skipSpace = () => {
    while (/\s/.test(source[at] ?? '')) at += 1;
  };
  const keyword = (word: string): boolean => {
    skipSpace();
    const match = new RegExp(`^${word}\\b`, 'i').exec(source.slice(at));
    if (match) at += match[0].length;
    return Boolean(match);
  };
  const identifier = (what: string): string => {
    skipSpace();
    const match = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)?/.exec(source.slice(at));
    if (!match) throw new MalformedSearch(`line 1:${column()} expected ${what}`);
    at += match[0].length;
    return match[0];
  };
  const count = (): number => {
    skipSpace();
    const match = /^\d+/.exec(source.slice(at));
    if (!match) throw new MalformedSearch(`line 1:${column()} expected a number after LIMIT`);
    at += match[0].length;
    return Number(match[0]);
  };

  if (!keyword('FIND')) throw new MalformedSearch(`line 1:${column()} expected FIND`);
  skipSpace();
  if (source[at] !== '{') throw new MalformedSearch('No search term found. The search term must be enclosed in braces.');
  at += 1;
  const term = searchTerm();
  const terms = alternatives(term);

  let scope: SearchScope = 'ALL';
  if (keyword('IN')) {
    const named = identifier('ALL, NAME, EMAIL, PHONE or SIDEBAR').toUpperCase() as SearchScope;
    if (!SCOPES.has(named)) throw new MalformedSearch(`line 1:${column()} unknown search group ${named}: expected ALL, NAME, EMAIL, PHONE or SIDEBAR`);
    if (!keyword('FIELDS')) throw new MalformedSearch(`line 1:${column()} expected FIELDS`);
    scope = named;
  }

  let returning: SoslReturning[] | null = null;
  if (keyword('RETURNING')) {
    returning = [];
    do returning.push(returningObject());
    while (comma());
  }
  const limit = keyword('LIMIT') ? count() : undefined;
  skipSpace();
  if (at < source.length) throw new MalformedSearch(`line 1:${column()} unexpected token: '${source.slice(at).split(/\s/)[0]}'`);
  return { terms, scope, returning, ...(limit === undefined ? {} : { limit }) };

  function comma(): boolean {
    skipSpace();
    if (source[at] !== ',') return false;
    at += 1;
    return true;
  }

  function returningObject(): SoslReturning {
    const object = identifier('an object name after RETURNING');
    skipSpace();
    if (source[at] !== '(') return { object, fields: [] };
    at += 1;
    const fields = [identifier(`a field of ${object}`)];
    while (comma()) fields.push(identifier(`a field of ${object}`));
    let limit: number | undefined;
    if (keyword('LIMIT')) limit = count();
    skipSpace();
    const clause = /^(WHERE|ORDER|OFFSET|USING|WITH)\b/i.exec(source.slice(at));
    if (clause) throw new MalformedSearch(`line 1:${column()} ${clause[0].toUpperCase()} is outside the simulator's SOSL subset`);
    if (source[at] !== ')') throw new MalformedSearch(`line 1:${column()} expected ')' after the fields of ${object}`);
    at += 1;
    return { object, fields, ...(limit === undefined ? {} : { limit }) };
  }

  function searchTerm(): string {
    let text = '';
    for (;;) {
      const char = source[at];
      if (char === undefined) throw new MalformedSearch('No search term found. The search term must be enclosed in braces.');
      if (char === '}') {
        at += 1;
        return text;
      }
      if (char === '\\') {
        const next = source[at + 1];
        if (next === undefined) throw new MalformedSearch(`line 1:${column()} a backslash ends the search term`);
        text += next;
        at += 2;
        continue;
      }
      if (RESERVED.has(char)) throw new MalformedSearch(`line 1:${column()} reserved character '${char}' must be escaped with a backslash in the search term`);
      if (UNSIMULATED.has(char)) throw new MalformedSearch(`line 1:${column()} wildcards and phrases ('${char}') are outside the simulator's SOSL subset`);
      text += char;
      at += 1;
    }
  }
}

/** `4155550100 OR 14155550100` -> both; each must be at least two characters. */
function alternatives(term: string): string[] {
  const words = term.trim().split(/\s+/).filter(Boolean);
  if (words.some((w) => /^(AND|NOT)$/i.test(w))) throw new MalformedSearch("AND and NOT are outside the simulator's SOSL subset");
  const groups: string[][] = [[]];
  for (const word of words) {
    if (/^OR$/i.test(word)) groups.push([]);
    else groups.at(-1)!.push(word);
  }
  return groups.map((group) => {
    const text = group.join(' ');
    if (text.replace(/\s/g, '').length < 2) throw new MalformedSearch(`search term must be longer than one character: ${text}`);
    return text;
  });
}
