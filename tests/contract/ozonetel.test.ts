/**
 * connectors/ozonetel.xml against the Ozonetel CloudAgent simulator, through a real relay
 * process. CloudAgent rings the agent, then the customer, and reports the call only once it is
 * over, with the campaign's call summary (a form field `data` holding JSON). The summary names
 * the customer CallerID on every call, so the call's Type decides whether the customer called
 * or was called. The account has subscribed the status URL to its call events (the Subscribe
 * API), which tell the relay while the call lasts that it was answered.
 */
import { buildCallReport, loadConnector, placeCall, type RunContext } from '@phone-connector/shared';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, REPO_ROOT, type TestAgent } from '../relay/harness.ts';
import { OzonetelSimulator } from '../simulators/ozonetel.ts';
import { ContractRelay, type RelayCallbacks, toSimulator } from './harness.ts';

const PUBLIC_URL = 'https://relay.example.test';
const API_KEY = 'KK0123456789abcdef0123456789abcd';
const USERNAME = 'acme_cloudagent';
const DID = '918041234567';
const CUSTOMER = '+919812345678';

const plan = loadConnector(readFileSync(join(REPO_ROOT, 'connectors', 'ozonetel.xml'), 'utf8'));
let relay: ContractRelay;
let ozonetel: OzonetelSimulator;
let ada: TestAgent;
let callbacks: RelayCallbacks;
let context: RunContext;

beforeAll(async () => {
  ({ relay, agents: [ada] } = await ContractRelay.start(PUBLIC_URL, [{ name: 'Ada', number: '+919845098450' }]));
  // CloudAgent reports national numbers; the instance owner's country reads them.
  expect((await api(relay, ada.token, 'PATCH', '/me', { profile: { country: 'IN' } })).status).toBe(200);
  const settings = { apikey: API_KEY, username: USERNAME, campaign: 'Outbound_Sales' };
  callbacks = (await relay.registerInstance(ada, 'ozonetel-main', 'ozonetel', settings)).callbacks;
  ozonetel = await OzonetelSimulator.start({
    apiKey: API_KEY,
    username: USERNAME,
    forward: relay.forward,
    callEventsUrl: callbacks.status,
    agents: [
      { id: 'ada_acme', name: 'Ada', phone: '9845098450', available: true },
      { id: 'bob_acme', name: 'Bob', phone: '9900033344', available: false },
    ],
    campaigns: [
      { name: 'Outbound_Sales', did: DID, callbackUrl: callbacks.status },
      { name: `Inbound_${DID}`, did: DID, callbackUrl: callbacks.status },
      // A campaign whose URL to push is the relay's incoming URL, popped on the server.
      { name: 'Inbound_Support', did: DID, callbackUrl: callbacks.status, screenPopUrl: callbacks.incoming },
    ],
  });
  // The extension's engine run: Options > Agent > E-mail is the CloudAgent agent id.
  context = { config: { ...settings, status_callback: callbacks.status, incoming_callback: callbacks.incoming }, agent: { extension: ada.number, email: 'ada_acme' }, defaultCountry: 'IN' };
});

afterAll(async () => {
  await ozonetel?.close();
  await relay?.close();
});

const fetchOzonetel = () => toSimulator('https://in1-ccaas-api.ozonetel.com', ozonetel.baseUrl);

/** Click to call: the engine dials, the extension reports the call, then CloudAgent's events and summary come. */
async function placeOutboundCall(to: string) {
  let proceed!: () => void;
  ozonetel.callProceeds = new Promise((resolve) => (proceed = resolve));
  const placed = await placeCall(plan, context, to, fetchOzonetel());
  expect(placed.ok, placed.error).toBe(true);
  const report = buildCallReport('ozonetel-main', to, placed.record)!;
  expect([200, 201]).toContain((await api(relay, ada.token, 'POST', '/calls', report)).status);
  proceed();
  const simulated = ozonetel.calls.get(report.call_id)!;
  await simulated.done;
  return simulated;
}

const storedCall = async (number: string) => (await api(relay, ada.token, 'GET', `/calls?number=${encodeURIComponent(number)}`)).body.calls;

describe('outbound call (AgentManualDial)', () => {
  it("files CloudAgent's summary under the ucid, the customer as the number called", async () => {
    const socket = await relay.connect(ada);
    const call = await placeOutboundCall(CUSTOMER);
    expect(call.events.map((e) => [e.event.data.action, e.status])).toEqual([
      ['Calling', 200],
      ['Answered', 200],
      ['Disconnect', 200],
    ]);
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    expect(socket.events.map((e) => e.call.status)).toEqual(['queued', 'ringing', 'in-progress', 'completed']);
    await socket.close();
    expect(call).toMatchObject({ type: 'Manual', customer: '9812345678', agent: { id: 'ada_acme' } });
    expect(call.summary).toMatchObject({ status: 200, data: { Status: 'Answered', CallerID: '9812345678', Did: DID } });

    const calls = await storedCall(CUSTOMER);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({
      instance_id: 'ozonetel-main',
      call_id: call.ucid,
      direction: 'outbound',
      status: 'completed',
      status_raw: 'answered',
      to_number: CUSTOMER,
      from_number: `+${DID}`,
      user_number: ada.number,
      duration: 125,
    });
  });

  it.each([
    ['does not answer', 'not_answered', 'no-answer', '+919812300000'],
    ['is busy', 'Busy', 'busy', '+919812300001'],
  ] as const)('records a customer who %s as such, though the agent answered', async (_case, customer, status, number) => {
    ozonetel.customer = customer;
    const call = await placeOutboundCall(number);
    ozonetel.customer = 'answered';
    expect(call.summary!.data).toMatchObject({ Status: 'NotAnswered', AgentStatus: 'answered', CustomerStatus: customer });
    expect(call.events.map((e) => e.event.data.action)).toEqual(['Calling', 'Disconnect']);
    const [stored] = await storedCall(number);
    expect(stored).toMatchObject({ call_id: call.ucid, status, status_raw: customer, to_number: number, duration: 0 });
  });

  it("shows CloudAgent's refusal to the agent: an agent not logged in, an unknown campaign", async () => {
    const before = ozonetel.calls.size;
    const notLoggedIn = await placeCall(plan, { ...context, agent: { extension: ada.number, email: 'bob_acme' } }, CUSTOMER, fetchOzonetel());
    expect(notLoggedIn).toMatchObject({ ok: false, error: 'Agent is not available' });
    const unknownCampaign = await placeCall(plan, { ...context, config: { ...context.config, campaign: 'Nope' } }, CUSTOMER, fetchOzonetel());
    expect(unknownCampaign).toMatchObject({ ok: false, error: 'Campaign is invalid' });
    expect(ozonetel.calls.size).toBe(before);
  });
});

