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
 * - Documented (SignalWire's own API spec, signalwire/docs specs/compatibility-api: calls/main.tsp
 *   and _shared/errors.tsp): "Create a Call" answers HTTP 200 with the call, 401 with
 *   `{code, message, more_info, status}` (code 20003), 422 with that same object, and 400 with
 *   `{"errors":[{code, message, more_info}]}` (code a string), unlike Twilio's 400. The codes are
 *   Twilio's (the Compatibility API's error-code page: 20003 authentication, 21201 no To, 21213
 *   no From, 21205 no cXML URL, 21210 "'From' phone number not verified"). [I] The texts of the
 *   messages other than 21210's, taken to be Twilio's.
 * - Documented (calls/models/webhooks.tsp, VoiceStatusCallbackPayload): the status callback
 *   fields are Twilio's plus the `AudioIn*`/`AudioOut*` quality statistics, which the simulator
 *   leaves out (the connector reads none of them).
 */
import { createHmac, randomUUID } from 'node:crypto';
import { rfc2822, TwilioSimulator } from './twilio.ts';

export interface SignalWireSimulatorOptions {
  projectId: string;
  apiToken: string;
  signingKey: string;
  forward?: (publicUrl: string) => string;
  /** The project's numbers; when set, a call from another number is refused (21210). */
  numbers?: readonly string[];
  /** The Space's name (`example` in example.signalwire.com), where its recordings are; default `example`. */
  space?: string;
}

/** SignalWire's compatibility API base path. */
export const LAML_PREFIX = '/api/laml/2010-04-01';

/** Twilio's signature algorithm, written independently of the engine's. */
export function signLaml(key: string, url: string, params: Record<string, string>): string {
  const data = url + Object.keys(params).sort().map((k) => k + params[k]).join('');
  return createHmac('sha1', key).update(data, 'utf8').digest('base64');
}

/** SignalWire's refusals: a 400 lists its errors in an array, the others are Twilio's object. */
export function lamlErrorBody(status: number, code: number, message: string): unknown {
  const moreInfo = 'https://developer.signalwire.com/rest/compatibility-api/overview/error-codes';
  return status === 400 ? { errors: [{ code: String(code), message, more_info: moreInfo }] } : { code, message, more_info: moreInfo, status };
}

/** What SignalWire's error-code page says each code means, where the simulator's text differs. */
const LAML_MESSAGES: Record<number, string> = { 21210: "'From' phone number not verified" };

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
    numbers: options.numbers,
    createdStatus: 200,
    // [D] A recording is a resource of the project's compatibility API, by a UUID (the Recordings page).
    newRecordingUrl: () => `https://${options.space ?? 'example'}.signalwire.com${LAML_PREFIX}/Accounts/${options.projectId}/Recordings/${randomUUID()}`,
    errorBody: (status, code, message) => lamlErrorBody(status, code, LAML_MESSAGES[code] ?? message),
    // The number's status callback: the call's creation time as Timestamp, no CallbackSource.
    inboundStatusFields: (_call, createdAt) => ({ CallDuration: '35', Timestamp: rfc2822(createdAt), AudioInMos: '4.5' }),
  });
}
