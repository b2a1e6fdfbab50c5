/** The front every CRM simulator shares: request log, planned failures, outages and held searches. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendJson } from '../http.ts';
import { CrmServer } from './crm-front.ts';

let front: CrmServer;

beforeEach(async () => {
  front = await CrmServer.start({
    handle: async ({ url }, res) => {
      if (url.pathname === '/search') await front.searchesReleased();
      sendJson(res, 200, { path: url.pathname });
    },
    answerFailure: (res, failure) => res.writeHead(failure.status, failure.retryAfterSeconds === undefined ? {} : { 'Retry-After': String(failure.retryAfterSeconds) }).end('planned'),
    answerCrash: (res, error) => sendJson(res, 500, { crash: error.message }),
  });
});
// Closing twice is harmless for the test that closes its front itself.
afterEach(() => front.close().catch(() => undefined));

const get = (path: string, init?: RequestInit) => fetch(`${front.baseUrl}${path}`, init);

describe('CrmServer', () => {
  it('records method, URL, headers, body and the status answered', async () => {
    await get('/contacts?q=1', { method: 'POST', headers: { 'X-Probe': 'yes' }, body: 'hello' });
    expect(front.requests).toEqual([{ method: 'POST', url: '/contacts?q=1', headers: expect.objectContaining({ 'x-probe': 'yes' }), body: 'hello', status: 200 }]);
  });

  it('fails the next N matching requests, in the order planned, then answers normally', async () => {
    front.failNext(2, { status: 503 });
    front.failNext(1, { status: 429, retryAfterSeconds: 3 }, /\/calls/);
    expect((await get('/calls')).status).toBe(503);
    expect((await get('/contacts')).status).toBe(503);
    // The 503s are used up; only a /calls request meets the 429.
    expect((await get('/contacts')).status).toBe(200);
    const limited = await get('/calls/1');
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '3']);
    expect((await get('/calls/1')).status).toBe(200);
  });

  it('resets connections while down, kept-alive ones included, and serves again once up', async () => {
    expect((await get('/contacts')).status).toBe(200);
    await front.down();
    await expect(get('/contacts')).rejects.toThrow();
    await front.up();
    expect((await get('/contacts')).status).toBe(200);
  });

  it('holds searches until every hold is released', async () => {
    const first = front.holdSearches();
    const second = front.holdSearches();
    const search = get('/search');
    await expect.poll(() => front.requests.some((r) => r.url === '/search'), { timeout: 30_000 }).toBe(true);
    expect((await get('/contacts')).status).toBe(200);
    first();
    expect((await get('/contacts')).status).toBe(200);
    expect(front.requests.find((r) => r.url === '/search')!.status).toBe(0);
    second();
    expect((await search).status).toBe(200);
  });

  it('answers a handler that throws as the CRM`s 500', async () => {
    const crashing = await CrmServer.start({
      handle: async () => {
        throw new Error('simulator bug');
      },
      answerFailure: (res) => res.end(),
      answerCrash: (res, error) => sendJson(res, 500, { crash: error.message }),
    });
    try {
      const response = await fetch(`${crashing.baseUrl}/x`);
      expect([response.status, await response.json()]).toEqual([500, { crash: 'simulator bug' }]);
    } finally {
      await crashing.close();
    }
  });

  it('answers held searches on close() rather than hanging', async () => {
    front.holdSearches();
    const search = get('/search');
    await expect.poll(() => front.requests.length, { timeout: 30_000 }).toBe(1);
    const closed = front.close();
    expect((await search).status).toBe(200);
    await closed;
  });
});
