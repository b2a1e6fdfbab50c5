/** The Salesforce simulator, driven over HTTP the way a connector drives Salesforce's REST API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { SalesforceSimulator, toEighteenCharacterId } from './salesforce.ts';

let salesforce: SalesforceSimulator;
let ids: string[];
/** An active user, then one deactivated. */
let users: string[];

beforeAll(async () => {
  salesforce = await SalesforceSimulator.start({ externalIdField: 'Relay_Call_Id__c' });
  ids = salesforce.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100'] },
    { firstName: 'Ravi', lastName: 'Shah', company: 'Globex', phones: ['+1 415-555-0177', '+44 20 7946 0018'] },
    { firstName: 'Ann', lastName: 'Lee', company: 'Initech', phones: ['020 7946 0018'], lead: true },
    { firstName: 'Bob', lastName: 'Shared', company: 'Acme', phones: ['+1 212 555 0142'] },
    { firstName: 'Bea', lastName: 'Shared', phones: ['+1 212 555 0142'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 303 555 0199'], deleted: true },
  ]);
  users = [
    salesforce.seedUser({ email: 'Ada.Lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace' }),
    salesforce.seedUser({ email: 'left@example.com', firstName: 'Left', lastName: 'Company' }),
  ];
  salesforce.deactivateUser(users[1]!);
});
afterAll(() => salesforce.close());

const V = '/services/data/v62.0';
const RETURNING = 'RETURNING Contact(Id, Name, Phone, MobilePhone, Account.Name), Lead(Id, Name, Company, Phone)';

function api(path: string, init: RequestInit = {}) {
  return fetch(`${salesforce.config.instance_url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${salesforce.config.access_token}`, 'Content-Type': 'application/json', ...init.headers },
  });
}

/** A SOSL search; `q` goes through URLSearchParams, so `+` reaches Salesforce as %2B. */
const sosl = (q: string, version = V) => api(`${version}/search/?${new URLSearchParams({ q })}`);
const names = async (response: Response) => ((await response.json()) as { searchRecords: Array<{ Name: string }> }).searchRecords.map((r) => r.Name);

const task = (extra: Record<string, unknown> = {}) => ({
  Subject: 'Inbound call from +1 415 555 0100',
  TaskSubtype: 'Call',
  CallType: 'Inbound',
  CallDurationInSeconds: 282,
  CallObject: 'CA8f3c',
  Status: 'Completed',
  ActivityDate: '2025-03-02',
  WhoId: ids[0],
  ...extra,
});

async function createTask(body: unknown) {
  const response = await api(`${V}/sobjects/Task/`, { method: 'POST', body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as any };
}

describe('ids and authentication', () => {
  it('gives 18-character ids with the documented prefixes and a valid case checksum', () => {
    expect(ids[0]).toMatch(/^003[A-Za-z0-9]{15}$/);
    expect(ids[2]).toMatch(/^00Q[A-Za-z0-9]{15}$/);
    expect(toEighteenCharacterId(ids[0]!.slice(0, 15))).toBe(ids[0]);
    // Salesforce's own example of the case checksum.
    expect(toEighteenCharacterId('001A0000006Vm9r')).toBe('001A0000006Vm9rIAC');
  });

  it.each([
    ['no header', {}],
    ['a wrong token', { Authorization: 'Bearer 00Dwrong' }],
    ['another scheme', { Authorization: `OAuth-ish ${'x'}` }],
  ])('refuses %s with 401 INVALID_SESSION_ID, and still reports the usage', async (_case, headers) => {
    const response = await fetch(`${salesforce.url}${V}/search/?q=x`, { headers });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    expect(response.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/5000$/);
  });

  it('refreshes an expired session with the refresh token; a wrong one is invalid_grant', async () => {
    const local = await SalesforceSimulator.start();
    try {
      local.expireTokens();
      const old = await fetch(`${local.url}${V}/sobjects/Task/00T5g0000000001AAA`, { headers: { Authorization: `Bearer ${local.config.access_token}` } });
      expect(old.status).toBe(401);
      const refresh = (token: string) =>
        fetch(`${local.url}/services/oauth2/token`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'refresh_token', client_id: local.config.client_id!, client_secret: local.config.client_secret!, refresh_token: token }),
        });
      const refused = await refresh('nope');
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ error: 'invalid_grant' });
      const granted = (await (await refresh(local.config.refresh_token!)).json()) as Record<string, string>;
      expect(granted).toMatchObject({ instance_url: local.url, token_type: 'Bearer' });
      const fresh = await fetch(`${local.url}${V}/sobjects/Task/00T5g0000000001AAA`, { headers: { Authorization: `Bearer ${granted.access_token}` } });
      expect(fresh.status).toBe(404);
    } finally {
      await local.close();
    }
  });
});

