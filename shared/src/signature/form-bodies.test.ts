import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { mapWebhook, type WebhookRequest } from '../runtime/webhook.ts';
import { verifyWebhookSignature } from './verify.ts';

// What a signed form's check and its mapping read of the same body, pinned for any change to how
// either reads it (issue 13 weighed reading it once for both). The signatures are computed here
// with node:crypto from Twilio's and Plivo's descriptions, not with the engine's code.
const URL_ = 'https://relay.example/hooks/in_1/s3/incoming';
const TOKEN = 'tok';
// Repeated keys, percent-encoded characters, `+` as a space, empty values.
const BODY = 'CallSid=CA1&From=%2B14155550100&To=%2B18005551212&CallerName=Ann+O%27Neil+%26+Co&Digits=5678&Digits=1234&Digits=1234&Empty=&=x&Note=100%25+sure';
const SENT: Array<[string, string]> = [
  ['CallSid', 'CA1'],
  ['From', '+14155550100'],
  ['To', '+18005551212'],
  ['CallerName', "Ann O'Neil & Co"],
  ['Digits', '5678'],
  ['Digits', '1234'],
  ['Digits', '1234'],
  ['Empty', ''],
  ['', 'x'],
  ['Note', '100% sure'],
];

/** Twilio's rule: URL, then each key sorted with its distinct values sorted, HMAC-SHA1 in base64. */
function twilioSignature(url: string, params: Array<[string, string]>): string {
  const byKey = new Map<string, Set<string>>();
  for (const [key, value] of params) byKey.set(key, (byKey.get(key) ?? new Set()).add(value));
  let data = url;
  for (const key of [...byKey.keys()].sort()) for (const value of [...byKey.get(key)!].sort()) data += key + value;
  return createHmac('sha1', TOKEN).update(data).digest('base64');
}

const connector = (signature: string) =>
  loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="authtoken" type="password"/></fields></config>
  <provider><url>https://api.example.com</url>${signature}</provider>
  <incoming_call><response><call_id use="CallSid"/><from_number use="From"/><to_number use="To"/><uui use="CallerName"/><campaign_name use="Note"/><gateway use="Empty"/></response></incoming_call>
</connector>`);
const twilio = connector('<signature type="twilio" token="$config.$fields.authtoken"/>');
const context = { config: { authtoken: TOKEN } };
const request = (body: string, headers: Record<string, string> = {}): WebhookRequest => ({
  method: 'POST',
  url: URL_,
  headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(URL_, SENT), ...headers },
  body,
});

describe('a signed form, checked then mapped', () => {
  it('verifies a body with repeated keys, encoded characters, + as a space and empty values, then maps it as sent', async () => {
    const webhook = request(BODY);
    expect(await verifyWebhookSignature(twilio, context, webhook)).toEqual({ checked: true, valid: true });
    const { payload, record } = mapWebhook(twilio, 'incoming', webhook, context);
    // A repeated key maps its last value; the empty value and the empty name are fields too.
    expect(payload).toEqual({ CallSid: 'CA1', From: '+14155550100', To: '+18005551212', CallerName: "Ann O'Neil & Co", Digits: '1234', Empty: '', '': 'x', Note: '100% sure' });
    expect(record).toMatchObject({ call_id: 'CA1', from_number: '+14155550100', to_number: '+18005551212', uui: "Ann O'Neil & Co", campaign_name: '100% sure', direction: 'inbound' });
    // Any field changed after signing fails the check.
    expect(await verifyWebhookSignature(twilio, context, request(BODY.replace('Digits=5678', 'Digits=5679')))).toMatchObject({ valid: false });
    expect(await verifyWebhookSignature(twilio, context, request(BODY.replace('Empty=', 'Empty=1')))).toMatchObject({ valid: false });
  });

  it('maps a form whose Content-Type names no format as the connector reads it (sniffed), though Twilio signs none such', async () => {
    const webhook = request(BODY, { 'content-type': 'text/plain' });
    expect(await verifyWebhookSignature(twilio, context, webhook)).toMatchObject({ valid: false });
    expect(mapWebhook(twilio, 'incoming', webhook, context).payload).toMatchObject({ CallerName: "Ann O'Neil & Co", Digits: '1234', Empty: '' });
  });

  it('verifies Plivo V3 over the fields the mapping then reads', async () => {
    const plivo = connector('<signature type="plivo-v3" token="$config.$fields.authtoken"/>');
    const body = 'CallSid=CA2&From=%2B14155550100&CallerName=Ann+O%27Neil&Empty=';
    const signed = `${URL_}?CallSidCA2CallerNameAnn O'NeilEmptyFrom+14155550100.n`;
    const headers = { 'x-plivo-signature-v3-nonce': 'n', 'x-plivo-signature-v3': createHmac('sha256', TOKEN).update(signed).digest('base64') };
    const webhook = { method: 'POST', url: URL_, headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body };
    expect(await verifyWebhookSignature(plivo, context, webhook)).toEqual({ checked: true, valid: true });
    expect(mapWebhook(plivo, 'incoming', webhook, context).record).toMatchObject({ call_id: 'CA2', uui: "Ann O'Neil" });
  });
});
