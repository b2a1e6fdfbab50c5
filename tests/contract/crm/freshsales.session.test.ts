/**
 * connectors/crm/freshsales.xml, opened as the relay opens it, against the Freshsales simulator over
 * HTTP: who is calling (the contacts lookup, each form of the number in the mobile and the work
 * number), each call as a phone call written once, and Freshsales' failures as the relay sees them.
 */
import type { CrmSession } from '@phone-connector/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { API_PATH, FreshsalesSimulator } from '../../simulators/crm/freshsales.ts';
import { expectLogRetryableWhileFailing, expectRefusedCredential, finishedCall, openBundledCrm } from './bundled-crm.ts';

let freshsales: FreshsalesSimulator;
let session: CrmSession;
let ids: Record<'jane' | 'john' | 'bob' | 'ada' | 'gone', string>;

beforeAll(async () => {
  freshsales = await FreshsalesSimulator.start();
  const [jane, john, bob, ada, gone] = freshsales.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    // The caller's number in the mobile field, typed nationally.
    { firstName: 'John', lastName: 'Doe', phones: ['+1 650 555 0111', '(415) 555-0100'] },
    { firstName: 'Bob', lastName: 'Stone', phones: ['020 7946 0018'] },
    { firstName: 'Ada', lastName: 'King', company: 'Analytical', phones: ['+44 20 7946 0018'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
  ]);
  ids = { jane: jane!, john: john!, bob: bob!, ada: ada!, gone: gone! };
});
afterAll(() => freshsales.close());
beforeEach(() => {
  session = openBundledCrm('freshsales', freshsales.config);
});

const contact = (id: string, name: string, company: string | null) => ({ id, name, company, url: `https://acme.myfreshworks.com/crm/sales/contacts/${id}`, kind: 'contacts' });

describe('freshsales.xml finds who is calling', () => {
  it('asks the lookup for each form of the number, in the mobile and the work number, with the API key as a Token', async () => {
    const before = freshsales.requests.length;
    expect(await session.findContacts('+14155550100')).toEqual({ ok: true, value: expect.arrayContaining([contact(ids.jane, 'Jane Doe', 'Acme'), contact(ids.john, 'John Doe', null)]) });
    const asked = freshsales.requests.slice(before).map((r) => new URL(r.url, freshsales.url));
    expect(asked.every((url) => url.pathname === `${API_PATH}/lookup` && url.searchParams.get('entities') === 'contact')).toBe(true);
    expect(asked.map((url) => `${url.searchParams.get('f')} ${url.searchParams.get('q')}`).sort()).toEqual(
      ['+14155550100', '4155550100', '04155550100'].flatMap((q) => [`mobile_number ${q}`, `work_number ${q}`]).sort(),
    );
    expect(freshsales.requests.at(-1)!.headers.authorization).toBe(`Token token=${freshsales.config.api_key}`);
  });

  it('finds a number typed nationally with its trunk 0 and one typed internationally, both (several matches)', async () => {
    const uk = await session.findContacts('+442079460018');
    expect(uk.ok && uk.value.map((c) => c.id).sort()).toEqual([ids.bob, ids.ada].sort());
    expect(uk).toEqual({ ok: true, value: expect.arrayContaining([contact(ids.ada, 'Ada King', 'Analytical')]) });
  });

  it('finds nobody for an unknown number or a deleted contact', async () => {
    expect(await session.findContacts('+14155550177')).toEqual({ ok: true, value: [] });
    expect(await session.findContacts('+14155550199')).toEqual({ ok: true, value: [] });
  });
});

