/**
 * connectors/crm/zoho.xml through a relay process against the Zoho CRM simulator: who is
 * calling (Contacts and Leads, E.164 then the national number), each call created once in the
 * Calls module and updated with the agent's wrap-up and pick, the access token refreshed when
 * it expires, and nothing lost or doubled when Twilio retries, Zoho fails or is down, or the
 * relay is killed while a write waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { ZohoSimulator } from '../../simulators/crm/zoho.ts';
import { type ActivityReading, CrmContract, type CrmUnderTest } from './harness.ts';
import { describeNeverTwiceNeverLost, outboxDrained } from './logging-scenarios.ts';

const ZOHO: CrmUnderTest<ZohoSimulator> = {
  connector: 'zoho',
  // The org has the unique Calls field; only the test that names it in the config uses it.
  start: () => ZohoSimulator.start({ uniqueCallField: 'Relay_Call_Id' }),
  read: (activity: StoredActivity): ActivityReading => {
    const fields = activity.fields;
    return {
      // zoho.xml's Subject: "Inbound call from +14155550100".
      customerNumber: /(\+\d+)$/.exec(String(fields.Subject ?? ''))?.[1] ?? null,
      contactId: (fields.Who_Id as { id?: string } | null | undefined)?.id ?? null,
      text: [fields.Description, fields.Call_Result].filter((v) => typeof v === 'string').join('\n'),
    };
  },
  // The OAuth client's secrets, and every access token the accounts server handed out.
  secrets: (crm) => [
    crm.config.client_secret!,
    crm.config.refresh_token!,
    ...new Set(crm.requests.flatMap((r) => /^Zoho-oauthtoken (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? [])),
  ],
};

let contract: CrmContract<ZohoSimulator>;

beforeAll(async () => {
  contract = await CrmContract.start(ZOHO);
});

afterAll(async () => {
  await contract?.close();
});

const link = (module: string, id: string) => `https://crm.zoho.com/crm/tab/${module}/${id}`;

describe('who is calling', () => {
  it('names a contact whose number was typed nationally (found by the national number after E.164 found none)', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Mary', lastName: 'Jones', company: 'Acme Inc', phones: ['(415) 555-0101'] }]);
    const call = await contract.ring('+14155550101');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.status).toBe('ringing');
    expect(named.contact).toEqual({ id, name: 'Mary Jones', company: 'Acme Inc', url: link('Contacts', id!) });
    expect(named.contacts).toEqual([named.contact]);
    const searched = contract.crm.requests.filter((r) => r.url.includes('/search')).map((r) => {
      const url = new URL(r.url, contract.crm.url);
      return `${url.pathname.split('/')[3]} ${url.searchParams.get('phone')}`;
    });
    expect(searched).toEqual(['Contacts +14155550101', 'Leads +14155550101', 'Contacts 4155550101', 'Leads 4155550101']);
    contract.expectNoSecretLogged();
  });

  it('offers a contact and a lead stored in E.164; the agent\'s pick re-links the logged call', async () => {
    const [contactId, leadId] = contract.crm.seed([
      { firstName: 'Ann', lastName: 'Lee', company: 'Lee Ltd', phones: ['+44 20 7946 0102'] },
      { firstName: 'Bert', lastName: 'Lee', company: 'Bert Co', phones: ['+442079460102'], lead: true },
    ]);
    const call = await contract.ring('+442079460102');
    const named = await contract.pushed(call.sid, (c) => c.contacts.length === 2);
    expect(named.contacts).toEqual([
      { id: contactId, name: 'Ann Lee', company: 'Lee Ltd', url: link('Contacts', contactId!) },
      { id: leadId, name: 'Bert Lee', company: 'Bert Co', url: link('Leads', leadId!) },
    ]);
    expect(named.contact?.id).toBe(contactId);
    await contract.end(call);
    const logged = await contract.loggedOnce('+442079460102', { contactId: contactId! });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
    await contract.annotate(call.sid, { contact_id: leadId! });
    await contract.loggedOnce('+442079460102', { contactId: leadId! });
  });

  it('names nobody when no contact or lead has the number, and logs the call unlinked', async () => {
    const call = await contract.ring('+14155550103');
    await contract.end(call, { status: 'no-answer', duration: 0 });
    expect(await contract.view(call.sid)).toMatchObject({ contact: null, contacts: [], new_contact_url: null });
    const logged = await contract.loggedOnce('+14155550103', { contactId: null });
    expect(logged.fields).toMatchObject({ Call_Type: 'Missed', Call_Duration: '00:00' });
  });
});

describe('each call created once in Calls, then updated', () => {
  it('creates the Calls record with Zoho\'s fields when the call ends, then puts the agent\'s notes and disposition on it', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Nora', lastName: 'Quinn', phones: ['+1 415 555 0104'] }]);
    const call = await contract.ring('+14155550104');
    await contract.pushed(call.sid, (c) => c.contact?.id === id);
    await contract.end(call, { duration: 125 });
    const logged = await contract.loggedOnce('+14155550104', { contactId: id });
    expect(logged.fields).toMatchObject({ Subject: 'Inbound call from +14155550104', Call_Type: 'Inbound', Call_Duration: '02:05', Call_Duration_in_seconds: 125, Caller_ID: '+14155550104', Who_Id: { id, name: 'Nora Quinn' } });
    expect(logged.fields.Call_Start_Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, url: link('Calls', logged.id), error: null });

    await contract.annotate(call.sid, { notes: 'Wants a quote', disposition: 'Requested more info' });
    await contract.loggedOnce('+14155550104', { text: 'Wants a quote\nRequested more info' });
    await outboxDrained(contract);
    const [updated] = contract.activitiesFor('+14155550104');
    expect(updated).toMatchObject({ id: logged.id, fields: { Description: 'Wants a quote', Call_Result: 'Requested more info' } });
  });

  it('an access token that expired is refreshed and the write goes through', async () => {
    contract.crm.expireTokens();
    const call = await contract.ring('+14155550105');
    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550105');
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    expect(contract.crm.requests.filter((r) => r.url.startsWith('/oauth/v2/token')).length).toBeGreaterThanOrEqual(2);
    contract.expectNoSecretLogged();
  });

  it('a record Zoho refuses fails the log for good with its code and message; the retry API creates it once accepted', async () => {
    contract.crm.failNext(1, { status: 400 }, /\/crm\/v8\/Calls$/);
    const call = await contract.ring('+14155550106');
    await contract.end(call);
    await contract.crmLog(call.sid, { state: 'failed', id: null, error: expect.stringContaining('INVALID_REQUEST') });
    expect(contract.activitiesFor('+14155550106')).toEqual([]);
    expect((await contract.retryLog(call.sid)).status).toBe(200);
    const logged = await contract.loggedOnce('+14155550106');
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
  });

  it('creates no second record when the relay is killed between Zoho creating it and the relay committing it (found by the unique Calls field)', { timeout: 120_000 }, async () => {
    await contract.configureCrm({ ...contract.crm.config, call_id_field: 'Relay_Call_Id' });
    const creates = /\/crm\/v8\/Calls$/;
    const release = contract.crm.holdRequests(creates);
    try {
      const call = await contract.ring('+14155550107');
      await contract.end(call);
      const isCreate = (r: { method: string; url: string; body: string }) => r.method === 'POST' && creates.test(r.url) && r.body.includes(call.sid);
      await expect.poll(() => contract.crm.requests.some((r) => r.status === 0 && isCreate(r)), { timeout: 45_000 }).toBe(true);
      await contract.crashAndRestart(async () => {
        // Zoho finishes the create after the relay died: the relay never reads its answer.
        release();
        await contract.loggedOnce('+14155550107');
      });
      await outboxDrained(contract);
      const logged = await contract.loggedOnce('+14155550107');
      expect(logged.fields.Relay_Call_Id).toBe(call.sid);
      await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      expect(contract.crm.requests.filter(isCreate)).toHaveLength(1);
      expect(contract.crm.requests.some((r) => r.url.startsWith('/crm/v8/Calls/search') && r.url.includes(encodeURIComponent(call.sid)) && r.status === 200)).toBe(true);
      expect(contract.output).toContain('rows left in flight by a previous run');
    } finally {
      release();
      await contract.configureCrm(contract.crm.config);
    }
  });
});

describeNeverTwiceNeverLost({ contract: () => contract, finish: (call) => contract.end(call).then(() => undefined), writes: /\/crm\/v8\/Calls/ });
