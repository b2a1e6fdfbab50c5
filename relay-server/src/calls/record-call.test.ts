import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Agent, AgentEvent, Instance, RelayStore, StoreTx } from '../store/index.ts';
import { testRelay } from '../testing.ts';
import { annotateCall } from './annotate-call.ts';
import type { CallUpdate } from './merge.ts';
import type { AgentLookup } from './routing.ts';
import { recordCall } from './record-call.ts';

let store: RelayStore;
let published: AgentEvent[];
const T = (n: number) => new Date(Date.UTC(2026, 10, 24, 10, 0, n)).toISOString();
let clock = T(0);
let relay: ReturnType<typeof testRelay>;
const deps = (at: string) => {
  clock = at;
  return relay.deps;
};

/** Agents by id as routing names them, read in the transaction; an unknown id stands for an agent the store does not have. */
const agentsNamed = async (ids: readonly string[], agents: AgentLookup): Promise<Agent[]> => {
  const known = await agents.listAgents();
  return ids.map((id) => known.find((agent) => agent.id === id) ?? { id, name: id, number: '', email: null, profile: {}, admin: false, createdAt: T(0), awaySince: null, awayUntil: null });
};

/** The instance as the webhook guard hands it on. */
async function instanceNamed(uid: string): Promise<Instance> {
  const instance = await store.instanceByUid(uid);
  if (!instance) throw new Error(`the test has no instance ${uid}`);
  return instance;
}

async function save(input: { instanceUid: string; callId: string; update: CallUpdate; reported?: boolean; agentIds: readonly string[]; at: string }) {
  const instance = await instanceNamed(input.instanceUid);
  return recordCall(deps(input.at), { instance, callId: input.callId, update: input.update, reported: input.reported, audience: (_known, agents) => agentsNamed(input.agentIds, agents) });
}

beforeEach(async () => {
  relay = testRelay({ now: () => new Date(clock) });
  store = relay.store;
  published = relay.published;
  for (const [id, number] of [['ada', '+14155550111'], ['bob', '+14155550122']] as const) {
    await store.addAgent({ id, name: id, number, email: null, admin: false, tokenHash: `hash-${id}`, createdAt: T(0) });
  }
  await store.putInstance({ agentId: 'ada', localId: 'main', connector: 'twilio', xml: null, config: { authid: 'AC1' }, crm: null, at: T(0) }, { uid: 'in_ada_main', secret: 'secret' });
});
afterEach(() => store.close());

