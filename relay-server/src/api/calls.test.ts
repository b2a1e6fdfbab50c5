import { beforeEach, describe, expect, it } from 'vitest';
import { mergeCall } from '../calls/merge.ts';
import { testRelay } from '../testing.ts';
import { parseCallQuery } from './calls.ts';

let clock: number;
let relay: ReturnType<typeof testRelay>;
let ada: Awaited<ReturnType<typeof relay.addAgent>>;
let bob: Awaited<ReturnType<typeof relay.addAgent>>;

beforeEach(async () => {
  clock = Date.UTC(2026, 10, 24, 9, 0, 0);
  relay = testRelay({ now: () => new Date((clock += 1000)) });
  ada = await relay.addAgent('Ada', '+14155550111');
  bob = await relay.addAgent('Bob', '+14155550122');
  await relay.twilioInstance(ada.token);
  clock = Date.UTC(2026, 10, 24, 9, 0, 0);
});

const report = (token: string, body: unknown) => relay.call(token, 'POST', '/calls', body);
const json = async (response: Response) => (await response.json()) as any;

describe('POST /calls', () => {
  it('records a call the extension placed, once', async () => {
    const first = await report(ada.token, { instance: 'main', call_id: 'CA1', to_number: '+1 (415) 555-0100', status: 'queued' });
    expect(first.status).toBe(201);
    const call = await json(first);
    expect(call).toEqual({
      id: 1,
      instance_id: 'main',
      call_id: 'CA1',
      direction: 'outbound',
      status: 'queued',
      status_raw: 'queued',
      from_number: null,
      to_number: '+14155550100',
      user_number: null,
      duration: null,
      started_at: null,
      ended_at: null,
      recording_url: null,
      notes: null,
      disposition: null,
      created_at: '2026-11-24T09:00:01.000Z',
      updated_at: '2026-11-24T09:00:01.000Z',
      extra: {},
      contact: null,
      contacts: [],
      crm_log: null,
      new_contact_url: null,
    });
    const again = await report(ada.token, { instance: 'main', call_id: 'CA1', to_number: '+14155550100', status: 'queued' });
    expect(again.status).toBe(200);
    expect(await json(again)).toEqual(call);
    expect(relay.published.map((e) => [e.agentId, e.seq, e.kind])).toEqual([[ada.id, 1, 'created']]);
  });

  it('refuses an instance the agent does not have, and bad bodies', async () => {
    expect((await report(bob.token, { instance: 'main', call_id: 'CA1', to_number: '+14155550100' })).status).toBe(404);
    expect((await report(ada.token, { instance: 'main', call_id: '', to_number: '+14155550100' })).status).toBe(400);
    expect((await report(ada.token, { instance: 'main', call_id: 'CA1' })).status).toBe(400);
    expect((await report(ada.token, 'not json')).status).toBe(400);
    expect(relay.published).toEqual([]);
  });
});

