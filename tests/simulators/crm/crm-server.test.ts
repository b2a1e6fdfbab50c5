/** The front every CRM simulator shares: request log, injected failures, outages, held searches, answers and crashes. */
import { Agent, request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type CrmBehaviour, CrmServer } from './crm-server.ts';

/** A CRM with a search at /search, an empty answer at /empty, a page at /page and JSON elsewhere. */
function behaviour(overrides: Partial<CrmBehaviour> = {}): CrmBehaviour {
  return {
    route: (request) => {
      if (request.path === '/empty') return { status: 204 };
      if (request.path === '/page') return { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<h1>Not Found</h1>' };
      return { status: 200, body: { path: request.path } };
    },
    failure: (failure) => ({ status: failure.status, body: { crm: 'failed', status: failure.status } }),
    isSearch: (request) => request.path === '/search',
    ...overrides,
  };
}

let crm: CrmServer;
const started: CrmServer[] = [];
async function start(overrides?: Partial<CrmBehaviour>): Promise<CrmServer> {
  crm = await CrmServer.start(behaviour(overrides));
  started.push(crm);
  return crm;
}
// Closing twice is harmless for the tests that close a server themselves.
afterEach(async () => {
  await Promise.all(started.splice(0).map((server) => server.close()));
});

const get = (path: string, init?: RequestInit) => fetch(`${crm.baseUrl}${path}`, init);

/** A GET through `agent`, its body read to the end so that the agent keeps the socket. */
function statusOver(agent: Agent, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(`${crm.baseUrl}${path}`, { agent }, (response) => {
      response.resume().on('end', () => resolve(response.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

/** Each path's status and Retry-After, requested one after the other. */
async function answersTo(paths: string[]): Promise<Array<[string, number, string | null]>> {
  const answers: Array<[string, number, string | null]> = [];
  for (const path of paths) {
    const response = await get(path);
    answers.push([path, response.status, response.headers.get('retry-after')]);
  }
  return answers;
}

describe('CrmServer', () => {
  it('records method, URL, headers, body, the status answered and when it arrived', async () => {
    await start();
    const sent = Date.now();
    await get('/contacts?q=1', { method: 'POST', headers: { 'X-Probe': 'yes' }, body: 'hello' });
    expect(crm.requests).toEqual([{ method: 'POST', url: '/contacts?q=1', headers: expect.objectContaining({ 'x-probe': 'yes' }), body: 'hello', status: 200, at: expect.any(Number) }]);
    expect(crm.requests[0]!.at).toBeGreaterThanOrEqual(sent);
  });

  it('fails the next N matching requests, the first failure planned first, then answers normally', async () => {
    await start();
    crm.failNext(2, { status: 503 });
    crm.failNext(1, { status: 429, retryAfterSeconds: 3 }, /\/calls/);
    // The 503s are used up first; only a /calls request meets the 429 then.
    expect(await answersTo(['/calls', '/contacts', '/contacts', '/calls/1', '/calls/1'])).toEqual([
      ['/calls', 503, null],
      ['/contacts', 503, null],
      ['/contacts', 200, null],
      ['/calls/1', 429, '3'],
      ['/calls/1', 200, null],
    ]);
  });

  it('lets a later failure answer the paths an earlier one does not match, in the CRM`s shape, with Retry-After when asked', async () => {
    await start();
    crm.failNext(1, { status: 503 }, /^\/write/);
    crm.failNext(2, { status: 429, retryAfterSeconds: 2 });
    expect(await answersTo(['/read', '/write', '/read', '/read', '/write'])).toEqual([
      ['/read', 429, '2'],
      ['/write', 503, null],
      ['/read', 429, '2'],
      ['/read', 200, null],
      ['/write', 200, null],
    ]);
    crm.failNext(1, { status: 502 });
    expect(await (await get('/read')).json()).toEqual({ crm: 'failed', status: 502 });
  });

  it('tests a failure pattern against the URL with its query, or against what the CRM names (Vtiger: the body too)', async () => {
    await start();
    crm.failNext(1, { status: 503 }, /operation=create/);
    expect((await get('/webservice.php', { method: 'POST', body: 'operation=create' })).status).toBe(200);
    expect((await get('/webservice.php?operation=create')).status).toBe(503);
    await start({ failureTarget: ({ url, body }) => `${url}\n${body}` });
    crm.failNext(1, { status: 503 }, /operation=create/);
    expect((await get('/webservice.php', { method: 'POST', body: 'operation=query' })).status).toBe(200);
    expect((await get('/webservice.php', { method: 'POST', body: 'operation=create' })).status).toBe(503);
  });

  it('answers an empty body without a Content-Type, JSON with the CRM`s own type, and a page as it is', async () => {
    await start();
    const empty = await get('/empty');
    expect([empty.status, empty.headers.get('content-type'), await empty.text()]).toEqual([204, null, '']);
    expect((await get('/json')).headers.get('content-type')).toBe('application/json');
    const page = await get('/page');
    expect([page.status, page.headers.get('content-type'), await page.text()]).toEqual([404, 'text/html', '<h1>Not Found</h1>']);
    await start({ jsonType: 'application/json;charset=UTF-8' });
    expect((await get('/json')).headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('resets connections while down, kept-alive ones included, and serves again once up', async () => {
    await start();
    // One socket, kept alive: the request after down() would reuse it if it were left open.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      expect(await statusOver(agent, '/contacts')).toBe(200);
      await crm.down();
      await expect(statusOver(agent, '/contacts')).rejects.toThrow();
      await crm.up();
      expect(await statusOver(agent, '/contacts')).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('holds searches until every hold is released, recorded with status 0 meanwhile, and holds nothing else', async () => {
    await start();
    const first = crm.holdSearches();
    const second = crm.holdSearches();
    const search = get('/search');
    await expect.poll(() => crm.requests.some((r) => r.url === '/search'), { timeout: 30_000 }).toBe(true);
    expect((await get('/contacts')).status).toBe(200);
    first();
    expect((await get('/contacts')).status).toBe(200);
    expect(crm.requests.find((r) => r.url === '/search')!.status).toBe(0);
    second();
    expect((await search).status).toBe(200);
    expect(crm.requests.find((r) => r.url === '/search')!.status).toBe(200);
  });

  it('sends each answer only once its round trip is over, each request waiting on its own, and none once the distance is 0', async () => {
    await start();
    const travels: Array<{ ms: number; arrive: () => void }> = [];
    crm.roundTrip(120, (ms) => new Promise((arrive) => travels.push({ ms, arrive })));
    const arrived: string[] = [];
    const search = get('/search').then((response) => arrived.push(`search ${response.status}`));
    const contacts = get('/contacts').then((response) => arrived.push(`contacts ${response.status}`));
    // Both done by the CRM and on their way back, neither sent nor received: two round trips at once, not one after the other.
    await expect.poll(() => travels.length, { timeout: 30_000 }).toBe(2);
    expect([crm.requests.map((r) => r.status), travels.map((t) => t.ms), arrived]).toEqual([[0, 0], [120, 120], []]);
    travels[crm.requests.findIndex((r) => r.url === '/contacts')]!.arrive();
    await contacts;
    expect([arrived, crm.requests.find((r) => r.url === '/search')!.status]).toEqual([['contacts 200'], 0]);
    travels[crm.requests.findIndex((r) => r.url === '/search')]!.arrive();
    await search;
    expect(arrived).toEqual(['contacts 200', 'search 200']);
    crm.roundTrip(0);
    expect((await get('/contacts')).status).toBe(200);
    expect(travels).toHaveLength(2);
  });

  it('answers a simulator bug with the CRM`s own 500 when it has one, naming the bug in a header', async () => {
    await start({
      route: () => {
        throw new Error('simulator bug');
      },
      crash: (error) => ({ status: 500, body: { crash: error.message } }),
    });
    const response = await get('/x');
    expect([response.status, await response.json(), response.headers.get('x-simulator-error')]).toEqual([500, { crash: 'simulator bug' }, 'simulator bug']);
  });

  it('answers a simulator bug with the CRM`s injected 500 otherwise, the header printable, and records it', async () => {
    await start({
      route: () => {
        throw new Error('no such\nrecord');
      },
    });
    const response = await get('/anything');
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ crm: 'failed', status: 500 });
    expect(response.headers.get('x-simulator-error')).toBe('no such record');
    expect(crm.requests[0]).toMatchObject({ method: 'GET', url: '/anything', status: 500 });
  });

  it('answers held searches on close() rather than hanging, and closes their kept-alive connections', async () => {
    await start();
    crm.holdSearches();
    const search = get('/search');
    await expect.poll(() => crm.requests.length, { timeout: 30_000 }).toBe(1);
    const closed = crm.close();
    const answer = await search;
    expect([answer.status, answer.headers.get('connection')]).toEqual([200, 'close']);
    await closed;
    await expect(get('/contacts')).rejects.toThrow();
  });
});
