import { CLOSED_FIELDS, isKnownWord, RECORD_FIELD_ALIASES } from '../record/call-record.ts';
import type { PayloadPath } from '../payload/path.ts';
import { attr, attrOffset } from './attributes.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
import type { FieldMapping, MappingPlan, PayloadCondition } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles a `<response>` block: each child maps one record field from a path or a default. */
export function compileMapping(compiler: ElementCompiler, element: XmlElement, context: TemplateContext): MappingPlan {
  const fields: FieldMapping[] = [];
  // A field may be mapped again after mappings of it that have a condition: the first whose
  // condition holds and that finds a value maps it. One without a condition takes the rest.
  const takesAll = new Set<string>();
  for (const mapping of element.children) {
    let field = mapping.name;
    const alias = RECORD_FIELD_ALIASES[field];
    if (alias) {
      compiler.warn(mapping, 'field-alias', `<${field}> is read as <${alias}>`, `spell it <${alias}>`);
      field = alias;
    }
    if (takesAll.has(field)) {
      compiler.error(mapping, `record field \`${field}\` is mapped twice in this block`, `to map it one way in some webhooks, give the mapping before this one a \`when\` or \`unless\``);
    }
    if (attr(mapping, 'when') === undefined && attr(mapping, 'unless') === undefined) takesAll.add(field);
    const use = compiler.attrPath(mapping, 'use');
    const fallback = attr(mapping, 'default') !== undefined ? compiler.attrTemplate(mapping, 'default', context) : undefined;
    if (attr(mapping, 'use') === undefined && !fallback) {
      compiler.error(mapping, `<${mapping.name}> needs a \`use\` path or a \`default\` value`, `e.g. <${mapping.name} use="CallSid"/>`);
    }
    const inList = attr(mapping, 'in');
    if (inList !== undefined && field !== 'success') {
      compiler.error(mapping, '`in` is only allowed on <success>', undefined, attrOffset(mapping, 'in'));
    }
    const since = compiler.attrPath(mapping, 'since');
    if (since && !use) compiler.error(mapping, '`since` needs a `use` path: the time the span ends', `e.g. <${mapping.name} use="end_time" since="start_time"/>`, attrOffset(mapping, 'since'));
    const map = attr(mapping, 'map') === undefined ? undefined : compileValueTable(compiler, mapping, 'map');
    const unknown = compileUnknown(compiler, mapping, field);
    fields.push({
      field,
      use,
      ...(since ? { since } : {}),
      ...compileCondition(compiler, mapping).condition,
      ...(map ? { map } : {}),
      ...(unknown ? { unknown } : {}),
      default: fallback,
      in: inList === undefined ? undefined : lowerList(inList),
    });
  }
  const format = attr(element, 'format')?.toLowerCase();
  return { format: format === 'json' || format === 'xml' ? format : undefined, fields };
}

/**
 * `when`, `is`, `not` and `unless` on a status block, a mapped field or a reply parameter, and the
 * condition in words for diagnostics (undefined when there is none).
 */
export function compileCondition(compiler: ElementCompiler, element: XmlElement): { condition: PayloadCondition; words?: string } {
  const when = compiler.attrPath(element, 'when');
  const whenIs = valuesOfWhen(compiler, element, 'is', when);
  const whenNot = valuesOfWhen(compiler, element, 'not', when);
  if (whenIs && whenNot) compiler.error(element, '`is` and `not` together: `is` alone says it', 'keep `is` (the values the path must have)', attrOffset(element, 'not'));
  const unless = compiler.attrPath(element, 'unless');
  const has = when && (whenIs ? `\`${when.source}\` is ${whenIs.join(' or ')}` : whenNot ? `\`${when.source}\` has a value other than ${whenNot.join(' or ')}` : `\`${when.source}\` has a value`);
  const words = has || unless ? [has, unless && `\`${unless.source}\` has none`].filter(Boolean).join(' and ') : undefined;
  return { condition: { ...(when ? { when } : {}), ...(when && whenIs ? { whenIs } : {}), ...(when && whenNot ? { whenNot } : {}), ...(unless ? { unless } : {}) }, words };
}

/** `is` or `not`: values of the `when` path, lower-cased, which they need. */
function valuesOfWhen(compiler: ElementCompiler, element: XmlElement, name: 'is' | 'not', when: PayloadPath | undefined): string[] | undefined {
  const values = attr(element, name);
  if (values === undefined) return undefined;
  if (!when) compiler.error(element, `\`${name}\` lists the values of the \`when\` path, and this <${element.name}> has no \`when\``, `add when="path" (the field whose value \`${name}\` lists)`, attrOffset(element, name));
  return [...new Set(lowerList(values))];
}

/** `unknown="…"`: allowed where the engine normalises to a closed set of values, and must be one of them. */
function compileUnknown(compiler: ElementCompiler, mapping: XmlElement, field: string): string | undefined {
  const value = attr(mapping, 'unknown');
  if (value === undefined) return undefined;
  if (!(field in CLOSED_FIELDS)) {
    compiler.error(mapping, '`unknown` is only allowed on <call_status> and <direction>', undefined, attrOffset(mapping, 'unknown'));
    return undefined;
  }
  const closed = field as keyof typeof CLOSED_FIELDS;
  if (!isKnownWord(closed, value)) {
    compiler.error(mapping, `\`unknown\` must be a value of <${field}>, not "${value}"`, `one of ${CLOSED_FIELDS[closed].join(', ')}`, attrOffset(mapping, 'unknown'));
    return undefined;
  }
  return value.trim();
}

/**
 * A `from:to` table written in an attribute (`answered:completed,no answer:no-answer`), keys
 * lower-cased; the last `:` splits, so values may not hold one but keys may.
 */
export function compileValueTable(compiler: ElementCompiler, element: XmlElement, name: string, options: { emptyTo?: boolean } = {}): Record<string, string> {
  const table: Record<string, string> = {};
  for (const pair of (attr(element, name) ?? '').split(',')) {
    const at = pair.lastIndexOf(':');
    const from = pair.slice(0, at).trim().toLowerCase();
    if (at < 1 || !from || (!options.emptyTo && !pair.slice(at + 1).trim())) {
      compiler.error(element, `\`${name}\` entry "${pair.trim()}" is not \`from:to\``, `write ${name}="answered:completed,no answer:no-answer"`, attrOffset(element, name));
      continue;
    }
    table[from] = pair.slice(at + 1).trim();
  }
  return table;
}

/** A comma-separated attribute value as its lower-cased, non-empty items. */
export function lowerList(value: string): string[] {
  return value.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
}
