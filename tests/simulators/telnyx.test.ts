/** The simulator itself: the status callbacks of the legs a TeXML `<Dial>` creates, and `<Number sendDigits>`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen, readBody } from './http.ts';
import { TelnyxSimulator } from './telnyx.ts';

let telnyx: TelnyxSimulator;
/** Serves the TeXML in `texml` at /voice, and answers every other request with an empty <Response>. */
let hooks: Awaited<ReturnType<typeof listen>>;
let texml = '';

beforeAll(async () => {
  telnyx = await TelnyxSimulator.start({ apiKey: 'KEY', accountSid: 'f5586561-8ff0-4291-a51b-c7dfe4139ff9', applicationSid: '1293384261075731499' });
  hooks = await listen(
    async (req, res) => {
      await readBody(req);
      const voice = new URL(req.url ?? '/', 'http://hooks').pathname === '/voice';
      res.writeHead(200, { 'Content-Type': 'text/xml' }).end(voice ? texml : '<Response/>');
    },
    (res) => res.writeHead(500).end(),
  );
});
afterAll(async () => {
  await telnyx?.close();
  await closeServer(hooks.server);
});

async function inbound(dial: string) {
  texml = `<Response><Dial>${dial}</Dial></Response>`;
  const call = telnyx.inboundCall({ url: `${hooks.baseUrl}/voice`, from: '+14155550199', to: '+13120001234' });
  await call.done;
  return call;
}

describe('the legs of a <Dial>', () => {
  it('post each <Number> the events it asked for, completed alone by default, naming the parent call', async () => {
    const status = `${hooks.baseUrl}/status`;
    const call = await inbound(`<Number statusCallback="${status}">+14155550111</Number><Number statusCallback="${status}" statusCallbackEvent="initiated completed">+14155550122</Number><Number>+14155550133</Number>`);
    // The first number answers and talks 30 s; the others are hung up.
    const legs = call.exchanges.filter((e) => e.kind === 'number-status').map((e) => e.params);
    expect(legs.map((p) => [p.To, p.CallStatus, p.CallDuration])).toEqual([
      ['+14155550122', 'initiated', undefined],
      ['+14155550122', 'canceled', '0'],
      ['+14155550111', 'completed', '30'],
    ]);
    expect(legs.every((p) => p.ParentCallSid === call.sid && p.CallSid !== call.sid && p.CallbackSource === 'call-progress-events')).toBe(true);
    expect(new Set(legs.map((p) => p.CallSid)).size).toBe(2);
  });

  it('keys in sendDigits of 0-9, #, * and w only, as the <Number> reference lists them', async () => {
    const run = async (digits: string) => {
      const call = await inbound(`<Number sendDigits="${digits}">+14155550100</Number>`);
      return [call.sentDigits, call.errors];
    };
    expect(await run('ww12#*')).toEqual([['ww12#*'], []]);
    expect(await run('W12')).toEqual([[], ['TeXML: invalid sendDigits "W12"']]);
  });
});
