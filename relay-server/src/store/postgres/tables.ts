import type { Duplex } from 'node:stream';
import type pg from 'pg';
import type { CrmLog } from '@phone-connector/shared';
import type { CallState } from '../../calls/merge.ts';
import type {
  Agent,
  AgentEvent,
  AgentPatch,
  AppendOptions,
  Call,
  CallCrm,
  CallNotes,
  CallQuery,
  CrmLease,
  CrmRateAnswer,
  CrmRateAsk,
  CrmWork,
  CrmWorkScope,
  EventEntry,
  Instance,
  InstanceInput,
  NewAgent,
  StoreTables,
} from '../index.ts';
import {
  AGENT_COLUMNS,
  type AgentRow,
  agentColumnsOfA,
  agentsOnCallsSelect,
  CALL_SELECT,
  type CallRow,
  type CrmWorkRow,
  CALL_CRM_COLUMNS,
  CRM_WORK_COLUMNS,
  callCrmValues,
  crmWorkValues,
  type EventRow,
  type InstanceRow,
  INSTANCE_COLUMNS,
  INSTANCE_SELECT,
  INSTANCE_WITH_OWNER_SELECT,
  type InstanceWithOwnerRow,
  rateWaits,
  STATE_COLUMNS,
  stateValues,
  toAgent,
  toCall,
  toCrmWork,
  toEvent,
  toInstance,
  toInstanceWithOwner,
} from '../rows.ts';
import { NOTICE_CHANNELS } from './change-listener.ts';

/** An event with its call's snapshot (stored once per commit, however many agents' events refer to it). */
const EVENT_SELECT = 'SELECT e.agent_id, e.seq, e.kind, s.call FROM events e JOIN call_snapshots s ON s.id = e.snapshot_id';
/** The agents linked to a call, read by the call's key (the WHERE names the instance's uid and the call id, then ORDER BY a.created_at, a.id). */
const CALL_AGENTS_SELECT = `SELECT ${agentColumnsOfA.join(', ')} FROM call_agents ca JOIN calls c ON c.id = ca.call_id JOIN agents a ON a.id = ca.agent_id`;

/** `agentsOnCalls`' read: `extra` is JSON kept as text. */
const AGENTS_ON_CALLS = agentsOnCallsSelect({ answeredBy: "(c.extra::json ->> 'answered_by')", linkColumn: 'agent_id', agentColumn: 'id', since: '$1' });

const STATE_COLUMN_COUNT = STATE_COLUMNS.split(', ').length;

/** `$from`, `$from + 1`, …: one parameter per state column (`STATE_COLUMNS`, in `stateValues`' order). */
function stateParameters(from: number): string {
  return Array.from({ length: STATE_COLUMN_COUNT }, (_, i) => `$${from + i}`).join(', ');
}

const INSERT_CALL = `INSERT INTO calls (instance_uid, call_id, ${STATE_COLUMNS}, created_at, updated_at)
  VALUES ($1, $2, ${stateParameters(3)}, $${3 + STATE_COLUMN_COUNT}, $${3 + STATE_COLUMN_COUNT}) RETURNING id`;
/** `INSERT_CALL` with the id the call's read reserved (`$1`), so nothing waits for its answer. */
const INSERT_RESERVED_CALL = `INSERT INTO calls (id, instance_uid, call_id, ${STATE_COLUMNS}, created_at, updated_at) OVERRIDING SYSTEM VALUE
  VALUES ($1, $2, $3, ${stateParameters(4)}, $${4 + STATE_COLUMN_COUNT}, $${4 + STATE_COLUMN_COUNT})`;
/**
 * A transaction's call read: the call, locked, or when there is none the id its insert will take,
 * drawn from the calls' sequence in the same round trip (only then: CASE runs the branch it takes).
 */
const CALL_OR_RESERVED_ID = `SELECT found.*, CASE WHEN found.id IS NULL THEN nextval(pg_get_serial_sequence('calls', 'id')) END AS reserved_id
  FROM (SELECT) one LEFT JOIN (${CALL_SELECT} WHERE c.instance_uid = $1 AND c.call_id = $2 FOR UPDATE OF c) found ON true`;
const UPDATE_CALL = `UPDATE calls SET (${STATE_COLUMNS}, updated_at) = (${stateParameters(2)}, $${2 + STATE_COLUMN_COUNT}) WHERE id = $1`;
const UPDATE_CALL_WITH_LOG = `UPDATE calls SET (${STATE_COLUMNS}, crm_log, updated_at) = (${stateParameters(2)}, $${2 + STATE_COLUMN_COUNT}, $${3 + STATE_COLUMN_COUNT}) WHERE id = $1`;

const statementNames = new Map<string, string>();

