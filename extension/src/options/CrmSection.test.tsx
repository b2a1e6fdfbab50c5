// @vitest-environment happy-dom
import { render } from 'preact';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ConnectorInfo } from '@phone-connector/shared';
import { crmSettings, defaultCountry } from '../storage.ts';
import { RelayStub } from '../testing/relay-stub.ts';
import { sectionUnderTest } from '../testing/section-form.ts';
import { CrmSection } from './CrmSection.tsx';
import { onInstanceSaved } from './instance-saved.ts';

// The options page's CRM section in happy-dom, against RelayStub over HTTP, with WXT's fake storage.
const VTIGER: ConnectorInfo = {
  id: 'vtiger',
  name: 'Vtiger CRM',
  fields: [
    { name: 'url', label: 'CRM URL', type: 'url', mandatory: true, callbackUrl: false },
    { name: 'username', label: 'User name', type: 'text', mandatory: true, callbackUrl: false },
    { name: 'accesskey', label: 'Access key', type: 'password', mandatory: true, callbackUrl: false },
  ],
};
const HUBSPOT: ConnectorInfo = { id: 'hubspot', name: 'HubSpot', fields: [{ name: 'token', label: 'Private app token', type: 'password', mandatory: true, callbackUrl: false }] };
const ACCESS_KEY = 'c0ffee-access-key';
/** A small CRM connector an admin could paste: two config fields, one search, one log request. */
const CUSTOM_XML = `<connector for="CRM" name="My CRM">
  <config><fields>
    <field name="base" label="API address" type="url" presence="mandatory"/>
    <field name="token" label="API token" type="password" presence="mandatory"/>
  </fields></config>
  <crm><url>$config.$fields.base</url><auth><bearer token="$config.$fields.token"/></auth></crm>
  <find_contact><search name="people"><request><url>/search</url><parameters><parameter name="q" value="@number"/></parameters></request>
    <matches list="records" phones="phone"><id use="id"/><name use="name"/></matches></search></find_contact>
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="number" value="@call_customer_number"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`;

const { $, fill, submit, root, relay: stub } = sectionUnderTest();
let relay: RelayStub;

beforeEach(async () => {
  relay = stub();
  relay.routes = {
    'GET /crm-connectors': () => ({ body: [HUBSPOT, VTIGER] }),
    'PUT /instances/default': ({ body }) => {
      const crm = (body as { crm?: { connector?: string } | null }).crm;
      return { body: { id: 'default', connector: 'twilio', name: 'Twilio', config: {}, callbacks: { answer: 'a', status: 's', incoming: 'i' }, warnings: [], crm: crm ? { connector: crm.connector ?? 'custom', name: 'Vtiger CRM', config: {}, warnings: [] } : null } };
    },
  };
  await defaultCountry.setValue('US');
});

async function chooseVtiger(): Promise<void> {
  render(<CrmSection />, root());
  await expect.poll(() => $('#crm-connector option[value="vtiger"]')?.textContent).toBe('Vtiger CRM');
  fill('#crm-connector', 'vtiger');
}

describe('the CRM section of the options', () => {
  it("generates the bundled connector's form, masks its secret, and saves it on the instance with the provider part", async () => {
    const announced: Array<string | undefined> = [];
    const stop = onInstanceSaved((instance) => announced.push(instance.crm?.connector));
    await chooseVtiger();
    expect([...root().querySelectorAll('input[id^="crm-field-"]')].map((input) => [input.id, input.getAttribute('type')])).toEqual([
      ['crm-field-url', 'url'],
      ['crm-field-username', 'text'],
      ['crm-field-accesskey', 'password'],
    ]);
    fill('#crm-field-url', 'https://crm.example.com');
    fill('#crm-field-username', 'admin');
    fill('#crm-field-accesskey', ACCESS_KEY);
    submit('form');
    await expect.poll(() => $('[data-testid="crm-message"]')?.textContent).toBe('Saved: the relay now looks callers up in Vtiger CRM and logs calls there.');
    expect(relay.sent('PUT /instances/default').map((r) => r.body)).toEqual([
      { connector: 'twilio', config: { authid: 'AC1', authtoken: 'provider-secret' }, crm: { connector: 'vtiger', config: { url: 'https://crm.example.com', username: 'admin', accesskey: ACCESS_KEY } } },
    ]);
    expect(await crmSettings.getValue()).toEqual({ connectorId: 'vtiger', config: { url: 'https://crm.example.com', username: 'admin', accesskey: ACCESS_KEY } });
    // The page's other sections hear what the relay now has.
    expect(announced).toEqual(['vtiger']);
    stop();
  });

  it('says which fields are missing and sends nothing', async () => {
    await chooseVtiger();
    fill('#crm-field-url', 'https://crm.example.com');
    submit('form');
    await expect.poll(() => $('[data-testid="crm-message"]')?.textContent).toBe('Fill in: User name, Access key.');
    expect(relay.sent('PUT /instances/default')).toEqual([]);
  });

  it('checks pasted XML as it is typed, at line:col, and sends nothing while it has errors', async () => {
    render(<CrmSection />, root());
    await expect.poll(() => $('#crm-connector option[value="vtiger"]')).not.toBeNull();
    fill('#crm-connector', '__custom__');
    fill('#crm-xml', CUSTOM_XML.replace('<find_contact>', '<find_contacts>').replace('</find_contact>', '</find_contacts>'));
    await expect.poll(() => [...root().querySelectorAll('[data-testid="crm-connector-diagnostics"] li')].map((li) => li.textContent)).toContain(
      '7:3 error: unknown element <find_contacts> inside <connector> — did you mean `find_contact`?',
    );
    submit('form');
    await expect.poll(() => $('[data-testid="crm-message"]')?.textContent).toBe('The CRM connector has errors: fix them first.');
    expect(relay.sent('PUT /instances/default')).toEqual([]);
  });

  it('generates the config form of pasted XML (secrets masked) and shows what the relay refuses at line:col', async () => {
    relay.routes['PUT /instances/default'] = () => ({
      status: 422,
      body: { error: 'the CRM connector is not valid', diagnostics: [{ line: 3, col: 5, path: 'connector/crm', message: 'the relay refuses it', hint: null, severity: 'error', code: 'x' }] },
    });
    render(<CrmSection />, root());
    await expect.poll(() => $('#crm-connector option[value="vtiger"]')).not.toBeNull();
    fill('#crm-connector', '__custom__');
    fill('#crm-xml', CUSTOM_XML);
    await expect.poll(() => $('[data-testid="crm-connector-ok"]')?.textContent).toBe('My CRM: valid connector.');
    expect($<HTMLInputElement>('#crm-field-token')?.type).toBe('password');
    fill('#crm-field-base', 'https://crm.example.com');
    fill('#crm-field-token', 'k-123');
    submit('form');
    await expect.poll(() => $('[data-testid="crm-message"] .diagnostics li')?.textContent).toBe('3:5 the relay refuses it');
    expect(relay.sent('PUT /instances/default').map((r) => (r.body as { crm: unknown }).crm)).toEqual([{ xml: CUSTOM_XML, config: { base: 'https://crm.example.com', token: 'k-123' } }]);
  });

  it('removes the CRM with crm: null', async () => {
    await crmSettings.setValue({ connectorId: 'vtiger', config: { url: 'https://crm.example.com' } });
    render(<CrmSection />, root());
    await expect.poll(() => $<HTMLSelectElement>('#crm-connector')?.value).toBe('vtiger');
    fill('#crm-connector', '');
    submit('form');
    await expect.poll(() => $('[data-testid="crm-message"]')?.textContent).toBe('Saved: no CRM.');
    expect(relay.sent('PUT /instances/default').map((r) => (r.body as { crm: unknown }).crm)).toEqual([null]);
  });
});

