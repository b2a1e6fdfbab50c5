import { buildRecord } from '@phone-connector/shared';
import { describe, expect, it } from 'vitest';
import type { Agent } from '../store/index.ts';
import { routeNewCall } from './routing.ts';

const agent = (id: string, number: string, admin = false): Agent => ({ id, name: id, number, email: null, profile: {}, admin, createdAt: '' });
const ada = agent('ada', '+14155550111', true);
const bob = agent('bob', '+14155550122');
const cy = agent('cy', '+14155550122');
const everyone = [ada, bob, cy];

describe('routeNewCall', () => {
  it('gives outgoing-call webhooks to the instance owner', () => {
    const record = buildRecord({ call_id: 'CA1', to_number: '+14155550122' });
    expect(routeNewCall('answer', record, ada, everyone)).toEqual([ada]);
    expect(routeNewCall('status', record, ada, everyone)).toEqual([ada]);
  });

  it("gives an incoming call on an admin's instance to the agents with the user number, then the called number", () => {
    expect(routeNewCall('incoming', buildRecord({ user_number: '+14155550111', to_number: '+14155550122' }), ada, everyone)).toEqual([ada]);
    expect(routeNewCall('incoming', buildRecord({ to_number: '+14155550122' }), ada, everyone)).toEqual([bob, cy]);
    expect(routeNewCall('incoming', buildRecord({ user_number: '+19995550000', to_number: '(415) 555-0122' }, { defaultCountry: 'US' }), ada, everyone)).toEqual([bob, cy]);
  });

  it("gives an incoming call on an admin's instance that nobody matches to every agent", () => {
    expect(routeNewCall('incoming', buildRecord({ to_number: '+15005550006' }), ada, everyone)).toEqual(everyone);
    expect(routeNewCall('incoming', buildRecord({}), ada, everyone)).toEqual(everyone);
  });

  it("gives every call on an agent's own instance to that agent alone, whatever numbers it names", () => {
    for (const record of [buildRecord({ user_number: '+14155550111' }), buildRecord({ to_number: '+14155550111' }), buildRecord({ to_number: '+15005550006' }), buildRecord({})]) {
      expect(routeNewCall('incoming', record, bob, everyone)).toEqual([bob]);
    }
  });
});
