import type { ConnectorInfo } from '@phone-connector/shared';
import { Hono } from 'hono';
import type { AuthEnv } from '../auth/index.ts';
import type { RelayDeps } from '../deps.ts';

/** `/crm-connectors`: the bundled CRM connectors and the config fields their forms need. */
export function crmConnectorsApp(deps: RelayDeps): Hono<AuthEnv> {
  const list = [...deps.crm.connectors.bundled].map(([id, plan]): ConnectorInfo => ({
    id,
    name: plan.name,
    fields: plan.fields.map(({ name, label, type, mandatory, callbackUrl }) => ({ name, label, type, mandatory, callbackUrl })),
  }));
  return new Hono<AuthEnv>().get('/', (c) => c.json(list));
}
