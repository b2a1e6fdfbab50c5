import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { memoryTokenCache } from './auth.ts';
import { buildOutgoingRequest, placeCall } from './outgoing.ts';
import { dryRunAuth } from './auth.ts';

// A provider with a token step, over real HTTP: POST /oauth/token (Basic client credentials,
// form body) answers {access_token, expires_in}; POST /calls wants that token as a bearer.
let server: Server;
let base: string;
let issued = 0;
let revoked = new Set<string>();
const tokenRequests: Array<{ authorization?: string; body: string }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      if (req.url === '/oauth/token') {
        tokenRequests.push({ authorization: req.headers.authorization, body });
        if (req.headers.authorization !== `Basic ${btoa('client-1:s3cret')}`) return res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"error":"invalid_client"}');
        const token = `tok-${++issued}`;
        return res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ access_token: token, token_type: 'Bearer', expires_in: 3600 }));
      }
      const token = req.headers.authorization?.replace(/^Bearer /, '') ?? '';
      if (!/^tok-\d+$/.test(token) || revoked.has(token)) return res.writeHead(401, { 'Content-Type': 'application/json' }).end('{"message":"token expired"}');
      return res.writeHead(201, { 'Content-Type': 'application/json' }).end(JSON.stringify({ id: `call-with-${token}` }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  tokenRequests.length = 0;
  revoked = new Set();
});

const plan = () =>
  loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="base" type="url"/><field name="client_id"/><field name="client_secret" type="password"/></fields></config>
  <provider>
    <url>$config.$fields.base</url>
    <auth>
      <token url="$config.$fields.base/oauth/token" path="access_token" expires_path="expires_in">
        <basic username="$config.$fields.client_id" password="$config.$fields.client_secret"/>
        <parameter name="grant_type" value="client_credentials"/>
      </token>
    </auth>
  </provider>
  <outgoing_call>
    <request><url>calls</url><parameters><parameter name="to" value="@to_number"/></parameters></request>
    <response format="json"><call_id use="id"/><error use="message"/></response>
  </outgoing_call>
</connector>`);
const context = () => ({ config: { base, client_id: 'client-1', client_secret: 's3cret' } });
const fetchFn = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) => fetch(url, init);

describe('token-step auth', () => {
  it('fetches a token, uses it as a bearer, and reuses it until it expires', async () => {
    const cache = memoryTokenCache();
    const first = await placeCall(plan(), context(), '+14155550100', fetchFn, { now: 0, randomId: () => 'x', tokenCache: cache });
    expect(first).toMatchObject({ ok: true, record: { call_id: `call-with-tok-${issued}` } });
    expect(tokenRequests).toEqual([{ authorization: `Basic ${btoa('client-1:s3cret')}`, body: 'grant_type=client_credentials' }]);
    await placeCall(plan(), context(), '+14155550100', fetchFn, { now: 60_000, randomId: () => 'x', tokenCache: cache });
    expect(tokenRequests).toHaveLength(1);
    await placeCall(plan(), context(), '+14155550100', fetchFn, { now: 3_600_000, randomId: () => 'x', tokenCache: cache });
    expect(tokenRequests).toHaveLength(2);
  });

  it('keeps a token per config on one plan: another client asks for its own, and each is reused', async () => {
    const cache = memoryTokenCache();
    const compiled = plan();
    const options = { now: 0, randomId: () => 'x', tokenCache: cache };
    await placeCall(compiled, context(), '+14155550100', fetchFn, options);
    const other = await placeCall(compiled, { config: { ...context().config, client_id: 'client-2' } }, '+14155550100', fetchFn, options);
    expect(other).toMatchObject({ ok: false });
    expect(tokenRequests.map((r) => r.authorization)).toEqual([`Basic ${btoa('client-1:s3cret')}`, `Basic ${btoa('client-2:s3cret')}`]);
    expect(await placeCall(compiled, context(), '+14155550100', fetchFn, options)).toMatchObject({ ok: true });
    expect(tokenRequests).toHaveLength(2);
  });

  it('fetches a new token once when the provider answers 401, then succeeds', async () => {
    const cache = memoryTokenCache();
    await placeCall(plan(), context(), '+14155550100', fetchFn, { now: 0, randomId: () => 'x', tokenCache: cache });
    revoked.add(`tok-${issued}`);
    const result = await placeCall(plan(), context(), '+14155550100', fetchFn, { now: 1000, randomId: () => 'x', tokenCache: cache });
    expect(result.ok).toBe(true);
    expect(tokenRequests).toHaveLength(2);
  });

  it('does not loop when the fresh token is refused too', async () => {
    const cache = memoryTokenCache();
    const refusing = (url: string, init: { method: string; headers: Record<string, string>; body?: string }) =>
      url.endsWith('/calls') ? fetch(url, { ...init, headers: { ...init.headers, Authorization: 'Bearer revoked' } }) : fetch(url, init);
    const result = await placeCall(plan(), context(), '+14155550100', refusing, { now: 0, randomId: () => 'x', tokenCache: cache });
    expect(result).toMatchObject({ ok: false, error: 'token expired' });
    expect(tokenRequests).toHaveLength(2);
  });

  it('reports a refused token request with the provider answer', async () => {
    const result = await placeCall(plan(), { config: { ...context().config, client_secret: 'wrong' } }, '+14155550100', fetchFn, { now: 0, randomId: () => 'x' });
    expect(result).toMatchObject({ ok: false, error: `the token request to ${new URL(base).host} answered HTTP 401: {"error":"invalid_client"}` });
  });

  it('shows a placeholder in dry runs', () => {
    expect(buildOutgoingRequest(plan(), { ...context(), resolvedAuth: dryRunAuth(plan()) }, '+14155550100').headers.Authorization).toBe('Bearer <token fetched per call>');
  });
});
