import type { ConnectorPlan } from '../connector/plan.ts';
import { dryRunAuth } from './auth.ts';
import { callbackUrl } from './callbacks.ts';
import { buildHangupRequest, type HangupTarget } from './hangup.ts';
import type { OutgoingRequest } from './http.ts';
import { buildOutgoingRequest, type CallTarget, withRequestId } from './outgoing.ts';
import { redactRequest, secretValues } from './redact.ts';
import type { RunContext } from './scope.ts';
import { handleWebhook, type WebhookEvent, type WebhookOptions, type WebhookResult } from './webhook.ts';

/**
 * The request a call to `to` would send, without sending or signing anything: minted
 * credentials are stand-ins and secret values are redacted unless `showSecrets`.
 * The CLI's `outgoing` command and the options page's "Show the request" both show this.
 */
export function dryRunRequest(plan: ConnectorPlan, context: RunContext, to: CallTarget, { showSecrets = false } = {}): OutgoingRequest {
  const request = buildOutgoingRequest(plan, { ...context, resolvedAuth: dryRunAuth(plan) }, withRequestId(to));
  return showSecrets ? request : redactRequest(request, secretValues(plan, context.config));
}

/** The request that would end the call `target` (the connector's `<hangup>`), as `dryRunRequest` shows a call's. */
export function dryRunHangup(plan: ConnectorPlan, context: RunContext, target: HangupTarget, { showSecrets = false } = {}): OutgoingRequest {
  const request = buildHangupRequest(plan, { ...context, resolvedAuth: dryRunAuth(plan) }, target);
  return showSecrets ? request : redactRequest(request, secretValues(plan, context.config));
}

/** A webhook as recorded from the provider or written by hand; the URL defaults to the event's callback URL. */
export interface RecordedWebhook {
  url?: string;
  contentType?: string;
  body: string;
}

/**
 * Runs a recorded webhook through the connector, as if the provider had POSTed it to the
 * event's callback URL (or a placeholder one when there is none yet). The CLI's `callback`
 * command and the options page's "Replay a webhook" both run this.
 */
export function replayWebhook(plan: ConnectorPlan, event: WebhookEvent, recorded: RecordedWebhook, context: RunContext, options: WebhookOptions = {}): WebhookResult {
  const url = recorded.url || callbackUrl(context.callbacks, context.config, event) || `https://relay.invalid/hooks/replay/secret/${event}`;
  const headers: Record<string, string> = recorded.contentType ? { 'Content-Type': recorded.contentType } : {};
  return handleWebhook(plan, event, { method: 'POST', url, headers, body: recorded.body }, context, options);
}
