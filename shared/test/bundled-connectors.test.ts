import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConnector, loadConnector } from '../src/connector/compile.ts';
import { formatDiagnostic } from '../src/connector/diagnostics.ts';
import { buildOutgoingRequest, mapOutgoingResponse } from '../src/runtime/outgoing.ts';
import type { RunContext } from '../src/runtime/scope.ts';
import { handleWebhook } from '../src/runtime/webhook.ts';

const root = join(import.meta.dirname, '..', '..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const example = (name: string) => read(`connectors/examples/${name}`);
const json = (name: string) => JSON.parse(example(name)) as Record<string, string>;
const formRequest = (body: string, url: string) => ({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });

describe('connectors/twilio.xml', () => {
  const plan = loadConnector(read('connectors/twilio.xml'), { file: 'connectors/twilio.xml' });
  const config = json('twilio.config.json');
  const context: RunContext = { config, agent: { extension: '+14155550111' }, defaultCountry: 'US' };

  it('loads with no warnings', () => {
    expect(plan.warnings).toEqual([]);
    expect(plan.fields.filter((f) => f.mandatory).map((f) => f.name)).toEqual(['authid', 'authtoken', 'callerid', 'answer_callback', 'status_callback', 'incoming_callback']);
  });

  it('creates a call the way the Calls API expects', () => {
    const request = buildOutgoingRequest(plan, context, '+1 415 555 0100');
    expect(request.method).toBe('POST');
    expect(request.url).toBe(`https://api.twilio.com/2010-04-01/Accounts/${config.authid}/Calls.json`);
    expect(request.headers.Authorization).toBe(`Basic ${btoa(`${config.authid}:${config.authtoken}`)}`);
    const body = new URLSearchParams(request.body);
    expect(body.get('To')).toBe('+14155550111');
    expect(body.get('From')).toBe(config.callerid);
    expect(body.get('Url')).toBe(`${config.answer_callback}?DialTo=%2B14155550100`);
    expect(body.get('StatusCallback')).toBe(config.status_callback);
    expect(body.getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
  });

  it("maps Twilio's 201 create-call response (sid, status)", () => {
    const response = { status: 201, body: '{"sid":"CAe1644a7eed5088b159577c5802d8be38","status":"queued","to":"+14155550111","direction":"outbound-api"}' };
    expect(mapOutgoingResponse(plan, context, '+14155550100', response)).toMatchObject({ ok: true, record: { call_id: 'CAe1644a7eed5088b159577c5802d8be38', call_status: 'queued' } });
    const failure = { status: 400, body: '{"code":21211,"message":"The \'To\' number +1415 is not a valid phone number.","status":400}' };
    expect(mapOutgoingResponse(plan, context, '+14155550100', failure)).toMatchObject({ ok: false, error: "The 'To' number +1415 is not a valid phone number." });
  });

  it('bridges an answered call to the customer with <Dial><Number>', () => {
    const result = handleWebhook(plan, 'answer', formRequest(example('twilio-answer.form'), config.answer_callback!), context);
    expect(result.record).toMatchObject({ call_id: 'CA5f0c3d2e1b4a69788796a5b4c3d2e1f0', to_number: '+14155550100', user_number: '+14155550111', call_status: 'in-progress' });
    expect(result.reply.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${config.status_callback}"><Number>+14155550100</Number></Dial></Response>`,
    );
  });

  it("keys in the extension of a number behind a switchboard: DialExt in the answer URL, sendDigits in the reply", () => {
    const body = new URLSearchParams(buildOutgoingRequest(plan, context, { number: '+1 415 555 0100', extension: '204' }).body);
    const answerUrl = body.get('Url')!;
    expect(answerUrl).toBe(`${config.answer_callback}?DialTo=%2B14155550100&DialExt=204`);
    const result = handleWebhook(plan, 'answer', formRequest(example('twilio-answer.form'), answerUrl), context);
    expect(result.record.extra).toEqual({ to_extension: '204' });
    expect(result.reply.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${config.status_callback}"><Number sendDigits="ww204">+14155550100</Number></Dial></Response>`,
    );
  });

  it('records completion with duration and end time', () => {
    const result = handleWebhook(plan, 'status', formRequest(example('twilio-status.form'), config.status_callback!), context);
    // Timestamp is when the completed event fired (Twilio's <Number> status callback parameters): the call's end, not its start.
    expect(result.record).toMatchObject({ call_status: 'completed', duration: 42, endtime: '2026-11-24T10:00:42.000Z' });
    expect(result.record.starttime).toBeUndefined();
    // Twilio also posts the <Dial action> here and expects TwiML: an empty Response ends the call.
    expect(result.reply).toEqual({ status: 200, headers: { 'Content-Type': 'text/xml' }, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' });
  });

  it('rings every targeted agent on an incoming call', () => {
    const result = handleWebhook(plan, 'incoming', formRequest(example('twilio-incoming.form'), config.incoming_callback!), context, { dialNumbers: ['+14155550111', '+14155550122'] });
    expect(result.record).toMatchObject({ direction: 'inbound', from_number: '+14155550199', to_number: '+15005550006', call_status: 'ringing' });
    // Each <Number> asks for its answered event, the agent's leg, at the status callback.
    const number = (n: string) => `<Number statusCallbackEvent="answered" statusCallback="${config.status_callback}">${n}</Number>`;
    expect(result.reply.body).toContain(number('+14155550111') + number('+14155550122'));
  });

  it('rings ten agents at most, the <Dial> limit, the first ones', () => {
    const team = Array.from({ length: 12 }, (_, i) => `+1415555${3100 + i}`);
    const result = handleWebhook(plan, 'incoming', formRequest(example('twilio-incoming.form'), config.incoming_callback!), context, { dialNumbers: team });
    expect([...result.reply.body.matchAll(/<Number[^>]*>([^<]+)<\/Number>/g)].map((m) => m[1])).toEqual(team.slice(0, 10));
  });
});

describe('connectors/ozonetel.xml', () => {
  const plan = loadConnector(read('connectors/ozonetel.xml'), { file: 'connectors/ozonetel.xml' });
  const config = json('ozonetel.config.json');
  const context: RunContext = { config, agent: { email: 'agent@example.com', fields: { phone_home: 'Inbound_918041234567' } }, defaultCountry: 'IN' };

  it('dials through AgentManualDial with the agent and campaign', () => {
    const url = new URL(buildOutgoingRequest(plan, context, '98450 12345').url);
    expect(url.origin + url.pathname).toBe('https://in1-ccaas-api.ozonetel.com/CAServices/AgentManualDial.php');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      username: config.username,
      api_key: config.apikey,
      agentID: 'agent@example.com',
      campaignName: 'Inbound_918041234567',
      customerNumber: '919845012345',
      UCID: 'true',
      format: 'json',
    });
    const withCampaign = new URL(buildOutgoingRequest(plan, { ...context, config: { ...config, campaign: 'Outbound_1' } }, '98450 12345').url);
    expect(withCampaign.searchParams.get('campaignName')).toBe('Outbound_1');
  });

  it('accepts {"status":"queued successfully","ucid":…} and shows failures', () => {
    expect(mapOutgoingResponse(plan, context, '+919845012345', { status: 200, body: '{"status":"queued successfully","ucid":"90112233"}' })).toMatchObject({ ok: true, record: { call_id: '90112233' } });
    expect(mapOutgoingResponse(plan, context, '+919845012345', { status: 200, body: '{"status":"Fail","message":"Agent not logged in"}' })).toMatchObject({ ok: false, error: 'Agent not logged in' });
  });

  it('reads the callback summary posted as JSON in the data form field', () => {
    const result = handleWebhook(plan, 'status', formRequest(example('ozonetel-status.form'), config.status_callback!), context);
    expect(result.status).toEqual({ raw: 'Manual', matched: true });
    // The customer's CustomerStatus is a manual call's outcome. CallerID is the customer whatever
    // the call's Type: on a manual (outbound) call it is whom the agent called, and the
    // campaign's DID is the number the call went out from.
    expect(result.record).toMatchObject({
      call_id: '7791234567890123',
      call_status: 'completed',
      call_status_raw: 'answered',
      duration: 125,
      starttime: '2026-11-24T10:15:02',
      endtime: '2026-11-24T10:17:07',
      to_number: '+919845012345',
      from_number: '+918041234567',
      user_number: '+919845098450',
      direction: 'outbound',
      campaign_name: 'Inbound_918041234567',
      recordingurl: 'https://recordings.example.com/7791234567890123.mp3',
      extra: { disposition: 'Interested' },
    });
  });

  it('files an inbound summary with the customer as the caller, and NotAnswered as no answer', () => {
    const summary = { monitorUCID: '9049754955340984', Did: '914466949093', CallerID: '919080600507', Type: 'inbound', Status: 'NotAnswered', Duration: '00:00:00', AgentPhoneNumber: '9384842783' };
    const result = handleWebhook(plan, 'status', formRequest(new URLSearchParams({ data: JSON.stringify(summary) }).toString(), config.status_callback!), context);
    expect(result.status).toEqual({ raw: 'inbound', matched: true });
    expect(result.record).toMatchObject({
      call_id: '9049754955340984',
      call_status: 'no-answer',
      call_status_raw: 'NotAnswered',
      direction: 'inbound',
      from_number: '+919080600507',
      to_number: '+914466949093',
      user_number: '+919384842783',
    });
  });
});

describe("the seed's Twilio example, repaired only by adding closing slashes", () => {
  it('loads, with a warning for each seed quirk', () => {
    const result = checkConnector(readFileSync(join(import.meta.dirname, 'fixtures/seed-twilio-repaired.xml'), 'utf8'), { file: 'seed-twilio.xml' });
    expect(result.plan).toBeDefined();
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'seed-twilio.xml:11:54: warning: `presense` is read as `presence` (at connector/config/fields/field[6]) — spell it `presence`',
      'seed-twilio.xml:33:1: warning: <callid> is read as <call_id> (at connector/outgoing_call/response/callid) — spell it <call_id>',
      'seed-twilio.xml:34:1: warning: <status> is read as <call_status> (at connector/outgoing_call/response/status) — spell it <call_status>',
      'seed-twilio.xml:49:1: warning: text "//sending response to callback" inside <answer_callback> is ignored (at connector/outgoing_call/callbacks/answer_callback) — use an XML comment <!-- … --> for notes',
      'seed-twilio.xml:92:1: warning: text "//sending response to callback" inside <incoming_call> is ignored (at connector/incoming_call) — use an XML comment <!-- … --> for notes',
    ]);
  });

  it('still works: its answer callback bridges like ours', () => {
    const plan = loadConnector(readFileSync(join(import.meta.dirname, 'fixtures/seed-twilio-repaired.xml'), 'utf8'));
    const config = json('twilio.config.json');
    const result = handleWebhook(plan, 'answer', formRequest(example('twilio-answer.form'), config.answer_callback!), { config, defaultCountry: 'US' });
    expect(result.reply.body).toContain('<Number>+14155550100</Number>');
  });

  it('the unrepaired seed fails at its first unclosed tag', () => {
    const seed = read('shared/test/fixtures/seed-twilio-repaired.xml').replace(/\/>/g, '>').replace(/<\/(\w+)>/g, '<$1>');
    const [first] = checkConnector(seed, { file: 'seed.xml' }).diagnostics;
    expect(first && formatDiagnostic(first)).toBe(
      'seed.xml:6:1: error: <field> is never closed (at connector/config/fields/field) — end the tag with /> or add </field>; the seed examples lost their closing slashes',
    );
  });
});

