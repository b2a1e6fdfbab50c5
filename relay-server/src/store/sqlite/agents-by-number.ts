import type Database from 'better-sqlite3';
import type { Agent } from '../index.ts';
import { AGENT_COLUMNS, type AgentRow, toAgent } from '../rows.ts';

/** Numbers whose agents are kept: a relay's team numbers, not every agent's own. */
export const NUMBERS_KEPT = 16;

/**
 * The agents with a number, kept from one read to the next while the directory's version (moved
 * by triggers on every change to agents and instances, whichever process makes it) stays the
 * same. An incoming call to a team number of 1,000 agents read and built all 1,000 in its
 * transaction, about a quarter of that transaction's CPU, before any agent could hear of it
 * (issue 13); now it reads one row. Within a transaction the version counts that transaction's
 * own changes, which a rollback takes back: `forget` is called on every rollback, so nothing read
 * on a version that never got committed is used when the version comes back to that number.
 */
export class AgentsByNumber {
  private readonly statements;
  private readonly kept = new Map<string, readonly Agent[]>();
  private version: number | undefined;

  constructor(db: Database.Database) {
    this.statements = {
      version: db.prepare<[], { version: number }>(`SELECT version FROM directory_version`),
      agents: db.prepare<[string], AgentRow>(`SELECT ${AGENT_COLUMNS} FROM agents WHERE number = ? ORDER BY created_at, id`),
    };
  }

  /** The agents with `number`, oldest first; frozen, as the same objects go to every caller until the directory changes. */
  read(number: string): Agent[] {
    const { version } = this.statements.version.get()!;
    if (version !== this.version) this.forget(version);
    let agents = this.kept.get(number);
    if (!agents) {
      agents = this.statements.agents.all(number).map((row) => Object.freeze(toAgent(row)));
      if (this.kept.size >= NUMBERS_KEPT) this.kept.delete(this.kept.keys().next().value!);
      this.kept.set(number, agents);
    }
    return [...agents];
  }

  /** Drops what was kept: a rollback may have taken back a change seen in it. */
  forget(version?: number): void {
    this.kept.clear();
    this.version = version;
  }
}
