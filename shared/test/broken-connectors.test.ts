import { describe, expect, it } from 'vitest';
import { checkConnector } from '../src/index.ts';

/**
 * A catalogue of broken connectors: each is a small realistic connector with one thing
 * broken, and the exact first error an author sees for it. Positions are 1-based line:col,
 * counted by hand from the rows below (row N of `xml(...)` is line N). A failing case here
 * means the engine moved, reworded or lost an error message, which authors rely on.
 */
const xml = (...rows: string[]) => rows.join('\n');

interface BrokenCase {
  name: string;
  xml: string;
  code: string;
  line: number;
  col: number;
  path: string;
  message: string;
  /** Substring of the hint; `null` when the error must carry none. */
  hint?: string | null;
}

const PROVIDER = '  <provider><url>https://api.example.com/v1</url></provider>';

const WELL_FORMEDNESS: BrokenCase[] = [
  // Seed XML lost its closing slashes: the bare <call_id> is named, not the </response> after it.
  {
    name: 'seed-style closing tag without its slash, nested (`<call_id use="sid"><call_id>`)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider>',
      '    <url>https://api.example.com/v1</url>',
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <call_id use="sid"><call_id>', // line 8: the bare <call_id> is at col 26
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 8,
    col: 26,
    path: 'connector/outgoing_call/response/call_id/call_id',
    message: '<call_id> looks like a closing tag without its slash',
    hint: 'write </call_id>',
  },
  {
    name: 'seed-style config section with every closing slash lost',
    xml: xml(
      '<connector for="PhoneCalls">',
      '<config>',
      '<fields>',
      '<field name="username" label="User Name" type="text" >', // line 4
      '<fields>',
      '<config>',
      '<connector>',
    ),
    code: 'xml-syntax',
    line: 4,
    col: 1,
    path: 'connector/config/fields/field',
    message: '<field> is never closed',
    hint: 'end the tag with /> or add </field>',
  },
  {
    name: 'unclosed root element',
    xml: xml(
      '<connector for="PhoneCalls">', // line 1
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
    ),
    code: 'xml-syntax',
    line: 1,
    col: 1,
    path: 'connector',
    message: '<connector> is never closed',
    hint: 'add </connector>',
  },
  {
    name: 'field tag left open (no self-closing slash)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid" type="text">',
      '  </fields></config>', // line 4: </fields> at col 3
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 4,
    col: 3,
    path: 'connector/config/fields/field',
    message: '</fields> found where </field> was expected',
    hint: '<field> is still open',
  },
  {
    name: 'mismatched closing tag',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider>',
      '    <url>https://api.example.com/v1</uri>', // line 3: </uri> at col 36
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 3,
    col: 36,
    path: 'connector/provider/url',
    message: '</uri> found where </url> was expected',
    hint: '<url> is still open',
  },
  {
    name: 'unquoted attribute value',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method=post>', // line 4: method at col 14
      '      <url>Calls.json</url>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 4,
    col: 14,
    path: '(document)',
    message: 'malformed XML',
    hint: 'attribute values must be quoted',
  },
  {
    name: 'duplicate attribute',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid" type="text" name="authtoken"/>', // line 3: second name at col 38
      '  </fields></config>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 3,
    col: 38,
    path: '(document)',
    message: 'malformed XML',
    hint: 'each attribute may appear once',
  },
  {
    name: 'DOCTYPE declaration',
    xml: xml(
      '<?xml version="1.0"?>',
      '<!DOCTYPE connector [', // line 2
      '  <!ENTITY token "secret">',
      ']>',
      '<connector for="PhoneCalls">',
      '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 2,
    col: 1,
    path: '(document)',
    message: '<!DOCTYPE> is not allowed in a connector',
    hint: 'remove the declaration',
  },
  {
    name: 'ENTITY declaration',
    xml: xml(
      '<?xml version="1.0"?>',
      '<connector for="PhoneCalls">',
      '  <!ENTITY token SYSTEM "file:///etc/passwd">', // line 3
      '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>',
      '</connector>',
    ),
    code: 'xml-syntax',
    line: 3,
    col: 3,
    path: '(document)',
    message: '<!ENTITY> is not allowed in a connector',
    hint: 'no DTDs or custom entities',
  },
];

const STRUCTURE: BrokenCase[] = [
  {
    name: 'wrong root element',
    xml: xml(
      '<?xml version="1.0"?>',
      '<connectors for="PhoneCalls">', // line 2
      '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>',
      '</connectors>',
    ),
    code: 'wrong-root',
    line: 2,
    col: 1,
    path: 'connectors',
    message: 'the root element must be <connector>, not <connectors>',
    hint: 'did you mean `connector`?',
  },
  {
    name: 'missing `for` on the root',
    xml: xml(
      '<connector>', // line 1
      '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>',
      '</connector>',
    ),
    code: 'missing-attribute',
    line: 1,
    col: 1,
    path: 'connector',
    message: '<connector> needs a `for` attribute',
    hint: 'PhoneCalls',
  },
  {
    name: 'wrong `for` on the root',
    xml: xml(
      '<connector for="SMSNotifier">', // line 1: for at col 12
      '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>',
      '</connector>',
    ),
    code: 'invalid-value',
    line: 1,
    col: 12,
    path: 'connector',
    message: 'for must be "PhoneCalls" (got "SMSNotifier")',
  },
  {
    name: 'misspelt element with a suggestion (`<provder>`)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provder>', // line 2
      '    <signature type="header" name="X-Webhook-Secret" value="s3cret"/>',
      '  </provder>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'unknown-element',
    line: 2,
    col: 3,
    path: 'connector/provder',
    message: 'unknown element <provder> inside <connector>',
    hint: 'did you mean `provider`?',
  },
  {
    name: 'unknown element without a suggestion',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <recording enabled="true"/>', // line 5
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'unknown-element',
    line: 5,
    col: 5,
    path: 'connector/outgoing_call/recording',
    message: 'unknown element <recording> inside <outgoing_call>',
    hint: 'allowed here: <request>, <response>, <callbacks>',
  },
  {
    name: 'misspelt attribute `presnce`',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="callerid" label="Caller ID" presnce="mandatory"/>', // line 3: presnce at col 46
      '  </fields></config>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'unknown-attribute',
    line: 3,
    col: 46,
    path: 'connector/config/fields/field',
    message: 'unknown attribute `presnce` on <field>',
    hint: 'did you mean `presence`?',
  },
  {
    name: 'misspelt attribute `agentdailing`',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    <send_response format="xml" agentdailing="Number">', // line 4: agentdailing at col 33
      '      <parameters>',
      '        <parameter name="Dial">',
      '          <parameter name="Number" value="@extension"/>',
      '        </parameter>',
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'unknown-attribute',
    line: 4,
    col: 33,
    path: 'connector/incoming_call/send_response',
    message: 'unknown attribute `agentdailing` on <send_response>',
    hint: 'did you mean `agentdialing`?',
  },
  {
    name: 'misspelt attribute `defualt` on a mapping',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response format="json">',
      '      <call_id use="CallSid"/>',
      '      <direction use="Direction" defualt="inbound"/>', // line 5: defualt at col 34
      '    </response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'unknown-attribute',
    line: 5,
    col: 34,
    path: 'connector/incoming_call/response/direction',
    message: 'unknown attribute `defualt` on <direction>',
    hint: 'did you mean `default`?',
  },
  {
    name: 'attribute on an element that takes none',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields type="text">', // line 2: type at col 19
      '    <field name="authid"/>',
      '  </fields></config>',
      '  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>',
      '</connector>',
    ),
    code: 'unknown-attribute',
    line: 2,
    col: 19,
    path: 'connector/config/fields',
    message: 'unknown attribute `type` on <fields>',
    hint: '<fields> takes no attributes',
  },
  {
    name: 'two <provider> elements',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider>',
      '    <url>https://api.example.com/v1</url>',
      '  </provider>',
      '  <provider>', // line 5
      '    <url>https://api.example.com/v2</url>',
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'duplicate-element',
    line: 5,
    col: 3,
    path: 'connector/provider[2]',
    message: '<provider> may appear only once inside <connector>',
    hint: null,
  },
  {
    name: 'outgoing_call without its <request>',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>', // line 3
      '    <response format="json"><call_id use="sid"/></response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'missing-element',
    line: 3,
    col: 3,
    path: 'connector/outgoing_call',
    message: '<outgoing_call> needs a <request> element',
    hint: 'The HTTP request that places the call.',
  },
  {
    name: 'provider without a <url>',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid"/>',
      '    <field name="authtoken" type="password"/>',
      '  </fields></config>',
      '  <provider>', // line 6
      '    <auth><basic username="$config.$fields.authid" password="$config.$fields.authtoken"/></auth>',
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>https://api.example.com/v1/Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'missing-element',
    line: 6,
    col: 3,
    path: 'connector/provider',
    message: '<provider> needs a <url> element',
    hint: 'Base URL',
  },
  {
    name: 'status_callback without `use`',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <callbacks>',
      '      <status_callback>', // line 6
      '        <status for="completed">',
      '          <response><call_id use="CallSid"/></response>',
      '        </status>',
      '      </status_callback>',
      '    </callbacks>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'missing-attribute',
    line: 6,
    col: 7,
    path: 'connector/outgoing_call/callbacks/status_callback',
    message: '<status_callback> needs a `use` attribute',
    hint: 'Path of the status value',
  },
  {
    name: 'reply parameter without a name',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    <send_response format="xml">',
      '      <parameters>',
      '        <parameter value="Thanks for calling"/>', // line 6
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'missing-attribute',
    line: 6,
    col: 9,
    path: 'connector/incoming_call/send_response/parameters/parameter',
    message: '<parameter> needs a `name` attribute',
  },
  {
    name: 'connector with neither outgoing_call nor incoming_call',
    xml: xml(
      '<connector for="PhoneCalls">', // line 1
      '  <config><fields>',
      '    <field name="authid"/>',
      '  </fields></config>',
      PROVIDER,
      '</connector>',
    ),
    code: 'invalid',
    line: 1,
    col: 1,
    path: 'connector',
    message: 'a connector needs <outgoing_call>, <incoming_call> or both',
    hint: 'add <outgoing_call>',
  },
  {
    name: 'outgoing_call without a provider',
    xml: xml(
      '<connector for="PhoneCalls">', // line 1
      '  <outgoing_call>',
      '    <request><url>https://api.example.com/v1/Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 1,
    col: 1,
    path: 'connector',
    message: '<outgoing_call> needs a <provider> with the API URL',
    hint: 'add <provider><url>',
  },
];

const CONFIG_AND_PROVIDER: BrokenCase[] = [
  {
    name: 'provider URL that is not http(s)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider>',
      '    <url>api.example.com/v1</url>', // line 3
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 3,
    col: 5,
    path: 'connector/provider/url',
    message: 'the provider URL must start with http:// or https:// (got "api.example.com/v1")',
  },
  {
    name: 'undeclared config field `$config.$fields.autoken`',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid"/>',
      '    <field name="authtoken" type="password"/>',
      '  </fields></config>',
      '  <provider>',
      '    <url>https://api.example.com/v1</url>',
      '    <auth><basic username="$config.$fields.authid" password="$config.$fields.autoken"/></auth>', // line 8: $ at col 62
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'undeclared-field',
    line: 8,
    col: 62,
    path: 'connector/provider/auth/basic',
    message: 'config field `autoken` is not declared',
    hint: 'did you mean `authtoken`?',
  },
  {
    name: 'undeclared config field inside the seed\'s CDATA provider URL',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields><field name="authid"/></fields></config>',
      '  <provider>',
      '    <url> <![CDATA[https://api.twilio.com/2010-04-01/Accounts/$config.$fields.authd]]></url>', // line 4: $ at col 63
      '  </provider>',
      '  <outgoing_call><request><url>Calls.json</url></request></outgoing_call>',
      '</connector>',
    ),
    code: 'undeclared-field',
    line: 4,
    col: 63,
    path: 'connector/provider/url',
    message: 'config field `authd` is not declared',
    hint: 'did you mean `authid`?',
  },
  {
    name: '`$config.$field.` instead of `$config.$fields.`',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid"/>',
      '    <field name="authtoken" type="password"/>',
      '  </fields></config>',
      '  <provider>',
      '    <url>https://api.example.com/v1</url>',
      '    <auth><basic username="$config.$field.authid" password="$config.$fields.authtoken"/></auth>', // line 8: $ at col 28
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'template-syntax',
    line: 8,
    col: 28,
    path: 'connector/provider/auth/basic',
    message: 'config fields are written `$config.$fields.NAME`',
  },
  {
    name: 'two config fields with the same name',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid" label="Account SID"/>',
      '    <field name="authid" label="Auth token" type="password"/>', // line 4: name at col 12
      '  </fields></config>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 4,
    col: 12,
    path: 'connector/config/fields/field[2]',
    message: 'config field `authid` is declared twice',
    hint: 'field names must be unique',
  },
  {
    name: 'config field name that is not an identifier',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="auth-token" type="password"/>', // line 3: name at col 12
      '  </fields></config>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid-value',
    line: 3,
    col: 12,
    path: 'connector/config/fields/field',
    message: 'a field name must start with a letter or _ and contain only letters, digits and _ (got "auth-token")',
  },
  {
    name: 'config field type that does not exist',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid" type="number"/>', // line 3: type at col 26
      '  </fields></config>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid-value',
    line: 3,
    col: 26,
    path: 'connector/config/fields/field',
    message: 'type must be one of: text, password, url (got "number")',
  },
  {
    name: 'twilio signature without a token',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="authid"/>',
      '  </fields></config>',
      '  <provider>',
      '    <url>https://api.twilio.com/2010-04-01/Accounts/$config.$fields.authid</url>',
      '    <signature type="twilio"/>', // line 7
      '  </provider>',
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 5,
    path: 'connector/provider/signature',
    message: '<signature type="twilio"> needs a `token` attribute',
    hint: 'token="$config.$fields.authtoken"',
  },
  {
    name: 'header signature without its value',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider>',
      '    <url>https://api.example.com/v1</url>',
      '    <signature type="header" name="X-Webhook-Secret"/>', // line 4
      '  </provider>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 4,
    col: 5,
    path: 'connector/provider/signature',
    message: '<signature type="header"> needs `name` and `value` attributes',
    hint: 'value="$config.$fields.webhook_secret"',
  },
];

