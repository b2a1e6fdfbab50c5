import { describe, expect, it, vi } from 'vitest';
import { loadCrmConnector } from '../connector/compile.ts';
import type { CrmConnectorPlan } from '../connector/crm-plan.ts';
import { FOLLOW_UPS_AT_ONCE, openCrmSession } from './session.ts';
import { recordingFetch, type RecordedRequest, type RecordedResponse } from './recorded-crm.ts';

// Several numbers per search (`<batch>`, issue 10): a burst's lookups share requests, and each
// candidate of an answer goes back to the number(s) its phones match.

type Row = { Id: string; Name: string; Phone: string; Mobile?: string; Account?: string };

/** A search whose query is `phone:A OR phone:B …`, answering the rows whose phones end with a queried number, in order. */
const connector = (batch: string, { fallback = '', followUp = '', mode = 'each', variants = '<variant name="digits" value="@national"/>' } = {}) => {
  const { plan, diagnostics } = loadCrmConnector(`<connector for="CRM" name="Batch CRM">
  <config><fields><field name="base" type="url"/></fields></config>
  <crm><url>$config.$fields.base</url></crm>
  <find_contact mode="${mode}">${variants}
    <search name="people">${batch}<request><url>/people</url><parameters><parameter name="q" value="@numbers"/></parameters></request>
      <matches list="records" phones="Phone,Mobile"><id use="Id"/><name use="Name"/></matches>${followUp}</search>
    ${fallback}
  </find_contact>
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="n" value="@call_customer_number"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`);
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return plan as CrmConnectorPlan;
};
const BATCH = '<batch name="numbers" size="3" join=" OR ">phone:{{@variant}}</batch>';

const json = (body: unknown): RecordedResponse => ({ status: 200, body: JSON.stringify(body) });
/** The terms of a query (`phone:4155550100 OR phone:4155550101` -> the digits). */
const termsOf = (request: RecordedRequest) => [...(new URL(request.url).searchParams.get('q') ?? '').matchAll(/phone:(\S+)/g)].map((m) => m[1]!);
/** A CRM holding `rows`: each query answers the rows one of whose phones ends with one of its terms. */
const crm = (rows: Row[], paths: Record<string, Row[]> = {}) => (request: RecordedRequest) => {
  const path = new URL(request.url).pathname;
  if (path === '/account') return json({ name: `Account ${new URL(request.url).searchParams.get('id')}` });
  const terms = termsOf(request);
  const held = paths[path] ?? rows;
  return json({ records: held.filter((row) => terms.some((term) => [row.Phone, row.Mobile ?? ''].some((phone) => phone.replace(/\D/g, '').endsWith(term)))) });
};
const open = (plan: CrmConnectorPlan, answer: (request: RecordedRequest) => RecordedResponse | Promise<RecordedResponse>) => {
  const recorded = recordingFetch(answer);
  return { session: openCrmSession(plan, { config: { base: 'https://crm.test' }, fetch: recorded.fetch, defaultCountry: 'US', now: () => 0 }), requests: recorded.requests };
};
const idsOf = (outcome: Awaited<ReturnType<NonNullable<ReturnType<typeof openCrmSession>['findContactsOf']>>>) => (outcome.ok ? outcome.value.map((contacts) => contacts.map((c) => c.id)) : outcome.error);

const numbers = ['+14155550100', '+14155550101', '+14155550102', '+14155550103', '+14155550104'];

