import type { HeaderPlan, ValueType } from '../connector/plan.ts';
import type { Template } from '../template/ast.ts';
import { MissingValueError, renderOptional, renderTemplate, type TemplateScope } from '../template/render.ts';
import { jsonLeaf } from './json-value.ts';

/**
 * A request parameter as both connector kinds declare it. `json` (CRM requests only) is a form
 * or query field whose nested parameters are sent as one JSON string (Vtiger's `element`).
 */
export interface BodyParameter {
  name: string;
  /** A JSON member's name rendered at run time, instead of `name` (CRM requests only). */
  key?: Template;
  type: ValueType | 'json';
  /** Left out when its value is empty or unset. */
  optional: boolean;
  value?: Template;
  children: BodyParameter[];
  /** An array whose items are rendered once per number of the search's `<batch>` of this name (CRM searches only). */
  each?: string;
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
    const name = memberName(parameter, scope);
    if (name === undefined) continue;
    const value = optionalJsonValue(parameter, scope);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** A JSON member's name: its `key` rendered, else `name`; undefined when an optional key renders empty. */
function memberName(parameter: BodyParameter, scope: TemplateScope): string | undefined {
  if (!parameter.key) return parameter.name;
  if (!parameter.optional) return renderTemplate(parameter.key, scope);
  return renderOptional(parameter.key, scope) || undefined;
}

/**
 * A parameter's JSON value; undefined when it is optional and unset: a leaf with no value, or an
 * object or array missing a value it needs (HubSpot's `associations` for a call with no contact).
 */
function optionalJsonValue(parameter: BodyParameter, scope: TemplateScope): unknown {
  if (!parameter.optional) return jsonValue(parameter, scope);
  if (parameter.type === 'string' || parameter.type === 'number' || parameter.type === 'boolean') {
    return renderParameter(parameter, scope) === undefined ? undefined : jsonValue(parameter, scope);
  }
  try {
    return jsonValue(parameter, scope);
  } catch (error) {
    if (error instanceof MissingValueError) return undefined;
    throw error;
  }
}

function jsonValue(parameter: BodyParameter, scope: TemplateScope): unknown {
  switch (parameter.type) {
    case 'object':
    case 'json':
      return jsonObject(parameter.children, scope);
    case 'array': {
      // `each`: the items once per number of the batch, each in that number's scope (HubSpot's `IN` values of every caller).
      const scopes = parameter.each === undefined ? [scope] : (scope.batches?.[parameter.each] ?? []);
      return scopes.flatMap((item) => parameter.children.map((c) => optionalJsonValue(c, item))).filter((v) => v !== undefined);
    }
    default:
      return jsonLeaf({ name: parameter.name, type: parameter.type, value: parameter.value }, scope);
  }
}

/** Every template of a request: its URL, headers and parameter values, nested ones too. */
export function requestTemplates(request: { url?: Template; headers: HeaderPlan[]; parameters: BodyParameter[] }): Template[] {
  const values = (parameters: BodyParameter[]): Template[] => parameters.flatMap((p) => [...(p.key ? [p.key] : []), ...(p.value ? [p.value] : []), ...values(p.children)]);
  return [...(request.url ? [request.url] : []), ...request.headers.map((h) => h.value), ...values(request.parameters)];
}
