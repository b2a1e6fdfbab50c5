/**
 * connectors/crm/bitrix24.xml through a relay process against the Bitrix24 simulator: the common
 * scenarios (scenarios.ts), then Bitrix24's own: the call activity's fields and its update with the
 * wrap-up, an unknown caller's call bound to a Lead made for the number, an outgoing call, the
 * webhook redacted from the instance, a refused webhook, and the portal's 503 QUERY_LIMIT_EXCEEDED
 * waited out.
 */
import { expect, it } from 'vitest';
import { api } from '../../relay/harness.ts';
import { Bitrix24Simulator } from '../../simulators/crm/bitrix24.ts';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import type { ActivityReading } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

/** A batch carrying crm.activity.add: what creates a call (the failure target is the URL and the body). */
const CREATE = /batch\.json[^\n]*\n.*crm\.activity\.add/s;
const contactLink = (crm: Bitrix24Simulator, id: string) => `${crm.url}/crm/contact/details/${id}/`;
const callLink = (crm: Bitrix24Simulator, id: string) => `${crm.url}/crm/activity/?open_view=${id}`;

describeCrmContract<Bitrix24Simulator>(
  {
    connector: 'bitrix24',
    start: () => Bitrix24Simulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields as Record<string, unknown>;
      const communication = (fields.COMMUNICATIONS as Array<Record<string, unknown>> | undefined)?.[0];
      return {
        customerNumber: typeof communication?.VALUE === 'string' ? communication.VALUE : null,
        // Only a contact owner is a contact: an unknown caller's call is bound to a Lead.
        contactIds: fields.OWNER_TYPE_ID === 3 ? [String(fields.OWNER_ID)] : [],
        text: typeof fields.DESCRIPTION === 'string' ? fields.DESCRIPTION : '',
        owner: typeof fields.RESPONSIBLE_ID === 'string' ? fields.RESPONSIBLE_ID : null,
      };
    },
    // The webhook URL: its code is the secret.
    secrets: (crm) => [crm.config.webhook_url!],
    contactUrl: contactLink,
    contactKind: 'Contacts',
    linkAfterTheLog: 'moves',
    newContactUrl: (crm) => `${crm.url}/crm/contact/details/0/`,
    create: { pattern: CREATE, is: (r) => r.method === 'POST' && r.url.endsWith('/batch.json') && r.body.includes('crm.activity.add') },
  },
  (contract) => {
    it("names a caller with the company's title and logs a completed call activity on the contact, then updates it with the wrap-up", async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Rosa', lastName: 'Park', company: 'Globex', phones: ['+1 650 555 0101', '415-555-0141'] }]);
      const call = await c.ring('+14155550141');
      const named = await c.pushed(call.sid, (v) => v.contact?.company != null);
      expect(named.contact).toEqual({ id, name: 'Rosa Park', company: 'Globex', url: contactLink(c.crm, id!), kind: 'Contacts' });
      await c.end(call, { duration: 150 });
      const logged = await c.loggedOnce('+14155550141', { contactId: id! });
      expect(logged.fields).toMatchObject({
        OWNER_TYPE_ID: 3,
        TYPE_ID: 2,
        SUBJECT: 'Inbound call from +14155550141',
        DIRECTION: '1',
        COMPLETED: 'Y',
        DESCRIPTION_TYPE: '1',
        START_TIME: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/),
        COMMUNICATIONS: [{ TYPE: 'PHONE', VALUE: '+14155550141', ENTITY_TYPE_ID: '3', ENTITY_ID: id }],
        DESCRIPTION: expect.stringMatching(/Duration: 150 s, agent Ada Lovelace$/),
      });
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: callLink(c.crm, logged.id), error: null });

      await c.annotate(call.sid, { notes: 'Wants the annual plan', disposition: 'Left voicemail' });
      const updated = await c.loggedOnce('+14155550141', { text: expect.stringMatching(/^Wants the annual plan\nDisposition: Left voicemail\n/) });
      expect(updated.id).toBe(logged.id);
      expect(updated.updates).toBeGreaterThanOrEqual(1);
      expect(c.crm.requests.some((r) => r.url.endsWith('/crm.activity.update.json') && r.status === 200)).toBe(true);
    });

    it('binds the call of a caller nobody knows to a Lead made for the number, in the same request', async () => {
      const c = contract();
      const before = c.crm.requests.length;
      const call = await c.ring('+14155550142');
      await c.end(call);
      const logged = await c.loggedOnce('+14155550142', { contactId: null });
      const lead = c.crm.leadsMade().find((l) => l.phones.includes('+14155550142'));
      expect(lead).toEqual({ id: expect.any(String), title: '+14155550142', phones: ['+14155550142'] });
      expect(logged.fields).toMatchObject({ OWNER_TYPE_ID: 1, OWNER_ID: lead!.id, COMMUNICATIONS: [{ ENTITY_TYPE_ID: '1', ENTITY_ID: lead!.id }] });
      expect(c.crm.requests.slice(before).filter((r) => r.body.includes('crm.lead.add'))).toHaveLength(1);
    });

    it('logs a call the extension placed as outgoing (DIRECTION 2)', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Otto', lastName: 'Bound', phones: ['415.555.0145'] }]);
      const report = (status: string) => api(c.relay, c.agent.token, 'POST', '/calls', { instance: c.instance, call_id: 'CA-placed-b24-0145', to_number: '+1 415 555 0145', status });
      expect((await report('ringing')).status).toBe(201);
      expect((await c.pushed('CA-placed-b24-0145', (v) => v.contact !== null)).contact?.id).toBe(id);
      expect((await report('completed')).status).toBe(200);
      const logged = await c.loggedOnce('+14155550145', { contactId: id! });
      expect(logged.fields).toMatchObject({ SUBJECT: 'Outbound call to +14155550145', DIRECTION: '2' });
    });

    it("shows the instance's Bitrix24 setup with the webhook URL redacted and the portal plain", async () => {
      const c = contract();
      const instance = await api<{ crm: { connector: string; name: string; config: Record<string, string> } }>(c.relay, c.agent.token, 'GET', `/instances/${c.instance}`);
      expect(instance.body.crm).toMatchObject({ connector: 'bitrix24', name: 'Bitrix24', config: { webhook_url: '<redacted>', portal_url: c.crm.url } });
    });

    it('waits out the portal\'s request limit (503 QUERY_LIMIT_EXCEEDED), then logs once', async () => {
      const c = contract();
      c.crm.failNext(2, { status: 503 }, CREATE);
      const call = await c.ring('+14155550166');
      await c.end(call);
      await c.crmLog(call.sid, { state: 'pending', error: expect.stringContaining('QUERY_LIMIT_EXCEEDED') });
      const logged = await c.loggedOnce('+14155550166');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    });

    it('fails the log for good on a webhook Bitrix24 refuses, with its message; the retry API writes it once accepted', async () => {
      const c = contract();
      await c.expectRefusedLogRetried('+14155550134', CREATE, 'Invalid request credentials', async (call) => {
        await c.end(call);
      });
    });
  },
);
