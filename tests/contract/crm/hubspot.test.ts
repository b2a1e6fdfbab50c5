/**
 * connectors/crm/hubspot.xml through a relay process against the HubSpot simulator: who is
 * calling (phone, mobile phone and HubSpot's calculated national digits), each call logged once
 * as a calls engagement associated with the contact (durations in milliseconds) and updated with
 * the wrap-up, and nothing lost or doubled when Twilio retries, HubSpot rate-limits with
 * Retry-After, fails, is down, or refuses the token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../../relay/harness.ts';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { HubSpotSimulator } from '../../simulators/crm/hubspot.ts';
import { type ActivityReading, CrmContract, type CrmUnderTest } from './harness.ts';

const CALLS = /^\/crm\/v3\/objects\/calls$/;

const HUBSPOT: CrmUnderTest<HubSpotSimulator> = {
  connector: 'hubspot',
  start: () => HubSpotSimulator.start(),
  read: (activity: StoredActivity): ActivityReading => {
    const fields = activity.fields as Record<string, string | null> & { associations: Array<{ to: { id: string }; types: Array<{ associationTypeId: number }> }> };
    return {
      customerNumber: (fields.hs_call_direction === 'OUTBOUND' ? fields.hs_call_to_number : fields.hs_call_from_number) ?? null,
      // 194: call to contact.
      contactId: fields.associations.find((a) => a.types.some((t) => t.associationTypeId === 194))?.to.id ?? null,
      text: fields.hs_call_body ?? '',
    };
  },
  secrets: (crm) => [crm.config.token!],
};

let contract: CrmContract<HubSpotSimulator>;

beforeAll(async () => {
  contract = await CrmContract.start(HUBSPOT);
});

afterAll(async () => {
  await contract?.close();
});

const recordUrl = (id: string) => `https://app.hubspot.com/contacts/${contract.crm.config.portal_id}/record/0-1/${id}`;

describe('who is calling', () => {
  it('names the caller while the call rings, and keeps the contact on every later event', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Mary', lastName: 'Jones', company: 'Acme Inc', phones: ['+14155550101'] }]);
    const call = await contract.ring('+14155550101');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.status).toBe('ringing');
    expect(named.contact).toEqual({ id, name: 'Mary Jones', company: 'Acme Inc', url: recordUrl(id!) });
    expect(named.contacts).toEqual([named.contact]);

    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550101', { contactId: id });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    const events = contract.eventsOf(call.sid);
    expect(events.slice(events.indexOf(named)).every((e) => e.contact?.id === id)).toBe(true);
  });

  it.each([
    ['a US number typed with brackets', ['(415) 555-0102'], '+14155550102'],
    ['a US number typed in E.164 with dashes', ['+1 415-555-0103'], '+14155550103'],
    ['a UK number typed nationally', ['020 7946 0018'], '+442079460018'],
    ['a UK number typed internationally', ['+44 20 7946 0019'], '+442079460019'],
    ['a number in the mobile phone', ['+1 650 555 0100', '+14155550104'], '+14155550104'],
  ])('finds %s (%s)', async (_, phones, caller) => {
    const [id] = contract.crm.seed([{ firstName: 'Stored', lastName: phones.at(-1)!, phones }]);
    const call = await contract.ring(caller);
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(CrmContract.ids(named.contacts)).toEqual([id]);
  });

  it('offers every match when two contacts share the number, and logs the call with the one the agent picked', async () => {
    const [ann, bo] = contract.crm.seed([
      { firstName: 'Ann', lastName: 'Lee', phones: ['+14155550105'] },
      { firstName: 'Bo', lastName: 'Chen', phones: ['+1 212 555 0100', '+14155550105'] },
    ]);
    const call = await contract.ring('+14155550105');
    const named = await contract.pushed(call.sid, (c) => c.contacts.length === 2);
    expect(CrmContract.ids(named.contacts).sort()).toEqual([ann, bo].sort());
    const other = named.contacts.find((c) => c.id !== named.contact!.id)!.id;
    // The agent picks the other match in the popup while the call goes on.
    const picked = await contract.annotate(call.sid, { contact_id: other });
    expect(picked.contact?.id).toBe(other);
    await contract.end(call);
    await contract.loggedOnce('+14155550105', { contactId: other });
  });

  it('logs the call without a contact when nothing matches', async () => {
    const call = await contract.ring('+14155550107');
    await contract.end(call);
    const view = await contract.crmLog(call.sid, { state: 'logged' });
    expect([view.contact, view.contacts]).toEqual([null, []]);
    const logged = await contract.loggedOnce('+14155550107', { contactId: null });
    expect(view.crm_log?.id).toBe(logged.id);
  });
});

describe('the call in the CRM', () => {
  it('logs the call once with its direction, numbers, time, duration in ms and status, then updates it with notes and disposition', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Grace', lastName: 'Hopper', phones: ['+14155550108'] }]);
    const call = await contract.ring('+14155550108');
    await contract.pushed(call.sid, (c) => c.contact !== null);
    await contract.end(call, { duration: 3725 });
    const view = await contract.crmLog(call.sid, { state: 'logged' });
    const logged = await contract.loggedOnce('+14155550108', { contactId: id });
    expect(view.crm_log).toEqual({ state: 'logged', id: logged.id, url: `https://app.hubspot.com/contacts/${contract.crm.config.portal_id}/record/0-48/${logged.id}`, error: null });
    expect(logged.fields).toMatchObject({
      // Twilio sends no times: the call started when the relay heard it ring.
      hs_timestamp: new Date(view.created_at).toISOString(),
      hs_call_title: 'Inbound call from +14155550108',
      hs_call_direction: 'INBOUND',
      hs_call_status: 'COMPLETED',
      hs_call_duration: '3725000',
      hs_call_from_number: '+14155550108',
      hs_call_to_number: contract.agent.number,
      associations: [{ to: { id }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }],
    });
    expect(logged.updates).toBe(0);

    await contract.annotate(call.sid, { notes: 'Wants a callback <soon> & cheap', disposition: 'Left voicemail' });
    await expect.poll(() => contract.activitiesFor('+14155550108')[0]?.updates, { timeout: 45_000 }).toBe(1);
    const updated = await contract.loggedOnce('+14155550108', { contactId: id });
    expect(updated.id).toBe(logged.id);
    expect(updated.fields).toMatchObject({ hs_call_body: 'Wants a callback &lt;soon&gt; &amp; cheap', hs_call_disposition: 'b2cf5968-551e-4856-9783-52b3da59a7d0', hs_call_duration: '3725000' });
  });

  it('logs a call the extension placed and reported the same way, as an outbound call', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Out', lastName: 'Bound', phones: ['+14155550116'] }]);
    const call = await contract.report('+14155550116');
    await contract.pushed(call.sid, (c) => c.contact !== null);
    await contract.end(call, { duration: 20 });
    const logged = await contract.loggedOnce('+14155550116', { contactId: id });
    expect(logged.fields).toMatchObject({ hs_call_direction: 'OUTBOUND', hs_call_title: 'Outbound call to +14155550116', hs_call_duration: '20000' });
  });

  it('keeps one record when Twilio retries the final webhook', async () => {
    const call = await contract.ring('+14155550109');
    await Promise.all([contract.end(call), contract.end(call)]);
    await contract.crmLog(call.sid, { state: 'logged' });
    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550109');
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
    expect(contract.activitiesFor('+14155550109')).toHaveLength(1);
  });

  it('waits as long as the 429 Retry-After says before creating again, and creates once', { timeout: 120_000 }, async () => {
    contract.crm.failNext(1, { status: 429, retryAfterSeconds: 5 }, CALLS);
    const before = contract.crm.requests.length;
    const call = await contract.ring('+14155550117');
    await contract.end(call);
    const failing = await contract.pushed(call.sid, (c) => c.crm_log?.error != null);
    expect(failing.crm_log).toMatchObject({ state: 'pending', id: null, error: expect.stringContaining('ten_secondly_rolling') });
    await contract.crmLog(call.sid, { state: 'logged', error: null });
    await contract.loggedOnce('+14155550117');
    const creates = contract.crm.requests.slice(before).filter((r) => r.method === 'POST' && CALLS.test(r.url));
    expect(creates.map((r) => r.status)).toEqual([429, 201]);
    // The relay's own backoff would have come back within 2 s.
    expect(creates[1]!.at - creates[0]!.at).toBeGreaterThanOrEqual(5_000);
  });

  it('retries a create that failed three times and ends with one record', { timeout: 120_000 }, async () => {
    contract.crm.failNext(3, { status: 502 }, CALLS);
    const before = contract.crm.requests.length;
    const call = await contract.ring('+14155550110');
    await contract.end(call);
    const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
    const logged = await contract.loggedOnce('+14155550110');
    expect(view.crm_log?.id).toBe(logged.id);
    const creates = contract.crm.requests.slice(before).filter((r) => r.method === 'POST' && CALLS.test(r.url));
    expect(creates.map((r) => r.status)).toEqual([502, 502, 502, 201]);
  });

  it('logs the call once HubSpot is back after an outage', { timeout: 120_000 }, async () => {
    await contract.crm.down();
    try {
      const call = await contract.ring('+14155550112');
      await contract.end(call);
      await contract.pushed(call.sid, (c) => c.crm_log?.error != null);
      expect(contract.activitiesFor('+14155550112')).toEqual([]);
      await contract.crm.up();
      const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
      expect(view.crm_log?.id).toBe((await contract.loggedOnce('+14155550112')).id);
    } finally {
      await contract.crm.up();
    }
  });

  it('loses nothing when the relay is killed while HubSpot is down: the log is written after the restart, once', { timeout: 120_000 }, async () => {
    await contract.crm.down();
    try {
      const call = await contract.ring('+14155550119');
      await contract.end(call);
      await contract.pushed(call.sid, (c) => c.crm_log?.error != null);
      await contract.crashAndRestart(() => contract.crm.up());
      const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
      expect(view.crm_log?.id).toBe((await contract.loggedOnce('+14155550119')).id);
    } finally {
      await contract.crm.up();
    }
  });

  it("shows a refused token as a failed log with HubSpot's message, and logs once the agent retries", async () => {
    contract.crm.failNext(1, { status: 401 }, CALLS);
    const call = await contract.ring('+14155550118');
    await contract.end(call);
    const failed = await contract.crmLog(call.sid, { state: 'failed' });
    expect(failed.crm_log?.error).toMatch(/authentication credentials/i);
    expect(contract.activitiesFor('+14155550118')).toEqual([]);
    const retried = await contract.retryLog(call.sid);
    expect(retried.status).toBe(200);
    expect(retried.body.crm_log?.state).toBe('pending');
    const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
    expect(view.crm_log?.id).toBe((await contract.loggedOnce('+14155550118')).id);
  });
});

describe('secrets', () => {
  it('never shows the access token in the relay output, nor in the instance', async () => {
    contract.expectNoSecretLogged();
    const instance = await api(contract.relay, contract.agent.token, 'GET', `/instances/${contract.instance}`);
    expect(instance.body.crm.config).toMatchObject({ token: '<redacted>' });
    expect(JSON.stringify(instance.body)).not.toContain(contract.crm.config.token);
  });
});
