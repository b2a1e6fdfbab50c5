/** The Pipedrive simulator itself, driven over HTTP as a CRM connector would drive a company's Pipedrive. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeCrmSwitches } from './crm-switches.ts';
import { PipedriveSimulator } from './pipedrive.ts';

let pipedrive: PipedriveSimulator;
let jane: number;
let janeTwin: number;
let bob: number;
let ada: number;

beforeAll(async () => {
  pipedrive = await PipedriveSimulator.start();
  [jane, janeTwin, bob, ada] = pipedrive
    .seed([
      { firstName: 'Jane', lastName: 'Doe', company: 'Acme', phones: ['+1 415-555-0100'] },
      { firstName: 'John', lastName: 'Doe', company: 'Acme', phones: ['(415) 555-0100', '+14155550177'] },
      { firstName: 'Bob', lastName: 'Stone', phones: ['020 7946 0018'] },
      { firstName: 'Ada', lastName: 'King', company: 'Analytical', phones: ['+44 20 7946 0018'] },
      { firstName: 'Gone', lastName: 'Away', phones: ['+1 415 555 0199'], deleted: true },
    ])
    .map(Number) as [number, number, number, number];
});
afterAll(() => pipedrive.close());

type Auth = { token?: string } | { bearer: string } | { query: string } | 'none';

function api(path: string, init: { method?: string; body?: unknown; auth?: Auth } = {}) {
  const auth = init.auth ?? { token: pipedrive.config.token };
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  let url = `${pipedrive.url}${path}`;
  if (auth !== 'none' && 'token' in auth && auth.token) headers['x-api-token'] = auth.token;
  if (auth !== 'none' && 'bearer' in auth) headers.Authorization = `Bearer ${auth.bearer}`;
  if (auth !== 'none' && 'query' in auth) url += `${path.includes('?') ? '&' : '?'}api_token=${auth.query}`;
  return fetch(url, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    ...(init.body === undefined ? {} : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });
}

type SearchAnswer = { success: true; data: { items: Array<{ result_score: number; item: { id: number; type: string; name: string; phones: string[]; organization: { id: number; name: string } | null } }> }; additional_data: { next_cursor: string | null } };

async function search(query: string): Promise<SearchAnswer> {
  const response = await api(`/api/v2/persons/search?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as SearchAnswer;
}
const found = (answer: SearchAnswer) => answer.data.items.map((i) => i.item.id).sort((a, b) => a - b);

const callLog = {
  outcome: 'connected',
  from_phone_number: '+14155550100',
  to_phone_number: '+14155550199',
  start_time: '2025-03-02 14:05:10',
  end_time: '2025-03-02 14:09:52',
  duration: '282',
  subject: 'Inbound call from Jane Doe',
};

describe('auth', () => {
  it.each<[string, Auth]>([
    ['no credentials', 'none'],
    ['a wrong x-api-token', { token: 'wrong' }],
    ['a wrong bearer token', { bearer: 'wrong' }],
    ['the undocumented api_token query parameter', { query: '0123456789abcdef0123456789abcdef01234567' }],
  ])('refuses %s with the observed 401 body', async (_case, auth) => {
    const response = await api('/api/v2/persons/search?term=4155550100&fields=phone', { auth });
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({ success: false, error: 'unauthorized access', errorCode: 401, error_info: 'Please check developers.pipedrive.com' });
  });

  it('accepts the API token in x-api-token and an OAuth token as Bearer', async () => {
    expect((await api('/v1/users/me')).status).toBe(200);
    const response = await api('/v1/users/me', { auth: { bearer: pipedrive.bearerToken } });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, data: { company_domain: 'acme' } });
  });
});

describe('person search', () => {
  it('answers the v2 envelope: items of {result_score, item}, and next_cursor', async () => {
    const answer = await search('term=%2B1%20415-555-0100&fields=phone&exact_match=true');
    expect(answer).toEqual({
      success: true,
      data: { items: [{ result_score: 1, item: { id: jane, type: 'person', name: 'Jane Doe', phones: ['+1 415-555-0100'], emails: [], visible_to: 3, owner: { id: 77 }, organization: { id: expect.any(Number), name: 'Acme' }, custom_fields: [], notes: [] } }] },
      additional_data: { next_cursor: null },
    });
  });

  it('finds a national number however it was typed, several matches included', async () => {
    expect(found(await search('term=4155550100&fields=phone'))).toEqual([jane, janeTwin]);
    expect(found(await search('term=2079460018&fields=phone'))).toEqual([bob, ada]);
    expect(found(await search('term=4155550177&fields=phone'))).toEqual([janeTwin]);
  });

  it('misses a number typed without its country code when the term carries one', async () => {
    expect(found(await search('term=%2B14155550100&fields=phone'))).toEqual([jane]);
    expect(found(await search('term=%2B442079460018&fields=phone'))).toEqual([ada]);
  });

  it('answers no match with an empty item list, and never finds a deleted person', async () => {
    expect(await search('term=9999999999&fields=phone')).toEqual({ success: true, data: { items: [] }, additional_data: { next_cursor: null } });
    expect(found(await search('term=4155550199&fields=phone'))).toEqual([]);
  });

  it('searches names, case aside, and only the fields asked for', async () => {
    expect(found(await search('term=doe&fields=name'))).toEqual([jane, janeTwin]);
    expect(found(await search('term=doe&fields=phone'))).toEqual([]);
  });

  it('pages with limit and next_cursor', async () => {
    const first = await search('term=4155550100&fields=phone&limit=1');
    expect(first.data.items).toHaveLength(1);
    expect(first.additional_data.next_cursor).toEqual(expect.any(String));
    const second = await search(`term=4155550100&fields=phone&limit=1&cursor=${first.additional_data.next_cursor}`);
    expect(second.additional_data.next_cursor).toBeNull();
    expect([...found(first), ...found(second)].sort((a, b) => a - b)).toEqual([jane, janeTwin]);
  });

  it.each([
    ['a one-character term', 'term=4&fields=phone', /at least 2/],
    ['an unknown field', 'term=4155550100&fields=mobile', /mobile/],
    ['a limit over 500', 'term=4155550100&limit=501', /limit/],
    ['a cursor it did not give', 'term=4155550100&cursor=xyz', /cursor/],
  ])('refuses %s with 400 in the error envelope', async (_case, query, message) => {
    const response = await api(`/api/v2/persons/search?${query}`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ success: false, error_info: expect.any(String), data: null, additional_data: null });
    expect(body.error).toMatch(message);
  });

  it('takes a one-character term with exact_match', async () => {
    expect((await api('/api/v2/persons/search?term=4&fields=phone&exact_match=true')).status).toBe(200);
  });

  it('reads a deleted person, marked is_deleted (Pipedrive purges it 30 days later), and answers 404 for an id no person has', async () => {
    const [gone] = pipedrive.seed([{ firstName: 'Left', lastName: 'Behind', phones: ['+1 212 555 0142'], deleted: true }]);
    const deleted = await api(`/api/v2/persons/${gone}`);
    expect(deleted.status).toBe(200);
    expect(await deleted.json()).toMatchObject({ success: true, data: { id: Number(gone), name: 'Left Behind', is_deleted: true } });
    expect(await (await api(`/api/v2/persons/${jane}`)).json()).toMatchObject({ data: { is_deleted: false } });
    const unknown = await api('/api/v2/persons/999999');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ success: false, data: null });
  });

  it('reads a person with labelled phones and its organization id', async () => {
    const response = await api(`/api/v2/persons/${janeTwin}`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ success: true, data: { id: janeTwin, name: 'John Doe', org_id: expect.any(Number), phones: [{ value: '(415) 555-0100', primary: true }, { value: '+14155550177', primary: false }] } });
  });
});

describe('call logs', () => {
  it('creates a call log with a string id, linked to the person, and the id of the activity it also is', async () => {
    const response = await api('/v1/callLogs', { body: { ...callLog, person_id: jane, note: '<p>Wants a quote</p>' } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { success: boolean; data: Record<string, unknown> };
    expect(body).toMatchObject({ success: true, data: { ...callLog, person_id: jane, note: '<p>Wants a quote</p>', has_recording: false } });
    expect(body.data.id).toEqual(expect.any(String));
    expect(body.data.activity_id).toEqual(expect.any(Number));
    expect(pipedrive.activities().find((a) => a.id === body.data.id)).toMatchObject({ updates: 0, fields: { outcome: 'connected', person_id: jane } });

    const read = await api(`/v1/callLogs/${String(body.data.id)}`);
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ success: true, data: { id: body.data.id, duration: '282' } });
  });

  it.each([
    ['no outcome', { ...callLog, outcome: undefined }, /outcome/],
    ['no to_phone_number', { ...callLog, to_phone_number: undefined }, /to_phone_number/],
    ['no start_time', { ...callLog, start_time: undefined }, /start_time/],
    ['an outcome outside the enum', { ...callLog, outcome: 'answered' }, /outcome must be one of/],
    ['an ISO end_time', { ...callLog, end_time: '2025-03-02T14:09:52Z' }, /end_time/],
    ['a duration as mm:ss', { ...callLog, duration: '4:42' }, /duration/],
    ['both a deal and a lead', { ...callLog, deal_id: 3, lead_id: 'adf21080-0e10-11eb-879b-05d71fb426ec' }, /deal_id and lead_id/],
  ])('refuses %s with 400 in the error envelope, and stores nothing', async (_case, body, message) => {
    const before = pipedrive.activities().length;
    const response = await api('/v1/callLogs', { body });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as Record<string, unknown>;
    expect(answer).toMatchObject({ success: false, data: null, additional_data: null });
    expect(answer.error).toMatch(message);
    expect(pipedrive.activities()).toHaveLength(before);
  });

  it('names a missing field as Pipedrive does', async () => {
    const response = await api('/v1/callLogs', { body: { ...callLog, outcome: undefined } });
    expect(await response.json()).toMatchObject({ success: false, error: '"outcome" is required.' });
  });

  it('keeps the activity it converts: activity_id is the one given, and each log without one has an activity of its own', async () => {
    const given = (await (await api('/v1/callLogs', { body: { ...callLog, activity_id: 7007 } })).json()) as { data: { activity_id: number } };
    expect(given.data.activity_id).toBe(7007);
    const activityOf = async () => ((await (await api('/v1/callLogs', { body: callLog })).json()) as { data: { activity_id: number } }).data.activity_id;
    const first = await activityOf();
    expect(first).toEqual(expect.any(Number));
    expect(await activityOf()).not.toBe(first);
  });

  it.each([
    ['a person that is not there', 999],
    ['a deleted person', 'gone'],
  ])('refuses a call log for %s with the 404 of a missing resource, and stores nothing', async (_case, person) => {
    const [gone] = pipedrive.seed([{ firstName: 'Was', lastName: 'Here', phones: ['+1 212 555 0143'], deleted: true }]);
    const before = pipedrive.activities().length;
    const response = await api('/v1/callLogs', { body: { ...callLog, person_id: person === 'gone' ? Number(gone) : person } });
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ success: false, error: 'A resource required for this operation was not found.', data: null, additional_data: null });
    expect(pipedrive.activities()).toHaveLength(before);
  });

  it('has no route to update a call log: PUT and PATCH answer 404', async () => {
    const created = (await (await api('/v1/callLogs', { body: callLog })).json()) as { data: { id: string } };
    for (const method of ['PUT', 'PATCH']) {
      const response = await api(`/v1/callLogs/${created.data.id}`, { method, body: { note: 'later' } });
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ success: false, error: 'Unknown method .' });
    }
    expect(pipedrive.activities().find((a) => a.id === created.data.id)).toMatchObject({ updates: 0, fields: { note: null } });
  });

  it('deletes a call log, after which it is gone', async () => {
    const created = (await (await api('/v1/callLogs', { body: callLog })).json()) as { data: { id: string } };
    expect((await api(`/v1/callLogs/${created.data.id}`, { method: 'DELETE' })).status).toBe(200);
    expect((await api(`/v1/callLogs/${created.data.id}`)).status).toBe(404);
    expect(pipedrive.activities().some((a) => a.id === created.data.id)).toBe(false);
  });

  it('takes a recording only as an uploaded file', async () => {
    const created = (await (await api('/v1/callLogs', { body: callLog })).json()) as { data: { id: string } };
    const asUrl = await api(`/v1/callLogs/${created.data.id}/recordings`, { body: { recording_url: 'https://media.example/a.mp3' } });
    expect(asUrl.status).toBe(400);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array([1, 2, 3])], { type: 'audio/mpeg' }), 'call.mp3');
    const upload = await fetch(`${pipedrive.url}/v1/callLogs/${created.data.id}/recordings`, { method: 'POST', headers: { 'x-api-token': pipedrive.config.token! }, body: form });
    expect(upload.status).toBe(200);
    expect(pipedrive.activities().find((a) => a.id === created.data.id)!.fields.has_recording).toBe(true);
  });
});

describe('users', () => {
  type UsersAnswer = { success: true; data: Array<{ id: number; name: string; email: string; active_flag: boolean; is_you: boolean }> | null };
  let grace: number;
  let hopper: number;

  beforeAll(() => {
    grace = Number(pipedrive.seedUser({ email: 'Grace.Hopper@Navy.example', firstName: 'Grace', lastName: 'Hopper' }));
    hopper = Number(pipedrive.seedUser({ email: 'hopper@navy.example', firstName: 'Walter', lastName: 'Hopper' }));
  });

  async function findUsers(query: string): Promise<UsersAnswer> {
    const response = await api(`/v1/users/find?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as UsersAnswer;
  }

  it('seeds users with integer ids, after the token\'s own user', () => {
    expect(grace).toBeGreaterThan(77);
    expect(hopper).toBe(grace + 1);
  });

  it('finds a user by email, case aside, in the v1 envelope, and every user whose email holds the term', async () => {
    expect(await findUsers('term=grace.hopper%40navy.example&search_by_email=1')).toEqual({
      success: true,
      data: [expect.objectContaining({ id: grace, name: 'Grace Hopper', email: 'Grace.Hopper@Navy.example', active_flag: true, is_you: false })],
    });
    const both = await findUsers('term=hopper%40navy.example&search_by_email=1');
    expect(both.data!.map((user) => user.id)).toEqual([grace, hopper]);
  });

  it('answers nobody with data null', async () => {
    expect(await findUsers('term=nobody%40navy.example&search_by_email=1')).toEqual({ success: true, data: null });
  });

  it('matches the name without search_by_email, and the email alone with it', async () => {
    expect((await findUsers('term=walter')).data!.map((user) => user.id)).toEqual([hopper]);
    expect((await findUsers('term=walter&search_by_email=1')).data).toBeNull();
    expect((await findUsers('term=sim%20admin')).data).toEqual([expect.objectContaining({ id: 77, email: 'admin@acme.example', is_you: true })]);
  });

  it('refuses a missing term with 400, and a request without the token with 401', async () => {
    const missing = await api('/v1/users/find?search_by_email=1');
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ success: false, error: expect.stringContaining('term'), data: null });
    expect((await api('/v1/users/find?term=grace&search_by_email=1', { auth: 'none' })).status).toBe(401);
  });

  it("writes a call log for the user_id given, else for the token's user", async () => {
    const created = async (body: object) => ((await (await api('/v1/callLogs', { body })).json()) as { data: { id: string; user_id: number } }).data;
    const owned = await created({ ...callLog, user_id: grace });
    expect(owned.user_id).toBe(grace);
    expect(pipedrive.activities().find((a) => a.id === owned.id)!.fields.user_id).toBe(grace);
    expect((await created(callLog)).user_id).toBe(77);
  });

  it.each([
    ['a user that is not there', 999, 404, /A resource required for this operation was not found/],
    ['a user_id that is no number', 'grace', 400, /user_id/],
  ])('refuses a call log for %s, and stores nothing', async (_case, userId, status, message) => {
    const before = pipedrive.activities().length;
    const response = await api('/v1/callLogs', { body: { ...callLog, user_id: userId } });
    expect(response.status).toBe(status);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
    expect(pipedrive.activities()).toHaveLength(before);
  });

  it("lists account settings in the access of the token's user when it has it, and in no other user's", async () => {
    const settings = (access: Array<{ app: string }>) => access.some((entry) => entry.app === 'account_settings');
    const me = (await (await api('/v1/users/me')).json()) as { data: { access: Array<{ app: string }> } };
    expect(settings(me.data.access)).toBe(true);
    const others = (await (await api('/v1/users/find?term=hopper%40navy.example&search_by_email=1')).json()) as { data: Array<{ access: Array<{ app: string }> }> };
    expect(others.data.map((user) => settings(user.access))).toEqual([false, false]);
    const restricted = await PipedriveSimulator.start({ accountSettingsAccess: false });
    try {
      const own = (await (await fetch(`${restricted.url}/v1/users/me`, { headers: { 'x-api-token': restricted.config.token! } })).json()) as { data: { access: Array<{ app: string }> } };
      expect(settings(own.data.access)).toBe(false);
    } finally {
      await restricted.close();
    }
  });

  it("refuses a call log for another user with 403 when the token's user has no account settings access, and takes its own", async () => {
    const restricted = await PipedriveSimulator.start({ accountSettingsAccess: false });
    try {
      const other = Number(restricted.seedUser({ email: 'grace@navy.example', firstName: 'Grace', lastName: 'Hopper' }));
      const post = (body: object) => fetch(`${restricted.url}/v1/callLogs`, { method: 'POST', headers: { 'x-api-token': restricted.config.token!, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      const refused = await post({ ...callLog, user_id: other });
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ success: false, error: "You don't have permission to change this resource.", data: null });
      expect((await post({ ...callLog, user_id: 77 })).status).toBe(200);
      expect(restricted.activities()).toEqual([expect.objectContaining({ fields: expect.objectContaining({ user_id: 77 }) })]);
    } finally {
      await restricted.close();
    }
  });
});

describe('call activities', () => {
  const activity = { subject: 'Inbound call from Jane Doe', type: 'call', done: true, due_date: '2025-03-02', due_time: '14:05', duration: '00:05', note: '<p>Notes</p>' };

  it('creates a call activity linked through participants, and patches it', async () => {
    const response = await api('/api/v2/activities', { body: { ...activity, participants: [{ person_id: jane, primary: true }] } });
    expect(response.status).toBe(200);
    const created = (await response.json()) as { success: boolean; data: Record<string, unknown> };
    expect(created).toMatchObject({ success: true, data: { ...activity, person_id: jane, owner_id: 77 } });
    expect(created.data.id).toEqual(expect.any(Number));

    const patched = await api(`/api/v2/activities/${String(created.data.id)}`, { method: 'PATCH', body: { note: '<p>Notes</p><p>Recording: https://media.example/a.mp3</p>' } });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ success: true, data: { id: created.data.id, subject: activity.subject, note: '<p>Notes</p><p>Recording: https://media.example/a.mp3</p>' } });
    expect(pipedrive.activities().find((a) => a.id === String(created.data.id))).toMatchObject({ updates: 1, fields: { duration: '00:05' } });

    const read = await api(`/api/v2/activities/${String(created.data.id)}`);
    expect(await read.json()).toMatchObject({ data: { note: expect.stringContaining('Recording') } });
  });

  it.each([
    ['person_id, which v2 makes read-only', { ...activity, person_id: 1021 }, /read-only/],
    ['a type that is no activity type', { ...activity, type: 'phone_call' }, /type/],
    ['a duration in seconds', { ...activity, duration: '282' }, /duration must be HH:MM/],
    ['a due_date with a time', { ...activity, due_date: '2025-03-02T14:05:00Z' }, /due_date/],
    ['a participant that is not there', { ...activity, participants: [{ person_id: 5, primary: true }] }, /Person 5/],
  ])('refuses %s with 400', async (_case, body, message) => {
    const response = await api('/api/v2/activities', { body });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(message);
  });

  it('answers 404 for an unknown activity', async () => {
    expect((await api('/api/v2/activities/1', { method: 'PATCH', body: { note: 'x' } })).status).toBe(404);
  });

  it('lists the activity types with their key_string, an icon_key of Pipedrive\'s and a hex color', async () => {
    const body = (await (await api('/v1/activityTypes')).json()) as { data: Array<{ key_string: string; icon_key: string; color: string; active_flag: boolean }> };
    expect(body.data).toContainEqual(expect.objectContaining({ key_string: 'call', icon_key: 'call', active_flag: true }));
    const icons = ['task', 'email', 'meeting', 'deadline', 'call', 'lunch'];
    for (const type of body.data) {
      expect(icons).toContain(type.icon_key);
      expect(type.color).toMatch(/^[0-9A-F]{6}$/);
    }
  });

  it('gives a call activity without subject the subject "Call"', async () => {
    const response = await api('/api/v2/activities', { body: { type: 'call', done: true } });
    expect(await response.json()).toMatchObject({ success: true, data: { type: 'call', subject: 'Call' } });
  });
});

describe('failures', () => {
  it('answers an injected 429 with Retry-After and the rate-limit headers, then works again', async () => {
    pipedrive.failNext(1, { status: 429, retryAfterSeconds: 2 }, /^\/v1\/callLogs$/);
    const limited = await api('/v1/callLogs', { body: callLog });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(await limited.json()).toMatchObject({ success: false, errorCode: 429 });
    expect((await api('/v1/callLogs', { body: callLog })).status).toBe(200);
  });

  it("carries Pipedrive's error envelope on an injected 5xx and an injected 401", async () => {
    pipedrive.failNext(1, { status: 500 });
    const failed = await api('/v1/activityTypes');
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ success: false, error: expect.any(String), error_info: expect.any(String), data: null, additional_data: null });
    pipedrive.failNext(1, { status: 401 });
    const refused = await api('/v1/activityTypes');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toMatchObject({ success: false, error: 'unauthorized access', errorCode: 401 });
  });

  it('records every request with its headers, body and status', async () => {
    const before = pipedrive.requests.length;
    await api('/v1/callLogs', { body: callLog });
    const recorded = pipedrive.requests.slice(before);
    expect(recorded).toEqual([expect.objectContaining({ method: 'POST', url: '/v1/callLogs', status: 200, body: JSON.stringify(callLog) })]);
    expect(recorded[0]!.headers['x-api-token']).toBe(pipedrive.config.token);
  });
});

describeCrmSwitches({
  simulator: () => pipedrive,
  plain: () => api('/v1/activityTypes'),
  search: () => api('/api/v2/persons/search?term=4155550177&fields=phone'),
});

describe('rate limits', () => {
  it('refuses the eleventh search and the 21st request within 2 s with Pipedrive\'s 429 and its x-ratelimit headers', async () => {
    const limited = await PipedriveSimulator.start();
    try {
      let now = 0;
      limited.enforceRateLimits(() => now);
      const get = (path: string) => fetch(`${limited.url}${path}`, { headers: { 'x-api-token': limited.config.token! } });
      const searchOnce = () => get('/api/v2/persons/search?term=4155550100&fields=phone');
      for (let i = 0; i < 10; i++) expect((await searchOnce()).status).toBe(200);
      const search = await searchOnce();
      expect(search.status).toBe(429);
      expect(await search.json()).toMatchObject({ success: false, errorCode: 429 });
      expect(search.headers.get('x-ratelimit-limit')).toBe('10');
      // Every request counts in the burst window: 10 searches, 10 other requests, then no more.
      for (let i = 0; i < 10; i++) expect((await get('/v1/users/me')).status).toBe(200);
      const burst = await get('/v1/users/me');
      expect(burst.status).toBe(429);
      expect(burst.headers.get('x-ratelimit-limit')).toBe('20');
      now = 2000.5;
      expect((await searchOnce()).status).toBe(200);
    } finally {
      await limited.close();
    }
  });
});
