/**
 * The relay's storage contract: the interface every adapter implements (`sqlite/`, and a
 * PostgreSQL one beside it in a later issue) and the shapes it stores. `open.ts` picks the
 * adapter. Every method that writes more than one row does so in one transaction.
 */
import type { CallView } from '@phone-connector/shared';
import type { CallUpdate } from '../calls/merge.ts';

export interface Agent {
  id: string;
  name: string;
  /** E.164. */
  number: string;
  email: string | null;
  /** Free profile fields, read by templates as `@user_<key>`. */
  profile: Record<string, string>;
  admin: boolean;
  createdAt: string;
}

export interface NewAgent {
  id: string;
  name: string;
  number: string;
  email: string | null;
  admin: boolean;
  /** SHA-256 of the token; the token itself is never stored. */
  tokenHash: string;
  createdAt: string;
}

export interface AgentPatch {
  number?: string;
  email?: string | null;
  profile?: Record<string, string>;
}

/** A connector set up by an agent: what the relay needs to take that provider's webhooks. */
export interface Instance {
  /** Global id, used in callback URLs. */
  uid: string;
  agentId: string;
  /** The id the agent chose, unique among that agent's instances. */
  localId: string;
  /** Bundled connector id, or `custom` when `xml` holds the connector. */
  connector: string;
  xml: string | null;
  config: Record<string, string>;
  /** Callback URL secret (URLs must be shown again, so it cannot be hashed). */
  secret: string;
  createdAt: string;
  updatedAt: string;
}

export interface InstanceInput {
  agentId: string;
  localId: string;
  connector: string;
  xml: string | null;
  config: Record<string, string>;
  at: string;
}

/** A call as the API and the WebSocket show it. */
export type Call = CallView;

export type EventKind = 'created' | 'updated';

/** One entry of an agent's event log. `call` is the Call JSON as it was at that moment. */
export interface AgentEvent {
  agentId: string;
  seq: number;
  kind: EventKind;
  call: string;
}

export interface SaveCallInput {
  instanceUid: string;
  callId: string;
  update: CallUpdate;
  /** Agents the call must reach; already linked agents are kept. */
  agentIds: readonly string[];
  at: string;
}

export interface SaveCallResult {
  call: Call;
  created: boolean;
  /** One per agent that must hear about it: `created` for agents new to the call, `updated` for the others when something changed. */
  events: AgentEvent[];
}

export interface CallQuery {
  number?: string;
  direction?: 'inbound' | 'outbound';
  since?: string;
  until?: string;
  limit: number;
  /** Only calls with an id below this one. */
  before?: number;
}

export interface CallNotes {
  notes?: string | null;
  disposition?: string | null;
}

export interface CallStore {
  addAgent(agent: NewAgent): Agent;
  listAgents(): Agent[];
  removeAgent(id: string): boolean;
  agentById(id: string): Agent | undefined;
  agentByTokenHash(tokenHash: string): Agent | undefined;
  updateAgent(id: string, patch: AgentPatch): Agent | undefined;

  /** Creates or replaces an instance; a replaced one keeps its uid and secret. */
  putInstance(input: InstanceInput, fresh: { uid: string; secret: string }): Instance;
  instanceByUid(uid: string): Instance | undefined;
  instanceOf(agentId: string, localId: string): Instance | undefined;
  instancesOf(agentId: string): Instance[];
  deleteInstance(agentId: string, localId: string): boolean;

  /** A call by its instance and provider call id, whoever it belongs to (webhooks use this). */
  callByKey(instanceUid: string, callId: string): Call | undefined;
  /** Agents a known call was routed to; empty when the call is not known. */
  callAgentIds(instanceUid: string, callId: string): string[];
  /** Upserts a call, links agents and appends their events, in one transaction. */
  saveCall(input: SaveCallInput): SaveCallResult;
  callFor(agentId: string, id: number): Call | undefined;
  listCalls(agentId: string, query: CallQuery): Call[];
  /** Notes and disposition; undefined when the agent cannot see the call. */
  annotateCall(agentId: string, id: number, notes: CallNotes, at: string): { call: Call; events: AgentEvent[] } | undefined;

  lastSeq(agentId: string): number;
  eventsAfter(agentId: string, seq: number, limit: number): AgentEvent[];

  /**
   * Whether another process (`relay agent remove`, another relay) committed a change since the
   * last call. Cheap enough to poll often: the relay notices removed agents this way.
   */
  changedElsewhere(): boolean;

  close(): void;
}

export interface StoreLocation {
  /** SQLite file. */
  db?: string;
  /** PostgreSQL URL. */
  databaseUrl?: string;
}
