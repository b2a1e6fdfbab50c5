import { describe, expect, it } from 'vitest';
import { loadCrmConnector } from '../connector/compile.ts';
import type { CrmConnectorPlan } from '../connector/crm-plan.ts';
import type { CrmCall } from './contract.ts';
import { openCrmSession } from './session.ts';
import { recordingFetch, type RecordedRequest, type RecordedResponse } from './recorded-crm.ts';

// The engine's rules, with small connectors: variants in order, Salesforce-style array errors
// and retry codes, fetched dispositions, CRMs that cannot update.

const connector = (body: string, envelope = '<envelope message="0.message" code="0.errorCode" retry="REQUEST_LIMIT_EXCEEDED"/>') => {
  const { plan, diagnostics } = loadCrmConnector(`<connector for="CRM" name="Test CRM">
  <config><fields><field name="base" type="url"/><field name="token" type="password"/></fields></config>
  <crm><url>$config.$fields.base</url><auth><bearer token="$config.$fields.token"/></auth>${envelope}</crm>
  ${body}
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="subject" value="@call_customer_number"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return plan as CrmConnectorPlan;
};

const search = (query: string, mode = 'each', variants = '') => `<find_contact mode="${mode}">${variants}
  <search name="people"><request><url>/search</url><parameters><parameter name="q" value="${query}"/></parameters></request>
  <matches list="records" phones="Phone"><id use="Id"/><name use="Name"/></matches></search></find_contact>`;

const json = (status: number, body: unknown): RecordedResponse => ({ status, body: JSON.stringify(body) });
const open = (plan: CrmConnectorPlan, answer: (request: RecordedRequest) => RecordedResponse, config: Record<string, string> = { base: 'https://crm.test', token: 'sekrit-token-1' }) => {
  const recorded = recordingFetch(answer);
  return { session: openCrmSession(plan, { config, fetch: recorded.fetch, defaultCountry: 'US', now: () => 0 }), requests: recorded.requests };
};
const queryOf = (request: RecordedRequest) => new URL(request.url).searchParams.get('q');

const call: CrmCall = {
  id: 1, call_id: 'c1', direction: 'inbound', customer_number: '+14155550100', agent_number: null, agent_name: null, agent_email: null,
  status: 'completed', started_at: null, ended_at: null, duration: null, notes: null, disposition: null, recording_url: null, contact_id: null,
};

describe('a CRM session', () => {
  it('signs in with nothing to send when its connector has no token steps', async () => {
    const { session, requests } = open(connector(search('@number')), () => json(500, {}));
    expect(await session.signIn!()).toEqual({ ok: true, value: undefined });
    expect(requests).toEqual([]);
  });

  it('tries the variants in order and stops at the first that gives a match', async () => {
    const plan = connector(search('@variant', 'each', `<variant name="e164" value="@number"/><variant name="formatted" value="@number|pattern:'(###) ###-####'"/><variant name="digits" value="@national"/>`));
    const { session, requests } = open(plan, (request) => json(200, { records: queryOf(request) === '(415) 555-0100' ? [{ Id: '003A', Name: 'Jane Doe', Phone: '(415) 555-0100' }] : [] }));
    expect(await session.findContacts('+1 415 555 0100')).toEqual({ ok: true, value: [{ id: '003A', name: 'Jane Doe', company: null, url: null, kind: 'people' }] });
    expect(requests.map(queryOf)).toEqual(['+14155550100', '(415) 555-0100']);
  });

  it('runs a fallback search only when the searches before it found no one, and every other search always', async () => {
    const searchOf = (name: string, fallback: string) => `<search name="${name}"${fallback}><request><url>/${name}</url><parameters><parameter name="q" value="@number"/></parameters></request>
  <matches list="records" phones="Phone"><id use="Id"/><name use="Name"/></matches></search>`;
    const plan = connector(`<find_contact>${searchOf('contacts', '')}${searchOf('partners', '')}${searchOf('leads', ' fallback="true"')}</find_contact>`);
    const known: Record<string, string> = { '+14155550100': 'contacts', '+14155550101': 'partners', '+14155550102': 'leads' };
    const { session, requests } = open(plan, (request) => {
      const where = new URL(request.url).pathname.slice(1);
      const number = queryOf(request)!;
      return json(200, { records: known[number] === where ? [{ Id: where, Name: where, Phone: number }] : [] });
    });
    const asked = async (number: string) => {
      const before = requests.length;
      const found = await session.findContacts(number);
      return { found: found.ok && found.value.map((c) => c.id), asked: requests.slice(before).map((r) => new URL(r.url).pathname) };
    };
    expect(await asked('+14155550100')).toEqual({ found: ['contacts'], asked: ['/contacts', '/partners'] });
    expect(await asked('+14155550101')).toEqual({ found: ['partners'], asked: ['/contacts', '/partners'] });
    expect(await asked('+14155550102')).toEqual({ found: ['leads'], asked: ['/contacts', '/partners', '/leads'] });
  });

  /** Contacts, then Leads as a fallback, each asked with the number in E.164 and as national digits. */
  const contactsThenLeadsPlan = () => {
    const searchOf = (name: string, fallback: string) => `<search name="${name}"${fallback}><request><url>/${name}</url><parameters><parameter name="q" value="@variant"/></parameters></request>
  <matches list="records" phones="Phone"><id use="Id"/><name use="Name"/></matches></search>`;
    const variants = `<variant name="e164" value="@number"/><variant name="digits" value="@national"/>`;
    return connector(`<find_contact mode="every">${variants}${searchOf('contacts', '')}${searchOf('leads', ' fallback="true"')}</find_contact>`);
  };

  it('leaves a fallback search out of the later variants once an earlier one matched, in every mode', async () => {
    const plan = contactsThenLeadsPlan();
    // The contact holds the number as E.164, a lead as national digits: the lead is a duplicate of a known caller.
    const { session, requests } = open(plan, (request) => {
      const where = new URL(request.url).pathname.slice(1);
      const form = queryOf(request);
      const record = (where === 'contacts' && form === '+14155550100') || (where === 'leads' && form === '4155550100') ? [{ Id: where, Name: where, Phone: form }] : [];
      return json(200, { records: record });
    });
    const found = await session.findContacts('+14155550100');
    expect(found.ok && found.value.map((c) => c.id)).toEqual(['contacts']);
    expect(requests.map((r) => `${new URL(r.url).pathname} ${queryOf(r)}`)).toEqual(['/contacts +14155550100', '/contacts 4155550100']);
  });

  it('keeps a fallback search in the later variants while only it has found someone (a lead stored in two forms)', async () => {
    const plan = contactsThenLeadsPlan();
    const { session, requests } = open(plan, (request) => {
      const where = new URL(request.url).pathname.slice(1);
      const form = queryOf(request);
      return json(200, { records: where === 'leads' ? [{ Id: `lead ${form}`, Name: 'Lead', Phone: form }] : [] });
    });
    const found = await session.findContacts('+14155550100');
    expect(found.ok && found.value.map((c) => c.id)).toEqual(['lead +14155550100', 'lead 4155550100']);
    expect(requests.map((r) => `${new URL(r.url).pathname} ${queryOf(r)}`)).toEqual(['/contacts +14155550100', '/leads +14155550100', '/contacts 4155550100', '/leads 4155550100']);
  });

  it('sends every variant in one search in together mode, SOSL-escaped', async () => {
    const plan = connector(search("FIND {@e164|sosl} IN PHONE FIELDS", 'together', '<variant name="e164" value="@number"/>'));
    const { session, requests } = open(plan, () => json(200, { records: [] }));
    expect(await session.findContacts('+14155550100')).toEqual({ ok: true, value: [] });
    expect(requests.map(queryOf)).toEqual(['FIND {\\+14155550100} IN PHONE FIELDS']);
  });

  it('reads array errors, and retries the codes the envelope lists whatever the status', async () => {
    const plan = connector(search('@variant'));
    const limited = open(plan, () => json(403, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]));
    expect(await limited.session.logCall(call)).toEqual({ ok: false, retry: true, status: 403, error: 'log_call: HTTP 403: REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded.' });
    const invalid = open(plan, () => json(400, [{ message: 'Required fields are missing: [Subject]', errorCode: 'REQUIRED_FIELD_MISSING', fields: ['Subject'] }]));
    expect(await invalid.session.logCall(call)).toMatchObject({ ok: false, retry: false, error: 'log_call: HTTP 400: REQUIRED_FIELD_MISSING: Required fields are missing: [Subject]' });
  });

  it('fails for good, naming the field, when the config lacks a value the request needs', async () => {
    const plan = connector(search('@variant'));
    const { session, requests } = open(plan, () => json(201, { id: '1' }), { base: 'https://crm.test' });
    expect(await session.logCall(call)).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('$config.$fields.token is empty') });
    expect(requests).toEqual([]);
  });

  it('fetches the dispositions when the connector says how', async () => {
    const plan = connector(`${search('@variant')}<dispositions list="results" label="label"><request><url>/dispositions</url></request></dispositions>`);
    const { session } = open(plan, () => json(200, { results: [{ id: 'a', label: 'Connected' }, { id: 'b', label: 'Busy' }] }));
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'Busy'] });
  });

  it('picks the dispositions out of a list of fields: one field\'s options, without its empty choice', async () => {
    const plan = connector(`${search('@variant')}<dispositions list="fields" where="api_name=Call_Result" options="pick_list_values" label="display_value" except="-None-"><request><url>/fields</url></request></dispositions>`);
    const picklist = (name: string, values: string[]) => ({ api_name: name, pick_list_values: values.map((v) => ({ display_value: v, actual_value: v })) });
    const { session } = open(plan, () => json(200, { fields: [picklist('Call_Purpose', ['-None-', 'Demo']), picklist('Call_Result', ['-None-', 'Interested', 'Call back']), { api_name: 'Subject' }] }));
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Interested', 'Call back'] });
  });

  it('tries every variant in mode "every" and keeps each match once, in the order found', async () => {
    const plan = connector(search('@variant', 'every', `<variant name="e164" value="@number"/><variant name="digits" value="@national"/><variant name="again" value="@number"/>`));
    const records: Record<string, object[]> = {
      '+14155550100': [{ Id: '1', Name: 'Typed E164', Phone: '+1 415 555 0100' }],
      '4155550100': [{ Id: '2', Name: 'Typed national', Phone: '(415) 555-0100' }, { Id: '1', Name: 'Typed E164', Phone: '+1 415 555 0100' }],
    };
    const { session, requests } = open(plan, (request) => json(200, { records: records[queryOf(request) ?? ''] ?? [] }));
    const found = await session.findContacts('+14155550100');
    expect(found).toEqual({ ok: true, value: [{ id: '1', name: 'Typed E164', company: null, url: null, kind: 'people' }, { id: '2', name: 'Typed national', company: null, url: null, kind: 'people' }] });
    // A variant that renders like an earlier one is not sent again.
    expect(requests.map(queryOf)).toEqual(['+14155550100', '4155550100']);
  });

  it('checks every phone of a list the search gives (Pipedrive\'s `phones: [...]`)', async () => {
    const plan = connector(search('@variant').replace('phones="Phone"', 'phones="Phones"'));
    const { session } = open(plan, () => json(200, { records: [{ Id: '1', Name: 'Two Phones', Phones: ['+1 650 555 0111', '(415) 555-0100'] }, { Id: '2', Name: 'Other', Phones: ['+1 650 555 0111'] }] }));
    expect(await session.findContacts('+14155550100')).toEqual({ ok: true, value: [{ id: '1', name: 'Two Phones', company: null, url: null, kind: 'people' }] });
  });

  it('lets a map use the maps above it (a missed inbound call, else the direction\'s word)', async () => {
    const plan = connector(`<maps>
      <map name="word" from="@call_direction" values="inbound:Inbound,outbound:Outbound"/>
      <map name="kind" from="{{@call_direction}} {{@call_status|default:'unknown'}}" values="inbound no-answer:Missed" default="@word"/>
    </maps>${search('@variant')}
    <update_call><request method="patch" format="json"><url>/calls/@record_id</url><parameters><parameter name="kind" value="@kind"/></parameters></request></update_call>`);
    const { session, requests } = open(plan, () => json(200, {}));
    for (const changed of [{ status: 'no-answer' }, { status: 'completed' }, { direction: 'outbound', status: 'no-answer' }] as const) {
      expect(await session.updateCall('7', { ...call, ...changed })).toMatchObject({ ok: true });
    }
    expect(requests.map((r) => JSON.parse(r.body ?? '{}').kind)).toEqual(['Missed', 'Inbound', 'Outbound']);
  });

  it("renders the maps a lookup's templates read, and the maps those read", async () => {
    const plan = connector(`<maps>
      <map name="known" from="@number" values="+14155550100:regular"/>
      <map name="tier" from="@known" values="regular:gold"/>
      <map name="word" from="@call_direction" values="inbound:Inbound"/>
    </maps>${search('@tier')}`);
    const { session, requests } = open(plan, () => json(200, { records: [] }));
    await session.findContacts('+14155550100');
    expect(requests.map(queryOf)).toEqual(['gold']);
  });

  it("renders the maps a logged call's answer values read, and the maps those read", async () => {
    const { plan, diagnostics } = loadCrmConnector(`<connector for="CRM" name="Mapped answers">
  <config><fields><field name="base" type="url"/></fields></config>
  <crm><url>$config.$fields.base</url></crm>
  <maps>
    <map name="area" from="@call_customer_number" values="+14155550100:bay"/>
    <map name="region" from="@area" values="bay:west"/>
    <map name="word" from="@call_direction" values="inbound:Inbound"/>
  </maps>
  ${search('@variant')}
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="subject" value="@word"/></parameters></request>
    <response><id use="id" default="{{@region}}-{{@call_call_id}}"/><url default="$config.$fields.base/@region/{{@id}}"/></response></log_call>
</connector>`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const { session, requests } = open(plan as CrmConnectorPlan, () => json(200, {}), { base: 'https://crm.test' });
    expect(await session.logCall(call)).toEqual({ ok: true, value: { id: 'west-c1', url: 'https://crm.test/west/west-c1' } });
    expect(requests.map((r) => JSON.parse(r.body ?? '{}').subject)).toEqual(['Inbound']);
  });

  it('says when a CRM cannot update a logged call, and has no natural key to find one by', async () => {
    const plan = connector(`${search('@variant')}<update_call supported="false"/>`);
    const { session, requests } = open(plan, () => json(200, {}));
    expect(session.canUpdate).toBe(false);
    expect(session.findCallLog).toBeUndefined();
    expect(await session.updateCall('1', call)).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('cannot change a logged call') });
    expect(session.newContactUrl('+14155550100')).toBeNull();
    expect(requests).toEqual([]);
  });

  it('offers a gated find_call only when its config field is set; a `missing` status is "none", any other failure stays one', async () => {
    const plan = connector(`${search('@variant')}<find_call when="token" missing="404"><request><url>/calls/@call_call_id</url></request><response><id use="id"/></response></find_call>`);
    expect(open(plan, () => json(200, {}), { base: 'https://crm.test', token: ' ' }).session.findCallLog).toBeUndefined();
    const answers: Record<string, RecordedResponse> = { '/calls/c1': json(200, { id: 'R1' }), '/calls/c2': json(404, [{ message: 'not found', errorCode: 'NOT_FOUND' }]), '/calls/c3': json(500, [{ message: 'boom', errorCode: 'SERVER' }]) };
    const { session } = open(plan, (request) => answers[new URL(request.url).pathname]!);
    expect(await session.findCallLog!(call)).toEqual({ ok: true, value: { id: 'R1', url: null } });
    expect(await session.findCallLog!({ ...call, call_id: 'c2' })).toEqual({ ok: true, value: null });
    expect(await session.findCallLog!({ ...call, call_id: 'c3' })).toMatchObject({ ok: false, retry: true, status: 500 });
  });

  it('names a JSON member after a `key` template, and leaves an optional one out when the key renders empty', async () => {
    const plan = loadCrmConnector(`<connector for="CRM" name="Keyed">
  <config><fields><field name="base" type="url"/><field name="id_field"/></fields></config>
  <crm><url>$config.$fields.base</url></crm>
  ${search('@variant')}
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="subject" value="@call_customer_number"/><parameter key="$config.$fields.id_field" value="@call_call_id" optional="true"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`).plan as CrmConnectorPlan;
    const logged = async (config: Record<string, string>) => {
      const { session, requests } = open(plan, () => json(201, { id: 'R1' }), config);
      expect(await session.logCall(call)).toMatchObject({ ok: true });
      return JSON.parse(requests[0]!.body ?? '{}');
    };
    expect(await logged({ base: 'https://crm.test', id_field: 'Relay_Call_Id' })).toEqual({ subject: '+14155550100', Relay_Call_Id: 'c1' });
    expect(await logged({ base: 'https://crm.test' })).toEqual({ subject: '+14155550100' });
  });

  it('finds the CRM user whose email is the agent\'s, whatever else the search matched, and logs the call as theirs', async () => {
    const plan = loadCrmConnector(`<connector for="CRM" name="Owned">
  <config><fields><field name="base" type="url"/><field name="owner_id"/></fields></config>
  <crm><url>$config.$fields.base</url></crm>
  ${search('@variant')}
  <find_user list="users" email="profile.email" missing="404">
    <request><url>/users</url><parameters><parameter name="term" value="@call_agent_email"/></parameters></request>
    <response><id use="id"/></response>
  </find_user>
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="owner" value="@call_agent_crm_id|default:'$config.$fields.owner_id'" optional="true"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`).plan as CrmConnectorPlan;
    const users = [
      { id: 'U1', profile: { email: 'ada.lovelace@example.com' } },
      { id: 'U2', profile: { email: 'Ada@Example.com' } },
    ];
    const { session, requests } = open(plan, (request) => {
      const url = new URL(request.url);
      if (url.pathname === '/calls') return json(201, { id: 'R1' });
      const term = url.searchParams.get('term')!;
      if (term === 'gone@example.com') return json(404, {});
      if (term === 'down@example.com') return json(503, {});
      return json(200, { users: users.filter((user) => user.profile.email.toLowerCase().includes(term.split('@')[0]!)) });
    }, { base: 'https://crm.test', owner_id: 'U0' });
    // A search that matches by part (Pipedrive's term): the user is the one whose email is the agent's.
    expect(await session.findUser!('ada@example.com')).toEqual({ ok: true, value: 'U2' });
    expect(requests[0]!.url).toBe('https://crm.test/users?term=ada%40example.com');
    expect(await session.findUser!('bob@example.com')).toEqual({ ok: true, value: null });
    expect(await session.findUser!('gone@example.com')).toEqual({ ok: true, value: null });
    expect(await session.findUser!('down@example.com')).toMatchObject({ ok: false, retry: true, status: 503 });
    const owner = async (agent_crm_id?: string | null) => {
      await session.logCall({ ...call, agent_crm_id });
      return JSON.parse(requests.at(-1)!.body ?? '{}').owner;
    };
    expect([await owner('U2'), await owner(null), await owner(undefined)]).toEqual(['U2', 'U0', 'U0']);
    expect(open(connector(search('@variant')), () => json(200, {})).session.findUser).toBeUndefined();
  });

  it('reads the users page after page where the CRM lists them so, until the agent is on one, no further than `pages`', async () => {
    const paged = (more: string, page: string, pages = '') =>
      loadCrmConnector(`<connector for="CRM" name="Paged">
  <config><fields><field name="base" type="url"/></fields></config>
  <crm><url>$config.$fields.base</url></crm>
  ${search('@variant')}
  <find_user list="users" email="email" more="${more}" ${pages}>
    <request><url>/users</url><parameters><parameter name="per_page" value="2"/>${page}</parameters></request>
    <response><id use="id"/></response>
  </find_user>
  <log_call><request method="post" format="json"><url>/calls</url></request><response><id use="id"/></response></log_call>
</connector>`).plan as CrmConnectorPlan;
    const users = Array.from({ length: 7 }, (_, i) => ({ id: `U${i + 1}`, email: `agent${i + 1}@example.com` }));
    // Zoho's kind: pages by number, and whether more follow.
    const byNumber = open(paged('info.more_records', '<parameter name="page" value="@page"/>'), (request) => {
      const page = Number(new URL(request.url).searchParams.get('page'));
      return json(200, { users: users.slice((page - 1) * 2, page * 2), info: { more_records: page * 2 < users.length } });
    }, { base: 'https://crm.test' });
    expect(await byNumber.session.findUser!('Agent5@example.com')).toEqual({ ok: true, value: 'U5' });
    expect(byNumber.requests.map((r) => new URL(r.url).searchParams.get('page'))).toEqual(['1', '2', '3']);
    byNumber.requests.length = 0;
    expect(await byNumber.session.findUser!('nobody@example.com')).toEqual({ ok: true, value: null });
    expect(byNumber.requests).toHaveLength(4);
    // A cursor: the next request carries the last answer's.
    const byCursor = open(paged('paging.next.after', '<parameter name="after" value="@cursor" optional="true"/>'), (request) => {
      const from = Number(new URL(request.url).searchParams.get('after') ?? 0);
      return json(200, { users: users.slice(from, from + 2), ...(from + 2 < users.length ? { paging: { next: { after: String(from + 2) } } } : {}) });
    }, { base: 'https://crm.test' });
    expect(await byCursor.session.findUser!('agent7@example.com')).toEqual({ ok: true, value: 'U7' });
    expect(byCursor.requests.map((r) => new URL(r.url).searchParams.get('after'))).toEqual([null, '2', '4', '6']);
    // No further than `pages`.
    const bounded = open(paged('info.more_records', '<parameter name="page" value="@page"/>', 'pages="2"'), (request) => {
      const page = Number(new URL(request.url).searchParams.get('page'));
      return json(200, { users: users.slice((page - 1) * 2, page * 2), info: { more_records: true } });
    }, { base: 'https://crm.test' });
    expect(await bounded.session.findUser!('agent5@example.com')).toEqual({ ok: true, value: null });
    expect(bounded.requests).toHaveLength(2);
  });
});
