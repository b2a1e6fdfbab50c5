import { handshakeReply } from '@phone-connector/shared';
import type { MiddlewareHandler } from 'hono';
import { runContext } from '../../instances/context.ts';
import type { HookEnv } from '../guard/index.ts';

/**
 * A provider's URL check when an admin saves the webhook URL (Zadarma's `zd_echo`), for
 * connectors that declare a `<handshake>`: answered as the connector says, after the
 * instance and secret checks but before the signature (the check is not signed), and
 * nothing is stored. Any other request goes on.
 */
export function webhookHandshake(options: { publicUrl: () => string }): MiddlewareHandler<HookEnv> {
  return async function webhookHandshakeHandler(c, next) {
    const url = new URL(c.req.url);
    const reply = handshakeReply(
      c.get('plan'),
      { method: c.req.method, url: `${options.publicUrl()}${url.pathname}${url.search}`, headers: {}, body: c.get('body') },
      runContext(c.get('instance'), c.get('owner'), options.publicUrl()),
    );
    if (!reply) return next();
    c.set('outcome', 'ok');
    return c.body(reply.body, reply.status as 200, reply.headers);
  };
}
