/**
 * connectors/crm/pipedrive.xml through a relay process against the Pipedrive simulator: who is
 * calling (persons, numbers stored as people typed them), each call written once as an
 * immutable call log when the agent's wrap-up is in, and nothing lost or doubled when Twilio
 * retries, Pipedrive fails or is down, or the relay is killed while a write waits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { PipedriveSimulator } from '../../simulators/crm/pipedrive.ts';
import { type ActivityReading, CrmContract, type CrmUnderTest, type ProviderCall } from './harness.ts';
import { describeNeverTwiceNeverLost, outbox, outboxDrained } from './logging-scenarios.ts';

const PIPEDRIVE: CrmUnderTest<PipedriveSimulator> = {
  connector: 'pipedrive',
  start: () => PipedriveSimulator.start(),
  read: (activity: StoredActivity): ActivityReading => {
    const fields = activity.fields;
    return {
      // pipedrive.xml's subject: "Inbound call from +14155550100".
      customerNumber: /(\+\d+)$/.exec(String(fields.subject ?? ''))?.[1] ?? null,
      contactId: fields.person_id == null ? null : String(fields.person_id),
      text: String(fields.note ?? ''),
    };
  },
  secrets: (crm) => [crm.config.token!],
};

let contract: CrmContract<PipedriveSimulator>;

beforeAll(async () => {
  contract = await CrmContract.start(PIPEDRIVE);
});

afterAll(async () => {
  await contract?.close();
});

/** Ends the call and gives the wrap-up: a call log is written once both are in (CRM_WRAP_UP_SECONDS is the default 5 minutes here). */
async function endAndWrapUp(call: ProviderCall, wrapUp: { notes?: string; disposition?: string } = { notes: 'Called about the invoice' }): Promise<void> {
  await contract.end(call);
  await contract.annotate(call.sid, wrapUp);
}

describe('who is calling', () => {
  it('names the caller from a number typed nationally, and keeps the person on every later event', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Mary', lastName: 'Jones', company: 'Acme Inc', phones: ['(415) 555-0101'] }]);
    const call = await contract.ring('+14155550101');
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.status).toBe('ringing');
    expect(named.contact).toEqual({ id, name: 'Mary Jones', company: 'Acme Inc', url: `https://acme.pipedrive.com/person/${id}` });
    expect(named.contacts).toEqual([named.contact]);
    expect(named.new_contact_url).toBeNull();
    contract.expectNoSecretLogged();
  });

  it('offers every person a number is stored for, in any format; the agent\'s pick is the person the log links', async () => {
    const [first, second] = contract.crm.seed([
      { firstName: 'Ann', lastName: 'Lee', company: 'Lee Ltd', phones: ['+44 20 7946 0102'] },
      { firstName: 'Bert', lastName: 'Lee', phones: ['020 7946 0102'] },
    ]);
    const call = await contract.ring('+442079460102');
    const named = await contract.pushed(call.sid, (c) => c.contacts.length === 2);
    expect(CrmContract.ids(named.contacts).sort()).toEqual([first, second].sort());
    await contract.end(call);
    await contract.annotate(call.sid, { contact_id: second! });
    await contract.annotate(call.sid, { notes: 'Bert, not Ann' });
    await contract.loggedOnce('+442079460102', { contactId: second!, text: expect.stringContaining('Bert, not Ann') });
  });

  it('names nobody when no person has the number, and logs the call without a person', async () => {
    const call = await contract.ring('+14155550103');
    await contract.end(call);
    const view = await contract.view(call.sid);
    expect(view).toMatchObject({ contact: null, contacts: [], new_contact_url: null });
    await contract.annotate(call.sid, { disposition: 'No answer' });
    const logged = await contract.loggedOnce('+14155550103', { contactId: null });
    expect(logged.fields).toMatchObject({ outcome: 'no_answer', person_id: null });
  });
});

describe('each call written once, as a call log, when the wrap-up is in', () => {
  it('waits for the agent\'s notes, then writes one call log with Pipedrive\'s fields, and never changes it', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Nora', lastName: 'Quinn', phones: ['+1 415 555 0104'] }]);
    const call = await contract.ring('+14155550104');
    await contract.pushed(call.sid, (c) => c.contact?.id === id);
    await contract.end(call, { duration: 125 });
    // Final, but no wrap-up yet: its one outbox row waits, not due (a call log cannot be changed once written).
    await contract.crmLog(call.sid, { state: 'pending', id: null });
    expect(await outbox(contract)).toEqual({ depth: 1, oldestDueSeconds: 0 });
    expect(contract.activitiesFor('+14155550104')).toEqual([]);

    await contract.annotate(call.sid, { notes: 'Wants the <b>blue</b> one', disposition: 'Left voicemail' });
    const logged = await contract.loggedOnce('+14155550104', { contactId: id });
    expect(logged.fields).toMatchObject({
      subject: 'Inbound call from +14155550104',
      outcome: 'left_voicemail',
      from_phone_number: '+14155550104',
      duration: '125',
      person_id: Number(id),
      note: '<p>Wants the &lt;b&gt;blue&lt;/b&gt; one</p><p>Disposition: Left voicemail</p>',
    });
    expect(logged.fields.start_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, url: `https://acme.pipedrive.com/person/${id}`, error: null });

    await contract.annotate(call.sid, { notes: 'A later note stays in the relay' });
    await outboxDrained(contract);
    expect(contract.activitiesFor('+14155550104')).toEqual([expect.objectContaining({ id: logged.id, updates: 0 })]);
    expect(contract.crm.requests.some((r) => r.method !== 'GET' && r.url.includes(logged.id))).toBe(false);
  });

  it('a token Pipedrive refuses fails the log for good with its message; the retry API writes it once accepted', async () => {
    contract.crm.failNext(1, { status: 401 }, /callLogs/);
    const call = await contract.ring('+14155550105');
    await endAndWrapUp(call);
    await contract.crmLog(call.sid, { state: 'failed', id: null, error: expect.stringContaining('unauthorized access') });
    expect(contract.activitiesFor('+14155550105')).toEqual([]);
    const retried = await contract.retryLog(call.sid);
    expect(retried.status).toBe(200);
    const logged = await contract.loggedOnce('+14155550105');
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
  });
});

describeNeverTwiceNeverLost({ contract: () => contract, finish: endAndWrapUp, writes: /\/v1\/callLogs/ });
