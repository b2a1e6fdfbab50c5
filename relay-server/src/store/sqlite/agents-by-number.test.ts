import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NewAgent, RelayStore } from '../index.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';
import { SqliteTables } from './tables.ts';

const TEAM = '+14155550100';
const AT = '2026-12-01T09:00:00.000Z';
const agent = (id: string, number = TEAM): NewAgent => ({ id, name: id, number, email: null, admin: false, tokenHash: `h-${id}`, createdAt: AT });

describe('the agents kept by number', () => {
  let dir: string;
  let file: string;
  let store: RelayStore;
  /** Another process's connection, as `relay agent add` has. */
  let other: SqliteTables;
  let otherDb: Database.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-agents-by-number-'));
    file = join(dir, 'relay.db');
    store = openSqliteStore(file);
    await store.addAgent(agent('ada'));
    await store.addAgent(agent('bob'));
    otherDb = new Database(file);
    other = new SqliteTables(otherDb);
  });

  afterEach(async () => {
    otherDb.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are the same agents from one read to the next while the directory stays the same, and cannot be changed', async () => {
    const first = await store.agentsWithNumber(TEAM);
    const second = await store.agentsWithNumber(TEAM);
    expect(second.map((a) => a.id)).toEqual(['ada', 'bob']);
    expect(second[0]).toBe(first[0]);
    expect(second).not.toBe(first);
    expect(() => Object.assign(second[0]!, { number: '+15005550006' })).toThrow(TypeError);
  });

  it('follow what another process adds, changes and removes', async () => {
    await store.agentsWithNumber(TEAM);
    other.addAgent(agent('cy'));
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['ada', 'bob', 'cy']);
    other.updateAgent('ada', { number: '+15005550006' });
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['bob', 'cy']);
    other.removeAgent('bob');
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['cy']);
  });

  it('forget what a transaction saw of its own changes once it is rolled back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.addAgent(agent('ghost'));
        expect((await tx.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['ada', 'bob', 'ghost']);
        throw new Error('the webhook failed');
      }),
    ).rejects.toThrow('the webhook failed');
    // The directory's version is back where it was; another change brings it to the ghost's again.
    other.addAgent(agent('dan', '+15005550006'));
    expect((await store.agentsWithNumber(TEAM)).map((a) => a.id)).toEqual(['ada', 'bob']);
  });
});

it('reads the agents of a number once for as long as the directory does not change', () => {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) db.exec(migration);
  const tables = new SqliteTables(db);
  tables.addAgent(agent('ada'));
  tables.agentsWithNumber(TEAM);
  // Behind the directory's back (no trigger moves its version): what is kept is what was read.
  db.exec(`DROP TRIGGER agent_changed`);
  db.exec(`UPDATE agents SET name = 'Ada' WHERE id = 'ada'`);
  expect(tables.agentsWithNumber(TEAM)[0]!.name).toBe('ada');
  db.close();
});
