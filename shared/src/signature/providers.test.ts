import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConnector } from '../connector/compile.ts';
import { plivoV3Signature, plivoV3SignedString, verifyPlivoV3 } from './plivo.ts';
import { verifyTelnyxSignature } from './telnyx.ts';
import { verifySignalWireSignature } from './twilio.ts';
import { type Hmac, scriptHmac } from './crypto.ts';
import { verifyWebhookSignature } from './verify.ts';

// Each check is computed here a second time with node:crypto, independently of the engine's
// WebCrypto code, from the providers' descriptions (plivo-python utils/signature_v3.py;
// Telnyx's webhook verification: Ed25519 over `${timestamp}|${body}`).
const nodeHmac256 = (key: string, message: string) => createHmac('sha256', key).update(message).digest('base64');

describe('Plivo V3 signatures', () => {
  const URL_ = 'https://relay.example/hooks/in_1/s3/answer';

  it('builds the signed string for POST: sorted body parameters after "?" when there is no query', () => {
    expect(plivoV3SignedString('POST', URL_, { To: '+14155550100', CallUUID: 'u-1', From: '+1415' })).toBe(`${URL_}?CallUUIDu-1From+1415To+14155550100`);
    expect(plivoV3SignedString('POST', URL_, {})).toBe(URL_);
  });

  it('puts the sorted query, a dot, then the body parameters when there are both', () => {
    expect(plivoV3SignedString('POST', `${URL_}?b=2&a=1`, { X: 'y' })).toBe(`${URL_}?a=1&b=2.Xy`);
    expect(plivoV3SignedString('POST', `${URL_}?b=2&a=1`, {})).toBe(`${URL_}?a=1&b=2`);
  });

  it('merges parameters into the query for GET and sorts repeated values', () => {
    expect(plivoV3SignedString('GET', `${URL_}?z=1`, { a: ['3', '1'] })).toBe(`${URL_}?a=1&a=3&z=1`);
    expect(plivoV3SignedString('POST', URL_, { a: ['3', '1'], n: { y: '2', x: '1' } })).toBe(`${URL_}?a1a3nx1y2`);
  });

  it('matches an independent HMAC-SHA256 and accepts any of several signatures', async () => {
    const params = { CallUUID: 'u-1', Direction: 'outbound', To: '919250333699' };
    const expected = nodeHmac256('tok', `${URL_}?CallUUIDu-1DirectionoutboundTo919250333699.n0nce`);
    expect(await plivoV3Signature('tok', 'POST', URL_, params, 'n0nce')).toBe(expected);
    expect(await verifyPlivoV3({ authToken: 'tok', method: 'POST', url: URL_, params, nonce: 'n0nce', signature: `old-signature,${expected}` })).toBe(true);
    expect(await verifyPlivoV3({ authToken: 'tok', method: 'POST', url: URL_, params: { ...params, To: '1' }, nonce: 'n0nce', signature: expected })).toBe(false);
    expect(await verifyPlivoV3({ authToken: 'tok', method: 'POST', url: URL_, params, nonce: 'other', signature: expected })).toBe(false);
    expect(await verifyPlivoV3({ authToken: 'tok', method: 'POST', url: URL_, params, nonce: undefined, signature: expected })).toBe(false);
  });
});

describe('Telnyx Ed25519 signatures', () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const rawPublic = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
  const body = '{"data":{"event_type":"call.initiated"}}';
  const now = 1_764_000_000_000;
  const signed = (timestamp: string, text = body) => sign(null, Buffer.from(`${timestamp}|${text}`), privateKey).toString('base64');
  const input = { publicKey: rawPublic, body, now, toleranceSeconds: 300 };

  it('accepts a fresh, correctly signed webhook', async () => {
    const timestamp = String(now / 1000 - 10);
    expect(await verifyTelnyxSignature({ ...input, timestamp, signature: signed(timestamp) })).toBe(true);
  });

  it('rejects a changed body, a replay outside the tolerance, another key and junk', async () => {
    const timestamp = String(now / 1000);
    expect(await verifyTelnyxSignature({ ...input, timestamp, signature: signed(timestamp, '{"data":{}}') })).toBe(false);
    const old = String(now / 1000 - 301);
    expect(await verifyTelnyxSignature({ ...input, timestamp: old, signature: signed(old) })).toBe(false);
    const other = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    expect(await verifyTelnyxSignature({ ...input, publicKey: other, timestamp, signature: signed(timestamp) })).toBe(false);
    expect(await verifyTelnyxSignature({ ...input, timestamp, signature: 'not base64!' })).toBe(false);
    expect(await verifyTelnyxSignature({ ...input, timestamp: 'yesterday', signature: signed(timestamp) })).toBe(false);
  });
});

