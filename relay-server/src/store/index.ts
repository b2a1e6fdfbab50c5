/**
 * The relay's storage contract: the interface every adapter implements (`sqlite/`, and a
 * PostgreSQL one beside it in a later issue) and the shapes it stores. `open.ts` picks the
 * adapter. Every method that writes more than one row does so in one transaction.
 */
import type { CallView } from '@phone-connector/shared';
import type { CallState } from '../calls/merge.ts';

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

/** The CRM an instance looks callers up in and logs calls to: a bundled CRM connector, or `custom` with its XML. */
export interface InstanceCrm {
  connector: string;
  xml: string | null;
  config: Record<string, string>;
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
  crm: InstanceCrm | null;
  createdAt: string;
  updatedAt: string;
}

export interface InstanceInput {
  agentId: string;
  localId: string;
  connector: string;
  xml: string | null;
  config: Record<string, string>;
  crm: InstanceCrm | null;
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

/** An event to append for an agent; the store gives it the agent's next seq. */
export interface EventEntry {
  agentId: string;
  kind: EventKind;
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

/** What the CRM work writes on a call (Call JSON `contact`, `contacts`, `new_contact_url`, `crm_log`). */
export type CallCrm = Pick<Call, 'contact' | 'contacts' | 'new_contact_url' | 'crm_log'>;

/**
 * A call's pending CRM write (the outbox): at most one per call, so changes coalesce. Whether it
 * creates or updates the CRM record follows from the call's `crm_log.id`, read when it runs.
 */
export interface CrmWork {
  /** The relay's call id. */
  callId: number;
  instanceUid: string;
  /** `inflight` once a worker claimed it (committed before the CRM is called). */
  state: 'queued' | 'inflight';
  dueAt: string;
  attempts: number;
  lastError: string | null;
  /** The call changed while the work was in flight: run again when it lands. */
  again: boolean;
  /** Found in flight after a restart: an earlier attempt may have reached the CRM. */
  uncertain: boolean;
  createdAt: string;
}

export interface CallNotes {
  notes?: string | null;
  disposition?: string | null;
}

/** The relay's agents and their tokens. */
export interface AgentDirectory {
  addAgent(agent: NewAgent): Agent;
  /** Every agent, oldest first. */
  listAgents(): Agent[];
  /** The agents whose number is `number` (E.164), oldest first: an indexed read, whatever the number of agents. */
  agentsWithNumber(number: string): Agent[];
  removeAgent(id: string): boolean;
  agentById(id: string): Agent | undefined;
  agentByTokenHash(tokenHash: string): Agent | undefined;
  updateAgent(id: string, patch: AgentPatch): Agent | undefined;
}

/** The connectors agents set up, keyed globally by uid and per agent by local id. */
export interface InstanceRegistry {
  /** Creates or replaces an instance; a replaced one keeps its uid and secret. */
  putInstance(input: InstanceInput, fresh: { uid: string; secret: string }): Instance;
  instanceByUid(uid: string): Instance | undefined;
  instanceOf(agentId: string, localId: string): Instance | undefined;
  instancesOf(agentId: string): Instance[];
  deleteInstance(agentId: string, localId: string): boolean;
}

/** Calls and which agents see them. Plain reads and writes: the rules live in `calls/`. */
export interface CallLog {
  /** A call by its instance and provider call id, whoever it belongs to (webhooks use this). */
  callByKey(instanceUid: string, callId: string): Call | undefined;
  /** Agents a known call was routed to, oldest agent first; empty when the call is not known. */
  callAgentIds(instanceUid: string, callId: string): string[];
  callById(id: number): Call | undefined;
  /** The instance a call came through; undefined once it is deleted. */
  instanceOfCall(id: number): Instance | undefined;
  /** Agents linked to a call, by agent id. */
  agentIdsOfCall(id: number): string[];
  /** Stores a new call; returns its id. */
  insertCall(instanceUid: string, callId: string, state: CallState, at: string): number;
  updateCall(id: number, state: CallState, at: string): void;
  /** Lets an agent see a call; linking it again changes nothing. */
  linkAgent(agentId: string, id: number): void;
  callFor(agentId: string, id: number): Call | undefined;
  listCalls(agentId: string, query: CallQuery): Call[];
  /** Notes and disposition, as given (absent fields are the caller's business). */
  setCallNotes(id: number, notes: Required<CallNotes>, at: string): void;
  setCallCrm(id: number, crm: CallCrm, at: string): void;
}

/** The CRM outbox: plain reads and writes, the rules live in `crm/`. */
export interface CrmOutbox {
  crmWorkOf(callId: number): CrmWork | undefined;
  /** Creates or replaces the call's work row. */
  putCrmWork(work: CrmWork): void;
  deleteCrmWork(callId: number): void;
  /**
   * Marks up to `limit` queued rows due at `now` or earlier as in flight and returns them, oldest
   * due first. Exclusive: a row is claimed once (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDueCrmWork(now: string, limit: number): CrmWork[];
  /**
   * After a restart: every row left in flight is queued again, marked uncertain. Returns how many.
   * With one relay per database (today) every such row is an orphan; several relays (issue 14)
   * need a claim owner and lease here instead.
   */
  requeueInflightCrmWork(): number;
  /** The earliest due time of a queued row. */
  nextCrmDue(): string | undefined;
  /** Rows in the outbox and the oldest due time among them. */
  crmOutboxStats(): { depth: number; oldestDue: string | null };
}

/** Each agent's log of call events, numbered by a per-agent seq (what a socket replays). */
export interface EventLog {
  /** Appends one event per entry, each with its agent's next seq, carrying `call` as it is now. */
  appendEvents(entries: readonly EventEntry[], call: Call, at: string): AgentEvent[];
  lastSeq(agentId: string): number;
  eventsAfter(agentId: string, seq: number, limit: number): AgentEvent[];
}

/** Everything the relay stores (agents and instances as well as calls), as one adapter offers it. */
export interface RelayStore extends AgentDirectory, InstanceRegistry, CallLog, EventLog, CrmOutbox {
  /**
   * Runs `work` in one transaction: everything it writes commits together or not at all, and
   * what it reads is not changed by anyone else meanwhile. The domain rules (routing, merging,
   * which events to emit) run inside it, so an adapter only reads and writes.
   */
  transaction<T>(work: () => T): T;

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
