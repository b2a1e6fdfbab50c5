/**
 * connectors/crm/salesforce.xml through a relay process against the Salesforce simulator: the
 * common scenarios (scenarios.ts), then Salesforce's own: Contacts and Leads linked as WhoId,
 * the agent's pick re-linking a Task to a Lead, the new-contact form, a session Salesforce
 * ended, the redacted setup, the Task's fields and its update, an Outbound Task, the API limit
 * (403) and a kill -9 between the create and the relay's commit (a Task Salesforce refuses is a common
 * scenario, `refusedCreate`).
 */
import { expect, it } from 'vitest';
import { api } from '../../relay/harness.ts';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { SalesforceSimulator } from '../../simulators/crm/salesforce.ts';
import type { ActivityReading } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

const TASKS = /\/sobjects\/Task\/$/;
/** find_call's read-back by CallObject; find_user's query over User goes by. */
const TASK_QUERY = /\/query\/\?.*CallObject/;
const link = (crm: SalesforceSimulator, id: string) => `${crm.url}/lightning/r/${id}/view`;
const taskLink = (crm: SalesforceSimulator, id: string) => `${crm.url}/lightning/r/Task/${id}/view`;
/** salesforce.xml's one SOSL search, over Contacts and Leads: every match's kind. */
const FOUND_BY = 'Contacts and Leads';

