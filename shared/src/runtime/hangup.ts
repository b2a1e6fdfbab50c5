import type { ConnectorPlan } from '../connector/plan.ts';
import { parseBody } from '../payload/parse-body.ts';
import { toE164 } from '../record/phone.ts';
import { type AuthEnvironment, defaultAuthEnvironment } from './auth.ts';
import { ConnectorRuntimeError } from './errors.ts';
import type { Fetch, OutgoingRequest, ProviderResponse } from './http.ts';
import { applyMapping } from './mapping.ts';
import { answerFormat, buildProviderRequest, sendProviderRequest, successConfirmed } from './outgoing.ts';
import { buildScope, type RunContext } from './scope.ts';

/** The call to end: the provider's id of it (`@call_id`) and, for templates that name it, the number called (`@to_number`). */
export interface HangupTarget {
  callId: string;
  toNumber?: string;
  /**
   * What the relay's record of the call holds so far (its mapped fields and extras: an id only
   * the provider's webhooks carry, such as Plivo's CallUUID once the agent answered); a template
   * that names one not known yet takes its `|default`.
   */
  fields?: Record<string, string>;
}

export interface HangupResult {
  ok: boolean;
  /** Why the provider did not end the call, as shown to the agent. */
  error?: string;
  request?: OutgoingRequest;
}

/** Whether the connector can end a call it placed (`<hangup>`). */
export function canHangUp(plan: ConnectorPlan): boolean {
  return plan.outgoing?.hangup !== undefined;
}

/** Builds the request that ends the call `target` (the connector's `<hangup>`). Pure. */
export function buildHangupRequest(plan: ConnectorPlan, context: RunContext, target: HangupTarget): OutgoingRequest {
  const hangup = plan.outgoing?.hangup;
  if (!plan.provider || !hangup) throw new ConnectorRuntimeError(`${plan.name} cannot end calls: it has no <hangup>`, 'not-supported');
  if (!target.callId.trim()) throw new ConnectorRuntimeError('the call has no id from the provider to end it by', 'missing-value');
  return buildProviderRequest(plan, hangup.request, hangupScope(plan, context, target), context.resolvedAuth ?? {});
}

function hangupScope(plan: ConnectorPlan, context: RunContext, target: HangupTarget) {
  const toNumber = target.toNumber ? (toE164(target.toNumber, context.defaultCountry) ?? target.toNumber) : undefined;
  return buildScope(plan, { ...context, vars: { ...context.vars, ...target.fields, call_id: target.callId, ...(toNumber ? { to_number: toNumber } : {}) } });
}

/**
 * Reads the provider's answer to a hang-up: a 2xx, and the mapped `success` (when the connector
 * maps it) in its `in` list or no failure word. Otherwise the mapped `error`, else the HTTP status.
 */
export function mapHangupResponse(plan: ConnectorPlan, context: RunContext, target: HangupTarget, response: ProviderResponse): HangupResult {
  const mapping = plan.outgoing?.hangup?.response;
  const httpOk = response.status >= 200 && response.status < 300;
  let values: Record<string, string> = {};
  if (mapping && response.body.trim()) {
    try {
      values = applyMapping(mapping, parseBody(response.body, answerFormat(mapping, response)), hangupScope(plan, context, target));
    } catch {
      // An answer that does not parse says nothing beyond its status.
    }
  }
  const ok = httpOk && successConfirmed(mapping, values);
  if (ok) return { ok };
  const snippet = response.body.trim().slice(0, 200);
  return { ok, error: values.error || `HTTP ${response.status}${httpOk ? ': the provider did not confirm the hang-up' : snippet ? `: ${snippet}` : ''}` };
}

/** Ends a call placed here: build, send with the given fetch (a refused token fetched again once), read the answer. */
export async function hangUpCall(plan: ConnectorPlan, context: RunContext, target: HangupTarget, fetch: Fetch, environment: AuthEnvironment = defaultAuthEnvironment()): Promise<HangupResult> {
  const env = { ...environment, fetch: environment.fetch ?? fetch };
  const attempt = await sendProviderRequest(plan, context, env, (resolvedAuth) => buildHangupRequest(plan, { ...context, resolvedAuth }, target));
  if (!attempt.response) return { ok: false, error: attempt.error, ...(attempt.request ? { request: attempt.request } : {}) };
  return { ...mapHangupResponse(plan, context, target, attempt.response), request: attempt.request };
}
