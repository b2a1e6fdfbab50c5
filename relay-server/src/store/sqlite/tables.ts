import Database from 'better-sqlite3';
import type { CrmLog } from '@phone-connector/shared';
import type { CallState } from '../../calls/merge.ts';
import type {
  Agent,
  AgentEvent,
  AgentPatch,
  Call,
  CallCrm,
  CallNotes,
  CallQuery,
  CrmLease,
  CrmRateAnswer,
  CrmRateAsk,
  CrmWork,
  CrmWorkScope,
  StoreTables,
  EventEntry,
  Instance,
  InstanceInput,
  NewAgent,
} from '../index.ts';
import {
  AGENT_COLUMNS,
  agentOfValues,
  agentsOnCallsSelect,
  type AgentRow,
  type AgentValues,
  CALL_SELECT,
  callOfValues,
  type CallRow,
  type CallValues,
  CALL_CRM_COLUMNS,
  CRM_WORK_COLUMNS,
  type CallCrmValues,
  type CrmWorkValues,
  callCrmValues,
  crmWorkValues,
  type EventRow,
  agentColumnsOfA,
  type InstanceRow,
  INSTANCE_SELECT,
  INSTANCE_WITH_OWNER_SELECT,
  type InstanceWithOwnerRow,
  rateWaits,
  STATE_COLUMNS,
  STATE_PARAMETERS,
  stateValues,
  toAgent,
  toCall,
  crmWorkOfValues,
  toInstance,
  toInstanceWithOwner,
  frozenInstanceWithOwner,
  INSTANCES_KEPT,
} from '../rows.ts';
import { KeptWhileDirectoryUnchanged } from './kept-reads.ts';

/** Numbers whose agents are kept: a relay's team numbers, not every agent's own. */
export const NUMBERS_KEPT = 16;
/** Rosters kept by their members: a relay's teams, and a few agents' own numbers. */
export const ROSTERS_KEPT = 64;

/**
 * The per-agent rows (call_agents, events) name their agent by its short id (see MIGRATIONS): the
 * agent's text id is read through agents_by_short_id. PostgreSQL's name it by its id.
 */
const CALL_AGENTS_SELECT = `SELECT ${agentColumnsOfA.join(', ')} FROM call_agents ca JOIN calls c ON c.id = ca.call_id JOIN agents a ON a.short_id = ca.agent_short_id`;
const SHORT_ID_OF = '(SELECT short_id FROM agents WHERE id = ?)';

/**
 * What an agent sees of a call it is linked to (`ca`): the event its link starts at (its `created`),
 * and each later one that every agent linked to the call sees (see MIGRATIONS).
 */
const SEEN_THROUGH_LINK = 'e.call_id = ca.call_id AND e.seq >= ca.first_seq AND (e.audience = 0 OR e.seq = ca.first_seq)';
const KIND_THROUGH_LINK = `CASE WHEN e.seq = ca.first_seq THEN 'created' ELSE 'updated' END`;
/**
 * An agent's events are read either by walking the call events from a seq and looking each one's
 * link up, or link by link (a seek into each of its calls' events, as many as the calls it ever
 * had): the walk when it passes at most this many events. A client a few events behind, or the last
 * event of an agent of the team's number, is then a few steps whatever the agent's history
 * (issue 13: link by link, 17 ms for an agent's last seq after 5,000 calls, 0.01 in per-agent rows).
 */
export const EVENTS_WALKED = 2_000;

/** Who sees a call event: every agent linked to the call, or only the agents whose link starts at it. */
const AUDIENCE = { linked: 0, newlyLinked: 1 } as const;

/** An event as a read finds it for an agent. */
type EventRead = Omit<EventRow, 'agent_id'>;

/** An agent as its per-agent rows name it, and its last event seq. */
interface KeptAgent {
  readonly shortId: number;
  lastSeq: number;
}

