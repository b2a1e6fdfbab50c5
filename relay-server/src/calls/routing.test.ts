import { buildRecord } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Agent, Call, RelayStore } from '../store/index.ts';
import { openSqliteStore } from '../store/sqlite/store.ts';
import { type CallUpdate, mergeCall } from './merge.ts';
import { ON_CALL_AT_MOST_MS, routeNewCall, webhookAudience } from './routing.ts';

/** When the webhook being routed arrives. */
const AT = '2026-11-24T12:00:00.000Z';

describe('routeNewCall', () => {
  let store: RelayStore;
  let ada: Agent, bob: Agent, cy: Agent, everyone: Agent[];
  const add = (id: string, number: string, second: number, admin = false) =>
    store.addAgent({ id, name: id, number, email: null, admin, tokenHash: `hash-${id}`, createdAt: new Date(Date.UTC(2026, 10, 24, 10, 0, second)).toISOString() });

  beforeEach(async () => {
    store = openSqliteStore(':memory:');
    ada = await add('ada', '+14155550111', 0, true);
    bob = await add('bob', '+14155550122', 1);
    cy = await add('cy', '+14155550122', 2);
    everyone = [ada, bob, cy];
  });
  afterEach(() => store.close());

  it('gives outgoing-call webhooks to the instance owner', async () => {
    const record = buildRecord({ call_id: 'CA1', to_number: '+14155550122' });
    expect(await routeNewCall('answer', record, ada, store, AT)).toEqual([ada]);
    expect(await routeNewCall('status', record, ada, store, AT)).toEqual([ada]);
  });

  it("gives an incoming call on an admin's instance to the agents with the user number, then the called number", async () => {
    expect(await routeNewCall('incoming', buildRecord({ user_number: '+14155550111', to_number: '+14155550122' }), ada, store, AT)).toEqual([ada]);
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store, AT)).toEqual([bob, cy]);
    expect(await routeNewCall('incoming', buildRecord({ user_number: '+19995550000', to_number: '(415) 555-0122' }, { defaultCountry: 'US' }), ada, store, AT)).toEqual([bob, cy]);
  });

  it('finds matching agents by number without reading every agent (issue 13)', async () => {
    const listAgents = vi.spyOn(store, 'listAgents');
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store, AT)).toEqual([bob, cy]);
    expect(await routeNewCall('answer', buildRecord({ to_number: '+15005550006' }), ada, store, AT)).toEqual([ada]);
    expect(listAgents).not.toHaveBeenCalled();
  });

  it("gives an incoming call on an admin's instance that nobody matches to every agent", async () => {
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, store, AT)).toEqual(everyone);
    expect(await routeNewCall('incoming', buildRecord({}), ada, store, AT)).toEqual(everyone);
  });

  it("leaves the agents who are away out of a team's call while any is available", async () => {
    const away = async (agent: Agent) => (await store.updateAgent(agent.id, { awaySince: '2026-11-24T12:00:00.000Z' }))!;
    const bobAway = await away(bob);
    // The team's number: every agent who is available.
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, store, AT)).toEqual([ada, cy]);
    // A number two agents share: the one who is available.
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store, AT)).toEqual([cy]);
    // An agent's own number rings them, away or not: nobody else takes that line's calls.
    const cyAway = await away(cy);
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store, AT)).toEqual([bobAway, cyAway]);
    expect(await routeNewCall('incoming', buildRecord({}), ada, store, AT)).toEqual([ada]);
    // Everyone away: the team's call rings everyone rather than no phone at all.
    const adaAway = await away(ada);
    expect(await routeNewCall('incoming', buildRecord({}), adaAway, store, AT)).toEqual([adaAway, bobAway, cyAway]);
    // Back: rung again.
    await store.updateAgent('bob', { awaySince: null });
    expect((await routeNewCall('incoming', buildRecord({}), adaAway, store, AT)).map((a) => a.id)).toEqual(['bob']);
    // An agent's own instance reaches its owner, away or not.
    expect(await routeNewCall('incoming', buildRecord({}), cyAway, store, AT)).toEqual([cyAway]);
  });

  it('rings an agent whose return time has come, before the relay\'s clock has made them available', async () => {
    await store.updateAgent('bob', { awaySince: '2026-11-24T11:00:00.000Z', awayUntil: '2026-11-24T12:00:01.000Z' });
    const ids = async (at: string) => (await routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, store, at)).map((a) => a.id);
    expect(await ids(AT)).toEqual(['ada', 'cy']);
    expect(await ids('2026-11-24T12:00:01.000Z')).toEqual(['ada', 'bob', 'cy']);
  });

  it("leaves the agents on a call out of a team's call while any available one is free", async () => {
    const dan = await add('dan', '+14155550144', 3);
    await store.putInstance({ agentId: 'ada', localId: 'team', connector: 'twilio', xml: null, config: {}, crm: null, at: AT }, { uid: 'team', secret: 'secret' });
    let calls = 0;
    /** A call the store keeps, begun at `begun` (half an hour ago unless said), linked to these agents. */
    const call = async (update: CallUpdate, agentIds: string[], begun = '2026-11-24T11:30:00.000Z') => {
      const id = await store.insertCall('team', `CA${++calls}`, mergeCall(undefined, update), begun);
      await store.linkAgents(agentIds, id);
      return id;
    };
    const team = async () => (await routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, store, AT)).map((agent) => agent.id);
    expect(await team()).toEqual(['ada', 'bob', 'cy', 'dan']);

    // Dan took an incoming call (his number answered it): the team's next call rings the others.
    const dansCall = await call({ direction: 'inbound', status: 'in-progress', extra: { answered_by: dan.number } }, ['ada', 'bob', 'cy', 'dan']);
    expect(await team()).toEqual(['ada', 'bob', 'cy']);
    // Ada placed a call, still ringing her phone: she is on it.
    await call({ direction: 'outbound', status: 'queued' }, ['ada']);
    expect(await team()).toEqual(['bob', 'cy']);
    // An incoming call still ringing, a call that ended, a call in progress that rang two agents
    // and does not say who took it, a call begun before the longest a call is taken to last: nobody is on them.
    await call({ direction: 'inbound', status: 'ringing' }, ['bob']);
    await call({ direction: 'outbound', status: 'completed' }, ['cy']);
    await call({ direction: 'inbound', status: 'in-progress' }, ['bob', 'cy']);
    await call({ direction: 'outbound', status: 'in-progress' }, ['cy'], new Date(Date.parse(AT) - ON_CALL_AT_MOST_MS - 1000).toISOString());
    expect(await team()).toEqual(['bob', 'cy']);
    // An incoming call in progress that reached one agent alone is that agent's.
    await call({ direction: 'inbound', status: 'in-progress' }, ['bob']);
    expect(await team()).toEqual(['cy']);
    // A number two agents share: the one who is free.
    expect((await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store, AT)).map((agent) => agent.id)).toEqual(['cy']);
    // An agent's own number rings them, on a call or not.
    expect(await routeNewCall('incoming', buildRecord({ to_number: dan.number }), ada, store, AT)).toEqual([dan]);

    // Every available agent on a call: they are rung (call waiting) rather than an away one, or nobody.
    const cyAway = (await store.updateAgent('cy', { awaySince: AT }))!;
    expect(await team()).toEqual(['ada', 'bob', 'dan']);
    await store.updateAgent('cy', { awaySince: null });
    await call({ direction: 'outbound', status: 'ringing' }, ['cy']);
    expect(await team()).toEqual(['ada', 'bob', 'cy', 'dan']);
    expect(cyAway.awaySince).toBe(AT);

    // Dan's call ends: he is free again, the others still on theirs.
    await store.updateCall(dansCall, mergeCall(mergeCall(undefined, { direction: 'inbound', status: 'in-progress', extra: { answered_by: dan.number } }), { status: 'completed' }), AT);
    expect(await team()).toEqual(['dan']);
  });

  it("asks who is on a call only when a team's call has a choice (issue 13: one agent's number costs no read)", async () => {
    const onCalls = vi.spyOn(store, 'agentsOnCalls');
    await routeNewCall('incoming', buildRecord({ to_number: '+14155550111' }), ada, store, AT);
    await routeNewCall('incoming', buildRecord({}), bob, store, AT);
    await routeNewCall('answer', buildRecord({}), ada, store, AT);
    expect(onCalls).not.toHaveBeenCalled();
    await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store, AT);
    expect(onCalls).toHaveBeenCalledTimes(1);
  });

  it("gives every call on an agent's own instance to that agent alone, whatever numbers it names", async () => {
    for (const record of [buildRecord({ user_number: '+14155550111' }), buildRecord({ to_number: '+14155550111' }), buildRecord({ to_number: '+15005550006' }), buildRecord({})]) {
      expect(await routeNewCall('incoming', record, bob, store, AT)).toEqual([bob]);
    }
  });

  describe('webhookAudience', () => {
    const inboundCall = { direction: 'inbound' } as Call;
    const taken = buildRecord({ call_id: 'CA1', answered_by: '+1 415 555 0122' }, { defaultCountry: 'US' });

    it("adds the agents whose phone took an incoming call on an admin's instance", async () => {
      expect(await webhookAudience('status', taken, ada)({ call: inboundCall, agents: [ada] }, store, AT)).toEqual([bob, cy]);
      // A new call: routed as ever, and its answerers besides (the call links each agent once).
      expect(await webhookAudience('incoming', buildRecord({ direction: 'inbound', to_number: '+14155550111', answered_by: '+14155550122' }), ada)({ call: undefined, agents: [] }, store, AT)).toEqual([ada, bob, cy]);
    });

    it("adds nobody on an agent's own instance, nor for a call placed or nobody took", async () => {
      expect(await webhookAudience('status', taken, bob)({ call: inboundCall, agents: [bob] }, store, AT)).toEqual([]);
      expect(await webhookAudience('status', taken, ada)({ call: { direction: 'outbound' } as Call, agents: [ada] }, store, AT)).toEqual([]);
      expect(await webhookAudience('status', buildRecord({ call_id: 'CA1' }), ada)({ call: inboundCall, agents: [ada] }, store, AT)).toEqual([]);
    });
  });
});
