import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallStore } from './index.ts';
import { openStore } from './open.ts';
import { MIGRATIONS } from './sqlite/migrations.ts';
import { openSqliteStore } from './sqlite/store.ts';

let store: CallStore;
const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();

function agent(id: string, number: string) {
  return store.addAgent({ id, name: id, number, email: null, admin: false, tokenHash: `hash-${id}`, createdAt: T(0) });
}

function instance(agentId: string, localId: string, uid = `in_${agentId}_${localId}`) {
  return store.putInstance({ agentId, localId, connector: 'twilio', xml: null, config: { authid: 'AC1' }, at: T(0) }, { uid, secret: `secret-${uid}` });
}

beforeEach(() => {
  store = openSqliteStore(':memory:');
  agent('ada', '+14155550111');
  agent('bob', '+14155550122');
  instance('ada', 'main');
});
afterEach(() => store.close());

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

  it('refuses PostgreSQL with a clear message instead of using SQLite', () => {
    expect(() => openStore({ databaseUrl: 'postgres://relay@db/relay' })).toThrow('PostgreSQL support is not built yet');
  });
});

describe('calls and events', () => {
  it('creates a call with a created event for each agent, then updates only on change', () => {
    const first = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing', status_raw: 'ringing' }, agentIds: ['ada'], at: T(1) });
    expect(first.created).toBe(true);
    expect(first.events).toEqual([{ agentId: 'ada', seq: 1, kind: 'created', call: JSON.stringify(first.call) }]);
    expect(first.call).toMatchObject({ id: 1, instance_id: 'main', call_id: 'CA1', status: 'ringing', created_at: T(1), updated_at: T(1), notes: null });

    const retry = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing', status_raw: 'ringing' }, agentIds: ['ada'], at: T(2) });
    expect(retry.created).toBe(false);
    expect(retry.events).toEqual([]);
    expect(retry.call.updated_at).toBe(T(1));

    const done = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'completed', status_raw: 'completed', duration: 9 }, agentIds: [], at: T(3) });
    expect(done.events.map((e) => [e.agentId, e.seq, e.kind])).toEqual([['ada', 2, 'updated']]);
    expect(done.call).toMatchObject({ status: 'completed', duration: 9, updated_at: T(3), created_at: T(1) });
    expect(store.lastSeq('ada')).toBe(2);
  });

  it('tells an agent who joins a known call "created", and the others "updated" only on change', () => {
    store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing' }, agentIds: ['ada'], at: T(1) });
    const joined = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing' }, agentIds: ['bob'], at: T(2) });
    expect(joined.events.map((e) => [e.agentId, e.seq, e.kind])).toEqual([['bob', 1, 'created']]);
    expect(store.callAgentIds('in_ada_main', 'CA1')).toEqual(['ada', 'bob']);
  });

  it('keeps per-agent seqs and returns events after a seq in order', () => {
    for (let i = 1; i <= 5; i++) store.saveCall({ instanceUid: 'in_ada_main', callId: `CA${i}`, update: {}, agentIds: i % 2 ? ['ada', 'bob'] : ['ada'], at: T(i) });
    expect(store.eventsAfter('ada', 0, 100).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(store.eventsAfter('ada', 3, 100).map((e) => JSON.parse(e.call).call_id)).toEqual(['CA4', 'CA5']);
    expect(store.eventsAfter('ada', 0, 2).map((e) => e.seq)).toEqual([1, 2]);
    expect(store.eventsAfter('bob', 0, 100).map((e) => [e.seq, JSON.parse(e.call).call_id])).toEqual([
      [1, 'CA1'],
      [2, 'CA3'],
      [3, 'CA5'],
    ]);
  });

  it('keys calls by instance and call id', () => {
    instance('bob', 'main');
    store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada'], at: T(1) });
    const other = store.saveCall({ instanceUid: 'in_bob_main', callId: 'CA1', update: {}, agentIds: ['bob'], at: T(2) });
    expect(other.created).toBe(true);
    expect(store.callFor('ada', other.call.id)).toBeUndefined();
    expect(store.callFor('bob', other.call.id)).toMatchObject({ call_id: 'CA1' });
  });

  it('rolls back the whole write when one part fails', () => {
    expect(() => store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada', 'ghost'], at: T(1) })).toThrow();
    expect(store.callAgentIds('in_ada_main', 'CA1')).toEqual([]);
    expect(store.lastSeq('ada')).toBe(0);
    expect(store.eventsAfter('ada', 0, 10)).toEqual([]);
    expect(store.listCalls('ada', { limit: 10 })).toEqual([]);
  });

  it('annotates a call the agent sees and tells every agent of the call', () => {
    const { call } = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada', 'bob'], at: T(1) });
    expect(store.annotateCall('bob', call.id + 1, { notes: 'x' }, T(2))).toBeUndefined();
    const noted = store.annotateCall('bob', call.id, { notes: 'call back', disposition: 'interested' }, T(2))!;
    expect(noted.call).toMatchObject({ notes: 'call back', disposition: 'interested', updated_at: T(2) });
    expect(noted.events.map((e) => [e.agentId, e.kind])).toEqual([
      ['ada', 'updated'],
      ['bob', 'updated'],
    ]);
    expect(store.annotateCall('ada', call.id, { notes: 'call back' }, T(3))!.events).toEqual([]);
    expect(store.annotateCall('ada', call.id, { disposition: null }, T(4))!.call).toMatchObject({ notes: 'call back', disposition: null });
  });

  it('lists an agent calls newest first with filters', () => {
    const save = (callId: string, at: string, update: object, agents = ['ada']) => store.saveCall({ instanceUid: 'in_ada_main', callId, update, agentIds: agents, at });
    save('CA1', T(1), { direction: 'outbound', to_number: '+14155550100' });
    save('CA2', T(2), { direction: 'inbound', from_number: '+14155550100' });
    save('CA3', T(3), { direction: 'inbound', user_number: '+14155550199' });
    save('CA4', T(4), { direction: 'outbound' }, ['bob']);
    const ids = (query: Parameters<CallStore['listCalls']>[1]) => store.listCalls('ada', query).map((c) => c.call_id);
    expect(ids({ limit: 10 })).toEqual(['CA3', 'CA2', 'CA1']);
    expect(ids({ limit: 10, number: '+14155550100' })).toEqual(['CA2', 'CA1']);
    expect(ids({ limit: 10, number: '+14155550199' })).toEqual(['CA3']);
    expect(ids({ limit: 10, direction: 'inbound' })).toEqual(['CA3', 'CA2']);
    expect(ids({ limit: 10, since: T(2), until: T(3) })).toEqual(['CA2']);
    expect(ids({ limit: 2 })).toEqual(['CA3', 'CA2']);
    expect(ids({ limit: 2, before: 2 })).toEqual(['CA1']);
  });
});

