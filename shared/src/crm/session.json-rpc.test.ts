import { describe, expect, it } from 'vitest';
import { loadCrmConnector } from '../connector/compile.ts';
import type { CrmConnectorPlan } from '../connector/crm-plan.ts';
import { openCrmSession } from './session.ts';
import { recordingFetch, type RecordedRequest, type RecordedResponse } from './recorded-crm.ts';

// A JSON-RPC CRM (Odoo's /jsonrpc): a token step whose JSON body nests and types its parameters,
// its token (a user id, a number) and a later step's value put into every request's body, and the
// envelope's `error`, which only a failed answer holds, HTTP 200 or not.

const rpc = (service: string, method: string, args: string) => `<parameter name="jsonrpc" value="2.0"/><parameter name="method" value="call"/>
  <parameter name="params"><parameter name="service" value="${service}"/><parameter name="method" value="${method}"/><parameter name="args" type="array">${args}</parameter></parameter>`;
const KEY = `<parameter value="$config.$fields.db"/><parameter type="number" value="@uid"/><parameter value="$config.$fields.key"/>`;

function connector(): CrmConnectorPlan {
  const { plan, diagnostics } = loadCrmConnector(`<connector for="CRM" name="RPC CRM">
  <config><fields><field name="base" type="url"/><field name="db"/><field name="login"/><field name="key" type="password"/></fields></config>
  <crm><url>$config.$fields.base/jsonrpc</url>
    <auth>
      <token name="uid" url="$config.$fields.base/jsonrpc" format="json" path="result">
        ${rpc('common', 'authenticate', `<parameter value="$config.$fields.db"/><parameter value="$config.$fields.login"/><parameter value="$config.$fields.key"/><parameter type="object"/>`)}
      </token>
      <token name="me" url="$config.$fields.base/jsonrpc" format="json" path="result.0.partner_id.0">
        ${rpc('object', 'execute_kw', `${KEY}<parameter value="res.users"/><parameter value="read"/><parameter type="array"><parameter type="array"><parameter type="number" value="@uid"/></parameter></parameter>`)}
      </token>
    </auth>
    <envelope error="error" code="error.data.name" message="error.data.message"/>
  </crm>
  <find_contact><search name="partners"><request method="post" format="json"><parameters>${rpc('object', 'execute_kw', `${KEY}<parameter value="res.partner"/><parameter value="search_read"/>`)}</parameters></request>
    <matches list="result" phones="phone"><id use="id"/><name use="name"/></matches></search></find_contact>
  <log_call><request method="post" format="json"><parameters>${rpc('object', 'execute_kw', `${KEY}<parameter value="res.partner"/><parameter value="message_post"/><parameter type="array"><parameter type="array"><parameter type="number" value="@call_contact_id|default:'@me'"/></parameter></parameter>`)}</parameters></request>
    <response><id use="result"/><url default="https://odoo.test/web#id=@call_contact_id|default:'@me'"/></response></log_call>
</connector>`);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return plan as CrmConnectorPlan;
}

const config = { base: 'https://odoo.test', db: 'acme', login: 'relay@acme.test', key: 'k3y-of-the-relay-user' };
const json = (body: unknown): RecordedResponse => ({ status: 200, body: JSON.stringify(body) });
const params = (request: RecordedRequest) => (JSON.parse(request.body ?? '{}') as { params: { service: string; method: string; args: unknown[] } }).params;

describe('a JSON-RPC CRM session', () => {
  it('signs in with nested, typed JSON bodies, sends the user id it got as a number in every later body, and reads the chain in an answer\'s URL', async () => {
    const recorded = recordingFetch((request) => {
      const { service, args } = params(request);
      if (service === 'common') return json({ jsonrpc: '2.0', id: null, result: 7 });
      if (args[3] === 'res.users') return json({ jsonrpc: '2.0', id: null, result: [{ id: 7, partner_id: [42, 'Relay User'] }] });
      return json({ jsonrpc: '2.0', id: null, result: args[4] === 'message_post' ? 901 : [{ id: 5, name: 'Jane Doe', phone: '+1 415 555 0100' }] });
    });
    const session = openCrmSession(connector(), { config, fetch: recorded.fetch, defaultCountry: 'US', now: () => 0 });
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ id: '5', name: 'Jane Doe' }] });
    const logged = await session.logCall({
      id: 1, call_id: 'c1', direction: 'inbound', customer_number: '+14155550199', agent_number: null, agent_name: null, agent_email: null,
      status: 'completed', started_at: null, ended_at: null, duration: null, notes: null, disposition: null, recording_url: null, contact_id: null,
    });
    // The record's URL reads the chain's values too: the partner the note went on.
    expect(logged).toEqual({ ok: true, value: { id: '901', url: 'https://odoo.test/web#id=42' } });
    expect(recorded.requests.map((r) => [r.headers['Content-Type'], params(r)])).toEqual([
      ['application/json', { service: 'common', method: 'authenticate', args: ['acme', 'relay@acme.test', 'k3y-of-the-relay-user', {}] }],
      ['application/json', { service: 'object', method: 'execute_kw', args: ['acme', 7, 'k3y-of-the-relay-user', 'res.users', 'read', [[7]]] }],
      ['application/json', { service: 'object', method: 'execute_kw', args: ['acme', 7, 'k3y-of-the-relay-user', 'res.partner', 'search_read'] }],
      // No contact: the note goes on the partner the chain's second step read.
      ['application/json', { service: 'object', method: 'execute_kw', args: ['acme', 7, 'k3y-of-the-relay-user', 'res.partner', 'message_post', [[42]]] }],
    ]);
  });

  it('fails for good on an answer holding an error, with its name and message, and on a sign-in refused with `false`', async () => {
    const refused = { jsonrpc: '2.0', id: null, error: { code: 200, message: 'Odoo Server Error', data: { name: 'odoo.exceptions.AccessError', message: 'You are not allowed to access Contact' } } };
    const signedIn = recordingFetch((request) => (params(request).service === 'common' ? json({ jsonrpc: '2.0', id: null, result: 7 }) : params(request).args[3] === 'res.users' ? json({ jsonrpc: '2.0', id: null, result: [{ id: 7, partner_id: [42, 'x'] }] }) : json(refused)));
    const session = openCrmSession(connector(), { config, fetch: signedIn.fetch, defaultCountry: 'US', now: () => 0 });
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: false, retry: false, status: 200, error: 'find_contact partners: HTTP 200: odoo.exceptions.AccessError: You are not allowed to access Contact' });

    const wrongKey = recordingFetch(() => json({ jsonrpc: '2.0', id: null, result: false }));
    const found = await openCrmSession(connector(), { config: { ...config, key: 'not-the-key-at-all' }, fetch: wrongKey.fetch, defaultCountry: 'US', now: () => 0 }).findContacts('+14155550100');
    expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('answered without result') });
    expect(JSON.stringify(found)).not.toContain('not-the-key-at-all');
  });
});
