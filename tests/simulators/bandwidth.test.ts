/** The simulator itself: how it reads the BXML `<Transfer>` of an incoming call. */
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
