/**
 * connectors/zadarma.xml against the Zadarma simulator, through a real relay process. The
 * engine places a signed CallBack request as the extension does; Zadarma answers no call id,
 * so the extension has nothing to report, and the call reaches the relay through the PBX's
 * notifications (NOTIFY_OUT_START, NOTIFY_OUT_END), all keyed by pbx_call_id. Zadarma sends
 * every notification to one URL, the relay's status URL, so incoming calls arrive there too
 * and go to the instance owner; the reply to NOTIFY_START redirects the call to an extension.
 */
import { createHash } from 'node:crypto';
import { statusStage } from '@phone-connector/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { ZadarmaSimulator, zadarmaSignature } from '../simulators/zadarma.ts';
import { ContractRelay, Extension, expectStatusesInOrder, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const KEY = 'a248a6a984459935b569';
const SECRET = 'zadarma-secret-for-tests';
const EXTENSION = '100';
const PBX_NUMBER = '15005550006';
const CUSTOMER = '+14155550100';

let relay: ContractRelay;
let zadarma: ZadarmaSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }]));
  zadarma = await ZadarmaSimulator.start({ key: KEY, secret: SECRET, callerId: PBX_NUMBER, forward: relay.forward });
  const instance = await relay.registerInstance(ada, 'zadarma-main', 'zadarma', { key: KEY, secret: SECRET, sip: EXTENSION });
  // The one warning: the CallBack API answers no call id (see the connector's header).
  expect(instance.warnings.map((w) => w.message)).toEqual([expect.stringMatching(/maps no call_id/)]);
  callbacks = instance.callbacks;
  config = { key: KEY, secret: SECRET, sip: EXTENSION, status_callback: callbacks.status };
  // The admin pastes the status URL into "Call notifications in PBX".
  zadarma.notificationUrl = callbacks.status;
  extension = new Extension({ relay, instance: 'zadarma-main', connector: 'zadarma', config, callbacks, fetch: toSimulator('https://api.zadarma.com', zadarma.baseUrl) });
});

afterAll(async () => {
  await zadarma?.close();
  await relay?.close();
});

/** The extension's part: place the call with the engine. There is no call id to report. */
async function clickToCall(agent: TestAgent, to: string) {
  const before = zadarma.calls.length;
  const placed = await extension.place(agent, to);
  expect(placed.ok, placed.error).toBe(true);
  expect(placed.record.call_id).toBeUndefined();
  expect(zadarma.calls).toHaveLength(before + 1);
  return zadarma.calls.at(-1)!;
}

describe('outbound call (click to call)', () => {
  it('signs the CallBack request, and files the PBX notifications under one pbx_call_id for the agent', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const startSeq = adaSocket.welcome!.seq;

    const call = await clickToCall(ada, CUSTOMER);
    await call.done;

    // Zadarma checked the signature over /v1/request/callback/ and the sorted query.
    const request = zadarma.requests.at(-1)!;
    expect(request).toMatchObject({ method: 'GET', path: '/v1/request/callback/', status: 200, query: { from: '14155550111', to: '14155550100', sip: EXTENSION, format: 'json' } });
    expect(request.body).toMatchObject({ status: 'success', from: '14155550111', to: '14155550100', time: expect.any(Number) });
    expect(call).toMatchObject({ direction: 'outbound', from: '14155550111', to: '14155550100', sip: EXTENSION });
    expect(call.exchanges.map((e) => [e.event, e.status])).toEqual([
      ['NOTIFY_OUT_START', 200],
      ['NOTIFY_OUT_END', 200],
    ]);
    expect(call.exchanges[0]!.headers['Content-Type']).toBe('application/x-www-form-urlencoded');
    expect(call.exchanges[0]!.params).toMatchObject({ pbx_call_id: call.pbxCallId, internal: EXTENSION, destination: '14155550100' });

    await adaSocket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    const events = adaSocket.events;
    expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => startSeq + i + 1));
    expect(events.map((e) => e.event)).toEqual(['created', 'updated']);
    expect(events[0]!.call).toMatchObject({ call_id: call.pbxCallId, direction: 'outbound', status: 'ringing', to_number: CUSTOMER });
    expect(events.every((e) => e.call.call_id === call.pbxCallId)).toBe(true);
    expectStatusesInOrder(events);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({
      instance_id: 'zadarma-main',
      call_id: call.pbxCallId,
      direction: 'outbound',
      status: 'completed',
      to_number: CUSTOMER,
      from_number: `+${PBX_NUMBER}`,
      duration: 42,
      extra: { internal: EXTENSION, disposition: 'answered', status_code: '16' },
    });
    expect(calls.body.calls[0]).toEqual(events.at(-1)!.call);
    expect(bobSocket.events).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('shows a click to call in progress when its customer answering raises NOTIFY_ANSWER, and keeps it outbound', async () => {
    const adaSocket = await relay.connect(ada);
    zadarma.answersOutgoing = true;
    try {
      const call = await clickToCall(ada, '+14155550146');
      await call.done;
      expect(call.exchanges.map((e) => e.event)).toEqual(['NOTIFY_OUT_START', 'NOTIFY_ANSWER', 'NOTIFY_OUT_END']);
      await adaSocket.waitFor((c) => c.events.at(-1)?.call.call_id === call.pbxCallId && c.events.at(-1)?.call.status === 'completed');
      // Never inbound, not even for a moment: that would pop up an incoming call for the agents.
      const events = adaSocket.events.filter((e) => e.call.call_id === call.pbxCallId);
      expect(events.map((e) => e.call.direction)).toEqual(events.map(() => 'outbound'));
      expect(events.map((e) => e.call.status)).toEqual(['ringing', 'in-progress', 'completed']);
      // Its customer is no agent who took an incoming call.
      expect(events.every((e) => e.call.extra.answered_by_name === undefined)).toBe(true);
      const [record] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550146')).body.calls;
      expect(record).toMatchObject({ call_id: call.pbxCallId, direction: 'outbound', status: 'completed', to_number: '+14155550146', from_number: `+${PBX_NUMBER}` });
    } finally {
      zadarma.answersOutgoing = false;
      await adaSocket.close();
    }
  });

  // Each disposition user-api-v1 documents ends the call; the account's limits as failed, the one
  // whose comma no `map` entry can hold included.
  it.each([
    ['busy', 'busy'],
    ['cancel', 'canceled'],
    ['no answer', 'no-answer'],
    ['failed', 'failed'],
    ['no money', 'failed'],
    ['unallocated number', 'failed'],
    ['no limit', 'failed'],
    ['no day limit', 'failed'],
    ['line limit', 'failed'],
    ['no money, no limit', 'failed'],
  ] as const)("ends a call whose disposition is %s as %s, keeping Zadarma's word", async (disposition, status) => {
    zadarma.customerOutcome = { answer: false, disposition };
    const call = await clickToCall(ada, '+14155550133');
    await call.done;
    zadarma.customerOutcome = { answer: true, talkSeconds: 42 };
    const record = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550133&limit=50')).body.calls.find((c: { call_id: string }) => c.call_id === call.pbxCallId);
    expect(record).toMatchObject({ status, status_raw: disposition, duration: 0, extra: { disposition } });
  });
});

