import { createHash } from 'node:crypto';
import type { CrmConnectorPlan } from '@phone-connector/shared';
import type { InstanceCrm } from '../store/index.ts';

/**
 * The CRM account an instance's requests count against, as its connector's `<limits>` mean it (per
 * token): SHA-256 of the connector (a bundled one by id, a custom one by its XML) and of the
 * credentials, the config fields of type `password` and `url` (the token, and the address it is
 * sent to). Instances with the same key share their windows, on one relay and across relays
 * (docs/relay.md); the fields that only shape what is written (an owner id, a portal id for links)
 * do not part them. A connector without a password field is told apart by all its config. The key
 * is stored (crm_rate_places), the token never.
 */
export function rateAccountKey(crm: InstanceCrm, plan: Pick<CrmConnectorPlan, 'fields'>): string {
  const credentials = plan.fields.filter((field) => field.type === 'password' || field.type === 'url');
  const names = plan.fields.some((field) => field.type === 'password') ? credentials.map((field) => field.name) : Object.keys(crm.config);
  const connector = crm.xml === null ? `bundled:${crm.connector}` : `xml:${createHash('sha256').update(crm.xml).digest('hex')}`;
  const values = [...new Set(names)].sort().map((name) => [name, crm.config[name] ?? '']);
  return createHash('sha256').update(JSON.stringify([connector, values])).digest('hex');
}
