export { checkConnector, loadConnector, type CheckResult, type LoadOptions } from './connector/compile.ts';
export { ConnectorLoadError, formatDiagnostic, type Diagnostic } from './connector/diagnostics.ts';
export { CONNECTOR_GRAMMAR, type ElementSpec, type AttributeSpec } from './connector/grammar.ts';
export type * from './connector/plan.ts';
export { CALLBACK_FIELDS } from './connector/plan.ts';
export { parsePath, getPath } from './payload/path.ts';
export { parseBody, formatFromContentType, PayloadError } from './payload/parse-body.ts';
export {
  CANONICAL_STATUSES,
  RECORD_FIELDS,
  buildRecord,
  normaliseDirection,
  normaliseDuration,
  normaliseStatus,
  normaliseTime,
  recordVariables,
  type CallDirection,
  type CallRecord,
  type CallStatus,
} from './record/call-record.ts';
export { formatForDisplay, normalisePhone, toE164, toNational, isCountryCode } from './record/phone.ts';
export { FINAL_STATUSES, isFinalStatus, type CallView } from './record/call-view.ts';
export { parseTemplate } from './template/parse.ts';
export { FILTERS } from './template/filters.ts';
export { MissingValueError, renderTemplate, howToSet, type TemplateScope } from './template/render.ts';
export {
  buildOutgoingRequest,
  type CallTarget,
  ConnectorRuntimeError,
  joinUrl,
  mapOutgoingResponse,
  placeCall,
  type OutgoingResult,
} from './runtime/outgoing.ts';
export type { Fetch, OutgoingRequest, ProviderResponse } from './runtime/http.ts';
export { redactRequest, secretValues, REDACTED } from './runtime/redact.ts';
export { defaultAuthEnvironment, dryRunAuth, forgetTokens, memoryTokenCache, resolveAuth, type AuthEnvironment, type CachedToken, type TokenCache } from './runtime/auth.ts';
export { signJwt, verifyHs256Jwt, type JwtAlgorithm } from './signature/jwt.ts';
export { escapeXml, renderReply, type WebhookReply } from './runtime/reply.ts';
export { buildScope, type AgentProfile, type CallbackUrls, type RunContext } from './runtime/scope.ts';
export {
  handleWebhook,
  mapWebhook,
  readPayload,
  renderWebhookReply,
  handshakeReply,
  type MappedWebhook,
  WEBHOOK_EVENTS,
  WebhookError,
  type WebhookEvent,
  type WebhookRequest,
  type WebhookResult,
} from './runtime/webhook.ts';
export { computeTwilioSignature, verifySignalWireSignature, verifyTwilioSignature } from './signature/twilio.ts';
export { verifyWebhookSignature, type SignatureVerdict, type VerifyOptions } from './signature/verify.ts';
export { plivoV2Signature, plivoV3Signature, plivoV3SignedString, verifyPlivoV2, verifyPlivoV3 } from './signature/plivo.ts';
export { verifyTelnyxSignature } from './signature/telnyx.ts';
export { constantTimeEqual } from './signature/crypto.ts';
