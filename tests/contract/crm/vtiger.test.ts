/**
 * connectors/crm/vtiger.xml through a relay process against the Vtiger simulator: the common
 * scenarios (scenarios.ts), then Vtiger's own: a Lead (linked through parent_id),
 * the Event's fields and its update (revise), an expired session, and a kill -9 between the
 * CRM's create and the relay's commit (found again by the description's marker).
 */
import { expect, it } from 'vitest';
import type { StoredActivity } from '../../simulators/crm/crm-simulator.ts';
import { VtigerSimulator } from '../../simulators/crm/vtiger.ts';
import { type ActivityReading, AGENT_EMAIL } from './harness.ts';
import { describeCrmContract } from './scenarios.ts';

/** Where a Vtiger record opens: the crmid after the `x` of its webservice id. */
const recordUrl = (crm: VtigerSimulator, module: string, id: string) => `${crm.url}/index.php?module=${module}&view=Detail&record=${id.split('x')[1]}`;

/** How long a sign-in ahead of calls may take to show at the simulator: generous, for a busy machine. */
const SIGNED_IN = { timeout: 30_000, interval: 50 };

/** The webservice operations sent since request `from`, in order (from the query or the form body). */
const operations = (crm: VtigerSimulator, from: number) => crm.requests.slice(from).map((r) => new URLSearchParams(r.url.split('?')[1]).get('operation') ?? new URLSearchParams(r.body).get('operation'));