describe('Test connection', () => {
  beforeEach(async () => {
    await crmSettings.setValue({ connectorId: 'vtiger', config: { url: 'https://crm.example.com', username: 'admin', accesskey: ACCESS_KEY } });
  });

  async function testNumber(typed: string): Promise<HTMLElement> {
    render(<CrmSection />, root());
    await expect.poll(() => $('#crm-test-number')).not.toBeNull();
    fill('#crm-test-number', typed);
    submit('[data-testid="crm-test"]');
    await expect.poll(() => $('[data-testid="crm-test-result"]')).not.toBeNull();
    return $<HTMLElement>('[data-testid="crm-test-result"]')!;
  }

  it('runs a lookup of the number, in E.164, and lists the contacts found', async () => {
    relay.routes['POST /instances/default/crm/test'] = () => ({
      body: { ok: true, contacts: [{ id: '4x12', name: 'Ada Lovelace', company: 'Analytical Engines', url: null }, { id: '4x13', name: 'Charles Babbage', company: null, url: null }], error: null },
    });
    const result = await testNumber('(415) 555-0100');
    expect(result.getAttribute('data-pc-crm-test')).toBe('ok');
    expect([...result.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['Ada Lovelace (Analytical Engines) · 4x12', 'Charles Babbage · 4x13']);
    expect(relay.sent('POST /instances/default/crm/test').map((r) => r.body)).toEqual([{ number: '+14155550100' }]);
  });

  it('says whom the calls are logged for, when the connector can tell', async () => {
    const answer = (user: unknown) => {
      relay.routes['POST /instances/default/crm/test'] = () => ({ body: { ok: true, contacts: [], error: null, user } });
    };
    const said = async () => {
      const text = (await testNumber('+14155550100')).querySelector('[data-testid="crm-test-user"]')?.textContent;
      render(null, root());
      return text;
    };
    answer({ email: 'ada@example.com', id: '19x5', error: null });
    expect(await said()).toBe('Your calls are logged for your CRM user (ada@example.com, id 19x5).');
    answer({ email: 'ada@example.com', id: null, error: null });
    expect(await said()).toBe("No CRM user has your e-mail (ada@example.com): your calls are logged for the connector's default owner.");
    answer({ email: null, id: null, error: null });
    expect(await said()).toBe("Add your e-mail above, the one you sign in to the CRM with, to have your calls logged as yours; until then your calls are logged for the connector's default owner.");
    answer({ email: 'ada@example.com', id: null, error: 'HTTP 403 Forbidden' });
    expect(await said()).toBe("The CRM's users could not be read (HTTP 403 Forbidden): your calls are logged for the connector's default owner.");
    answer(undefined);
    expect(await said()).toBeUndefined();
  });

  it("shows the CRM's error", async () => {
    relay.routes['POST /instances/default/crm/test'] = () => ({ body: { ok: false, contacts: [], error: 'INVALID_AUTH_TOKEN: Invalid accesskey' } });
    const result = await testNumber('+14155550100');
    expect(result.getAttribute('data-pc-crm-test')).toBe('error');
    expect(result.textContent).toBe('The CRM answered with an error: INVALID_AUTH_TOKEN: Invalid accesskey');
  });

  it('says when nothing matched, and when the relay itself refused', async () => {
    relay.routes['POST /instances/default/crm/test'] = () => ({ body: { ok: true, contacts: [], error: null } });
    expect((await testNumber('+14155550100')).textContent).toBe('Connected. No contact has this number.');
    render(null, root());
    relay.routes['POST /instances/default/crm/test'] = () => ({ status: 404, body: { error: 'the instance has no CRM' } });
    expect((await testNumber('+14155550100')).textContent).toBe('relay: the instance has no CRM');
  });
});