describe('freshsales.xml logs each call once, as a phone call', () => {
  it('writes the phone call on the contact, with the notes, disposition and recording in its note, and says it cannot update it', async () => {
    const before = freshsales.activities().length;
    const call = finishedCall({ contact_id: ids.jane, disposition: 'Interested', recording_url: 'https://media.example/RE1.mp3', notes: 'Wants <b>pricing</b>' });
    const logged = await session.logCall(call);
    expect(logged).toEqual({ ok: true, value: { id: expect.stringMatching(/^\d+$/), url: `https://acme.myfreshworks.com/crm/sales/contacts/${ids.jane}` } });
    const written = freshsales.activities();
    expect(written).toHaveLength(before + 1);
    expect(written.at(-1)!.id).toBe(logged.ok && logged.value.id);
    expect(written.at(-1)!.fields).toMatchObject({
      call_direction: true,
      targetable_type: 'contact',
      targetable_id: Number(ids.jane),
      number: '+14155550100',
      call_duration: 282,
      note: { description: 'Inbound call from +14155550100\nWants <b>pricing</b>\nDisposition: Interested\nRecording: https://media.example/RE1.mp3' },
    });

    expect(session.canUpdate).toBe(false);
    expect(await session.updateCall(logged.ok ? logged.value.id : '', call)).toMatchObject({ ok: false, retry: false });
    expect(freshsales.activities()).toHaveLength(before + 1);
  });

  it('logs an outbound call as outgoing, on no record when nobody matched, its note the subject line alone without notes', async () => {
    const logged = await session.logCall(finishedCall({ direction: 'outbound', notes: null, duration: 0 }));
    expect(logged).toEqual({ ok: true, value: { id: expect.any(String), url: null } });
    expect(freshsales.activities().at(-1)!.fields).toMatchObject({ call_direction: false, targetable_type: null, targetable_id: null, call_duration: 0, note: { description: 'Outbound call to +14155550100' } });
  });

  it("offers the account's sales activity outcomes as dispositions", async () => {
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Interested', 'Not interested', 'Left voicemail', 'No response', 'Wrong number', 'Meeting held'] });
  });
});

describe("freshsales.xml logs each call for the agent's own Freshsales user", () => {
  let agent: string;
  beforeAll(() => {
    freshsales.seedUser({ email: 'lovelace@example.com', firstName: 'Ada', lastName: 'Byron' });
    agent = freshsales.seedUser({ email: 'Ada.Lovelace@Example.com', firstName: 'Ada', lastName: 'Lovelace' });
  });

  it("finds the owner whose email is the agent's, case aside, among the account's owners", async () => {
    expect(await session.findUser!('ada.lovelace@example.com')).toEqual({ ok: true, value: agent });
    expect(new URL(freshsales.requests.at(-1)!.url, freshsales.url).pathname).toBe(`${API_PATH}/selector/owners`);
    expect(await session.findUser!('nobody@example.com')).toEqual({ ok: true, value: null });
  });

  it("writes the phone call for the agent's user, and leaves owner_id out (the API key's user) when the agent's is unknown", async () => {
    expect(await session.logCall(finishedCall({ agent_crm_id: agent }))).toMatchObject({ ok: true });
    expect(freshsales.activities().at(-1)!.fields.owner_id).toBe(Number(agent));
    expect(await session.logCall(finishedCall({ agent_crm_id: null }))).toMatchObject({ ok: true });
    expect(JSON.parse(freshsales.requests.at(-1)!.body).phone_call).not.toHaveProperty('owner_id');
    expect(freshsales.activities().at(-1)!.fields.owner_id).toBe(Number(freshsales.keyUserId));
  });
});

describe("freshsales.xml turns Freshsales' failures into outcomes the relay can act on", () => {
  it('a 429 is worth retrying after the Retry-After Freshsales sent', async () => {
    freshsales.failNext(1, { status: 429, retryAfterSeconds: 7 });
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: false, retry: true, retryAfterMs: 7000, status: 429, error: expect.stringContaining('Too many requests') });
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true });
  });

  it('a 5xx and a Freshsales that is down are worth retrying; nothing is written meanwhile', async () => {
    await expectLogRetryableWhileFailing(freshsales, session, /phone_calls/);
  });

  it('a refused API key fails for good with Freshsales\' message, and the key is in no message', async () => {
    const wrong = 'wrongkey999666t673t7t82';
    await expectRefusedCredential('freshsales', { ...freshsales.config, api_key: wrong }, wrong, 'Incorrect or expired API key');
  });

  it('a phone call Freshsales refuses (a deleted contact, 404) fails for good with its message', async () => {
    expect(await session.logCall(finishedCall({ contact_id: ids.gone }))).toMatchObject({ ok: false, retry: false, status: 404, error: expect.stringContaining(`contact ${ids.gone} not found`) });
  });
});
