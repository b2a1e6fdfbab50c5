import { attr, attrOffset, child, children, choice, isOptional, setting } from './attributes.ts';
import { REPLY_FORMATS, REPLY_ROOTS, VALUE_TYPES } from './grammar.ts';
import { didYouMean } from './diagnostics.ts';
import { compileCondition } from './compile-mapping.ts';
import type { ElementCompiler } from './element-compiler.ts';
import type { ReplyParameterPlan, ReplyPlan, ValueType } from './plan.ts';
import type { Template } from '../template/ast.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles `<send_response>`: the reply a webhook gets. */
export function compileReply(compiler: ElementCompiler, element: XmlElement): ReplyPlan {
  const format = choice(element, 'format', REPLY_FORMATS);
  const root = attr(element, 'root') ?? REPLY_ROOTS[format];
  if (format === 'json' && root !== 'object' && root !== 'array') {
    compiler.error(element, `root of a JSON reply must be \`object\` or \`array\` (got "${root}")`, undefined, attrOffset(element, 'root'));
  }
  const parameters = children(child(element, 'parameters'), 'parameter').map((p) => compileReplyParameter(compiler, p, format, root === 'array'));
  const agentDialing = attr(element, 'agentdialing');
  if (agentDialing !== undefined && !hasParameterNamed(parameters, agentDialing)) {
    compiler.error(element, `agentdialing names \`${agentDialing}\`, but no <parameter name="${agentDialing}"> exists in this reply`,
      didYouMean(agentDialing, allParameterNames(parameters)) ?? 'name the parameter to repeat for each agent, usually Number', attrOffset(element, 'agentdialing'));
  }
  const maxAgents = attr(element, 'maxagents');
  const agentJoin = attr(element, 'agentjoin');
  if (agentDialing === undefined) {
    // Both shape how the reply rings the agents: without agentdialing there are none to ring.
    for (const [name, what, hint] of [
      ['maxagents', 'limits', 'to repeat'],
      ['agentjoin', 'joins the numbers of', 'to render with the numbers'],
    ] as const) {
      if (attr(element, name) !== undefined) compiler.error(element, `\`${name}\` ${what} \`agentdialing\`, which this reply does not have`, `add agentdialing="…" naming the parameter ${hint}, or remove ${name}`, attrOffset(element, name));
    }
  }
  return {
    status: Number(setting(element, 'status')),
    format,
    root,
    agentDialing,
    ...(agentJoin !== undefined ? { agentJoin } : {}),
    ...(maxAgents !== undefined ? { maxAgents: Number(maxAgents) } : {}),
    headers: compiler.compileHeaders(child(element, 'headers'), 'callback'),
    parameters,
  };
}

function compileReplyParameter(compiler: ElementCompiler, element: XmlElement, format: 'xml' | 'json', inArray: boolean): ReplyParameterPlan {
  const nested = children(element, 'parameter');
  const declared = attr(element, 'type') === undefined ? undefined : choice(element, 'type', VALUE_TYPES);
  if (declared && format === 'xml') compiler.error(element, '`type` applies to JSON replies only', undefined, attrOffset(element, 'type'));
  if (format === 'json' && child(element, 'attrs')) compiler.error(element, '<attrs> applies to XML replies only');
  const type: ValueType = declared ?? (nested.length && format === 'json' ? 'object' : 'string');
  if (!attr(element, 'name') && !inArray) compiler.error(element, '<parameter> needs a `name` attribute', 'only items of a type="array" parameter may omit it', element.offset, 'missing-attribute');
  return {
    name: attr(element, 'name') ?? '',
    type,
    optional: isOptional(element),
    ...ifTemplate(compiler, element),
    ...compileCondition(compiler, element).condition,
    value: compiler.parameterValue(element, format === 'xml' ? 'string' : type, 'callback'),
    attrs: children(child(element, 'attrs'), 'attr').map((a) => ({ name: attr(a, 'name') ?? '', value: compiler.attrTemplate(a, 'value', 'callback'), optional: isOptional(a), ...ifTemplate(compiler, a) })),
    children: nested.map((p) => compileReplyParameter(compiler, p, format, type === 'array')),
  };
}

/** An element's `if`: the template that must render to something for it to be in the reply. */
function ifTemplate(compiler: ElementCompiler, element: XmlElement): { if?: Template } {
  return attr(element, 'if') !== undefined ? { if: compiler.attrTemplate(element, 'if', 'callback') } : {};
}

function allParameterNames(parameters: ReplyParameterPlan[]): string[] {
  return parameters.flatMap((p) => [p.name, ...allParameterNames(p.children)]);
}

function hasParameterNamed(parameters: ReplyParameterPlan[], name: string): boolean {
  return allParameterNames(parameters).includes(name);
}