describe('placing a call', () => {
  it("shows Zadarma's error for a wrong secret, and no call happens", async () => {
    const before = zadarma.calls.length;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, secret: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'Not authorized' });
    expect(zadarma.requests.at(-1)!.status).toBe(401);
    expect(zadarma.calls).toHaveLength(before);
  });

  // Over the rate limit Zadarma answers HTTP 200 with status error (seen in an integrator's
  // production logs), not only openapi's 429: the status, not the HTTP code, says it failed.
  it("shows Zadarma's rate-limit error that comes with HTTP 200, and no call happens", async () => {
    const before = zadarma.calls.length;
    zadarma.rateLimited = true;
    try {
      const placed = await extension.place(ada, CUSTOMER);
      expect(placed).toMatchObject({ ok: false, error: 'You exceeded the rate limit by User Limits' });
    } finally {
      zadarma.rateLimited = false;
    }
    expect(zadarma.requests.at(-1)!).toMatchObject({ status: 200, body: { status: 'error' } });
    expect(zadarma.calls).toHaveLength(before);
  });

  it('is refused with 400 when a required parameter is missing', async () => {
    const query = 'format=json&from=14155550111';
    const signature = zadarmaSignature(SECRET, `/v1/request/callback/${query}${createHash('md5').update(query).digest('hex')}`);
    const response = await fetch(`${zadarma.baseUrl}/v1/request/callback/?${query}`, { headers: { Authorization: `${KEY}:${signature}` } });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ status: 'error', message: expect.stringMatching(/\bto\b/) });
  });
});

