/**
 * The bundled Dynamics 365 connector, run by the engine (openCrmSession) against the Dynamics
 * simulator over real HTTP: the OData search in each stored format and for several callers at
 * once, the Phone Call it logs and updates, the agent's own user (find_user), and what each
 * Dataverse and Entra ID failure comes to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamicsSimulator } from '../../simulators/crm/dynamics.ts';
import { finishedCall, itFindsSessionPeople, loadBundledCrm, openBundledCrm, seedSessionPeople, type SessionPeople } from './bundled-crm.ts';

let dynamics: DynamicsSimulator;
let ids: SessionPeople;
const open = (config: Record<string, string> = dynamics.config) => openBundledCrm('dynamics', config);
const link = (id: string) => `${dynamics.url}/main.aspx?etn=contact&id=${id}&pagetype=entityrecord`;
const callLink = (id: string) => `${dynamics.url}/main.aspx?etn=phonecall&id=${id}&pagetype=entityrecord`;
const contact = (id: string, name: string, company: string | null) => ({ id, name, company, url: link(id), kind: 'Contacts' });
const searches = (start: number) => dynamics.requests.slice(start).filter((r) => r.url.startsWith('/api/data/v9.2/contacts?'));

beforeAll(async () => {
  dynamics = await DynamicsSimulator.start();
  ids = seedSessionPeople(dynamics);
});
afterAll(() => dynamics.close());

describe('the Dynamics connector', () => {
  it('loads, can update a logged call and find the agent, and has no find_call without a call id column', () => {
    expect(loadBundledCrm('dynamics').name).toBe('Microsoft Dynamics 365');
    const session = open();
    expect(session.canUpdate).toBe(true);
    expect(session.findUser).toBeTypeOf('function');
    expect(session.findCallLog).toBeUndefined();
  });

  describe('finding the caller', () => {
    itFindsSessionPeople(() => open(), contact, () => ids, { company: 'account', second: 'mobile phone' });

    it('leaves out a contact whose last four digits only match', async () => {
      // Ravi's other phone ends with 0101, like +1 212 555 0101's: the digits check keeps him out.
      expect(await open().findContacts('+12125550101')).toEqual({ ok: true, value: [] });
    });

    it('searches the last four digits, then them written "## ##", and finds nobody for a deleted contact', async () => {
      const start = dynamics.requests.length;
      expect(await open().findContacts('+13035550199')).toEqual({ ok: true, value: [] });
      const filters = searches(start).map((r) => new URL(r.url, dynamics.url).searchParams.get('$filter'));
      expect(filters).toEqual([
        "statecode eq 0 and (endswith(telephone1,'0199') or endswith(mobilephone,'0199') or endswith(telephone2,'0199'))",
        "statecode eq 0 and (endswith(telephone1,'01 99') or endswith(mobilephone,'01 99') or endswith(telephone2,'01 99'))",
      ]);
      expect(searches(start).every((r) => r.headers.prefer === 'odata.include-annotations="OData.Community.Display.V1.FormattedValue"')).toBe(true);
    });

    it('looks several callers up in one request, each given their own contact', async () => {
      const session = open();
      const start = dynamics.requests.length;
      const found = await session.findContactsOf!(['+14155550100', '+14155550177', '+442079460018']);
      expect(found).toEqual({ ok: true, value: [[contact(ids.jane, 'Jane Doe', 'Acme')], [contact(ids.ravi, 'Ravi Shah', 'Globex')], [contact(ids.olu, 'Olu Ade', null)]] });
      expect(searches(start)).toHaveLength(1);
    });
  });

  describe('logging the call', () => {
    it('creates a Phone Call regarding the contact, owned by and addressed to the agent, then updates it', async () => {
      const session = open();
      const agent = await session.findUser!('ANN@example.com');
      expect(agent).toEqual({ ok: true, value: null });
      const ann = dynamics.seedUser({ email: 'ann@example.com', firstName: 'Ann', lastName: 'Agent' });
      expect(await session.findUser!('ANN@example.com')).toEqual({ ok: true, value: ann });

      const call = finishedCall({ contact_id: ids.jane, agent_crm_id: ann, recording_url: 'https://media.example/RE1.mp3' });
      const logged = await session.logCall(call);
      if (!logged.ok) throw new Error(logged.error);
      expect(logged.value).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), url: callLink(logged.value.id) });
      const created = dynamics.activities().find((a) => a.id === logged.value.id)!;
      expect(created.fields).toMatchObject({
        subject: 'Inbound call from +14155550100',
        phonenumber: '+14155550100',
        directioncode: false,
        actualstart: '2025-03-02T14:05:10Z',
        actualend: '2025-03-02T14:09:52Z',
        actualdurationminutes: 4,
        leftvoicemail: false,
        statecode: 0,
        description: 'Connected\nWants a callback\nRecording: https://media.example/RE1.mp3\nDuration: 282 s, agent Ann Agent',
        _regardingobjectid_value: ids.jane,
        _ownerid_value: ann,
        phonecall_activity_parties: [{ partyid: ann, table: 'systemuser', participationtypemask: 2 }],
      });
      // Asked back as a representation of its id alone: one request, no second read.
      expect(dynamics.requests.at(-1)).toMatchObject({ method: 'POST', url: '/api/data/v9.2/phonecalls?$select=activityid', status: 201, headers: { prefer: 'return=representation' } });

      const updated = await session.updateCall(logged.value.id, { ...call, notes: 'Call back Monday', disposition: 'Left voicemail', contact_id: ids.olu });
      expect(updated).toEqual({ ok: true, value: { url: callLink(logged.value.id) } });
      expect(dynamics.activities().find((a) => a.id === logged.value.id)).toMatchObject({
        updates: 1,
        fields: { description: expect.stringMatching(/^Left voicemail\nCall back Monday\n/), leftvoicemail: true, _regardingobjectid_value: ids.olu, subject: 'Inbound call from +14155550100' },
      });
    });

    it('logs an outgoing call without a contact or a user: no Regarding, no party, the application user its owner', async () => {
      const logged = await open().logCall(finishedCall({ direction: 'outbound', status: 'no-answer', duration: 0, notes: null }));
      if (!logged.ok) throw new Error(logged.error);
      const fields = dynamics.activities().find((a) => a.id === logged.value.id)!.fields;
      expect(fields).toMatchObject({ subject: 'Outbound call to +14155550100', directioncode: true, actualdurationminutes: 0, _regardingobjectid_value: null, _ownerid_value: dynamics.applicationUser, phonecall_activity_parties: [] });
      expect(fields.description).toBe('No answer\nDuration: 0 s, agent Ann Agent');
    });

    it('fails an update of a Phone Call someone deleted, for good, rather than creating it again', async () => {
      const missing = '00000000-0000-0000-0000-00000000dead';
      const updated = await open().updateCall(missing, finishedCall());
      expect(updated).toMatchObject({ ok: false, retry: false, status: 404, error: `update_call: HTTP 404: 0x80040217: phonecall With Id = ${missing} Does Not Exist` });
      expect(dynamics.activities().some((a) => a.id === missing)).toBe(false);
    });

    it('offers its declared dispositions and the new contact form with Business Phone filled in', async () => {
      const session = open();
      expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'] });
      expect(session.newContactUrl('+14155550123')).toBe(`${dynamics.url}/main.aspx?etn=contact&pagetype=entityrecord&extraqs=telephone1%3D%252B14155550123`);
    });
  });

  describe('failures', () => {
    it('is retryable on the service protection 429, with its Retry-After', async () => {
      dynamics.failNext(1, { status: 429, retryAfterSeconds: 20 }, /\/phonecalls\?/);
      expect(await open().logCall(finishedCall())).toMatchObject({ ok: false, retry: true, status: 429, retryAfterMs: 20_000, error: expect.stringContaining('0x80072322') });
    });

    it('takes a new token when Dataverse refuses its own (401), and goes on', async () => {
      const session = open();
      expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true });
      dynamics.expireTokens();
      const grants = () => dynamics.requests.filter((r) => r.url.endsWith('/oauth2/v2.0/token')).length;
      const before = grants();
      expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ id: ids.jane }] });
      expect(grants()).toBe(before + 1);
    });

    it("fails for good, without the secret, on a wrong client secret (AADSTS7000215)", async () => {
      const secret = 'wrong-secret-value-123';
      const found = await open({ ...dynamics.config, client_secret: secret }).findContacts('+14155550100');
      expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('AADSTS7000215') });
      expect(found.ok ? '' : found.error).not.toContain(secret);
    });

    it('asks the token of the environment it is set up for: another environment is refused (AADSTS500011)', async () => {
      const found = await open({ ...dynamics.config, org_url: `${dynamics.url}/other` }).findContacts('+14155550100');
      expect(found).toMatchObject({ ok: false, error: expect.stringContaining('AADSTS500011') });
    });
  });
});