const REQUEST: BrokenCase[] = [
  {
    name: 'request method that does not exist',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="put">', // line 4: method at col 14
      '      <url>Calls.json</url>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid-value',
    line: 4,
    col: 14,
    path: 'connector/outgoing_call/request',
    message: 'method must be one of: get, post (got "put")',
  },
  {
    name: 'unknown variable `@to_numbr` in the request',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter name="To" value="@to_numbr"/>', // line 7: @ at col 37
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'unknown-variable',
    line: 7,
    col: 37,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'unknown variable @to_numbr in the outgoing request',
    hint: 'did you mean `@to_number`?',
  },
  {
    name: 'record-only variable `@call_id` in the request',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter name="Ref" value="@call_id"/>', // line 7: @ at col 38
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'unknown-variable',
    line: 7,
    col: 38,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: '@call_id is a call record field: it is only known in callbacks and replies, not in the outgoing request',
    hint: 'the request runs before the provider has told us anything about the call',
  },
  {
    name: 'unknown filter `urlapend`',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      "        <parameter name=\"Url\" value=\"@answer_callback|urlapend:{'DialTo': '@to_number'}\"/>", // line 7: filter at col 55
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'filter',
    line: 7,
    col: 55,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'unknown filter `urlapend`',
    hint: 'did you mean `urlappend`?',
  },
  {
    name: '`default` filter without its argument',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter name="From" value="@callerid|default"/>', // line 7: filter at col 49
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'filter',
    line: 7,
    col: 49,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'filter `default` needs a quoted argument',
    hint: "write `|default:'value'`",
  },
  {
    name: '`default:` with nothing after the colon',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter name="From" value="@callerid|default:"/>', // line 7: argument expected at col 57
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'template-syntax',
    line: 7,
    col: 57,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'a filter argument is missing after `:`',
    hint: "quote it: `default:'value'`",
  },
  {
    name: '`urlappend` with a string instead of an object',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      "        <parameter name=\"Url\" value=\"@answer_callback|urlappend:'DialTo'\"/>", // line 7: filter at col 55
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'filter',
    line: 7,
    col: 55,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'filter `urlappend` needs an object argument',
    hint: "write `|urlappend:{'Key': '@value'}`",
  },
  {
    name: '`urlappend` object missing its `}`',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      "        <parameter name=\"Url\" value=\"@answer_callback|urlappend:{'DialTo': '@to_number'\"/>", // line 7: { at col 65
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'template-syntax',
    line: 7,
    col: 65,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'unterminated filter object: missing `}`',
    hint: "write {'Key': '@value'}",
  },
  {
    name: 'unterminated quoted filter argument',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      "        <parameter name=\"From\" value=\"@callerid|default:'+14155550100\"/>", // line 7: quote at col 57
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'template-syntax',
    line: 7,
    col: 57,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: "unterminated string: missing closing '",
  },
  {
    name: 'argument given to a filter that takes none',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      "        <parameter name=\"To\" value=\"@to_number|digits:'US'\"/>", // line 7: filter at col 48
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'filter',
    line: 7,
    col: 48,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'filter `digits` takes no argument',
  },
  {
    name: 'nested request parameters without format="json"',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter name="to">', // line 7
      '          <parameter name="number" value="@to_number"/>',
      '        </parameter>',
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 9,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'nested and typed parameters need a JSON body',
    hint: 'set <request method="post" format="json">',
  },
  {
    name: 'request parameter without a name',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter value="@to_number"/>', // line 7
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'missing-attribute',
    line: 7,
    col: 9,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: '<parameter> needs a `name` attribute',
    hint: 'only items of a type="array" parameter may omit it',
  },
  {
    name: 'request parameter with both a value and text',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <url>Calls.json</url>',
      '      <parameters>',
      '        <parameter name="To" value="@to_number">@extension</parameter>', // line 7
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 9,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: '<parameter> has both a `value` attribute and text',
    hint: 'keep one of them',
  },
  // Positions count the text as written: `&amp;` is five columns, not one.
  {
    name: 'undeclared config field after an `&amp;` in the request URL',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields><field name="campaign"/></fields></config>',
      '  <provider><url>https://api1.cloudagent.in/CAServices</url></provider>',
      '  <outgoing_call>',
      '    <request method="get">',
      '      <url>AgentManualDial.php?format=json&amp;campaignName=$config.$fields.campain</url>', // line 6: $ at col 61
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'undeclared-field',
    line: 6,
    col: 61,
    path: 'connector/outgoing_call/request/url',
    message: 'config field `campain` is not declared',
    hint: 'did you mean `campaign`?',
  },
  // The same for attribute values.
  {
    name: 'unknown variable after an `&amp;` in an attribute value',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request method="post">',
      '      <parameters>',
      '        <parameter name="Url" value="https://x.test/a?b=1&amp;c=@to_numbr"/>', // line 6: @ at col 65
      '      </parameters>',
      '    </request>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'unknown-variable',
    line: 6,
    col: 65,
    path: 'connector/outgoing_call/request/parameters/parameter',
    message: 'unknown variable @to_numbr in the outgoing request',
    hint: 'did you mean `@to_number`?',
  },
];

