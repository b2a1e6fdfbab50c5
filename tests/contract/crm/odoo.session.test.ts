/**
 * connectors/crm/odoo.xml, opened as the relay opens it, against the Odoo simulator over HTTP: the
 * JSON-RPC sign-in (authenticate, then the key user's own contact), who is calling (the end of the
 * phone, and of the mobile where the database has one), each call as a note in a chatter, the agent's
 * Odoo user, the note found again by its marker, and Odoo's refusals as the relay sees them.
 */
import type { CrmSession } from '@phone-connector/shared';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OdooSimulator } from '../../simulators/crm/odoo.ts';
import { expectLogRetryableWhileFailing, finishedCall, openBundledCrm } from './bundled-crm.ts';

let odoo: OdooSimulator;
let session: CrmSession;
let ids: Record<'jane' | 'john' | 'bob' | 'ada' | 'claire' | 'gone', string>;

beforeAll(async () => {
  odoo = await OdooSimulator.start();
  const [jane, john, bob, ada, claire, gone] = odoo.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    // The caller's number in the mobile field, typed nationally.
    { firstName: 'John', lastName: 'Doe', phones: ['+1 650 555 0111', '(415) 555-0100'] },
    { firstName: 'Bob', lastName: 'Stone', phones: ['020 7946 0018'] },
    { firstName: 'Ada', lastName: 'King', company: 'Analytical', phones: ['+44 20 7946 0018'] },
    // A separator inside the last four digits.
    { firstName: 'Claire', lastName: 'Martin', phones: ['+33 1 99 00 12 34'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
  ]);
  ids = { jane: jane!, john: john!, bob: bob!, ada: ada!, claire: claire!, gone: gone! };
});
afterAll(() => odoo.close());
beforeEach(() => {
  session = openBundledCrm('odoo', odoo.config);
});

const url = (crm: OdooSimulator, id: string) => `${crm.url}/web#id=${id}&model=res.partner&view_type=form`;
const contact = (id: string, name: string, company: string | null) => ({ id, name, company, url: url(odoo, id), kind: 'Contacts' });
type RpcBody = { jsonrpc: string; method: string; params: { service: string; method: string; args: unknown[] } };
const bodyOf = (body: string) => JSON.parse(body) as RpcBody;

describe('odoo.xml signs in', () => {
  it('authenticates with the database, login and key, reads its own contact, then sends the uid and key in every call', async () => {
    const before = odoo.requests.length;
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true });
    const sent = odoo.requests.slice(before).map((r) => bodyOf(r.body));
    expect(odoo.requests.slice(before).every((r) => r.method === 'POST' && r.url === '/jsonrpc')).toBe(true);
    expect(sent[0]).toMatchObject({ jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: [odoo.database, odoo.config.login, odoo.config.api_key, {}] } });
    expect(sent[1]!.params.args).toEqual([odoo.database, 2, odoo.config.api_key, 'res.users', 'read', [[2]], { fields: ['partner_id'] }]);
    expect(sent[2]!.params.args.slice(0, 5)).toEqual([odoo.database, 2, odoo.config.api_key, 'res.partner', 'search_read']);
    // Signed in once: the next lookup goes straight to the search.
    const next = odoo.requests.length;
    await session.findContacts('+14155550177');
    expect(odoo.requests.slice(next).map((r) => bodyOf(r.body).params.args[4])).toEqual(['search_read', 'search_read']);
  });

  it('fails for good on a key Odoo refuses (authenticate answers false), the key in no message', async () => {
    const refused = openBundledCrm('odoo', { ...odoo.config, api_key: 'revoked-key-0123456789' });
    const found = await refused.findContacts('+14155550100');
    expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringMatching(/token request .* answered without result: .*"result":false/) });
    const logged = await refused.logCall(finishedCall());
    expect(logged).toMatchObject({ ok: false, retry: false });
    expect(JSON.stringify([found, logged])).not.toContain('revoked-key-0123456789');
  });

  it("fails for good, with Odoo's words, on a database the server does not have", async () => {
    const other = openBundledCrm('odoo', { ...odoo.config, database: 'nope' });
    const found = await other.findContacts('+14155550100');
    expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('psycopg2.OperationalError') });
    expect(found.ok ? '' : found.error).toMatch(/database .{0,4}nope.{0,4} does not exist/);
  });
});

