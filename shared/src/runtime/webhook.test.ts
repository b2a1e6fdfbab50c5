import fc from 'fast-check';
import { XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import type { ConnectorPlan } from '../connector/plan.ts';
import { escapeXml, renderReply } from './reply.ts';
import type { RunContext } from './scope.ts';
import { handleWebhook, readPayload, requestHeader, ringsNobodyWhileAway, WebhookError, type WebhookRequest } from './webhook.ts';

/** A connector whose status callback picks one of `blocks` by the path `use`: the frame the status-block tests share. */
function withStatusBlocks(use: string, blocks: string[]): ConnectorPlan {
  return loadConnector(`<connector for="PhoneCalls">
  <provider><url>https://p/</url></provider>
  <outgoing_call>
    <request><url>calls</url></request>
    <response><call_id use="sid"/></response>
    <callbacks><status_callback use="${use}">${blocks.join('')}</status_callback></callbacks>
  </outgoing_call>
</connector>`);
}

/** The record `connector` maps from a status webhook sent as a GET with `query`. */
const statusRecord = (connector: ConnectorPlan, query: string) => handleWebhook(connector, 'status', { method: 'GET', url: `https://r/h?${query}`, headers: {}, body: '' }, context).record;

const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="status_callback" type="url"/></fields></config>
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call>
    <request/>
    <callbacks>
      <answer_callback>
        <response><call_id use="CallSid"/><to_number use="DialTo"/><call_status use="CallStatus"/></response>
        <send_response format="xml">
          <parameters><parameter name="Dial"><attrs><attr name="action" value="@status_callback"/></attrs><parameter name="Number" value="@to_number"/></parameter></parameters>
        </send_response>
      </answer_callback>
      <status_callback use="CallStatus">
        <status for="completed,busy"><response><call_id use="CallSid"/><call_status use="CallStatus"/><duration use="CallDuration"/></response></status>
        <status for="ringing"><response><call_id use="CallSid"/><call_status use="CallStatus"/></response></status>
      </status_callback>
    </callbacks>
  </outgoing_call>
  <incoming_call>
    <response format="json"><call_id use="call.id"/><from_number use="call.from"/><to_number use="call.to"/><caller_name use="call.name" default="Unknown caller"/></response>
    <send_response format="json" agentdialing="endpoint">
      <parameters>
        <parameter name="action" value="connect"/>
        <parameter name="greeting" value="Hello @caller_name"/>
        <parameter name="endpoint" type="object"><parameter name="number" value="@extension"/></parameter>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);

