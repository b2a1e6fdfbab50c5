/**
 * The Vtiger simulator over real HTTP, driven with plain fetch as a connector drives a real
 * Vtiger: the documented envelopes (HTTP 200, success:false), the challenge login, sessions,
 * VTQL searches on phones as typed, and the call log as an Event or a PBXManager record.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { crmSeed, loadContacts } from '../../../scripts/demo/contacts.ts';
import { describeCrmSwitches } from './crm-switches.ts';
import type { SeedContact } from './crm-simulator.ts';
import { VtigerSimulator } from './vtiger.ts';

const START = Date.UTC(2025, 2, 2, 14, 0, 0);
let now = START;
let vtiger: VtigerSimulator;
let ids: string[];

const PEOPLE: SeedContact[] = [
  { firstName: 'Jane', lastName: 'Doe', company: 'Acme Corp', phones: ['(415) 555-0100', '+1 415-555-0199'] },
  { firstName: 'Oliver', lastName: 'Smith', company: 'Brightwater', phones: ['+44 20 7946 0018'] },
  { firstName: 'Olivia', lastName: 'Smith', company: 'Brightwater', phones: ['020 7946 0018'], lead: true },
  // Shares Jane's office number: a search for it finds both.
  { firstName: 'Sam', lastName: 'Twin', phones: ['(415) 555-0100'] },
  { firstName: 'Gone', lastName: 'Away', phones: ['415.555.0100'], deleted: true },
  { firstName: 'Sean', lastName: "O'Brien", phones: ['14155550142'] },
];

beforeAll(async () => {
  vtiger = await VtigerSimulator.start({ clock: () => now });
  ids = vtiger.seed(PEOPLE);
});
afterAll(() => vtiger.close());
beforeEach(() => {
  now = START;
});

type Envelope = { success: true; result: any } | { success: false; error: { code: string; message: string } };

async function webservice(params: Record<string, string>, method: 'GET' | 'POST' = 'GET', crm = vtiger): Promise<Envelope> {
  const query = new URLSearchParams(params).toString();
  const response =
    method === 'GET'
      ? await fetch(`${crm.url}/webservice.php?${query}`)
      : await fetch(`${crm.url}/webservice.php`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: query });
  // Vtiger answers everything, errors included, with HTTP 200 JSON.
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/^application\/json/);
  return (await response.json()) as Envelope;
}

function failure(envelope: Envelope): { code: string; message: string } {
  if (envelope.success) throw new Error(`expected a failure, got ${JSON.stringify(envelope.result)}`);
  return envelope.error;
}

function result(envelope: Envelope): any {
  if (!envelope.success) throw new Error(`expected success, got ${envelope.error.code}: ${envelope.error.message}`);
  return envelope.result;
}

const md5 = (text: string) => createHash('md5').update(text).digest('hex');

async function challenge(crm = vtiger): Promise<string> {
  return result(await webservice({ operation: 'getchallenge', username: crm.config.username! }, 'GET', crm)).token;
}

async function login(crm = vtiger): Promise<{ sessionName: string; userId: string }> {
  const token = await challenge(crm);
  return result(await webservice({ operation: 'login', username: crm.config.username!, accessKey: md5(token + crm.config.accesskey) }, 'POST', crm));
}

async function query(sessionName: string, vtql: string, crm = vtiger): Promise<Envelope> {
  return webservice({ operation: 'query', sessionName, query: vtql }, 'GET', crm);
}

const PHONE_FIELDS = ['phone', 'mobile', 'homephone', 'otherphone'];
const lastFour = (module: string, digits: string, fields = PHONE_FIELDS) => `SELECT id,firstname,lastname,${fields.join(',')} FROM ${module} WHERE ${fields.map((f) => `${f} LIKE '%${digits}'`).join(' OR ')};`;

describe('auth', () => {
  it('getchallenge gives a 13-hex token that expires 300 s after serverTime', async () => {
    const answer = result(await webservice({ operation: 'getchallenge', username: 'admin' }));
    expect(answer.token).toMatch(/^[0-9a-f]{13}$/);
    expect(answer.serverTime).toBe(START / 1000);
    expect(answer.expireTime).toBe(answer.serverTime + 300);
  });

  it('login with lower-case md5(token + accessKey) gives a session and the user id in this install`s Users prefix', async () => {
    const { sessionName, userId } = await login();
    expect(sessionName).toMatch(/^[0-9a-f]{32}$/);
    expect(userId).toBe('29x1');
    expect(vtiger.config).toEqual({ url: vtiger.url, username: 'admin', accesskey: expect.stringMatching(/^[A-Za-z0-9]{16}$/) });
  });

  it('refuses an upper-case key (strcmp) and a wrong one with INVALID_USER_CREDENTIALS', async () => {
    const token = await challenge();
    for (const accessKey of [md5(token + vtiger.config.accesskey).toUpperCase(), md5(`${token}wrong`)]) {
      expect(failure(await webservice({ operation: 'login', username: 'admin', accessKey }, 'POST'))).toEqual({ code: 'INVALID_USER_CREDENTIALS', message: 'Invalid username or password' });
    }
  });

  it('keeps one live challenge per user: a second getchallenge makes the first token fail', async () => {
    const first = await challenge();
    const second = await challenge();
    expect(second).not.toBe(first);
    expect(failure(await webservice({ operation: 'login', username: 'admin', accessKey: md5(first + vtiger.config.accesskey) }, 'POST')).code).toBe('INVALID_USER_CREDENTIALS');
    expect(result(await webservice({ operation: 'login', username: 'admin', accessKey: md5(second + vtiger.config.accesskey) }, 'POST')).sessionName).toBeTruthy();
  });

  it('refuses a token older than 300 s, and a login without a challenge, with INVALID_AUTH_TOKEN', async () => {
    const token = await challenge();
    now += 301_000;
    const expired = failure(await webservice({ operation: 'login', username: 'admin', accessKey: md5(token + vtiger.config.accesskey) }, 'POST'));
    expect(expired).toEqual({ code: 'INVALID_AUTH_TOKEN', message: 'Specified token is invalid or expired' });
    expect(failure(await webservice({ operation: 'login', username: 'nobody', accessKey: 'x' }, 'POST')).code).toBe('INVALID_AUTH_TOKEN');
  });

  it('refuses a getchallenge without a user name or for an unknown user with ACCESS_DENIED (Vtiger 7 and 8)', async () => {
    expect(failure(await webservice({ operation: 'getchallenge', username: 'nobody' }))).toEqual({ code: 'ACCESS_DENIED', message: 'username does not exists' });
    expect(failure(await webservice({ operation: 'getchallenge' }))).toEqual({ code: 'ACCESS_DENIED', message: 'No username given' });
  });

  it('leaves the token usable after a login, until it expires', async () => {
    const token = await challenge();
    const accessKey = md5(token + vtiger.config.accesskey);
    const first = result(await webservice({ operation: 'login', username: 'admin', accessKey }, 'POST')).sessionName;
    const second = result(await webservice({ operation: 'login', username: 'admin', accessKey }, 'POST')).sessionName;
    expect(second).not.toBe(first);
  });

  it('loses login parameters sent in the URL: login reads only the form body', async () => {
    const token = await challenge();
    const response = await fetch(`${vtiger.url}/webservice.php?operation=login&username=admin&accessKey=${md5(token + vtiger.config.accesskey)}`, { method: 'POST' });
    expect(((await response.json()) as any).error.code).toBe('INVALID_AUTH_TOKEN');
  });

  it('answers ACCESSKEY_UNDEFINED for a user without an access key', async () => {
    const other = await VtigerSimulator.start({ users: [{ userName: 'keyless', accessKey: '' }] });
    try {
      const token = await challenge(other);
      const answer = await webservice({ operation: 'login', username: 'keyless', accessKey: md5(token) }, 'POST', other);
      expect(failure(answer)).toEqual({ code: 'ACCESSKEY_UNDEFINED', message: 'Access key for the user is undefined' });
    } finally {
      await other.close();
    }
  });
});

describe('sessions', () => {
  it('answers AUTHENTICATION_REQUIRED ("Authencation required", sic) without a sessionName, also "null"', async () => {
    for (const params of [{ operation: 'listtypes' }, { operation: 'listtypes', sessionName: 'null' }] as Array<Record<string, string>>) {
      expect(failure(await webservice(params))).toEqual({ code: 'AUTHENTICATION_REQUIRED', message: 'Authencation required' });
    }
  });

  it('answers INVALID_SESSIONID for an unknown session', async () => {
    expect(failure(await webservice({ operation: 'listtypes', sessionName: 'feedfacefeedfacefeedfacefeedface' })).code).toBe('INVALID_SESSIONID');
  });

  it('answers SESSION_LEFT_IDLE after 1800 s unused, and SESSION_EXPIRED after a day even when in use', async () => {
    const idle = (await login()).sessionName;
    const busy = (await login()).sessionName;
    now += 1_801_000;
    expect(failure(await webservice({ operation: 'listtypes', sessionName: idle })).code).toBe('SESSION_LEFT_IDLE');
    // A session that is over is gone: next time it is simply unknown.
    expect(failure(await webservice({ operation: 'listtypes', sessionName: idle })).code).toBe('INVALID_SESSIONID');
    // Used every 25 minutes for a whole day: never idle, but its life is over after 86,400 s.
    for (let seconds = 1_500; seconds < 86_400; seconds += 1_500) {
      now = START + seconds * 1000;
      result(await webservice({ operation: 'listtypes', sessionName: busy }));
    }
    now = START + 86_401_000;
    expect(failure(await webservice({ operation: 'listtypes', sessionName: busy })).code).toBe('SESSION_EXPIRED');
  });

  it('expireSessions() ends every live session with the reason asked, and a new login works', async () => {
    const a = (await login()).sessionName;
    vtiger.expireSessions();
    expect(failure(await webservice({ operation: 'listtypes', sessionName: a })).code).toBe('SESSION_EXPIRED');
    const b = (await login()).sessionName;
    vtiger.expireSessions('SESSION_LEFT_IDLE');
    expect(failure(await webservice({ operation: 'listtypes', sessionName: b })).code).toBe('SESSION_LEFT_IDLE');
    const c = (await login()).sessionName;
    vtiger.expireSessions('INVALID_SESSIONID');
    expect(failure(await webservice({ operation: 'listtypes', sessionName: c })).code).toBe('INVALID_SESSIONID');
    expect(result(await webservice({ operation: 'listtypes', sessionName: (await login()).sessionName })).types).toContain('Contacts');
  });

  it('logout ends the session', async () => {
    const { sessionName } = await login();
    expect(result(await webservice({ operation: 'logout', sessionName }, 'POST'))).toEqual({ message: 'successfull' });
    expect(failure(await webservice({ operation: 'listtypes', sessionName })).code).toBe('INVALID_SESSIONID');
  });
});

describe('operations', () => {
  let session: string;
  beforeAll(async () => {
    session = (await login()).sessionName;
  });

  it('lower-cases the operation, and answers UNKNOWN_OPERATION for one it does not have', async () => {
    expect(result(await webservice({ operation: 'ListTypes', sessionName: session })).types).toEqual(expect.arrayContaining(['Contacts', 'Leads', 'Accounts', 'Events', 'PBXManager']));
    for (const operation of ['findcontact', 'constructor', '']) {
      expect(failure(await webservice({ operation, sessionName: session }))).toEqual({ code: 'UNKNOWN_OPERATION', message: 'Unknown operation requested' });
    }
  });

  it('describe gives this install`s idPrefix (not the typical 4 and 18) and the mandatory fields', async () => {
    const contacts = result(await webservice({ operation: 'describe', sessionName: session, elementType: 'Contacts' }));
    expect(contacts.idPrefix).toBe('12');
    expect(ids[0]).toMatch(/^12x\d+$/);
    expect(contacts.fields.find((f: any) => f.name === 'mobile')).toMatchObject({ mandatory: false, type: { name: 'phone' } });
    expect(contacts.fields.find((f: any) => f.name === 'account_id')).toMatchObject({ type: { name: 'reference', refersTo: ['Accounts'] } });
    const events = result(await webservice({ operation: 'describe', sessionName: session, elementType: 'Events' }));
    expect(events.idPrefix).toBe('34');
    expect(events.fields.filter((f: any) => f.mandatory).map((f: any) => f.name).sort()).toEqual(['activitytype', 'assigned_user_id', 'date_start', 'due_date', 'duration_hours', 'eventstatus', 'subject', 'time_end', 'time_start']);
    expect(events.fields.find((f: any) => f.name === 'eventstatus').type.picklistValues.map((v: any) => v.value)).toEqual(['Planned', 'Held', 'Not Held']);
    expect(failure(await webservice({ operation: 'describe', sessionName: session, elementType: 'Potatoes' })).code).toBe('ACCESS_DENIED');
  });

  it('an install may not offer PBXManager: absent from listtypes, ACCESS_DENIED on use', async () => {
    const other = await VtigerSimulator.start({ withoutPbxManager: true });
    try {
      const { sessionName } = await login(other);
      expect(result(await webservice({ operation: 'listtypes', sessionName }, 'GET', other)).types).not.toContain('PBXManager');
      expect(failure(await query(sessionName, "SELECT id FROM PBXManager WHERE sourceuuid = 'CA1';", other)).code).toBe('ACCESS_DENIED');
      const create = await webservice({ operation: 'create', sessionName, elementType: 'PBXManager', element: '{"sourceuuid":"CA1"}' }, 'POST', other);
      expect(failure(create)).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied' });
    } finally {
      await other.close();
    }
  });

  it('a prefix table can be set per install', async () => {
    const other = await VtigerSimulator.start({ idPrefixes: { Contacts: 4 }, seed: [{ firstName: 'A', lastName: 'B', phones: [] }] });
    try {
      expect(other.contacts()[0]!.id).toMatch(/^4x\d+$/);
    } finally {
      await other.close();
    }
  });

  it('retrieve gives the record; the account name comes from account_id', async () => {
    const jane = result(await webservice({ operation: 'retrieve', sessionName: session, id: ids[0]! }));
    expect(jane).toMatchObject({ id: ids[0], firstname: 'Jane', lastname: 'Doe', phone: '(415) 555-0100', mobile: '+1 415-555-0199', assigned_user_id: '29x1', createdtime: '2025-03-02 14:00:00' });
    expect(jane.account_id).toMatch(/^11x\d+$/);
    const account = result(await webservice({ operation: 'retrieve', sessionName: session, id: jane.account_id }));
    expect(account).toMatchObject({ accountname: 'Acme Corp', id: jane.account_id });
    expect(result(await webservice({ operation: 'retrieve', sessionName: session, id: '29x1' }))).toMatchObject({ user_name: 'admin', id: '29x1' });
  });

  it('retrieve refuses a deleted or unknown record with ACCESS_DENIED (no module found for it), a type that is not the record`s with INVALID_ID_ATTRIBUTE', async () => {
    const crmid = ids[4]!.split('x')[1];
    const denied = { code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied' };
    expect(failure(await webservice({ operation: 'retrieve', sessionName: session, id: ids[4]! }))).toEqual(denied);
    expect(failure(await webservice({ operation: 'retrieve', sessionName: session, id: '12x99999' }))).toEqual(denied);
    expect(failure(await webservice({ operation: 'retrieve', sessionName: session, id: '29x999' }))).toEqual(denied);
    expect(failure(await webservice({ operation: 'retrieve', sessionName: session, id: `7x${ids[0]!.split('x')[1]}` }))).toEqual({ code: 'INVALID_ID_ATTRIBUTE', message: 'Id specified is incorrect' });
    const forId = { code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied for id' };
    expect(failure(await webservice({ operation: 'retrieve', sessionName: session, id: `4x${crmid}` }))).toEqual(forId);
    expect(failure(await webservice({ operation: 'retrieve', sessionName: session, id: 'Jane' }))).toEqual(forId);
  });

  it('answers bad input with a Vtiger error, never a crash', async () => {
    const bad: Array<[Record<string, string>, 'GET' | 'POST']> = [
      [{ operation: 'query', sessionName: session, query: "SELECT id FROM Contacts WHERE phone LIKE '%0100;" }, 'GET'],
      [{ operation: 'query', sessionName: session, query: 'SELECT id FROM Contacts LIMIT abc;' }, 'GET'],
      [{ operation: 'query', sessionName: session, query: 'SELECT id FROM Contacts; DROP TABLE vtiger_crmentity;' }, 'GET'],
      [{ operation: 'retrieve', sessionName: session, id: '' }, 'GET'],
      [{ operation: 'describe', sessionName: session, elementType: '__proto__' }, 'GET'],
      [{ operation: 'create', sessionName: session, elementType: 'Events', element: '[]' }, 'POST'],
      [{ operation: 'create', sessionName: session, elementType: 'Events', element: 'null' }, 'POST'],
      [{ operation: 'create', sessionName: session, elementType: 'Events', element: '{"__proto__":{"subject":"x"},"constructor":1}' }, 'POST'],
      [{ operation: 'revise', sessionName: session, element: '{"id":["12x1"]}' }, 'POST'],
      [{ operation: 'login' }, 'POST'],
    ];
    for (const [params, method] of bad) {
      const answer = await webservice(params, method);
      expect(answer.success, JSON.stringify(params)).toBe(false);
      expect(failure(answer).code, JSON.stringify(params)).toMatch(/^[A-Z_]+$/);
    }
    // A pattern longer than any phone: valid, and answered at once.
    expect(result(await query(session, `SELECT id FROM Contacts WHERE phone LIKE '${'%_'.repeat(500)}';`))).toEqual([]);
  });

  it('answers 404 outside {site}/webservice.php', async () => {
    const response = await fetch(`${vtiger.url.replace('/vtigercrm', '')}/webservice.php?operation=getchallenge&username=admin`);
    expect(response.status).toBe(404);
  });
});

describe('finding a caller with VTQL', () => {
  let session: string;
  beforeAll(async () => {
    session = (await login()).sessionName;
  });

  it('finds a number in each stored format with LIKE on its last digits, across the phone fields', async () => {
    const us = result(await query(session, lastFour('Contacts', '0100')));
    expect(us.map((r: any) => `${r.firstname} ${r.lastname}`).sort()).toEqual(['Jane Doe', 'Sam Twin']);
    const mobile = result(await query(session, lastFour('Contacts', '0199')));
    expect(mobile).toEqual([{ id: ids[0], firstname: 'Jane', lastname: 'Doe', phone: '(415) 555-0100', mobile: '+1 415-555-0199', homephone: '', otherphone: '' }]);
    const digitsOnly = result(await query(session, lastFour('Contacts', '0142')));
    expect(digitsOnly.map((r: any) => r.lastname)).toEqual(["O'Brien"]);
    const international = result(await query(session, lastFour('Contacts', '0018')));
    expect(international.map((r: any) => r.phone)).toEqual(['+44 20 7946 0018']);
    const national = result(await query(session, lastFour('Leads', '0018', ['phone', 'mobile', 'fax'])));
    expect(national).toEqual([expect.objectContaining({ firstname: 'Olivia', phone: '020 7946 0018', id: ids[2] })]);
    expect(ids[2]).toMatch(/^7x/);
  });

  it('does not normalise: an E.164 LIKE misses numbers typed with spaces or brackets', async () => {
    expect(result(await query(session, "SELECT id FROM Contacts WHERE phone LIKE '%4155550100';"))).toEqual([]);
    expect(result(await query(session, "SELECT id FROM Contacts WHERE phone = '(415) 555-0100';"))).toHaveLength(2);
  });

  it('finds a record as it is now: a search after a revise sees the new number, not the old one', async () => {
    const own = await VtigerSimulator.start({ clock: () => now });
    try {
      const [id] = own.seed([{ firstName: 'Rita', lastName: 'Moved', phones: ['+1 212 555 0161'] }]);
      const ownSession = (await login(own)).sessionName;
      expect(result(await query(ownSession, lastFour('Contacts', '0161'), own)).map((r: any) => r.id)).toEqual([id]);
      result(await webservice({ operation: 'revise', sessionName: ownSession, element: JSON.stringify({ id, phone: '+1 212 555 0162' }) }, 'POST', own));
      expect(result(await query(ownSession, lastFour('Contacts', '0161'), own))).toEqual([]);
      expect(result(await query(ownSession, lastFour('Contacts', '0162'), own))).toEqual([expect.objectContaining({ id, phone: '+1 212 555 0162' })]);
    } finally {
      await own.close();
    }
  });

  it('answers [] when nothing matches, and never finds a deleted contact', async () => {
    expect(result(await query(session, lastFour('Contacts', '9999')))).toEqual([]);
    const all = result(await query(session, "SELECT id FROM Contacts WHERE lastname = 'Away';"));
    expect(all).toEqual([]);
  });

  it('always adds id, takes * and count(*), IN, !=, quotes doubled, AND before OR', async () => {
    expect(result(await query(session, "SELECT lastname FROM Contacts WHERE firstname = 'Jane';"))).toEqual([{ lastname: 'Doe', id: ids[0] }]);
    expect(Object.keys(result(await query(session, "SELECT * FROM Contacts WHERE lastname = 'Doe';"))[0])).toEqual(expect.arrayContaining(['id', 'firstname', 'phone', 'account_id', 'createdtime']));
    expect(result(await query(session, 'SELECT count(*) FROM Contacts;'))).toEqual([{ count: '4' }]);
    expect(result(await query(session, "SELECT lastname FROM Contacts WHERE lastname = 'O''Brien';"))).toHaveLength(1);
    expect(result(await query(session, "SELECT firstname FROM Contacts WHERE firstname IN ('Jane','Sam') ORDER BY firstname DESC;")).map((r: any) => r.firstname)).toEqual(['Sam', 'Jane']);
    expect(result(await query(session, "SELECT firstname FROM Contacts WHERE lastname != 'Doe' ORDER BY firstname;")).map((r: any) => r.firstname)).toEqual(['Oliver', 'Sam', 'Sean']);
    // SQL precedence: (firstname = Jane AND lastname = Twin) OR lastname = Smith.
    expect(result(await query(session, "SELECT firstname FROM Contacts WHERE firstname = 'Jane' AND lastname = 'Twin' OR lastname = 'Smith';")).map((r: any) => r.firstname)).toEqual(['Oliver']);
    expect(result(await query(session, "select firstname from Contacts where lastname like 'd%';"))).toHaveLength(1);
  });

  it('pages with LIMIT [offset,] count and never returns more than 100 rows', async () => {
    const many = await VtigerSimulator.start({ seed: Array.from({ length: 120 }, (_, i) => ({ firstName: `P${i}`, lastName: 'Bulk', phones: [`+1 415 555 ${String(1000 + i)}`] })) });
    try {
      const { sessionName } = await login(many);
      const run = async (vtql: string) => result(await query(sessionName, vtql, many));
      expect(await run('SELECT id FROM Contacts;')).toHaveLength(100);
      expect(await run('SELECT id FROM Contacts LIMIT 500;')).toHaveLength(100);
      expect(await run('SELECT id FROM Contacts LIMIT 100,100;')).toHaveLength(20);
      expect((await run('SELECT firstname FROM Contacts LIMIT 5,2;')).map((r: any) => r.firstname)).toEqual(['P5', 'P6']);
    } finally {
      await many.close();
    }
  });

  it('answers QUERY_SYNTAX_ERROR without the trailing ;, with grouping parentheses, or with junk, naming the parser`s tokens', async () => {
    for (const vtql of ["SELECT id FROM Contacts WHERE phone LIKE '%0100'", "SELECT id FROM Contacts WHERE (phone LIKE '%0100');", 'SELECT FROM Contacts;', "SELECT id FROM Contacts WHERE phone LIKE '%0100' AND;"]) {
      const error = failure(await query(session, vtql));
      expect(error.code, vtql).toBe('QUERY_SYNTAX_ERROR');
      expect(error.message, vtql).toMatch(/^Syntax Error on line 1: token '.*' Unexpected [A-Z_$]+\(.*\), expected one of: /);
    }
    expect(failure(await query(session, 'SELECT FROM Contacts;')).message).toMatch(/^Syntax Error on line 1: token 'FROM' Unexpected FRM\(FROM\), expected one of: /);
    expect(failure(await query(session, "SELECT id FROM Contacts WHERE phone LIKE '%0100' OR OR;")).message).toMatch(/^Syntax Error on line 1: token 'OR' Unexpected LOGICAL_OR\(OR\)/);
  });

  it('answers what the lexer cannot read (an unterminated quote, an empty value) with the catch-all INTERNAL_SERVER_ERROR', async () => {
    for (const vtql of ["SELECT id FROM Contacts WHERE phone LIKE '%0100;", "SELECT id FROM Contacts WHERE phone = '';"]) {
      expect(failure(await query(session, vtql)), vtql).toEqual({ code: 'INTERNAL_SERVER_ERROR', message: 'Unknown Error while processing request' });
    }
  });

  it('answers ACCESS_DENIED for an unknown field or module, each place worded its own way; an unknown ORDER BY column is a database error', async () => {
    expect(failure(await query(session, "SELECT id FROM Contacts WHERE phone_number LIKE '%0100';"))).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to access phone_number attribute denied.' });
    expect(failure(await query(session, 'SELECT id,phone_number FROM Contacts;'))).toEqual({ code: 'ACCESS_DENIED', message: "Permission to access '.phone_number.' attribute denied." });
    expect(failure(await query(session, 'SELECT id FROM Contacts ORDER BY modified;'))).toEqual({ code: 'DATABASE_QUERY_ERROR', message: 'Database error while performing requested operation' });
    expect(failure(await query(session, 'SELECT id FROM Contacts LIMIT abc;')).code).toBe('DATABASE_QUERY_ERROR');
    expect(failure(await query(session, 'SELECT id FROM People;'))).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied for name : People' });
    expect(failure(await query(session, ''))).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied for query' });
  });

  it('loses a POSTed query`s parameters: no FROM to read the module from, ACCESS_DENIED', async () => {
    expect(failure(await webservice({ operation: 'query', sessionName: session, query: 'SELECT id FROM Contacts;' }, 'POST'))).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied for query' });
  });
});

describe('logging a call', () => {
  let session: string;
  let userId: string;
  beforeAll(async () => {
    ({ sessionName: session, userId } = await login());
  });

  const event = () => ({
    subject: 'Inbound call from +1 415 555 0100',
    activitytype: 'Call',
    eventstatus: 'Held',
    date_start: '2025-03-02',
    time_start: '14:05:10',
    due_date: '2025-03-02',
    time_end: '14:09:52',
    duration_hours: '0',
    duration_minutes: '4',
    assigned_user_id: userId,
    contact_id: ids[0],
    description: 'Relay call id: CA8f',
  });
  const create = (elementType: string, element: unknown) => webservice({ operation: 'create', sessionName: session, elementType, element: JSON.stringify(element) }, 'POST');

  it('creates an Event, reads it back with its id, and keeps it as an activity', async () => {
    const before = vtiger.activities().length;
    const created = result(await create('Events', event()));
    expect(created).toMatchObject({ ...event(), id: expect.stringMatching(/^34x\d+$/), createdtime: '2025-03-02 14:00:00', location: '' });
    const activities = vtiger.activities();
    expect(activities).toHaveLength(before + 1);
    expect(activities.at(-1)).toMatchObject({ id: created.id, updates: 0, fields: { subject: event().subject, duration_hours: '0' } });
    expect(result(await webservice({ operation: 'retrieve', sessionName: session, id: created.id }))).toEqual(created);
    expect(vtiger.recordUrl(created.id)).toBe(`${vtiger.url}/index.php?module=Calendar&view=Detail&record=${created.id.split('x')[1]}`);
  });

  it.each(['subject', 'time_end', 'duration_hours', 'eventstatus'])('refuses an Event without %s: MANDATORY_FIELDS_MISSING', async (field) => {
    const before = vtiger.activities().length;
    const element: Record<string, unknown> = { ...event() };
    delete element[field];
    expect(failure(await create('Events', element))).toEqual({ code: 'MANDATORY_FIELDS_MISSING', message: `${field} does not have a value` });
    expect(failure(await create('Events', { ...event(), [field]: '' })).code).toBe('MANDATORY_FIELDS_MISSING');
    expect(vtiger.activities()).toHaveLength(before);
  });

  it('loses an element sent in the URL: MANDATORY_FIELDS_MISSING', async () => {
    const response = await fetch(`${vtiger.url}/webservice.php?${new URLSearchParams({ element: JSON.stringify(event()) })}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ operation: 'create', sessionName: session, elementType: 'Events' }),
    });
    expect(await response.json()).toEqual({ success: false, error: { code: 'MANDATORY_FIELDS_MISSING', message: 'subject does not have a value' } });
  });

  it('loses a JSON body, the operation with it: PHP fills $_POST only from a form', async () => {
    const response = await fetch(`${vtiger.url}/webservice.php`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ operation: 'create', sessionName: session, elementType: 'Events', element: event() }) });
    expect(((await response.json()) as any).error.code).toBe('UNKNOWN_OPERATION');
  });

  it('refuses references of the wrong module or type; an element that is not JSON is no fields at all', async () => {
    expect(failure(await create('Events', { ...event(), contact_id: ids[2] }))).toEqual({ code: 'REFERENCE_INVALID', message: 'Invalid reference specified for contact_id' });
    expect(failure(await create('Events', { ...event(), contact_id: '4x123' }))).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied for id' });
    // json_decode answers null: the create misses its first mandatory field, a revise its id.
    const broken = await webservice({ operation: 'create', sessionName: session, elementType: 'Events', element: '{"subject":' }, 'POST');
    expect(failure(broken)).toEqual({ code: 'MANDATORY_FIELDS_MISSING', message: 'subject does not have a value' });
    const brokenRevise = await webservice({ operation: 'revise', sessionName: session, element: '{"id":' }, 'POST');
    expect(failure(brokenRevise)).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied for id' });
    expect(failure(await create('Users', { user_name: 'x' })).code).toBe('ACCESS_DENIED');
  });

  it('stores unknown fields nowhere and picklist values as sent', async () => {
    const created = result(await create('Events', { ...event(), activitytype: 'Mobile Call', eventstatus: 'Rescheduled', mood: 'happy' }));
    expect(created).toMatchObject({ activitytype: 'Mobile Call', eventstatus: 'Rescheduled' });
    expect(created).not.toHaveProperty('mood');
  });

  it('revise changes only the fields sent and counts the update; blanking a mandatory field is refused', async () => {
    const created = result(await create('Events', event()));
    now += 60_000;
    const revised = result(await webservice({ operation: 'revise', sessionName: session, element: JSON.stringify({ id: created.id, description: 'Notes: wants a callback' }) }, 'POST'));
    expect(revised).toEqual({ ...created, description: 'Notes: wants a callback', modifiedtime: '2025-03-02 14:01:00' });
    expect(vtiger.activities().find((a) => a.id === created.id)).toMatchObject({ updates: 1, fields: { description: 'Notes: wants a callback' } });
    const blank = await webservice({ operation: 'revise', sessionName: session, element: JSON.stringify({ id: created.id, eventstatus: '' }) }, 'POST');
    expect(failure(blank)).toEqual({ code: 'MANDATORY_FIELDS_MISSING', message: 'eventstatus does not have a value' });
    const missing = await webservice({ operation: 'revise', sessionName: session, element: JSON.stringify({ id: '34x99999', description: 'x' }) }, 'POST');
    expect(failure(missing)).toEqual({ code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied' });
    const cleared = result(await webservice({ operation: 'revise', sessionName: session, element: JSON.stringify({ id: created.id, contact_id: '' }) }, 'POST'));
    expect(cleared.contact_id).toBe('');
  });

  it('update needs every mandatory field, keeps the fields not sent and an emptied reference (Vtiger 7 and 8)', async () => {
    const created = result(await create('Events', event()));
    const partial = await webservice({ operation: 'update', sessionName: session, element: JSON.stringify({ id: created.id, description: 'x' }) }, 'POST');
    expect(failure(partial)).toEqual({ code: 'MANDATORY_FIELDS_MISSING', message: 'subject does not have a value' });
    const { contact_id: _dropped, description: _kept, ...withoutContact } = event();
    const updated = result(await webservice({ operation: 'update', sessionName: session, element: JSON.stringify({ ...withoutContact, id: created.id, eventstatus: 'Not Held' }) }, 'POST'));
    expect(updated).toMatchObject({ id: created.id, eventstatus: 'Not Held', contact_id: ids[0], description: event().description });
    const emptied = result(await webservice({ operation: 'update', sessionName: session, element: JSON.stringify({ ...withoutContact, id: created.id, contact_id: '' }) }, 'POST'));
    expect(emptied.contact_id).toBe(ids[0]);
    expect(vtiger.activities().find((a) => a.id === created.id)!.updates).toBe(2);
  });

  it('logs to PBXManager and finds the record again by sourceuuid', async () => {
    const element = { direction: 'inbound', callstatus: 'completed', starttime: '2025-03-02 14:05:10', endtime: '2025-03-02 14:09:52', totalduration: 282, billduration: 270, recordingurl: 'https://rec.example/RE1.mp3', sourceuuid: 'CA8f00', gateway: 'Twilio', customer: ids[0], customernumber: '+14155550100', customertype: 'Contacts', assigned_user_id: userId };
    const created = result(await create('PBXManager', element));
    expect(created).toMatchObject({ ...element, totalduration: '282', billduration: '270', id: expect.stringMatching(/^41x\d+$/) });
    expect(result(await query(session, "SELECT id FROM PBXManager WHERE sourceuuid = 'CA8f00';"))).toEqual([{ id: created.id }]);
    expect(vtiger.activities().map((a) => a.id)).toContain(created.id);
  });
});

describe('the users agents are', () => {
  let session: string;
  let byron: string;
  let lovelace: string;
  beforeAll(async () => {
    session = (await login()).sessionName;
    byron = vtiger.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Byron' });
    lovelace = vtiger.seedUser({ email: 'ADA.LOVELACE@EXAMPLE.COM', firstName: 'Ada', lastName: 'Lovelace' });
  });

  const byEmail = (email: string) => `SELECT id,email1 FROM Users WHERE email1 = '${email}';`;
  const callFor = (owner: string) => ({ subject: 'Inbound call from +14155550100', activitytype: 'Call', eventstatus: 'Held', date_start: '2025-03-02', time_start: '14:05:10', due_date: '2025-03-02', time_end: '14:09:52', duration_hours: '0', assigned_user_id: owner });
  const create = (element: unknown, sessionName = session, crm = vtiger) => webservice({ operation: 'create', sessionName, elementType: 'Events', element: JSON.stringify(element) }, 'POST', crm);

  it('seeds users with ids in this install`s Users prefix, user names from their emails, each name once', () => {
    expect([byron, lovelace]).toEqual([expect.stringMatching(/^29x\d+$/), expect.stringMatching(/^29x\d+$/)]);
    expect(new Set(['29x1', byron, lovelace]).size).toBe(3);
    expect(vtiger.userId('ada.lovelace@example.com')).toBe(lovelace);
    expect(vtiger.userId('nobody@example.com')).toBeUndefined();
    expect(() => vtiger.seedUser({ email: 'Ada@elsewhere.example', firstName: 'Ada', lastName: 'Again' })).toThrow(/ada exists already/);
  });

  it('finds a user by email1 with =, case aside, as the webservice reads it; nobody is an empty result', async () => {
    expect(result(await query(session, byEmail('ada.lovelace@example.com')))).toEqual([{ id: lovelace, email1: 'ADA.LOVELACE@EXAMPLE.COM' }]);
    // A search by part finds the near miss too: the exact email decides.
    expect(result(await query(session, "SELECT id,email1 FROM Users WHERE email1 LIKE '%ada%';")).map((u: any) => u.id)).toEqual([byron, lovelace]);
    expect(await query(session, byEmail('nobody@example.com'))).toEqual({ success: true, result: [] });
    expect(result(await webservice({ operation: 'retrieve', sessionName: session, id: lovelace }))).toEqual({ user_name: 'ada.lovelace', first_name: 'Ada', last_name: 'Lovelace', email1: 'ADA.LOVELACE@EXAMPLE.COM', status: 'Active', id: lovelace });
  });

  it('answers a Users query without a session, or with one that is over, as any other operation', async () => {
    expect(failure(await webservice({ operation: 'query', query: byEmail('ada@example.com') }))).toEqual({ code: 'AUTHENTICATION_REQUIRED', message: 'Authencation required' });
    expect(failure(await query('feedfacefeedfacefeedfacefeedface', byEmail('ada@example.com'))).code).toBe('INVALID_SESSIONID');
  });

  it('assigns an Event to a seeded user and keeps that owner; an administrator may assign to any id', async () => {
    const created = result(await create(callFor(lovelace)));
    expect(vtiger.activities().find((a) => a.id === created.id)?.fields.assigned_user_id).toBe(lovelace);
    expect(result(await create(callFor('29x999'))).assigned_user_id).toBe('29x999');
    const { assigned_user_id: _none, ...ownerless } = callFor(lovelace);
    expect(failure(await create(ownerless))).toEqual({ code: 'MANDATORY_FIELDS_MISSING', message: 'assigned_user_id does not have a value' });
  });

  it('offers Users to administrators only: another user is refused its query, retrieve and describe, yet assigns to any user', async () => {
    const other = await VtigerSimulator.start({ users: [{ userName: 'clerk', accessKey: 'Clerk0123456789a', admin: false }] });
    try {
      const colleague = other.seedUser({ email: 'ada.lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace' });
      const { sessionName, userId } = await login(other);
      const denied = { code: 'ACCESS_DENIED', message: 'Permission to perform the operation is denied' };
      expect(result(await webservice({ operation: 'listtypes', sessionName }, 'GET', other)).types).not.toContain('Users');
      expect(failure(await query(sessionName, byEmail('ada.lovelace@example.com'), other))).toEqual(denied);
      expect(failure(await webservice({ operation: 'retrieve', sessionName, id: userId }, 'GET', other))).toEqual(denied);
      expect(failure(await webservice({ operation: 'describe', sessionName, elementType: 'Users' }, 'GET', other))).toEqual(denied);
      const created = result(await create(callFor(colleague), sessionName, other));
      expect(created.assigned_user_id).toBe(colleague);
      expect(failure(await create(callFor('29x999'), sessionName, other))).toEqual({ code: 'ACCESS_DENIED', message: 'Cannot assign record to the given user' });
    } finally {
      await other.close();
    }
  });
});

describe('failures a test injects', () => {
  let session: string;
  beforeAll(async () => {
    session = (await login()).sessionName;
  });

  it('answers the next N requests with 429 and Retry-After (a proxy page), then normally', async () => {
    vtiger.failNext(2, { status: 429, retryAfterSeconds: 7 });
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(`${vtiger.url}/webservice.php?operation=listtypes&sessionName=${session}`);
      expect(response.status).toBe(429);
      expect(response.headers.get('retry-after')).toBe('7');
      expect(await response.text()).toContain('429 Too Many Requests');
    }
    expect(result(await webservice({ operation: 'listtypes', sessionName: session })).types).toContain('Events');
    expect(vtiger.requests.slice(-3).map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('answers 503 and 502 only to the requests that match the path pattern, the operation in the body included', async () => {
    vtiger.failNext(1, { status: 503 }, /operation=create/);
    vtiger.failNext(1, { status: 502 }, /operation=query/);
    result(await webservice({ operation: 'listtypes', sessionName: session }));
    const create = await fetch(`${vtiger.url}/webservice.php`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ operation: 'create', sessionName: session, elementType: 'Events', element: '{}' }) });
    expect(create.status).toBe(503);
    const search = await fetch(`${vtiger.url}/webservice.php?operation=query&sessionName=${session}&query=${encodeURIComponent('SELECT id FROM Contacts;')}`);
    expect(search.status).toBe(502);
    expect(result(await query(session, 'SELECT id FROM Contacts;')).length).toBeGreaterThan(0);
  });

  it('refuses connections while down, and works again once up', async () => {
    await vtiger.down();
    await expect(fetch(`${vtiger.url}/webservice.php?operation=listtypes&sessionName=${session}`)).rejects.toThrow();
    await vtiger.up();
    expect(result(await webservice({ operation: 'listtypes', sessionName: session })).types).toContain('Leads');
  });

  it('holds searches until released, while other operations go on', async () => {
    const release = vtiger.holdSearches();
    const before = vtiger.requests.length;
    const held = query(session, lastFour('Contacts', '0199'));
    await expect.poll(() => vtiger.requests.slice(before).some((r) => r.url.includes('operation=query') && r.status === 0), { timeout: 30_000 }).toBe(true);
    // Not a search: answered at once, while the search still waits.
    expect(result(await webservice({ operation: 'retrieve', sessionName: session, id: ids[0]! })).lastname).toBe('Doe');
    expect(vtiger.requests.slice(before).find((r) => r.url.includes('operation=query'))!.status).toBe(0);
    release();
    expect(result(await held).map((r: any) => r.lastname)).toEqual(['Doe']);
  });

  it('records every request: method, URL, headers, body and the status answered', async () => {
    await webservice({ operation: 'logout', sessionName: 'not-a-session' }, 'POST');
    expect(vtiger.requests.at(-1)).toMatchObject({ method: 'POST', url: '/vtigercrm/webservice.php', body: 'operation=logout&sessionName=not-a-session', status: 200, headers: expect.objectContaining({ 'content-type': 'application/x-www-form-urlencoded' }) });
  });
});

describe('the demo CRM`s read of its contacts', () => {
  it('a simulator built with a seed list shows its contacts and leads, not the deleted one, with their record URLs', async () => {
    const demo = await VtigerSimulator.start({ seed: PEOPLE });
    try {
      const contacts = demo.contacts();
      expect(contacts.map((c) => c.name)).toEqual(['Jane Doe', 'Oliver Smith', 'Olivia Smith', 'Sam Twin', "Sean O'Brien"]);
      expect(contacts[0]).toEqual({
        id: expect.stringMatching(/^12x\d+$/),
        module: 'Contacts',
        name: 'Jane Doe',
        company: 'Acme Corp',
        phones: [
          { field: 'phone', label: 'Office Phone', value: '(415) 555-0100' },
          { field: 'mobile', label: 'Mobile', value: '+1 415-555-0199' },
        ],
        url: `${demo.url}/index.php?module=Contacts&view=Detail&record=${contacts[0]!.id.split('x')[1]}`,
      });
      expect(contacts[2]).toMatchObject({ module: 'Leads', company: 'Brightwater', phones: [{ field: 'phone', label: 'Phone', value: '020 7946 0018' }] });
      expect(contacts[3]!.phones).toEqual([{ field: 'phone', label: 'Office Phone', value: '(415) 555-0100' }]);
    } finally {
      await demo.close();
    }
  });
  it('holds the demo CRM`s own contacts (scripts/demo), each found by the last digits of the number its page shows', async () => {
    const people = loadContacts();
    const demo = await VtigerSimulator.start({ seed: crmSeed(people) });
    try {
      expect(demo.contacts().map((c) => [c.name, c.company, c.phones.map((p) => p.value)])).toEqual(people.map((p) => [p.name, p.company, p.phones.map((phone) => phone.display)]));
      const { sessionName } = await login(demo);
      // Typed with a space inside its last four digits: a plain suffix LIKE misses it, as on a real Vtiger.
      expect(result(await query(sessionName, lastFour('Contacts', '1234'), demo)).map((r: any) => r.lastname)).not.toContain('Laurent');
      for (const [i, person] of people.entries()) {
        // A pattern that lets separators sit between the digits: %1%2%3%4.
        const digits = `%${person.phones[0]!.e164.slice(-4).split('').join('%')}`;
        const found = result(await query(sessionName, lastFour('Contacts', digits), demo));
        expect(found.map((r: any) => r.id), person.name).toContain(demo.contacts()[i]!.id);
      }
    } finally {
      await demo.close();
    }
  });
});

describe('with a session', () => {
  let session: string;
  beforeAll(async () => {
    session = (await login()).sessionName;
  });

  describeCrmSwitches({
    simulator: () => vtiger,
    plain: () => fetch(`${vtiger.url}/webservice.php?operation=listtypes&sessionName=${session}`),
    search: () => fetch(`${vtiger.url}/webservice.php?${new URLSearchParams({ operation: 'query', sessionName: session, query: lastFour('Contacts', '0100') })}`),
  });
});
