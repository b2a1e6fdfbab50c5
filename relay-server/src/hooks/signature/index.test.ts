import { computeTwilioSignature } from '@phone-connector/shared';
import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { PUBLIC_URL, TWILIO_TOKEN, testRelay } from '../../testing.ts';
import { type HookEnv, webhookGuard } from '../guard/index.ts';
import { webhookSignature } from './index.ts';

let relay: ReturnType<typeof testRelay>;
let app: Hono<HookEnv>;
let status: string;

beforeEach(async () => {
  relay = testRelay();
  const ada = await relay.addAgent('Ada', '+14155550111');
  status = (await relay.twilioInstance(ada.token)).status;
  app = new Hono<HookEnv>();
  app.all('/hooks/:instance/:secret/:event', webhookGuard(relay.deps), webhookSignature(relay.deps), (c) => c.json({ url: c.get('request').url }));
});

const form = { 'Content-Type': 'application/x-www-form-urlencoded' };

describe('webhookSignature', () => {
  it('checks the signature over the public URL, not the address the relay listens on', async () => {
    const body = 'CallSid=CA1&CallStatus=ringing';
    const params = Object.fromEntries(new URLSearchParams(body));
    const good = await computeTwilioSignature(TWILIO_TOKEN, status, params);
    const response = await app.request(status.replace(PUBLIC_URL, ''), { method: 'POST', headers: { ...form, 'X-Twilio-Signature': good }, body });
    expect(await response.json()).toEqual({ url: status });
    const local = await computeTwilioSignature(TWILIO_TOKEN, status.replace(PUBLIC_URL, 'http://127.0.0.1:8787'), params);
    const refused = await app.request(status.replace(PUBLIC_URL, ''), { method: 'POST', headers: { ...form, 'X-Twilio-Signature': local }, body });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toEqual({ error: 'signature check failed: X-Twilio-Signature does not match' });
  });

  it('uses the request target as it arrived, percent-encoding untouched', async () => {
    // Node hands over the raw target; the WHATWG URL Hono builds would turn ' into %27.
    const raw = `${status.replace(PUBLIC_URL, '')}?Caller=O'Brien`;
    const signature = await computeTwilioSignature(TWILIO_TOKEN, `${PUBLIC_URL}${raw}`);
    const response = await app.request(raw, { headers: { 'X-Twilio-Signature': signature } }, { incoming: { url: raw } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ url: `${PUBLIC_URL}${raw}` });
  });

  it('refuses an unsigned webhook when the connector declares a signature', async () => {
    const response = await app.request(status.replace(PUBLIC_URL, ''), { method: 'POST', headers: form, body: 'CallSid=CA1' });
    expect(response.status).toBe(403);
  });

  it('refuses everything while the token to verify with is not configured', async () => {
    const ada = await relay.addAgent('Bea', '+14155550122');
    const put = await relay.call(ada.token, 'PUT', '/instances/nokey', { connector: 'twilio', config: { authid: 'AC1' } });
    const { callbacks } = (await put.json()) as { callbacks: { status: string } };
    const signature = await computeTwilioSignature('anything', callbacks.status, { CallSid: 'CA1' });
    const response = await app.request(callbacks.status.replace(PUBLIC_URL, ''), { method: 'POST', headers: { ...form, 'X-Twilio-Signature': signature }, body: 'CallSid=CA1' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: expect.stringContaining('authtoken is empty') });
  });
});
