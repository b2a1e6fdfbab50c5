/**
 * The bundled Salesforce connector, run by the engine (openCrmSession) against the Salesforce
 * simulator over real HTTP: the SOSL lookup in each stored format, the Task it logs and updates,
 * find_call by CallObject, the agent's own user the Task is assigned to (find_user), and what
 * each Salesforce failure comes to.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type CrmCall, type CrmConnectorPlan, type CrmSession, loadCrmConnector, openCrmSession } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../relay/harness.ts';
import { SalesforceSimulator } from '../../simulators/crm/salesforce.ts';

const loaded = loadCrmConnector(readFileSync(join(REPO_ROOT, 'connectors/crm/salesforce.xml'), 'utf8'), 'salesforce.xml');
const plan = loaded.plan as CrmConnectorPlan;

let salesforce: SalesforceSimulator;
let ids: string[];

beforeAll(async () => {
  salesforce = await SalesforceSimulator.start();
  ids = salesforce.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100'] },
    { firstName: 'Ravi', lastName: 'Shah', company: 'Globex', phones: ['+1 415-555-0177'] },
    { firstName: 'Ann', lastName: 'Lee', company: 'Initech', phones: ['020 7946 0018'], lead: true },
    { firstName: 'Olu', lastName: 'Ade', phones: ['+44 20 7946 0019'] },
    { firstName: 'Bob', lastName: 'Shared', company: 'Acme', phones: ['+1 212 555 0142'] },
    { firstName: 'Bea', lastName: 'Shared', phones: ['(212) 555-0142'], lead: true },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 303 555 0199'], deleted: true },
  ]);
});
afterAll(() => salesforce.close());

/** A session as the relay opens one: the simulator's config, Node's fetch. */
function open(config: Record<string, string> = salesforce.config): CrmSession {
  return openCrmSession(plan, { config, fetch: (url, init) => fetch(url, init) });
}

const link = (id: string) => `${salesforce.url}/lightning/r/${id}/view`;
/** salesforce.xml's one SOSL search, over Contacts and Leads: every match's kind. */
const FOUND_BY = 'Contacts and Leads';
const taskLink = (id: string) => `${salesforce.url}/lightning/r/Task/${id}/view`;
const requestsSince = (start: number) => salesforce.requests.slice(start);
const apiRequests = (start: number) => requestsSince(start).filter((r) => r.url.startsWith('/services/data/'));

/** The example call of the CLI docs (connectors/examples/crm-call.json), without its wrap-up. */
const EXAMPLE_CALL = JSON.parse(readFileSync(join(REPO_ROOT, 'connectors/examples/crm-call.json'), 'utf8')) as CrmCall;
/** Each call its own provider id, so every test reads back only its own Tasks. */
let calls = 0;
const call = (extra: Partial<CrmCall> = {}): CrmCall => ({
  ...EXAMPLE_CALL,
  id: ++calls,
  call_id: `CA5f0c${calls}`,
  notes: null,
  disposition: null,
  recording_url: null,
  contact_id: ids[0]!,
  ...extra,
});

const task = (id: string) => salesforce.activities().find((a) => a.id === id);

