/**
 * The one door between the relay and the CRM connector engine (branch crm-engine).
 *
 * PLACEHOLDER until that branch merges: `loadCrmConnector` and `openCrmSession` will come from
 * `@phone-connector/shared` with exactly these signatures, and this file becomes a re-export of
 * them. Nothing else in the relay imports the engine's CRM API, so nothing else changes then.
 */
import type { ConfigField, CrmSession, Diagnostic, Fetch, memoryTokenCache } from '@phone-connector/shared';

/** A compiled `<connector for="CRM">`: what the relay reads of it. */
export interface CrmConnectorPlan {
  name: string;
  fields: ConfigField[];
  warnings: Diagnostic[];
}

export type TokenCache = ReturnType<typeof memoryTokenCache>;

export interface CrmSessionOptions {
  config: Record<string, string>;
  fetch: Fetch;
  tokenCache?: TokenCache;
  defaultCountry?: string;
  now?: () => number;
}

/** What the relay asks of the engine; tests hand the relay a scripted one. */
export interface CrmEngine {
  load(xml: string, file: string): { plan?: CrmConnectorPlan; diagnostics: Diagnostic[] };
  open(plan: CrmConnectorPlan, options: CrmSessionOptions): CrmSession;
}

export function loadCrmConnector(_xml: string, file: string): { plan?: CrmConnectorPlan; diagnostics: Diagnostic[] } {
  return {
    diagnostics: [
      { severity: 'error', code: 'crm-engine-unavailable', message: 'CRM engine not available in this build', file, line: 1, col: 1, path: 'connector' },
    ],
  };
}

export function openCrmSession(_plan: CrmConnectorPlan, _options: CrmSessionOptions): CrmSession {
  throw new Error('CRM engine not available in this build');
}

/** The engine the relay runs in production. */
export const crmEngine: CrmEngine = { load: loadCrmConnector, open: openCrmSession };