const context: RunContext = { config: { status_callback: 'https://relay/hooks/i/s/status' }, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
const form = (body: string, url = 'https://relay/hooks/i/s/x'): WebhookRequest => ({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });

describe('handleWebhook', () => {
  it('maps an answer webhook (query merged into the payload) and renders the bridging reply', () => {
    const result = handleWebhook(plan, 'answer', form('CallSid=CA1&CallStatus=in-progress', 'https://relay/hooks/i/s/answer?DialTo=%2B14155550100'), context);
    expect(result.payload).toEqual({ DialTo: '+14155550100', CallSid: 'CA1', CallStatus: 'in-progress' });
    expect(result.record).toMatchObject({ call_id: 'CA1', to_number: '+14155550100', call_status: 'in-progress', direction: 'outbound' });
    expect(result.reply).toEqual({
      status: 200,
      headers: { 'Content-Type': 'text/xml' },
      body: '<?xml version="1.0" encoding="UTF-8"?><Response><Dial action="https://relay/hooks/i/s/status"><Number>+14155550100</Number></Dial></Response>',
    });
  });

  it('selects the status block by the status value, case-insensitively', () => {
    const result = handleWebhook(plan, 'status', form('CallSid=CA1&CallStatus=Completed&CallDuration=42'), context);
    expect(result.status).toEqual({ raw: 'Completed', matched: true });
    expect(result.record).toMatchObject({ call_id: 'CA1', call_status: 'completed', call_status_raw: 'Completed', duration: 42 });
    expect(result.reply).toEqual({ status: 200, headers: {}, body: '' });
  });

  it('records the raw status and keeps other fields when no block matches', () => {
    const result = handleWebhook(plan, 'status', form('CallSid=CA1&CallStatus=in-progress&CallDuration=9'), context);
    expect(result.status).toEqual({ raw: 'in-progress', matched: false });
    expect(result.record).toEqual({ extra: {}, call_id: 'CA1', call_status: 'in-progress', call_status_raw: 'in-progress' });
  });

  it('maps JSON incoming calls, defaults direction to inbound and rings every agent', () => {
    const request: WebhookRequest = { method: 'POST', url: 'https://relay/h', headers: { 'content-type': 'application/json' }, body: '{"call":{"id":"in-1","from":"(415) 555-0199","to":"+15005550006"}}' };
    const result = handleWebhook(plan, 'incoming', request, context, { dialNumbers: ['+14155550111', '+14155550122'] });
    expect(result.record).toMatchObject({ call_id: 'in-1', from_number: '+14155550199', direction: 'inbound', extra: { caller_name: 'Unknown caller' } });
    expect(JSON.parse(result.reply.body)).toEqual({
      action: 'connect',
      greeting: 'Hello Unknown caller',
      endpoint: [{ number: '+14155550111' }, { number: '+14155550122' }],
    });
    expect(result.reply.headers['Content-Type']).toBe('application/json');
  });

  it('marks the record of a status block with ended="fill", and no other, for the relay to fill an ended call only', () => {
    const twoEnds = withStatusBlocks('DialCallStatus|CallStatus', [
      '<status for="completed,busy" ended="fill"><response><call_id use="CallSid"/><call_status use="DialCallStatus|CallStatus"/></response></status>',
      '<status for="ringing"><response><call_id use="CallSid"/><call_status use="CallStatus"/></response></status>',
    ]);
    const status = (query: string) => statusRecord(twoEnds, query);
    expect(status('CallSid=CA1&CallStatus=in-progress&DialCallStatus=busy')).toMatchObject({ call_status: 'busy', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
    expect(status('CallSid=CA1&CallStatus=completed')).toMatchObject({ call_status: 'completed', fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] });
    expect(status('CallSid=CA1&CallStatus=ringing').fills_only_at).toBeUndefined();
  });

  it('marks the record of a status block with answered="fill", and no other', () => {
    const legs = withStatusBlocks('leg', [
      '<status for="caller" answered="fill"><response><call_id use="id"/><call_status use="status" map="completed:no-answer"/></response></status>',
      '<status for="agent"><response><call_id use="id"/><call_status use="status"/></response></status>',
    ]);
    const status = (query: string) => statusRecord(legs, query);
    expect(status('id=C1&leg=caller&status=completed')).toMatchObject({ call_status: 'no-answer', fills_only_at: ['in-progress', 'completed'] });
    expect(status('id=C1&leg=agent&status=completed').fills_only_at).toBeUndefined();
  });

  it('gives a status to the first block whose `when` path has a value, else to the block without `when`, and marks inbound="fill" / outbound="fill" blocks', () => {
    const legs = withStatusBlocks('EventType', [
      '<status for="call_ended" when="parent_call_id" inbound="fill"><response><call_id use="parent_call_id"/><call_status use="call_status"/><duration use="billed_duration"/></response></status>',
      '<status for="call_ended" when="transfer" outbound="fill"><response><call_id use="call_id"/><call_status use="call_status"/></response></status>',
      '<status for="call_ended" ended="fill"><response><call_id use="call_id"/><call_status use="call_status"/><duration use="duration"/></response></status>',
    ]);
    const status = (body: object) => handleWebhook(legs, 'status', { method: 'POST', url: 'https://r/h', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }, context).record;
    const end = { EventType: 'call_ended', call_id: 'leg-b', call_status: 'busy', duration: 20, billed_duration: 0 };
    expect(status({ ...end, parent_call_id: 'parent' })).toEqual(expect.objectContaining({ call_id: 'parent', call_status: 'busy', duration: 0, fills_only_at: ['inbound'] }));
    expect(status({ ...end, transfer: 'yes' })).toEqual(expect.objectContaining({ call_id: 'leg-b', fills_only_at: ['outbound'] }));
    // The parent's own end: parent_call_id null (JSON), empty or blank (a form) takes the last block.
    for (const parent of [null, '', ' ']) {
      expect(status({ ...end, parent_call_id: parent, call_status: 'completed' })).toEqual(expect.objectContaining({ call_id: 'leg-b', call_status: 'completed', duration: 20, fills_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] }));
    }
  });

  it('gives a status to a block with `unless` only when its path has no value', () => {
    const legs = withStatusBlocks('DialCallStatus|CallStatus', [
      '<status for="canceled,completed" when="ParentCallSid" unless="DialCallStatus" inbound="fill"><response><call_id use="ParentCallSid"/><call_status use="CallStatus"/></response></status>',
      '<status for="canceled,completed" ended="fill"><response><call_id use="ParentCallSid|CallSid"/><call_status use="DialCallStatus|CallStatus"/></response></status>',
    ]);
    const status = (query: string) => statusRecord(legs, query);
    expect(status('CallSid=leg&ParentCallSid=CA1&CallStatus=canceled')).toEqual(expect.objectContaining({ call_id: 'CA1', call_status: 'canceled', fills_only_at: ['inbound'] }));
    expect(status('CallSid=leg&ParentCallSid=CA1&CallStatus=completed&DialCallStatus=completed').fills_only_at).toContain('completed');
    expect(status('CallSid=CA1&CallStatus=completed&ParentCallSid=&DialCallStatus=').fills_only_at).toContain('completed');
  });

  it('gives a status to a block with `when` and `is` only when the path has one of those values', () => {
    const legs = withStatusBlocks('leg', [
      '<status for="agent" when="status" is="Answered, connected"><response><call_id use="id"/><call_status use="status"/><answered_by use="to"/></response></status>',
      '<status for="agent"><response><call_id use="id"/><call_status use="status" map="unanswered:ringing"/></response></status>',
    ]);
    const status = (query: string) => statusRecord(legs, query);
    expect(status('id=C1&leg=agent&status=ANSWERED&to=14155550122')).toMatchObject({ call_status: 'in-progress', answered_by: '+14155550122' });
    expect(status('id=C1&leg=agent&status=connected&to=14155550122')).toMatchObject({ answered_by: '+14155550122' });
    const rangOut = status('id=C1&leg=agent&status=unanswered&to=14155550111');
    expect(rangOut).toMatchObject({ call_status: 'ringing' });
    expect(rangOut.answered_by).toBeUndefined();
    expect(status('id=C1&leg=agent&to=14155550111').answered_by).toBeUndefined();
  });

  it('maps a field with `when`, `is` or `unless` only from the webhooks where its condition holds, its default too', () => {
    const passthru = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response>
      <call_id use="CallSid"/>
      <call_status use="CallType" map="incomplete:no-answer"/>
      <user_number use="DialWhomNumber"/>
      <answered_by use="DialWhomNumber" when="CallType" is="completed, call-attempt"/>
      <queue use="Queue" default="main" when="CallType" is="completed, call-attempt"/>
      <rang_out use="DialWhomNumber" unless="DialCallDuration"/>
    </response>
  </incoming_call>
</connector>`);
    const incoming = (query: string) => handleWebhook(passthru, 'incoming', { method: 'GET', url: `https://r/h?${query}`, headers: {}, body: '' }, context).record;
    const took = incoming('CallSid=C1&CallType=Completed&DialWhomNumber=14155550122&DialCallDuration=30');
    expect(took).toMatchObject({ call_status: 'completed', user_number: '+14155550122', answered_by: '+14155550122' });
    // The condition holds: the path, else the default; `unless` keeps rang_out out.
    expect(took.extra).toEqual({ queue: 'main' });
    expect(incoming('CallSid=C1&CallType=completed&Queue=support').extra.queue).toBe('support');
    // Nobody took it: the agent named rang out; neither conditional field, not even a default.
    const missed = incoming('CallSid=C1&CallType=incomplete&DialWhomNumber=14155550111&DialCallDuration=&Queue=sales');
    expect(missed).toMatchObject({ call_status: 'no-answer', user_number: '+14155550111', extra: { rang_out: '14155550111' } });
    expect(missed.answered_by).toBeUndefined();
    expect(missed.extra.queue).toBeUndefined();
    // `when`'s path without a value: the field is left out as well.
    expect(incoming('CallSid=C1&DialWhomNumber=14155550122&Queue=sales').answered_by).toBeUndefined();
  });

  it('maps a field again after mappings of it with a condition: the first that holds and finds a value maps it', () => {
    const session = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response>
      <call_id use="sessionId"/>
      <call_status use="hangupCause|callSessionState" when="dialDestinationNumber" map="active:in-progress"/>
      <call_status use="hangupCause|callSessionState" when="isActive" is="0" map="completed:no-answer"/>
      <call_status use="hangupCause|callSessionState" map="active:in-progress" default="ringing"/>
    </response>
  </incoming_call>
</connector>`);
    const state = (query: string) => handleWebhook(session, 'incoming', { method: 'GET', url: `https://r/h?sessionId=S1&${query}`, headers: {}, body: '' }, context).record;
    expect(state('isActive=1&callSessionState=Ringing')).toMatchObject({ call_status: 'ringing' });
    expect(state('isActive=1&callSessionState=Active&dialDestinationNumber=%2B254711000001')).toMatchObject({ call_status: 'in-progress' });
    // The same word, two meanings: a phone picked up, or nobody did.
    expect(state('isActive=0&callSessionState=Completed&dialDestinationNumber=%2B254711000001')).toMatchObject({ call_status: 'completed' });
    expect(state('isActive=0&callSessionState=Completed')).toMatchObject({ call_status: 'no-answer', call_status_raw: 'Completed' });
    // A condition that holds over a path without a value goes on to the next mapping.
    expect(state('isActive=0&dialDestinationNumber=%2B254711000001&hangupCause=USER_BUSY')).toMatchObject({ call_status: 'busy' });
    expect(state('isActive=1&dialDestinationNumber=%2B254711000001')).toMatchObject({ call_status: 'ringing' });
  });

  it("maps a field with `when` and `not` only where the path has another value: the talk time of the leg that talked, a form's bracketed fields", () => {
    const passthru = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response>
      <call_id use="CallSid"/>
      <duration use="Legs[0][OnCallDuration]" when="Legs[0][OnCallDuration]" not="0"/>
      <duration use="Legs[1][OnCallDuration]" when="Legs[1][OnCallDuration]" not="0, 00"/>
      <duration use="DialCallDuration"/>
    </response>
  </incoming_call>
</connector>`);
    const legs = (query: string) => handleWebhook(passthru, 'incoming', { method: 'GET', url: `https://r/h?CallSid=C1&DialCallDuration=50&${query}`, headers: {}, body: '' }, context).record.duration;
    const leg = (i: number, seconds: string) => `${encodeURIComponent(`Legs[${i}][OnCallDuration]`)}=${seconds}`;
    expect(legs(`${leg(0, '42')}&${leg(1, '0')}`)).toBe(42);
    expect(legs(`${leg(0, '0')}&${leg(1, '42')}`)).toBe(42);
    // No leg talked (or none is listed): the next mapping.
    expect(legs(`${leg(0, '0')}&${leg(1, '00')}`)).toBe(50);
    expect(legs('')).toBe(50);
  });

  it('maps a span\'s length with `since`: the seconds from one time in the payload to another (Vonage\'s record event), else the next mapping or the default', () => {
    const record = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response format="json">
      <call_id use="uuid"/>
      <recording_duration use="end_time" since="start_time" default="unknown"/>
      <duration use="ended" since="started"/>
    </response>
  </incoming_call>
</connector>`);
    const mapped = (body: object) => handleWebhook(record, 'incoming', { method: 'POST', url: 'https://r/h', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ uuid: 'u1', ...body }) }, context).record;
    expect(mapped({ start_time: '2026-11-24T10:00:00.000Z', end_time: '2026-11-24T10:00:41.600Z', started: '1764000000', ended: '1764000090' })).toMatchObject({ duration: 90, extra: { recording_duration: '42' } });
    // A time missing or unreadable, or an end before the start: no length.
    expect(mapped({ start_time: '2026-11-24T10:00:00Z' }).extra.recording_duration).toBe('unknown');
    expect(mapped({ start_time: 'soon', end_time: '2026-11-24T10:00:00Z' }).extra.recording_duration).toBe('unknown');
    expect(mapped({ start_time: '2026-11-24T10:01:00Z', end_time: '2026-11-24T10:00:00Z' }).extra.recording_duration).toBe('unknown');
    expect(mapped({}).duration).toBeUndefined();
    expect(() => loadConnector('<connector for="PhoneCalls"><incoming_call><response><call_id use="sid"/><duration since="a" default="0"/></response></incoming_call></connector>')).toThrow(/`since` needs a `use` path/);
  });

  it('refuses a field mapped again after a mapping of it without a condition, which takes every webhook', () => {
    expect(() =>
      loadConnector(`<connector for="PhoneCalls">
  <incoming_call><response><call_id use="sid"/><call_status use="a"/><call_status use="b" when="c"/></response></incoming_call>
</connector>`),
    ).toThrow(/record field `call_status` is mapped twice in this block[^]*give the mapping before this one a `when` or `unless`/);
  });

  it('puts a reply parameter with `when`, `is` or `unless` in the reply only to the webhooks where it holds', () => {
    const guarded = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="sessionId"/></response>
    <send_response format="xml" agentdialing="Dial" agentjoin=",">
      <parameters>
        <parameter name="Say" value="Thank you" when="isActive" is="1, true"/>
        <parameter name="Dial" unless="dialDestinationNumber|dialStatus"><attrs><attr name="phoneNumbers" value="@extension"/></attrs></parameter>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const reply = (query: string) => handleWebhook(guarded, 'incoming', { method: 'GET', url: `https://r/h?sessionId=S1&${query}`, headers: {}, body: '' }, context, { dialNumbers: ['+254711000001', '+254711000002'] }).reply.body;
    const xml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
    expect(reply('isActive=1')).toBe(xml('<Say>Thank you</Say><Dial phoneNumbers="+254711000001,+254711000002"/>'));
    // A phone picked up, then the dial ended: dialling again would ring the agents again.
    expect(reply('isActive=1&dialDestinationNumber=%2B254711000002')).toBe(xml('<Say>Thank you</Say>'));
    expect(reply('isActive=1&dialStatus=NoAnswer')).toBe(xml('<Say>Thank you</Say>'));
    expect(reply('isActive=0&dialStatus=Completed')).toBe(xml(''));
  });

  it('puts a reply parameter or attribute with `if` in the reply only where its template renders to something: a setting turns it on', () => {
    const voicemail = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="greeting" presence="optional"/><field name="untrimmed" type="checkbox"/></fields></config>
  <incoming_call>
    <response><call_id use="CallSid"/></response>
    <send_response format="xml">
      <parameters>
        <parameter name="Say" value="$config.$fields.greeting" optional="true"/>
        <parameter name="Record" if="$config.$fields.greeting"><attrs><attr name="maxLength" value="120"/><attr name="trim" value="do-not-trim" if="$config.$fields.untrimmed"/></attrs></parameter>
        <parameter name="Hangup" if="$config.$fields.greeting|default:''" when="Digits"/>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const reply = (greeting: string | undefined, query = '') =>
      handleWebhook(voicemail, 'incoming', { method: 'GET', url: `https://r/h?CallSid=CA1&${query}`, headers: {}, body: '' }, { ...context, config: greeting === undefined ? {} : { greeting } }).reply.body;
    const xml = (inner: string) => `<?xml version="1.0" encoding="UTF-8"?><Response>${inner}</Response>`;
    expect(reply('Leave a message')).toBe(xml('<Say>Leave a message</Say><Record maxLength="120"/>'));
    // Both conditions hold, or the element is left out.
    expect(reply('Leave a message', 'Digits=hangup')).toBe(xml('<Say>Leave a message</Say><Record maxLength="120"/><Hangup/>'));
    // An attribute's `if`: a ticked box puts it in.
    const untrimmed = handleWebhook(voicemail, 'incoming', { method: 'GET', url: 'https://r/h?CallSid=CA1', headers: {}, body: '' }, { ...context, config: { greeting: 'Hi', untrimmed: 'true' } }).reply.body;
    expect(untrimmed).toBe(xml('<Say>Hi</Say><Record maxLength="120" trim="do-not-trim"/>'));
    for (const blank of ['', undefined]) {
      expect(reply(blank)).toBe(xml(''));
      expect(reply(blank, 'Digits=hangup')).toBe(xml(''));
    }
  });

  it('rings at most `maxagents` agents, the first ones, where the provider takes no more', () => {
    const capped = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="CallSid"/></response>
    <send_response format="xml" agentdialing="Number" maxagents="2">
      <parameters><parameter name="Dial"><parameter name="Number" value="@extension"/></parameter></parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const reply = (dialNumbers: string[]) => handleWebhook(capped, 'incoming', { method: 'GET', url: 'https://r/h?CallSid=CA1', headers: {}, body: '' }, context, { dialNumbers }).reply.body;
    expect(reply(['+14155550111', '+14155550122', '+14155550133'])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+14155550111</Number><Number>+14155550122</Number></Dial></Response>');
    expect(reply(['+14155550111'])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+14155550111</Number></Dial></Response>');
  });

  /** A connector whose reply to an incoming call records a message instead of dialling while every agent is away and the box is ticked. */
  const awayVoicemail = (record = '<parameter name="Record" if="@agents_away|and:\'$config.$fields.away_voicemail\'"/>') =>
    loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="away_voicemail" label="Away voicemail" type="checkbox"/></fields></config>
  <incoming_call>
    <response><call_id use="CallSid"/></response>
    <send_response format="xml" agentdialing="Number">
      <parameters>
        <parameter name="Dial" if="@agents_away|and:'$config.$fields.away_voicemail'|not"><parameter name="Number" value="@extension"/></parameter>
        ${record}
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);

  it('says how many agents the reply rings: none when an `if` left the dialling out (a voicemail while every agent is away)', () => {
    const plan = awayVoicemail();
    const request: WebhookRequest = { method: 'GET', url: 'https://r/h?CallSid=CA1', headers: {}, body: '' };
    const reply = (away: boolean, ticked: boolean) =>
      handleWebhook(plan, 'incoming', request, { ...context, config: { away_voicemail: ticked ? 'true' : '' }, vars: { ...context.vars, ...(away ? { agents_away: 'true' } : {}) } }, { dialNumbers: ['+14155550111', '+14155550122'] }).reply;
    const ringing = '<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+14155550111</Number><Number>+14155550122</Number></Dial></Response>';
    expect(reply(false, false)).toMatchObject({ body: ringing, rings: 2 });
    expect(reply(true, false)).toMatchObject({ body: ringing, rings: 2 });
    expect(reply(false, true)).toMatchObject({ body: ringing, rings: 2 });
    expect(reply(true, true)).toMatchObject({ body: '<?xml version="1.0" encoding="UTF-8"?><Response><Record/></Response>', rings: 0 });
  });

  it('tells, with no call at hand, that the reply rings nobody while everyone is away, though its URLs name the call', () => {
    const plan = awayVoicemail(`<parameter name="Record" if="@agents_away|and:'$config.$fields.away_voicemail'"><attrs><attr name="action" value="https://r/h?CallId={{@call_id}}"/></attrs></parameter>`);
    expect(ringsNobodyWhileAway(plan, { ...context, config: { away_voicemail: 'true' } })).toBe(true);
    expect(ringsNobodyWhileAway(plan, { ...context, config: { away_voicemail: '' } })).toBe(false);
  });

  it('rings every agent from one parameter with `agentjoin`, the numbers in one list (Africa\'s Talking)', () => {
    const joined = (format: 'xml' | 'json') => loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="CallSid"/></response>
    <send_response format="${format}" agentdialing="Dial" agentjoin="," maxagents="3">
      <parameters><parameter name="Dial">${format === 'xml' ? '<attrs><attr name="phoneNumbers" value="@extension"/><attr name="sequential" value="false"/></attrs>' : '<parameter name="phoneNumbers" value="@extension"/>'}</parameter></parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const reply = (format: 'xml' | 'json', dialNumbers: string[]) => handleWebhook(joined(format), 'incoming', { method: 'GET', url: 'https://r/h?CallSid=CA1', headers: {}, body: '' }, context, { dialNumbers }).reply.body;
    const four = ['+254711000001', '+254711000002', '+254711000003', '+254711000004'];
    expect(reply('xml', four)).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial phoneNumbers="+254711000001,+254711000002,+254711000003" sequential="false"/></Response>');
    expect(reply('xml', ['+254711000001'])).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial phoneNumbers="+254711000001" sequential="false"/></Response>');
    // One value, not a list of one per agent as a repeated JSON parameter is.
    expect(JSON.parse(reply('json', four.slice(0, 2)))).toEqual({ Dial: { phoneNumbers: '+254711000001,+254711000002' } });
  });

  it('binds `@last_agent` for the last agent a repeated parameter rings, and for the one joined list (Vonage rings its agents in turn)', () => {
    const plan = (join: string) => loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="uuid"/></response>
    <send_response format="json" root="array" agentdialing="connect"${join}>
      <parameters>
        <parameter name="connect" type="object">
          <parameter name="number" value="@extension"/>
          <parameter name="eventType" value="@last_agent|and:'synchronous'" optional="true"/>
        </parameter>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const reply = (join: string, dialNumbers: string[]) => JSON.parse(handleWebhook(plan(join), 'incoming', { method: 'GET', url: 'https://r/h?uuid=u1', headers: {}, body: '' }, context, { dialNumbers }).reply.body);
    expect(reply('', ['+14155550111', '+14155550122'])).toEqual([{ number: '+14155550111' }, { number: '+14155550122', eventType: 'synchronous' }]);
    expect(reply('', ['+14155550111'])).toEqual([{ number: '+14155550111', eventType: 'synchronous' }]);
    expect(reply(' agentjoin=","', ['+14155550111', '+14155550122'])).toEqual([{ number: '+14155550111,+14155550122', eventType: 'synchronous' }]);
  });

  it('falls back to the connector format, then to the body, when there is no Content-Type', () => {
    expect(readPayload({ method: 'POST', url: 'https://r/h', headers: {}, body: '{"a":1}' }, 'json')).toEqual({ a: 1 });
    expect(readPayload({ method: 'POST', url: 'https://r/h', headers: {}, body: '<x><a>1</a></x>' })).toEqual({ a: '1' });
    expect(readPayload({ method: 'GET', url: 'https://r/h?a=1&b=2', headers: {}, body: '' })).toEqual({ a: '1', b: '2' });
  });

  it('reads multipart/form-data bodies with the boundary of their Content-Type (Exotel)', async () => {
    const data = new FormData();
    for (const [name, value] of Object.entries({ CallSid: 'CA7', CallStatus: 'completed', CallDuration: '42' })) data.append(name, value);
    const encoded = new Response(data);
    const request: WebhookRequest = { method: 'POST', url: 'https://r/h?From=%2B1415', headers: { 'Content-Type': encoded.headers.get('content-type')! }, body: await encoded.text() };
    expect(readPayload(request)).toEqual({ From: '+1415', CallSid: 'CA7', CallStatus: 'completed', CallDuration: '42' });
    expect(handleWebhook(plan, 'status', request, context).record).toMatchObject({ call_id: 'CA7', call_status: 'completed', duration: 42 });
    const unclosed = { ...request, body: request.body.slice(0, -10) };
    expect(() => readPayload(unclosed)).toThrow(expect.objectContaining({ code: 'bad-payload', message: expect.stringContaining('not closed') }));
  });

  it('rejects unparsable bodies and events the connector does not declare', () => {
    const broken: WebhookRequest = { method: 'POST', url: 'https://r/h', headers: { 'Content-Type': 'application/json' }, body: '{"call":' };
    expect(() => handleWebhook(plan, 'incoming', broken, context)).toThrow(WebhookError);
    const noIncoming = loadConnector('<connector for="PhoneCalls"><provider><url>https://a</url></provider><outgoing_call><request/></outgoing_call></connector>');
    expect(() => handleWebhook(noIncoming, 'incoming', form(''), context)).toThrow(expect.objectContaining({ code: 'unsupported-event' }));
    expect(() => handleWebhook(noIncoming, 'answer', form(''), context)).toThrow(expect.objectContaining({ code: 'unsupported-event' }));
  });

  it('fails the reply, not silently, when a value it needs is missing', () => {
    expect(() => handleWebhook(plan, 'answer', form('CallSid=CA1'), context)).toThrow('cannot build the reply: @to_number is empty');
  });
});

describe('renderReply', () => {
  it('answers 200 with an empty body when there is no send_response', () => {
    expect(renderReply(undefined, { config: {}, vars: {} })).toEqual({ status: 200, headers: {}, body: '' });
  });

  it('escapes hostile values so they cannot add elements', () => {
    const reply = handleWebhook(plan, 'answer', form('CallSid=CA1', `https://relay/h?DialTo=${encodeURIComponent('</Number><Hangup/>&"\'')}`), {
      ...context,
      config: { status_callback: 'https://r/"><Evil/>' },
    }).reply;
    expect(XMLValidator.validate(reply.body)).toBe(true);
    expect(reply.body).toContain('<Number>&lt;/Number&gt;&lt;Hangup/&gt;&amp;"\'</Number>');
    expect(reply.body).toContain('action="https://r/&quot;&gt;&lt;Evil/&gt;"');
  });

  it('drops characters XML cannot carry', () => {
    expect(escapeXml('a\u0000b\u0008c\uFFFEd\uD800e', false)).toBe('abcde');
    expect(escapeXml('tab\tnew\nline', true)).toBe('tab&#9;new&#10;line');
  });

  it('escapes any text as XML 1.0 says, code point by code point, plain text as it is', () => {
    /** The escaping spelled out one code point at a time: dropped, escaped, or kept. */
    const escapedByCodePoint = (text: string, attribute: boolean) =>
      [...text]
        .map((c) => {
          const code = c.codePointAt(0)!;
          const pair = c.length === 2;
          if ((code < 0x20 && c !== '\t' && c !== '\n' && c !== '\r') || code === 0xfffe || code === 0xffff || (!pair && code >= 0xd800 && code <= 0xdfff)) return '';
          const always: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '\r': '&#13;' };
          const inAttribute: Record<string, string> = { '"': '&quot;', "'": '&apos;', '\n': '&#10;', '\t': '&#9;' };
          return always[c] ?? (attribute ? inAttribute[c] : undefined) ?? c;
        })
        .join('');
    const text = fc.oneof(fc.string({ unit: 'binary', maxLength: 20 }), fc.string({ maxLength: 20 }), fc.constantFrom('+14155550100', 'https://relay.example.com/hooks/in_1/s/status', '\uD83D\uDE00', '\uFFFE', 'a\u0085b'));
    fc.assert(
      fc.property(text, fc.boolean(), (value, attribute) => {
        expect(escapeXml(value, attribute)).toBe(escapedByCodePoint(value, attribute));
      }),
      { numRuns: 2000 },
    );
  });
});

describe('reply status', () => {
  it('answers 204 with no body or content type when the connector says so (Bandwidth disconnect)', () => {
    const bandwidthLike = loadConnector(`<connector for="PhoneCalls">
  <incoming_call><response><call_id use="callId"/></response><send_response format="xml" status="204"/></incoming_call>
</connector>`);
    const result = handleWebhook(bandwidthLike, 'incoming', { method: 'POST', url: 'https://r/h', headers: { 'content-type': 'application/json' }, body: '{"callId":"c-1"}' }, context);
    expect(result.reply).toEqual({ status: 204, headers: {}, body: '' });
  });
});

describe('JSON array replies', () => {
  it('renders an NCCO-style array whose items are the parameters, with agentdialing inside', () => {
    const ncco = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="uuid"/><from_number use="from"/></response>
    <send_response format="json" root="array" agentdialing="endpoint">
      <parameters>
        <parameter type="object"><parameter name="action" value="talk"/><parameter name="text" value="Connecting @from_number"/></parameter>
        <parameter type="object">
          <parameter name="action" value="connect"/>
          <parameter name="endpoint" type="object"><parameter name="type" value="phone"/><parameter name="number" value="@extension|digits"/></parameter>
        </parameter>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const request: WebhookRequest = { method: 'GET', url: 'https://r/h?uuid=u-1&from=14155550199&to=15005550006', headers: {}, body: '' };
    const reply = handleWebhook(ncco, 'incoming', request, context, { dialNumbers: ['+14155550111', '+14155550122'] }).reply;
    expect(JSON.parse(reply.body)).toEqual([
      { action: 'talk', text: 'Connecting +14155550199' },
      { action: 'connect', endpoint: [{ type: 'phone', number: '14155550111' }, { type: 'phone', number: '14155550122' }] },
    ]);
  });
});

describe('optional reply values', () => {
  const dialling = (reply: string) =>
    loadConnector(`<connector for="PhoneCalls">
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call><request/><callbacks><answer_callback>
    <response><call_id use="CallSid"/><to_number use="DialTo"/><to_extension use="DialExt"/></response>
    ${reply}
  </answer_callback></callbacks></outgoing_call>
</connector>`);
  const answer = (plan: ReturnType<typeof loadConnector>, query: string) => handleWebhook(plan, 'answer', form('CallSid=CA1', `https://relay/hooks/i/s/answer?${query}`), context).reply.body;

  it('leaves an optional XML attribute out when its value is not set, and renders it when it is', () => {
    const plan = dialling(`<send_response format="xml"><parameters><parameter name="Dial"><parameter name="Number" value="@to_number">
      <attrs><attr name="sendDigits" value="ww{{@to_extension}}" optional="true"/></attrs>
    </parameter></parameter></parameters></send_response>`);
    expect(answer(plan, 'DialTo=%2B14155550100&DialExt=204')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number sendDigits="ww204">+14155550100</Number></Dial></Response>');
    expect(answer(plan, 'DialTo=%2B14155550100')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Dial><Number>+14155550100</Number></Dial></Response>');
  });

  it('leaves an optional JSON key or XML element out, with what it holds, when its value is empty or not set', () => {
    const ncco = dialling(`<send_response format="json" root="array"><parameters><parameter type="object">
      <parameter name="action" value="connect"/>
      <parameter name="endpoint" type="array"><parameter type="object">
        <parameter name="number" value="@to_number|digits"/><parameter name="dtmfAnswer" value="pp{{@to_extension}}" optional="true"/>
      </parameter></parameter>
    </parameter></parameters></send_response>`);
    expect(JSON.parse(answer(ncco, 'DialTo=%2B14155550100&DialExt=12'))).toEqual([{ action: 'connect', endpoint: [{ number: '14155550100', dtmfAnswer: 'pp12' }] }]);
    expect(JSON.parse(answer(ncco, 'DialTo=%2B14155550100&DialExt='))).toEqual([{ action: 'connect', endpoint: [{ number: '14155550100' }] }]);
    const xml = dialling(`<send_response format="xml"><parameters><parameter name="Play" optional="true" value="@to_extension"/><parameter name="Hangup"/></parameters></send_response>`);
    expect(answer(xml, 'DialTo=%2B14155550100')).toBe('<?xml version="1.0" encoding="UTF-8"?><Response><Hangup/></Response>');
  });

  it('still fails a required value that is not set', () => {
    const plan = dialling(`<send_response format="xml"><parameters><parameter name="Number" value="@to_number"><attrs><attr name="sendDigits" value="@to_extension"/></attrs></parameter></parameters></send_response>`);
    expect(() => answer(plan, 'DialTo=%2B14155550100')).toThrow('cannot build the reply: @to_extension is empty: the number called has no extension');
  });
});

describe('typed reply values', () => {
  const timed = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="id"/><caller_name use="wait"/></response>
    <send_response format="json"><parameters>
      <parameter name="timeout" type="number" value="@caller_name"/><parameter name="record" type="boolean" value="@call_id"/>
    </parameters></send_response>
  </incoming_call>
</connector>`);
  const incoming = (query: string) => handleWebhook(timed, 'incoming', { method: 'GET', url: `https://r/h?${query}`, headers: {}, body: '' }, context).reply.body;

  it('converts numbers and booleans by the same rule as call requests', () => {
    expect(JSON.parse(incoming('id=yes&wait=%2030'))).toEqual({ timeout: 30, record: true });
    expect(JSON.parse(incoming('id=no&wait=0'))).toEqual({ timeout: 0, record: false });
  });

  it('fails the reply, not with 0 or null, when a number parameter is not a number', () => {
    expect(() => incoming('id=1&wait=soon')).toThrow(expect.objectContaining({ code: 'reply-failed', message: 'cannot build the reply: parameter timeout must be a number (got "soon")' }));
    expect(() => incoming('id=1&wait=Infinity')).toThrow(expect.objectContaining({ code: 'reply-failed' }));
  });
});

describe('value maps', () => {
  it("translates the provider's words before normalising, case-insensitively, and keeps the raw word", () => {
    const mapped = loadConnector(`<connector for="PhoneCalls">
  <incoming_call><response>
    <call_id use="id"/>
    <call_status use="disposition" map="answered:completed, no answer:no-answer, client-hangup:canceled"/>
  </response></incoming_call>
</connector>`);
    const record = (disposition: string) => handleWebhook(mapped, 'incoming', { method: 'POST', url: 'https://r/h', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'c', disposition }) }, context).record;
    expect(record('Answered')).toMatchObject({ call_status: 'completed', call_status_raw: 'Answered' });
    expect(record('no answer').call_status).toBe('no-answer');
    expect(record('busy').call_status).toBe('busy');
  });

  it('gives a status or direction word the engine does not know the `unknown` value, and keeps the word raw', () => {
    const ended = loadConnector(`<connector for="PhoneCalls">
  <incoming_call><response>
    <call_id use="id"/>
    <call_status use="cause" map="answered:completed" unknown="failed" default="completed"/>
    <direction use="leg" unknown="inbound"/>
  </response></incoming_call>
</connector>`);
    const record = (fields: Record<string, string>) => handleWebhook(ended, 'incoming', { method: 'POST', url: 'https://r/h', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ id: 'c', ...fields }) }, context).record;
    // A cause the provider added after the connector was written still ends the call, as does
    // one a map cannot list (Zadarma's "no money, no limit" holds the map's comma).
    expect(record({ cause: 'node-capacity-exceeded' })).toMatchObject({ call_status: 'failed', call_status_raw: 'node-capacity-exceeded' });
    expect(record({ cause: 'no money, no limit' })).toMatchObject({ call_status: 'failed', call_status_raw: 'no money, no limit' });
    // Words the map lists or the engine knows are not touched.
    expect(record({ cause: 'Answered' })).toMatchObject({ call_status: 'completed', call_status_raw: 'Answered' });
    expect(record({ cause: 'hangup' })).toMatchObject({ call_status: 'completed', call_status_raw: 'hangup' });
    expect(record({ cause: 'busy' })).toMatchObject({ call_status: 'busy', call_status_raw: 'busy' });
    // Missing and empty values take `default`, not `unknown`.
    expect(record({}).call_status).toBe('completed');
    expect(record({ cause: '' }).call_status).toBe('completed');
    expect(record({ cause: 'busy', leg: 'sip-trunk' }).direction).toBe('inbound');
    expect(record({ cause: 'busy', leg: 'outgoing' }).direction).toBe('outbound');
  });
});

describe('requestHeader', () => {
  it('finds a header whatever the case of its name and of the name asked for', () => {
    expect(requestHeader({ 'content-type': 'application/json' }, 'Content-Type')).toBe('application/json');
    expect(requestHeader({ 'X-Twilio-Signature': 'abc' }, 'x-twilio-signature')).toBe('abc');
    expect(requestHeader({ 'X-Twilio-Signature': 'abc' }, 'X-TWILIO-SIGNATURE')).toBe('abc');
  });

  it('answers undefined for a header not sent, even one named like an object property', () => {
    expect(requestHeader({ host: 'relay' }, 'authorization')).toBeUndefined();
    expect(requestHeader({}, 'constructor')).toBeUndefined();
    expect(requestHeader({}, 'toString')).toBeUndefined();
  });
});