/** The store's methods as better-sqlite3 runs them: synchronously, each returning its value. */
export type Synchronous<T> = { [K in keyof T]: T[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => R : never };

/**
 * The relay's tables on one SQLite connection, read and written with prepared statements. Plain
 * synchronous reads and writes: `store.ts` runs them in turn, inside its transactions.
 */
export class SqliteTables implements Synchronous<StoreTables> {
  private readonly statements;
  /**
   * Kept between reads, forgotten on every rollback (`forgetKept`). An incoming call to a team
   * number of 1,000 agents read and built all 1,000 in its transaction, about a quarter of its
   * CPU, before any agent could hear of it; every webhook's guard read its instance joined to the
   * owner and parsed three JSON columns, 2 to 3 % of the relay's CPU under load (issue 13).
   */
  private readonly agentsByNumber: KeptWhileDirectoryUnchanged<readonly Agent[]>;
  private readonly instancesWithOwner: KeptWhileDirectoryUnchanged<{ instance: Instance; owner: Agent }>;
  /**
   * Each agent's short id and last event seq, as this connection last wrote or read them (see
   * `appendEvents`), while `PRAGMA data_version` says no other connection committed since (`keptVersion`).
   */
  private readonly keptAgents = new Map<string, KeptAgent>();
  /** The last seq given to a call event, kept under the same rules as the agents. */
  private keptCallSeq: number | undefined;
  /** Rosters by their members (`linkAgents`), kept under the same rules as the agents. */
  private readonly keptRosters = new Map<string, number>();
  /** The links `linkAgents` made last: the agents whose `created` the next call event may be. */
  private linked: { callId: number; firstSeq: number; agentIds: Set<string> } | undefined;
  /**
   * The call `insertCall` made last, while nothing is linked to it yet: its links are not read
   * (there are none), one statement less on every new call (issue 13). Forgotten on every rollback.
   */
  private unlinkedCall: number | undefined;
  private keptVersion: number | undefined;

  constructor(db: Database.Database) {
    const agentsWithNumber = db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE number = ? ORDER BY created_at, id`);
    this.agentsByNumber = new KeptWhileDirectoryUnchanged(db, NUMBERS_KEPT, (number) =>
      Object.freeze(agentsWithNumber.all(number).map((row) => Object.freeze(toAgent(row)))),
    );
    const instanceWithOwner = db.prepare<[string], InstanceWithOwnerRow>(`${INSTANCE_WITH_OWNER_SELECT} WHERE i.uid = ?`);
    // An unknown uid is not kept: anyone can post to any address, and the known ones must stay.
    this.instancesWithOwner = new KeptWhileDirectoryUnchanged(db, INSTANCES_KEPT, (uid) => {
      const row = instanceWithOwner.get(uid);
      return row && frozenInstanceWithOwner(toInstanceWithOwner(row));
    });
    this.statements = {
      insertAgent: db.prepare(
        `INSERT INTO agents (id, name, number, email, admin, token_hash, created_at) VALUES (@id, @name, @number, @email, @admin, @tokenHash, @createdAt)`,
      ),
      agents: db.prepare<[], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents ORDER BY created_at, id`),
      agentById: db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE id = ?`),
      agentByToken: db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE token_hash = ?`),
      removeAgent: db.prepare<[string]>(`DELETE FROM agents WHERE id = ?`),
      updateAgent: db.prepare(`UPDATE agents SET number = @number, email = @email, profile = @profile, away_since = @awaySince, away_until = @awayUntil WHERE id = @id`),
      returnAgentsDue: db.prepare<[string], AgentRow>(`UPDATE agents SET away_since = NULL, away_until = NULL WHERE away_until <= ? RETURNING ${AGENT_COLUMNS}`),
      anyInstanceWithCrm: db.prepare<[], number>(`SELECT EXISTS (SELECT 1 FROM instances WHERE crm IS NOT NULL)`).pluck(),
      connectorXml: db.prepare<[string], { xml: string | null; updated_at: string }>(`SELECT xml, updated_at FROM instances WHERE uid = ?`),
      instanceOf: db.prepare<[string, string], InstanceRow>(`${INSTANCE_SELECT} WHERE i.agent_id = ? AND i.local_id = ?`),
      instanceOfCall: db.prepare<[number], InstanceRow>(`${INSTANCE_SELECT} JOIN calls c ON c.instance_uid = i.uid WHERE c.id = ?`),
      instancesOf: db.prepare<[string], InstanceRow>(`${INSTANCE_SELECT} WHERE i.agent_id = ? ORDER BY i.local_id`),
      insertInstance: db.prepare(
        `INSERT INTO instances (uid, agent_id, local_id, connector, xml, config, crm, hours, secret, created_at, updated_at)
         VALUES (@uid, @agentId, @localId, @connector, @xml, @config, @crm, @hours, @secret, @at, @at)`,
      ),
      replaceInstance: db.prepare(`UPDATE instances SET connector = @connector, xml = @xml, config = @config, crm = @crm, hours = @hours, updated_at = @at WHERE uid = @uid`),
      deleteInstance: db.prepare<[string, string]>(`DELETE FROM instances WHERE agent_id = ? AND local_id = ?`),
      // Raw rows, wherever a call is read (`callOfValues`): the webhook's path, a lookup's contact, the outbox's log.
      callByKey: db.prepare<[string, string], CallValues>(`${CALL_SELECT} WHERE c.instance_uid = ? AND c.call_id = ?`).raw(),
      callById: db.prepare<[number], CallValues>(`${CALL_SELECT} WHERE c.id = ?`).raw(),
      callForAgent: db
        .prepare<[number, string], CallValues>(
          `${CALL_SELECT} WHERE c.id = ? AND EXISTS (SELECT 1 FROM call_agents ca WHERE ca.call_id = c.id AND ca.agent_short_id = ${SHORT_ID_OF})`,
        )
        .raw(),
      agentsOnCalls: db
        .prepare<{ since: string }, string>(
          agentsOnCallsSelect({ answeredBy: "json_extract(c.extra, '$.answered_by')", linkColumn: 'agent_short_id', agentColumn: 'short_id', since: '@since' }),
        )
        .pluck(),
      // Positional parameters: better-sqlite3 binds named ones by name, a lookup per parameter (`stateValues`).
      insertCall: db.prepare<[string, string, unknown[], string, string]>(
        `INSERT INTO calls (instance_uid, call_id, ${STATE_COLUMNS}, created_at, updated_at) VALUES (?, ?, ${STATE_PARAMETERS}, ?, ?)`,
      ),
      updateCall: db.prepare<[unknown[], string, number]>(`UPDATE calls SET (${STATE_COLUMNS}, updated_at) = (${STATE_PARAMETERS}, ?) WHERE id = ?`),
      updateCallWithLog: db.prepare<[unknown[], string, string, number]>(`UPDATE calls SET (${STATE_COLUMNS}, crm_log, updated_at) = (${STATE_PARAMETERS}, ?, ?) WHERE id = ?`),
      setCallNotes: db.prepare(`UPDATE calls SET notes = @notes, disposition = @disposition, updated_at = @at WHERE id = @id`),
      setCallCrm: db.prepare<[...CallCrmValues, string, number]>(`UPDATE calls SET (${CALL_CRM_COLUMNS}, updated_at) = (?, ?, ?, ?, ?) WHERE id = ?`),
      setCallCrmLog: db.prepare<[string, string, number]>(`UPDATE calls SET crm_log = ?, updated_at = ? WHERE id = ?`),
      // Raw rows (`crmWorkOfValues`), as the calls' are.
      crmWorkOf: db.prepare<[number], CrmWorkValues>(`SELECT ${CRM_WORK_COLUMNS} FROM crm_outbox WHERE call_id = ?`).raw(),
      putCrmWork: db.prepare<CrmWorkValues>(`INSERT OR REPLACE INTO crm_outbox (${CRM_WORK_COLUMNS}) VALUES (${CRM_WORK_COLUMNS.replace(/\w+/g, '?')})`),
      deleteCrmWork: db.prepare<[number]>(`DELETE FROM crm_outbox WHERE call_id = ?`),
      // The due rows' ids read, then each claimed by its id: an UPDATE over a subquery of them cost a
      // landing's claim (outbox-worker.ts `claimAtLanding`) about twice the two (issue 10).
      dueCrmWork: db.prepare<[string, number], number>(`SELECT call_id FROM crm_outbox WHERE state = 'queued' AND due_at <= ? ORDER BY due_at LIMIT ?`).pluck(),
      // The instances with queued rows, a seek each through crm_outbox_by_instance: with circuits open, `nextCrmDue` and `claimDueCrmWork` read per instance.
      queuedInstances: db
        .prepare<[], string>(
          `WITH RECURSIVE queued(uid) AS (
             SELECT MIN(instance_uid) FROM crm_outbox WHERE state = 'queued'
             UNION ALL
             SELECT (SELECT MIN(instance_uid) FROM crm_outbox WHERE state = 'queued' AND instance_uid > queued.uid) FROM queued WHERE uid IS NOT NULL
           )
           SELECT uid FROM queued WHERE uid IS NOT NULL`,
        )
        .pluck(),
      dueCrmWorkOf: db.prepare<[string, string, number], { call_id: number; due_at: string }>(
        `SELECT call_id, due_at FROM crm_outbox WHERE state = 'queued' AND instance_uid = ? AND due_at <= ? ORDER BY due_at LIMIT ?`,
      ),
      firstDueOf: db.prepare<[string], string>(`SELECT due_at FROM crm_outbox WHERE state = 'queued' AND instance_uid = ? ORDER BY due_at LIMIT 1`).pluck(),
      claimCrmRow: db
        .prepare<[string, string, number], CrmWorkValues>(`UPDATE crm_outbox SET state = 'inflight', lease_owner = ?, lease_until = ? WHERE call_id = ? RETURNING ${CRM_WORK_COLUMNS}`)
        .raw(),
      claimCrmWorkOf: db
        .prepare<{ now: string; limit: number; owner: string; until: string; only: string }, CrmWorkValues>(
          `UPDATE crm_outbox SET state = 'inflight', lease_owner = @owner, lease_until = @until
         WHERE call_id IN (SELECT call_id FROM crm_outbox WHERE state = 'queued' AND due_at <= @now AND instance_uid = @only ORDER BY due_at LIMIT @limit)
         RETURNING ${CRM_WORK_COLUMNS}`,
        )
        .raw(),
      // A row in flight without a lease was claimed by a relay from before leases: orphaned too.
      requeueOrphans: db.prepare<[string]>(
        `UPDATE crm_outbox SET state = 'queued', uncertain = 1, lease_owner = NULL, lease_until = NULL
         WHERE state = 'inflight' AND (lease_until IS NULL OR lease_until <= ?)`,
      ),
      nextCrmDue: db.prepare<[], { due: string | null }>(`SELECT MIN(due_at) AS due FROM crm_outbox WHERE state = 'queued'`),
      crmOutboxStats: db.prepare<[], { depth: number; oldest: string | null }>(`SELECT COUNT(*) AS depth, MIN(due_at) AS oldest FROM crm_outbox`),
      forgetRatePlaces: db.prepare<[string, number]>('DELETE FROM crm_rate_places WHERE account = ? AND ended_at <= ?'),
      ratePlaces: db.prepare<[string], { operation: string | null; endedAt: number }>('SELECT operation, ended_at AS endedAt FROM crm_rate_places WHERE account = ?'),
      takeRatePlace: db.prepare<[string, string | null, string, number]>('INSERT INTO crm_rate_places (account, operation, relay, ended_at) VALUES (?, ?, ?, ?)'),
      markRatePlaces: db.prepare<[number, string]>('UPDATE crm_rate_places SET ended_at = MAX(ended_at, ?) WHERE id IN (SELECT value FROM json_each(?))'),
      endRatePlaces: db.prepare<[number, string]>('UPDATE crm_rate_places SET ended_at = ? WHERE id IN (SELECT value FROM json_each(?))'),
      // Plucked: a CRM step reads its call's agents twice (its request's agent, then its landing's events).
      callAgents: db
        .prepare<[number], string>(`SELECT a.id AS agent_id FROM call_agents ca JOIN agents a ON a.short_id = ca.agent_short_id WHERE ca.call_id = ? ORDER BY a.id`)
        .pluck(),
      agentsOfCallByKey: db.prepare<[string, string], AgentValues>(`${CALL_AGENTS_SELECT} WHERE c.instance_uid = ? AND c.call_id = ? ORDER BY a.created_at, a.id`).raw(),
      callAgentsByKey: db.prepare<[string, string], { agent_id: string }>(
        `SELECT a.id AS agent_id FROM call_agents ca JOIN calls c ON c.id = ca.call_id JOIN agents a ON a.short_id = ca.agent_short_id
         WHERE c.instance_uid = ? AND c.call_id = ? ORDER BY a.created_at, a.id`,
      ),
      // One roster's calls, driven by call_links_by_roster, so a page costs the same however many calls
      // others have; an agent's page merges those of its rosters (`listCalls`).
      listCallsOfRoster: db.prepare<Record<string, unknown>, CallRow>(
        `${CALL_SELECT} JOIN call_links cl ON cl.call_id = c.id
         WHERE cl.roster_id = @rosterId
           AND (@number IS NULL OR c.from_number = @number OR c.to_number = @number OR c.user_number = @number)
           AND (@direction IS NULL OR c.direction = @direction)
           AND (@since IS NULL OR c.created_at >= @since)
           AND (@until IS NULL OR c.created_at < @until)
           AND (@before IS NULL OR cl.call_id < @before)
         ORDER BY cl.call_id DESC LIMIT @limit`,
      ),
      rostersOf: db.prepare<[number], number>(`SELECT roster_id FROM roster_members WHERE agent_short_id = ?`).pluck(),
      rosterWithMembers: db.prepare<[string], number>(`SELECT id FROM rosters WHERE members = ?`).pluck(),
      insertRoster: db.prepare<[string]>(`INSERT INTO rosters (members) VALUES (?)`),
      insertRosterMember: db.prepare<[number, number]>(`INSERT INTO roster_members (agent_short_id, roster_id) VALUES (?, ?)`),
      linkRoster: db.prepare<[number, number, number]>(`INSERT INTO call_links (call_id, roster_id, first_seq) VALUES (?, ?, ?)`),
      linkedShortIds: db.prepare<[number], number>(`SELECT agent_short_id FROM call_agents WHERE call_id = ?`).pluck(),
      linkCount: db.prepare<[number], number>(`SELECT count(*) FROM call_agents WHERE call_id = ?`).pluck(),
      shortIdOf: db.prepare<[string], number>(`SELECT short_id FROM agents WHERE id = ?`).pluck(),
      // An agent's seq is read through its links, not kept in its agents row (see MIGRATIONS).
      // Its newest link's first event: a floor under its last seq, most of the time its last created.
      // The newest link of each of the agent's rosters (call_links_by_roster), then the newest of those.
      newestLinkStart: db.prepare<[number], number>(
        `SELECT cl.first_seq FROM roster_members rm JOIN call_links cl
           ON cl.call_id = (SELECT max(call_id) FROM call_links WHERE roster_id = rm.roster_id) AND cl.roster_id = rm.roster_id
         WHERE rm.agent_short_id = ? ORDER BY cl.call_id DESC LIMIT 1`,
      ).pluck(),
      lastSeenWalking: db.prepare<[number, number], number>(
        `SELECT e.seq FROM call_events e CROSS JOIN call_agents ca WHERE e.seq >= ? AND ca.agent_short_id = ? AND ${SEEN_THROUGH_LINK} ORDER BY e.seq DESC LIMIT 1`,
      ).pluck(),
      lastSeenByLinks: db.prepare<[number], number | null>(
        `SELECT max((SELECT max(e.seq) FROM call_events e WHERE ${SEEN_THROUGH_LINK})) FROM call_agents ca WHERE ca.agent_short_id = ?`,
      ).pluck(),
      lastAgentEvent: db.prepare<[number], number | null>(`SELECT max(seq) FROM agent_events WHERE agent_short_id = ?`).pluck(),
      // The largest seq (call events are never deleted), or where the counter started (see MIGRATIONS).
      lastCallSeq: db.prepare<[], number>(`SELECT max(coalesce((SELECT max(seq) FROM call_events), 0), seq) FROM call_events_after WHERE only_row = 1`).pluck(),
      // Moves when another connection commits, never for this one's own writes.
      dataVersion: db.prepare<[], number>('PRAGMA data_version').pluck(),
      insertCallEvent: db.prepare<[number, number, number, string, string]>(`INSERT INTO call_events (seq, call_id, audience, call, created_at) VALUES (?, ?, ?, ?, ?)`),
      eventsWalking: db.prepare<[number, number, number], EventRead>(
        `SELECT e.seq, ${KIND_THROUGH_LINK} AS kind, e.call FROM call_events e CROSS JOIN call_agents ca
         WHERE e.seq > ? AND ca.agent_short_id = ? AND ${SEEN_THROUGH_LINK} ORDER BY e.seq LIMIT ?`,
      ),
      eventsByLinks: db.prepare<[number, number, number], EventRead>(
        `SELECT e.seq, ${KIND_THROUGH_LINK} AS kind, e.call FROM call_agents ca JOIN call_events e ON ${SEEN_THROUGH_LINK}
         WHERE e.seq > ? AND ca.agent_short_id = ? ORDER BY e.seq LIMIT ?`,
      ),
      agentEventsAfter: db.prepare<[number, number, number], EventRead>(
        `SELECT e.seq, e.kind, s.call FROM agent_events e JOIN call_snapshots s ON s.id = e.snapshot_id WHERE e.agent_short_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?`,
      ),
    };
  }

  /**
   * Drops what is kept between reads (the agents by number, the instances with their owner): told
   * of every rollback by the connection's transaction queue. Not a method: every method of the
   * prototype is a table method (`TABLE_METHODS`).
   */
  readonly forgetKept = (): void => {
    this.agentsByNumber.forget();
    this.instancesWithOwner.forget();
    this.keptAgents.clear();
    this.keptRosters.clear();
    this.keptCallSeq = undefined;
    this.linked = undefined;
    this.unlinkedCall = undefined;
  };

  addAgent(agent: NewAgent): Agent {
    this.statements.insertAgent.run({ ...agent, admin: agent.admin ? 1 : 0 });
    return this.agentById(agent.id)!;
  }

  listAgents(): Agent[] {
    return this.statements.agents.all().map(toAgent);
  }

  agentsWithNumber(number: string): Agent[] {
    return [...this.agentsByNumber.read(number)!];
  }

  removeAgent(id: string): boolean {
    // Its links and its per-agent events go with it: an agent of the same id added again sees none of them.
    // Its rosters no longer have the members they are found by (see MIGRATIONS).
    this.keptAgents.delete(id);
    this.keptRosters.clear();
    return this.statements.removeAgent.run(id).changes > 0;
  }

  agentById(id: string): Agent | undefined {
    const row = this.statements.agentById.get(id);
    return row && toAgent(row);
  }

  agentByTokenHash(tokenHash: string): Agent | undefined {
    const row = this.statements.agentByToken.get(tokenHash);
    return row && toAgent(row);
  }

  updateAgent(id: string, patch: AgentPatch): Agent | undefined {
    const current = this.agentById(id);
    if (!current) return undefined;
    this.statements.updateAgent.run({
      id,
      number: patch.number ?? current.number,
      email: patch.email === undefined ? current.email : patch.email,
      profile: JSON.stringify(patch.profile ?? current.profile),
      awaySince: patch.awaySince === undefined ? current.awaySince : patch.awaySince,
      awayUntil: patch.awayUntil === undefined ? current.awayUntil : patch.awayUntil,
    });
    return this.agentById(id);
  }

  returnAgentsDue(now: string): Agent[] {
    return this.statements.returnAgentsDue.all(now).map(toAgent);
  }

  putInstance(input: InstanceInput, fresh: { uid: string; secret: string }): Instance {
    const existing = this.statements.instanceOf.get(input.agentId, input.localId);
    const values = { ...input, config: JSON.stringify(input.config), crm: input.crm && JSON.stringify(input.crm), hours: input.hours ? JSON.stringify(input.hours) : null };
    if (existing) this.statements.replaceInstance.run({ ...values, uid: existing.uid });
    else this.statements.insertInstance.run({ ...values, ...fresh });
    return toInstance(this.statements.instanceOf.get(input.agentId, input.localId)!);
  }

  /**
   * The kept read of the webhook's path (`instanceWithOwner`): the CRM's steps read the instance
   * again for each call (the lookup's transaction, the outbox row's run), and each read parsed its
   * config and CRM setup anew, 1.7 KB per call of the throughput bench's CRM row (issue 10).
   */
  instanceByUid(uid: string): Instance | undefined {
    return this.instancesWithOwner.read(uid)?.instance;
  }

  instanceWithOwner(uid: string): { instance: Instance; owner: Agent } | undefined {
    return this.instancesWithOwner.read(uid);
  }

  connectorXml(uid: string): { xml: string | null; updatedAt: string } | undefined {
    const row = this.statements.connectorXml.get(uid);
    return row && { xml: row.xml, updatedAt: row.updated_at };
  }

  instanceOf(agentId: string, localId: string): Instance | undefined {
    const row = this.statements.instanceOf.get(agentId, localId);
    return row && toInstance(row);
  }

  instancesOf(agentId: string): Instance[] {
    return this.statements.instancesOf.all(agentId).map(toInstance);
  }

  anyInstanceWithCrm(): boolean {
    return this.statements.anyInstanceWithCrm.get() === 1;
  }

  deleteInstance(agentId: string, localId: string): boolean {
    return this.statements.deleteInstance.run(agentId, localId).changes > 0;
  }

  callByKey(instanceUid: string, callId: string): Call | undefined {
    const values = this.statements.callByKey.get(instanceUid, callId);
    return values && callOfValues(values);
  }

  callAgentIds(instanceUid: string, callId: string): string[] {
    return this.statements.callAgentsByKey.all(instanceUid, callId).map((r) => r.agent_id);
  }

  /** Frozen as the agents kept by number are, so that the webhook's path sees one map of agent for new calls and updates. */
  callAgents(instanceUid: string, callId: string): Agent[] {
    return this.statements.agentsOfCallByKey.all(instanceUid, callId).map((values) => Object.freeze(agentOfValues(values)));
  }

  callById(id: number): Call | undefined {
    const values = this.statements.callById.get(id);
    return values && callOfValues(values);
  }

  instanceOfCall(id: number): Instance | undefined {
    const row = this.statements.instanceOfCall.get(id);
    return row && toInstance(row);
  }

  agentIdsOfCall(id: number): string[] {
    return this.statements.callAgents.all(id);
  }

  insertCall(instanceUid: string, callId: string, state: CallState, at: string): number {
    const id = Number(this.statements.insertCall.run(instanceUid, callId, stateValues(state), at, at).lastInsertRowid);
    this.unlinkedCall = id;
    return id;
  }

  updateCall(id: number, state: CallState, at: string, crmLog?: CrmLog): void {
    if (crmLog) this.statements.updateCallWithLog.run(stateValues(state), JSON.stringify(crmLog), at, id);
    else this.statements.updateCall.run(stateValues(state), at, id);
  }

  /**
   * One row, whatever the agents: the call linked to the roster of the agents not yet linked to it
   * (issue 13: a row per agent, 1,000 for a team's call, were most of its transaction before any
   * agent heard of it). A new link starts at the next call event's seq: the `created` its agent is
   * told of next (`appendEvents`).
   */
  linkAgents(agentIds: readonly string[], id: number): void {
    if (agentIds.length === 0) return;
    this.keepWhileNoOtherCommit();
    const firstSeq = this.lastCallSeq() + 1;
    if (this.linked?.callId !== id || this.linked.firstSeq !== firstSeq) this.linked = { callId: id, firstSeq, agentIds: new Set() };
    const already = new Set(this.unlinkedCall === id ? [] : this.statements.linkedShortIds.all(id));
    this.unlinkedCall = undefined;
    const added = new Map<number, string>();
    for (const agentId of agentIds) {
      const { shortId } = this.keptAgent(agentId);
      if (!already.has(shortId)) added.set(shortId, agentId);
    }
    if (added.size === 0) return;
    this.statements.linkRoster.run(id, this.rosterOf([...added.keys()].sort((a, b) => a - b)), firstSeq);
    for (const agentId of added.values()) this.linked.agentIds.add(agentId);
  }

  /** The roster of these agents (short ids, ascending): kept, read, or stored now. */
  private readonly rosterOf = (shortIds: readonly number[]): number => {
    const members = shortIds.join(',');
    let id = this.keptRosters.get(members) ?? this.statements.rosterWithMembers.get(members);
    if (id === undefined) {
      id = Number(this.statements.insertRoster.run(members).lastInsertRowid);
      for (const shortId of shortIds) this.statements.insertRosterMember.run(shortId, id);
    }
    // Rosters of one agent come and go with the calls to agents' own numbers: kept a few at a time.
    if (this.keptRosters.size >= ROSTERS_KEPT) this.keptRosters.clear();
    this.keptRosters.set(members, id);
    return id;
  };

  agentsOnCalls(since: string): string[] {
    return this.statements.agentsOnCalls.all({ since });
  }

  callFor(agentId: string, id: number): Call | undefined {
    const values = this.statements.callForAgent.get(id, agentId);
    return values && callOfValues(values);
  }

  /** The newest of each roster's page of calls the agent is in: an agent is linked to a call through one roster at most. */
  listCalls(agentId: string, query: CallQuery): Call[] {
    const shortId = this.statements.shortIdOf.get(agentId);
    if (shortId === undefined) return [];
    const params = { number: null, direction: null, since: null, until: null, before: null, ...query };
    const rows = this.statements.rostersOf.all(shortId).flatMap((rosterId) => this.statements.listCallsOfRoster.all({ ...params, rosterId }));
    return rows.sort((a, b) => b.id - a.id).slice(0, query.limit).map(toCall);
  }

  setCallNotes(id: number, notes: Required<CallNotes>, at: string): void {
    this.statements.setCallNotes.run({ ...notes, at, id });
  }

  setCallCrm(id: number, crm: CallCrm, at: string): void {
    this.statements.setCallCrm.run(...callCrmValues(crm), at, id);
  }

  setCallCrmLog(id: number, crmLog: CrmLog, at: string): void {
    this.statements.setCallCrmLog.run(JSON.stringify(crmLog), at, id);
  }

  crmWorkOf(callId: number): CrmWork | undefined {
    const values = this.statements.crmWorkOf.get(callId);
    return values && crmWorkOfValues(values);
  }

  putCrmWork(work: CrmWork): void {
    this.statements.putCrmWork.run(...crmWorkValues(work));
  }

  deleteCrmWork(callId: number): void {
    this.statements.deleteCrmWork.run(callId);
  }

  claimDueCrmWork(now: string, limit: number, lease: CrmLease, scope?: CrmWorkScope): CrmWork[] {
    const claim = { now, limit, ...lease };
    const rows =
      scope === undefined || ('except' in scope && scope.except.length === 0)
        ? this.statements.dueCrmWork.all(now, limit).map((callId) => this.statements.claimCrmRow.get(lease.owner, lease.until, callId)!)
        : 'only' in scope
          ? this.statements.claimCrmWorkOf.all({ ...claim, only: scope.only })
          : this.claimDueExcept(now, limit, lease, new Set(scope.except));
    // RETURNING gives rows in no promised order.
    return rows.map(crmWorkOfValues).sort((a, b) => a.dueAt.localeCompare(b.dueAt));
  }

  requeueOrphanedCrmWork(now: string): number {
    return this.statements.requeueOrphans.run(now).changes;
  }

  nextCrmDue(except: readonly string[] = []): string | undefined {
    if (except.length === 0) return this.statements.nextCrmDue.get()?.due ?? undefined;
    let next: string | undefined;
    for (const uid of this.queuedInstancesBut(new Set(except))) {
      const due = this.statements.firstDueOf.get(uid);
      if (due !== undefined && (next === undefined || due < next)) next = due;
    }
    return next;
  }

  /** The instances with queued rows, but those `held`. */
  private queuedInstancesBut(held: ReadonlySet<string>): string[] {
    return this.statements.queuedInstances.all().filter((uid) => !held.has(uid));
  }

  /**
   * The due rows of the instances not `held`, oldest first, `limit` at most: each instance's own
   * first ones, read at the front of its range of crm_outbox_by_instance, so that the rows of held
   * instances (a CRM down for minutes) are never read past. One seek per instance with queued rows.
   */
  private claimDueExcept(now: string, limit: number, lease: CrmLease, held: ReadonlySet<string>): CrmWorkValues[] {
    const due = this.queuedInstancesBut(held).flatMap((uid) => this.statements.dueCrmWorkOf.all(uid, now, limit));
    due.sort((a, b) => a.due_at.localeCompare(b.due_at));
    return due.slice(0, limit).map((row) => this.statements.claimCrmRow.get(lease.owner, lease.until, row.call_id)!);
  }

  crmOutboxStats(): { depth: number; oldestDue: string | null } {
    const row = this.statements.crmOutboxStats.get()!;
    return { depth: row.depth, oldestDue: row.oldest };
  }

  /** One transaction at a time on the file: the relay's asks take turns. */
  takeCrmRatePlace(ask: CrmRateAsk): CrmRateAnswer {
    this.statements.forgetRatePlaces.run(ask.account, ask.forgetBefore);
    const waits = rateWaits(this.statements.ratePlaces.all(ask.account), ask);
    if (waits.now > 0) return { place: null, readyIn: waits.now };
    const place = Number(this.statements.takeRatePlace.run(ask.account, ask.operation, ask.relay, ask.runsUntil).lastInsertRowid);
    return { place, readyIn: waits.next };
  }

  markCrmRatePlaces(places: readonly number[], at: number, ended = false): void {
    (ended ? this.statements.endRatePlaces : this.statements.markRatePlaces).run(at, JSON.stringify(places));
  }

  /**
   * One row for the call event, however many agents it reaches (issue 13): its agents are read
   * through the call's links. So the entries must be what the links say: `created` for the agents
   * whose links `linkAgents` just made for this call, and `updated` for every other agent linked to
   * it or for none (anything else is refused: a replay would read other events than those
   * returned). Each agent's previous seq is read through its links once, then kept with its short
   * id: a call to 1,000 agents read 1,000 seqs in its transaction, a third of its statements.
   */
  appendEvents(entries: readonly EventEntry[], call: Call, at: string): AgentEvent[] {
    if (entries.length === 0) return [];
    this.keepWhileNoOtherCommit();
    const seq = this.lastCallSeq() + 1;
    const agents = entries.map(({ agentId }) => this.keptAgent(agentId));
    let updated = 0;
    const named = new Set<string>();
    for (const { agentId, kind } of entries) {
      if (named.has(agentId)) throw new Error(`cannot append an event naming agent ${agentId} twice: a call event is one per agent`);
      named.add(agentId);
      if (kind === 'updated') updated++;
      else if (this.linked?.callId !== call.id || this.linked.firstSeq !== seq || !this.linked.agentIds.has(agentId)) {
        throw new Error(`cannot append a created event of call ${call.id} for agent ${agentId}: only an agent it has just linked is told of it as created`);
      }
    }
    if (updated > 0) {
      const linkCount = this.statements.linkCount.get(call.id)!;
      if (linkCount !== entries.length) throw new Error(`cannot append an updated event of call ${call.id} for ${updated} agents: it goes to all of its ${linkCount} agents`);
    }
    const snapshot = JSON.stringify(call);
    this.statements.insertCallEvent.run(seq, call.id, updated > 0 ? AUDIENCE.linked : AUDIENCE.newlyLinked, snapshot, at);
    this.keptCallSeq = seq;
    return entries.map(({ agentId, kind }, i) => {
      const agent = agents[i]!;
      const prevSeq = agent.lastSeq;
      agent.lastSeq = seq;
      return { agentId, seq, prevSeq, kind, call: snapshot };
    });
  }

  /** The last seq given to a call event: kept, or read. */
  private readonly lastCallSeq = (): number => (this.keptCallSeq ??= this.statements.lastCallSeq.get() ?? 0);

  /**
   * Drops the kept agents once another connection has committed. They are kept only while provably
   * right: this connection writes inside its transaction (the write lock held, no other can commit
   * meanwhile); another connection's commit (`relay agent remove`, whose agent's events go with it,
   * and an agent added again gets another short id) moves `data_version`; a rollback forgets them
   * (`forgetKept`), a restart starts with nothing kept. Not a method, as `forgetKept`: every method
   * of the prototype is a table method.
   */
  private readonly keepWhileNoOtherCommit = (): void => {
    const version = this.statements.dataVersion.get()!;
    if (version === this.keptVersion) return;
    this.keptAgents.clear();
    this.keptRosters.clear();
    this.keptCallSeq = undefined;
    this.linked = undefined;
    this.unlinkedCall = undefined;
    this.keptVersion = version;
  };

  private readonly keptAgent = (agentId: string): KeptAgent => {
    const agent = this.knownAgent(agentId);
    if (!agent) throw new Error(`cannot link or append an event for agent ${agentId}: no such agent`);
    return agent;
  };

  /** `keptAgent`, or undefined for an agent that is not (or no longer) in the table. */
  private readonly knownAgent = (agentId: string): KeptAgent | undefined => {
    const kept = this.keptAgents.get(agentId);
    if (kept) return kept;
    const shortId = this.statements.shortIdOf.get(agentId);
    if (shortId === undefined) return undefined;
    const agent = { shortId, lastSeq: this.lastSeqOf(shortId) };
    this.keptAgents.set(agentId, agent);
    return agent;
  };

  /**
   * Walked down to from the last call event when its newest link starts near it (the event it
   * starts at, when there, is seen: whatever the walk finds first is the last), else read link by
   * link, as it is when the walk finds nothing (a link made without an event).
   */
  private readonly lastSeqOf = (shortId: number): number => {
    const before = this.statements.lastAgentEvent.get(shortId) ?? 0;
    const floor = this.statements.newestLinkStart.get(shortId);
    if (floor === undefined) return before;
    this.keepWhileNoOtherCommit();
    const walked = floor > 0 && this.lastCallSeq() - floor <= EVENTS_WALKED ? this.statements.lastSeenWalking.get(floor, shortId) : undefined;
    return Math.max(walked ?? this.statements.lastSeenByLinks.get(shortId) ?? 0, before);
  };

  lastSeq(agentId: string): number {
    const shortId = this.statements.shortIdOf.get(agentId);
    return shortId === undefined ? 0 : this.lastSeqOf(shortId);
  }

  /**
   * The agent's events after `seq`, in seq order, through its links (and its per-agent events from
   * before). Each one's previous seq is the one read before it, the first one's `seq`: nothing of
   * the agent's lies between.
   */
  eventsAfter(agentId: string, seq: number, limit: number): AgentEvent[] {
    const shortId = this.statements.shortIdOf.get(agentId);
    if (shortId === undefined) return [];
    // The per-agent events from before come first: the call events' seqs start above theirs.
    const rows = this.statements.agentEventsAfter.all(shortId, seq, limit);
    if (rows.length < limit && this.statements.newestLinkStart.get(shortId) !== undefined) {
      this.keepWhileNoOtherCommit();
      const after = rows.at(-1)?.seq ?? seq;
      const read = this.lastCallSeq() - after <= EVENTS_WALKED ? this.statements.eventsWalking : this.statements.eventsByLinks;
      rows.push(...read.all(after, shortId, limit - rows.length));
    }
    let prevSeq = seq;
    return rows.map((row) => {
      const event = { agentId, seq: row.seq, prevSeq, kind: row.kind, call: row.call };
      prevSeq = row.seq;
      return event;
    });
  }

  /**
   * One indexed read per agent: SQLite runs them in-process, so a single query would save nothing.
   * An agent whose last seq (kept, or read once and kept) is not past its seq has nothing to read
   * and is not read: the hub's safety-net poll asks for every connected agent every 5 s, and 1,000
   * such reads held the main thread 26 ms, in the middle of whatever fan-out was under way (issue 13).
   */
  eventsAfterEach(after: ReadonlyMap<string, number>, limit: number): AgentEvent[] {
    this.keepWhileNoOtherCommit();
    const events: AgentEvent[] = [];
    for (const [agentId, seq] of after) {
      // An agent removed has nothing to read, as `eventsAfter` would find.
      const agent = this.knownAgent(agentId);
      if (agent && agent.lastSeq > seq) events.push(...this.eventsAfter(agentId, seq, limit));
    }
    return events;
  }
}

