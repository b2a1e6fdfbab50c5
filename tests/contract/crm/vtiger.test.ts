/**
 * connectors/crm/vtiger.xml through a relay process against the Vtiger simulator: who is
 * calling (numbers stored as people typed them), each call logged once as an Events activity
 * and updated with the agent's wrap-up, and nothing lost or doubled when Twilio retries, the
 * CRM fails or is down, its session expires, or the relay is killed in the middle of a write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
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

describe('who is calling', () => {
  it('names the caller while the call rings, and keeps the contact on every later event', async () => {
    const [id] = contract.crm.seed([{ firstName: 'Mary', lastName: 'Jones', company: 'Acme Inc', phones: ['(415) 555-0101'] }]);
    const call = await contract.ring('+14155550101');
    // On the first event when the CRM answers within 300 ms; otherwise an update follows (a cold Vtiger session is five requests).
    const named = await contract.pushed(call.sid, (c) => c.contact !== null);
    expect(named.status).toBe('ringing');
    expect(named.contact).toEqual({ id, name: 'Mary Jones', company: 'Acme Inc', url: `${contract.crm.url}/index.php?module=Contacts&view=Detail&record=${id!.split('x')[1]}` });
    expect(named.contacts).toEqual([named.contact]);
    expect(named.new_contact_url).toBeNull();

    await contract.end(call);
    const logged = await contract.loggedOnce('+14155550101', { contactId: id });
    await contract.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    const events = contract.eventsOf(call.sid);
    expect(events.slice(events.indexOf(named)).every((e) => e.contact?.id === id)).toBe(true);
    contract.expectNoSecretLogged();
  });
});
