/**
 * The tables' rows as both adapters read and write them (the same column forms in SQLite and
 * PostgreSQL: ISO timestamps and JSON as text, flags as 0/1), and their mapping to the store's
 * shapes.
 */
import type { OpeningHours } from '@phone-connector/shared';
import type { CallState } from '../calls/merge.ts';
import { placesWait } from '../crm/rate-window.ts';
import type { Agent, AgentEvent, Call, CallCrm, CrmRateAsk, CrmWork, EventKind, Instance, InstanceCrm } from './index.ts';

export interface AgentRow {
  id: string;
  name: string;
  number: string;
  email: string | null;
  profile: string;
  admin: number;
  created_at: string;
  away_since: string | null;
  away_until: string | null;
}

export interface InstanceRow {
  uid: string;
  agent_id: string;
  local_id: string;
  connector: string;
  config: string;
  secret: string;
  crm: string | null;
  hours: string | null;
  created_at: string;
  updated_at: string;
}

export type CallRow = Omit<Call, 'extra' | 'contact' | 'contacts' | 'crm_log'> & { extra: string; instance_uid: string | null; contact: string | null; contacts: string; crm_log: string | null };

export interface CrmWorkRow {
  call_id: number;
  instance_uid: string;
  state: 'queued' | 'inflight';
  due_at: string;
  attempts: number;
  last_error: string | null;
  again: number;
  uncertain: number;
  lease_owner: string | null;
  lease_until: string | null;
  created_at: string;
}

export interface EventRow {
  agent_id: string;
  seq: number;
  kind: EventKind;
  call: string;
}

export const AGENT_COLUMNS = 'id, name, number, email, profile, admin, created_at, away_since, away_until';

/** The agents' columns of `a`, for a join that reads agents. */
export const agentColumnsOfA = AGENT_COLUMNS.split(', ').map((column) => `a.${column}`);

/**
 * An instance's columns but its connector's XML: 5 KB for Twilio's, in overflow pages, that
 * every webhook read although the plan compiled from it is cached (issue 13).
 */
export const INSTANCE_COLUMNS = 'uid, agent_id, local_id, connector, config, secret, crm, hours, created_at, updated_at';

const instanceColumnsOfI = INSTANCE_COLUMNS.split(', ').map((column) => `i.${column}`).join(', ');

/** The instances' rows, for a WHERE on `i` (with `c`, its calls, when joined). */
export const INSTANCE_SELECT = `SELECT ${instanceColumnsOfI} FROM instances i`;

/** An instance's row with its owner's columns, each named `owner_<column>`. */
export const INSTANCE_WITH_OWNER_SELECT = `SELECT ${instanceColumnsOfI}, ${agentColumnsOfA.map((column) => `${column} AS owner_${column.slice(2)}`).join(', ')}
  FROM instances i JOIN agents a ON a.id = i.agent_id`;

export type InstanceWithOwnerRow = InstanceRow & { [K in keyof AgentRow as `owner_${K}`]: AgentRow[K] };

export function toInstanceWithOwner(row: InstanceWithOwnerRow): { instance: Instance; owner: Agent } {
  return {
    instance: toInstance(row),
    owner: toAgent({
      id: row.owner_id,
      name: row.owner_name,
      number: row.owner_number,
      email: row.owner_email,
      profile: row.owner_profile,
      admin: row.owner_admin,
      created_at: row.owner_created_at,
      away_since: row.owner_away_since,
      away_until: row.owner_away_until,
    }),
  };
}

/** Instances kept by a store's kept reads: the few a relay's providers post to, not every agent's. */
export const INSTANCES_KEPT = 64;

/** An instance with its owner, frozen: a kept read hands the same objects to every caller. */
export function frozenInstanceWithOwner({ instance, owner }: { instance: Instance; owner: Agent }): { instance: Instance; owner: Agent } {
  Object.freeze(instance.config);
  if (instance.crm) Object.freeze(Object.freeze(instance.crm).config);
  if (instance.hours) Object.freeze(instance.hours);
  Object.freeze(owner.profile);
  return Object.freeze({ instance: Object.freeze(instance), owner: Object.freeze(owner) });
}

