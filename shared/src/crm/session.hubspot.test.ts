import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadCrmConnector } from '../connector/compile.ts';
import type { CrmConnectorPlan } from '../connector/crm-plan.ts';
import type { CrmCall } from './contract.ts';
import { openCrmSession } from './session.ts';
import { recordingFetch, type RecordedRequest, type RecordedResponse } from './recorded-crm.ts';

// The bundled HubSpot connector against HubSpot's documented answers (CRMS.md §2).

const TOKEN = 'pat-na1-11111111-2222-3333-4444-555555555555';
const NOW = Date.parse('2025-03-02T14:10:00Z');
const loaded = loadCrmConnector(readFileSync(join(import.meta.dirname, '../../../connectors/crm/hubspot.xml'), 'utf8'), 'hubspot.xml');
const plan = loaded.plan as CrmConnectorPlan;

const contact = (id: string, properties: Record<string, string | null>) => ({ id, properties: { hs_object_id: id, ...properties }, createdAt: '2024-05-01T10:00:00.000Z', updatedAt: '2025-02-01T09:00:00.000Z', archived: false });
/** The v4 associations of call 52431862437 [D HS associations v4], and one contact in their listing: its id a number as integrators record it [C], a string in HubSpot's spec [D]. */
const ASSOCIATIONS = 'https://api.hubapi.com/crm/v4/objects/calls/52431862437/associations';
const linkedContact = (id: number | string) => ({ toObjectId: id, associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: 194, label: null }] });
const json = (status: number, body: unknown, headers: Record<string, string> = {}): RecordedResponse => ({ status, body: JSON.stringify(body), headers: { 'Content-Type': 'application/json', ...headers } });

const call: CrmCall = {
  id: 9,
  call_id: 'CA77',
  direction: 'outbound',
  customer_number: '+14155550100',
  agent_number: '+14155550199',
  agent_name: 'Ann Agent',
  agent_email: null,
  status: 'completed',
  started_at: '2025-03-02T14:05:10Z',
  ended_at: '2025-03-02T14:09:52Z',
  duration: 282,
  notes: 'Asked for <b>pricing</b> & terms',
  disposition: 'Connected',
  recording_url: null,
  contact_id: '512',
};

let answers: RecordedResponse[];
let recorded: ReturnType<typeof recordingFetch>;
const open = () => openCrmSession(plan, { config: { token: TOKEN, portal_id: '62515' }, fetch: recorded.fetch, now: () => NOW });
const bodyOf = (request: RecordedRequest) => JSON.parse(request.body ?? '{}');

beforeEach(() => {
  answers = [];
  recorded = recordingFetch(() => answers.shift() ?? json(500, { status: 'error', message: 'no answer scripted' }));
});

