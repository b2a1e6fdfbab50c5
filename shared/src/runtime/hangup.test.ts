import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkConnector, loadConnector } from '../connector/compile.ts';
import { dryRunHangup } from './dry-run.ts';
import { buildHangupRequest, canHangUp, hangUpCall } from './hangup.ts';
import type { Fetch } from './http.ts';
import { REDACTED } from './redact.ts';
import type { RunContext } from './scope.ts';

const REPO = join(import.meta.dirname, '..', '..', '..');

const connector = (hangup: string, auth = '<basic username="$config.$fields.account" password="$config.$fields.key"/>') =>
  `<connector for="PhoneCalls">
  <config><fields><field name="key" type="password"/><field name="account"/></fields></config>
  <provider><url>https://api.example.com/v2/$config.$fields.account</url><auth>${auth}</auth></provider>
  <outgoing_call>
    <request><url>calls</url><parameters><parameter name="to" value="@to_number"/></parameters></request>
    <response format="json"><call_id use="id"/></response>
    ${hangup}
  </outgoing_call>
</connector>`;

const context: RunContext = { config: { key: 's3cret', account: 'acme' }, agent: { extension: '+14155550111' }, defaultCountry: 'US' };

/** A fetch that answers each request in turn with the next answer, and keeps what it was sent. */
function provider(...answers: Array<{ status: number; body?: string } | Error>) {
  const sent: Array<{ url: string; method: string; headers: Record<string, string>; body?: string }> = [];
  const fetch: Fetch = async (url, init) => {
    sent.push({ url, method: init.method, headers: init.headers, ...(init.body === undefined ? {} : { body: init.body }) });
    const answer = answers[Math.min(sent.length, answers.length) - 1]!;
    if (answer instanceof Error) throw answer;
    return { status: answer.status, headers: new Headers({ 'content-type': 'application/json' }), text: async () => answer.body ?? '' };
  };
  return { fetch, sent };
}

describe('<hangup>: compiling', () => {
  it('knows @call_id in the hang-up request, not in the outgoing one', () => {
    expect(checkConnector(connector('<hangup><request><url>calls/@call_id</url></request></hangup>')).plan?.outgoing?.hangup?.request.method).toBe('POST');
    const early = checkConnector(connector('').replace('<parameter name="to" value="@to_number"/>', '<parameter name="to" value="@call_id"/>'));
    expect(early.diagnostics.find((d) => d.severity === 'error')?.message).toBe('@call_id is a call record field: it is only known in callbacks and replies, not in the outgoing request');
  });

  it('names the hang-up request in an unknown variable, with the variables it knows', () => {
    const result = checkConnector(connector('<hangup><request><url>calls/@call_sid</url></request></hangup>'));
    const error = result.diagnostics.find((d) => d.severity === 'error');
    expect(error?.message).toBe('unknown variable @call_sid in the hang-up request');
    expect(error?.hint).toContain('@call_id');
  });

  it('takes PUT and DELETE in a hang-up, only GET and POST in the outgoing request', () => {
    expect(checkConnector(connector('<hangup><request method="delete"><url>calls/@call_id</url></request></hangup>')).plan?.outgoing?.hangup?.request.method).toBe('DELETE');
    expect(checkConnector(connector('<hangup><request method="PUT" format="json"><url>calls/@call_id</url></request></hangup>')).plan?.outgoing?.hangup?.request.method).toBe('PUT');
    const outgoing = checkConnector(connector('').replace('<request>', '<request method="delete">'));
    expect(outgoing.diagnostics.find((d) => d.severity === 'error')?.message).toContain('method must be one of: get, post');
  });

  it('refuses nested parameters where a DELETE sends its parameters in the query', () => {
    const result = checkConnector(connector('<hangup><request method="delete" format="json"><parameters><parameter name="a"><parameter name="b" value="1"/></parameter></parameters></request></hangup>'));
    expect(result.diagnostics.find((d) => d.severity === 'error')?.message).toBe('nested and typed parameters need a JSON body');
  });

  it('says which bundled connectors can end a call', () => {
    const bundled = (name: string) => loadConnector(readFileSync(join(REPO, 'connectors', `${name}.xml`), 'utf8'));
    expect(canHangUp(bundled('twilio'))).toBe(true);
    expect(canHangUp(bundled('signalwire'))).toBe(true);
    // No webhooks would tell the relay that the call ended: the agent hangs up on the phone.
    expect(canHangUp(bundled('twilio-direct'))).toBe(false);
  });
});

