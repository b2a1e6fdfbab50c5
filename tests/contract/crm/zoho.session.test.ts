/**
 * connectors/crm/zoho.xml, opened as the relay opens it, against the Zoho CRM simulator over
 * HTTP: OAuth refresh, who is calling (Contacts, then Leads while no Contact matched, in every form of the number),
 * which Zoho user an agent is, each call as a Calls record (owned by that user) updated later, and Zoho's failures
 * as the relay sees them.
 */
import type { CrmSession } from '@phone-connector/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ZohoSimulator } from '../../simulators/crm/zoho.ts';
import { expectLogRetryableWhileFailing, finishedCall, openBundledCrm } from './bundled-crm.ts';

let zoho: ZohoSimulator;
let session: CrmSession;
let ids: Record<'jane' | 'john' | 'lara' | 'ada' | 'bob' | 'carla' | 'gone', string>;
let users: Record<'byron' | 'lovelace', string>;

beforeAll(async () => {
  zoho = await ZohoSimulator.start();
  const [jane, john, lara, ada, bob, carla, gone] = zoho.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415 555 0100'] },
    { firstName: 'John', lastName: 'Roe', company: 'Acme', phones: ['(415) 555-0123'] },
    { firstName: 'Lara', lastName: 'Lead', company: 'Lead Co', phones: ['4155550144'], lead: true },
    { firstName: 'Ada', lastName: 'King', company: 'Analytical', phones: ['+44 20 7946 0018'] },
    { firstName: 'Bob', lastName: 'Stone', phones: ['+44 20 7946 0018'], lead: true },
    { firstName: 'Carla', lastName: 'Ruiz', phones: ['+1 650 555 0111', '+1 415 555 0177'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
  ]);
  ids = { jane: jane!, john: john!, lara: lara!, ada: ada!, bob: bob!, carla: carla!, gone: gone! };
  users = {
    byron: zoho.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Byron' }),
    lovelace: zoho.seedUser({ email: 'Ada.Lovelace@Example.com', firstName: 'Ada', lastName: 'Lovelace' }),
  };
});
afterAll(() => zoho.close());
beforeEach(() => {
  session = openBundledCrm('zoho', zoho.config);
});

const record = (module: 'Contacts' | 'Leads', id: string, name: string, company: string | null) => ({ id, name, company, url: `https://crm.zoho.com/crm/tab/${module}/${id}`, kind: module });
/** The searches since request `from`: module and phone asked for. */
const searchesSince = (from: number) =>
  zoho.requests.slice(from).filter((r) => r.url.includes('/search')).map((r) => {
    const url = new URL(r.url, zoho.url);
    return `${url.pathname.split('/')[3]} ${url.searchParams.get('phone')}`;
  });