describe('inbound call (incoming popup)', () => {
  it("pops up for the instance owner, redirects the call to the owner's extension, and closes on NOTIFY_END", async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const call = zadarma.inboundCall({ from: '14155550177', to: PBX_NUMBER });
    await call.done;

    const start = call.exchanges[0]!;
    expect(start).toMatchObject({ event: 'NOTIFY_START', status: 200 });
    expect(start.contentType).toMatch(/^application\/json/);
    expect(JSON.parse(start.body)).toEqual({ redirect: EXTENSION, return_timeout: 0 });
    expect(call.rang).toEqual([EXTENSION]);
    expect(call.exchanges.map((e) => [e.event, e.status])).toEqual([
      ['NOTIFY_START', 200],
      ['NOTIFY_INTERNAL', 200],
      ['NOTIFY_ANSWER', 200],
      ['NOTIFY_END', 200],
    ]);

    await adaSocket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    expect(adaSocket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.pbxCallId, direction: 'inbound', status: 'ringing', from_number: '+14155550177', to_number: `+${PBX_NUMBER}` } });
    expect(adaSocket.events.every((e) => e.call.call_id === call.pbxCallId)).toBe(true);
    const ranks = expectStatusesInOrder(adaSocket.events);
    expect(ranks).toContain(statusStage('in-progress'));
    const [view] = (await api(relay, ada.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(view).toMatchObject({ call_id: call.pbxCallId, status: 'completed', duration: 30, extra: { internal: EXTENSION, answered_by: EXTENSION, disposition: 'answered' } });
    // One notification URL per Zadarma account: the relay files new calls under the instance owner.
    expect(bobSocket.events).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  // NOTIFY_END's disposition is the extension's answer, not the PBX's own: a call nobody took is
  // a missed call, and one whose caller hung up while it rang a canceled one.
  it.each([
    ['no answer', 'no-answer'],
    ['cancel', 'canceled'],
  ] as const)('logs an incoming call the extension did not take (%s) as %s', async (disposition, status) => {
    const socket = await relay.connect(ada);
    zadarma.extensionOutcome = { answer: false, disposition };
    const call = zadarma.inboundCall({ from: '14155550188', to: PBX_NUMBER });
    zadarma.extensionOutcome = { answer: true, talkSeconds: 30 };
    await call.done;
    expect(call.exchanges.map((e) => e.event)).toEqual(['NOTIFY_START', 'NOTIFY_INTERNAL', 'NOTIFY_END']);
    await socket.waitFor((c) => c.events.filter((e) => e.call.call_id === call.pbxCallId).at(-1)?.call.status === status);
    expect(socket.events.filter((e) => e.call.call_id === call.pbxCallId).map((e) => e.call.status)).toEqual(['ringing', 'ringing', status]);
    const record = (await api(relay, ada.token, 'GET', '/calls?direction=inbound&limit=50')).body.calls.find((c: { call_id: string }) => c.call_id === call.pbxCallId);
    expect(record).toMatchObject({ direction: 'inbound', status, status_raw: disposition, duration: 0 });
    await socket.close();
  });

  it('redirects to the scenario or extension set in "Incoming calls ring"', async () => {
    const put = await api(relay, ada.token, 'PUT', '/instances/zadarma-main', { connector: 'zadarma', config: { key: KEY, secret: SECRET, sip: EXTENSION, redirect: '101' } });
    expect(put.status).toBe(200);
    try {
      const call = zadarma.inboundCall({ from: '14155550166', to: PBX_NUMBER });
      await call.done;
      expect(call.replies).toEqual([{ redirect: '101', return_timeout: 0 }]);
      expect(call.rang).toEqual(['101']);
    } finally {
      await api(relay, ada.token, 'PUT', '/instances/zadarma-main', { connector: 'zadarma', config: { key: KEY, secret: SECRET, sip: EXTENSION } });
    }
  });
});

describe('webhook protection', () => {
  it('refuses a notification sent to a URL with a wrong secret with 403, and stores nothing', async () => {
    const socket = await relay.connect(ada);
    zadarma.notificationUrl = callbacks.status.replace(/\/[^/]+\/status$/, '/not-the-secret/status');
    const forged = zadarma.inboundCall({ from: '14155550144', to: PBX_NUMBER });
    try {
      await forged.done;
    } finally {
      zadarma.notificationUrl = callbacks.status;
    }
    expect(forged.exchanges.length).toBeGreaterThan(0);
    expect(forged.exchanges.every((e) => e.status === 403)).toBe(true);
    expect((await api(relay, ada.token, 'GET', '/calls?number=%2B14155550144')).body.calls).toEqual([]);
    expect(socket.events).toEqual([]);
    await socket.close();
  });

  it("passes Zadarma's zd_echo URL check and stores nothing for it", async () => {
    const before = (await api(relay, ada.token, 'GET', '/calls?limit=200')).body.calls.length;
    const check = await zadarma.checkNotificationUrl(callbacks.status);
    expect(check).toMatchObject({ ok: true, status: 200 });
    expect((await api(relay, ada.token, 'GET', '/calls?limit=200')).body.calls).toHaveLength(before);
  });

  it('refuses a notification whose Signature does not match, and stores nothing', async () => {
    const socket = await relay.connect(ada);
    zadarma.signer = () => 'bm90LWEtc2lnbmF0dXJl';
    const forged = zadarma.inboundCall({ from: '14155550155', to: PBX_NUMBER });
    try {
      await forged.done;
    } finally {
      zadarma.signer = (message) => zadarmaSignature(SECRET, message);
    }
    expect(forged.exchanges.length).toBeGreaterThan(0);
    expect(forged.exchanges.every((e) => e.status === 403)).toBe(true);
    expect((await api(relay, ada.token, 'GET', '/calls?number=%2B14155550155')).body.calls).toEqual([]);
    expect(socket.events).toEqual([]);
    await socket.close();
  });
});
