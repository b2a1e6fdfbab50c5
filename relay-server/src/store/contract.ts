/**
 * The behaviour every store adapter owes the relay, written against the interface alone: each
 * adapter's test file runs it (`describeStoreContract('SQLite', database)`), and so will the
 * PostgreSQL adapter's.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CallUpdate, mergeCall } from '../calls/merge.ts';
import { windowCounts } from '../crm/rate-window.ts';
import { type AgentEvent, appendUpdated, type Call, type ChangeElsewhere, type CrmRateWindow, type CrmWork, holdsCrmLease, type RelayStore } from './index.ts';

/** A fresh, empty database for one test: every `open` is another connection to it (as another relay or the CLI would open it). */
export interface TestDatabase {
  open(): Promise<RelayStore>;
  /** Removes the database once every connection is closed. */
  drop(): Promise<void>;
}

export function describeStoreContract(adapter: string, freshDatabase: () => Promise<TestDatabase>): void {
  describe(`store contract: ${adapter}`, () => {
    let database: TestDatabase;
    let store: RelayStore;
    const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();

    const agent = (id: string, number: string) => store.addAgent({ id, name: id, number, email: null, admin: false, tokenHash: `hash-${id}`, createdAt: T(0) });
    const instance = (agentId: string, localId: string, uid = `in_${agentId}_${localId}`) =>
      store.putInstance({ agentId, localId, connector: 'twilio', xml: null, config: { authid: 'AC1' }, crm: null, at: T(0) }, { uid, secret: `secret-${uid}` });
    /** A new call seen by `agentIds`, written with the plain writes. */
    const call = (callId: string, at: string, update: CallUpdate = {}, agentIds = ['ada'], instanceUid = 'in_ada_main') =>
      store.transaction(async (tx) => {
        const id = await tx.insertCall(instanceUid, callId, mergeCall(undefined, update), at);
        await tx.linkAgents(agentIds, id);
        return (await tx.callById(id))!;
      });
    /** A new call seen by `agentIds`, with their `created` events appended in the same transaction, as a webhook does. */
    const callWithEvents = (callId: string, at: string, agentIds = ['ada'], update: CallUpdate = {}, on: RelayStore = store) =>
      on.transaction(async (tx) => {
        const id = await tx.insertCall('in_ada_main', callId, mergeCall(undefined, update), at);
        await tx.linkAgents(agentIds, id);
        const stored = (await tx.callById(id))!;
        return { call: stored, events: await tx.appendEvents(agentIds.map((agentId) => ({ agentId, kind: 'created' as const })), stored, at) };
      });
    /** A call event for every agent linked to the call, as an update of it does. */
    const update = async (stored: Call, at: string, on: RelayStore = store) =>
      on.transaction((tx) => appendUpdated(tx, stored, at));
    /** An agent's seqs chain: each event's previous seq is the one before it (0 before the first). */
    const expectChained = (events: readonly AgentEvent[]) => expect(events.map((e) => e.prevSeq)).toEqual([0, ...events.slice(0, -1).map((e) => e.seq)]);
    /** Waits for a condition, with a deadline far beyond any adapter's polling period. */
    const until = async (condition: () => boolean | Promise<boolean>) => {
      const deadline = Date.now() + 20_000;
      while (!(await condition())) {
        if (Date.now() > deadline) throw new Error('the condition did not hold within 20 s');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    beforeEach(async () => {
      database = await freshDatabase();
      store = await database.open();
      await agent('ada', '+14155550111');
      await agent('bob', '+14155550122');
      await instance('ada', 'main');
    });
    afterEach(async () => {
      await store.close();
      await database.drop();
    });

    describe('calls', () => {
      it('stores a call and finds it by key, by id and for the agents linked to it', async () => {
        const stored = await call('CA1', T(1), { direction: 'inbound', status: 'ringing', status_raw: 'ringing', extra: { uui: 'x' } }, ['ada', 'bob']);
        expect(stored).toMatchObject({ instance_id: 'main', call_id: 'CA1', direction: 'inbound', status: 'ringing', extra: { uui: 'x' }, created_at: T(1), updated_at: T(1), notes: null });
        expect(await store.callByKey('in_ada_main', 'CA1')).toEqual(stored);
        expect(await store.callByKey('in_ada_main', 'CA2')).toBeUndefined();
        expect(await store.callFor('bob', stored.id)).toEqual(stored);
        expect(await store.agentIdsOfCall(stored.id)).toEqual(['ada', 'bob']);
        expect(await store.callAgentIds('in_ada_main', 'CA1')).toEqual(['ada', 'bob']);
        expect(await store.callAgents('in_ada_main', 'CA1')).toEqual([await store.agentById('ada'), await store.agentById('bob')]);
        expect(await store.callAgents('in_ada_main', 'CA-unknown')).toEqual([]);
      });

      it('writes every state field to its own column, on insert and on update, and reads every column back by key', async () => {
        // A distinct value per field: a field written into another's column reads back wrong.
        const first = { direction: 'inbound', status: 'ringing', status_raw: 'Ringing', from_number: '+14155550101', to_number: '+14155550102', user_number: '+14155550103', duration: 1, started_at: T(2), ended_at: T(3), recording_url: 'https://rec.example/1', extra: { a: '1' } } as const;
        const stored = await call('CA1', T(1), first);
        expect(stored).toMatchObject({ ...first, created_at: T(1), updated_at: T(1) });
        const second = { ...first, direction: 'outbound', status: 'completed', status_raw: 'Completed', from_number: '+14155550201', to_number: '+14155550202', user_number: '+14155550203', duration: 2, started_at: T(4), ended_at: T(5), recording_url: 'https://rec.example/2', extra: { b: '2' } } as const;
        await store.updateCall(stored.id, second, T(6));
        expect(await store.callByKey('in_ada_main', 'CA1')).toEqual({ ...stored, ...second, created_at: T(1), updated_at: T(6) });
        // And every other column, read back by key as by id.
        await store.setCallNotes(stored.id, { notes: 'call back', disposition: 'sale' }, T(7));
        const contact = { id: '4x1', name: 'Grace', company: 'Navy', url: 'https://crm.example/4x1' };
        await store.setCallCrm(stored.id, { contact, contacts: [contact], new_contact_url: 'https://crm.example/new', crm_log: { state: 'logged', id: '43x9', url: 'u', error: null } }, T(8));
        const full = await store.callById(stored.id);
        expect(full).toMatchObject({ notes: 'call back', disposition: 'sale', contact, new_contact_url: 'https://crm.example/new', crm_log: { id: '43x9' }, updated_at: T(8) });
        expect(await store.callByKey('in_ada_main', 'CA1')).toEqual(full);
      });

      it('updates a call, links an agent once, and sets notes', async () => {
        const stored = await call('CA1', T(1), { status: 'ringing' });
        await store.updateCall(stored.id, mergeCall(stored, { status: 'completed', duration: 9 }), T(2));
        await store.linkAgents(['bob'], stored.id);
        await store.linkAgents(['bob', 'ada'], stored.id);
        await store.linkAgents([], stored.id);
        await store.setCallNotes(stored.id, { notes: 'call back', disposition: null }, T(3));
        expect(await store.callById(stored.id)).toMatchObject({ status: 'completed', duration: 9, notes: 'call back', disposition: null, created_at: T(1), updated_at: T(3) });
        expect(await store.agentIdsOfCall(stored.id)).toEqual(['ada', 'bob']);
      });

      it('rolls back everything a transaction wrote when it throws, and gives its error', async () => {
        const failed = store.transaction(async (tx) => {
          const id = await tx.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1));
          await tx.linkAgents(['ada'], id);
          await tx.appendEvents([{ agentId: 'ada', kind: 'created' }], (await tx.callById(id))!, T(1));
          throw new Error('the work failed');
        });
        await expect(failed).rejects.toThrow('the work failed');
        expect(await store.callByKey('in_ada_main', 'CA1')).toBeUndefined();
        expect(await store.lastSeq('ada')).toBe(0);
        expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
        expect(await store.listCalls('ada', { limit: 10 })).toEqual([]);
      });

      it('rolls back a transaction whose write breaks a constraint', async () => {
        const failed = store.transaction(async (tx) => {
          const id = await tx.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1));
          await tx.linkAgents(['ghost'], id);
        });
        await expect(failed).rejects.toThrow();
        expect(await store.callByKey('in_ada_main', 'CA1')).toBeUndefined();
      });

      it('resolves a transaction with what its work returns, once committed for every reader', async () => {
        const id = await store.transaction(async (tx) => tx.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1)));
        const other = await database.open();
        try {
          expect((await other.callById(id))?.call_id).toBe('CA1');
        } finally {
          await other.close();
        }
      });

      it('runs transactions one after another: the second reads what the first wrote', async () => {
        const stored = await call('CA1', T(1));
        const bump = () =>
          store.transaction(async (tx) => {
            const current = (await tx.callById(stored.id))!;
            await tx.updateCall(stored.id, mergeCall(current, { duration: (current.duration ?? 0) + 1 }), T(2));
          });
        await Promise.all([bump(), bump(), bump(), store.callById(stored.id), bump()]);
        expect((await store.callById(stored.id))?.duration).toBe(4);
      });

      it('refuses a transaction handle used after its transaction ended', async () => {
        const leaked = await store.transaction(async (tx) => tx);
        await expect(leaked.callById(1)).rejects.toThrow(/ended/);
      });

      it('runs what a transaction hands to afterCommit once, after its commit, and never for a transaction rolled back', async () => {
        const other = await database.open();
        try {
          const ran: string[] = [];
          let readInHook: Promise<unknown> | undefined;
          const id = await store.transaction(async (tx) => {
            const inserted = await tx.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1));
            tx.afterCommit(
              () => {
                ran.push('committed');
                // Another connection sees the commit from the hook on.
                readInHook = other.callById(inserted);
              },
              () => ran.push('rolled back'),
            );
            expect(ran).toEqual([]);
            return inserted;
          });
          expect(ran).toEqual(['committed']);
          expect(await readInHook).toMatchObject({ id, call_id: 'CA1' });

          const failed = store.transaction(async (tx) => {
            await tx.insertCall('in_ada_main', 'CA2', mergeCall(undefined, {}), T(1));
            tx.afterCommit(
              () => ran.push('committed CA2'),
              () => ran.push('rolled back CA2'),
            );
            throw new Error('the work failed');
          });
          await expect(failed).rejects.toThrow('the work failed');
          expect(ran).toEqual(['committed', 'rolled back CA2']);
        } finally {
          await other.close();
        }
      });

      it('runs each hook of transactions committed side by side by its own outcome', async () => {
        const outcomes: string[] = [];
        const work = (callId: string, fail: boolean) =>
          store
            .transaction(async (tx) => {
              await tx.insertCall('in_ada_main', callId, mergeCall(undefined, {}), T(1));
              tx.afterCommit(
                () => outcomes.push(`${callId} committed`),
                () => outcomes.push(`${callId} rolled back`),
              );
              if (fail) throw new Error(`${callId} failed`);
            })
            .catch(() => undefined);
        await Promise.all([work('CA1', false), work('CA2', true), work('CA3', false)]);
        // An attempt run again (SQLite runs a batch again when one of its transactions failed) has its own hooks rolled back first.
        const of = (callId: string) => outcomes.filter((outcome) => outcome.startsWith(callId));
        for (const callId of ['CA1', 'CA3']) expect(of(callId)).toEqual([...of(callId).slice(0, -1).map(() => `${callId} rolled back`), `${callId} committed`]);
        expect(new Set(of('CA2'))).toEqual(new Set(['CA2 rolled back']));
        expect(await store.callByKey('in_ada_main', 'CA2')).toBeUndefined();
      });

      it('runs the committed hook once per transaction when two stores insert the same new call at once: an attempt run again rolls its own back', async () => {
        const other = await database.open();
        try {
          let committed = 0;
          let rolledBack = 0;
          const record = (on: RelayStore) =>
            on.transaction(async (tx) => {
              // Handed over first: an attempt that fails on the insert has its hook too.
              tx.afterCommit(
                () => (committed += 1),
                () => (rolledBack += 1),
              );
              const known = await tx.callByKey('in_ada_main', 'CA1');
              if (known) await tx.updateCall(known.id, mergeCall(known, { duration: (known.duration ?? 0) + 1 }), T(2));
              else await tx.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1));
            });
          await Promise.all([record(store), record(other)]);
          expect(committed).toBe(2);
          const reruns = (s: RelayStore) => Object.values(s.transactionStats().reruns).reduce((a, b) => a + b, 0);
          expect(rolledBack).toBe(reruns(store) + reruns(other));
          expect(await store.callByKey('in_ada_main', 'CA1')).toMatchObject({ call_id: 'CA1' });
        } finally {
          await other.close();
        }
      });

      it('refuses afterCommit through a transaction that has ended', async () => {
        const leaked = await store.transaction(async (tx) => tx);
        expect(() => leaked.afterCommit(() => undefined)).toThrow(/ended/);
      });

      it('says which agents are on a call: one they placed, or an incoming one their phone took, not ended', async () => {
        await agent('cy', '+14155550133');
        await agent('dan', '+14155550144');
        const onCalls = async (since = T(0)) => (await store.agentsOnCalls(since)).sort();
        expect(await onCalls()).toEqual([]);
        // Ada placed a call (queued at the provider); Bob's phone took a team's call (answered_by); Cy took one that reached him alone.
        const adas = await call('CA1', T(1), { direction: 'outbound', status: 'queued' });
        await call('CA2', T(2), { direction: 'inbound', status: 'in-progress', extra: { answered_by: '+14155550122' } }, ['ada', 'bob', 'cy']);
        await call('CA3', T(3), { status: 'in-progress' }, ['cy']);
        // Not on them: a call ringing the team, one that rang two and does not say who took it, one that ended.
        await call('CA4', T(4), { direction: 'inbound', status: 'ringing' }, ['dan']);
        await call('CA5', T(5), { direction: 'inbound', status: 'in-progress' }, ['ada', 'dan']);
        await call('CA6', T(6), { direction: 'outbound', status: 'completed' }, ['dan']);
        expect(await onCalls()).toEqual(['ada', 'bob', 'cy']);
        // Calls begun before `since` are not read.
        expect(await onCalls(T(2))).toEqual(['bob', 'cy']);
        // Ada's call ends: she is free.
        await store.updateCall(adas.id, mergeCall(adas, { status: 'no-answer' }), T(7));
        expect(await onCalls()).toEqual(['bob', 'cy']);
      });

      it('lists an agent calls newest first with filters', async () => {
        await call('CA1', T(1), { direction: 'outbound', to_number: '+14155550100' });
        await call('CA2', T(2), { direction: 'inbound', from_number: '+14155550100' });
        await call('CA3', T(3), { direction: 'inbound', user_number: '+14155550199' });
        await call('CA4', T(4), { direction: 'outbound' }, ['bob']);
        const ids = async (query: Parameters<RelayStore['listCalls']>[1]) => (await store.listCalls('ada', query)).map((c) => c.call_id);
        expect(await ids({ limit: 10 })).toEqual(['CA3', 'CA2', 'CA1']);
        expect(await ids({ limit: 10, number: '+14155550100' })).toEqual(['CA2', 'CA1']);
        expect(await ids({ limit: 10, number: '+14155550199' })).toEqual(['CA3']);
        expect(await ids({ limit: 10, direction: 'inbound' })).toEqual(['CA3', 'CA2']);
        expect(await ids({ limit: 10, since: T(2), until: T(3) })).toEqual(['CA2']);
        expect(await ids({ limit: 2 })).toEqual(['CA3', 'CA2']);
        expect(await ids({ limit: 2, before: 2 })).toEqual(['CA1']);
      });

      it("lists an agent's calls newest first across the sets of agents they were linked to, paged (issue 13: rosters)", async () => {
        // Ada alone, then with Bob, in turn: calls linked to two sets of agents, each set shared by three calls.
        for (let n = 1; n <= 6; n++) await call(`CA${n}`, T(n), {}, n % 2 ? ['ada'] : ['bob', 'ada']);
        const ids = async (agentId: string, query: { limit: number; before?: number }) => (await store.listCalls(agentId, query)).map((c) => c.call_id);
        const [, third] = await store.listCalls('ada', { limit: 4 }).then((calls) => calls.slice(2));
        expect(await ids('ada', { limit: 4 })).toEqual(['CA6', 'CA5', 'CA4', 'CA3']);
        expect(await ids('ada', { limit: 4, before: third!.id })).toEqual(['CA2', 'CA1']);
        expect(await ids('bob', { limit: 10 })).toEqual(['CA6', 'CA4', 'CA2']);
        expect(await ids('bob', { limit: 2, before: third!.id })).toEqual(['CA2']);
        expect(await ids('nobody', { limit: 10 })).toEqual([]);
        // An agent added to a call later is linked through another set: listed once, with both sets' agents on the call.
        const first = (await store.callByKey('in_ada_main', 'CA1'))!;
        await store.linkAgents(['bob', 'ada'], first.id);
        expect(await ids('bob', { limit: 10 })).toEqual(['CA6', 'CA4', 'CA2', 'CA1']);
        expect(await ids('ada', { limit: 10 })).toEqual(['CA6', 'CA5', 'CA4', 'CA3', 'CA2', 'CA1']);
        expect(await store.agentIdsOfCall(first.id)).toEqual(['ada', 'bob']);
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
        lease: null,
        createdAt: T(1),
        ...extra,
      });
      const lease = (owner: string, until: string) => ({ owner, until });

      it('keeps an instance CRM setup, and a call CRM fields', async () => {
        const crm = { connector: 'vtiger', xml: null, config: { url: 'https://crm.example.com', accesskey: 'k' } };
        await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm, at: T(2) }, { uid: 'x', secret: 'y' });
        expect((await store.instanceByUid('in_ada_main'))!.crm).toEqual(crm);
        const stored = await call('CA1', T(1));
        expect(stored).toMatchObject({ contact: null, contacts: [], new_contact_url: null, crm_log: null });
        const contact = { id: '4x1', name: 'Grace', company: null, url: null };
        const fields = { contact, contacts: [contact], new_contact_url: null, crm_log: { state: 'logged' as const, id: '43x9', url: 'u', error: null } };
        await store.setCallCrm(stored.id, fields, T(3));
        expect(await store.callById(stored.id)).toMatchObject({ ...fields, updated_at: T(3) });
        // The log alone: the contact and its matches stay as they were.
        const failed = { state: 'failed' as const, id: '43x9', url: 'u', error: 'INVALID_SESSIONID' };
        await store.setCallCrmLog(stored.id, failed, T(4));
        expect(await store.callById(stored.id)).toMatchObject({ ...fields, crm_log: failed, updated_at: T(4) });
        // The state and the log in one statement (a call that turns final): both written, the contact kept; without a log, the log kept.
        const pending = { state: 'pending' as const, id: null, url: null, error: null };
        await store.updateCall(stored.id, mergeCall(stored, { status: 'completed', duration: 7 }), T(5), pending);
        expect(await store.callById(stored.id)).toMatchObject({ ...fields, status: 'completed', duration: 7, crm_log: pending, updated_at: T(5) });
        await store.updateCall(stored.id, mergeCall(stored, { status: 'completed', duration: 8 }), T(6));
        expect(await store.callById(stored.id)).toMatchObject({ ...fields, duration: 8, crm_log: pending, updated_at: T(6) });
        expect((await store.instanceOfCall(stored.id))?.uid).toBe('in_ada_main');
      });

      it('claims due outbox rows once, oldest due first, under the claiming relay lease', async () => {
        const [a, b, c] = (await Promise.all(['CA1', 'CA2', 'CA3'].map((id) => call(id, T(1))))).map((stored) => stored.id) as [number, number, number];
        await store.putCrmWork(work(a, T(5)));
        await store.putCrmWork(work(b, T(3)));
        await store.putCrmWork(work(c, T(9)));
        expect(await store.nextCrmDue()).toBe(T(3));
        expect(await store.crmOutboxStats()).toEqual({ depth: 3, oldestDue: T(3) });
        const claimed = await store.claimDueCrmWork(T(6), 10, lease('relay-a', T(60)));
        expect(claimed.map((w) => [w.callId, w.state, w.lease])).toEqual([
          [b, 'inflight', lease('relay-a', T(60))],
          [a, 'inflight', lease('relay-a', T(60))],
        ]);
        expect(await store.claimDueCrmWork(T(6), 10, lease('relay-b', T(60)))).toEqual([]);
        expect(await store.nextCrmDue()).toBe(T(9));
        await store.putCrmWork({ ...(await store.crmWorkOf(a))!, again: true, lastError: 'HTTP 503' });
        expect(await store.crmWorkOf(a)).toMatchObject({ state: 'inflight', again: true, lastError: 'HTTP 503', lease: lease('relay-a', T(60)) });
        expect(await store.claimDueCrmWork(T(9), 1, lease('relay-b', T(60)))).toMatchObject([{ callId: c, lease: lease('relay-b', T(60)) }]);
      });

      it("claims and schedules the rows of some instances only: none of those held, or one instance's", async () => {
        const [a, b, c] = (await Promise.all(['CA1', 'CA2', 'CA3'].map((id) => call(id, T(1))))).map((stored) => stored.id) as [number, number, number];
        await store.putCrmWork(work(a, T(3), { instanceUid: 'in_held' }));
        await store.putCrmWork(work(b, T(4), { instanceUid: 'in_held' }));
        await store.putCrmWork(work(c, T(5)));
        expect(await store.nextCrmDue(['in_held'])).toBe(T(5));
        expect(await store.nextCrmDue(['in_held', 'in_ada_main'])).toBeUndefined();
        expect((await store.claimDueCrmWork(T(6), 10, lease('relay-a', T(60)), { except: ['in_held'] })).map((w) => w.callId)).toEqual([c]);
        expect((await store.claimDueCrmWork(T(6), 1, lease('relay-a', T(60)), { only: 'in_held' })).map((w) => w.callId)).toEqual([a]);
        expect(await store.claimDueCrmWork(T(6), 10, lease('relay-a', T(60)), { only: 'in_other' })).toEqual([]);
        expect((await store.claimDueCrmWork(T(6), 10, lease('relay-a', T(60)), { except: [] })).map((w) => w.callId)).toEqual([b]);
      });

      it("finds the other instances' due rows behind many of a held one's, oldest first across instances", async () => {
        const ids = (await Promise.all(Array.from({ length: 8 }, (_, i) => call(`CA${i}`, T(1))))).map((stored) => stored.id);
        // The held instance's rows are due first: a CRM down for a while.
        for (const id of ids.slice(0, 5)) await store.putCrmWork(work(id, T(2), { instanceUid: 'in_held' }));
        await store.putCrmWork(work(ids[5]!, T(7), { instanceUid: 'in_b' }));
        await store.putCrmWork(work(ids[6]!, T(4), { instanceUid: 'in_c' }));
        await store.putCrmWork(work(ids[7]!, T(6), { instanceUid: 'in_b' }));
        expect(await store.nextCrmDue(['in_held'])).toBe(T(4));
        expect(await store.nextCrmDue(['in_held', 'in_c'])).toBe(T(6));
        expect(await store.nextCrmDue(['in_c'])).toBe(T(2));
        const claimed = await store.claimDueCrmWork(T(6), 2, lease('relay-a', T(60)), { except: ['in_held'] });
        expect(claimed.map((w) => [w.callId, w.state, w.lease])).toEqual([
          [ids[6], 'inflight', lease('relay-a', T(60))],
          [ids[7], 'inflight', lease('relay-a', T(60))],
        ]);
        expect(await store.nextCrmDue(['in_held'])).toBe(T(7));
        expect((await store.claimDueCrmWork(T(9), 10, lease('relay-a', T(60)), { except: ['in_held'] })).map((w) => w.callId)).toEqual([ids[5]]);
        expect(await store.nextCrmDue(['in_held'])).toBeUndefined();
        expect(await Promise.all(ids.slice(0, 5).map(async (id) => (await store.crmWorkOf(id))?.state))).toEqual(Array(5).fill('queued'));
      });

      it('gives an outbox row back field for field, as read and as each claim takes it', async () => {
        const [a, b, c] = (await Promise.all(['CA1', 'CA2', 'CA3'].map((id) => call(id, T(1))))).map((stored) => stored.id) as [number, number, number];
        // Every field set apart from the others, so that a field read from another's column shows.
        const row = (callId: number, instanceUid: string): CrmWork => work(callId, T(3), { instanceUid, attempts: 2, lastError: 'HTTP 503', again: true, uncertain: false, createdAt: T(2) });
        const rows = [row(a, 'in_a'), row(b, 'in_b'), { ...row(c, 'in_c'), again: false, uncertain: true, lastError: null, attempts: 0 }];
        for (const queued of rows) await store.putCrmWork(queued);
        expect(await Promise.all(rows.map((queued) => store.crmWorkOf(queued.callId)))).toEqual(rows);
        const claimed = (queued: CrmWork, owner: string): CrmWork => ({ ...queued, state: 'inflight', lease: lease(owner, T(60)) });
        expect(await store.claimDueCrmWork(T(6), 1, lease('relay-a', T(60)), { only: 'in_a' })).toEqual([claimed(rows[0]!, 'relay-a')]);
        expect(await store.claimDueCrmWork(T(6), 1, lease('relay-b', T(60)), { except: ['in_c'] })).toEqual([claimed(rows[1]!, 'relay-b')]);
        expect(await store.claimDueCrmWork(T(6), 1, lease('relay-c', T(60)))).toEqual([claimed(rows[2]!, 'relay-c')]);
        expect(await store.crmWorkOf(c)).toEqual(claimed(rows[2]!, 'relay-c'));
      });

      it('requeues, as uncertain, only the rows in flight whose lease has ended', async () => {
        const [a, b, c] = (await Promise.all(['CA1', 'CA2', 'CA3'].map((id) => call(id, T(1))))).map((stored) => stored.id) as [number, number, number];
        await store.putCrmWork(work(a, T(1)));
        await store.putCrmWork(work(b, T(1)));
        await store.claimDueCrmWork(T(2), 1, lease('relay-dead', T(30)));
        await store.claimDueCrmWork(T(2), 1, lease('relay-alive', T(90)));
        await store.putCrmWork(work(c, T(50)));
        expect(await store.requeueOrphanedCrmWork(T(29))).toBe(0);
        expect(await store.requeueOrphanedCrmWork(T(30))).toBe(1);
        const [dead, alive] = [(await store.crmWorkOf(a))!, (await store.crmWorkOf(b))!];
        expect(dead).toMatchObject({ state: 'queued', uncertain: true, lease: null });
        expect(alive).toMatchObject({ state: 'inflight', uncertain: false, lease: lease('relay-alive', T(90)) });
        expect(await store.crmWorkOf(c)).toMatchObject({ state: 'queued', uncertain: false });
        expect((await store.claimDueCrmWork(T(31), 10, lease('relay-alive', T(120)))).map((w) => w.callId)).toEqual([a]);
        await store.deleteCrmWork(b);
        expect(await store.crmWorkOf(b)).toBeUndefined();
        expect(await store.requeueOrphanedCrmWork(T(1000))).toBe(1);
      });

      it('says a claim still holds until its row is requeued or claimed again, its time past or not', async () => {
        const { id } = await call('CA1', T(1));
        await store.putCrmWork(work(id, T(1)));
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-a', T(30)))).toBe(false);
        await store.claimDueCrmWork(T(2), 1, lease('relay-a', T(30)));
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-a', T(30)))).toBe(true);
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-a', T(31)))).toBe(false);
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-b', T(30)))).toBe(false);
        await store.requeueOrphanedCrmWork(T(30));
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-a', T(30)))).toBe(false);
        await store.claimDueCrmWork(T(31), 1, lease('relay-b', T(90)));
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-a', T(30)))).toBe(false);
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-b', T(90)))).toBe(true);
        await store.deleteCrmWork(id);
        expect(holdsCrmLease(await store.crmWorkOf(id), lease('relay-b', T(90)))).toBe(false);
      });

      it("keeps a row held by a transaction that read it to check its lease: a requeue meanwhile waits for that transaction's outcome", async () => {
        const { id } = await call('CA1', T(1));
        await store.putCrmWork(work(id, T(1)));
        await store.claimDueCrmWork(T(2), 1, lease('relay-a', T(30)));
        let requeued: Promise<number> | undefined;
        await store.transaction(async (tx) => {
          expect(holdsCrmLease(await tx.crmWorkOf(id), lease('relay-a', T(30)))).toBe(true);
          // Another relay finds the claim's time past while this outcome is being written.
          requeued = store.requeueOrphanedCrmWork(T(60));
          await tx.deleteCrmWork(id);
        });
        expect(await requeued).toBe(0);
        expect(await store.crmWorkOf(id)).toBeUndefined();
      });
    });

    describe('events', () => {
      it("keeps each agent's seqs increasing and chained, and returns its events after a seq in order", async () => {
        for (let i = 1; i <= 5; i++) {
          const agents = i % 2 ? ['ada', 'bob'] : ['ada'];
          const { call: stored, events } = await callWithEvents(`CA${i}`, T(i), agents);
          expect(events.map((e) => [e.agentId, e.kind, JSON.parse(e.call)])).toEqual(agents.map((agentId) => [agentId, 'created', stored]));
          // The snapshot begins with the call's id: the event publisher reads it there (callIdOf), unparsed.
          for (const e of events) expect(e.call.startsWith(`{"id":${stored.id},`)).toBe(true);
        }
        const ada = await store.eventsAfter('ada', 0, 100);
        expect(ada.map((e) => JSON.parse(e.call).call_id)).toEqual(['CA1', 'CA2', 'CA3', 'CA4', 'CA5']);
        expectChained(ada);
        expect(ada.map((e) => e.seq)).toEqual([...ada.map((e) => e.seq)].sort((a, b) => a - b));
        expect(new Set(ada.map((e) => e.seq)).size).toBe(5);
        expect((await store.eventsAfter('ada', ada[2]!.seq, 100)).map((e) => [e.seq, e.prevSeq, JSON.parse(e.call).call_id])).toEqual([
          [ada[3]!.seq, ada[2]!.seq, 'CA4'],
          [ada[4]!.seq, ada[3]!.seq, 'CA5'],
        ]);
        expect(await store.eventsAfter('ada', 0, 2)).toEqual(ada.slice(0, 2));
        const bob = await store.eventsAfter('bob', 0, 100);
        expect(bob.map((e) => JSON.parse(e.call).call_id)).toEqual(['CA1', 'CA3', 'CA5']);
        expectChained(bob);
        expect([await store.lastSeq('ada'), await store.lastSeq('bob'), await store.lastSeq('nobody')]).toEqual([ada[4]!.seq, bob[2]!.seq, 0]);
      });

      it('tells an update to every agent of the call, and agents added to it of the call as created, alone when nothing else changed', async () => {
        await agent('cy', '+14155550133');
        const { call: stored } = await callWithEvents('CA1', T(1), ['ada', 'bob']);
        const [joined] = await store.transaction(async (tx) => {
          await tx.linkAgents(['cy'], stored.id);
          return tx.appendEvents([{ agentId: 'cy', kind: 'created' }], stored, T(2));
        });
        expect(joined).toMatchObject({ agentId: 'cy', kind: 'created', prevSeq: 0 });
        const answered = { ...stored, status: 'in-progress' as const };
        const updates = await update(answered, T(3));
        expect(updates.map((e) => [e.agentId, e.kind])).toEqual([['ada', 'updated'], ['bob', 'updated'], ['cy', 'updated']]);
        expect(updates.find((e) => e.agentId === 'cy')!.prevSeq).toBe(joined!.seq);
        for (const agentId of ['ada', 'bob']) {
          const events = await store.eventsAfter(agentId, 0, 10);
          expect(events.map((e) => [e.kind, JSON.parse(e.call).status])).toEqual([['created', null], ['updated', 'in-progress']]);
          expectChained(events);
          expect(await store.lastSeq(agentId)).toBe(events[1]!.seq);
        }
        const cy = await store.eventsAfter('cy', 0, 10);
        expect(cy).toEqual([joined, updates[2]]);
      });

      it('refuses events for an agent that does not exist, and appends none of them', async () => {
        const failed = store.transaction(async (tx) => {
          const id = await tx.insertCall('in_ada_main', 'CA1', mergeCall(undefined, {}), T(1));
          await tx.linkAgents(['ada'], id);
          return tx.appendEvents([{ agentId: 'ada', kind: 'created' }, { agentId: 'ghost', kind: 'created' }], (await tx.callById(id))!, T(1));
        });
        await expect(failed).rejects.toThrow(/ghost/);
        expect(await store.lastSeq('ada')).toBe(0);
        expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
      });

      it('keeps what the other agents of a call see when one of them is removed', async () => {
        await agent('cy', '+14155550133');
        const { call: stored } = await callWithEvents('CA1', T(1), ['ada', 'bob', 'cy'], { status: 'ringing' });
        await update({ ...stored, status: 'in-progress' }, T(2));
        const bob = await store.eventsAfter('bob', 0, 10);
        await store.removeAgent('ada');
        expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
        expect(await store.eventsAfter('bob', 0, 10)).toEqual(bob);
        const other = await database.open();
        try {
          await Promise.all([store.removeAgent('bob'), other.removeAgent('cy')]);
        } finally {
          await other.close();
        }
        expect([await store.eventsAfter('bob', 0, 10), await store.eventsAfter('cy', 0, 10)]).toEqual([[], []]);
      });

      it('reads several agents events after their own seqs in one call, agent by agent, limited per agent', async () => {
        await agent('cy', '+14155550133');
        const seqs: number[] = [];
        for (let i = 1; i <= 4; i++) seqs.push((await callWithEvents(`CA${i}`, T(i), ['ada', 'bob'])).events[0]!.seq);
        const read = await store.eventsAfterEach(
          new Map([
            ['bob', seqs[0]!],
            ['ada', seqs[1]!],
            ['cy', 0],
            ['nobody', 0],
          ]),
          2,
        );
        expect(read.map((e) => [e.agentId, e.seq, JSON.parse(e.call).call_id])).toEqual([
          ['bob', seqs[1], 'CA2'],
          ['bob', seqs[2], 'CA3'],
          ['ada', seqs[2], 'CA3'],
          ['ada', seqs[3], 'CA4'],
        ]);
        expect(await store.eventsAfterEach(new Map(), 10)).toEqual([]);
      });
    });

    describe('changes made elsewhere', () => {
      it('tells listeners of another connection commits, until they unsubscribe', async () => {
        const seen: ChangeElsewhere[] = [];
        const stillListening: ChangeElsewhere[] = [];
        const unsubscribe = store.onChangeElsewhere((change) => seen.push(change));
        const unsubscribeOther = store.onChangeElsewhere((change) => stillListening.push(change));
        const other = await database.open();
        try {
          // As `relay agent …` does it: its own connection to the same database. A store's listener
          // comes up in the background (PostgreSQL: its LISTEN connection and first marks), so a
          // commit made before it is up may go unheard: commit again until one is heard.
          let edits = 0;
          const deadline = Date.now() + 20_000;
          while (!seen.some((change) => change.directory)) {
            if (Date.now() > deadline) throw new Error('no directory change was heard within 20 s');
            await other.updateAgent('bob', { profile: { edit: String(++edits) } });
            for (const settle = Date.now() + 1_000; !seen.some((change) => change.directory) && Date.now() < settle; ) await new Promise((resolve) => setTimeout(resolve, 10));
          }
          await callWithEvents('CA9', T(9), ['ada'], {}, other);
          await until(() => seen.some((change) => change.events));
          unsubscribe();
          const count = seen.length;
          const heard = stillListening.length;
          await other.addAgent({ id: 'cy', name: 'Cy', number: '+14155550133', email: null, admin: false, tokenHash: 'hash-cy', createdAt: T(0) });
          await until(() => stillListening.length > heard);
          expect(seen).toHaveLength(count);
        } finally {
          unsubscribe();
          unsubscribeOther();
          await other.close();
        }
      });

      it('says when its listener hears every commit: one commit made after that is heard, the first time', async () => {
        const other = await database.open();
        const seen: ChangeElsewhere[] = [];
        let heard = false;
        const unsubscribe = store.onChangeElsewhere(
          (change) => seen.push(change),
          () => (heard = true),
        );
        try {
          await until(() => heard);
          await other.updateAgent('bob', { profile: { edit: 'once' } });
          await until(() => seen.some((change) => change.directory));
        } finally {
          unsubscribe();
          await other.close();
        }
      });

      it('tells appended events from directory changes: events alone never wake the directory check', async () => {
        const seen: ChangeElsewhere[] = [];
        const unsubscribe = store.onChangeElsewhere((change) => seen.push(change));
        const other = await database.open();
        try {
          const stored = await other.transaction(async (tx) => {
            const id = await tx.insertCall('in_ada_main', 'CA8', mergeCall(undefined, {}), T(8));
            await tx.linkAgents(['ada'], id);
            return (await tx.callById(id))!;
          });
          // The listener may come up in the background (see above): append until one is heard.
          const deadline = Date.now() + 20_000;
          while (!seen.some((change) => change.events)) {
            if (Date.now() > deadline) throw new Error('no events change was heard within 20 s');
            await update(stored, T(8), other);
            for (const settle = Date.now() + 1_000; !seen.some((change) => change.events) && Date.now() < settle; ) await new Promise((resolve) => setTimeout(resolve, 10));
          }
          expect(seen.filter((change) => change.directory)).toEqual([]);
        } finally {
          unsubscribe();
          await other.close();
        }
      });
    });

    describe('CRM rate places (issue 10)', () => {
      const SEARCH: CrmRateWindow = { requests: 4, perMs: 1000, operations: ['find_contact'] };
      const ALL: CrmRateWindow = { requests: 6, perMs: 10_000 };
      /** A place for a request of `operation` on account `acct` at `now` (ms), in the windows that count it, as a relay's pacer asks. */
      const ask = (now: number, operation: string | null = 'find_contact', acct = 'acct-1', on: RelayStore = store, runsUntil = now) =>
        on.takeCrmRatePlace({
          account: acct,
          operation,
          windows: [SEARCH, ALL].filter((w) => windowCounts(w, operation)),
          relay: 'relay_test',
          now,
          runsUntil,
          forgetBefore: now - ALL.perMs,
        });

      it('gives `requests` places per window, then says when the first frees: a place counts until `perMs` after its end', async () => {
        const places = [];
        for (let i = 0; i < 4; i++) places.push(await ask(1_000_000 + i * 100));
        expect(places.map((p) => typeof p.place)).toEqual(['number', 'number', 'number', 'number']);
        expect(new Set(places.map((p) => p.place)).size).toBe(4);
        // Readiness after each: the fourth fills the window until the first's end (1_000_000) + 1000.
        expect(places.map((p) => p.readyIn)).toEqual([0, 0, 0, 700]);
        expect(await ask(1_000_350)).toEqual({ place: null, readyIn: 650 });
        // They ran until 1_000_500: their places count until 1_001_500.
        await store.markCrmRatePlaces(places.map((p) => p.place!), 1_000_500);
        expect(await ask(1_001_000)).toEqual({ place: null, readyIn: 500 });
        // An earlier mark (a late "still running") never moves an end back.
        await store.markCrmRatePlaces([places[0]!.place!], 1_000_200);
        expect(await ask(1_001_499)).toEqual({ place: null, readyIn: 1 });
        expect((await ask(1_001_500)).place).toEqual(expect.any(Number));
      });

      it('counts a window for its operations only, token steps in windows of every request, and each account apart', async () => {
        for (let i = 0; i < 4; i++) expect((await ask(2_000_000)).place).not.toBeNull();
        expect((await ask(2_000_000)).place).toBeNull();
        // The searches count in the window of every request: two places left there, for any operation.
        expect((await ask(2_000_000, 'log_call')).place).not.toBeNull();
        const token = await ask(2_000_000, null);
        expect(token).toEqual({ place: expect.any(Number), readyIn: 10_000 });
        expect(await ask(2_000_000, 'log_call')).toEqual({ place: null, readyIn: 10_000 });
        // Another account (another token) has its own windows.
        expect((await ask(2_000_000, 'find_contact', 'acct-2')).place).not.toBeNull();
      });

      it('counts a place as running until `runsUntil` (its first renewal), unless its request ended before: then from that end', async () => {
        // Taken at 4_000_000, due to be renewed at 4_000_500, its relay killed before: it counts until 4_001_500.
        expect((await ask(4_000_000, 'find_contact', 'acct-3', store, 4_000_500)).place).not.toBeNull();
        for (let i = 0; i < 3; i++) expect((await ask(4_001_000, 'find_contact', 'acct-3')).place).not.toBeNull();
        expect(await ask(4_001_000, 'find_contact', 'acct-3')).toEqual({ place: null, readyIn: 500 });
        // Another, answered at 5_000_100 before its renewal was due (5_000_500): it counts until 5_001_100.
        const answered = await ask(5_000_000, 'find_contact', 'acct-4', store, 5_000_500);
        await store.markCrmRatePlaces([answered.place!], 5_000_100, true);
        for (let i = 0; i < 3; i++) expect((await ask(5_001_000, 'find_contact', 'acct-4')).place).not.toBeNull();
        expect(await ask(5_001_000, 'find_contact', 'acct-4')).toEqual({ place: null, readyIn: 100 });
        expect((await ask(5_001_100, 'find_contact', 'acct-4')).place).not.toBeNull();
      });

      it('frees the place of a relay that stopped saying its request runs (killed) one window after it last did', async () => {
        const running = await ask(3_000_000, 'log_call');
        for (let i = 0; i < 5; i++) expect((await ask(3_000_000, 'log_call')).place).not.toBeNull();
        expect(await ask(3_000_000, 'log_call')).toEqual({ place: null, readyIn: 10_000 });
        // Its relay said it still ran at 3_004_000, then died: the place counts until 3_014_000, the others' until 3_010_000.
        await store.markCrmRatePlaces([running.place!], 3_004_000);
        expect(await ask(3_010_000, 'log_call')).toMatchObject({ place: expect.any(Number) });
        for (let i = 0; i < 4; i++) expect((await ask(3_010_000, 'log_call')).place).not.toBeNull();
        expect(await ask(3_010_000, 'log_call')).toEqual({ place: null, readyIn: 4000 });
        expect((await ask(3_014_000, 'log_call')).place).not.toBeNull();
      });

      it('gives relays asking at once no more places together than a window holds', async () => {
        const other = await database.open();
        try {
          const answers = await Promise.all(Array.from({ length: 12 }, (_, i) => ask(4_000_000, 'find_contact', 'acct-3', i % 2 ? other : store)));
          expect(answers.filter((a) => a.place !== null)).toHaveLength(4);
          expect(answers.filter((a) => a.place === null).every((a) => a.readyIn === 1000)).toBe(true);
        } finally {
          await other.close();
        }
      });
    });

    describe('agents and instances', () => {
      it('reads an instance with its owner in one go, and nothing for an unknown uid', async () => {
        const found = await store.instanceWithOwner('in_ada_main');
        expect(found).toEqual({ instance: await store.instanceByUid('in_ada_main'), owner: await store.agentById('ada') });
        expect(found!.owner).toMatchObject({ id: 'ada', number: '+14155550111' });
        expect(await store.instanceWithOwner('in_nobody')).toBeUndefined();
        await store.removeAgent('ada');
        expect(await store.instanceWithOwner('in_ada_main')).toBeUndefined();
      });

      it('keeps an instance uid and secret when it is replaced', async () => {
        const replaced = await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'custom', xml: '<connector/>', config: {}, crm: null, at: T(5) }, { uid: 'in_new', secret: 'new' });
        expect(replaced).toMatchObject({ uid: 'in_ada_main', secret: 'secret-in_ada_main', connector: 'custom', updatedAt: T(5), createdAt: T(0) });
        expect(await store.instancesOf('ada')).toHaveLength(1);
      });

      it("reads an instance's connector XML apart, with the version it belongs to; the instance's reads leave it out", async () => {
        expect(await store.connectorXml('in_ada_main')).toEqual({ xml: null, updatedAt: T(0) });
        await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'custom', xml: '<connector/>', config: {}, crm: null, at: T(5) }, { uid: 'in_new', secret: 'new' });
        expect(await store.connectorXml('in_ada_main')).toEqual({ xml: '<connector/>', updatedAt: T(5) });
        expect(await store.connectorXml('in_nobody')).toBeUndefined();
        const reads = [await store.instanceByUid('in_ada_main'), (await store.instanceWithOwner('in_ada_main'))!.instance, await store.instanceOf('ada', 'main'), ...(await store.instancesOf('ada'))];
        for (const instance of reads) expect(instance).not.toHaveProperty('xml');
      });

      it('keeps an instance’s opening hours, none when left out, and every read sees a change', async () => {
        const hours = { time_zone: 'Europe/Paris', week: { mon: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }] }, closed_on: ['2026-12-25'] };
        expect((await store.instanceByUid('in_ada_main'))!.hours).toBeNull();
        await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, hours, at: T(5) }, { uid: 'in_new', secret: 'new' });
        const reads = async () => [await store.instanceByUid('in_ada_main'), (await store.instanceWithOwner('in_ada_main'))!.instance, await store.instanceOf('ada', 'main'), ...(await store.instancesOf('ada'))].map((i) => i!.hours);
        expect(await reads()).toEqual([hours, hours, hours, hours]);
        await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(6) }, { uid: 'in_new', secret: 'new' });
        expect(await reads()).toEqual([null, null, null, null]);
      });

      it('tells whether any instance has a CRM set up', async () => {
        expect(await store.anyInstanceWithCrm()).toBe(false);
        const crm = { connector: 'vtiger', xml: null, config: { url: 'https://crm.example' } };
        await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm, at: T(5) }, { uid: 'in_new', secret: 'new' });
        expect(await store.anyInstanceWithCrm()).toBe(true);
        await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(6) }, { uid: 'in_new', secret: 'new' });
        expect(await store.anyInstanceWithCrm()).toBe(false);
      });

      it('keeps calls when their instance is deleted, without an instance id', async () => {
        const stored = await call('CA1', T(1));
        expect(await store.deleteInstance('bob', 'main')).toBe(false);
        expect(await store.deleteInstance('ada', 'main')).toBe(true);
        expect(await store.instanceByUid('in_ada_main')).toBeUndefined();
        expect(await store.callFor('ada', stored.id)).toMatchObject({ call_id: 'CA1', instance_id: null });
      });

      it('removes an agent with its instances, links and events, keeping calls others see', async () => {
        const { call: stored } = await callWithEvents('CA1', T(1), ['ada', 'bob']);
        expect(await store.removeAgent('ada')).toBe(true);
        expect(await store.removeAgent('ada')).toBe(false);
        expect(await store.agentById('ada')).toBeUndefined();
        expect(await store.instancesOf('ada')).toEqual([]);
        expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
        expect(await store.agentIdsOfCall(stored.id)).toEqual(['bob']);
        expect(await store.callFor('bob', stored.id)).toMatchObject({ call_id: 'CA1', instance_id: null });
      });

      it('links an agent added again under the id of a removed one to none of its calls, though the others keep them (issue 13: rosters)', async () => {
        await agent('cy', '+14155550133');
        const { call: before } = await callWithEvents('CA1', T(1), ['ada', 'bob', 'cy']);
        expect(await store.removeAgent('cy')).toBe(true);
        await agent('cy', '+14155550133');
        // The same agents as CA1's again: the new Cy is linked to this call alone.
        const { call: after } = await callWithEvents('CA2', T(2), ['ada', 'bob', 'cy']);
        expect(await store.agentIdsOfCall(before.id)).toEqual(['ada', 'bob']);
        expect(await store.agentIdsOfCall(after.id)).toEqual(['ada', 'bob', 'cy']);
        expect(await store.callFor('cy', before.id)).toBeUndefined();
        expect(await store.callAgentIds('in_ada_main', 'CA1')).toEqual(['ada', 'bob']);
        expect((await store.listCalls('cy', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA2']);
        expect((await store.listCalls('ada', { limit: 10 })).map((c) => c.call_id)).toEqual(['CA2', 'CA1']);
        expect((await store.eventsAfter('cy', 0, 10)).map((e) => JSON.parse(e.call).call_id)).toEqual(['CA2']);
      });

      it('finds agents by number, oldest first, and follows a changed number', async () => {
        await store.addAgent({ id: 'cy', name: 'cy', number: '+14155550122', email: null, admin: false, tokenHash: 'hash-cy', createdAt: T(1) });
        expect((await store.agentsWithNumber('+14155550122')).map((a) => a.id)).toEqual(['bob', 'cy']);
        expect(await store.agentsWithNumber('+14155550111')).toEqual([await store.agentById('ada')]);
        expect(await store.agentsWithNumber('+15005550006')).toEqual([]);
        await store.updateAgent('bob', { number: '+15005550006' });
        expect((await store.agentsWithNumber('+14155550122')).map((a) => a.id)).toEqual(['cy']);
        expect((await store.agentsWithNumber('+15005550006')).map((a) => a.id)).toEqual(['bob']);
      });

      it("marks an agent away and available again, in every read of agents, this connection's kept ones and another's", async () => {
        const other = await database.open();
        try {
          // Read first, so that a read kept since must see the change.
          expect((await store.agentsWithNumber('+14155550122'))[0]?.awaySince).toBeNull();
          expect((await other.agentsWithNumber('+14155550122'))[0]?.awaySince).toBeNull();
          const since = T(5);
          expect(await store.updateAgent('bob', { awaySince: since })).toMatchObject({ id: 'bob', awaySince: since, number: '+14155550122' });
          expect((await store.agentsWithNumber('+14155550122'))[0]?.awaySince).toBe(since);
          expect((await store.listAgents()).find((a) => a.id === 'bob')?.awaySince).toBe(since);
          expect((await store.agentByTokenHash('hash-bob'))?.awaySince).toBe(since);
          await until(async () => (await other.agentsWithNumber('+14155550122'))[0]?.awaySince === since);
          // Another change to the agent keeps them away; only null makes them available.
          expect(await store.updateAgent('bob', { email: 'bob@example.com' })).toMatchObject({ awaySince: since });
          expect(await other.updateAgent('bob', { awaySince: null })).toMatchObject({ awaySince: null, email: 'bob@example.com' });
          await until(async () => (await store.agentsWithNumber('+14155550122'))[0]?.awaySince === null);
          expect((await store.agentById('bob'))?.awaySince).toBeNull();
        } finally {
          await other.close();
        }
      });

      it("keeps an agent's return time, and makes available those whose time has come, once, as another connection reads it", async () => {
        await agent('cy', '+14155550133');
        const other = await database.open();
        try {
          expect((await store.agentsWithNumber('+14155550122'))[0]?.awayUntil).toBeNull();
          await store.updateAgent('bob', { awaySince: T(5), awayUntil: T(60) });
          await store.updateAgent('cy', { awaySince: T(5), awayUntil: T(61) });
          await store.updateAgent('ada', { awaySince: T(5) });
          expect(await store.agentById('bob')).toMatchObject({ awaySince: T(5), awayUntil: T(60) });
          // Another change keeps it; a new one replaces it.
          expect(await store.updateAgent('bob', { email: 'bob@example.com' })).toMatchObject({ awayUntil: T(60) });
          expect((await store.returnAgentsDue(T(59))).map((a) => a.id)).toEqual([]);
          const returned = await other.returnAgentsDue(T(60));
          expect(returned.map((a) => [a.id, a.awaySince, a.awayUntil, a.email])).toEqual([['bob', null, null, 'bob@example.com']]);
          expect(await store.returnAgentsDue(T(60))).toEqual([]);
          // Every read of agents sees it, kept ones included (routing's).
          await until(async () => (await store.agentsWithNumber('+14155550122'))[0]?.awaySince === null);
          expect((await store.agentById('cy'))?.awayUntil).toBe(T(61));
          // Away until they say: never returned.
          expect((await store.returnAgentsDue(T(10_000))).map((a) => a.id)).toEqual(['cy']);
          expect(await store.agentById('ada')).toMatchObject({ awaySince: T(5), awayUntil: null });
        } finally {
          await other.close();
        }
      });

      it('updates an agent profile', async () => {
        expect(await store.updateAgent('ada', { number: '+14155550199', profile: { country: 'US' } })).toMatchObject({ number: '+14155550199', email: null, profile: { country: 'US' } });
        expect(await store.updateAgent('ada', { email: 'ada@example.com' })).toMatchObject({ number: '+14155550199', email: 'ada@example.com', profile: { country: 'US' } });
        expect(await store.updateAgent('nobody', { email: null })).toBeUndefined();
        expect((await store.agentByTokenHash('hash-ada'))?.id).toBe('ada');
        expect(await store.agentByTokenHash('hash-nobody')).toBeUndefined();
      });
    });
  });
}
