import type { ConnectorPlan } from '../connector/plan.ts';
import type { TemplateScope } from '../template/render.ts';
import { callbackUrl, type CallbackUrls } from './callbacks.ts';

/** The agent who places or receives calls, as templates see them (`@extension`, `@user_*`). */
export interface AgentProfile {
  /** The agent's own phone number or extension. */
  extension?: string;
  email?: string;
  /** Caller ID to present, when the connector has no `callerid` config field. */
  callerid?: string;
  /** Any other profile fields, read as `@user_<name>`. */
  fields?: Record<string, string>;
}

export interface RunContext {
  /** Config values, by field name. */
  config: Record<string, string | undefined>;
  agent?: AgentProfile;
  callbacks?: CallbackUrls;
  /** ISO country used to read national numbers (`US`, `IN`). */
  defaultCountry?: string;
  /** Extra variables, highest precedence (`@to_number`, record fields in callbacks). */
  vars?: Record<string, string | undefined>;
  /** Per-request credentials minted by resolveAuth (JWTs), by auth method index. */
  resolvedAuth?: Record<number, string>;
}

/**
 * Builds the template scope: agent profile, callback URLs (relay-provided, else the config
 * fields of the same name, as in Vtiger's connectors), `@callerid` from the config field when
 * declared, else the agent's caller ID.
 */
export function buildScope(plan: ConnectorPlan, context: RunContext): TemplateScope {
  const { config, agent = {}, callbacks } = context;
  const vars: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(agent.fields ?? {})) vars[`user_${name}`] = value;
  vars.extension = agent.extension;
  vars.email = agent.email;
  vars.from_number = agent.extension;
  const { configLabels, hasCallerIdField } = fieldFacts(plan);
  vars.callerid = (hasCallerIdField ? config.callerid : undefined) || agent.callerid;
  vars.answer_callback = callbackUrl(callbacks, config, 'answer');
  vars.status_callback = callbackUrl(callbacks, config, 'status');
  vars.answer_status_callback = vars.status_callback;
  vars.incoming_callback = callbackUrl(callbacks, config, 'incoming');
  for (const [name, value] of Object.entries(context.vars ?? {})) if (value !== undefined) vars[name] = value;
  return { config, vars, defaultCountry: context.defaultCountry, configLabels };
}

/** What a plan's config fields tell every scope, worked out once per plan (a plan does not change). */
const planFieldFacts = new WeakMap<ConnectorPlan, { configLabels: Readonly<Record<string, string>>; hasCallerIdField: boolean }>();

/**
 * A scope is built up to three times per webhook (signature, mapping, reply): the labels'
 * object was rebuilt each time for error messages that are seldom written (issue 13).
 */
function fieldFacts(plan: ConnectorPlan) {
  let facts = planFieldFacts.get(plan);
  if (!facts) {
    facts = { configLabels: Object.fromEntries(plan.fields.map((f) => [f.name, f.label])), hasCallerIdField: plan.fields.some((f) => f.name === 'callerid') };
    planFieldFacts.set(plan, facts);
  }
  return facts;
}
