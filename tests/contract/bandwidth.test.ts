/**
 * connectors/bandwidth.xml against the Bandwidth simulator, through a real relay process:
 * click to call (create call -> answer -> BXML transfer -> the customer's transferComplete ->
 * disconnect answered 204), ending a placed call through Update Call (canceled while the agent's
 * phone rings, hung up in progress), an incoming call whose initiate event pops up for the
 * agents, rings their phones, and whose agent's transferAnswer shows it answered; voicemail (an
 * incoming call nobody took, or every agent away), recorded calls, and their recordings opened
 * through the relay's link, which fetches the file with the API's token.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, latestCallWith, type TestAgent } from '../relay/harness.ts';
import { answerAtOnce, recordingBytes } from '../simulators/http.ts';
import { type BandwidthCall, BandwidthSimulator, type TransferOutcome } from '../simulators/bandwidth.ts';
import { ContractRelay, Extension, heardThroughRelay, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const ACCOUNT_ID = '9900000';
const CLIENT_ID = 'bw-client-id';
const CLIENT_SECRET = 'bw-client-secret-for-tests';
const CALLBACK_USER = 'relay';
const CALLBACK_PASSWORD = 'callback-password-for-tests';
const APPLICATION_ID = '04e88489-df02-4e34-a0ee-27a91849555f';
const BANDWIDTH_NUMBER = '+19195551234';
const CUSTOMER = '+14155550100';
/** The credentials a transfer callback is sent with, as the relay's BXML gives them. */
const TAG_CREDENTIALS = `username="${CALLBACK_USER}" password="${CALLBACK_PASSWORD}"`;

let relay: ContractRelay;
let bandwidth: BandwidthSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  // The simulator first: the relay fetches recordings from Bandwidth's Voice API (with a token from its token URL), sent there.
  bandwidth = await BandwidthSimulator.start({
    accountId: ACCOUNT_ID,
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    applicationId: APPLICATION_ID,
    // The application's callback credentials, set in the Bandwidth App as the docs page says.
    callbackCreds: { userId: CALLBACK_USER, password: CALLBACK_PASSWORD },
    forward: (url) => relay.forward(url),
  });
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }], {
    PROVIDER_ORIGINS: `https://voice.bandwidth.com=${bandwidth.baseUrl},https://api.bandwidth.com=${bandwidth.baseUrl}`,
  }));
  config = { account_id: ACCOUNT_ID, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, application_id: APPLICATION_ID, callerid: BANDWIDTH_NUMBER, callback_username: CALLBACK_USER, callback_password: CALLBACK_PASSWORD };
  callbacks = (await relay.registerInstance(ada, 'bandwidth-main', 'bandwidth', config)).callbacks;
  // The engine's requests to Bandwidth's token and Voice hosts go to the simulator instead.
  extension = new Extension({ relay, instance: 'bandwidth-main', connector: 'bandwidth', config, callbacks, fetch: toSimulator(/^https:\/\/(voice|api)\.bandwidth\.com/, bandwidth.baseUrl) });
});

afterAll(async () => {
  await bandwidth?.close();
  await relay?.close();
});