describe('signatures declared in connectors', () => {
  const connector = (signature: string) =>
    loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="secret" type="password"/></fields></config>
  <provider><url>https://api.example.com</url>${signature}</provider>
  <incoming_call><response><call_id use="CallSid"/></response></incoming_call>
</connector>`);

  it('verifies SignalWire through the Twilio scheme under its own header', async () => {
    const plan = connector('<signature type="twilio" header="X-SignalWire-Signature" token="$config.$fields.secret"/>');
    const url = 'https://relay.example/hooks/a';
    const body = 'CallSid=CA1&From=%2B1415';
    const signature = createHmac('sha1', 'k').update(`${url}CallSidCA1From+1415`).digest('base64');
    const request = (headers: Record<string, string>) => ({ method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request({ 'X-SignalWire-Signature': signature }))).toEqual({ checked: true, valid: true });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request({ 'X-Twilio-Signature': signature }))).toMatchObject({ valid: false, reason: 'X-SignalWire-Signature does not match' });
  });

  it('verifies Plivo V3 over the form body and Telnyx with the injected clock', async () => {
    const url = 'https://relay.example/hooks/p';
    const body = 'CallUUID=u-1&To=%2B1415';
    const plivo = connector('<signature type="plivo-v3" token="$config.$fields.secret"/>');
    const headers = { 'Content-Type': 'application/x-www-form-urlencoded', 'X-Plivo-Signature-V3-Nonce': 'n', 'X-Plivo-Signature-V3': nodeHmac256('k', `${url}?CallUUIDu-1To+1415.n`) };
    expect(await verifyWebhookSignature(plivo, { config: { secret: 'k' } }, { method: 'POST', url, headers, body })).toEqual({ checked: true, valid: true });

    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const key = publicKey.export({ format: 'der', type: 'spki' }).subarray(12).toString('base64');
    const telnyx = connector('<signature type="telnyx" public_key="$config.$fields.secret" tolerance="60"/>');
    const timestamp = '1764000000';
    const telnyxHeaders = { 'telnyx-timestamp': timestamp, 'telnyx-signature-ed25519': sign(null, Buffer.from(`${timestamp}|${body}`), privateKey).toString('base64') };
    const telnyxRequest = { method: 'POST', url, headers: telnyxHeaders, body };
    expect(await verifyWebhookSignature(telnyx, { config: { secret: key } }, telnyxRequest, { now: 1_764_000_030_000 })).toEqual({ checked: true, valid: true });
    expect((await verifyWebhookSignature(telnyx, { config: { secret: key } }, telnyxRequest, { now: 1_764_000_090_000 })).checked).toBe(true);
    expect(await verifyWebhookSignature(telnyx, { config: { secret: key } }, telnyxRequest, { now: 1_764_000_090_000 })).toMatchObject({ valid: false });
  });

  it('computes with the HMAC the host hands it (the relay: node:crypto), for each scheme built on one', async () => {
    const url = 'https://relay.example/hooks/h';
    const body = 'CallSid=CA1&CallUUID=u-1';
    const twilio = connector('<signature type="twilio" token="$config.$fields.secret"/>');
    const plivo = connector('<signature type="plivo-v3" token="$config.$fields.secret"/>');
    const hmac = connector('<signature type="hmac" header="Signature" token="$config.$fields.secret" algorithm="sha256" encoding="hex" message="@CallSid"/>');
    const form = { 'Content-Type': 'application/x-www-form-urlencoded' };
    const cases = [
      { plan: twilio, headers: { ...form, 'X-Twilio-Signature': createHmac('sha1', 'k').update(`${url}CallSidCA1CallUUIDu-1`).digest('base64') } },
      { plan: plivo, headers: { ...form, 'X-Plivo-Signature-V3-Nonce': 'n', 'X-Plivo-Signature-V3': nodeHmac256('k', `${url}?CallSidCA1CallUUIDu-1.n`) } },
      { plan: hmac, headers: { ...form, Signature: createHmac('sha256', 'k').update('CA1').digest('hex') } },
    ];
    for (const { plan, headers } of cases) {
      const used: string[] = [];
      const handed: Hmac = (algorithm, key, message) => (used.push(algorithm), scriptHmac(algorithm, key, message));
      const request = { method: 'POST', url, headers, body };
      expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request, { hmac: handed })).toEqual({ checked: true, valid: true });
      expect(used.length).toBeGreaterThan(0);
      // One that computes something else fails the check: the handed one is what decides.
      expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request, { hmac: () => new Uint8Array(20) })).toMatchObject({ valid: false });
    }
  });

  it('fails a Plivo V3 check over a JSON body nested thousands of levels deep, rather than overflowing the stack', async () => {
    const plivo = connector('<signature type="plivo-v3" token="$config.$fields.secret"/>');
    const headers = { 'Content-Type': 'application/json', 'X-Plivo-Signature-V3-Nonce': 'n', 'X-Plivo-Signature-V3': 'forged' };
    for (const deep of [`${'['.repeat(6000)}${']'.repeat(6000)}`, `${'{"a":'.repeat(6000)}1${'}'.repeat(6000)}`]) {
      const body = `{"CallUUID":"u-1","deep":${deep}}`;
      expect(await verifyWebhookSignature(plivo, { config: { secret: 'k' } }, { method: 'POST', url: 'https://relay.example/hooks/p', headers, body })).toMatchObject({ checked: true, valid: false });
    }
  });
});

describe('HMAC over webhook fields (Zadarma)', () => {
  const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="secret" type="password"/></fields></config>
  <provider>
    <url>https://api.zadarma.com/v1/</url>
    <signature type="hmac" header="Signature" token="$config.$fields.secret" encoding="base64-hex"
      message="{{@caller_id|default:'@internal'}}{{@called_did|default:'@destination'}}@call_start"/>
  </provider>
  <incoming_call><response><call_id use="pbx_call_id"/></response></incoming_call>
</connector>`);
  // Zadarma: base64 of PHP's hex hash_hmac('sha1', caller_id . called_did . call_start, secret).
  const zadarma = (message: string) => Buffer.from(createHmac('sha1', 'k').update(message).digest('hex')).toString('base64');
  const post = (fields: Record<string, string>, signature: string) => ({
    method: 'POST',
    url: 'https://relay.example/hooks/z',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Signature: signature },
    body: new URLSearchParams(fields).toString(),
  });

  it('fails the check, rather than throwing, when the body cannot be read (malformed, or nested too deep)', async () => {
    for (const body of ['{"caller_id":', `{"caller_id":${'['.repeat(6000)}${']'.repeat(6000)}}`]) {
      const request = { method: 'POST', url: 'https://relay.example/hooks/z', headers: { 'Content-Type': 'application/json', Signature: 'forged' }, body };
      expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request)).toMatchObject({ checked: true, valid: false, reason: expect.stringContaining('cannot verify: the') });
    }
  });

  it('checks the fields each event signs', async () => {
    const start = { event: 'NOTIFY_START', caller_id: '+14155550199', called_did: '15005550006', call_start: '2026-11-24 10:00:00', pbx_call_id: 'in_1' };
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post(start, zadarma('+14155550199150055500062026-11-24 10:00:00')))).toEqual({ checked: true, valid: true });
    const out = { event: 'NOTIFY_OUT_START', internal: '100', destination: '14155550100', call_start: '2026-11-24 10:01:00', pbx_call_id: 'out_1' };
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post(out, zadarma('100141555501002026-11-24 10:01:00')))).toEqual({ checked: true, valid: true });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post({ ...start, caller_id: '+1' }, zadarma('+14155550199150055500062026-11-24 10:00:00')))).toMatchObject({ valid: false, reason: 'Signature does not match' });
  });
});

