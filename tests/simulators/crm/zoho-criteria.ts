/**
 * The subset of Zoho's search `criteria` the simulator understands:
 * `((Phone:equals:+14155550100)or(Mobile:starts_with:415))`. Conditions are
 * `(api_name:operator:value)` with `equals` or `starts_with`; groups join with `and` / `or`,
 * left to right; `\(`, `\)` and `\,` escape inside a value; `equals` "behaves like contains"
 * (`Company:equals:ABC` finds "ABC Inc") [D Zoho search-records v8: syntax, escapes, equals;
 * ZO record.json: the parameter]. That contains means a substring, and the ignored case, are [I].
 */

export type Criteria =
  | { kind: 'condition'; field: string; operator: 'equals' | 'starts_with'; value: string }
  | { kind: 'join'; join: 'and' | 'or'; left: Criteria; right: Criteria };

const OPERATORS = new Set(['equals', 'starts_with']);

/** Parses `source`; throws an Error naming the position and what was expected. */
export function parseCriteria(source: string): Criteria {
  let at = 0;
  const fail = (expected: string): never => {
    throw new Error(`expected ${expected} at character ${at + 1} of the criteria`);
  };

  const group = (): Criteria => {
    if (source[at] !== '(') fail('"("');
    at += 1;
    const inner = source[at] === '(' ? joined() : condition();
    if (source[at] !== ')') fail('")"');
    at += 1;
    return inner;
  };

  const joined = (): Criteria => {
    let left = group();
    for (;;) {
      const word = /^(and|or)/i.exec(source.slice(at));
      if (!word) return left;
      at += word[0].length;
      left = { kind: 'join', join: word[0].toLowerCase() as 'and' | 'or', left, right: group() };
    }
  };

  const condition = (): Criteria => {
    const head = /^([A-Za-z0-9_$]+):([a-z_]+):/.exec(source.slice(at));
    if (!head) return fail('api_name:operator:value');
    const [, field, operator] = head;
    if (!OPERATORS.has(operator!)) fail(`an operator (${[...OPERATORS].join(', ')}), not "${operator}"`);
    at += head[0].length;
    let value = '';
    while (at < source.length && source[at] !== ')') {
      if (source[at] === '\\' && at + 1 < source.length) at += 1;
      value += source[at];
      at += 1;
    }
    return { kind: 'condition', field: field!, operator: operator as 'equals' | 'starts_with', value };
  };

  const criteria = joined();
  if (at !== source.length) fail('the end');
  return criteria;
}

/** The api names a criteria compares, so the caller can refuse unknown ones. */
export function criteriaFields(criteria: Criteria): string[] {
  return criteria.kind === 'condition' ? [criteria.field] : [...criteriaFields(criteria.left), ...criteriaFields(criteria.right)];
}

/** Whether a record matches, given how to read a field as text. */
export function matchesCriteria(criteria: Criteria, read: (field: string) => string | null): boolean {
  if (criteria.kind === 'join') {
    const left = matchesCriteria(criteria.left, read);
    return criteria.join === 'and' ? left && matchesCriteria(criteria.right, read) : left || matchesCriteria(criteria.right, read);
  }
  const actual = read(criteria.field)?.toLowerCase();
  if (actual === undefined) return false;
  const wanted = criteria.value.toLowerCase();
  return criteria.operator === 'equals' ? actual.includes(wanted) : actual.startsWith(wanted);
}