/**
 * A statement PostgreSQL parses and plans once per connection (a named prepared statement), not
 * on every run as an unnamed one is: the statements every webhook runs. Named by its text, so a
 * connection shared by transactions and plain reads never meets one name with two texts.
 * PostgreSQL plans each run apart until a plan for any values costs no more (after five runs),
 * so a statement whose best plan depends on its values keeps its own.
 */
function prepared(text: string): pg.QueryConfig {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `relay_${statementNames.size}`));
  return { name, text };
}

/** A call's key (its instance's uid and its provider's call id) as one string. */
export function callKey(instanceUid: string, callId: string): string {
  return `${instanceUid}\n${callId}`;
}

/** One `appendEvents`: its entries, and the call's snapshot they carry. */
interface Append {
  entries: readonly EventEntry[];
  snapshot: string;
  at: string;
}

/** What a transaction's commit tells the other relays (`NOTIFY` on the channel of the same name). */
export type Notice = 'events' | 'directory';

/**
 * The instances with queued outbox rows (`queued`), each found by a skip through
 * crm_outbox_by_instance: while a CRM's circuit is open its rows stay queued, and reading past
 * them in due order took as long as they were many (issue 10).
 */
const QUEUED_INSTANCES = `queued(uid) AS (
  (SELECT instance_uid FROM crm_outbox WHERE state = 'queued' ORDER BY instance_uid LIMIT 1)
  UNION ALL
  SELECT (SELECT instance_uid FROM crm_outbox WHERE state = 'queued' AND instance_uid > queued.uid ORDER BY instance_uid LIMIT 1) FROM queued WHERE queued.uid IS NOT NULL
)`;

/**
 * The relay's tables on one PostgreSQL session (a pooled client inside a transaction, or the pool
 * for a single statement). Each method is one statement; `notices` collects what the caller's
 * commit must announce.
 *
 * Inside a transaction (READ COMMITTED) a call read locks the call's row until commit, and so does
 * a read of its outbox row: every transaction on a call reads it first, so transactions on one call
 * take turns and each reads what the one before it committed (`RelayStore.transaction`).
 */
export class PostgresTables implements StoreTables {
  readonly notices = new Set<Notice>();

  readonly #session: pg.Pool | pg.PoolClient;
  /** `FOR UPDATE` on call and outbox reads: in a transaction, not on the pool (a lock would end with its statement). */
  readonly #lock: string;
  readonly #inTransaction: boolean;
  #ended = false;
  /** This transaction's writes sent without waiting for their answers (`#write`). */
  #unanswered: Array<Promise<void>> = [];
  /** The first of them that failed: what the transaction fails with. */
  #failed: { error: unknown } | undefined;
  /** This transaction's NOTIFYs and COMMIT, once sent (`commit`). */
  #commit: Promise<unknown> | undefined;
  /** Whether this turn's statements are being held in the socket (`#corkForTurn`). */
  #corked = false;
  /** The ids the call reads that found no call reserved, by call key (`callKey`): each call's insert takes its own. */
  readonly #reserved = new Map<string, number>();
  /** The works of this transaction that may still send a statement (`workSentLast`). */
  #writers: number;
  /** The works' last appends, held to be sent together (`#lastOfWork`). */
  readonly #held: Array<Append & { resolve: (seqs: number[]) => void; reject: (error: unknown) => void }> = [];
  /** Why the transaction will not commit, once one of its works failed (`abandon`). */
  #abandoned: { error: unknown } | undefined;

  constructor(session: pg.Pool | pg.PoolClient, inTransaction: boolean, works = 1) {
    this.#session = session;
    this.#inTransaction = inTransaction;
    this.#lock = inTransaction ? ' FOR UPDATE' : '';
    this.#writers = works;
  }

