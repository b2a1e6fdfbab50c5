/** The Bitrix24 simulator itself, driven over HTTP as a connector drives a portal through its inbound webhook. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Bitrix24Simulator, parsePhpQuery } from './bitrix24.ts';
import { describeCrmSwitches } from './crm-switches.ts';

let bitrix: Bitrix24Simulator;
let jane: string;
let john: string;

beforeAll(async () => {
  bitrix = await Bitrix24Simulator.start();
  [jane, john] = bitrix.seed([
    { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
    { firstName: 'John', lastName: 'Doe', phones: ['+1 650 555 0111', '(415) 555-0100'] },
    { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
  ]) as [string, string];
});
afterAll(() => bitrix.close());

function call(method: string, params: unknown = {}, webhook = bitrix.config.webhook_url!) {
  return fetch(`${webhook}${method}.json`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(params) });
}

async function result<T = unknown>(method: string, params: unknown = {}): Promise<T> {
  const response = await call(method, params);
  expect(response.status).toBe(200);
  return ((await response.json()) as { result: T }).result;
}

const FIND = 'crm.duplicate.findbycomm?entity_type=CONTACT&type=PHONE&values[]=%2B14155550100&values[]=4155550100';

describeCrmSwitches({
  simulator: () => bitrix,
  // No body: a pattern on the URL alone then matches it (the failure target adds the body).
  plain: () => fetch(`${bitrix.config.webhook_url}user.get.json`, { method: 'POST' }),
  search: () => call('batch', { cmd: { find: FIND } }),
});

describe('the webhook', () => {
  it('answers under /rest/{user}/{code}/ with or without .json, and refuses another code with INVALID_CREDENTIALS', async () => {
    const plain = await fetch(`${bitrix.config.webhook_url}user.get`, { method: 'POST' });
    expect(plain.status).toBe(200);
    expect(await plain.json()).toMatchObject({ result: [{ ID: '1' }], total: 1, time: expect.any(Object) });
    const refused = await call('user.get', {}, bitrix.config.webhook_url!.replace(/[^/]+\/$/, 'wrongcode123/'));
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'INVALID_CREDENTIALS', error_description: 'Invalid request credentials' });
    const unknown = await call('crm.nothing.here');
    expect([unknown.status, await unknown.json()]).toEqual([404, { error: 'ERROR_METHOD_NOT_FOUND', error_description: 'Method not found!' }]);
  });
});

describe('finding contacts', () => {
  it('finds the ids of the contacts holding a number in the duplicate index, its digits compared, never a deleted one', async () => {
    expect(await result('crm.duplicate.findbycomm', { type: 'PHONE', entity_type: 'CONTACT', values: ['+14155550100'] })).toEqual({ CONTACT: [Number(jane)] });
    expect(await result('crm.duplicate.findbycomm', { type: 'PHONE', entity_type: 'CONTACT', values: ['4155550100'] })).toEqual({ CONTACT: [Number(john)] });
    expect(await result('crm.duplicate.findbycomm', { type: 'PHONE', entity_type: 'CONTACT', values: ['+14155550199'] })).toEqual([]);
    const tooMany = await call('crm.duplicate.findbycomm', { type: 'PHONE', values: Array.from({ length: 21 }, (_, n) => String(n)) });
    expect([tooMany.status, ((await tooMany.json()) as { error: string }).error]).toEqual([400, '']);
  });

  it('lists contacts by id with the fields selected, PHONE only when named, a phone filter exact as typed', async () => {
    const listed = await result<Array<Record<string, unknown>>>('crm.contact.list', { filter: { '@ID': [jane, john] }, select: ['ID', 'NAME', 'COMPANY_ID', 'PHONE'] });
    expect(listed).toEqual([
      { ID: jane, NAME: 'Jane', COMPANY_ID: expect.any(String), PHONE: [{ ID: expect.any(String), VALUE_TYPE: 'WORK', VALUE: '+1 415-555-0100', TYPE_ID: 'PHONE' }] },
      { ID: john, NAME: 'John', COMPANY_ID: null, PHONE: [expect.objectContaining({ VALUE_TYPE: 'WORK' }), expect.objectContaining({ VALUE: '(415) 555-0100', VALUE_TYPE: 'MOBILE' })] },
    ]);
    expect(await result('crm.contact.list', { filter: { PHONE: '+14155550100' } })).toEqual([]);
    expect(await result<Array<{ ID: string }>>('crm.contact.list', { filter: { PHONE: '(415) 555-0100' }, select: ['ID'] })).toEqual([{ ID: john }]);
    const company = await result<{ TITLE: string }>('crm.company.get', { id: listed[0]!.COMPANY_ID });
    expect(company.TITLE).toBe('Acme');
  });

  it('runs a batch in order, each command reading an earlier answer by $result[name][field]', async () => {
    const answer = await result<Record<string, unknown>>('batch', { halt: 0, cmd: { find: FIND, contacts: 'crm.contact.list?filter[@ID]=$result[find][CONTACT]&select[]=ID' } });
    expect(answer).toEqual({ result: { find: { CONTACT: [Number(jane), Number(john)] }, contacts: [{ ID: jane }, { ID: john }] }, result_error: [], result_total: { contacts: 2 }, result_next: [], result_time: [] });
    // Nobody found: the reference is empty, and lists nobody.
    const none = await result<{ result: Record<string, unknown> }>('batch', { cmd: { find: FIND.replace(/0100/g, '0177'), contacts: 'crm.contact.list?filter[@ID]=$result[find][CONTACT]' } });
    expect(none.result).toEqual({ find: [], contacts: [] });
  });

  it('reads a command query as PHP does: nested keys, appended lists, encoded values', () => {
    expect(parsePhpQuery('a[b][0][c]=x%2By&v[]=1&v[]=2&s=a+b')).toEqual({ a: { b: [{ c: 'x+y' }] }, v: ['1', '2'], s: 'a b' });
  });
});

describe('call activities', () => {
  const fields = (extra: Record<string, unknown> = {}) => ({ OWNER_TYPE_ID: 3, OWNER_ID: jane, TYPE_ID: 2, SUBJECT: 'Inbound call', DIRECTION: 1, COMMUNICATIONS: [{ VALUE: '+14155550100' }], ...extra });

  it('adds a call activity on a contact for the webhook user unless told, and updates its fields and owner', async () => {
    const id = await result<number>('crm.activity.add', { fields: fields() });
    expect(bitrix.activities().at(-1)).toMatchObject({ id: String(id), updates: 0, fields: { OWNER_TYPE_ID: 3, OWNER_ID: jane, RESPONSIBLE_ID: bitrix.webhookUserId, SUBJECT: 'Inbound call' } });
    expect(await result('crm.activity.update', { id, fields: { DESCRIPTION: 'Called back', OWNER_ID: john } })).toBe(true);
    expect(bitrix.activities().at(-1)).toMatchObject({ updates: 1, fields: { DESCRIPTION: 'Called back', OWNER_ID: john, SUBJECT: 'Inbound call' } });
    expect(await result('crm.activity.get', { id })).toMatchObject({ ID: String(id), DESCRIPTION: 'Called back' });
  });

  it('refuses an activity without its owner or communications, a deleted or unknown owner, or an unknown user, writing nothing', async () => {
    const before = bitrix.activities().length;
    for (const bad of [{ OWNER_ID: undefined }, { COMMUNICATIONS: [] }, { OWNER_ID: '999999' }, { OWNER_TYPE_ID: 7 }, { RESPONSIBLE_ID: 4242 }]) {
      const refused = await call('crm.activity.add', { fields: fields(bad) });
      expect(refused.status).toBe(400);
      expect(await refused.json()).toEqual({ error: '', error_description: expect.any(String) });
    }
    expect(bitrix.activities()).toHaveLength(before);
    const missing = await call('crm.activity.update', { id: 1, fields: { DESCRIPTION: 'x' } });
    expect([missing.status, await missing.json()]).toEqual([400, { error: '', error_description: 'Not found' }]);
  });

  it('makes a Lead and binds a call to it in one batch, and stops at a failed command with halt', async () => {
    const answer = await result<{ result: Record<string, unknown>; result_error: unknown }>('batch', {
      halt: 1,
      cmd: { lead: 'crm.lead.add?fields[TITLE]=%2B14155550123&fields[PHONE][0][VALUE]=%2B14155550123', call: 'crm.activity.add?fields[OWNER_TYPE_ID]=1&fields[OWNER_ID]=$result[lead]&fields[TYPE_ID]=2&fields[COMMUNICATIONS][0][VALUE]=%2B14155550123' },
    });
    const lead = bitrix.leadsMade().at(-1)!;
    expect(lead).toEqual({ id: String(answer.result.lead), title: '+14155550123', phones: ['+14155550123'] });
    expect(bitrix.activities().at(-1)!.fields).toMatchObject({ OWNER_TYPE_ID: 1, OWNER_ID: lead.id });
    const halted = await result<{ result: unknown; result_error: Record<string, unknown> }>('batch', { halt: 1, cmd: { bad: 'crm.activity.add?fields[TYPE_ID]=2', after: 'user.get' } });
    expect(halted).toMatchObject({ result: [], result_error: { bad: { error: '', error_description: 'The field OWNER_ID is not defined or invalid.' } } });
  });
});

describe('users', () => {
  it('finds an active user by email, case aside', async () => {
    const ann = bitrix.seedUser({ email: 'Ann@Example.com', firstName: 'Ann', lastName: 'Agent' });
    expect(await result('user.get', { FILTER: { EMAIL: 'ann@example.com', ACTIVE: true } })).toEqual([{ ID: ann, ACTIVE: true, EMAIL: 'Ann@Example.com', NAME: 'Ann', LAST_NAME: 'Agent' }]);
    expect(await result('user.get', { FILTER: { EMAIL: 'nobody@example.com' } })).toEqual([]);
  });
});

describe('limits', () => {
  it('answers an injected 503 with QUERY_LIMIT_EXCEEDED and its Retry-After, then serves again', async () => {
    bitrix.failNext(1, { status: 503, retryAfterSeconds: 2 });
    const limited = await call('user.get');
    expect([limited.status, limited.headers.get('retry-after'), await limited.json()]).toEqual([503, '2', { error: 'QUERY_LIMIT_EXCEEDED', error_description: 'Too many requests' }]);
    expect((await call('user.get')).status).toBe(200);
  });

  it('refuses the 51st request of a burst with QUERY_LIMIT_EXCEEDED', async () => {
    const limited = await Bitrix24Simulator.start();
    try {
      let now = 0;
      limited.enforceRateLimits(() => now);
      const get = () => fetch(`${limited.config.webhook_url}user.get.json`, { method: 'POST' });
      for (let i = 0; i < 50; i++) expect((await get()).status).toBe(200);
      const refused = await get();
      expect([refused.status, ((await refused.json()) as { error: string }).error]).toEqual([503, 'QUERY_LIMIT_EXCEEDED']);
      now = 25_001;
      expect((await get()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