describe('batched lookups', () => {
  it('searches several numbers per request, as many as `size`, and gives each number the candidates its phones match', async () => {
    const rows: Row[] = [
      { Id: 'a', Name: 'Ann', Phone: '(415) 555-0100' },
      // One record holding two callers' numbers is the contact of both.
      { Id: 'b', Name: 'Bob', Phone: '415-555-0101', Mobile: '+1 415 555 0104' },
      { Id: 'c', Name: 'Cy', Phone: '4155550103' },
    ];
    const { session, requests } = open(connector(BATCH), crm(rows));
    expect(session.lookupBatch).toBe(3);
    expect(idsOf(await session.findContactsOf!(numbers))).toEqual([['a'], ['b'], [], ['c'], ['b']]);
    // Five numbers, three per request; the one nobody matched goes alone to its next variant (none here).
    expect(requests.map(termsOf)).toEqual([
      ['4155550100', '4155550101', '4155550102'],
      ['4155550103', '4155550104'],
    ]);
    expect(new URL(requests[0]!.url).searchParams.get('q')).toBe('phone:4155550100 OR phone:4155550101 OR phone:4155550102');
  });

  it('tries the next variant only for the numbers the earlier ones did not find, together', async () => {
    const variants = '<variant name="digits" value="@national"/><variant name="last4" value="@number|last:\'4\'"/>';
    const rows: Row[] = [{ Id: 'a', Name: 'Ann', Phone: '4155550100' }, { Id: 'b', Name: 'Bob', Phone: '555-0101' }, { Id: 'c', Name: 'Cy', Phone: '555-0102' }];
    const { session, requests } = open(connector(BATCH, { variants }), crm(rows));
    // Stored without the area code, Bob and Cy are found by their last 4 digits only; Ann's number is not asked again.
    expect(idsOf(await session.findContactsOf!(numbers.slice(0, 3)))).toEqual([['a'], ['b'], ['c']]);
    expect(requests.map(termsOf)).toEqual([['4155550100', '4155550101', '4155550102'], ['0101', '0102']]);
  });

  it('runs a fallback search in one batch for the numbers the searches before it found no one for', async () => {
    const fallback = `<search name="leads" fallback="true">${BATCH}<request><url>/leads</url><parameters><parameter name="q" value="@numbers"/></parameters></request>
      <matches list="records" phones="Phone"><id use="Id"/><name use="Name"/></matches></search>`;
    const people: Row[] = [{ Id: 'a', Name: 'Ann', Phone: '4155550100' }];
    const leads: Row[] = [{ Id: 'l1', Name: 'Lee', Phone: '4155550100' }, { Id: 'l2', Name: 'Lou', Phone: '4155550102' }];
    const { session, requests } = open(connector(BATCH, { fallback }), crm([], { '/people': people, '/leads': leads }));
    const found = await session.findContactsOf!(numbers.slice(0, 3));
    expect(idsOf(found)).toEqual([['a'], [], ['l2']]);
    expect(found.ok && found.value[2]![0]!.kind).toBe('leads');
    expect(requests.map((r) => [new URL(r.url).pathname, termsOf(r)])).toEqual([
      ['/people', ['4155550100', '4155550101', '4155550102']],
      ['/leads', ['4155550101', '4155550102']],
    ]);
  });

  it('asks each follow-up once per batch: two callers of one account, one request', async () => {
    const followUp = '<follow_up when="Account"><request><url>/account</url><parameters><parameter name="id" value="@Account"/></parameters></request><response><company use="name"/></response></follow_up>';
    const rows: Row[] = [{ Id: 'a', Name: 'Ann', Phone: '4155550100', Account: '7' }, { Id: 'b', Name: 'Bob', Phone: '4155550101', Account: '7' }];
    const { session, requests } = open(connector(BATCH, { followUp }), crm(rows));
    const found = await session.findContactsOf!(numbers.slice(0, 2));
    expect(found.ok && found.value.map((contacts) => contacts[0]!.company)).toEqual(['Account 7', 'Account 7']);
    expect(requests.filter((r) => new URL(r.url).pathname === '/account')).toHaveLength(1);
  });

  it('asks the follow-ups of a batch\'s candidates side by side, FOLLOW_UPS_AT_ONCE at a time, each contact with its own answer', async () => {
    const followUp = '<follow_up when="Account"><request><url>/account</url><parameters><parameter name="id" value="@Account"/></parameters></request><response><company use="name"/></response></follow_up>';
    const six = Array.from({ length: 6 }, (_, i) => `+1415555010${i}`);
    const rows: Row[] = six.map((number, i) => ({ Id: `c${i}`, Name: `Caller ${i}`, Phone: number.slice(2), Account: String(i) }));
    /** Each account's answer, held until the test lets it go. */
    const held: Array<() => void> = [];
    const { session, requests } = open(connector('<batch name="numbers" size="6" join=" OR ">phone:{{@variant}}</batch>', { followUp }), (request) =>
      new URL(request.url).pathname === '/account' ? new Promise<RecordedResponse>((answer) => held.push(() => answer(crm(rows)(request)))) : crm(rows)(request),
    );
    const accounts = () => requests.filter((r) => new URL(r.url).pathname === '/account').length;
    const finding = session.findContactsOf!(six);
    // Four retrieves in flight before any answered: one after the other, the first would be alone.
    await vi.waitFor(() => expect(accounts()).toBe(FOLLOW_UPS_AT_ONCE));
    expect(held).toHaveLength(FOLLOW_UPS_AT_ONCE);
    held[0]!();
    await vi.waitFor(() => expect(accounts()).toBe(FOLLOW_UPS_AT_ONCE + 1));
    for (let answered = 1; answered < 6; answered++) {
      await vi.waitFor(() => expect(held.length).toBeGreaterThan(answered));
      held[answered]!();
    }
    const found = await finding;
    expect(found.ok && found.value.map((contacts) => contacts.map((c) => `${c.id} ${c.company}`))).toEqual(six.map((_, i) => [`c${i} Account ${i}`]));
  });

  it('asks each number of a batch alone when the answer lists as many candidates as `limit`: it may have been cut', async () => {
    const batch = '<batch name="numbers" size="3" join=" OR " limit="2">phone:{{@variant}}</batch>';
    const rows: Row[] = [{ Id: 'a', Name: 'Ann', Phone: '4155550100' }, { Id: 'b', Name: 'Bob', Phone: '4155550101' }, { Id: 'c', Name: 'Cy', Phone: '4155550102' }];
    // The CRM lists two rows at most, as Vtiger lists 100.
    const { session, requests } = open(connector(batch), (request) => {
      const answer = JSON.parse(crm(rows)(request).body) as { records: Row[] };
      return json({ records: answer.records.slice(0, 2) });
    });
    expect(idsOf(await session.findContactsOf!(numbers.slice(0, 3)))).toEqual([['a'], ['b'], ['c']]);
    expect(requests.map(termsOf)).toEqual([['4155550100', '4155550101', '4155550102'], ['4155550100'], ['4155550101'], ['4155550102']]);
  });

  it('fails the whole batch when one of its requests fails, and sends one number alone as one part', async () => {
    const { session, requests } = open(connector(BATCH), (request) => (termsOf(request).includes('4155550103') ? { status: 503, body: 'busy' } : json({ records: [] })));
    const failed = await session.findContactsOf!(numbers);
    expect(failed).toMatchObject({ ok: false, retry: true, status: 503 });
    expect(requests).toHaveLength(2);
    expect(await session.findContacts(numbers[0]!)).toEqual({ ok: true, value: [] });
    expect(new URL(requests[2]!.url).searchParams.get('q')).toBe('phone:4155550100');
  });

  it('leaves out a number that identifies no one (an extension), keeping the others in their places', async () => {
    const { session, requests } = open(connector(BATCH), crm([{ Id: 'a', Name: 'Ann', Phone: '4155550101' }]));
    expect(idsOf(await session.findContactsOf!(['101', numbers[1]!]))).toEqual([[], ['a']]);
    expect(requests.map(termsOf)).toEqual([['4155550101']]);
  });
});

