import { TEAM_LIST_MAX, type TeamView } from '@phone-connector/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { testRelay } from '../testing.ts';

let relay: ReturnType<typeof testRelay>;
let ada: Awaited<ReturnType<typeof relay.addAgent>>;

beforeEach(async () => {
  relay = testRelay();
  ada = await relay.addAgent('Ada', '+14155550111', { admin: true });
});

const team = async (token: string) => (await (await relay.call(token, 'GET', '/team')).json()) as TeamView;

describe('/team', () => {
  it("shows every agent as routing sees them: available, on a call, away; and how many of each", async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    const cy = await relay.addAgent('Cy', '+14155550133');
    const hooks = await relay.twilioInstance(ada.token);
    // Bob's phone takes a team's call; Cy is away.
    await relay.twilioWebhook(hooks.incoming, { CallSid: 'CA1', From: '+14155550199', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' });
    await relay.twilioWebhook(hooks.status, { CallSid: 'CAleg', ParentCallSid: 'CA1', CallStatus: 'in-progress', To: bob.number });
    await relay.call(cy.token, 'PATCH', '/me', { away: true });

    const seen = await team(bob.token);
    // Oldest first; agents added in the same millisecond come in the order of their ids.
    expect([...seen.agents].sort((a, b) => a.name.localeCompare(b.name))).toEqual([
      { id: ada.id, name: 'Ada', away_since: null, away_until: null, on_call: false },
      { id: bob.id, name: 'Bob', away_since: null, away_until: null, on_call: true },
      { id: cy.id, name: 'Cy', away_since: expect.any(String), away_until: null, on_call: false },
    ]);
    expect(seen).toMatchObject({ more: 0, counts: { agents: 3, available: 2, available_on_call: 1, away: 1 } });
    // The call ends: Bob is free.
    await relay.twilioWebhook(hooks.status, { CallSid: 'CA1', CallStatus: 'completed', CallDuration: '20' });
    expect((await team(ada.token)).counts).toEqual({ agents: 3, available: 2, available_on_call: 0, away: 1 });
  });

  it("says whether the agent's calls go to voicemail while everyone is away: with the box ticked and a greeting, on an admin's number or the agent's own", async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    const twilio = async (token: string, id: string, config: Record<string, string>) => {
      const put = await relay.call(token, 'PUT', `/instances/${id}`, { connector: 'twilio', config: { authid: 'AC123', authtoken: 'token', callerid: '+15005550006', ...config } });
      expect(put.status).toBe(200);
    };
    await relay.twilioInstance(ada.token);
    expect((await team(bob.token)).away_voicemail).toBe(false);
    await twilio(ada.token, 'unticked', { voicemail_greeting: 'Leave a message.' });
    await twilio(ada.token, 'silent', { away_voicemail: 'true' });
    // Bob is no admin: his own number's calls go to voicemail while he is away, which he is told, not Cy.
    const cy = await relay.addAgent('Cy', '+14155550133');
    await twilio(bob.token, 'own', { voicemail_greeting: 'Leave a message.', away_voicemail: 'true' });
    expect([(await team(bob.token)).away_voicemail, (await team(cy.token)).away_voicemail]).toEqual([true, false]);
    await twilio(ada.token, 'closed', { voicemail_greeting: 'We are closed.', away_voicemail: 'true' });
    expect((await team(cy.token)).away_voicemail).toBe(true);
  });

  it('says when a number whose calls would ring the agent is closed, its callers going to voicemail, and until when: the earliest opening of those closed', async () => {
    // Monday 7 December 2026, 20:00 UTC.
    const clocked = testRelay({ now: () => new Date('2026-12-07T20:00:00Z') });
    const admin = await clocked.addAgent('Ada', '+14155550111', { admin: true });
    const bob = await clocked.addAgent('Bob', '+14155550122');
    const seen = async (token: string) => (await (await clocked.call(token, 'GET', '/team')).json()) as TeamView;
    const save = async (token: string, id: string, week: Record<string, { from: string; to: string }[]>, voicemail = true) => {
      const config = { authid: 'AC123', authtoken: 'token', callerid: '+15005550006', ...(voicemail ? { voicemail_greeting: 'We are closed.', away_voicemail: 'true' } : {}) };
      const put = await clocked.call(token, 'PUT', `/instances/${id}`, { connector: 'twilio', config, hours: { time_zone: 'UTC', week } });
      expect(put.status).toBe(200);
    };
    await save(admin.token, 'evening', { mon: [{ from: '18:00', to: '22:00' }] });
    // Closed, but its callers still ring the agents: nothing to say.
    await save(admin.token, 'ringing', { tue: [{ from: '07:00', to: '17:00' }] }, false);
    expect((await seen(bob.token)).closed).toBeNull();
    await save(admin.token, 'day', { tue: [{ from: '09:00', to: '17:00' }] });
    expect((await seen(bob.token)).closed).toEqual({ until: '2026-12-08T09:00:00.000Z' });
    // Bob's own number opens earlier; Cy does not hear of it.
    await save(bob.token, 'own', { tue: [{ from: '08:00', to: '17:00' }] });
    const cy = await clocked.addAgent('Cy', '+14155550133');
    expect([(await seen(bob.token)).closed, (await seen(cy.token)).closed]).toEqual([{ until: '2026-12-08T08:00:00.000Z' }, { until: '2026-12-08T09:00:00.000Z' }]);
  });

  it(`lists the first ${TEAM_LIST_MAX} agents and counts them all`, async () => {
    for (let i = 0; i < TEAM_LIST_MAX + 5; i++) await relay.addAgent(`Agent ${i}`, `+1415556${String(i).padStart(4, '0')}`);
    const seen = await team(ada.token);
    expect(seen.agents).toHaveLength(TEAM_LIST_MAX);
    expect(seen.agents.map((agent) => agent.name)).toContain('Ada');
    expect(seen.more).toBe(6);
    expect(seen.counts).toEqual({ agents: TEAM_LIST_MAX + 6, available: TEAM_LIST_MAX + 6, available_on_call: 0, away: 0 });
  });

  it('is for agents only', async () => {
    expect((await relay.app.request('/api/v1/team')).status).toBe(401);
  });
});
