import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { base64 } from '../template/filters.ts';
import type { Fetch } from './http.ts';
import { buildOutgoingRequest, ConnectorRuntimeError, joinUrl, mapOutgoingResponse, placeCall } from './outgoing.ts';
import { redactRequest, REDACTED, secretValues } from './redact.ts';
import type { RunContext } from './scope.ts';

const connector = (request: string, response = '<response format="json"><call_id use="id"/><call_status use="state"/><error use="error.message"/></response>', auth = '') =>
  loadConnector(`<connector for="PhoneCalls">
  <config><fields>
    <field name="key" type="password"/><field name="account"/><field name="callerid"/><field name="api_secret"/>
  </fields></config>
  <provider><url>https://api.example.com/v2/</url><auth>${auth}</auth></provider>
  <outgoing_call>${request}${response}</outgoing_call>
</connector>`);

const context: RunContext = {
  config: { key: 'k3y!', account: 'acme', callerid: '+15005550006', api_secret: 'sh' },
  agent: { extension: '+14155550111', email: 'ada@example.com', callerid: '+15550000000', fields: { team: 'Sales' } },
  callbacks: { answer: 'https://relay/hooks/i/s/answer', status: 'https://relay/hooks/i/s/status' },
  defaultCountry: 'US',
};

describe('buildOutgoingRequest', () => {
  it('POSTs a form body to the provider URL joined with the request URL', () => {
    const plan = connector(`<request><url>/calls</url><parameters>
      <parameter name="to" value="@to_number"/><parameter name="from" value="@callerid"/>
      <parameter name="agent" value="@extension"/><parameter name="team" value="@user_team"/>
      <parameter name="cb" value="@answer_callback|urlappend:{'DialTo': '@to_number'}"/><parameter name="st" value="@answer_status_callback"/>
    </parameters></request>`);
    const request = buildOutgoingRequest(plan, context, '(415) 555-0100');
    expect(request).toEqual({
      method: 'POST',
      url: 'https://api.example.com/v2/calls',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'to=%2B14155550100&from=%2B15005550006&agent=%2B14155550111&team=Sales&cb=https%3A%2F%2Frelay%2Fhooks%2Fi%2Fs%2Fanswer%3FDialTo%3D%252B14155550100&st=https%3A%2F%2Frelay%2Fhooks%2Fi%2Fs%2Fstatus',
    });
  });

  it('puts GET parameters in the query string and keeps a trailing ? in the URL working', () => {
    const plan = connector('<request method="get"><url>AgentManualDial.php?</url><parameters><parameter name="customerNumber" value="@to_number|digits"/><parameter name="agentID" value="@email"/></parameters></request>');
    const request = buildOutgoingRequest(plan, context, '+1 415 555 0100');
    expect(request).toEqual({ method: 'GET', url: 'https://api.example.com/v2/AgentManualDial.php?customerNumber=14155550100&agentID=ada%40example.com', headers: {} });
  });

  it('sends typed, nested JSON bodies', () => {
    const plan = connector(`<request format="json"><parameters>
      <parameter name="to" type="array"><parameter type="object"><parameter name="type" value="phone"/><parameter name="number" value="@to_number|digits"/></parameter></parameter>
      <parameter name="timeout" type="number" value="45"/><parameter name="record" type="boolean" value="yes"/>
      <parameter name="meta"><parameter name="agent" value="@email"/></parameter>
    </parameters></request>`);
    const request = buildOutgoingRequest(plan, context, '+14155550100');
    expect(request.headers['Content-Type']).toBe('application/json');
    expect(JSON.parse(request.body!)).toEqual({ to: [{ type: 'phone', number: '14155550100' }], timeout: 45, record: true, meta: { agent: 'ada@example.com' } });
  });

  it('refuses a number parameter that does not render to a finite number, naming it', () => {
    const timed = loadConnector(`<connector for="PhoneCalls"><provider><url>https://api.example.com</url></provider>
  <outgoing_call><request format="json"><parameters><parameter name="to" value="@to_number"/><parameter name="timeout" type="number" value="{{@user_wait}}"/></parameters></request></outgoing_call></connector>`);
    const waiting = (wait: string) => buildOutgoingRequest(timed, { config: {}, agent: { fields: { wait } }, defaultCountry: 'US' }, '4155550100');
    expect(JSON.parse(waiting(' 45 ').body!)).toEqual({ to: '+14155550100', timeout: 45 });
    expect(() => waiting('soon')).toThrow(expect.objectContaining({ code: 'missing-value', message: 'parameter timeout must be a number (got "soon")' }));
    expect(() => waiting('Infinity')).toThrow(expect.objectContaining({ code: 'missing-value' }));
  });

  it('applies basic, bearer, header and query auth', () => {
    const plan = connector('<request/>', '', `<basic username="$config.$fields.account" password="$config.$fields.key"/>
      <header name="X-Key" value="$config.$fields.key"/><query name="sig" value="$config.$fields.api_secret"/>`);
    const request = buildOutgoingRequest(plan, context, '+14155550100');
    expect(request.headers.Authorization).toBe(`Basic ${base64('acme:k3y!')}`);
    expect(request.headers['X-Key']).toBe('k3y!');
    expect(request.url).toBe('https://api.example.com/v2/?sig=sh');
    const bearer = buildOutgoingRequest(connector('<request/>', '', '<bearer token="$config.$fields.key"/>'), context, '+14155550100');
    expect(bearer.headers.Authorization).toBe('Bearer k3y!');
  });

  it('prefers the callerid config field, else the agent caller ID', () => {
    const plan = connector('<request><parameters><parameter name="from" value="@callerid"/></parameters></request>');
    expect(buildOutgoingRequest(plan, { ...context, config: { ...context.config, callerid: '' } }, '+14155550100').body).toBe('from=%2B15550000000');
  });

  it('explains what is missing and where to set it', () => {
    const plan = connector('<request><parameters><parameter name="To" value="@extension"/></parameters></request>');
    expect(() => buildOutgoingRequest(plan, { ...context, agent: {} }, '+14155550100')).toThrow(
      new ConnectorRuntimeError('@extension is empty: set your phone number in Options > Agent', 'missing-value'),
    );
    expect(() => buildOutgoingRequest(plan, context, 'call me maybe')).toThrow('"call me maybe" is not a phone number');
  });

  it("hands a number's extension to the connector as @to_extension, and leaves it out when there is none", () => {
    const plan = connector(`<request><parameters>
      <parameter name="Url"><![CDATA[@answer_callback|urlappend:{'DialTo': '@to_number', 'DialExt': "@to_extension|default:''"}]]></parameter>
    </parameters></request>`);
    const url = (to: Parameters<typeof buildOutgoingRequest>[2]) => new URLSearchParams(buildOutgoingRequest(plan, context, to).body).get('Url');
    expect(url({ number: '(415) 555-0100', extension: '204' })).toBe('https://relay/hooks/i/s/answer?DialTo=%2B14155550100&DialExt=204');
    expect(url({ number: '(415) 555-0100' })).toBe('https://relay/hooks/i/s/answer?DialTo=%2B14155550100');
    expect(url('(415) 555-0100')).toBe('https://relay/hooks/i/s/answer?DialTo=%2B14155550100');
  });

  it('refuses an extension that is not digits: nothing else may reach a DTMF string or a URL', () => {
    const plan = connector('<request><parameters><parameter name="ext" value="@to_extension" optional="true"/></parameters></request>');
    for (const extension of ['12w#', '1&DialTo=+19005550100', '<x/>', '1'.repeat(21)]) {
      expect(() => buildOutgoingRequest(plan, context, { number: '+14155550100', extension })).toThrow(new ConnectorRuntimeError(`"${extension}" is not an extension: digits only, at most 20`, 'invalid-number'));
    }
    expect(buildOutgoingRequest(plan, context, { number: '+14155550100', extension: '0042' }).body).toBe('ext=0042');
  });

  it('joins URLs as the seed describes', () => {
    expect(joinUrl('https://a/b', '')).toBe('https://a/b');
    expect(joinUrl('https://a/b/', '/c')).toBe('https://a/b/c');
    expect(joinUrl('https://a/b', 'https://other/x')).toBe('https://other/x');
  });
});

