import { z } from 'zod';
import type { Contact } from '../crm/contract.ts';
import type { CallView } from '../record/call-view.ts';
import { type OpenNow, type OpeningHours, openingHoursSchema } from './opening-hours.ts';

/**
 * Bodies of the agent API, `/api/v1` (docs/relay.md): the relay validates requests with these
 * schemas, the extension builds them and reads the answers with these types.
 */

/** `PATCH /me`: the agent's own number, email and profile fields (null clears one). */
export const mePatchSchema = z.object({
  number: z.string().max(64).optional(),
  email: z.string().max(254).nullable().optional(),
  profile: z
    .record(z.string().regex(/^[a-z0-9_]{1,64}$/, 'profile keys are [a-z0-9_]{1,64}'), z.string().max(1024).nullable())
    .optional(),
  /** Away: the team's incoming calls leave the agent out while a colleague is available (docs/relay.md). */
  away: z.boolean().optional(),
  /**
   * With `away: true` (or for an agent away already): when the relay makes them available again on
   * its own (ISO time, in the next `MAX_AWAY_HOURS` hours); null, away until they say otherwise.
   */
  away_until: z.string().datetime({ offset: true }).nullable().optional(),
});
export type MePatch = z.input<typeof mePatchSchema>;

/** `GET /me`, `PATCH /me`. */
export interface AgentView {
  id: string;
  name: string;
  number: string | null;
  email: string | null;
  profile: Record<string, string>;
  admin: boolean;
  /** Since when the agent is away (ISO time); null while available. */
  away_since: string | null;
  /** When the relay makes the agent available again (ISO time); null while available or away until they say. */
  away_until: string | null;
}

/** How far ahead an agent may set their return (`away_until`): a week. */
export const MAX_AWAY_HOURS = 7 * 24;

/** One agent of the relay as `GET /team` shows them to their colleagues. */
export interface TeamMember {
  id: string;
  name: string;
  /** Since when they are away (ISO time); null while available. */
  away_since: string | null;
  /** When they come back on their own (ISO time), if they said. */
  away_until: string | null;
  /** On a call now (one they placed, or one their phone took), as routing reads it. */
  on_call: boolean;
}

/**
 * `GET /team`: the relay's agents, oldest first (the first `TEAM_LIST_MAX`), and how many of all
 * of them are available (and of those, on a call) or away: whom the team's calls ring.
 */
export interface TeamView {
  agents: TeamMember[];
  /** Agents beyond those listed. */
  more: number;
  counts: { agents: number; available: number; available_on_call: number; away: number };
  /** The calls that would ring the agent (a team's number, or the agent's own) go to voicemail while every agent they reach is away, rather than ringing them all. */
  away_voicemail: boolean;
  /**
   * Outside the opening hours of a number whose calls would ring the agent, its callers going to
   * voicemail (every agent counts as away then): until when (ISO time; null, no opening within a
   * year); null while none is closed.
   */
  closed: { until: string | null } | null;
}

/** The agents `GET /team` lists at most: a toolbar popup's worth. */
export const TEAM_LIST_MAX = 200;

/** A custom connector's XML: the biggest body the API takes. */
export const MAX_CONNECTOR_XML_CHARS = 256 * 1024;

const connectorConfigSchema = z.record(z.string().max(128), z.string().max(4096)).default({});

/** An instance's CRM: a bundled CRM connector's id (`connectors/crm/<id>.xml`) or a custom one's XML, and its config. */
export const crmSetupSchema = z.object({
  connector: z.string().max(128).optional(),
  xml: z.string().max(MAX_CONNECTOR_XML_CHARS).optional(),
  config: connectorConfigSchema,
});
export type CrmSetup = z.input<typeof crmSetupSchema>;

/**
 * `PUT /instances/:id`: a bundled connector's id or a custom connector's XML, and its config;
 * `crm` sets up the CRM the relay looks callers up in and logs calls to, `hours` the number's
 * opening hours (each: null removes it; absent keeps what the instance had).
 */
