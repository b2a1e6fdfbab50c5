/** The relay's CRM timings; the wrap-up window can be set with CRM_WRAP_UP_SECONDS (config.ts). */
export interface CrmSettings {
  /** How long a new call's first event waits for its caller's contact (a cache hit does not wait). */
  holdMs: number;
  /** A CRM that cannot update a logged call (Pipedrive): how long after the end its log waits for the agent's notes. */
  wrapUpMs: number;
  /**
   * A call that ends while its caller's lookup is running: how long its log waits for the
   * contact at most. Logging first meant a second CRM request (an update linking the contact)
   * for most calls of a busy relay; the lookup's end, whatever it found, lets the log go.
   */
  logWaitsForLookupMs: number;
}

export const CRM_DEFAULTS: CrmSettings = { holdMs: 300, wrapUpMs: 5 * 60_000, logWaitsForLookupMs: 15_000 };