describe('mapOutgoingResponse', () => {
  const plan = connector('<request/>');

  it('maps the call id and status of a 2xx answer', () => {
    const result = mapOutgoingResponse(plan, context, '+14155550100', { status: 201, body: '{"id":"c-1","state":"queued"}' });
    expect(result.ok).toBe(true);
    expect(result.record).toMatchObject({ call_id: 'c-1', call_status: 'queued', direction: 'outbound', to_number: '+14155550100', from_number: '+14155550111' });
  });

  it("shows the provider's error message, else the HTTP status", () => {
    expect(mapOutgoingResponse(plan, context, '+14155550100', { status: 400, body: '{"error":{"message":"To is not a valid number"}}' }).error).toBe('To is not a valid number');
    expect(mapOutgoingResponse(plan, context, '+14155550100', { status: 503, body: '' }).error).toBe('HTTP 503');
    expect(mapOutgoingResponse(plan, context, '+14155550100', { status: 502, body: '<html>Bad gateway</html>' }).error).toBe(
      "HTTP 502: the provider's answer is not JSON: <html>Bad gateway</html>",
    );
  });

  it('applies success predicates case-insensitively (Ozonetel)', () => {
    const ozonetel = connector('<request/>', '<response><call_id use="ucid"/><success use="status" in="queued successfully,queued"/><error use="message"/></response>');
    const map = (body: string) => mapOutgoingResponse(ozonetel, context, '+14155550100', { status: 200, body });
    expect(map('{"status":"Queued Successfully","ucid":"9"}').ok).toBe(true);
    expect(map('{"status":"fail","message":"please provide proper user credentials"}')).toMatchObject({ ok: false, error: 'please provide proper user credentials' });
    expect(map('{"status":"false","message":"Token Expired","data":null}').error).toBe('Token Expired');
    const loose = connector('<request/>', '<response><success use="ok"/></response>');
    expect(mapOutgoingResponse(loose, context, '+14155550100', { status: 200, body: '{"ok":true}' }).ok).toBe(true);
    expect(mapOutgoingResponse(loose, context, '+14155550100', { status: 200, body: '{"ok":"fails"}' })).toMatchObject({ ok: false, error: 'HTTP 200: the provider did not confirm the call' });
  });

  it('reads XML responses', () => {
    const xml = connector('<request/>', '<response format="xml"><call_id use="Call.Sid"/><call_status use="Call.Status"/></response>');
    const result = mapOutgoingResponse(xml, context, '+14155550100', { status: 200, body: '<TwilioResponse><Call><Sid>ex1</Sid><Status>in-progress</Status></Call></TwilioResponse>' });
    expect(result.record).toMatchObject({ call_id: 'ex1', call_status: 'in-progress' });
  });
});

