/**
 * connectors/crm/zoho.xml's find_call, opened as the relay opens it, against the Zoho CRM
 * simulator over HTTP: with a unique Calls field named in the config, log_call writes the call id
 * into it and find_call searches the Calls module by it; without one, there is no find_call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ZohoSimulator } from '../../simulators/crm/zoho.ts';
import { finishedCall, openBundledCrm } from './bundled-crm.ts';

let zoho: ZohoSimulator;

beforeAll(async () => {
  zoho = await ZohoSimulator.start({ uniqueCallField: 'Relay_Call_Id' });
});
afterAll(() => zoho.close());

const callLink = (id: string) => `https://crm.zoho.com/crm/tab/Calls/${id}`;

describe('zoho.xml with a unique Calls field', () => {
  const open = () => openBundledCrm('zoho', { ...zoho.config, call_id_field: 'Relay_Call_Id' });

  it('writes the call id into the field, finds that record again by it, and nothing for another call', async () => {
    const session = open();
    const logged = finishedCall({ call_id: 'CA-zo-found-again' });
    const created = await session.logCall(logged);
    if (!created.ok) throw new Error(created.error);
    expect(zoho.activities().find((a) => a.id === created.value.id)?.fields).toMatchObject({ Relay_Call_Id: 'CA-zo-found-again' });
    expect(await session.findCallLog!(logged)).toEqual({ ok: true, value: { id: created.value.id, url: callLink(created.value.id) } });
    expect(await session.findCallLog!(finishedCall({ call_id: 'CA-zo-never-logged' }))).toEqual({ ok: true, value: null });
    const searched = zoho.requests.filter((r) => r.url.startsWith('/crm/v8/Calls/search')).map((r) => [new URL(r.url, zoho.url).searchParams.get('criteria'), r.status]);
    expect(searched).toEqual([
      ['(Relay_Call_Id:equals:CA-zo-found-again)', 200],
      ['(Relay_Call_Id:equals:CA-zo-never-logged)', 204],
    ]);
  });

  it('is refused a second record with the same call id (DUPLICATE_DATA): the field is what keeps the log single', async () => {
    const session = open();
    const logged = finishedCall({ call_id: 'CA-zo-twice' });
    expect(await session.logCall(logged)).toMatchObject({ ok: true });
    expect(await session.logCall(logged)).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('DUPLICATE_DATA') });
    expect(zoho.activities().filter((a) => a.fields.Relay_Call_Id === 'CA-zo-twice')).toHaveLength(1);
  });

  it('fails find_call, worth retrying, while Zoho is down: not read as "no such call"', async () => {
    const session = open();
    await zoho.down();
    try {
      expect(await session.findCallLog!(finishedCall({ call_id: 'CA-zo-down' }))).toMatchObject({ ok: false, retry: true });
    } finally {
      await zoho.up();
    }
  });
});

describe('zoho.xml without a unique Calls field', () => {
  it('offers no find_call and writes no call id field', async () => {
    const session = openBundledCrm('zoho', zoho.config);
    expect(session.findCallLog).toBeUndefined();
    const created = await session.logCall(finishedCall({ call_id: 'CA-zo-plain' }));
    if (!created.ok) throw new Error(created.error);
    expect(zoho.activities().find((a) => a.id === created.value.id)?.fields).not.toHaveProperty('Relay_Call_Id');
  });
});
