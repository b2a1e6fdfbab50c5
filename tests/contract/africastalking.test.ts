/**
 * connectors/africastalking.xml against the Africa's Talking simulator, through a real relay
 * process. Africa's Talking has one callback URL per number, so the relay's incoming URL takes
 * the incoming calls, the requests of calls placed here once the agent answers, and every final
 * request (isActive=0): one mapping serves them all, keyed by sessionId (entries.0.sessionId in
 * the call API's answer).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, type TestAgent } from '../relay/harness.ts';
import { AfricasTalkingSimulator } from '../simulators/africastalking.ts';
import { ContractRelay, Extension, expectOneCallStream, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const USERNAME = 'acme';
const API_KEY = 'atsk_africastalking-key-for-tests';
const AT_NUMBER = '+254711082000';
const CUSTOMER = '+254722555666';

let relay: ContractRelay;
let at: AfricasTalkingSimulator;
let ada: TestAgent;
let bob: TestAgent;
let callbacks: RelayCallbacks;
let config: Record<string, string>;
let extension: Extension;

beforeAll(async () => {
  ({ relay, agents: [ada, bob] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+254733000222' }, { name: 'Bob', number: '+254733000333' }]));
  const settings = { username: USERNAME, apikey: API_KEY, callerid: AT_NUMBER };
  const instance = await relay.registerInstance(ada, 'at-main', 'africastalking', settings);
  expect(instance.warnings).toEqual([]);
  callbacks = instance.callbacks;
  config = { ...settings, incoming_callback: callbacks.incoming };
  // The admin pasted the incoming URL into the number's Callback URL in the Voice dashboard.
  at = await AfricasTalkingSimulator.start({ username: USERNAME, apiKey: API_KEY, numbers: { [AT_NUMBER]: callbacks.incoming }, forward: relay.forward });
  at.manualPickUp = true;
  extension = new Extension({ relay, instance: 'at-main', connector: 'africastalking', config, callbacks, fetch: toSimulator('https://voice.africastalking.com', at.baseUrl) });
});

afterAll(async () => {
  await at?.close();
  await relay?.close();
});

/** The extension's part (place, report) while the agent's phone rings; then the agent picks up. */
async function placeOutboundCall(agent: TestAgent, to: string) {
  const { placed, callId: sessionId } = await extension.clickToCall(agent, to);
  at.pickUp(sessionId);
  const simulated = at.calls.get(sessionId)!;
  await simulated.done;
  return { sessionId, placed, simulated };
}

describe('outbound call (click to call)', () => {
  it('calls the agent, dials the customer named in clientRequestId, and closes on the final request', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    const { sessionId, placed, simulated } = await placeOutboundCall(ada, CUSTOMER);

    expect(sessionId).toMatch(/^ATVId_[0-9a-f]{32}$/);
    expect(placed.record).toMatchObject({ call_status: 'queued', call_status_raw: 'Queued' });
    expect(simulated).toMatchObject({ direction: 'Outbound', callerNumber: ada.number, destinationNumber: AT_NUMBER, clientRequestId: CUSTOMER, errors: [] });
    expect(simulated.exchanges.map((e) => [e.kind, e.url, e.params.isActive, e.status])).toEqual([
      ['callback', callbacks.incoming, '1', 200],
      ['pick-up', callbacks.incoming, '1', 200],
      ['dial-ended', callbacks.incoming, '1', 200],
      ['final', callbacks.incoming, '0', 200],
    ]);
    expect(simulated.exchanges[0]!.contentType).toMatch(/^application\/xml/);
    expect(simulated.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial phoneNumbers="${CUSTOMER}" sequential="false"/></Response>`);
    // The customer picking up, then the dial's end, posted again: answered without a <Dial>,
    // which would dial the customer again (a redial loop), the call goes on, then ends.
    for (const again of simulated.exchanges.slice(1, 3)) expect(again.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(simulated.dials).toEqual([{ numbers: [CUSTOMER], sequential: false }]);

    const events = await expectOneCallStream(adaSocket, sessionId);
    // In progress from the moment the customer picked up, not only once the call was over.
    expect(events.map((e) => e.call.status)).toContain('in-progress');

    const calls = await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(CUSTOMER)}`);
    expect(calls.body.calls).toHaveLength(1);
    expect(calls.body.calls[0]).toMatchObject({
      instance_id: 'at-main',
      call_id: sessionId,
      direction: 'outbound',
      status: 'completed',
      status_raw: 'Completed',
      to_number: CUSTOMER,
      from_number: ada.number,
      // The talk time (dialDurationInSeconds), not the session's 47 s with the ringing.
      duration: 42,
      extra: { line_number: AT_NUMBER, amount: '2.3500', currency: 'KES', call_session_state: 'Completed' },
    });
    expect(calls.body.calls[0]).toEqual(events.at(-1)!.call);
    expect(bobSocket.events).toEqual([]);
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('records an agent who does not pick up from the final request alone', async () => {
    at.outcome = { answer: false, cause: 'NO_ANSWER' };
    const { sessionId, simulated } = await placeOutboundCall(ada, '+254722555000');
    at.outcome = { answer: true };
    expect(simulated.exchanges.map((e) => e.kind)).toEqual(['final']);
    const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B254722555000')).body.calls;
    expect(call).toMatchObject({ call_id: sessionId, status: 'no-answer', duration: 0 });
  });

  it("records a customer who does not pick up as not answered, though the agent's session says Completed", async () => {
    at.unanswered.add('+254722555002');
    const { sessionId, simulated } = await placeOutboundCall(ada, '+254722555002');
    at.unanswered.clear();
    expect(simulated.exchanges.map((e) => [e.kind, e.params.dialStatus ?? null])).toEqual([
      ['callback', null],
      ['dial-ended', 'NoAnswer'],
      ['final', null],
    ]);
    expect(simulated.exchanges.at(-1)!.params).toMatchObject({ callSessionState: 'Completed' });
    expect(simulated.exchanges.at(-1)!.params.hangupCause).toBeUndefined();
    expect(simulated.dials).toHaveLength(1);
    const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B254722555002')).body.calls;
    expect(call).toMatchObject({ call_id: sessionId, status: 'no-answer', status_raw: 'Completed', duration: 5 });
  });

  it('ends a call whose hangupCause the engine does not know as failed, keeping the cause', async () => {
    at.outcome = { answer: false, cause: 'UNALLOCATED_NUMBER' };
    const { sessionId } = await placeOutboundCall(ada, '+254722555001');
    at.outcome = { answer: true };
    const [call] = (await api(relay, ada.token, 'GET', '/calls?number=%2B254722555001')).body.calls;
    expect(call).toMatchObject({ call_id: sessionId, status: 'failed', status_raw: 'UNALLOCATED_NUMBER' });
  });
});

describe('placing a call', () => {
  it('shows the refusal of a wrong API key, and no call happens', async () => {
    const before = at.calls.size;
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, apikey: 'wrong' } });
    expect(placed.ok).toBe(false);
    expect(placed.error).toContain('The supplied authentication is invalid');
    expect(at.calls.size).toBe(before);
  });

  it("shows Africa's Talking's errorMessage for a caller id that is not the account's", async () => {
    const placed = await extension.place(ada, CUSTOMER, { config: { ...config, callerid: '+254711000999' } });
    expect(placed).toMatchObject({ ok: false, error: 'Invalid callerId: +254711000999' });
  });
});

