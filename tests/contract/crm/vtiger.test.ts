/**
 * connectors/crm/vtiger.xml through a relay process against the Vtiger simulator: who is
 * calling (numbers stored as people typed them), each call logged once as an Events activity
 * and updated with the agent's wrap-up, and nothing lost or doubled when Twilio retries, the
 * CRM fails or is down, its session expires, or the relay is killed in the middle of a write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { api } from '../../relay/harness.ts';
import { VtigerSimulator } from '../../simulators/crm/vtiger.ts';
import { type ActivityReading, CrmContract, type CrmUnderTest } from './harness.ts';

const VTIGER: CrmUnderTest<VtigerSimulator> = {
  connector: 'vtiger',
  start: () => VtigerSimulator.start(),
  read: (activity: StoredActivity): ActivityReading => {
    const fields = activity.fields as Record<string, string>;
    return {
      // vtiger.xml's subject: "Inbound call from +14155550100".
      customerNumber: /(\+\d+)$/.exec(fields.subject ?? '')?.[1] ?? null,
      contactId: fields.contact_id || null,
      text: fields.description ?? '',
    };
  },
  // The access key, and every session id the simulator handed out (they travel as sessionName).
  secrets: (crm) => [crm.config.accesskey!, ...new Set(crm.requests.flatMap((r) => [...r.url.matchAll(/sessionName=([0-9a-f]{32})/g), ...r.body.matchAll(/sessionName=([0-9a-f]{32})/g)].map((m) => m[1]!)))],
};

let contract: CrmContract<VtigerSimulator>;

beforeAll(async () => {
  contract = await CrmContract.start(VTIGER);
});

afterAll(async () => {
  await contract?.close();
});

/** Where a Vtiger record opens: the crmid after the `x` of its webservice id. */
const recordUrl = (module: string, id: string) => `${contract.crm.url}/index.php?module=${module}&view=Detail&record=${id.split('x')[1]}`;

/** The webservice operations the relay sent, in order (from the query or the form body). */
const operations = (from = 0) => contract.crm.requests.slice(from).map((r) => new URLSearchParams(r.url.split('?')[1]).get('operation') ?? new URLSearchParams(r.body).get('operation'));

