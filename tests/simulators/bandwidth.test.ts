/** The simulator itself: how it reads the BXML `<Transfer>` of an incoming call, `<Record>` and `<StartRecording>`, and what Update Call refuses. */
import type { Server } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BandwidthSimulator, isoDuration } from './bandwidth.ts';
import { closeServer, listen, readBody, recordingBytes } from './http.ts';

let bandwidth: BandwidthSimulator;
let app: { server: Server; baseUrl: string };
/** How many `<PhoneNumber>`s the application's next answer to `initiate` transfers to. */
let numbers = 1;
/** The application's BXML for a path other than /status, when a test sets one (else the `<Transfer>`). */
let bxmlFor: Record<string, string> = {};
/** The Authorization headers of the requests to the application, by path. */
const authorizations: Array<[string, string | undefined]> = [];

beforeAll(async () => {
  bandwidth = await BandwidthSimulator.start({ accountId: '9900000', clientId: 'id', clientSecret: 'secret', applicationId: 'app' });
  // The customer's application: BXML for initiate, the 204 Bandwidth wants for disconnect.
  app = await listen(
    async (req, res) => {
      await readBody(req);
      authorizations.push([req.url ?? '', req.headers.authorization]);
      if (req.url === '/status' || req.url === '/available') return void res.writeHead(204).end();
      const bxml = bxmlFor[req.url ?? ''];
      if (bxml !== undefined) return void res.writeHead(200, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Response>${bxml}</Response>`);
      const phones = Array.from({ length: numbers }, (_, i) => `<PhoneNumber>+1415555${String(i).padStart(4, '0')}</PhoneNumber>`).join('');
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Response><Transfer>${phones}</Transfer></Response>`);
    },
    (res) => res.writeHead(500).end(),
  );
});
afterAll(async () => {
  await bandwidth.close();
  await closeServer(app.server);
});

describe('<Transfer>', () => {
  // Bandwidth's Transfer page: "Between 1 and 8 <PhoneNumber> or <SipUri> tags".
  it.each([
    [1, 'hangup', 1, []],
    [8, 'hangup', 8, []],
    [9, 'invalid-bxml', 0, ['invalid BXML: <Transfer> takes 1 to 8 <PhoneNumber>s, got 9']],
  ])('with %i <PhoneNumber>s ends the call with cause %s', async (count, cause, rung, errors) => {
    numbers = count;
    const call = bandwidth.inboundCall({ initiateUrl: `${app.baseUrl}/initiate`, statusUrl: `${app.baseUrl}/status`, from: '+14155550100', to: '+19195551234' });
    await call.done;
    expect(call.cause).toBe(cause);
    expect(call.transferredTo).toHaveLength(rung);
    expect(call.errors).toEqual(errors);
  });
});

