/**
 * A catalogue of bad webhooks sent to a real relay process: each gets the status the protocol
 * names, none stores a record or pushes an event, and the process stays up. Hostile strings in
 * an otherwise valid webhook are stored as sent and cannot inject anything into the reply.
 */
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { computeTwilioSignature, normalisePhone } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSid } from '../simulators/twilio.ts';
import { parseTwiml } from '../simulators/twiml.ts';
import { AgentClient, addAgent, api, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const AUTH_TOKEN = 'bad-requests-token';

let dir: ReturnType<typeof tempDir>;
let relay: RelayProcess;
let ada: TestAgent;
let bob: TestAgent;
let socket: AgentClient;
let hooks: { answer: string; status: string; incoming: string };
let bobHooks: { answer: string; status: string; incoming: string };
/** Call ids of every refused request: none may show up anywhere. */
const refusedCallIds: string[] = [];

beforeAll(async () => {
  dir = tempDir();
  const db = join(dir.path, 'relay.db');
  ada = await addAgent(db, { name: 'Ada', number: '+14155550111' });
  bob = await addAgent(db, { name: 'Bob', number: '+14155550122' });
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
  const config = { authid: 'AC00000000000000000000000000000000', authtoken: AUTH_TOKEN, callerid: '+15005550006' };
  hooks = (await api(relay, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config })).body.callbacks;
  bobHooks = (await api(relay, bob.token, 'PUT', '/instances/main', { connector: 'twilio', config })).body.callbacks;
  socket = await AgentClient.connect(relay, ada.token, { lastSeq: null });
  await socket.waitFor((c) => c.welcome !== undefined);
});

afterAll(async () => {
  await socket?.close();
  await relay?.stop();
  dir?.remove();
});

interface Send {
  method?: string;
  /** Public URL; the request goes to the relay's own address with the same path and query. */
  url: string;
  body?: string | Buffer;
  contentType?: string;
  headers?: Record<string, string>;
  /** Sign with X-Twilio-Signature: form params for form bodies, URL only otherwise. Default true. */
  sign?: boolean | { url?: string; token?: string; params?: Record<string, string> };
  chunked?: boolean;
}

/** Sends one raw HTTP request to the relay (node:http, so any method, header or body goes). */
async function send(options: Send): Promise<{ status: number; body: string; contentType: string }> {
  const headers: Record<string, string | number> = { ...options.headers };
  const body = options.body ?? '';
  if (options.contentType) headers['Content-Type'] = options.contentType;
  if (options.sign !== false) {
    const spec = typeof options.sign === 'object' ? options.sign : {};
    const isForm = /x-www-form-urlencoded/.test(options.contentType ?? '');
    const params = spec.params ?? (isForm ? Object.fromEntries(new URLSearchParams(body.toString())) : {});
    headers['X-Twilio-Signature'] = await computeTwilioSignature(spec.token ?? AUTH_TOKEN, spec.url ?? options.url, params);
  }
  if (!options.chunked) headers['Content-Length'] = Buffer.byteLength(body);
  const target = new URL(options.url.replace(PUBLIC_URL, relay.url));
  return new Promise((resolve, reject) => {
    const req = request(target, { method: options.method ?? 'POST', headers });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text, contentType: res.headers['content-type'] ?? '' }));
    });
    req.on('error', reject);
    if (options.chunked) {
      for (let i = 0; i < body.length; i += 16 * 1024) req.write(body.slice(i, i + 16 * 1024));
      req.end();
    } else req.end(body);
  });
}

