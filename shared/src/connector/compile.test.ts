import { describe, expect, it } from 'vitest';
import { checkConnector, loadConnector } from './compile.ts';
import { ConnectorLoadError, formatDiagnostic } from './diagnostics.ts';
import { LineIndex, parseXmlTree } from './xml-tree.ts';
import { elementSpecAt } from './grammars.ts';

const FIELDS = `<config><fields>
    <field name="authid" label="Account" type="text" presence="mandatory"/>
    <field name="authtoken" label="Token" type="password"/>
    <field name="region" type="url"/>
    <field name="answer_callback" type="url"/>
  </fields></config>`;

describe('xml tree', () => {
  it('locates elements, attributes and text with line:col', () => {
    const source = '<a>\n  <b x="1"\n     y="2">hi</b>\n</a>';
    const parsed = parseXmlTree(source);
    if (!parsed.ok) throw new Error('expected ok');
    const lines = new LineIndex(source);
    const b = parsed.root.children[0]!;
    expect(lines.locate(b.offset)).toEqual({ line: 2, col: 3 });
    expect(lines.locate(b.attributes[1]!.offset)).toEqual({ line: 3, col: 6 });
    expect(b.texts[0]).toMatchObject({ text: 'hi', cdata: false });
    expect(b.path).toBe('a/b');
  });

  it('indexes repeated siblings in paths', () => {
    const parsed = parseXmlTree('<a><b/><c/><b/></a>');
    if (!parsed.ok) throw new Error('expected ok');
    expect(parsed.root.children.map((c) => c.path)).toEqual(['a/b[1]', 'a/c', 'a/b[2]']);
  });

  it('refuses DOCTYPE and ENTITY declarations before anything expands', () => {
    const parsed = parseXmlTree('<?xml version="1.0"?>\n<!DOCTYPE c [<!ENTITY x "y">]>\n<c>&x;</c>');
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.problem.message).toBe('<!DOCTYPE> is not allowed in a connector');
  });

  it('decodes the predefined entities and CDATA', () => {
    const parsed = parseXmlTree('<a x="1 &amp; 2"><![CDATA[<raw> & ok]]></a>');
    if (!parsed.ok) throw new Error('expected ok');
    expect(parsed.root.attributes[0]!.value).toBe('1 & 2');
    expect(parsed.root.texts[0]).toMatchObject({ text: '<raw> & ok', cdata: true });
  });
});

