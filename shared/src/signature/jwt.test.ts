import { createHash, createHmac, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { buildOutgoingRequest } from '../runtime/outgoing.ts';
import { dryRunAuth, resolveAuth } from '../runtime/auth.ts';
import { base64Url, signJwt, verifyHs256Jwt } from './jwt.ts';
import { verifyWebhookSignature } from './verify.ts';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));

describe('JWT signing', () => {
  it('signs RS256 tokens that node:crypto verifies with the public key', async () => {
    const token = await signJwt('RS256', pem, { application_id: 'app-1', iat: 1 });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT' });
    expect(decode(payload)).toEqual({ application_id: 'app-1', iat: 1 });
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'))).toBe(true);
  });

  it('signs HS256 like node:crypto does', async () => {
    const token = await signJwt('HS256', 'secret', { a: 1 });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    expect(signature).toBe(createHmac('sha256', 'secret').update(`${header}.${payload}`).digest('base64url'));
  });

  it('refuses a PKCS#1 key with a clear message', async () => {
    await expect(signJwt('RS256', '-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----', {})).rejects.toThrow('PKCS#8');
  });
});

describe('webhook JWTs (Vonage)', () => {
  const now = 1_764_000_000_000;
  const body = '{"uuid":"u-1","status":"answered"}';
  const hash = createHash('sha256').update(body).digest('hex');
  const token = (claims: Record<string, unknown>, secret = 'sig-secret') => {
    const unsigned = `${base64Url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64Url(JSON.stringify(claims))}`;
    return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
  };
  const check = (t: string, b = body) => verifyHs256Jwt({ token: t, secret: 'sig-secret', now, toleranceSeconds: 300, body: b });

  it('accepts a fresh token whose payload_hash matches the body', async () => {
    expect(await check(token({ iat: now / 1000 - 5, payload_hash: hash }))).toEqual({ valid: true });
  });

  it('rejects another secret, a changed body, an old token and an expired one', async () => {
    expect(await check(token({ iat: now / 1000, payload_hash: hash }, 'other'))).toMatchObject({ valid: false, reason: 'the JWT signature does not match' });
    expect(await check(token({ iat: now / 1000, payload_hash: hash }), '{"uuid":"u-2"}')).toMatchObject({ valid: false, reason: 'payload_hash does not match the body' });
    expect(await check(token({ iat: now / 1000 - 301 }))).toMatchObject({ valid: false });
    expect(await check(token({ iat: now / 1000, exp: now / 1000 - 1 }))).toMatchObject({ valid: false, reason: 'the JWT has expired' });
    expect(await check('not.a-jwt')).toMatchObject({ valid: false });
  });

  it('is what <signature type="vonage"> checks, from the Authorization header', async () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="signature_secret" type="password"/></fields></config>
  <provider><url>https://api.nexmo.com</url><signature type="vonage" token="$config.$fields.signature_secret"/></provider>
  <incoming_call><response><call_id use="uuid"/></response></incoming_call>
</connector>`);
    const request = { method: 'POST', url: 'https://relay/h', headers: { Authorization: `Bearer ${token({ iat: now / 1000, payload_hash: hash })}`, 'Content-Type': 'application/json' }, body };
    expect(await verifyWebhookSignature(plan, { config: { signature_secret: 'sig-secret' } }, request, { now })).toEqual({ checked: true, valid: true });
    expect(await verifyWebhookSignature(plan, { config: { signature_secret: 'sig-secret' } }, { ...request, headers: {} }, { now })).toMatchObject({ valid: false });
  });
});

describe('<jwt> auth on requests', () => {
  const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="application_id"/><field name="private_key" type="password"/></fields></config>
  <provider>
    <url>https://api.nexmo.com/v1/calls</url>
    <auth><jwt algorithm="RS256" key="$config.$fields.private_key" ttl="60"><claim name="application_id" value="$config.$fields.application_id"/></jwt></auth>
  </provider>
  <outgoing_call><request format="json"><parameters><parameter name="to" value="@to_number"/></parameters></request></outgoing_call>
</connector>`);
  const context = { config: { application_id: 'app-1', private_key: pem } };

  it('mints a token per call with iat, exp, jti and the claims, and sends it as a bearer token', async () => {
    const resolvedAuth = await resolveAuth(plan, context, { now: 1_764_000_000_000, randomId: () => 'jti-1' });
    const request = buildOutgoingRequest(plan, { ...context, resolvedAuth }, '+14155550100');
    const token = request.headers.Authorization!.replace(/^Bearer /, '');
    expect(decode(token.split('.')[1]!)).toEqual({ iat: 1_764_000_000, exp: 1_764_000_060, jti: 'jti-1', application_id: 'app-1' });
  });

  it('refuses to build without a minted token, and dry runs show a placeholder', () => {
    expect(() => buildOutgoingRequest(plan, context, '+14155550100')).toThrow('call resolveAuth before building the request');
    expect(buildOutgoingRequest(plan, { ...context, resolvedAuth: dryRunAuth(plan) }, '+14155550100').headers.Authorization).toBe('Bearer <RS256 JWT minted per call>');
  });

  it('says which value is missing', async () => {
    await expect(resolveAuth(plan, { config: { application_id: 'app-1' } }, { now: 0, randomId: () => 'x' })).rejects.toThrow('$config.$fields.private_key is empty');
  });
});
