import { z } from 'zod';
import type { CallView } from '../record/call-view.ts';

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
}

/** A custom connector's XML: the biggest body the API takes. */
export const MAX_CONNECTOR_XML_CHARS = 256 * 1024;

/** `PUT /instances/:id`: a bundled connector's id or a custom connector's XML, and its config. */
export const instanceBodySchema = z.object({
  connector: z.string().max(128).optional(),
  xml: z.string().max(MAX_CONNECTOR_XML_CHARS).optional(),
  config: z.record(z.string().max(128), z.string().max(4096)).default({}),
});
export type InstanceBody = z.input<typeof instanceBodySchema>;

/** `PATCH /calls/:id`: the agent's notes and disposition (null clears one). */
export const callNotesSchema = z.object({
  notes: z.string().max(10_000).nullable().optional(),
  disposition: z.string().max(200).nullable().optional(),
});
export type CallNotes = z.input<typeof callNotesSchema>;

/** `GET /connectors`: a bundled connector and the config fields its form needs. */
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