describe('outbound call (click to call)', () => {
  it("transfers the agent to the customer, ends the call on the customer's transferComplete, and the disconnect gets its 204", async () => {
    // The agent's phone rings until the extension has reported the call: the report comes first.
    bandwidth.agentPhone = 'rings';
    const socket = await relay.connect(ada);

    const { placed, callId } = await extension.clickToCall(ada, CUSTOMER);
    bandwidth.agentPhone = 'answers';
    expect(callId).toMatch(/^c-/);
    expect(placed.record.call_status).toBe('queued');
    expect(placed.request!.headers.Authorization).toMatch(/^Bearer /);
    const call = bandwidth.calls.get(callId)!;
    bandwidth.pickUp(call);
    await call.done;

    expect([call.to, call.from]).toEqual([ada.number, BANDWIDTH_NUMBER]);
    const [answer, complete, disconnect] = call.exchanges;
    expect(answer).toMatchObject({ eventType: 'answer', url: `${callbacks.answer}?DialTo=%2B14155550100`, status: 200 });
    expect(answer!.contentType).toMatch(/xml/);
    expect(answer!.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Transfer transferCallerId="${BANDWIDTH_NUMBER}" transferCompleteUrl="${callbacks.status}" ${TAG_CREDENTIALS}><PhoneNumber>${CUSTOMER}</PhoneNumber></Transfer></Response>`,
    );
    expect(call.transferredTo).toEqual([CUSTOMER]);
    expect(complete).toMatchObject({ eventType: 'transferComplete', url: callbacks.status, event: { callId, cause: 'hangup', transferTo: CUSTOMER }, status: 200 });
    expect(complete!.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(disconnect).toMatchObject({ eventType: 'disconnect', url: callbacks.status, event: { cause: 'hangup' }, status: 204, contentType: null, body: '' });
    expect(call.exchanges).toHaveLength(3);
    expect(call.errors).toEqual([]);

    await socket.waitFor((c) => typeof c.events.at(-1)?.call.ended_at === 'string');
    const events = socket.events;
    // The disconnect after transferComplete only fills in the end time.
    expect(events.map((e) => [e.event, e.call.status])).toEqual([
      ['created', 'queued'],
      ['updated', 'in-progress'],
      ['updated', 'completed'],
      ['updated', 'completed'],
    ]);
    expect(events.every((e) => e.call.call_id === callId)).toBe(true);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({ instance_id: 'bandwidth-main', call_id: callId, direction: 'outbound', status: 'completed', status_raw: 'hangup', to_number: CUSTOMER, from_number: BANDWIDTH_NUMBER, user_number: ada.number });
    await socket.close();
  });

  // Every cause the Disconnect webhook page lists ends a call whose agent's phone did not answer;
  // the platform's own errors as failed, and so does a cause added after the page was read (it
  // warns that more may come).
  it.each([
    ['busy', 'busy'],
    ['timeout', 'no-answer'],
    ['cancel', 'canceled'],
    ['rejected', 'failed'],
    ['application-error', 'failed'],
    ['account-limit', 'failed'],
    ['node-capacity-exceeded', 'failed'],
    ['error', 'failed'],
    ['unknown', 'failed'],
    ['later-cause', 'failed'],
  ] as const)('ends a call whose disconnect cause is %s as %s, keeping the cause', async (cause, status) => {
    bandwidth.legOutcome = { answer: false, cause };
    const placed = await extension.place(ada, '+14155550177');
    bandwidth.legOutcome = { answer: true };
    expect(placed.ok, placed.error).toBe(true);
    await bandwidth.calls.get(placed.record.call_id!)!.done;
    const calls = await api(relay, ada.token, 'GET', '/calls?limit=200');
    expect(calls.body.calls.find((c: { call_id: string }) => c.call_id === placed.record.call_id)).toMatchObject({ status, status_raw: cause });
  });

  // The agent's leg ends "hangup" whatever the customer did: transferComplete's cause is the call's.
  it.each([
    ['busy', 'busy'],
    ['timeout', 'no-answer'],
    ['rejected', 'failed'],
    ['later-cause', 'failed'],
  ] as const)('logs a call whose customer ended the transfer with %s as %s, not completed', async (cause, status) => {
    bandwidth.transferOutcome = { answer: false, cause };
    const placed = await extension.place(ada, '+14155550178');
    bandwidth.transferOutcome = { answer: true, talkSeconds: 42 };
    expect(placed.ok, placed.error).toBe(true);
    const call = bandwidth.calls.get(placed.record.call_id!)!;
    await call.done;
    expect(call.exchanges.map((e) => [e.eventType, e.event.cause])).toEqual([
      ['answer', undefined],
      ['transferComplete', cause],
      ['disconnect', 'hangup'],
    ]);
    const calls = await api(relay, ada.token, 'GET', '/calls?limit=200');
    const stored = calls.body.calls.find((c: { call_id: string }) => c.call_id === placed.record.call_id);
    expect(stored).toMatchObject({ status, status_raw: cause, ended_at: expect.any(String) });
  });

  it.each([
    ['an unknown application', { application_id: 'nope' }, 'Invalid applicationId: application not found'],
    // Bandwidth's Voice errors page: 401 "when the specified user does not have access to the account".
    ['an account the credential has no access to', { account_id: '9900001' }, 'The credentials provided were invalid'],
  ])("shows Bandwidth's error for %s and places no call", async (_case, override, error) => {
    const before = bandwidth.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, ...override } });
    expect(placed).toMatchObject({ ok: false, error });
    expect(bandwidth.calls.size).toBe(before);
  });

  it('says the token request failed when the client secret is wrong', async () => {
    const before = bandwidth.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, client_secret: 'wrong' } });
    expect(placed).toMatchObject({ ok: false, error: 'the token request to api.bandwidth.com answered HTTP 401: {"error":"invalid_client"}' });
    expect(bandwidth.calls.size).toBe(before);
  });
});

describe("ending a placed call (the card's Cancel and Hang up)", () => {
  afterEach(() => answerAtOnce(bandwidth));

  it("cancels a call while the agent's phone rings: Bandwidth ends it unanswered (cause cancel), never asks to bridge the customer, and the agent sees it canceled", async () => {
    bandwidth.agentPhone = 'rings';
    const socket = await relay.connect(ada);
    const { callId } = await extension.clickToCall(ada, '+14155550160');
    const call = bandwidth.calls.get(callId)!;
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === callId && e.call.status === 'queued'));
    expect(call.ringing).toBeDefined();

    const ended = await extension.hangUp(ada, callId);
    expect(ended).toMatchObject({ ok: true });
    expect(ended.request).toMatchObject({
      method: 'POST',
      url: `https://voice.bandwidth.com/api/v2/accounts/${ACCOUNT_ID}/calls/${callId}`,
      headers: { Authorization: expect.stringMatching(/^Bearer /), 'Content-Type': 'application/json' },
      body: '{"state":"completed"}',
    });
    expect(bandwidth.updates).toContainEqual({ callId, body: { state: 'completed' } });
    await call.done;
    // Nobody answered: no answer event, so no <Transfer> to the customer; one disconnect, 204.
    expect(call.exchanges.map((e) => [e.eventType, e.event.cause, e.status])).toEqual([['disconnect', 'cancel', 204]]);
    expect(call.exchanges[0]!.event.answerTime).toBeUndefined();
    expect(call.transferredTo).toEqual([]);
    expect(call.errors).toEqual([]);

    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'canceled');
    expect(socket.events.filter((e) => e.call.call_id === callId).map((e) => e.call.status)).toEqual(['queued', 'canceled']);
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550160')).body.calls;
    expect(stored).toMatchObject({ call_id: callId, status: 'canceled', status_raw: 'cancel', ended_at: expect.any(String) });
    await socket.close();
  });

  it("hangs up a call in progress: the agent's leg ends (cause hangup) with no transferComplete, and the call is completed", async () => {
    bandwidth.agentPhone = 'rings';
    bandwidth.holdCalls = true;
    const socket = await relay.connect(ada);
    const { callId } = await extension.clickToCall(ada, '+14155550161');
    const call = bandwidth.calls.get(callId)!;
    bandwidth.pickUp(call);
    // Connected: the agent answered and the customer's phone was bridged.
    await vi.waitFor(() => expect(call.connected).toBeDefined(), { timeout: 20_000, interval: 20 });
    expect(call.transferredTo).toEqual(['+14155550161']);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === callId && e.call.status === 'in-progress'));

    expect(await extension.hangUp(ada, callId)).toMatchObject({ ok: true });
    await call.done;
    expect(call.exchanges.map((e) => [e.eventType, e.event.cause, e.status])).toEqual([
      ['answer', undefined, 200],
      ['disconnect', 'hangup', 204],
    ]);
    expect(call.exchanges[1]!.event.answerTime).toEqual(expect.any(String));
    expect(call.errors).toEqual([]);

    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550161')).body.calls;
    expect(stored).toMatchObject({ call_id: callId, status: 'completed', status_raw: 'hangup', ended_at: expect.any(String) });
    await socket.close();
  });

  it("shows Bandwidth's answer when the call is not one of the account's", async () => {
    const callId = `c-${crypto.randomUUID()}`;
    const ended = await extension.hangUp(ada, callId);
    expect(ended).toMatchObject({ ok: false, error: `Call [${callId}] not found` });
  });

  it.each([
    ['a wrong client secret', { client_secret: 'wrong' }, 'the token request to api.bandwidth.com answered HTTP 401: {"error":"invalid_client"}'],
    // Bandwidth's Voice errors page: 401 "when the specified user does not have access to the account".
    ['an account the credential has no access to', { account_id: '9900001' }, 'The credentials provided were invalid'],
  ])('is refused with %s, and the call goes on', async (_case, override, error) => {
    bandwidth.agentPhone = 'rings';
    const { callId } = await extension.clickToCall(ada, '+14155550162');
    const call = bandwidth.calls.get(callId)!;

    const ended = await extension.hangUp(ada, callId, { config: { ...config, ...override } });
    expect(ended).toMatchObject({ ok: false, error });
    expect(bandwidth.updates.map((u) => u.callId)).not.toContain(callId);
    // Still ringing: picked up, it goes on to its end as any other.
    expect(call.ringing).toBeDefined();
    bandwidth.pickUp(call);
    await call.done;
    expect(call.cause).toBe('hangup');
    expect(call.exchanges.map((e) => e.eventType)).toEqual(['answer', 'transferComplete', 'disconnect']);
  });
});

