import { handshakeReply } from '@phone-connector/shared';
import type { MiddlewareHandler } from 'hono';
import type { HookEnv } from '../guard/index.ts';

/**
 * A provider's URL check when an admin saves the webhook URL (Zadarma's `zd_echo`), for
 * connectors that declare a `<handshake>`: answered as the connector says, after the
 * instance and secret checks but before the signature (the check is not signed), and
 * nothing is stored. Any other request goes on.
 */
export function webhookHandshake(): MiddlewareHandler<HookEnv> {
  return async function webhookHandshakeHandler(c, next) {
    const reply = handshakeReply(c.get('plan'), c.get('request'), c.get('context'));
    if (!reply) return next();
    c.set('outcome', 'ok');
    return c.body(reply.body, reply.status as 200, reply.headers);
  };
}
