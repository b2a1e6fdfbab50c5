import type { ConnectorPlan } from '../connector/plan.ts';
import { formFields } from '../payload/form-fields.ts';
import { jsonTooDeepAt } from '../payload/nesting.ts';
import { formatFromContentType, PayloadError } from '../payload/parse-body.ts';
import { getPath } from '../payload/path.ts';
import { buildScope, type RunContext } from '../runtime/scope.ts';
import { MissingValueError, renderTemplate, type TemplateScope } from '../template/render.ts';
import type { Template } from '../template/ast.ts';
import { constantTimeEqual, type Hmac, hmacHex } from './crypto.ts';
import { readPayload, requestHeader, WebhookError, type WebhookRequest } from '../runtime/webhook.ts';
import { base64 } from '../template/filters.ts';
import { verifyHs256Jwt } from './jwt.ts';
import { verifyPlivoV2, verifyPlivoV3 } from './plivo.ts';
import { verifyTelnyxSignature } from './telnyx.ts';
import { type TwilioSignatureInput, unsignedBody, verifySignalWireSignature, verifyTwilioSignature } from './twilio.ts';

export type SignatureVerdict = { checked: false } | { checked: true; valid: boolean; reason?: string };

export interface VerifyOptions {
  /** Milliseconds since the epoch, for schemes with a replay window (Telnyx, Vonage); defaults to now. */
  now?: number;
  /** The HMAC the schemes built on one compute with; defaults to the engine's own, in script. */
  hmac?: Hmac;
}

/**
 * Checks a webhook against the connector's `<signature>`. `request.url` must be the public
 * URL the provider called (behind a proxy the local URL differs and signatures fail) and
 * `request.body` the raw body.
 */
export async function verifyWebhookSignature(plan: ConnectorPlan, context: RunContext, request: WebhookRequest, options: VerifyOptions = {}): Promise<SignatureVerdict> {
  try {
    return await checkSignature(plan, context, request, options);
  } catch (error) {
    // A body whose signed fields cannot be read (a broken multipart) is not verified: refused, not a crash.
    const unreadable = error instanceof PayloadError || (error instanceof WebhookError && error.code === 'bad-payload');
    if (unreadable) return { checked: true, valid: false, reason: `cannot verify: ${error.message}` };
    throw error;
  }
}