describe('the Salesforce connector', () => {
  it('loads without diagnostics, and can update and find a logged call', () => {
    expect(loaded.diagnostics).toEqual([]);
    const session = open();
    expect(session.canUpdate).toBe(true);
    expect(session.findCallLog).toBeTypeOf('function');
    expect(session.findUser).toBeTypeOf('function');
  });

  describe('finding the caller with one SOSL search', () => {
    it.each([
      ['(415) 555-0100 (national, typed)', '+14155550100', 0, 'Jane Doe', 'Acme'],
      ['+1 415-555-0177 (international, typed)', '+14155550177', 1, 'Ravi Shah', 'Globex'],
      ['020 7946 0018 (national with its trunk 0, a Lead)', '+442079460018', 2, 'Ann Lee', 'Initech'],
      ['+44 20 7946 0019 (international, no account)', '+442079460019', 3, 'Olu Ade', null],
    ])('finds a number stored as %s', async (_format, number, index, name, company) => {
      expect(await open().findContacts(number)).toEqual({ ok: true, value: [{ id: ids[index], name, company, url: link(ids[index]!), kind: FOUND_BY }] });
    });

    it('sends E.164 with its + escaped and the national forms OR-ed, in one request', async () => {
      const start = salesforce.requests.length;
      await open().findContacts('+442079460018');
      const searches = apiRequests(start);
      expect(searches).toHaveLength(1);
      const q = new URL(searches[0]!.url, salesforce.url).searchParams.get('q');
      expect(q).toBe(
        'FIND {\\+442079460018 OR 2079460018 OR 02079460018} IN PHONE FIELDS RETURNING Contact(Id, Name, Phone, MobilePhone, HomePhone, OtherPhone, Account.Name LIMIT 100), Lead(Id, Name, Company, Phone, MobilePhone LIMIT 100)',
      );
    });

    it('looks up several callers in one SOSL search, each given the records its phones match (issue 10)', async () => {
      const start = salesforce.requests.length;
      const session = open();
      expect(session.lookupBatch).toBe(10);
      const found = await session.findContactsOf!(['+14155550100', '+442079460018', '+15005550000', '+12125550142']);
      expect(found.ok && found.value.map((contacts) => contacts.map((c) => c.id))).toEqual([[ids[0]], [ids[2]], [], [ids[4], ids[5]]]);
      const searches = apiRequests(start);
      expect(searches).toHaveLength(1);
      expect(new URL(searches[0]!.url, salesforce.url).searchParams.get('q')).toMatch(
        /^FIND \{\\\+14155550100 OR 4155550100 OR 4155550100 OR \\\+442079460018 OR 2079460018 OR 02079460018 OR \\\+15005550000 OR .* OR 2125550142\} IN PHONE FIELDS /,
      );
    });

    it('returns every match (a Contact and a Lead sharing one number)', async () => {
      expect(await open().findContacts('+12125550142')).toEqual({
        ok: true,
        value: [
          { id: ids[4], name: 'Bob Shared', company: 'Acme', url: link(ids[4]!), kind: FOUND_BY },
          // A Lead seeded without a company has Salesforce's placeholder.
          { id: ids[5], name: 'Bea Shared', company: '[not provided]', url: link(ids[5]!), kind: FOUND_BY },
        ],
      });
    });

    it('finds nobody for an unknown number or a deleted contact', async () => {
      expect(await open().findContacts('+16175550123')).toEqual({ ok: true, value: [] });
      expect(await open().findContacts('+13035550199')).toEqual({ ok: true, value: [] });
    });
  });

  describe('logging the call as a Task', () => {
    it('creates a completed Task of subtype Call with the call fields, linked to the contact', async () => {
      const logged = call({ notes: 'Wants a callback', disposition: 'Left voicemail', recording_url: 'https://media.example/RE1.mp3' });
      const outcome = await open().logCall(logged);
      if (!outcome.ok) throw new Error(outcome.error);
      expect(outcome.value).toEqual({ id: expect.stringMatching(/^00T[A-Za-z0-9]{15}$/), url: taskLink(outcome.value.id) });
      expect(task(outcome.value.id)?.fields).toMatchObject({
        Subject: 'Inbound call from +14155550100',
        TaskSubtype: 'Call',
        CallType: 'Inbound',
        CallDurationInSeconds: 282,
        CallObject: logged.call_id,
        CallDisposition: 'Left voicemail',
        Status: 'Completed',
        IsClosed: true,
        ActivityDate: '2025-03-02',
        WhoId: ids[0],
        Description: 'Wants a callback\nRecording: https://media.example/RE1.mp3\nDuration: 282 s, agent Ann Agent',
      });
    });

    it("writes an outbound unanswered call without a contact in Salesforce's words", async () => {
      const outcome = await open().logCall(call({ direction: 'outbound', status: 'no-answer', duration: null, contact_id: null, agent_name: null }));
      if (!outcome.ok) throw new Error(outcome.error);
      const fields = task(outcome.value.id)!.fields;
      expect(fields).toMatchObject({ Subject: 'Outbound call to +14155550100', CallType: 'Outbound', CallDisposition: 'No answer', CallDurationInSeconds: 0, Description: 'Duration: 0 s' });
      expect(fields).not.toHaveProperty('WhoId');
    });

    it('updates the same Task with notes, disposition, recording and a re-linked contact (PATCH, 204)', async () => {
      const session = open();
      const first = call();
      const created = await session.logCall(first);
      if (!created.ok) throw new Error(created.error);
      const start = salesforce.requests.length;
      const updated = await session.updateCall(created.value.id, { ...first, notes: 'Sent the quote', disposition: 'Connected', recording_url: 'https://media.example/RE2.mp3', contact_id: ids[1]! });
      expect(updated).toEqual({ ok: true, value: { url: taskLink(created.value.id) } });
      expect(apiRequests(start).map((r) => [r.method, r.status])).toEqual([['PATCH', 204]]);
      expect(task(created.value.id)).toMatchObject({
        updates: 1,
        fields: { CallDisposition: 'Connected', WhoId: ids[1], TaskSubtype: 'Call', Description: 'Sent the quote\nRecording: https://media.example/RE2.mp3\nDuration: 282 s, agent Ann Agent' },
      });
      expect(salesforce.activities().filter((a) => a.fields.CallObject === first.call_id)).toHaveLength(1);
    });

    it('finds a logged Task again by its CallObject, and nothing for a call never logged', async () => {
      const session = open();
      const logged = call();
      const created = await session.logCall(logged);
      if (!created.ok) throw new Error(created.error);
      expect(await session.findCallLog!(logged)).toEqual({ ok: true, value: { id: created.value.id, url: taskLink(created.value.id) } });
      expect(await session.findCallLog!(call({ call_id: 'CA-never-logged' }))).toEqual({ ok: true, value: null });
    });

    it("escapes a call id's quote and backslash in SOQL, so the query stays one literal", async () => {
      const session = open();
      const odd = call({ call_id: "CA'odd\\id" });
      const created = await session.logCall(odd);
      if (!created.ok) throw new Error(created.error);
      expect(await session.findCallLog!(odd)).toEqual({ ok: true, value: { id: created.value.id, url: taskLink(created.value.id) } });
    });
  });

  describe("the agent's own Salesforce user, whom the Task is assigned to", () => {
    let users: { nearMiss: string; agent: string; quoted: string; other: string };
    beforeAll(() => {
      users = {
        nearMiss: salesforce.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Byron' }),
        agent: salesforce.seedUser({ email: 'ADA.LOVELACE@EXAMPLE.COM', firstName: 'Ada', lastName: 'Lovelace' }),
        quoted: salesforce.seedUser({ email: "o'hara@example.com", firstName: 'Scarlett', lastName: "O'Hara" }),
        other: salesforce.seedUser({ email: 'owner@example.com', firstName: 'Default', lastName: 'Owner' }),
      };
      salesforce.deactivateUser(salesforce.seedUser({ email: 'left@example.com', firstName: 'Left', lastName: 'Company' }));
    });
    const queried = (start: number) => apiRequests(start).map((r) => new URL(r.url, salesforce.url).searchParams.get('q'));

    it("finds the active user whose Email is the agent's, case aside, with one SOQL query", async () => {
      const start = salesforce.requests.length;
      expect(await open().findUser!('ada.lovelace@example.com', 'Ada Lovelace')).toEqual({ ok: true, value: users.agent });
      expect(queried(start)).toEqual(["SELECT Id, Email FROM User WHERE Email = 'ada.lovelace@example.com' AND IsActive = true"]);
      expect(await open().findUser!('ada@example.com')).toEqual({ ok: true, value: users.nearMiss });
    });

    it('finds nobody for an unknown address or a deactivated user', async () => {
      expect(await open().findUser!('nobody@example.com')).toEqual({ ok: true, value: null });
      expect(await open().findUser!('left@example.com')).toEqual({ ok: true, value: null });
    });

    it('escapes a quote in the address, so the query stays one literal', async () => {
      const start = salesforce.requests.length;
      expect(await open().findUser!("o'hara@example.com")).toEqual({ ok: true, value: users.quoted });
      expect(queried(start)).toEqual(["SELECT Id, Email FROM User WHERE Email = 'o\\'hara@example.com' AND IsActive = true"]);
    });

    it("assigns the Task to the agent's user, else to owner_id, else leaves Salesforce's default, the token's user", async () => {
      const ownerOf = async (logged: CrmCall, config = salesforce.config) => {
        const outcome = await open(config).logCall(logged);
        if (!outcome.ok) throw new Error(outcome.error);
        return task(outcome.value.id)!.fields.OwnerId;
      };
      const withOwner = { ...salesforce.config, owner_id: users.other };
      expect(await ownerOf(call({ agent_crm_id: users.agent }), withOwner)).toBe(users.agent);
      expect(await ownerOf(call({ agent_crm_id: null }), withOwner)).toBe(users.other);
      const start = salesforce.requests.length;
      const defaulted = await ownerOf(call());
      expect(defaulted).toMatch(/^005/);
      expect(Object.values(users)).not.toContain(defaulted);
      expect(JSON.parse(apiRequests(start)[0]!.body)).not.toHaveProperty('OwnerId');
    });
  });

  describe("Salesforce's failures", () => {
    it('trades the refresh token again when the session expired (401 INVALID_SESSION_ID), and replays once', async () => {
      const session = open();
      expect((await session.findContacts('+14155550100')).ok).toBe(true);
      salesforce.expireTokens();
      const start = salesforce.requests.length;
      expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ id: ids[0] }] });
      expect(requestsSince(start).map((r) => [r.url.split('?')[0], r.status])).toEqual([
        ['/services/data/v62.0/search/', 401],
        ['/services/oauth2/token', 200],
        ['/services/data/v62.0/search/', 200],
      ]);
    });

    it('retries later past the API limit (403 REQUEST_LIMIT_EXCEEDED), then logs once', async () => {
      const session = open();
      const logged = call();
      salesforce.failNext(1, { status: 403 }, /\/sobjects\/Task/);
      expect(await session.logCall(logged)).toEqual({ ok: false, retry: true, status: 403, error: 'log_call: HTTP 403: REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.' });
      expect(await session.logCall(logged)).toMatchObject({ ok: true });
      expect(salesforce.activities().filter((a) => a.fields.CallObject === logged.call_id)).toHaveLength(1);
    });

    it('retries later on 5xx and while Salesforce cannot be reached', async () => {
      salesforce.failNext(1, { status: 503 }, /\/search\//);
      expect(await open().findContacts('+14155550100')).toMatchObject({ ok: false, retry: true, status: 503 });
      await salesforce.down();
      try {
        expect(await open().logCall(call())).toMatchObject({ ok: false, retry: true, error: expect.stringMatching(/^log_call: could not reach /) });
      } finally {
        await salesforce.up();
      }
    });

    it("fails for good on a refused Task, with Salesforce's code and message", async () => {
      const deleted = ids[6]!;
      expect(await open().logCall(call({ contact_id: deleted }))).toEqual({ ok: false, retry: false, status: 400, error: 'log_call: HTTP 400: ENTITY_IS_DELETED: entity is deleted' });
    });

    it('fails for good on a revoked refresh token, and no secret is in the message', async () => {
      const config: Record<string, string> = { ...salesforce.config, refresh_token: '5Aep861REVOKED0000' };
      const outcome = await open(config).findContacts('+14155550100');
      expect(outcome).toMatchObject({ ok: false, retry: false });
      const text = JSON.stringify(outcome);
      expect(text).toContain('invalid_grant');
      for (const secret of [config.refresh_token!, config.client_secret!]) expect(text).not.toContain(secret);
    });
  });

  it('declares the dispositions and opens the new-contact form with the number', async () => {
    const session = open();
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'] });
    expect(session.newContactUrl('+14155550100')).toBe(`${salesforce.url}/lightning/o/Contact/new?defaultFieldValues=Phone=%2B14155550100`);
  });
});
