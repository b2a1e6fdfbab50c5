import { verifyWebhookSignature } from '@phone-connector/shared';
import type { MiddlewareHandler } from 'hono';
import { type HookEnv, refuse } from '../guard/index.ts';
import { nativeHmac } from './native-hmac.ts';

/**
 * Verifies the provider's signature when the instance's connector declares one, over the
 * request the guard built: the public URL plus the request target exactly as it arrived
 * (percent-encoding untouched), never the address the relay listens on.
 */
export function webhookSignature(options: { now: () => Date }): MiddlewareHandler<HookEnv> {
  return async function webhookSignatureHandler(c, next) {
    const verdict = await verifyWebhookSignature(c.get('plan'), c.get('context'), c.get('request'), { now: options.now().getTime(), hmac: nativeHmac });
    if (verdict.checked && !verdict.valid) return refuse(c, 403, 'bad_signature', `signature check failed: ${verdict.reason ?? 'no valid signature'}`);
    await next();
  };
}
