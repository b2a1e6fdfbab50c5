import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { constantTimeEqual, sha256Hex } from './crypto.ts';
import { computeTwilioSignature, verifyTwilioSignature } from './twilio.ts';
import { verifyWebhookSignature } from './verify.ts';

// Vectors published in Twilio's own SDK tests (twilio-python tests/unit/test_request_validator.py).
const TOKEN = '12345';
const URL_ = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = { CallSid: 'CA1234567890ABCDE', Digits: '1234', From: '+14158675309', To: '+18005551212', Caller: '+14158675309' };
const FORM = new URLSearchParams(PARAMS).toString();
const JSON_BODY = '{"property": "value", "boolean": true}';
const BODY_HASH = '0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620';
const form = { contentType: 'application/x-www-form-urlencoded' };

describe('Twilio signatures (vectors from the Twilio SDK tests)', () => {
  it('computes the signature of URL + sorted parameters', async () => {
    expect(await computeTwilioSignature(TOKEN, URL_, PARAMS)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('signs a repeated key once per distinct value, values sorted, identical pairs counted once', async () => {
    // twilio-python test_compute_signature_duplicate_multi_dict: keys sorted, values sorted, duplicates removed.
    const params = [['Sid', 'CA123'], ['SidAccount', 'AC123'], ['Digits', '5678'], ['Digits', '1234'], ['Digits', '1234']] as const;
    expect(await computeTwilioSignature(TOKEN, URL_, params)).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
    // twilio-node spec/validation.spec.js "should validate request body with multiple params and values".
    expect(await computeTwilioSignature(TOKEN, URL_, { Sid: 'CA123', SidAccount: 'AC123', Digits: ['5678', '1234', '1234'] })).toBe('IK+Dwps556ElfBT0I3Rgjkr1wJU=');
  });

  it('signs an array parameter the same whatever the order of its values', async () => {
    // twilio-node spec/validation.spec.js "should validate request body with an array parameter (regardless of the position…)".
    expect(await computeTwilioSignature(TOKEN, URL_, { 'MessagingBinding.Address': ['+1325xxxxxxx', '+1415xxxxxxx'] })).toBe('83O6e2vORAoJHUNzJjDWN1jz+BA=');
    expect(await computeTwilioSignature(TOKEN, URL_, { 'MessagingBinding.Address': ['+1415xxxxxxx', '+1325xxxxxxx'] })).toBe('83O6e2vORAoJHUNzJjDWN1jz+BA=');
  });

  it('accepts a form webhook that repeats an identical pair, as the SDKs do', async () => {
    // twilio-python test_compute_signature_duplicate_query_dict, sent as the raw form body.
    const body = 'Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234';
    expect(await verifyTwilioSignature({ authToken: TOKEN, url: URL_, signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', body, ...form })).toBe(true);
    expect(await verifyTwilioSignature({ authToken: TOKEN, url: URL_, signature: 'IK+Dwps556ElfBT0I3Rgjkr1wJU=', body: body.replace('Digits=5678', 'Digits=5679'), ...form })).toBe(false);
  });

  it('hashes JSON bodies as Twilio does', async () => {
    expect(await sha256Hex(JSON_BODY)).toBe(BODY_HASH);
  });

  it('accepts a valid form webhook and rejects any change', async () => {
    const ok = { authToken: TOKEN, url: URL_, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', body: FORM, ...form };
    expect(await verifyTwilioSignature(ok)).toBe(true);
    expect(await verifyTwilioSignature({ ...ok, body: FORM.replace('1234', '1235') })).toBe(false);
    expect(await verifyTwilioSignature({ ...ok, url: URL_.replace('foo=1', 'foo=2') })).toBe(false);
    expect(await verifyTwilioSignature({ ...ok, authToken: '54321' })).toBe(false);
    expect(await verifyTwilioSignature({ ...ok, signature: undefined })).toBe(false);
    expect(await verifyTwilioSignature({ ...ok, signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8' })).toBe(false);
  });

  it('removes a port on https and on http, and adds the default port', async () => {
    const base = { authToken: TOKEN, body: FORM, ...form };
    expect(await verifyTwilioSignature({ ...base, url: URL_.replace('.com', '.com:1234'), signature: 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' })).toBe(true);
    expect(await verifyTwilioSignature({ ...base, url: URL_.replace('.com', '.com:1234').replace('https', 'http'), signature: 'Zmvh+3yNM1Phv2jhDCwEM3q5ebU=' })).toBe(true);
    expect(await verifyTwilioSignature({ ...base, url: URL_, signature: 'kvajT1Ptam85bY51eRf/AJRuM3w=' })).toBe(true);
    expect(await verifyTwilioSignature({ ...base, url: URL_.replace('https', 'http'), signature: '0ZXoZLH/DfblKGATFgpif+LLRf4=' })).toBe(true);
  });

  it('validates JSON bodies through bodySHA256', async () => {
    const url = `${URL_}&bodySHA256=${BODY_HASH}`;
    const json = { authToken: TOKEN, url, body: JSON_BODY, contentType: 'application/json', signature: 'a9nBmqA0ju/hNViExpshrM61xv4=' };
    expect(await verifyTwilioSignature(json)).toBe(true);
    expect(await verifyTwilioSignature({ ...json, body: '{"property": "other", "boolean": true}' })).toBe(false);
  });

  it('compares in constant time over equal lengths and rejects different lengths', () => {
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
    expect(constantTimeEqual('abc', 'abd')).toBe(false);
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('', 'a')).toBe(false);
    expect(constantTimeEqual('a', '')).toBe(false);
    expect(constantTimeEqual('ab', 'abab')).toBe(false);
    expect(constantTimeEqual('é', 'é')).toBe(true);
    expect(constantTimeEqual('é', 'e\u0301')).toBe(false);
    // Lone surrogates: each its own code unit, not both U+FFFD as UTF-8 would make them.
    expect(constantTimeEqual('\ud800', '\udfff')).toBe(false);
  });
});

describe('verifyWebhookSignature', () => {
  const connector = (signature: string) =>
    loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="authtoken" type="password"/></fields></config>
  <provider><url>https://api.example.com</url>${signature}</provider>
  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>
</connector>`);
  const request = (headers: Record<string, string>) => ({ method: 'POST', url: URL_, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: FORM });

  it('reports unchecked when the connector declares no signature', async () => {
    expect(await verifyWebhookSignature(connector(''), { config: {} }, request({}))).toEqual({ checked: false });
  });

  it('checks X-Twilio-Signature with the configured token', async () => {
    const plan = connector('<signature type="twilio" token="$config.$fields.authtoken"/>');
    const good = await verifyWebhookSignature(plan, { config: { authtoken: TOKEN } }, request({ 'X-Twilio-Signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }));
    expect(good).toEqual({ checked: true, valid: true });
    const bad = await verifyWebhookSignature(plan, { config: { authtoken: 'other' } }, request({ 'x-twilio-signature': 'RSOYDt4T1cUTdK1PDd93/VVr8B8=' }));
    expect(bad).toEqual({ checked: true, valid: false, reason: 'X-Twilio-Signature does not match' });
    const unconfigured = await verifyWebhookSignature(plan, { config: {} }, request({ 'X-Twilio-Signature': 'x' }));
    expect(unconfigured.checked && unconfigured.valid).toBe(false);
  });

  it('checks a shared-secret header', async () => {
    const plan = connector('<signature type="header" name="X-Webhook-Secret" value="$config.$fields.authtoken"/>');
    expect(await verifyWebhookSignature(plan, { config: { authtoken: 's3' } }, request({ 'x-webhook-secret': 's3' }))).toEqual({ checked: true, valid: true });
    expect((await verifyWebhookSignature(plan, { config: { authtoken: 's3' } }, request({ 'X-Webhook-Secret': 's4' }))).checked).toBe(true);
    expect(await verifyWebhookSignature(plan, { config: { authtoken: 's3' } }, request({}))).toEqual({ checked: true, valid: false, reason: 'X-Webhook-Secret is missing or wrong' });
  });
});

describe('Twilio signatures cover every body field the payload reader takes', () => {
  const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="authtoken" type="password"/></fields></config>
  <provider><url>https://api.example.com</url><signature type="twilio" token="$config.$fields.authtoken"/></provider>
  <incoming_call><response format="json"><call_id use="CallSid"/></response></incoming_call>
</connector>`);
  const verify = (url: string, signature: string, body: string, contentType?: string) =>
    verifyWebhookSignature(plan, { config: { authtoken: TOKEN } }, { method: 'POST', url, headers: { 'X-Twilio-Signature': signature, ...(contentType ? { 'Content-Type': contentType } : {}) }, body });

  it('refuses a body of a Content-Type Twilio does not sign, which the reader would still take fields from', async () => {
    // Signed as no parameters (URL only), as a request with a body of any unread type used to be.
    const urlOnly = await computeTwilioSignature(TOKEN, URL_);
    for (const [body, contentType] of [[JSON_BODY, 'text/plain'], [FORM, 'text/plain; charset=utf-8'], [FORM, 'application/x-made-up'], [JSON_BODY, 'application/json']] as const) {
      expect(await verifyTwilioSignature({ authToken: TOKEN, url: URL_, signature: urlOnly, body, contentType })).toBe(false);
      expect(await verify(URL_, urlOnly, body, contentType)).toEqual({
        checked: true,
        valid: false,
        reason: `the signature does not cover a ${contentType.split(';')[0]} body: Twilio signs form fields, or the raw body through bodySHA256`,
      });
    }
    // Without a Content-Type the reader sniffs the format, so not even fields signed as a form are trusted.
    const signedAsForm = await computeTwilioSignature(TOKEN, URL_, PARAMS);
    expect(await verify(URL_, signedAsForm, FORM)).toMatchObject({ valid: false, reason: expect.stringContaining('a body without a Content-Type') });
  });

  it('accepts what Twilio signs: form fields, any body through bodySHA256, and no body at all', async () => {
    expect(await verify(URL_, await computeTwilioSignature(TOKEN, URL_, PARAMS), FORM, form.contentType)).toEqual({ checked: true, valid: true });
    const hashed = `${URL_}&bodySHA256=${BODY_HASH}`;
    expect(await verify(hashed, await computeTwilioSignature(TOKEN, hashed), JSON_BODY, 'text/plain')).toEqual({ checked: true, valid: true });
    expect(await verify(URL_, await computeTwilioSignature(TOKEN, URL_), '')).toEqual({ checked: true, valid: true });
  });
});

describe('signatures over the fields of a multipart/form-data body', () => {
  const multipart = async (fields: Record<string, string>) => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    const encoded = new Response(data);
    return { body: await encoded.text(), contentType: encoded.headers.get('content-type')! };
  };

  it('signs and checks the multipart fields as form fields', async () => {
    const signature = await computeTwilioSignature(TOKEN, URL_, PARAMS);
    expect(await verifyTwilioSignature({ authToken: TOKEN, url: URL_, signature, ...(await multipart(PARAMS)) })).toBe(true);
    expect(await verifyTwilioSignature({ authToken: TOKEN, url: URL_, signature, ...(await multipart({ ...PARAMS, Digits: '9999' })) })).toBe(false);
    // A signature over the URL alone does not cover fields added in a multipart body.
    const urlOnly = await computeTwilioSignature(TOKEN, URL_);
    expect(await verifyTwilioSignature({ authToken: TOKEN, url: URL_, signature: urlOnly, ...(await multipart(PARAMS)) })).toBe(false);
  });

  it('refuses, with the reason, a multipart body it cannot read, rather than failing', async () => {
    const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="authtoken" type="password"/></fields></config>
  <provider><url>https://api.example.com</url><signature type="twilio" token="$config.$fields.authtoken"/></provider>
  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>
</connector>`);
    const request = { method: 'POST', url: URL_, headers: { 'Content-Type': 'multipart/form-data; boundary=xyz', 'X-Twilio-Signature': 'x' }, body: '--xyz\r\nContent-Disposition: form-data; name="CallSid"\r\n\r\nCA1' };
    expect(await verifyWebhookSignature(plan, { config: { authtoken: TOKEN } }, request)).toEqual({ checked: true, valid: false, reason: 'cannot verify: the multipart body is not closed by --xyz--' });
    // Schemes that sign a message built from the parsed payload (Zadarma's hmac) refuse it the same way.
    const hmac = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="authtoken" type="password"/></fields></config>
  <provider><url>https://api.example.com</url><signature type="hmac" header="Signature" token="$config.$fields.authtoken" message="@CallSid"/></provider>
  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>
</connector>`);
    expect(await verifyWebhookSignature(hmac, { config: { authtoken: TOKEN } }, request)).toEqual({ checked: true, valid: false, reason: 'cannot verify: the multipart body is not closed by --xyz--' });
  });
});

describe('Twilio signatures: URL forms proxies produce', () => {
  it("treats ' and %27 in the query alike", async () => {
    const signature = await computeTwilioSignature(TOKEN, "https://r.example/hooks/a?Caller=O'Brien", PARAMS);
    expect(await verifyTwilioSignature({ authToken: TOKEN, url: 'https://r.example/hooks/a?Caller=O%27Brien', signature, body: FORM, ...form })).toBe(true);
  });

  it('refuses to sign with an empty token', async () => {
    await expect(computeTwilioSignature('', URL_, PARAMS)).rejects.toThrow('cannot sign without an auth token');
  });
});