describe('inbound call (incoming popup)', () => {
  it('pops up for every agent and rings their phones at once, the first to pick up taking the call', async () => {
    const [adaSocket, bobSocket] = await Promise.all([relay.connect(ada), relay.connect(bob)]);
    at.unanswered.add(ada.number);
    const call = at.inboundCall({ from: '+254722000111', to: AT_NUMBER });
    await call.done;
    at.unanswered.clear();

    expect(call.exchanges.map((e) => [e.kind, e.status])).toEqual([
      ['callback', 200],
      ['pick-up', 200],
      ['dial-ended', 200],
      ['final', 200],
    ]);
    expect(call.exchanges[0]!.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial phoneNumbers="${ada.number},${bob.number}" sequential="false"/></Response>`);
    // Bob's phone picked up: the agents are not rung again.
    expect(call.exchanges[1]!.params.dialDestinationNumber).toBe(bob.number);
    expect(call.dials).toEqual([{ numbers: [ada.number, bob.number], sequential: false }]);
    expect(call.errors).toEqual([]);

    for (const socket of [adaSocket, bobSocket]) {
      await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
      expect(socket.events[0]).toMatchObject({ event: 'created', call: { call_id: call.sessionId, direction: 'inbound', status: 'ringing', from_number: '+254722000111', to_number: null, extra: { line_number: AT_NUMBER } } });
      // Who took it, from the moment Bob picked up: Ada's popup can say so.
      expect(socket.events.find((e) => e.call.status === 'in-progress')?.call.extra.answered_by).toBe(bob.number);
      expect(socket.events.every((e) => e.call.call_id === call.sessionId)).toBe(true);
    }
    const [view] = (await api(relay, bob.token, 'GET', '/calls?direction=inbound&limit=1')).body.calls;
    expect(view).toMatchObject({ call_id: call.sessionId, status: 'completed', duration: 42, extra: { answered_by: bob.number } });
    await Promise.all([adaSocket.close(), bobSocket.close()]);
  });

  it('is a missed call when no agent picks up, though Africa\'s Talking answered the caller and says Completed', async () => {
    const adaSocket = await relay.connect(ada);
    for (const agent of [ada, bob]) at.unanswered.add(agent.number);
    const call = at.inboundCall({ from: '+254722000222', to: AT_NUMBER });
    await call.done;
    at.unanswered.clear();
    expect(call.exchanges.map((e) => e.kind)).toEqual(['callback', 'dial-ended', 'final']);
    expect(call.dials).toHaveLength(1);
    await adaSocket.waitFor((c) => c.events.at(-1)?.call.status === 'no-answer');
    const [view] = (await api(relay, ada.token, 'GET', '/calls?number=%2B254722000222')).body.calls;
    expect(view).toMatchObject({ call_id: call.sessionId, direction: 'inbound', status: 'no-answer', status_raw: 'Completed' });
    expect(view.extra.answered_by).toBeUndefined();
    await adaSocket.close();
  });
});
