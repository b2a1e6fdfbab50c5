import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { cors } from 'hono/cors';
import { agentAuth, type AuthEnv } from '../auth/index.ts';
import type { RelayDeps } from '../deps.ts';
import { MAX_API_BODY_BYTES } from './body.ts';
import { callsApp } from './calls.ts';
import { connectorsApp } from './connectors.ts';
import { crmConnectorsApp } from './crm-connectors.ts';
import { instanceCrmApp } from './instance-crm.ts';
import { instancesApp } from './instances.ts';
import { meApp } from './me.ts';
import { teamApp } from './team.ts';

/** `/api/v1`: the agent API, every route behind the agent's bearer token. */
export function apiApp(deps: RelayDeps): Hono<AuthEnv> {
  const app = new Hono<AuthEnv>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    deps.log.info('api', { method: c.req.method, path: c.req.path, status: c.res.status, agent: c.get('agent')?.id, ms: Math.round(performance.now() - started) });
  });
  // Tokens travel in a header, never in cookies, so any origin may call (the extension's pages).
  app.use('*', cors({ origin: '*', allowHeaders: ['Authorization', 'Content-Type'], allowMethods: ['GET', 'PUT', 'PATCH', 'POST', 'DELETE'], maxAge: 600 }));
  app.use('*', bodyLimit({ maxSize: MAX_API_BODY_BYTES, onError: (c) => c.json({ error: `the body is larger than ${MAX_API_BODY_BYTES} bytes` }, 413) }));
  app.use('*', agentAuth(deps.store));
  app.route('/me', meApp(deps));
  app.route('/team', teamApp(deps));
  app.route('/connectors', connectorsApp(deps));
  app.route('/crm-connectors', crmConnectorsApp(deps));
  app.route('/instances', instancesApp(deps));
  app.route('/instances', instanceCrmApp(deps));
  app.route('/calls', callsApp(deps));
  app.notFound((c) => c.json({ error: 'no such endpoint' }, 404));
  return app;
}
