/**
 * The relay's storage contract: the interface every adapter implements (`sqlite/`, `postgres/`)
 * and the shapes it stores. `open.ts` picks the adapter. Every method is asynchronous (PostgreSQL
 * answers over the network); every method that writes more than one row does so in one
 * transaction.
 */
import type { CallView, CrmLog, OpeningHours } from '@phone-connector/shared';
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
  /**
   * When the agent said they were away (ISO time), null while available: the team's incoming
   * calls ring the agents who are available (calls/routing.ts).
   */
  awaySince: string | null;
  /** When an agent who is away becomes available again on their own (ISO time, UTC); null: when they say. */
  awayUntil: string | null;
}

/**
 * What the agent's presence becomes at `now` when they are said to be away (until `until`: a time,
 * null for until they say; absent, what it was) or available: away since the first time it was
 * said (saying it again, from another browser, keeps that time); available forgets any return
 * time. An agent whose return time has passed is available, whether or not the relay's clock
 * cleared it yet: said away again, they are away from now.
 */
export function presenceAfter(agent: Agent, away: boolean, now: Date, until?: string | null): Pick<Agent, 'awaySince' | 'awayUntil'> {
  if (!away) return { awaySince: null, awayUntil: null };
  const already = isAwayAt(agent, now);
  return { awaySince: already ? agent.awaySince : now.toISOString(), awayUntil: until === undefined ? (already ? agent.awayUntil : null) : until };
}

/** Away at `now`: said so, and the time they set to come back, if any, not reached. */
export function isAwayAt(agent: Pick<Agent, 'awaySince' | 'awayUntil'>, now: Date): boolean {
  return agent.awaySince !== null && (agent.awayUntil === null || Date.parse(agent.awayUntil) > now.getTime());
}

/** The agent's presence as the API shows it at `now`: a return time passed is available, though the relay's clock has not cleared it yet. */
export function presenceAt(agent: Pick<Agent, 'awaySince' | 'awayUntil'>, now: Date): { away_since: string | null; away_until: string | null } {
  return isAwayAt(agent, now) ? { away_since: agent.awaySince, away_until: agent.awayUntil } : { away_since: null, away_until: null };
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
  /** A time to mark the agent away since, or null to mark them available. */
  awaySince?: string | null;
  /** When they become available again on their own, or null: when they say. */
  awayUntil?: string | null;
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
  /**
   * Bundled connector id, or `custom` for a connector of the agent's own, whose XML is read apart
   * (`connectorXml`): only compiling it needs it, and a webhook finds it compiled (issue 13).
   */
  connector: string;
  config: Record<string, string>;
  /** Callback URL secret (URLs must be shown again, so it cannot be hashed). */
  secret: string;
  crm: InstanceCrm | null;
  /** The number's opening hours (outside them every agent counts as away), or null: open at all hours. */
  hours: OpeningHours | null;
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
  /** None when left out. */
  hours?: OpeningHours | null;
  at: string;
}

/** A call as the API and the WebSocket show it. */
export type Call = CallView;

export type EventKind = 'created' | 'updated';

/** One entry of an agent's event log. `call` is the Call JSON as it was at that moment. */
export interface AgentEvent {
  agentId: string;
  seq: number;
  /** The seq of the agent's event before this one (0 before its first): a socket's gap check compares it with the last seq it sent. */
  prevSeq: number;
  kind: EventKind;
  call: string;
}

/**
 * An event to append for an agent; the store gives it the agent's next seq. An append names each
 * agent once: `created` for the agents the call's links just made (in the same transaction),
 * `updated` for every other agent linked to the call, or for none (a call event stored once reads
 * who sees it through the links; see `appendEvents`).
 */
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
  /** The relay that claimed it while `inflight`, and until when its claim holds. */
  lease: CrmLease | null;
  createdAt: string;
}

/** A relay's claim on outbox rows: when it ends, a row still in flight is orphaned (its relay died). */
export interface CrmLease {
  /** The claiming relay's id (random per process). */
  owner: string;
  until: string;
}

/**
 * Whether the call's row, as read, is still in flight under exactly `lease` (owner and until): its
 * claim has not been requeued nor claimed again since, whether or not its time has passed. Read
 * in a transaction, the row stays so until it ends (`crmWorkOf` locks it; PostgreSQL: `FOR
 * UPDATE`), so an outcome committed after a true answer cannot land over another relay's claim.
 */
export function holdsCrmLease(row: CrmWork | undefined, lease: CrmLease | null): boolean {
  return row?.state === 'inflight' && lease !== null && row.lease?.owner === lease.owner && row.lease.until === lease.until;
}

export interface CallNotes {
  notes?: string | null;
  disposition?: string | null;
}

