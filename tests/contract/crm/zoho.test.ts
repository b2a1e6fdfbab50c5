/**
 * connectors/crm/zoho.xml through a relay process against the Zoho CRM simulator: the common
 * scenarios (scenarios.ts), then Zoho's own: the forms a number is searched in, a Lead (asked
 * only when no Contact matched) and the call logged linked to it, a missed call's fields, the Calls record and its
 * update, an expired access token refreshed, and a record Zoho refuses.
 */
import { expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { ZohoSimulator } from '../../simulators/crm/zoho.ts';
import type { ActivityReading } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

const CALLS = /\/crm\/v8\/Calls$/;
const link = (module: string, id: string) => `https://crm.zoho.com/crm/tab/${module}/${id}`;

describeCrmContract<ZohoSimulator>(
  {
    connector: 'zoho',
    // The org has the unique Calls field; only the test that names it in the config uses it.
    start: () => ZohoSimulator.start({ uniqueCallField: 'Relay_Call_Id' }),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields;
      return {
        // zoho.xml's Subject: "Inbound call from +14155550100".
        customerNumber: /(\+\d+)$/.exec(String(fields.Subject ?? ''))?.[1] ?? null,
        // A Contact is linked as Who_Id, a Lead as What_Id with $se_module Leads.
        contactIds: [fields.Who_Id, fields.$se_module === 'Leads' ? fields.What_Id : null].map((link) => (link as { id?: string } | null | undefined)?.id).filter((id): id is string => !!id),
        text: [fields.Description, fields.Call_Result].filter((v) => typeof v === 'string').join('\n'),
        // A user lookup {name, id}; the token's user when the create named none.
        owner: (fields.Owner as { id?: string } | undefined)?.id ?? null,
      };
    },
    // The OAuth client's secrets, and every access token the accounts server handed out.
    secrets: (crm) => [
      crm.config.client_secret!,
      crm.config.refresh_token!,
      ...new Set(crm.requests.flatMap((r) => /^Zoho-oauthtoken (.+)$/.exec(r.headers.authorization ?? '')?.[1] ?? [])),
    ],
    contactUrl: (_, id) => link('Contacts', id),
    contactKind: 'Contacts',
    linkAfterTheLog: 'moves',
    // zoho.xml declares no new-contact form.
    newContactUrl: () => null,
    create: { pattern: CALLS, is: (r) => r.method === 'POST' && CALLS.test(r.url) },
  },
  (contract) => {
    it('searches Contacts in every form a number is typed in: E.164, national, national after the trunk 0; the Leads not once a Contact matched', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Nat', lastName: 'Ional', company: 'Acme Inc', phones: ['(415) 555-0135'] }]);
      const before = c.crm.requests.length;
      const call = await c.ring('+14155550135');
      const named = await c.pushed(call.sid, (v) => v.contact !== null);
      expect(named.contact).toEqual({ id, name: 'Nat Ional', company: 'Acme Inc', url: link('Contacts', id!), kind: 'Contacts' });
      const searched = c.crm.requests.slice(before).filter((r) => r.url.includes('/search')).map((r) => {
        const url = new URL(r.url, c.crm.url);
        return `${url.pathname.split('/')[3]} ${url.searchParams.get('phone')}`;
      });
      expect(searched).toEqual(['Contacts +14155550135', 'Leads +14155550135', 'Contacts 4155550135', 'Contacts 04155550135']);
    });

    it("finds a caller only a Lead holds and logs the call linked to the Lead (What_Id, $se_module Leads); a Lead holding a Contact's number is not offered", async () => {
      const c = contract();
      const [contactId, , leadId] = c.crm.seed([
        { firstName: 'Ann', lastName: 'Lee', company: 'Lee Ltd', phones: ['+44 20 7946 0102'] },
        { firstName: 'Bert', lastName: 'Lee', company: 'Bert Co', phones: ['+442079460102'], lead: true },
        { firstName: 'Cleo', lastName: 'Lee', company: 'Cleo Co', phones: ['+442079460103'], lead: true },
      ]);
      const known = await c.ring('+442079460102');
      const named = await c.pushed(known.sid, (v) => v.contact !== null);
      expect(named.contacts).toEqual([{ id: contactId, name: 'Ann Lee', company: 'Lee Ltd', url: link('Contacts', contactId!), kind: 'Contacts' }]);
      const lead = await c.ring('+442079460103');
      const found = await c.pushed(lead.sid, (v) => v.contact !== null);
      expect(found.contacts).toEqual([{ id: leadId, name: 'Cleo Lee', company: 'Cleo Co', url: link('Leads', leadId!), kind: 'Leads' }]);
      await c.end(lead);
      const logged = await c.loggedOnce('+442079460103', { contactId: leadId! });
      expect(logged.fields).toMatchObject({ What_Id: { id: leadId }, $se_module: 'Leads' });
      expect(logged.fields).not.toHaveProperty('Who_Id');
      await c.crmLog(lead.sid, { state: 'logged' });
    });

    it('logs a missed call from an unknown number as Missed, unlinked, with no duration', async () => {
      const c = contract();
      const call = await c.ring('+14155550136');
      await c.end(call, { status: 'no-answer', duration: 0 });
      expect(await c.view(call.sid)).toMatchObject({ contact: null, contacts: [], new_contact_url: null });
      const logged = await c.loggedOnce('+14155550136', { contactId: null });
      expect(logged.fields).toMatchObject({ Call_Type: 'Missed', Call_Duration: '00:00' });
    });

    it("creates the Calls record with Zoho's fields when the call ends, then puts the agent's notes and disposition on it", async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Nora', lastName: 'Quinn', phones: ['+1 415 555 0137'] }]);
      const call = await c.ring('+14155550137');
      await c.pushed(call.sid, (v) => v.contact?.id === id);
      await c.end(call, { duration: 125 });
      const logged = await c.loggedOnce('+14155550137', { contactId: id });
      expect(logged.fields).toMatchObject({ Subject: 'Inbound call from +14155550137', Call_Type: 'Inbound', Call_Duration: '02:05', Call_Duration_in_seconds: 125, Caller_ID: '+14155550137', Who_Id: { id, name: 'Nora Quinn' } });
      expect(logged.fields.Call_Start_Time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, url: link('Calls', logged.id), error: null });

      await c.annotate(call.sid, { notes: 'Wants a quote', disposition: 'Requested more info' });
      await c.loggedOnce('+14155550137', { text: 'Wants a quote\nRequested more info' });
      await c.outboxDrained();
      const [updated] = c.activitiesFor('+14155550137');
      expect(updated).toMatchObject({ id: logged.id, fields: { Description: 'Wants a quote', Call_Result: 'Requested more info' } });
    });

    it('refreshes an access token that expired, and the write goes through', async () => {
      const c = contract();
      c.crm.expireTokens();
      const grants = () => c.crm.requests.filter((r) => r.url.startsWith('/oauth/v2/token')).length;
      const before = grants();
      const call = await c.ring('+14155550138');
      await c.end(call);
      const logged = await c.loggedOnce('+14155550138');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      expect(grants()).toBeGreaterThan(before);
      c.expectNoSecretLogged();
    });

    it('fails the log for good on a record Zoho refuses, with its code and message; the retry API creates it once accepted', async () => {
      const c = contract();
      // Refused for the agent's own user, the create is sent once more for the token's user (no Owner): both refused.
      c.crm.failNext(2, { status: 400 }, CALLS);
      const from = c.crm.requests.length;
      const call = await c.ring('+14155550139');
      await c.end(call);
      await c.crmLog(call.sid, { state: 'failed', id: null, error: expect.stringContaining('INVALID_REQUEST') });
      expect(c.activitiesFor('+14155550139')).toEqual([]);
      const refused = c.crm.requests.slice(from).filter((r) => r.method === 'POST' && CALLS.test(r.url));
      expect(refused.map((r) => [r.status, JSON.parse(r.body).data[0].Owner])).toEqual([[400, { id: expect.stringMatching(/^\d{19}$/) }], [400, undefined]]);
      expect((await c.retryLog(call.sid)).status).toBe(200);
      const logged = await c.loggedOnce('+14155550139');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
    });
    it('creates no second record when the relay is killed between Zoho creating it and the relay committing it (found by the unique Calls field)', { timeout: 120_000 }, async () => {
      const c = contract();
      await c.configureCrm({ ...c.crm.config, call_id_field: 'Relay_Call_Id' });
      const release = c.crm.holdRequests(CALLS);
      try {
        const call = await c.ring('+14155550197');
        await c.end(call);
        const isCreate = (r: { method: string; url: string; body: string }) => r.method === 'POST' && CALLS.test(r.url) && r.body.includes(call.sid);
        await expect.poll(() => c.crm.requests.some((r) => r.status === 0 && isCreate(r)), { timeout: 45_000 }).toBe(true);
        await c.crashAndRestart(async () => {
          // Zoho finishes the create after the relay died: the relay never reads its answer.
          release();
          await c.loggedOnce('+14155550197');
        });
        await c.outboxDrained();
        const logged = await c.loggedOnce('+14155550197');
        expect(logged.fields.Relay_Call_Id).toBe(call.sid);
        await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
        expect(c.crm.requests.filter(isCreate)).toHaveLength(1);
        expect(c.crm.requests.some((r) => r.url === '/crm/v8/coql' && r.body.includes(call.sid) && r.status === 200)).toBe(true);
        expect(c.output).toContain('rows left in flight by a previous run');
      } finally {
        release();
        await c.configureCrm(c.crm.config);
      }
    });
  },
);
