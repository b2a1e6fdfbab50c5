import { beforeEach, describe, expect, it } from 'vitest';
import { testRelay } from '../testing.ts';

let relay: ReturnType<typeof testRelay>;
let ada: Awaited<ReturnType<typeof relay.addAgent>>;

beforeEach(async () => {
  relay = testRelay();
  ada = await relay.addAgent('Ada', '+14155550111', { email: 'ada@example.com', admin: true });
});

describe('/me', () => {
  it('shows the agent', async () => {
    const response = await relay.call(ada.token, 'GET', '/me');
    expect(await response.json()).toEqual({ id: ada.id, name: 'Ada', number: '+14155550111', email: 'ada@example.com', profile: {}, admin: true, away_since: null, away_until: null });
  });

  it("marks the agent away since the first time it is said, and available again", async () => {
    const away = await relay.call(ada.token, 'PATCH', '/me', { away: true });
    expect(away.status).toBe(200);
    const since = ((await away.json()) as { away_since: string }).away_since;
    expect(Date.parse(since)).not.toBeNaN();
    // Said again (another browser, a retry): still away since then.
    expect(await (await relay.call(ada.token, 'PATCH', '/me', { away: true, email: 'ada@calls.example' })).json()).toMatchObject({ away_since: since, email: 'ada@calls.example' });
    // Another change leaves it as it is.
    expect(await (await relay.call(ada.token, 'PATCH', '/me', { profile: { country: 'US' } })).json()).toMatchObject({ away_since: since });
    expect(await (await relay.call(ada.token, 'GET', '/me')).json()).toMatchObject({ away_since: since });
    expect(await (await relay.call(ada.token, 'PATCH', '/me', { away: false })).json()).toMatchObject({ away_since: null });
    expect(await (await relay.call(ada.token, 'GET', '/me')).json()).toMatchObject({ away_since: null });
    expect((await relay.call(ada.token, 'PATCH', '/me', { away: 'yes' })).status).toBe(400);
  });

  it('takes a return time: away until then, available once it has come, to routing at once and to the API before the clock clears it', async () => {
    const clock = { ms: Date.UTC(2026, 11, 7, 12, 0, 0) };
    const timed = testRelay({ now: () => new Date(clock.ms) });
    const cy = await timed.addAgent('Cy', '+14155550133');
    const patch = (body: unknown) => timed.call(cy.token, 'PATCH', '/me', body);
    const away = await patch({ away: true, away_until: '2026-12-07T13:30:00+01:00' });
    expect(await away.json()).toMatchObject({ away_since: '2026-12-07T12:00:00.000Z', away_until: '2026-12-07T12:30:00.000Z' });
    // A new return time alone, for an agent away already: the same since.
    clock.ms += 60_000;
    expect(await (await patch({ away_until: '2026-12-07T14:00:00Z' })).json()).toMatchObject({ away_since: '2026-12-07T12:00:00.000Z', away_until: '2026-12-07T14:00:00.000Z' });
    // Away again without one keeps it; null takes it away (until they say).
    expect(await (await patch({ away: true })).json()).toMatchObject({ away_until: '2026-12-07T14:00:00.000Z' });
    expect(await (await patch({ away_until: null })).json()).toMatchObject({ away_since: '2026-12-07T12:00:00.000Z', away_until: null });
    expect(await (await patch({ away_until: '2026-12-07T12:45:00Z' })).json()).toMatchObject({ away_until: '2026-12-07T12:45:00.000Z' });
    // The time comes: available, though nothing cleared the stored columns yet.
    clock.ms = Date.UTC(2026, 11, 7, 12, 45, 0);
    expect(await (await timed.call(cy.token, 'GET', '/me')).json()).toMatchObject({ away_since: null, away_until: null });
    expect((await timed.store.agentById(cy.id))?.awaySince).toBe('2026-12-07T12:00:00.000Z');
    // Away again from there: since now, not since the stale time.
    expect(await (await patch({ away: true })).json()).toMatchObject({ away_since: '2026-12-07T12:45:00.000Z', away_until: null });
    expect(await (await patch({ away: false })).json()).toMatchObject({ away_since: null, away_until: null });
  });

  it.each([
    [{ away: true, away_until: 'after lunch' }, 400, 'away_until'],
    [{ away: true, away_until: '2020-01-01T00:00:00Z' }, 422, 'has passed'],
    [{ away: true, away_until: '2099-01-01T00:00:00Z' }, 422, 'more than 7 days away'],
    // An hour from when the table is read: a time still to come when the test runs.
    [{ away_until: new Date(Date.now() + 3_600_000).toISOString(), away: false }, 422, 'send it with "away": true'],
  ])('refuses the return time of %j with %i', async (body, status, message) => {
    const response = await relay.call(ada.token, 'PATCH', '/me', body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toContain(message);
  });

  it('refuses a return time for an agent who is available and not made away', async () => {
    const response = await relay.call(ada.token, 'PATCH', '/me', { away_until: new Date(Date.now() + 3_600_000).toISOString() });
    expect([response.status, ((await response.json()) as { error: string }).error]).toEqual([422, 'away_until is the return time of an agent who is away: send it with "away": true']);
  });

  it('updates number, email and profile fields', async () => {
    const response = await relay.call(ada.token, 'PATCH', '/me', { number: '(415) 555-0199', email: 'ada@calls.example', profile: { country: 'US', callerid: '+15005550006' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ number: '+14155550199', email: 'ada@calls.example', profile: { country: 'US', callerid: '+15005550006' } });
    const again = await relay.call(ada.token, 'PATCH', '/me', { email: null, profile: { callerid: null, phone_home: '+14155550000' } });
    expect(await again.json()).toMatchObject({ number: '+14155550199', email: null, profile: { country: 'US', phone_home: '+14155550000' } });
    expect((await (await relay.call(ada.token, 'GET', '/me')).json()).profile).toEqual({ country: 'US', phone_home: '+14155550000' });
  });

  it('reads a national number in the stored profile country', async () => {
    await relay.call(ada.token, 'PATCH', '/me', { profile: { country: 'IN' } });
    expect(await (await relay.call(ada.token, 'PATCH', '/me', { number: '098450 98450' })).json()).toMatchObject({ number: '+919845098450' });
  });

  it.each([
    [{ number: 'not a number' }, 422, 'is not a phone number'],
    [{ number: '5550100' }, 422, 'is not a phone number'],
    [{ email: 'ada at example' }, 422, 'is not an e-mail address'],
    [{ profile: { country: 'Narnia' } }, 422, 'not an ISO country code'],
    [{ profile: { 'Bad Key': 'x' } }, 400, 'profile keys'],
    [{ profile: { note: 'x'.repeat(1025) } }, 400, 'at profile.note'],
    [{ profile: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) }, 422, 'at most 64 fields'],
    [{ number: 14155550100 }, 400, 'expected string'],
    ['{"number": ', 400, 'must be JSON'],
  ])('refuses %j with %i', async (body, status, message) => {
    const response = await relay.call(ada.token, 'PATCH', '/me', body);
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toContain(message);
    expect((await (await relay.call(ada.token, 'GET', '/me')).json()).number).toBe('+14155550111');
  });
});

describe('CORS', () => {
  it('lets any origin call with a bearer token (no cookies are used)', async () => {
    const preflight = await relay.app.request('/api/v1/me', {
      method: 'OPTIONS',
      headers: { Origin: 'chrome-extension://abc', 'Access-Control-Request-Method': 'PATCH', 'Access-Control-Request-Headers': 'authorization, content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('Access-Control-Allow-Origin')).toBe('*');
    expect(preflight.headers.get('Access-Control-Allow-Headers')).toMatch(/Authorization/);
    expect(preflight.headers.get('Access-Control-Allow-Methods')).toMatch(/PATCH/);
    expect(preflight.headers.get('Access-Control-Allow-Credentials')).toBeNull();
  });
});