/** The relay's agents and their tokens. */
export interface AgentDirectory {
  addAgent(agent: NewAgent): Promise<Agent>;
  /** Every agent, oldest first. */
  listAgents(): Promise<Agent[]>;
  /** The agents whose number is `number` (E.164), oldest first: an indexed read, whatever the number of agents. */
  agentsWithNumber(number: string): Promise<Agent[]>;
  removeAgent(id: string): Promise<boolean>;
  agentById(id: string): Promise<Agent | undefined>;
  agentByTokenHash(tokenHash: string): Promise<Agent | undefined>;
  updateAgent(id: string, patch: AgentPatch): Promise<Agent | undefined>;
  /** Makes available again the agents whose return time (`awayUntil`) is `now` (ISO) or before it, and answers them. */
  returnAgentsDue(now: string): Promise<Agent[]>;
}

/** The connectors agents set up, keyed globally by uid and per agent by local id. */
export interface InstanceRegistry {
  /** Creates or replaces an instance; a replaced one keeps its uid and secret. */
  putInstance(input: InstanceInput, fresh: { uid: string; secret: string }): Promise<Instance>;
  instanceByUid(uid: string): Promise<Instance | undefined>;
  /** An instance with the agent who owns it, in one read: what every webhook starts with. */
  instanceWithOwner(uid: string): Promise<{ instance: Instance; owner: Agent } | undefined>;
  /** An instance's own connector XML (null for a bundled connector) and the version it belongs to. */
  connectorXml(uid: string): Promise<{ xml: string | null; updatedAt: string } | undefined>;
  instanceOf(agentId: string, localId: string): Promise<Instance | undefined>;
  instancesOf(agentId: string): Promise<Instance[]>;
  /** Whether any instance has a CRM set up: a relay with none starts no CRM thread (crm/crm-thread.ts). */
  anyInstanceWithCrm(): Promise<boolean>;
  deleteInstance(agentId: string, localId: string): Promise<boolean>;
}

/** Calls and which agents see them. Plain reads and writes: the rules live in `calls/`. */
export interface CallLog {
  /** A call by its instance and provider call id, whoever it belongs to (webhooks use this). */
  callByKey(instanceUid: string, callId: string): Promise<Call | undefined>;
  /** Agents a known call was routed to, oldest agent first; empty when the call is not known. */
  callAgentIds(instanceUid: string, callId: string): Promise<string[]>;
  /** The same agents themselves, in the same order, in one read (a webhook updating a call needs them). */
  callAgents(instanceUid: string, callId: string): Promise<Agent[]>;
  callById(id: number): Promise<Call | undefined>;
  /** The instance a call came through; undefined once it is deleted. */
  instanceOfCall(id: number): Promise<Instance | undefined>;
  /** Agents linked to a call, by agent id. */
  agentIdsOfCall(id: number): Promise<string[]>;
  /**
   * Stores a new call; returns its id. A call with the same (instance, call id) committed meanwhile
   * by another relay makes the transaction fail as a conflict, and so run again (see `transaction`).
   */
  insertCall(instanceUid: string, callId: string, state: CallState, at: string): Promise<number>;
  /**
   * Writes the call's state; with `crmLog`, its CRM log in the same statement (a call that turns
   * final gets its log pending with the change that ends it: call-log.ts `logWithChange`).
   */
  updateCall(id: number, state: CallState, at: string, crmLog?: CrmLog): Promise<void>;
  /** Lets agents see a call, in one statement however many they are; linking one again changes nothing. */
  linkAgents(agentIds: readonly string[], id: number): Promise<void>;
  /**
   * The agents on a call now, by id, each once: of the calls begun at or after `since` that have
   * not ended (queued, ringing, in progress), the agent who placed an outgoing one, and the agent
   * whose phone took an incoming one in progress (their number is its `answered_by`; or the one
   * agent it reached, when it does not say). An indexed read of the calls that can keep an agent
   * busy, however many calls the relay keeps (routing asks it for a team's call: calls/routing.ts).
   */
  agentsOnCalls(since: string): Promise<string[]>;
  callFor(agentId: string, id: number): Promise<Call | undefined>;
  listCalls(agentId: string, query: CallQuery): Promise<Call[]>;
  /** Notes and disposition, as given (absent fields are the caller's business). */
  setCallNotes(id: number, notes: Required<CallNotes>, at: string): Promise<void>;
  setCallCrm(id: number, crm: CallCrm, at: string): Promise<void>;
  /** The call's CRM log alone: its contact and matches, unchanged, are not written again. */
  setCallCrmLog(id: number, crmLog: CrmLog, at: string): Promise<void>;
}

/** Whose rows a claim takes: every instance's but those `except` names (their CRM is held: crm/crm-breaker.ts), or `only` one's (that CRM's probe). */
export type CrmWorkScope = { except: readonly string[] } | { only: string };

