/**
 * connectors/crm/pipedrive.xml, opened as the relay opens it, against the Pipedrive simulator
 * over HTTP: who is calling (persons search, v2), each call as an immutable call log (v1), and
 * Pipedrive's failures as the relay sees them.
 */
import type { CrmSession } from '@phone-connector/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { PipedriveSimulator } from '../../simulators/crm/pipedrive.ts';
import { expectLogRetryableWhileFailing, expectRefusedCredential, finishedCall, openBundledCrm } from './bundled-crm.ts';

let pipedrive: PipedriveSimulator;
let session: CrmSession;
let ids: Record<'jane' | 'john' | 'bob' | 'ada' | 'carla' | 'dan' | 'gone', string>;

beforeAll(async () => {
  pipedrive = await PipedriveSimulator.start();
  const [jane, john, bob, ada, carla, dan, gone] = pipedrive.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    { firstName: 'John', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100'] },
    { firstName: 'Bob', lastName: 'Stone', phones: ['020 7946 0018'] },
    { firstName: 'Ada', lastName: 'King', company: 'Analytical', phones: ['+44 20 7946 0018'] },
    // Digits only, second of two phones; and a number that merely contains the caller's digits.
    { firstName: 'Carla', lastName: 'Ruiz', phones: ['+1 650 555 0111', '4155550123'] },
    { firstName: 'Dan', lastName: 'Lee', company: 'Lee & Co', phones: ['+14155550144'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
  ]);
  pipedrive.seed([{ firstName: 'Over', lastName: 'Match', phones: ['+1 415 555 0144 9'] }]);
  ids = { jane: jane!, john: john!, bob: bob!, ada: ada!, carla: carla!, dan: dan!, gone: gone! };
});
afterAll(() => pipedrive.close());
beforeEach(() => {
  session = openBundledCrm('pipedrive', pipedrive.config);
});

const person = (id: string, name: string, company: string | null) => ({ id, name, company, url: `https://acme.pipedrive.com/person/${id}`, kind: 'persons' });

describe('pipedrive.xml finds who is calling', () => {
  it('finds a person stored in E.164, names them, their organization and their page, and asks with the national number', async () => {
    expect(await session.findContacts('+14155550144')).toEqual({ ok: true, value: [person(ids.dan, 'Dan Lee', 'Lee & Co')] });
    const search = pipedrive.requests.at(-1)!;
    const url = new URL(search.url, pipedrive.url);
    expect(url.pathname).toBe('/api/v2/persons/search');
    expect(Object.fromEntries(url.searchParams)).toEqual({ term: '4155550144', fields: 'phone', limit: '10' });
    expect(search.headers['x-api-token']).toBe(pipedrive.config.token);
  });

  it('finds a person stored as digits only, in their second phone', async () => {
    expect(await session.findContacts('+14155550123')).toEqual({ ok: true, value: [person(ids.carla, 'Carla Ruiz', null)] });
  });

  it('gives every person a number is stored for, in any format (several matches)', async () => {
    const us = await session.findContacts('+14155550100');
    expect(us.ok && us.value.map((c) => c.id).sort()).toEqual([ids.jane, ids.john].sort());
    const uk = await session.findContacts('+44 20 7946 0018');
    expect(uk).toEqual({ ok: true, value: expect.arrayContaining([person(ids.bob, 'Bob Stone', null), person(ids.ada, 'Ada King', 'Analytical')]) });
    expect(uk.ok && uk.value).toHaveLength(2);
  });

  it('finds nobody for an unknown number or a deleted person, and drops a search hit whose digits only contain the number', async () => {
    expect(await session.findContacts('+14155550177')).toEqual({ ok: true, value: [] });
    expect(await session.findContacts('+14155550199')).toEqual({ ok: true, value: [] });
    // The index matched "+1 415 555 0144 9" for 4155550144 too; Dan alone ends with it.
    const searched = pipedrive.requests.length;
    expect(await session.findContacts('+14155550144')).toEqual({ ok: true, value: [person(ids.dan, 'Dan Lee', 'Lee & Co')] });
    expect(pipedrive.requests.length).toBe(searched + 1);
  });
});

describe('pipedrive.xml logs each call once, as a call log', () => {
  it('writes the call log with Pipedrive\'s fields, linked to the person, and says it cannot update it', async () => {
    const before = pipedrive.activities().length;
    const call = finishedCall({ contact_id: ids.jane, disposition: 'Connected', recording_url: 'https://media.example/RE1.mp3', notes: 'Wants <b>pricing</b>' });
    const logged = await session.logCall(call);
    expect(logged).toEqual({ ok: true, value: { id: expect.stringMatching(/^[0-9a-f]{32}$/), url: `https://acme.pipedrive.com/person/${ids.jane}` } });
    const written = pipedrive.activities();
    expect(written).toHaveLength(before + 1);
    expect(written.at(-1)!.id).toBe(logged.ok && logged.value.id);
    expect(written.at(-1)!.fields).toMatchObject({
      subject: 'Inbound call from +14155550100',
      outcome: 'connected',
      from_phone_number: '+14155550100',
      to_phone_number: '+14155550199',
      start_time: '2025-03-02 14:05:10',
      end_time: '2025-03-02 14:09:52',
      duration: '282',
      person_id: Number(ids.jane),
      note: '<p>Wants &lt;b&gt;pricing&lt;/b&gt;</p><p>Disposition: Connected</p><p>Recording: <a href="https://media.example/RE1.mp3">https://media.example/RE1.mp3</a></p>',
    });

    expect(session.canUpdate).toBe(false);
    const update = await session.updateCall(logged.ok ? logged.value.id : '', call);
    expect(update).toMatchObject({ ok: false, retry: false });
    expect(pipedrive.activities()).toHaveLength(before + 1);
  });

  it('writes the outcome from the disposition, else from how the call ended', async () => {
    const outcomes = [];
    for (const call of [
      finishedCall({ disposition: 'Left voicemail' }),
      finishedCall({ disposition: 'wrong number' }),
      finishedCall({ status: 'busy', duration: 0 }),
      finishedCall({ status: 'no-answer', duration: 0, notes: null }),
      finishedCall({ status: 'canceled', duration: 0 }),
      finishedCall({ direction: 'outbound', status: 'completed' }),
    ]) {
      const logged = await session.logCall(call);
      expect(logged.ok).toBe(true);
      outcomes.push(pipedrive.activities().at(-1)!.fields.outcome);
    }
    expect(outcomes).toEqual(['left_voicemail', 'wrong_number', 'busy', 'no_answer', 'no_answer', 'connected']);
  });

  it('logs an outbound call from the agent to the customer, with no person when there is none and no note when there are no notes', async () => {
    const logged = await session.logCall(finishedCall({ direction: 'outbound', notes: null }));
    expect(logged).toEqual({ ok: true, value: { id: expect.any(String), url: null } });
    const fields = pipedrive.activities().at(-1)!.fields;
    expect(fields).toMatchObject({ subject: 'Outbound call to +14155550100', from_phone_number: '+14155550199', to_phone_number: '+14155550100', person_id: null, note: null });
  });

  it('offers Pipedrive\'s outcomes as dispositions', async () => {
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'No answer', 'Left message', 'Left voicemail', 'Wrong number', 'Busy'] });
  });
});

