import type { FillCondition } from '../record/call-record.ts';
import { ANSWERED_STATUSES, FINAL_STATUSES } from '../record/call-status.ts';
import { references } from '../template/parse.ts';
import { parseTemplate } from '../template/parse.ts';
import type { Template } from '../template/ast.ts';
import { attr, attrOffset, child, children } from './attributes.ts';
import { compileAuth } from './compile-auth.ts';
import { compileFields } from './compile-fields.ts';
import { compileCondition, compileMapping, lowerList } from './compile-mapping.ts';
import { compileReply } from './compile-reply.ts';
import { compileRequest } from './compile-request.ts';
import { compileSignature } from './compile-signature.ts';
import { closest } from './diagnostics.ts';
import { HANGUP_METHODS, RECORDING_METHODS } from './grammar.ts';
import type { ElementCompiler, TemplateContext } from './element-compiler.ts';
import type { CallbackPlan, ConnectorPlan, OutgoingPlan, ProviderPlan, RequestPlan, StatusCallbackPlan } from './plan.ts';
import { requestTemplates } from '../runtime/request-parameters.ts';
import type { XmlElement } from './xml-tree.ts';

/** Compiles a telephony connector (`<connector for="PhoneCalls">`) whose structure has been checked. */
export function compilePhoneCalls(compiler: ElementCompiler, root: XmlElement, file: string, name: string): ConnectorPlan {
  const fields = compileFields(compiler, child(root, 'config'));
  compiler.declareFields(fields);
  const providerElement = child(root, 'provider');
  const outgoingElement = child(root, 'outgoing_call');
  const incomingElement = child(root, 'incoming_call');
  const recordingElement = child(root, 'recording');
  if (!outgoingElement && !incomingElement) {
    compiler.error(root, 'a connector needs <outgoing_call>, <incoming_call> or both', 'add <outgoing_call> for click to call');
  }
  const misspeltProvider = root.children.some((c) => c.name !== 'provider' && closest(c.name, ['provider']));
  if (outgoingElement && !providerElement && !misspeltProvider) {
    compiler.error(root, '<outgoing_call> needs a <provider> with the API URL', 'add <provider><url>https://…</url></provider>');
  }
  return {
    kind: 'PhoneCalls',
    file,
    name,
    fields: [...fields.values()],
    provider: providerElement ? compileProvider(compiler, providerElement) : undefined,
    outgoing: outgoingElement ? compileOutgoing(compiler, outgoingElement) : undefined,
    incoming: incomingElement ? compileCallback(compiler, incomingElement) : undefined,
    ...(recordingElement ? { recording: compileRecording(compiler, recordingElement, Boolean(providerElement)) } : {}),
    warnings: [],
  };
}

/** `<recording>`: a GET with the provider's auth, and what its answer says when it is not the file. */
function compileRecording(compiler: ElementCompiler, element: XmlElement, hasProvider: boolean): NonNullable<ConnectorPlan['recording']> {
  const requestElement = child(element, 'request');
  const responseElement = child(element, 'response');
  if (!hasProvider) compiler.error(element, '<recording> needs a <provider> with the API URL and its auth', 'add <provider><url>https://…</url></provider>');
  const media = attr(element, 'media');
  return {
    request: requestElement ? compileRequest(compiler, requestElement, RECORDING_METHODS, 'recording') : NO_REQUEST,
    ...(media ? { media: new URL(media).origin } : {}),
    ...(responseElement ? { response: compileMapping(compiler, responseElement, 'recording') } : {}),
  };
}

/** A base URL element: a template that must start with http(s)://. */
export function compileBaseUrl(compiler: ElementCompiler, urlElement: XmlElement | undefined, what: string, context: TemplateContext = 'request'): Template {
  const url = urlElement ? compiler.textTemplate(urlElement, context) : undefined;
  if (urlElement && url) {
    const first = url.parts[0];
    if (!url.source.trim()) compiler.error(urlElement, `the ${what} URL is empty`, 'write the API base URL, e.g. https://api.example.com/v1');
    else if (first?.kind === 'text' && !/^https?:\/\//i.test(first.text.trimStart())) {
      compiler.error(urlElement, `the ${what} URL must start with http:// or https:// (got "${url.source.trim().slice(0, 40)}")`);
    }
  }
  return url ?? parseTemplate('');
}

function compileProvider(compiler: ElementCompiler, element: XmlElement): ProviderPlan {
  const url = compileBaseUrl(compiler, child(element, 'url'), 'provider');
  const auth = compileAuth(compiler, child(element, 'auth'));
  const signatureElement = child(element, 'signature');
  const handshake = child(element, 'handshake');
  return {
    url,
    auth,
    signature: signatureElement ? compileSignature(compiler, signatureElement) : undefined,
    handshake: handshake ? { param: attr(handshake, 'param') ?? '', reply: compiler.attrTemplate(handshake, 'reply', 'payload') } : undefined,
  };
}

