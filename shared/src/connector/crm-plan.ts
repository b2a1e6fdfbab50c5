import type { PayloadPath } from '../payload/path.ts';
import type { Template } from '../template/ast.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { CRM_METHODS, CRM_OPERATIONS, CRM_PARAMETER_TYPES, FIND_MODES } from './grammar-crm.ts';
import type { AuthPlan, ConfigField, HeaderPlan } from './plan.ts';

/** A CRM connector compiled once (`<connector for="CRM">`); the CRM runtime is a function of it. */
export interface CrmConnectorPlan {
  kind: 'CRM';
  file: string;
  name: string;
  fields: ConfigField[];
  crm: { url: Template; auth: AuthPlan[]; headers: HeaderPlan[]; envelope: EnvelopePlan };
  maps: ValueMapPlan[];
  findContact: FindContactPlan;
  logCall: OperationPlan;
  /** Absent when the CRM cannot change a logged call. */
  updateCall?: OperationPlan & { relink?: RelinkPlan };
  findCall?: FindCallPlan;
  /** Absent when the connector cannot tell which CRM user an agent is. */
  findUser?: FindUserPlan;
  dispositions: DispositionsPlan;
  newContactUrl?: Template;
  /** `<limits>`: the request rates the relay keeps to; empty when the connector declares none. */
  limits: RateLimitPlan[];
  warnings: Diagnostic[];
}

/** One `<rate>`: at most `requests` in any `perMs`, counting the requests of `operations` (all of them when absent). */
export interface RateLimitPlan {
  requests: number;
  perMs: number;
  operations?: Array<(typeof CRM_OPERATIONS)[number]>;
}

export type CrmMethod = Uppercase<(typeof CRM_METHODS)[number]>;
export type CrmParameterType = (typeof CRM_PARAMETER_TYPES)[number];

export interface EnvelopePlan {
  success?: PayloadPath;
  /** Lower-cased values of `success` that mean success; absent: any value but a failure word. */
  in?: string[];
  /** A path only a failed answer holds (JSON-RPC's `error`): an answer holding it failed. */
  error?: PayloadPath;
  message?: PayloadPath;
  code?: PayloadPath;
  /** Codes meaning "session expired": renew the token chain and replay once. */
  renew: string[];
  /** Codes meaning "try again later". */
  retry: string[];
}

export interface ValueMapPlan {
  name: string;
  from: Template;
  /** Keys lower-cased. */
  values: Record<string, string>;
  default?: Template;
}

export interface CrmRequestPlan {
  method: CrmMethod;
  format: 'form' | 'json';
  url?: Template;
  headers: HeaderPlan[];
  parameters: CrmParameterPlan[];
}

export interface CrmParameterPlan {
  name: string;
  /** The name rendered at run time (inside a JSON object), instead of `name`. */
  key?: Template;
  type: CrmParameterType;
  optional: boolean;
  value?: Template;
  children: CrmParameterPlan[];
  /** `type="array"` only: its items rendered once per number of the search's `<batch>` of this name. */
  each?: string;
}

/** One value of an answer: a path, else a template. */
export interface ValuePlan {
  use?: PayloadPath;
  default?: Template;
}

export interface OperationPlan {
  request: CrmRequestPlan;
  /** By field: `id`, `url` (and `name`, `company` in follow-ups). */
  response: Record<string, ValuePlan>;
}

/** After update_call: the record linked to the call's contact and to no other (HubSpot's associations). */
export interface RelinkPlan {
  /** Lists the record's linked contacts: the request, the list in its answer, each contact's id in an item. */
  linked: { request: CrmRequestPlan; list: PayloadPath; id: PayloadPath };
  /** Sent when the listing lacks the call's contact (`@call_contact_id`). */
  link: CrmRequestPlan;
  /** Sent per listed contact other than the call's (`@linked_id`). */
  unlink: CrmRequestPlan;
}

export interface FindCallPlan extends OperationPlan {
  /** The config field that must be set for the session to offer find_call. */
  when?: string;
  /** HTTP statuses that mean "no such activity". */
  missing: number[];
}

/** find_user: the user whose email is the agent's, in the answer's list; `response.id` read inside that user. */
export interface FindUserPlan extends OperationPlan {
  list: PayloadPath;
  email: PayloadPath;
  /** HTTP statuses that mean "no such user". */
  missing: number[];
  /** Where the answer says more users follow, for a CRM that lists them by pages; absent: one request. */
  more?: PayloadPath;
  /** With `more`: the most pages asked for one agent. */
  pages: number;
}

export interface FindContactPlan {
  mode: (typeof FIND_MODES)[number];
  variants: Array<{ name: string; value: Template }>;
  searches: SearchPlan[];
}

export interface SearchPlan {
  name: string;
  /** Runs only when the searches before it found no one. */
  fallback: boolean;
  /** Several numbers per request (`<batch>`); without it, one. */
  batch?: BatchPlan;
  request: CrmRequestPlan;
  list: PayloadPath;
  record?: PayloadPath;
  phones: PayloadPath[];
  fields: { id: ValuePlan; name?: ValuePlan; company?: ValuePlan; url?: ValuePlan };
  followUps: Array<{ when?: string } & OperationPlan>;
}

/**
 * `<batch>`: a search's part per number, joined into one variable its request reads; or, without
 * text, the numbers a `<parameter each="NAME">` array renders its items for (HubSpot's `IN` values).
 */
export interface BatchPlan {
  /** The variable the joined parts are (`@NAME`), and the name `each` gives. */
  name: string;
  /** One number's part, rendered with that number's variables; absent when the request reads the numbers through `each` only. */
  part?: Template;
  /** Numbers per request at most. */
  size: number;
  join: string;
  /** An answer listing this many candidates may be cut: its numbers are searched again one by one. */
  limit?: number;
}

export interface DispositionsPlan {
  declared: string[];
  request?: CrmRequestPlan;
  list?: PayloadPath;
  /** Keeps the list's items whose value at `path` is `value` (Zoho: the field whose api_name is Call_Result). */
  where?: { path: PayloadPath; value: string };
  /** The list inside each kept item whose entries are the dispositions (Zoho: its pick_list_values). */
  options?: PayloadPath;
  label?: PayloadPath;
  /** Labels that are no choice, left out (Zoho's `-None-`). */
  except: string[];
}
