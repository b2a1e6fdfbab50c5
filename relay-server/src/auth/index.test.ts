import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { testRelay } from '../testing.ts';
import { agentAuth, type AuthEnv, bearerToken } from './index.ts';
import { generateToken, hashToken } from './token.ts';

let relay: ReturnType<typeof testRelay>;
let app: Hono<AuthEnv>;

beforeEach(() => {
  relay = testRelay();
  app = new Hono<AuthEnv>();
  app.use('*', agentAuth(relay.store));
  app.get('/who', (c) => c.text(c.get('agent').name));
});

describe('agentAuth', () => {
  it('resolves a bearer token to its agent', async () => {
    const ada = await relay.addAgent('Ada', '+14155550111');
    const response = await app.request('/who', { headers: { Authorization: `Bearer ${ada.token}` } });
    expect(await response.text()).toBe('Ada');
    expect(await (await app.request('/who', { headers: { Authorization: `bearer  ${ada.token} ` } })).text()).toBe('Ada');
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic YWRhOnNlY3JldA=='],
    ['an empty token', 'Bearer '],
    ['an unknown token', `Bearer ${generateToken()}`],
    ['two tokens', 'Bearer a b'],
  ])('fails closed with 401 for %s', async (_case, header) => {
    await relay.addAgent('Ada', '+14155550111');
    const response = await app.request('/who', { headers: header === undefined ? {} : { Authorization: header } });
    expect(response.status).toBe(401);
    expect(response.headers.get('WWW-Authenticate')).toBe('Bearer');
    expect(await response.json()).toEqual({ error: expect.stringContaining('token') });
  });

  it('stops accepting the token of a removed agent', async () => {
    const ada = await relay.addAgent('Ada', '+14155550111');
    await relay.store.removeAgent(ada.id);
    expect((await app.request('/who', { headers: { Authorization: `Bearer ${ada.token}` } })).status).toBe(401);
  });
});

describe('tokens', () => {
  it('carries 256 random bits and is stored only as its SHA-256', () => {
    const token = generateToken();
    expect(token).toMatch(/^pcr_[A-Za-z0-9_-]{43}$/);
    expect(generateToken()).not.toBe(token);
    expect(hashToken(token)).toMatch(/^[0-9a-f]{64}$/);
    expect(bearerToken(`Bearer ${token}`)).toBe(token);
  });
});
