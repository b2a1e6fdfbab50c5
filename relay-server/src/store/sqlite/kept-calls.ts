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
 * parsed (issue 13). Every write to a kept call goes through here and says what the row becomes.
 * Another connection's commit (another relay on the same file, `relay agent …`) moves
 * `data_version`, read once at each BEGIN (`transactionBegun`: no other connection commits until
 * this one's transaction ends), not at each read as the directory's version is: two such reads per
 * webhook cost about half of what the kept reads saved. Everything is forgotten then, on this
 * connection's own change to agents or instances (their agents may have changed), and on every
 * rollback (`forget`). What is kept goes to every caller frozen.
 */
export class KeptCalls {
  private readonly readDataVersion;
  private readonly byKey = new Map<string, KeptCall>();
  private readonly keyById = new Map<number, string>();
  private dataVersion: number | undefined;

  constructor(
    db: Database.Database,
    /** How many calls are kept; the first kept goes first. */
    private readonly limit: number,
  ) {
    this.readDataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  }

  /** Told at each BEGIN: forgets everything if another connection committed since the last. */
  transactionBegun(): void {
    const dataVersion = this.readDataVersion.get()!;
    if (dataVersion === this.dataVersion) return;
    this.forget();
    this.dataVersion = dataVersion;
  }

  call(instanceUid: string, callId: string): Call | undefined {
    return this.byKey.get(keyOf(instanceUid, callId))?.call;
  }

  agents(instanceUid: string, callId: string): Agent[] | undefined {
    const agents = this.byKey.get(keyOf(instanceUid, callId))?.agents;
    return agents && [...agents];
  }

  /** A call as the store read it, or just inserted (no agents yet). */
  keep(instanceUid: string, call: Call, agents?: readonly Agent[]): void {
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
  }

  private keptById(id: number): KeptCall | undefined {
    const key = this.keyById.get(id);
    return key === undefined ? undefined : this.byKey.get(key);
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

/** Copies of what may be the caller's own objects, which it may still change; what was kept already is frozen. */
function frozenCall(call: Call): Call {
  return Object.freeze({
    ...call,
    extra: frozenCopy(call.extra),
    contact: call.contact && frozenCopy(call.contact),
    contacts: frozenCopy(call.contacts),
    crm_log: call.crm_log && frozenCopy(call.crm_log),
  });
}

function frozenAgent(agent: Agent): Agent {
  return Object.isFrozen(agent) ? agent : Object.freeze({ ...agent, profile: frozenCopy(agent.profile) });
}

function frozenCopy<T extends object>(value: T): T {
  if (Object.isFrozen(value)) return value;
  return Object.freeze(Array.isArray(value) ? ([...value] as T) : { ...value });
}