describe('placeCall', () => {
  const plan = connector('<request><parameters><parameter name="to" value="@to_number"/></parameters></request>');

  it('sends the built request through the given fetch and maps the answer', async () => {
    const seen: Array<{ url: string; body?: string }> = [];
    const fetch: Fetch = async (url, init) => {
      seen.push({ url, body: init.body });
      return { status: 201, headers: new Headers({ 'content-type': 'application/json' }), text: async () => '{"id":"c-9","state":"ringing"}' };
    };
    const result = await placeCall(plan, context, '+14155550100', fetch);
    expect(seen).toEqual([{ url: 'https://api.example.com/v2/', body: 'to=%2B14155550100' }]);
    expect(result).toMatchObject({ ok: true, record: { call_id: 'c-9', call_status: 'ringing' } });
  });

  it("gives each call a request id of its own (@request_id), the same in the request and the answer's mapping", async () => {
    const referenced = connector(
      '<request format="json"><parameters><parameter name="number" value="@to_number"/><parameter name="reference_id" value="@request_id"/></parameters></request>',
      '<response format="json"><call_id use="reference_id" default="@request_id"/><obd_id use="unique_id"/></response>',
    );
    const sent: string[] = [];
    const answer = (echo: boolean): Fetch => async (_url, init) => {
      sent.push(JSON.parse(init.body!).reference_id);
      return { status: 200, headers: new Headers({ 'content-type': 'application/json' }), text: async () => JSON.stringify({ unique_id: 'u-1', ...(echo ? { reference_id: JSON.parse(init.body!).reference_id } : {}) }) };
    };
    const first = await placeCall(referenced, context, '+14155550100', answer(true));
    const second = await placeCall(referenced, context, '+14155550100', answer(false));
    expect(sent[0]).toMatch(/^[0-9a-f-]{36}$/);
    expect(sent[1]).not.toBe(sent[0]);
    // Echoed or not, the call is known by the id sent.
    expect([first.record.call_id, second.record.call_id]).toEqual(sent);
    expect(first.record.extra.obd_id).toBe('u-1');
    // A caller may give its own; a request built without one has no @request_id to render.
    expect(JSON.parse(buildOutgoingRequest(referenced, context, { number: '+14155550100', requestId: 'r-7' }).body!).reference_id).toBe('r-7');
    expect(() => buildOutgoingRequest(referenced, context, '+14155550100')).toThrow(/request_id/);
  });

  it('sends the request again with the same request id after a refused token', async () => {
    const tokened = connector(
      '<request format="json"><parameters><parameter name="ref" value="@request_id"/></parameters></request>',
      '<response format="json"><call_id use="id"/></response>',
      '<token url="https://auth.example.com/token" path="access_token"><parameter name="key" value="$config.$fields.key"/></token>',
    );
    const refs: string[] = [];
    const fetch: Fetch = async (url, init) => {
      if (url.startsWith('https://auth.')) return { status: 200, headers: new Headers({ 'content-type': 'application/json' }), text: async () => '{"access_token":"t"}' };
      refs.push(JSON.parse(init.body!).ref);
      return refs.length === 1 ? { status: 401, headers: new Headers(), text: async () => '' } : { status: 200, headers: new Headers({ 'content-type': 'application/json' }), text: async () => '{"id":"c-1"}' };
    };
    expect(await placeCall(tokened, context, '+14155550100', fetch)).toMatchObject({ ok: true });
    expect(refs).toHaveLength(2);
    expect(refs[1]).toBe(refs[0]);
  });

  it('turns a network failure into a clear reason', async () => {
    const fetch: Fetch = async () => {
      throw new TypeError('fetch failed');
    };
    expect(await placeCall(plan, context, '+14155550100', fetch)).toMatchObject({ ok: false, error: 'could not reach api.example.com: fetch failed' });
  });
});