const MAPPING: BrokenCase[] = [
  {
    name: 'response format that does not exist',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="html">', // line 5: format at col 15
      '      <call_id use="sid"/>',
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid-value',
    line: 5,
    col: 15,
    path: 'connector/outgoing_call/response',
    message: 'format must be one of: json, xml (got "html")',
  },
  {
    name: 'mapping with neither `use` nor `default`',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <call_id/>', // line 6
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 6,
    col: 7,
    path: 'connector/outgoing_call/response/call_id',
    message: '<call_id> needs a `use` path or a `default` value',
    hint: 'e.g. <call_id use="CallSid"/>',
  },
  {
    name: '`in` on a field other than success',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <call_id use="sid"/>',
      '      <call_status use="status" in="queued"/>', // line 7: in at col 33
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 33,
    path: 'connector/outgoing_call/response/call_status',
    message: '`in` is only allowed on <success>',
  },
  {
    name: 'the same record field mapped twice (once through the seed alias)',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <callid use="sid"/>',
      '      <call_id use="sid"/>', // line 7
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 7,
    path: 'connector/outgoing_call/response/call_id',
    message: 'record field `call_id` is mapped twice in this block',
  },
  {
    name: 'path with an empty segment (`data..Status`)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider><url>https://api1.cloudagent.in/CAServices</url></provider>',
      '  <outgoing_call>',
      '    <request method="get"><url>AgentManualDial.php?</url></request>',
      '    <callbacks>',
      '      <status_callback use="data..Status">', // line 6: use at col 24
      '        <status for="Answered">',
      '          <response><call_id use="data.monitorUCID"/></response>',
      '        </status>',
      '      </status_callback>',
      '    </callbacks>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid-path',
    line: 6,
    col: 24,
    path: 'connector/outgoing_call/callbacks/status_callback',
    message: 'the path `data..Status` has an empty segment',
    hint: 'segments are separated by single dots: `data.Status`',
  },
  {
    name: 'path with white space',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <provider><url>https://api1.cloudagent.in/CAServices</url></provider>',
      '  <outgoing_call>',
      '    <request method="get"><url>AgentManualDial.php?</url></request>',
      '    <callbacks>',
      '      <status_callback use="data.Status">',
      '        <status for="Answered">',
      '          <response>',
      '            <call_id use="data.monitorUCID"/>',
      '            <duration use="data Duration"/>', // line 10: use at col 23
      '          </response>',
      '        </status>',
      '      </status_callback>',
      '    </callbacks>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid-path',
    line: 10,
    col: 23,
    path: 'connector/outgoing_call/callbacks/status_callback/status/response/duration',
    message: 'the path `data Duration` contains white space',
  },
  {
    name: 'path with a bracket that is not an index',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <call_id use="entries[first].sessionId"/>', // line 6: use at col 16
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid-path',
    line: 6,
    col: 16,
    path: 'connector/outgoing_call/response/call_id',
    message: 'the path `entries[first].sessionId` has a bracket that is not an index like [0]',
  },
  {
    name: 'status list with an empty entry (`completed,,busy`)',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <callbacks>',
      '      <status_callback use="CallStatus">',
      '        <status for="completed,,busy">', // line 7: for at col 17
      '          <response><call_id use="CallSid"/></response>',
      '        </status>',
      '      </status_callback>',
      '    </callbacks>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 17,
    path: 'connector/outgoing_call/callbacks/status_callback/status',
    message: 'the status list "completed,,busy" has an empty entry',
    hint: 'separate statuses with single commas',
  },
  {
    name: 'status listed in two blocks',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <callbacks>',
      '      <status_callback use="CallStatus">',
      '        <status for="completed,busy">',
      '          <response><call_status use="CallStatus"/></response>',
      '        </status>',
      '        <status for="Busy,no-answer">', // line 10: for at col 17
      '          <response><call_status use="CallStatus"/></response>',
      '        </status>',
      '      </status_callback>',
      '    </callbacks>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 10,
    col: 17,
    path: 'connector/outgoing_call/callbacks/status_callback/status[2]',
    message: 'status `busy` is already handled by connector/outgoing_call/callbacks/status_callback/status[1]',
    hint: 'list each status in one block only',
  },
];