describe('connectors/telnyx.xml', () => {
  const plan = loadConnector(read('connectors/telnyx.xml'), { file: 'connectors/telnyx.xml' });
  const config = json('telnyx.config.json');
  const context: RunContext = { config, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
  const incomingSid = 'v3:MdI91X4lWFEs7IgbBEOT9M4AigoY08M0WWZFISt1Yw2axZ_IiE4pqg';
  const status = (body: string) => handleWebhook(plan, 'status', formRequest(body, config.status_callback!), context);

  it("rings every targeted agent, each <Number> asking for its leg's answered event", () => {
    const result = handleWebhook(plan, 'incoming', formRequest(example('telnyx-incoming.form'), config.incoming_callback!), context, { dialNumbers: ['+14155550111', '+14155550122'] });
    expect(result.record).toMatchObject({ call_id: incomingSid, direction: 'inbound', call_status: 'ringing' });
    const number = (n: string) => `<Number statusCallbackEvent="answered" statusCallback="${config.status_callback}">${n}</Number>`;
    // The <Dial action> is marked: nobody taking the call offers the voicemail, a customer's busy line does not.
    expect(result.reply.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="${config.status_callback}?Incoming=true">${number('+14155550111')}${number('+14155550122')}</Dial></Response>`);
  });

  it("takes an agent's answered leg as the incoming call answered (ParentCallSid), not as a call of its own", () => {
    expect(status(example('telnyx-agent-answered.form')).record).toMatchObject({ call_id: incomingSid, call_status: 'in-progress' });
  });

  it('keys the <Dial action> to the parent call, whether it names it in ParentCallSid or in CallSid', () => {
    const action = { CallSid: 'v3:dialled-leg', DialCallStatus: 'completed', DialCallDuration: '42', CallStatus: 'in-progress' };
    const withParent = new URLSearchParams({ ...action, ParentCallSid: incomingSid }).toString();
    expect(status(withParent).record).toMatchObject({ call_id: incomingSid, call_status: 'completed', duration: 42 });
    const withoutParent = new URLSearchParams({ ...action, CallSid: incomingSid }).toString();
    expect(status(withoutParent).record).toMatchObject({ call_id: incomingSid, call_status: 'completed', duration: 42 });
  });
});

describe('connectors/plivo.xml: how a call ended', () => {
  const plan = loadConnector(read('connectors/plivo.xml'), { file: 'connectors/plivo.xml' });
  const config = json('plivo.config.json');
  const context: RunContext = { config, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
  const requestUuid = '9834029e-58b6-11e1-b8b7-a5bd0e4e126f';
  const status = (body: string) => handleWebhook(plan, 'status', formRequest(body, `${config.status_callback}?CallId=${requestUuid}`), context);

  it('settles the call with the <Dial action> keyed by the CallId in its URL, and ends it with an empty <Response>', () => {
    const result = status(example('plivo-dial-action.form'));
    expect(result.record).toMatchObject({ call_id: requestUuid, call_status: 'busy', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
    expect(result.reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });

  it("reads a dialled leg's hangup event as its talk time, not as the call's end", () => {
    const result = status('CallUUID=57a1b60a&Event=DialHangup&DialAction=hangup&DialBLegStatus=hangup&DialBLegDuration=42');
    expect(result.record).toEqual({ extra: {}, call_id: requestUuid, duration: 42 });
  });

  it('lets the hangup of a call whose <Dial> ran only fill what the call lacks', () => {
    expect(status(example('plivo-status.form')).record).toMatchObject({ call_id: requestUuid, call_status: 'completed', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
  });

  it("gives the call its recording when the <Record>'s callbackUrl says the file is ready (Recording=ready), whatever fields come with it", () => {
    const ready = (body: string, url = `${config.status_callback}?CallId=${requestUuid}&Recording=ready`) => handleWebhook(plan, 'status', formRequest(body, url), context);
    const result = ready(example('plivo-recording.form'));
    expect(result.record).toMatchObject({ call_id: requestUuid, recordingurl: 'https://media.plivo.com/v1/Account/MAXXXXXXXXXXXXXXXXXX/Recording/d2dcad17-3b49-47c7-92d5-b1f72cd80b1e.mp3', extra: { recording_duration: '83' } });
    expect(result.record.call_status).toBeUndefined();
    // A message of 0 s (a caller who hung up at the beep) is no recording.
    expect(ready('RecordUrl=https%3A%2F%2Fmedia.plivo.com%2Fx.mp3&RecordingDuration=0').record).toEqual({ extra: {}, call_id: requestUuid, fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
    // No CallId in the URL (the relay rendered the reply without a call): the call's own CallUUID.
    expect(ready('RecordUrl=https%3A%2F%2Fmedia.plivo.com%2Fx.mp3&RecordingDuration=9&CallUUID=57a1b60a', `${config.status_callback}?Recording=ready`).record).toMatchObject({ call_id: '57a1b60a', recordingurl: 'https://media.plivo.com/x.mp3' });
  });

  it("answers an incoming call's unanswered <Dial action> with the voicemail greeting and a <Record>, and a click to call's with an empty <Response>", () => {
    const dialAction = (direction: string, settings: Record<string, string>) =>
      handleWebhook(plan, 'status', formRequest(example('plivo-dial-action.form').replace('Direction=outbound', `Direction=${direction}`), `${config.status_callback}?CallId=${requestUuid}`), { ...context, config: { ...config, ...settings } });
    const greeting = { voicemail_greeting: 'Please leave a message.' };
    expect(dialAction('inbound', greeting).reply.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Speak>Please leave a message.</Speak><Record action="${config.status_callback}?CallId=${requestUuid}&amp;Voicemail=ended" maxLength="120" callbackUrl="${config.status_callback}?CallId=${requestUuid}&amp;Recording=ready"/></Response>`,
    );
    expect(dialAction('inbound', greeting).record).toMatchObject({ call_id: requestUuid, call_status: 'busy' });
    expect(dialAction('outbound', greeting).reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    expect(dialAction('inbound', {}).reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});

describe('connectors/plivo.xml: screening incoming calls (screen_calls)', () => {
  const plan = loadConnector(read('connectors/plivo.xml'), { file: 'connectors/plivo.xml' });
  const config = json('plivo.config.json');
  const incomingUuid = '2c1f3a4e-5c0b-11e7-9082-ef888d0400e9';
  const run = (settings: Record<string, string>) => ({ config: { ...config, ...settings }, agent: { extension: '+14155550111' }, defaultCountry: 'US' }) satisfies RunContext;
  const screening = run({ screen_calls: 'true' });
  const url = (marks: Record<string, string>) => `${config.status_callback}?${new URLSearchParams({ CallId: incomingUuid, ...marks }).toString()}`;
  const incoming = (context: RunContext) => handleWebhook(plan, 'incoming', formRequest(example('plivo-incoming.form'), config.incoming_callback!), context, { dialNumbers: ['+14155550111', '+14155550122'] }).reply.body;
  const dialEvent = (body: string, marks: Record<string, string>) => handleWebhook(plan, 'status', formRequest(body, url(marks)), screening);

  it('asks the answering phone for 1 (confirmSound, confirmKey) and marks the dial events, only with the box ticked', () => {
    const attr = (marks: Record<string, string>) => url(marks).replaceAll('&', '&amp;');
    expect(incoming(screening)).toContain(
      `<Dial action="${attr({})}" callbackUrl="${attr({ Screen: 'on' })}" confirmSound="${attr({ Screen: 'ask' })}" confirmKey="1" confirmTimeout="10"><Number>14155550111</Number><Number>14155550122</Number></Dial>`,
    );
    expect(incoming(run({}))).toContain(`<Dial action="${attr({})}" callbackUrl="${attr({})}"><Number>14155550111</Number>`);
  });

  it("answers the confirmSound request with the question alone, changing nothing on the call", () => {
    const result = handleWebhook(plan, 'status', formRequest(example('plivo-incoming.form'), url({ Screen: 'ask' })), screening);
    expect(result.reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Speak>Incoming call. Press 1 to take it.</Speak></Response>');
    expect(result.record).toEqual({ extra: {}, call_id: incomingUuid });
  });

  it('takes a phone that answered before its key for nobody, and the bridged one (connected) as who took the call', () => {
    expect(dialEvent('CallUUID=x&DialAction=answer&DialBLegTo=14155550111', { Screen: 'on' }).record).toEqual({ extra: {}, call_id: incomingUuid });
    expect(dialEvent('CallUUID=x&DialAction=connected&DialBLegTo=14155550122', { Screen: 'on' }).record).toMatchObject({ call_id: incomingUuid, call_status: 'in-progress', answered_by: '+14155550122' });
    // Unscreened, the answer itself names who took the call, as before.
    expect(dialEvent('CallUUID=x&DialAction=answer&DialBLegTo=14155550111', {}).record).toMatchObject({ call_status: 'in-progress', answered_by: '+14155550111' });
  });
});

describe('connectors/bandwidth.xml: how a call ended', () => {
  const plan = loadConnector(read('connectors/bandwidth.xml'), { file: 'connectors/bandwidth.xml' });
  const config = json('bandwidth.config.json');
  const context: RunContext = { config, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
  const status = (event: Record<string, string>) =>
    handleWebhook(plan, 'status', { method: 'POST', url: config.status_callback!, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) }, context);

  it("settles the call with the transferred party's cause, and ends it with an empty <Response>", () => {
    const result = status(json('bandwidth-transfer-complete.json'));
    expect(result.record).toMatchObject({ call_id: 'c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85', call_status: 'busy', call_status_raw: 'busy', error: 'Callee is busy', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
    expect(result.reply).toMatchObject({ status: 200, body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>' });
  });

  it("takes an agent's transferAnswer as the incoming call answered (parentCallId), not as a call of its own", () => {
    const result = status({ eventType: 'transferAnswer', callId: 'c-agent-leg', parentCallId: 'c-incoming', direction: 'outbound' });
    expect(result.record).toMatchObject({ call_id: 'c-incoming', call_status: 'in-progress' });
  });

  it('lets the disconnect only fill what the call lacks', () => {
    expect(status({ eventType: 'disconnect', callId: 'c-agent-leg', cause: 'hangup' }).record).toMatchObject({ call_status: 'completed', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
  });

  const callId = 'c-15ac29a2-1331029c-2cb0-4a07-b215-b22865662d85';
  const marked = (marks: Record<string, string>) => `${config.status_callback}?${new URLSearchParams(marks).toString().replaceAll('&', '&amp;')}`;
  const credentials = `username="${config.callback_username}" password="${config.callback_password}"`;

  it("gives the call its recording when the URL says the file is ready (Recording=ready), answering 204; a message of PT0S is none", () => {
    const ready = (event: Record<string, unknown>, url = `${config.status_callback}?CallId=c-ours&Recording=ready`) =>
      handleWebhook(plan, 'status', { method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(event) }, context);
    const available = json('bandwidth-recording-available.json');
    const result = ready(available);
    // PT13.67S: 14 s of message.
    expect(result.record).toMatchObject({ call_id: 'c-ours', recordingurl: available.mediaUrl, extra: { recording_duration: '14' } });
    expect(result.record.call_status).toBeUndefined();
    expect(result.reply).toMatchObject({ status: 204, body: '' });
    // A caller who hung up at the beep: no voicemail.
    expect(ready({ ...available, duration: 'PT0S' }).record).toEqual({ extra: {}, call_id: 'c-ours', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
    // A recording started on the leg that answered names that leg in callId: the URL's CallId is the call.
    expect(ready({ ...available, callId: 'c-agent-leg', parentCallId: 'c-ours' }).record).toMatchObject({ call_id: 'c-ours' });
  });

  it("ends the call once the caller's message ended with # or its length (recordComplete, Voicemail=ended)", () => {
    const url = `${config.status_callback}?CallId=${callId}&Voicemail=ended`;
    const result = handleWebhook(plan, 'status', { method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ eventType: 'recordComplete', callId, duration: 'PT9S' }) }, context);
    expect(result.record).toMatchObject({ call_id: callId });
    expect(result.reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });

  it("answers an incoming call's transfer nobody took with the greeting and a <Record>, and a click to call's, or one taken, with an empty <Response>", () => {
    const complete = (direction: string, cause: string, settings: Record<string, string>) =>
      handleWebhook(plan, 'status', { method: 'POST', url: config.status_callback!, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ ...json('bandwidth-transfer-complete.json'), direction, cause }) }, { ...context, config: { ...config, ...settings } });
    const greeting = { voicemail_greeting: 'Please leave a message.' };
    const urls = `recordCompleteUrl="${marked({ CallId: callId, Voicemail: 'ended' })}" recordingAvailableUrl="${marked({ CallId: callId, Recording: 'ready' })}"`;
    for (const cause of ['timeout', 'busy', 'rejected']) {
      const result = complete('inbound', cause, greeting);
      expect(result.reply.body).toBe(`<?xml version="1.0" encoding="UTF-8"?><Response><SpeakSentence>Please leave a message.</SpeakSentence><Record ${urls} maxDuration="120" fileFormat="mp3" ${credentials}/></Response>`);
      expect(result.record).toMatchObject({ call_id: callId, call_status_raw: cause });
    }
    const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';
    expect(complete('outbound', 'timeout', greeting).reply.body).toBe(EMPTY);
    expect(complete('inbound', 'timeout', {}).reply.body).toBe(EMPTY);
    expect(complete('inbound', 'hangup', greeting).reply.body).toBe(EMPTY);
  });

  it('starts recording on the leg that answered (transferAnswer) with Record calls ticked, and bridges at once without', () => {
    const answered = (settings: Record<string, string>) =>
      handleWebhook(plan, 'status', { method: 'POST', url: config.status_callback!, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ eventType: 'transferAnswer', callId: 'c-agent-leg', parentCallId: 'c-incoming', direction: 'outbound' }) }, { ...context, config: { ...config, ...settings } });
    expect(answered({ record_calls: 'true' }).reply.body).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><StartRecording recordingAvailableUrl="${marked({ CallId: 'c-incoming', Recording: 'ready' })}" fileFormat="mp3" ${credentials}/></Response>`,
    );
    expect(answered({}).reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
  });
});

describe('connectors/vonage.xml: voicemail and recordings', () => {
  const plan = loadConnector(read('connectors/vonage.xml'), { file: 'connectors/vonage.xml' });
  const config = json('vonage.config.json');
  const context: RunContext = { config, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
  const conversation = 'CON-f972836a-550f-45fa-956c-12a2ab5b7d22';
  const jsonRequest = (body: string, url: string) => ({ method: 'POST', url, headers: { 'Content-Type': 'application/json' }, body });
  const greeting = { voicemail_greeting: 'Please leave a message.' };
  const voicemail = [
    { action: 'talk', text: 'Please leave a message.' },
    { action: 'record', eventUrl: [`${config.status_callback}?CallId=${conversation}&Recording=message`], endOnSilence: 10, endOnKey: '#', timeOut: 120, beepStart: true },
  ];

  it("gives the call its recording from a record event marked Recording=message or call, whatever fields come with it, and no recording for a file of 0 bytes", () => {
    const record = (body: string, marks: string) => handleWebhook(plan, 'status', jsonRequest(body, `${config.status_callback}?${marks}`), context).record;
    const file = 'https://api.nexmo.com/v1/files/5b1c4f0e-8a2d-4c6b-9e3f-1d2a7b8c9e40';
    for (const kind of ['message', 'call']) {
      expect(record(example('vonage-record.json'), `CallId=${conversation}&Recording=${kind}`)).toMatchObject({ call_id: conversation, recordingurl: file });
      expect(record(example('vonage-record.json'), `CallId=${conversation}&Recording=${kind}`).call_status).toBeUndefined();
      // A message the caller hung up on at the beep: a file of nothing is no voicemail.
      expect(record(example('vonage-record.json').replace('"size":40960', '"size":0'), `CallId=${conversation}&Recording=${kind}`).recordingurl).toBeUndefined();
    }
    // No CallId in the URL: the event's own conversation_uuid.
    expect(record(example('vonage-record.json'), 'Recording=message')).toMatchObject({ call_id: conversation, recordingurl: file });
  });

  it("rings the agents in turn, the last one's connect synchronous and marked for voicemail only with a greeting", () => {
    const incoming = (settings: Record<string, string>) =>
      JSON.parse(handleWebhook(plan, 'incoming', jsonRequest(example('vonage-incoming.json'), config.incoming_callback!), { ...context, config: { ...config, ...settings } }, { dialNumbers: ['+14155550111', '+14155550122'] }).reply.body) as Array<Record<string, unknown>>;
    expect(incoming(greeting).map((a) => [a.eventType, a.eventUrl])).toEqual([
      [undefined, [`${config.status_callback}?leg=agent`]],
      ['synchronous', [`${config.status_callback}?leg=agent&Voicemail=offer`]],
    ]);
    expect(incoming({}).map((a) => [a.eventType, a.eventUrl])).toEqual([
      [undefined, [`${config.status_callback}?leg=agent`]],
      [undefined, [`${config.status_callback}?leg=agent`]],
    ]);
  });

  it("answers the last agent's failed end with the greeting and the message's record, and the same leg's other events with nothing", () => {
    const agentEvent = (status: string) =>
      handleWebhook(plan, 'status', jsonRequest(example('vonage-status.json').replace('"status":"completed"', `"status":"${status}"`), `${config.status_callback}?leg=agent&Voicemail=offer`), { ...context, config: { ...config, ...greeting } });
    for (const status of ['unanswered', 'busy', 'timeout', 'rejected', 'failed']) {
      expect(JSON.parse(agentEvent(status).reply.body)).toEqual(voicemail);
      expect(agentEvent(status).record.call_status).toBeUndefined();
    }
    for (const status of ['ringing', 'answered', 'completed', 'cancelled']) expect(agentEvent(status).reply.body).toBe('');
    // The leg is still an agent's: its answered names who took the call.
    expect(agentEvent('answered').record).toMatchObject({ call_status: 'in-progress', answered_by: '+14155550100' });
  });
});

describe('extensions ("ext. 204") across the bundled connectors', () => {
  // Where the provider can key in digits once the customer's line answers, the connector must
  // hand it @to_extension; elsewhere the extension cannot reach the provider at all.
  const sendsDigits = ['plivo', 'signalwire', 'telnyx', 'twilio', 'twilio-direct', 'vonage'];

  it.each(readdirSync(join(root, 'connectors')).filter((f) => f.endsWith('.xml')).map((f) => f.replace(/\.xml$/, '')))('%s', (id) => {
    const plan = loadConnector(read(`connectors/${id}.xml`), { file: `${id}.xml` });
    expect(plan.outgoing?.dialsExtension).toBe(sendsDigits.includes(id));
  });
});

describe("connectors/africastalking.xml with the recorded requests (every one at the number's one callback URL)", () => {
  const plan = loadConnector(read('connectors/africastalking.xml'), { file: 'connectors/africastalking.xml' });
  const config = json('africastalking.config.json');
  const context: RunContext = { config, agent: { extension: '+254733000222' }, defaultCountry: 'KE' };
  const incoming = (form: string, dialNumbers: string[]) => handleWebhook(plan, 'incoming', formRequest(example(form), config.incoming_callback!), context, { dialNumbers });
  const EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>';

  it('rings every agent at once for an incoming call', () => {
    const result = incoming('africastalking-incoming.form', ['+254733000222', '+254733000333']);
    expect(result.record).toMatchObject({ call_status: 'ringing', direction: 'inbound', from_number: '+254722000111' });
    expect(result.reply.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial phoneNumbers="+254733000222,+254733000333" sequential="false"/></Response>');
  });

  it('takes a dialled phone picking up as the call in progress, names who took it, and does not dial again', () => {
    const result = incoming('africastalking-picked-up.form', ['+254733000222', '+254733000333']);
    expect(result.record).toMatchObject({ call_status: 'in-progress', answered_by: '+254733000333' });
    expect(result.reply.body).toBe(EMPTY);
  });

  it('ends a call placed here as completed from a final request without hangupCause, with the talk time', () => {
    const result = incoming('africastalking-status.form', ['+254733000222']);
    expect(result.record).toMatchObject({ call_status: 'completed', call_status_raw: 'Completed', duration: 42, to_number: '+254722555666' });
    // The customer's number is the dial's destination: not an agent who took an incoming call.
    expect(result.record.answered_by).toBeUndefined();
    expect(result.reply.body).toBe(EMPTY);
  });
});
