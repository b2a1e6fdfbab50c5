/**
 * find_call by a unique call id field an admin creates once (HubSpot's `call_id_property`,
 * Zoho's and Dynamics' `call_id_field`): the bundled connector opened as the relay opens it, against the CRM's
 * simulator over HTTP. With the field named in the config, log_call writes the call id into it
 * and find_call finds that record again by it; without it, there is no find_call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmSimulator } from '../../simulators/crm/crm-simulator.ts';
import { DynamicsSimulator } from '../../simulators/crm/dynamics.ts';
import { HubSpotSimulator } from '../../simulators/crm/hubspot.ts';
import { ZohoSimulator } from '../../simulators/crm/zoho.ts';
import { finishedCall, openBundledCrm } from './bundled-crm.ts';

interface CallIdFieldCrm {
  connector: string;
  /** The CRM's word for a logged call, in test names. */
  record: string;
  /** The simulator, with the unique field `field` defined. */
  start(field: string): Promise<CrmSimulator & { config: Record<string, string> }>;
  /** The config field that names it, and the name an admin gave it. */
  setting: string;
  field: string;
  link(crm: CrmSimulator & { config: Record<string, string> }, id: string): string;
  /** The find_call requests sent so far: what each asked, and the CRM's status. */
  reads(crm: CrmSimulator): Array<[string, number]>;
  /** What find_call asks for a call id, and the status of the CRM's "none". */
  asks(callId: string): string;
  none: number;
  /** What the CRM answers a second create with the same call id. */
  refusal: { status?: number; error: string };
}

const CRMS: CallIdFieldCrm[] = [
  {
    connector: 'hubspot',
    record: 'call',
    start: (field) => HubSpotSimulator.start({ uniqueCallProperties: [field] }),
    setting: 'call_id_property',
    field: 'relay_call_id',
    link: (crm, id) => `https://app.hubspot.com/contacts/${crm.config.portal_id}/record/0-48/${id}`,
    // A read by the property's value, no search (search lags writes).
    reads: (crm) => crm.requests.filter((r) => r.method === 'GET' && r.url.includes('?idProperty=')).map((r) => [r.url, r.status]),
    asks: (callId) => `/crm/v3/objects/calls/${callId}?idProperty=relay_call_id`,
    none: 404,
    refusal: { status: 409, error: 'already exists' },
  },
  {
    connector: 'zoho',
    record: 'Calls record',
    start: (field) => ZohoSimulator.start({ uniqueCallField: field }),
    setting: 'call_id_field',
    field: 'Relay_Call_Id',
    link: (_crm, id) => `https://crm.zoho.com/crm/tab/Calls/${id}`,
    // A COQL select, whose = compares the whole value (the search's equals would find it inside longer ones).
    reads: (crm) => crm.requests.filter((r) => r.url === '/crm/v8/coql').map((r) => [(JSON.parse(r.body) as { select_query: string }).select_query, r.status]),
    asks: (callId) => `select id from Calls where Relay_Call_Id = '${callId}' limit 1`,
    none: 204,
    refusal: { error: 'DUPLICATE_DATA' },
  },
  {
    connector: 'dynamics',
    record: 'Phone Call',
    start: (field) => DynamicsSimulator.start({ callIdColumn: field }),
    setting: 'call_id_field',
    field: 'new_relaycallid',
    link: (crm, id) => `${crm.url}/main.aspx?etn=phonecall&id=${id}&pagetype=entityrecord`,
    // An OData eq on the column, whose alternate key keeps it unique.
    reads: (crm) => crm.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/api/data/v9.2/phonecalls?')).map((r) => [new URL(r.url, crm.url).searchParams.get('$filter')!, r.status]),
    asks: (callId) => `new_relaycallid eq '${callId}'`,
    none: 200,
    refusal: { status: 412, error: '0x80060892' },
  },
];

describe.each(CRMS)('$connector.xml with a unique call id field', (facts) => {
  let crm: Awaited<ReturnType<CallIdFieldCrm['start']>>;
  const id = (name: string) => `CA-${facts.connector}-${name}`;
  const open = () => openBundledCrm(facts.connector, { ...crm.config, [facts.setting]: facts.field });

  beforeAll(async () => {
    crm = await facts.start(facts.field);
  });
  afterAll(() => crm.close());

  it(`writes the call id into the field, finds that ${facts.record} again by it, and nothing for another call`, async () => {
    const session = open();
    const logged = finishedCall({ call_id: id('found-again') });
    const created = await session.logCall(logged);
    if (!created.ok) throw new Error(created.error);
    expect(crm.activities().find((a) => a.id === created.value.id)?.fields).toMatchObject({ [facts.field]: id('found-again') });
    expect(await session.findCallLog!(logged)).toEqual({ ok: true, value: { id: created.value.id, url: facts.link(crm, created.value.id) } });
    expect(await session.findCallLog!(finishedCall({ call_id: id('never-logged') }))).toEqual({ ok: true, value: null });
    expect(facts.reads(crm)).toEqual([
      [facts.asks(id('found-again')), 200],
      [facts.asks(id('never-logged')), facts.none],
    ]);
  });

  it(`does not take the ${facts.record} of a call whose id holds this one's for this call's`, async () => {
    const session = open();
    const longer = await session.logCall(finishedCall({ call_id: id('held-12') }));
    if (!longer.ok) throw new Error(longer.error);
    expect(await session.findCallLog!(finishedCall({ call_id: id('held-1') }))).toEqual({ ok: true, value: null });
  });

  it(`is refused a second ${facts.record} with the same call id: the field is what keeps the log single`, async () => {
    const session = open();
    const logged = finishedCall({ call_id: id('twice') });
    expect(await session.logCall(logged)).toMatchObject({ ok: true });
    expect(await session.logCall(logged)).toMatchObject({ ok: false, retry: false, ...(facts.refusal.status ? { status: facts.refusal.status } : {}), error: expect.stringContaining(facts.refusal.error) });
    expect(crm.activities().filter((a) => a.fields[facts.field] === id('twice'))).toHaveLength(1);
  });

  it('fails find_call, worth retrying, while the CRM is down: not read as "no such call"', async () => {
    const session = open();
    await crm.down();
    try {
      expect(await session.findCallLog!(finishedCall({ call_id: id('down') }))).toMatchObject({ ok: false, retry: true });
    } finally {
      await crm.up();
    }
  });

  it('without the field in the config, offers no find_call and writes no call id', async () => {
    const session = openBundledCrm(facts.connector, crm.config);
    expect(session.findCallLog).toBeUndefined();
    const created = await session.logCall(finishedCall({ call_id: id('plain') }));
    if (!created.ok) throw new Error(created.error);
    expect(crm.activities().find((a) => a.id === created.value.id)?.fields).not.toHaveProperty(facts.field);
  });
});
