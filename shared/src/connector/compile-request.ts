import { attr, child, children, choice, isOptional } from './attributes.ts';
import { BODY_FORMATS, REQUEST_METHODS, VALUE_TYPES } from './grammar.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
import type { ParameterPlan, RequestPlan, ValueType } from './plan.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles `<request>`: the HTTP request that places a call (or ends one, by any of `methods`). */
export function compileRequest(compiler: ElementCompiler, element: XmlElement, methods: readonly string[] = REQUEST_METHODS, context: TemplateContext = 'request'): RequestPlan {
  const format = choice(element, 'format', BODY_FORMATS);
  const method = choice(element, 'method', methods).toUpperCase() as RequestPlan['method'];
  const urlElement = child(element, 'url');
  const parameters = compileRequestParameters(compiler, child(element, 'parameters'), format, method, false, context);
  return {
    method,
    format,
    url: urlElement ? compiler.textTemplate(urlElement, context) : undefined,
    headers: compiler.compileHeaders(child(element, 'headers'), context),
    parameters,
  };
}

/**
 * The `<parameter>`s under `parent`. Outside an array a name is given once: a second one would
 * replace the first in JSON, and several values under one name are said with type="array".
 */
export function compileRequestParameters(compiler: ElementCompiler, parent: XmlElement | undefined, format: 'form' | 'json', method: RequestPlan['method'], inArray: boolean, context: TemplateContext): ParameterPlan[] {
  const elements = children(parent, 'parameter');
  if (!inArray) {
    const seen = new Set<string>();
    for (const element of elements) {
      const name = attr(element, 'name');
      if (name !== undefined && seen.has(name)) {
        compiler.error(element, `parameter \`${name}\` is given twice`, `to send several values, write one <parameter name="${name}" type="array"> with a nested <parameter value="…"/> per value`, element.offset, 'duplicate-parameter');
      }
      if (name !== undefined) seen.add(name);
    }
  }
  return elements.map((p) => compileRequestParameter(compiler, p, format, method, inArray, context));
}

function compileRequestParameter(compiler: ElementCompiler, element: XmlElement, format: 'form' | 'json', method: RequestPlan['method'], inArray: boolean, context: TemplateContext): ParameterPlan {
  const name = attr(element, 'name');
  if (!name && !inArray) compiler.error(element, '<parameter> needs a `name` attribute', 'only items of a type="array" parameter may omit it', element.offset, 'missing-attribute');
  const nested = children(element, 'parameter');
  const type: ValueType = attr(element, 'type') === undefined ? (nested.length ? 'object' : 'string') : choice(element, 'type', VALUE_TYPES);
  // A form or a query carries text only; an array there is its name repeated once per item
  // (Twilio's StatusCallbackEvent=initiated&StatusCallbackEvent=ringing), its items plain values.
  const textOnly = !sendsBody(method, format);
  const repeated = type === 'array' && !inArray;
  if (textOnly && !repeated && (nested.length || attr(element, 'type'))) {
    compiler.error(element, 'nested and typed parameters need a JSON body', 'set <request method="post" format="json">; only type="array" (one pair per item) works in a form or query');
  }
  return {
    name: name ?? '',
    type,
    optional: isOptional(element),
    value: compiler.parameterValue(element, type, context),
    children: compileRequestParameters(compiler, element, format, method, type === 'array', context),
  };
}

/** Whether a request's parameters make a JSON body: a GET or a DELETE sends them in its query. */
export function sendsBody(method: RequestPlan['method'], format: 'form' | 'json'): boolean {
  return format === 'json' && method !== 'GET' && method !== 'DELETE';
}