describe('compiling each element', () => {
  it('compiles config fields with types, presence and callback flags', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">${FIELDS}<incoming_call/></connector>`, { file: 'x/acme.xml' });
    expect(plan.name).toBe('acme');
    expect(plan.fields).toEqual([
      { name: 'authid', label: 'Account', type: 'text', mandatory: true, callbackUrl: false },
      { name: 'authtoken', label: 'Token', type: 'password', mandatory: false, callbackUrl: false },
      { name: 'region', label: 'region', type: 'url', mandatory: false, callbackUrl: false },
      { name: 'answer_callback', label: 'answer_callback', type: 'url', mandatory: false, callbackUrl: true },
    ]);
  });

  it('uses the connector name attribute when given', () => {
    expect(loadConnector('<connector for="PhoneCalls" name="Acme Voice"><incoming_call/></connector>').name).toBe('Acme Voice');
  });

  it('compiles every auth method and the signature', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">${FIELDS}
  <provider>
    <url>https://api.example.com/$config.$fields.authid</url>
    <auth>
      <basic username="$config.$fields.authid" password="$config.$fields.authtoken"/>
      <bearer token="$config.$fields.authtoken"/>
      <header name="X-Api-Key" value="$config.$fields.authtoken"/>
      <query name="api_key" value="$config.$fields.authtoken"/>
    </auth>
    <signature type="twilio" token="$config.$fields.authtoken"/>
  </provider>
  <outgoing_call><request><parameters><parameter name="To" value="@to_number"/></parameters></request></outgoing_call>
</connector>`);
    expect(plan.provider?.auth.map((a) => a.kind)).toEqual(['basic', 'bearer', 'header', 'query']);
    expect(plan.provider?.signature?.kind).toBe('twilio');
    expect(plan.provider?.url.source).toBe('https://api.example.com/$config.$fields.authid');
  });

  it('compiles the outgoing request: method, format, url, headers, nested JSON parameters', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call>
    <request method="POST" format="json">
      <url>v1/calls</url>
      <headers><header name="Accept" value="application/json"/></headers>
      <parameters>
        <parameter name="to">@to_number</parameter>
        <parameter name="from"><parameter name="type" value="phone"/><parameter name="number" value="@extension"/></parameter>
        <parameter name="answer_url" type="array"><parameter value="@answer_callback"/></parameter>
        <parameter name="timeout" type="number" value="30"/>
      </parameters>
    </request>
  </outgoing_call>
</connector>`);
    const request = plan.outgoing!.request;
    expect(request.method).toBe('POST');
    expect(request.format).toBe('json');
    expect(request.url?.source).toBe('v1/calls');
    expect(request.parameters.map((p) => [p.name, p.type, p.value?.source, p.children.length])).toEqual([
      ['to', 'string', '@to_number', 0],
      ['from', 'object', undefined, 2],
      ['answer_url', 'array', undefined, 1],
      ['timeout', 'number', '30', 0],
    ]);
  });

  it('compiles a repeated form parameter as type="array" with plain items', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call><request><parameters>
    <parameter name="StatusCallbackEvent" type="array"><parameter value="initiated"/><parameter value="completed"/></parameter>
  </parameters></request></outgoing_call>
</connector>`);
    const [events] = plan.outgoing!.request.parameters;
    expect([events!.name, events!.type, events!.children.map((c) => c.value?.source)]).toEqual(['StatusCallbackEvent', 'array', ['initiated', 'completed']]);
  });

  it('compiles mappings with paths, defaults, success lists and seed aliases (with warnings)', () => {
    const result = checkConnector(`<connector for="PhoneCalls">
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call>
    <request/>
    <response format="json">
      <callid use="data.id"/>
      <status use="data.state" default="queued"/>
      <success use="status" in="Queued, queued successfully"/>
      <custom_field use="meta.x"/>
    </response>
  </outgoing_call>
</connector>`);
    expect(result.plan?.outgoing?.response).toMatchObject({
      format: 'json',
      fields: [
        { field: 'call_id', use: { segments: ['data', 'id'] } },
        { field: 'call_status', use: { segments: ['data', 'state'] }, default: { source: 'queued' } },
        { field: 'success', in: ['queued', 'queued successfully'] },
        { field: 'custom_field', use: { segments: ['meta', 'x'] } },
      ],
    });
    expect(result.diagnostics.map((d) => `${d.line}:${d.col} ${d.code}`)).toEqual(['6:7 field-alias', '7:7 field-alias']);
  });

  it('compiles status callbacks into lower-cased status blocks', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call>
    <request/>
    <callbacks>
      <status_callback use="data.Status">
        <status for="Answered, Completed"><response><call_id use="id"/></response></status>
        <status for="NotAnswered"><response><call_id use="id"/></response>
          <send_response format="json"><parameters><parameter name="ok" type="boolean" value="true"/></parameters></send_response>
        </status>
      </status_callback>
    </callbacks>
  </outgoing_call>
</connector>`);
    const status = plan.outgoing!.status!;
    expect(status.use.segments).toEqual(['data', 'Status']);
    expect(status.blocks.map((b) => b.for)).toEqual([['answered', 'completed'], ['notanswered']]);
    expect(status.blocks[1]?.reply?.format).toBe('json');
  });

  it('compiles send_response: root, headers, attrs, nested parameters, agentdialing', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="CallSid"/></response>
    <send_response format="xml" root="Reply" agentdialing="Number">
      <headers><header name="Content-Type" value="application/xml"/></headers>
      <parameters>
        <parameter name="Dial"><attrs><attr name="timeout" value="20"/></attrs><parameter name="Number" value="@extension"/></parameter>
        <parameter name="Say">Please hold</parameter>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);
    const reply = plan.incoming!.reply!;
    expect(reply).toMatchObject({ format: 'xml', root: 'Reply', agentDialing: 'Number' });
    expect(reply.headers.map((h) => h.name)).toEqual(['Content-Type']);
    expect(reply.parameters[0]).toMatchObject({ name: 'Dial', attrs: [{ name: 'timeout' }], children: [{ name: 'Number' }] });
    expect(reply.parameters[1]?.value?.source).toBe('Please hold');
  });

  it('lets callback templates use record fields and mapped extras, but not the request', () => {
    const ok = checkConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response><call_id use="CallSid"/><caller_name use="CallerName"/></response>
    <send_response><parameters><parameter name="Say" value="Hello @caller_name, call @call_id"/></parameters></send_response>
  </incoming_call>
</connector>`);
    expect(ok.plan).toBeDefined();
    const bad = checkConnector(`<connector for="PhoneCalls">
  <provider><url>https://api.example.com</url></provider>
  <outgoing_call><request><parameters><parameter name="x" value="@call_id"/></parameters></request></outgoing_call>
</connector>`);
    expect(bad.diagnostics.map(formatDiagnostic)).toEqual([
      'connector.xml:3:66: error: @call_id is a call record field: it is only known in callbacks and replies, not in the outgoing request (at connector/outgoing_call/request/parameters/parameter) — the request runs before the provider has told us anything about the call',
    ]);
  });

  it('loadConnector throws every error at once, formatted file:line:col', () => {
    const source = `<connector for="PhoneCalls">
  <provder/>
  <incoming_call><response><call_id/></response></incoming_call>
</connector>`;
    expect(() => loadConnector(source, { file: 'bad.xml' })).toThrow(ConnectorLoadError);
    try {
      loadConnector(source, { file: 'bad.xml' });
    } catch (error) {
      expect((error as ConnectorLoadError).message.split('\n')).toEqual([
        'bad.xml:2:3: error: unknown element <provder> inside <connector> (at connector/provder) — did you mean `provider`?',
        'bad.xml:3:28: error: <call_id> needs a `use` path or a `default` value (at connector/incoming_call/response/call_id) — e.g. <call_id use="CallSid"/>',
      ]);
    }
  });
});

describe('attribute defaults', () => {
  const defaultOf = (path: string, attribute: string) => elementSpecAt(path)?.attributes[attribute]?.default;

  it('finds the grammar of an element by its document path, sibling indices ignored', () => {
    expect(elementSpecAt('connector/provider/auth/jwt')?.attributes.ttl).toBeDefined();
    expect(elementSpecAt('connector/config/fields/field[2]')?.attributes.presence).toBeDefined();
    expect(elementSpecAt('connector/nowhere')).toBeUndefined();
  });

  it('reads an absent attribute as the default the grammar declares (and documents)', () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="key"/><field name="secret"/></fields></config>
  <provider><url>https://api.example.com</url>
    <auth><token url="https://api.example.com/token" path="access_token"/><jwt algorithm="HS256" key="$config.$fields.key"/></auth>
    <signature type="hmac" token="$config.$fields.secret" header="Signature" message="@call_id"/>
  </provider>
  <outgoing_call><request/></outgoing_call>
  <incoming_call><response><call_id use="id"/></response><send_response><parameters><parameter name="Hangup"/></parameters></send_response></incoming_call>
</connector>`);
    const [token, jwt] = plan.provider!.auth;
    expect(token).toMatchObject({ method: defaultOf('connector/provider/auth/token', 'method')!.toUpperCase(), format: defaultOf('connector/provider/auth/token', 'format') });
    expect(token).toMatchObject({ header: defaultOf('connector/provider/auth/token', 'header'), prefix: defaultOf('connector/provider/auth/token', 'prefix') });
    expect(jwt).toMatchObject({ ttlSeconds: Number(defaultOf('connector/provider/auth/jwt', 'ttl')), header: 'Authorization', prefix: 'Bearer ' });
    expect(plan.provider!.signature).toMatchObject({ algorithm: defaultOf('connector/provider/signature', 'algorithm'), encoding: defaultOf('connector/provider/signature', 'encoding') });
    expect(plan.outgoing!.request).toMatchObject({ method: 'POST', format: defaultOf('connector/outgoing_call/request', 'format') });
    expect(plan.incoming!.reply!.status).toBe(Number(defaultOf('connector/incoming_call/send_response', 'status')));
    expect(plan.fields[0]!.type).toBe(defaultOf('connector/config/fields/field', 'type'));
    // The values connectors have always had when they leave these out.
    expect(jwt).toMatchObject({ ttlSeconds: 900 });
    expect(plan.incoming!.reply!.status).toBe(200);
  });
});
