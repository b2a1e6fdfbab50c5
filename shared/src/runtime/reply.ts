import type { ReplyParameterPlan, ReplyPlan } from '../connector/plan.ts';
import type { Template } from '../template/ast.ts';
import { renderOptional, renderTemplate, type TemplateScope } from '../template/render.ts';
import { jsonLeaf } from './json-value.ts';

/** The HTTP reply to a webhook. */
export interface WebhookReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export const EMPTY_REPLY: WebhookReply = { status: 200, headers: {}, body: '' };

/**
 * Renders a `send_response`. With `agentdialing`, the named parameter is repeated once per
 * number in `dialNumbers`, each time with `@extension` bound to that number.
 */
export function renderReply(reply: ReplyPlan | undefined, scope: TemplateScope, dialNumbers?: readonly string[]): WebhookReply {
  if (!reply) return { ...EMPTY_REPLY, headers: {} };
  // 204 and 304 carry no body, so no content type either.
  if (reply.status === 204 || reply.status === 304) return { status: reply.status, headers: {}, body: '' };
  const headers: Record<string, string> = {};
  for (const header of reply.headers) headers[header.name] = renderTemplate(header.value, scope);
  const hasContentType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  if (!hasContentType) headers['Content-Type'] = reply.format === 'xml' ? 'text/xml' : 'application/json';
  const dialling: Dialling = { reply, numbers: dialNumbers };
  const body = reply.format === 'xml' ? renderXml(reply.root, reply.parameters, scope, dialling) : renderJson(reply.root === 'array', reply.parameters, scope, dialling);
  return { status: reply.status, headers, body };
}

/** Whether an optional value renders to something: unset or empty ones are left out of the reply. */
function isSet(value: Template | undefined, scope: TemplateScope): boolean {
  const text = value ? renderOptional(value, scope) : undefined;
  return text !== undefined && text !== '';
}

/**
 * The reply's `agentdialing` parameter and the numbers it rings, handed to the renderers below:
 * module functions, not closures per reply, since the relay's tsx keeps names, a
 * `defineProperty` per named closure made (issue 13).
 */
interface Dialling {
  reply: ReplyPlan;
  numbers: readonly string[] | undefined;
}

/** One parameter as rendered (once, or once per dialled agent with `@extension` bound), optional ones left out when empty. */
function expand(parameter: ReplyParameterPlan, current: TemplateScope, dialling: Dialling): { dialled: boolean; copies: Array<{ parameter: ReplyParameterPlan; scope: TemplateScope }> } {
  const { reply, numbers } = dialling;
  const dialled = reply.agentDialing !== undefined && parameter.name === reply.agentDialing && Boolean(numbers?.length);
  const copies = dialled ? numbers!.map((number) => ({ parameter, scope: { ...current, vars: { ...current.vars, extension: number } } })) : [{ parameter, scope: current }];
  return { dialled, copies: copies.filter((copy) => !copy.parameter.optional || isSet(copy.parameter.value, copy.scope)) };
}

function renderXml(root: string, parameters: ReplyParameterPlan[], scope: TemplateScope, dialling: Dialling): string {
  const content = parameters.flatMap((p) => expand(p, scope, dialling).copies).map((e) => xmlElement(e.parameter, e.scope, dialling)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${content}</${root}>`;
}

function xmlElement(parameter: ReplyParameterPlan, s: TemplateScope, dialling: Dialling): string {
  const attrs = parameter.attrs
    .filter((a) => !a.optional || isSet(a.value, s))
    .map((a) => ` ${a.name}="${escapeXml(renderTemplate(a.value, s), true)}"`)
    .join('');
  const text = parameter.value ? escapeXml(renderTemplate(parameter.value, s), false) : '';
  const inner = text + parameter.children.flatMap((c) => expand(c, s, dialling).copies).map((e) => xmlElement(e.parameter, e.scope, dialling)).join('');
  return inner ? `<${parameter.name}${attrs}>${inner}</${parameter.name}>` : `<${parameter.name}${attrs}/>`;
}

function renderJson(asArray: boolean, parameters: ReplyParameterPlan[], scope: TemplateScope, dialling: Dialling): string {
  if (asArray) return JSON.stringify(parameters.flatMap((p) => expand(p, scope, dialling).copies).map((e) => jsonValue(e.parameter, e.scope, dialling)));
  return JSON.stringify(jsonMembers(parameters, scope, dialling));
}

function jsonValue(parameter: ReplyParameterPlan, s: TemplateScope, dialling: Dialling): unknown {
  switch (parameter.type) {
    case 'object':
      return jsonMembers(parameter.children, s, dialling);
    case 'array':
      return parameter.children.flatMap((c) => expand(c, s, dialling).copies).map((e) => jsonValue(e.parameter, e.scope, dialling));
    default:
      return jsonLeaf(parameter, s);
  }
}

function jsonMembers(list: ReplyParameterPlan[], s: TemplateScope, dialling: Dialling): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const parameter of list) {
    const { dialled, copies } = expand(parameter, s, dialling);
    // A dialled parameter becomes a list of one entry per agent, even for a single agent.
    if (dialled) out[parameter.name] = copies.map((e) => jsonValue(e.parameter, e.scope, dialling));
    else if (copies.length) out[parameter.name] = jsonValue(parameter, s, dialling);
  }
  return out;
}

/** Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/F). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML content or a double-quoted attribute; drops characters XML cannot hold. */
export function escapeXml(text: string, attribute: boolean): string {
  const clean = text.replace(NOT_XML, '');
  const escaped = clean.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? escaped.replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : escaped.replace(/\r/g, '&#13;');
}
