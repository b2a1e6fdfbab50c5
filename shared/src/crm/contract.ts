import type { CallDirection } from '../record/call-record.ts';
import type { CallStatus } from '../record/call-status.ts';

/**
 * The seam between the CRM connector engine (this folder) and the relay that runs it: what a
 * CRM connector can do for a call, in the relay's words. The relay never builds a CRM request
 * itself; the engine never stores anything.
 */

/** A CRM record that matches a number (Call JSON `contact` and `contacts[]`, DESIGN.md). */
export interface Contact {
  /** The CRM's own id (`4x123`, `003D000000QsTTuIAN`). */
  id: string;
  name: string;
  company: string | null;
  /** Where the record opens in the CRM, when the connector knows. */
  url: string | null;
  /**
   * What kind of record it is: the name of the connector's `<search>` that found it (`Contacts`,
   * `Leads`). `log_call` links by it (`@call_contact_kind`): Vtiger takes a Contact in an Event's
   * `contact_id` but a Lead only in `parent_id`, and its id prefixes differ per install.
   * Optional: contacts stored before it existed have none.
   */
  kind?: string;
}

/** The CRM log of a call (Call JSON `crm_log`). */
export interface CrmLog {
  state: 'pending' | 'logged' | 'failed' | 'skipped';
  /** The CRM's id of the call activity, once created. */
  id: string | null;
  url: string | null;
  /** The CRM's reason, when the last attempt failed. */
  error: string | null;
}

/**
 * A call as a CRM connector's `log_call` and `update_call` see it: each field is a template
 * variable `@call_<name>` (`@call_direction`, `@call_duration`, ...). Times are ISO 8601 UTC.
 */
export interface CrmCall {
  /** The relay's id of the call. */
  id: number;
  /** The provider's call id. */
  call_id: string;
  direction: CallDirection;
  /** The customer's number, E.164. */
  customer_number: string;
  agent_number: string | null;
  agent_name: string | null;
  agent_email: string | null;
  /** The CRM user the agent is (`find_user`), whom the call is logged for; null when unknown. */
  agent_crm_id?: string | null;
  status: CallStatus | null;
  started_at: string | null;
  ended_at: string | null;
  /** Seconds. */
  duration: number | null;
  notes: string | null;
  disposition: string | null;
  recording_url: string | null;
  /** The contact the log is linked to (matched or chosen), if any. */
  contact_id: string | null;
  /** That contact's `kind`: the `<search name>` that found it (`Contacts`, `Leads`). */
  contact_kind?: string | null;
}

/** What one CRM operation came to. */
export type CrmOutcome<T> =
  | { ok: true; value: T }
  | {
      ok: false;
      /** The CRM's own message (or the network's), safe to show and log: no secrets. */
      error: string;
      /** Worth trying again later (network, 429, 5xx, an expired session); false for 4xx validation or auth. */
      retry: boolean;
      /** The CRM's Retry-After, in milliseconds, when it sent one. */
      retryAfterMs?: number;
      status?: number;
    };

/** A CRM connector bound to one instance's config: what the relay calls. */
export interface CrmSession {
  readonly name: string;
  /**
   * Whether a logged call can be changed later. False (Pipedrive call logs): the relay logs
   * once, when everything is known (the call is final and its notes are in or waited for).
   */
  readonly canUpdate: boolean;
  /**
   * Every record whose phone matches `number` (E.164), best first; empty when none does.
   * `onSearched` hears whom the search found, before follow-ups still due add their fields (Vtiger:
   * the company, from the contact's account, a round trip later); called only when they are still
   * due `SEARCHED_AFTER_MS` after the search answered (session.ts), not when none is due.
   */
  findContacts(number: string, onSearched?: (contacts: Contact[]) => void): Promise<CrmOutcome<Contact[]>>;
  /**
   * The most numbers `findContactsOf` puts in one search request (the connector's largest
   * `<batch size>`); 1, or absent, when each number costs its own requests.
   */
  readonly lookupBatch?: number;
  /**
   * `findContacts` for several numbers at once, in as few requests as the connector's batches
   * allow: each number's contacts, in the order of `numbers`. One failure fails them all.
   * `onSearched` as for `findContacts`, each number's contacts in the order of `numbers`.
   */
  findContactsOf?(numbers: readonly string[], onSearched?: (found: Contact[][]) => void): Promise<CrmOutcome<Contact[][]>>;
  /** Creates the call activity; gives its CRM id and URL. */
  logCall(call: CrmCall): Promise<CrmOutcome<{ id: string; url: string | null }>>;
  /**
   * Finds the activity an earlier `logCall` of this call created, by the CRM's natural key (Vtiger
   * PBXManager `sourceuuid`, a Salesforce external id, a HubSpot unique property); null when there
   * is none. The relay asks before creating again when it cannot know whether an attempt landed
   * (it died between the CRM's answer and its own commit). Absent when the connector has no such key.
   */
  findCallLog?(call: CrmCall): Promise<CrmOutcome<{ id: string; url: string | null } | null>>;
  /**
   * The id of the CRM user whose email is `email` (the agent's), for `logCall`'s
   * `@call_agent_crm_id`; null when the CRM lists no such user. Absent when the connector has no
   * `<find_user>`.
   */
  findUser?(email: string, name?: string | null): Promise<CrmOutcome<string | null>>;
  /** Updates the activity created by `logCall` (notes, disposition, recording, final status). */
  updateCall(recordId: string, call: CrmCall): Promise<CrmOutcome<{ url: string | null }>>;
  /**
   * Resolves the connector's token chain (Vtiger's challenge and login) into the session's cache, so
   * its next operation sends only its own request; nothing to do for a connector without token steps.
   * Absent on a session that never logs in.
   */
  signIn?(): Promise<CrmOutcome<void>>;
  /** The dispositions an agent may pick, from the connector (declared or fetched). */
  dispositions(): Promise<CrmOutcome<string[]>>;
  /** The CRM's "new contact" form prefilled with `number`, when the connector declares one. */
  newContactUrl(number: string): string | null;
}
