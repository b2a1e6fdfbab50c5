import type { CallbackPlan, ConnectorPlan, MappingPlan, ReplyPlan } from '../connector/plan.ts';
import { type BodyFormat, formatFromContentType, parseBody, PayloadError, formToObject } from '../payload/parse-body.ts';
import { getPath } from '../payload/path.ts';
import { urlSearch } from '../payload/url-query.ts';
import { buildRecord, type CallRecord, type FillCondition, recordVariables } from '../record/call-record.ts';
import { MissingValueError, renderTemplate } from '../template/render.ts';
import type { CallbackUrls } from './callbacks.ts';
import { ConnectorRuntimeError } from './errors.ts';
import { applyMapping, conditionHolds } from './mapping.ts';
import { renderReply, type WebhookReply } from './reply.ts';
import { buildScope, type RunContext } from './scope.ts';

/** The webhooks a connector receives, each at its own callback URL. */
export type WebhookEvent = keyof CallbackUrls;
export const WEBHOOK_EVENTS: readonly WebhookEvent[] = ['answer', 'status', 'incoming'];

/** A webhook as received: the raw body is kept for signature checks. */
export interface WebhookRequest {
  method: string;
  /** The full URL the provider called (query parameters are merged into the payload). */
  url: string;
  headers: Record<string, string>;
  body: string;
}

export class WebhookError extends Error {
  constructor(
    message: string,
    readonly code: 'unsupported-event' | 'bad-payload' | 'reply-failed',
  ) {
    super(message);
    this.name = 'WebhookError';
  }
}

export interface WebhookResult {
  /** Query parameters merged with the parsed body. */
  payload: Record<string, unknown>;
  record: CallRecord;
  /** For status callbacks: the provider's status value and whether a block handled it. */
  status?: { raw: string | undefined; matched: boolean };
  reply: WebhookReply;
}

export interface WebhookOptions {
  /** Numbers of the agents to ring, for `agentdialing` replies. */
  dialNumbers?: readonly string[];
}

/** Maps a webhook to a call record and renders the reply. Pure: no I/O, no clock. */
export function handleWebhook(plan: ConnectorPlan, event: WebhookEvent, request: WebhookRequest, context: RunContext, options: WebhookOptions = {}): WebhookResult {
  const mapped = mapWebhook(plan, event, request, context);
  return { payload: mapped.payload, record: mapped.record, status: mapped.status, reply: renderWebhookReply(plan, mapped, context, options) };
}

export type MappedWebhook = ReturnType<typeof mapWebhook>;

/**
 * The reply half of handleWebhook, for callers that must look at the record before replying
 * (the relay decides which agents to ring from it).
 */
export function renderWebhookReply(plan: ConnectorPlan, mapped: MappedWebhook, context: RunContext, options: WebhookOptions = {}): WebhookReply {
  const scope = buildScope(plan, { ...context, vars: { ...context.vars, ...recordVariables(mapped.record) } });
  try {
    return renderReply(mapped.reply, scope, options.dialNumbers, mapped.payload);
  } catch (error) {
    if (error instanceof MissingValueError || error instanceof ConnectorRuntimeError) throw new WebhookError(`cannot build the reply: ${error.message}`, 'reply-failed');
    throw error;
  }
}

/** The call `ringsNobodyWhileAway` renders the reply for. */
const STAND_IN_CALL_ID = 'stand-in-call';

/** The relay's variable that says every agent an incoming call reaches is away, or its number closed (`RELAY_REPLY_VARIABLES`). */
export const AGENTS_AWAY: Readonly<Record<string, string>> = { agents_away: 'true' };

/**
 * Whether the connector's reply to an incoming call, with this config, rings no agent while
 * every agent it would ring is away (`@agents_away`): it sends the caller to voicemail then, so
 * the team's popup can say so. Rendered for a stand-in call: whether it rings depends on the
 * config and the relay's variables, not on the call, though its URLs may name the call
 * (`@call_id`, as a voicemail's callback URLs do). A reply that needs more of a call to render
 * counts as ringing.
 */
export function ringsNobodyWhileAway(plan: ConnectorPlan, context: RunContext): boolean {
  const reply = plan.incoming?.reply;
  if (reply?.agentDialing === undefined) return false;
  try {
    return renderReply(reply, buildScope(plan, { ...context, vars: { ...context.vars, call_id: STAND_IN_CALL_ID, ...AGENTS_AWAY } }), ['+10000000000']).rings === 0;
  } catch (error) {
    if (error instanceof MissingValueError || error instanceof ConnectorRuntimeError) return false;
    throw error;
  }
}

