/**
 * connectors/crm/freshsales.xml through a relay process against the Freshsales simulator: the
 * common scenarios (scenarios.ts), where a phone call, written once, is due when the call ended and
 * the agent's wrap-up is in, then Freshsales' own: the phone call's fields written once and never
 * changed, the account's outcomes on the wrap-up form, and a refused API key.
 */
import { expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { FreshsalesSimulator } from '../../simulators/crm/freshsales.ts';
import type { ActivityReading } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

const PHONE_CALLS = /\/phone_calls/;

describeCrmContract<FreshsalesSimulator>(
  {
    connector: 'freshsales',
    start: () => FreshsalesSimulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields;
      return {
        customerNumber: typeof fields.number === 'string' ? fields.number : null,
        contactIds: fields.targetable_id == null ? [] : [String(fields.targetable_id)],
        text: String((fields.note as { description?: string } | null)?.description ?? ''),
        owner: fields.owner_id == null ? null : String(fields.owner_id),
      };
    },
    secrets: (crm) => [crm.config.api_key!],
    contactUrl: (_, id) => `https://acme.myfreshworks.com/crm/sales/contacts/${id}`,
    contactKind: 'contacts',
    // A phone call is written once and never changed.
    linkAfterTheLog: 'stays',
    // freshsales.xml declares no new-contact form.
    newContactUrl: () => null,
    create: { pattern: PHONE_CALLS, is: (r) => r.method === 'POST' && PHONE_CALLS.test(r.url) },
    finish: (contract, call) => contract.endAndWrapUp(call),
  },
  (contract) => {
    it("waits for the agent's wrap-up, then writes one phone call with Freshsales' fields, and never changes it", async () => {
      const c = contract();
      const { call, contactId: id, logged } = await c.loggedOnceAtWrapUp('+14155550133', { notes: 'Wants the blue one', disposition: 'Left voicemail' });
      expect(logged.fields).toMatchObject({
        call_direction: true,
        targetable_type: 'contact',
        call_duration: 125,
        note: { description: 'Inbound call from +14155550133\nWants the blue one\nDisposition: Left voicemail' },
      });
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: `https://acme.myfreshworks.com/crm/sales/contacts/${id}`, error: null });
      await c.expectLeftAsWritten(call, logged, 'Freshsales');
    });

    it("offers the account's outcomes on the wrap-up form, and tells it the logged call does not change", async () => {
      const c = contract();
      expect(await c.wrapUpForm()).toMatchObject({ crm: 'Freshsales', dispositions: expect.arrayContaining(['Interested', 'Left voicemail']), updates_logged_calls: false });
    });

    it('logs an outbound call the extension placed as outgoing', async () => {
      const c = contract();
      const call = await c.report('+14155550135');
      await c.endAndWrapUp(call);
      const logged = await c.loggedOnce('+14155550135', { contactId: null });
      expect(logged.fields).toMatchObject({ call_direction: false, note: { description: expect.stringMatching(/^Outbound call to \+14155550135\n/) } });
    });

    it('fails the log for good on an API key Freshsales refuses, with its message; the retry API writes it once accepted', async () => {
      const c = contract();
      await c.expectRefusedLogRetried('+14155550134', PHONE_CALLS, 'Incorrect or expired API key', (call) => c.endAndWrapUp(call));
    });
  },
);