describe('inbound call', () => {
  it('files an inbound summary with the customer as the caller and the DID as the number called', async () => {
    const socket = await relay.connect(ada);
    const call = ozonetel.inboundCall({ from: '+919812377777', campaign: `Inbound_${DID}`, agentId: 'ada_acme' });
    await call.done;
    // The call events show the call ringing, then answered while the agent talks.
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    expect(socket.events.map((e) => [e.call.status, e.call.direction])).toEqual([
      ['ringing', 'inbound'],
      ['in-progress', 'inbound'],
      ['completed', 'inbound'],
    ]);
    await socket.close();
    // An inbound caller comes with India's country code, no + (as a real summary shows).
    expect(call.summary).toMatchObject({ status: 200, data: { Type: 'inbound', CallerID: '919812377777' } });
    const [stored] = await storedCall('+919812377777');
    expect(stored).toMatchObject({ call_id: call.ucid, direction: 'inbound', status: 'completed', from_number: '+919812377777', to_number: `+${DID}`, user_number: ada.number, extra: { answered_by: ada.number } });
  });

  it('names the agent who took an inbound call: live from the Answered event, then in the summary', async () => {
    const socket = await relay.connect(ada);
    const call = ozonetel.inboundCall({ from: '+919812377711', campaign: `Inbound_${DID}`, agentId: 'bob_acme' });
    await call.done;
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    await socket.close();
    // CloudAgent's national number, read as the account's country: Bob's phone in E.164.
    const bobPhone = '+919900033344';
    expect(call.events.map((e) => [e.event.data.action, e.event.data.agent_number])).toContainEqual(['Answered', '9900033344']);
    const answered = socket.events.find((e) => e.call.status === 'in-progress')!;
    expect(answered.call.extra).toMatchObject({ answered_by: bobPhone });
    const [stored] = await storedCall('+919812377711');
    expect(stored).toMatchObject({ status: 'completed', user_number: bobPhone, extra: { answered_by: bobPhone } });
  });

  it("pops an inbound call from the campaign's URL to push, the agent rung named by phone, not by login id", async () => {
    const socket = await relay.connect(ada);
    const call = ozonetel.inboundCall({ from: '+919812377722', campaign: 'Inbound_Support', agentId: 'ada_acme' });
    await call.done;
    await socket.waitFor((c) => c.events.at(-1)?.call.status === 'completed');
    await socket.close();
    // CloudAgent's GET: the agent's login id in agentID, the phone in agentPhoneNumber, no status.
    expect(call.screenPop).toMatchObject({ status: 200, query: { monitorUcid: call.ucid, callerID: '919812377722', did: DID, agentID: 'ada_acme', agentPhoneNumber: '9845098450', type: 'inbound' } });
    expect(call.screenPop!.query).not.toHaveProperty('status');
    // The push pops the call first, ringing, from the caller to the DID, Ada's phone as its agent.
    expect(socket.events[0]!.call).toMatchObject({ call_id: call.ucid, status: 'ringing', direction: 'inbound', from_number: '+919812377722', to_number: `+${DID}`, user_number: ada.number });
    const [stored] = await storedCall('+919812377722');
    expect(stored).toMatchObject({ call_id: call.ucid, direction: 'inbound', status: 'completed', user_number: ada.number, extra: { answered_by: ada.number } });
  });

  it('logs an inbound call no agent took as a missed call, though CloudAgent took the caller', async () => {
    const call = ozonetel.inboundCall({ from: '+919812377700', campaign: `Inbound_${DID}`, agentId: 'ada_acme', agent: 'not_answered' });
    await call.done;
    expect(call.summary!.data).toMatchObject({ CustomerStatus: 'answered', AgentStatus: 'not_answered', Status: 'NotAnswered' });
    const [stored] = await storedCall('+919812377700');
    expect(stored).toMatchObject({ call_id: call.ucid, direction: 'inbound', status: 'no-answer', status_raw: 'NotAnswered', duration: 0, user_number: ada.number });
    // The summary names the agent who was rung: nobody took the call, so nobody is named as having taken it.
    expect(call.summary!.data.AgentPhoneNumber).toBe('9845098450');
    expect(stored.extra.answered_by).toBeUndefined();
  });
});