function form(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

function refusedSid(): string {
  const sid = newSid();
  refusedCallIds.push(sid);
  return sid;
}

/** encodeURIComponent, plus the characters it leaves alone that URL parsers encode in a query (`'`). */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe('refused webhooks', () => {
  const path = (hook: string) => new URL(hook).pathname.split('/');

  it.each([
    { name: 'unknown instance', url: () => hooks.status.replace(/in_[^/]+/, 'in_doesnotexist'), status: 404 },
    { name: 'hostile instance id', url: () => hooks.status.replace(/in_[^/]+/, '%2e%2e%2F%00%27%3Cx'), status: 404 },
    { name: 'wrong secret', url: () => hooks.status.replace(/\/[^/]+\/status$/, '/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/status'), status: 403 },
    { name: "another instance's secret", url: () => hooks.status.replace(path(hooks.status)[3]!, path(bobHooks.status)[3]!), status: 403 },
    { name: 'empty secret', url: () => hooks.status.replace(/\/[^/]+\/status$/, '//status'), status: 404 },
    { name: 'unknown event', url: () => hooks.status.replace(/status$/, 'hangup'), status: 404 },
  ])('$name -> $status', async ({ url, status }) => {
    const result = await send({ url: url(), contentType: 'application/x-www-form-urlencoded', body: form({ CallSid: refusedSid(), CallStatus: 'ringing' }) });
    expect(result.status).toBe(status);
    expect(JSON.parse(result.body)).toHaveProperty('error');
  });

  it.each(['PUT', 'DELETE', 'PATCH'])('%s -> 405', async (method) => {
    const result = await send({ method, url: hooks.status, contentType: 'application/x-www-form-urlencoded', body: form({ CallSid: refusedSid() }) });
    expect(result.status).toBe(405);
  });

  it('refuses a missing, wrong or misplaced signature with 403', async () => {
    const body = form({ CallSid: refusedSid(), CallStatus: 'ringing' });
    const formType = 'application/x-www-form-urlencoded';
    expect((await send({ url: hooks.status, contentType: formType, body, sign: false })).status).toBe(403);
    expect((await send({ url: hooks.status, contentType: formType, body, sign: { token: 'not-the-auth-token' } })).status).toBe(403);
    // Signed over the address the relay listens on instead of the public URL.
    expect((await send({ url: hooks.status, contentType: formType, body, sign: { url: hooks.status.replace(PUBLIC_URL, relay.url) } })).status).toBe(403);
    // Signed for other parameters than the ones sent (a tampered body).
    expect((await send({ url: hooks.status, contentType: formType, body, sign: { params: { CallSid: 'CAother', CallStatus: 'ringing' } } })).status).toBe(403);
    // A JSON body whose bodySHA256 does not match.
    const json = JSON.stringify({ CallSid: refusedSid(), CallStatus: 'ringing' });
    const url = `${hooks.status}?bodySHA256=${sha256('{}')}`;
    expect((await send({ url, contentType: 'application/json', body: json })).status).toBe(403);
  });

  it('refuses bodies over 64 KiB with 413, announced or streamed', async () => {
    const big = form({ CallSid: refusedSid(), CallStatus: 'ringing', Padding: 'x'.repeat(64 * 1024) });
    expect((await send({ url: hooks.status, contentType: 'application/x-www-form-urlencoded', body: big })).status).toBe(413);
    expect((await send({ url: hooks.status, contentType: 'application/x-www-form-urlencoded', body: big, chunked: true })).status).toBe(413);
    const justOver = 'a'.repeat(64 * 1024 + 1);
    expect((await send({ url: hooks.status, contentType: 'text/plain', body: justOver, sign: false })).status).toBe(413);
  });

  it('counts a client that hangs up in the middle of its body as aborted, at info level', async () => {
    const target = new URL(hooks.status.replace(PUBLIC_URL, relay.url));
    const client = connect(Number(target.port), target.hostname);
    const head = `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n`;
    client.write(`${head}CallSid=${refusedSid()}&CallStatus=ring`, () => client.destroy());
    const entry = await relay.waitForLog((e) => e.outcome === 'aborted');
    expect(entry).toMatchObject({ level: 'info', msg: 'webhook aborted by the client', status: 400 });
  });

  it('refuses unparsable bodies with 400', async () => {
    const signedJson = (body: string) => send({ url: `${hooks.status}?bodySHA256=${sha256(body)}`, contentType: 'application/json', body });
    expect((await signedJson(`{"CallSid": "${refusedSid()}", `)).status).toBe(400);
    // Twilio signs a body that is not a form only through bodySHA256 (unhashed, it is refused with 403 before it is read).
    const xml = (body: string) => send({ url: `${hooks.incoming}?bodySHA256=${sha256(body)}`, contentType: 'text/xml', body });
    expect((await xml(`<Call><CallSid>${refusedSid()}</CallSid><To>`)).status).toBe(400);
    expect((await xml(`<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><Call><CallSid>${refusedSid()}</CallSid><To>&e;</To></Call>`)).status).toBe(400);
    // The answer callback reads JSON when the Content-Type names no format it knows.
    const png = form({ CallSid: refusedSid() });
    expect((await send({ url: `${hooks.answer}?bodySHA256=${sha256(png)}`, contentType: 'image/png', body: png })).status).toBe(400);
  });

  it('refuses webhooks that carry no call id with 400', async () => {
    const formType = 'application/x-www-form-urlencoded';
    expect((await send({ url: hooks.status, contentType: formType, body: '' })).status).toBe(400);
    expect((await send({ url: hooks.status, contentType: formType, body: form({ CallStatus: 'completed', CallDuration: '5' }) })).status).toBe(400);
    expect((await send({ url: hooks.incoming, contentType: formType, body: form({ From: '+14155550199', To: '+15005550006', CallStatus: 'ringing' }) })).status).toBe(400);
    expect((await send({ method: 'GET', url: `${hooks.answer}?CallStatus=in-progress` })).status).toBe(400);
  });

  it('stored nothing and pushed nothing for any of them, and the relay is still up', async () => {
    const calls = (await api(relay, ada.token, 'GET', '/calls?limit=200')).body.calls as Array<{ call_id: string }>;
    const bobCalls = (await api(relay, bob.token, 'GET', '/calls?limit=200')).body.calls as Array<{ call_id: string }>;
    for (const call of [...calls, ...bobCalls]) expect(refusedCallIds).not.toContain(call.call_id);
    expect(calls.length + bobCalls.length).toBe(0);
    expect(socket.events).toEqual([]);
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${relay.url}/metrics`)).text();
    expect(metrics).toMatch(/relay_webhooks_total\{event="status",outcome="bad_signature"\} 5/);
    expect(metrics).toMatch(/relay_webhooks_total\{event="status",outcome="too_large"\} 3/);
    expect(metrics).toMatch(/relay_webhooks_total\{event="unknown",outcome="not_found"\} 2/);
    expect(metrics).toMatch(/relay_webhooks_total\{event="status",outcome="aborted"\} 1/);
    expect(metrics).not.toMatch(/outcome="ok"/);
    expect(metrics).not.toMatch(/outcome="error"/);
    expect(relay.output.filter((line) => line.includes('"level":"error"'))).toEqual([]);
  });
});

describe('hostile strings in a valid webhook', () => {
  const hostile = [
    `'; DROP TABLE calls; --`,
    '"><Hangup/><Dial>+19005550000</Dial>',
    '<![CDATA[x]]>&amp;&#0;',
    '\u202Eevil\u202C \u0000 nul \u0007 bell',
    '🙂 ünïcödé 中文 עברית',
    '{"__proto__":{"admin":true}}',
    '../../../../etc/passwd',
    'x'.repeat(8000),
  ];

  it('stores each value as sent, escapes it in the reply, and keeps running', async () => {
    for (const [i, value] of hostile.entries()) {
      const sid = `CA${i}${value}`.slice(0, 9000);
      const url = `${hooks.answer}?DialTo=${strictEncode(value)}`;
      const body = form({ CallSid: sid, CallStatus: value, From: value, To: value, Direction: value, CallerName: value });
      const result = await send({ url, contentType: 'application/x-www-form-urlencoded', body });
      expect(result.status, value).toBe(200);
      const twiml = parseTwiml(result.body);
      expect(twiml.children.map((c) => c.name)).toEqual(['Dial']);
      expect(twiml.children[0]!.children.map((c) => c.name)).toEqual(['Number']);
    }
    await socket.waitForEvents(hostile.length);
    const calls = (await api(relay, ada.token, 'GET', '/calls?limit=200')).body.calls as Array<Record<string, unknown>>;
    expect(calls).toHaveLength(hostile.length);
    for (const [i, value] of hostile.entries()) {
      const call = calls.find((c) => c.call_id === `CA${i}${value}`.slice(0, 9000));
      expect(call, value).toBeDefined();
      expect(call!.status_raw).toBe(value);
      // Numbers are stored as the engine normalises them.
      expect(call!.to_number).toBe(normalisePhone(value));
      expect(call!.from_number).toBe(normalisePhone(value));
    }
    expect((await api(relay, ada.token, 'GET', '/me')).body.admin).toBe(false);
    expect((await fetch(`${relay.url}/healthz`)).status).toBe(200);
  });

  it('accepts a GET webhook with its parameters in the query', async () => {
    const sid = newSid();
    const url = `${hooks.status}?${form({ CallSid: sid, CallStatus: 'completed', CallDuration: '9' })}`;
    const result = await send({ method: 'GET', url });
    expect(result.status).toBe(200);
    const calls = (await api(relay, ada.token, 'GET', '/calls?limit=1')).body.calls;
    expect(calls[0]).toMatchObject({ call_id: sid, status: 'completed', duration: 9 });
  });
});