describeCrmContract<VtigerSimulator>(
  {
    connector: 'vtiger',
    start: () => VtigerSimulator.start(),
    read: (activity: StoredActivity): ActivityReading => {
      const fields = activity.fields as Record<string, string>;
      return {
        // vtiger.xml's subject: "Inbound call from +14155550100".
        customerNumber: /(\+\d+)$/.exec(fields.subject ?? '')?.[1] ?? null,
        // A Contact is the Event's contact_id; a Lead its parent_id ("Related To"): both are read, so a stale one shows.
        contactIds: [fields.contact_id, fields.parent_id].filter((id): id is string => !!id),
        text: fields.description ?? '',
        // The Event's Assigned To: the agent's own user (find_user) or the connector's.
        owner: fields.assigned_user_id || null,
      };
    },
    // The access key, and every session id the simulator handed out (they travel as sessionName).
    secrets: (crm) => [crm.config.accesskey!, ...new Set(crm.requests.flatMap((r) => [...`${r.url}\n${r.body}`.matchAll(/sessionName=([0-9a-f]{32})/g)].map((m) => m[1]!)))],
    contactUrl: (crm, id) => recordUrl(crm, 'Contacts', id),
    contactKind: 'Contacts',
    linkAfterTheLog: 'moves',
    newContactUrl: (crm, number) => `${crm.url}/index.php?module=Contacts&view=Edit&phone=${encodeURIComponent(number)}`,
    // A create is a form POST; the simulator tests patterns against the URL and the body.
    create: { pattern: /operation=create/, is: (r) => /(^|&)operation=create(&|$)/.test(r.body) },
  },
  (contract) => {
    it('looks up the callers that waited for a CRM slot in one query: twelve calls, five Contacts queries, each call named', async () => {
      const c = contract();
      const numbers = Array.from({ length: 12 }, (_, i) => `+1415555${String(200 + i).padStart(4, '0')}`);
      const ids = c.crm.seed(numbers.map((number, i) => ({ firstName: 'Caller', lastName: String(i), phones: [`(415) 555-${number.slice(-4)}`] })));
      const from = c.crm.requests.length;
      const contactsQueries = () => c.crm.requests.slice(from).filter((r) => / FROM Contacts /.test(new URLSearchParams(r.url.split('?')[1]).get('query') ?? ''));
      const release = c.crm.holdSearches();
      const calls = [];
      try {
        for (const number of numbers) calls.push(await c.ring(number));
        // The instance's four slots wait for the CRM; the other eight lookups wait for a slot.
        await expect.poll(() => contactsQueries().length, { timeout: 10_000 }).toBe(4);
      } finally {
        release();
      }
      for (const [i, call] of calls.entries()) expect((await c.pushed(call.sid, (v) => v.contact !== null)).contact?.id).toBe(ids[i]);
      const queries = contactsQueries().map((r) => new URLSearchParams(r.url.split('?')[1]).get('query')!);
      expect(queries).toHaveLength(5);
      // The eight went in one VTQL query, their conditions OR-ed, each matched back by its digits.
      expect(queries[4]!.match(/\bphone LIKE/g)).toHaveLength(8);
    });

    it('finds a Lead, with the company the Lead carries, and logs the call linked to the Lead (Related To)', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Lee', lastName: 'Ad', company: 'Initech', phones: ['(415) 555-0106'], lead: true }]);
      const call = await c.ring('+14155550106');
      const named = await c.pushed(call.sid, (v) => v.contact !== null);
      expect(named.contact).toEqual({ id, name: 'Lee Ad', company: 'Initech', url: recordUrl(c.crm, 'Leads', id!), kind: 'Leads' });
      await c.end(call);
      // Vtiger refuses a Lead in contact_id: the Event links it as its parent.
      const logged = await c.loggedOnce('+14155550106', { contactId: id });
      expect(logged.fields).toMatchObject({ parent_id: id });
      expect(logged.fields.contact_id ?? '').toBe('');
      await c.crmLog(call.sid, { state: 'logged', id: logged.id, error: null });
      await c.annotate(call.sid, { notes: 'Ready to buy' });
      const updated = await c.loggedOnce('+14155550106', { contactId: id, text: expect.stringContaining('Ready to buy') });
      expect([updated.id, updated.fields.parent_id, updated.fields.contact_id ?? '']).toEqual([logged.id, id, '']);
    });

    it("names the caller before the account's retrieve answers, then adds the company, and logs once (issue 10)", async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Grace', lastName: 'Hopper', company: 'Remington Rand', phones: ['(415) 555-0141'] }]);
      // The follow-up that names the company is held: the search alone has answered when the hold ends (or after it).
      const release = c.crm.holdRequests(/operation=retrieve/);
      const call = await c.ring('+14155550141');
      try {
        const named = await c.pushed(call.sid, (v) => v.contact !== null);
        expect(named.contact).toEqual({ id, name: 'Grace Hopper', company: null, url: recordUrl(c.crm, 'Contacts', id!), kind: 'Contacts' });
        await c.end(call);
      } finally {
        release();
      }
      const complete = await c.pushed(call.sid, (v) => v.contact?.company === 'Remington Rand');
      expect([complete.contact?.id, complete.contacts.map((contact) => contact.company)]).toEqual([id, ['Remington Rand']]);
      await c.loggedOnce('+14155550141', { contactId: id });
    });

    it('logs the call once as a held Call event with its times, duration, contact and marker, then updates it with the wrap-up', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Grace', lastName: 'Hopper', company: 'Navy', phones: ['(415) 555-0108'] }]);
      const call = await c.ring('+14155550108');
      await c.pushed(call.sid, (v) => v.contact !== null);
      await c.end(call, { duration: 3725 });
      const view = await c.crmLog(call.sid, { state: 'logged' });
      const logged = await c.loggedOnce('+14155550108', { contactId: id });
      expect(view.crm_log).toEqual({ state: 'logged', id: logged.id, url: recordUrl(c.crm, 'Calendar', logged.id), error: null });
      // Twilio sends no times: the call started when the relay heard it ring, and ended its duration later.
      const started = new Date(view.created_at);
      const ended = new Date(started.getTime() + 3725_000);
      expect(logged.fields).toMatchObject({
        subject: 'Inbound call from +14155550108',
        activitytype: 'Call',
        eventstatus: 'Held',
        // The agent's own Vtiger user, found by her email, not the user the connector logs in as (x1).
        assigned_user_id: c.crm.userId(AGENT_EMAIL),
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
      const usersQueries = c.crm.requests.map((r) => new URLSearchParams(r.url.split('?')[1]).get('query') ?? '').filter((query) => / FROM Users /.test(query));
      expect(usersQueries.at(-1)).toBe(`SELECT id,email1 FROM Users WHERE email1 = '${AGENT_EMAIL}';`);

      await c.annotate(call.sid, { notes: 'Wants a callback on Monday', disposition: 'Connected' });
      const wrapped = `Wants a callback on Monday\nDisposition: Connected\nDuration: 3725 s, agent Ada Lovelace\n[relay-call:${call.sid}]`;
      const updated = await c.loggedOnce('+14155550108', { contactId: id, text: wrapped });
      // Notes and disposition came in one PATCH: one revise, of the same Event.
      expect([updated.id, updated.updates]).toEqual([logged.id, 1]);
    });

    it('logs in again once when the Vtiger session expires, and goes on', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Ex', lastName: 'Pired', phones: ['(415) 555-0115'] }]);
      c.crm.expireSessions();
      const before = c.crm.requests.length;
      const call = await c.ring('+14155550115');
      expect((await c.pushed(call.sid, (v) => v.contact !== null)).contact?.id).toBe(id);
      await c.end(call);
      await c.loggedOnce('+14155550115', { contactId: id });
      await c.crmLog(call.sid, { state: 'logged' });
      expect(operations(c.crm, before).filter((o) => o === 'getchallenge' || o === 'login')).toEqual(['getchallenge', 'login']);
    });

    it('signs in when the agent comes online, before any call: the first lookup sends only its search, a second connect nothing', async () => {
      const c = contract();
      const [id] = c.crm.seed([{ firstName: 'Early', lastName: 'Bird', phones: ['(415) 555-0131'] }]);
      // A restarted relay: its sessions are new, none signed in.
      await c.socket.close();
      await c.relay.restart();
      const before = c.crm.requests.length;
      c.socket = await c.relay.connect(c.agent);
      await expect.poll(() => operations(c.crm, before), SIGNED_IN).toEqual(['getchallenge', 'login']);
      const call = await c.ring('+14155550131');
      expect((await c.pushed(call.sid, (v) => v.contact !== null)).contact?.id).toBe(id);
      expect(operations(c.crm, before + 2)).not.toContain('login');
      expect(operations(c.crm, before + 2)[0]).toBe('query');
      const reconnected = c.crm.requests.length;
      await c.reconnect();
      const second = await c.ring('+14155550131');
      expect((await c.pushed(second.sid, (v) => v.contact !== null)).contact?.id).toBe(id);
      expect(operations(c.crm, reconnected).filter((o) => o === 'getchallenge' || o === 'login')).toEqual([]);
    });

    it('signs in when the setup is saved, without a call; a refused key is one warning, the save and the connect unaffected', async () => {
      const c = contract();
      let before = c.crm.requests.length;
      await c.configureCrm(c.crm.config);
      await expect.poll(() => operations(c.crm, before), SIGNED_IN).toEqual(['getchallenge', 'login']);
      try {
        const seen = c.output.split('\n').length;
        const warned = () => c.output.split('\n').slice(seen).filter((line) => line.includes('CRM sign-in ahead of calls failed'));
        await c.configureCrm({ ...c.crm.config, accesskey: 'NotTheAccessKey2' });
        await expect.poll(() => warned().length, SIGNED_IN).toBe(1);
        expect(warned()[0]).toContain('Invalid username or password');
        await c.reconnect();
        expect(c.socket.welcome).toBeDefined();
      } finally {
        before = c.crm.requests.length;
        await c.configureCrm(c.crm.config);
        // The next test counts logins: this one's is done first.
        await expect.poll(() => operations(c.crm, before).includes('login'), SIGNED_IN).toBe(true);
      }
    });

    it("shows refused credentials as a failed log with Vtiger's message, and logs once the key is fixed and the agent retries", async () => {
      const c = contract();
      await c.configureCrm({ ...c.crm.config, accesskey: 'NotTheAccessKey1' });
      try {
        const call = await c.ring('+14155550122');
        await c.end(call);
        const failed = await c.crmLog(call.sid, { state: 'failed' });
        expect(failed.crm_log?.error).toContain('Invalid username or password');
        expect(c.activitiesFor('+14155550122')).toEqual([]);
        await c.configureCrm(c.crm.config);
        const retried = await c.retryLog(call.sid);
        expect([retried.status, retried.body.crm_log?.state]).toEqual([200, 'pending']);
        const view = await c.crmLog(call.sid, { state: 'logged', error: null });
        expect(view.crm_log?.id).toBe((await c.loggedOnce('+14155550122')).id);
      } finally {
        await c.configureCrm(c.crm.config);
      }
    });

    it('creates no second Event when the relay is killed between the CRM creating it and the relay committing it', { timeout: 120_000 }, async () => {
      const c = contract();
      const release = c.crm.holdRequests(/operation=create/);
      try {
        const call = await c.ring('+14155550114');
        await c.end(call);
        await expect.poll(() => c.crm.requests.some((r) => r.status === 0 && r.body.includes(call.sid)), { timeout: 45_000 }).toBe(true);
        await c.crashAndRestart(async () => {
          // The CRM finishes the create after the relay died: the relay never reads its answer.
          release();
          await c.loggedOnce('+14155550114');
        });
        const view = await c.crmLog(call.sid, { state: 'logged', error: null });
        expect(view.crm_log?.id).toBe((await c.loggedOnce('+14155550114')).id);
        expect(c.crm.requests.filter((r) => /operation=create/.test(r.body) && r.body.includes(call.sid))).toHaveLength(1);
        expect(c.output).toContain('rows left in flight by a previous run');
      } finally {
        release();
      }
    });
  },
);
