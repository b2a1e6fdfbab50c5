/** The simulator itself: Twilio's create-call contract and its TwiML reader. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen, readBody } from './http.ts';
import { TwilioSimulator } from './twilio.ts';
import { parseTwiml } from './twiml.ts';

const SID = 'AC11111111111111111111111111111111';
let twilio: TwilioSimulator;

beforeAll(async () => {
  twilio = await TwilioSimulator.start({ accountSid: SID, authToken: 'secret' });
});
afterAll(() => twilio.close());

function createCall(params: Record<string, string> | Array<[string, string]>, auth = `${SID}:secret`, account = SID) {
  return fetch(`${twilio.baseUrl}/2010-04-01/Accounts/${account}/Calls.json`, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(auth).toString('base64')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
}

describe('create call', () => {
  it('answers 201 with a CA sid and status queued', async () => {
    const response = await createCall({ To: '+14155550111', From: '+15005550006', Url: 'http://127.0.0.1:9/voice' });
    expect(response.status).toBe(201);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ account_sid: SID, to: '+14155550111', from: '+15005550006', status: 'queued', direction: 'outbound-api', api_version: '2010-04-01' });
    expect(body.sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(body.uri).toBe(`/2010-04-01/Accounts/${SID}/Calls/${body.sid}.json`);
    await twilio.calls.get(body.sid as string)!.done;
  });

  it.each([
    ['a wrong token', `${SID}:wrong`, SID, 401, 20003],
    ['another account', `${SID}:secret`, 'AC22222222222222222222222222222222', 401, 20003],
  ])('refuses %s with 401', async (_case, auth, account, status, code) => {
    const response = await createCall({ To: '+14155550111', From: '+15005550006', Url: 'https://x.example/v' }, auth, account);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ code, status });
  });

  it.each([
    [{ From: '+15005550006', Url: 'https://x.example/v' }, 21201],
    [{ To: '+14155550111', Url: 'https://x.example/v' }, 21213],
    [{ To: '+14155550111', From: '+15005550006' }, 21205],
    [{ To: '+14155550111', From: '+15005550006', Url: 'not a url' }, 21205],
  ])('refuses %j with 400', async (params, code) => {
    const response = await createCall(params);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code, status: 400 });
  });

  it('refuses StatusCallbackEvent values joined by spaces with 21626, as one invalid event', async () => {
    const before = twilio.calls.size;
    const response = await createCall({ To: '+14155550111', From: '+15005550006', Url: 'https://x.example/v', StatusCallback: 'https://x.example/s', StatusCallbackEvent: 'initiated ringing answered completed' });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 21626, status: 400 });
    expect(twilio.calls.size).toBe(before);
  });

  it('posts the events requested one StatusCallbackEvent parameter each, and completed always', async () => {
    const received: string[] = [];
    const hooks = await listen(
      async (req, res) => {
        const form = new URLSearchParams(await readBody(req));
        if (new URL(req.url ?? '/', 'http://hooks').pathname === '/status') received.push(form.get('CallStatus') ?? '');
        res.writeHead(200, { 'Content-Type': 'text/xml' }).end('<Response/>');
      },
      (res) => res.writeHead(500).end(),
    );
    try {
      const response = await createCall([
        ['To', '+14155550111'],
        ['From', '+15005550006'],
        ['Url', `${hooks.baseUrl}/voice`],
        ['StatusCallback', `${hooks.baseUrl}/status`],
        ['StatusCallbackEvent', 'initiated'],
        ['StatusCallbackEvent', 'ringing'],
      ]);
      expect(response.status).toBe(201);
      await twilio.calls.get(((await response.json()) as { sid: string }).sid)!.done;
      expect(received).toEqual(['initiated', 'ringing', 'completed']);
    } finally {
      await closeServer(hooks.server);
    }
  });

  it('wants a form body', async () => {
    const response = await fetch(`${twilio.baseUrl}/2010-04-01/Accounts/${SID}/Calls.json`, {
      method: 'POST',
      headers: { Authorization: `Basic ${Buffer.from(`${SID}:secret`).toString('base64')}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ To: '+14155550111' }),
    });
    expect(response.status).toBe(400);
  });
});

describe('inline TwiML', () => {
  it("keys in a <Number>'s sendDigits once it answers, and refuses characters Twilio does not send (13222)", async () => {
    const run = async (number: string) => {
      const response = await createCall({ To: '+14155550111', From: '+15005550006', Twiml: `<Response><Dial>${number}</Dial></Response>` });
      const call = twilio.calls.get(((await response.json()) as { sid: string }).sid)!;
      await call.done;
      return [call.dialed, call.sentDigits, call.errors];
    };
    expect(await run('<Number sendDigits="ww12#">+14155550100</Number>')).toEqual([['+14155550100'], ['ww12#'], []]);
    expect(await run('<Number sendDigits="ww12p">+14155550100</Number>')).toEqual([['+14155550100'], [], ['13222 Dial->Number: Invalid sendDigits value "ww12p"']]);
  });
});

describe('parseTwiml', () => {
  it('reads elements, attributes and entities', () => {
    const doc = parseTwiml(`<?xml version="1.0" encoding="UTF-8"?>\n<Response><Dial action="https://r/s?a=1&amp;b=&quot;2&quot;" method='GET'><Number>+1 &lt;415&gt; &#x35;55</Number><Number/></Dial><Hangup/></Response>`);
    expect(doc.children.map((c) => c.name)).toEqual(['Dial', 'Hangup']);
    const dial = doc.children[0]!;
    expect(dial.attrs).toEqual({ action: 'https://r/s?a=1&b="2"', method: 'GET' });
    expect(dial.children.map((c) => c.text)).toEqual(['+1 <415> 555', '']);
  });

  it.each([
    ['<Response><Dial></Response>', '</Response> closes <Dial>'],
    ['<Response><Dial>', 'is not closed'],
    ['<Response>&bogus;</Response>', 'unknown entity'],
    ['<Response>a < b</Response>', 'unexpected "<"'],
    ['<Other/>', 'one <Response> root'],
    ['text<Response/>', 'text outside the root'],
  ])('refuses %s', (source, message) => {
    expect(() => parseTwiml(source)).toThrow(message);
  });
});
