import { generateKeyPairSync, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PUBLIC_URL, testRelay, TWILIO_TOKEN } from '../testing.ts';

const TWILIO_XML = readFileSync(new URL('../../../connectors/twilio.xml', import.meta.url), 'utf8');
const BASIC_AUTH = '<basic username="$config.$fields.authid" password="$config.$fields.authtoken"/>';
const RECORDING = 'https://api.twilio.com/2010-04-01/Accounts/AC123/Recordings/RE1';
const MP3 = new Uint8Array([0x49, 0x44, 0x33, 4, 0, 0, 0, 0, 0, 1]);

/** Twilio's connector with other credentials for its API (the ones Bandwidth and Vonage use): its webhooks are still Twilio's. */
function twilioWith(auth: string, fields = ''): string {
  if (!TWILIO_XML.includes(BASIC_AUTH)) throw new Error("twilio.xml's auth changed: update this test");
  return TWILIO_XML.replace(BASIC_AUTH, auth).replace('</fields>', `${fields}</fields>`);
}

const TOKEN_STEP = `<token url="https://auth.example.test/oauth2/token" path="access_token" expires_path="expires_in">
  <basic username="$config.$fields.authid" password="$config.$fields.authtoken"/>
  <parameter name="grant_type" value="client_credentials"/>
</token>`;

/** A provider's API as the relay reaches it: every request seen, a file for a request it takes. */
function provider(takes: (request: Request) => boolean | Promise<boolean>) {
  const seen: Request[] = [];
  const tokens: string[] = [];
  let refuseTokens = false;
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    seen.push(request.clone());
    if (request.url === 'https://auth.example.test/oauth2/token') {
      if (refuseTokens) return Response.json({ error: 'invalid_client', error_description: 'Client authentication failed' }, { status: 401 });
      tokens.push(`tok-${tokens.length + 1}`);
      return Response.json({ access_token: tokens.at(-1), token_type: 'Bearer', expires_in: 3600 });
    }
    if (request.url !== `${RECORDING}.mp3`) return new Response('not found', { status: 404 });
    if (!(await takes(request))) return new Response('{"code":20003,"message":"Authenticate"}', { status: 401 });
    return new Response(MP3, { headers: { 'Content-Type': 'audio/mpeg', 'Content-Length': String(MP3.length) } });
  }) as typeof globalThis.fetch;
  return { fetch, seen, tokens, refuseTokens: () => void (refuseTokens = true) };
}

/** A relay whose Ada has an instance of `xml`, and a call of hers with a recording: its relay link. */
async function recordedCall(providerFetch: typeof fetch, xml: string, extraConfig: Record<string, string> = {}) {
  const relay = testRelay({ providerFetch });
  const ada = await relay.addAgent('Ada', '+14155550111');
  const put = await relay.call(ada.token, 'PUT', '/instances/main', { xml, config: { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006', ...extraConfig } });
  expect(put.status, await put.clone().text()).toBe(200);
  const hooks = ((await put.json()) as { callbacks: { status: string; incoming: string } }).callbacks;
  expect((await relay.twilioWebhook(hooks.incoming, { CallSid: 'CA1', From: '+14155550100', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' })).status).toBe(200);
  expect((await relay.twilioWebhook(hooks.status, { CallSid: 'CA1', RecordingStatus: 'completed', RecordingSid: 'RE1', RecordingUrl: RECORDING, RecordingDuration: '3' })).status).toBe(200);
  const instance = (await relay.store.instanceOf(ada.id, 'main'))!;
  const link = (await relay.store.callByKey(instance.uid, 'CA1'))!.recording_url!;
  expect(link.startsWith(`${PUBLIC_URL}/recordings/`)).toBe(true);
  const open = () => relay.app.request(link.replace(PUBLIC_URL, ''));
  return { relay, open };
}

describe("a recording opened through the relay, from a provider whose API takes minted credentials", () => {
  it("fetches a token step's token, keeps it for the next recording, and fetches a new one when the provider no longer takes it", async () => {
    let accepted = 'tok-1';
    const api = provider((request) => request.headers.get('authorization') === `Bearer ${accepted}`);
    const { open } = await recordedCall(api.fetch, twilioWith(TOKEN_STEP));

    const first = await open();
    expect(first.status).toBe(200);
    expect(new Uint8Array(await first.arrayBuffer())).toEqual(MP3);
    const tokenRequest = api.seen.find((r) => r.url.startsWith('https://auth.example.test/'))!;
    expect(tokenRequest.method).toBe('POST');
    expect(tokenRequest.headers.get('authorization')).toBe(`Basic ${Buffer.from(`AC123:${TWILIO_TOKEN}`).toString('base64')}`);
    expect(await tokenRequest.text()).toBe('grant_type=client_credentials');

    expect((await open()).status).toBe(200);
    expect(api.tokens).toEqual(['tok-1']);

    // The provider revoked the token before it expired: a 401, a new token, the file.
    accepted = 'tok-2';
    const again = await open();
    expect(again.status).toBe(200);
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(MP3);
    expect(api.tokens).toEqual(['tok-1', 'tok-2']);
    expect(api.seen.filter((r) => r.url === `${RECORDING}.mp3`).map((r) => r.headers.get('authorization'))).toEqual(['Bearer tok-1', 'Bearer tok-1', 'Bearer tok-1', 'Bearer tok-2']);
  });

  it('says why when the provider will not give a token, and asks for the file only once after a second 401', async () => {
    const api = provider(() => false);
    const { relay, open } = await recordedCall(api.fetch, twilioWith(TOKEN_STEP));
    const unauthorised = await open();
    expect(unauthorised.status).toBe(502);
    expect(await unauthorised.text()).toContain('Authenticate');
    expect(api.seen.filter((r) => r.url === `${RECORDING}.mp3`)).toHaveLength(2);

    api.refuseTokens();
    const refused = await open();
    expect(refused.status).toBe(502);
    expect(await refused.text()).toMatch(/^The recording could not be fetched: .*(401|Client authentication failed)/);
    expect(relay.logs.join('\n')).not.toContain(TWILIO_TOKEN);
  });

  it('signs a JWT for the request with the key in the config (Vonage)', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const claims: Array<Record<string, unknown>> = [];
    const api = provider((request) => {
      const [header, payload, signature] = (request.headers.get('authorization') ?? '').replace(/^Bearer /, '').split('.');
      if (!header || !payload || !signature) return false;
      claims.push(JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>);
      return verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), publicKey, Buffer.from(signature, 'base64url'));
    });
    const jwt = '<jwt algorithm="RS256" key="$config.$fields.private_key" ttl="900"><claim name="application_id" value="$config.$fields.application_id"/></jwt>';
    const fields = '<field name="private_key" label="Private key" type="password" presence="mandatory"/><field name="application_id" label="Application ID" type="text" presence="mandatory"/>';
    const { open } = await recordedCall(api.fetch, twilioWith(jwt, fields), { private_key: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), application_id: 'app-1' });

    const answer = await open();
    expect(answer.status).toBe(200);
    expect(new Uint8Array(await answer.arrayBuffer())).toEqual(MP3);
    expect(claims).toEqual([expect.objectContaining({ application_id: 'app-1', exp: expect.any(Number), iat: expect.any(Number), jti: expect.any(String) })]);
  });
});
