/**
 * connectors/crm/dynamics.xml through a relay process against the Dynamics 365 simulator: the
 * common scenarios (scenarios.ts), then Dynamics' own: the parent account as the company, the
 * Phone Call's columns and its update, an outbound call, an inactive contact left out, a token
 * Dataverse refused, the redacted setup and the service protection 429 (a Phone Call refused is a
 * common scenario, `refusedCreate`).
 */
import { expect, it } from 'vitest';
import { api } from '../../relay/harness.ts';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { DynamicsSimulator } from '../../simulators/crm/dynamics.ts';
import type { ActivityReading } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

const PHONE_CALLS = /\/phonecalls\?/;
const link = (crm: DynamicsSimulator, id: string) => `${crm.url}/main.aspx?etn=contact&id=${id}&pagetype=entityrecord`;
const callLink = (crm: DynamicsSimulator, id: string) => `${crm.url}/main.aspx?etn=phonecall&id=${id}&pagetype=entityrecord`;
const tokenGrants = (crm: DynamicsSimulator) => crm.requests.filter((r) => r.url.endsWith('/oauth2/v2.0/token')).length;

describeCrmContract<DynamicsSimulator>(
  {
    connector: 'dynamics',
    start: () => DynamicsSimulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields as Record<string, unknown>;
      return {
        customerNumber: typeof fields.phonenumber === 'string' ? fields.phonenumber : null,
        contactIds: typeof fields._regardingobjectid_value === 'string' ? [fields._regardingobjectid_value] : [],
        text: typeof fields.description === 'string' ? fields.description : '',
        // Owner: the agent's user that find_user read, else the application user, Dataverse's default.
        owner: typeof fields._ownerid_value === 'string' ? fields._ownerid_value : null,
      };
    },
    // The client secret and every access token the relay was handed.
    secrets: (crm) => [crm.config.client_secret!, ...new Set(crm.requests.flatMap((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? []))],
    contactUrl: link,
    contactKind: 'Contacts',
    linkAfterTheLog: 'moves',
    newContactUrl: (crm, number) => `${crm.url}/main.aspx?etn=contact&pagetype=entityrecord&extraqs=telephone1%3D${encodeURIComponent(encodeURIComponent(number))}`,
    create: { pattern: PHONE_CALLS, is: (r) => r.method === 'POST' && PHONE_CALLS.test(r.url) },
    refusedCreate: { owner: (r) => (JSON.parse(r.body) as Record<string, unknown>)['ownerid@odata.bind'], error: 'HTTP 400: 0x80040203' },
  },
  (contract) => {
    it.each([
      ['(415) 555-0121', '+14155550121', 'Acme Inc'],
      ['+33 1 99 00 12 34', '+33199001234', 'Société Générique'],
    ])("names a caller whose number is stored as %s with the parent account's name, and links the Phone Call to them", async (stored, number, company) => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Mary', lastName: `Jones${number.slice(-2)}`, company, phones: [stored] }]);
      const call = await c.ring(number);
      const named = await c.pushed(call.sid, (v) => v.contact !== null);
      expect(named.contact).toEqual({ id, name: `Mary Jones${number.slice(-2)}`, company, url: link(c.crm, id!), kind: 'Contacts' });
      await c.end(call);
      await c.loggedOnce(number, { contactId: id! });
    });

    it('leaves out a contact someone deactivated, and offers the new contact form for the number', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Ina', lastName: 'Active', phones: ['+1 415 555 0135'] }]);
      c.crm.deactivate(id!);
      const call = await c.ring('+14155550135');
      await c.end(call);
      const view = await c.crmLog(call.sid, { state: 'logged' });
      expect([view.contact, view.contacts]).toEqual([null, []]);
      expect(view.new_contact_url).toBe(`${c.crm.url}/main.aspx?etn=contact&pagetype=entityrecord&extraqs=telephone1%3D%252B14155550135`);
    });

    it('creates one open Phone Call with its columns, the agent as its party, then updates it with the wrap-up', async () => {
      const c = contract();
      const call = await c.ring('+14155550144');
      await c.end(call, { duration: 150 });
      const logged = await c.loggedOnce('+14155550144');
      expect(logged.fields).toMatchObject({
        subject: 'Inbound call from +14155550144',
        phonenumber: '+14155550144',
        directioncode: false,
        actualdurationminutes: 2,
        leftvoicemail: false,
        statecode: 0,
        description: expect.stringMatching(/^Connected\n(.*\n)*Duration: 150 s, agent Ada Lovelace$/),
        phonecall_activity_parties: [{ partyid: logged.reading.owner, table: 'systemuser', participationtypemask: 2 }],
      });
      expect(logged.reading.owner).not.toBe(c.crm.applicationUser);
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: callLink(c.crm, logged.id), error: null });
      const updates = () => c.crm.requests.filter((r) => r.method === 'PATCH' && r.url.includes(logged.id));

      await c.annotate(call.sid, { notes: 'Wants the annual plan', disposition: 'Left voicemail' });
      const updated = await c.loggedOnce('+14155550144', { text: expect.stringMatching(/^Left voicemail\nWants the annual plan\n/) });
      expect(updated).toMatchObject({ id: logged.id, fields: { leftvoicemail: true } });
      // Every update says the row must exist: a PATCH without it would create a Phone Call someone deleted.
      expect(updates().length).toBeGreaterThanOrEqual(1);
      expect(updates().every((r) => r.headers['if-match'] === '*')).toBe(true);
    });

    it('logs a call the extension placed (POST /calls) as an outgoing Phone Call, the agent its sender', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Otto', lastName: 'Bound', company: 'Dialled Ltd', phones: ['415.555.0145'] }]);
      const report = (status: string) => api(c.relay, c.agent.token, 'POST', '/calls', { instance: c.instance, call_id: 'CA-placed-dyn-0145', to_number: '+1 415 555 0145', status });
      expect((await report('ringing')).status).toBe(201);
      expect((await c.pushed('CA-placed-dyn-0145', (v) => v.contact !== null)).contact?.id).toBe(id);
      expect((await report('completed')).status).toBe(200);
      const logged = await c.loggedOnce('+14155550145', { contactId: id! });
      expect(logged.fields).toMatchObject({ subject: 'Outbound call to +14155550145', directioncode: true, phonecall_activity_parties: [{ table: 'systemuser', participationtypemask: 1 }] });
    });

    it('asks Entra ID for a new token when Dataverse refuses the one it holds (401)', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Sam', lastName: 'Renewed', phones: ['+1 415 555 0111'] }]);
      c.crm.expireTokens();
      const before = tokenGrants(c.crm);
      const call = await c.ring('+14155550111');
      const named = await c.pushed(call.sid, (v) => v.contact !== null);
      expect(named.contact?.id).toBe(id);
      expect(tokenGrants(c.crm)).toBeGreaterThan(before);
    });

    it("shows the instance's Dynamics setup with the client secret redacted", async () => {
      const c = contract();
      const instance = await api<{ crm: { connector: string; name: string; config: Record<string, string> } }>(c.relay, c.agent.token, 'GET', `/instances/${c.instance}`);
      expect(instance.status).toBe(200);
      expect(instance.body.crm).toMatchObject({ connector: 'dynamics', name: 'Microsoft Dynamics 365' });
      const { client_secret: _, ...plain } = c.crm.config;
      expect(instance.body.crm.config).toEqual({ ...plain, client_secret: '<redacted>' });
      // The relay did get tokens, so the common check that none is in its output means something.
      expect(tokenGrants(c.crm)).toBeGreaterThan(0);
    });

    it('waits out the service protection limit (429 with Retry-After), then logs once', async () => {
      const c = contract();
      c.crm.failNext(2, { status: 429, retryAfterSeconds: 1 }, PHONE_CALLS);
      const call = await c.ring('+14155550166');
      await c.end(call);
      await c.crmLog(call.sid, { state: 'pending', error: expect.stringContaining('0x80072322') });
      const logged = await c.loggedOnce('+14155550166');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      const refused = c.crm.requests.filter((r) => r.method === 'POST' && PHONE_CALLS.test(r.url) && r.status === 429);
      expect(refused.length).toBeGreaterThanOrEqual(2);
    });
  },
);