describe('HMAC messages per event, and URL handshakes (Zadarma)', () => {
  const plan = loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="secret" type="password"/></fields></config>
  <provider>
    <url>https://api.zadarma.com/v1/</url>
    <signature type="hmac" header="Signature" token="$config.$fields.secret" encoding="base64-hex" use="event">
      <message for="NOTIFY_OUT_START,NOTIFY_OUT_END">@internal@destination@call_start</message>
      <message for="NOTIFY_ANSWER">@caller_id@destination@call_start</message>
      <message>@caller_id@called_did@call_start</message>
    </signature>
    <handshake param="zd_echo" reply="@zd_echo"/>
  </provider>
  <incoming_call><response><call_id use="pbx_call_id"/></response></incoming_call>
</connector>`);
  const sign = (message: string) => Buffer.from(createHmac('sha1', 'k').update(message).digest('hex')).toString('base64');
  const post = (fields: Record<string, string>, signature: string) => ({
    method: 'POST',
    url: 'https://relay.example/hooks/z',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Signature: signature },
    body: new URLSearchParams(fields).toString(),
  });

  it('signs each event with its own fields, even when an event carries the others too', async () => {
    const outEnd = { event: 'NOTIFY_OUT_END', caller_id: '+1415', internal: '100', destination: '14155550100', call_start: 't1', pbx_call_id: 'out_1' };
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post(outEnd, sign('10014155550100t1')))).toEqual({ checked: true, valid: true });
    const answer = { event: 'NOTIFY_ANSWER', caller_id: '+1415', internal: '100', destination: '200', call_start: 't2', pbx_call_id: 'in_1' };
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post(answer, sign('+1415200t2')))).toEqual({ checked: true, valid: true });
    const start = { event: 'NOTIFY_START', caller_id: '+1415', called_did: '1500', call_start: 't3', pbx_call_id: 'in_2' };
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post(start, sign('+14151500t3')))).toEqual({ checked: true, valid: true });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, post(start, sign('10014155550100t1')))).toMatchObject({ valid: false });
  });

  it('answers the zd_echo URL check with the echo, and nothing else', async () => {
    const { handshakeReply } = await import('../runtime/webhook.ts');
    expect(handshakeReply(plan, { method: 'GET', url: 'https://relay.example/hooks/z?zd_echo=abc123', headers: {}, body: '' }, { config: {} })).toEqual({
      status: 200,
      headers: { 'Content-Type': 'text/plain' },
      body: 'abc123',
    });
    expect(handshakeReply(plan, { method: 'POST', url: 'https://relay.example/hooks/z', headers: {}, body: 'event=NOTIFY_START' }, { config: {} })).toBeUndefined();
  });
});

describe('Plivo V2 and SignalWire JSON signatures', () => {
  const connector = (signature: string) =>
    loadConnector(`<connector for="PhoneCalls">
  <config><fields><field name="secret" type="password"/></fields></config>
  <provider><url>https://api.example.com</url>${signature}</provider>
  <incoming_call><response><call_id use="id"/></response></incoming_call>
</connector>`);

  it('checks Plivo V2 over the URL without its query, port kept, plus the nonce', async () => {
    const plan = connector('<signature type="plivo-v2" token="$config.$fields.secret"/>');
    const url = 'https://relay.example:8443/hooks/p?x=1';
    const good = nodeHmac256('k', 'https://relay.example:8443/hooks/p12345');
    const request = (signature: string) => ({ method: 'POST', url, headers: { 'X-Plivo-Signature-V2': signature, 'X-Plivo-Signature-V2-Nonce': '12345' }, body: 'CallUUID=u' });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request(good))).toEqual({ checked: true, valid: true });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, request(nodeHmac256('k', 'https://relay.example/hooks/p12345')))).toMatchObject({ valid: false });
  });

  it('accepts SignalWire JSON webhooks signed as hex HMAC-SHA1 of URL and body, and its compatibility scheme', async () => {
    const plan = connector('<signature type="signalwire" token="$config.$fields.secret"/>');
    const url = 'https://relay.example/hooks/sw';
    const body = '{"call":{"call_id":"c-1"}}';
    const hex = createHmac('sha1', 'k').update(url + body).digest('hex');
    const json = { method: 'POST', url, headers: { 'Content-Type': 'application/json', 'X-SignalWire-Signature': hex }, body };
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, json)).toEqual({ checked: true, valid: true });
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, { ...json, body: '{"call":{}}' })).toMatchObject({ valid: false });
    const form = 'CallSid=CA1';
    const compat = createHmac('sha1', 'k').update(`${url}CallSidCA1`).digest('base64');
    expect(await verifyWebhookSignature(plan, { config: { secret: 'k' } }, { method: 'POST', url, headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'X-SignalWire-Signature': compat }, body: form })).toEqual({ checked: true, valid: true });
  });
});

// Vectors and rules of SignalWire's SDK (signalwire-typescript tests/WebhookValidator.test.ts,
// from its porting-sdk/webhooks.md): scheme A is hex HMAC-SHA1 of URL + raw body; scheme B is
// Twilio's base64 HMAC-SHA1 of URL + parameters sorted by key, but a repeated key keeps its
// values in the order they were sent, duplicates included (Twilio sorts them and drops duplicates).
describe('SignalWire signatures (vectors from the SignalWire SDK tests)', () => {
  const form = 'application/x-www-form-urlencoded';

  it('accepts canonical vector A (hex over URL and raw JSON body) and vector C (bodySHA256)', async () => {
    const a = { authToken: 'PSKtest1234567890abcdef', url: 'https://example.ngrok.io/webhook', body: '{"event":"call.state","params":{"call_id":"abc-123","state":"answered"}}', contentType: 'application/json' };
    expect(await verifySignalWireSignature({ ...a, signature: 'c3c08c1fefaf9ee198a100d5906765a6f394bf0f' })).toBe(true);
    expect(await verifySignalWireSignature({ ...a, body: a.body.replace('answered', 'ringing'), signature: 'c3c08c1fefaf9ee198a100d5906765a6f394bf0f' })).toBe(false);
    const c = { authToken: 'PSKtest1234567890abcdef', url: 'https://example.ngrok.io/webhook?bodySHA256=69f3cbfc18e386ef8236cb7008cd5a54b7fed637a8cb3373b5a1591d7f0fd5f4', contentType: 'application/json' };
    expect(await verifySignalWireSignature({ ...c, body: '{"event":"call.state"}', signature: 'dfO9ek8mxyFtn2nMz24plPmPfIY=' })).toBe(true);
    expect(await verifySignalWireSignature({ ...c, body: '{"event":"DIFFERENT"}', signature: 'dfO9ek8mxyFtn2nMz24plPmPfIY=' })).toBe(false);
  });

  it('signs the values of a repeated key in the order they were sent, not sorted', async () => {
    const url = 'https://example.com/hook';
    const signedAb = createHmac('sha1', 'test-key').update(`${url}ToaTob`).digest('base64');
    const signedBa = createHmac('sha1', 'test-key').update(`${url}TobToa`).digest('base64');
    expect(await verifySignalWireSignature({ authToken: 'test-key', url, body: 'To=a&To=b', contentType: form, signature: signedAb })).toBe(true);
    expect(await verifySignalWireSignature({ authToken: 'test-key', url, body: 'To=b&To=a', contentType: form, signature: signedBa })).toBe(true);
    expect(await verifySignalWireSignature({ authToken: 'test-key', url, body: 'To=b&To=a', contentType: form, signature: signedAb })).toBe(false);
  });

  it('keeps a repeated identical pair twice', async () => {
    const url = 'https://example.com/hook';
    const twice = createHmac('sha1', 'test-key').update(`${url}DigitsaDigitsa`).digest('base64');
    const once = createHmac('sha1', 'test-key').update(`${url}Digitsa`).digest('base64');
    expect(await verifySignalWireSignature({ authToken: 'test-key', url, body: 'Digits=a&Digits=a', contentType: form, signature: twice })).toBe(true);
    expect(await verifySignalWireSignature({ authToken: 'test-key', url, body: 'Digits=a&Digits=a', contentType: form, signature: once })).toBe(false);
  });
});
