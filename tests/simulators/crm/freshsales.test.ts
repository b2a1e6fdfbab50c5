/** The Freshsales simulator itself, driven over HTTP as a CRM connector would drive an account's Freshsales. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { API_PATH, FreshsalesSimulator } from './freshsales.ts';

let freshsales: FreshsalesSimulator;
let jane: string;
let john: string;
let gone: string;

beforeAll(async () => {
  freshsales = await FreshsalesSimulator.start();
  [jane, john, gone] = freshsales.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    { firstName: 'John', lastName: 'Doe', phones: ['+1 650 555 0111', '(415) 555-0100'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
  ]) as [string, string, string];
});
afterAll(() => freshsales.close());

function api(path: string, init: { method?: string; body?: unknown; key?: string | null } = {}) {
  const key = init.key === undefined ? freshsales.config.api_key : init.key;
  return fetch(`${freshsales.url}${API_PATH}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: { 'Content-Type': 'application/json', ...(key === null ? {} : { Authorization: `Token token=${key}` }) },
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
}

type LookupAnswer = { contacts: { contacts: Array<{ id: number; display_name: string; mobile_number: string | null; work_number: string | null; sales_accounts: Array<{ name: string; is_primary: boolean }> }> } };

async function lookup(q: string, f: string): Promise<LookupAnswer> {
  const response = await api(`/lookup?q=${encodeURIComponent(q)}&f=${f}&entities=contact`);
  expect(response.status).toBe(200);
  return (await response.json()) as LookupAnswer;
}
const ids = (answer: LookupAnswer) => answer.contacts.contacts.map((c) => String(c.id));

describeCrmSwitches({
  simulator: () => freshsales,
  plain: () => api('/selector/owners'),
  search: () => api('/lookup?q=%2B14155550100&f=work_number&entities=contact'),
});

describe('auth', () => {
  it("takes the API key as Authorization: Token token=…, and refuses any other with Freshsales' 401", async () => {
    expect((await api('/selector/owners')).status).toBe(200);
    for (const key of ['wrong-key-000000', null]) {
      const refused = await api('/selector/owners', { key });
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ login: 'failed', message: 'Incorrect or expired API key' });
    }
  });
});

describe('lookup', () => {
  it("finds a contact by one phone field, the digits compared whatever the formatting, with its full record", async () => {
    const answer = await lookup('+14155550100', 'work_number');
    expect(ids(answer)).toEqual([jane]);
    expect(answer.contacts.contacts[0]).toMatchObject({ display_name: 'Jane Doe', work_number: '+1 415-555-0100', mobile_number: null, sales_accounts: [{ name: 'Acme', is_primary: true }] });
    expect(ids(await lookup('4155550100', 'mobile_number'))).toEqual([john]);
  });

  it('looks in the field asked for only, and misses a form whose digits differ (no country code, a trunk 0)', async () => {
    expect(ids(await lookup('+14155550100', 'mobile_number'))).toEqual([]);
    expect(ids(await lookup('4155550100', 'work_number'))).toEqual([]);
    expect(ids(await lookup('04155550100', 'work_number'))).toEqual([]);
  });

  it('never finds a deleted contact, and answers each entity asked for in its own key', async () => {
    const response = await api('/lookup?q=%2B14155550199&f=work_number&entities=contact,lead');
    expect(await response.json()).toEqual({ contacts: { contacts: [] }, leads: { leads: [] } });
    expect((await api(`/contacts/${gone}`)).status).toBe(404);
  });

  it('refuses a lookup without q or f, or with a field contacts do not have, in the errors envelope', async () => {
    for (const query of ['f=work_number', 'q=1', 'q=1&f=fax_number']) {
      const refused = await api(`/lookup?${query}&entities=contact`);
      expect(refused.status).toBe(400);
      expect(await refused.json()).toMatchObject({ errors: { code: 400, message: expect.any(String) } });
    }
  });
});

describe('phone calls', () => {
  const call = (fields: Record<string, unknown>) => ({ phone_call: { call_direction: true, number: '+14155550100', call_duration: 282, note: { description: 'Wants a callback' }, ...fields } });

  it('logs a phone call on a contact, 201 with the phone call, stored as written', async () => {
    const response = await api('/phone_calls', { body: call({ targetable_type: 'contact', targetable: { id: jane } }) });
    expect(response.status).toBe(201);
    const { phone_call } = (await response.json()) as { phone_call: Record<string, unknown> };
    expect(phone_call).toMatchObject({ id: expect.any(Number), call_direction: true, targetable_type: 'contact', targetable_id: Number(jane), number: '+14155550100', call_duration: 282, owner_id: Number(freshsales.keyUserId), note: { description: 'Wants a callback' } });
    expect(freshsales.activities().at(-1)).toEqual({ id: String(phone_call.id), fields: phone_call, updates: 0 });
  });

  it('reads call_direction as a boolean: the word "incoming" is stored as outgoing', async () => {
    await api('/phone_calls', { body: call({ call_direction: 'incoming' }) });
    expect(freshsales.activities().at(-1)!.fields).toMatchObject({ call_direction: false, targetable_id: null });
  });

  it('logs a call for an owner of the account, and refuses one who is not', async () => {
    const ada = freshsales.seedUser({ email: 'ada@example.com', firstName: 'Ada', lastName: 'Lovelace' });
    expect((await api('/phone_calls', { body: call({ owner_id: Number(ada) }) })).status).toBe(201);
    expect(freshsales.activities().at(-1)!.fields.owner_id).toBe(Number(ada));
    const refused = await api('/phone_calls', { body: call({ owner_id: 1 }) });
    expect(refused.status).toBe(400);
  });

  it('refuses a targetable without its type or id, an unknown or deleted contact, and breaks on a note that is a string', async () => {
    const before = freshsales.activities().length;
    expect((await api('/phone_calls', { body: call({ targetable: { id: jane } }) })).status).toBe(400);
    expect((await api('/phone_calls', { body: call({ targetable_type: 'contact', targetable: {} }) })).status).toBe(400);
    expect((await api('/phone_calls', { body: call({ targetable_type: 'contact', targetable: { id: gone } }) })).status).toBe(404);
    expect((await api('/phone_calls', { body: call({ note: 'Wants a callback' }) })).status).toBe(500);
    expect((await api('/phone_calls', { body: call({ call_duration: '4:42' }) })).status).toBe(400);
    expect(freshsales.activities()).toHaveLength(before);
  });

  it('has no route that changes a phone call: PUT and PATCH answer 404', async () => {
    const { id } = freshsales.activities().at(-1)!;
    for (const method of ['PUT', 'PATCH']) expect((await api(`/phone_calls/${id}`, { method, body: call({}) })).status).toBe(404);
  });
});

describe('selectors', () => {
  it("lists the account's owners with their emails, the API key's user first", async () => {
    const { users } = (await (await api('/selector/owners')).json()) as { users: Array<{ id: number; email: string }> };
    expect(users[0]).toMatchObject({ id: Number(freshsales.keyUserId), email: 'admin@acme.example' });
    expect(users.every((user) => typeof user.id === 'number' && user.email.includes('@'))).toBe(true);
  });

  it('lists the sales activity outcomes with their ids, names and activity types', async () => {
    const { sales_activity_outcomes } = (await (await api('/selector/sales_activity_outcomes')).json()) as { sales_activity_outcomes: Array<{ id: number; name: string; sales_activity_type_id: number }> };
    expect(sales_activity_outcomes.map((o) => o.name)).toContain('Left voicemail');
    expect(sales_activity_outcomes.every((o) => Number.isInteger(o.id) && Number.isInteger(o.sales_activity_type_id))).toBe(true);
  });
});

describe('failures', () => {
  it('answers an injected 429 with Retry-After and the rate-limit headers, in the errors envelope', async () => {
    freshsales.failNext(1, { status: 429, retryAfterSeconds: 30 });
    const limited = await api('/selector/owners');
    expect(limited.status).toBe(429);
    expect([limited.headers.get('retry-after'), limited.headers.get('x-ratelimit-remaining')]).toEqual(['30', '0']);
    expect(await limited.json()).toEqual({ errors: { code: 429, message: 'Too many requests' } });
    expect((await api('/selector/owners')).status).toBe(200);
  });

  it('refuses the 401st request of a minute with its 429, per account', async () => {
    const limited = await FreshsalesSimulator.start();
    try {
      let now = 0;
      limited.enforceRateLimits(() => now);
      const ask = () => fetch(`${limited.url}${API_PATH}/selector/owners`, { headers: { Authorization: `Token token=${limited.config.api_key}` } });
      for (let i = 0; i < 400; i++) expect((await ask()).status).toBe(200);
      const refused = await ask();
      expect(refused.status).toBe(429);
      expect(refused.headers.get('x-ratelimit-total')).toBe('400');
      now += 60_000;
      expect((await ask()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
