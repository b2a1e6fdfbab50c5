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
  const expand: Expand = (parameter, current) => {
    const dialled = reply.agentDialing !== undefined && parameter.name === reply.agentDialing && Boolean(dialNumbers?.length);
    const copies = dialled ? dialNumbers!.map((number) => ({ parameter, scope: { ...current, vars: { ...current.vars, extension: number } } })) : [{ parameter, scope: current }];
    return { dialled, copies: copies.filter((copy) => !copy.parameter.optional || isSet(copy.parameter.value, copy.scope)) };
  };
  const body = reply.format === 'xml' ? renderXml(reply.root, reply.parameters, scope, expand) : renderJson(reply.root === 'array', reply.parameters, scope, expand);
  return { status: reply.status, headers, body };
}

/** Whether an optional value renders to something: unset or empty ones are left out of the reply. */
function isSet(value: Template | undefined, scope: TemplateScope): boolean {
  const text = value ? renderOptional(value, scope) : undefined;
  return text !== undefined && text !== '';
}

/** One parameter as rendered (once, or once per dialled agent with `@extension` bound), optional ones left out when empty. */
type Expand = (parameter: ReplyParameterPlan, scope: TemplateScope) => { dialled: boolean; copies: Array<{ parameter: ReplyParameterPlan; scope: TemplateScope }> };

function renderXml(root: string, parameters: ReplyParameterPlan[], scope: TemplateScope, expand: Expand): string {
  const element = (parameter: ReplyParameterPlan, s: TemplateScope): string => {
    const attrs = parameter.attrs
      .filter((a) => !a.optional || isSet(a.value, s))
      .map((a) => ` ${a.name}="${escapeXml(renderTemplate(a.value, s), true)}"`)
      .join('');
    const text = parameter.value ? escapeXml(renderTemplate(parameter.value, s), false) : '';
    const inner = text + parameter.children.flatMap((c) => expand(c, s).copies).map((e) => element(e.parameter, e.scope)).join('');
    return inner ? `<${parameter.name}${attrs}>${inner}</${parameter.name}>` : `<${parameter.name}${attrs}/>`;
  };
  const content = parameters.flatMap((p) => expand(p, scope).copies).map((e) => element(e.parameter, e.scope)).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${content}</${root}>`;
}

function renderJson(asArray: boolean, parameters: ReplyParameterPlan[], scope: TemplateScope, expand: Expand): string {
  const value = (parameter: ReplyParameterPlan, s: TemplateScope): unknown => {
    switch (parameter.type) {
      case 'object':
        return members(parameter.children, s);
      case 'array':
        return parameter.children.flatMap((c) => expand(c, s).copies).map((e) => value(e.parameter, e.scope));
      default:
        return jsonLeaf(parameter, s);
    }
  };
  const members = (list: ReplyParameterPlan[], s: TemplateScope): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const parameter of list) {
      const { dialled, copies } = expand(parameter, s);
      // A dialled parameter becomes a list of one entry per agent, even for a single agent.
      if (dialled) out[parameter.name] = copies.map((e) => value(e.parameter, e.scope));
      else if (copies.length) out[parameter.name] = value(parameter, s);
    }
    return out;
  };
  if (asArray) return JSON.stringify(parameters.flatMap((p) => expand(p, scope).copies).map((e) => value(e.parameter, e.scope)));
  return JSON.stringify(members(parameters, scope));
}

/** Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/F). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escapes text for XML content or a double-quoted attribute; drops characters XML cannot hold. */
export function escapeXml(text: string, attribute: boolean): string {
  const clean = text.replace(NOT_XML, '');
  const escaped = clean.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? escaped.replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : escaped.replace(/\r/g, '&#13;');
}
