import { REDACTED } from '@phone-connector/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CRM_ACCESS_KEY, TWILIO_TOKEN, crmTestRelay } from '../testing.ts';
import { SCRIPTED_XML } from '../crm/scripted-crm.ts';

let relay: Awaited<ReturnType<typeof crmTestRelay>>;
beforeEach(async () => {
  relay = await crmTestRelay();
});
afterEach(() => relay.outbox.stop());

const provider = { connector: 'twilio', config: { authid: 'AC123', authtoken: TWILIO_TOKEN, callerid: '+15005550006' } };
const crmConfig = { url: 'https://crm.example.test', username: 'ada', accesskey: CRM_ACCESS_KEY };
const put = async (body: unknown) => {
  const response = await relay.call(relay.ada.token, 'PUT', '/instances/main', body);
  return { status: response.status, body: (await response.json()) as any };
};
const get = async (path: string) => (await relay.call(relay.ada.token, 'GET', path)).json() as Promise<any>;

describe('CRM setup on an instance', () => {
  it('shows the CRM with its secrets masked, and never logs them', async () => {
    const view = await get('/instances/main');
    expect(view.crm).toEqual({ connector: 'scripted', name: 'Scripted CRM', config: { url: 'https://crm.example.test', username: 'ada', accesskey: REDACTED }, warnings: [] });
    expect(JSON.stringify(await get('/instances'))).not.toContain(CRM_ACCESS_KEY);
    expect(relay.logs.join('\n')).not.toContain(CRM_ACCESS_KEY);
    // The session, opened when the setup was saved, gets the real value.
    expect(relay.crm.opened?.config.accesskey).toBe(CRM_ACCESS_KEY);
  });

  it('keeps the stored secret when the masked value comes back, the CRM when crm is absent, and removes it with null', async () => {
    const resent = await put({ ...provider, crm: { connector: 'scripted', config: { ...crmConfig, accesskey: REDACTED, username: 'grace' } } });
    expect(resent.status).toBe(200);
    expect((await relay.store.instanceOf(relay.ada.id, 'main'))!.crm).toEqual({ connector: 'scripted', xml: null, config: { ...crmConfig, username: 'grace' } });
    expect((await put(provider)).body.crm).toMatchObject({ connector: 'scripted', config: { username: 'grace' } });
    expect((await put({ ...provider, crm: null })).body.crm).toBeNull();
    expect((await relay.store.instanceOf(relay.ada.id, 'main'))!.crm).toBeNull();
  });

  it('takes a custom CRM connector as XML', async () => {
    const saved = await put({ ...provider, crm: { xml: SCRIPTED_XML, config: crmConfig } });
    expect(saved.status).toBe(200);
    expect(saved.body.crm).toMatchObject({ connector: 'custom', name: 'Scripted CRM', config: { accesskey: REDACTED } });
  });

  it('refuses an invalid setup with 422 and saves nothing', async () => {
    const cases: Array<[unknown, string, unknown]> = [
      [
        { xml: SCRIPTED_XML.replace('<find_contact>', '<find_contactt>').replace('</find_contact>', '</find_contactt>'), config: crmConfig },
        'crm: the CRM connector is not valid',
        expect.arrayContaining([expect.objectContaining({ line: 8, col: 3, message: 'unknown element <find_contactt> inside <connector>', hint: 'did you mean `find_contact`?' })]),
      ],
      [{ connector: 'salesforse', config: crmConfig }, 'crm: there is no bundled CRM connector "salesforse"; known: scripted', []],
      [{ connector: 'scripted', xml: SCRIPTED_XML, config: crmConfig }, 'crm: give exactly one of "connector" (a bundled CRM connector id) and "xml" (a CRM connector of your own)', []],
      [
        { connector: 'scripted', config: { url: 'https://crm.example.test' } },
        'crm: mandatory config missing: username, accesskey',
        [expect.objectContaining({ path: 'crm.config.username', severity: 'error' }), expect.objectContaining({ path: 'crm.config.accesskey', severity: 'error' })],
      ],
    ];
    for (const [crm, error, diagnostics] of cases) {
      const refused = await put({ ...provider, crm });
      expect(refused).toEqual({ status: 422, body: { error, diagnostics } });
    }
    expect((await relay.store.instanceOf(relay.ada.id, 'main'))!.crm).toMatchObject({ connector: 'scripted', config: crmConfig });
    const badShape = await put({ ...provider, crm: { connector: 'scripted', config: { url: 7 } } });
    expect(badShape.status).toBe(400);
  });

  it('says that a body of crm alone needs the instance\'s provider beside it', async () => {
    const refused = await put({ crm: { connector: 'scripted', config: crmConfig } });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe('give exactly one of "connector" (a bundled connector id) and "xml" (a connector of your own): a crm setup is saved with its instance, so send the instance\'s "connector" (or "xml") and "config" beside it, as GET /api/v1/instances/:id shows them');
    expect((await put({ config: {} })).body.error).toBe('give exactly one of "connector" (a bundled connector id) and "xml" (a connector of your own)');
  });

  it('keeps a URL field without the spaces and trailing slashes of a paste, for the session too; other fields as typed', async () => {
    const saved = await put({ ...provider, crm: { connector: 'scripted', config: { ...crmConfig, url: ' https://crm.example.test/vtigercrm// ', username: 'ada/' } } });
    expect(saved.status).toBe(200);
    expect((await relay.store.instanceOf(relay.ada.id, 'main'))!.crm!.config).toEqual({ ...crmConfig, url: 'https://crm.example.test/vtigercrm', username: 'ada/' });
    expect(relay.crm.opened?.config.url).toBe('https://crm.example.test/vtigercrm');
    // Nothing but slashes is no address: unset, so a mandatory URL is asked for again.
    expect((await put({ ...provider, crm: { connector: 'scripted', config: { ...crmConfig, url: '/' } } })).status).toBe(422);
  });

  it('warns about config fields the CRM connector does not have, and drops them', async () => {
    const saved = await put({ ...provider, crm: { connector: 'scripted', config: { ...crmConfig, colour: 'blue' } } });
    expect(saved.body.crm.warnings).toEqual([expect.objectContaining({ path: 'crm.config.colour', severity: 'warning' })]);
    expect((await relay.store.instanceOf(relay.ada.id, 'main'))!.crm!.config).toEqual(crmConfig);
  });
});