/** The CRM outbox: plain reads and writes, the rules live in `crm/`. */
export interface CrmOutbox {
  crmWorkOf(callId: number): Promise<CrmWork | undefined>;
  /** Creates or replaces the call's work row. */
  putCrmWork(work: CrmWork): Promise<void>;
  deleteCrmWork(callId: number): Promise<void>;
  /**
   * Marks up to `limit` queued rows due at `now` or earlier as in flight under `lease` and returns
   * them, oldest due first; of the instances `scope` names only, when given. Exclusive: a row is
   * claimed by one relay once (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimDueCrmWork(now: string, limit: number, lease: CrmLease, scope?: CrmWorkScope): Promise<CrmWork[]>;
  /**
   * Rows in flight whose lease ended at or before `now` (their relay died) are queued again,
   * marked uncertain: an earlier attempt may have reached the CRM. Returns how many.
   */
  requeueOrphanedCrmWork(now: string): Promise<number>;
  /** The earliest due time of a queued row, of an instance not in `except`. */
  nextCrmDue(except?: readonly string[]): Promise<string | undefined>;
  /** Rows in the outbox and the oldest due time among them. */
  crmOutboxStats(): Promise<{ depth: number; oldestDue: string | null }>;
}

/** One `<rate>` of a CRM account's `<limits>`, as the shared windows count it (crm/rate-pacer.ts). */
export interface CrmRateWindow {
  requests: number;
  perMs: number;
  /** The operations it counts; every request (token steps included) when absent. */
  operations?: readonly string[];
}

/** A CRM request asking for its place in its account's windows, shared by every relay on the store. */
export interface CrmRateAsk {
  /** The CRM account's key: SHA-256 (hex) of its connector and credentials (crm/rate-account.ts), never a secret itself. */
  account: string;
  /** The request's operation; null for a token step. */
  operation: string | null;
  /** The account's windows the request counts in. */
  windows: readonly CrmRateWindow[];
  /** The relay asking (random per process), for whoever reads the table. */
  relay: string;
  /** Milliseconds since the epoch, by the asking relay's clock. */
  now: number;
  /**
   * Until when the place taken counts as running (its first renewal is due then, `markCrmRatePlaces`):
   * the request reaches the CRM after `now` (however long the relay takes to send it), and the CRM
   * counts it from then; a relay killed before it renewed must not free the place before the CRM does.
   */
  runsUntil: number;
  /** The account's places that ended at or before this count in none of its windows any more: they are deleted. */
  forgetBefore: number;
}

/** A place taken (`place`, with how long until the next request of the same operation may go), or not yet (`place` null, `readyIn` until one may free). */
export interface CrmRateAnswer {
  place: number | null;
  readyIn: number;
}

/**
 * Every relay's CRM requests by account (issue 10): a place per request, counted in each of its
 * account's windows while its end (or, while it runs, the last time its relay said it still ran:
 * `markCrmRatePlaces`) lies within `perMs` of now.
 */
export interface CrmRatePlaces {
  /**
   * Takes a place for the request when every window of `ask` has room for it now, in one
   * transaction under a lock on the account, so that relays asking at once take turns and
   * together never count more than `requests` in a window.
   */
  takeCrmRatePlace(ask: CrmRateAsk): Promise<CrmRateAnswer>;
  /**
   * The places' requests still ran at `at`: each counts until `at + perMs` at least (a later mark
   * never moves an end back). `ended`: they ended at `at`, which is then their end, before the
   * `runsUntil` they were taken with too (the CRM had them by then).
   */
  markCrmRatePlaces(places: readonly number[], at: number, ended?: boolean): Promise<void>;
}

export interface AppendOptions {
  /**
   * Nothing follows the append in its transaction: the store may send the commit behind it, before
   * its answer (PostgreSQL: one round trip less, and the agents' rows it locks held for none of the
   * relay's; in a batch, with the batch's other appends once every transaction of it has sent its
   * last statement). The work must then end with it; a statement after it fails.
   */
  last?: boolean;
}

/**
 * Each agent's log of call events, with seqs that increase in commit order (what a socket
 * replays). PostgreSQL numbers each agent's events apart, without gaps; SQLite numbers call events
 * with one counter and stores each once, so an agent's seqs skip the events it does not see: each
 * event names the agent's previous one (`prevSeq`).
 */
export interface EventLog {
  /** Appends one event per entry (`EventEntry` says which entries), each with its agent's next seq, carrying `call` as it is now. */
  appendEvents(entries: readonly EventEntry[], call: Call, at: string, options?: AppendOptions): Promise<AgentEvent[]>;
  lastSeq(agentId: string): Promise<number>;
  /** The agent's events after `seq`, in seq order; the first one's `prevSeq` may be `seq` itself (nothing of the agent's lies between). */
  eventsAfter(agentId: string, seq: number, limit: number): Promise<AgentEvent[]>;
  /**
   * For each agent of `after`, its events after the seq given for it, in one read: agent by agent
   * in the map's order, seq ascending, `limit` per agent at most. What a relay reads when another
   * relay says it committed events (fan-out across relays).
   */
  eventsAfterEach(after: ReadonlyMap<string, number>, limit: number): Promise<AgentEvent[]>;
}

