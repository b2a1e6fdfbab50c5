import type Database from 'better-sqlite3';
import type { Agent, Instance } from '../index.ts';
import { INSTANCE_WITH_OWNER_SELECT, type InstanceWithOwnerRow, toInstanceWithOwner } from '../rows.ts';

/** Instances kept: the few a relay's providers post to, not every agent's. */
export const INSTANCES_KEPT = 64;

export interface InstanceWithOwner {
  instance: Instance;
  owner: Agent;
}

/**
 * Instances with their owner, kept from one webhook to the next while the directory's version
 * (moved by triggers on every change to agents and instances, whichever process makes it) stays
 * the same, as the agents of a number are (`AgentsByNumber`): every webhook's guard read the
 * instance joined to its owner and parsed three JSON columns (2 to 3 % of the relay's CPU under
 * load, issue 13); now it reads the version's one row. `forget` is called on every rollback, as
 * there: an instance read inside a transaction with its own uncommitted changes is not kept past it.
 */
export class InstancesWithOwner {
  private readonly statements;
  private readonly kept = new Map<string, InstanceWithOwner | undefined>();
  private version: number | undefined;

  constructor(db: Database.Database) {
    this.statements = {
      version: db.prepare<[], { version: number }>(`SELECT version FROM directory_version`),
      instance: db.prepare<[string], InstanceWithOwnerRow>(`${INSTANCE_WITH_OWNER_SELECT} WHERE i.uid = ?`),
    };
  }

  /** The instance `uid` and its owner; frozen, as the same objects go to every caller until the directory changes. */
  read(uid: string): InstanceWithOwner | undefined {
    const { version } = this.statements.version.get()!;
    if (version !== this.version) this.forget(version);
    if (this.kept.has(uid)) return this.kept.get(uid);
    const row = this.statements.instance.get(uid);
    const found = row && frozen(toInstanceWithOwner(row));
    // An unknown uid is not kept: anyone can post to any address, and the known ones must stay.
    if (!found) return undefined;
    if (this.kept.size >= INSTANCES_KEPT) this.kept.delete(this.kept.keys().next().value!);
    this.kept.set(uid, found);
    return found;
  }

  /** Drops what was kept: a rollback may have taken back a change seen in it. */
  forget(version?: number): void {
    this.kept.clear();
    this.version = version;
  }
}

function frozen({ instance, owner }: InstanceWithOwner): InstanceWithOwner {
  Object.freeze(instance.config);
  if (instance.crm) Object.freeze(Object.freeze(instance.crm).config);
  Object.freeze(owner.profile);
  return Object.freeze({ instance: Object.freeze(instance), owner: Object.freeze(owner) });
}
