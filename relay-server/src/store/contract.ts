/**
 * The behaviour every store adapter owes the relay, written against the interface alone: each
 * adapter's test file runs it (`describeStoreContract('SQLite', open)`), and so will the
 * PostgreSQL adapter's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallUpdate, mergeCall } from '../calls/merge.ts';
import type { CrmWork, RelayStore } from './index.ts';

export function describeStoreContract(adapter: string, open: () => RelayStore): void {
  describe(`store contract: ${adapter}`, () => {
    let store: RelayStore;
    const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();

    const agent = (id: string, number: string) => store.addAgent({ id, name: id, number, email: null, admin: false, tokenHash: `hash-${id}`, createdAt: T(0) });
    const instance = (agentId: string, localId: string, uid = `in_${agentId}_${localId}`) =>
      store.putInstance({ agentId, localId, connector: 'twilio', xml: null, config: { authid: 'AC1' }, crm: null, at: T(0) }, { uid, secret: `secret-${uid}` });
    /** A new call seen by `agentIds`, written with the plain writes. */
    const call = (callId: string, at: string, update: CallUpdate = {}, agentIds = ['ada'], instanceUid = 'in_ada_main') =>
      store.transaction(() => {
        const id = store.insertCall(instanceUid, callId, mergeCall(undefined, update), at);
        for (const agentId of agentIds) store.linkAgent(agentId, id);
        return store.callById(id)!;
      });

    beforeEach(() => {
      store = open();
      agent('ada', '+14155550111');
      agent('bob', '+14155550122');
      instance('ada', 'main');
    });
    afterEach(() => store.close());

    describe('calls', () => {
      it('stores a call and finds it by key, by id and for the agents linked to it', () => {
        const stored = call('CA1', T(1), { direction: 'inbound', status: 'ringing', status_raw: 'ringing', extra: { uui: 'x' } }, ['ada', 'bob']);
        expect(stored).toMatchObject({ instance_id: 'main', call_id: 'CA1', direction: 'inbound', status: 'ringing', extra: { uui: 'x' }, created_at: T(1), updated_at: T(1), notes: null });
        expect(store.callByKey('in_ada_main', 'CA1')).toEqual(stored);
        expect(store.callByKey('in_ada_main', 'CA2')).toBeUndefined();
        expect(store.callFor('bob', stored.id)).toEqual(stored);
        expect(store.agentIdsOfCall(stored.id)).toEqual(['ada', 'bob']);
        expect(store.callAgentIds('in_ada_main', 'CA1')).toEqual(['ada', 'bob']);
      });

      it('updates a call, links an agent once, and sets notes', () => {
        const stored = call('CA1', T(1), { status: 'ringing' });
        store.updateCall(stored.id, mergeCall(stored, { status: 'completed', duration: 9 }), T(2));
        store.linkAgent('bob', stored.id);
        store.linkAgent('bob', stored.id);
        store.setCallNotes(stored.id, { notes: 'call back', disposition: null }, T(3));
        expect(store.callById(stored.id)).toMatchObject({ status: 'completed', duration: 9, notes: 'call back', disposition: null, created_at: T(1), updated_at: T(3) });
        expect(store.agentIdsOfCall(stored.id)).toEqual(['ada', 'bob']);
      });

      it('rolls back everything a transaction wrote when it throws', () => {
        expect(() =>
          store.transaction(() => {
            const id = store.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1));
            store.linkAgent('ada', id);
            store.appendEvents([{ agentId: 'ada', kind: 'created' }], store.callById(id)!, T(1));
            store.linkAgent('ghost', id);
          }),
        ).toThrow();
        expect(store.callByKey('in_ada_main', 'CA1')).toBeUndefined();
        expect(store.lastSeq('ada')).toBe(0);
        expect(store.eventsAfter('ada', 0, 10)).toEqual([]);
        expect(store.listCalls('ada', { limit: 10 })).toEqual([]);
      });

      it('lists an agent calls newest first with filters', () => {
        call('CA1', T(1), { direction: 'outbound', to_number: '+14155550100' });
        call('CA2', T(2), { direction: 'inbound', from_number: '+14155550100' });
        call('CA3', T(3), { direction: 'inbound', user_number: '+14155550199' });
        call('CA4', T(4), { direction: 'outbound' }, ['bob']);
        const ids = (query: Parameters<RelayStore['listCalls']>[1]) => store.listCalls('ada', query).map((c) => c.call_id);
        expect(ids({ limit: 10 })).toEqual(['CA3', 'CA2', 'CA1']);
        expect(ids({ limit: 10, number: '+14155550100' })).toEqual(['CA2', 'CA1']);
        expect(ids({ limit: 10, number: '+14155550199' })).toEqual(['CA3']);
        expect(ids({ limit: 10, direction: 'inbound' })).toEqual(['CA3', 'CA2']);
        expect(ids({ limit: 10, since: T(2), until: T(3) })).toEqual(['CA2']);
        expect(ids({ limit: 2 })).toEqual(['CA3', 'CA2']);
        expect(ids({ limit: 2, before: 2 })).toEqual(['CA1']);
      });
    });

    describe('CRM', () => {
      const work = (callId: number, dueAt: string, extra: Partial<CrmWork> = {}): CrmWork => ({
        callId,
        instanceUid: 'in_ada_main',
        state: 'queued',
        dueAt,
        attempts: 0,
        lastError: null,
        again: false,
        uncertain: false,
        createdAt: T(1),
        ...extra,
      });

      it('keeps an instance CRM setup, and a call CRM fields', () => {
        const crm = { connector: 'vtiger', xml: null, config: { url: 'https://crm.example.com', accesskey: 'k' } };
        store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm, at: T(2) }, { uid: 'x', secret: 'y' });
        expect(store.instanceByUid('in_ada_main')!.crm).toEqual(crm);
        const stored = call('CA1', T(1));
        expect(stored).toMatchObject({ contact: null, contacts: [], new_contact_url: null, crm_log: null });
        const contact = { id: '4x1', name: 'Grace', company: null, url: null };
        const fields = { contact, contacts: [contact], new_contact_url: null, crm_log: { state: 'logged' as const, id: '43x9', url: 'u', error: null } };
        store.setCallCrm(stored.id, fields, T(3));
        expect(store.callById(stored.id)).toMatchObject({ ...fields, updated_at: T(3) });
        expect(store.instanceOfCall(stored.id)?.uid).toBe('in_ada_main');
      });

      it('claims due outbox rows once, oldest due first, and requeues rows left in flight as uncertain', () => {
        const [a, b, c] = ['CA1', 'CA2', 'CA3'].map((id) => call(id, T(1)).id) as [number, number, number];
        store.putCrmWork(work(a, T(5)));
        store.putCrmWork(work(b, T(3)));
        store.putCrmWork(work(c, T(9)));
        expect(store.nextCrmDue()).toBe(T(3));
        expect(store.crmOutboxStats()).toEqual({ depth: 3, oldestDue: T(3) });
        expect(store.claimDueCrmWork(T(6), 10).map((w) => [w.callId, w.state])).toEqual([
          [b, 'inflight'],
          [a, 'inflight'],
        ]);
        expect(store.claimDueCrmWork(T(6), 10)).toEqual([]);
        expect(store.nextCrmDue()).toBe(T(9));
        store.putCrmWork({ ...store.crmWorkOf(a)!, again: true, lastError: 'HTTP 503' });
        expect(store.crmWorkOf(a)).toMatchObject({ state: 'inflight', again: true, lastError: 'HTTP 503' });
        store.deleteCrmWork(b);
        expect(store.requeueInflightCrmWork()).toBe(1);
        expect(store.crmWorkOf(a)).toMatchObject({ state: 'queued', uncertain: true });
        expect(store.crmWorkOf(b)).toBeUndefined();
        expect(store.claimDueCrmWork(T(9), 1).map((w) => w.callId)).toEqual([a]);
      });
    });

    describe('events', () => {
      it('keeps per-agent seqs and returns events after a seq in order', () => {
        for (let i = 1; i <= 5; i++) {
          const agents = i % 2 ? ['ada', 'bob'] : ['ada'];
          const stored = call(`CA${i}`, T(i), {}, agents);
          const events = store.appendEvents(agents.map((agentId) => ({ agentId, kind: 'created' as const })), stored, T(i));
          expect(events.map((e) => JSON.parse(e.call))).toEqual(agents.map(() => stored));
        }
        expect(store.eventsAfter('ada', 0, 100).map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
        expect(store.eventsAfter('ada', 3, 100).map((e) => JSON.parse(e.call).call_id)).toEqual(['CA4', 'CA5']);
        expect(store.eventsAfter('ada', 0, 2).map((e) => e.seq)).toEqual([1, 2]);
        expect(store.eventsAfter('bob', 0, 100).map((e) => [e.seq, JSON.parse(e.call).call_id])).toEqual([
          [1, 'CA1'],
          [2, 'CA3'],
          [3, 'CA5'],
        ]);
        expect(store.lastSeq('ada')).toBe(5);
      });
    });

    describe('agents and instances', () => {
      it('keeps an instance uid and secret when it is replaced', () => {
        const replaced = store.putInstance({ agentId: 'ada', localId: 'main', connector: 'custom', xml: '<connector/>', config: {}, crm: null, at: T(5) }, { uid: 'in_new', secret: 'new' });
        expect(replaced).toMatchObject({ uid: 'in_ada_main', secret: 'secret-in_ada_main', connector: 'custom', xml: '<connector/>', updatedAt: T(5), createdAt: T(0) });
        expect(store.instancesOf('ada')).toHaveLength(1);
      });

      it('keeps calls when their instance is deleted, without an instance id', () => {
        const stored = call('CA1', T(1));
        expect(store.deleteInstance('bob', 'main')).toBe(false);
        expect(store.deleteInstance('ada', 'main')).toBe(true);
        expect(store.instanceByUid('in_ada_main')).toBeUndefined();
        expect(store.callFor('ada', stored.id)).toMatchObject({ call_id: 'CA1', instance_id: null });
      });

      it('removes an agent with its instances, links and events, keeping calls others see', () => {
        const stored = call('CA1', T(1), {}, ['ada', 'bob']);
        store.appendEvents([{ agentId: 'ada', kind: 'created' }], stored, T(1));
        expect(store.removeAgent('ada')).toBe(true);
        expect(store.removeAgent('ada')).toBe(false);
        expect(store.agentById('ada')).toBeUndefined();
        expect(store.instancesOf('ada')).toEqual([]);
        expect(store.eventsAfter('ada', 0, 10)).toEqual([]);
        expect(store.agentIdsOfCall(stored.id)).toEqual(['bob']);
        expect(store.callFor('bob', stored.id)).toMatchObject({ call_id: 'CA1', instance_id: null });
      });

      it('finds agents by number, oldest first, and follows a changed number', () => {
        store.addAgent({ id: 'cy', name: 'cy', number: '+14155550122', email: null, admin: false, tokenHash: 'hash-cy', createdAt: T(1) });
        expect(store.agentsWithNumber('+14155550122').map((a) => a.id)).toEqual(['bob', 'cy']);
        expect(store.agentsWithNumber('+14155550111')).toEqual([store.agentById('ada')]);
        expect(store.agentsWithNumber('+15005550006')).toEqual([]);
        store.updateAgent('bob', { number: '+15005550006' });
        expect(store.agentsWithNumber('+14155550122').map((a) => a.id)).toEqual(['cy']);
        expect(store.agentsWithNumber('+15005550006').map((a) => a.id)).toEqual(['bob']);
      });

      it('updates an agent profile', () => {
        expect(store.updateAgent('ada', { number: '+14155550199', profile: { country: 'US' } })).toMatchObject({ number: '+14155550199', email: null, profile: { country: 'US' } });
        expect(store.updateAgent('ada', { email: 'ada@example.com' })).toMatchObject({ number: '+14155550199', email: 'ada@example.com', profile: { country: 'US' } });
        expect(store.updateAgent('nobody', { email: null })).toBeUndefined();
        expect(store.agentByTokenHash('hash-ada')?.id).toBe('ada');
        expect(store.agentByTokenHash('hash-nobody')).toBeUndefined();
      });
    });
  });
}
