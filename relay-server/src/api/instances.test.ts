import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { InstanceView } from '@phone-connector/shared';
import { beforeEach, describe, expect, it } from 'vitest';
import { PUBLIC_URL, testRelay } from '../testing.ts';

let relay: ReturnType<typeof testRelay>;
let ada: Awaited<ReturnType<typeof relay.addAgent>>;
const twilioXml = readFileSync(new URL('../../../connectors/twilio.xml', import.meta.url), 'utf8');
const config = { authid: 'AC123', authtoken: 'tw-secret', callerid: '+15005550006' };

beforeEach(async () => {
  relay = testRelay();
  ada = await relay.addAgent('Ada', '+14155550111');
});

const put = async (id: string, body: unknown) => {
  const response = await relay.call(ada.token, 'PUT', `/instances/${id}`, body);
  return { status: response.status, body: (await response.json()) as any };
};

describe('/connectors', () => {
  it('lists the bundled connectors with their config fields', async () => {
    const list = (await (await relay.call(ada.token, 'GET', '/connectors')).json()) as any[];
    // Every connectors/*.xml, by file name, in order.
    const files = readdirSync(join(import.meta.dirname, '..', '..', '..', 'connectors')).filter((f) => f.endsWith('.xml')).map((f) => f.slice(0, -4)).sort();
    expect(list.map((c) => c.id)).toEqual(files);
    expect(list.find((c) => c.id === 'twilio')).toEqual({
      id: 'twilio',
      name: 'Twilio',
      fields: [
        { name: 'authid', label: 'Account SID', type: 'text', mandatory: true, callbackUrl: false },
        { name: 'authtoken', label: 'Auth token', type: 'password', mandatory: true, callbackUrl: false },
        { name: 'callerid', label: 'Twilio number (caller ID)', type: 'text', mandatory: true, callbackUrl: false },
        { name: 'answer_callback', label: 'Answer callback URL', type: 'url', mandatory: true, callbackUrl: true },
        { name: 'status_callback', label: 'Status callback URL', type: 'url', mandatory: true, callbackUrl: true },
        { name: 'incoming_callback', label: 'Incoming call URL (paste into the number\'s Voice webhook)', type: 'url', mandatory: true, callbackUrl: true },
        { name: 'voicemail_greeting', label: 'Voicemail greeting (said to a caller nobody answered, who then leaves a message; blank: no voicemail)', type: 'text', mandatory: false, callbackUrl: false },
        { name: 'away_voicemail', label: 'While every agent is away, callers go straight to voicemail (with the greeting above) instead of ringing the agents\' phones', type: 'checkbox', mandatory: false, callbackUrl: false },
        { name: 'record_calls', label: 'Record calls (each call\'s wrap-up and CRM log link its recording)', type: 'checkbox', mandatory: false, callbackUrl: false },
        { name: 'screen_calls', label: 'Agents press a key to take an incoming call (so that a phone\'s own voicemail cannot take it)', type: 'checkbox', mandatory: false, callbackUrl: false },
      ],
    });
  });
});

