/**
 * What every CRM simulator offers a test, whichever CRM it speaks: seeded contacts, the call
 * activities the relay wrote, every request it received, and switches for the failures a CRM
 * really has (rate limits, outages, slowness). What a CRM says, and in which shape, stays in
 * that CRM's simulator (vtiger.ts, hubspot.ts, ...).
 */

/** A person as seeded; each simulator stores it in its CRM's own fields and id format. */
export interface SeedContact {
  firstName: string;
  lastName: string;
  company?: string;
  /** As a person typed them: `(415) 555-0100`, `+44 20 7946 0018`, `020 7946 0018`. */
  phones: string[];
  /** Seeded as a Lead (Vtiger, Zoho, Salesforce) rather than a Contact. */
  lead?: boolean;
  /** Deleted in the CRM: a search must not find it. */
  deleted?: boolean;
}

/** A user of the CRM, as seeded: the account an agent works in it with. */
export interface SeedUser {
  email: string;
  firstName: string;
  lastName: string;
}

/** A call activity as the CRM holds it, in the CRM's own field names. */
export interface StoredActivity {
  id: string;
  fields: Record<string, unknown>;
  /** How often it was updated after creation. */
  updates: number;
}

export interface RecordedCrmRequest {
  method: string;
  /** Path and query, as received. */
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The status the simulator answered; 0 until the answer is sent (held, or travelling back from a CRM far away). */
  status: number;
  /** When it arrived (ms since the epoch): how far apart a client spaced its retries. */
  at: number;
}

/** A failure the simulator answers with, instead of doing the work. */
export interface InjectedFailure {
  /** HTTP status: 429, 500, 503, 401, or the CRM's own (Salesforce 403 REQUEST_LIMIT_EXCEEDED). */
  status: number;
  /** Retry-After in seconds, when the CRM sends one. */
  retryAfterSeconds?: number;
}

export interface CrmSimulator {
  /** The base address a connector's config points at (for Vtiger, the site URL). */
  readonly url: string;
  /** A connector config that works against this simulator (e.g. `{url, username, accesskey}`). */
  readonly config: Record<string, string>;
  /** Adds contacts; returns their CRM ids, in order. */
  seed(contacts: SeedContact[]): string[];
  /** Adds a user of the CRM (an agent's own account: whom a call activity is recorded for); returns its CRM id. */
  seedUser(user: SeedUser): string;
  /** The call activities written so far, oldest first. */
  activities(): StoredActivity[];
  /** Every request received, oldest first. */
  readonly requests: RecordedCrmRequest[];
  /**
   * The next `times` requests (whose URL, path and query, matches `path`, if given; for Vtiger the URL
   * and, after a newline, the form body) fail with `failure`, in the CRM's own error shape.
   */
  failNext(times: number, failure: InjectedFailure, path?: RegExp): void;
  /** Down: connections are refused (or reset) until `up()`. */
  /** From now on, refuses requests past the CRM's published rate limits with its own 429 (the CRMs that publish some); `now` (ms), a test's clock, says when each request arrives. */
  enforceRateLimits(now?: () => number): void;
  down(): Promise<void>;
  up(): Promise<void>;
  /** Holds contact searches unanswered until the returned release is called (a slow CRM). */
  holdSearches(): () => void;
  /** From now on each answer is sent `ms` after it is ready (a CRM that far away; `travel` is the wait, a timer unless a test holds it); 0 ends it. */
  roundTrip(ms: number, travel?: (ms: number) => Promise<void>): void;
  /**
   * Holds the requests matching `pattern` (tested as `failNext`'s) unanswered until the returned
   * release; each is then done and answered as usual, even if its client has gone meanwhile (the
   * relay killed between sending a create and reading the CRM's answer).
   */
  holdRequests(pattern: RegExp): () => void;
  close(): Promise<void>;
}
