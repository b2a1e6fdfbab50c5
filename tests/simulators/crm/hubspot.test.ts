/** The HubSpot simulator itself, driven over HTTP as a CRM connector would drive api.hubapi.com. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { HUBSPOT_DISPOSITIONS, HubSpotSimulator } from './hubspot.ts';

let hubspot: HubSpotSimulator;
let jane: string;
let janeTwin: string;
let bob: string;
let ada: string;
let gone: string;
let byron: string;
let lovelace: string;

beforeAll(async () => {
  hubspot = await HubSpotSimulator.start();
  [jane, janeTwin, bob, ada, gone] = hubspot.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    { firstName: 'John', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100', '+14155550177'] },
    { firstName: 'Bob', lastName: 'Stone', phones: ['020 7946 0018'] },
    { firstName: 'Ada', lastName: 'King', company: 'Analytical', phones: ['+44 20 7946 0018'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+14155550199'], deleted: true },
  ]) as [string, string, string, string, string];
  byron = hubspot.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Byron' });
  lovelace = hubspot.seedUser({ email: 'Ada.Lovelace@Example.com', firstName: 'Ada', lastName: 'Lovelace' });
});
afterAll(() => hubspot.close());

function api(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const token = init.token === undefined ? hubspot.config.token : init.token;
  return fetch(`${hubspot.url}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json', ...(token === null ? {} : { Authorization: `Bearer ${token}` }) },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
}

type SearchAnswer = { total: number; results: Array<{ id: string; properties: Record<string, string | null>; archived: boolean }>; paging?: { next: { after: string } } };

async function search(filterGroups: unknown[], extra: Record<string, unknown> = {}): Promise<SearchAnswer> {
  const response = await api('/crm/v3/objects/contacts/search', { body: { filterGroups, properties: ['firstname', 'lastname', 'company', 'phone', 'mobilephone'], ...extra } });
  expect(response.status).toBe(200);
  return (await response.json()) as SearchAnswer;
}

const eq = (propertyName: string, value: string) => ({ filters: [{ propertyName, operator: 'EQ', value }] });
/** `n` filters of one group, each "has a phone". */
const filters = (n: number) => Array.from({ length: n }, () => ({ propertyName: 'phone', operator: 'HAS_PROPERTY' }));
const ids = (answer: SearchAnswer) => answer.results.map((r) => r.id);
const call = (properties: Record<string, unknown>, associations: unknown[] = []) => api('/crm/v3/objects/calls', { body: { properties, associations } });