describe('who is calling', () => {
  it('names the caller while the call rings, and keeps the contact on every later event', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Mary', lastName: 'Jones', company: 'Acme Inc', phones: ['(415) 555-0101'] }]);
    const call = await contract.ring('+14155550101');
    // On the first event when the CRM answers within 300 ms; otherwise an update follows (a cold Vtiger session is five requests).
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.status).toBe('ringing');
    expect(named.contact).toEqual({ id, name: 'Mary Jones', company: 'Acme Inc', url: recordUrl('Contacts', id!) });
    expect(named.contacts).toEqual([named.contact]);
    expect(named.new_contact_url).toBeNull();

    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550101', { contactId: id });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    const events = contract.eventsOf(call.sid);
    expect(events.slice(events.indexOf(named)).every((e) => e.contact?.id === id)).toBe(true);
  });

  it.each([
    ['a US number typed with brackets', '(415) 555-0102', '+14155550102'],
    ['a US number typed in E.164 with dashes', '+1 415-555-0103', '+14155550103'],
    ['a UK number typed nationally', '020 7946 0018', '+442079460018'],
    ['a UK number typed internationally', '+44 20 7946 0019', '+442079460019'],
  ])('finds %s (%s)', async (_, stored, caller) => {
    const [id] = contract.crm.seed([{ firstName: 'Stored', lastName: stored, phones: [stored] }]);
    const call = await contract.ring(caller);
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.contacts).toEqual([{ id, name: `Stored ${stored}`, company: null, url: recordUrl('Contacts', id!) }]);
  });

  it('finds a number stored in the mobile field', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Moe', lastName: 'Bile', phones: ['+1 650 555 0100', '415.555.0104'] }]);
    const call = await contract.ring('+14155550104');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(CrmContract.ids(named.contacts)).toEqual([id]);
  });

  it('finds a Lead, with the company the Lead carries', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Lee', lastName: 'Ad', company: 'Initech', phones: ['(415) 555-0106'], lead: true }]);
    const call = await contract.ring('+14155550106');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.contact).toEqual({ id, name: 'Lee Ad', company: 'Initech', url: recordUrl('Leads', id!) });
  });

  it('offers every match when two contacts share the number, and the picked one re-links the log', async () => {
    const [ann, bo] = contract.crm.seed([
      { firstName: 'Ann', lastName: 'Lee', company: 'Lee & Co', phones: ['(415) 555-0105'] },
      { firstName: 'Bo', lastName: 'Chen', phones: ['+1 212 555 0100', '415 555 0105'] },
    ]);
    const call = await contract.ring('+14155550105');
    const named = await contract.pushed(call.sid, (c) => c.contacts.length === 2);
    expect(CrmContract.ids(named.contacts).sort()).toEqual([ann, bo].sort());
    expect(named.contact?.id).toBe(named.contacts[0]!.id);
    const other = named.contacts[1]!.id;

    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550105', { contactId: named.contact!.id });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id });
    // The agent picks the other match in the popup.
    const picked = await contract.annotate(call.sid, { contact_id: other });
    expect(picked.contact?.id).toBe(other);
    const relinked = await contract.loggedOnce('+14155550105', { contactId: other });
    expect(relinked.id).toBe(logged.id);
  });

  it('offers the new contact form when nothing matches, and logs the call without a contact', async () => {
    const call = await contract.ring('+14155550107');
    await contract.end(call);
    const view = await contract.crmLog(call.sid, { state: 'logged' });
    expect(view.contact).toBeNull();
    expect(view.contacts).toEqual([]);
    expect(view.new_contact_url).toBe(`${contract.crm.url}/index.php?module=Contacts&view=Edit&phone=%2B14155550107`);
    const logged = await contract.loggedOnce('+14155550107', { contactId: null });
    expect(view.crm_log?.id).toBe(logged.id);
  });

  it('never holds the provider back: a CRM that does not answer leaves the reply and the popup on time, the contact following', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Slow', lastName: 'Poke', phones: ['(415) 555-0113'] }]);
    const before = contract.crm.requests.length;
    const release = contract.crm.holdSearches();
    try {
      const call = await contract.ring('+14155550113');
      const first = await contract.pushed(call.sid, () => true);
      expect(first.contact).toBeNull();
      // The search was still held when both the reply and the first event were out.
      expect(contract.crm.requests.slice(before).some((r) => r.status === 0)).toBe(true);
      release();
      const named = await contract.pushed(call.sid, (c) => c.contact !== null);
      expect(named.contact?.id).toBe(id);
    } finally {
      release();
    }
  });
});