describe('odoo.xml finds who is calling', () => {
  it("asks for the contacts whose phone or mobile ends with the last four digits, and keeps those the caller's number ends", async () => {
    const before = odoo.requests.length;
    expect(await session.findContacts('+14155550100')).toEqual({ ok: true, value: [contact(ids.jane, 'Jane Doe', 'Acme'), contact(ids.john, 'John Doe', null)] });
    const search = odoo.requests.slice(before).map((r) => bodyOf(r.body)).find((b) => b.params.args[4] === 'search_read')!;
    expect(search.params.args.slice(5)).toEqual([[['|', ['phone', '=ilike', '%0100'], ['mobile', '=ilike', '%0100']]], { fields: ['name', 'phone', 'mobile', 'commercial_company_name'], limit: 50 }]);
  });

  it('finds a UK number typed nationally and internationally (several matches), and one with a space inside its last four digits', async () => {
    const uk = await session.findContacts('+442079460018');
    expect(uk).toEqual({ ok: true, value: [contact(ids.bob, 'Bob Stone', null), contact(ids.ada, 'Ada King', 'Analytical')] });
    const before = odoo.requests.length;
    expect(await session.findContacts('+33199001234')).toEqual({ ok: true, value: [contact(ids.claire, 'Claire Martin', null)] });
    const patterns = odoo.requests.slice(before).map((r) => bodyOf(r.body).params.args[5]).map((domain) => (domain as string[][][])[0]![1]![2]);
    expect(patterns).toEqual(['%1234', '%1%2%3%4']);
  });

  it('finds nobody for an unknown number or an archived contact', async () => {
    expect(await session.findContacts('+14155550177')).toEqual({ ok: true, value: [] });
    expect(await session.findContacts('+14155550199')).toEqual({ ok: true, value: [] });
  });

  it("searches the phone alone on a database without mobile (Odoo 19), and names the missing field when the config asks for it there", async () => {
    const odoo19 = await OdooSimulator.start({ version: 19 });
    try {
      const [id] = odoo19.seed([{ firstName: 'Nia', lastName: 'Nineteen', phones: ['(415) 555-0100'] }]);
      expect(odoo19.config.mobile).toBeUndefined();
      expect(await openBundledCrm('odoo', odoo19.config).findContacts('+14155550100')).toEqual({ ok: true, value: [{ id, name: 'Nia Nineteen', company: null, url: url(odoo19, id!), kind: 'Contacts' }] });
      const ticked = await openBundledCrm('odoo', { ...odoo19.config, mobile: 'true' }).findContacts('+14155550100');
      expect(ticked).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('builtins.ValueError: Invalid field res.partner.mobile') });
    } finally {
      await odoo19.close();
    }
  });

  it("fails for good with Odoo's AccessError when the key's user may not read contacts", async () => {
    const locked = await OdooSimulator.start();
    try {
      locked.refuse('res.partner');
      expect(await openBundledCrm('odoo', locked.config).findContacts('+14155550100')).toMatchObject({ ok: false, retry: false, status: 200, error: expect.stringContaining('odoo.exceptions.AccessError: You are not allowed to access') });
    } finally {
      await locked.close();
    }
  });
});

describe('odoo.xml notes each call once, in a chatter', () => {
  it("posts an HTML note on the contact, as the agent's user, with the notes, disposition, recording and marker, and says it cannot update it", async () => {
    const agent = odoo.seedUser({ email: 'ann@example.com', firstName: 'Ann', lastName: 'Agent' });
    const user = await session.findUser!('ANN@example.com');
    expect(user).toEqual({ ok: true, value: agent });
    const before = odoo.activities().length;
    const logged = await session.logCall(finishedCall({ contact_id: ids.jane, agent_crm_id: agent, notes: 'Wants a <callback>', disposition: 'Connected', recording_url: 'https://media.example/RE1.mp3?a=1&b=2' }));
    expect(logged).toEqual({ ok: true, value: { id: expect.any(String), url: url(odoo, ids.jane) } });
    const [note] = odoo.activities().slice(before);
    expect(note!.id).toBe(logged.ok && logged.value.id);
    expect(note!.fields).toMatchObject({
      model: 'res.partner',
      res_id: Number(ids.jane),
      author_id: Number(agent),
      message_type: 'comment',
      subtype_xmlid: 'mail.mt_note',
      body:
        '<p><b>Inbound call from +14155550100</b></p><p>Wants a &lt;callback&gt;</p><p>Disposition: Connected</p>' +
        '<p>Recording: <a href="https://media.example/RE1.mp3?a=1&amp;b=2">https://media.example/RE1.mp3?a=1&amp;b=2</a></p>' +
        '<p>Duration: 282 s, agent Ann Agent</p><p>[relay-call:CA8f3c]</p>',
    });
    expect(session.canUpdate).toBe(false);
  });

  it("notes a call no contact holds on the agent's own contact, else on the key user's", async () => {
    const agent = odoo.seedUser({ email: 'bo@example.com', firstName: 'Bo', lastName: 'Agent' });
    const before = odoo.activities().length;
    expect(await session.logCall(finishedCall({ agent_crm_id: agent }))).toMatchObject({ ok: true, value: { url: url(odoo, agent) } });
    expect(await session.logCall(finishedCall())).toMatchObject({ ok: true, value: { url: url(odoo, odoo.keyPartnerId) } });
    expect(odoo.activities().slice(before).map((n) => [n.fields.res_id, n.fields.author_id])).toEqual([
      [Number(agent), Number(agent)],
      [Number(odoo.keyPartnerId), Number(odoo.keyPartnerId)],
    ]);
  });

  it('finds the note a log wrote by its marker, and none for a call never logged', async () => {
    const call = finishedCall({ call_id: 'CA-find-me-0042', contact_id: ids.john });
    const logged = await session.logCall(call);
    expect(await session.findCallLog!(call)).toEqual({ ok: true, value: { id: logged.ok ? logged.value.id : '', url: url(odoo, ids.john) } });
    expect(await session.findCallLog!(finishedCall({ call_id: 'CA-never-logged' }))).toEqual({ ok: true, value: null });
  });

  it('finds no user for an email no active user logs in with', async () => {
    expect(await session.findUser!('nobody@example.com')).toEqual({ ok: true, value: null });
  });

  it("fails for good on a note Odoo refuses (a contact gone since the lookup), with Odoo's words", async () => {
    expect(await session.logCall(finishedCall({ contact_id: '999999' }))).toMatchObject({ ok: false, retry: false, status: 200, error: expect.stringContaining('odoo.exceptions.MissingError: Record does not exist or has been deleted') });
  });

  it('keeps a log retryable while Odoo answers 5xx or is down, and writes it once Odoo is back', async () => {
    await expectLogRetryableWhileFailing(odoo, session, /message_post/);
  });

  it('declares the dispositions, with no request', async () => {
    const before = odoo.requests.length;
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'] });
    expect(odoo.requests.length).toBe(before);
  });
});
