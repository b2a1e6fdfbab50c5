import { beforeEach, describe, expect, it } from 'vitest';
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

  it.each(['direction=sideways', 'since=yesterday', 'limit=0', 'limit=201', 'limit=ten', 'cursor=abc'])('refuses %s with 400', async (query) => {
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
