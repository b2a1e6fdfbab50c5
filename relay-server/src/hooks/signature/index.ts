import { verifyWebhookSignature, type WebhookRequest } from '@phone-connector/shared';
import type { HttpBindings } from '@hono/node-server';
import type { Context, MiddlewareHandler } from 'hono';
import { runContext } from '../../instances/context.ts';
import { type HookEnv, refuse } from '../guard/index.ts';

export type SignedHookEnv = HookEnv & { Bindings: Partial<HttpBindings>; Variables: HookEnv['Variables'] & { request: WebhookRequest } };

/**
 * Verifies the provider's signature when the instance's connector declares one. Providers sign
 * the URL they called, so the URL checked is the public URL plus the request target exactly as
 * it arrived (percent-encoding untouched), never the address the relay listens on.
 */
export function webhookSignature(options: { publicUrl: () => string; now: () => Date }): MiddlewareHandler<SignedHookEnv> {
  return async function webhookSignatureHandler(c, next) {
    const request: WebhookRequest = {
      method: c.req.method,
      url: `${options.publicUrl()}${requestTarget(c)}`,
      headers: Object.fromEntries(c.req.raw.headers),
      body: c.get('body'),
    };
    const verdict = await verifyWebhookSignature(c.get('plan'), runContext(c.get('instance'), c.get('owner'), options.publicUrl()), request, { now: options.now().getTime() });
    if (verdict.checked && !verdict.valid) return refuse(c, 403, 'bad_signature', `signature check failed: ${verdict.reason ?? 'no valid signature'}`);
    c.set('request', request);
    await next();
  };
}

/** Path and query as the client sent them (Node's raw request target when available). */
function requestTarget(c: Context<SignedHookEnv>): string {
  const raw = c.env?.incoming?.url;
  if (raw?.startsWith('/')) return raw;
  const url = new URL(c.req.url);
  return url.pathname + url.search;
}
