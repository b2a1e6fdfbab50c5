import type { CrmOutcome } from '@phone-connector/shared';

/**
 * The messages between the relay's main thread and its CRM thread (crm-thread.ts, crm-thread-worker.ts):
 * plain data only, structured-cloned by postMessage.
 */

/** What the thread needs at its start. */
export interface CrmThreadData {
  /** Where bundled CRM connectors are read from, by id. */
  bundledDir: string;
  requestTimeoutMs: number;
}

/** Where a session's connector comes from: a bundled one by id, or an instance's own XML (with the file name its diagnostics use). */
export type CrmSource = { connector: string } | { xml: string; file: string };

/** The async operations of a `CrmSession`, which the thread runs. */
export type CrmThreadOperation = 'findContacts' | 'findContactsOf' | 'logCall' | 'findCallLog' | 'updateCall' | 'dispositions';

/** What the thread needs to open one instance version's session. */
export interface CrmThreadSession {
  /** The instance: the key its requests are paced under. */
  instanceUid: string;
  source: CrmSource;
  config: Record<string, string | undefined>;
  defaultCountry: string | undefined;
  followUpTtlMs: number;
  /** Whether the connector declares `<limits>`: each request then asks the main thread first (`acquire`). */
  paced: boolean;
}

export type ToCrmThread =
  | ({ type: 'open'; session: number } & CrmThreadSession)
  | { type: 'call'; id: number; session: number; operation: CrmThreadOperation; args: unknown[] }
  | { type: 'drop'; session: number }
  | { type: 'acquired'; id: number };

export type FromCrmThread =
  | { type: 'answer'; id: number; outcome: CrmOutcome<unknown> }
  | { type: 'acquire'; id: number; instanceUid: string; operation: string | undefined }
  | { type: 'release'; id: number };