describe('zoho.xml finds who is calling', () => {
  it('finds a contact stored in E.164 with its account and link, after one token refresh, searching every form of the number', async () => {
    const from = zoho.requests.length;
    expect(await session.findContacts('+14155550100')).toEqual({ ok: true, value: [record('Contacts', ids.jane, 'Jane Doe', 'Acme')] });
    const sent = zoho.requests.slice(from);
    expect(sent[0]).toMatchObject({ method: 'POST', url: '/oauth/v2/token' });
    expect(Object.fromEntries(new URLSearchParams(sent[0]!.body))).toEqual({ grant_type: 'refresh_token', client_id: zoho.config.client_id, client_secret: zoho.config.client_secret, refresh_token: zoho.config.refresh_token });
    expect(sent[1]!.headers.authorization).toMatch(/^Zoho-oauthtoken 1000\./);
    // mode="every": phone= compares a number as stored, and another record may hold it in another form.
    // A Contact matched: the Leads (a fallback) are not searched.
    expect(searchesSince(from)).toEqual(['Contacts +14155550100', 'Contacts 4155550100', 'Contacts 04155550100']);
  });

  it('finds a contact typed nationally by the national number (in its mobile field too)', async () => {
    const from = zoho.requests.length;
    expect(await session.findContacts('+14155550123')).toEqual({ ok: true, value: [record('Contacts', ids.john, 'John Roe', 'Acme')] });
    // Not in E.164: the Leads are searched in that form, and not once the national number found the Contact.
    expect(searchesSince(from)).toEqual(['Contacts +14155550123', 'Leads +14155550123', 'Contacts 4155550123', 'Contacts 04155550123']);
    expect(await session.findContacts('+14155550177')).toEqual({ ok: true, value: [record('Contacts', ids.carla, 'Carla Ruiz', null)] });
  });

  it('finds a lead, named with its company, searching the Leads in every form of the number', async () => {
    const from = zoho.requests.length;
    expect(await session.findContacts('+14155550144')).toEqual({ ok: true, value: [record('Leads', ids.lara, 'Lara Lead', 'Lead Co')] });
    expect(searchesSince(from)).toEqual(['Contacts +14155550144', 'Leads +14155550144', 'Contacts 4155550144', 'Leads 4155550144', 'Contacts 04155550144', 'Leads 04155550144']);
  });

  it('gives every contact a number is stored for; a lead holding a contact\'s number is not offered (the Leads are a fallback)', async () => {
    const from = zoho.requests.length;
    expect(await session.findContacts('+442079460018')).toEqual({ ok: true, value: [record('Contacts', ids.ada, 'Ada King', 'Analytical')] });
    expect(searchesSince(from).filter((search) => search.startsWith('Leads'))).toEqual([]);
  });

  it('finds nobody for an unknown number or a deleted contact', async () => {
    expect(await session.findContacts('+14155550188')).toEqual({ ok: true, value: [] });
    expect(await session.findContacts('+14155550199')).toEqual({ ok: true, value: [] });
  });

  it('links records inside the org when the setup names it', async () => {
    const withOrg = openBundledCrm('zoho', { ...zoho.config, org_id: '712345678', web_url: 'https://crm.zoho.eu' });
    expect(await withOrg.findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ url: `https://crm.zoho.eu/crm/org712345678/tab/Contacts/${ids.jane}` }] });
  });
});

describe('zoho.xml logs each call once, in the Calls module, and updates it', () => {
  it('creates the Calls record with Zoho\'s fields, linked to the contact, then updates that record with the wrap-up', async () => {
    const before = zoho.activities().length;
    const call = finishedCall({ contact_id: ids.jane, recording_url: 'https://media.example/RE1.mp3' });
    const logged = await session.logCall(call);
    expect(logged).toEqual({ ok: true, value: { id: expect.stringMatching(/^\d{19}$/), url: expect.stringMatching(/^https:\/\/crm\.zoho\.com\/crm\/tab\/Calls\/\d{19}$/) } });
    const id = logged.ok ? logged.value.id : '';
    expect(zoho.activities()).toHaveLength(before + 1);
    const created = zoho.activities().at(-1)!;
    expect(created.id).toBe(id);
    expect(created.fields).toMatchObject({
      Subject: 'Inbound call from +14155550100',
      Call_Type: 'Inbound',
      Call_Start_Time: '2025-03-02T14:05:10+00:00',
      Call_Duration: '04:42',
      Call_Duration_in_seconds: 282,
      Who_Id: { id: ids.jane, name: 'Jane Doe' },
      Description: 'Wants a callback',
      Voice_Recording__s: 'https://media.example/RE1.mp3',
      Caller_ID: '+14155550100',
      Dialled_Number: '+14155550199',
    });
    expect(created.fields).not.toHaveProperty('Outgoing_Call_Status');
    expect(created.fields).not.toHaveProperty('Call_Result');

    expect(session.canUpdate).toBe(true);
    const updated = await session.updateCall(id, { ...call, notes: 'Wants a callback on Monday', disposition: 'Requested call back', contact_id: ids.carla });
    expect(updated).toEqual({ ok: true, value: { url: `https://crm.zoho.com/crm/tab/Calls/${id}` } });
    const after = zoho.activities().find((a) => a.id === id)!;
    expect(after.updates).toBe(1);
    expect(after.fields).toMatchObject({ Description: 'Wants a callback on Monday', Call_Result: 'Requested call back', Who_Id: { id: ids.carla }, Subject: 'Inbound call from +14155550100', Call_Type: 'Inbound' });
    const put = zoho.requests.at(-1)!;
    expect(put).toMatchObject({ method: 'PUT', url: `/crm/v8/Calls/${id}` });
    expect(zoho.activities()).toHaveLength(before + 1);
  });

  it('an unanswered inbound call is Missed; an outbound call is Outbound and completed', async () => {
    expect(await session.logCall(finishedCall({ status: 'no-answer', duration: 0, notes: null }))).toMatchObject({ ok: true });
    expect(zoho.activities().at(-1)!.fields).toMatchObject({ Call_Type: 'Missed', Call_Duration: '00:00' });
    expect(zoho.activities().at(-1)!.fields).not.toHaveProperty('Who_Id');
    expect(await session.logCall(finishedCall({ direction: 'outbound', duration: 3725 }))).toMatchObject({ ok: true });
    expect(zoho.activities().at(-1)!.fields).toMatchObject({ Call_Type: 'Outbound', Outgoing_Call_Status: 'Completed', Call_Duration: '62:05', Subject: 'Outbound call to +14155550100', Caller_ID: '+14155550199', Dialled_Number: '+14155550100' });
  });

  it('offers the org\'s Call Result picklist as dispositions, read from the fields API', async () => {
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Interested', 'Not interested', 'No response/Busy', 'Requested more info', 'Requested call back', 'Invalid number'] });
    expect(zoho.requests.at(-1)).toMatchObject({ method: 'GET', url: '/crm/v8/settings/fields?module=Calls', status: 200 });
  });
});

