import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runConnectorCli } from './connector.ts';
import type { Fetch } from '../src/runtime/http.ts';

const root = join(import.meta.dirname, '..', '..');
const VTIGER = ['connectors/crm/vtiger.xml', '--config', 'connectors/examples/crm-vtiger.config.json'];
const RESPONSES = ['--responses', 'connectors/examples/crm-vtiger-responses'];

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
    const { code, out } = await run(['validate', 'connectors/crm/vtiger.xml', 'connectors/crm/hubspot.xml', 'connectors/twilio.xml']);
    expect(code).toBe(0);
    expect(out).toContain('connectors/crm/vtiger.xml: ok (CRM connector)');
    expect(out).toContain('connectors/twilio.xml: ok');
  });

  it('shows the requests of a lookup fed by recorded responses, named by step, secrets redacted', async () => {
    const { code, out } = await run(['crm', ...VTIGER, '--find', '+1 415 555 0100', ...RESPONSES]);
    expect(code).toBe(0);
    const shown = JSON.parse(out);
    expect(shown.requests.map((r: { step: string }) => r.step)).toEqual(['token-challenge', 'token-session', 'find_contact-Contacts', 'follow_up-Contacts', 'find_contact-Leads']);
    expect(shown.requests[2].url).toContain('sessionName=%3Credacted%3E');
    expect(new URLSearchParams(shown.requests[1].body).get('accessKey')).toBe('<redacted>');
    expect(new URL(shown.requests[2].url).searchParams.get('query')).toContain("phone LIKE '%0100'");
    expect(shown.result).toEqual({ ok: true, value: [{ id: '4x123', name: 'Jane Doe', company: 'Acme', url: 'https://crm.example.com/index.php?module=Contacts&view=Detail&record=123' }] });
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

  it('names what is wrong with its input', async () => {
    expect((await run(['crm', ...VTIGER])).code).toBe(2);
    expect((await run(['crm', ...VTIGER, '--find', '1', '--live', ...RESPONSES])).code).toBe(2);
    const badCall = await run(['crm', ...VTIGER, '--log', 'connectors/examples/crm-vtiger.config.json']);
    expect(badCall).toMatchObject({ code: 1, err: expect.stringContaining('call file connectors/examples/crm-vtiger.config.json: id:') });
    const telephony = await run(['crm', 'connectors/twilio.xml', '--config', 'connectors/examples/crm-vtiger.config.json', '--find', '1']);
    expect(telephony).toMatchObject({ code: 1, err: expect.stringContaining('this is a telephony connector') });
  });
});
