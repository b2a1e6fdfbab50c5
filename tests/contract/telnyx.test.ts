/**
 * connectors/telnyx.xml against the Telnyx TeXML simulator, through a real relay process:
 * click to call (create call -> answer -> status -> completed), ending a placed call (the
 * card's Cancel and Hang up), an incoming call that rings the agents, and webhooks whose Ed25519
 * signature is forged, stale or for another body.
 */
import { generateKeyPairSync } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { api, type CallEvent, type TestAgent } from '../relay/harness.ts';
import { answerAtOnce, recordingBytes } from '../simulators/http.ts';
import { MEDIA_ORIGIN, newCallSid, TelnyxSimulator, type TexmlCall } from '../simulators/telnyx.ts';
import { ANSWERED_OUTBOUND_WEBHOOKS } from '../simulators/twilio.ts';
import { ContractRelay, Extension, expectOneCallStream, heardThroughRelay, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test/pc';
const API_KEY = 'KEY0123456789ABCDEF_tests';
const ACCOUNT_SID = 'f5586561-8ff0-4291-a51b-c7dfe4139ff9';
const APPLICATION_SID = '1293384261075731499';
const TELNYX_NUMBER = '+13120001234';
const CUSTOMER = '+14155550100';
/** A number behind a switchboard: called at its main number, then extension 204 is keyed in. */
const SWITCHBOARD = '+14155550123';

let relay: ContractRelay;
let telnyx: TelnyxSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  // The simulator first: the relay sends its requests to Telnyx's API (a call's recording) there.
  telnyx = await TelnyxSimulator.start({ apiKey: API_KEY, accountSid: ACCOUNT_SID, applicationSid: APPLICATION_SID, forward: (url) => relay.forward(url) });
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+14155550111' }, { name: 'Bob', number: '+14155550122' }], { PROVIDER_ORIGINS: `https://api.telnyx.com=${telnyx.baseUrl}` }));
  config = { api_key: API_KEY, account_sid: ACCOUNT_SID, application_sid: APPLICATION_SID, callerid: TELNYX_NUMBER, public_key: telnyx.publicKey };
  callbacks = (await relay.registerInstance(ada, 'telnyx-main', 'telnyx', config)).callbacks;
  extension = new Extension({ relay, instance: 'telnyx-main', connector: 'telnyx', config, callbacks, fetch: toSimulator('https://api.telnyx.com', telnyx.baseUrl) });
});

afterAll(async () => {
  await telnyx?.close();
  await relay?.close();
});