describe('auth', () => {
  it.each([
    ['no token', null],
    ['a wrong token', 'pat-na1-wrong'],
  ])('refuses %s with the documented 401 body', async (_case, token) => {
    const response = await api('/crm/v3/objects/contacts/search', { body: { filterGroups: [] }, token });
    expect(response.status).toBe(401);
    const body = (await response.json()) as Record<string, string>;
    expect(body).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
    expect(body.message).toMatch(/^Authentication credentials not found\./);
    expect(body.correlationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('accepts the bearer token and answers the search envelope with hs_object_id and dates', async () => {
    const answer = await search([eq('phone', '+1 415-555-0100')]);
    expect(answer).toMatchObject({ total: 1, results: [{ id: jane, archived: false, properties: { firstname: 'Jane', lastname: 'Doe', company: 'Acme', phone: '+1 415-555-0100', mobilephone: null, hs_object_id: jane } }] });
    expect(answer.results[0]!.properties.createdate).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(answer.paging).toBeUndefined();
  });
});

describe('contact search', () => {
  it('EQ compares the stored string: E.164 does not find a number typed with spaces', async () => {
    expect(ids(await search([eq('phone', '+14155550100')]))).toEqual([]);
    expect(ids(await search([eq('phone', '(415) 555-0100')]))).toEqual([janeTwin]);
    expect(ids(await search([eq('mobilephone', '+14155550177')]))).toEqual([janeTwin]);
  });

  it('finds every stored format through the calculated national digits, several matches included', async () => {
    expect(ids(await search([eq('hs_searchable_calculated_phone_number', '4155550100')]))).toEqual([jane, janeTwin]);
    expect(ids(await search([eq('hs_searchable_calculated_phone_number', '2079460018')]))).toEqual([bob, ada]);
    expect(ids(await search([eq('hs_searchable_calculated_mobile_number', '4155550177')]))).toEqual([janeTwin]);
  });

  it('ORs the groups and ANDs the filters of a group', async () => {
    const either = await search([eq('phone', '+1 415-555-0100'), eq('phone', '020 7946 0018')]);
    expect(ids(either)).toEqual([jane, bob]);
    const both = await search([{ filters: [eq('hs_searchable_calculated_phone_number', '4155550100').filters[0], { propertyName: 'firstname', operator: 'EQ', value: 'John' }] }]);
    expect(ids(both)).toEqual([janeTwin]);
  });

  it('matches CONTAINS_TOKEN words, with * as a wildcard', async () => {
    expect(ids(await search([{ filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'CONTAINS_TOKEN', value: '*5550100' }] }]))).toEqual([jane, janeTwin]);
    expect(ids(await search([{ filters: [{ propertyName: 'phone', operator: 'CONTAINS_TOKEN', value: '7946' }] }]))).toEqual([bob, ada]);
    expect(ids(await search([{ filters: [{ propertyName: 'phone', operator: 'IN', values: ['020 7946 0018', 'nothing'] }] }]))).toEqual([bob]);
  });

  it('answers no match with total 0 and no paging', async () => {
    expect(await search([eq('hs_searchable_calculated_phone_number', '9999999999')])).toEqual({ total: 0, results: [] });
  });

  it('never finds a deleted contact', async () => {
    expect(ids(await search([eq('phone', '+14155550199')]))).toEqual([]);
    expect(gone).toMatch(/^\d+$/);
  });

  it('pages with limit and the string cursor after', async () => {
    const first = await search([{ filters: [{ propertyName: 'firstname', operator: 'HAS_PROPERTY' }] }], { limit: 2 });
    expect(first.total).toBe(4);
    expect(ids(first)).toEqual([jane, janeTwin]);
    expect(first.paging).toEqual({ next: { after: '2' } });
    const second = await search([{ filters: [{ propertyName: 'firstname', operator: 'HAS_PROPERTY' }] }], { limit: 2, after: first.paging!.next.after });
    expect(ids(second)).toEqual([bob, ada]);
    expect(second.paging).toBeUndefined();
  });

  it.each([
    ['six groups', { filterGroups: [1, 2, 3, 4, 5, 6].map((n) => eq('phone', String(n))) }, /maximum number of filter groups is 5/],
    ['seven filters in a group', { filterGroups: [{ filters: filters(7) }] }, /maximum number of filters per group is 6/],
    ['nineteen filters in all', { filterGroups: [{ filters: filters(6) }, { filters: filters(6) }, { filters: filters(6) }, { filters: filters(1) }] }, /maximum number of filters is 18/],
    ['IN without values', { filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'IN', value: '1' }] }] }, /operator IN requires values/],
    ['IN with 101 values', { filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'IN', values: Array.from({ length: 101 }, (_, n) => String(n)) }] }] }, /maximum number of values per filter is 100/],
    ['an unknown operator', { filterGroups: [{ filters: [{ propertyName: 'phone', operator: 'LIKE', value: '1' }] }] }, /Unknown operator "LIKE"/],
    ['a limit over 200', { filterGroups: [], limit: 201 }, /limit/],
    ['paging past 10,000 results', { filterGroups: [], limit: 100, after: '9950' }, /10000/],
    ['a body that is not JSON', '{"filterGroups":', /Invalid input JSON/],
    ['a filter without propertyName', { filterGroups: [{ filters: [{ operator: 'EQ', value: '1' }] }] }, /Invalid input JSON: Cannot build Filter, some of required attributes are not set \[propertyName\]/],
  ])('refuses %s with 400 VALIDATION_ERROR', async (_case, body, message) => {
    const response = await api('/crm/v3/objects/contacts/search', { body });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as Record<string, string>;
    expect(answer).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR' });
    expect(answer.message).toMatch(message);
  });

  it('takes five groups, six filters in a group, eighteen in all, and 100 values in an IN', async () => {
    expect(ids(await search([1, 2, 3, 4].map((n) => eq('phone', String(n))).concat(eq('phone', '020 7946 0018'))))).toEqual([bob]);
    const withPhone = ids(await search([{ filters: filters(1) }]));
    expect(withPhone.length).toBeGreaterThan(1);
    expect(ids(await search([{ filters: filters(6) }, { filters: filters(6) }, { filters: filters(6) }]))).toEqual(withPhone);
    expect(ids(await search([{ filters: [{ propertyName: 'phone', operator: 'IN', values: [...Array.from({ length: 99 }, (_, n) => String(n)), '020 7946 0018'] }] }]))).toEqual([bob]);
  });

  it('matches a free-text query against word starts of names and phones, and sorts as asked', async () => {
    expect(ids(await search([], { query: 'doe' }))).toEqual([jane, janeTwin]);
    expect(ids(await search([], { query: '7946' }))).toEqual([bob, ada]);
    expect(ids(await search([], { query: 'doe', sorts: [{ propertyName: 'firstname', direction: 'DESCENDING' }] }))).toEqual([janeTwin, jane]);
  });

  it('gives the default properties when none are asked for', async () => {
    const response = await api('/crm/v3/objects/contacts/search', { body: { filterGroups: [eq('phone', '+1 415-555-0100')] } });
    const answer = (await response.json()) as SearchAnswer;
    expect(Object.keys(answer.results[0]!.properties).sort()).toEqual(['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname']);
  });

  it('keeps contacts seeded during a search lag out of search until it is released', async () => {
    const release = hubspot.searchLag();
    const [late] = hubspot.seed([{ firstName: 'Late', lastName: 'Comer', phones: ['+1 212 555 0142'] }]);
    expect(ids(await search([eq('hs_searchable_calculated_phone_number', '2125550142')]))).toEqual([]);
    release();
    expect(ids(await search([eq('hs_searchable_calculated_phone_number', '2125550142')]))).toEqual([late]);
  });
});

