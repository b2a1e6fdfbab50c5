/**
 * A SignalWire Compatibility API (LaML / cXML) simulator over real HTTP. SignalWire speaks
 * Twilio's wire format, so this is the Twilio simulator (./twilio.ts) configured with what
 * differs, plus its own webhook signer written with node:crypto, so the engine's Twilio
 * verifier is checked against an implementation it does not share.
 *
 * Facts used, and where they come from:
 * - Documented (developer.signalwire.com, Compatibility API overview): each Space has its own
 *   host, `https://{space}.signalwire.com`, and the REST base `/api/laml/2010-04-01`; the
 *   AccountSid of the Twilio API is the Project ID; requests use HTTP Basic
 *   `ProjectID:API token`.
 * - Documented (Compatibility API, Calls): a call is Twilio's call object with a UUID `sid`
 *   (`b3877c40-da60-4998-90ad-b792e98472af`), `status`, `direction`, and `uri` under
 *   `/api/laml/2010-04-01/Accounts/{ProjectID}/Calls/{sid}.json`; statuses are Twilio's
 *   (`queued|ringing|in-progress|completed|busy|failed|no-answer|canceled`); the create-call
 *   parameters (`To, From, Url, StatusCallback, StatusCallbackEvent`) are Twilio's.
 * - Documented (guides/webhook-security; signalwire-typescript `WebhookValidator.ts`): every
 *   webhook is signed with the project's Signing Key (API Credentials page), not the API token;
 *   cXML form webhooks use Twilio's algorithm, base64(HMAC-SHA1(key, url + sorted k+v)), sent
 *   as `X-SignalWire-Signature`; compatibility callbacks also carry `X-Twilio-Signature`.
 * - Documented: status callbacks are form POSTs with Twilio's fields (`AccountSid, ApiVersion,
 *   CallSid, CallStatus, …`); replies are cXML `<Response>` documents, Twilio's verbs.
 * - Documented (signalwire.com/docs, "Incoming call status callback"): a number's own status
 *   callback sends CallSid, AccountSid, From, To, CallStatus (completed or failed), CallDuration,
 *   AudioInMos and Timestamp, "the timestamp of the call creation date/time"; no CallbackSource.
 * - Assumed: error bodies and codes for bad credentials and missing parameters are Twilio's
 *   (`{code: 20003, message, status}` with HTTP 401, 21201/21213/21205 with HTTP 400); the
 *   webhook field set is Twilio's minus the `AudioIn*` quality statistics SignalWire adds.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { rfc2822, TwilioSimulator } from './twilio.ts';

export interface SignalWireSimulatorOptions {
  projectId: string;
  apiToken: string;
  signingKey: string;
  forward?: (publicUrl: string) => string;
}

/** SignalWire's compatibility API base path. */
export const LAML_PREFIX = '/api/laml/2010-04-01';

/** Twilio's signature algorithm, written independently of the engine's. */
export function signLaml(key: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return createHmac('sha1', key).update(data, 'utf8').digest('base64');
}

export function startSignalWireSimulator(options: SignalWireSimulatorOptions): Promise<TwilioSimulator> {
  return TwilioSimulator.start({
    accountSid: options.projectId,
    authToken: options.apiToken,
    signingKey: options.signingKey,
    forward: options.forward,
    apiPrefix: LAML_PREFIX,
    signatureHeaders: ['X-SignalWire-Signature', 'X-Twilio-Signature'],
    sign: signLaml,
    newSid: randomUUID,
    // The number's status callback: the call's creation time as Timestamp, no CallbackSource.
    inboundStatusFields: (_call, createdAt) => ({ CallDuration: '35', Timestamp: rfc2822(createdAt), AudioInMos: '4.5' }),
  });
}
