import type { InstanceBody } from '@phone-connector/shared';
import type { CrmSettings, ProviderSettings } from './storage.ts';

/**
 * `PUT /instances/:id` from what the agent saved: the provider part, which every PUT carries,
 * and, when `crm` is given, the CRM part (null removes the instance's CRM; left out, the
 * relay keeps what the instance had).
 */
export function instanceBody(provider: ProviderSettings, crm?: CrmSettings): InstanceBody {
  const body: InstanceBody = provider.customXml !== undefined ? { xml: provider.customXml, config: provider.config } : { connector: provider.connectorId!, config: provider.config };
  if (crm === undefined) return body;
  if (crm.customXml !== undefined) return { ...body, crm: { xml: crm.customXml, config: crm.config } };
  return { ...body, crm: crm.connectorId ? { connector: crm.connectorId, config: crm.config } : null };
}
