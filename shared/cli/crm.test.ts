import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConnectorCli } from './connector.ts';
import type { Fetch } from '../src/runtime/http.ts';

const root = join(import.meta.dirname, '..', '..');
const VTIGER = ['connectors/crm/vtiger.xml', '--config', 'connectors/examples/crm-vtiger.config.json'];
const RESPONSES = ['--responses', 'connectors/examples/crm-vtiger-responses'];
const SALESFORCE = ['connectors/crm/salesforce.xml', '--config', 'connectors/examples/crm-salesforce.config.json', '--responses', 'connectors/examples/crm-salesforce-responses'];
const CALL = 'connectors/examples/crm-call.json';

async function run(argv: string[], fetch?: Fetch) {
  const out: string[] = [];
  const err: string[] = [];
  const readFile = (p: string) => readFileSync(join(root, p), 'utf8');
  const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l), readFile, ...(fetch ? { fetch } : {}) };
  const code = await runConnectorCli(argv, io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('phone-connector crm', () => {
  it('validates CRM connectors beside telephony ones', async () => {
    const crms = ['vtiger', 'hubspot', 'pipedrive', 'zoho', 'salesforce', 'freshsales', 'dynamics', 'bitrix24', 'odoo'].map((id) => `connectors/crm/${id}.xml`);
    const { code, out } = await run(['validate', ...crms, 'connectors/twilio.xml']);
    expect(code).toBe(0);
    for (const file of crms) expect(out).toContain(`${file}: ok (CRM connector)`);
    expect(out).toContain('connectors/twilio.xml: ok');
  });

  it('dry-runs the Zoho lookup the docs show: the refresh grant with its secrets redacted, then Contacts by each form of the number (a Contact matched: no Leads)', async () => {
    const { code, out } = await run(['crm', 'connectors/crm/zoho.xml', '--config', 'connectors/examples/crm-zoho.config.json', '--find', '+1 415 555 0100', '--responses', 'connectors/examples/crm-zoho-responses']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    // mode="every": E.164, national, trunk 0 + national; the recorded answers serve each form.
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-0', ...Array(3).fill('find_contact-Contacts')]);
    expect(Object.fromEntries(new URLSearchParams(shown.requests[0].body))).toEqual({ grant_type: 'refresh_token', client_id: '1000.YOURCLIENTID', client_secret: '<redacted>', refresh_token: '<redacted>' });
    expect(shown.requests[1].headers.Authorization).toBe('<redacted>');
    expect(shown.result).toEqual({ ok: true, value: [{ id: '5725767000000524157', name: 'Jane Doe', company: 'Acme', url: 'https://crm.zoho.com/crm/org712345678/tab/Contacts/5725767000000524157', kind: 'Contacts' }] });
  });

  it("dry-runs the Dynamics lookup the docs show: the client-credentials grant for the environment's scope, secret redacted, then one OData search whose matches the caller's digits must end", async () => {
    const { code, out } = await run(['crm', 'connectors/crm/dynamics.xml', '--config', 'connectors/examples/crm-dynamics.config.json', '--find', '+1 415 555 0100', '--responses', 'connectors/examples/crm-dynamics-responses']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-0', 'find_contact-Contacts']);
    expect(shown.requests[0].url).toBe('https://login.microsoftonline.com/72f988bf-0000-4000-8000-000000000001/oauth2/v2.0/token');
    expect(Object.fromEntries(new URLSearchParams(shown.requests[0].body))).toEqual({
      grant_type: 'client_credentials',
      client_id: '51f81489-12ee-4a9e-aaae-a2591f45987d',
      client_secret: '<redacted>',
      scope: 'https://contoso.crm.dynamics.com/.default',
    });
    expect(new URL(shown.requests[1].url).searchParams.get('$filter')).toBe("statecode eq 0 and (endswith(telephone1,'0100') or endswith(mobilephone,'0100') or endswith(telephone2,'0100'))");
    // The recorded answer's second contact, +1 650 555 0100, ends with 0100 too: not the caller.
    expect(shown.result).toEqual({
      ok: true,
      value: [{ id: '25a17064-1ae7-e611-80f4-e0071b661f01', name: 'Jane Doe', company: 'Acme', url: 'https://contoso.crm.dynamics.com/main.aspx?etn=contact&id=25a17064-1ae7-e611-80f4-e0071b661f01&pagetype=entityrecord', kind: 'Contacts' }],
    });
    expect(out).not.toContain('your-client-secret-value');
    expect(out).not.toContain('EXAMPLE.signature');
  });

  it('dry-runs the Bitrix24 lookup and call the docs show: one batch (the duplicate index, then the contacts it found), the company, the webhook URL redacted whole', async () => {
    const BITRIX24 = ['connectors/crm/bitrix24.xml', '--config', 'connectors/examples/crm-bitrix24.config.json', '--responses', 'connectors/examples/crm-bitrix24-responses'];
    const found = await run(['crm', ...BITRIX24, '--find', '+1 415 555 0100']);
    expect(found.code).toBe(0);
    const shown = JSON.parse(found.out);
    expect(shown.requests.map((r: { step: string; url: string }) => [r.step, r.url])).toEqual([
      ['find_contact-Contacts', '<redacted>batch.json'],
      ['follow_up-Contacts', '<redacted>crm.company.get.json'],
    ]);
    expect(JSON.parse(shown.requests[0].body).cmd.find).toBe('crm.duplicate.findbycomm?entity_type=CONTACT&type=PHONE&values[]=%2B14155550100&values[]=4155550100&values[]=04155550100');
    // The recorded answer's second contact, +1 650 555 0100, ends with 0100 too: not the caller.
    expect(shown.result).toEqual({ ok: true, value: [{ id: '105', name: 'Jane Doe', company: 'Acme', url: 'https://acme.bitrix24.com/crm/contact/details/105/', kind: 'Contacts' }] });
    const logged = await run(['crm', ...BITRIX24, '--log', 'connectors/examples/crm-bitrix24-call.json']);
    expect(logged.code).toBe(0);
    expect(JSON.parse(JSON.parse(logged.out).requests[0].body).cmd.call).toContain('fields[OWNER_ID]=105&fields[TYPE_ID]=2');
    expect(JSON.parse(logged.out).result).toEqual({ ok: true, value: { id: '9021', url: 'https://acme.bitrix24.com/crm/activity/?open_view=9021' } });
    expect(found.out + logged.out).not.toContain('k7x2q9w4e8r6t1y3');
  });

  it('dry-runs the Pipedrive call log the docs show, token redacted', async () => {
    const { code, out } = await run(['crm', 'connectors/crm/pipedrive.xml', '--config', 'connectors/examples/crm-pipedrive.config.json', '--log', 'connectors/examples/crm-pipedrive-call.json', '--responses', 'connectors/examples/crm-pipedrive-responses']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests).toMatchObject([{ step: 'log_call', method: 'POST', url: 'https://acme.pipedrive.com/v1/callLogs', headers: { 'x-api-token': '<redacted>' } }]);
    expect(JSON.parse(shown.requests[0].body)).toMatchObject({ outcome: 'connected', person_id: 1021, duration: '282', start_time: '2025-03-02 14:05:10' });
    expect(shown.result).toEqual({ ok: true, value: { id: '8c2f1e0a9b7d4c3e8f6a5b4c3d2e1f00', url: 'https://acme.pipedrive.com/person/1021' } });
    expect(out).not.toContain('0123456789abcdef');
  });

  it('dry-runs the Freshsales lookup and phone call the docs show: each form of the number in the mobile and the work number, the API key redacted', async () => {
    const FRESHSALES = ['connectors/crm/freshsales.xml', '--config', 'connectors/examples/crm-freshsales.config.json', '--responses', 'connectors/examples/crm-freshsales-responses'];
    const found = await run(['crm', ...FRESHSALES, '--find', '+1 415 555 0100']);
    expect(found.code).toBe(0);
    const lookup = JSON.parse(found.out);
    expect(lookup.requests.map((r: { url: string }) => new URL(r.url).searchParams.toString())).toEqual(
      ['%2B14155550100', '4155550100', '04155550100'].flatMap((q) => [`q=${q}&f=mobile_number&entities=contact`, `q=${q}&f=work_number&entities=contact`]),
    );
    expect(lookup.requests[0].headers.Authorization).toBe('Token <redacted>');
    expect(lookup.result).toEqual({ ok: true, value: [{ id: '31002001', name: 'Jane Doe', company: 'Acme', url: 'https://acme.myfreshworks.com/crm/sales/contacts/31002001', kind: 'contacts' }] });
    const logged = await run(['crm', ...FRESHSALES, '--log', 'connectors/examples/crm-freshsales-call.json']);
    expect(logged.code).toBe(0);
    const shown = JSON.parse(logged.out);
    expect(shown.requests).toMatchObject([{ step: 'log_call', method: 'POST', url: 'https://acme.myfreshworks.com/crm/sales/api/phone_calls' }]);
    expect(JSON.parse(shown.requests[0].body).phone_call).toMatchObject({ call_direction: true, targetable_type: 'contact', targetable: { id: '31002001' }, call_duration: 282 });
    expect(shown.result).toEqual({ ok: true, value: { id: '31009001', url: 'https://acme.myfreshworks.com/crm/sales/contacts/31002001' } });
    expect(found.out + logged.out).not.toContain('sfg999666t673t7t82');
  });

  it("dry-runs the Odoo lookup and note the docs show: the JSON-RPC sign-in, the user id in each body (too short to redact), the key redacted", async () => {
    const ODOO = ['connectors/crm/odoo.xml', '--config', 'connectors/examples/crm-odoo.config.json', '--responses', 'connectors/examples/crm-odoo-responses'];
    const found = await run(['crm', ...ODOO, '--find', '+1 415 555 0100']);
    expect(found.code).toBe(0);
    const lookup = JSON.parse(found.out);
    expect(lookup.requests.map((r: { step: string; url: string }) => `${r.step} ${r.url}`)).toEqual(['token-uid', 'token-own_partner', 'find_contact-Contacts'].map((step) => `${step} https://acme.odoo.com/jsonrpc`));
    const args = lookup.requests.map((r: { body: string }) => JSON.parse(r.body).params.args);
    expect(args[0]).toEqual(['acme', 'relay@acme.example', '<redacted>', {}]);
    expect(args[2]).toEqual(['acme', 2, '<redacted>', 'res.partner', 'search_read', [['|', ['phone', '=ilike', '%0100'], ['phone', '=ilike', '%0100']]], { fields: ['name', 'phone', 'phone', 'commercial_company_name'], limit: 50 }]);
    // +44 20 7946 0100 ends in 0100 too, but not in the caller's national number: left out.
    expect(lookup.result).toEqual({ ok: true, value: [{ id: '14', name: 'Jane Doe', company: 'Acme', url: 'https://acme.odoo.com/web#id=14&model=res.partner&view_type=form', kind: 'Contacts' }] });
    const logged = await run(['crm', ...ODOO, '--log', 'connectors/examples/crm-odoo-call.json']);
    expect(logged.code).toBe(0);
    const note = JSON.parse(logged.out).requests.at(-1);
    expect(note.step).toBe('log_call');
    expect(JSON.parse(note.body).params.args.slice(3)).toEqual(['res.partner', 'message_post', [[14]], expect.objectContaining({ message_type: 'comment', subtype_xmlid: 'mail.mt_note', body_is_html: true, author_id: 9 })]);
    expect(JSON.parse(logged.out).result).toEqual({ ok: true, value: { id: '1187', url: 'https://acme.odoo.com/web#id=14&model=res.partner&view_type=form' } });
    expect(found.out + logged.out).not.toContain('7d0f3c1a9b2e4f6a8c0d1e2f3a4b5c6d7e8f9a0b');
  });

  it('shows the requests of a lookup fed by recorded responses, named by step, secrets redacted', async () => {
    const { code, out } = await run(['crm', ...VTIGER, '--find', '+1 415 555 0100', ...RESPONSES]);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-challenge', 'token-session', 'find_contact-Contacts', 'follow_up-Contacts']);
    expect(shown.requests[2].url).toContain('sessionName=%3Credacted%3E');
    expect(new URLSearchParams(shown.requests[1].body).get('accessKey')).toBe('<redacted>');
    expect(new URL(shown.requests[2].url).searchParams.get('query')).toContain("phone LIKE '%0100'");
    expect(shown.result).toEqual({ ok: true, value: [{ id: '4x123', name: 'Jane Doe', company: 'Acme', url: 'https://crm.example.com/index.php?module=Contacts&view=Detail&record=123', kind: 'Contacts' }] });
    expect(out).not.toContain('6d1c2f0a9b8e7d6c5b4a');
    expect(out).not.toContain('your_access_key');
  });

  it('shows secrets only when asked', async () => {
    const { out } = await run(['crm', ...VTIGER, '--find', '+14155550100', ...RESPONSES, '--show-secrets']);
    expect(JSON.parse(out).requests[2].url).toContain('sessionName=6d1c2f0a9b8e7d6c5b4a');
  });

  it('goes through the token chain with stand-ins when nothing is recorded', async () => {
    const { code, out } = await run(['crm', ...VTIGER, '--find', '+14155550100', '--show-secrets']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-challenge', 'token-session', 'find_contact-Contacts', 'find_contact-Leads', 'find_contact-Contacts', 'find_contact-Leads']);
    // Nobody matched the last four digits: the same digits again, separators allowed between them.
    expect(new URL(shown.requests[4].url).searchParams.get('query')).toContain("phone LIKE '%%0%1%0%0'");
    expect(shown.requests[2].url).toContain('sessionName=%3Csession%3E');
    expect(shown.result).toEqual({ ok: true, value: [] });
  });

  // docs/crms/*.md show `--log` with nothing recorded: a stand-in id, rather than "the CRM's answer has no id" and exit 1.
  it.each(['vtiger', 'hubspot', 'zoho', 'salesforce', 'dynamics', 'bitrix24'])('answers %s\'s call log with a stand-in id when nothing is recorded', async (id) => {
    const { code, out } = await run(['crm', `connectors/crm/${id}.xml`, '--config', `connectors/examples/crm-${id}.config.json`, '--log', CALL]);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.at(-1).step).toBe('log_call');
    expect(shown.result).toMatchObject({ ok: true, value: { id: '<id>', url: expect.stringContaining('<id>') } });
  });

  it("reads the call's contact_kind: Vtiger links a Lead as Related To (parent_id), not as the Contact Name", async () => {
    const { code, out } = await run(['crm', ...VTIGER, '--log', 'shared/test/fixtures/crm-lead-call.json']);
    expect(code).toBe(0);
    const element = JSON.parse(new URLSearchParams(JSON.parse(out).requests.at(-1).body).get('element')!);
    expect(element).toMatchObject({ parent_id: '10x77' });
    expect(element).not.toHaveProperty('contact_id');
  });

  it('refuses a --find that is no phone number in its country, rather than printing no request and no match', async () => {
    const national = await run(['crm', 'connectors/crm/pipedrive.xml', '--config', 'connectors/examples/crm-pipedrive.config.json', '--find', '020 7946 0018']);
    expect(national).toEqual({ code: 1, out: '', err: 'error: --find "020 7946 0018" is not a phone number in US: give it in E.164 (+14155550100) or add --country CC' });
    const inGb = await run(['crm', 'connectors/crm/pipedrive.xml', '--config', 'connectors/examples/crm-pipedrive.config.json', '--find', '020 7946 0018', '--country', 'GB']);
    expect(inGb.code).toBe(0);
    expect(JSON.parse(inGb.out).requests[0].url).toContain('term=2079460018');
  });

  it('refuses a --responses folder that is not there, rather than answering every request with a stand-in', async () => {
    const missing = await run(['crm', ...VTIGER, '--find', '+14155550100', '--responses', 'connectors/examples/crm-vtiger-response']);
    expect(missing).toEqual({ code: 1, out: '', err: 'error: cannot read the --responses folder connectors/examples/crm-vtiger-response: ENOENT' });
    const file = await run(['crm', ...VTIGER, '--find', '+14155550100', '--responses', CALL]);
    expect(file).toEqual({ code: 1, out: '', err: `error: --responses takes the folder of recorded answers (DIR/<step>.json), not the file ${CALL}` });
  });

  it('prints a failed log with the CRM\'s code and exits 1', async () => {
    const { code, out } = await run(['crm', ...VTIGER, '--log', 'connectors/examples/crm-call.json', ...RESPONSES]);
    expect(code).toBe(1);
    const shown = JSON.parse(out);
    expect(shown.requests.at(-1).step).toBe('log_call');
    expect(JSON.parse(new URLSearchParams(shown.requests.at(-1).body).get('element')!)).toMatchObject({ subject: 'Inbound call from +14155550100', assigned_user_id: '19x1' });
    expect(shown.result).toEqual({ ok: false, retry: false, status: 200, error: 'log_call: HTTP 200: MANDATORY_FIELDS_MISSING: subject does not have a value' });
  });

  it('sends the requests for real with --live', async () => {
    const sent: string[] = [];
    const fetch: Fetch = async (url, init) => {
      sent.push(`${init.method} ${url}`);
      expect(init).not.toHaveProperty('step');
      return { status: 201, headers: { forEach: () => undefined }, text: async () => '{"id":"52431862437"}' };
    };
    const { code, out } = await run(['crm', 'connectors/crm/hubspot.xml', '--config', 'connectors/examples/crm-hubspot.config.json', '--log', 'connectors/examples/crm-call.json', '--live'], fetch);
    expect(code).toBe(0);
    expect(sent).toEqual(['POST https://api.hubapi.com/crm/v3/objects/calls']);
    const shown = JSON.parse(out);
    expect(shown.requests[0].headers.Authorization).toBe('Bearer <redacted>');
    expect(shown.result).toEqual({ ok: true, value: { id: '52431862437', url: 'https://app.hubspot.com/contacts/62515/record/0-48/52431862437' } });
  });

  it("shows Salesforce's refresh-token step and SOSL search, the refresh token, client secret and access token redacted", async () => {
    const { code, out } = await run(['crm', ...SALESFORCE, '--find', '+1 415 555 0100']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-0', 'find_contact-Contacts-and-Leads']);
    const grant = new URLSearchParams(shown.requests[0].body);
    expect([grant.get('grant_type'), grant.get('client_secret'), grant.get('refresh_token')]).toEqual(['refresh_token', '<redacted>', '<redacted>']);
    expect(shown.requests[1].headers.Authorization).toBe('Bearer <redacted>');
    expect(new URL(shown.requests[1].url).searchParams.get('q')).toMatch(/^FIND \{\\\+14155550100 OR 4155550100 OR 4155550100\} IN PHONE FIELDS RETURNING Contact\(/);
    expect(shown.result.value.map((c: { id: string; company: string }) => [c.id, c.company])).toEqual([['003D000000QsTTuIAN', 'Acme'], ['00QD000000Xy12aMAB', 'Lead Co']]);
    for (const secret of ['your-consumer-secret', '5Aep861-your-refresh-token', '00D5g000000EXAMPLE!AQ0AQHkXq9sT3wZ']) expect(out).not.toContain(secret);
  });

  it('shows the update of a logged call with --update and --record', async () => {
    const { code, out } = await run(['crm', ...SALESFORCE, '--update', CALL, '--record', '00T5g00000AbCdEAAV']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.at(-1)).toMatchObject({ step: 'update_call', method: 'PATCH', url: 'https://acme.my.salesforce.com/services/data/v62.0/sobjects/Task/00T5g00000AbCdEAAV' });
    expect(JSON.parse(shown.requests.at(-1).body)).toMatchObject({ CallDisposition: 'Connected', Description: expect.stringContaining('Wants a callback') });
    expect(shown.result).toEqual({ ok: true, value: { url: 'https://acme.my.salesforce.com/lightning/r/Task/00T5g00000AbCdEAAV/view' } });
  });

  it('shows the HubSpot update moving the call\'s association: the listing, the link to the call\'s contact, the unlink of the other', async () => {
    const { code, out } = await run(['crm', 'connectors/crm/hubspot.xml', '--config', 'connectors/examples/crm-hubspot.config.json', '--responses', 'connectors/examples/crm-hubspot-responses', '--update', CALL, '--record', '52431862437']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    const calls = 'https://api.hubapi.com/crm/v4/objects/calls/52431862437/associations';
    expect(shown.requests.map((r: { step: string; method: string; url: string }) => `${r.step} ${r.method} ${r.url}`)).toEqual([
      'update_call PATCH https://api.hubapi.com/crm/v3/objects/calls/52431862437',
      `relink-linked GET ${calls}/contacts`,
      `relink-link PUT ${calls}/default/contacts/4x123`,
      `relink-unlink DELETE ${calls}/contacts/512`,
    ]);
    expect(shown.requests.every((r: { headers: Record<string, string> }) => r.headers.Authorization === 'Bearer <redacted>')).toBe(true);
  });

  it('shows how a logged call is found again with --find-call, where the connector can', async () => {
    const { code, out } = await run(['crm', ...SALESFORCE, '--find-call', CALL]);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(new URL(shown.requests.at(-1).url).searchParams.get('q')).toBe("SELECT Id FROM Task WHERE CallObject = 'CA8f3c' LIMIT 1");
    expect(shown.result).toEqual({ ok: true, value: { id: '00T5g00000AbCdEAAV', url: 'https://acme.my.salesforce.com/lightning/r/Task/00T5g00000AbCdEAAV/view' } });
    const hubspot = await run(['crm', 'connectors/crm/hubspot.xml', '--config', 'connectors/examples/crm-hubspot.config.json', '--find-call', CALL]);
    expect(hubspot).toMatchObject({ code: 1, err: expect.stringContaining("HubSpot's <find_call> needs the config field call_id_property") });
    const pipedrive = await run(['crm', 'connectors/crm/pipedrive.xml', '--config', 'connectors/examples/crm-pipedrive.config.json', '--find-call', CALL]);
    expect(pipedrive).toMatchObject({ code: 1, err: expect.stringContaining('Pipedrive has no <find_call>') });
  });

  it('shows how the CRM user an agent is gets found with --find-user, and a call logged for that user', async () => {
    const { code, out } = await run(['crm', ...VTIGER, '--find-user', 'ann@example.com', ...RESPONSES]);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-challenge', 'token-session', 'find_user']);
    expect(new URL(shown.requests.at(-1).url).searchParams.get('query')).toBe("SELECT id,email1 FROM Users WHERE email1 = 'ann@example.com';");
    expect(shown.result).toEqual({ ok: true, value: '19x5' });
    // crm-call.json with what --find-user found as "agent_crm_id".
    const logged = await run(['crm', ...VTIGER, '--log', 'shared/test/fixtures/crm-agent-user-call.json', ...RESPONSES]);
    expect(JSON.parse(new URLSearchParams(JSON.parse(logged.out).requests.at(-1).body).get('element')!).assigned_user_id).toBe('19x5');
    const pipedrive = await run(['crm', 'connectors/crm/pipedrive.xml', '--config', 'connectors/examples/crm-pipedrive.config.json', '--find-user', 'ann@example.com']);
    expect(JSON.parse(pipedrive.out).result).toEqual({ ok: true, value: null });
  });

  it("lists the connector's dispositions with --dispositions (declared ones need no request)", async () => {
    const { code, out } = await run(['crm', ...SALESFORCE, '--dispositions']);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toEqual({ requests: [], result: { ok: true, value: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'] } });
  });

  it('shows the request that fetches dispositions, for a connector that fetches them', async () => {
    const fixtures = 'shared/test/fixtures';
    const { code, out } = await run(['crm', `${fixtures}/crm-fetched-dispositions.xml`, '--config', `${fixtures}/crm-dispositions.config.json`, '--responses', `${fixtures}/crm-dispositions-responses`, '--dispositions']);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests).toEqual([{ step: 'dispositions', method: 'GET', url: 'https://crm.example.com/dispositions', headers: { Authorization: 'Bearer <redacted>', Accept: 'application/json' } }]);
    expect(shown.result).toEqual({ ok: true, value: ['Connected', 'Callback requested'] });
  });

  it('names what is wrong with its input', async () => {
    expect((await run(['crm', ...SALESFORCE, '--update', CALL])).err).toContain('--update CALL.json and --record ID');
    expect((await run(['crm', ...SALESFORCE, '--find', '1', '--log', CALL])).code).toBe(2);
    expect((await run(['crm', ...SALESFORCE, '--dispositions', '--find-call', CALL])).code).toBe(2);
    expect((await run(['crm', ...VTIGER])).code).toBe(2);
    expect((await run(['crm', ...VTIGER, '--find', '1', '--live', ...RESPONSES])).code).toBe(2);
    const badCall = await run(['crm', ...VTIGER, '--log', 'connectors/examples/crm-vtiger.config.json']);
    expect(badCall).toMatchObject({ code: 1, err: expect.stringContaining('call file connectors/examples/crm-vtiger.config.json: id:') });
    const telephony = await run(['crm', 'connectors/twilio.xml', '--config', 'connectors/examples/crm-vtiger.config.json', '--find', '1']);
    expect(telephony).toMatchObject({ code: 1, err: expect.stringContaining('this is a telephony connector') });
  });
});
