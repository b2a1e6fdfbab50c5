/** The Zoho CRM simulator, driven over HTTP the way a connector drives Zoho's v8 API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { ZohoSimulator } from './zoho.ts';

let zoho: ZohoSimulator;
let ids: string[];

beforeAll(async () => {
  zoho = await ZohoSimulator.start({ uniqueCallField: 'Relay_Call_Id' });
  ids = zoho.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100'] },
    { firstName: 'Ravi', lastName: 'Shah', company: 'Globex', phones: ['+1 415-555-0177', '+44 20 7946 0018'] },
    { firstName: 'Ann', lastName: 'Lee', phones: ['020 7946 0018'], lead: true, company: 'Initech' },
    { firstName: 'Bob', lastName: 'Shared', company: 'Acme', phones: ['+1 212 555 0142'] },
    { firstName: 'Bea', lastName: 'Shared', phones: ['+1 212 555 0142'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 303 555 0199'], deleted: true },
  ]);
});
afterAll(() => zoho.close());

const auth = () => ({ Authorization: `Zoho-oauthtoken ${zoho.config.access_token}` });

function api(path: string, init: RequestInit = {}) {
  return fetch(`${zoho.config.api_domain}/crm/v8${path}`, { ...init, headers: { ...auth(), 'Content-Type': 'application/json', ...init.headers } });
}

const search = (module: string, query: Record<string, string>) => api(`/${module}/search?${new URLSearchParams(query)}`);

const validCall = (extra: Record<string, unknown> = {}) => ({
  Subject: 'Inbound call from +1 415 555 0100',
  Call_Type: 'Inbound',
  Call_Start_Time: '2025-03-02T14:05:10+00:00',
  Call_Duration: '04:42',
  Who_Id: { id: ids[0] },
  ...extra,
});

async function createCall(record: Record<string, unknown>) {
  const response = await api('/Calls', { method: 'POST', body: JSON.stringify({ data: [record] }) });
  return { status: response.status, body: (await response.json()) as { data: Array<Record<string, any>> } };
}

describe('authentication', () => {
  it('accepts Zoho-oauthtoken with a live token', async () => {
    expect((await search('Contacts', { phone: '4155550100' })).status).toBe(200);
  });

  it.each([
    ['no header', {}, 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    ['the Bearer scheme', { Authorization: `Bearer ${'x'}` }, 'AUTHENTICATION_FAILURE', 'Authentication failed'],
    ['an unknown token', { Authorization: 'Zoho-oauthtoken 1000.wrong' }, 'INVALID_TOKEN', 'invalid oauth token'],
  ])('refuses %s with 401 and Zoho’s error body', async (_case, headers, code, message) => {
    const response = await fetch(`${zoho.url}/crm/v8/Contacts/search?phone=4155550100`, { headers });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ code, details: {}, message, status: 'error' });
  });

  it('refreshes an expired token with the refresh token, and refuses a wrong one with invalid_code, all HTTP 200', async () => {
    const local = await ZohoSimulator.start();
    try {
      local.expireTokens();
      const expired = await fetch(`${local.url}/crm/v8/Contacts/search?phone=1`, { headers: { Authorization: `Zoho-oauthtoken ${local.config.access_token}` } });
      expect(await expired.json()).toMatchObject({ code: 'INVALID_TOKEN' });
      const refresh = (refreshToken: string, client: Record<string, string> = {}) =>
        fetch(`${local.config.accounts_url}/oauth/v2/token?${new URLSearchParams({ grant_type: 'refresh_token', client_id: local.config.client_id!, client_secret: local.config.client_secret!, refresh_token: refreshToken, ...client })}`, { method: 'POST' });
      const wrong = await refresh('1000.nope');
      expect(wrong.status).toBe(200);
      expect(await wrong.json()).toEqual({ error: 'invalid_code' });
      const otherClient = await refresh(local.config.refresh_token!, { client_id: '1000.OTHERCLIENT' });
      expect(otherClient.status).toBe(200);
      expect(await otherClient.json()).toEqual({ error: 'invalid_client' });
      const wrongSecret = await refresh(local.config.refresh_token!, { client_secret: 'not-the-secret' });
      expect(wrongSecret.status).toBe(200);
      expect(await wrongSecret.json()).toEqual({ error: 'invalid_client_secret' });
      const granted = (await (await refresh(local.config.refresh_token!)).json()) as Record<string, unknown>;
      expect(granted).toMatchObject({ api_domain: local.url, token_type: 'Bearer', expires_in: 3600 });
      const fresh = await fetch(`${local.url}/crm/v8/Contacts/search?phone=1`, { headers: { Authorization: `Zoho-oauthtoken ${granted.access_token}` } });
      expect(fresh.status).toBe(204);
    } finally {
      await local.close();
    }
  });
});

describe('search by phone', () => {
  it('finds a contact by the digits as stored, with 19-digit string ids, Account_Name as a lookup and info', async () => {
    const response = await search('Contacts', { phone: '4155550100', fields: 'Full_Name,Account_Name,Phone,Mobile' });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toEqual({
      data: [{ id: ids[0], Full_Name: 'Jane Doe', Account_Name: { name: 'Acme', id: expect.stringMatching(/^\d{19}$/) }, Phone: '(415) 555-0100', Mobile: null }],
      info: { per_page: 200, count: 1, page: 1, more_records: false },
    });
    expect(ids[0]).toMatch(/^\d{19}$/);
  });

  it('needs the national number for a number stored without its country code, and E.164 for one stored with it', async () => {
    expect((await search('Contacts', { phone: '+14155550100' })).status).toBe(204);
    expect((await search('Contacts', { phone: '+14155550177' })).status).toBe(200);
    expect((await search('Contacts', { phone: '4155550177' })).status).toBe(204);
  });

  it('searches every phone field: a second number is found in Mobile', async () => {
    const body = await (await search('Contacts', { phone: '+442079460018', fields: 'Full_Name,Mobile' })).json();
    expect(body.data).toEqual([{ id: ids[1], Full_Name: 'Ravi Shah', Mobile: '+44 20 7946 0018' }]);
  });

  it('finds leads on /Leads/search, with Company', async () => {
    const body = await (await search('Leads', { phone: '02079460018', fields: 'Full_Name,Company,Phone' })).json();
    expect(body.data).toEqual([{ id: ids[2], Full_Name: 'Ann Lee', Company: 'Initech', Phone: '020 7946 0018' }]);
  });

  it('answers every contact sharing a number, and pages them', async () => {
    const body = await (await search('Contacts', { phone: '+12125550142', fields: 'Full_Name' })).json();
    expect(body.data.map((r: { Full_Name: string }) => r.Full_Name)).toEqual(['Bob Shared', 'Bea Shared']);
    const first = await (await search('Contacts', { phone: '+12125550142', fields: 'Full_Name', per_page: '1' })).json();
    expect(first.info).toEqual({ per_page: 1, count: 1, page: 1, more_records: true });
    const second = await (await search('Contacts', { phone: '+12125550142', fields: 'Full_Name', per_page: '1', page: '2' })).json();
    expect(second.data[0].Full_Name).toBe('Bea Shared');
    expect(second.info.more_records).toBe(false);
  });

  it('answers no match with 204 and an empty body; a deleted contact is not found', async () => {
    for (const phone of ['+19995550000', '+13035550199']) {
      const response = await search('Contacts', { phone });
      expect(response.status).toBe(204);
      expect(await response.text()).toBe('');
    }
  });

  it('takes criteria on the stored strings, parentheses escaped, and word', async () => {
    const byCriteria = await (await search('Contacts', { criteria: '((Phone:equals:\\(415\\) 555-0100)or(Mobile:starts_with:+44))', fields: 'Full_Name' })).json();
    expect(byCriteria.data.map((r: { Full_Name: string }) => r.Full_Name)).toEqual(['Jane Doe', 'Ravi Shah']);
    const byWord = await (await search('Contacts', { word: 'globex', fields: 'Full_Name' })).json();
    expect(byWord.data.map((r: { Full_Name: string }) => r.Full_Name)).toEqual(['Ravi Shah']);
  });

  it.each([
    [{ fields: 'Full_Name' }, 400, 'REQUIRED_PARAM_MISSING'],
    [{ criteria: '(Phone:like:1)' }, 400, 'INVALID_QUERY'],
    [{ criteria: '(Phone:equals:(415) 555-0100)' }, 400, 'INVALID_QUERY'],
    [{ criteria: '(Nope:equals:1)' }, 400, 'INVALID_QUERY'],
    [{ phone: '1', fields: 'Full_Name,Nope' }, 400, 'INVALID_DATA'],
    [{ phone: '1', per_page: '500' }, 400, 'INVALID_DATA'],
  ])('refuses %j', async (query, status, code) => {
    const response = await search('Contacts', query);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ code, status: 'error' });
  });

  it('refuses an unknown module and an unknown route', async () => {
    expect(await (await search('Widgets', { phone: '1' })).json()).toMatchObject({ code: 'INVALID_MODULE' });
    expect(await (await search('toString', { phone: '1' })).json()).toMatchObject({ code: 'INVALID_MODULE' });
    expect((await search('contacts', { phone: '4155550100' })).status).toBe(200);
    const route = await api('/Contacts/search/extra');
    expect(route.status).toBe(404);
    expect(await route.json()).toMatchObject({ code: 'INVALID_URL_PATTERN' });
  });
});

describe('users', () => {
  const listUsers = (query: Record<string, string>) => api(`/users?${new URLSearchParams(query)}`);

  it('lists the active users with id, email and names, the token\'s user first, then the seeded ones in order, with info', async () => {
    const local = await ZohoSimulator.start();
    try {
      const byron = local.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Byron' });
      const lovelace = local.seedUser({ email: 'ADA.LOVELACE@EXAMPLE.COM', firstName: 'Ada', lastName: 'Lovelace' });
      expect([byron, lovelace]).toEqual([expect.stringMatching(/^\d{19}$/), expect.stringMatching(/^\d{19}$/)]);
      const response = await fetch(`${local.url}/crm/v8/users?type=ActiveUsers&per_page=200`, { headers: { Authorization: `Zoho-oauthtoken ${local.config.access_token}` } });
      expect(response.status).toBe(200);
      const body = await response.json();
      expect(body.users.map((u: { id: string; email: string; full_name: string }) => [u.id, u.email, u.full_name])).toEqual([
        [expect.stringMatching(/^\d{19}$/), 'relay@example.com', 'Relay'],
        [byron, 'ada@example.com', 'Ada Byron'],
        [lovelace, 'ADA.LOVELACE@EXAMPLE.COM', 'Ada Lovelace'],
      ]);
      expect(body.users[2]).toMatchObject({ first_name: 'Ada', last_name: 'Lovelace', status: 'active', confirm: true, profile: { name: 'Standard' } });
      expect(body.info).toEqual({ per_page: 200, count: 3, page: 1, more_records: false });
    } finally {
      await local.close();
    }
  });

  it('pages the users, answers the admins and the current user by type, and none of a type with 204 and an empty body', async () => {
    zoho.seedUser({ email: 'pat@example.com', firstName: 'Pat', lastName: 'Page' });
    const first = await (await listUsers({ per_page: '1' })).json();
    expect(first.info).toEqual({ per_page: 1, count: 1, page: 1, more_records: true });
    const second = await (await listUsers({ per_page: '1', page: '2' })).json();
    expect(second.users[0].email).not.toBe(first.users[0].email);
    const admins = await (await listUsers({ type: 'AdminUsers' })).json();
    expect(admins.users.map((u: { email: string }) => u.email)).toEqual(['relay@example.com']);
    const current = await (await listUsers({ type: 'CurrentUser' })).json();
    expect(current.users.map((u: { full_name: string }) => u.full_name)).toEqual(['Relay']);
    const none = await listUsers({ type: 'DeactiveUsers' });
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
  });

  it.each([
    [{ type: 'Nobody' }, 'type'],
    [{ per_page: '201' }, 'per_page'],
    [{ page: '0' }, 'page'],
  ])('refuses %j with INVALID_DATA', async (query, param) => {
    const response = await listUsers(query);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_DATA', details: { param_name: param }, status: 'error' });
  });

  it('checks the token as every other endpoint does', async () => {
    const response = await fetch(`${zoho.url}/crm/v8/users?type=ActiveUsers`, { headers: { Authorization: 'Zoho-oauthtoken 1000.wrong' } });
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ code: 'INVALID_TOKEN' });
  });
});

describe('the Calls module', () => {
  it('creates a call: 201, a SUCCESS envelope per record, stored with its lookups resolved', async () => {
    const { status, body } = await createCall(validCall({ Call_Type: 'outbound', Description: 'Notes', Relay_Call_Id: 'relay-1', What_Id: { id: (await (await search('Contacts', { phone: '4155550100', fields: 'Account_Name' })).json()).data[0].Account_Name.id }, $se_module: 'accounts' }));
    expect(status).toBe(201);
    const [result] = body.data;
    expect(result).toMatchObject({ code: 'SUCCESS', message: 'record added', status: 'success', details: { id: expect.stringMatching(/^\d{19}$/), Created_By: { name: 'Relay', id: expect.any(String) } } });
    expect(result!.details.Created_Time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/);
    const stored = zoho.activities().find((a) => a.id === result!.details.id)!;
    expect(stored.fields).toMatchObject({ Call_Type: 'Outbound', Call_Duration: '04:42', Call_Duration_in_seconds: 282, Who_Id: { name: 'Jane Doe', id: ids[0] }, What_Id: { name: 'Acme' }, $se_module: 'Accounts', Description: 'Notes' });
    expect(stored.updates).toBe(0);
  });

  it.each(['Subject', 'Call_Type', 'Call_Start_Time'])('refuses a call without %s: MANDATORY_NOT_FOUND with its api_name and json_path', async (field) => {
    const before = zoho.activities().length;
    const { status, body } = await createCall({ ...validCall(), [field]: undefined });
    expect(status).toBe(400);
    expect(body).toEqual({ data: [{ code: 'MANDATORY_NOT_FOUND', details: { api_name: field, json_path: `$.data[0].${field}` }, message: 'required field not found', status: 'error' }] });
    expect(zoho.activities().length).toBe(before);
  });

  it.each([
    ['Call_Duration', { Call_Duration: '282' }],
    ['Call_Duration', { Call_Duration: '4:42:00' }],
    ['Call_Start_Time', { Call_Start_Time: '2025-03-02T14:05:10Z' }],
    ['Call_Type', { Call_Type: 'Sideways' }],
    ['Who_Id', { Who_Id: { id: '5725767000000000000' } }],
  ])('refuses a bad %s with INVALID_DATA', async (field, extra) => {
    const { status, body } = await createCall(validCall(extra));
    expect(status).toBe(400);
    expect(body.data[0]).toMatchObject({ code: 'INVALID_DATA', status: 'error', details: { api_name: field } });
  });

  it('stores the Owner a create names, as {name, id}; the token\'s user owns a record that names none', async () => {
    const owner = zoho.seedUser({ email: 'olga@example.com', firstName: 'Olga', lastName: 'Owner' });
    const owned = await createCall(validCall({ Owner: { id: owner } }));
    expect(owned.status).toBe(201);
    expect(zoho.activities().find((a) => a.id === owned.body.data[0]!.details.id)?.fields.Owner).toEqual({ name: 'Olga Owner', id: owner });
    const plain = await createCall(validCall());
    const got = await (await api(`/Calls/${plain.body.data[0]!.details.id}`)).json();
    expect(got.data[0].Owner).toEqual({ name: 'Relay', id: expect.stringMatching(/^\d{19}$/) });
  });

  it.each([
    ['an id naming no user', { id: '5725767000000999997' }, 'invalid data'],
    ['a bare id', '5725767000000312001', 'Invalid data type'],
  ])('refuses an Owner that is %s with INVALID_DATA', async (_case, Owner, message) => {
    const { status, body } = await createCall(validCall({ Owner }));
    expect(status).toBe(400);
    expect(body.data[0]).toMatchObject({ code: 'INVALID_DATA', message, details: { api_name: 'Owner', json_path: '$.data[0].Owner' } });
  });

  it('links a Lead as What_Id with $se_module Leads, and refuses it as Who_Id', async () => {
    const linked = await createCall(validCall({ Who_Id: undefined, What_Id: { id: ids[2] }, $se_module: 'Leads' }));
    expect(linked.status).toBe(201);
    expect(zoho.activities().find((a) => a.id === linked.body.data[0]!.details.id)?.fields).toMatchObject({ What_Id: { id: ids[2], name: 'Ann Lee' }, $se_module: 'Leads' });
    const refused = await createCall(validCall({ Who_Id: { id: ids[2] } }));
    expect(refused.body.data[0]).toMatchObject({ code: 'INVALID_DATA', details: { api_name: 'Who_Id' } });
  });

  it('refuses to link a deleted contact', async () => {
    const { body } = await createCall(validCall({ Who_Id: { id: ids[5] } }));
    expect(body.data[0]).toMatchObject({ code: 'INVALID_DATA', message: 'the id given seems to be invalid.' });
  });

  it('answers 207 Multi-Status when only some records of a write are written, each with its envelope', async () => {
    const response = await api('/Calls', { method: 'POST', body: JSON.stringify({ data: [validCall(), validCall({ Subject: '' })] }) });
    expect(response.status).toBe(207);
    expect((await response.json()).data).toMatchObject([
      { code: 'SUCCESS', message: 'record added', status: 'success' },
      { code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Subject' }, status: 'error' },
    ]);
  });

  it('refuses a body that is not {data:[…]}', async () => {
    const response = await api('/Calls', { method: 'POST', body: '{"Subject":"x"}' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'REQUIRED_PARAM_MISSING', details: { param: 'data' } });
    const garbage = await api('/Calls', { method: 'POST', body: 'not json' });
    expect(garbage.status).toBe(400);
  });

  it('updates with PUT /Calls/{id}, counts the update, and GET answers the record', async () => {
    const { body } = await createCall(validCall());
    const id = body.data[0]!.details.id as string;
    const put = await api(`/Calls/${id}`, { method: 'PUT', body: JSON.stringify({ data: [{ Description: 'Later notes', Call_Result: 'Interested' }] }) });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ data: [{ code: 'SUCCESS', message: 'record updated', status: 'success', details: { id } }] });
    const got = await (await api(`/Calls/${id}`)).json();
    expect(got.data[0]).toMatchObject({ id, Subject: 'Inbound call from +1 415 555 0100', Description: 'Later notes', Call_Result: 'Interested' });
    expect(zoho.activities().find((a) => a.id === id)!.updates).toBe(1);
  });

  it('refuses an update of an unknown id, or one clearing a mandatory field; GET of an unknown id is 204', async () => {
    const unknown = await api('/Calls/5725767000000000001', { method: 'PUT', body: JSON.stringify({ data: [{ Description: 'x' }] }) });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ data: [{ code: 'INVALID_DATA', message: 'the id given seems to be invalid.' }] });
    const { body } = await createCall(validCall());
    const cleared = await api(`/Calls/${body.data[0]!.details.id}`, { method: 'PUT', body: JSON.stringify({ data: [{ Subject: null }] }) });
    expect(await cleared.json()).toMatchObject({ data: [{ code: 'MANDATORY_NOT_FOUND', details: { api_name: 'Subject' } }] });
    expect((await api('/Calls/5725767000000000001')).status).toBe(204);
  });

  it('keeps a unique field unique (DUPLICATE_DATA), and upserts on it: insert once, then update', async () => {
    const first = await createCall(validCall({ Relay_Call_Id: 'relay-dup' }));
    expect(first.status).toBe(201);
    const second = await createCall(validCall({ Relay_Call_Id: 'relay-dup' }));
    expect(second.status).toBe(400);
    expect(second.body.data[0]).toMatchObject({ code: 'DUPLICATE_DATA', details: { api_name: 'Relay_Call_Id', duplicate_record: { id: first.body.data[0]!.details.id } } });

    const upsert = (record: Record<string, unknown>) => api('/Calls/upsert', { method: 'POST', body: JSON.stringify({ data: [record], duplicate_check_fields: ['Relay_Call_Id'] }) });
    const inserted = await upsert(validCall({ Relay_Call_Id: 'relay-up' }));
    expect(inserted.status).toBe(201);
    const insertedBody = await inserted.json();
    expect(insertedBody.data[0]).toMatchObject({ code: 'SUCCESS', action: 'insert', duplicate_field: null, message: 'record added' });
    const updated = await upsert(validCall({ Relay_Call_Id: 'relay-up', Description: 'again' }));
    expect(updated.status).toBe(200);
    expect((await updated.json()).data[0]).toMatchObject({ code: 'SUCCESS', action: 'update', duplicate_field: 'Relay_Call_Id', details: { id: insertedBody.data[0].details.id } });
    expect(zoho.activities().filter((a) => a.fields.Relay_Call_Id === 'relay-up')).toHaveLength(1);
    const found = await (await api(`/Calls/search?${new URLSearchParams({ criteria: '(Relay_Call_Id:equals:relay-up)', fields: 'Description' })}`)).json();
    expect(found.data).toEqual([{ id: insertedBody.data[0].details.id, Description: 'again' }]);
  });

  it("finds a value inside longer ones with criteria's equals, and only the whole value with COQL's =", async () => {
    const long = (await createCall(validCall({ Relay_Call_Id: 'relay-inside-12' }))).body.data[0]!.details.id;
    const byCriteria = await (await api(`/Calls/search?${new URLSearchParams({ criteria: '(Relay_Call_Id:equals:relay-inside-1)', fields: 'Relay_Call_Id' })}`)).json();
    expect(byCriteria.data).toEqual([{ id: long, Relay_Call_Id: 'relay-inside-12' }]);

    const coql = (query: string) => api('/coql', { method: 'POST', body: JSON.stringify({ select_query: query }) });
    const none = await coql("select id from Calls where Relay_Call_Id = 'relay-inside-1' limit 1");
    expect(none.status).toBe(204);
    expect(await none.text()).toBe('');
    const whole = await coql("select id, Relay_Call_Id from Calls where Relay_Call_Id = 'relay-inside-12' limit 1");
    expect(await whole.json()).toEqual({ data: [{ id: long, Relay_Call_Id: 'relay-inside-12' }], info: { count: 1, more_records: false } });
  });

  it.each([
    ['select id from Calls', 'SYNTAX_ERROR'],
    ["select id from Calls where Relay_Call_Id = 'x' limit 0", 'SYNTAX_ERROR'],
    ["select id from Nope where Relay_Call_Id = 'x'", 'INVALID_QUERY'],
    ["select id from Calls where Nope = 'x'", 'INVALID_QUERY'],
  ])('refuses the COQL %s', async (query, code) => {
    const response = await api('/coql', { method: 'POST', body: JSON.stringify({ select_query: query }) });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code, status: 'error' });
  });
});

describe('field metadata', () => {
  it('lists the Calls fields with the Call_Result picklist a connector can offer as dispositions', async () => {
    const response = await api('/settings/fields?module=Calls');
    expect(response.status).toBe(200);
    const { fields } = (await response.json()) as { fields: Array<{ api_name: string; data_type: string; system_mandatory: boolean; pick_list_values: Array<{ actual_value: string }> }> };
    const result = fields.find((f) => f.api_name === 'Call_Result')!;
    expect(result.data_type).toBe('picklist');
    expect(result.pick_list_values.map((v) => v.actual_value)).toContain('Requested call back');
    expect(fields.filter((f) => f.system_mandatory).map((f) => f.api_name)).toEqual(['Subject', 'Call_Type', 'Call_Start_Time']);
    expect(fields.find((f) => f.api_name === 'Relay_Call_Id')).toMatchObject({ data_type: 'text' });
  });

  it('refuses an unknown module', async () => {
    const response = await api('/settings/fields?module=Widgets');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'INVALID_MODULE' });
  });
});

describe('failures a test injects', () => {
  it('answers 429 TOO_MANY_REQUESTS on the matching paths only, as many times as asked, then works again', async () => {
    zoho.failNext(2, { status: 429, retryAfterSeconds: 7 }, /\/Calls/);
    expect((await search('Contacts', { phone: '4155550100' })).status).toBe(200);
    for (let i = 0; i < 2; i++) {
      const response = await createCall(validCall());
      expect(response.status).toBe(429);
      expect(response.body).toMatchObject({ code: 'TOO_MANY_REQUESTS', status: 'error' });
    }
    const retried = await api('/Calls/5725767000000000001');
    expect(retried.status).toBe(204);
    expect(zoho.requests.at(-2)).toMatchObject({ method: 'POST', url: '/crm/v8/Calls', status: 429 });
  });

  it('sends Retry-After with an injected 429', async () => {
    zoho.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const response = await search('Contacts', { phone: '4155550100' });
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('answers an injected 5xx with Zoho’s error body: INTERNAL_ERROR from the records APIs, INTERNAL_SERVER_ERROR from the Users API', async () => {
    zoho.failNext(1, { status: 503 });
    const response = await search('Contacts', { phone: '4155550100' });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ code: 'INTERNAL_ERROR', message: 'Internal Server Error', status: 'error' });
    zoho.failNext(1, { status: 500 }, /\/users/);
    const users = await api('/users?type=ActiveUsers');
    expect(users.status).toBe(500);
    expect(await users.json()).toMatchObject({ code: 'INTERNAL_SERVER_ERROR', status: 'error' });
  });

  it('refuses connections while down, and answers again once up', async () => {
    await zoho.down();
    await expect(search('Contacts', { phone: '4155550100' })).rejects.toThrow();
    await zoho.up();
    expect((await search('Contacts', { phone: '4155550100' })).status).toBe(200);
  });

  it('holds searches until released, and answers other requests meanwhile', async () => {
    const release = zoho.holdSearches();
    let settled = false;
    const held = search('Contacts', { phone: '4155550100' }).then((r) => {
      settled = true;
      return r;
    });
    await expect.poll(() => zoho.requests.some((r) => r.url.includes('/Contacts/search') && r.status === 0), { timeout: 30_000 }).toBe(true);
    expect((await api('/Calls/5725767000000000001')).status).toBe(204);
    expect(settled).toBe(false);
    release();
    expect((await held).status).toBe(200);
  });

  it('records every request: method, path and query, headers, body, status', async () => {
    await createCall(validCall({ Subject: 'recorded' }));
    const last = zoho.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: '/crm/v8/Calls', status: 201 });
    expect(last.headers.authorization).toBe(`Zoho-oauthtoken ${zoho.config.access_token}`);
    expect(JSON.parse(last.body).data[0].Subject).toBe('recorded');
  });
});

describeCrmSwitches({
  simulator: () => zoho,
  plain: () => api('/settings/fields?module=Calls'),
  search: () => search('Contacts', { phone: '4155550100' }),
});
