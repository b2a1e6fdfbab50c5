import { Hono } from 'hono';
import { apiApp } from './api/index.ts';
import type { RelayDeps } from './deps.ts';
import { hooksApp, webhookFailed } from './hooks/index.ts';
import { hookPathForLog } from './log.ts';
import { recordingsApp } from './recordings/app.ts';
import { StoreUnavailableError, storeUnavailableReply } from './store/unavailable.ts';

/** Whether the relay takes traffic; turns false when shutdown starts. */
export interface Readiness {
  ready: boolean;
}

/** The relay's HTTP application: webhooks, agent API, health and metrics. */
export function createApp(deps: RelayDeps, readiness: Readiness = { ready: true }): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => (readiness.ready ? c.json({ status: 'ok' }) : c.json({ status: 'shutting-down' }, 503)));
  app.get('/metrics', async (c) => c.body(await deps.metrics.render(), 200, { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' }));
  app.get('/ws', (c) => c.json({ error: 'this endpoint takes WebSocket upgrades only' }, 426));
  // Webhooks in flight hold the CRM's steps back (crm/webhooks-first.ts).
  app.use('/hooks/*', async (_c, next) => {
    deps.crm.turns.webhookStarted();
    try {
      await next();
    } finally {
      deps.crm.turns.webhookEnded();
    }
  });
  app.route('/hooks', hooksApp(deps));
  app.route('/api/v1', apiApp(deps));
  app.route('/recordings', recordingsApp(deps));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  const onWebhookError = webhookFailed(deps);
  app.onError((error, c) => {
    if (c.req.path.startsWith('/hooks/')) return onWebhookError(error, c);
    deps.log.error('request failed', { method: c.req.method, path: hookPathForLog(new URL(c.req.url).pathname), error });
    if (error instanceof StoreUnavailableError) return storeUnavailableReply(c);
    return c.json({ error: 'internal error' }, 500);
  });
  return app;
}