  /**
   * One of the transaction's works will send no more statements (its last one is sent, or it
   * ended well). Once none will, COMMIT goes out behind the last statement sent, before its answer
   * (`AppendOptions.last`). A work that fails never says so: nothing of its transaction commits.
   */
  workSentLast(): void {
    if (--this.#writers > 0) return;
    this.#sendHeld();
    void this.commit();
  }

  /** Whether COMMIT has been sent (behind the last statement of the transaction's last work). */
  get commitSent(): boolean {
    return this.#commit !== undefined;
  }

  /** The transaction is over: its client goes back to the pool, where another transaction may get it. */
  end(): void {
    this.#ended = true;
  }

  /**
   * Resolves once every write sent without waiting has been answered; rejects with the first that
   * failed. Before COMMIT: a COMMIT of a failed transaction rolls it back without an error.
   */
  async settled(): Promise<void> {
    await Promise.all(this.#unanswered);
    if (this.#failed) throw this.#failed.error;
  }

  /**
   * Sends the transaction's NOTIFYs (PostgreSQL delivers them only on commit, and folds identical
   * ones into one) and its COMMIT in one string, behind whatever went before it, once; resolves
   * with COMMIT's answer. A COMMIT behind a statement that failed rolls back without an error:
   * that statement's own answer says the transaction failed. Nothing can be sent after it.
   */
  commit(): Promise<unknown> {
    if (!this.#commit) {
      this.#commit = this.#db.query([...[...this.notices].map((notice) => `NOTIFY ${NOTICE_CHANNELS[notice]}`), 'COMMIT'].join('; '));
      this.#commit.catch(() => undefined);
    }
    return this.#commit;
  }

  /** Opens the transaction (READ COMMITTED); not awaited by the caller, so the work's first statement leaves with it. */
  begin(): Promise<unknown> {
    return this.#db.query('BEGIN ISOLATION LEVEL READ COMMITTED');
  }

  get #db(): pg.Pool | pg.PoolClient {
    if (this.#ended) throw new Error('this transaction has ended: use the store, or the handle of a transaction in progress');
    if (this.#commit) throw new Error("this transaction's commit has been sent: nothing can follow the statement sent as its last");
    if (this.#inTransaction && !this.#corked) this.#corkForTurn();
    return this.#session;
  }

  /**
   * Holds the statements this turn sends on the transaction's connection in its socket until the
   * turn's promise jobs have run, then sends them in one system call: BEGIN with the call's read,
   * a new call's insert with its links, its append and its COMMIT (issue 13: a write per
   * statement was a quarter of the relay's busy time).
   */
  #corkForTurn(): void {
    const { stream } = (this.#session as unknown as { connection: { stream: Duplex } }).connection;
    stream.cork();
    this.#corked = true;
    process.nextTick(() => {
      this.#corked = false;
      stream.uncork();
    });
  }

  /** The call's row only: its instance (the outer join) is not locked. */
  get #callLock(): string {
    return this.#lock && `${this.#lock} OF c`;
  }

  /**
   * A statement whose answer is read. When it fails behind a write that failed first, the
   * transaction fails with that write's error (its SQLSTATE says whether to run again), not with
   * this one's "current transaction is aborted".
   */
  async #query<R extends pg.QueryResultRow>(sql: string | pg.QueryConfig, values: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      return await this.#db.query<R>(sql, values);
    } catch (error) {
      await this.settled();
      throw error;
    }
  }

  async #rows<R extends pg.QueryResultRow>(sql: string | pg.QueryConfig, values: unknown[] = []): Promise<R[]> {
    return (await this.#query<R>(sql, values)).rows;
  }

  async #count(sql: string, values: unknown[]): Promise<number> {
    return (await this.#query(sql, values)).rowCount ?? 0;
  }

  /**
   * A write whose answer nobody reads. In a transaction it is not waited for: the connection
   * pipelines, so it goes out with the statement after it (a new call's links with its event), one
   * round trip less; the transaction waits for its answer before COMMIT (`settled`).
   */
  async #write(sql: string | pg.QueryConfig, values: unknown[] = []): Promise<void> {
    if (!this.#inTransaction) {
      await this.#db.query(sql, values);
      return;
    }
    this.#unanswered.push(
      this.#db.query(sql, values).then(
        () => undefined,
        (error: unknown) => void (this.#failed ??= { error }),
      ),
    );
  }

