import { CALLBACK_FIELDS, type CallbackUrls, type ConfigField, type ConnectorPlan, type Diagnostic, REDACTED, checkConnector, secretValues } from '@phone-connector/shared';
import type { Instance } from '../store/index.ts';
import { CUSTOM_CONNECTOR } from './plans.ts';

/** A diagnostic as the API shows it; config problems have no line or column. */
export interface DiagnosticJson {
  line: number | null;
  col: number | null;
  path: string;
  message: string;
  hint: string | null;
  severity: 'error' | 'warning';
  code: string;
}

export function diagnosticJson(d: Diagnostic): DiagnosticJson {
  return { line: d.line, col: d.col, path: d.path, message: d.message, hint: d.hint ?? null, severity: d.severity, code: d.code };
}

export interface InstanceRequest {
  connector?: string;
  xml?: string;
  config: Record<string, string>;
  /** The instance's CRM setup, checked apart (crm/setup.ts); here only to say what a body with it alone lacks. */
  crm?: unknown;
}

export type Registration =
  | { ok: true; connector: string; xml: string | null; plan: ConnectorPlan; config: Record<string, string>; warnings: DiagnosticJson[] }
  | { ok: false; error: string; diagnostics: DiagnosticJson[] };

/**
 * Validates an instance registration: picks or compiles the connector, keeps the declared
 * config fields (a masked value sent back keeps the stored one) and fills the callback fields.
 * Missing mandatory values are warnings, not errors: an agent registers first to get the
 * callback URLs, and fills in credentials afterwards.
 */
export function registerInstance(
  request: InstanceRequest,
  context: { localId: string; bundled: ReadonlyMap<string, ConnectorPlan>; callbacks: Required<CallbackUrls>; previous?: Instance },
): Registration {
  if ((request.connector === undefined) === (request.xml === undefined)) {
    // The CRM pages once showed a body of `crm` alone: a CRM setup rides on an instance's provider.
    const crmAlone = request.crm ? ': a crm setup is saved with its instance, so send the instance\'s "connector" (or "xml") and "config" beside it, as GET /api/v1/instances/:id shows them' : '';
    return { ok: false, error: `give exactly one of "connector" (a bundled connector id) and "xml" (a connector of your own)${crmAlone}`, diagnostics: [] };
  }
  let plan: ConnectorPlan;
  if (request.connector !== undefined) {
    const bundled = context.bundled.get(request.connector);
    if (!bundled) return { ok: false, error: `there is no bundled connector "${request.connector}"; known: ${[...context.bundled.keys()].join(', ')}`, diagnostics: [] };
    plan = bundled;
  } else {
    const checked = checkConnector(request.xml!, { file: `${context.localId}.xml` });
    if (!checked.plan) return { ok: false, error: 'the connector is not valid', diagnostics: checked.diagnostics.map(diagnosticJson) };
    plan = checked.plan;
  }

  const { config, warnings } = declaredConfig(plan, request.config, context.previous?.config ?? {});
  const callbackFields: Record<(typeof CALLBACK_FIELDS)[number], string> = {
    answer_callback: context.callbacks.answer,
    status_callback: context.callbacks.status,
    incoming_callback: context.callbacks.incoming,
  };
  for (const name of CALLBACK_FIELDS) {
    if (plan.fields.some((f) => f.name === name)) config[name] = callbackFields[name];
  }
  for (const field of plan.fields) {
    if (field.mandatory && !config[field.name]) warnings.push(configDiagnostic(field.name, `"${field.label}" (${field.name}) is mandatory and empty`, 'fill it in Options > Provider'));
  }
  return { ok: true, connector: request.connector ?? CUSTOM_CONNECTOR, xml: request.xml ?? null, plan, config, warnings };
}

/**
 * The values of a connector's declared fields (telephony or CRM): unknown names are dropped with
 * a warning, a masked value sent back keeps the stored one, an empty one is unset. A URL field is
 * kept without the spaces and trailing slashes a paste brings: connectors join paths to it with a
 * slash (`$config.$fields.url/webservice.php`), and a path or record link with two may not open.
 * A checkbox is kept as `true` when ticked and unset when not, which the connectors' `if` reads.
 */
export function declaredConfig(
  plan: { fields: ReadonlyArray<Pick<ConfigField, 'name' | 'type'>>; warnings: readonly Diagnostic[] },
  requested: Record<string, string>,
  previous: Record<string, string>,
): { config: Record<string, string>; warnings: DiagnosticJson[] } {
  const warnings = plan.warnings.map(diagnosticJson);
  const config: Record<string, string> = {};
  for (const [name, value] of Object.entries(requested)) {
    const field = plan.fields.find((f) => f.name === name);
    if (!field) warnings.push(configDiagnostic(name, `"${name}" is not a field of this connector; it was dropped`, `known fields: ${plan.fields.map((f) => f.name).join(', ')}`));
    else if (value === REDACTED) {
      if (previous[name] !== undefined) config[name] = previous[name];
    } else if (field.type === 'checkbox') {
      const ticked = tickedBox(value);
      if (ticked === undefined) warnings.push(configDiagnostic(name, `"${value}" is not a yes or a no for "${name}"; it was left unticked`, 'send true or false'));
      if (ticked) config[name] = 'true';
    } else {
      const kept = field.type === 'url' ? value.trim().replace(/\/+$/, '') : value;
      if (kept !== '') config[name] = kept;
    }
  }
  return { config, warnings };
}

/** A checkbox field's value: ticked, not, or neither (undefined). The extension sends `true` or nothing; an API caller may say it otherwise. */
function tickedBox(value: string): boolean | undefined {
  const word = value.trim().toLowerCase();
  if (['true', 'yes', 'on', '1'].includes(word)) return true;
  if (['false', 'no', 'off', '0', ''].includes(word)) return false;
  return undefined;
}

export function configDiagnostic(field: string, message: string, hint: string): DiagnosticJson {
  return { line: null, col: null, path: `config.${field}`, message, hint, severity: 'warning', code: 'config' };
}

/** Config as the API shows it: secrets masked with the engine's own rule. */
export function maskedConfig(plan: Pick<ConnectorPlan, 'fields'> | undefined, config: Record<string, string>): Record<string, string> {
  if (!plan) return Object.fromEntries(Object.keys(config).map((k) => [k, REDACTED]));
  const secrets = new Set(secretValues(plan, config));
  return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, secrets.has(v) ? REDACTED : v]));
}

/** `{public-url}/hooks/{uid}/{secret}/{event}` for each event. */
export function callbackUrls(publicUrl: string, instance: { uid: string; secret: string }): Required<CallbackUrls> {
  const base = `${publicUrl}/hooks/${instance.uid}/${instance.secret}`;
  return { answer: `${base}/answer`, status: `${base}/status`, incoming: `${base}/incoming` };
}