describe('SOSL search', () => {
  it('finds a contact by its digits: searchRecords with attributes, the version asked for, Account.Name nested', async () => {
    const response = await sosl(`FIND {4155550100} IN PHONE FIELDS ${RETURNING}`, '/services/data/v58.0');
    expect(response.status).toBe(200);
    const body = (await response.json()) as { searchRecords: Array<Record<string, any>> };
    expect(body.searchRecords).toHaveLength(1);
    const [jane] = body.searchRecords;
    expect(jane).toEqual({
      attributes: { type: 'Contact', url: `/services/data/v58.0/sobjects/Contact/${ids[0]}` },
      Id: ids[0],
      Name: 'Jane Doe',
      Phone: '(415) 555-0100',
      MobilePhone: null,
      Account: { attributes: { type: 'Account', url: expect.stringMatching(/^\/services\/data\/v58\.0\/sobjects\/Account\/001[A-Za-z0-9]{15}$/) }, Name: 'Acme' },
    });
  });

  it('answers a bare array before API 36', async () => {
    const body = await (await sosl(`FIND {4155550100} IN PHONE FIELDS ${RETURNING}`, '/services/data/v35.0')).json();
    expect(Array.isArray(body)).toBe(true);
    expect(body[0].Id).toBe(ids[0]);
  });

  it('matches each stored format only by its own digits: E.164 escaped, national, or both with OR', async () => {
    expect(await names(await sosl(`FIND {\\+14155550177} IN PHONE FIELDS ${RETURNING}`))).toEqual(['Ravi Shah']);
    expect(await names(await sosl(`FIND {\\+14155550100} IN PHONE FIELDS ${RETURNING}`))).toEqual([]);
    expect(await names(await sosl(`FIND {4155550100 OR 14155550100} IN PHONE FIELDS ${RETURNING}`))).toEqual(['Jane Doe']);
    expect(await names(await sosl(`FIND {\\+442079460018} IN PHONE FIELDS ${RETURNING}`))).toEqual(['Ravi Shah']);
    expect(await names(await sosl(`FIND {02079460018} IN PHONE FIELDS ${RETURNING}`))).toEqual(['Ann Lee']);
  });

  it('finds leads with Company, and every record sharing a number', async () => {
    const lead = (await (await sosl(`FIND {02079460018} IN PHONE FIELDS ${RETURNING}`)).json()) as { searchRecords: Array<Record<string, unknown>> };
    expect(lead.searchRecords[0]).toMatchObject({ attributes: { type: 'Lead' }, Id: ids[2], Company: 'Initech' });
    const shared = await sosl(`FIND {12125550142} IN PHONE FIELDS ${RETURNING}`);
    expect(await names(shared)).toEqual(['Bob Shared', 'Bea Shared']);
  });

  it('answers no match, and never a deleted contact, with an empty searchRecords', async () => {
    for (const digits of ['19995550000', '13035550199']) expect(await (await sosl(`FIND {${digits}} IN PHONE FIELDS ${RETURNING}`)).json()).toEqual({ searchRecords: [] });
  });

  it('applies LIMIT per object and overall, and NAME FIELDS compares names and Task subjects', async () => {
    expect(await names(await sosl('FIND {12125550142} IN PHONE FIELDS RETURNING Contact(Name LIMIT 1)'))).toEqual(['Bob Shared']);
    expect(await names(await sosl('FIND {Shared} IN NAME FIELDS RETURNING Contact(Name) LIMIT 1'))).toEqual(['Bob Shared']);
    await createTask(task({ Subject: 'Callback about the quokka order' }));
    const tasks = (await (await sosl('FIND {quokka} IN NAME FIELDS RETURNING Task(Subject)')).json()) as { searchRecords: Array<Record<string, unknown>> };
    expect(tasks.searchRecords).toEqual([expect.objectContaining({ attributes: expect.objectContaining({ type: 'Task' }), Subject: 'Callback about the quokka order' })]);
  });

  it.each([
    ['an unescaped +', 'FIND {+14155550100} IN PHONE FIELDS RETURNING Contact(Id)', 'MALFORMED_SEARCH', "reserved character '+'"],
    ['an unescaped -', 'FIND {415-555-0100} IN PHONE FIELDS RETURNING Contact(Id)', 'MALFORMED_SEARCH', "reserved character '-'"],
    ['an unescaped (', 'FIND {(415) 5550100} IN PHONE FIELDS RETURNING Contact(Id)', 'MALFORMED_SEARCH', "reserved character '('"],
    ['no braces', 'FIND 4155550100 IN PHONE FIELDS', 'MALFORMED_SEARCH', 'enclosed in braces'],
    ['a one-character term', 'FIND {4} IN PHONE FIELDS', 'MALFORMED_SEARCH', 'longer than one character'],
    ['an unknown object', 'FIND {4155550100} RETURNING Widget(Id)', 'INVALID_TYPE', "sObject type 'Widget'"],
    ['an unknown field', 'FIND {4155550100} RETURNING Contact(Id, Nickname)', 'INVALID_FIELD', "No such column 'Nickname' on entity 'Contact'"],
    ['trailing words', 'FIND {4155550100} IN PHONE FIELDS please', 'MALFORMED_SEARCH', "unexpected token: 'please'"],
  ])('refuses %s with 400', async (_case, q, errorCode, message) => {
    const response = await sosl(q);
    expect(response.status).toBe(400);
    const [error] = (await response.json()) as Array<{ errorCode: string; message: string }>;
    expect(error!.errorCode).toBe(errorCode);
    expect(error!.message).toContain(message);
  });

  it('accepts every reserved character once escaped', async () => {
    expect((await sosl('FIND {\\(415\\) 555\\-0100} IN PHONE FIELDS RETURNING Contact(Name)')).status).toBe(200);
    expect(await names(await sosl('FIND {\\(415\\) 555\\-0100} IN PHONE FIELDS RETURNING Contact(Name)'))).toEqual(['Jane Doe']);
  });
});