describe('the HubSpot connector', () => {
  it('loads without diagnostics', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(plan.updateCall).toBeDefined();
  });

  it('searches once with E.164 and national digits and keeps every verified match, in order', async () => {
    answers.push(json(200, {
      total: 3,
      results: [
        contact('512', { firstname: 'Jane', lastname: 'Doe', company: 'Acme', phone: '+1 415-555-0100', mobilephone: null }),
        contact('513', { firstname: 'John', lastname: null, company: null, phone: null, mobilephone: '(415) 555-0100' }),
        // The calculated field over-matched a number from another area code.
        contact('514', { firstname: 'Other', lastname: 'Area', company: 'X', phone: '+1 212 555 0100', mobilephone: null }),
      ],
    }));
    const found = await open().findContacts('+14155550100');
    expect(found).toEqual({
      ok: true,
      value: [
        { id: '512', name: 'Jane Doe', company: 'Acme', url: 'https://app.hubspot.com/contacts/62515/record/0-1/512', kind: 'contacts' },
        { id: '513', name: 'John', company: null, url: 'https://app.hubspot.com/contacts/62515/record/0-1/513', kind: 'contacts' },
      ],
    });
    const [search] = recorded.requests;
    expect(search).toMatchObject({ method: 'POST', url: 'https://api.hubapi.com/crm/v3/objects/contacts/search', headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' } });
    expect(bodyOf(search!)).toEqual({
      filterGroups: [
        { filters: [{ propertyName: 'phone', operator: 'IN', values: ['+14155550100'] }] },
        // Both computed fields: a mobile typed any way but E.164 is found only by its national digits.
        { filters: [{ propertyName: 'hs_searchable_calculated_mobile_number', operator: 'IN', values: ['4155550100'] }] },
        { filters: [{ propertyName: 'hs_searchable_calculated_phone_number', operator: 'IN', values: ['4155550100'] }] },
      ],
      properties: ['firstname', 'lastname', 'company', 'phone', 'mobilephone'],
      limit: 100,
    });
  });

  it('searches up to 20 callers in one request, each IN listing every caller\'s form, and gives each caller the contacts its phones match', async () => {
    const callers = Array.from({ length: 21 }, (_, n) => `+1415555${String(200 + n).padStart(4, '0')}`);
    answers.push(json(200, {
      total: 2,
      results: [
        contact('600', { firstname: 'First', lastname: null, company: null, phone: callers[0]!, mobilephone: null }),
        contact('619', { firstname: 'Last', lastname: 'Batch', company: null, phone: null, mobilephone: '415.555.0219' }),
      ],
    }));
    answers.push(json(200, { total: 0, results: [] }));
    const found = await open().findContactsOf!(callers);
    expect(found.ok && found.value.map((contacts) => contacts.map((c) => c.id))).toEqual([['600'], ...Array.from({ length: 18 }, () => []), ['619'], []]);
    expect(recorded.requests).toHaveLength(2);
    const [phone, mobile, fixed] = bodyOf(recorded.requests[0]!).filterGroups.map((group: { filters: Array<{ values: string[] }> }) => group.filters[0]!.values);
    expect(phone).toEqual(callers.slice(0, 20));
    expect(mobile).toEqual(callers.slice(0, 20).map((e164) => e164.slice(2)));
    expect(fixed).toEqual(mobile);
    expect(bodyOf(recorded.requests[1]!).filterGroups[0].filters[0].values).toEqual([callers[20]]);
  });

  it('links records on the portal\'s own app domain when one is set (EU portals are on app-eu1)', async () => {
    const onEu = () => openCrmSession(plan, { config: { token: TOKEN, portal_id: '62515', app_url: 'https://app-eu1.hubspot.com' }, fetch: recorded.fetch, now: () => NOW });
    answers.push(json(200, { total: 1, results: [contact('512', { firstname: 'Jane', lastname: 'Doe', company: 'Acme', phone: '+14155550100', mobilephone: null })] }));
    expect(await onEu().findContacts('+14155550100')).toMatchObject({ ok: true, value: [{ id: '512', url: 'https://app-eu1.hubspot.com/contacts/62515/record/0-1/512' }] });
    answers.push(json(201, { id: '52431862437', properties: {} }));
    expect(await onEu().logCall(call)).toEqual({ ok: true, value: { id: '52431862437', url: 'https://app-eu1.hubspot.com/contacts/62515/record/0-48/52431862437' } });
    // The API host stays api.hubapi.com: the app domain only shapes the links agents click.
    expect(recorded.requests.map((r) => new URL(r.url).host)).toEqual(['api.hubapi.com', 'api.hubapi.com']);
  });

  it('finds nobody on an empty result', async () => {
    answers.push(json(200, { total: 0, results: [] }));
    expect(await open().findContacts('+442079460018')).toEqual({ ok: true, value: [] });
  });

  it('retries after Retry-After on 429, in seconds or as an HTTP date', async () => {
    answers.push(json(429, { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', policyName: 'TEN_SECONDLY_ROLLING' }, { 'Retry-After': '10' }));
    expect(await open().findContacts('+14155550100')).toEqual({
      ok: false,
      retry: true,
      retryAfterMs: 10_000,
      status: 429,
      error: 'find_contact contacts: HTTP 429: You have reached your ten_secondly_rolling limit.',
    });
    answers.push(json(503, { status: 'error', message: 'unavailable' }, { 'Retry-After': new Date(NOW + 30_000).toUTCString() }));
    expect(await open().logCall(call)).toMatchObject({ ok: false, retry: true, retryAfterMs: 30_000 });
  });

  it('creates the call (201) with HubSpot\'s words, milliseconds and the contact association', async () => {
    answers.push(json(201, { id: '52431862437', properties: { hs_object_id: '52431862437' }, archived: false }));
    expect(await open().logCall(call)).toEqual({ ok: true, value: { id: '52431862437', url: 'https://app.hubspot.com/contacts/62515/record/0-48/52431862437' } });
    const [create] = recorded.requests;
    expect(create).toMatchObject({ method: 'POST', url: 'https://api.hubapi.com/crm/v3/objects/calls' });
    expect(bodyOf(create!)).toEqual({
      properties: {
        hs_timestamp: '2025-03-02T14:05:10.000Z',
        hs_call_title: 'Outbound call to +14155550100',
        hs_call_direction: 'OUTBOUND',
        hs_call_status: 'COMPLETED',
        hs_call_duration: '282000',
        hs_call_from_number: '+14155550199',
        hs_call_to_number: '+14155550100',
        hs_call_body: 'Asked for &lt;b&gt;pricing&lt;/b&gt; &amp; terms',
        hs_call_disposition: 'f240bbac-87c9-4f6e-bf70-924b57d47db7',
      },
      associations: [{ to: { id: '512' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 }] }],
    });
  });

  it('leaves the association out for a call with no contact', async () => {
    answers.push(json(201, { id: '1' }));
    await open().logCall({ ...call, contact_id: null, notes: null, status: 'no-answer' });
    const body = bodyOf(recorded.requests[0]!);
    expect(body).not.toHaveProperty('associations');
    expect(body.properties).toMatchObject({ hs_call_status: 'NO_ANSWER' });
    expect(body.properties).not.toHaveProperty('hs_call_body');
  });

  it('updates the call with PATCH, then finds it already associated with its contact alone', async () => {
    answers.push(json(200, { id: '52431862437', properties: {} }), json(200, { results: [linkedContact(512)] }));
    expect(await open().updateCall('52431862437', { ...call, recording_url: 'https://media.example/RE1.mp3' })).toEqual({ ok: true, value: { url: 'https://app.hubspot.com/contacts/62515/record/0-48/52431862437' } });
    const [patch, listing] = recorded.requests;
    expect(patch).toMatchObject({ method: 'PATCH', url: 'https://api.hubapi.com/crm/v3/objects/calls/52431862437' });
    expect(bodyOf(patch!).properties).toMatchObject({ hs_call_recording_url: 'https://media.example/RE1.mp3', hs_call_body: expect.stringContaining('pricing') });
    expect(listing).toMatchObject({ method: 'GET', url: `${ASSOCIATIONS}/contacts` });
    expect(recorded.requests).toHaveLength(2);
  });

  it('moves the association to the contact picked after the log: associates it first, then removes every other', async () => {
    answers.push(json(200, { id: '52431862437', properties: {} }), json(200, { results: [linkedContact(700), linkedContact(701)] }), json(200, { status: 'COMPLETE', results: [] }), { status: 204, body: '', headers: {} }, { status: 204, body: '', headers: {} });
    expect(await open().updateCall('52431862437', call)).toMatchObject({ ok: true });
    expect(recorded.requests.slice(1).map((r) => `${r.method} ${r.url}`)).toEqual([
      `GET ${ASSOCIATIONS}/contacts`,
      `PUT ${ASSOCIATIONS}/default/contacts/512`,
      `DELETE ${ASSOCIATIONS}/contacts/700`,
      `DELETE ${ASSOCIATIONS}/contacts/701`,
    ]);
  });

  it('only removes the stale association when the picked contact is already associated', async () => {
    answers.push(json(200, { id: '52431862437', properties: {} }), json(200, { results: [linkedContact(700), linkedContact(512)] }), { status: 204, body: '', headers: {} });
    expect(await open().updateCall('52431862437', call)).toMatchObject({ ok: true });
    expect(recorded.requests.slice(1).map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${ASSOCIATIONS}/contacts`, `DELETE ${ASSOCIATIONS}/contacts/700`]);
  });

  it('reads the listing\'s ids typed as strings, as HubSpot\'s spec declares them', async () => {
    answers.push(json(200, { id: '52431862437', properties: {} }), json(200, { results: [linkedContact('700'), linkedContact('512')] }), { status: 204, body: '', headers: {} });
    expect(await open().updateCall('52431862437', call)).toMatchObject({ ok: true });
    expect(recorded.requests.slice(1).map((r) => `${r.method} ${r.url}`)).toEqual([`GET ${ASSOCIATIONS}/contacts`, `DELETE ${ASSOCIATIONS}/contacts/700`]);
  });

  it('leaves the associations of a call without a contact alone', async () => {
    answers.push(json(200, { id: '52431862437', properties: {} }));
    expect(await open().updateCall('52431862437', { ...call, contact_id: null })).toMatchObject({ ok: true });
    expect(recorded.requests.map((r) => r.method)).toEqual(['PATCH']);
  });

  it('fails the update, to be retried, when an association request fails', async () => {
    answers.push(json(200, { id: '52431862437', properties: {} }), json(200, { results: [linkedContact(700)] }), json(200, { status: 'COMPLETE', results: [] }), json(503, { status: 'error', message: 'Service unavailable', category: 'SERVICE_UNAVAILABLE' }));
    expect(await open().updateCall('52431862437', call)).toEqual({ ok: false, retry: true, status: 503, error: 'relink unlink: HTTP 503: SERVICE_UNAVAILABLE: Service unavailable' });
  });

  it('fails for good on a validation error or a refused token, with HubSpot\'s message and no token', async () => {
    answers.push(json(400, { status: 'error', message: 'Property values were not valid', correlationId: 'c1', category: 'VALIDATION_ERROR' }));
    expect(await open().logCall(call)).toEqual({ ok: false, retry: false, status: 400, error: 'log_call: HTTP 400: VALIDATION_ERROR: Property values were not valid' });
    answers.push({ status: 401, body: `{"status":"error","message":"Authentication credentials not found for ${TOKEN}","category":"INVALID_AUTHENTICATION"}` });
    const refused = await open().findContacts('+14155550100');
    expect(refused).toMatchObject({ ok: false, retry: false, status: 401 });
    expect(JSON.stringify(refused)).not.toContain(TOKEN);
  });

  it('retries later when HubSpot cannot be reached', async () => {
    recorded = recordingFetch(() => Promise.reject(new Error('connect ECONNREFUSED')));
    expect(await open().logCall(call)).toEqual({ ok: false, retry: true, error: 'log_call: could not reach api.hubapi.com: connect ECONNREFUSED' });
  });
});
