/**
 * connectors/crm/odoo.xml through a relay process against the Odoo simulator: the common scenarios
 * (scenarios.ts), where a note, written once, is due when the call ended and the agent's wrap-up is
 * in, then Odoo's own: the note's body and author, written once and never changed; a call no contact
 * holds noted on the agent's own contact; an outbound call; the agent's words escaped; and a key
 * Odoo refuses meanwhile (signed in again, then failed for good).
 */
import { expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { OdooSimulator } from '../../simulators/crm/odoo.ts';
import type { ActivityReading } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

const MESSAGE_POST = /message_post/;
const contactUrl = (crm: OdooSimulator, id: string) => `${crm.url}/web#id=${id}&model=res.partner&view_type=form`;

describeCrmContract<OdooSimulator>(
  {
    connector: 'odoo',
    start: () => OdooSimulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields as { body: string; res_id: number; author_id: number };
      return {
        // odoo.xml's first line: "<p><b>Inbound call from +14155550100</b></p>".
        customerNumber: /^<p><b>(?:Inbound call from|Outbound call to) (\+\d+)<\/b><\/p>/.exec(fields.body)?.[1] ?? null,
        // A note its author left on their own contact (a call no contact holds) is linked to no contact.
        contactIds: fields.res_id === fields.author_id ? [] : [String(fields.res_id)],
        text: fields.body,
        owner: String(fields.author_id),
      };
    },
    secrets: (crm) => [crm.config.api_key!],
    contactUrl,
    contactKind: 'Contacts',
    // A note is written once, on the contact chosen by then.
    linkAfterTheLog: 'stays',
    // odoo.xml declares no new-contact form: Odoo's takes no phone from its address.
    newContactUrl: () => null,
    create: { pattern: MESSAGE_POST, is: (r) => r.method === 'POST' && r.body.includes('"message_post"') },
    finish: (contract, call) => contract.endAndWrapUp(call),
  },
  (contract) => {
    it("waits for the agent's wrap-up, then posts one note in the contact's chatter, as the agent, and never changes it", async () => {
      const c = contract();
      const { call, contactId: id, logged } = await c.loggedOnceAtWrapUp('+14155550133', { notes: 'Wants the blue one', disposition: 'Left voicemail' });
      expect(logged.fields).toMatchObject({
        model: 'res.partner',
        res_id: Number(id),
        message_type: 'comment',
        subtype_xmlid: 'mail.mt_note',
        body: '<p><b>Inbound call from +14155550133</b></p><p>Wants the blue one</p><p>Disposition: Left voicemail</p><p>Duration: 125 s, agent Ada Lovelace</p>' + `<p>[relay-call:${call.sid}]</p>`,
      });
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: contactUrl(c.crm, id), error: null });
      await c.expectLeftAsWritten(call, logged, 'Odoo');
    });

    it("offers the declared dispositions on the wrap-up form, and tells it the logged note does not change", async () => {
      const c = contract();
      expect(await c.wrapUpForm()).toMatchObject({ crm: 'Odoo', dispositions: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'], updates_logged_calls: false });
    });

    it("notes a call no contact holds on the agent's own contact, and escapes what the agent typed", async () => {
      const c = contract();
      const call = await c.ring('+14155550136');
      await c.endAndWrapUp(call, { notes: 'Asked for <b>Bob</b> & left' });
      const logged = await c.loggedOnce('+14155550136', { contactId: null });
      expect(logged.fields.res_id).toBe(logged.fields.author_id);
      expect(logged.reading.text).toContain('<p>Asked for &lt;b&gt;Bob&lt;/b&gt; &amp; left</p>');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: contactUrl(c.crm, String(logged.fields.res_id)) });
    });

    it('logs an outbound call the extension placed as a call to the customer', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Otto', lastName: 'Bound', company: 'Dialled Ltd', phones: ['415.555.0135'] }]);
      const call = await c.report('+14155550135');
      await c.endAndWrapUp(call);
      const logged = await c.loggedOnce('+14155550135', { contactId: id! });
      expect(logged.reading.text).toMatch(/^<p><b>Outbound call to \+14155550135<\/b><\/p><p>Called about the invoice<\/p>/);
    });

    it('signs in again when Odoo refuses the key (Access Denied), fails the log for good when the sign-in is refused too, and logs it once retried', async () => {
      const c = contract();
      const signIns = () => c.crm.requests.filter((r) => r.body.includes('"authenticate"')).length;
      const [id] = c.crm.seed([{ firstName: 'Rey', lastName: 'Voked', phones: ['+1 415 555 0134'] }]);
      const call = await c.ring('+14155550134');
      await c.pushed(call.sid, (v) => v.contact?.id === id);
      const before = signIns();
      // The key is revoked after the lookup: the note is refused, and so is every sign-in (the relay's own and the one for the default author).
      c.crm.failNext(1, { status: 401 }, MESSAGE_POST);
      c.crm.failNext(2, { status: 401 }, /common\.authenticate/);
      await c.endAndWrapUp(call);
      await c.crmLog(call.sid, { state: 'failed', id: null, error: expect.stringMatching(/token request .* answered without result: .*"result":false/) });
      expect(signIns() - before).toBeGreaterThanOrEqual(2);
      expect(c.activitiesFor('+14155550134')).toEqual([]);
      // The key is valid again: the retry signs in and writes the note once.
      expect((await c.retryLog(call.sid)).status).toBe(200);
      const logged = await c.loggedOnce('+14155550134', { contactId: id! });
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    });
  },
);