describe('calls', () => {
  const properties = {
    hs_timestamp: '2025-03-02T14:05:10.000Z',
    hs_call_title: 'Inbound call from +1 415 555 0100',
    hs_call_direction: 'INBOUND',
    hs_call_status: 'COMPLETED',
    hs_call_duration: 282000,
    hs_call_from_number: '+14155550100',
    hs_call_to_number: '+14155550199',
  };
  const toJane = () => [{ to: { id: jane }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }];

  it('creates a call with 201, its properties as strings, linked to the contact by association 194', async () => {
    const response = await call(properties, toJane());
    expect(response.status).toBe(201);
    const body = (await response.json()) as { id: string; properties: Record<string, string>; archived: boolean };
    expect(body.id).toMatch(/^\d+$/);
    expect(body).toMatchObject({ archived: false, properties: { hs_call_duration: '282000', hs_call_direction: 'INBOUND', hs_object_id: body.id, hs_timestamp: '2025-03-02T14:05:10.000Z' } });
    const stored = hubspot.activities().find((a) => a.id === body.id)!;
    expect(stored).toMatchObject({ updates: 0, fields: { hs_call_status: 'COMPLETED', associations: toJane() } });

    const read = await api(`/crm/v3/objects/calls/${body.id}?properties=hs_call_duration,hs_call_status&associations=contacts`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: body.id, properties: { hs_call_duration: '282000', hs_call_status: 'COMPLETED' }, associations: { contacts: { results: [{ id: jane, type: 'call_to_contact' }] } } });
  });

  it('takes hs_timestamp in milliseconds', async () => {
    const response = await call({ ...properties, hs_timestamp: String(Date.UTC(2025, 2, 2, 14, 5, 10)) });
    expect(response.status).toBe(201);
    expect(((await response.json()) as { properties: Record<string, string> }).properties.hs_timestamp).toBe('2025-03-02T14:05:10.000Z');
  });

  it.each([
    ['no hs_timestamp', { ...properties, hs_timestamp: undefined }, 'hs_timestamp', 'REQUIRED_FIELD'],
    ['an hs_timestamp that is no date', { ...properties, hs_timestamp: 'yesterday' }, 'hs_timestamp', 'INVALID_LONG'],
    ['a direction HubSpot does not know', { ...properties, hs_call_direction: 'inbound' }, 'hs_call_direction', 'INVALID_OPTION'],
    ['a status HubSpot does not know', { ...properties, hs_call_status: 'ANSWERED' }, 'hs_call_status', 'INVALID_OPTION'],
    ['a duration in "4:42"', { ...properties, hs_call_duration: '4:42' }, 'hs_call_duration', 'INVALID_INTEGER'],
    ['a disposition that is a label, not a GUID', { ...properties, hs_call_disposition: 'Connected' }, 'hs_call_disposition', 'INVALID_OPTION'],
    ['a plain-HTTP recording', { ...properties, hs_call_recording_url: 'http://media.example/a.mp3' }, 'hs_call_recording_url', 'INVALID_URL'],
    ['a property the portal lacks', { ...properties, relay_call_id: 'CA1' }, 'relay_call_id', 'PROPERTY_DOESNT_EXIST'],
  ])('refuses %s with 400 VALIDATION_ERROR naming the property, and stores nothing', async (_case, props, name, error) => {
    const before = hubspot.activities().length;
    const response = await call(props);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { category: string; message: string };
    expect(body.category).toBe('VALIDATION_ERROR');
    const prefix = 'Property values were not valid: ';
    expect(body.message.startsWith(prefix)).toBe(true);
    expect(JSON.parse(body.message.slice(prefix.length))).toContainEqual(expect.objectContaining({ isValid: false, name, error }));
    expect(hubspot.activities()).toHaveLength(before);
  });

  it('refuses an association to a contact that does not exist, or of a type calls do not have', async () => {
    const missing = await call(properties, [{ to: { id: '999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }]);
    expect(missing.status).toBe(400);
    const wrongType = await call(properties, [{ to: { id: jane }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }] }]);
    expect(wrongType.status).toBe(400);
  });

  it('updates a call with PATCH 200, keeping its other properties and its association', async () => {
    const created = (await (await call(properties, toJane())).json()) as { id: string };
    const disposition = HUBSPOT_DISPOSITIONS.find((d) => d.label === 'Connected')!.id;
    const response = await api(`/crm/v3/objects/calls/${created.id}`, { method: 'PATCH', body: { properties: { hs_call_body: '<p>Wants a quote</p>', hs_call_disposition: disposition } } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ id: created.id, properties: { hs_call_body: '<p>Wants a quote</p>', hs_call_disposition: disposition, hs_call_duration: '282000' } });
    expect(hubspot.activities().find((a) => a.id === created.id)).toMatchObject({ updates: 1, fields: { hs_call_body: '<p>Wants a quote</p>', associations: toJane() } });

    const refused = await api(`/crm/v3/objects/calls/${created.id}`, { method: 'PATCH', body: { properties: { hs_call_status: 'DONE' } } });
    expect(refused.status).toBe(400);
    expect(hubspot.activities().find((a) => a.id === created.id)!.updates).toBe(1);
  });

  it('lists, adds and removes the contacts a call is associated with (v4), changing no property', async () => {
    const created = (await (await call(properties, toJane())).json()) as { id: string };
    const links = `/crm/v4/objects/calls/${created.id}/associations`;
    const listed = async () => {
      const response = await api(`${links}/contacts`);
      expect(response.status).toBe(200);
      return ((await response.json()) as { results: Array<{ toObjectId: number; associationTypes: unknown[] }> }).results;
    };
    expect(await listed()).toEqual([{ toObjectId: Number(jane), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }] }]);

    for (let time = 0; time < 2; time++) {
      const linked = await api(`${links}/default/contacts/${bob}`, { method: 'PUT' });
      expect(linked.status).toBe(200);
      expect(await linked.json()).toMatchObject({ status: 'COMPLETE', results: [{ from: { id: created.id }, to: { id: bob }, associationSpec: { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 } }] });
    }
    expect((await listed()).map((l) => String(l.toObjectId))).toEqual([jane, bob]);

    for (let time = 0; time < 2; time++) expect((await api(`${links}/contacts/${jane}`, { method: 'DELETE' })).status).toBe(204);
    expect((await listed()).map((l) => String(l.toObjectId))).toEqual([bob]);
    expect(hubspot.activities().find((a) => a.id === created.id)).toMatchObject({ updates: 0, fields: { associations: [{ to: { id: bob } }] } });
  });

  it('refuses an association to a contact that does not exist, and answers 404 for an unknown call (v4)', async () => {
    const created = (await (await call(properties)).json()) as { id: string };
    const missing = await api(`/crm/v4/objects/calls/${created.id}/associations/default/contacts/999999`, { method: 'PUT' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', message: 'CONTACT=999999 is not valid' });
    const deleted = await api(`/crm/v4/objects/calls/${created.id}/associations/default/contacts/${gone}`, { method: 'PUT' });
    expect(deleted.status).toBe(400);
    expect(hubspot.activities().find((a) => a.id === created.id)!.fields.associations).toEqual([]);
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const path = method === 'PUT' ? `/crm/v4/objects/calls/1/associations/default/contacts/${jane}` : method === 'GET' ? '/crm/v4/objects/calls/1/associations/contacts' : `/crm/v4/objects/calls/1/associations/contacts/${jane}`;
      expect((await api(path, { method })).status).toBe(404);
    }
  });

  it('answers 404 OBJECT_NOT_FOUND for an unknown call', async () => {
    for (const response of [await api('/crm/v3/objects/calls/1'), await api('/crm/v3/objects/calls/1', { method: 'PATCH', body: { properties: {} } })]) {
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ status: 'error', category: 'OBJECT_NOT_FOUND' });
    }
  });

  it('reads only the default properties of a call when none are asked for', async () => {
    const created = (await (await call(properties)).json()) as { id: string };
    const read = (await (await api(`/crm/v3/objects/calls/${created.id}`)).json()) as { properties: Record<string, string> };
    expect(Object.keys(read.properties).sort()).toEqual(['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id']);
  });

  it('tells the portal id', async () => {
    expect(await (await api('/account-info/v3/details')).json()).toMatchObject({ portalId: Number(hubspot.config.portal_id) });
  });

  it('lists the dispositions as GUID and label', async () => {
    const response = await api('/calling/v1/dispositions');
    expect(response.status).toBe(200);
    const list = (await response.json()) as Array<{ id: string; label: string }>;
    expect(list.map((d) => d.label)).toEqual(['Busy', 'Connected', 'Left live message', 'Left voicemail', 'No answer', 'Wrong number']);
    for (const d of list) expect(d.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });
});

