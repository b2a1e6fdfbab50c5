import type { ConnectorInfo } from '@phone-connector/shared';
import { Hono } from 'hono';
import type { AuthEnv } from '../auth/index.ts';
import type { RelayDeps } from '../deps.ts';

/** `/connectors`: the bundled connectors and the config fields their forms need. */
export function connectorsApp(deps: RelayDeps): Hono<AuthEnv> {
  const list = [...deps.plans.bundled].map(([id, plan]): ConnectorInfo => ({
    id,
    name: plan.name,
    fields: plan.fields.map(({ name, label, type, mandatory, callbackUrl }) => ({ name, label, type, mandatory, callbackUrl })),
  }));
  return new Hono<AuthEnv>().get('/', (c) => c.json(list));
}
