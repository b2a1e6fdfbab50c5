import type { ReplyParameterPlan, ReplyPlan } from '../connector/plan.ts';
import { conditionHolds } from './mapping.ts';
import type { Template } from '../template/ast.ts';
import { renderOptional, renderTemplate, type TemplateScope } from '../template/render.ts';
import { jsonLeaf } from './json-value.ts';

/** The HTTP reply to a webhook. */
export interface WebhookReply {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * With `agentdialing`: how many of the agents' numbers the reply rings; 0 when the parameter
   * was left out (an `if` on it or on a parent, such as a voicemail when every agent is away).
   */
  rings?: number;
}

export const EMPTY_REPLY: WebhookReply = { status: 200, headers: {}, body: '' };

/**
 * Renders a `send_response`. With `agentdialing`, the named parameter is repeated once per
 * number in `dialNumbers`, each time with `@extension` bound to that number (and `@last_agent`
 * to `true` for the last one); with `agentjoin` too, rendered once with `@extension` bound to
 * them all, joined. A parameter with a condition
 * (`when`, `is`, `unless`) is left out, with its children, unless it holds for `payload`, the
 * webhook's; one with an `if` unless that template renders to something.
 */
export function renderReply(reply: ReplyPlan | undefined, scope: TemplateScope, dialNumbers?: readonly string[], payload?: unknown): WebhookReply {
  if (!reply) return { ...EMPTY_REPLY, headers: {} };
  // 204 and 304 carry no body, so no content type either.
  if (reply.status === 204 || reply.status === 304) return { status: reply.status, headers: {}, body: '' };
  const headers: Record<string, string> = {};
  for (const header of reply.headers) headers[header.name] = renderTemplate(header.value, scope);
  const hasContentType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
  if (!hasContentType) headers['Content-Type'] = reply.format === 'xml' ? 'text/xml' : 'application/json';
  // A provider rings so many numbers at once and fails the whole call past them: the first ones ring.
  const numbers = reply.maxAgents !== undefined && dialNumbers && dialNumbers.length > reply.maxAgents ? dialNumbers.slice(0, reply.maxAgents) : dialNumbers;
  const dialling: Dialling = { reply, numbers, payload, rings: 0 };
  const body = reply.format === 'xml' ? renderXml(reply.root, reply.parameters, scope, dialling) : renderJson(reply.root === 'array', reply.parameters, scope, dialling);
  return reply.agentDialing === undefined ? { status: reply.status, headers, body } : { status: reply.status, headers, body, rings: dialling.rings };
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
  /** The webhook's payload, which parameters with a condition test. */
  payload: unknown;
  /** The numbers rung so far (`WebhookReply.rings`). */
  rings: number;
}

/**
 * `@last_agent` in the dialled parameter's scope for the last agent it rings: the one whose
 * unanswered call may send the caller on (Vonage's connect actions ring one agent after the other).
 */
const LAST_AGENT: Readonly<Record<string, string>> = { last_agent: 'true' };

/**
 * The scopes one parameter renders with: once, or once per dialled agent with `@extension`
 * bound; optional ones left out when empty. The renderers below build their lists with `push`
 * and their text with `+=`, not `map`, `filter` and `join`: `map` builds a holey array in
 * optimised code and a packed one in the builtin, and the optimised `join` and `filter` after
 * it were thrown away whenever the other kind came (`--trace-deopt`: wrong map, the renderer
 * compiled three times over a bench's phases, issue 13).
 */
function expand(parameter: ReplyParameterPlan, current: TemplateScope, dialling: Dialling): { dialled: boolean; scopes: TemplateScope[] } {
  const { reply, numbers } = dialling;
  const dialled = reply.agentDialing !== undefined && parameter.name === reply.agentDialing && Boolean(numbers?.length);
  const scopes: TemplateScope[] = [];
  if ((parameter.when || parameter.unless) && !conditionHolds(parameter, dialling.payload)) return { dialled: false, scopes };
  if (parameter.if && !isSet(parameter.if, current)) return { dialled: false, scopes };
  if (dialled) dialling.rings += numbers!.length;
  if (!dialled) keepIfSet(scopes, parameter, current);
  else if (reply.agentJoin !== undefined) keepIfSet(scopes, parameter, { ...current, vars: { ...current.vars, extension: joined(numbers!, reply.agentJoin), ...LAST_AGENT } });
  else for (let i = 0; i < numbers!.length; i++) keepIfSet(scopes, parameter, { ...current, vars: { ...current.vars, extension: numbers![i]!, ...(i === numbers!.length - 1 ? LAST_AGENT : {}) } });
  // One parameter either way: a JSON reply keeps it a value, not a list of one.
  return { dialled: dialled && reply.agentJoin === undefined, scopes };
}

