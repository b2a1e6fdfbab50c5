import type { CrmCall } from './contract.ts';

/** Every field of a CrmCall, once: the compiler rejects a field added to CrmCall and not here. */
const FIELDS: Record<keyof CrmCall, true> = {
  id: true,
  call_id: true,
  direction: true,
  customer_number: true,
  agent_number: true,
  agent_name: true,
  agent_email: true,
  agent_crm_id: true,
  status: true,
  started_at: true,
  ended_at: true,
  duration: true,
  notes: true,
  disposition: true,
  recording_url: true,
  contact_id: true,
  contact_kind: true,
};

/** Each field of a CrmCall is the template variable `@call_<field>` of a CRM connector. */
export const CRM_CALL_FIELDS = Object.keys(FIELDS) as Array<keyof CrmCall>;

/** Each field with its variable's name, written once: a name made per field and per call showed in a log step's profile (issue 10). */
const CALL_FIELD_VARIABLES = CRM_CALL_FIELDS.map((field) => [field, `call_${field}`] as const);

/**
 * The variables every CRM template may use: the call's fields, who called whom
 * (`@call_from_number`, `@call_to_number`: the customer and the agent, by direction), the number looked up (`@number`
 * E.164, `@national` its national significant digits, `@variant` the search form being tried),
 * the record being updated (`@record_id`), the clock (`@now`, ISO 8601 UTC), the agent, and the page
 * of users `find_user` asks for (`@page` from 1, `@cursor` the last answer's `more`).
 */
export const CRM_CALL_VARIABLES: readonly string[] = [
  ...CRM_CALL_FIELDS.map((field) => `call_${field}`),
  'call_from_number',
  'call_to_number',
  'number',
  'national',
  'variant',
  'record_id',
  'now',
  'extension',
  'email',
  'page',
  'cursor',
];

/** A call as template variables: `@call_<field>`, unset where the call has no value. */
export function callVariables(call: CrmCall): Record<string, string | undefined> {
  const vars: Record<string, string | undefined> = {};
  for (const [field, name] of CALL_FIELD_VARIABLES) {
    const value = call[field];
    vars[name] = value === null || value === undefined || value === '' ? undefined : String(value);
  }
  const [from, to] = call.direction === 'inbound' ? [vars.call_customer_number, vars.call_agent_number] : [vars.call_agent_number, vars.call_customer_number];
  vars.call_from_number = from;
  vars.call_to_number = to;
  return vars;
}