const REPLY: BrokenCase[] = [
  {
    name: 'agentdialing naming a parameter that does not exist',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    <send_response format="xml" agentdialing="Numbr">', // line 4: agentdialing at col 33
      '      <parameters>',
      '        <parameter name="Dial">',
      '          <parameter name="Number" value="@extension"/>',
      '        </parameter>',
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 4,
    col: 33,
    path: 'connector/incoming_call/send_response',
    message: 'agentdialing names `Numbr`, but no <parameter name="Numbr"> exists in this reply',
    hint: 'did you mean `Number`?',
  },
  {
    name: '`type` on a parameter of an XML reply',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    <send_response format="xml">',
      '      <parameters>',
      '        <parameter name="Dial">',
      '          <parameter name="Number" type="string" value="@extension"/>', // line 7: type at col 36
      '        </parameter>',
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 7,
    col: 36,
    path: 'connector/incoming_call/send_response/parameters/parameter/parameter',
    message: '`type` applies to JSON replies only',
  },
  {
    name: 'a JSON reply whose root is neither object nor array',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="uuid"/></response>',
      '    <send_response format="json" root="Response">', // line 4: root at col 34
      '      <parameters>',
      '        <parameter name="action" value="talk"/>',
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 4,
    col: 34,
    path: 'connector/incoming_call/send_response',
    message: 'root of a JSON reply must be `object` or `array` (got "Response")',
  },
  {
    name: '`root` that is not an XML name',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    <send_response format="xml" root="1Response">', // line 4: root at col 33
      '      <parameters>',
      '        <parameter name="Say" value="Hello"/>',
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid-value',
    line: 4,
    col: 33,
    path: 'connector/incoming_call/send_response',
    message: 'root must be a valid XML element name (got "1Response")',
  },
  {
    name: '<attrs> in a JSON reply',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="uuid"/></response>',
      '    <send_response format="json">',
      '      <parameters>',
      '        <parameter name="action" value="connect">', // line 6
      '          <attrs><attr name="timeout" value="30"/></attrs>',
      '        </parameter>',
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'invalid',
    line: 6,
    col: 9,
    path: 'connector/incoming_call/send_response/parameters/parameter',
    message: '<attrs> applies to XML replies only',
  },
  {
    name: 'unknown variable in a reply (a field no response maps)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    <send_response format="xml">',
      '      <parameters>',
      '        <parameter name="Say" value="You pressed @Digits"/>', // line 6: @ at col 50
      '      </parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'unknown-variable',
    line: 6,
    col: 50,
    path: 'connector/incoming_call/send_response/parameters/parameter',
    message: 'unknown variable @Digits here',
    hint: '@user_<field>',
  },
];

