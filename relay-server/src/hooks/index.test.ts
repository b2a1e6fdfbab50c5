import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { computeTwilioSignature } from '@phone-connector/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store/unavailable.ts';
import { PUBLIC_URL, TWILIO_TOKEN, testRelay } from '../testing.ts';

let relay: ReturnType<typeof testRelay>;
let ada: Awaited<ReturnType<typeof relay.addAgent>>;
let hooks: Awaited<ReturnType<typeof relay.twilioInstance>>;

beforeEach(async () => {
  relay = testRelay();
  // The admin, whose instance is the team's: its incoming calls may ring every agent.
  ada = await relay.addAgent('Ada', '+14155550111', { admin: true });
  hooks = await relay.twilioInstance(ada.token);
});

const answer = (sid: string) => ({ CallSid: sid, CallStatus: 'in-progress', From: '+15005550006', To: '+14155550111' });

/** An agent's <Number> in twilio.xml's incoming reply: it asks for its answered event at the instance's status callback. */
const ringing = (callbacks: { status: string }, number: string) => `<Number statusCallbackEvent="answered" statusCallback="${callbacks.status}">${number}</Number>`;

describe('accepted webhooks', () => {
  it('stores the call, publishes its event and answers with the TwiML', async () => {
    const response = await relay.twilioWebhook(`${hooks.answer}?DialTo=%2B14155550100`, answer('CA1'));
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/xml');
    expect(await response.text()).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${hooks.status}"><Number>+14155550100</Number></Dial></Response>`);
    expect(relay.published.map((e) => [e.agentId, e.seq, e.kind])).toEqual([[ada.id, 1, 'created']]);
    expect(JSON.parse(relay.published[0]!.call)).toMatchObject({ call_id: 'CA1', instance_id: 'main', direction: 'outbound', status: 'in-progress', to_number: '+14155550100', user_number: '+14155550111' });
    expect(await relay.deps.metrics.render()).toContain('relay_webhooks_total{event="answer",outcome="ok"} 1');
  });

  it('takes GET webhooks with query parameters', async () => {
    const url = `${hooks.status}?CallSid=CA2&CallStatus=completed&CallDuration=7`;
    const signature = await computeTwilioSignature(TWILIO_TOKEN, url);
    const response = await relay.app.request(url.replace(PUBLIC_URL, ''), { headers: { 'X-Twilio-Signature': signature } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(JSON.parse(relay.published[0]!.call)).toMatchObject({ call_id: 'CA2', status: 'completed', duration: 7 });
  });

  it('takes JSON bodies signed through bodySHA256', async () => {
    const body = JSON.stringify({ CallSid: 'CA3', CallStatus: 'ringing' });
    const url = `${hooks.status}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const signature = await computeTwilioSignature(TWILIO_TOKEN, url);
    const response = await relay.app.request(url.replace(PUBLIC_URL, ''), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': signature }, body });
    expect(response.status).toBe(200);
    expect(JSON.parse(relay.published[0]!.call)).toMatchObject({ call_id: 'CA3', status: 'ringing' });
  });

  it('rings a number that several agents share once, and tells each of them', async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    const cy = await relay.addAgent('Cy', '+14155550122');
    const incoming = { CallSid: 'CA5', From: '+14155550199', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' };
    const reply = await (await relay.twilioWebhook(hooks.incoming, incoming)).text();
    expect(reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${hooks.status}">${ringing(hooks, '+14155550111')}${ringing(hooks, '+14155550122')}</Dial></Response>`);
    expect(relay.published.map((e) => e.agentId).sort()).toEqual([ada.id, bob.id, cy.id].sort());
  });

  it('answers a retry exactly as the first time, with no new event', async () => {
    await relay.addAgent('Bob', '+14155550122');
    const incoming = { CallSid: 'CA4', From: '+14155550199', To: '+15005550006', CallStatus: 'ringing', Direction: 'inbound' };
    const first = await (await relay.twilioWebhook(hooks.incoming, incoming)).text();
    expect(first).toContain(ringing(hooks, '+14155550111') + ringing(hooks, '+14155550122'));
    expect(relay.published).toHaveLength(2);
    // An agent added meanwhile does not change whom a known call rings.
    await relay.addAgent('Cy', '+14155550133');
    const retry = await relay.twilioWebhook(hooks.incoming, incoming);
    expect(retry.status).toBe(200);
    expect(await retry.text()).toBe(first);
    expect(relay.published).toHaveLength(2);
  });

  it('keeps the record when the reply cannot be built, and says why with a 500', async () => {
    const response = await relay.twilioWebhook(hooks.answer, answer('CA5'));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: expect.stringContaining('@to_number is empty') });
    expect(await relay.store.callAgentIds((await relay.store.instanceOf(ada.id, 'main'))!.uid, 'CA5')).toEqual([ada.id]);
    expect(relay.published).toHaveLength(1);
    expect(await relay.deps.metrics.render()).toContain('relay_webhooks_total{event="answer",outcome="reply_failed"} 1');
  });

  it('takes webhooks of connectors that declare no signature unsigned', async () => {
    const put = await relay.call(ada.token, 'PUT', '/instances/ozo', { connector: 'ozonetel', config: { apikey: 'k', username: 'u' } });
    const { callbacks } = (await put.json()) as { callbacks: { status: string; answer: string } };
    const body = readFileSync(new URL('../../../connectors/examples/ozonetel-status.form', import.meta.url), 'utf8');
    const response = await relay.app.request(callbacks.status.replace(PUBLIC_URL, ''), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expect(response.status).toBe(200);
    expect(JSON.parse(relay.published.at(-1)!.call)).toMatchObject({ call_id: '7791234567890123', status: 'completed', duration: 125 });
    // Ozonetel has no answer callback.
    const unsupported = await relay.app.request(callbacks.answer.replace(PUBLIC_URL, ''), { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
    expect(unsupported.status).toBe(404);
    expect(relay.published).toHaveLength(1);
  });

  it("answers with an instance's own connector, and with its new one as soon as a PUT replaces it", async () => {
    const twilioXml = readFileSync(new URL('../../../connectors/twilio.xml', import.meta.url), 'utf8');
    const config = { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006' };
    const dialing = (element: string) => twilioXml.replace('<parameter name="Number" value="@to_number">', `<parameter name="${element}" value="@to_number">`);
    const put = async (xml: string) => ((await (await relay.call(ada.token, 'PUT', '/instances/own', { xml, config })).json()) as { callbacks: typeof hooks }).callbacks;
    const own = await put(dialing('Sip'));
    const first = await relay.twilioWebhook(`${own.answer}?DialTo=%2B14155550100`, answer('CA20'));
    expect(await first.text()).toContain('<Sip>+14155550100</Sip>');
    expect(await put(dialing('Client'))).toEqual(own);
    const second = await relay.twilioWebhook(`${own.answer}?DialTo=%2B14155550100`, answer('CA21'));
    expect(await second.text()).toContain('<Client>+14155550100</Client>');
  });
});

describe('multipart/form-data webhooks (Exotel posts its StatusCallback this way)', () => {
  const multipart = async (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    const encoded = new Response(data);
    return { body: await encoded.text(), contentType: encoded.headers.get('content-type')! };
  };
  const exotelStatus = async () => {
    const put = await relay.call(ada.token, 'PUT', '/instances/exo', { connector: 'exotel', config: { apikey: 'k', apitoken: 't', sid: 's', subdomain: 'api.in.exotel.com', callerid: '+918047112233' } });
    return ((await put.json()) as { callbacks: { status: string } }).callbacks.status.replace(PUBLIC_URL, '');
  };

  it('hands the raw body and its Content-Type to the connector, which reads the fields', async () => {
    const { body, contentType } = await multipart({ CallSid: 'b6cf', EventType: 'terminal', Status: 'completed', Direction: 'outbound-api', ConversationDuration: '42', To: '+919812345678', From: '+919900011122' });
    const response = await relay.app.request(await exotelStatus(), { method: 'POST', headers: { 'Content-Type': contentType }, body });
    expect(response.status).toBe(200);
    expect(JSON.parse(relay.published.at(-1)!.call)).toMatchObject({ call_id: 'b6cf', status: 'completed', duration: 42, to_number: '+919812345678' });
  });

  it('refuses a malformed multipart body with 400 and stores nothing', async () => {
    const { body, contentType } = await multipart({ CallSid: 'b6d0', Status: 'completed', Direction: 'outbound-api' });
    const response = await relay.app.request(await exotelStatus(), { method: 'POST', headers: { 'Content-Type': contentType }, body: body.slice(0, body.lastIndexOf('--')) });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringContaining('not closed') });
    expect(relay.published).toEqual([]);
  });

  it('checks a signature over form fields against the multipart fields', async () => {
    const fields = { CallSid: 'CA11', CallStatus: 'completed', CallDuration: '7' };
    const { body, contentType } = await multipart(fields);
    const post = async (signature: string) =>
      relay.app.request(hooks.status.replace(PUBLIC_URL, ''), { method: 'POST', headers: { 'Content-Type': contentType, 'X-Twilio-Signature': signature }, body });
    expect((await post(await computeTwilioSignature(TWILIO_TOKEN, hooks.status, { ...fields, CallDuration: '8' }))).status).toBe(403);
    expect(relay.published).toEqual([]);
    expect((await post(await computeTwilioSignature(TWILIO_TOKEN, hooks.status, fields))).status).toBe(200);
    expect(JSON.parse(relay.published.at(-1)!.call)).toMatchObject({ call_id: 'CA11', status: 'completed', duration: 7 });
  });
});

describe('who an incoming call reaches', () => {
  const incoming = (sid: string, to: string) => ({ CallSid: sid, From: '+14155550199', To: to, CallStatus: 'ringing', Direction: 'inbound' });
  const agentsOf = (sid: string) => relay.published.filter((e) => JSON.parse(e.call).call_id === sid).map((e) => e.agentId);

  it("an admin's instance rings the agent the call is for, or every agent when it is for none of them", async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    expect(await (await relay.twilioWebhook(hooks.incoming, incoming('CA20', bob.number))).text()).toContain(`<Dial action="${hooks.status}">${ringing(hooks, '+14155550122')}</Dial>`);
    expect(agentsOf('CA20')).toEqual([bob.id]);
    expect(await (await relay.twilioWebhook(hooks.incoming, incoming('CA21', '+15005550006'))).text()).toContain(`${ringing(hooks, '+14155550111')}${ringing(hooks, '+14155550122')}</Dial>`);
    expect(agentsOf('CA21').sort()).toEqual([ada.id, bob.id].sort());
  });

  it("a team's call rings and reaches the agents who are available: an agent who said they are away is left out until back", async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    const cy = await relay.addAgent('Cy', '+14155550133');
    expect((await relay.call(bob.token, 'PATCH', '/me', { away: true })).status).toBe(200);
    const reply = await (await relay.twilioWebhook(hooks.incoming, incoming('CA30', '+15005550006'))).text();
    expect(reply).toContain(`<Dial action="${hooks.status}">${ringing(hooks, '+14155550111')}${ringing(hooks, '+14155550133')}</Dial>`);
    expect(reply).not.toContain(bob.number);
    expect(agentsOf('CA30').sort()).toEqual([ada.id, cy.id].sort());
    // Bob's own line still rings him: nobody else takes its calls.
    expect(await (await relay.twilioWebhook(hooks.incoming, incoming('CA31', bob.number))).text()).toContain(`<Dial action="${hooks.status}">${ringing(hooks, '+14155550122')}</Dial>`);
    expect(agentsOf('CA31')).toEqual([bob.id]);
    expect((await relay.call(bob.token, 'PATCH', '/me', { away: false })).status).toBe(200);
    await relay.twilioWebhook(hooks.incoming, incoming('CA32', '+15005550006'));
    expect(agentsOf('CA32').sort()).toEqual([ada.id, bob.id, cy.id].sort());
  });

  it("a team's call rings the agents who are free: an agent whose phone took a call is left out until it ends", async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    const cy = await relay.addAgent('Cy', '+14155550133');
    await relay.twilioWebhook(hooks.incoming, incoming('CA40', '+15005550006'));
    // Bob's <Number> leg answers CA40: Twilio names the call in ParentCallSid, Bob's phone in To.
    expect((await relay.twilioWebhook(hooks.status, { CallSid: 'CAleg40', ParentCallSid: 'CA40', CallStatus: 'in-progress', To: bob.number })).status).toBe(200);
    const reply = await (await relay.twilioWebhook(hooks.incoming, incoming('CA41', '+15005550006'))).text();
    expect(reply).toContain(`<Dial action="${hooks.status}">${ringing(hooks, ada.number)}${ringing(hooks, cy.number)}</Dial>`);
    expect(reply).not.toContain(bob.number);
    expect(agentsOf('CA41').sort()).toEqual([ada.id, cy.id].sort());
    // Cy takes that one; Ada, the only one free, gets the next. Then the team's calls end.
    await relay.twilioWebhook(hooks.status, { CallSid: 'CAleg41', ParentCallSid: 'CA41', CallStatus: 'in-progress', To: cy.number });
    expect(await (await relay.twilioWebhook(hooks.incoming, incoming('CA42', '+15005550006'))).text()).toContain(`<Dial action="${hooks.status}">${ringing(hooks, ada.number)}</Dial>`);
    for (const sid of ['CA40', 'CA41', 'CA42']) await relay.twilioWebhook(hooks.status, { CallSid: sid, CallStatus: 'completed', CallDuration: '30' });
    await relay.twilioWebhook(hooks.incoming, incoming('CA43', '+15005550006'));
    expect(agentsOf('CA43').sort()).toEqual([ada.id, bob.id, cy.id].sort());
  });

  it("an agent's own instance rings and reaches its owner alone, even for a colleague's number, and so do the calls it reports", async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    const own = await relay.twilioInstance(bob.token, 'own');
    for (const [sid, to] of [['CA22', ada.number], ['CA23', '+15005550006']] as const) {
      const reply = await (await relay.twilioWebhook(own.incoming, incoming(sid, to))).text();
      expect(reply).toContain(`<Dial action="${own.status}">${ringing(own, '+14155550122')}</Dial>`);
      expect(reply).not.toContain(ada.number);
      expect(agentsOf(sid)).toEqual([bob.id]);
    }
    const reported = await relay.call(bob.token, 'POST', '/calls', { instance: 'own', call_id: 'CA22', to_number: ada.number, status: 'in-progress' });
    expect(reported.status).toBe(200);
    expect(relay.published.every((e) => e.agentId === bob.id)).toBe(true);
    expect(await (await relay.call(ada.token, 'GET', '/calls')).json()).toEqual({ calls: [], next_cursor: null });
  });
});