  /** Directory writes also move `directory_version`, which the other relays' change poll reads. */
  async #directoryChanged(): Promise<void> {
    this.notices.add('directory');
    await this.#write('UPDATE directory_version SET version = version + 1');
  }

  async addAgent(agent: NewAgent): Promise<Agent> {
    const [row] = await this.#rows<AgentRow>(
      `INSERT INTO agents (id, name, number, email, admin, token_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING ${AGENT_COLUMNS}`,
      [agent.id, agent.name, agent.number, agent.email, agent.admin ? 1 : 0, agent.tokenHash, agent.createdAt],
    );
    await this.#directoryChanged();
    return toAgent(row!);
  }

  async listAgents(): Promise<Agent[]> {
    return (await this.#rows<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY created_at, id`)).map(toAgent);
  }

  async agentsWithNumber(number: string): Promise<Agent[]> {
    return (await this.#rows<AgentRow>(prepared(`SELECT ${AGENT_COLUMNS} FROM agents WHERE number = $1 ORDER BY created_at, id`), [number])).map(toAgent);
  }

  async removeAgent(id: string): Promise<boolean> {
    const removed = (await this.#count('DELETE FROM agents WHERE id = $1', [id])) > 0;
    if (removed) await this.#directoryChanged();
    return removed;
  }

  async agentById(id: string): Promise<Agent | undefined> {
    const [row] = await this.#rows<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = $1`, [id]);
    return row && toAgent(row);
  }

  async agentByTokenHash(tokenHash: string): Promise<Agent | undefined> {
    const [row] = await this.#rows<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE token_hash = $1`, [tokenHash]);
    return row && toAgent(row);
  }

  async updateAgent(id: string, patch: AgentPatch): Promise<Agent | undefined> {
    // One statement: an absent field keeps its value ($3 says whether email was given, as null is a value).
    const [row] = await this.#rows<AgentRow>(
      `UPDATE agents SET number = COALESCE($2, number), email = CASE WHEN $3 THEN $4 ELSE email END, profile = COALESCE($5, profile),
         away_since = CASE WHEN $6 THEN $7 ELSE away_since END, away_until = CASE WHEN $8 THEN $9 ELSE away_until END
       WHERE id = $1 RETURNING ${AGENT_COLUMNS}`,
      [
        id,
        patch.number ?? null,
        patch.email !== undefined,
        patch.email ?? null,
        patch.profile ? JSON.stringify(patch.profile) : null,
        patch.awaySince !== undefined,
        patch.awaySince ?? null,
        patch.awayUntil !== undefined,
        patch.awayUntil ?? null,
      ],
    );
    if (!row) return undefined;
    await this.#directoryChanged();
    return toAgent(row);
  }

  async returnAgentsDue(now: string): Promise<Agent[]> {
    const rows = await this.#rows<AgentRow>(`UPDATE agents SET away_since = NULL, away_until = NULL WHERE away_until <= $1 RETURNING ${AGENT_COLUMNS}`, [now]);
    if (rows.length > 0) await this.#directoryChanged();
    return rows.map(toAgent);
  }

  async putInstance(input: InstanceInput, fresh: { uid: string; secret: string }): Promise<Instance> {
    const [row] = await this.#rows<InstanceRow>(
      `INSERT INTO instances (uid, agent_id, local_id, connector, xml, config, crm, hours, secret, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)
       ON CONFLICT (agent_id, local_id) DO UPDATE
         SET connector = EXCLUDED.connector, xml = EXCLUDED.xml, config = EXCLUDED.config, crm = EXCLUDED.crm, hours = EXCLUDED.hours, updated_at = EXCLUDED.updated_at
       RETURNING ${INSTANCE_COLUMNS}`,
      [fresh.uid, input.agentId, input.localId, input.connector, input.xml, JSON.stringify(input.config), input.crm && JSON.stringify(input.crm), input.hours ? JSON.stringify(input.hours) : null, fresh.secret, input.at],
    );
    await this.#directoryChanged();
    return toInstance(row!);
  }

  async instanceByUid(uid: string): Promise<Instance | undefined> {
    const [row] = await this.#rows<InstanceRow>(`${INSTANCE_SELECT} WHERE i.uid = $1`, [uid]);
    return row && toInstance(row);
  }

  async connectorXml(uid: string): Promise<{ xml: string | null; updatedAt: string } | undefined> {
    const [row] = await this.#rows<{ xml: string | null; updated_at: string }>('SELECT xml, updated_at FROM instances WHERE uid = $1', [uid]);
    return row && { xml: row.xml, updatedAt: row.updated_at };
  }

  async instanceWithOwner(uid: string): Promise<{ instance: Instance; owner: Agent } | undefined> {
    const [row] = await this.#rows<InstanceWithOwnerRow>(prepared(`${INSTANCE_WITH_OWNER_SELECT} WHERE i.uid = $1`), [uid]);
    return row && toInstanceWithOwner(row);
  }

  async instanceOf(agentId: string, localId: string): Promise<Instance | undefined> {
    const [row] = await this.#rows<InstanceRow>(`${INSTANCE_SELECT} WHERE i.agent_id = $1 AND i.local_id = $2`, [agentId, localId]);
    return row && toInstance(row);
  }

  async instancesOf(agentId: string): Promise<Instance[]> {
    return (await this.#rows<InstanceRow>(`${INSTANCE_SELECT} WHERE i.agent_id = $1 ORDER BY i.local_id`, [agentId])).map(toInstance);
  }

  async anyInstanceWithCrm(): Promise<boolean> {
    const [row] = await this.#rows<{ found: boolean }>(`SELECT EXISTS (SELECT 1 FROM instances WHERE crm IS NOT NULL) AS found`);
    return row!.found;
  }

  async deleteInstance(agentId: string, localId: string): Promise<boolean> {
    const deleted = (await this.#count('DELETE FROM instances WHERE agent_id = $1 AND local_id = $2', [agentId, localId])) > 0;
    if (deleted) await this.#directoryChanged();
    return deleted;
  }

  /**
   * In a transaction, a call that is not there has its id reserved in the same read: its insert is
   * then a write nobody waits for, sent with its links and the append (issue 13: a round trip less
   * on every new call). An id reserved by a transaction that rolls back is skipped, as an insert's is.
   */
  async callByKey(instanceUid: string, callId: string): Promise<Call | undefined> {
    if (!this.#inTransaction) {
      const [row] = await this.#rows<CallRow>(prepared(`${CALL_SELECT} WHERE c.instance_uid = $1 AND c.call_id = $2`), [instanceUid, callId]);
      return row && toCall(row);
    }
    const [row] = await this.#rows<CallRow & { reserved_id: number | null }>(prepared(CALL_OR_RESERVED_ID), [instanceUid, callId]);
    if (row!.reserved_id === null) return toCall(row!);
    this.#reserved.set(callKey(instanceUid, callId), row!.reserved_id);
    return undefined;
  }

  async callAgents(instanceUid: string, callId: string): Promise<Agent[]> {
    const rows = await this.#rows<AgentRow>(prepared(`${CALL_AGENTS_SELECT} WHERE c.instance_uid = $1 AND c.call_id = $2 ORDER BY a.created_at, a.id`), [instanceUid, callId]);
    return rows.map(toAgent);
  }

  async callAgentIds(instanceUid: string, callId: string): Promise<string[]> {
    const rows = await this.#rows<{ agent_id: string }>(
      `SELECT ca.agent_id FROM call_agents ca JOIN calls c ON c.id = ca.call_id JOIN agents a ON a.id = ca.agent_id
       WHERE c.instance_uid = $1 AND c.call_id = $2 ORDER BY a.created_at, a.id`,
      [instanceUid, callId],
    );
    return rows.map((r) => r.agent_id);
  }

  async callById(id: number): Promise<Call | undefined> {
    const [row] = await this.#rows<CallRow>(`${CALL_SELECT} WHERE c.id = $1${this.#callLock}`, [id]);
    return row && toCall(row);
  }

  async instanceOfCall(id: number): Promise<Instance | undefined> {
    const [row] = await this.#rows<InstanceRow>(`${INSTANCE_SELECT} JOIN calls c ON c.instance_uid = i.uid WHERE c.id = $1`, [id]);
    return row && toInstance(row);
  }

  async agentIdsOfCall(id: number): Promise<string[]> {
    return (await this.#rows<{ agent_id: string }>('SELECT agent_id FROM call_agents WHERE call_id = $1 ORDER BY agent_id', [id])).map((r) => r.agent_id);
  }

  async insertCall(instanceUid: string, callId: string, state: CallState, at: string): Promise<number> {
    const key = callKey(instanceUid, callId);
    const reserved = this.#reserved.get(key);
    if (reserved !== undefined) {
      this.#reserved.delete(key);
      // Another relay inserting the same call meanwhile fails this write (`same_call`), and the transaction with it.
      await this.#write(prepared(INSERT_RESERVED_CALL), [reserved, instanceUid, callId, ...stateValues(state), at]);
      return reserved;
    }
    const [row] = await this.#rows<{ id: number }>(prepared(INSERT_CALL), [instanceUid, callId, ...stateValues(state), at]);
    return row!.id;
  }

  async updateCall(id: number, state: CallState, at: string, crmLog?: CrmLog): Promise<void> {
    if (crmLog) await this.#write(prepared(UPDATE_CALL_WITH_LOG), [id, ...stateValues(state), JSON.stringify(crmLog), at]);
    else await this.#write(prepared(UPDATE_CALL), [id, ...stateValues(state), at]);
  }

  /**
   * One link row, whatever the agents: the call linked to the roster of the agents not yet linked
   * to it, found by its members or stored now (`link_agents`, see MIGRATIONS; issue 13: a row per
   * agent, 1,000 for a team's call, were most of its transaction before any agent heard of it).
   */
  async linkAgents(agentIds: readonly string[], id: number): Promise<void> {
    if (agentIds.length === 0) return;
    await this.#write(prepared('SELECT link_agents($2::bigint, $1::text[])'), [agentIds, id]);
  }

  async agentsOnCalls(since: string): Promise<string[]> {
    return (await this.#rows<{ id: string }>(prepared(AGENTS_ON_CALLS), [since])).map((row) => row.id);
  }

  async callFor(agentId: string, id: number): Promise<Call | undefined> {
    const [row] = await this.#rows<CallRow>(`${CALL_SELECT} WHERE c.id = $1 AND EXISTS (SELECT 1 FROM call_agents ca WHERE ca.call_id = c.id AND ca.agent_id = $2)${this.#callLock}`, [id, agentId]);
    return row && toCall(row);
  }

  async listCalls(agentId: string, query: CallQuery): Promise<Call[]> {
    // A page of each of the agent's rosters (roster_members_by_agent), each driven backwards by
    // call_links_by_roster, then the newest of those, whose calls are read by their key: a page
    // reads as many rows however many calls others have (tested). Each link's call is read by its
    // key in a subquery and the page's calls by `= ANY` of an array: joined, the planner merged the
    // links with calls' key walked backwards (9,851 calls read for a page of 50 among 20,000 of
    // others), or hashed every call (2,000 read among 2,000). An agent is linked to a call through
    // one roster at most (`link_agents`).
    const rows = await this.#rows<CallRow>(
      `${CALL_SELECT} WHERE c.id = ANY(ARRAY(
         SELECT page.call_id FROM roster_members rm CROSS JOIN LATERAL (
           SELECT cl.call_id FROM call_links cl
           WHERE cl.roster_id = rm.roster_id
             AND ($6::bigint IS NULL OR cl.call_id < $6)
             AND (SELECT ($2::text IS NULL OR c.from_number = $2 OR c.to_number = $2 OR c.user_number = $2)
                     AND ($3::text IS NULL OR c.direction = $3)
                     AND ($4::text IS NULL OR c.created_at >= $4)
                     AND ($5::text IS NULL OR c.created_at < $5)
                  FROM calls c WHERE c.id = cl.call_id)
           ORDER BY cl.call_id DESC LIMIT $7) page
         WHERE rm.agent_id = $1
         ORDER BY page.call_id DESC LIMIT $7))
       ORDER BY c.id DESC`,
      [agentId, query.number ?? null, query.direction ?? null, query.since ?? null, query.until ?? null, query.before ?? null, query.limit],
    );
    return rows.map(toCall);
  }

  async setCallNotes(id: number, notes: Required<CallNotes>, at: string): Promise<void> {
    await this.#write('UPDATE calls SET notes = $2, disposition = $3, updated_at = $4 WHERE id = $1', [id, notes.notes, notes.disposition, at]);
  }

  async setCallCrm(id: number, crm: CallCrm, at: string): Promise<void> {
    await this.#write(`UPDATE calls SET (${CALL_CRM_COLUMNS}, updated_at) = ($1, $2, $3, $4, $5) WHERE id = $6`, [...callCrmValues(crm), at, id]);
  }

  async setCallCrmLog(id: number, crmLog: CrmLog, at: string): Promise<void> {
    await this.#write('UPDATE calls SET crm_log = $2, updated_at = $3 WHERE id = $1', [id, JSON.stringify(crmLog), at]);
  }

  async crmWorkOf(callId: number): Promise<CrmWork | undefined> {
    const [row] = await this.#rows<CrmWorkRow>(`SELECT * FROM crm_outbox WHERE call_id = $1${this.#lock}`, [callId]);
    return row && toCrmWork(row);
  }

  async putCrmWork(work: CrmWork): Promise<void> {
    await this.#write(
      `INSERT INTO crm_outbox (${CRM_WORK_COLUMNS})
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
       ON CONFLICT (call_id) DO UPDATE SET instance_uid = EXCLUDED.instance_uid, state = EXCLUDED.state, due_at = EXCLUDED.due_at,
         attempts = EXCLUDED.attempts, last_error = EXCLUDED.last_error, again = EXCLUDED.again, uncertain = EXCLUDED.uncertain,
         lease_owner = EXCLUDED.lease_owner, lease_until = EXCLUDED.lease_until, created_at = EXCLUDED.created_at`,
      crmWorkValues(work),
    );
  }

  async deleteCrmWork(callId: number): Promise<void> {
    await this.#write('DELETE FROM crm_outbox WHERE call_id = $1', [callId]);
  }

  async claimDueCrmWork(now: string, limit: number, lease: CrmLease, scope?: CrmWorkScope): Promise<CrmWork[]> {
    const only = scope !== undefined && 'only' in scope ? scope.only : undefined;
    const held = scope !== undefined && 'except' in scope && scope.except.length > 0 ? scope.except : undefined;
    // SKIP LOCKED: rows another relay is claiming right now are left to it, not waited for. With
    // instances held, each other instance's first due rows, so that the held ones' are not read past.
    const due = held
      ? `WITH RECURSIVE ${QUEUED_INSTANCES}
         SELECT first.call_id FROM queued CROSS JOIN LATERAL (
           SELECT call_id, due_at FROM crm_outbox WHERE state = 'queued' AND instance_uid = queued.uid AND due_at <= $1 ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED
         ) first
         WHERE NOT (queued.uid = ANY($5::text[])) ORDER BY first.due_at LIMIT $2`
      : `SELECT call_id FROM crm_outbox WHERE state = 'queued' AND due_at <= $1 ${only === undefined ? '' : 'AND instance_uid = $5'} ORDER BY due_at LIMIT $2 FOR UPDATE SKIP LOCKED`;
    const rows = await this.#rows<CrmWorkRow>(
      `UPDATE crm_outbox SET state = 'inflight', lease_owner = $3, lease_until = $4 WHERE call_id IN (${due}) RETURNING *`,
      [now, limit, lease.owner, lease.until, ...(held ? [held] : only === undefined ? [] : [only])],
    );
    // RETURNING gives rows in no promised order.
    return rows.map(toCrmWork).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  async requeueOrphanedCrmWork(now: string): Promise<number> {
    return this.#count(
      `UPDATE crm_outbox SET state = 'queued', uncertain = 1, lease_owner = NULL, lease_until = NULL
       WHERE state = 'inflight' AND (lease_until IS NULL OR lease_until <= $1)`,
      [now],
    );
  }

  async nextCrmDue(except: readonly string[] = []): Promise<string | undefined> {
    const [row] =
      except.length === 0
        ? await this.#rows<{ due: string | null }>(`SELECT MIN(due_at) AS due FROM crm_outbox WHERE state = 'queued'`)
        : await this.#rows<{ due: string | null }>(
            `WITH RECURSIVE ${QUEUED_INSTANCES}
             SELECT MIN(first.due_at) AS due FROM queued CROSS JOIN LATERAL (
               SELECT due_at FROM crm_outbox WHERE state = 'queued' AND instance_uid = queued.uid ORDER BY due_at LIMIT 1
             ) first
             WHERE NOT (queued.uid = ANY($1::text[]))`,
            [except],
          );
    return row?.due ?? undefined;
  }

  async crmOutboxStats(): Promise<{ depth: number; oldestDue: string | null }> {
    const [row] = await this.#rows<{ depth: number; oldest: string | null }>('SELECT COUNT(*) AS depth, MIN(due_at) AS oldest FROM crm_outbox');
    return { depth: row!.depth, oldestDue: row!.oldest };
  }

  async takeCrmRatePlace(ask: CrmRateAsk): Promise<CrmRateAnswer> {
    // Relays asking for one account take turns here, until commit; each statement after the lock reads what the one before committed.
    await this.#write('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [ask.account]);
    await this.#write('DELETE FROM crm_rate_places WHERE account = $1 AND ended_at <= $2', [ask.account, ask.forgetBefore]);
    const places = await this.#rows<{ operation: string | null; endedAt: number }>('SELECT operation, ended_at AS "endedAt" FROM crm_rate_places WHERE account = $1', [ask.account]);
    const waits = rateWaits(places, ask);
    if (waits.now > 0) return { place: null, readyIn: waits.now };
    const [row] = await this.#rows<{ id: number }>('INSERT INTO crm_rate_places (account, operation, relay, ended_at) VALUES ($1, $2, $3, $4) RETURNING id', [
      ask.account,
      ask.operation,
      ask.relay,
      ask.runsUntil,
    ]);
    return { place: row!.id, readyIn: waits.next };
  }

  async markCrmRatePlaces(places: readonly number[], at: number, ended = false): Promise<void> {
    await this.#write('UPDATE crm_rate_places SET ended_at = CASE WHEN $3 THEN $2 ELSE GREATEST(ended_at, $2) END WHERE id = ANY($1::bigint[])', [places, at, ended]);
  }

  async appendEvents(entries: readonly EventEntry[], call: Call, at: string, options?: AppendOptions): Promise<AgentEvent[]> {
    const last = options?.last === true && this.#inTransaction;
    if (entries.length === 0) {
      // Nothing to tell (a provider's webhook sent again), but the work's last statement all the same: a batch's other appends wait for it.
      if (last) this.workSentLast();
      return [];
    }
    const append: Append = { entries, snapshot: JSON.stringify(call), at };
    this.notices.add('events');
    const rows = last ? await this.#lastOfWork(append) : (await this.#append([append]))[0]!;
    return entries.map(({ agentId, kind }, i): AgentEvent => ({ agentId, seq: rows[i]!, prevSeq: rows[i]! - 1, kind, call: append.snapshot }));
  }

  /** A work's last append: held until every work of the transaction has sent its last statement (`workSentLast`). */
  #lastOfWork(append: Append): Promise<number[]> {
    if (this.#abandoned) return Promise.reject(this.#abandoned.error);
    const seqs = new Promise<number[]>((resolve, reject) => this.#held.push({ ...append, resolve, reject }));
    this.workSentLast();
    return seqs;
  }

  /**
   * One of the transaction's works failed (`error`): the transaction will not commit, so the
   * appends held, and any held later, are refused with that error.
   */
  abandon(error: unknown): void {
    this.#abandoned ??= { error };
    for (const held of this.#held.splice(0)) held.reject(error);
  }

  /** Sends the appends held, in one statement. */
  #sendHeld(): void {
    const held = this.#held.splice(0);
    if (held.length === 0) return;
    this.#append(held).then(
      (seqs) => held.forEach((append, i) => append.resolve(seqs[i]!)),
      (error: unknown) => {
        for (const append of held) append.reject(error);
      },
    );
  }

  /**
   * Appends the events of `appends` in one statement; each append's seqs, entry by entry. The
   * agents' rows stay locked until commit: their next seqs wait for these, so seqs commit in
   * order, without gaps. Locked in id order, every agent of the statement at once: two
   * transactions for the same agents never deadlock, however many works each holds (a batch's
   * appends, one statement each, locked a work's agents after another's, and two relays' batches
   * deadlocked, waiting a second for PostgreSQL to tell). The seqs moved and the events written in
   * the same statement. Sent as the last statement, COMMIT goes out behind it: the locks are held
   * for no round trip of the relay's, the hot spot when many calls reach one agent (issue 13). An
   * agent that does not exist fails the statement (`no_such_agent`), and with it the transaction,
   * committed or not.
   */
  async #append(appends: readonly Append[]): Promise<number[][]> {
    const agentIds: string[] = [];
    const kinds: string[] = [];
    const of: number[] = [];
    for (const [i, { entries }] of appends.entries()) {
      for (const entry of entries) {
        agentIds.push(entry.agentId);
        kinds.push(entry.kind);
        of.push(i + 1);
      }
    }
    const rows = await this.#rows<{ seq: number }>(
      prepared(`WITH entry AS (SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) WITH ORDINALITY AS e(agent_id, kind, append, ord)),
            wanted AS (SELECT agent_id, count(*)::int AS n FROM entry GROUP BY agent_id),
            locked AS MATERIALIZED (SELECT id FROM agents WHERE id IN (SELECT agent_id FROM wanted) ORDER BY id FOR NO KEY UPDATE),
            bumped AS (UPDATE agents a SET last_seq = a.last_seq + w.n FROM wanted w
                       WHERE a.id = w.agent_id AND a.id IN (SELECT id FROM locked) RETURNING a.id, a.last_seq - w.n AS before),
            numbered AS (SELECT e.agent_id, e.kind, e.append, e.ord, COALESCE(b.before + row_number() OVER (PARTITION BY e.agent_id ORDER BY e.ord), no_such_agent(e.agent_id)) AS seq
                         FROM entry e LEFT JOIN bumped b ON b.id = e.agent_id),
            snapshot AS MATERIALIZED (SELECT s.append, nextval(pg_get_serial_sequence('call_snapshots', 'id')) AS id, s.call, s.created_at
                                      FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS s(call, created_at, append)),
            stored AS (INSERT INTO call_snapshots (id, call, created_at) OVERRIDING SYSTEM VALUE SELECT id, call, created_at FROM snapshot),
            written AS (INSERT INTO events (agent_id, seq, kind, snapshot_id) SELECT n.agent_id, n.seq, n.kind, s.id FROM numbered n JOIN snapshot s ON s.append = n.append)
       SELECT seq::int FROM numbered ORDER BY ord`),
      [agentIds, kinds, of, appends.map((append) => append.snapshot), appends.map((append) => append.at)],
    );
    let next = 0;
    return appends.map(({ entries }) => rows.slice(next, (next += entries.length)).map((row) => row.seq));
  }

  async lastSeq(agentId: string): Promise<number> {
    const [row] = await this.#rows<{ last_seq: number }>('SELECT last_seq FROM agents WHERE id = $1', [agentId]);
    return row?.last_seq ?? 0;
  }

  async eventsAfter(agentId: string, seq: number, limit: number): Promise<AgentEvent[]> {
    return (await this.#rows<EventRow>(`${EVENT_SELECT} WHERE e.agent_id = $1 AND e.seq > $2 ORDER BY e.seq LIMIT $3`, [agentId, seq, limit])).map(toEvent);
  }

  async eventsAfterEach(after: ReadonlyMap<string, number>, limit: number): Promise<AgentEvent[]> {
    if (after.size === 0) return [];
    // One round trip for every agent: an indexed range read per (agent, seq) pair, in the map's order.
    const rows = await this.#rows<EventRow>(
      prepared(`SELECT e.agent_id, e.seq, e.kind, s.call
       FROM unnest($1::text[], $2::int[]) WITH ORDINALITY AS a(agent_id, after_seq, ord)
       CROSS JOIN LATERAL (SELECT agent_id, seq, kind, snapshot_id FROM events
                           WHERE agent_id = a.agent_id AND seq > a.after_seq ORDER BY seq LIMIT $3) e
       JOIN call_snapshots s ON s.id = e.snapshot_id
       ORDER BY a.ord, e.seq`),
      [[...after.keys()], [...after.values()], limit],
    );
    return rows.map(toEvent);
  }
}
