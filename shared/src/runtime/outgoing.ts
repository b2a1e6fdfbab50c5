import type { ConnectorPlan, MappingPlan, RequestPlan } from '../connector/plan.ts';
import { sendsBody } from '../connector/compile-request.ts';
import { parseBody } from '../payload/parse-body.ts';
import { type CallRecord, buildRecord } from '../record/call-record.ts';
import { toE164 } from '../record/phone.ts';
import { encodeUriComponentSafe } from '../template/filters.ts';
import { MissingValueError, renderTemplate, type TemplateScope } from '../template/render.ts';
import { applyMapping } from './mapping.ts';
import { applyAuth, type AuthEnvironment, defaultAuthEnvironment, forgetTokens, newRandomId, resolveAuth } from './auth.ts';
import { ConnectorRuntimeError } from './errors.ts';
import { encodeParameters, type Fetch, type OutgoingRequest, type ProviderResponse } from './http.ts';
import { formFields, jsonObject } from './request-parameters.ts';
import { buildScope, type RunContext } from './scope.ts';

export { ConnectorRuntimeError };

/**
 * Who to call: a number (any format; normalised to E.164) and, for a number behind a
 * switchboard ("+1 415 555 0100 ext. 204"), the extension the provider dials once it answers.
 * A plain string is a number without extension. `requestId` is the call request's own id
 * (`@request_id`: a value no other request of the agent's has had, for providers that echo one
 * back on the call's webhooks; placeCall makes one when none is given).
 */
export type CallTarget = string | { number: string; extension?: string; requestId?: string };

/** Digits only, as libphonenumber reads them; at most its limit after an explicit "ext." label. */
const EXTENSION = /^\d{1,20}$/;

/** Builds the request that places a call to `to` (`@to_number`, and `@to_extension` when it has one). Pure. */
export function buildOutgoingRequest(plan: ConnectorPlan, context: RunContext, to: CallTarget): OutgoingRequest {
  const request = plan.outgoing?.request;
  if (!plan.provider || !request) throw new ConnectorRuntimeError(`${plan.name} cannot place calls: it has no <outgoing_call>`, 'not-supported');
  const { number, extension, requestId } = targetParts(to);
  const toNumber = toE164(number, context.defaultCountry);
  if (!toNumber) throw new ConnectorRuntimeError(`"${number}" is not a phone number`, 'invalid-number');
  // The page decides what the extension is: only digits reach a template, so none can smuggle
  // DTMF pauses, markup or URL syntax into what the connector builds from it.
  if (extension && !EXTENSION.test(extension)) throw new ConnectorRuntimeError(`"${extension}" is not an extension: digits only, at most 20`, 'invalid-number');
  const scope = buildScope(plan, { ...context, vars: { ...context.vars, ...targetVariables(toNumber, extension, requestId) } });
  return buildProviderRequest(plan, request, scope, context.resolvedAuth ?? {});
}

/** A request to the provider's API (the call's, or its hang-up): its URL joined to the provider's, its auth, headers and parameters. */
export function buildProviderRequest(plan: ConnectorPlan, request: RequestPlan, scope: TemplateScope, resolvedAuth: Record<number, string>): OutgoingRequest {
  return asRuntimeErrors(() => {
    const url = new URL(joinUrl(renderTemplate(plan.provider!.url, scope).trim(), request.url ? renderTemplate(request.url, scope).trim() : ''));
    const inBody = sendsBody(request.method, request.format);
    const fields = inBody ? [] : formFields(request.parameters, scope);
    const inQuery = request.method === 'GET' || request.method === 'DELETE';
    // Auth and headers may sign the request (Zadarma): they see its path and sorted query.
    const signing: TemplateScope = { ...scope, vars: { ...scope.vars, request_path: url.pathname, request_query: phpQuery(inQuery ? [...url.searchParams, ...fields] : fields) } };
    const headers: Record<string, string> = {};
    applyAuth(plan.provider!.auth, signing, url, headers, resolvedAuth);
    for (const header of request.headers) headers[header.name] = renderTemplate(header.value, signing);
    const { body, contentType } = encodeParameters(request.method, request.format, url, fields, () => jsonObject(request.parameters, scope));
    if (contentType) headers['Content-Type'] ??= contentType;
    return { method: request.method, url: url.toString(), headers, ...(body === undefined ? {} : { body }) };
  });
}

