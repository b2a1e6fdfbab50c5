import { WEBHOOK_EVENTS } from '@phone-connector/shared';
import { type ErrorHandler, Hono } from 'hono';
import type { RelayDeps } from '../deps.ts';
import { hookPathForLog } from '../log.ts';
import { type HookEnv, refuse, webhookGuard } from './guard/index.ts';
import { webhookHandshake } from './handshake/index.ts';
import { ingestWebhook } from './ingest.ts';
import { webhookSignature } from './signature/index.ts';
import { StoreUnavailableError, storeUnavailableReply } from '../store/unavailable.ts';

/** `/hooks/{instance}/{secret}/{event}`: provider webhooks. */
export function hooksApp(deps: RelayDeps): Hono<HookEnv> {
  const app = new Hono<HookEnv>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    // Refusals name their outcome; otherwise the status says it (404: no such route).
    const outcome = c.get('outcome') ?? (c.res.status < 400 ? 'ok' : c.res.status === 404 ? 'not_found' : 'error');
    const name = c.req.param('event') ?? '';
    const event = (WEBHOOK_EVENTS as readonly string[]).includes(name) ? name : 'unknown';
    deps.metrics.webhook(event, outcome);
    // c.req.path cuts the path out of the URL string: a URL parsed for a log line cost more than the line.
    const fields = { method: c.req.method, path: hookPathForLog(c.req.path), status: c.res.status, outcome, ms: Math.round(performance.now() - started) };
    if (outcome === 'ok') deps.log.info('webhook', fields);
    // No one to answer and nothing wrong on our side: not worth a warning.
    else if (outcome === 'aborted') deps.log.info('webhook aborted by the client', fields);
    else deps.log.warn('webhook refused', fields);
  });

  app.all('/:instance/:secret/:event', webhookGuard(deps), webhookHandshake(), webhookSignature(deps), async (c) => {
    const result = await ingestWebhook(deps, {
      event: c.get('event'),
      instance: c.get('instance'),
      owner: c.get('owner'),
      plan: c.get('plan'),
      request: c.get('request'),
      context: c.get('context'),
    });
    if (result.kind === 'refused') return refuse(c, result.status, result.status === 404 ? 'not_found' : 'bad_request', result.error);
    deps.log.debug('call stored', { instance: c.get('instance').uid, callId: result.callId, created: result.created, events: result.events });
    if (result.kind === 'reply-failed') return refuse(c, 500, 'reply_failed', result.error);
    return c.body(result.reply.body, result.reply.status as 200, result.reply.headers);
  });

  return app;
}

/**
 * A webhook's unexpected failure: 500 (503 when the store is unreachable), logged without the
 * secret (its status counts it as an error). The relay's app calls it for `/hooks/` paths: set on
 * the sub-app with `onError`, it made Hono wrap each of the sub-app's handlers in a composition of
 * its own, built again for every request (closures and promises: 9 % of a webhook's allocations,
 * issue 13).
 */
export function webhookFailed(deps: RelayDeps): ErrorHandler {
  return (error, c) => {
    deps.log.error('webhook failed', { path: hookPathForLog(c.req.path), error });
    if (error instanceof StoreUnavailableError) return storeUnavailableReply(c);
    return c.json({ error: 'internal error' }, 500);
  };
}
