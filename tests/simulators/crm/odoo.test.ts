/** The Odoo simulator itself, driven over HTTP as a CRM connector would drive an Odoo database's JSON-RPC API. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { OdooSimulator, RPC_PATH, VERSION_PATH } from './odoo.ts';

let odoo: OdooSimulator;
let odoo19: OdooSimulator;
let jane: string;
let john: string;
let agent: string;

beforeAll(async () => {
  [odoo, odoo19] = await Promise.all([OdooSimulator.start(), OdooSimulator.start({ version: 19 })]);
  [jane, john] = odoo.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    { firstName: 'John', lastName: 'Doe', phones: ['+1 650 555 0111', '(415) 555-0100'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0100'], deleted: true },
  ]) as [string, string];
  agent = odoo.seedUser({ email: 'Ada.Lovelace@example.com', firstName: 'Ada', lastName: 'Lovelace' });
});
afterAll(() => Promise.all([odoo.close(), odoo19.close()]));

type RpcAnswer = { jsonrpc: string; id: unknown; result?: unknown; error?: { code: number; message: string; data: { name: string; message: string } } };

async function rpc(service: string, method: string, args: unknown[], simulator = odoo): Promise<RpcAnswer> {
  const response = await post(simulator, { jsonrpc: '2.0', method: 'call', params: { service, method, args }, id: 17 });
  expect(response.status).toBe(200);
  return (await response.json()) as RpcAnswer;
}

function post(simulator: OdooSimulator, body: unknown): Promise<Response> {
  return fetch(`${simulator.url}${RPC_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
}

const call = (model: string, method: string, args: unknown[], kwargs: Record<string, unknown> = {}, simulator = odoo) =>
  rpc('object', 'execute_kw', [simulator.database, 2, simulator.config.api_key, model, method, args, kwargs], simulator);

const phoneSearch = (value: string, second = 'mobile') => ['|', ['phone', '=ilike', value], [second, '=ilike', value]];

describeCrmSwitches({
  simulator: () => odoo,
  plain: () => fetch(`${odoo.url}${VERSION_PATH}`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', method: 'call', params: {} }) }),
  search: () => post(odoo, { jsonrpc: '2.0', method: 'call', params: { service: 'object', method: 'execute_kw', args: [odoo.database, 2, odoo.config.api_key, 'res.partner', 'search_read', [phoneSearch('%0100')], {}] } }),
});

describe('signing in', () => {
  it("answers authenticate with the user's id, the login case aside, and with false for a key or login it refuses", async () => {
    expect(await rpc('common', 'authenticate', [odoo.database, odoo.config.login!.toUpperCase(), odoo.config.api_key, {}])).toEqual({ jsonrpc: '2.0', id: 17, result: 2 });
    expect((await rpc('common', 'authenticate', [odoo.database, odoo.config.login, 'not-the-key', {}])).result).toBe(false);
    expect((await rpc('common', 'authenticate', [odoo.database, 'nobody@acme.example', odoo.config.api_key, {}])).result).toBe(false);
  });

  it('checks the key on every execute_kw: AccessDenied, with HTTP 200, in Odoo\'s error envelope', async () => {
    const refused = await rpc('object', 'execute_kw', [odoo.database, 2, 'not-the-key', 'res.partner', 'search_read', [[]], {}]);
    expect(refused).toMatchObject({ jsonrpc: '2.0', id: 17, error: { code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.AccessDenied', message: 'Access Denied' } } });
    expect(refused.result).toBeUndefined();
    expect((await rpc('object', 'execute_kw', [odoo.database, Number(agent), odoo.config.api_key, 'res.partner', 'search_read', [[]], {}])).error?.data.name).toBe('odoo.exceptions.AccessDenied');
  });

  it('refuses a database it does not have, a model it lacks, and a body that is no JSON-RPC call', async () => {
    expect((await rpc('common', 'authenticate', ['other', odoo.config.login, odoo.config.api_key, {}])).error?.data.name).toBe('psycopg2.OperationalError');
    expect((await call('crm.lead', 'search_read', [[]])).error?.data).toMatchObject({ name: 'odoo.exceptions.UserError', message: "Object crm.lead doesn't exist" });
    expect((await call('res.partner', 'unlink', [[1]])).error?.data.name).toBe('builtins.AttributeError');
    expect((await post(odoo, 'not json')).status).toBe(400);
  });
});

describe('contacts', () => {
  it('finds contacts by the end of their phone or mobile (=ilike), archived ones left out, empty fields false', async () => {
    const found = (await call('res.partner', 'search_read', [phoneSearch('%0100')], { fields: ['name', 'phone', 'mobile', 'commercial_company_name'] })).result as Array<Record<string, unknown>>;
    expect(found.map((p) => String(p.id))).toEqual([jane, john]);
    expect(found[0]).toEqual({ id: Number(jane), name: 'Jane Doe', phone: '+1 415-555-0100', mobile: false, commercial_company_name: 'Acme' });
    expect(found[1]).toMatchObject({ mobile: '(415) 555-0100', commercial_company_name: false });
    // =ilike is the whole value: '%0100' is "ends with", '%555%' "contains", case aside.
    expect(((await call('res.partner', 'search_read', [[['phone', '=ilike', '0100']]], { fields: ['name'] })).result as unknown[]).length).toBe(0);
    expect(((await call('res.partner', 'search_read', [[['name', 'ilike', 'jane']]], { fields: ['name'] })).result as unknown[]).length).toBe(1);
    expect(((await call('res.partner', 'search_read', [[['phone', '=ilike', '%4%1%5-5%']]], { fields: ['name'] })).result as unknown[]).length).toBe(1);
  });

  it('reads a domain in Polish notation: implicit AND, | and ! with their operands, and a limit', async () => {
    const names = async (domain: unknown[], kwargs: Record<string, unknown> = {}) => ((await call('res.partner', 'search_read', [domain], { fields: ['name'], ...kwargs })).result as Array<{ name: string }>).map((p) => p.name);
    expect(await names([['phone', '=ilike', '%0100'], ['name', 'ilike', 'john']])).toEqual([]);
    expect(await names(['!', ['is_company', '=', true], ['commercial_company_name', '=', 'Acme']])).toEqual(['Jane Doe']);
    expect(await names(phoneSearch('%0100'), { limit: 1 })).toEqual(['Jane Doe']);
  });

  it("refuses a field the model lacks, in a domain or a field list, with Odoo's ValueError; Odoo 19 has no mobile", async () => {
    const inDomain = await call('res.partner', 'search_read', [phoneSearch('%0100')], {}, odoo19);
    expect(inDomain.error?.data).toEqual(expect.objectContaining({ name: 'builtins.ValueError', message: "Invalid field res.partner.mobile in leaf ('mobile', '=ilike', \"%0100\")" }));
    expect((await call('res.partner', 'search_read', [[]], { fields: ['mobile'] }, odoo19)).error?.data).toMatchObject({ name: 'builtins.ValueError', message: "Invalid field 'mobile' on model 'res.partner'" });
    expect((await call('res.partner', 'search_read', [phoneSearch('%0100', 'phone')], {}, odoo19)).result).toEqual([]);
    expect(() => odoo19.seed([{ firstName: 'Two', lastName: 'Phones', phones: ['1', '2'] }])).toThrow(/1 phone field/);
  });
});

describe('users', () => {
  it('finds a user by login (=ilike) with its contact as [id, name], and reads the key user\'s own contact', async () => {
    const found = await call('res.users', 'search_read', [[['login', '=ilike', 'ada.lovelace@example.com']]], { fields: ['login', 'partner_id'] });
    expect(found.result).toEqual([{ id: expect.any(Number), login: 'Ada.Lovelace@example.com', partner_id: [Number(agent), 'Ada Lovelace'] }]);
    expect((await call('res.users', 'read', [[2]], { fields: ['partner_id'] })).result).toEqual([{ id: 2, partner_id: [Number(odoo.keyPartnerId), 'Relay User'] }]);
  });
});

describe('notes in the chatter', () => {
  it('posts a note on one contact and answers its id: HTML kept with body_is_html, text escaped without, the author the key user unless named', async () => {
    const html = await call('res.partner', 'message_post', [[Number(jane)]], { body: '<p>Called <b>back</b></p>', body_is_html: true, message_type: 'comment', subtype_xmlid: 'mail.mt_note', author_id: Number(agent) });
    const text = await call('res.partner', 'message_post', [[Number(john)]], { body: '<p>Called</p>', message_type: 'comment', subtype_xmlid: 'mail.mt_note' });
    const notes = odoo.activities().slice(-2);
    expect(notes.map((n) => n.id)).toEqual([String(html.result), String(text.result)]);
    expect(notes[0]!.fields).toMatchObject({ model: 'res.partner', res_id: Number(jane), body: '<p>Called <b>back</b></p>', message_type: 'comment', subtype_xmlid: 'mail.mt_note', author_id: Number(agent) });
    expect(notes[1]!.fields).toMatchObject({ res_id: Number(john), body: '&lt;p&gt;Called&lt;/p&gt;', author_id: Number(odoo.keyPartnerId) });
    const marked = await call('mail.message', 'search_read', [[['model', '=', 'res.partner'], ['body', 'ilike', 'called <b>BACK']]], { fields: ['id'], limit: 1 });
    expect(marked.result).toEqual([{ id: html.result }]);
  });

  it("refuses a note on no single contact, a contact that is gone, an unknown author (ValidationError), subtype or argument", async () => {
    const before = odoo.activities().length;
    const error = async (ids: unknown[], kwargs: Record<string, unknown>) => (await call('res.partner', 'message_post', [ids], { body: 'x', ...kwargs })).error?.data;
    expect(await error([Number(jane), Number(john)], {})).toMatchObject({ name: 'builtins.ValueError', message: expect.stringContaining('Expected singleton') });
    expect(await error([999999], {})).toMatchObject({ name: 'odoo.exceptions.MissingError' });
    expect(await error([Number(jane)], { author_id: 999999 })).toMatchObject({ name: 'odoo.exceptions.ValidationError', message: expect.stringContaining('The operation cannot be completed') });
    expect(await error([Number(jane)], { subtype_xmlid: 'mail.mt_nope' })).toMatchObject({ name: 'builtins.ValueError', message: 'External ID not found in the system: mail.mt_nope' });
    expect(await error([Number(jane)], { call_direction: 'in' })).toMatchObject({ name: 'builtins.ValueError', message: "Invalid field 'call_direction' on model 'mail.message'" });
    expect(odoo.activities()).toHaveLength(before);
  });

  it('refuses every call on a model the user may not reach with an AccessError', async () => {
    const simulator = await OdooSimulator.start();
    try {
      simulator.refuse('res.partner');
      expect((await call('res.partner', 'search_read', [[]], {}, simulator)).error?.data.name).toBe('odoo.exceptions.AccessError');
      expect((await call('res.users', 'read', [[2]], { fields: ['partner_id'] }, simulator)).result).toBeDefined();
    } finally {
      await simulator.close();
    }
  });
});

describe('failures', () => {
  it("answers an injected 401 as Odoo answers a revoked key (AccessDenied, false from authenticate, HTTP 200), a 5xx as the proxy's page", async () => {
    odoo.failNext(1, { status: 401 }, /message_post/);
    const revoked = await call('res.partner', 'message_post', [[Number(jane)]], { body: 'x' });
    expect(revoked.error?.data.name).toBe('odoo.exceptions.AccessDenied');
    odoo.failNext(1, { status: 401 }, /authenticate/);
    expect(await rpc('common', 'authenticate', [odoo.database, odoo.config.login, odoo.config.api_key, {}])).toEqual({ jsonrpc: '2.0', id: 17, result: false });
    odoo.failNext(1, { status: 503, retryAfterSeconds: 3 });
    const down = await post(odoo, { jsonrpc: '2.0', method: 'call', params: { service: 'common', method: 'authenticate', args: [] } });
    expect([down.status, down.headers.get('retry-after'), await down.text()]).toEqual([503, '3', expect.stringContaining('Service Unavailable')]);
  });
});