export const instanceBodySchema = z.object({
  connector: z.string().max(128).optional(),
  xml: z.string().max(MAX_CONNECTOR_XML_CHARS).optional(),
  config: connectorConfigSchema,
  crm: crmSetupSchema.nullable().optional(),
  hours: openingHoursSchema.nullable().optional(),
});
export type InstanceBody = z.input<typeof instanceBodySchema>;

/**
 * `PATCH /calls/:id`: the agent's notes and disposition (null clears one), and `contact_id`,
 * the CRM record picked among several matches (the CRM log follows it).
 */
export const callNotesSchema = z.object({
  notes: z.string().max(10_000).nullable().optional(),
  disposition: z.string().max(200).nullable().optional(),
  contact_id: z.string().max(200).optional(),
});
export type CallNotes = z.input<typeof callNotesSchema>;

/** `GET /instances`, `GET|PUT /instances/:id`: an instance as the agent sees it (secrets masked). */
export interface InstanceView {
  id: string;
  connector: string | null;
  name: string;
  config: Record<string, string>;
  callbacks: { answer: string; status: string; incoming: string };
  warnings: unknown[];
  /** The CRM set up on the instance (secrets masked), or null. */
  crm: { connector: string; name: string; config: Record<string, string>; warnings: unknown[] } | null;
  /** The number's opening hours, or null: open at all hours. */
  hours: OpeningHours | null;
  /** With hours: whether the number is open now, and until when. */
  open_now: OpenNow | null;
  /** Callers go straight to voicemail while every agent is away, as they are outside the opening hours (the connector's `away_voicemail`). */
  away_voicemail: boolean;
}

/*
 * The CRM part of the agent API (issue 10; docs/relay.md):
 * - `PUT /instances/:id` with `crm` (above); `GET /instances[/:id]` shows it as `InstanceView.crm`;
 * - `GET /crm-connectors`: the bundled CRM connectors (`ConnectorInfo[]`);
 * - `GET /instances/:id/crm/dispositions` -> `DispositionList`;
 * - `POST /instances/:id/crm/test {number}` -> `CrmTestResult` (runs a lookup now, uncached);
 * - `PATCH /calls/:id {notes?, disposition?, contact_id?}` -> the call; the CRM log follows;
 * - `POST /calls/:id/crm-log/retry` -> the call, its `crm_log` pending again (after `failed`).
 */

/** `GET /instances/:id/crm/dispositions`: what the wrap-up form needs of the instance's CRM. */
export interface DispositionList {
  /** What the agent may pick as the call's outcome. */
  dispositions: string[];
  /** The CRM's name (its connector's), for the form's words. */
  crm: string;
  /**
   * Whether the CRM's record of a call follows later notes and outcome (the connector has
   * `update_call`): Pipedrive's call logs do not change once written, so what an agent saves
   * after the log stays in the relay's call log.
   */
  updates_logged_calls: boolean;
}

/** `POST /instances/:id/crm/test {number}`: a lookup run now, for "Test connection". */
export interface CrmTestResult {
  ok: boolean;
  contacts: Contact[];
  /** The CRM's reason, when it failed. */
  error: string | null;
  /**
   * Whom the agent's calls are logged for: the CRM user with the agent's email (`id`), none
   * (`id` null: the connector's default owner), or why the CRM's users could not be read.
   * `email` null: the relay has no email for the agent. Absent when the connector cannot tell
   * which CRM user an agent is (no `<find_user>`).
   */
  user?: { email: string | null; id: string | null; error: string | null };
}

/** `GET /connectors` (telephony) and `GET /crm-connectors` (CRMs): a bundled connector and the config fields its form needs. */
export interface ConnectorInfo {
  id: string;
  name: string;
  fields: Array<{ name: string; label: string; type: string; mandatory: boolean; callbackUrl: boolean }>;
}

/** `GET /calls`: a page of the agent's calls, newest first. */
export interface CallPage {
  calls: CallView[];
  /** Where the next page starts; null on the last one. */
  next_cursor: string | null;
}