describe("pipedrive.xml logs each call for the agent's own Pipedrive user", () => {
  let agent: string;
  beforeAll(() => {
    // A near miss first: a search by part of the email could return her too.
    pipedrive.seedUser({ email: 'lovelace@example.com', firstName: 'Ada', lastName: 'Byron' });
    agent = pipedrive.seedUser({ email: 'Ada.Lovelace@Example.com', firstName: 'Ada', lastName: 'Lovelace' });
  });

  it("finds the user whose email is the agent's, case aside, by searching the users' emails", async () => {
    expect(await session.findUser!('ada.lovelace@example.com')).toEqual({ ok: true, value: agent });
    const find = pipedrive.requests.at(-1)!;
    const url = new URL(find.url, pipedrive.url);
    expect(url.pathname).toBe('/v1/users/find');
    expect(Object.fromEntries(url.searchParams)).toEqual({ term: 'ada.lovelace@example.com', search_by_email: '1' });
    expect(find.headers['x-api-token']).toBe(pipedrive.config.token);
  });

  it('finds nobody for an email no user has (Pipedrive answers data null), and fails on a refused request', async () => {
    expect(await session.findUser!('nobody@example.com')).toEqual({ ok: true, value: null });
    pipedrive.failNext(1, { status: 403 }, /\/v1\/users\/find/);
    expect(await session.findUser!('ada.lovelace@example.com')).toMatchObject({ ok: false, status: 403 });
  });

  it("writes the call log for the agent's user, and leaves user_id out (the token's user) when the agent's is unknown", async () => {
    expect(await session.logCall(finishedCall({ agent_crm_id: agent }))).toMatchObject({ ok: true });
    expect(JSON.parse(pipedrive.requests.at(-1)!.body)).toMatchObject({ user_id: Number(agent) });
    expect(pipedrive.activities().at(-1)!.fields.user_id).toBe(Number(agent));
    for (const agent_crm_id of [null, undefined]) {
      expect(await session.logCall(finishedCall({ agent_crm_id }))).toMatchObject({ ok: true });
      expect(JSON.parse(pipedrive.requests.at(-1)!.body)).not.toHaveProperty('user_id');
      expect(pipedrive.activities().at(-1)!.fields.user_id).toBe(77);
    }
  });

  it("fails for good when the token's user may not write call logs for other users, with Pipedrive's message (the relay then logs for the token's user: outbox-worker.ts)", async () => {
    const restricted = await PipedriveSimulator.start({ accountSettingsAccess: false });
    try {
      const other = restricted.seedUser({ email: 'ada.lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace' });
      const own = openBundledCrm('pipedrive', restricted.config);
      expect(await own.logCall(finishedCall({ agent_crm_id: other }))).toMatchObject({ ok: false, retry: false, status: 403, error: expect.stringContaining("You don't have permission to change this resource.") });
      expect(restricted.activities()).toEqual([]);
    } finally {
      await restricted.close();
    }
  });
});