describe('GET /calls', () => {
  beforeEach(async () => {
    for (let i = 1; i <= 5; i++) await report(ada.token, { instance: 'main', call_id: `CA${i}`, to_number: i % 2 ? '+14155550100' : '+14155550199' });
  });

  it('pages newest first with an opaque cursor', async () => {
    const first = await json(await relay.call(ada.token, 'GET', '/calls?limit=2'));
    expect(first.calls.map((c: any) => c.call_id)).toEqual(['CA5', 'CA4']);
    const second = await json(await relay.call(ada.token, 'GET', `/calls?limit=2&cursor=${first.next_cursor}`));
    expect(second.calls.map((c: any) => c.call_id)).toEqual(['CA3', 'CA2']);
    const last = await json(await relay.call(ada.token, 'GET', `/calls?limit=2&cursor=${second.next_cursor}`));
    expect(last).toEqual({ calls: [expect.objectContaining({ call_id: 'CA1' })], next_cursor: null });
  });

  it('filters by number (any format), direction and date', async () => {
    const ids = async (query: string) => (await json(await relay.call(ada.token, 'GET', `/calls?${query}`))).calls.map((c: any) => c.call_id);
    expect(await ids(`number=${encodeURIComponent('+1 415-555-0199')}`)).toEqual(['CA4', 'CA2']);
    expect(await ids('direction=inbound')).toEqual([]);
    expect(await ids('direction=outbound&limit=1')).toEqual(['CA5']);
    expect(await ids('since=2026-11-24T09:00:02Z&until=2026-11-24T09:00:04Z')).toEqual(['CA3', 'CA2']);
  });

  it("finds calls by the contact's name or company, the notes, the outcome or part of a number (q)", async () => {
    const at = '2026-11-24T10:00:00.000Z';
    await relay.store.setCallCrm(2, { contact: { id: '12x4', name: 'Grace Hopper', company: 'Navy Labs', url: null }, contacts: [], new_contact_url: null, crm_log: null }, at);
    await relay.store.setCallCrm(3, { contact: { id: '12x5', name: 'José Álvarez', company: null, url: null }, contacts: [], new_contact_url: null, crm_log: null }, at);
    await relay.call(ada.token, 'PATCH', '/calls/5', { notes: 'Send the quote by Friday', disposition: 'Left voicemail' });
    const ids = async (q: string, extra = '') => (await json(await relay.call(ada.token, 'GET', `/calls?q=${encodeURIComponent(q)}${extra}`))).calls.map((c: any) => c.call_id);
    expect(await ids('grace')).toEqual(['CA2']);
    expect(await ids('navy labs')).toEqual(['CA2']);
    expect(await ids('jose')).toEqual(['CA3']);
    expect(await ids('QUOTE')).toEqual(['CA5']);
    expect(await ids('voicemail')).toEqual(['CA5']);
    expect(await ids('(415) 555-0199')).toEqual(['CA4', 'CA2']);
    expect(await ids('0100')).toEqual(['CA5', 'CA3', 'CA1']);
    expect(await ids('0100', '&limit=2')).toEqual(['CA5', 'CA3']);
    expect(await ids('nobody')).toEqual([]);
    // Bob sees none of Ada's calls, found or not.
    expect((await json(await relay.call(bob.token, 'GET', '/calls?q=grace'))).calls).toEqual([]);
  });

  it('pages a search with the cursor, and answers one only when more may match', async () => {
    const first = await json(await relay.call(ada.token, 'GET', '/calls?q=0100&limit=2'));
    expect(first.calls.map((c: any) => c.call_id)).toEqual(['CA5', 'CA3']);
    const second = await json(await relay.call(ada.token, 'GET', `/calls?q=0100&limit=2&cursor=${first.next_cursor}`));
    expect(second).toEqual({ calls: [expect.objectContaining({ call_id: 'CA1' })], next_cursor: null });
    // The last match among those read, with no call left after it: no cursor to an empty page.
    expect(await json(await relay.call(ada.token, 'GET', '/calls?q=0199&limit=1&cursor=' + first.next_cursor))).toEqual({ calls: [expect.objectContaining({ call_id: 'CA2' })], next_cursor: null });
  });

  it('reads a bounded number of calls per search, and answers where to search on from', async () => {
    // 2,100 calls more, none of which matches: the first request stops after 2,000 read.
    await relay.store.transaction(async (tx) => {
      const instance = (await tx.instanceOf(ada.id, 'main'))!;
      for (let i = 0; i < 2_100; i++) {
        const id = await tx.insertCall(instance.uid, `CB${i}`, mergeCall(undefined, { direction: 'outbound', to_number: '+14155550333' }), '2026-11-24T11:00:00.000Z');
        await tx.linkAgents([ada.id], id);
      }
    });
    const first = await json(await relay.call(ada.token, 'GET', '/calls?q=0199'));
    expect(first.calls).toEqual([]);
    expect(first.next_cursor).not.toBeNull();
    const second = await json(await relay.call(ada.token, 'GET', `/calls?q=0199&cursor=${first.next_cursor}`));
    expect(second).toEqual({ calls: [expect.objectContaining({ call_id: 'CA4' }), expect.objectContaining({ call_id: 'CA2' })], next_cursor: null });
  });

  it.each(['direction=sideways', 'since=yesterday', 'limit=0', 'limit=201', 'limit=ten', 'cursor=abc', `q=${'x'.repeat(201)}`])('refuses %s with 400', async (query) => {
    const response = await relay.call(ada.token, 'GET', `/calls?${query}`);
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ error: expect.any(String) });
  });

  it('shows an agent only their calls', async () => {
    expect(await json(await relay.call(bob.token, 'GET', '/calls'))).toEqual({ calls: [], next_cursor: null });
    expect((await relay.call(bob.token, 'GET', '/calls/1')).status).toBe(404);
    expect((await relay.call(ada.token, 'GET', '/calls/1')).status).toBe(200);
    expect((await relay.call(ada.token, 'GET', '/calls/999')).status).toBe(404);
    expect((await relay.call(ada.token, 'GET', '/calls/abc')).status).toBe(404);
  });
});

describe('PATCH /calls/:id', () => {
  it('saves notes and disposition and pushes the change', async () => {
    await report(ada.token, { instance: 'main', call_id: 'CA1', to_number: '+14155550100' });
    const response = await relay.call(ada.token, 'PATCH', '/calls/1', { notes: 'wants a demo', disposition: 'interested' });
    expect(await json(response)).toMatchObject({ notes: 'wants a demo', disposition: 'interested', updated_at: '2026-11-24T09:00:02.000Z' });
    expect(relay.published.at(-1)).toMatchObject({ agentId: ada.id, seq: 2, kind: 'updated' });
    expect(await json(await relay.call(ada.token, 'PATCH', '/calls/1', { notes: null }))).toMatchObject({ notes: null, disposition: 'interested' });
  });

  it('refuses calls of others and bad values', async () => {
    await report(ada.token, { instance: 'main', call_id: 'CA1', to_number: '+14155550100' });
    expect((await relay.call(bob.token, 'PATCH', '/calls/1', { notes: 'mine now' })).status).toBe(404);
    expect((await relay.call(ada.token, 'PATCH', '/calls/1', { notes: 'x'.repeat(10_001) })).status).toBe(400);
    expect((await relay.call(ada.token, 'PATCH', '/calls/1', { disposition: 3 })).status).toBe(400);
    expect(await json(await relay.call(ada.token, 'GET', '/calls/1'))).toMatchObject({ notes: null, disposition: null });
  });
});

describe('parseCallQuery', () => {
  it('normalises its parameters', () => {
    expect(parseCallQuery({ number: '098450 98450', since: '2026-11-24', limit: '10' }, 'IN')).toEqual({ number: '+919845098450', since: '2026-11-24T00:00:00.000Z', limit: 10 });
    expect(parseCallQuery({ number: 'client:alice' })).toEqual({ number: 'client:alice', limit: 50 });
  });
});
