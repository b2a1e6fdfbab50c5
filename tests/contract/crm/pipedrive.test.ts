/**
 * connectors/crm/pipedrive.xml through a relay process against the Pipedrive simulator: the
 * common scenarios (scenarios.ts), where a call's log is due once it ended and the agent's
 * wrap-up is in, then Pipedrive's own: a pick made after the call ended, the outcome words, the
 * call log's fields written once and never changed, and a refused token.
 */
import { expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { PipedriveSimulator } from '../../simulators/crm/pipedrive.ts';
import { type ActivityReading, CrmContract } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

const CALL_LOGS = /\/v1\/callLogs/;

describeCrmContract<PipedriveSimulator>(
  {
    connector: 'pipedrive',
    start: () => PipedriveSimulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields;
      return {
        // pipedrive.xml's subject: "Inbound call from +14155550100".
        customerNumber: /(\+\d+)$/.exec(String(fields.subject ?? ''))?.[1] ?? null,
        contactIds: fields.person_id == null ? [] : [String(fields.person_id)],
        text: String(fields.note ?? ''),
        // Pipedrive names the token's user when the log gave none.
        owner: fields.user_id == null ? null : String(fields.user_id),
      };
    },
    secrets: (crm) => [crm.config.token!],
    contactUrl: (_, id) => `https://acme.pipedrive.com/person/${id}`,
    contactKind: 'persons',
    // Call logs never change once written.
    linkAfterTheLog: 'stays',
    // pipedrive.xml declares no new-contact form.
    newContactUrl: () => null,
    create: { pattern: CALL_LOGS, is: (r) => r.method === 'POST' && CALL_LOGS.test(r.url) },
    finish: (contract, call) => contract.endAndWrapUp(call),
  },
  (contract) => {
    it("takes the agent's pick made after the call ended and before the wrap-up: the one call log links that person", async () => {
      const c = contract();
      const [first, second] = c.crm.seed([
        { firstName: 'Ann', lastName: 'Lee', company: 'Lee Ltd', phones: ['+44 20 7946 0131'] },
        { firstName: 'Bert', lastName: 'Lee', phones: ['020 7946 0131'] },
      ]);
      const call = await c.ring('+442079460131');
      const named = await c.pushed(call.sid, (v) => v.contacts.length === 2);
      expect(CrmContract.ids(named.contacts).sort()).toEqual([first, second].sort());
      await c.end(call);
      await c.annotate(call.sid, { contact_id: second! });
      await c.annotate(call.sid, { notes: 'Bert, not Ann' });
      await c.loggedOnce('+442079460131', { contactId: second!, text: expect.stringContaining('Bert, not Ann') });
    });

    it("writes Pipedrive's outcome word for the disposition, and no person when nobody matched", async () => {
      const c = contract();
      const call = await c.ring('+14155550132');
      await c.end(call);
      await c.annotate(call.sid, { disposition: 'No answer' });
      const logged = await c.loggedOnce('+14155550132', { contactId: null });
      expect(logged.fields).toMatchObject({ outcome: 'no_answer', person_id: null });
    });

    it("waits for the agent's notes, then writes one call log with Pipedrive's fields, and never changes it", async () => {
      const c = contract();
      const { call, contactId: id, logged } = await c.loggedOnceAtWrapUp('+14155550133', { notes: 'Wants the <b>blue</b> one', disposition: 'Left voicemail' });
      expect(logged.fields).toMatchObject({
        subject: 'Inbound call from +14155550133',
        outcome: 'left_voicemail',
        from_phone_number: '+14155550133',
        duration: '125',
        person_id: Number(id),
        note: '<p>Wants the &lt;b&gt;blue&lt;/b&gt; one</p><p>Disposition: Left voicemail</p>',
      });
      expect(logged.fields.start_time).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: `https://acme.pipedrive.com/person/${id}`, error: null });
      await c.expectLeftAsWritten(call, logged, 'Pipedrive');
    });

    it('fails the log for good on a token Pipedrive refuses, with its message; the retry API writes it once accepted', async () => {
      const c = contract();
      await c.expectRefusedLogRetried('+14155550134', CALL_LOGS, 'unauthorized access', (call) => c.endAndWrapUp(call));
    });

    // Last of the file: Pipedrive's limits stay enforced from here on.
    it("keeps to Pipedrive's rates when a burst of calls rings and is logged: none refused, each named and logged once (issue 10)", async () => {
      const c = contract();
      c.crm.enforceRateLimits();
      const callers = c.burstCallers(24, 400);
      const before = c.crm.requests.length;
      // One at a time, each as soon as the relay answered the one before: more than Pipedrive's ten searches per 2 s.
      const calls = [];
      for (const number of callers.numbers) calls.push(await c.ring(number));
      for (const call of calls) await c.endAndWrapUp(call);
      const { refused, unnamed } = await c.afterBurst(before, calls, callers);
      expect(refused, 'requests Pipedrive refused').toEqual([]);
      expect(unnamed, 'calls never named').toEqual([]);
      for (const [n, number] of callers.numbers.entries()) await c.loggedOnce(number, { contactId: callers.ids[n] });
    });
  },
);
