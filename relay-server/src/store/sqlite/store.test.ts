import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openStore } from '../open.ts';
import { describeStoreContract } from '../contract.ts';
import { MIGRATIONS } from './migrations.ts';
import { openSqliteStore } from './store.ts';

const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();

describeStoreContract('SQLite in memory', () => openSqliteStore(':memory:'));

describe('opening', () => {
  it('creates the folder and the database, and migrates once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'nested', 'relay.db');
      openStore({ db: file }).close();
      expect(existsSync(file)).toBe(true);
      const reopened = openStore({ db: file });
      reopened.close();
      const db = new Database(file);
      expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
      db.close();
      expect(() => openStore({ db: file })).toThrow(/newer than this relay/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('migrates a database from before the CRM work, keeping its calls', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    try {
      const file = join(dir, 'relay.db');
      const old = new Database(file);
      old.exec(MIGRATIONS[0]!);
      old.pragma('user_version = 1');
      old.exec(`INSERT INTO agents (id, name, number, token_hash, created_at) VALUES ('ada', 'Ada', '+14155550111', 'h', '${T(0)}')`);
      old.exec(`INSERT INTO instances (uid, agent_id, local_id, connector, config, secret, created_at, updated_at) VALUES ('in_1', 'ada', 'main', 'twilio', '{}', 's', '${T(0)}', '${T(0)}')`);
      old.exec(`INSERT INTO calls (instance_uid, call_id, created_at, updated_at) VALUES ('in_1', 'CA1', '${T(1)}', '${T(1)}')`);
      old.close();
      const store = openStore({ db: file });
      expect(store.instanceByUid('in_1')!.crm).toBeNull();
      expect(store.callByKey('in_1', 'CA1')).toMatchObject({ contact: null, contacts: [], new_contact_url: null, crm_log: null });
      expect(store.crmOutboxStats()).toEqual({ depth: 0, oldestDue: null });
      store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses PostgreSQL with a clear message instead of using SQLite', () => {
    expect(() => openStore({ databaseUrl: 'postgres://relay@db/relay' })).toThrow('PostgreSQL support is not built yet');
  });
});

describe('SQLite across processes', () => {
  it('tells a change committed by another process from its own writes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'relay-store-'));
    const relay = openStore({ db: join(dir, 'relay.db') });
    try {
      relay.addAgent({ id: 'cy', name: 'Cy', number: '+14155550133', email: null, admin: false, tokenHash: 'hash-cy', createdAt: T(0) });
      expect(relay.changedElsewhere()).toBe(false);
      const cli = openStore({ db: join(dir, 'relay.db') });
      cli.removeAgent('cy');
      cli.close();
      expect(relay.changedElsewhere()).toBe(true);
      expect(relay.changedElsewhere()).toBe(false);
    } finally {
      relay.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
