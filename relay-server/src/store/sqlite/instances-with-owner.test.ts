import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InstanceInput, NewAgent, RelayStore } from '../index.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';
import { SqliteTables } from './tables.ts';

const AT = '2026-12-01T09:00:00.000Z';
const LATER = '2026-12-01T10:00:00.000Z';
const ada: NewAgent = { id: 'ada', name: 'ada', number: '+14155550111', email: null, admin: true, tokenHash: 'h-ada', createdAt: AT };
const main = (at = AT, config: Record<string, string> = { authid: 'AC1' }): InstanceInput => ({
  agentId: 'ada',
  localId: 'main',
  connector: 'twilio',
  xml: null,
  config,
  crm: { connector: 'vtiger', xml: null, config: { url: 'https://crm.example' } },
  at,
});
const UID = { uid: 'in_main', secret: 's3cret' };

describe('the instances kept with their owner', () => {
  let dir: string;
  let store: RelayStore;
  /** Another process's connection, as `relay agent …` and `relay instance …` have. */
  let other: SqliteTables;
  let otherDb: Database.Database;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'relay-instances-with-owner-'));
    const file = join(dir, 'relay.db');
    store = openSqliteStore(file);
    await store.addAgent(ada);
    await store.putInstance(main(), UID);
    otherDb = new Database(file);
    other = new SqliteTables(otherDb);
  });

  afterEach(async () => {
    otherDb.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('are the same objects from one read to the next while the directory stays the same, and cannot be changed', async () => {
    const first = (await store.instanceWithOwner('in_main'))!;
    const second = (await store.instanceWithOwner('in_main'))!;
    expect(second.instance).toBe(first.instance);
    expect(second.owner).toBe(first.owner);
    expect(second).toEqual({ instance: await store.instanceByUid('in_main'), owner: await store.agentById('ada') });
    expect(() => Object.assign(second.instance, { secret: 'guessed' })).toThrow(TypeError);
    expect(() => Object.assign(second.instance.config, { authid: 'AC2' })).toThrow(TypeError);
    expect(() => Object.assign(second.instance.crm!.config, { url: 'https://evil.example' })).toThrow(TypeError);
    expect(() => Object.assign(second.owner, { admin: false })).toThrow(TypeError);
    expect(() => Object.assign(second.owner.profile, { country: 'GB' })).toThrow(TypeError);
  });

  it('follow what another process changes of the instance or its owner, and what it removes', async () => {
    await store.instanceWithOwner('in_main');
    other.putInstance(main(LATER, { authid: 'AC2' }), UID);
    expect((await store.instanceWithOwner('in_main'))!.instance).toMatchObject({ config: { authid: 'AC2' }, updatedAt: LATER });
    other.updateAgent('ada', { profile: { country: 'GB' } });
    expect((await store.instanceWithOwner('in_main'))!.owner.profile).toEqual({ country: 'GB' });
    other.deleteInstance('ada', 'main');
    expect(await store.instanceWithOwner('in_main')).toBeUndefined();
  });

  it('forget what a transaction saw of its own changes once it is rolled back', async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.updateAgent('ada', { profile: { country: 'GB' } });
        expect((await tx.instanceWithOwner('in_main'))!.owner.profile).toEqual({ country: 'GB' });
        throw new Error('the request failed');
      }),
    ).rejects.toThrow('the request failed');
    // The directory's version is back where it was; another change brings it to the rolled-back one's again.
    other.addAgent({ ...ada, id: 'bob', tokenHash: 'h-bob' });
    expect((await store.instanceWithOwner('in_main'))!.owner.profile).toEqual({});
  });
});

it('reads an instance with its owner once for as long as the directory does not change', () => {
  const db = new Database(':memory:');
  for (const migration of MIGRATIONS) db.exec(migration);
  const tables = new SqliteTables(db);
  tables.addAgent(ada);
  tables.putInstance(main(), UID);
  tables.instanceWithOwner('in_main');
  // Behind the directory's back (no trigger moves its version): what is kept is what was read.
  db.exec(`DROP TRIGGER instance_changed`);
  db.exec(`UPDATE instances SET secret = 'other' WHERE uid = 'in_main'`);
  expect(tables.instanceWithOwner('in_main')!.instance.secret).toBe('s3cret');
  db.close();
});