describe('redaction', () => {
  it('masks Authorization and every secret config value wherever it appears', () => {
    const plan = connector('<request method="get"><parameters><parameter name="k" value="$config.$fields.key"/><parameter name="s" value="$config.$fields.api_secret"/></parameters></request>', '', '<basic username="$config.$fields.account" password="$config.$fields.key"/><header name="X-Key" value="$config.$fields.key"/>');
    const request = buildOutgoingRequest(plan, context, '+14155550100');
    const secrets = secretValues(plan, context.config);
    expect(secrets.sort()).toEqual(['k3y!', 'sh']);
    const redacted = redactRequest(request, secrets);
    expect(redacted.headers).toEqual({ Authorization: `Basic ${REDACTED}`, 'X-Key': REDACTED });
    expect(redacted.url).toBe(`https://api.example.com/v2/?k=${REDACTED}&s=${REDACTED}`);
    expect(JSON.stringify(redacted)).not.toContain('k3y');
  });

  it('redacts an Authorization value without a scheme whole (a request signature)', () => {
    expect(redactRequest({ method: 'GET', url: 'https://a/', headers: { Authorization: 'user1:c2lnbmF0dXJl' } }, []).headers.Authorization).toBe(REDACTED);
  });
});

describe('signed requests (Zadarma)', () => {
  it("signs with the request's path and sorted query, as Zadarma documents", async () => {
    const { createHash, createHmac } = await import('node:crypto');
    const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="key"/><field name="secret" type="password"/></fields></config>
  <provider>
    <url>https://api.zadarma.com/v1/</url>
    <auth><header name="Authorization" value="$config.$fields.key:{{@request_path@request_query@request_query|md5}}|hmac_sha1:'$config.$fields.secret'|base64"/></auth>
  </provider>
  <outgoing_call>
    <request method="get"><url>request/callback/</url><parameters>
      <parameter name="to" value="@to_number"/><parameter name="from" value="@extension"/><parameter name="predicted" value="y y"/>
    </parameters></request>
  </outgoing_call>
</connector>`);
    const request = buildOutgoingRequest(plan, { config: { key: 'user1', secret: 's3' }, agent: { extension: '+14155550111' } }, '+14155550100');
    // Zadarma's algorithm, written out independently: base64(hex(HMAC-SHA1(path + q + md5(q)))).
    const query = 'from=%2B14155550111&predicted=y+y&to=%2B14155550100';
    const hex = createHmac('sha1', 's3').update(`/v1/request/callback/${query}${createHash('md5').update(query).digest('hex')}`).digest('hex');
    expect(request.headers.Authorization).toBe(`user1:${Buffer.from(hex).toString('base64')}`);
    expect(request.url).toBe('https://api.zadarma.com/v1/request/callback/?to=%2B14155550100&from=%2B14155550111&predicted=y+y');
  });
});

describe('optional parameters', () => {
  it('leaves out an optional parameter whose value is empty or unset, in forms, queries and JSON', () => {
    const form = connector(`<request><parameters>
      <parameter name="to" value="@to_number"/>
      <parameter name="caller_id" value="@user_caller_id" optional="true"/>
      <parameter name="region" value="$config.$fields.account" optional="true"/>
    </parameters></request>`);
    expect(buildOutgoingRequest(form, { ...context, config: { ...context.config, account: '' } }, '+14155550100').body).toBe('to=%2B14155550100');
    expect(buildOutgoingRequest(form, context, '+14155550100').body).toBe('to=%2B14155550100&region=acme');
    const json = connector(`<request format="json"><parameters>
      <parameter name="to" value="@to_number"/>
      <parameter name="group" value="@user_group" optional="true"/>
      <parameter name="meta"><parameter name="team" value="@user_team" optional="true"/><parameter name="none" value="@user_none" optional="true"/></parameter>
    </parameters></request>`);
    expect(JSON.parse(buildOutgoingRequest(json, context, '+14155550100').body!)).toEqual({ to: '+14155550100', meta: { team: 'Sales' } });
  });

  it('still fails on a required parameter without its value', () => {
    const plan = connector('<request><parameters><parameter name="group" value="@user_group"/></parameters></request>');
    expect(() => buildOutgoingRequest(plan, context, '+14155550100')).toThrow('@user_group is empty');
  });
});

describe('repeated parameters (type="array")', () => {
  const events = `<parameter name="StatusCallbackEvent" type="array">
      <parameter value="initiated"/><parameter value="ringing"/><parameter value="@user_extra" optional="true"/><parameter value="completed"/>
    </parameter>`;

  it('sends one form pair per item, in order, as Twilio documents StatusCallbackEvent', () => {
    const plan = connector(`<request><parameters><parameter name="To" value="@to_number"/>${events}</parameters></request>`);
    expect(buildOutgoingRequest(plan, context, '+14155550100').body).toBe('To=%2B14155550100&StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&StatusCallbackEvent=completed');
    const withExtra = { ...context, agent: { ...context.agent!, fields: { extra: 'answered' } } };
    expect(new URLSearchParams(buildOutgoingRequest(plan, withExtra, '+14155550100').body).getAll('StatusCallbackEvent')).toEqual(['initiated', 'ringing', 'answered', 'completed']);
  });

  it('repeats the query parameter for GET', () => {
    const plan = connector(`<request method="get"><url>calls</url><parameters>${events}</parameters></request>`);
    expect(buildOutgoingRequest(plan, context, '+14155550100').url).toBe('https://api.example.com/v2/calls?StatusCallbackEvent=initiated&StatusCallbackEvent=ringing&StatusCallbackEvent=completed');
  });

  it('sends a JSON array from the same declaration', () => {
    const plan = connector(`<request format="json"><parameters>${events}</parameters></request>`);
    expect(JSON.parse(buildOutgoingRequest(plan, context, '+14155550100').body!)).toEqual({ StatusCallbackEvent: ['initiated', 'ringing', 'completed'] });
  });

  it('sends nothing for an array whose items are all left out', () => {
    const plan = connector('<request><parameters><parameter name="to" value="@to_number"/><parameter name="Tag" type="array"><parameter value="@user_none" optional="true"/></parameter></parameters></request>');
    expect(buildOutgoingRequest(plan, context, '+14155550100').body).toBe('to=%2B14155550100');
  });
});
