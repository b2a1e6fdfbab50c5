import { storage } from '#imports';
import type { ConnectionState } from './relay/relay-socket.ts';

/**
 * Every setting the extension keeps, in one place, each a typed item in storage.local
 * (never sync: tokens and provider secrets must not leave the machine).
 */

export interface RelaySettings {
  /** Base URL of the relay, e.g. https://relay.example.com */
  url: string;
  /** The agent's bearer token, printed once by `pnpm relay agent add`. */
  token: string;
}

export interface ProviderSettings {
  /** A bundled connector id (`twilio`), or undefined when customXml is used. */
  connectorId?: string;
  customXml?: string;
  /** Config values by field name. */
  config: Record<string, string>;
  /** This extension's instance id at the relay. */
  instanceId: string;
}

/**
 * The CRM the relay looks callers up in and logs calls to, for this extension's instance: a
 * bundled CRM connector (`vtiger`) or the agent's own XML, and its config (CRM access keys:
 * storage.local only, sent to nobody but the relay).
 */
export interface CrmSettings {
  /** A bundled CRM connector id; neither it nor customXml: no CRM. */
  connectorId?: string;
  customXml?: string;
  config: Record<string, string>;
}

export interface AgentSettings {
  /** The agent's own phone number or extension (@extension). */
  extension: string;
  email: string;
  /** Caller ID when the connector has no callerid field (@callerid). */
  callerid: string;
  /** Extra profile fields, read as @user_<name>. */
  fields: Record<string, string>;
}

export interface EnabledSite {
  /** Match pattern, e.g. `https://acme.od2.vtiger.com/*`. */
  pattern: string;
  /** The preset it came from, if any; decides the "Open in CRM" search URL. */
  preset?: string;
  /** Custom search URL with {query}, for sites without a preset. */
  searchUrl?: string;
}

export interface CallbackUrls {
  answer?: string;
  status?: string;
  incoming?: string;
}

export const relaySettings = storage.defineItem<RelaySettings>('local:relay', { fallback: { url: '', token: '' }, version: 1 });
export const providerSettings = storage.defineItem<ProviderSettings>('local:provider', {
  fallback: { connectorId: 'twilio', config: {}, instanceId: 'default' },
  version: 1,
});
export const crmSettings = storage.defineItem<CrmSettings>('local:crm', { fallback: { config: {} }, version: 1 });
export const agentSettings = storage.defineItem<AgentSettings>('local:agent', { fallback: { extension: '', email: '', callerid: '', fields: {} }, version: 1 });
export const enabledSites = storage.defineItem<EnabledSite[]>('local:sites', { fallback: [], version: 1 });
/** ISO country used to read national numbers; the browser's locale until the agent picks one. */
export const defaultCountry = storage.defineItem<string>('local:defaultCountry', { fallback: '', version: 1 });
/** The callback URLs the relay generated for this extension's instance. */
export const callbackUrls = storage.defineItem<CallbackUrls>('local:callbacks', { fallback: {}, version: 1 });
/**
 * The number the relay has for this agent (GET /me), read at each connection: the phone it rings
 * for the team's calls, which may differ from the one typed in the options for click to call.
 */
export const relayNumber = storage.defineItem<string | null>('local:relayNumber', { fallback: null, version: 1 });
/**
 * Since when the relay has this agent away (GET /me's `away_since`), null while available: the
 * team's calls ring the colleagues. Read at each connection and set by the toolbar popup's switch;
 * the toolbar badge says it.
 */
export const awaySince = storage.defineItem<string | null>('local:awaySince', { fallback: null, version: 1 });
/** When the relay makes this agent available again on their own (GET /me's `away_until`), null when they did not say. */
export const awayUntil = storage.defineItem<string | null>('local:awayUntil', { fallback: null, version: 1 });

/** The agent's presence as the relay last said it (`GET`/`PATCH /me`, the socket's agent message): kept for the badge and the popup. */
export async function keepPresence(said: { away_since: string | null; away_until?: string | null }): Promise<void> {
  await Promise.all([awaySince.setValue(said.away_since), awayUntil.setValue(said.away_until ?? null)]);
}
/**
 * Whether locking this computer makes the agent away (and unlocking it available again): an agent
 * who leaves the desk locks the screen more surely than they flip the switch. On unless turned off
 * in the toolbar popup.
 */
export const awayWhileLocked = storage.defineItem<boolean>('local:awayWhileLocked', { fallback: true, version: 1 });
/**
 * The agent is away because this computer was locked (background/lock-away.ts), so unlocking it
 * makes them available again; false when they are away by their own say (the switch, another
 * browser, an admin), which unlocking leaves alone.
 */
export const awayForLock = storage.defineItem<boolean>('local:awayForLock', { fallback: false, version: 1 });
/** The last WebSocket event seq handled, so a reconnect resumes exactly after it; null before the first connection. */
export const lastSeq = storage.defineItem<number | null>('local:lastSeq', { fallback: null, version: 1 });

/**
 * Missed inbound calls the agent has not looked at yet (the toolbar badge counts them), and the
 * highest relay call id already shown in the toolbar's list: relay ids grow, so a call at or
 * below it was seen, even when a later event about it arrives after a restart.
 */
export interface MissedCalls {
  unseen: number[];
  seenThrough: number;
  /** The missed calls whose voicemail was counted, the last 50: a message left on a call already seen counts it again, once. */
  voicemails?: number[];
}
export const missedCalls = storage.defineItem<MissedCalls>('local:missedCalls', { fallback: { unseen: [], seenThrough: 0 }, version: 1 });


/** The browser's country (`en-IN` -> `IN`), else US. */
export function localeCountry(locale: string = navigator.language): string {
  const region = /[-_]([A-Za-z]{2})\b/.exec(locale)?.[1];
  return region ? region.toUpperCase() : 'US';
}

export async function resolvedDefaultCountry(): Promise<string> {
  return (await defaultCountry.getValue()) || localeCountry();
}

export interface ConnectionStatus {
  state: ConnectionState;
  detail?: string;
  since: number;
}

/** Written by the background, watched by the options page and the toolbar popup. */
export const connectionStatus = storage.defineItem<ConnectionStatus>('local:connection', { fallback: { state: 'not-configured', since: 0 }, version: 1 });
