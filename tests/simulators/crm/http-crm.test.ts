/** The HTTP side every CRM simulator shares: a simulator bug still gets an answer, and each switch does what it says. */
import { afterEach, describe, expect, it } from 'vitest';
import { type CrmBehaviour, CrmHttpServer } from './http-crm.ts';

const behaviour = (respond: CrmBehaviour['respond']): CrmBehaviour => ({
  respond,
  failure: (failure) => ({ status: failure.status, body: { crm: 'failed', status: failure.status } }),
  isSearch: (request) => request.url.pathname === '/search',
});

let server: CrmHttpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('CrmHttpServer', () => {
  it('answers a simulator that throws with the CRM’s own 500, naming the bug in a header', async () => {
    server = await CrmHttpServer.start(
      behaviour(() => {
        throw new Error('no such\nrecord');
      }),
    );
    const response = await fetch(`${server.url}/anything`);
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ crm: 'failed', status: 500 });
    expect(response.headers.get('x-simulator-error')).toBe('no such record');
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/anything', status: 500 });
  });

  it('answers an empty body without a Content-Type, and JSON with one', async () => {
    server = await CrmHttpServer.start(behaviour((request) => (request.url.pathname === '/empty' ? { status: 204 } : { status: 200, body: { ok: true } })));
    const empty = await fetch(`${server.url}/empty`);
    expect([empty.status, empty.headers.get('content-type'), await empty.text()]).toEqual([204, null, '']);
    const json = await fetch(`${server.url}/json`);
    expect(json.headers.get('content-type')).toBe('application/json;charset=UTF-8');
  });

  it('consumes injected failures in order, each only on its paths, and adds Retry-After when asked', async () => {
    server = await CrmHttpServer.start(behaviour(() => ({ status: 200, body: {} })));
    server.failNext(1, { status: 503 }, /^\/write/);
    server.failNext(2, { status: 429, retryAfterSeconds: 2 });
    const statuses = [];
    for (const path of ['/read', '/write', '/read', '/read', '/write']) {
      const response = await fetch(`${server.url}${path}`);
      statuses.push([path, response.status, response.headers.get('retry-after')]);
    }
    expect(statuses).toEqual([
      ['/read', 429, '2'],
      ['/write', 503, null],
      ['/read', 429, '2'],
      ['/read', 200, null],
      ['/write', 200, null],
    ]);
  });
});