/** `agentjoin`: the numbers in one text, built with `+=` as the renderers' (see `expand`). */
function joined(numbers: readonly string[], separator: string): string {
  let text = numbers[0]!;
  for (let i = 1; i < numbers.length; i++) text += separator + numbers[i]!;
  return text;
}

function keepIfSet(scopes: TemplateScope[], parameter: ReplyParameterPlan, scope: TemplateScope): void {
  if (!parameter.optional || isSet(parameter.value, scope)) scopes.push(scope);
}

function renderXml(root: string, parameters: ReplyParameterPlan[], scope: TemplateScope, dialling: Dialling): string {
  return `<?xml version="1.0" encoding="UTF-8"?><${root}>${xmlElements(parameters, scope, dialling)}</${root}>`;
}

/** The elements of `parameters`, each as many times as `expand` says, one after the other. */
function xmlElements(parameters: readonly ReplyParameterPlan[], scope: TemplateScope, dialling: Dialling): string {
  let xml = '';
  for (const parameter of parameters) {
    for (const s of expand(parameter, scope, dialling).scopes) xml += xmlElement(parameter, s, dialling);
  }
  return xml;
}

function xmlElement(parameter: ReplyParameterPlan, s: TemplateScope, dialling: Dialling): string {
  let attrs = '';
  for (const a of parameter.attrs) {
    if ((!a.optional || isSet(a.value, s)) && (!a.if || isSet(a.if, s))) attrs += ` ${a.name}="${escapeXml(renderTemplate(a.value, s), true)}"`;
  }
  const text = parameter.value ? escapeXml(renderTemplate(parameter.value, s), false) : '';
  const inner = text + xmlElements(parameter.children, s, dialling);
  return inner ? `<${parameter.name}${attrs}>${inner}</${parameter.name}>` : `<${parameter.name}${attrs}/>`;
}

function renderJson(asArray: boolean, parameters: ReplyParameterPlan[], scope: TemplateScope, dialling: Dialling): string {
  return JSON.stringify(asArray ? jsonItems(parameters, scope, dialling) : jsonMembers(parameters, scope, dialling));
}

/** The values of `parameters` in one list, each as many times as `expand` says. */
function jsonItems(parameters: readonly ReplyParameterPlan[], s: TemplateScope, dialling: Dialling): unknown[] {
  const items: unknown[] = [];
  for (const parameter of parameters) jsonValues(parameter, expand(parameter, s, dialling).scopes, dialling, items);
  return items;
}

/** `parameter`'s value in each of `scopes`, appended to `into`. */
function jsonValues(parameter: ReplyParameterPlan, scopes: readonly TemplateScope[], dialling: Dialling, into: unknown[]): unknown[] {
  for (const scope of scopes) into.push(jsonValue(parameter, scope, dialling));
  return into;
}

function jsonValue(parameter: ReplyParameterPlan, s: TemplateScope, dialling: Dialling): unknown {
  switch (parameter.type) {
    case 'object':
      return jsonMembers(parameter.children, s, dialling);
    case 'array':
      return jsonItems(parameter.children, s, dialling);
    default:
      return jsonLeaf(parameter, s);
  }
}

function jsonMembers(list: ReplyParameterPlan[], s: TemplateScope, dialling: Dialling): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const parameter of list) {
    const { dialled, scopes } = expand(parameter, s, dialling);
    // A dialled parameter becomes a list of one entry per agent, even for a single agent.
    if (dialled) out[parameter.name] = jsonValues(parameter, scopes, dialling, []);
    else if (scopes.length) out[parameter.name] = jsonValue(parameter, scopes[0]!, dialling);
  }
  return out;
}

/** Characters XML 1.0 cannot carry at all (control characters, lone surrogates, U+FFFE/F). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text with nothing to escape or drop in either place: no markup character, no control character,
 * no surrogate (a pair is kept, but goes the long way), no U+FFFE/F.
 */
const PLAIN_XML = /^[^&<>"'\u0000-\u001F\uD800-\uDFFF\uFFFE\uFFFF]*$/;

/**
 * Escapes text for XML content or a double-quoted attribute; drops characters XML cannot hold.
 * Plain text, a reply's numbers and URLs, is given back after one test rather than nine
 * replacements that find nothing (issue 13).
 */
export function escapeXml(text: string, attribute: boolean): string {
  if (PLAIN_XML.test(text)) return text;
  const clean = text.replace(NOT_XML, '');
  const escaped = clean.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  return attribute ? escaped.replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\r/g, '&#13;').replace(/\n/g, '&#10;').replace(/\t/g, '&#9;') : escaped.replace(/\r/g, '&#13;');
}
