import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { renderReply } from './reply.ts';
import { handleWebhook, WebhookError, type WebhookRequest } from './webhook.ts';

/**
 * Whatever a provider puts in a webhook ends up in the reply we send back; these properties
 * say no value can break the reply's XML or JSON, or add elements to it.
 */
const xmlPlan = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response format="json">
      <call_id use="id"/>
      <to_number use="to"/>
      <caller_name use="name"/>
    </response>
    <send_response format="xml">
      <parameters>
        <parameter name="Say" value="@caller_name">
          <attrs><attr name="label" value="@caller_name"/></attrs>
        </parameter>
        <parameter name="Dial">
          <attrs><attr name="callerId" value="@to_number"/></attrs>
          <parameter name="Number" value="@to_number"/>
        </parameter>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);

const jsonPlan = loadConnector(`<connector for="PhoneCalls">
  <incoming_call>
    <response format="json">
      <call_id use="id"/>
      <to_number use="to"/>
      <caller_name use="name"/>
    </response>
    <send_response format="json">
      <parameters>
        <parameter name="greeting" value="@caller_name"/>
        <parameter name="to" value="@to_number"/>
      </parameters>
    </send_response>
  </incoming_call>
</connector>`);

/** Any UTF-16 string: full Unicode, lone surrogates, control characters and XML's own syntax. */
const hostile = fc.string({
  minLength: 1,
  unit: fc.oneof(
    { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), weight: 4 },
    { arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), weight: 2 },
    {
      arbitrary: fc.constantFrom(']]>', '<!--', '-->', '<![CDATA[', '"', "'", '&', '&amp;', '&#13;', '<', '>', '</Say>', '<Hangup/>', '</Response><Response>', '\r\n', '\r', '\t', '\n', '\u0000', '\u000b', '\uFFFE', '\uFFFF', '\uD800', '\uDC00', '\u0085', '\u2028'),
      weight: 3,
    },
  ),
});

/** What XML 1.0 can carry of a string: no C0 controls but tab/LF/CR, no lone surrogates, no U+FFFE/U+FFFF. */
function xmlCarriable(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) out += text[i]! + text[++i]!;
      continue;
    }
    if (unit >= 0xdc00 && unit <= 0xdfff) continue;
    if (unit < 0x20 && unit !== 0x09 && unit !== 0x0a && unit !== 0x0d) continue;
    if (unit === 0xfffe || unit === 0xffff) continue;
    out += text[i]!;
  }
  return out;
}

/**
 * Reads escaped XML character data the way a conforming XML 1.0 parser does: line ends
 * normalised first, then (attributes only) white space turned into spaces, then references.
 */
function readCharacterData(raw: string, attribute: boolean): string {
  expect(raw).not.toMatch(attribute ? /[<"]/ : /</);
  let text = raw.replace(/\r\n?/g, '\n');
  if (attribute) text = text.replace(/[\t\n]/g, ' ');
  const reference = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);/g;
  expect(text.replace(reference, '')).not.toContain('&');
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return text.replace(reference, (_, ref: string) =>
    named[ref] ?? String.fromCodePoint(ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : Number(ref.slice(1))),
  );
}

const structure = new XMLParser({ preserveOrder: true, ignoreAttributes: false, trimValues: false, commentPropName: '#comment', cdataPropName: '#cdata' });

/** Element names as a tree (text, comments and CDATA shown as such), to see nothing was added. */
function shape(nodes: Array<Record<string, unknown>>): unknown[] {
  return nodes
    .filter((node) => !('?xml' in node))
    .map((node) => {
      const name = Object.keys(node).find((k) => k !== ':@')!;
      return name === '#text' ? '#text' : { [name]: shape((node[name] as Array<Record<string, unknown>>) ?? []) };
    });
}

const SAY = /^<\?xml version="1\.0" encoding="UTF-8"\?><Response><Say label="([^"]*)"(?:\/>|>([^<]*)<\/Say>)<Dial /;

function webhook(payload: Record<string, string>): WebhookRequest {
  return { method: 'POST', url: 'https://relay.example/hooks/inst/secret/incoming', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(payload) };
}

describe('reply properties', () => {
  it('renderReply puts any value into well-formed XML, as text and as attribute, unchanged but for what XML cannot carry', () => {
    fc.assert(
      fc.property(hostile, (value) => {
        const { body } = renderReply(xmlPlan.incoming!.reply, { config: {}, vars: { caller_name: value, to_number: value } });
        expect(XMLValidator.validate(body)).toBe(true);
        const say = SAY.exec(body);
        expect(say).not.toBeNull();
        expect(readCharacterData(say![1]!, true)).toBe(xmlCarriable(value));
        expect(readCharacterData(say![2] ?? '', false)).toBe(xmlCarriable(value));
        const textOrNothing = xmlCarriable(value) ? ['#text'] : [];
        expect(shape(structure.parse(body))).toEqual([{ Response: [{ Say: textOrNothing }, { Dial: [{ Number: textOrNothing }] }] }]);
      }),
      {
        numRuns: 300,
        examples: [["]]></Say><Hangup/><!-- '\"&amp;\r\n\t\u0000\uD800\uFFFE"], ['\r\n'], ['\u0001']],
      },
    );
  });

  it('handleWebhook replies with well-formed XML holding exactly the mapped values, for any provider payload', () => {
    fc.assert(
      fc.property(hostile, hostile, (name, to) => {
        let reply;
        try {
          reply = handleWebhook(xmlPlan, 'incoming', webhook({ id: 'CA1', name, to }), { config: {} }).reply;
        } catch (error) {
          // A `to` that is only white space maps to an empty number: the reply names what is missing.
          expect(error).toBeInstanceOf(WebhookError);
          expect(to.trim()).toBe('');
          return;
        }
        expect(XMLValidator.validate(reply.body)).toBe(true);
        expect(reply.headers['Content-Type']).toBe('text/xml');
        const say = SAY.exec(reply.body);
        expect(say).not.toBeNull();
        expect(readCharacterData(say![1]!, true)).toBe(xmlCarriable(name));
        expect(readCharacterData(say![2] ?? '', false)).toBe(xmlCarriable(name));
        const parsed = shape(structure.parse(reply.body)) as Array<{ Response: unknown[] }>;
        expect(parsed).toHaveLength(1);
        expect(parsed[0]!.Response).toHaveLength(2);
        expect(parsed[0]!.Response[1]).toEqual({ Dial: [{ Number: expect.any(Array) }] });
        expect((parsed[0]!.Response[1] as { Dial: Array<{ Number: unknown[] }> }).Dial[0]!.Number.every((n) => n === '#text')).toBe(true);
      }),
    );
  });

  it('handleWebhook replies with JSON that gives back any mapped value exactly', () => {
    fc.assert(
      fc.property(hostile, (name) => {
        const { reply } = handleWebhook(jsonPlan, 'incoming', webhook({ id: 'CA1', name, to: '+14155550100' }), { config: {} });
        expect(reply.headers['Content-Type']).toBe('application/json');
        const parsed = JSON.parse(reply.body) as Record<string, unknown>;
        expect(parsed).toEqual({ greeting: name, to: '+14155550100' });
      }),
      { examples: [['"}, "to": "+19005550000'], ['\uD800\u2028</script>']] },
    );
  });
});
