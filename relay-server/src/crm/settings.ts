/** The relay's CRM timings; the wrap-up window can be set with CRM_WRAP_UP_SECONDS (config.ts). */
export interface CrmSettings {
  /** How long a new call's first event waits for its caller's contact (a cache hit does not wait). */
  holdMs: number;
  /** A CRM that cannot update a logged call (Pipedrive): how long after the end its log waits for the agent's notes. */
  wrapUpMs: number;
}

export const CRM_DEFAULTS: CrmSettings = { holdMs: 300, wrapUpMs: 5 * 60_000 };
