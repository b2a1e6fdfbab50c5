/** The Dynamics 365 simulator, driven over HTTP the way a connector drives the Dataverse Web API and Entra ID's token endpoint. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { DynamicsSimulator } from './dynamics.ts';

let dynamics: DynamicsSimulator;
let ids: string[];
let token: string;

async function grant(overrides: Record<string, string> = {}, tenant: string = dynamics.tenantId): Promise<Response> {
  const { client_id, client_secret, org_url } = dynamics.config;
  const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: client_id!, client_secret: client_secret!, scope: `${org_url}/.default`, ...overrides });
  return fetch(`${dynamics.config.authority}/${tenant}/oauth2/v2.0/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: form });
}

async function newToken(): Promise<string> {
  const answer = (await (await grant()).json()) as { access_token: string };
  return answer.access_token;
}

function api(path: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${dynamics.url}/api/data/v9.2${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, 'OData-MaxVersion': '4.0', 'OData-Version': '4.0', Accept: 'application/json', 'Content-Type': 'application/json', ...init.headers },
  });
}

const query = (set: string, params: Record<string, string>, headers: Record<string, string> = {}) => api(`/${set}?${new URLSearchParams(params)}`, { headers });
const PHONES = (digits: string) => ['telephone1', 'mobilephone', 'telephone2'].map((c) => `endswith(${c},'${digits}')`).join(' or ');
const FORMATTED = 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"';
const create = (body: Record<string, unknown>, prefer?: string) => api('/phonecalls?$select=activityid,subject', { method: 'POST', body: JSON.stringify(body), headers: prefer ? { Prefer: prefer } : {} });

beforeAll(async () => {
  dynamics = await DynamicsSimulator.start({ callIdColumn: 'new_relaycallid' });
  ids = dynamics.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100'] },
    { firstName: 'Ravi', lastName: 'Shah', phones: ['+1 650 555 0100', '+1 415-555-0177'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 303 555 0199'], deleted: true },
    { firstName: 'Ann', lastName: 'Lead', company: 'Initech', phones: ['020 7946 0018'], lead: true },
  ]);
  token = await newToken();
});
afterAll(() => dynamics.close());

describe('the token endpoint (client credentials)', () => {
  it('issues a Bearer token of an hour for the app, scoped to the environment', async () => {
    const response = await grant();
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: expect.stringMatching(/^eyJ/) });
  });

  it.each([
    ['a wrong secret', { client_secret: 'nope' }, undefined, 401, 'invalid_client', 7000215],
    ['an unknown app', { client_id: '00000000-0000-0000-0000-000000000000' }, undefined, 400, 'unauthorized_client', 700016],
    ['another grant', { grant_type: 'password' }, undefined, 400, 'unsupported_grant_type', 70003],
    ['a scope without /.default', { scope: 'https://contoso.crm.dynamics.com' }, undefined, 400, 'invalid_scope', 1002012],
    ['another environment', { scope: 'https://other.crm.dynamics.com/.default' }, undefined, 400, 'invalid_resource', 500011],
    ['an unknown tenant', {}, '11111111-2222-3333-4444-555555555555', 400, 'invalid_request', 90002],
  ] as Array<[string, Record<string, string>, string | undefined, number, string, number]>)('refuses %s with its AADSTS error', async (_, overrides, tenant, status, error, code) => {
    const response = await grant(overrides, tenant);
    expect(response.status).toBe(status);
    const body = (await response.json()) as { error: string; error_description: string; error_codes: number[] };
    expect(body).toMatchObject({ error, error_codes: [code], error_description: expect.stringMatching(new RegExp(`^AADSTS${code}: `)) });
  });
});

describe('the Web API', () => {
  it('answers 401 with WWW-Authenticate and no body to a request without a live token, and takes a new one', async () => {
    const bare = await fetch(`${dynamics.url}/api/data/v9.2/contacts`);
    expect(bare.status).toBe(401);
    expect(bare.headers.get('www-authenticate')).toMatch(/^Bearer authorization_uri=.*, resource_id=/);
    expect(await bare.text()).toBe('');
    dynamics.expireTokens();
    expect((await query('contacts', { $select: 'fullname' })).status).toBe(401);
    token = await newToken();
    expect((await query('contacts', { $select: 'fullname' })).status).toBe(200);
  });

  it('filters contacts by the ends of their phones as typed, with the context, etags and $select', async () => {
    const response = await query('contacts', { $select: 'contactid,fullname,telephone1,mobilephone', $filter: `statecode eq 0 and (${PHONES('0100')})`, $top: '10' });
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toEqual({
      '@odata.context': `${dynamics.url}/api/data/v9.2/$metadata#contacts(contactid,fullname,telephone1,mobilephone)`,
      value: [
        { '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), contactid: ids[0], fullname: 'Jane Doe', telephone1: '(415) 555-0100', mobilephone: null },
        { '@odata.etag': expect.stringMatching(/^W\/"\d+"$/), contactid: ids[1], fullname: 'Ravi Shah', telephone1: '+1 650 555 0100', mobilephone: '+1 415-555-0177' },
      ],
    });
  });

  it('reads eq (ignoring case), contains, startswith, not and $top; a deleted contact is gone', async () => {
    const names = async (filter: string, top?: string) => {
      const response = await query('contacts', { $select: 'fullname', $filter: filter, ...(top ? { $top: top } : {}) });
      return ((await response.json()) as { value: Array<{ fullname: string }> }).value.map((c) => c.fullname);
    };
    expect(await names("fullname eq 'JANE DOE'")).toEqual(['Jane Doe']);
    expect(await names("contains(mobilephone,'555-0177')")).toEqual(['Ravi Shah']);
    expect(await names("startswith(telephone1,'+1') and not contains(fullname,'x')")).toEqual(['Ravi Shah']);
    expect(await names(`${PHONES('0100')}`, '1')).toEqual(['Jane Doe']);
    expect(await names(PHONES('0199'))).toEqual([]);
    expect(await names("firstname eq 'Jane' or firstname eq 'Ravi'")).toEqual(['Jane Doe', 'Ravi Shah']);
  });

  it("names a contact's parent account as a formatted value only when asked to", async () => {
    const params = { $select: 'fullname,_parentcustomerid_value', $filter: "fullname eq 'Jane Doe'" };
    const plain = (await (await query('contacts', params)).json()) as { value: Array<Record<string, unknown>> };
    expect(plain.value[0]).not.toHaveProperty('_parentcustomerid_value@OData.Community.Display.V1.FormattedValue');
    const response = await query('contacts', params, { Prefer: FORMATTED });
    expect(response.headers.get('preference-applied')).toBe(FORMATTED);
    const formatted = (await response.json()) as { value: Array<Record<string, unknown>> };
    expect(formatted.value[0]).toMatchObject({ _parentcustomerid_value: expect.stringMatching(/^[0-9a-f-]{36}$/), '_parentcustomerid_value@OData.Community.Display.V1.FormattedValue': 'Acme' });
  });

  it('leaves an inactive contact out of a search for active ones', async () => {
    const [id] = dynamics.seed([{ firstName: 'Ina', lastName: 'Active', phones: ['+1 415 555 0166'] }]);
    dynamics.deactivate(id!);
    const response = await query('contacts', { $select: 'fullname', $filter: `statecode eq 0 and (${PHONES('0166')})` });
    expect(((await response.json()) as { value: unknown[] }).value).toEqual([]);
  });

  it.each([
    ['an unknown column in $select', { $select: 'fullname,nickname' }, "Could not find a property named 'nickname' on type 'Microsoft.Dynamics.CRM.contact'."],
    ['an unknown column in $filter', { $filter: "phone eq '1'" }, "Could not find a property named 'phone' on type 'Microsoft.Dynamics.CRM.contact'."],
    ['a broken $filter', { $filter: "endswith(telephone1,'0100'" }, expect.stringMatching(/^Syntax error at position \d+/)],
  ])('refuses %s with 400 0x80060888', async (_, params, message) => {
    const response = await query('contacts', params);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: { code: '0x80060888', message } });
  });

  it('answers 404 0x8006088a for an entity set it does not have', async () => {
    const response = await api('/calls');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ error: { code: '0x8006088a' } });
  });
});

describe('Phone Call activities', () => {
  const user = () => dynamics.seedUser({ email: 'Agent@Example.com', firstName: 'Ann', lastName: 'Agent' });

  it('creates one and answers 204 with OData-EntityId when no representation is asked for', async () => {
    const response = await create({ subject: 'Inbound call from +14155550100', directioncode: false });
    expect(response.status).toBe(204);
    const uri = response.headers.get('odata-entityid');
    expect(uri).toMatch(new RegExp(`^${dynamics.url}/api/data/v9\\.2/phonecalls\\(([0-9a-f-]{36})\\)$`));
    const id = /\(([^)]+)\)$/.exec(uri!)![1]!;
    expect(dynamics.activities().find((a) => a.id === id)?.fields).toMatchObject({ subject: 'Inbound call from +14155550100', directioncode: false, statecode: 0, statuscode: 1, _ownerid_value: dynamics.applicationUser });
  });

  it('answers 201 with the $select-ed row for Prefer: return=representation, lookups and parties bound', async () => {
    const agent = user();
    const response = await create(
      {
        subject: 'Inbound call from +14155550100',
        actualdurationminutes: 4,
        actualstart: '2025-03-02T14:05:10Z',
        'regardingobjectid_contact@odata.bind': `/contacts(${ids[0]})`,
        'ownerid@odata.bind': `/systemusers(${agent})`,
        phonecall_activity_parties: [
          { 'partyid_contact@odata.bind': `/contacts(${ids[0]})`, participationtypemask: 1 },
          { 'partyid_systemuser@odata.bind': `/systemusers(${agent})`, participationtypemask: 2 },
        ],
      },
      'return=representation',
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('preference-applied')).toBe('return=representation');
    const body = (await response.json()) as { activityid: string };
    expect(body).toEqual({
      '@odata.context': `${dynamics.url}/api/data/v9.2/$metadata#phonecalls(activityid,subject)/$entity`,
      '@odata.etag': expect.stringMatching(/^W\//),
      activityid: expect.stringMatching(/^[0-9a-f-]{36}$/),
      subject: 'Inbound call from +14155550100',
    });
    expect(dynamics.activities().find((a) => a.id === body.activityid)?.fields).toMatchObject({
      _regardingobjectid_value: ids[0],
      _ownerid_value: agent,
      phonecall_activity_parties: [
        { partyid: ids[0], table: 'contact', participationtypemask: 1 },
        { partyid: agent, table: 'systemuser', participationtypemask: 2 },
      ],
    });
  });

  it.each([
    ['an unknown column', { subject: 'x', duration: 4 }, 400, '0x80048d19', "The property 'duration' does not exist on type 'Microsoft.Dynamics.CRM.phonecall'"],
    ['a duration that is no Edm.Int32', { subject: 'x', actualdurationminutes: '4' }, 400, '0x80048d19', "to the expected type 'Edm.Int32'"],
    ['a direction that is no Edm.Boolean', { subject: 'x', directioncode: 'Incoming' }, 400, '0x80048d19', "to the expected type 'Edm.Boolean'"],
    ['a subject past 200 characters', { subject: 'x'.repeat(201) }, 400, '0x80044331', "exceeded the maximum allowed length of '200'"],
    ['a contact that does not exist', { subject: 'x', 'regardingobjectid_contact@odata.bind': '/contacts(00000000-0000-0000-0000-000000000001)' }, 404, '0x80040217', 'contact With Id = 00000000-0000-0000-0000-000000000001 Does Not Exist'],
    ['a bind to a contact id that is no GUID', { subject: 'x', 'regardingobjectid_contact@odata.bind': '/contacts(4x123)' }, 400, '0x80060888', "'4x123' is not a valid key"],
    ['an owner that is a contact', { subject: 'x', 'ownerid@odata.bind': '/contacts(00000000-0000-0000-0000-000000000001)' }, 400, '0x80048d19', 'is not a URI of a systemuser'],
  ])('refuses %s, writing nothing', async (_, body, status, code, message) => {
    const before = dynamics.activities().length;
    const response = await create(body);
    expect(response.status).toBe(status);
    expect(await response.json()).toEqual({ error: { code, message: expect.stringContaining(message) } });
    expect(dynamics.activities()).toHaveLength(before);
  });

  it('refuses a Phone Call owned by a disabled user', async () => {
    const gone = dynamics.seedUser({ email: 'gone@example.com', firstName: 'Gone', lastName: 'User' });
    dynamics.disableUser(gone);
    const response = await create({ subject: 'x', 'ownerid@odata.bind': `/systemusers(${gone})` });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining('is disabled') } });
  });

  it('updates with PATCH (204), refuses a missing row under If-Match: *, and creates it without (upsert)', async () => {
    const created = await create({ subject: 'Outbound call to +14155550100', directioncode: true }, 'return=representation');
    const { activityid } = (await created.json()) as { activityid: string };
    const patch = (id: string, headers: Record<string, string>) => api(`/phonecalls(${id})`, { method: 'PATCH', body: JSON.stringify({ description: 'Left voicemail', leftvoicemail: true }), headers });
    const updated = await patch(activityid, { 'If-Match': '*' });
    expect(updated.status).toBe(204);
    expect(await updated.text()).toBe('');
    expect(dynamics.activities().find((a) => a.id === activityid)).toMatchObject({ updates: 1, fields: { description: 'Left voicemail', leftvoicemail: true, directioncode: true } });
    const missing = '00000000-0000-0000-0000-0000000000aa';
    const refused = await patch(missing, { 'If-Match': '*' });
    expect(refused.status).toBe(404);
    expect(await refused.json()).toEqual({ error: { code: '0x80040217', message: `phonecall With Id = ${missing} Does Not Exist` } });
    expect(dynamics.activities().some((a) => a.id === missing)).toBe(false);
    expect((await patch(missing, {})).status).toBe(204);
    expect(dynamics.activities().find((a) => a.id === missing)?.fields).toMatchObject({ description: 'Left voicemail' });
  });

  it('finds a Phone Call by its call id column, and refuses a second one with it (412, the alternate key)', async () => {
    expect((await create({ subject: 'x', new_relaycallid: 'CA-twice' })).status).toBe(204);
    const again = await create({ subject: 'y', new_relaycallid: 'CA-twice' });
    expect(again.status).toBe(412);
    expect(await again.json()).toMatchObject({ error: { code: '0x80060892' } });
    const found = await query('phonecalls', { $select: 'activityid', $filter: "new_relaycallid eq 'CA-twice'", $top: '1' });
    expect(((await found.json()) as { value: unknown[] }).value).toHaveLength(1);
    const none = await query('phonecalls', { $select: 'activityid', $filter: "new_relaycallid eq 'CA-twic'" });
    expect(((await none.json()) as { value: unknown[] }).value).toEqual([]);
  });

  it("finds a system user by Primary Email, whatever its case, and reads isdisabled", async () => {
    const agent = dynamics.seedUser({ email: 'Grace.Hopper@Example.com', firstName: 'Grace', lastName: 'Hopper' });
    const response = await query('systemusers', { $select: 'systemuserid,internalemailaddress', $filter: "internalemailaddress eq 'grace.hopper@example.com' and isdisabled eq false" });
    expect(((await response.json()) as { value: unknown[] }).value).toEqual([{ '@odata.etag': expect.any(String), systemuserid: agent, internalemailaddress: 'Grace.Hopper@Example.com' }]);
  });
});

describe('service protection', () => {
  it("answers an injected 429 with Retry-After and the number-of-requests error", async () => {
    dynamics.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const response = await query('contacts', { $select: 'fullname' });
    expect(response.status).toBe(429);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(await response.json()).toEqual({ error: { code: '0x80072322', message: 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.' } });
  });

  it('refuses a request past the limit in 300 seconds once limits are enforced, and takes it once the window moved on', async () => {
    const local = await DynamicsSimulator.start({ requestLimit: 5 });
    try {
      let now = 0;
      local.enforceRateLimits(() => now);
      const { client_id, client_secret, org_url } = local.config;
      const granted = await fetch(`${local.url}/${local.tenantId}/oauth2/v2.0/token`, { method: 'POST', body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client_id!, client_secret: client_secret!, scope: `${org_url}/.default` }) });
      const { access_token } = (await granted.json()) as { access_token: string };
      const ask = () => fetch(`${local.url}/api/data/v9.2/systemusers?$select=fullname&$top=1`, { headers: { Authorization: `Bearer ${access_token}` } });
      const statuses = new Set<number>();
      for (let i = 0; i < 5; i++) statuses.add((await ask()).status);
      expect([...statuses]).toEqual([200]);
      const over = await ask();
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await over.json()).toMatchObject({ error: { code: '0x80072322' } });
      now += 300_001;
      expect((await ask()).status).toBe(200);
    } finally {
      await local.close();
    }
  });
});

describeCrmSwitches({
  simulator: () => dynamics,
  plain: () => query('systemusers', { $select: 'fullname', $top: '1' }),
  search: () => query('contacts', { $select: 'fullname', $filter: PHONES('0100') }),
});
