// The engine's public face: what the extension, the relay and the CLI use. Tests inside
// shared import the modules they test directly.
export {
  checkAnyConnector,
  checkConnector,
  checkCrmConnector,
  loadConnector,
  loadCrmConnector,
  type AnyCheckResult,
  type CheckResult,
  type CrmCheckResult,
} from './connector/compile.ts';
export type { CrmConnectorPlan, RateLimitPlan } from './connector/crm-plan.ts';
export { CRM_CONNECTOR_GRAMMAR } from './connector/grammar-crm.ts';
export { formatDiagnostic, type Diagnostic } from './connector/diagnostics.ts';
export { CONNECTOR_GRAMMAR, type ElementSpec } from './connector/grammar.ts';
export { CALLBACK_FIELDS, type ConfigField, type ConnectorPlan } from './connector/plan.ts';
export {
  RECORD_FIELDS,
  buildRecord,
  normaliseStatus,
  type CallRecord,
  type FillCondition,
} from './record/call-record.ts';
export { formatForDisplay, normalisePhone, toE164, isCountryCode } from './record/phone.ts';
export { ANSWERED_STATUSES, CALL_STATUSES, FINAL_STATUSES, isCallStatus, isFinalStatus, isStatusForward, statusStage, type CallStatus } from './record/call-status.ts';
export { statusLabel, statusTone, type StatusTone } from './record/call-status-label.ts';
export { answeringPhone, type CallView } from './record/call-view.ts';
export { callMatches, parseCallSearch, type CallSearch } from './record/call-search.ts';
export type { Contact, CrmCall, CrmLog, CrmOutcome, CrmSession } from './crm/contract.ts';
export { openCrmSession, type CrmSessionOptions } from './crm/session.ts';
export { buildCallReport, callReportSchema, type CallReport } from './relay-protocol/call-report.ts';
export {
  callNotesSchema,
  crmSetupSchema,
  instanceBodySchema,
  MAX_AWAY_HOURS,
  MAX_CONNECTOR_XML_CHARS,
  mePatchSchema,
  type AgentView,
  type CallNotes,
  type CallPage,
  type ConnectorInfo,
  type CrmSetup,
  type CrmTestResult,
  type DispositionList,
  type InstanceBody,
  type InstanceView,
  type MePatch,
  TEAM_LIST_MAX,
  type TeamMember,
  type TeamView,
} from './relay-protocol/agent-api.ts';
export {
  compareClosedDates,
  isClosedDate,
  isOpenAt,
  isTimeZone,
  MAX_RANGES_A_DAY,
  openingHoursSchema,
  openNow,
  rangesError,
  WEEK_DAYS,
  type OpeningHours,
  type OpeningHoursInput,
  type OpenNow,
  type OpenRange,
  type WeekDay,
} from './relay-protocol/opening-hours.ts';
export {
  agentMessageSchema,
  BEARER_SUBPROTOCOL_PREFIX,
  CALL_EVENT_KINDS,
  CLOSE_CODES,
  callMessageSchema,
  errorMessageSchema,
  parseServerMessage,
  PING_MESSAGE,
  pingMessageSchema,
  pongMessageSchema,
  previousSeq,
  RELAY_SUBPROTOCOL,
  serverMessageSchema,
  welcomeMessageSchema,
  type AgentMessage,
  type CallMessage,
  type PingMessage,
  type ServerMessage,
  type WelcomeMessage,
} from './relay-protocol/agent-socket.ts';
export { FILTERS } from './template/filters.ts';
export { renderTemplate } from './template/render.ts';
export { buildOutgoingRequest, type CallTarget, ConnectorRuntimeError, placeCall } from './runtime/outgoing.ts';
export type { Fetch, OutgoingRequest } from './runtime/http.ts';
export { secretValues, REDACTED } from './runtime/redact.ts';
export { defaultAuthEnvironment, forgetTokens, memoryTokenCache, resolveAuth, type AuthEnvironment, type CachedToken, type TokenCache } from './runtime/auth.ts';
export { callbackEventOfField, type CallbackUrls } from './runtime/callbacks.ts';
export { dryRunHangup, dryRunRequest, replayWebhook } from './runtime/dry-run.ts';
export { buildHangupRequest, canHangUp, hangUpCall, type HangupResult, type HangupTarget } from './runtime/hangup.ts';
export { buildRecordingRequest, fetchesRecordings, readRecordingAnswer, recordingNamesLink, type RecordingAnswer, type RecordingCall } from './runtime/recording.ts';
export type { WebhookReply } from './runtime/reply.ts';
export type { RunContext } from './runtime/scope.ts';
export {
  AGENTS_AWAY,
  handleWebhook,
  mapWebhook,
  ringsNobodyWhileAway,
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
export { type VerifyOptions, verifyWebhookSignature } from './signature/verify.ts';
export { constantTimeEqual, type Hmac, type HmacHash, scriptHmac } from './signature/crypto.ts';
