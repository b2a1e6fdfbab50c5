import { Hono } from 'hono';
import { beforeEach, describe, expect, it } from 'vitest';
import { PUBLIC_URL, testRelay } from '../../testing.ts';
import { type HookEnv, MAX_WEBHOOK_BYTES, webhookGuard } from './index.ts';

let app: Hono<HookEnv>;
let path: string;

beforeEach(async () => {
  const relay = testRelay();
  const ada = await relay.addAgent('Ada', '+14155550111');
  path = new URL((await relay.twilioInstance(ada.token)).status).pathname.replace(/^\/hooks/, '');
  app = new Hono<HookEnv>();
  app.all('/:instance/:secret/:event', webhookGuard(relay.deps), (c) =>
    c.json({ body: c.get('request').body, event: c.get('event'), instance: c.get('instance').localId, owner: c.get('owner').name, plan: c.get('plan').name }),
  );
});

function streamOf(size: number): ReadableStream<Uint8Array> {
  let sent = 0;
  return new ReadableStream({
    pull(controller) {
      if (sent >= size) return controller.close();
      const chunk = new Uint8Array(Math.min(8192, size - sent)).fill(97);
      sent += chunk.length;
      controller.enqueue(chunk);
    },
  });
}

describe('webhookGuard', () => {
  it('builds the webhook request over the public URL and the request target as sent, with its run context', async () => {
    const seen = new Hono<HookEnv>();
    const relay = testRelay();
    seen.all('/:instance/:secret/:event', webhookGuard(relay.deps), (c) => c.json({ request: c.get('request'), callbacks: c.get('context').callbacks, agent: c.get('context').agent?.extension }));
    const bob = await relay.addAgent('Bob', '+14155550122');
    const callbacks = await relay.twilioInstance(bob.token);
    const target = `${new URL(callbacks.status).pathname.replace(/^\/hooks/, '')}?Note=on%20air`;
    const response = await seen.request(target, { method: 'POST', headers: { 'X-Test': 'yes' }, body: 'CallSid=CA1' });
    const json = (await response.json()) as { request: { method: string; url: string; headers: Record<string, string>; body: string }; callbacks: unknown; agent: string };
    expect(json.request).toMatchObject({ method: 'POST', url: `${PUBLIC_URL}${target}`, body: 'CallSid=CA1', headers: { 'x-test': 'yes' } });
    expect(json.callbacks).toEqual(callbacks);
    expect(json.agent).toBe('+14155550122');
  });

  it('lets a good webhook through with its raw body, instance, owner and plan', async () => {
    const response = await app.request(path, { method: 'POST', body: 'CallSid=CA1&Note=%E2%9C%93' });
    expect(await response.json()).toEqual({ body: 'CallSid=CA1&Note=%E2%9C%93', event: 'status', instance: 'main', owner: 'Ada', plan: 'Twilio' });
  });

  it('takes GET and POST only', async () => {
    const response = await app.request(path, { method: 'PUT', body: 'x' });
    expect(response.status).toBe(405);
    expect(response.headers.get('Allow')).toBe('GET, POST');
    expect((await app.request(path)).status).toBe(200);
  });

  it('refuses a body over the limit whether announced or streamed, and takes one at the limit', async () => {
    expect((await app.request(path, { method: 'POST', headers: { 'Content-Length': String(MAX_WEBHOOK_BYTES + 1) }, body: 'x' })).status).toBe(413);
    const streamed = new Request(`http://relay${path}`, { method: 'POST', body: streamOf(MAX_WEBHOOK_BYTES + 1), duplex: 'half' } as RequestInit);
    expect((await app.request(streamed)).status).toBe(413);
    const atLimit = new Request(`http://relay${path}`, { method: 'POST', body: streamOf(MAX_WEBHOOK_BYTES), duplex: 'half' } as RequestInit);
    expect((await app.request(atLimit)).status).toBe(200);
  });

  it('refuses unknown events and instances with 404, a wrong secret with 403', async () => {
    expect((await app.request(path.replace(/status$/, 'ringing'), { method: 'POST' })).status).toBe(404);
    expect((await app.request(path.replace(/in_[^/]+/, 'in_other'), { method: 'POST' })).status).toBe(404);
    const [, uid, secret] = path.split('/');
    expect((await app.request(`/${uid}/${secret!.slice(0, -1)}/status`, { method: 'POST' })).status).toBe(403);
    expect((await app.request(`/${uid}/${secret}x/status`, { method: 'POST' })).status).toBe(403);
  });
});