describe('the call in the CRM', () => {
  it('logs the call once as a held Call event with its numbers, times, duration, contact and marker, then updates it with the wrap-up', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Grace', lastName: 'Hopper', company: 'Navy', phones: ['(415) 555-0108'] }]);
    const call = await contract.ring('+14155550108');
    await contract.pushed(call.sid, (c) => c.contact !== null);
    await contract.end(call, { duration: 3725 });
    const view = await contract.crmLog(call.sid, { state: 'logged' });
    const logged = await contract.loggedOnce('+14155550108', { contactId: id });
    expect(view.crm_log).toEqual({ state: 'logged', id: logged.id, url: recordUrl('Calendar', logged.id), error: null });
    // Twilio sends no times: the call started when the relay heard it ring, and ended its duration later.
    const started = new Date(view.created_at);
    const ended = new Date(started.getTime() + 3725_000);
    expect(logged.fields).toMatchObject({
      subject: 'Inbound call from +14155550108',
      activitytype: 'Call',
      eventstatus: 'Held',
      assigned_user_id: expect.stringMatching(/^\d+x1$/),
      contact_id: id,
      date_start: started.toISOString().slice(0, 10),
      time_start: started.toISOString().slice(11, 19),
      due_date: ended.toISOString().slice(0, 10),
      time_end: ended.toISOString().slice(11, 19),
      duration_hours: '1',
      duration_minutes: '2',
      description: `Duration: 3725 s, agent Ada Lovelace\n[relay-call:${call.sid}]`,
    });
    expect(logged.updates).toBe(0);

    await contract.annotate(call.sid, { notes: 'Wants a callback on Monday', disposition: 'Connected' });
    await expect
      .poll(() => contract.activitiesFor('+14155550108')[0]?.fields.description, { timeout: 45_000 })
      .toBe(`Wants a callback on Monday\nDisposition: Connected\nDuration: 3725 s, agent Ada Lovelace\n[relay-call:${call.sid}]`);
    const updated = await contract.loggedOnce('+14155550108', { contactId: id });
    // Notes and disposition came in one PATCH: one revise.
    expect(updated.updates).toBe(1);
    expect(updated.id).toBe(logged.id);
  });

  it('logs a call the extension placed and reported the same way, as an outbound call', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Out', lastName: 'Bound', phones: ['415-555-0116'] }]);
    const call = await contract.report('+14155550116');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.contact?.id).toBe(id);
    await contract.end(call, { duration: 20 });
    const logged = await contract.loggedOnce('+14155550116', { contactId: id });
    expect(logged.fields.subject).toBe('Outbound call to +14155550116');
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

  it('retries a create that failed three times, shows the error meanwhile, and ends with one record', { timeout: 120_000 }, async () => {
    contract.crm.failNext(3, { status: 503 }, /operation=create/);
    const call = await contract.ring('+14155550110');
    await contract.end(call);
    const failing = await contract.pushed(call.sid, (c) => c.crm_log?.error != null);
    expect(failing.crm_log).toMatchObject({ state: 'pending', id: null, error: expect.stringContaining('503') });
    const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
    const logged = await contract.loggedOnce('+14155550110');
    expect(view.crm_log?.id).toBe(logged.id);
    const creates = contract.crm.requests.filter((r) => /operation=create/.test(r.body) && r.body.includes(call.sid));
    expect(creates.map((r) => r.status)).toEqual([503, 503, 503, 200]);
  });

  it('logs the call once the CRM is back after an outage', { timeout: 120_000 }, async () => {
    await contract.crm.down();
    try {
      const call = await contract.ring('+14155550112');
      await contract.end(call);
      await contract.pushed(call.sid, (c) => c.crm_log?.error != null);
      expect(contract.activitiesFor('+14155550112')).toEqual([]);
      await contract.crm.up();
      const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
      const logged = await contract.loggedOnce('+14155550112');
      expect(view.crm_log?.id).toBe(logged.id);
    } finally {
      await contract.crm.up();
    }
  });

  it('logs in again once when the Vtiger session expires, and goes on', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Ex', lastName: 'Pired', phones: ['(415) 555-0115'] }]);
    contract.crm.expireSessions();
    const before = contract.crm.requests.length;
    const call = await contract.ring('+14155550115');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.contact?.id).toBe(id);
    await contract.end(call);
    await contract.loggedOnce('+14155550115', { contactId: id });
    await contract.crmLog(call.sid, { state: 'logged' });
    const logins = operations(before).filter((o) => o === 'getchallenge' || o === 'login');
    expect(logins).toEqual(['getchallenge', 'login']);
  });

  it('creates no second record when the relay is killed between the CRM creating it and the relay committing it', { timeout: 120_000 }, async () => {
    const release = contract.crm.holdRequests(/operation=create/);
    try {
      const call = await contract.ring('+14155550114');
      await contract.end(call);
      await expect.poll(() => contract.crm.requests.some((r) => r.status === 0 && r.body.includes(call.sid)), { timeout: 45_000 }).toBe(true);
      await contract.crashAndRestart(async () => {
        // The CRM finishes the create after the relay died: the relay never reads its answer.
        release();
        await contract.loggedOnce('+14155550114');
      });
      const view = await contract.crmLog(call.sid, { state: 'logged', error: null });
      const logged = await contract.loggedOnce('+14155550114');
      expect(view.crm_log?.id).toBe(logged.id);
      expect(contract.output).toContain('rows left in flight by a previous run');
    } finally {
      release();
    }
  });
});

describe('secrets', () => {
  it('never shows the access key or a session id in the relay output, nor the access key in the instance', async () => {
    contract.expectNoSecretLogged();
    const instance = await api(contract.relay, contract.agent.token, 'GET', `/instances/${contract.instance}`);
    expect(instance.body.crm.config).toEqual({ url: contract.crm.url, username: 'admin', accesskey: '<redacted>' });
    expect(JSON.stringify(instance.body)).not.toContain(contract.crm.config.accesskey);
  });
});