describe('inbound call (incoming popup)', () => {
  it("pops up for every agent, rings their phones at once, shows the call answered on the agent's transferAnswer, and takes the disconnect with 204", async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);

    const call = bandwidth.inboundCall({ initiateUrl: callbacks.incoming, statusUrl: callbacks.status, from: '+14155550199', to: BANDWIDTH_NUMBER });
    await call.done;

    const phone = (number: string) => `<PhoneNumber transferAnswerUrl="${callbacks.status}" ${TAG_CREDENTIALS}>${number}</PhoneNumber>`;
    expect(call.exchanges[0]).toMatchObject({ eventType: 'initiate', status: 200 });
    expect(call.exchanges[0]!.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Transfer transferCompleteUrl="${callbacks.status}" ${TAG_CREDENTIALS}>${phone(ada.number)}${phone(bob.number)}</Transfer></Response>`,
    );
    expect(call.transferredTo).toEqual([ada.number, bob.number]);
    expect(call.exchanges.slice(1).map((e) => [e.eventType, e.status, e.body])).toEqual([
      ['transferAnswer', 200, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'],
      ['transferComplete', 200, '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'],
      ['disconnect', 204, ''],
    ]);
    expect(call.exchanges[1]!.event).toMatchObject({ parentCallId: call.callId, transferTo: ada.number });
    expect(call.errors).toEqual([]);
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => typeof c.events.at(-1)?.call.ended_at === 'string');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.callId, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: BANDWIDTH_NUMBER } });
      expect(socket.events.map((e) => [e.call.call_id, e.call.status])).toEqual([
        [call.callId, 'ringing'],
        [call.callId, 'in-progress'],
        [call.callId, 'completed'],
        [call.callId, 'completed'],
      ]);
    }
    // The agent's leg is no call of its own; its transferTo names who took the call.
    const stored = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550199')).body.calls;
    expect(stored).toHaveLength(1);
    expect(stored[0].extra).toMatchObject({ answered_by: ada.number });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('logs an incoming call no agent answered as a missed call (no-answer), not completed', async () => {
    bandwidth.transferOutcome = { answer: false, cause: 'timeout' };
    const call = bandwidth.inboundCall({ initiateUrl: callbacks.incoming, statusUrl: callbacks.status, from: '+14155550198', to: BANDWIDTH_NUMBER });
    bandwidth.transferOutcome = { answer: true, talkSeconds: 42 };
    await call.done;
    expect(call.exchanges.map((e) => [e.eventType, e.event.cause])).toEqual([
      ['initiate', undefined],
      ['transferComplete', 'timeout'],
      ['disconnect', 'hangup'],
    ]);
    const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550198')).body.calls;
    expect(stored).toMatchObject({ call_id: call.callId, direction: 'inbound', status: 'no-answer', status_raw: 'timeout' });
  });

  it('refuses callbacks without the callback credentials with 403, storing nothing', async () => {
    for (const authorization of [undefined, `Basic ${btoa(`${CALLBACK_USER}:guess`)}`, `Bearer ${CALLBACK_PASSWORD}`]) {
      const callId = `c-${crypto.randomUUID()}`;
      const response = await fetch(relay.forward(callbacks.incoming), {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(authorization ? { Authorization: authorization } : {}) },
        body: JSON.stringify({ eventType: 'initiate', callId, from: '+14155550144', to: BANDWIDTH_NUMBER, direction: 'inbound' }),
      });
      expect(response.status).toBe(403);
      const calls = await api(relay, ada.token, 'GET', '/calls?limit=200');
      expect(calls.body.calls.map((c: { call_id: string }) => c.call_id)).not.toContain(callId);
    }
  });

  it('rings only the agent whose number was called', async () => {
    const call = bandwidth.inboundCall({ initiateUrl: callbacks.incoming, statusUrl: callbacks.status, from: '+14155550188', to: bob.number });
    await call.done;
    expect(call.transferredTo).toEqual([bob.number]);
    expect((await api(relay, ada.token, 'GET', '/calls?number=%2B14155550188')).body.calls).toEqual([]);
  });
});

describe('an incoming call for more agents than a <Transfer> takes', () => {
  // Bandwidth's <Transfer> takes at most 8 numbers and fails the call past them (invalid-bxml).
  const team = Array.from({ length: 9 }, (_, i) => ({ name: `Agent ${i + 1}`, number: `+1415555020${i}` }));
  let teamRelay: ContractRelay;
  let teamBandwidth: BandwidthSimulator;
  let agents: TestAgent[];
  let teamCallbacks: RelayCallbacks;

  beforeAll(async () => {
    ({ relay: teamRelay, agents } = await ContractRelay.start(PUBLIC_URL, team));
    teamBandwidth = await BandwidthSimulator.start({ accountId: ACCOUNT_ID, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, applicationId: APPLICATION_ID, callbackCreds: { userId: CALLBACK_USER, password: CALLBACK_PASSWORD }, forward: teamRelay.forward });
    teamCallbacks = (await teamRelay.registerInstance(agents[0]!, 'bandwidth-team', 'bandwidth', config)).callbacks;
  });

  afterAll(async () => {
    await teamBandwidth?.close();
    await teamRelay?.close();
  });

  it('rings the 8 agents added first, and every agent sees the call', async () => {
    const call = teamBandwidth.inboundCall({ initiateUrl: teamCallbacks.incoming, statusUrl: teamCallbacks.status, from: '+14155550166', to: BANDWIDTH_NUMBER });
    await call.done;
    expect(call.errors).toEqual([]);
    expect(call.transferredTo).toEqual(team.slice(0, 8).map((agent) => agent.number));
    expect(call.exchanges.at(-1)).toMatchObject({ eventType: 'disconnect', status: 204 });
    const ninth = (await api(teamRelay, agents[8]!.token, 'GET', '/calls?number=%2B14155550166')).body.calls;
    expect(ninth).toEqual([expect.objectContaining({ call_id: call.callId, direction: 'inbound', status: 'completed', status_raw: 'hangup' })]);
  });
});

/** A Bandwidth instance of Ada's with these settings besides the account's: its callback URLs, and the extension placing calls through it. */
async function bandwidthInstance(id: string, settings: Record<string, string>) {
  const registered = await relay.registerInstance(ada, id, 'bandwidth', { ...config, ...settings });
  expect(registered.warnings).toEqual([]);
  const urls = registered.callbacks;
  const placing = new Extension({ relay, instance: id, connector: 'bandwidth', config: { ...config, ...settings }, callbacks: urls, fetch: toSimulator(/^https:\/\/(voice|api)\.bandwidth\.com/, bandwidth.baseUrl) });
  return { urls, placing };
}

/** An incoming call from `from` to the Bandwidth number through an instance's application, its transfer ending as `outcome` says. */
function inboundThrough(urls: RelayCallbacks, outcome: TransferOutcome, from: string): BandwidthCall {
  bandwidth.transferOutcome = outcome;
  try {
    return bandwidth.inboundCall({ initiateUrl: urls.incoming, statusUrl: urls.status, from, to: BANDWIDTH_NUMBER });
  } finally {
    bandwidth.transferOutcome = { answer: true, talkSeconds: 42 };
  }
}

/** The status URL with the marks a reply adds to it (`CallId`, `Voicemail`, `Recording`), as it appears in an XML attribute. */
const marked = (urls: RelayCallbacks, marks: Record<string, string>) => `${urls.status}?${new URLSearchParams(marks).toString().replaceAll('&', '&amp;')}`;

/** The greeting and the `<Record>` that takes a caller's message, for the call `callId`. */
const voicemailXml = (urls: RelayCallbacks, callId: string, greeting: string) =>
  `<SpeakSentence>${greeting}</SpeakSentence><Record recordCompleteUrl="${marked(urls, { CallId: callId, Voicemail: 'ended' })}" recordingAvailableUrl="${marked(urls, { CallId: callId, Recording: 'ready' })}" maxDuration="120" fileFormat="mp3" ${TAG_CREDENTIALS}/>`;

/** The `<StartRecording>` answered to the transferAnswer of the leg that picked up, for the call `callId`. */
const startRecordingXml = (urls: RelayCallbacks, callId: string) => `<StartRecording recordingAvailableUrl="${marked(urls, { CallId: callId, Recording: 'ready' })}" fileFormat="mp3" ${TAG_CREDENTIALS}/>`;

const BXML = (body: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${body}</Response>`;

/** The incoming call's `<Transfer>` to Ada and Bob, as an instance with these URLs answers it. */
const transferXml = (urls: RelayCallbacks) => {
  const phone = (number: string) => `<PhoneNumber transferAnswerUrl="${urls.status}" ${TAG_CREDENTIALS}>${number}</PhoneNumber>`;
  return `<Transfer transferCompleteUrl="${urls.status}" ${TAG_CREDENTIALS}>${phone(ada.number)}${phone(bob.number)}</Transfer>`;
};

/** The stored call of the latest call with `number`, as an agent's call list shows it (Bob's: an incoming call to the team). */
const storedCall = (number: string, agent: TestAgent = bob) => latestCallWith(relay, agent, number);

describe('voicemail (an incoming call nobody took)', () => {
  const greeting = 'Nobody is free right now. Please leave a message.';
  let voicemail: Awaited<ReturnType<typeof bandwidthInstance>>;
  beforeAll(async () => {
    voicemail = await bandwidthInstance('bandwidth-voicemail', { voicemail_greeting: greeting });
  });

  it("says the greeting, records the caller's message and gives the missed call its recording, pushed to the agent", async () => {
    const bobSocket = await relay.connect(bob);
    const call = inboundThrough(voicemail.urls, { answer: false, cause: 'timeout', message: 41 }, '+14155550144');
    await call.done;

    // The caller hung up after the message: no recordComplete, the file once the call is over.
    expect(call.exchanges.map((e) => [e.eventType, e.status])).toEqual([
      ['initiate', 200],
      ['transferComplete', 200],
      ['disconnect', 204],
      ['recordingAvailable', 204],
    ]);
    expect(call.exchanges[1]!.body).toBe(BXML(voicemailXml(voicemail.urls, call.callId, greeting)));
    expect(call.said).toEqual([greeting]);
    const [recording] = call.recordings;
    expect(recording).toMatchObject({ callId: call.callId, seconds: 41 });
    expect(call.exchanges[3]!.event).toMatchObject({ duration: 'PT41S', mediaUrl: recording!.mediaUrl });
    expect(call.errors).toEqual([]);

    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.callId && e.call.extra.provider_recording_url === recording!.mediaUrl));
    await bobSocket.close();
    const stored = await storedCall('+14155550144');
    expect(stored).toMatchObject({ call_id: call.callId, direction: 'inbound', status: 'no-answer', status_raw: 'timeout', ...heardThroughRelay(PUBLIC_URL, call.callId, recording!.mediaUrl) });
    // PT41S: the toolbar's "Voicemail 0:41".
    expect(stored.extra.recording_duration).toBe('41');
  });

  it('ends the call with <Hangup/> once the caller presses # (recordComplete), and still gives it the message', async () => {
    const call = inboundThrough(voicemail.urls, { answer: false, cause: 'busy', message: 12, endsMessage: 'key' }, '+14155550143');
    await call.done;
    expect(call.exchanges.map((e) => [e.eventType, e.status])).toEqual([
      ['initiate', 200],
      ['transferComplete', 200],
      ['recordComplete', 200],
      ['disconnect', 204],
      ['recordingAvailable', 204],
    ]);
    expect(call.exchanges[2]!.body).toBe(BXML('<Hangup/>'));
    expect(call.errors).toEqual([]);
    expect(await storedCall('+14155550143')).toMatchObject({ call_id: call.callId, status: 'busy', ...heardThroughRelay(PUBLIC_URL, call.callId, call.recordings[0]!.mediaUrl) });
  });

  it('leaves a caller who hangs up at the beep a plain missed call, with no recording', async () => {
    const call = inboundThrough(voicemail.urls, { answer: false, cause: 'rejected' }, '+14155550145');
    await call.done;
    expect(call.said).toEqual([greeting]);
    // Bandwidth's file of PT0S (if it sends one) is no voicemail.
    expect(call.exchanges.at(-1)).toMatchObject({ eventType: 'recordingAvailable', status: 204, event: { duration: 'PT0S' } });
    expect(call.errors).toEqual([]);
    const stored = await storedCall('+14155550145');
    expect(stored).toMatchObject({ call_id: call.callId, status: 'failed', status_raw: 'rejected', recording_url: null });
    expect(stored.extra.provider_recording_url).toBeUndefined();
  });

  it('asks no message of a click-to-call customer who did not answer', async () => {
    bandwidth.transferOutcome = { answer: false, cause: 'timeout', message: 30 };
    const { callId } = await voicemail.placing.clickToCall(ada, '+14155550146');
    bandwidth.transferOutcome = { answer: true, talkSeconds: 42 };
    const simulated = bandwidth.calls.get(callId)!;
    await simulated.done;
    const complete = simulated.exchanges.find((e) => e.eventType === 'transferComplete')!;
    expect(complete.event).toMatchObject({ direction: 'outbound', cause: 'timeout' });
    expect(complete.body).toBe(BXML(''));
    expect([simulated.said, simulated.recordings, simulated.errors]).toEqual([[], [], []]);
    expect(await storedCall('+14155550146', ada)).toMatchObject({ call_id: callId, status: 'no-answer', recording_url: null });
  });
});

describe('everyone away (callers go straight to voicemail, the box ticked)', () => {
  const greeting = 'We are closed for the day. Please leave a message.';
  const setAway = async (isAway: boolean) => {
    for (const agent of [ada, bob]) expect((await api(relay, agent.token, 'PATCH', '/me', { away: isAway })).status).toBe(200);
  };

  it('rings no phone, says the greeting, records the message and counts the call missed from the start', async () => {
    const away = await bandwidthInstance('bandwidth-away', { voicemail_greeting: greeting, away_voicemail: 'true' });
    // The agents' popup can tell that, while everyone is away, this instance's calls ring nobody.
    expect((await api(relay, ada.token, 'GET', '/instances/bandwidth-away')).body).toMatchObject({ away_voicemail: true });
    expect((await api(relay, ada.token, 'GET', '/instances/bandwidth-main')).body).toMatchObject({ away_voicemail: false });
    await setAway(true);
    try {
      const call = inboundThrough(away.urls, { answer: false, cause: 'timeout', message: 17 }, '+14155550148');
      await call.done;
      expect(call.exchanges[0]!.body).toBe(BXML(voicemailXml(away.urls, call.callId, greeting)));
      expect(call.exchanges.map((e) => [e.eventType, e.status])).toEqual([
        ['initiate', 200],
        ['disconnect', 204],
        ['recordingAvailable', 204],
      ]);
      expect([call.transferredTo, call.said, call.errors]).toEqual([[], [greeting], []]);
      const [recording] = call.recordings;
      expect(recording).toMatchObject({ seconds: 17 });
      const stored = await storedCall('+14155550148');
      expect(stored).toMatchObject({ call_id: call.callId, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.callId, recording!.mediaUrl) });
      expect(stored.extra).toMatchObject({ all_away: 'true' });
    } finally {
      await setAway(false);
    }
  });

  it('rings the agents as before with the box unticked, or with no greeting', async () => {
    const unticked = await bandwidthInstance('bandwidth-away-unticked', { voicemail_greeting: greeting });
    const silent = await bandwidthInstance('bandwidth-away-silent', { away_voicemail: 'true' });
    for (const id of ['bandwidth-away-unticked', 'bandwidth-away-silent']) expect((await api(relay, ada.token, 'GET', `/instances/${id}`)).body).toMatchObject({ away_voicemail: false });
    await setAway(true);
    try {
      for (const [urls, from] of [[unticked.urls, '+14155550149'], [silent.urls, '+14155550150']] as const) {
        const call = inboundThrough(urls, { answer: true, talkSeconds: 42 }, from);
        await call.done;
        // Every agent away: the team's call rings them all.
        expect(call.exchanges[0]!.body).toBe(BXML(transferXml(urls)));
        expect([call.transferredTo, call.said, call.errors]).toEqual([[ada.number, bob.number], [], []]);
        expect(await storedCall(from)).toMatchObject({ call_id: call.callId, status: 'completed' });
      }
    } finally {
      await setAway(false);
    }
  });
});

