import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CrmHttpClient, MAX_CRM_ANSWER_BYTES } from './crm-http.ts';

type Handler = (request: http.IncomingMessage, body: string, response: http.ServerResponse) => void;

let server: http.Server;
let client: CrmHttpClient;
let connections = 0;

/** A local HTTP server on a free port, answering with `handler`. */
async function serve(handler: Handler): Promise<string> {
  server = http.createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => handler(request, body, response));
  });
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

afterEach(async () => {
  client?.close();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  connections = 0;
});

async function read(answer: Awaited<ReturnType<CrmHttpClient['fetch']>>) {
  const headers: Record<string, string> = {};
  answer.headers.forEach((value, key) => (headers[key] = value));
  return { status: answer.status, headers, body: await answer.text() };
}

describe('the CRM HTTP client', () => {
  it('sends the method, headers and body, and gives the status, headers and text of the answer', async () => {
    const base = await serve((request, body, response) => {
      response.writeHead(201, { 'content-type': 'application/json', 'x-seen': `${request.method} ${request.url} ${request.headers['content-type']} ${body}` });
      response.end(JSON.stringify({ ok: 'é' }));
    });
    client = new CrmHttpClient(10_000);
    const answer = await read(await client.fetch(`${base}/webservice.php?x=1`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'operation=query&q=%C3%A9', step: 'log_call' }));
    expect(answer).toMatchObject({ status: 201, body: '{"ok":"é"}', headers: { 'content-type': 'application/json', 'x-seen': 'POST /webservice.php?x=1 application/x-www-form-urlencoded operation=query&q=%C3%A9' } });
  });

  it("sends a URL's user and password as Basic credentials, as node:http does with the URL itself", async () => {
    const base = await serve((request, _body, response) => response.end(`${request.url} ${request.headers.authorization}`));
    client = new CrmHttpClient(10_000);
    const answer = await read(await client.fetch(base.replace('//', '//api%20user:s%3Acret@') + '/rest/calls?limit=1', { method: 'GET', headers: {} }));
    expect(answer.body).toBe(`/rest/calls?limit=1 Basic ${Buffer.from('api user:s:cret').toString('base64')}`);
  });

  it('sends Host as node:http would, and a body-less PUT with a length of 0 rather than chunked', async () => {
    const seen: string[] = [];
    const base = await serve((request, body, response) => {
      seen.push(`${request.method} host=${request.headers.host} length=${request.headers['content-length'] ?? '-'} chunked=${request.headers['transfer-encoding'] ?? '-'} body=${body || '-'}`);
      response.end('{}');
    });
    client = new CrmHttpClient(10_000);
    await client.fetch(`${base}/crm/v4/associations`, { method: 'PUT', headers: {} });
    await client.fetch(`${base}/`, { method: 'GET', headers: {} });
    // The length is the body's in bytes, whatever length the request names.
    await client.fetch(`${base}/`, { method: 'POST', headers: { 'Content-Length': '1' }, body: 'q=é' });
    const host = new URL(base).host;
    expect(seen).toEqual([`PUT host=${host} length=0 chunked=- body=-`, `GET host=${host} length=- chunked=- body=-`, `POST host=${host} length=4 chunked=- body=q=é`]);
  });

  it("sends the request's own Authorization and Host over the URL's, once, and refuses a header value that would split the request", async () => {
    // The raw lines: a header sent twice would show twice here.
    const base = await serve((request, _body, response) => response.end(JSON.stringify(request.rawHeaders.filter((_, i) => /^(authorization|host)$/i.test(request.rawHeaders[i - (i % 2)]!)))));
    client = new CrmHttpClient(10_000);
    const answer = await read(await client.fetch(base.replace('//', '//user:pass@') + '/', { method: 'GET', headers: { Authorization: 'Bearer t0k3n', Host: 'crm.example.com' } }));
    expect(JSON.parse(answer.body)).toEqual(['Authorization', 'Bearer t0k3n', 'Host', 'crm.example.com']);
    await expect(client.fetch(`${base}/`, { method: 'GET', headers: { 'X-Note': 'a\r\nX-Injected: 1' } })).rejects.toThrow(/Invalid character in header content/);
  });

  it("gives an answer sent in pieces whole (a character split between them too), and the answer's repeated headers joined", async () => {
    const text = `{"name":"${'é'.repeat(40_000)}"}`;
    const bytes = Buffer.from(text);
    const base = await serve((_request, _body, response) => {
      response.writeHead(200, [['content-type', 'application/json'], ['x-seen', 'a'], ['x-seen', 'b']]);
      // Split inside a two-byte character.
      response.write(bytes.subarray(0, 10));
      response.write(bytes.subarray(10, 50_001));
      response.end(bytes.subarray(50_001));
    });
    client = new CrmHttpClient(10_000);
    const answer = await read(await client.fetch(`${base}/`, { method: 'GET', headers: {} }));
    expect(answer.body).toBe(text);
    expect(answer.headers).toMatchObject({ 'content-type': 'application/json', 'x-seen': 'a, b' });
  });

  it('keeps the connection alive between requests', async () => {
    const base = await serve((_request, _body, response) => response.end('{}'));
    client = new CrmHttpClient(10_000);
    for (let i = 0; i < 5; i++) await read(await client.fetch(`${base}/`, { method: 'GET', headers: {} }));
    expect(connections).toBe(1);
  });

  it('follows a redirect; a POST answered 302 goes on as a GET without its body', async () => {
    const seen: string[] = [];
    const base = await serve((request, body, response) => {
      seen.push(`${request.method} ${request.url} ${request.headers['content-type'] ?? '-'} ${body || '-'}`);
      if (request.url === '/old') {
        response.writeHead(302, { location: '/new' });
        response.end();
      } else response.end('moved here');
    });
    client = new CrmHttpClient(10_000);
    const answer = await read(await client.fetch(`${base}/old`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":1}' }));
    expect(answer).toMatchObject({ status: 200, body: 'moved here' });
    expect(seen).toEqual(['POST /old application/json {"a":1}', 'GET /new - -']);
  });

  it('gives up on a CRM that does not answer in time, saying so', async () => {
    const base = await serve(() => {
      // Never answers.
    });
    client = new CrmHttpClient(50);
    await expect(client.fetch(`${base}/`, { method: 'GET', headers: {} })).rejects.toThrow('no answer within 50 ms');
  });

  it('refuses an answer larger than it will hold', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 'x');
    const base = await serve((_request, _body, response) => {
      let sent = 0;
      const more = () => {
        while (sent <= MAX_CRM_ANSWER_BYTES) {
          sent += chunk.length;
          if (!response.write(chunk)) return response.once('drain', more);
        }
        response.end();
      };
      more();
    });
    client = new CrmHttpClient(10_000);
    await expect(client.fetch(`${base}/`, { method: 'GET', headers: {} })).rejects.toThrow(`larger than ${MAX_CRM_ANSWER_BYTES} bytes`);
  });

  it('names the cause when the CRM cannot be reached, and refuses other schemes', async () => {
    const base = await serve((_request, _body, response) => response.end());
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    server = http.createServer();
    client = new CrmHttpClient(10_000);
    await expect(client.fetch(base, { method: 'GET', headers: {} })).rejects.toThrow(`ECONNREFUSED 127.0.0.1:${port}`);
    await expect(client.fetch('ftp://crm.example.test/', { method: 'GET', headers: {} })).rejects.toThrow('ftp: is not http: or https:');
  });
});