describe('recordCall', () => {
  it("builds a new call as the store reads it back, to the byte of its event's JSON, and an update's call likewise", async () => {
    const first = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { direction: 'inbound', status: 'ringing', status_raw: 'ringing', from_number: '+14155550100', extra: { a: '1' } }, agentIds: ['ada'], at: T(1) });
    expect(first.events[0]!.call).toBe(JSON.stringify(await store.callByKey('in_ada_main', 'CA1')));
    const done = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'completed', status_raw: 'completed', duration: 9 }, agentIds: [], at: T(2) });
    expect(done.events[0]!.call).toBe(JSON.stringify(await store.callByKey('in_ada_main', 'CA1')));
  });

  it('creates a call with a created event for each agent, then updates only on change', async () => {
    const first = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing', status_raw: 'ringing' }, agentIds: ['ada'], at: T(1) });
    expect(first.created).toBe(true);
    expect(first.events).toEqual([{ agentId: 'ada', seq: 1, prevSeq: 0, kind: 'created', call: JSON.stringify(first.call) }]);
    expect(first.call).toMatchObject({ id: 1, instance_id: 'main', call_id: 'CA1', status: 'ringing', created_at: T(1), updated_at: T(1), notes: null });

    const retry = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing', status_raw: 'ringing' }, agentIds: ['ada'], at: T(2) });
    expect(retry.created).toBe(false);
    expect(retry.events).toEqual([]);
    expect(retry.call.updated_at).toBe(T(1));

    const done = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'completed', status_raw: 'completed', duration: 9 }, agentIds: [], at: T(3) });
    expect(done.events.map((e) => [e.agentId, e.seq, e.kind])).toEqual([['ada', 2, 'updated']]);
    expect(done.call).toMatchObject({ status: 'completed', duration: 9, updated_at: T(3), created_at: T(1) });
    expect(await store.lastSeq('ada')).toBe(2);
    expect(published).toEqual([...first.events, ...done.events]);
  });

  it('tells an agent who joins a known call "created", and the others "updated" only on change', async () => {
    await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing' }, agentIds: ['ada'], at: T(1) });
    const joined = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing' }, agentIds: ['bob'], at: T(2) });
    // A call event of its own, which Bob alone sees: his first (prevSeq 0), not Ada's.
    expect(joined.events.map((e) => [e.agentId, e.seq, e.prevSeq, e.kind])).toEqual([['bob', 2, 0, 'created']]);
    expect((await store.eventsAfter('ada', 0, 10)).map((e) => [e.seq, e.kind])).toEqual([[1, 'created']]);
    expect(joined.agents.map((a) => a.id)).toEqual(['ada', 'bob']);
    expect(await store.callAgentIds('in_ada_main', 'CA1')).toEqual(['ada', 'bob']);
  });

  it('links each routed agent once, in routing order, however often routing names it', async () => {
    await store.addAgent({ id: 'cy', name: 'cy', number: '+14155550133', email: null, admin: false, tokenHash: 'hash-cy', createdAt: T(0) });
    await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing' }, agentIds: ['ada'], at: T(1) });
    const joined = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'ringing' }, agentIds: ['cy', 'ada', 'bob', 'cy', 'bob'], at: T(2) });
    expect(joined.events.map((e) => [e.agentId, e.kind])).toEqual([['cy', 'created'], ['bob', 'created']]);
    expect(joined.agents.map((a) => a.id)).toEqual(['ada', 'cy', 'bob']);
    expect((await store.callAgentIds('in_ada_main', 'CA1')).sort()).toEqual(['ada', 'bob', 'cy']);
  });

  it('routes with what the store knows of the call', async () => {
    await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { direction: 'outbound' }, agentIds: ['ada'], at: T(1) });
    const seen: unknown[] = [];
    await recordCall(deps(T(2)), {
      instance: await instanceNamed('in_ada_main'),
      callId: 'CA1',
      update: {},
      audience: async (known) => {
        seen.push([known.call?.direction, known.agents.map((a) => a.id)]);
        return [];
      },
    });
    expect(seen).toEqual([['outbound', ['ada']]]);
  });

  it('returns and pushes the call exactly as the store reads it back, new and updated', async () => {
    const asStored = async (call: { id: number }) => JSON.stringify(await store.callById(call.id));
    const first = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { direction: 'inbound', status: 'ringing', from_number: '+14155550199', duration: 3, extra: { uui: 'x' } }, agentIds: ['ada'], at: T(1) });
    expect(JSON.stringify(first.call)).toBe(await asStored(first.call));
    expect(first.events[0]!.call).toBe(await asStored(first.call));
    const done = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'completed', duration: 42, extra: { gateway: 'g' } }, agentIds: [], at: T(2) });
    expect(JSON.stringify(done.call)).toBe(await asStored(done.call));
    expect(done.events[0]!.call).toBe(await asStored(done.call));
  });

  it("keeps the provider's numbers when the extension's report of the call comes after its webhooks", async () => {
    await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'completed', status_raw: 'completed', from_number: '+15005550006', duration: 42 }, agentIds: ['ada'], at: T(1) });
    const reported = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { direction: 'outbound', to_number: '+14155550100', from_number: '+14155550111', status: 'queued', status_raw: 'queued' }, reported: true, agentIds: ['ada'], at: T(2) });
    expect(reported.call).toMatchObject({ direction: 'outbound', status: 'completed', from_number: '+15005550006', to_number: '+14155550100' });
    expect(await store.callByKey('in_ada_main', 'CA1')).toMatchObject({ from_number: '+15005550006', to_number: '+14155550100' });
  });

  it('keys calls by instance and call id', async () => {
    await store.putInstance({ agentId: 'bob', localId: 'main', connector: 'twilio', xml: null, config: {}, crm: null, at: T(0) }, { uid: 'in_bob_main', secret: 'secret-bob' });
    await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada'], at: T(1) });
    const other = await save({ instanceUid: 'in_bob_main', callId: 'CA1', update: {}, agentIds: ['bob'], at: T(2) });
    expect(other.created).toBe(true);
    expect(await store.callFor('ada', other.call.id)).toBeUndefined();
    expect(await store.callFor('bob', other.call.id)).toMatchObject({ call_id: 'CA1' });
  });

  it('rolls back the whole write when one part fails, and pushes nothing', async () => {
    await expect(save({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada', 'ghost'], at: T(1) })).rejects.toThrow();
    expect(await store.callAgentIds('in_ada_main', 'CA1')).toEqual([]);
    expect(await store.lastSeq('ada')).toBe(0);
    expect(await store.eventsAfter('ada', 0, 10)).toEqual([]);
    expect(await store.listCalls('ada', { limit: 10 })).toEqual([]);
    expect(published).toEqual([]);
  });

  it('ends its transaction with the append, marked as its last statement: a store may send the commit behind it (issue 13)', async () => {
    const transaction = store.transaction;
    const statements: string[] = [];
    /** The transaction's tables, each call named (the append with its options). */
    const named = (tx: StoreTx) =>
      new Proxy(tx, {
        get(target, name) {
          const value: unknown = Reflect.get(target, name);
          if (typeof value !== 'function') return value;
          return (...args: unknown[]) => {
            statements.push(name === 'appendEvents' ? `appendEvents ${JSON.stringify(args[3])}` : String(name));
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    vi.spyOn(store, 'transaction').mockImplementation((work) => transaction((tx) => work(named(tx))));
    for (const [status, at] of [['ringing', T(1)], ['completed', T(2)]] as const) {
      statements.length = 0;
      await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status, status_raw: status }, agentIds: ['ada'], at });
      expect(statements.at(-1)).toBe('appendEvents {"last":true}');
      expect(statements.filter((statement) => statement.startsWith('appendEvents'))).toHaveLength(1);
    }
  });
});

describe('annotateCall', () => {
  const ada = { id: 'ada', number: '+14155550111' };
  const bob = { id: 'bob', number: '+14155550122' };

  it('annotates a call the agent sees and tells every agent of the call', async () => {
    const { call } = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: {}, agentIds: ['ada', 'bob'], at: T(1) });
    published.length = 0;
    expect(await annotateCall(deps(T(2)), bob, call.id + 1, { notes: 'x' })).toEqual({ ok: false, status: 404, error: 'no such call' });
    const noted = await annotateCall(deps(T(2)), bob, call.id, { notes: 'call back', disposition: 'interested' });
    expect(noted.ok && noted.call).toMatchObject({ notes: 'call back', disposition: 'interested', updated_at: T(2) });
    expect(published.map((e) => [e.agentId, e.kind])).toEqual([
      ['ada', 'updated'],
      ['bob', 'updated'],
    ]);
    published.length = 0;
    await annotateCall(deps(T(3)), ada, call.id, { notes: 'call back' });
    expect(published).toEqual([]);
    expect(await annotateCall(deps(T(4)), ada, call.id, { disposition: null })).toMatchObject({ ok: true, call: { notes: 'call back', disposition: null } });
  });

  it("leaves the wrap-up of a team's call to the colleague who took it", async () => {
    const ringing = { direction: 'inbound', status: 'ringing', status_raw: 'ringing', from_number: '+14155550100' } as const;
    const { call } = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: ringing, agentIds: ['ada', 'bob'], at: T(1) });
    // While it rings nobody has taken it: either agent may write.
    expect(await annotateCall(deps(T(2)), ada, call.id, { notes: 'regular caller' })).toMatchObject({ ok: true });
    await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: { status: 'in-progress', status_raw: 'in-progress', extra: { answered_by: bob.number } }, agentIds: [], at: T(3) });
    published.length = 0;
    const refused = { ok: false, status: 409, error: 'bob took this call: its notes and disposition are theirs to write' };
    expect(await annotateCall(deps(T(4)), ada, call.id, { notes: 'mine now' })).toEqual(refused);
    expect(await annotateCall(deps(T(4)), ada, call.id, { disposition: 'interested' })).toEqual(refused);
    expect(published).toEqual([]);
    // Asking for what the call already has changes nothing, and is no conflict.
    expect(await annotateCall(deps(T(4)), ada, call.id, { notes: 'regular caller' })).toMatchObject({ ok: true });
    expect(await annotateCall(deps(T(5)), bob, call.id, { notes: 'wants a demo', disposition: 'interested' })).toMatchObject({
      ok: true,
      call: { notes: 'wants a demo', disposition: 'interested' },
    });
  });

  it('lets an agent whose phone took the call write it, and anyone a call nobody is named for', async () => {
    const answered = (answered_by: string) => ({ direction: 'inbound', status: 'completed', status_raw: 'completed', from_number: '+14155550100', extra: { answered_by } }) as const;
    const taken = await save({ instanceUid: 'in_ada_main', callId: 'CA1', update: answered(ada.number), agentIds: ['ada', 'bob'], at: T(1) });
    expect(taken.call.extra.answered_by_name).toBe('ada');
    expect(await annotateCall(deps(T(2)), ada, taken.call.id, { notes: 'mine' })).toMatchObject({ ok: true });
    // A phone that is no agent's of the call (a desk phone, a forward): the relay cannot say it was a colleague's.
    const elsewhere = await save({ instanceUid: 'in_ada_main', callId: 'CA2', update: answered('+14155550199'), agentIds: ['ada', 'bob'], at: T(3) });
    expect(elsewhere.call.extra.answered_by_name).toBeUndefined();
    expect(await annotateCall(deps(T(4)), bob, elsewhere.call.id, { notes: 'noted' })).toMatchObject({ ok: true });
  });
});