describe('zoho.xml logs each call for the agent\'s own Zoho user', () => {
  it('finds the user whose email is the agent\'s, case aside, among the active users; nobody for an email no user has', async () => {
    const from = zoho.requests.length;
    expect(await session.findUser!('ada.lovelace@example.com')).toEqual({ ok: true, value: users.lovelace });
    expect(await session.findUser!('ada@example.com')).toEqual({ ok: true, value: users.byron });
    expect(await session.findUser!('grace@example.com')).toEqual({ ok: true, value: null });
    // v8 has no users search: the first page of the active users, each time (the relay keeps the answer per agent); no more follow.
    expect(zoho.requests.slice(from).filter((r) => r.url.startsWith('/crm/v8/users')).map((r) => `${r.status} ${r.method} ${r.url}`)).toEqual(
      Array(3).fill('200 GET /crm/v8/users?type=ActiveUsers&page=1&per_page=200'),
    );
  });

  it('reads an org of more than 200 users page after page, as far as the agent, and all of them for an email nobody has', async () => {
    const staff = Array.from({ length: 450 }, (_, i) => zoho.seedUser({ email: `agent${i}@example.com`, firstName: 'Agent', lastName: String(i) }));
    const pages = (from: number) => zoho.requests.slice(from).filter((r) => r.url.startsWith('/crm/v8/users')).map((r) => new URL(r.url, zoho.url).searchParams.get('page'));
    let from = zoho.requests.length;
    expect(await session.findUser!('agent420@example.com')).toEqual({ ok: true, value: staff[420] });
    expect(pages(from)).toEqual(['1', '2', '3']);
    from = zoho.requests.length;
    expect(await session.findUser!('agent10@example.com')).toEqual({ ok: true, value: staff[10] });
    expect(pages(from)).toEqual(['1']);
    from = zoho.requests.length;
    expect(await session.findUser!('grace@example.com')).toEqual({ ok: true, value: null });
    expect(pages(from)).toEqual(['1', '2', '3']);
  });

  it('makes that user the Calls record\'s Owner; without one, sends no Owner and Zoho keeps the token\'s user', async () => {
    expect(await session.logCall(finishedCall({ agent_crm_id: users.lovelace }))).toMatchObject({ ok: true });
    expect(JSON.parse(zoho.requests.at(-1)!.body).data[0].Owner).toEqual({ id: users.lovelace });
    expect(zoho.activities().at(-1)!.fields.Owner).toEqual({ name: 'Ada Lovelace', id: users.lovelace });

    expect(await session.logCall(finishedCall({ agent_crm_id: null }))).toMatchObject({ ok: true });
    expect(JSON.parse(zoho.requests.at(-1)!.body).data[0]).not.toHaveProperty('Owner');
    expect(zoho.activities().at(-1)!.fields.Owner).toEqual({ name: 'Relay', id: expect.stringMatching(/^\d{19}$/) });
  });

  it('a user id Zoho does not know fails the create for good, with Zoho\'s per-record code (the relay then logs it for the token\'s user)', async () => {
    expect(await session.logCall(finishedCall({ agent_crm_id: '5725767000000999998' }))).toMatchObject({ ok: false, retry: false, status: 400, error: expect.stringContaining('INVALID_DATA: invalid data') });
  });
});

