/**
 * The one door between the relay and the CRM connector engine (`@phone-connector/shared`):
 * loading a `<connector for="CRM">` and binding it to an instance's config. The relay's CRM
 * rules take a `CrmEngine`, so tests can hand them a scripted one (scripted-crm.ts); production
 * runs the sessions on a thread of their own (crm-thread.ts).
 */
import { type CrmConnectorPlan, type CrmSession, type CrmSessionOptions, type Diagnostic, loadCrmConnector, openCrmSession } from '@phone-connector/shared';

export type { CrmConnectorPlan, CrmSessionOptions, TokenCache } from '@phone-connector/shared';

/** The operations a `CrmSession` runs against the CRM (the rest of it is data). */
export type CrmOperation = 'findContacts' | 'findContactsOf' | 'logCall' | 'findCallLog' | 'findUser' | 'updateCall' | 'dispositions' | 'signIn';

/** A request's place under its connector's `<limits>` (RatePacer.acquire): waited for, and given what says the request ended. */
export type CrmPace = (operation: string | undefined) => Promise<() => void>;

/** How the relay opens a session: the engine's options, and the connector's pacing when it declares `<limits>` (already in `fetch`, for an engine that sends with it). */
export interface RelaySessionOptions extends CrmSessionOptions {
  pace?: CrmPace;
}

/** What the relay asks of the engine. */
export interface CrmEngine {
  load(xml: string, file: string): { plan?: CrmConnectorPlan; diagnostics: Diagnostic[] };
  open(plan: CrmConnectorPlan, options: RelaySessionOptions): CrmSession;
  /** A session the relay no longer uses (its instance changed or lost its CRM). */
  release?(session: CrmSession): void;
  /** Sessions will be opened on this plan: an engine with a thread compiles it there now, not at the first session's first call, and keeps it for as long as it runs. */
  prepare?(plan: CrmConnectorPlan): void;
  /** The relay has, or has just been given, an instance with a CRM: get ready to run sessions (an engine with a thread starts it); resolves once ready. */
  start?(): Promise<void>;
  /** The relay is stopping. */
  close?(): Promise<void>;
}

/** The engine on the relay's main thread: its sessions send with the `fetch` they are opened with. */
export const crmEngine: CrmEngine = { load: loadCrmConnector, open: openCrmSession };