async function checkSignature(plan: ConnectorPlan, context: RunContext, request: WebhookRequest, options: VerifyOptions): Promise<SignatureVerdict> {
  const signature = plan.provider?.signature;
  if (!signature) return { checked: false };
  // Direct calls and a module `verdict`, not closures per webhook: the relay's tsx keeps names, a `defineProperty` per named closure made (issue 13).
  const headers = request.headers;
  const scope = buildScope(plan, context);
  const secretTemplate = signature.kind === 'telnyx' ? signature.publicKey : signature.kind === 'header' ? signature.value : signature.token;
  const secret = renderSecret(secretTemplate, scope);
  if (typeof secret !== 'string') return { checked: true, valid: false, reason: `cannot verify: ${secret.error}` };

  switch (signature.kind) {
    case 'header': {
      const sent = requestHeader(headers, signature.name);
      return verdict(sent !== undefined && constantTimeEqual(sent, secret), `${signature.name} is missing or wrong`);
    }
    case 'twilio': {
      const contentType = requestHeader(headers, 'Content-Type');
      const valid = await verifyTwilioSignature(twilioInput(request, contentType, secret, requestHeader(headers, signature.header), options));
      // The reason only for a refusal: working it out parses the URL.
      return valid ? verdict(true, '') : verdict(false, unsignedBody({ url: request.url, body: request.body, contentType }) ?? `${signature.header} does not match`);
    }
    case 'signalwire': {
      const valid = await verifySignalWireSignature(twilioInput(request, requestHeader(headers, 'Content-Type'), secret, requestHeader(headers, signature.header), options));
      // Its raw-body scheme covers any body, so an unsigned-body reason would mislead here.
      return verdict(valid, `${signature.header} does not match`);
    }
    case 'plivo-v2': {
      const valid = await verifyPlivoV2({ authToken: secret, url: request.url, signature: requestHeader(headers, 'X-Plivo-Signature-V2'), nonce: requestHeader(headers, 'X-Plivo-Signature-V2-Nonce'), hmac: options.hmac });
      return verdict(valid, 'X-Plivo-Signature-V2 does not match');
    }
    case 'plivo-v3': {
      const valid = await verifyPlivoV3({
        authToken: secret,
        method: request.method,
        url: request.url,
        params: bodyParams(request.body, requestHeader(headers, 'Content-Type')),
        signature: requestHeader(headers, 'X-Plivo-Signature-V3'),
        nonce: requestHeader(headers, 'X-Plivo-Signature-V3-Nonce'),
        hmac: options.hmac,
      });
      return verdict(valid, 'X-Plivo-Signature-V3 does not match');
    }
    case 'vonage': {
      const bearer = /^Bearer\s+(.+)$/i.exec(requestHeader(headers, 'Authorization') ?? '')?.[1];
      // Vonage hashes the body of a POST, and the query parameters as compact JSON for a GET.
      const hashed = request.method.toUpperCase() === 'GET' ? JSON.stringify(Object.fromEntries(new URL(request.url).searchParams)) : request.body;
      const result = await verifyHs256Jwt({ token: bearer, secret, now: options.now ?? Date.now(), toleranceSeconds: signature.toleranceSeconds, body: hashed });
      return verdict(result.valid, result.reason ?? '');
    }
    case 'hmac': {
      let payload: Record<string, unknown>;
      try {
        payload = readPayload(request);
      } catch (error) {
        // The signed fields are in the body: one that cannot be read cannot be verified.
        if (error instanceof WebhookError) return verdict(false, `cannot verify: ${error.message}`);
        throw error;
      }
      const fields = Object.fromEntries(Object.entries(payload).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]));
      const event = signature.use ? String(getPath(payload, signature.use) ?? '').trim().toLowerCase() : '';
      const chosen = signature.messages.find((m) => m.for?.includes(event)) ?? signature.messages.find((m) => !m.for);
      if (!chosen) return verdict(false, `no signed message is declared for "${event}"`);
      let message: string;
      try {
        message = renderTemplate(chosen.template, { ...scope, vars: { ...scope.vars, ...fields } });
      } catch (error) {
        if (error instanceof MissingValueError) return verdict(false, `cannot verify: ${error.message}`);
        throw error;
      }
      const hex = await hmacHex(signature.algorithm === 'sha1' ? 'SHA-1' : 'SHA-256', secret, message, options.hmac);
      const expected = signature.encoding === 'hex' ? hex : signature.encoding === 'base64-hex' ? base64(hex) : base64FromHex(hex);
      const sent = requestHeader(headers, signature.header);
      return verdict(sent !== undefined && constantTimeEqual(sent.trim(), expected), `${signature.header} does not match`);
    }
    case 'telnyx': {
      const valid = await verifyTelnyxSignature({
        publicKey: secret,
        signature: requestHeader(headers, 'telnyx-signature-ed25519'),
        timestamp: requestHeader(headers, 'telnyx-timestamp'),
        body: request.body,
        now: options.now ?? Date.now(),
        toleranceSeconds: signature.toleranceSeconds,
      });
      return verdict(valid, 'telnyx-signature-ed25519 does not match, or telnyx-timestamp is outside the tolerance');
    }
  }
}

/**
 * What Twilio's and SignalWire's checks read, each field named: spread from an object of the
 * request's fields (`{ ...signed, authToken, … }`), the input took V8 some 4 µs per webhook, a
 * tenth of the engine's part of one (a profile by line of the engine alone, issue 13).
 */
function twilioInput(request: WebhookRequest, contentType: string | undefined, authToken: string, signature: string | undefined, options: VerifyOptions): TwilioSignatureInput {
  return { url: request.url, body: request.body, contentType, authToken, signature, hmac: options.hmac };
}

function renderSecret(template: Template, scope: TemplateScope): string | { error: string } {
  try {
    return renderTemplate(template, scope);
  } catch (error) {
    if (error instanceof MissingValueError) return { error: error.message };
    throw error;
  }
}

/** The body's parameters as providers sign them: form fields (repeated keys kept) or a JSON object. */
function bodyParams(body: string, contentType: string | undefined): Record<string, unknown> {
  if (!body.trim()) return {};
  if (formatFromContentType(contentType) === 'json') {
    // No provider signs a body this deep, and walking it would overflow the stack: no parameters, no match.
    if (jsonTooDeepAt(body) !== undefined) return {};
    try {
      const parsed: unknown = JSON.parse(body);
      return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
  const params: Record<string, string | string[]> = {};
  // A body of another Content-Type is read as a form, so fields the payload reader may sniff from it stay signed.
  for (const [key, value] of formFields(body, contentType) ?? new URLSearchParams(body)) {
    const existing = params[key];
    params[key] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return params;
}

function base64FromHex(hex: string): string {
  let binary = '';
  for (let i = 0; i < hex.length; i += 2) binary += String.fromCharCode(parseInt(hex.slice(i, i + 2), 16));
  return btoa(binary);
}

function verdict(valid: boolean, reason: string): SignatureVerdict {
  return valid ? { checked: true, valid } : { checked: true, valid, reason };
}