describe('SOQL query', () => {
  const soql = (q: string) => api(`${V}/query/?${new URLSearchParams({ q })}`);

  it('reads a Task back by CallObject: totalSize, done, records with attributes', async () => {
    const { body } = await createTask(task({ CallObject: 'CA-soql-1' }));
    const response = await soql("SELECT Id, Subject, CallDurationInSeconds FROM Task WHERE CallObject = 'CA-soql-1'");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      totalSize: 1,
      done: true,
      records: [{ attributes: { type: 'Task', url: `${V}/sobjects/Task/${body.id}` }, Id: body.id, Subject: 'Inbound call from +1 415 555 0100', CallDurationInSeconds: 282 }],
    });
  });

  it('compares phones as typed, ignores case on strings, and takes LIKE, OR, relationship fields and LIMIT', async () => {
    const names = async (q: string) => ((await (await soql(q)).json()) as { records: Array<{ Name: string }> }).records.map((r) => r.Name);
    expect(await names("SELECT Name FROM Contact WHERE Phone = '(415) 555-0100'")).toEqual(['Jane Doe']);
    expect(await names("SELECT Name FROM Contact WHERE Phone = '4155550100'")).toEqual([]);
    expect(await names("SELECT Name FROM Contact WHERE Phone LIKE '%555%0142'")).toEqual(['Bob Shared', 'Bea Shared']);
    expect(await names("SELECT Name FROM Contact WHERE Phone = '+1 212 555 0142' LIMIT 1")).toEqual(['Bob Shared']);
    expect(await names("SELECT Name FROM Contact WHERE LastName = 'doe' OR MobilePhone = '+44 20 7946 0018'")).toEqual(['Jane Doe', 'Ravi Shah']);
    expect(await names("SELECT Name, Account.Name FROM Contact WHERE Account.Name = 'Globex'")).toEqual(['Ravi Shah']);
    expect(await names("SELECT Name FROM Contact WHERE LastName = 'Away'")).toEqual([]);
  });

  it.each([
    ["SELECT Id FROM Task WHERE CallObject = CA1", 'MALFORMED_QUERY'],
    ["SELECT Id Task", 'MALFORMED_QUERY'],
    ["SELECT Id FROM Task WHERE Subject = 'a' AND Status = 'b' OR Priority = 'c'", 'MALFORMED_QUERY'],
    ["SELECT Id FROM Task ORDER BY CreatedDate", 'MALFORMED_QUERY'],
    ["SELECT Id FROM Task WHERE CallObject = 'unterminated", 'MALFORMED_QUERY'],
    ["SELECT Id FROM Widget", 'INVALID_TYPE'],
    ["SELECT Nickname FROM Contact", 'INVALID_FIELD'],
  ])('refuses %s', async (q, errorCode) => {
    const response = await soql(q);
    expect(response.status).toBe(400);
    expect((await response.json())[0].errorCode).toBe(errorCode);
  });
});