describe('call recording (Record calls ticked)', () => {
  let recording: Awaited<ReturnType<typeof bandwidthInstance>>;
  beforeAll(async () => {
    recording = await bandwidthInstance('bandwidth-recording', { record_calls: 'true' });
  });

  it("records an incoming call's talk from the agent's answer (transferAnswer) and gives the call its recording", async () => {
    const call = inboundThrough(recording.urls, { answer: true, talkSeconds: 42 }, '+14155550151');
    await call.done;
    expect(call.exchanges[0]!.body).toBe(BXML(transferXml(recording.urls)));
    expect(call.exchanges.map((e) => [e.eventType, e.status])).toEqual([
      ['initiate', 200],
      ['transferAnswer', 200],
      ['transferComplete', 200],
      ['disconnect', 204],
      ['recordingAvailable', 204],
    ]);
    expect(call.exchanges[1]!.body).toBe(BXML(startRecordingXml(recording.urls, call.callId)));
    // Made on the agent's leg, which the recording's event names in callId: the URL's CallId is the call.
    const [made] = call.recordings;
    expect(made).toMatchObject({ callId: call.exchanges[1]!.event.callId, seconds: 42 });
    expect(call.errors).toEqual([]);
    const stored = await storedCall('+14155550151');
    expect(stored).toMatchObject({ call_id: call.callId, status: 'completed', ...heardThroughRelay(PUBLIC_URL, call.callId, made!.mediaUrl) });
    expect(stored.extra).toMatchObject({ answered_by: ada.number });
  });

  it("records a click to call's talk from the customer's answer and gives the call its recording", async () => {
    const { callId } = await recording.placing.clickToCall(ada, '+14155550152');
    const simulated = bandwidth.calls.get(callId)!;
    await simulated.done;
    const answer = simulated.exchanges.find((e) => e.eventType === 'answer')!;
    expect(answer.body).toBe(
      BXML(`<Transfer transferCallerId="${BANDWIDTH_NUMBER}" transferCompleteUrl="${recording.urls.status}" ${TAG_CREDENTIALS}><PhoneNumber transferAnswerUrl="${recording.urls.status}" ${TAG_CREDENTIALS}>+14155550152</PhoneNumber></Transfer>`),
    );
    expect(simulated.exchanges.find((e) => e.eventType === 'transferAnswer')!.body).toBe(BXML(startRecordingXml(recording.urls, callId)));
    const [made] = simulated.recordings;
    expect(made).toMatchObject({ seconds: 42 });
    expect(simulated.exchanges.at(-1)).toMatchObject({ eventType: 'recordingAvailable', status: 204 });
    expect(simulated.errors).toEqual([]);
    expect(await storedCall('+14155550152', ada)).toMatchObject({ call_id: callId, direction: 'outbound', status: 'completed', ...heardThroughRelay(PUBLIC_URL, callId, made!.mediaUrl) });
  });

  it('records nothing when nobody answers', async () => {
    const call = inboundThrough(recording.urls, { answer: false, cause: 'timeout' }, '+14155550153');
    await call.done;
    expect(call.recordings).toEqual([]);
    expect(call.exchanges.map((e) => e.eventType)).not.toContain('recordingAvailable');
    expect(await storedCall('+14155550153')).toMatchObject({ call_id: call.callId, status: 'no-answer', recording_url: null });
  });

  it("plays the recording through the relay's link, which fetches the file from the Voice API with the account's OAuth token, and with a new one once Bandwidth refuses it", async () => {
    const call = inboundThrough(recording.urls, { answer: true, talkSeconds: 9 }, '+14155550154');
    await call.done;
    const [made] = call.recordings;
    const stored = await storedCall('+14155550154');
    expect(stored).toMatchObject(heardThroughRelay(PUBLIC_URL, call.callId, made!.mediaUrl));
    const before = bandwidth.mediaFetches.length;
    const played = await fetch(relay.forward(stored.recording_url));
    expect([played.status, played.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(Buffer.from(await played.arrayBuffer()).equals(recordingBytes(made!.recordingId, 9))).toBe(true);
    // The simulator serves the file only for a token it issued: the relay asked the token URL for one.
    expect(bandwidth.mediaFetches.slice(before)).toEqual([{ recordingId: made!.recordingId, authorization: expect.stringMatching(/^Bearer /) }]);

    // The token Bandwidth gave is refused now (expired early, or the credential rotated): the relay asks for a new one, once, and the link still plays.
    bandwidth.revokeTokens();
    const tokenRequests = bandwidth.tokenRequests;
    const again = await fetch(relay.forward(stored.recording_url));
    expect(again.status).toBe(200);
    expect(Buffer.from(await again.arrayBuffer()).equals(recordingBytes(made!.recordingId, 9))).toBe(true);
    expect(bandwidth.tokenRequests).toBe(tokenRequests + 1);
    const [refused, retried] = bandwidth.mediaFetches.slice(before + 1);
    expect(refused!.authorization).toBe(bandwidth.mediaFetches[before]!.authorization);
    expect(retried!.authorization).toMatch(/^Bearer /);
    expect(retried!.authorization).not.toBe(refused!.authorization);
  });
});