/** Every table's reads and writes: what a transaction goes through, and what a store offers outside one. */
export interface StoreTables extends AgentDirectory, InstanceRegistry, CallLog, EventLog, CrmOutbox, CrmRatePlaces {}

/**
 * Tells every agent linked to `call` that it changed: an `updated` event of the call as it now is,
 * for each of them (`agentIds` when the caller has read them already in this transaction).
 */
export async function appendUpdated(tables: CallLog & EventLog, call: Call, at: string, agentIds?: readonly string[]): Promise<AgentEvent[]> {
  const entries: EventEntry[] = (agentIds ?? (await tables.agentIdsOfCall(call.id))).map((agentId) => ({ agentId, kind: 'updated' }));
  return tables.appendEvents(entries, call, at);
}

/** Everything a transaction reads and writes through, and what it starts once committed. */
export interface StoreTx extends StoreTables {
  /**
   * Runs `committed` once this transaction's commit has settled (durable), and `rolledBack`
   * instead when this attempt is not known to commit: its work failed, the commit it shared failed, or
   * the adapter runs the work again (a conflict; the next attempt registers its own hooks). Each
   * runs once. What the work starts outside the store (a CRM write) hangs here: the work itself
   * has no side effects (`RelayStore.transaction`).
   */
  afterCommit(committed: () => void, rolledBack?: () => void): void;
}

/** What another process committed, as a store tells it (coalesced: one call may stand for many commits). */
export interface ChangeElsewhere {
  /** Events were appended (another relay recorded a call): read them with `eventsAfterEach`. */
  events: boolean;
  /** Agents or instances changed (e.g. `relay agent remove`). */
  directory: boolean;
}

/** Why a transaction ran again: the same new call inserted by another relay meanwhile, a lost deadlock, a serialization failure. */
export type RerunCause = 'same_call' | 'deadlock' | 'serialization';

export interface TransactionStats {
  transactions: number;
  reruns: Record<RerunCause, number>;
  /**
   * PostgreSQL's: the shortest recent round trip to the database (0 until one span is timed), and
   * the batches it lets be in flight at once by it (more than one while the database is far).
   */
  batches?: { roundTripFloorMs: number; inFlight: number };
}

/** Everything the relay stores (agents and instances as well as calls), as one adapter offers it. */
export interface RelayStore extends StoreTables {
  /** `sqlite` or `postgres`, for logs and /metrics. */
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Whether several relays may share this store (PostgreSQL). A store that is not shared belongs
   * to one relay process: at its start, every outbox row left in flight is an orphan.
   */
  readonly shared: boolean;

  /**
   * Runs `work` in one transaction: everything it writes through `tx` commits together or not at
   * all. What it reads of a call stays as it read it: a call read in a transaction is the call as
   * last committed, and no other transaction changes it (nor its outbox row, read after it) until
   * this one ends, so transactions on one call take turns (SQLite: one transaction at a time;
   * PostgreSQL: READ COMMITTED, the call's row locked by the read, `FOR UPDATE`). Work that changes
   * a call therefore reads it first. Other reads (agents, instances, routing) see what is committed
   * when they run. An agent's seqs are given in commit order. The domain rules
   * (routing, merging, which events to emit) run inside it, so an adapter only reads and writes.
   * Rules for `work`: it awaits nothing but `tx`, and it has no side effect outside `tx` (publish,
   * wake, log after the promise resolves, or in `tx.afterCommit`): an adapter may run it again (the same new call inserted
   * by two relays at once, a deadlock), and may commit it together with other transactions (group
   * commit). The promise resolves once the commit is durable.
   */
  transaction<T>(work: (tx: StoreTx) => Promise<T>): Promise<T>;

  /** Transactions run since the store opened, and how many times one ran again, by cause (for /metrics). */
  transactionStats(): TransactionStats;

  /**
   * Calls `listener` (coalesced, never re-entrantly) when another process commits: PostgreSQL
   * with LISTEN/NOTIFY plus a periodic poll as the safety net, SQLite by polling its change
   * counter. Returns the unsubscribe function. `heard` is called once every commit made after it is
   * heard: SQLite at once, PostgreSQL once its LISTEN connection is up (until then a commit may go
   * unheard), so what was read before it may have to be read again.
   */
  onChangeElsewhere(listener: (change: ChangeElsewhere) => void, heard?: () => void): () => void;

  close(): Promise<void>;
}

export interface StoreLocation {
  /** SQLite file. */
  db?: string;
  /** PostgreSQL URL. */
  databaseUrl?: string;
}
