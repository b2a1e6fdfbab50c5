import { buildRecord } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Agent, Call, RelayStore } from '../store/index.ts';
import { openSqliteStore } from '../store/sqlite/store.ts';
import { routeNewCall, webhookAudience } from './routing.ts';

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
    expect(await routeNewCall('answer', record, ada, store)).toEqual([ada]);
    expect(await routeNewCall('status', record, ada, store)).toEqual([ada]);
  });

  it("gives an incoming call on an admin's instance to the agents with the user number, then the called number", async () => {
    expect(await routeNewCall('incoming', buildRecord({ user_number: '+14155550111', to_number: '+14155550122' }), ada, store)).toEqual([ada]);
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store)).toEqual([bob, cy]);
    expect(await routeNewCall('incoming', buildRecord({ user_number: '+19995550000', to_number: '(415) 555-0122' }, { defaultCountry: 'US' }), ada, store)).toEqual([bob, cy]);
  });

  it('finds matching agents by number without reading every agent (issue 13)', async () => {
    const listAgents = vi.spyOn(store, 'listAgents');
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store)).toEqual([bob, cy]);
    expect(await routeNewCall('answer', buildRecord({ to_number: '+15005550006' }), ada, store)).toEqual([ada]);
    expect(listAgents).not.toHaveBeenCalled();
  });

  it("gives an incoming call on an admin's instance that nobody matches to every agent", async () => {
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, store)).toEqual(everyone);
    expect(await routeNewCall('incoming', buildRecord({}), ada, store)).toEqual(everyone);
  });

  it("leaves the agents who are away out of a team's call while any is available", async () => {
    const away = async (agent: Agent) => (await store.updateAgent(agent.id, { awaySince: '2026-11-24T12:00:00.000Z' }))!;
    const bobAway = await away(bob);
    // The team's number: every agent who is available.
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, store)).toEqual([ada, cy]);
    // A number two agents share: the one who is available.
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store)).toEqual([cy]);
    // An agent's own number rings them, away or not: nobody else takes that line's calls.
    const cyAway = await away(cy);
    expect(await routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, store)).toEqual([bobAway, cyAway]);
    expect(await routeNewCall('incoming', buildRecord({}), ada, store)).toEqual([ada]);
    // Everyone away: the team's call rings everyone rather than no phone at all.
    const adaAway = await away(ada);
    expect(await routeNewCall('incoming', buildRecord({}), adaAway, store)).toEqual([adaAway, bobAway, cyAway]);
    // Back: rung again.
    await store.updateAgent('bob', { awaySince: null });
    expect((await routeNewCall('incoming', buildRecord({}), adaAway, store)).map((a) => a.id)).toEqual(['bob']);
    // An agent's own instance reaches its owner, away or not.
    expect(await routeNewCall('incoming', buildRecord({}), cyAway, store)).toEqual([cyAway]);
  });

  it("gives every call on an agent's own instance to that agent alone, whatever numbers it names", async () => {
    for (const record of [buildRecord({ user_number: '+14155550111' }), buildRecord({ to_number: '+14155550111' }), buildRecord({ to_number: '+15005550006' }), buildRecord({})]) {
      expect(await routeNewCall('incoming', record, bob, store)).toEqual([bob]);
    }
  });

  describe('webhookAudience', () => {
    const inboundCall = { direction: 'inbound' } as Call;
    const taken = buildRecord({ call_id: 'CA1', answered_by: '+1 415 555 0122' }, { defaultCountry: 'US' });

    it("adds the agents whose phone took an incoming call on an admin's instance", async () => {
      expect(await webhookAudience('status', taken, ada)({ call: inboundCall, agents: [ada] }, store)).toEqual([bob, cy]);
      // A new call: routed as ever, and its answerers besides (the call links each agent once).
      expect(await webhookAudience('incoming', buildRecord({ direction: 'inbound', to_number: '+14155550111', answered_by: '+14155550122' }), ada)({ call: undefined, agents: [] }, store)).toEqual([ada, bob, cy]);
    });

    it("adds nobody on an agent's own instance, nor for a call placed or nobody took", async () => {
      expect(await webhookAudience('status', taken, bob)({ call: inboundCall, agents: [bob] }, store)).toEqual([]);
      expect(await webhookAudience('status', taken, ada)({ call: { direction: 'outbound' } as Call, agents: [ada] }, store)).toEqual([]);
      expect(await webhookAudience('status', buildRecord({ call_id: 'CA1' }), ada)({ call: inboundCall, agents: [ada] }, store)).toEqual([]);
    });
  });
});