describe('CRM endpoints', () => {
  it('lists the bundled CRM connectors with their fields', async () => {
    expect(await get('/crm-connectors')).toEqual([
      {
        id: 'scripted',
        name: 'Scripted CRM',
        fields: [
          { name: 'url', label: 'CRM address', type: 'url', mandatory: true, callbackUrl: false },
          { name: 'username', label: 'User name', type: 'text', mandatory: true, callbackUrl: false },
          { name: 'accesskey', label: 'Access key', type: 'password', mandatory: true, callbackUrl: false },
        ],
      },
    ]);
  });

  it('gives the dispositions, asking the CRM once a minute at most, with the CRM\'s name and whether it follows later notes', async () => {
    const wrapUp = { dispositions: ['Interested', 'Call back later'], crm: 'Scripted CRM', updates_logged_calls: true };
    expect(await get('/instances/main/crm/dispositions')).toEqual(wrapUp);
    expect(await get('/instances/main/crm/dispositions')).toEqual(wrapUp);
    expect(relay.crm.asked('dispositions')).toHaveLength(1);
    // A CRM whose logged calls do not change (Pipedrive: no update_call) says so.
    relay.crm.canUpdate = false;
    expect(await get('/instances/main/crm/dispositions')).toEqual({ ...wrapUp, updates_logged_calls: false });
    relay.crm.canUpdate = true;
    relay.advance(61_000);
    relay.crm.fail('dispositions', { ok: false, error: 'HTTP 500', retry: true });
    const failed = await relay.call(relay.ada.token, 'GET', '/instances/main/crm/dispositions');
    expect(failed.status).toBe(502);
    expect(await failed.json()).toEqual({ error: 'the CRM did not give its dispositions: HTTP 500' });
  });

  it("says in a test lookup whom the agent's calls are logged for, when the connector can tell", async () => {
    const test = async () => (await relay.call(relay.ada.token, 'POST', '/instances/main/crm/test', { number: '+14155550199' })).json();
    expect(await test()).toEqual({ ok: true, contacts: [], error: null });
    relay.crm.knowUsers({ 'ada@example.com': 'owner-ada' });
    expect(await test()).toEqual({ ok: true, contacts: [], error: null, user: { email: 'ada@example.com', id: 'owner-ada', error: null } });
    relay.crm.fail('findUser', { ok: false, error: 'HTTP 403 Forbidden', retry: false, status: 403 });
    expect((await test()).user).toEqual({ email: 'ada@example.com', id: null, error: 'HTTP 403 Forbidden' });
    // Asked each time (a test is live): the admin may just have fixed the user or the token.
    expect(relay.crm.asked('findUser')).toHaveLength(2);
    await relay.call(relay.ada.token, 'PATCH', '/me', { email: 'ada.l@example.com' });
    expect((await test()).user).toEqual({ email: 'ada.l@example.com', id: null, error: null });
    await relay.call(relay.ada.token, 'PATCH', '/me', { email: null });
    expect((await test()).user).toEqual({ email: null, id: null, error: null });
  });

  it('runs a test lookup, refusing what is not a number and instances without a CRM', async () => {
    relay.crm.fail('findContacts', { ok: false, error: 'INVALID_AUTH_TOKEN', retry: false, status: 401 });
    const failed = await relay.call(relay.ada.token, 'POST', '/instances/main/crm/test', { number: '+14155550199' });
    expect(await failed.json()).toEqual({ ok: false, contacts: [], error: 'INVALID_AUTH_TOKEN' });
    const notNumber = await relay.call(relay.ada.token, 'POST', '/instances/main/crm/test', { number: 'call me' });
    expect(notNumber.status).toBe(400);
    await put({ ...provider, crm: null });
    const none = await relay.call(relay.ada.token, 'POST', '/instances/main/crm/test', { number: '+14155550199' });
    expect(none.status).toBe(409);
    expect(await none.json()).toEqual({ error: 'the instance has no CRM: add one with PUT /api/v1/instances/main and "crm": {"connector", "config"} beside its provider' });
    expect((await relay.call(relay.ada.token, 'GET', '/instances/nope/crm/dispositions')).status).toBe(404);
    // A stored setup whose connector this relay does not have (removed from connectors/crm/ since).
    const main = (await relay.store.instanceOf(relay.ada.id, 'main'))!;
    await relay.store.putInstance({ agentId: relay.ada.id, localId: 'main', connector: main.connector, xml: null, config: main.config, crm: { connector: 'gone', xml: null, config: crmConfig }, at: main.updatedAt }, main);
    const gone = await relay.call(relay.ada.token, 'GET', '/instances/main/crm/dispositions');
    expect({ status: gone.status, body: await gone.json() }).toEqual({ status: 409, body: { error: 'the instance\'s CRM connector "gone" cannot be loaded; GET /api/v1/instances/main says why (crm.warnings)' } });
    expect((await get('/instances/main')).crm.warnings).toEqual([expect.objectContaining({ path: 'crm', code: 'connector-unavailable' })]);
  });

  it('exposes CRM requests, lookups and the outbox in /metrics', async () => {
    await relay.inbound('CA1', '+14155550199').ringing();
    await vi.waitFor(() => expect(relay.pushed('CA1').length).toBeGreaterThan(0), { timeout: 10_000, interval: 10 });
    await relay.inbound('CA1', '+14155550199').completed();
    relay.advance(3_000);
    const metrics = await (await relay.app.request('/metrics')).text();
    expect(metrics).toContain('relay_crm_requests_total{operation="find_contact",outcome="ok"} 1');
    expect(metrics).toContain('relay_crm_lookups_total{source="crm"} 1');
    expect(metrics).toContain('relay_crm_outbox_depth 1');
    expect(metrics).toContain('relay_crm_outbox_oldest_due_seconds 3');
    await relay.outbox.runDue();
    const after = await (await relay.app.request('/metrics')).text();
    expect(after).toContain('relay_crm_requests_total{operation="log_call",outcome="ok"} 1');
    expect(after).toContain('relay_crm_outbox_depth 0');
  });
});