describe('pipedrive.xml turns Pipedrive\'s failures into outcomes the relay can act on', () => {
  it('a 429 is worth retrying after the Retry-After Pipedrive sent', async () => {
    pipedrive.failNext(1, { status: 429, retryAfterSeconds: 7 });
    expect(await session.findContacts('+14155550144')).toMatchObject({ ok: false, retry: true, retryAfterMs: 7000, status: 429, error: expect.stringContaining('Request over limit') });
    expect(await session.findContacts('+14155550144')).toMatchObject({ ok: true });
  });

  it('a 5xx and a Pipedrive that is down are worth retrying; nothing is written meanwhile', async () => {
    await expectLogRetryableWhileFailing(pipedrive, session, /callLogs/);
  });

  it('a refused token fails for good with Pipedrive\'s message, and the token is in no message', async () => {
    const wrong = 'ffffffffffffffffffffffffffffffffffffffff';
    await expectRefusedCredential('pipedrive', { ...pipedrive.config, token: wrong }, wrong, 'unauthorized access');
  });

  it('a call log Pipedrive refuses (a deleted person: a missing resource, 404) fails for good with its message', async () => {
    expect(await session.logCall(finishedCall({ contact_id: ids.gone }))).toMatchObject({ ok: false, retry: false, status: 404, error: expect.stringContaining('A resource required for this operation was not found.') });
  });
});