describe('agents and instances', () => {
  it('keeps an instance uid and secret when it is replaced', () => {
    const replaced = store.putInstance({ agentId: 'ada', localId: 'main', connector: 'custom', xml: '<connector/>', config: {}, at: T(5) }, { uid: 'in_new', secret: 'new' });
    expect(replaced).toMatchObject({ uid: 'in_ada_main', secret: 'secret-in_ada_main', connector: 'custom', xml: '<connector/>', updatedAt: T(5), createdAt: T(0) });
    expect(store.instancesOf('ada')).toHaveLength(1);
  });

  it('keeps calls when their instance is deleted, without an instance id', () => {
    const { call } = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada'], at: T(1) });
    expect(store.deleteInstance('bob', 'main')).toBe(false);
    expect(store.deleteInstance('ada', 'main')).toBe(true);
    expect(store.instanceByUid('in_ada_main')).toBeUndefined();
    expect(store.callFor('ada', call.id)).toMatchObject({ call_id: 'CA1', instance_id: null });
  });

  it('removes an agent with its instances, links and events, keeping calls others see', () => {
    const { call } = store.saveCall({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada', 'bob'], at: T(1) });
    expect(store.removeAgent('ada')).toBe(true);
    expect(store.removeAgent('ada')).toBe(false);
    expect(store.agentById('ada')).toBeUndefined();
    expect(store.instancesOf('ada')).toEqual([]);
    expect(store.eventsAfter('ada', 0, 10)).toEqual([]);
    expect(store.callFor('bob', call.id)).toMatchObject({ call_id: 'CA1', instance_id: null });
  });

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

  it('updates an agent profile', () => {
    expect(store.updateAgent('ada', { number: '+14155550199', profile: { country: 'US' } })).toMatchObject({ number: '+14155550199', email: null, profile: { country: 'US' } });
    expect(store.updateAgent('ada', { email: 'ada@example.com' })).toMatchObject({ number: '+14155550199', email: 'ada@example.com', profile: { country: 'US' } });
    expect(store.updateAgent('nobody', { email: null })).toBeUndefined();
    expect(store.agentByTokenHash('hash-ada')?.id).toBe('ada');
    expect(store.agentByTokenHash('hash-nobody')).toBeUndefined();
  });
});