const WARNINGS: Array<Omit<BrokenCase, 'hint'> & { hint: string }> = [
  {
    name: 'seed misspelling `presense`',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <config><fields>',
      '    <field name="callerid" label="Caller ID" presense="mandatory"/>', // line 3: presense at col 46
      '  </fields></config>',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'misspelt-attribute',
    line: 3,
    col: 46,
    path: 'connector/config/fields/field',
    message: '`presense` is read as `presence`',
    hint: 'spell it `presence`',
  },
  {
    name: 'seed alias <callid>',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <callid use="sid"/>', // line 6
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'field-alias',
    line: 6,
    col: 7,
    path: 'connector/outgoing_call/response/callid',
    message: '<callid> is read as <call_id>',
    hint: 'spell it <call_id>',
  },
  {
    name: 'seed alias <status> inside a response',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">',
      '      <call_id use="sid"/>',
      '      <status use="status"/>', // line 7
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'field-alias',
    line: 7,
    col: 7,
    path: 'connector/outgoing_call/response/status',
    message: '<status> is read as <call_status>',
    hint: 'spell it <call_status>',
  },
  {
    name: 'seed stray text (`//sending response to callback`)',
    xml: xml(
      '<connector for="PhoneCalls">',
      '  <incoming_call>',
      '    <response><call_id use="CallSid"/></response>',
      '    //sending response to callback', // line 4
      '    <send_response format="xml">',
      '      <parameters><parameter name="Say" value="Hello"/></parameters>',
      '    </send_response>',
      '  </incoming_call>',
      '</connector>',
    ),
    code: 'stray-text',
    line: 4,
    col: 5,
    path: 'connector/incoming_call',
    message: 'text "//sending response to callback" inside <incoming_call> is ignored',
    hint: 'use an XML comment',
  },
  {
    name: 'outgoing response that maps no call_id',
    xml: xml(
      '<connector for="PhoneCalls">',
      PROVIDER,
      '  <outgoing_call>',
      '    <request><url>Calls.json</url></request>',
      '    <response format="json">', // line 5
      '      <error use="message"/>',
      '    </response>',
      '  </outgoing_call>',
      '</connector>',
    ),
    code: 'no-call-id',
    line: 5,
    col: 5,
    path: 'connector/outgoing_call/response',
    message: 'the outgoing response maps no call_id',
    hint: 'map the id the provider returns',
  },
];