/** A `<request>` left out, which the grammar reports: the plan still has one, empty. */
const NO_REQUEST: RequestPlan = { method: 'POST', format: 'form', headers: [], parameters: [] };

function compileOutgoing(compiler: ElementCompiler, element: XmlElement): OutgoingPlan {
  const requestElement = child(element, 'request');
  const responseElement = child(element, 'response');
  const callbacks = child(element, 'callbacks');
  const answer = child(callbacks, 'answer_callback');
  const status = child(callbacks, 'status_callback');
  const hangup = child(element, 'hangup');
  const response = responseElement ? compileMapping(compiler, responseElement, 'request') : undefined;
  if (responseElement && response && !response.fields.some((f) => f.field === 'call_id')) {
    compiler.warn(responseElement, 'no-call-id', 'the outgoing response maps no call_id',
      'without it webhooks cannot be matched to the call the agent placed; map the id the provider returns');
  }
  const request: RequestPlan = requestElement ? compileRequest(compiler, requestElement) : NO_REQUEST;
  return {
    request,
    dialsExtension: requestTemplates(request).some((template) => [...references(template)].some((ref) => ref.scope === 'var' && ref.name === 'to_extension')),
    response,
    answer: answer ? compileCallback(compiler, answer) : undefined,
    status: status ? compileStatusCallback(compiler, status) : undefined,
    ...(hangup ? { hangup: compileHangup(compiler, hangup) } : {}),
  };
}

/** `<hangup>`: its request by any method a provider ends calls with; `@call_id` is the call's. */
function compileHangup(compiler: ElementCompiler, element: XmlElement): NonNullable<OutgoingPlan['hangup']> {
  const requestElement = child(element, 'request');
  const responseElement = child(element, 'response');
  return {
    request: requestElement ? compileRequest(compiler, requestElement, HANGUP_METHODS, 'hangup') : NO_REQUEST,
    ...(responseElement ? { response: compileMapping(compiler, responseElement, 'hangup') } : {}),
  };
}

function compileCallback(compiler: ElementCompiler, element: XmlElement): CallbackPlan {
  const response = child(element, 'response');
  const reply = child(element, 'send_response');
  return { response: response ? compileMapping(compiler, response, 'callback') : undefined, reply: reply ? compileReply(compiler, reply) : undefined };
}

function compileStatusCallback(compiler: ElementCompiler, element: XmlElement): StatusCallbackPlan {
  // A status's block without `when` or `unless` takes every webhook of it; blocks with either go before it.
  const owner = new Map<string, XmlElement>();
  const conditional = new Map<string, XmlElement>();
  const blocks = children(element, 'status').map((block) => {
    const list = attr(block, 'for') ?? '';
    const statuses = list.split(',').map((s) => s.trim().toLowerCase());
    if (statuses.some((s) => !s)) {
      compiler.error(block, `the status list "${list}" has an empty entry`, 'separate statuses with single commas: for="completed,busy"', attrOffset(block, 'for'));
    }
    const { condition: takes, words: condition } = compileCondition(compiler, block);
    for (const status of lowerList(list)) {
      const first = owner.get(status);
      const same = condition && conditional.get(`${status} ${condition}`);
      if (first && first !== block) {
        const hint = condition ? 'a block with `when` or `unless` goes before the block without them that takes the same status' : 'list each status in one block only, or tell the blocks apart with `when`';
        compiler.error(block, `status \`${status}\` is already handled by ${first.path}`, hint, attrOffset(block, 'for'));
      } else if (same && same !== block) {
        compiler.error(block, `status \`${status}\` is already handled by ${same.path} when ${condition}`, 'give the second block another condition, or merge the two', attrOffset(block, 'for'));
      } else if (condition) conditional.set(`${status} ${condition}`, block);
      else owner.set(status, block);
    }
    const response = child(block, 'response');
    const reply = child(block, 'send_response');
    const fillOnlyAt = fillConditions(block);
    return {
      for: [...new Set(lowerList(list))],
      ...takes,
      ...(fillOnlyAt ? { fillOnlyAt } : {}),
      response: response ? compileMapping(compiler, response, 'callback') : undefined,
      reply: reply ? compileReply(compiler, reply) : undefined,
    };
  });
  return { use: compiler.attrPath(element, 'use') ?? { source: '', segments: [] }, blocks };
}

/** The `…="fill"` attributes: the stored call's statuses, or direction, at which the block only fills. */
function fillConditions(block: XmlElement): readonly FillCondition[] | undefined {
  const conditions = new Set<FillCondition>([
    ...(attr(block, 'ended') === 'fill' ? FINAL_STATUSES : []),
    ...(attr(block, 'answered') === 'fill' ? ANSWERED_STATUSES : []),
    ...DIRECTIONS.filter((direction) => attr(block, direction) === 'fill'),
  ]);
  return conditions.size ? [...conditions] : undefined;
}

const DIRECTIONS = ['inbound', 'outbound'] as const;