describe('Update Call', () => {
  const calls = (path = '') => `${bandwidth.baseUrl}/api/v2/accounts/9900000/calls${path}`;
  let token: string;

  beforeAll(async () => {
    const answer = await fetch(`${bandwidth.baseUrl}/api/v1/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa('id:secret')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    token = ((await answer.json()) as { access_token: string }).access_token;
  });

  const post = (url: string, body: unknown, authorization = `Bearer ${token}`) =>
    fetch(url, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses a call that has already ended with 409, as the errors page shows for a recently ended call', async () => {
    numbers = 1;
    const created = await post(calls(), { from: '+19195551234', to: '+14155550111', applicationId: 'app', answerUrl: `${app.baseUrl}/answer`, disconnectUrl: `${app.baseUrl}/status` });
    const { callId } = (await created.json()) as { callId: string };
    await bandwidth.calls.get(callId)!.done;
    const answer = await post(calls(`/${callId}`), { state: 'completed' });
    expect([answer.status, await answer.json()]).toEqual([409, { type: 'validation', description: `Call [${callId}] cannot be modified in its current state`, id: '' }]);
  });

  it('refuses a tag with state completed (not allowed, says the spec), then cancels the ringing call with 200 and no body', async () => {
    bandwidth.agentPhone = 'rings';
    const created = await post(calls(), { from: '+19195551234', to: '+14155550111', applicationId: 'app', answerUrl: `${app.baseUrl}/answer`, disconnectUrl: `${app.baseUrl}/status` });
    bandwidth.agentPhone = 'answers';
    const call = bandwidth.calls.get(((await created.json()) as { callId: string }).callId)!;
    const refused = await post(calls(`/${call.callId}`), { state: 'completed', tag: 'x' });
    expect([refused.status, call.ringing]).toEqual([400, expect.anything()]);
    const answer = await post(calls(`/${call.callId}`), { state: 'completed' });
    expect([answer.status, await answer.text()]).toEqual([200, '']);
    await call.done;
    expect(call.exchanges.map((e) => [e.eventType, e.event.cause])).toEqual([['disconnect', 'cancel']]);
  });

  it.each([
    ['an unknown call', 'Bearer', 404, 'Call [c-unknown] not found'],
    ['Basic credentials instead of a token', 'Basic aWQ6c2VjcmV0', 401, 'The credentials provided were invalid'],
  ])('answers %s with %i', async (_case, scheme, status, description) => {
    const answer = await post(calls('/c-unknown'), { state: 'completed' }, scheme === 'Bearer' ? `Bearer ${token}` : scheme);
    expect([answer.status, await answer.json()]).toEqual([status, expect.objectContaining({ description })]);
  });
});

describe('<Record> and <StartRecording>', () => {
  const AUTH = 'username="relay" password="pw"';
  const initiate = () => `${app.baseUrl}/initiate`;
  const inbound = () => bandwidth.inboundCall({ initiateUrl: initiate(), statusUrl: `${app.baseUrl}/status`, from: '+14155550100', to: '+19195551234' });
  const record = (extra = '') => `<SpeakSentence>Leave a message.</SpeakSentence><Record recordCompleteUrl="${app.baseUrl}/complete" recordingAvailableUrl="${app.baseUrl}/available" fileFormat="mp3" ${AUTH}${extra}/>`;

  afterEach(() => {
    bxmlFor = {};
    bandwidth.transferOutcome = { answer: true, talkSeconds: 42 };
  });

  it('takes a message the caller hangs up on: no recordComplete, the call ends, then recordingAvailable with the Basic credentials of the tag', async () => {
    bxmlFor = { '/initiate': record(' maxDuration="120"') };
    bandwidth.transferOutcome = { answer: false, cause: 'timeout', message: 83 };
    const call = inbound();
    await call.done;
    expect(call.said).toEqual(['Leave a message.']);
    expect(call.exchanges.map((e) => [e.eventType, e.status])).toEqual([
      ['initiate', 200],
      ['disconnect', 204],
      ['recordingAvailable', 204],
    ]);
    const [recording] = call.recordings;
    expect(call.exchanges[2]!.event).toMatchObject({ callId: call.callId, recordingId: recording!.recordingId, duration: 'PT1M23S', fileFormat: 'mp3', status: 'complete', mediaUrl: `https://voice.bandwidth.com/api/v2/accounts/9900000/calls/${call.callId}/recordings/${recording!.recordingId}/media` });
    expect(authorizations.filter(([path]) => path === '/available').at(-1)![1]).toBe(`Basic ${btoa('relay:pw')}`);
    expect(call.errors).toEqual([]);
  });

  it('sends recordComplete when the caller presses #, or the message reaches maxDuration, and runs its BXML', async () => {
    bxmlFor = { '/initiate': record(' maxDuration="30"'), '/complete': '<Hangup/>' };
    for (const outcome of [{ message: 12, endsMessage: 'key' as const }, { message: 45 }]) {
      bandwidth.transferOutcome = { answer: false, cause: 'timeout', ...outcome };
      const call = inbound();
      await call.done;
      expect(call.exchanges.map((e) => [e.eventType, e.event.duration])).toEqual([
        ['initiate', undefined],
        ['recordComplete', outcome.message === 12 ? 'PT12S' : 'PT30S'],
        ['disconnect', undefined],
        ['recordingAvailable', outcome.message === 12 ? 'PT12S' : 'PT30S'],
      ]);
      expect(call.cause).toBe('hangup');
      expect(call.errors).toEqual([]);
    }
  });

  it('records the talk of the leg whose transferAnswer started it, under that leg, naming the call in parentCallId', async () => {
    bxmlFor = {
      '/initiate': `<Transfer transferCompleteUrl="${app.baseUrl}/status-bxml"><PhoneNumber transferAnswerUrl="${app.baseUrl}/leg">+14155550111</PhoneNumber></Transfer>`,
      '/leg': `<StartRecording recordingAvailableUrl="${app.baseUrl}/available" fileFormat="mp3" ${AUTH}/>`,
      '/status-bxml': '',
    };
    const call = inbound();
    await call.done;
    const leg = call.exchanges.find((e) => e.eventType === 'transferAnswer')!.event.callId;
    expect(call.recordings).toEqual([expect.objectContaining({ callId: leg, seconds: 42 })]);
    expect(call.exchanges.at(-1)).toMatchObject({ eventType: 'recordingAvailable', status: 204, event: { callId: leg, parentCallId: call.callId, transferTo: '+14155550111', duration: 'PT42S' } });
    expect(call.errors).toEqual([]);
  });

  it('writes durations as the documented examples do', () => {
    expect([0, 9, 83, 3600, 3723].map(isoDuration)).toEqual(['PT0S', 'PT9S', 'PT1M23S', 'PT1H', 'PT1H2M3S']);
  });

  it("serves a recording's file for a token it issued, and refuses other credentials with 401", async () => {
    bxmlFor = { '/initiate': record() };
    bandwidth.transferOutcome = { answer: false, cause: 'timeout', message: 5 };
    const call = inbound();
    await call.done;
    const [recording] = call.recordings;
    const path = new URL(recording!.mediaUrl).pathname;
    const answer = await fetch(`${bandwidth.baseUrl}/api/v1/oauth2/token`, { method: 'POST', headers: { Authorization: `Basic ${btoa('id:secret')}`, 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    const { access_token: token } = (await answer.json()) as { access_token: string };
    const file = await fetch(`${bandwidth.baseUrl}${path}`, { headers: { Authorization: `Bearer ${token}` } });
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(Buffer.from(await file.arrayBuffer()).equals(recordingBytes(recording!.recordingId, 5))).toBe(true);
    for (const authorization of [`Basic ${btoa('id:secret')}`, 'Bearer not-issued']) {
      expect((await fetch(`${bandwidth.baseUrl}${path}`, { headers: { Authorization: authorization } })).status).toBe(401);
    }
    expect((await fetch(`${bandwidth.baseUrl}${path.replace(recording!.recordingId, 'r-unknown')}`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(404);
  });
});
