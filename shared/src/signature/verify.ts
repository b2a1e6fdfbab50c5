import type { ConnectorPlan } from '../connector/plan.ts';
import { buildScope, type RunContext } from '../runtime/scope.ts';
import type { WebhookRequest } from '../runtime/webhook.ts';
import { MissingValueError, renderTemplate } from '../template/render.ts';
import { constantTimeEqual } from './crypto.ts';
import { verifyTwilioSignature } from './twilio.ts';

export type SignatureVerdict = { checked: false } | { checked: true; valid: boolean; reason?: string };

/**
 * Checks a webhook against the connector's `<signature>`. `request.url` must be the public
 * URL the provider called (behind a proxy the local URL differs and signatures fail).
 */
export async function verifyWebhookSignature(plan: ConnectorPlan, context: RunContext, request: WebhookRequest): Promise<SignatureVerdict> {
  const signature = plan.provider?.signature;
  if (!signature) return { checked: false };
  const header = (name: string) => Object.entries(request.headers).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
  const scope = buildScope(plan, context);
  let secret: string;
  try {
    secret = renderTemplate(signature.kind === 'twilio' ? signature.token : signature.value, scope);
  } catch (error) {
    if (error instanceof MissingValueError) return { checked: true, valid: false, reason: `cannot verify: ${error.message}` };
    throw error;
  }
  if (signature.kind === 'header') {
    const sent = header(signature.name);
    return sent !== undefined && constantTimeEqual(sent, secret)
      ? { checked: true, valid: true }
      : { checked: true, valid: false, reason: `${signature.name} is missing or wrong` };
  }
  const valid = await verifyTwilioSignature({
    authToken: secret,
    url: request.url,
    signature: header('X-Twilio-Signature'),
    body: request.body,
    contentType: header('Content-Type'),
  });
  return valid ? { checked: true, valid } : { checked: true, valid, reason: 'X-Twilio-Signature does not match' };
}