describe('outbound call (click to call)', () => {
  it('bridges the agent to the customer and pushes each change to the agent', async () => {
    const socket = await relay.connect(ada);

    const { placed, callId: sid } = await extension.clickToCall(ada, CUSTOMER);
    expect(JSON.parse(placed.request!.body!)).toMatchObject({ ApplicationSid: APPLICATION_SID, To: ada.number, From: TELNYX_NUMBER, StatusCallbackEvent: 'initiated ringing answered completed' });
    expect(sid).toMatch(/^v3:/);
    const call = telnyx.calls.get(sid)!;
    await call.done;

    expect([call.to, call.from]).toEqual([ada.number, TELNYX_NUMBER]);
    const voice = call.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550100`);
    expect(voice.contentType).toMatch(/^text\/xml/);
    expect(voice.reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number>${CUSTOMER}</Number></Dial></Response>`);
    expect(call.dialed).toEqual([CUSTOMER]);
    expect(call.errors).toEqual([]);
    expect(call.exchanges.map((e) => [e.kind, e.params.CallStatus, e.status])).toEqual(ANSWERED_OUTBOUND_WEBHOOKS.map(([kind, status]) => [kind, status, 200]));

    await expectOneCallStream(socket, sid);

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({ instance_id: 'telnyx-main', call_id: sid, direction: 'outbound', status: 'completed', to_number: CUSTOMER, from_number: TELNYX_NUMBER, user_number: ada.number, duration: 42 });
    // 42 s: the customer's talk time (the <Dial action>'s DialCallDuration), not the agent's whole leg (47 s).
    // The call's times are StartTime and EndTime, not Timestamp (when the webhook was generated, later).
    const completed = call.exchanges.find((e) => e.kind === 'status' && e.params.CallStatus === 'completed')!.params;
    expect(Date.parse(completed.Timestamp!)).toBeGreaterThan(Date.parse(completed.EndTime!));
    expect(calls.body.calls[0]).toMatchObject({ started_at: new Date(completed.StartTime!).toISOString(), ended_at: new Date(completed.EndTime!).toISOString() });
    await socket.close();
  });

  it("keys in the extension of a number behind a switchboard once the customer's line answers", async () => {
    const { callId: sid } = await extension.clickToCall(ada, { number: SWITCHBOARD, extension: '204' });
    const call = telnyx.calls.get(sid)!;
    await call.done;
    const voice = call.exchanges.find((e) => e.kind === 'voice')!;
    expect(voice.url).toBe(`${callbacks.answer}?DialTo=%2B14155550123&DialExt=204`);
    expect(voice.reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}"><Number sendDigits="ww204">${SWITCHBOARD}</Number></Dial></Response>`);
    expect([call.dialed, call.sentDigits, call.errors]).toEqual([[SWITCHBOARD], ['ww204'], []]);
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(SWITCHBOARD)}`)).body.calls;
    expect(stored).toMatchObject({ call_id: sid, to_number: SWITCHBOARD, extra: { to_extension: '204' } });
  });

  it('records a customer who was busy as busy, though the agent\'s call then completes', async () => {
    telnyx.dialOutcome = { answer: false, status: 'busy' };
    const { callId: sid } = await extension.clickToCall(ada, '+14155550178');
    const call = telnyx.calls.get(sid)!;
    await call.done;
    telnyx.dialOutcome = { answer: true, talkSeconds: 42 };
    expect(call.exchanges.find((e) => e.kind === 'status' && e.params.CallStatus === 'completed')).toBeDefined();
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550178')).body.calls;
    expect(stored).toMatchObject({ call_id: sid, status: 'busy', status_raw: 'busy', duration: 0 });
  });

  it.each([
    ['a wrong API key', { api_key: 'KEY-wrong' }, 'The required authentication headers were either invalid or not included in the request.'],
    ['an unknown TeXML Application', { application_sid: '42' }, 'ApplicationSid does not exist.'],
  ])("shows Telnyx's error for %s and places no call", async (_case, override, error) => {
    const before = telnyx.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, ...override } });
    expect(placed).toMatchObject({ ok: false, error });
    expect(telnyx.calls.size).toBe(before);
  });
});

describe("ending a placed call (the card's Cancel and Hang up)", () => {
  afterEach(() => answerAtOnce(telnyx));

  it("cancels a call while the agent's phone rings: Telnyx ends it unbridged and the agent sees it canceled", async () => {
    telnyx.agentPhone = 'rings';
    const socket = await relay.connect(ada);
    const { callId: sid } = await extension.clickToCall(ada, '+14155550161');
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === sid && e.call.status === 'ringing'));

    const ended = await extension.hangUp(ada, sid);
    expect(ended).toMatchObject({ ok: true });
    // The CallSid goes in the path as Telnyx's SDKs send it, its colon as it is.
    expect(ended.request).toMatchObject({ method: 'POST', url: `https://api.telnyx.com/v2/texml/Accounts/${ACCOUNT_SID}/Calls/${sid}`, body: 'Status=completed' });
    expect(ended.request!.headers).toMatchObject({ 'Content-Type': 'application/x-www-form-urlencoded' });
    expect(telnyx.updates).toContainEqual({ sid, form: { Status: 'completed' } });
    const call = telnyx.calls.get(sid)!;
    await call.done;
    // Nobody answered: Telnyx never fetched the answer URL, so the customer was never dialled.
    expect(call.exchanges.map((e) => e.kind)).not.toContain('voice');
    expect(call.dialed).toEqual([]);
    expect(call.exchanges.at(-1)?.params).toMatchObject({ CallStatus: 'canceled', HangupCause: 'originator_cancel' });
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'canceled');
    expect(socket.events.every((e) => e.call.call_id === sid)).toBe(true);
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550161')).body.calls;
    expect(stored).toMatchObject({ call_id: sid, status: 'canceled', status_raw: 'canceled' });
    await socket.close();
  });

  it("hangs up a call in progress: the customer's leg ends (the <Dial action>), then the call, completed", async () => {
    telnyx.holdCalls = true;
    const socket = await relay.connect(ada);
    const { callId: sid } = await extension.clickToCall(ada, '+14155550162');
    const call = telnyx.calls.get(sid)!;
    // Connected: the agent answered and the customer's leg was dialled and answered.
    await vi.waitFor(() => expect(call.connected).toBeDefined(), { timeout: 20_000, interval: 20 });
    expect(call.dialed).toEqual(['+14155550162']);
    await socket.waitFor((c) => c.events.some((e) => e.call.call_id === sid && e.call.status === 'in-progress'));

    expect(await extension.hangUp(ada, sid)).toMatchObject({ ok: true });
    await call.done;
    expect(call.exchanges.map((e) => e.kind).slice(-2)).toEqual(['dial-action', 'status']);
    expect(call.exchanges.at(-1)?.params).toMatchObject({ CallStatus: 'completed', HangupSource: 'caller' });
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550162')).body.calls;
    expect(stored).toMatchObject({ call_id: sid, status: 'completed', duration: 42 });
    await socket.close();
  });

  it("shows Telnyx's answer when the call is not one of the account's", async () => {
    const ended = await extension.hangUp(ada, newCallSid());
    expect(ended).toMatchObject({ ok: false, error: 'The requested resource or URL could not be found.' });
  });

  it("shows Telnyx's answer when the call is already over", async () => {
    const { callId: sid } = await extension.clickToCall(ada, '+14155550163');
    await telnyx.calls.get(sid)!.done;
    const ended = await extension.hangUp(ada, sid);
    expect(ended).toMatchObject({ ok: false, error: "This call is no longer active and can't receive commands." });
  });

  it('is refused by Telnyx with a wrong API key, and the call goes on', async () => {
    telnyx.agentPhone = 'rings';
    const { callId: sid } = await extension.clickToCall(ada, '+14155550164');
    const ended = await extension.hangUp(ada, sid, { config: { ...config, api_key: 'KEY-wrong' } });
    expect(ended).toMatchObject({ ok: false, error: 'The required authentication headers were either invalid or not included in the request.' });
    expect(telnyx.updates.map((u) => u.sid)).not.toContain(sid);
    const call = telnyx.calls.get(sid)!;
    // Picked up: the call goes on to its end as any other.
    await vi.waitFor(() => expect(call.ringing).toBeDefined(), { timeout: 20_000, interval: 20 });
    telnyx.pickUp(call);
    await call.done;
    expect(call.status).toBe('completed');
    const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550164')).body.calls;
    expect(stored).toMatchObject({ call_id: sid, status: 'completed', duration: 42 });
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent, rings their phones, and shows the call answered while an agent talks', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);

    const call = telnyx.inboundCall({ url: callbacks.incoming, from: '+14155550199', to: TELNYX_NUMBER, statusCallback: callbacks.status });
    await call.done;

    // Telnyx answered the call to fetch its TeXML, so the fetch says in-progress; no agent has yet.
    expect(call.exchanges[0]).toMatchObject({ kind: 'voice', status: 200, params: { CallStatus: 'in-progress' } });
    // Each agent's <Number> asks for its leg's answered event alone, at the relay's status URL.
    const number = (n: string) => `<Number statusCallbackEvent="answered" statusCallback="${callbacks.status}">${n}</Number>`;
    // The <Dial action> is marked Incoming: nobody taking the call is a missed call, not a customer's busy line.
    expect(call.exchanges[0]!.reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${callbacks.status}?Incoming=true">${number(ada.number)}${number(bob.number)}</Dial></Response>`);
    expect(call.dialed).toEqual([ada.number, bob.number]);
    // Ada picks up; Bob's leg, hung up, sends nothing.
    const legs = call.exchanges.filter((e) => e.kind === 'number-status');
    expect(legs.map((e) => [e.params.To, e.params.CallStatus, e.params.ParentCallSid, e.status])).toEqual([[ada.number, 'in-progress', call.sid, 200]]);
    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      // The popup rings until an agent's leg answers, though the fetch said in-progress.
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sid, direction: 'inbound', status: 'ringing', from_number: '+14155550199', to_number: TELNYX_NUMBER } });
      // One call (Ada's leg is none of its own): ringing, answered by Ada, then ended.
      expect(socket.events.every((e) => e.call.call_id === call.sid)).toBe(true);
      const statuses = socket.events.map((e) => e.call.status);
      expect(statuses.filter((status, i) => status !== statuses[i - 1])).toEqual(['ringing', 'in-progress', 'completed']);
    }
    expect(await relay.storedCallIds(ada)).not.toContain(legs[0]!.params.CallSid);
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    // Ada's phone took it: her leg's answered event names her number in To.
    expect(view).toMatchObject({ call_id: call.sid, status: 'completed', duration: 30, extra: { answered_by: ada.number } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });
});