describe('zoho.xml turns Zoho\'s failures into outcomes the relay can act on', () => {
  it('an expired access token is refreshed and the request replayed, once', async () => {
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true });
    zoho.expireTokens();
    const from = zoho.requests.length;
    expect(await session.findContacts('+14155550100')).toEqual({ ok: true, value: [record('Contacts', ids.jane, 'Jane Doe', 'Acme')] });
    expect(zoho.requests.slice(from).map((r) => `${r.status} ${r.method} ${r.url.split('?')[0]}`)).toEqual([
      '401 GET /crm/v8/Contacts/search',
      '200 POST /oauth/v2/token',
      '200 GET /crm/v8/Contacts/search',
      ...['Contacts', 'Contacts'].map((module) => `204 GET /crm/v8/${module}/search`),
    ]);
  });

  it('a refresh token Zoho refuses fails for good, with Zoho\'s answer and no secret', async () => {
    const refused = openBundledCrm('zoho', { ...zoho.config, refresh_token: '1000.revoked-refresh-token' });
    const found = await refused.findContacts('+14155550100');
    expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('invalid_code') });
    expect(JSON.stringify(found)).not.toContain('1000.revoked-refresh-token');
    expect(JSON.stringify(found)).not.toContain(zoho.config.client_secret);
  });

  it('a client id Zoho does not know fails for good too, with Zoho\'s invalid_client and no secret', async () => {
    const refused = openBundledCrm('zoho', { ...zoho.config, client_id: '1000.UNKNOWNCLIENT' });
    const found = await refused.findContacts('+14155550100');
    expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('invalid_client') });
    expect(JSON.stringify(found)).not.toContain(zoho.config.refresh_token);
    expect(JSON.stringify(found)).not.toContain(zoho.config.client_secret);
  });

  it('a 429 is worth retrying after the Retry-After Zoho sent, with its code', async () => {
    zoho.failNext(1, { status: 429, retryAfterSeconds: 30 }, /search/);
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: false, retry: true, retryAfterMs: 30_000, status: 429, error: expect.stringContaining('TOO_MANY_REQUESTS') });
  });

  it('a 5xx and a Zoho that is down are worth retrying; nothing is written meanwhile', async () => {
    await expectLogRetryableWhileFailing(zoho, session, /Calls/);
  });

  it('a record Zoho refuses (a deleted contact) fails for good with its per-record code and message', async () => {
    expect(await session.logCall(finishedCall({ contact_id: ids.gone }))).toMatchObject({ ok: false, retry: false, status: 400, error: expect.stringContaining('INVALID_DATA: the id given seems to be invalid.') });
  });

  it('an update of a record that is gone fails for good', async () => {
    expect(await session.updateCall('5725767000000999999', finishedCall())).toMatchObject({ ok: false, retry: false, status: 400, error: expect.stringContaining('INVALID_DATA') });
  });
});