describe('refused webhooks', () => {
  it('checks the size before anything else', async () => {
    const url = hooks.status.replace(/in_[^/]+/, 'in_unknown').replace(PUBLIC_URL, '');
    const response = await relay.app.request(url, { method: 'POST', headers: { 'Content-Length': String(64 * 1024 + 1) }, body: 'x'.repeat(64 * 1024 + 1) });
    expect(response.status).toBe(413);
  });

  it('checks the secret before the signature', async () => {
    const response = await relay.twilioWebhook(hooks.status.replace(/\/[^/]+\/status$/, '/wrong/status'), answer('CA6'), { token: 'wrong-token' });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'wrong secret' });
    expect(await relay.deps.metrics.render()).toContain('relay_webhooks_total{event="status",outcome="forbidden"} 1');
  });

  it('refuses, with 403 and the reason, a body of a Content-Type the Twilio signature does not cover', async () => {
    // A URL-only signature (what a GET status callback carries) over a text/plain body the connector reads as JSON.
    const signature = await computeTwilioSignature(TWILIO_TOKEN, hooks.status);
    const body = JSON.stringify({ CallSid: 'CA12', CallStatus: 'completed', CallDuration: '9' });
    const response = await relay.app.request(hooks.status.replace(PUBLIC_URL, ''), { method: 'POST', headers: { 'Content-Type': 'text/plain', 'X-Twilio-Signature': signature }, body });
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ error: 'signature check failed: the signature does not cover a text/plain body: Twilio signs form fields, or the raw body through bodySHA256' });
    expect(await relay.store.callByKey((await relay.store.instanceOf(ada.id, 'main'))!.uid, 'CA12')).toBeUndefined();
    expect(relay.published).toEqual([]);
  });

  it('refuses a signed body nested thousands of levels deep with a 400, storing nothing', async () => {
    const body = `{"CallSid":"CA11","CallStatus":${'['.repeat(6000)}${']'.repeat(6000)}}`;
    const url = `${hooks.status}?bodySHA256=${createHash('sha256').update(body).digest('hex')}`;
    const signature = await computeTwilioSignature(TWILIO_TOKEN, url);
    const response = await relay.app.request(url.replace(PUBLIC_URL, ''), { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Twilio-Signature': signature }, body });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({ error: expect.stringContaining('the JSON body nests deeper than') });
    expect(await relay.store.callByKey((await relay.store.instanceOf(ada.id, 'main'))!.uid, 'CA11')).toBeUndefined();
    expect(relay.published).toEqual([]);
    expect(await relay.deps.metrics.render()).toContain('relay_webhooks_total{event="status",outcome="bad_request"} 1');
  });

  it('fails closed when the connector can no longer be loaded', async () => {
    await relay.store.putInstance({ agentId: ada.id, localId: 'broken', connector: 'custom', xml: '<connector', config: {}, crm: null, at: new Date().toISOString() }, { uid: 'in_broken', secret: 's' });
    const response = await relay.app.request('/hooks/in_broken/s/status', { method: 'POST', body: 'CallSid=CA7' });
    expect(response.status).toBe(500);
    expect(relay.published).toEqual([]);
  });

  it('answers an unexpected failure with 500 and logs it without the secret', async () => {
    relay.store.transaction = async () => {
      throw new Error('disk full');
    };
    const response = await relay.twilioWebhook(`${hooks.answer}?DialTo=%2B14155550100`, answer('CA10'));
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ error: 'internal error' });
    expect(relay.published).toEqual([]);
    expect(await relay.deps.metrics.render()).toContain('relay_webhooks_total{event="answer",outcome="error"} 1');
    const entry = relay.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'webhook failed');
    expect(entry).toMatchObject({ level: 'error', error: 'disk full', path: expect.stringContaining('/***/answer') });
  });

  it('answers 503 with Retry-After when the store is unreachable, and counts it as an error', async () => {
    relay.store.transaction = async () => {
      throw new StoreUnavailableError('connection refused');
    };
    const response = await relay.twilioWebhook(`${hooks.answer}?DialTo=%2B14155550100`, answer('CA12'));
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(await relay.deps.metrics.render()).toContain('relay_webhooks_total{event="answer",outcome="error"} 1');
    expect(relay.logs.map((l) => JSON.parse(l)).find((l) => l.msg === 'webhook failed')).toMatchObject({ level: 'error', error: 'connection refused' });
  });

  it('counts a body cut off by the client as aborted, not as an error, and logs it quietly', async () => {
    // What the server hands over when the client closes the connection mid-body.
    let sent = false;
    const cutOff = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent) return controller.error(Object.assign(new Error('aborted'), { code: 'ECONNRESET' }));
        sent = true;
        controller.enqueue(new TextEncoder().encode('CallSid=CA11&CallSta'));
      },
    });
    const request = new Request(`http://relay${new URL(hooks.status).pathname}`, { method: 'POST', body: cutOff, duplex: 'half' } as RequestInit);
    expect((await relay.app.request(request)).status).toBe(400);
    expect(relay.published).toEqual([]);
    const metrics = await relay.deps.metrics.render();
    expect(metrics).toContain('relay_webhooks_total{event="status",outcome="aborted"} 1');
    expect(metrics).not.toContain('outcome="error"');
    const entries = relay.logs.map((l) => JSON.parse(l));
    expect(entries.filter((e) => e.level === 'error' || e.level === 'warn')).toEqual([]);
    expect(entries.find((e) => e.outcome === 'aborted')).toMatchObject({ level: 'info', msg: 'webhook aborted by the client', status: 400 });
  });

  it('never logs the callback secret, the provider token or the agent token', async () => {
    await relay.twilioWebhook(`${hooks.answer}?DialTo=%2B14155550100`, answer('CA8'));
    await relay.twilioWebhook(hooks.status, answer('CA9'), { token: 'wrong' });
    const secret = new URL(hooks.status).pathname.split('/')[3]!;
    const logs = relay.logs.join('\n');
    expect(logs).toContain('/***/answer');
    expect(logs).not.toContain(secret);
    expect(logs).not.toContain(TWILIO_TOKEN);
    expect(logs).not.toContain(ada.token);
  });
});
