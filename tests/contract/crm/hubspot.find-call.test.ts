/**
 * connectors/crm/hubspot.xml's find_call, opened as the relay opens it, against the HubSpot
 * simulator over HTTP: with a unique call property named in the config, log_call writes the
 * call id into it and find_call reads that call back by it; without one, there is no find_call.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubSpotSimulator } from '../../simulators/crm/hubspot.ts';
import { finishedCall, openBundledCrm } from './bundled-crm.ts';

let hubspot: HubSpotSimulator;

beforeAll(async () => {
  hubspot = await HubSpotSimulator.start({ uniqueCallProperties: ['relay_call_id'] });
});
afterAll(() => hubspot.close());

const callLink = (id: string) => `https://app.hubspot.com/contacts/${hubspot.config.portal_id}/record/0-48/${id}`;

describe('hubspot.xml with a unique call property', () => {
  const open = () => openBundledCrm('hubspot', { ...hubspot.config, call_id_property: 'relay_call_id' });

  it('writes the call id into the property, finds that call again by it, and nothing for another call', async () => {
    const session = open();
    const logged = finishedCall({ call_id: 'CA-hs-found-again' });
    const created = await session.logCall(logged);
    if (!created.ok) throw new Error(created.error);
    expect(hubspot.activities().find((a) => a.id === created.value.id)?.fields).toMatchObject({ relay_call_id: 'CA-hs-found-again' });
    expect(await session.findCallLog!(logged)).toEqual({ ok: true, value: { id: created.value.id, url: callLink(created.value.id) } });
    expect(await session.findCallLog!(finishedCall({ call_id: 'CA-hs-never-logged' }))).toEqual({ ok: true, value: null });
    const read = hubspot.requests.filter((r) => r.method === 'GET' && r.url.startsWith('/crm/v3/objects/calls/CA-hs-'));
    expect(read.map((r) => [r.url, r.status])).toEqual([
      ['/crm/v3/objects/calls/CA-hs-found-again?idProperty=relay_call_id', 200],
      ['/crm/v3/objects/calls/CA-hs-never-logged?idProperty=relay_call_id', 404],
    ]);
  });

  it('is refused a second call with the same call id (409): the property is what keeps the log single', async () => {
    const session = open();
    const logged = finishedCall({ call_id: 'CA-hs-twice' });
    expect(await session.logCall(logged)).toMatchObject({ ok: true });
    expect(await session.logCall(logged)).toMatchObject({ ok: false, retry: false, status: 409, error: expect.stringContaining('already exists') });
    expect(hubspot.activities().filter((a) => a.fields.relay_call_id === 'CA-hs-twice')).toHaveLength(1);
  });

  it('fails find_call, worth retrying, while HubSpot is down: not read as "no such call"', async () => {
    const session = open();
    await hubspot.down();
    try {
      expect(await session.findCallLog!(finishedCall({ call_id: 'CA-hs-down' }))).toMatchObject({ ok: false, retry: true });
    } finally {
      await hubspot.up();
    }
  });
});

describe('hubspot.xml without a unique call property', () => {
  it('offers no find_call and writes no call id property', async () => {
    const session = openBundledCrm('hubspot', hubspot.config);
    expect(session.findCallLog).toBeUndefined();
    const created = await session.logCall(finishedCall({ call_id: 'CA-hs-plain' }));
    if (!created.ok) throw new Error(created.error);
    expect(hubspot.activities().find((a) => a.id === created.value.id)?.fields).not.toHaveProperty('relay_call_id');
  });
});