function targetParts(to: CallTarget): { number: string; extension?: string; requestId?: string } {
  return typeof to === 'string' ? { number: to } : to;
}

/** The call's own variables: `@to_number`, `@to_extension` and `@request_id` only when there is one. */
function targetVariables(toNumber: string, extension: string | undefined, requestId: string | undefined): Record<string, string> {
  const vars: Record<string, string> = { to_number: toNumber };
  if (extension) vars.to_extension = extension;
  if (requestId) vars.request_id = requestId;
  return vars;
}

/** PHP's http_build_query of the parameters sorted by name (RFC 1738: spaces as `+`). */
export function phpQuery(pairs: Array<[string, string]>): string {
  const encode = (text: string) => encodeUriComponentSafe(text).replace(/[!'()*~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).replace(/%20/g, '+');
  return [...pairs]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .join('&');
}

/** Runs `build`, turning a missing template value or a bad URL into the runtime error that names it. */
function asRuntimeErrors<T>(build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
    if (error instanceof TypeError && /URL/i.test(error.message)) throw new ConnectorRuntimeError(`the request URL is not valid: ${error.message}`, 'invalid-url');
    throw error;
  }
}

/** The seed's rules: empty -> base URL; absolute -> as is; otherwise appended with one slash. */
export function joinUrl(base: string, path: string): string {
  if (!path) return base;
  if (/^https?:\/\//i.test(path)) return path;
  return `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

export interface OutgoingResult {
  ok: boolean;
  record: CallRecord;
  /** The reason shown to the agent when `ok` is false. */
  error?: string;
}

/** Words that mean failure in a mapped `success` value (Ozonetel: "fail", "fails", "false"). */
export const FAILURE_WORDS = new Set(['', '0', 'false', 'no', 'fail', 'fails', 'failed', 'failure', 'error', 'null', 'undefined', 'none']);

/** How a provider's answer is read: as its mapping says, else as its Content-Type says (JSON unless XML). */
export function answerFormat(mapping: MappingPlan | undefined, response: ProviderResponse): 'json' | 'xml' {
  const contentType = Object.entries(response.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return mapping?.format ?? (/xml/i.test(contentType ?? '') ? 'xml' : 'json');
}

/** Whether a success flag says success: one of `accepted` (lower-cased) when given, else any value that is not a failure word (case-insensitive). */
export function meansSuccess(flag: string | undefined, accepted: readonly string[] | undefined): boolean {
  const value = (flag ?? '').trim().toLowerCase();
  return accepted ? accepted.includes(value) : !FAILURE_WORDS.has(value);
}

/** Whether the mapped `success` confirms a request (`meansSuccess` with its `in` list); confirmed when `success` is not mapped. */
export function successConfirmed(mapping: MappingPlan | undefined, values: Record<string, string>): boolean {
  const success = mapping?.fields.find((f) => f.field === 'success');
  return !success || meansSuccess(values.success, success.in);
}

/**
 * Maps the provider's answer to the call request. Success is a 2xx and, when `success` is
 * mapped, a value in its `in` list (or any value that is not a failure word).
 */
export function mapOutgoingResponse(plan: ConnectorPlan, context: RunContext, to: CallTarget, response: ProviderResponse): OutgoingResult {
  const mapping = plan.outgoing?.response;
  const format = answerFormat(mapping, response);
  let payload: Record<string, unknown> = {};
  let unreadable = false;
  try {
    payload = parseBody(response.body, format);
  } catch {
    unreadable = true;
  }
  const { number, extension, requestId } = targetParts(to);
  const toNumber = toE164(number, context.defaultCountry) ?? number;
  const scope = buildScope(plan, { ...context, vars: { ...context.vars, ...targetVariables(toNumber, extension, requestId) } });
  const values = mapping ? applyMapping(mapping, payload, scope) : {};
  const record = buildRecord({ direction: 'outbound', to_number: toNumber, ...values }, { defaultCountry: context.defaultCountry });
  if (context.agent?.extension && !values.from_number) record.from_number = toE164(context.agent.extension, context.defaultCountry) ?? context.agent.extension;
  const httpOk = response.status >= 200 && response.status < 300;
  const ok = httpOk && !unreadable && successConfirmed(mapping, values);
  if (ok) return { ok, record };
  const snippet = response.body.trim().slice(0, 200);
  const error = record.error || (unreadable ? `HTTP ${response.status}: the provider's answer is not ${format.toUpperCase()}${snippet ? `: ${snippet}` : ''}` : `HTTP ${response.status}${httpOk ? ': the provider did not confirm the call' : ''}`);
  return { ok, record: { ...record, error }, error };
}

/** Places a call: build, send with the given fetch, map. Network failures become a clear error. */
export async function placeCall(
  plan: ConnectorPlan,
  context: RunContext,
  to: CallTarget,
  fetch: Fetch,
  environment: AuthEnvironment = defaultAuthEnvironment(),
): Promise<OutgoingResult & { request?: OutgoingRequest }> {
  const env = { ...environment, fetch: environment.fetch ?? fetch };
  // One id for the request and the answer's mapping, and for the request again after a refused token.
  const target = withRequestId(to, env.randomId);
  const attempt = await sendProviderRequest(plan, context, env, (resolvedAuth) => buildOutgoingRequest(plan, { ...context, resolvedAuth }, target));
  if (!attempt.response || !attempt.request) return { ok: false, error: attempt.error, record: { extra: {}, error: attempt.error }, ...(attempt.request ? { request: attempt.request } : {}) };
  return { ...mapOutgoingResponse(plan, context, target, attempt.response), request: attempt.request };
}

/** What became of a request to the provider: its answer, or why there is none (and the request, once built). */
export interface ProviderAttempt {
  request?: OutgoingRequest;
  response?: ProviderResponse;
  error?: string;
}

/**
 * Sends a request `build` makes with the provider's auth resolved (tokens, minted JWTs); a token
 * the provider no longer accepts (401) is fetched again, once. A provider that refuses a token
 * or cannot be reached is an `error`, as is a network failure.
 */
export async function sendProviderRequest(plan: ConnectorPlan, context: RunContext, env: AuthEnvironment & { fetch: Fetch }, build: (resolvedAuth: Record<number, string>) => OutgoingRequest): Promise<ProviderAttempt> {
  const send = async (): Promise<ProviderAttempt> => {
    let resolvedAuth: Record<number, string>;
    try {
      resolvedAuth = await resolveAuth(plan, context, env);
    } catch (error) {
      // The provider refused or could not be reached for a token: a failed request, like any other.
      if (error instanceof ConnectorRuntimeError && (error.code === 'provider-error' || error.code === 'network')) return { error: error.message };
      throw error;
    }
    const request = build(resolvedAuth);
    try {
      const answer = await env.fetch(request.url, { method: request.method, headers: request.headers, body: request.body });
      const headers: Record<string, string> = {};
      answer.headers.forEach((value, key) => (headers[key] = value));
      return { request, response: { status: answer.status, headers, body: await answer.text() } };
    } catch (error) {
      return { request, error: `could not reach ${new URL(request.url).host}: ${(error as Error).message}` };
    }
  };
  const attempt = await send();
  if (attempt.response?.status !== 401 || !plan.provider?.auth.some((a) => a.kind === 'token')) return attempt;
  forgetTokens(plan, context, env.tokenCache);
  return send();
}

/** `to` with a request id of its own (`@request_id`), unless it has one. */
export function withRequestId(to: CallTarget, randomId: () => string = newRandomId): CallTarget {
  const target = targetParts(to);
  return target.requestId ? to : { ...target, requestId: randomId() };
}
