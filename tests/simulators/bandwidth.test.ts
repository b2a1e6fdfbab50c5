/** The simulator itself: how it reads the BXML `<Transfer>` of an incoming call, and what Update Call refuses. */
import type { Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BandwidthSimulator } from './bandwidth.ts';
import { closeServer, listen } from './http.ts';

let bandwidth: BandwidthSimulator;
let app: { server: Server; baseUrl: string };
/** How many `<PhoneNumber>`s the application's next answer to `initiate` transfers to. */
let numbers = 1;

beforeAll(async () => {
  bandwidth = await BandwidthSimulator.start({ accountId: '9900000', clientId: 'id', clientSecret: 'secret', applicationId: 'app' });
  // The customer's application: BXML for initiate, the 204 Bandwidth wants for disconnect.
  app = await listen(
    async (req, res) => {
      if (req.url === '/status') return void res.writeHead(204).end();
      const phones = Array.from({ length: numbers }, (_, i) => `<PhoneNumber>+1415555${String(i).padStart(4, '0')}</PhoneNumber>`).join('');
      res.writeHead(200, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?><Response><Transfer>${phones}</Transfer></Response>`);
    },
    (res) => res.writeHead(500).end(),
  );
});
afterAll(async () => {
  await bandwidth.close();
  await closeServer(app.server);
});

describe('<Transfer>', () => {
  // Bandwidth's Transfer page: "Between 1 and 8 <PhoneNumber> or <SipUri> tags".
  it.each([
    [1, 'hangup', 1, []],
    [8, 'hangup', 8, []],
    [9, 'invalid-bxml', 0, ['invalid BXML: <Transfer> takes 1 to 8 <PhoneNumber>s, got 9']],
  ])('with %i <PhoneNumber>s ends the call with cause %s', async (count, cause, rung, errors) => {
    numbers = count;
    const call = bandwidth.inboundCall({ initiateUrl: `${app.baseUrl}/initiate`, statusUrl: `${app.baseUrl}/status`, from: '+14155550100', to: '+19195551234' });
    await call.done;
    expect(call.cause).toBe(cause);
    expect(call.transferredTo).toHaveLength(rung);
    expect(call.errors).toEqual(errors);
  });
});

describe('Update Call', () => {
  const calls = (path = '') => `${bandwidth.baseUrl}/api/v2/accounts/9900000/calls${path}`;
  let token: string;

  beforeAll(async () => {
    const answer = await fetch(`${bandwidth.baseUrl}/api/v1/oauth2/token`, {
      method: 'POST',
      headers: { Authorization: `Basic ${btoa('id:secret')}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials',
    });
    token = ((await answer.json()) as { access_token: string }).access_token;
  });

  const post = (url: string, body: unknown, authorization = `Bearer ${token}`) =>
    fetch(url, { method: 'POST', headers: { Authorization: authorization, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

  it('refuses a call that has already ended with 409, as the errors page shows for a recently ended call', async () => {
    numbers = 1;
    const created = await post(calls(), { from: '+19195551234', to: '+14155550111', applicationId: 'app', answerUrl: `${app.baseUrl}/answer`, disconnectUrl: `${app.baseUrl}/status` });
    const { callId } = (await created.json()) as { callId: string };
    await bandwidth.calls.get(callId)!.done;
    const answer = await post(calls(`/${callId}`), { state: 'completed' });
    expect([answer.status, await answer.json()]).toEqual([409, { type: 'validation', description: `Call [${callId}] cannot be modified in its current state`, id: '' }]);
  });

  it('refuses a tag with state completed (not allowed, says the spec), then cancels the ringing call with 200 and no body', async () => {
    bandwidth.agentPhone = 'rings';
    const created = await post(calls(), { from: '+19195551234', to: '+14155550111', applicationId: 'app', answerUrl: `${app.baseUrl}/answer`, disconnectUrl: `${app.baseUrl}/status` });
    bandwidth.agentPhone = 'answers';
    const call = bandwidth.calls.get(((await created.json()) as { callId: string }).callId)!;
    const refused = await post(calls(`/${call.callId}`), { state: 'completed', tag: 'x' });
    expect([refused.status, call.ringing]).toEqual([400, expect.anything()]);
    const answer = await post(calls(`/${call.callId}`), { state: 'completed' });
    expect([answer.status, await answer.text()]).toEqual([200, '']);
    await call.done;
    expect(call.exchanges.map((e) => [e.eventType, e.event.cause])).toEqual([['disconnect', 'cancel']]);
  });

  it.each([
    ['an unknown call', 'Bearer', 404, 'Call [c-unknown] not found'],
    ['Basic credentials instead of a token', 'Basic aWQ6c2VjcmV0', 401, 'The credentials provided were invalid'],
  ])('answers %s with %i', async (_case, scheme, status, description) => {
    const answer = await post(calls('/c-unknown'), { state: 'completed' }, scheme === 'Bearer' ? `Bearer ${token}` : scheme);
    expect([answer.status, await answer.json()]).toEqual([status, expect.objectContaining({ description })]);
  });
});
