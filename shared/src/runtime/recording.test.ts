import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConnector, loadConnector } from '../connector/compile.ts';
import { buildRecordingRequest, fetchesRecordings, readRecordingAnswer } from './recording.ts';
import type { RunContext } from './scope.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');

const connector = (recording: string, provider = '<provider><url>https://api.example.com/v2/$config.$fields.account</url><auth><basic username="$config.$fields.account" password="$config.$fields.key"/></auth></provider>') =>
  `<connector for="PhoneCalls">
  <config><fields><field name="key" type="password"/><field name="account"/></fields></config>
  ${provider}
  <incoming_call><response><call_id use="CallSid"/><recording_sid use="RecordingSid"/></response></incoming_call>
  ${recording}
</connector>`;

const context: RunContext = { config: { key: 's3cret', account: 'acme' }, agent: { extension: '+14155550111' }, defaultCountry: 'US' };
const call = { call_id: 'CA1', recordingurl: 'https://api.example.com/v2/acme/Recordings/RE1', recording_sid: 'RE1' };

describe('<recording>: compiling', () => {
  it("sees the call record's fields and its mapped extras, not the webhook's", () => {
    const plan = loadConnector(connector('<recording><request method="get"><url>{{@recordingurl}}.mp3</url></request></recording>'));
    expect([fetchesRecordings(plan), plan.recording?.request.method]).toEqual([true, 'GET']);
    expect(loadConnector(connector('<recording><request method="get"><url>Recordings/@recording_sid</url></request></recording>')).recording).toBeDefined();
    const { diagnostics } = checkConnector(connector('<recording><request method="get"><url>Recordings/@RecordingSid</url></request></recording>'));
    expect(diagnostics.map((d) => d.message)).toContain('unknown variable @RecordingSid in the recording request');
  });

  it('fetches with GET, and needs the provider whose auth it sends', () => {
    expect(loadConnector(connector('<recording><request><url>x</url></request></recording>')).recording?.request.method).toBe('GET');
    expect(checkConnector(connector('<recording><request method="post"><url>x</url></request></recording>')).diagnostics.map((d) => d.message)).toEqual(['method must be one of: get (got "post")']);
    expect(checkConnector(connector('<recording><request method="get"><url>x</url></request></recording>', '')).diagnostics.map((d) => d.message)).toContain('<recording> needs a <provider> with the API URL and its auth');
  });
});

describe('<recording>: the request and its answer', () => {
  const streamed = loadConnector(connector('<recording><request method="get"><url>{{@recordingurl}}.mp3</url></request></recording>'));
  const moved = loadConnector(connector('<recording><request method="get"><url>Recordings/{{@recording_sid}}.json</url></request><response format="json"><recordingurl use="media_url"/><error use="message"/></response></recording>'));

  it("builds a GET with the provider's auth, to the provider's own address", () => {
    expect(buildRecordingRequest(streamed, context, call)).toEqual({ method: 'GET', url: 'https://api.example.com/v2/acme/Recordings/RE1.mp3', headers: { Authorization: `Basic ${btoa('acme:s3cret')}` } });
    expect(buildRecordingRequest(moved, context, call).url).toBe('https://api.example.com/v2/acme/Recordings/RE1.json');
  });

  it("never sends the provider's credentials elsewhere, whatever link the call holds, but where it keeps its files when it says so", () => {
    expect(() => buildRecordingRequest(streamed, context, { ...call, recordingurl: 'https://evil.example/steal' })).toThrow("the recording is not at the provider's address (https://api.example.com)");
    const media = loadConnector(connector('<recording media="https://media.example.com"><request method="get"><url>{{@recordingurl}}</url></request></recording>'));
    expect(buildRecordingRequest(media, context, { ...call, recordingurl: 'https://media.example.com/RE1.mp3' }).url).toBe('https://media.example.com/RE1.mp3');
    expect(() => buildRecordingRequest(media, context, { ...call, recordingurl: 'https://evil.example/steal' })).toThrow("the recording is not at the provider's address (https://api.example.com or https://media.example.com)");
    expect(checkConnector(connector('<recording media="http://media.example.com/x"><request method="get"><url>x</url></request></recording>')).diagnostics.map((d) => d.message)).toEqual(['media must be an https origin, such as https://media.example.com (got "http://media.example.com/x")']);
    expect(() => buildRecordingRequest(streamed, context, { call_id: 'CA1' })).toThrow('the call has no recording');
  });

  it('reads the file itself, a fresh link, or why there is none', () => {
    expect(readRecordingAnswer(streamed, context, call, { status: 200, body: 'ID3…' })).toEqual({ kind: 'file' });
    expect(readRecordingAnswer(moved, context, call, { status: 200, body: '{"media_url":"https://files.example/RE1.mp3?sig=2"}' })).toEqual({ kind: 'moved', url: 'https://files.example/RE1.mp3?sig=2' });
    expect(readRecordingAnswer(moved, context, call, { status: 200, body: '{"media_url":"javascript:alert(1)"}' })).toEqual({ kind: 'refused', error: 'HTTP 200: the answer names no recording link' });
    expect(readRecordingAnswer(moved, context, call, { status: 404, body: '{"message":"The requested resource was not found"}' })).toEqual({ kind: 'refused', error: 'The requested resource was not found' });
    expect(readRecordingAnswer(streamed, context, call, { status: 401, body: '{"code":20003}' })).toEqual({ kind: 'refused', error: 'HTTP 401: {"code":20003}' });
  });

  it.each([
    ['twilio', { authid: 'AC1', authtoken: 'tok' }, { recordingurl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1' }, 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1.mp3'],
    ['signalwire', { space: 'acme', project_id: 'p-1', api_token: 'PT1' }, { recordingurl: 'https://acme.signalwire.com/api/laml/2010-04-01/Accounts/p-1/Recordings/r-1' }, 'https://acme.signalwire.com/api/laml/2010-04-01/Accounts/p-1/Recordings/r-1.mp3'],
    ['plivo', { authid: 'MA1', authtoken: 'tok' }, { recordingurl: 'https://media.plivo.com/v1/Account/MA1/Recording/r-1.mp3' }, 'https://media.plivo.com/v1/Account/MA1/Recording/r-1.mp3'],
    ['telnyx', { api_key: 'KEY1', account_sid: 'acc-1' }, { recordingurl: 'https://s3.amazonaws.com/x/RE1.mp3?X-Amz-Signature=1', recording_sid: '35094891-3290' }, 'https://api.telnyx.com/v2/texml/Accounts/acc-1/Recordings/35094891-3290.json'],
  ])('connectors/%s.xml fetches a recording from its API', (name, config, fields, url) => {
    const plan = loadConnector(readFileSync(join(REPO, 'connectors', `${name}.xml`), 'utf8'));
    expect(fetchesRecordings(plan)).toBe(true);
    expect(buildRecordingRequest(plan, { ...context, config }, { call_id: 'c1', ...fields }).url).toBe(url);
  });
});