describe('users', () => {
  const soql = (q: string, token = salesforce.config.access_token) => api(`${V}/query/?${new URLSearchParams({ q })}`, { headers: { Authorization: `Bearer ${token}` } });
  const byEmail = (email: string, active = ' AND IsActive = true') => soql(`SELECT Id, Email FROM User WHERE Email = '${email}'${active}`);

  it('finds an active user by Email, case aside: a query answer of User records with 005 ids', async () => {
    expect(users[0]).toMatch(/^005[A-Za-z0-9]{15}$/);
    expect(toEighteenCharacterId(users[0]!.slice(0, 15))).toBe(users[0]);
    const response = await byEmail('ada.lovelace@EXAMPLE.com');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      totalSize: 1,
      done: true,
      records: [{ attributes: { type: 'User', url: `${V}/sobjects/User/${users[0]}` }, Id: users[0], Email: 'Ada.Lovelace@example.com' }],
    });
  });

  it('answers nobody with an empty records list: an unknown address, a near miss, a deactivated user', async () => {
    for (const email of ['nobody@example.com', 'ada@example.com', 'left@example.com']) {
      expect(await (await byEmail(email)).json()).toEqual({ totalSize: 0, done: true, records: [] });
    }
    // Deactivated, not deleted: a query that does not ask for active users still reads it.
    expect(await (await byEmail('left@example.com', '')).json()).toMatchObject({ totalSize: 1, records: [{ Id: users[1] }] });
  });

  it('reads an address with a quote escaped in the SOQL literal', async () => {
    const quoted = salesforce.seedUser({ email: "o'brien@example.com", firstName: 'Pat', lastName: "O'Brien" });
    expect(await (await byEmail("o\\'brien@example.com")).json()).toMatchObject({ totalSize: 1, records: [{ Id: quoted }] });
    expect((await byEmail("o'brien@example.com")).status).toBe(400);
  });

  it('has no OwnerId or IsDeleted on a User, and asks for the session as every query does', async () => {
    expect(await (await api(`${V}/sobjects/User/${users[0]}`)).json()).toEqual({
      attributes: { type: 'User', url: `${V}/sobjects/User/${users[0]}` },
      Id: users[0],
      CreatedDate: expect.any(String),
      LastModifiedDate: expect.any(String),
      FirstName: 'Ada',
      LastName: 'Lovelace',
      Name: 'Ada Lovelace',
      Email: 'Ada.Lovelace@example.com',
      IsActive: true,
    });
    expect((await (await soql('SELECT OwnerId FROM User')).json())[0].errorCode).toBe('INVALID_FIELD');
    const stale = await soql("SELECT Id FROM User WHERE Email = 'ada.lovelace@example.com'", '00Dstale');
    expect(stale.status).toBe(401);
    expect(await stale.json()).toEqual([{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
  });

  it("assigns a Task to a user (OwnerId, 15 or 18 characters, on create or update), else to the token's user", async () => {
    const owned = await createTask(task({ OwnerId: users[0]!.slice(0, 15) }));
    expect(owned.status).toBe(201);
    const owner = (id: string) => salesforce.activities().find((a) => a.id === id)!.fields.OwnerId;
    expect(owner(owned.body.id)).toBe(users[0]);
    const unowned = await createTask(task());
    expect(owner(unowned.body.id)).toMatch(/^005/);
    const reassign = (to: string) => api(`${V}/sobjects/Task/${unowned.body.id}`, { method: 'PATCH', body: JSON.stringify({ OwnerId: to }) });
    expect((await reassign(users[1]!)).status).toBe(400);
    expect((await reassign(users[0]!)).status).toBe(204);
    expect(owner(unowned.body.id)).toBe(users[0]);
  });
});

describe('Tasks', () => {
  it('creates a Task: 201 {id, errors, success}, an 00T id, defaults and the call fields stored', async () => {
    const { status, body } = await createTask(task({ WhatId: (await (await api(`${V}/sobjects/Contact/${ids[0]}`)).json()).AccountId }));
    expect(status).toBe(201);
    expect(body).toEqual({ id: expect.stringMatching(/^00T[A-Za-z0-9]{15}$/), errors: [], success: true });
    const stored = salesforce.activities().find((a) => a.id === body.id)!;
    expect(stored.fields).toMatchObject({ Subject: 'Inbound call from +1 415 555 0100', CallType: 'Inbound', CallDurationInSeconds: 282, WhoId: ids[0], Priority: 'Normal', Status: 'Completed', IsClosed: true });
    expect(stored.fields.WhatId).toMatch(/^001/);
  });

  it('takes field names in any case and stores them under their own', async () => {
    const { status, body } = await createTask({ subject: 'lower case', calltype: 'Outbound', whoid: ids[1] });
    expect(status).toBe(201);
    expect(salesforce.activities().find((a) => a.id === body.id)!.fields).toMatchObject({ Subject: 'lower case', CallType: 'Outbound', WhoId: ids[1] });
  });

  it('accepts a 15-character WhoId and stores it as 18', async () => {
    const { status, body } = await createTask(task({ WhoId: ids[2]!.slice(0, 15) }));
    expect(status).toBe(201);
    expect(salesforce.activities().find((a) => a.id === body.id)!.fields.WhoId).toBe(ids[2]);
  });

  it.each([
    ['an Id', () => task({ Id: '00T5g0000000001AAA' }), 'INVALID_FIELD', undefined],
    ['an unknown field', () => task({ Duration__c: 3 }), 'INVALID_FIELD', undefined],
    ['a CallType outside the picklist', () => task({ CallType: 'inbound' }), 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['CallType']],
    ['a duration in words', () => task({ CallDurationInSeconds: 'long' }), 'JSON_PARSER_ERROR', undefined],
    ['a date in words', () => task({ ActivityDate: 'March 2nd' }), 'JSON_PARSER_ERROR', undefined],
    ['a Subject over 255 characters', () => task({ Subject: 'x'.repeat(256) }), 'STRING_TOO_LONG', ['Subject']],
    ['a WhoId that is no id', () => task({ WhoId: 'jane' }), 'MALFORMED_ID', ['WhoId']],
    ['a WhoId of a Task', () => task({ WhoId: '00T5g0000000001AAA' }), 'FIELD_INTEGRITY_EXCEPTION', ['WhoId']],
    ['a WhoId of a deleted contact', () => task({ WhoId: ids[5] }), 'ENTITY_IS_DELETED', ['WhoId']],
    ['an OwnerId that is no id', () => task({ OwnerId: 'ada' }), 'MALFORMED_ID', ['OwnerId']],
    ['an OwnerId of a contact', () => task({ OwnerId: ids[0] }), 'FIELD_INTEGRITY_EXCEPTION', ['OwnerId']],
    ['an OwnerId of a deactivated user', () => task({ OwnerId: users[1] }), 'INACTIVE_OWNER_OR_USER', []],
  ])('refuses %s with 400 and an error array', async (_case, body, errorCode, fields) => {
    const before = salesforce.activities().length;
    const { status, body: answer } = await createTask(body());
    expect(status).toBe(400);
    expect(answer).toHaveLength(1);
    expect(answer[0].errorCode).toBe(errorCode);
    expect(answer[0].fields).toEqual(fields);
    expect(salesforce.activities().length).toBe(before);
  });

  it('creates a Task without a Subject: no Task field is required through the API', async () => {
    const { status, body } = await createTask({ Status: 'Not Started', Priority: 'Low' });
    expect(status).toBe(201);
    expect(salesforce.activities().find((a) => a.id === body.id)!.fields).toMatchObject({ Status: 'Not Started', Priority: 'Low', IsClosed: false });
    expect(salesforce.activities().find((a) => a.id === body.id)!.fields.Subject).toBeUndefined();
  });

  it('takes a date-time for ActivityDate and keeps its date', async () => {
    const { status, body } = await createTask(task({ ActivityDate: '2019-09-26T16:30:00.000+0000' }));
    expect(status).toBe(201);
    expect(salesforce.activities().find((a) => a.id === body.id)!.fields.ActivityDate).toBe('2019-09-26');
  });

  it('names the field by its label and quotes the whole value when a string is too long', async () => {
    const value = 'c'.repeat(256);
    expect((await createTask(task({ CallObject: value }))).body).toEqual([{ message: `Call Object Identifier: data value too large: ${value} (max length=255)`, errorCode: 'STRING_TOO_LONG', fields: ['CallObject'] }]);
  });

  it('answers the restricted picklist and inactive owner errors in Salesforce\'s words', async () => {
    expect((await createTask(task({ CallType: 'Wilstermann' }))).body).toEqual([{ message: 'Call Type: bad value for restricted picklist field: Wilstermann', errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['CallType'] }]);
    expect((await createTask(task({ OwnerId: users[1] }))).body).toEqual([{ message: `operation performed with inactive user [${users[1]}] as owner of task`, errorCode: 'INACTIVE_OWNER_OR_USER', fields: [] }]);
  });

  it('answers INVALID_FIELD with the column named for an unknown field', async () => {
    expect((await createTask(task({ Equipo: 'Wilstermann' }))).body).toEqual([{ message: "No such column 'Equipo' on sobject of type Task", errorCode: 'INVALID_FIELD' }]);
  });

  it('updates with PATCH: 204 and no body; GET answers the Task; TaskSubtype is create-only', async () => {
    const { body } = await createTask(task());
    const patch = await api(`${V}/sobjects/Task/${body.id}`, { method: 'PATCH', body: JSON.stringify({ Description: 'Notes\nRecording: https://media.example/RE1.mp3', CallDisposition: 'Left voicemail' }) });
    expect(patch.status).toBe(204);
    expect(await patch.text()).toBe('');
    const got = await (await api(`${V}/sobjects/Task/${body.id}`)).json();
    expect(got).toMatchObject({ attributes: { type: 'Task', url: `${V}/sobjects/Task/${body.id}` }, Id: body.id, CallDisposition: 'Left voicemail', Subject: 'Inbound call from +1 415 555 0100' });
    expect(salesforce.activities().find((a) => a.id === body.id)!.updates).toBe(1);
    const subtype = await api(`${V}/sobjects/Task/${body.id}`, { method: 'PATCH', body: JSON.stringify({ TaskSubtype: 'Task' }) });
    expect(subtype.status).toBe(400);
    expect((await subtype.json())[0].errorCode).toBe('INVALID_FIELD_FOR_INSERT_UPDATE');
  });

  it('answers 404 NOT_FOUND for an unknown Task, and ENTITY_IS_DELETED for a deleted contact', async () => {
    const patch = await api(`${V}/sobjects/Task/00T5g0000000001AAA`, { method: 'PATCH', body: '{}' });
    expect(patch.status).toBe(404);
    expect(await patch.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    const deleted = await api(`${V}/sobjects/Contact/${ids[5]}`);
    expect(await deleted.json()).toEqual([{ errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' }]);
  });

  it('upserts on the external id: 201 created, then 200 created:false (204 before API 46), and GET reads it', async () => {
    const path = `${V}/sobjects/Task/Relay_Call_Id__c/relay-42`;
    const first = await api(path, { method: 'PATCH', body: JSON.stringify(task()) });
    expect(first.status).toBe(201);
    const created = await first.json();
    expect(created).toEqual({ id: expect.stringMatching(/^00T/), errors: [], success: true, created: true });
    const again = await api(path, { method: 'PATCH', body: JSON.stringify({ Description: 'notes' }) });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ id: created.id, errors: [], success: true, created: false });
    const old = await api('/services/data/v45.0/sobjects/Task/Relay_Call_Id__c/relay-42', { method: 'PATCH', body: JSON.stringify({ Description: 'more' }) });
    expect(old.status).toBe(204);
    expect(salesforce.activities().filter((a) => a.fields.Relay_Call_Id__c === 'relay-42')).toHaveLength(1);
    expect(await (await api(path)).json()).toMatchObject({ Id: created.id, Description: 'more', Relay_Call_Id__c: 'relay-42' });
    expect((await api(`${V}/sobjects/Task/Relay_Call_Id__c/relay-none`)).status).toBe(404);
    expect((await api(`${V}/sobjects/Task/Relay_Call_Id__c/%E0`)).status).toBe(404);
  });

  it('answers 300 with the records when the external id matches several', async () => {
    const one = await createTask(task({ Relay_Call_Id__c: 'relay-twice' }));
    const two = await createTask(task({ Relay_Call_Id__c: 'relay-twice' }));
    const response = await api(`${V}/sobjects/Task/Relay_Call_Id__c/relay-twice`, { method: 'PATCH', body: JSON.stringify({ Description: 'x' }) });
    expect(response.status).toBe(300);
    expect(await response.json()).toEqual([`${V}/sobjects/Task/${one.body.id}`, `${V}/sobjects/Task/${two.body.id}`]);
  });

  it('refuses an upsert on a field the org does not have', async () => {
    const local = await SalesforceSimulator.start();
    try {
      const response = await fetch(`${local.url}${V}/sobjects/Task/Relay_Call_Id__c/relay-1`, { method: 'PATCH', headers: { Authorization: `Bearer ${local.config.access_token}` }, body: '{}' });
      expect(response.status).toBe(404);
      expect(await response.json()).toEqual([{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }]);
    } finally {
      await local.close();
    }
  });
});

describe('limits and failures', () => {
  it('reports api-usage on every answer, and refuses past the limit with 403 REQUEST_LIMIT_EXCEEDED', async () => {
    const local = await SalesforceSimulator.start({ apiLimit: 2 });
    try {
      const get = () => fetch(`${local.url}${V}/search/?q=${encodeURIComponent('FIND {4155550100}')}`, { headers: { Authorization: `Bearer ${local.config.access_token}` } });
      const usage = [];
      for (let i = 0; i < 3; i++) {
        const response = await get();
        usage.push([response.status, response.headers.get('sforce-limit-info')]);
        if (i === 2) expect(await response.json()).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
      }
      expect(usage).toEqual([
        [200, 'api-usage=1/2'],
        [200, 'api-usage=2/2'],
        [403, 'api-usage=3/2'],
      ]);
    } finally {
      await local.close();
    }
  });

  it('answers an injected 403 or 429 with REQUEST_LIMIT_EXCEEDED and Retry-After, on matching paths only', async () => {
    salesforce.failNext(1, { status: 429, retryAfterSeconds: 3 }, /\/sobjects\/Task/);
    expect((await sosl('FIND {4155550100}')).status).toBe(200);
    const limited = await createTask(task());
    expect(limited.status).toBe(429);
    expect(limited.body).toEqual([{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    expect(salesforce.requests.at(-1)).toMatchObject({ method: 'POST', status: 429 });
    salesforce.failNext(1, { status: 429, retryAfterSeconds: 3 });
    const response = await sosl('FIND {4155550100}');
    expect(response.headers.get('retry-after')).toBe('3');
    expect(response.headers.get('sforce-limit-info')).toMatch(/^api-usage=\d+\/5000$/);
    expect((await createTask(task())).status).toBe(201);
  });

  it('answers injected 5xx in the error-array shape', async () => {
    salesforce.failNext(2, { status: 503 });
    for (let i = 0; i < 2; i++) {
      const response = await sosl('FIND {4155550100}');
      expect(response.status).toBe(503);
      expect((await response.json())[0].errorCode).toBe('SERVER_UNAVAILABLE');
    }
    salesforce.failNext(1, { status: 500 });
    expect((await (await sosl('FIND {4155550100}')).json())[0].errorCode).toBe('UNKNOWN_EXCEPTION');
    expect((await sosl('FIND {4155550100}')).status).toBe(200);
  });

  it('refuses connections while down, and answers again once up', async () => {
    await salesforce.down();
    await expect(sosl('FIND {4155550100}')).rejects.toThrow();
    await salesforce.up();
    expect((await sosl('FIND {4155550100}')).status).toBe(200);
  });

  it('holds searches until released, while Task writes go through', async () => {
    const release = salesforce.holdSearches();
    let settled = false;
    const held = sosl(`FIND {4155550100} IN PHONE FIELDS ${RETURNING}`).then((r) => {
      settled = true;
      return r;
    });
    await expect.poll(() => salesforce.requests.some((r) => r.url.includes('/search/') && r.status === 0), { timeout: 30_000 }).toBe(true);
    expect((await createTask(task())).status).toBe(201);
    expect(settled).toBe(false);
    release();
    expect(await names(await held)).toEqual(['Jane Doe']);
  });

  it('records every request with its headers, body and status', async () => {
    await createTask(task({ Subject: 'recorded' }));
    const last = salesforce.requests.at(-1)!;
    expect(last).toMatchObject({ method: 'POST', url: `${V}/sobjects/Task/`, status: 201 });
    expect(last.headers.authorization).toBe(`Bearer ${salesforce.config.access_token}`);
    expect(JSON.parse(last.body).Subject).toBe('recorded');
  });
});

describeCrmSwitches({
  simulator: () => salesforce,
  plain: () => api(`${V}/sobjects/Contact/${ids[0]}`),
  search: () => sosl(`FIND {4155550100} IN PHONE FIELDS ${RETURNING}`),
});
