/**
 * connectors/crm/salesforce.xml through a relay process against the Salesforce simulator: who
 * is calling (Contacts and Leads, numbers stored as people typed them), each call logged once
 * as a completed Task and updated with the agent's wrap-up, and nothing lost or doubled when
 * Twilio retries, Salesforce refuses past its API limit or is down, or the relay is killed
 * between Salesforce's answer and its own commit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../relay/harness.ts';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { SalesforceSimulator } from '../../simulators/crm/salesforce.ts';
import { type ActivityReading, CrmContract, type CrmUnderTest, type ProviderCall } from './harness.ts';

const SALESFORCE: CrmUnderTest<SalesforceSimulator> = {
  connector: 'salesforce',
  start: () => SalesforceSimulator.start(),
  read: (activity: StoredActivity): ActivityReading => {
    const fields = activity.fields as Record<string, string | undefined>;
    return {
      // salesforce.xml's subject: "Inbound call from +14155550100".
      customerNumber: /(\+\d+)$/.exec(fields.Subject ?? '')?.[1] ?? null,
      contactId: fields.WhoId ?? null,
      text: `${fields.CallDisposition ?? ''}\n${fields.Description ?? ''}`,
    };
  },
  // The connected app's secret, the refresh token, and every access token the relay was handed.
  secrets: (crm) => [
    crm.config.client_secret!,
    crm.config.refresh_token!,
    ...new Set(crm.requests.flatMap((r) => /^Bearer (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? [])),
  ],
};

let contract: CrmContract<SalesforceSimulator>;

beforeAll(async () => {
  contract = await CrmContract.start(SALESFORCE);
});

afterAll(async () => {
  await contract?.close();
});

const link = (id: string) => `${contract.crm.url}/lightning/r/${id}/view`;
const taskLink = (id: string) => `${contract.crm.url}/lightning/r/Task/${id}/view`;
const posts = () => contract.crm.requests.filter((r) => r.method === 'POST' && /\/sobjects\/Task\/$/.test(r.url));

describe('who is calling', () => {
  it.each([
    ['(415) 555-0121', '+14155550121', false, 'Acme Inc'],
    ['+1 415-555-0122', '+14155550122', false, 'Globex'],
    ['020 7946 0123', '+442079460123', true, 'Initech'],
  ])('names a caller whose number is stored as %s, and links the logged Task to them', async (stored, number, lead, company) => {
    const [id] = contract.crm.seed([{ firstName: 'Mary', lastName: `Jones${number.slice(-2)}`, company, phones: [stored], lead }]);
    const call = await contract.ring(number);
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.contact).toEqual({ id, name: `Mary Jones${number.slice(-2)}`, company, url: link(id!) });
    expect(named.contacts).toEqual([named.contact]);
    expect(named.new_contact_url).toBeNull();

    await contract.end(call);
    await contract.loggedOnce(number, { contactId: id! });
  });

  it('offers every match, and the agent picking another re-links the logged Task', async () => {
    const [bob, bea] = contract.crm.seed([
      { firstName: 'Bob', lastName: 'Shared', company: 'Acme Inc', phones: ['+1 212 555 0142'] },
      { firstName: 'Bea', lastName: 'Shared', company: 'Bea Co', phones: ['(212) 555-0142'], lead: true },
    ]);
    const call = await contract.ring('+12125550142');
    const named = await contract.pushed(call.sid, (c) => c.contacts.length === 2);
    expect(named.contacts.map((c) => [c.id, c.name])).toEqual([[bob, 'Bob Shared'], [bea, 'Bea Shared']]);
    expect(named.contact?.id).toBe(bob);

    await contract.end(call);
    const logged = await contract.loggedOnce('+12125550142', { contactId: bob! });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
    const picked = await contract.annotate(call.sid, { contact_id: bea! });
    expect(picked.contact?.id).toBe(bea);
    await contract.loggedOnce('+12125550142', { contactId: bea! });
  });

  it("offers Salesforce's new-contact form when nobody matches, and logs the call without a contact", async () => {
    const call = await contract.ring('+16175550133');
    const unknown = await contract.pushed(call.sid, (c) => c.new_contact_url !== null);
    expect(unknown.new_contact_url).toBe(`${contract.crm.url}/lightning/o/Contact/new?defaultFieldValues=Phone=%2B16175550133`);
    expect(unknown.contact).toBeNull();
    expect(unknown.contacts).toEqual([]);
    await contract.end(call, { status: 'no-answer', duration: 0 });
    const logged = await contract.loggedOnce('+16175550133', { contactId: null });
    expect(logged.fields).toMatchObject({ CallDisposition: 'No answer', CallDurationInSeconds: 0 });
  });

  it('trades the refresh token again when Salesforce ends the session (401 INVALID_SESSION_ID)', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Sam', lastName: 'Renewed', phones: ['+1 415 555 0111'] }]);
    contract.crm.expireTokens();
    const grants = () => contract.crm.requests.filter((r) => r.url === '/services/oauth2/token').length;
    const before = grants();
    const call = await contract.ring('+14155550111');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.contact?.id).toBe(id);
    expect(grants()).toBeGreaterThan(before);
  });
});

describe('the CRM setup', () => {
  it("shows the instance's Salesforce setup with the client secret and refresh token redacted", async () => {
    const instance = await api<{ crm: { connector: string; name: string; config: Record<string, string> } }>(contract.relay, contract.agent.token, 'GET', '/instances/support-line');
    expect(instance.status).toBe(200);
    expect(instance.body.crm).toMatchObject({ connector: 'salesforce', name: 'Salesforce' });
    expect(instance.body.crm.config).toEqual({ instance_url: contract.crm.url, client_id: contract.crm.config.client_id, client_secret: '<redacted>', refresh_token: '<redacted>' });
  });
});

describe('logging the call', () => {
  it('creates one completed Task of subtype Call with the call fields, then updates it with the wrap-up', async () => {
    const call = await contract.ring('+14155550144');
    await contract.end(call, { duration: 42 });
    const logged = await contract.loggedOnce('+14155550144');
    expect(logged.fields).toMatchObject({
      Subject: 'Inbound call from +14155550144',
      TaskSubtype: 'Call',
      CallType: 'Inbound',
      CallDurationInSeconds: 42,
      CallObject: call.sid,
      CallDisposition: 'Connected',
      Status: 'Completed',
    });
    const view = await contract.view(call.sid);
    // The call's day, in UTC (the call may have no start when it was never answered).
    expect(logged.fields.ActivityDate).toBe((view.started_at ?? view.created_at).slice(0, 10));
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, url: taskLink(logged.id), error: null });

    await contract.annotate(call.sid, { notes: 'Wants the annual plan', disposition: 'Left voicemail' });
    const updated = await contract.loggedOnce('+14155550144', { text: expect.stringMatching(/^Left voicemail\nWants the annual plan\n/) });
    expect(updated.id).toBe(logged.id);
    expect(updated.updates).toBeGreaterThanOrEqual(1);
  });

  it('looks up and logs a call the extension placed (POST /calls) as an Outbound Task', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Otto', lastName: 'Bound', company: 'Dialled Ltd', phones: ['415.555.0112'] }]);
    const report = (status: string) => api(contract.relay, contract.agent.token, 'POST', '/calls', { instance: 'support-line', call_id: 'CA-placed-0112', to_number: '+1 415 555 0112', status });
    expect((await report('ringing')).status).toBe(201);
    const named = await contract.pushed('CA-placed-0112', (c) => c.contact !== null);
    expect(named.contact).toEqual({ id, name: 'Otto Bound', company: 'Dialled Ltd', url: link(id!) });
    expect((await report('completed')).status).toBe(200);
    const logged = await contract.loggedOnce('+14155550112', { contactId: id! });
    expect(logged.fields).toMatchObject({ Subject: 'Outbound call to +14155550112', CallType: 'Outbound', CallObject: 'CA-placed-0112' });
  });

  it("logs once however often Twilio retries the call's webhooks", async () => {
    const call = await contract.ring('+14155550155');
    await contract.end(call);
    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550155');
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
    await contract.end(call);
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
    expect(contract.activitiesFor('+14155550155')).toHaveLength(1);
  });
});

describe('never twice, never lost', () => {
  it('retries past the API limit (403 REQUEST_LIMIT_EXCEEDED three times), then logs once', async () => {
    contract.crm.failNext(3, { status: 403 }, /\/sobjects\/Task\/$/);
    const call = await contract.ring('+14155550166');
    await contract.end(call);
    await contract.crmLog(call.sid, { state: 'pending', error: expect.stringContaining('REQUEST_LIMIT_EXCEEDED') });
    const logged = await contract.loggedOnce('+14155550166');
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
  });

  it('keeps the log while Salesforce is down, and writes it once Salesforce is back', async () => {
    await contract.crm.down();
    let call: ProviderCall;
    try {
      call = await contract.ring('+14155550177');
      await contract.end(call);
      await contract.crmLog(call.sid, { state: 'pending', error: expect.stringContaining('could not reach') });
    } finally {
      await contract.crm.up();
    }
    const logged = await contract.loggedOnce('+14155550177');
    await contract.crmLog(call!.sid, { state: 'logged', id: logged.id, error: null });
  });

  it('creates no second Task when the relay is killed between the create and its own commit', async () => {
    const releaseCreate = contract.crm.holdRequests(/\/sobjects\/Task\/$/);
    const releaseQuery = contract.crm.holdRequests(/\/query\//);
    try {
      const before = posts().length;
      const call = await contract.ring('+14155550188');
      await contract.end(call);
      // The create reached Salesforce and waits there for its answer.
      await expect.poll(() => posts().slice(before).some((r) => r.status === 0), { timeout: 45_000 }).toBe(true);
      await contract.crashAndRestart();
      // Salesforce commits the Task after the relay died; the restarted relay's read-back waits until then.
      releaseCreate();
      await expect.poll(() => contract.activitiesFor('+14155550188').length, { timeout: 45_000 }).toBe(1);
      releaseQuery();
      const logged = await contract.loggedOnce('+14155550188');
      await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
      expect(contract.crm.requests.some((r) => r.url.includes('/query/') && r.url.includes(call.sid))).toBe(true);
    } finally {
      releaseCreate();
      releaseQuery();
    }
  });

  it('fails for good on a Task Salesforce refuses, with its message, and logs it once retried', async () => {
    const [will] = contract.crm.seed([{ firstName: 'Will', lastName: 'Go', phones: ['+1 415 555 0199'] }]);
    const call = await contract.ring('+14155550199');
    await contract.pushed(call.sid, (c) => c.contact?.id === will);
    contract.crm.failNext(1, { status: 400 }, /\/sobjects\/Task\/$/);
    await contract.end(call);
    await contract.crmLog(call.sid, { state: 'failed', id: null, error: expect.stringContaining('HTTP 400') });
    const retried = await contract.retryLog(call.sid);
    expect(retried.status).toBe(200);
    const logged = await contract.loggedOnce('+14155550199', { contactId: will! });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
  });
});

it('never writes a Salesforce secret or access token to its output', () => {
  expect(contract.crm.requests.some((r) => r.url === '/services/oauth2/token')).toBe(true);
  contract.expectNoSecretLogged();
});
