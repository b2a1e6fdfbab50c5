import type { CrmSetup } from '@phone-connector/shared';
import { type DiagnosticJson, configDiagnostic, declaredConfig, diagnosticJson } from '../instances/register.ts';
import { CUSTOM_CONNECTOR } from '../instances/plans.ts';
import type { InstanceCrm } from '../store/index.ts';
import type { CrmConnectors } from './connectors.ts';
import type { CrmConnectorPlan } from './engine.ts';

export type CrmRegistration =
  | { ok: true; crm: InstanceCrm; plan: CrmConnectorPlan; warnings: DiagnosticJson[] }
  | { ok: false; error: string; diagnostics: DiagnosticJson[] };

/**
 * Validates an instance's CRM setup like its provider part: a bundled CRM connector or custom
 * XML (errors with line:col), the declared config fields (a masked value keeps the stored one).
 * Unlike a provider, a CRM without its mandatory values is refused: nothing waits on the setup
 * (no callback URL to copy first), and every lookup would fail.
 */
export function registerCrm(request: CrmSetup, context: { localId: string; connectors: CrmConnectors; previous: InstanceCrm | null }): CrmRegistration {
  if ((request.connector === undefined) === (request.xml === undefined)) {
    return { ok: false, error: 'crm: give exactly one of "connector" (a bundled CRM connector id) and "xml" (a CRM connector of your own)', diagnostics: [] };
  }
  let plan: CrmConnectorPlan;
  if (request.connector !== undefined) {
    const bundled = context.connectors.bundled.get(request.connector);
    const known = [...context.connectors.bundled.keys()];
    if (!bundled) return { ok: false, error: `crm: there is no bundled CRM connector "${request.connector}"; known: ${known.length ? known.join(', ') : '(none)'}`, diagnostics: [] };
    plan = bundled;
  } else {
    const loaded = context.connectors.engine.load(request.xml!, `${context.localId}.crm.xml`);
    if (!loaded.plan) return { ok: false, error: 'crm: the CRM connector is not valid', diagnostics: loaded.diagnostics.map(diagnosticJson) };
    plan = loaded.plan;
  }
  const { config, warnings } = declaredConfig(plan, request.config ?? {}, context.previous?.config ?? {});
  const missing = plan.fields.filter((field) => field.mandatory && !config[field.name]);
  if (missing.length > 0) {
    return {
      ok: false,
      error: `crm: mandatory config missing: ${missing.map((f) => f.name).join(', ')}`,
      diagnostics: missing.map((f) => ({ ...configDiagnostic(f.name, `"${f.label}" (${f.name}) is mandatory and empty`, 'fill it in Options > CRM'), path: `crm.config.${f.name}`, severity: 'error' as const })),
    };
  }
  const crmWarnings = warnings.map((w) => (w.path.startsWith('config.') ? { ...w, path: `crm.${w.path}` } : w));
  return { ok: true, crm: { connector: request.connector ?? CUSTOM_CONNECTOR, xml: request.xml ?? null, config }, plan, warnings: crmWarnings };
}