/** A call as the Call JSON shows it: its instance's local id comes from the instance, null once that is deleted. */
export const CALL_SELECT = `
  SELECT c.id, i.local_id AS instance_id, c.instance_uid, c.call_id, c.direction, c.status, c.status_raw,
         c.from_number, c.to_number, c.user_number, c.duration, c.started_at, c.ended_at, c.recording_url,
         c.notes, c.disposition, c.created_at, c.updated_at, c.extra, c.contact, c.contacts, c.new_contact_url, c.crm_log
  FROM calls c LEFT JOIN instances i ON i.uid = c.instance_uid`;

export function toAgent(row: AgentRow): Agent {
  return {
    id: row.id,
    name: row.name,
    number: row.number,
    email: row.email,
    profile: JSON.parse(row.profile) as Record<string, string>,
    admin: row.admin === 1,
    createdAt: row.created_at,
    awaySince: row.away_since,
    awayUntil: row.away_until,
  };
}

export function toInstance(row: InstanceRow): Instance {
  return {
    uid: row.uid,
    agentId: row.agent_id,
    localId: row.local_id,
    connector: row.connector,
    config: JSON.parse(row.config) as Record<string, string>,
    secret: row.secret,
    crm: row.crm === null ? null : (JSON.parse(row.crm) as InstanceCrm),
    hours: row.hours === null ? null : (JSON.parse(row.hours) as OpeningHours),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/**
 * Field by field, in the order the snapshots' JSON has them: the same object built from the row
 * with an object rest (`...rest`) took V8 some 30 µs per call against about 1 (every update
 * reads its call: up to 4 % of the relay's CPU under update load, issue 13).
 */
export function toCall(row: CallRow): Call {
  return {
    id: row.id,
    instance_id: row.instance_id,
    call_id: row.call_id,
    direction: row.direction,
    status: row.status,
    status_raw: row.status_raw,
    from_number: row.from_number,
    to_number: row.to_number,
    user_number: row.user_number,
    duration: row.duration,
    started_at: row.started_at,
    ended_at: row.ended_at,
    recording_url: row.recording_url,
    notes: row.notes,
    disposition: row.disposition,
    created_at: row.created_at,
    updated_at: row.updated_at,
    new_contact_url: row.new_contact_url,
    extra: JSON.parse(row.extra) as Record<string, string>,
    contact: row.contact === null ? null : (JSON.parse(row.contact) as Call['contact']),
    contacts: JSON.parse(row.contacts) as Call['contacts'],
    crm_log: row.crm_log === null ? null : (JSON.parse(row.crm_log) as Call['crm_log']),
  };
}

/** A call row's values in `CALL_SELECT`'s column order, as a raw statement (better-sqlite3's `.raw()`) gives them. */
export type CallValues = [
  id: number,
  instance_id: string | null,
  instance_uid: string | null,
  call_id: string,
  direction: Call['direction'],
  status: Call['status'],
  status_raw: string | null,
  from_number: string | null,
  to_number: string | null,
  user_number: string | null,
  duration: number | null,
  started_at: string | null,
  ended_at: string | null,
  recording_url: string | null,
  notes: string | null,
  disposition: string | null,
  created_at: string,
  updated_at: string,
  extra: string,
  contact: string | null,
  contacts: string,
  new_contact_url: string | null,
  crm_log: string | null,
];

/**
 * `toCall` from a raw row: better-sqlite3 builds a row object by naming each of its 23 columns on
 * it, and `toCall` then builds the call from that object; every update reads its call (issue 13).
 */
export function callOfValues(v: CallValues): Call {
  return {
    id: v[0],
    instance_id: v[1],
    call_id: v[3],
    direction: v[4],
    status: v[5],
    status_raw: v[6],
    from_number: v[7],
    to_number: v[8],
    user_number: v[9],
    duration: v[10],
    started_at: v[11],
    ended_at: v[12],
    recording_url: v[13],
    notes: v[14],
    disposition: v[15],
    created_at: v[16],
    updated_at: v[17],
    new_contact_url: v[21],
    extra: JSON.parse(v[18]) as Record<string, string>,
    contact: v[19] === null ? null : (JSON.parse(v[19]) as Call['contact']),
    contacts: JSON.parse(v[20]) as Call['contacts'],
    crm_log: v[22] === null ? null : (JSON.parse(v[22]) as Call['crm_log']),
  };
}

/** An agent row's values in `AGENT_COLUMNS`' order (a raw statement's). */
export type AgentValues = [id: string, name: string, number: string, email: string | null, profile: string, admin: number, created_at: string, away_since: string | null, away_until: string | null];

/** `toAgent` from a raw row (see `callOfValues`). */
export function agentOfValues(v: AgentValues): Agent {
  return { id: v[0], name: v[1], number: v[2], email: v[3], profile: JSON.parse(v[4]) as Record<string, string>, admin: v[5] === 1, createdAt: v[6], awaySince: v[7], awayUntil: v[8] };
}

/** An event of a per-agent log, whose seqs are contiguous: the one before is `seq - 1`. */
export function toEvent(row: EventRow): AgentEvent {
  return { agentId: row.agent_id, seq: row.seq, prevSeq: row.seq - 1, kind: row.kind, call: row.call };
}

export function toCrmWork(row: CrmWorkRow): CrmWork {
  return {
    callId: row.call_id,
    instanceUid: row.instance_uid,
    state: row.state,
    dueAt: row.due_at,
    attempts: row.attempts,
    lastError: row.last_error,
    again: row.again === 1,
    uncertain: row.uncertain === 1,
    lease: row.lease_owner === null || row.lease_until === null ? null : { owner: row.lease_owner, until: row.lease_until },
    createdAt: row.created_at,
  };
}

/** An outbox row's columns in the order `crmWorkValues` gives their values. */
export const CRM_WORK_COLUMNS = 'call_id, instance_uid, state, due_at, attempts, last_error, again, uncertain, lease_owner, lease_until, created_at';

export type CrmWorkValues = [number, string, CrmWork['state'], string, number, string | null, 0 | 1, 0 | 1, string | null, string | null, string];

/** An outbox row's values by position (`CRM_WORK_COLUMNS`): better-sqlite3 binds a named parameter by looking its name up (`stateValues`). */
export function crmWorkValues(work: CrmWork): CrmWorkValues {
  return [
    work.callId,
    work.instanceUid,
    work.state,
    work.dueAt,
    work.attempts,
    work.lastError,
    work.again ? 1 : 0,
    work.uncertain ? 1 : 0,
    work.lease?.owner ?? null,
    work.lease?.until ?? null,
    work.createdAt,
  ];
}

/**
 * `toCrmWork` from a raw row (`CRM_WORK_COLUMNS`' order; see `callOfValues`): each CRM step reads
 * its outbox row twice (its claim checked before the write, then at its landing) and gets it back
 * from its claim, about 2 µs of a row object's naming apiece (issue 10).
 */
export function crmWorkOfValues(v: CrmWorkValues): CrmWork {
  return {
    callId: v[0],
    instanceUid: v[1],
    state: v[2],
    dueAt: v[3],
    attempts: v[4],
    lastError: v[5],
    again: v[6] === 1,
    uncertain: v[7] === 1,
    lease: v[8] === null || v[9] === null ? null : { owner: v[8], until: v[9] },
    createdAt: v[10],
  };
}

/**
 * A call that can keep an agent on a call: one in progress, or one an agent placed that is still
 * ringing their phone or the customer's (queued, ringing). As the partial index `calls_busy` (both
 * adapters' migrations) says it, word for word, so that a query naming it reads that index. An
 * incoming call only ringing is not in it: the webhooks of a call that rings and ends unanswered,
 * most of a busy line's, write no entry of it.
 */
export const BUSY_CALL = "(c.status = 'in-progress' OR (c.direction = 'outbound' AND c.status IN ('queued', 'ringing')))";

/** How one adapter spells what `agentsOnCallsSelect` needs. */
export interface OnCallsDialect {
  /** The call's `answered_by` (kept in its `extra` JSON), as text. */
  answeredBy: string;
  /** The column of `call_agents` naming the linked agent, and the column of `agents` it refers to. */
  linkColumn: 'agent_short_id' | 'agent_id';
  agentColumn: 'short_id' | 'id';
  /** The parameter: calls begun at or after it. */
  since: string;
}

/**
 * The agents on a call (`CallLog.agentsOnCalls`): of the calls that can keep one busy, begun since
 * the parameter (read through `calls_busy`), the agent who placed an outgoing one (its only
 * link), and the agent of an incoming one in progress: the one whose number took it
 * (`answered_by`) or, when the call does not say, the one agent it reached. An incoming call that
 * rings a team, or that rang several agents and does not say who took it, makes nobody busy. Each condition reads the call alone
 * (the count of its links stops at two), so a team's call of 1,000 agents costs no more than
 * another: its links are read only once the call is one agent's.
 */
export function agentsOnCallsSelect(d: OnCallsDialect): string {
  const busy = `${BUSY_CALL} AND c.created_at >= ${d.since}`;
  const linked = `calls c JOIN call_agents ca ON ca.call_id = c.id JOIN agents a ON a.${d.agentColumn} = ca.${d.linkColumn}`;
  const takenIn = `${busy} AND c.status = 'in-progress' AND coalesce(c.direction, '') <> 'outbound'`;
  return `SELECT a.id FROM ${linked} WHERE ${busy} AND c.direction = 'outbound'
    UNION SELECT a.id FROM calls c JOIN agents a ON a.number = ${d.answeredBy} WHERE ${takenIn}
    UNION SELECT a.id FROM ${linked} WHERE ${takenIn} AND ${d.answeredBy} IS NULL
      AND (SELECT count(*) FROM (SELECT 1 FROM call_agents o WHERE o.call_id = c.id LIMIT 2) AS two) = 1`;
}

/** A call's state columns in the order `stateValues` gives their values, for positional parameters. */
export const STATE_COLUMNS = 'direction, status, status_raw, from_number, to_number, user_number, duration, started_at, ended_at, recording_url, extra';

/** One `?` per state column. */
export const STATE_PARAMETERS = STATE_COLUMNS.replace(/\w+/g, '?');

/**
 * The state's column values in `STATE_COLUMNS`' order. better-sqlite3 binds a named parameter by
 * looking its name up on the object handed in, a string made per parameter and per run: the
 * call's insert took about 15 µs against 5 with positional ones (a probe, 20,000 runs; issue 13).
 */
export function stateValues(state: CallState): unknown[] {
  return [
    state.direction,
    state.status,
    state.status_raw,
    state.from_number,
    state.to_number,
    state.user_number,
    state.duration,
    state.started_at,
    state.ended_at,
    state.recording_url,
    JSON.stringify(state.extra),
  ];
}

/** A call's CRM columns in the order `callCrmValues` gives their values. */
export const CALL_CRM_COLUMNS = 'contact, contacts, new_contact_url, crm_log';

export type CallCrmValues = [contact: string | null, contacts: string, new_contact_url: string | null, crm_log: string | null];

export function callCrmValues(crm: CallCrm): CallCrmValues {
  return [crm.contact && JSON.stringify(crm.contact), JSON.stringify(crm.contacts), crm.new_contact_url, crm.crm_log && JSON.stringify(crm.crm_log)];
}

/**
 * How long until the request `ask` describes may take a place among its account's `places` (0:
 * now), and, once it has, until the next request of its operation may (`next`).
 */
export function rateWaits(places: ReadonlyArray<{ operation: string | null; endedAt: number }>, ask: CrmRateAsk): { now: number; next: number } {
  return {
    now: placesWait(places, ask.windows, ask.now),
    next: placesWait([...places, { operation: ask.operation, endedAt: ask.now }], ask.windows, ask.now),
  };
}
