/**
 * The one door between the relay and the CRM connector engine (`@phone-connector/shared`):
 * loading a `<connector for="CRM">` and binding it to an instance's config. The relay's CRM
 * rules take a `CrmEngine`, so tests can hand them a scripted one (scripted-crm.ts).
 */
import { type CrmConnectorPlan, type CrmSession, type CrmSessionOptions, type Diagnostic, loadCrmConnector, openCrmSession } from '@phone-connector/shared';

export type { CrmConnectorPlan, CrmSessionOptions, TokenCache } from '@phone-connector/shared';

/** What the relay asks of the engine. */
export interface CrmEngine {
  load(xml: string, file: string): { plan?: CrmConnectorPlan; diagnostics: Diagnostic[] };
  open(plan: CrmConnectorPlan, options: CrmSessionOptions): CrmSession;
}

/** The engine the relay runs in production. */
export const crmEngine: CrmEngine = { load: loadCrmConnector, open: openCrmSession };