const CATALOGUE: Record<string, BrokenCase[]> = {
  'well-formedness': WELL_FORMEDNESS,
  structure: STRUCTURE,
  'config and provider': CONFIG_AND_PROVIDER,
  'outgoing request': REQUEST,
  'response mapping and status callbacks': MAPPING,
  'send_response': REPLY,
};

describe('broken connectors: the first error', () => {
  for (const [group, cases] of Object.entries(CATALOGUE)) {
    describe(group, () => {
      it.each(cases)('$name', (c) => {
        const result = checkConnector(c.xml, { file: 'broken.xml' });
        expect(result.plan).toBeUndefined();
        const first = result.diagnostics.filter((d) => d.severity === 'error')[0];
        expect(first).toBeDefined();
        expect({ code: first!.code, line: first!.line, col: first!.col, path: first!.path, file: first!.file }).toEqual({
          code: c.code,
          line: c.line,
          col: c.col,
          path: c.path,
          file: 'broken.xml',
        });
        expect(first!.message).toContain(c.message);
        if (c.hint === null) expect(first!.hint).toBeUndefined();
        else if (c.hint !== undefined) expect(first!.hint ?? '').toContain(c.hint);
      });
    });
  }
});

describe('broken connectors: one break, one error', () => {
  it('reports each broken connector of the catalogue with exactly one error', () => {
    const noisy = Object.values(CATALOGUE)
      .flat()
      .map((c) => ({ name: c.name, errors: checkConnector(c.xml, { file: 'broken.xml' }).diagnostics.filter((d) => d.severity === 'error') }))
      .filter((r) => r.errors.length !== 1)
      .map((r) => `${r.name}: ${r.errors.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join(' | ')}`);
    expect(noisy).toEqual([]);
  });
});

describe('seed quirks: the connector loads with a warning', () => {
  it.each(WARNINGS)('$name', (c) => {
    const result = checkConnector(c.xml, { file: 'broken.xml' });
    expect(result.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(result.plan).toBeDefined();
    const first = result.diagnostics[0];
    expect(first).toBeDefined();
    expect({ severity: first!.severity, code: first!.code, line: first!.line, col: first!.col, path: first!.path }).toEqual({
      severity: 'warning',
      code: c.code,
      line: c.line,
      col: c.col,
      path: c.path,
    });
    expect(first!.message).toContain(c.message);
    expect(first!.hint ?? '').toContain(c.hint);
    expect(result.plan!.warnings).toContainEqual(first);
  });
});
