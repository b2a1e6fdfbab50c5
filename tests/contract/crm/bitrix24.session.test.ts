/**
 * The bundled Bitrix24 connector, run by the engine (openCrmSession) against the Bitrix24 simulator
 * over real HTTP: the batched lookup by the duplicate index in each stored form and for several
 * callers at once, the call activity it logs and updates, the agent's own user (find_user), and
 * what Bitrix24's failures come to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bitrix24Simulator } from '../../simulators/crm/bitrix24.ts';
import { expectRefusedCredential, finishedCall, itFindsSessionPeople, loadBundledCrm, openBundledCrm, seedSessionPeople, type SessionPeople } from './bundled-crm.ts';

let bitrix: Bitrix24Simulator;
let ids: SessionPeople;
const open = (config: Record<string, string> = bitrix.config) => openBundledCrm('bitrix24', config);
const link = (id: string) => `${bitrix.url}/crm/contact/details/${id}/`;
const callLink = (id: string) => `${bitrix.url}/crm/activity/?open_view=${id}`;
const contact = (id: string, name: string, company: string | null) => ({ id, name, company, url: link(id), kind: 'Contacts' });
const searches = (start: number) => bitrix.requests.slice(start).filter((r) => r.body.includes('crm.duplicate.findbycomm'));

beforeAll(async () => {
  bitrix = await Bitrix24Simulator.start();
  ids = seedSessionPeople(bitrix);
});
afterAll(() => bitrix.close());

describe('the Bitrix24 connector', () => {
  it('loads, can update a logged call and find the agent, and has no find_call', () => {
    expect(loadBundledCrm('bitrix24').name).toBe('Bitrix24');
    const session = open();
    expect(session.canUpdate).toBe(true);
    expect(session.findUser).toBeTypeOf('function');
    expect(session.findCallLog).toBeUndefined();
  });

  describe('finding the caller', () => {
    itFindsSessionPeople(() => open(), contact, () => ids, { company: 'company', second: 'second phone' });

    it('finds nobody for a deleted contact', async () => {
      expect(await open().findContacts('+13035550199')).toEqual({ ok: true, value: [] });
    });

    it("asks the index for each caller's E.164, national and trunk forms, and lists the contacts found in the same batch", async () => {
      const start = bitrix.requests.length;
      await open().findContacts('+14155550100');
      const [search] = searches(start);
      const { cmd } = JSON.parse(search!.body) as { cmd: Record<string, string> };
      expect(cmd).toEqual({
        find: 'crm.duplicate.findbycomm?entity_type=CONTACT&type=PHONE&values[]=%2B14155550100&values[]=4155550100&values[]=04155550100',
        contacts: 'crm.contact.list?filter[@ID]=$result[find][CONTACT]&select[]=ID&select[]=NAME&select[]=LAST_NAME&select[]=COMPANY_ID&select[]=PHONE',
      });
      expect(search!.url).toMatch(/^\/rest\/1\/[^/]+\/batch\.json$/);
    });

    it('looks several callers up in one request, each given their own contact', async () => {
      const session = open();
      const start = bitrix.requests.length;
      const found = await session.findContactsOf!(['+14155550100', '+14155550177', '+442079460018']);
      expect(found).toEqual({ ok: true, value: [[contact(ids.jane, 'Jane Doe', 'Acme')], [contact(ids.ravi, 'Ravi Shah', 'Globex')], [contact(ids.olu, 'Olu Ade', null)]] });
      expect(searches(start)).toHaveLength(1);
    });
  });

  describe('logging the call', () => {
    it('adds a completed call activity on the contact for the agent, then updates it with the wrap-up and the pick', async () => {
      const session = open();
      expect(await session.findUser!('ANN@example.com')).toEqual({ ok: true, value: null });
      const ann = bitrix.seedUser({ email: 'ann@example.com', firstName: 'Ann', lastName: 'Agent' });
      expect(await session.findUser!('ANN@example.com')).toEqual({ ok: true, value: ann });

      const call = finishedCall({ contact_id: ids.jane, agent_crm_id: ann, recording_url: 'https://media.example/RE1.mp3' });
      const logged = await session.logCall(call);
      if (!logged.ok) throw new Error(logged.error);
      expect(logged.value).toEqual({ id: expect.stringMatching(/^\d+$/), url: callLink(logged.value.id) });
      expect(bitrix.activities().find((a) => a.id === logged.value.id)!.fields).toMatchObject({
        OWNER_TYPE_ID: 3,
        OWNER_ID: ids.jane,
        TYPE_ID: 2,
        SUBJECT: 'Inbound call from +14155550100',
        DIRECTION: '1',
        START_TIME: '2025-03-02T14:05:10+00:00',
        END_TIME: '2025-03-02T14:09:52+00:00',
        COMPLETED: 'Y',
        RESPONSIBLE_ID: ann,
        DESCRIPTION_TYPE: '1',
        DESCRIPTION: 'Wants a callback\nRecording: https://media.example/RE1.mp3\nDuration: 282 s, agent Ann Agent',
        COMMUNICATIONS: [{ TYPE: 'PHONE', VALUE: '+14155550100', ENTITY_TYPE_ID: '3', ENTITY_ID: ids.jane }],
      });
      expect(bitrix.leadsMade()).toEqual([]);

      const updated = await session.updateCall(logged.value.id, { ...call, notes: 'Call back Monday', disposition: 'Left voicemail', contact_id: ids.olu });
      expect(updated).toEqual({ ok: true, value: { url: callLink(logged.value.id) } });
      expect(bitrix.activities().find((a) => a.id === logged.value.id)).toMatchObject({
        updates: 1,
        fields: { DESCRIPTION: 'Call back Monday\nDisposition: Left voicemail\nRecording: https://media.example/RE1.mp3\nDuration: 282 s, agent Ann Agent', OWNER_TYPE_ID: 3, OWNER_ID: ids.olu, SUBJECT: 'Inbound call from +14155550100' },
      });
    });

    it('logs an outgoing call of an unknown number on a Lead made for it, for the webhook user, and keeps the Lead through an update', async () => {
      const session = open();
      const logged = await session.logCall(finishedCall({ direction: 'outbound', status: 'no-answer', duration: 0, notes: null, customer_number: '+14155550188' }));
      if (!logged.ok) throw new Error(logged.error);
      const lead = bitrix.leadsMade().find((l) => l.phones.includes('+14155550188'))!;
      const stored = () => bitrix.activities().find((a) => a.id === logged.value.id)!.fields;
      expect(stored()).toMatchObject({ OWNER_TYPE_ID: 1, OWNER_ID: lead.id, SUBJECT: 'Outbound call to +14155550188', DIRECTION: '2', RESPONSIBLE_ID: bitrix.webhookUserId, DESCRIPTION: 'Duration: 0 s, agent Ann Agent' });
      expect(await session.updateCall(logged.value.id, finishedCall({ customer_number: '+14155550188', notes: 'Not in' }))).toMatchObject({ ok: true });
      expect(stored()).toMatchObject({ OWNER_TYPE_ID: 1, OWNER_ID: lead.id, DESCRIPTION: expect.stringMatching(/^Not in\n/) });
    });

    it("fails a log Bitrix24 refuses inside the batch for good, naming no id, and writes nothing", async () => {
      const before = bitrix.activities().length;
      const logged = await open().logCall(finishedCall({ contact_id: '999999' }));
      expect(logged).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('result.result.call') });
      expect(bitrix.activities()).toHaveLength(before);
    });

    it('fails an update of an activity someone deleted, for good, with Bitrix24\'s words', async () => {
      expect(await open().updateCall('424242', finishedCall())).toMatchObject({ ok: false, retry: false, status: 400, error: 'update_call: HTTP 400: Not found' });
    });

    it('offers its declared dispositions and the new contact card', async () => {
      const session = open();
      expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'] });
      expect(session.newContactUrl('+14155550123')).toBe(`${bitrix.url}/crm/contact/details/0/`);
    });
  });

  describe('failures', () => {
    it('is retryable on QUERY_LIMIT_EXCEEDED, with its Retry-After', async () => {
      bitrix.failNext(1, { status: 503, retryAfterSeconds: 2 }, /crm\.activity\.add/);
      expect(await open().logCall(finishedCall())).toMatchObject({ ok: false, retry: true, status: 503, retryAfterMs: 2000, error: expect.stringContaining('QUERY_LIMIT_EXCEEDED') });
    });

    it('fails for good on a webhook the portal does not know, without its code', async () => {
      const wrong = bitrix.config.webhook_url!.replace(/[^/]+\/$/, 'wrongwebhookcode9/');
      await expectRefusedCredential('bitrix24', { ...bitrix.config, webhook_url: wrong }, 'wrongwebhookcode9', 'Invalid request credentials');
    });
  });
});
