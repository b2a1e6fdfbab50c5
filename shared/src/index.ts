// The engine's public face: what the extension, the relay and the CLI use. Tests inside
// shared import the modules they test directly.
export { checkConnector, loadConnector, type CheckResult } from './connector/compile.ts';
export { formatDiagnostic, type Diagnostic } from './connector/diagnostics.ts';
export { CONNECTOR_GRAMMAR, type ElementSpec } from './connector/grammar.ts';
export { CALLBACK_FIELDS, type ConfigField, type ConnectorPlan } from './connector/plan.ts';
export {
  CANONICAL_STATUSES,
  RECORD_FIELDS,
  buildRecord,
  normaliseStatus,
  type CallRecord,
  type CallStatus,
} from './record/call-record.ts';
export { formatForDisplay, normalisePhone, toE164, isCountryCode } from './record/phone.ts';
export { FINAL_STATUSES, isFinalStatus, type CallView } from './record/call-view.ts';
export { FILTERS } from './template/filters.ts';
export { renderTemplate } from './template/render.ts';
export { buildOutgoingRequest, type CallTarget, ConnectorRuntimeError, placeCall } from './runtime/outgoing.ts';
export type { Fetch, OutgoingRequest } from './runtime/http.ts';
export { secretValues, REDACTED } from './runtime/redact.ts';
export { defaultAuthEnvironment, memoryTokenCache } from './runtime/auth.ts';
export { callbackEventOfField, type CallbackUrls } from './runtime/callbacks.ts';
export { dryRunRequest, replayWebhook } from './runtime/dry-run.ts';
export type { WebhookReply } from './runtime/reply.ts';
export type { RunContext } from './runtime/scope.ts';
export {
  handleWebhook,
  mapWebhook,
  renderWebhookReply,
  handshakeReply,
  type MappedWebhook,
  WEBHOOK_EVENTS,
  WebhookError,
  type WebhookEvent,
  type WebhookRequest,
  type WebhookResult,
} from './runtime/webhook.ts';
export { computeTwilioSignature } from './signature/twilio.ts';
export { verifyWebhookSignature } from './signature/verify.ts';
export { constantTimeEqual } from './signature/crypto.ts';