describe("the dialled legs' own events at the application's URL (undocumented, so simulated both ways)", () => {
  const withLegEvents = async <T>(run: () => Promise<T>): Promise<T> => {
    telnyx.legEventsToApplication = true;
    try {
      return await run();
    } finally {
      telnyx.legEventsToApplication = false;
    }
  };
  const statusesOf = (events: CallEvent[], sid: string) => events.filter((e) => e.call.call_id === sid).map((e) => e.call.status);

  it("never ends an incoming call on the leg of an agent who lost to another, and logs the call's own end", async () => {
    const socket = await relay.connect(bob);
    const call = await withLegEvents(async () => {
      const started = telnyx.inboundCall({ url: callbacks.incoming, from: '+14155550189', to: TELNYX_NUMBER, statusCallback: callbacks.status });
      await started.done;
      return started;
    });
    const legEvents = call.exchanges.filter((e) => e.kind === 'leg-status');
    expect(legEvents.map((e) => [e.params.To, e.params.CallStatus, e.status])).toEqual([
      [ada.number, 'initiated', 200],
      [ada.number, 'ringing', 200],
      [bob.number, 'initiated', 200],
      [bob.number, 'ringing', 200],
      [ada.number, 'in-progress', 200],
      [bob.number, 'canceled', 200],
      [ada.number, 'completed', 200],
    ]);
    await socket.waitFor((c) => statusesOf(c.events, call.sid).at(-1) === 'completed');
    // Bob's canceled leg came while Ada talked: the call stayed in progress, never canceled.
    const statuses = statusesOf(socket.events, call.sid);
    expect(statuses.filter((status, i) => status !== statuses[i - 1])).toEqual(['ringing', 'in-progress', 'completed']);
    const [view] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550189')).body.calls;
    expect(view).toMatchObject({ call_id: call.sid, status: 'completed', duration: 30 });
    await socket.close();
  });

  it.each([
    [{ answer: false, status: 'busy' } as const, { status: 'busy', duration: 0 }],
    [{ answer: true, talkSeconds: 42 } as const, { status: 'completed', duration: 42 }],
  ])("ends a click to call as the customer's leg did (%o), with the talk time", async (outcome, expected) => {
    telnyx.dialOutcome = outcome;
    const call = await withLegEvents(async () => {
      const { callId: sid } = await extension.clickToCall(ada, '+14155550191');
      await telnyx.calls.get(sid)!.done;
      return telnyx.calls.get(sid)!;
    }).finally(() => {
      telnyx.dialOutcome = { answer: true, talkSeconds: 42 };
    });
    const sid = call.sid;
    expect(call.exchanges.filter((e) => e.kind === 'leg-status').at(-1)?.params).toMatchObject({ ParentCallSid: sid, CallStatus: expected.status });
    const [stored] = (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent('+14155550191')}&limit=1`)).body.calls;
    expect(stored).toMatchObject({ call_id: sid, ...expected });
  });
});

describe('voicemail (an incoming call nobody took)', () => {
  const GREETING = 'Nobody is free right now. Please leave a message.';
  let voicemail: RelayCallbacks;
  let voicemailExtension: Extension;

  beforeAll(async () => {
    voicemail = (await relay.registerInstance(ada, 'telnyx-voicemail', 'telnyx', { ...config, voicemail_greeting: GREETING })).callbacks;
    voicemailExtension = new Extension({ relay, instance: 'telnyx-voicemail', connector: 'telnyx', config: { ...config, voicemail_greeting: GREETING }, callbacks: voicemail, fetch: toSimulator('https://api.telnyx.com', telnyx.baseUrl) });
  });

  it("says the greeting, records the caller's message and gives the missed call its recording, pushed to the agent", async () => {
    const bobSocket = await relay.connect(bob);
    const call = telnyx.inboundCall({ url: voicemail.incoming, from: '+14155550144', to: TELNYX_NUMBER, statusCallback: voicemail.status, dial: { answer: false, status: 'no-answer', message: 41 } });
    await call.done;

    const dialAction = call.exchanges.find((e) => e.kind === 'dial-action')!;
    expect(dialAction.url).toBe(`${voicemail.status}?Incoming=true`);
    const recordingCallback = `${voicemail.status}?Recording=file`;
    expect(dialAction.reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${GREETING}</Say><Record action="${voicemail.status}?Voicemail=ended" maxLength="120" recordingStatusCallback="${recordingCallback}"/></Response>`);
    expect([call.said, call.errors]).toEqual([[GREETING], []]);
    const [recording] = call.recordings;
    expect(recording).toMatchObject({ seconds: 41 });
    // The <Record action> gets the call's end (<Hangup/>), the recording's callback nothing to say.
    const record = call.exchanges.filter((e) => e.kind === 'record-action' || e.kind === 'recording-status');
    expect(record.map((e) => [e.kind, e.status, e.reply])).toEqual([
      ['record-action', 200, '<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>'],
      ['recording-status', 200, expect.any(String)],
    ]);
    await bobSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.extra.provider_recording_url === recording!.url));
    // Missed (no-answer), though Telnyx then completes the call it answered to run the voicemail.
    const statuses = bobSocket.events.filter((e) => e.call.call_id === call.sid).map((e) => e.call.status);
    expect(statuses.filter((status, i) => status !== statuses[i - 1])).toEqual(['ringing', 'no-answer']);
    const [stored] = (await api(relay, bob.token, 'GET', '/calls?number=%2B14155550144')).body.calls;
    // The relay's link, which fetches the file again when opened: Telnyx's own lasts 10 minutes.
    expect(stored).toMatchObject({ call_id: call.sid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, recording!.url) });
    expect(stored.extra).toMatchObject({ recording_duration: '41', recording_sid: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    await bobSocket.close();
  });

  it("opens the message through the relay's link once Telnyx's own has expired, and nothing with a link not signed for the call", async () => {
    const call = telnyx.inboundCall({ url: voicemail.incoming, from: '+14155550143', to: TELNYX_NUMBER, statusCallback: voicemail.status, dial: { answer: false, status: 'no-answer', message: 9 } });
    await call.done;
    const [recording] = call.recordings;
    await expect.poll(async () => (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550143')).body.calls[0]).toMatchObject(heardThroughRelay(PUBLIC_URL, call.sid, recording!.url));
    const [view] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550143')).body.calls;
    /** A presigned link of Telnyx's, fetched from the simulator that stands in for S3. */
    const media = (link: string) => fetch(link.replace(MEDIA_ORIGIN, telnyx.baseUrl));
    const open = () => fetch(relay.forward(view.recording_url), { redirect: 'manual' });

    // Ten minutes later: Telnyx's link is refused, the relay's asks Telnyx for a fresh one.
    telnyx.expireLinks();
    expect((await media(recording!.url)).status).toBe(403);
    const opened = await open();
    expect([opened.status, opened.headers.get('cache-control')]).toEqual([302, 'private, no-store']);
    const fresh = opened.headers.get('location')!;
    expect(fresh).not.toBe(recording!.url);
    expect(telnyx.recordingFetches.at(-1)).toBe(view.extra.recording_sid);
    const file = await media(fresh);
    expect([file.status, file.headers.get('content-type')]).toEqual([200, 'audio/mpeg']);
    expect(Buffer.from(await file.arrayBuffer()).equals(recordingBytes(view.extra.recording_sid, 9))).toBe(true);

    const url = new URL(relay.forward(view.recording_url));
    const forged = new URL(url);
    forged.searchParams.set('call', call.sid.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    const tampered = new URL(url);
    tampered.pathname = tampered.pathname.replace(/[\w-]$/, (c) => (c === 'A' ? 'B' : 'A'));
    for (const link of [forged, tampered]) expect((await fetch(link, { redirect: 'manual' })).status).toBe(404);

    // Telnyx refusing (a key revoked since): the listener reads why, and no link.
    await relay.registerInstance(ada, 'telnyx-voicemail', 'telnyx', { ...config, api_key: 'KEY-revoked', voicemail_greeting: GREETING });
    try {
      const refused = await open();
      expect([refused.status, await refused.text()]).toEqual([502, 'The recording could not be fetched: the provider answered: The required authentication headers were either invalid or not included in the request.']);
    } finally {
      await relay.registerInstance(ada, 'telnyx-voicemail', 'telnyx', { ...config, voicemail_greeting: GREETING });
    }
  });

  it('keeps the call missed, with no recording, when the caller hangs up at the beep', async () => {
    const call = telnyx.inboundCall({ url: voicemail.incoming, from: '+14155550145', to: TELNYX_NUMBER, statusCallback: voicemail.status, dial: { answer: false, status: 'busy' } });
    await call.done;
    expect([call.said, call.recordings]).toEqual([[GREETING], []]);
    expect(call.exchanges.filter((e) => e.kind === 'record-action').map((e) => e.status)).toEqual([200]);
    await expect.poll(async () => (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550145')).body.calls[0]).toMatchObject({ call_id: call.sid, status: 'busy', recording_url: null });
    expect((await api(relay, ada.token, 'GET', '/calls?number=%2B14155550145')).body.calls[0].extra.provider_recording_url).toBeUndefined();
  });

  it('asks no message of a caller an agent answered, nor of a customer who did not answer a call placed here', async () => {
    const answered = telnyx.inboundCall({ url: voicemail.incoming, from: '+14155550146', to: TELNYX_NUMBER, statusCallback: voicemail.status });
    await answered.done;
    expect(answered.exchanges.find((e) => e.kind === 'dial-action')!.reply).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');

    telnyx.dialOutcome = { answer: false, status: 'no-answer', message: 12 };
    try {
      const { callId: sid } = await voicemailExtension.clickToCall(ada, '+14155550147');
      const placed = telnyx.calls.get(sid)!;
      await placed.done;
      expect(placed.exchanges.find((e) => e.kind === 'dial-action')!.reply).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
      expect([placed.said, placed.recordings]).toEqual([[], []]);
      await expect.poll(async () => (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550147')).body.calls[0]).toMatchObject({ call_id: sid, status: 'no-answer' });
    } finally {
      telnyx.dialOutcome = { answer: true, talkSeconds: 42 };
    }
  });
});

describe('everyone away (callers go straight to voicemail, the box ticked)', () => {
  const GREETING = 'We are closed for the day. Please leave a message.';
  const setAway = async (isAway: boolean) => {
    for (const agent of [ada, bob]) expect((await api(relay, agent.token, 'PATCH', '/me', { away: isAway })).status).toBe(200);
  };

  it('rings no phone, says the greeting, records the message and counts the call missed from the start', async () => {
    // Record calls ticked too: it records the agents' talk, and asks nothing of a call that rings nobody.
    const away = (await relay.registerInstance(ada, 'telnyx-away', 'telnyx', { ...config, voicemail_greeting: GREETING, away_voicemail: 'true', record_calls: 'true' })).callbacks;
    const instances = (await api(relay, ada.token, 'GET', '/instances')).body as Array<{ id: string; away_voicemail: boolean }>;
    expect(Object.fromEntries(instances.filter((i) => i.id.startsWith('telnyx-')).map((i) => [i.id, i.away_voicemail]))).toMatchObject({ 'telnyx-away': true, 'telnyx-main': false, 'telnyx-voicemail': false });
    const adaSocket = await relay.connect(ada);
    await setAway(true);
    try {
      const call = telnyx.inboundCall({ url: away.incoming, from: '+14155550148', to: TELNYX_NUMBER, statusCallback: away.status, dial: { answer: false, status: 'no-answer', message: 17 } });
      await call.done;
      const recordingCallback = `${away.status}?Recording=file`;
      expect(call.exchanges[0]!.reply).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Say>${GREETING}</Say><Record action="${away.status}?Voicemail=ended" maxLength="120" recordingStatusCallback="${recordingCallback}"/></Response>`);
      expect([call.dialed, call.said, call.errors]).toEqual([[], [GREETING], []]);
      const [recording] = call.recordings;
      await adaSocket.waitFor((c) => c.events.some((e) => e.call.call_id === call.sid && e.call.extra.provider_recording_url === recording!.url));
      // Missed from its first event: no popup rings for a call that rings no phone.
      const events = adaSocket.events.filter((e) => e.call.call_id === call.sid);
      expect(new Set(events.map((e) => e.call.status))).toEqual(new Set(['no-answer']));
      const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550148')).body.calls;
      expect(stored).toMatchObject({ call_id: call.sid, status: 'no-answer', ...heardThroughRelay(PUBLIC_URL, call.sid, recording!.url) });
      expect(stored.extra).toMatchObject({ all_away: 'true', recording_duration: '17' });
    } finally {
      await setAway(false);
      await adaSocket.close();
    }
  });

  it('rings everyone as before with the box ticked but no greeting to say', async () => {
    const silent = (await relay.registerInstance(ada, 'telnyx-away-silent', 'telnyx', { ...config, away_voicemail: 'true' })).callbacks;
    await setAway(true);
    try {
      const call = telnyx.inboundCall({ url: silent.incoming, from: '+14155550149', to: TELNYX_NUMBER, statusCallback: silent.status });
      await call.done;
      expect([call.dialed, call.said]).toEqual([[ada.number, bob.number], []]);
      const [stored] = (await api(relay, ada.token, 'GET', '/calls?number=%2B14155550149')).body.calls;
      expect(stored).toMatchObject({ status: 'completed' });
      expect(stored.extra.all_away).toBeUndefined();
    } finally {
      await setAway(false);
    }
  });
});

describe('call recording (Record calls ticked)', () => {
  it("records a click to call's talk and an incoming call's, and gives each call its recording, whichever leg Telnyx names", async () => {
    const recording = (await relay.registerInstance(ada, 'telnyx-recording', 'telnyx', { ...config, record_calls: 'true' })).callbacks;
    const recorder = new Extension({ relay, instance: 'telnyx-recording', connector: 'telnyx', config: { ...config, record_calls: 'true' }, callbacks: recording, fetch: toSimulator('https://api.telnyx.com', telnyx.baseUrl) });
    const { callId: sid } = await recorder.clickToCall(ada, '+14155550150');
    const placed = telnyx.calls.get(sid)!;
    const incoming = telnyx.inboundCall({ url: recording.incoming, from: '+14155550151', to: TELNYX_NUMBER, statusCallback: recording.status });
    await Promise.all([placed.done, incoming.done]);

    const dialOf = (call: TexmlCall, kind: 'voice') => /<Dial [^>]*>/.exec(call.exchanges.find((e) => e.kind === kind)!.reply)![0];
    expect(dialOf(placed, 'voice')).toBe(`<Dial action="${recording.status}" record="record-from-answer" recordingStatusCallback="${recording.status}?Recording=file&amp;Parent=${encodeURIComponent(sid)}">`);
    expect(dialOf(incoming, 'voice')).toBe(`<Dial action="${recording.status}?Incoming=true" record="record-from-answer" recordingStatusCallback="${recording.status}?Recording=file&amp;Parent=${encodeURIComponent(incoming.sid)}">`);
    // The incoming call rings Bob whether or not Ada is still on the call she placed: he sees it.
    for (const [call, number, seconds, agent] of [[placed, '+14155550150', 42, ada], [incoming, '+14155550151', 30, bob]] as const) {
      expect([call.errors, call.recordings.map((r) => r.seconds)]).toEqual([[], [seconds]]);
      // The simulator's callback names the dialled leg, not the call: the relay's mark finds the call.
      const callback = call.exchanges.find((e) => e.kind === 'recording-status')!;
      expect([callback.params.CallSid === call.sid, callback.status]).toEqual([false, 200]);
      await expect.poll(async () => (await api(relay, agent.token, 'GET', `/calls?number=${encodeURIComponent(number)}`)).body.calls[0]).toMatchObject({ call_id: call.sid, status: 'completed', ...heardThroughRelay(PUBLIC_URL, call.sid, call.recordings[0]!.url) });
    }
    expect(await relay.storedCallIds(ada)).not.toContain(placed.exchanges.find((e) => e.kind === 'recording-status')!.params.CallSid);
  });

  it('records nothing with the box unticked', async () => {
    const call = telnyx.inboundCall({ url: callbacks.incoming, from: '+14155550152', to: TELNYX_NUMBER, statusCallback: callbacks.status });
    await call.done;
    expect(call.exchanges[0]!.reply).not.toContain('record');
    expect(call.recordings).toEqual([]);
  });
});

describe('webhook signatures', () => {
  const strayCall = (): TexmlCall => ({ sid: newCallSid(), direction: 'inbound', from: '+14155550177', to: TELNYX_NUMBER, status: 'ringing', dialed: [], sentDigits: [], said: [], recordings: [], errors: [], exchanges: [], done: Promise.resolve() });
  const otherKey = generateKeyPairSync('ed25519').privateKey;

  it.each([
    ['signed with another key', { signWith: otherKey }],
    ['signed ten minutes ago (a replay)', { signedAt: Math.floor(Date.now() / 1000) - 600 }],
    ['signed in the future', { signedAt: Math.floor(Date.now() / 1000) + 600 }],
  ])('refuses a webhook %s with 403 and stores nothing', async (_case, tamper) => {
    const call = strayCall();
    const exchange = await telnyx.webhook(call, 'voice', callbacks.incoming, {}, tamper);
    expect(exchange.status).toBe(403);
    expect(await relay.storedCallIds(ada)).not.toContain(call.sid);
  });

  it('refuses a valid signature and timestamp replayed over another body', async () => {
    const signed = await telnyx.webhook(strayCall(), 'voice', callbacks.incoming);
    expect(signed.status).toBe(200);
    const response = await fetch(relay.forward(callbacks.incoming), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'telnyx-signature-ed25519': signed.signature, 'telnyx-timestamp': signed.timestamp },
      body: signed.body.replace('%2B14155550177', '%2B14155550178'),
    });
    expect(response.status).toBe(403);
  });

  it('refuses a webhook without the signature headers', async () => {
    const sid = newCallSid();
    const response = await fetch(relay.forward(callbacks.status), {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ AccountSid: ACCOUNT_SID, CallSid: sid, CallStatus: 'completed' }).toString(),
    });
    expect(response.status).toBe(403);
    expect(await relay.storedCallIds(ada)).not.toContain(sid);
  });
});