describeCrmContract<SalesforceSimulator>(
  {
    connector: 'salesforce',
    start: () => SalesforceSimulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields as Record<string, string | undefined>;
      return {
        // salesforce.xml's subject: "Inbound call from +14155550100".
        customerNumber: /(\+\d+)$/.exec(fields.Subject ?? '')?.[1] ?? null,
        contactIds: fields.WhoId ? [fields.WhoId] : [],
        text: `${fields.CallDisposition ?? ''}\n${fields.Description ?? ''}`,
        // Assigned To: the agent's user that find_user read, else the token's user, Salesforce's default.
        owner: fields.OwnerId ?? null,
      };
    },
    // The connected app's secret, the refresh token, and every access token the relay was handed.
    secrets: (crm) => [
      crm.config.client_secret!,
      crm.config.refresh_token!,
      ...new Set(crm.requests.flatMap((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? [])),
    ],
    contactUrl: link,
    contactKind: FOUND_BY,
    linkAfterTheLog: 'moves',
    newContactUrl: (crm, number) => `${crm.url}/lightning/o/Contact/new?defaultFieldValues=Phone=${encodeURIComponent(number)}`,
    create: { pattern: TASKS, is: (r) => r.method === 'POST' && TASKS.test(r.url) },
    refusedCreate: { owner: (r) => (JSON.parse(r.body) as { OwnerId?: string }).OwnerId, error: 'HTTP 400' },
  },
  (contract) => {
    it.each([
      ['(415) 555-0121', '+14155550121', false, 'Acme Inc'],
      ['+1 415-555-0122', '+14155550122', false, 'Globex'],
      ['020 7946 0123', '+442079460123', true, 'Initech'],
    ])('names a caller whose number is stored as %s, and links the logged Task to them (WhoId takes a Lead too)', async (stored, number, lead, company) => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Mary', lastName: `Jones${number.slice(-2)}`, company, phones: [stored], lead }]);
      const call = await c.ring(number);
      const named = await c.pushed(call.sid, (v) => v.contact !== null);
      expect(named.contact).toEqual({ id, name: `Mary Jones${number.slice(-2)}`, company, url: link(c.crm, id!), kind: FOUND_BY });
      expect(named.contacts).toEqual([named.contact]);
      expect(named.new_contact_url).toBeNull();

      await c.end(call);
      await c.loggedOnce(number, { contactId: id! });
    });

    it('offers every match, and the agent picking another re-links the logged Task', async () => {
      const c = contract();
      const [bob, bea] = c.crm.seed([
        { firstName: 'Bob', lastName: 'Shared', company: 'Acme Inc', phones: ['+1 212 555 0142'] },
        { firstName: 'Bea', lastName: 'Shared', company: 'Bea Co', phones: ['(212) 555-0142'], lead: true },
      ]);
      const call = await c.ring('+12125550142');
      const named = await c.pushed(call.sid, (v) => v.contacts.length === 2);
      expect(named.contacts.map((v) => [v.id, v.name])).toEqual([[bob, 'Bob Shared'], [bea, 'Bea Shared']]);
      expect(named.contact?.id).toBe(bob);

      await c.end(call);
      const logged = await c.loggedOnce('+12125550142', { contactId: bob! });
      await c.crmLog(call.sid, { state: 'logged', id: logged.id });
      const picked = await c.annotate(call.sid, { contact_id: bea! });
      expect(picked.contact?.id).toBe(bea);
      await c.loggedOnce('+12125550142', { contactId: bea! });
    });

    it("offers Salesforce's new-contact form when nobody matches, and logs a missed call without a contact", async () => {
      const c = contract();
      const call = await c.ring('+16175550133');
      const unknown = await c.pushed(call.sid, (v) => v.new_contact_url !== null);
      expect(unknown.new_contact_url).toBe(`${c.crm.url}/lightning/o/Contact/new?defaultFieldValues=Phone=%2B16175550133`);
      expect(unknown.contact).toBeNull();
      expect(unknown.contacts).toEqual([]);
      await c.end(call, { status: 'no-answer', duration: 0 });
      const logged = await c.loggedOnce('+16175550133', { contactId: null });
      expect(logged.fields).toMatchObject({ CallDisposition: 'No answer', CallDurationInSeconds: 0 });
    });

    it('trades the refresh token again when Salesforce ends the session (401 INVALID_SESSION_ID)', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Sam', lastName: 'Renewed', phones: ['+1 415 555 0111'] }]);
      c.crm.expireTokens();
      const grants = () => c.crm.requests.filter((r) => r.url === '/services/oauth2/token').length;
      const before = grants();
      const call = await c.ring('+14155550111');
      const named = await c.pushed(call.sid, (v) => v.contact !== null);
      expect(named.contact?.id).toBe(id);
      expect(grants()).toBeGreaterThan(before);
    });

    it("shows the instance's Salesforce setup with the client secret and refresh token redacted", async () => {
      const c = contract();
      const instance = await api<{ crm: { connector: string; name: string; config: Record<string, string> } }>(c.relay, c.agent.token, 'GET', `/instances/${c.instance}`);
      expect(instance.status).toBe(200);
      expect(instance.body.crm).toMatchObject({ connector: 'salesforce', name: 'Salesforce' });
      expect(instance.body.crm.config).toEqual({ instance_url: c.crm.url, client_id: c.crm.config.client_id, client_secret: '<redacted>', refresh_token: '<redacted>' });
      // The relay did trade tokens, so the common check that none is in its output means something.
      expect(c.crm.requests.some((r) => r.url === '/services/oauth2/token')).toBe(true);
    });

    it('creates one completed Task of subtype Call with the call fields, then updates it with the wrap-up', async () => {
      const c = contract();
      const call = await c.ring('+14155550144');
      await c.end(call, { duration: 42 });
      const logged = await c.loggedOnce('+14155550144');
      expect(logged.fields).toMatchObject({
        Subject: 'Inbound call from +14155550144',
        TaskSubtype: 'Call',
        CallType: 'Inbound',
        CallDurationInSeconds: 42,
        CallObject: call.sid,
        CallDisposition: 'Connected',
        Status: 'Completed',
      });
      const view = await c.view(call.sid);
      // The call's day, in UTC (the call may have no start when it was never answered).
      expect(logged.fields.ActivityDate).toBe((view.started_at ?? view.created_at).slice(0, 10));
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: taskLink(c.crm, logged.id), error: null });

      await c.annotate(call.sid, { notes: 'Wants the annual plan', disposition: 'Left voicemail' });
      const updated = await c.loggedOnce('+14155550144', { text: expect.stringMatching(/^Left voicemail\nWants the annual plan\n/) });
      expect(updated.id).toBe(logged.id);
      expect(updated.updates).toBeGreaterThanOrEqual(1);
    });

    it('logs a call the extension placed (POST /calls) as an Outbound Task with its call id', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Otto', lastName: 'Bound', company: 'Dialled Ltd', phones: ['415.555.0145'] }]);
      const report = (status: string) => api(c.relay, c.agent.token, 'POST', '/calls', { instance: c.instance, call_id: 'CA-placed-0145', to_number: '+1 415 555 0145', status });
      expect((await report('ringing')).status).toBe(201);
      const named = await c.pushed('CA-placed-0145', (v) => v.contact !== null);
      expect(named.contact).toEqual({ id, name: 'Otto Bound', company: 'Dialled Ltd', url: link(c.crm, id!), kind: FOUND_BY });
      expect((await report('completed')).status).toBe(200);
      const logged = await c.loggedOnce('+14155550145', { contactId: id! });
      expect(logged.fields).toMatchObject({ Subject: 'Outbound call to +14155550145', CallType: 'Outbound', CallObject: 'CA-placed-0145' });
    });

    it('retries past the API limit (403 REQUEST_LIMIT_EXCEEDED three times), then logs once', async () => {
      const c = contract();
      c.crm.failNext(3, { status: 403 }, TASKS);
      const call = await c.ring('+14155550166');
      await c.end(call);
      await c.crmLog(call.sid, { state: 'pending', error: expect.stringContaining('REQUEST_LIMIT_EXCEEDED') });
      const logged = await c.loggedOnce('+14155550166');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    });

    it('creates no second Task when the relay is killed between the create and its own commit', async () => {
      const c = contract();
      const posts = () => c.crm.requests.filter((r) => r.method === 'POST' && TASKS.test(r.url));
      const releaseCreate = c.crm.holdRequests(TASKS);
      const releaseQuery = c.crm.holdRequests(TASK_QUERY);
      try {
        const before = posts().length;
        const call = await c.ring('+14155550188');
        await c.end(call);
        // The create reached Salesforce and waits there for its answer.
        await expect.poll(() => posts().slice(before).some((r) => r.status === 0), { timeout: 45_000 }).toBe(true);
        await c.crashAndRestart();
        // Salesforce commits the Task after the relay died; the restarted relay's read-back waits until then.
        releaseCreate();
        await expect.poll(() => c.activitiesFor('+14155550188').length, { timeout: 45_000 }).toBe(1);
        releaseQuery();
        const logged = await c.loggedOnce('+14155550188');
        await c.crmLog(call.sid, { state: 'logged', id: logged.id });
        expect(c.crm.requests.some((r) => r.url.includes('/query/') && r.url.includes(call.sid))).toBe(true);
      } finally {
        releaseCreate();
        releaseQuery();
      }
    });

    it("logs for the default owner the call of an agent whose user was deactivated within the hour, with one warning, and offers that user no more", async () => {
      const c = contract();
      const owners = (number: string) => c.crm.requests.filter((r) => r.method === 'POST' && TASKS.test(r.url) && r.body.includes(number)).map((r) => [r.status, JSON.parse(r.body).OwnerId]);
      const first = await c.ring('+14155550171');
      await c.end(first);
      // The agent's own user, found by her e-mail and kept by the relay for the hour.
      const ada = (await c.loggedOnce('+14155550171')).fields.OwnerId as string;
      expect(ada).toMatch(/^005/);
      c.crm.deactivateUser(ada);
      try {
        const second = await c.ring('+14155550172');
        await c.end(second);
        await c.crmLog(second.sid, { state: 'logged', error: null });
        // Refused for her (INACTIVE_OWNER_OR_USER), taken without an OwnerId: the token's user's.
        expect(owners('+14155550172')).toEqual([
          [400, ada],
          [201, undefined],
        ]);
        expect((await c.loggedOnce('+14155550172')).fields.OwnerId).not.toBe(ada);
        const third = await c.ring('+14155550173');
        await c.end(third);
        await c.crmLog(third.sid, { state: 'logged', error: null });
        expect(owners('+14155550173')).toEqual([[201, undefined]]);
        expect(c.output.split('\n').filter((line) => line.includes("crm refused the call for its agent's user"))).toHaveLength(1);
      } finally {
        // The other tests' calls are hers again: active, and a relay that has forgotten the refusal.
        c.crm.reactivateUser(ada);
        await c.crashAndRestart();
      }
    });
  },
);
