import type Database from 'better-sqlite3';
import type { Agent, Call } from '../index.ts';

interface KeptCall {
  call: Call;
  /** Undefined until read or linked on a call this connection inserted: kept apart from the call's row. */
  agents: Agent[] | undefined;
}

/**
 * The calls this connection inserted, updated or read, with their agents, kept so that a call's
 * next webhook reads neither again: an update read its call by its provider key and its agents
 * by a join of three tables, a quarter of the store's statements per update and their rows' JSON
 * parsed (issue 13). Every write to a kept call goes through here; a write that does not say what
 * the row becomes (notes, the CRM's fields) drops the call. Another connection's commit (another
 * relay on the same file) moves `data_version`, a change to agents or instances the directory's
 * version: either forgets everything at the next read, and so does every rollback (`forget`).
 * What is kept goes to every caller frozen.
 */
export class KeptCalls {
  private readonly readMarks;
  private readonly byKey = new Map<string, KeptCall>();
  private readonly keyById = new Map<number, string>();
  private marks: string | undefined;

  constructor(
    db: Database.Database,
    /** How many calls are kept; the first kept goes first. */
    private readonly limit: number,
  ) {
    this.readMarks = db.prepare<[], { version: number; data: number }>(
      `SELECT version, (SELECT data_version FROM pragma_data_version) AS data FROM directory_version`,
    );
  }

  call(instanceUid: string, callId: string): Call | undefined {
    this.checkMarks();
    return this.byKey.get(keyOf(instanceUid, callId))?.call;
  }

  agents(instanceUid: string, callId: string): Agent[] | undefined {
    this.checkMarks();
    const agents = this.byKey.get(keyOf(instanceUid, callId))?.agents;
    return agents && [...agents];
  }

  /** A call as the store read it, or just inserted (no agents yet). */
  keep(instanceUid: string, call: Call, agents?: readonly Agent[]): void {
    // Marks read now are this call's: had they moved since, the next read would forget it.
    if (this.marks === undefined) this.checkMarks();
    const key = keyOf(instanceUid, call.call_id);
    const kept = this.byKey.get(key);
    if (!kept && this.byKey.size >= this.limit) {
      const [firstKey, first] = this.byKey.entries().next().value!;
      this.byKey.delete(firstKey);
      this.keyById.delete(first.call.id);
    }
    this.byKey.set(key, { call: frozenCall(call), agents: agents ? agents.map(frozenAgent) : kept?.agents });
    this.keyById.set(call.id, key);
  }

  keepAgents(instanceUid: string, callId: string, agents: readonly Agent[]): void {
    const kept = this.byKey.get(keyOf(instanceUid, callId));
    if (kept) kept.agents = agents.map(frozenAgent);
  }

  /** The call's row changed as `change` says. */
  updated(id: number, change: Partial<Call>): void {
    const kept = this.keptById(id);
    if (kept) kept.call = frozenCall({ ...kept.call, ...change });
  }

  /** Agents linked to the call, in `callAgents`' order (oldest agent first); linked ones again change nothing. */
  linked(id: number, agents: readonly Agent[]): void {
    const kept = this.keptById(id);
    if (!kept?.agents || agents.length === 0) return;
    const ids = new Set(kept.agents.map((agent) => agent.id));
    const all = [...kept.agents];
    for (const agent of agents) {
      if (ids.has(agent.id)) continue;
      ids.add(agent.id);
      all.push(frozenAgent(agent));
    }
    kept.agents = all.sort(oldestFirst);
  }

  drop(id: number): void {
    const key = this.keyById.get(id);
    if (key === undefined) return;
    this.keyById.delete(id);
    this.byKey.delete(key);
  }

  forget(): void {
    this.byKey.clear();
    this.keyById.clear();
    this.marks = undefined;
  }

  private keptById(id: number): KeptCall | undefined {
    const key = this.keyById.get(id);
    return key === undefined ? undefined : this.byKey.get(key);
  }

  /** Forgets everything once another connection committed or the directory moved since the last read. */
  private checkMarks(): void {
    const { version, data } = this.readMarks.get()!;
    const marks = `${version}:${data}`;
    if (marks !== this.marks) {
      this.forget();
      this.marks = marks;
    }
  }
}

function keyOf(instanceUid: string, callId: string): string {
  return `${instanceUid}\n${callId}`;
}

/** `callAgents`' order. */
function oldestFirst(a: Agent, b: Agent): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Copies of what may be the caller's own objects, which it may still change. */
function frozenCall(call: Call): Call {
  return Object.freeze({
    ...call,
    extra: Object.freeze({ ...call.extra }),
    contact: call.contact && Object.freeze({ ...call.contact }),
    contacts: Object.freeze([...call.contacts]) as Call['contacts'],
    crm_log: call.crm_log && Object.freeze({ ...call.crm_log }),
  });
}

function frozenAgent(agent: Agent): Agent {
  return Object.isFrozen(agent) ? agent : Object.freeze({ ...agent, profile: Object.freeze({ ...agent.profile }) });
}