// A JSON search (HubSpot's, issue 10): one `IN` filter per phone property, its `values` every number's form.
describe('batched lookups through a <parameter each>', () => {
  const filter = (property: string, form: string) =>
    `<parameter type="object"><parameter name="property" value="${property}"/><parameter name="values" type="array" each="callers"><parameter value="${form}"/></parameter></parameter>`;
  const jsonConnector = (batch = '<batch name="callers" size="3" limit="100"/>') => {
    const { plan, diagnostics } = loadCrmConnector(`<connector for="CRM" name="Json CRM">
  <config><fields><field name="base" type="url"/></fields></config>
  <crm><url>$config.$fields.base</url></crm>
  <find_contact mode="together"><variant name="e164" value="@number"/><variant name="digits" value="@national"/>
    <search name="people">${batch}<request method="post" format="json"><url>/search</url><parameters>
      <parameter name="filters" type="array">${filter('Phone', '@e164')}${filter('Mobile', '@digits')}</parameter>
      <parameter name="limit" type="number" value="100"/>
    </parameters></request>
      <matches list="records" phones="Phone,Mobile"><id use="Id"/><name use="Name"/></matches></search>
  </find_contact>
  <log_call><request method="post" format="json"><url>/calls</url><parameters><parameter name="n" value="@call_customer_number"/></parameters></request><response><id use="id"/></response></log_call>
</connector>`);
    expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    return plan as CrmConnectorPlan;
  };
  type Filter = { property: keyof Row; values: string[] };
  const filtersOf = (request: RecordedRequest) => (JSON.parse(request.body!) as { filters: Filter[] }).filters;
  /** A CRM holding `rows`: a filter matches a row whose property equals one of its values exactly (HubSpot's IN). */
  const inCrm = (rows: Row[]) => (request: RecordedRequest) => json({ records: rows.filter((row) => filtersOf(request).some((f) => f.values.includes(String(row[f.property] ?? '')))) });

  it('lists every number of the batch in each `each` array, in order, and gives each number the records its phones match', async () => {
    const rows: Row[] = [
      { Id: 'a', Name: 'Ann', Phone: '+14155550100' },
      { Id: 'b', Name: 'Bob', Phone: 'x', Mobile: '4155550101' },
      { Id: 'c', Name: 'Cy', Phone: '+14155550103' },
    ];
    const { session, requests } = open(jsonConnector(), inCrm(rows));
    expect(session.lookupBatch).toBe(3);
    expect(idsOf(await session.findContactsOf!(numbers.slice(0, 4)))).toEqual([['a'], ['b'], [], ['c']]);
    expect(requests.map(filtersOf)).toEqual([
      [{ property: 'Phone', values: numbers.slice(0, 3) }, { property: 'Mobile', values: ['4155550100', '4155550101', '4155550102'] }],
      [{ property: 'Phone', values: [numbers[3]] }, { property: 'Mobile', values: ['4155550103'] }],
    ]);
    // One number alone: each array holds its forms only.
    await session.findContacts(numbers[4]!);
    expect(filtersOf(requests[2]!)).toEqual([{ property: 'Phone', values: [numbers[4]] }, { property: 'Mobile', values: ['4155550104'] }]);
  });

  it('asks each number alone when the answer lists `limit` records', async () => {
    const rows: Row[] = [{ Id: 'a', Name: 'Ann', Phone: '+14155550100' }, { Id: 'b', Name: 'Bob', Phone: '+14155550101' }];
    const { session, requests } = open(jsonConnector('<batch name="callers" size="3" limit="2"/>'), inCrm(rows));
    expect(idsOf(await session.findContactsOf!(numbers.slice(0, 2)))).toEqual([['a'], ['b']]);
    expect(requests.map((r) => filtersOf(r)[0]!.values)).toEqual([numbers.slice(0, 2), [numbers[0]], [numbers[1]]]);
  });
});
