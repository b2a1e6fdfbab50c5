/**
 * Durability across relay restarts: webhooks acknowledged before a restart (graceful or a
 * crash) are kept, seq numbers carry on, and a client that resumes with its last seq gets
 * exactly the events it missed, in order. Shutdown finishes a webhook that is in flight.
 */
import { request } from 'node:http';
import { join } from 'node:path';
import { computeTwilioSignature } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSid, type SimulatedCall, TwilioSimulator } from '../simulators/twilio.ts';
import { AgentClient, addAgent, api, type RelayProcess, startRelayProcess, type TestAgent, tempDir } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const ACCOUNT_SID = `AC${'fedcba9876543210'.repeat(2)}`;
const AUTH_TOKEN = 'restart-test-token';

let dir: ReturnType<typeof tempDir>;
let db: string;
let relay: RelayProcess;
let twilio: TwilioSimulator;
let ada: TestAgent;
let callbacks: { answer: string; status: string; incoming: string };

beforeAll(async () => {
  dir = tempDir();
  db = join(dir.path, 'relay.db');
  ada = await addAgent(db, { name: 'Ada', number: '+14155550111' });
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
  twilio = await TwilioSimulator.start({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, forward: (url) => url.replace(PUBLIC_URL, relay.url) });
  const put = await api(relay, ada.token, 'PUT', '/instances/main', { connector: 'twilio', config: { authid: ACCOUNT_SID, authtoken: AUTH_TOKEN, callerid: '+15005550006' } });
  callbacks = put.body.callbacks;
});

afterAll(async () => {
  await twilio?.close();
  await relay?.stop();
  dir?.remove();
});

async function restart(signal: NodeJS.Signals): Promise<void> {
  const code = await relay.stop(signal);
  if (signal === 'SIGTERM') expect(code).toBe(0);
  relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
}

function outboundCall(): SimulatedCall {
  return { sid: newSid(), direction: 'outbound-api', from: '+15005550006', to: ada.number, status: 'initiated', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() };
}

describe('restarting the relay between webhooks', () => {
  it('loses no record or event, and a resuming client gets exactly the missed events', async () => {
    const call = outboundCall();
    const live = await AgentClient.connect(relay, ada.token, { lastSeq: 0 });
    await live.waitFor((c) => c.welcome !== undefined);
    const base = live.welcome!.seq;

    expect((await twilio.webhook(call, 'status', 'POST', callbacks.status)).status).toBe(200);
    await live.waitForEvents(1);
    const remembered = live.lastSeq!;
    expect(remembered).toBe(base + 1);
    await live.close();

    call.status = 'ringing';
    expect((await twilio.webhook(call, 'status', 'POST', callbacks.status)).status).toBe(200);
    await restart('SIGTERM');

    call.status = 'in-progress';
    const answer = await twilio.webhook(call, 'voice', 'POST', `${callbacks.answer}?DialTo=%2B14155550100`);
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('<Number>+14155550100</Number>');
    // A crash, not a clean stop: what was acknowledged must already be on disk.
    await restart('SIGKILL');

    call.status = 'completed';
    const completed = await twilio.webhook(call, 'status', 'POST', callbacks.status, { CallDuration: '61' });
    expect(completed.status).toBe(200);
    // Twilio retries the same callback: no new event.
    expect((await twilio.webhook(call, 'status', 'POST', callbacks.status, { CallDuration: '61' })).status).toBe(200);

    const resumed = await AgentClient.connect(relay, ada.token, { lastSeq: remembered });
    await resumed.waitForEvents(3);
    expect(resumed.welcome!.seq).toBe(base + 4);
    expect(resumed.events.map((e) => [e.seq, e.event, e.call.status])).toEqual([
      [base + 2, 'updated', 'ringing'],
      [base + 3, 'updated', 'in-progress'],
      [base + 4, 'updated', 'completed'],
    ]);
    expect(resumed.events.at(-1)!.call).toMatchObject({ call_id: call.sid, to_number: '+14155550100', duration: 61 });

    // Live events continue the same sequence, once each.
    const id = resumed.events[0]!.call.id as number;
    expect((await api(relay, ada.token, 'PATCH', `/calls/${id}`, { notes: 'called back', disposition: 'interested' })).status).toBe(200);
    await resumed.waitForEvents(4);
    expect(resumed.events.at(-1)).toMatchObject({ seq: base + 5, event: 'updated', call: { notes: 'called back', disposition: 'interested' } });

    // A browser client (token as a subprotocol) that saw everything up to base+3 gets the rest.
    const browser = await AgentClient.connect(relay, ada.token, { mode: 'subprotocol', lastSeq: base + 3 });
    await browser.waitForEvents(2);
    expect(browser.events.map((e) => e.seq)).toEqual([base + 4, base + 5]);

    // From zero: the whole history, each event once.
    const fresh = await AgentClient.connect(relay, ada.token, { lastSeq: 0 });
    await fresh.waitForEvents(base + 5);
    expect(fresh.events.map((e) => e.seq)).toEqual(Array.from({ length: base + 5 }, (_, i) => i + 1));

    // One more live event: once every client has it, any repeat sent before it is in too.
    expect((await api(relay, ada.token, 'PATCH', `/calls/${id}`, { disposition: 'callback' })).status).toBe(200);
    await Promise.all([resumed, browser, fresh].map((client) => client.waitFor((c) => c.events.some((e) => e.seq === base + 6))));
    expect(resumed.events.map((e) => e.seq)).toEqual([base + 2, base + 3, base + 4, base + 5, base + 6]);
    expect(browser.events.map((e) => e.seq)).toEqual([base + 4, base + 5, base + 6]);
    expect(fresh.events).toHaveLength(base + 6);
    await Promise.all([resumed.close(), browser.close(), fresh.close()]);

    const stored = await api(relay, ada.token, 'GET', `/calls/${id}`);
    expect(stored.body).toMatchObject({ call_id: call.sid, status: 'completed', status_raw: 'completed', to_number: '+14155550100', user_number: ada.number, duration: 61, notes: 'called back' });
  });
});

describe('graceful shutdown', () => {
  it('finishes a webhook that is in flight, then exits', async () => {
    const call = outboundCall();
    const body = new URLSearchParams({ AccountSid: ACCOUNT_SID, CallSid: call.sid, CallStatus: 'ringing', From: call.from, To: call.to }).toString();
    const signature = await computeTwilioSignature(AUTH_TOKEN, callbacks.status, [...new URLSearchParams(body)]);
    const target = new URL(callbacks.status.replace(PUBLIC_URL, relay.url));

    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      // "Expect: 100-continue": the relay answers "100 Continue" once it has read the headers,
      // so the request is in flight from then on.
      const req = request(target, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body), 'X-Twilio-Signature': signature, Expect: '100-continue' },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      // Half of the body once the request is in flight, the rest once the relay is shutting down.
      req.on('continue', () => {
        req.write(body.slice(0, 20));
        void relay.waitForLog((e) => e.msg === 'shutting down').then(() => req.end(body.slice(20)), reject);
        relay.process.kill('SIGTERM');
      });
      req.flushHeaders();
    });

    expect((await response).status).toBe(200);
    expect(await relay.exited).toBe(0);
    relay = await startRelayProcess({ db, publicUrl: PUBLIC_URL });
    const list = await api(relay, ada.token, 'GET', '/calls?limit=1');
    expect(list.body.calls[0]).toMatchObject({ call_id: call.sid, status: 'ringing' });
  });
});
