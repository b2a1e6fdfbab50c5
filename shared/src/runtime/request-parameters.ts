import type { ValueType } from '../connector/plan.ts';
import type { Template } from '../template/ast.ts';
import { renderOptional, renderTemplate, type TemplateScope } from '../template/render.ts';
import { jsonLeaf } from './json-value.ts';

/**
 * A request parameter as both connector kinds declare it. `json` (CRM requests only) is a form
 * or query field whose nested parameters are sent as one JSON string (Vtiger's `element`).
 */
export interface BodyParameter {
  name: string;
  type: ValueType | 'json';
  /** Left out when its value is empty or unset. */
  optional: boolean;
  value?: Template;
  children: BodyParameter[];
}

/** A parameter's text; undefined when it is optional and its value is empty or unset. */
function renderParameter(parameter: BodyParameter, scope: TemplateScope): string | undefined {
  if (!parameter.optional) return parameter.value ? renderTemplate(parameter.value, scope) : '';
  const value = parameter.value ? renderOptional(parameter.value, scope) : undefined;
  return value === undefined || value === '' ? undefined : value;
}

/** The name/value pairs of a form or a query: `array` repeats its name per item, in order; `json` is its children as JSON text. */
export function formFields(parameters: BodyParameter[], scope: TemplateScope): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  for (const p of parameters) {
    if (p.type === 'json') {
      fields.push([p.name, JSON.stringify(jsonObject(p.children, scope))]);
      continue;
    }
    for (const item of p.type === 'array' ? p.children : [p]) {
      const value = renderParameter(item, scope);
      if (value !== undefined) fields.push([p.name, value]);
    }
  }
  return fields;
}

/** A JSON body (or a `json` field) from parameters; optional leaves with no value are left out. */
export function jsonObject(parameters: BodyParameter[], scope: TemplateScope): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const parameter of parameters) {
    if (parameter.optional && (parameter.type === 'string' || parameter.type === 'number' || parameter.type === 'boolean') && renderParameter(parameter, scope) === undefined) continue;
    out[parameter.name] = jsonValue(parameter, scope);
  }
  return out;
}

function jsonValue(parameter: BodyParameter, scope: TemplateScope): unknown {
  switch (parameter.type) {
    case 'object':
    case 'json':
      return jsonObject(parameter.children, scope);
    case 'array':
      return parameter.children.filter((c) => !c.optional || renderParameter(c, scope) !== undefined).map((c) => jsonValue(c, scope));
    default:
      return jsonLeaf({ name: parameter.name, type: parameter.type, value: parameter.value }, scope);
  }
}