describe('/instances', () => {
  it('registers a bundled connector: callback URLs, filled callback fields, masked secrets', async () => {
    const { status, body } = await put('main', { connector: 'twilio', config });
    expect(status).toBe(200);
    const base = new RegExp(`^${PUBLIC_URL}/hooks/in_[A-Za-z0-9_-]{16}/[A-Za-z0-9_-]{32}/`);
    expect(body.callbacks.answer).toMatch(new RegExp(`${base.source}answer$`));
    expect(body.callbacks.status).toMatch(new RegExp(`${base.source}status$`));
    expect(body.callbacks.incoming).toMatch(new RegExp(`${base.source}incoming$`));
    expect(body).toEqual({
      id: 'main',
      connector: 'twilio',
      name: 'Twilio',
      config: { ...config, authtoken: '<redacted>', answer_callback: body.callbacks.answer, status_callback: body.callbacks.status, incoming_callback: body.callbacks.incoming },
      callbacks: body.callbacks,
      warnings: [],
      crm: null,
      hours: null,
      open_now: null,
      away_voicemail: false,
    });
    expect((await relay.store.instanceOf(ada.id, 'main'))!.config.authtoken).toBe('tw-secret');
    expect(await (await relay.call(ada.token, 'GET', '/instances')).json()).toEqual([body]);
    expect(await (await relay.call(ada.token, 'GET', '/instances/main')).json()).toEqual(body);
  });

  it('keeps URLs when registered again, and a masked value sent back keeps the stored one', async () => {
    const first = (await put('main', { connector: 'twilio', config })).body;
    const second = (await put('main', { connector: 'twilio', config: { ...first.config, callerid: '+15005550007' } })).body;
    expect(second.callbacks).toEqual(first.callbacks);
    expect((await relay.store.instanceOf(ada.id, 'main'))!.config).toMatchObject({ authtoken: 'tw-secret', callerid: '+15005550007' });
  });

  it('warns about undeclared fields (dropped) and empty mandatory ones', async () => {
    const { status, body } = await put('main', { connector: 'twilio', config: { authid: 'AC1', colour: 'blue' } });
    expect(status).toBe(200);
    expect(body.config).not.toHaveProperty('colour');
    expect(body.warnings.map((w: any) => [w.path, w.severity, w.line])).toEqual([
      ['config.colour', 'warning', null],
      ['config.authtoken', 'warning', null],
      ['config.callerid', 'warning', null],
    ]);
  });

  it('registers custom XML and reports its warnings', async () => {
    const xml = twilioXml.replace('presence="mandatory"', 'presense="mandatory"');
    const { status, body } = await put('custom-1', { xml, config });
    expect(status).toBe(200);
    expect(body).toMatchObject({ id: 'custom-1', connector: 'custom', name: 'Twilio' });
    expect(body.warnings).toContainEqual(expect.objectContaining({ severity: 'warning', line: expect.any(Number), col: expect.any(Number), message: expect.stringContaining('presense') }));
  });

  it('refuses invalid XML with its diagnostics, line and column', async () => {
    const xml = twilioXml.replace('<call_id use="sid"/>', '<callid_x use="sid"/>').replace('<outgoing_call>', '<outgoing_cal>');
    const { status, body } = await put('bad', { xml, config });
    expect(status).toBe(422);
    expect(body.error).toBe('the connector is not valid');
    expect(body.diagnostics.length).toBeGreaterThan(0);
    expect(body.diagnostics[0]).toEqual({ line: expect.any(Number), col: expect.any(Number), path: expect.any(String), message: expect.any(String), hint: expect.anything(), severity: 'error', code: expect.any(String) });
    expect(await relay.store.instanceOf(ada.id, 'bad')).toBeUndefined();
  });

  it.each([
    ['an XML declaration whose quotes do not pair up', `<?xml version='1.0"?>\n${twilioXml}`, { line: 1, col: 1, message: 'the quotes in <?xml …?> do not pair up' }],
    ['120 nested elements', twilioXml.replace('<outgoing_call>', `<outgoing_call>${'<a>'.repeat(120)}${'</a>'.repeat(120)}`), { line: expect.any(Number), col: expect.any(Number), message: 'elements nest deeper than 32 levels' }],
  ])('refuses %s with a 422 and its position, not a 500', async (_name, xml, diagnostic) => {
    const { status, body } = await put('bad', { xml, config });
    expect(status).toBe(422);
    expect(body.diagnostics).toEqual([expect.objectContaining({ severity: 'error', code: 'xml-syntax', ...diagnostic })]);
    expect(await relay.store.instanceOf(ada.id, 'bad')).toBeUndefined();
  });

  it.each([
    [{ config }, 422, 'exactly one of'],
    [{ connector: 'twilio', xml: twilioXml, config }, 422, 'exactly one of'],
    [{ connector: 'skype', config }, 422, 'no bundled connector "skype"'],
    [{ connector: 'twilio', config: { authid: 5 } }, 400, 'expected string'],
    [{ connector: 'twilio', config: { authid: 'x'.repeat(4097) } }, 400, 'at config.authid'],
    [{ xml: 'x'.repeat(256 * 1024 + 1), config }, 400, 'at xml'],
  ])('refuses %#', async (body, status, message) => {
    const response = await put('main', body);
    expect(response.status).toBe(status);
    expect(response.body.error).toContain(message);
    expect(await relay.store.instanceOf(ada.id, 'main')).toBeUndefined();
  });

  it('keeps the number’s opening hours: shown with whether it is open now, kept by a save without them, removed by null', async () => {
    // Monday 7 December 2026, 21:00 in Paris.
    const clocked = testRelay({ now: () => new Date('2026-12-07T20:00:00Z') });
    const { token } = await clocked.addAgent('Ada', '+14155550111', { admin: true });
    const save = async (body: Record<string, unknown>) => (await (await clocked.call(token, 'PUT', '/instances/main', { connector: 'twilio', config, ...body })).json()) as InstanceView;
    const hours = { time_zone: 'Europe/Paris', week: { mon: [{ from: '09:00', to: '18:00' }], tue: [{ from: '09:00', to: '18:00' }] }, closed_on: [] };
    expect(await save({ hours })).toMatchObject({ hours, open_now: { open: false, until: '2026-12-08T08:00:00.000Z' }, away_voicemail: false });
    // The provider saved again (no hours in the body): they stay; with the box ticked and a greeting, callers then go to voicemail.
    expect(await save({ config: { ...config, voicemail_greeting: 'We are closed.', away_voicemail: 'true' } })).toMatchObject({ hours, away_voicemail: true });
    expect((await (await clocked.call(token, 'GET', '/instances/main')).json()) as InstanceView).toMatchObject({ hours, open_now: { open: false } });
    expect(await save({ hours: null })).toMatchObject({ hours: null, open_now: null });
  });

  it('refuses opening hours it could not keep, saying where', async () => {
    const refused = async (hours: unknown) => put('main', { connector: 'twilio', config, hours });
    expect(await refused({ time_zone: 'Mars/Olympus', week: {} })).toEqual({ status: 400, body: { error: 'a time zone name such as Europe/Paris or America/New_York at hours.time_zone' } });
    expect(await refused({ time_zone: 'UTC', week: { fri: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }] } })).toEqual({ status: 400, body: { error: '09:00–13:00 and 12:00–18:00 overlap at hours.week.fri' } });
    expect((await relay.call(ada.token, 'GET', '/instances/main')).status).toBe(404);
  });

  it('refuses ids outside [a-z0-9_-]{1,64}', async () => {
    for (const id of ['Main', 'a.b', 'x'.repeat(65), '%20']) expect((await put(id, { connector: 'twilio', config })).status).toBe(400);
  });

  it('deletes an instance: its URLs stop working', async () => {
    const { body } = await put('main', { connector: 'twilio', config });
    expect((await relay.call(ada.token, 'DELETE', '/instances/main')).status).toBe(204);
    expect((await relay.call(ada.token, 'DELETE', '/instances/main')).status).toBe(404);
    expect(await (await relay.call(ada.token, 'GET', '/instances')).json()).toEqual([]);
    expect((await relay.app.request(body.callbacks.status.replace(PUBLIC_URL, ''), { method: 'POST', body: 'CallSid=CA1' })).status).toBe(404);
    const again = (await put('main', { connector: 'twilio', config })).body;
    expect(again.callbacks.status).not.toBe(body.callbacks.status);
  });

  it('is scoped per agent', async () => {
    const bob = await relay.addAgent('Bob', '+14155550122');
    await put('main', { connector: 'twilio', config });
    expect(await (await relay.call(bob.token, 'GET', '/instances')).json()).toEqual([]);
    expect((await relay.call(bob.token, 'GET', '/instances/main')).status).toBe(404);
    expect((await relay.call(bob.token, 'DELETE', '/instances/main')).status).toBe(404);
    const bobs = await relay.call(bob.token, 'PUT', '/instances/main', { connector: 'ozonetel', config: {} });
    expect(bobs.status).toBe(200);
    expect((await relay.store.instanceOf(ada.id, 'main'))!.connector).toBe('twilio');
  });
});