/** The mapping half of handleWebhook, with the reply plan that applies. */
export function mapWebhook(plan: ConnectorPlan, event: WebhookEvent, request: WebhookRequest, context: RunContext) {
  const callback = selectCallback(plan, event);
  const payload = readPayload(request, callback.fallbackFormat);
  const scope = buildScope(plan, context);
  let mapping: MappingPlan | undefined;
  let reply: ReplyPlan | undefined;
  let status: WebhookResult['status'];
  let fillOnlyAt: readonly FillCondition[] | undefined;
  if (event === 'status') {
    const statusPlan = plan.outgoing!.status!;
    const raw = stringValue(getPath(payload, statusPlan.use));
    const word = raw?.trim().toLowerCase();
    const block = word === undefined ? undefined : statusPlan.blocks.find((b) => b.for.includes(word) && conditionHolds(b, payload));
    status = { raw, matched: Boolean(block) };
    mapping = block?.response ?? callIdOnly(plan);
    reply = block?.reply;
    fillOnlyAt = block?.fillOnlyAt;
  } else {
    mapping = callback.plan?.response;
    reply = callback.plan?.reply;
  }
  const values = mapping ? applyMapping(mapping, payload, scope) : {};
  if (event === 'incoming' && !values.direction) values.direction = 'inbound';
  if (event === 'answer' && !values.direction) values.direction = 'outbound';
  if (status && !status.matched && status.raw !== undefined) values.call_status = status.raw;
  const record = buildRecord(values, { defaultCountry: context.defaultCountry });
  if (fillOnlyAt) record.fills_only_at = fillOnlyAt;
  return { payload, record, status, reply };
}


function selectCallback(plan: ConnectorPlan, event: WebhookEvent): { plan?: CallbackPlan; fallbackFormat?: BodyFormat } {
  switch (event) {
    case 'answer':
      if (!plan.outgoing?.answer) throw new WebhookError(`${plan.name} has no <answer_callback>`, 'unsupported-event');
      return { plan: plan.outgoing.answer, fallbackFormat: plan.outgoing.answer.response?.format };
    case 'status': {
      const status = plan.outgoing?.status;
      if (!status) throw new WebhookError(`${plan.name} has no <status_callback>`, 'unsupported-event');
      return { fallbackFormat: status.blocks.find((b) => b.response?.format)?.response?.format };
    }
    case 'incoming':
      if (!plan.incoming) throw new WebhookError(`${plan.name} has no <incoming_call>`, 'unsupported-event');
      return { plan: plan.incoming, fallbackFormat: plan.incoming.response?.format };
  }
}

/**
 * When no status block matches, the record keeps its fields; we still need the call id to
 * find it, so we borrow the call_id path of any status block (or of the answer callback).
 */
function callIdOnly(plan: ConnectorPlan): MappingPlan | undefined {
  const candidates = [...(plan.outgoing?.status?.blocks.map((b) => b.response) ?? []), plan.outgoing?.answer?.response];
  for (const mapping of candidates) {
    const callId = mapping?.fields.find((f) => f.field === 'call_id' && f.use);
    if (callId) return { fields: [callId] };
  }
  return undefined;
}

/**
 * Query parameters merged with the body (the body wins on a clash). The Content-Type decides
 * how the body is read; without one, the connector's `format`, then the body's first character.
 */
export function readPayload(request: WebhookRequest, fallback?: BodyFormat): Record<string, unknown> {
  // Most webhooks have no query: URL's `searchParams` getter builds a URLSearchParams tied to the
  // URL even then (a few % of the relay's CPU in one profile by function, issue 13).
  const search = urlSearch(request.url);
  if (search === undefined) throw new WebhookError(`the request URL "${request.url}" is not valid`, 'bad-payload');
  const query = search ? formToObject(new URLSearchParams(search)) : {};
  const contentType = requestHeader(request.headers, 'content-type');
  const format = formatFromContentType(contentType) ?? fallback ?? sniffFormat(request.body);
  try {
    return { ...query, ...parseBody(request.body, format, contentType) };
  } catch (error) {
    if (error instanceof PayloadError) throw new WebhookError(error.message, 'bad-payload');
    throw error;
  }
}

/**
 * A request header by name, whatever the case of either. The relay hands names in lower case
 * (as Node reads them): looked up directly first, rather than by a scan of every header, done
 * several times per webhook (issue 13).
 */
export function requestHeader(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  const lower = name.toLowerCase();
  if (Object.hasOwn(headers, lower)) return headers[lower];
  for (const key in headers) if (key.toLowerCase() === lower) return headers[key];
  return undefined;
}

function sniffFormat(body: string): BodyFormat {
  const first = body.trimStart()[0];
  return first === '{' || first === '[' ? 'json' : first === '<' ? 'xml' : 'form';
}

function stringValue(value: unknown): string | undefined {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A provider's URL check (Zadarma's `zd_echo`): when the request carries the connector's
 * handshake parameter, the plain-text answer to send; undefined for ordinary webhooks.
 */
export function handshakeReply(plan: ConnectorPlan, request: WebhookRequest, context: RunContext): WebhookReply | undefined {
  const handshake = plan.provider?.handshake;
  if (!handshake) return undefined;
  let query: URLSearchParams;
  try {
    query = new URL(request.url).searchParams;
  } catch {
    return undefined;
  }
  if (!query.has(handshake.param)) return undefined;
  const scope = buildScope(plan, { ...context, vars: { ...context.vars, ...Object.fromEntries(query) } });
  try {
    return { status: 200, headers: { 'Content-Type': 'text/plain' }, body: renderTemplate(handshake.reply, scope) };
  } catch (error) {
    if (error instanceof MissingValueError) return { status: 400, headers: { 'Content-Type': 'text/plain' }, body: error.message };
    throw error;
  }
}