describe('owners', () => {
  type OwnersAnswer = { results: Array<Record<string, unknown>>; paging?: { next: { after: string } } };
  const owners = async (query: string, path = '/crm/v3/owners'): Promise<OwnersAnswer> => {
    const response = await api(`${path}?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as OwnersAnswer;
  };
  const properties = { hs_timestamp: '2025-03-02T14:05:10.000Z', hs_call_direction: 'INBOUND', hs_call_status: 'COMPLETED' };

  it('lists the owner whose email is the one asked for, case aside, with the documented fields, and not one whose email only starts alike', async () => {
    const answer = await owners('email=ada.lovelace%40example.com');
    expect(answer).toEqual({ results: [expect.objectContaining({ id: lovelace, email: 'Ada.Lovelace@Example.com', type: 'PERSON', firstName: 'Ada', lastName: 'Lovelace', archived: false })] });
    const [owner] = answer.results;
    expect(owner!.id).toMatch(/^\d+$/);
    expect(owner!.userId).toEqual(expect.any(Number));
    expect(owner!.userIdIncludingInactive).toBe(owner!.userId);
    expect(owner!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // The SDK's path, with its trailing slash.
    expect((await owners('email=ADA%40EXAMPLE.COM', '/crm/v3/owners/')).results.map((o) => o.id)).toEqual([byron]);
  });

  it('answers no owner with empty results and no paging, and pages every owner by limit and after', async () => {
    expect(await owners('email=nobody%40example.com')).toEqual({ results: [] });
    expect(await owners('archived=true')).toEqual({ results: [] });
    const first = await owners('limit=1');
    expect([first.results.map((o) => o.id), first.paging]).toEqual([[byron], { next: { after: '1' } }]);
    const second = await owners('limit=1&after=1');
    expect([second.results.map((o) => o.id), second.paging]).toEqual([[lovelace], undefined]);
    expect((await owners('limit=1000')).results).toHaveLength(2);
    for (const query of ['limit=0', 'limit=ten', 'after=x']) {
      const refused = await api(`/crm/v3/owners?${query}`);
      expect([refused.status, ((await refused.json()) as { category: string }).category], query).toEqual([400, 'VALIDATION_ERROR']);
    }
  });

  it('refuses the owners to a token without crm.objects.owners.read with 403 MISSING_SCOPES, and serves it the rest', async () => {
    const portal = await HubSpotSimulator.start({ readsOwners: false });
    try {
      const headers = { Authorization: `Bearer ${portal.config.token}` };
      const refused = await fetch(`${portal.url}/crm/v3/owners?email=ada%40example.com`, { headers });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ status: 'error', category: 'MISSING_SCOPES', errors: [{ context: { requiredGranularScopes: ['crm.objects.owners.read'] } }] });
      expect((await fetch(`${portal.url}/calling/v1/dispositions`, { headers })).status).toBe(200);
      const unauthorized = await fetch(`${portal.url}/crm/v3/owners`);
      expect(unauthorized.status).toBe(401);
    } finally {
      await portal.close();
    }
  });

  it("stores a call's owner, and refuses a call owned by a userId or an id no owner has with INVALID_OWNER_ID", async () => {
    const created = await call({ ...properties, hubspot_owner_id: lovelace });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    expect(hubspot.activities().find((a) => a.id === id)!.fields.hubspot_owner_id).toBe(lovelace);

    const [owner] = (await owners('email=ada%40example.com')).results;
    const before = hubspot.activities().length;
    for (const wrong of [String(owner!.userId), '12345']) {
      const refused = await call({ ...properties, hubspot_owner_id: wrong });
      expect(refused.status).toBe(400);
      const body = (await refused.json()) as { category: string; message: string };
      expect(body.category).toBe('VALIDATION_ERROR');
      expect(JSON.parse(body.message.slice('Property values were not valid: '.length))).toEqual([expect.objectContaining({ name: 'hubspot_owner_id', error: 'INVALID_OWNER_ID' })]);
    }
    const patched = await api(`/crm/v3/objects/calls/${id}`, { method: 'PATCH', body: { properties: { hubspot_owner_id: '12345' } } });
    expect(patched.status).toBe(400);
    expect(hubspot.activities()).toHaveLength(before);
    expect(hubspot.activities().find((a) => a.id === id)!.fields.hubspot_owner_id).toBe(lovelace);
  });
});

describe('a unique call property (relay_call_id)', () => {
  let portal: HubSpotSimulator;
  beforeAll(async () => {
    portal = await HubSpotSimulator.start({ uniqueCallProperties: ['relay_call_id'] });
  });
  afterAll(() => portal.close());

  const send = (path: string, method: string, body?: unknown) =>
    fetch(`${portal.url}${path}`, { method, headers: { Authorization: `Bearer ${portal.config.token}`, 'Content-Type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const upsert = (inputs: unknown[]) => send('/crm/v3/objects/calls/batch/upsert', 'POST', { inputs });
  const input = (id: string, properties: Record<string, string>) => ({ idProperty: 'relay_call_id', id, properties });

  it('upserts: creates once, then updates the same call, however often it is sent', async () => {
    const first = await upsert([input('CA1', { hs_timestamp: '2025-03-02T14:05:10Z', hs_call_status: 'IN_PROGRESS' })]);
    expect(first.status).toBe(200);
    const created = (await first.json()) as { status: string; results: Array<{ id: string; new: boolean; properties: Record<string, string> }> };
    expect(created).toMatchObject({ status: 'COMPLETE', results: [{ new: true, properties: { relay_call_id: 'CA1', hs_call_status: 'IN_PROGRESS' } }] });
    const again = (await (await upsert([input('CA1', { hs_call_status: 'COMPLETED' })])).json()) as typeof created;
    expect(again.results).toEqual([expect.objectContaining({ id: created.results[0]!.id, new: false })]);
    expect(portal.activities()).toEqual([expect.objectContaining({ id: created.results[0]!.id, updates: 1, fields: expect.objectContaining({ hs_call_status: 'COMPLETED' }) })]);
  });

  it('reads and patches a call by its unique value, and answers 404 for a value no call has', async () => {
    const read = await send('/crm/v3/objects/calls/CA1?idProperty=relay_call_id&properties=hs_call_status', 'GET');
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ properties: { hs_call_status: 'COMPLETED' } });
    expect((await send('/crm/v3/objects/calls/CA1?idProperty=relay_call_id', 'PATCH', { properties: { hs_call_body: 'later' } })).status).toBe(200);
    expect((await send('/crm/v3/objects/calls/CA404?idProperty=relay_call_id', 'GET')).status).toBe(404);
    expect((await send('/crm/v3/objects/calls/CA1?idProperty=hs_call_title', 'GET')).status).toBe(400);
  });

  it('refuses a second call with the same unique value (409), a creating upsert without hs_timestamp, and a batch naming one id twice', async () => {
    const before = portal.activities().length;
    const duplicate = await send('/crm/v3/objects/calls', 'POST', { properties: { hs_timestamp: '2025-03-02T14:05:10Z', relay_call_id: 'CA1' } });
    expect(duplicate.status).toBe(409);
    expect(await duplicate.json()).toMatchObject({ status: 'error', category: 'CONFLICT' });
    expect((await upsert([input('CA2', { hs_call_status: 'COMPLETED' })])).status).toBe(400);
    expect((await upsert([input('CA3', { hs_timestamp: '2025-03-02T14:05:10Z' }), input('CA3', { hs_timestamp: '2025-03-02T14:05:10Z' })])).status).toBe(400);
    expect(portal.activities()).toHaveLength(before);
  });
});

describe('failures', () => {
  it('answers an injected 429 with Retry-After, the rate-limit headers and the ten-secondly body, then works again', async () => {
    hubspot.failNext(1, { status: 429, retryAfterSeconds: 3 }, /^\/crm\/v3\/objects\/calls$/);
    const limited = await call({ hs_timestamp: '2025-03-02T14:05:10Z' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(limited.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({ status: 'error', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING', message: 'You have reached your ten_secondly_rolling limit.' });
    expect((await call({ hs_timestamp: '2025-03-02T14:05:10Z' })).status).toBe(201);
  });

  it("words a search's 429 as the secondly limit", async () => {
    hubspot.failNext(1, { status: 429 });
    const response = await api('/crm/v3/objects/contacts/search', { body: { filterGroups: [] } });
    expect(response.status).toBe(429);
    expect(await response.json()).toMatchObject({ message: 'You have reached your secondly limit.' });
  });

  it("carries HubSpot's error model on an injected 5xx and an injected 401", async () => {
    hubspot.failNext(1, { status: 502 });
    const failed = await api('/calling/v1/dispositions');
    expect(failed.status).toBe(502);
    expect(await failed.json()).toMatchObject({ status: 'error', category: 'INTERNAL_ERROR', correlationId: expect.any(String) });
    hubspot.failNext(1, { status: 401 });
    const refused = await api('/calling/v1/dispositions');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ status: 'error', category: 'INVALID_AUTHENTICATION' });
  });

  it('records every request with its headers, body and status', async () => {
    const before = hubspot.requests.length;
    await call({ hs_timestamp: '2025-03-02T14:05:10Z', hs_call_duration: '1000' });
    const recorded = hubspot.requests.slice(before);
    expect(recorded).toEqual([expect.objectContaining({ method: 'POST', url: '/crm/v3/objects/calls', status: 201, body: expect.stringContaining('"hs_call_duration":"1000"') })]);
    expect(recorded[0]!.headers.authorization).toBe(`Bearer ${hubspot.config.token}`);
  });
});

describeCrmSwitches({
  simulator: () => hubspot,
  plain: () => api('/calling/v1/dispositions'),
  search: () => api('/crm/v3/objects/contacts/search', { body: { filterGroups: [eq('phone', '+1 415-555-0100')] } }),
});

describe('rate limits', () => {
  it('refuses the fifth search within a second and the 101st request within 10 s with HubSpot\'s 429s, and takes them again once the window moved on', async () => {
    const limited = await HubSpotSimulator.start();
    try {
      let now = 0;
      limited.enforceRateLimits(() => now);
      const send = (path: string, body: unknown) =>
        fetch(`${limited.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${limited.config.token}` }, body: JSON.stringify(body) });
      const searchOnce = () => send('/crm/v3/objects/contacts/search', { filterGroups: [eq('phone', '+14155550100')] });
      for (let i = 0; i < 4; i++) expect((await searchOnce()).status).toBe(200);
      const secondly = await searchOnce();
      expect(secondly.status).toBe(429);
      expect(await secondly.json()).toMatchObject({ status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', policyName: 'SECONDLY' });
      expect(secondly.headers.get('x-hubspot-ratelimit-max')).toBe('4');
      now = 1000;
      expect((await searchOnce()).status).toBe(200);
      // Every request counts in the ten-secondly window: 5 searches taken, 95 calls more, then no more.
      for (let i = 0; i < 95; i++) expect((await send('/crm/v3/objects/calls', { properties: { hs_timestamp: '2026-11-30T10:00:00Z' } })).status).toBe(201);
      const rolling = await send('/crm/v3/objects/calls', { properties: { hs_timestamp: '2026-11-30T10:00:00Z' } });
      expect(rolling.status).toBe(429);
      expect(await rolling.json()).toMatchObject({ message: 'You have reached your ten_secondly_rolling limit.', policyName: 'TEN_SECONDLY_ROLLING' });
      expect(rolling.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
      now = 10_000.5;
      expect((await send('/crm/v3/objects/calls', { properties: { hs_timestamp: '2026-11-30T10:00:00Z' } })).status).toBe(201);
    } finally {
      await limited.close();
    }
  });

  it('enforces nothing until asked', async () => {
    for (let i = 0; i < 6; i++) await search([eq('phone', '+14155550100')]);
  });
});