describe('buildHangupRequest', () => {
  it("ends Twilio's call by its sid, with the account's Basic auth", () => {
    const plan = loadConnector(readFileSync(join(REPO, 'connectors', 'twilio.xml'), 'utf8'));
    const request = buildHangupRequest(plan, { config: { authid: 'AC1', authtoken: 'tok', callerid: '+15005550006' } }, { callId: 'CA0123' });
    expect(request).toEqual({
      method: 'POST',
      url: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Calls/CA0123.json',
      headers: { Authorization: `Basic ${btoa('AC1:tok')}`, Accept: 'application/json', 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'Status=completed',
    });
  });

  it('puts a DELETE\'s parameters in the query, a PUT\'s in a JSON body, and @to_number in E.164', () => {
    const deleted = buildHangupRequest(loadConnector(connector('<hangup><request method="delete"><url>calls/@call_id|urlencode/</url><parameters><parameter name="to" value="@to_number"/></parameters></request></hangup>')), context, { callId: 'a/b c', toNumber: '(415) 555-0100' });
    expect(deleted).toEqual({ method: 'DELETE', url: 'https://api.example.com/v2/acme/calls/a%2Fb%20c/?to=%2B14155550100', headers: { Authorization: `Basic ${btoa('acme:s3cret')}` } });
    const put = buildHangupRequest(loadConnector(connector('<hangup><request method="put" format="json"><url>calls/@call_id</url><parameters><parameter name="action" value="hangup"/></parameters></request></hangup>')), context, { callId: 'c-1' });
    expect(put).toMatchObject({ method: 'PUT', url: 'https://api.example.com/v2/acme/calls/c-1', body: '{"action":"hangup"}' });
    expect(put.headers['Content-Type']).toBe('application/json');
  });

  it("takes an id only the call's webhooks brought from the relay's record, else its default", () => {
    const plan = loadConnector(
      connector(`<hangup><request method="delete"><url>{{Call/@answered_uuid|urlencode/}}|default:'Request/@call_id|urlencode/'</url></request></hangup>
      <callbacks><answer_callback><response><answered_uuid use="CallUUID"/></response></answer_callback></callbacks>`),
    );
    expect(buildHangupRequest(plan, context, { callId: 'r-1' }).url).toBe('https://api.example.com/v2/acme/Request/r-1/');
    expect(buildHangupRequest(plan, context, { callId: 'r-1', fields: { answered_uuid: 'u-2', call_status: 'in-progress' } }).url).toBe('https://api.example.com/v2/acme/Call/u-2/');
    // The call's own id wins over a field of the same name.
    expect(buildHangupRequest(plan, context, { callId: 'r-1', fields: { call_id: 'forged' } }).url).toBe('https://api.example.com/v2/acme/Request/r-1/');
  });

  it('refuses a connector without <hangup>, and a call without an id', () => {
    expect(() => buildHangupRequest(loadConnector(connector('')), context, { callId: 'c-1' })).toThrow('cannot end calls: it has no <hangup>');
    expect(() => buildHangupRequest(loadConnector(connector('<hangup><request><url>calls/@call_id</url></request></hangup>')), context, { callId: ' ' })).toThrow('the call has no id from the provider');
  });

  it('redacts secrets in a dry run', () => {
    const shown = dryRunHangup(loadConnector(connector('<hangup><request><url>calls/@call_id</url><parameters><parameter name="k" value="$config.$fields.key"/></parameters></request></hangup>')), context, { callId: 'c-1' });
    expect(shown.headers.Authorization).toBe(`Basic ${REDACTED}`);
    expect(shown.body).toBe(`k=${REDACTED}`);
  });
});

describe('hangUpCall', () => {
  const plan = loadConnector(connector('<hangup><request><url>calls/@call_id/hangup</url></request><response format="json"><success use="result" in="ok,done"/><error use="error.message"/></response></hangup>'));

  it('is done when the provider answers 2xx with a success word', async () => {
    const { fetch, sent } = provider({ status: 200, body: '{"result":"done"}' });
    expect(await hangUpCall(plan, context, { callId: 'c-1' }, fetch)).toMatchObject({ ok: true, request: { url: 'https://api.example.com/v2/acme/calls/c-1/hangup' } });
    expect(sent).toHaveLength(1);
  });

  it("shows the provider's reason, else its status and answer", async () => {
    expect(await hangUpCall(plan, context, { callId: 'c-1' }, provider({ status: 404, body: '{"error":{"message":"Call not found"}}' }).fetch)).toMatchObject({ ok: false, error: 'Call not found' });
    expect(await hangUpCall(plan, context, { callId: 'c-1' }, provider({ status: 502, body: 'Bad gateway' }).fetch)).toMatchObject({ ok: false, error: 'HTTP 502: Bad gateway' });
    // A 2xx whose mapped success is no success word did not end the call.
    expect(await hangUpCall(plan, context, { callId: 'c-1' }, provider({ status: 200, body: '{"result":"queued"}' }).fetch)).toMatchObject({ ok: false, error: 'HTTP 200: the provider did not confirm the hang-up' });
  });

  it('counts any 2xx as done when the connector maps no success, an empty answer included', async () => {
    const bare = loadConnector(connector('<hangup><request method="delete"><url>calls/@call_id</url></request></hangup>'));
    expect(await hangUpCall(bare, context, { callId: 'c-1' }, provider({ status: 204 }).fetch)).toMatchObject({ ok: true });
  });

  it('says which host could not be reached', async () => {
    expect(await hangUpCall(plan, context, { callId: 'c-1' }, provider(new TypeError('fetch failed')).fetch)).toMatchObject({ ok: false, error: 'could not reach api.example.com: fetch failed' });
  });

  it('fetches a token the provider refused again, once, and sends the hang-up again', async () => {
    const tokened = loadConnector(connector('<hangup><request><url>calls/@call_id</url></request></hangup>', '<token url="https://auth.example.com/token" path="access_token"><parameter name="key" value="$config.$fields.key"/></token>'));
    let tokens = 0;
    const hangups: string[] = [];
    const fetch: Fetch = async (url, init) => {
      if (url.startsWith('https://auth.')) return { status: 200, headers: new Headers(), text: async () => JSON.stringify({ access_token: `t${++tokens}` }) };
      hangups.push(init.headers.Authorization!);
      return { status: hangups.length === 1 ? 401 : 200, headers: new Headers(), text: async () => '' };
    };
    expect(await hangUpCall(tokened, context, { callId: 'c-1' }, fetch)).toMatchObject({ ok: true });
    expect(hangups).toEqual(['Bearer t1', 'Bearer t2']);
  });
});
