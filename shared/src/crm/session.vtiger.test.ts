import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { loadCrmConnector } from '../connector/compile.ts';
import type { CrmConnectorPlan } from '../connector/crm-plan.ts';
import { memoryTokenCache, type TokenCache } from '../runtime/auth.ts';
import type { CrmCall } from './contract.ts';
import { openCrmSession, SEARCHED_AFTER_MS } from './session.ts';
import { recordingFetch, type RecordedRequest } from './recorded-crm.ts';

// The bundled Vtiger connector against Vtiger's documented answers (CRMS.md §1): HTTP 200 for
// everything, success:false envelopes, one live challenge per user, md5(token + access key).

const SITE = 'https://crm.example.com';
const ACCESS_KEY = 'kT9xQ2mZpL4vR8sW';
const config = { url: SITE, username: 'admin', accesskey: ACCESS_KEY };
const md5 = (text: string) => createHash('md5').update(text).digest('hex');

const loaded = loadCrmConnector(readFileSync(join(import.meta.dirname, '../../../connectors/crm/vtiger.xml'), 'utf8'), 'vtiger.xml');
const plan = loaded.plan as CrmConnectorPlan;

const ok = (result: unknown) => ({ status: 200, body: JSON.stringify({ success: true, result }) });
const failed = (code: string, message: string) => ({ status: 200, body: JSON.stringify({ success: false, error: { code, message } }) });

const CONTACTS = [
  { id: '4x123', firstname: 'Jane', lastname: 'Doe', phone: '(415) 555-0100', mobile: '', homephone: '', otherphone: '', account_id: '3x45' },
  // `LIKE '%0100'` over-matches: another number ending in 0100.
  { id: '4x124', firstname: 'Wrong', lastname: 'Number', phone: '(212) 555-0100', mobile: '', homephone: '', otherphone: '', account_id: '' },
  { id: '4x125', firstname: '', lastname: 'Doe-Smith', phone: '', mobile: '+1 415-555-0100', homephone: '', otherphone: '', account_id: '3x45' },
];
const LEADS = [{ id: '2x77', firstname: 'Lee', lastname: 'Lead', company: 'Lead Co', phone: '4155550100', mobile: '' }];

/** A Vtiger webservice that answers from CRMS.md's documented bodies and keeps one live challenge. */
class FakeVtiger {
  challenge = '';
  issued = 0;
  sessions = new Set<string>();
  contacts = CONTACTS;
  leads = LEADS;
  /** The user a login answers with (its `userId`). */
  userId = '19x1';
  /** Answers to give instead, by operation, once each. */
  queued = new Map<string, Array<{ status: number; body: string; headers?: Record<string, string> }>>();

  answer = (request: RecordedRequest) => {
    const url = new URL(request.url);
    const form = new URLSearchParams(request.body ?? '');
    const operation = url.searchParams.get('operation') ?? form.get('operation');
    const queued = this.queued.get(operation ?? '')?.shift();
    if (queued) return queued;
    if (operation === 'getchallenge') {
      this.challenge = `5f1c2a3b4d5e${++this.issued}`;
      return ok({ token: this.challenge, serverTime: 1740924310, expireTime: 1740924610 });
    }
    if (operation === 'login') {
      if (form.get('accessKey') !== md5(this.challenge + ACCESS_KEY)) return failed('INVALID_USER_CREDENTIALS', 'Invalid username or password');
      const session = `6d1c${this.issued}session`;
      this.sessions.add(session);
      return ok({ sessionName: session, userId: this.userId, version: '0.22', vtigerVersion: '5.4.0' });
    }
    if (!this.sessions.has(url.searchParams.get('sessionName') ?? '')) return failed('INVALID_SESSIONID', 'Session Identifier provided is Invalid');
    if (operation === 'query') {
      const query = url.searchParams.get('query') ?? '';
      if (query.includes('FROM Contacts')) return ok(this.contacts);
      if (query.includes('FROM Leads')) return ok(this.leads);
      if (query.includes('FROM Events')) return ok(query.includes('[relay-call:CA-known]') ? [{ id: '18x900' }] : []);
    }
    if (operation === 'retrieve') return ok({ id: url.searchParams.get('id'), accountname: 'Acme' });
    if (operation === 'create') return ok({ id: '18x456', ...JSON.parse(form.get('element') ?? '{}') });
    if (operation === 'revise') return ok(JSON.parse(form.get('element') ?? '{}'));
    return failed('UNKNOWN_OPERATION', 'Unknown operation requested');
  };
}

const call: CrmCall = {
  id: 7,
  call_id: 'CA8f3c',
  direction: 'inbound',
  customer_number: '+14155550100',
  agent_number: '+14155550199',
  agent_name: 'Ann Agent',
  agent_email: 'ann@example.com',
  status: 'completed',
  started_at: '2025-03-02T14:05:10.000Z',
  ended_at: '2025-03-02T14:09:52.000Z',
  duration: 282,
  notes: "Wants a callback; it's urgent",
  disposition: 'Connected',
  recording_url: 'https://media.example/RE1.mp3',
  contact_id: '4x123',
};

let vtiger: FakeVtiger;
let cache: TokenCache;
let recorded: ReturnType<typeof recordingFetch>;
const open = (overrides: Partial<typeof config> = {}) =>
  openCrmSession(plan, { config: { ...config, ...overrides }, fetch: recorded.fetch, tokenCache: cache, now: () => Date.parse('2025-03-02T14:10:00Z') });
const operations = () => recorded.requests.map((r) => new URL(r.url).searchParams.get('operation') ?? new URLSearchParams(r.body ?? '').get('operation'));

beforeEach(() => {
  vtiger = new FakeVtiger();
  cache = memoryTokenCache();
  recorded = recordingFetch(vtiger.answer);
});

describe('the Vtiger connector', () => {
  it('loads without diagnostics', () => {
    expect(loaded.diagnostics).toEqual([]);
    expect(plan.fields.map((f) => f.name)).toEqual(['url', 'username', 'accesskey']);
  });

  it('logs in by challenge, searches by the last digits, keeps only real matches and names their company', async () => {
    const found = await open().findContacts('+14155550100');
    expect(found).toEqual({
      ok: true,
      value: [
        { id: '4x123', name: 'Jane Doe', company: 'Acme', url: `${SITE}/index.php?module=Contacts&view=Detail&record=123`, kind: 'Contacts' },
        { id: '4x125', name: 'Doe-Smith', company: 'Acme', url: `${SITE}/index.php?module=Contacts&view=Detail&record=125`, kind: 'Contacts' },
      ],
    });
    // One retrieve for the account both contacts share: follow-ups are cached per lookup. Contacts
    // matched, so the Leads (which hold this number too) are not asked: one request fewer per known caller.
    expect(operations()).toEqual(['getchallenge', 'login', 'query', 'retrieve']);
    const [challenge, login, query] = recorded.requests;
    expect(challenge).toMatchObject({ method: 'GET', url: `${SITE}/webservice.php?operation=getchallenge&username=admin` });
    expect(login!.method).toBe('POST');
    expect(new URLSearchParams(login!.body).get('accessKey')).toBe(md5(`5f1c2a3b4d5e1${ACCESS_KEY}`));
    const sent = new URL(query!.url);
    expect(sent.searchParams.get('sessionName')).toBe('6d1c1session');
    expect(sent.searchParams.get('query')).toContain("WHERE phone LIKE '%0100' OR mobile LIKE '%0100'");
    expect(sent.searchParams.get('query')).toMatch(/;$/);
  });

  it('looks the caller up among the Leads when no Contact matched, and names the lead\'s company', async () => {
    vtiger.contacts = [CONTACTS[1]!];
    const found = await open().findContacts('+14155550100');
    expect(found).toEqual({ ok: true, value: [{ id: '2x77', name: 'Lee Lead', company: 'Lead Co', url: `${SITE}/index.php?module=Leads&view=Detail&record=77`, kind: 'Leads' }] });
    const queries = recorded.requests.map((r) => new URL(r.url).searchParams.get('query')).filter(Boolean);
    expect(queries.map((q) => /FROM (\w+)/.exec(q!)![1])).toEqual(['Contacts', 'Leads']);
  });

  it("keeps an account's answer for later lookups as long as it is told to, and asks again after", async () => {
    let at = Date.parse('2025-03-02T14:10:00Z');
    const session = openCrmSession(plan, { config, fetch: recorded.fetch, tokenCache: cache, now: () => at, followUpTtlMs: 60_000 });
    await session.findContacts('+14155550100');
    at += 59_999;
    expect((await session.findContacts('+14155550100')).ok).toBe(true);
    expect(operations().filter((o) => o === 'retrieve')).toHaveLength(1);
    at += 1;
    const found = await session.findContacts('+14155550100');
    expect(found.ok && found.value.map((c) => c.company)).toEqual(['Acme', 'Acme']);
    expect(operations().filter((o) => o === 'retrieve')).toHaveLength(2);
    // A failed answer (the contacts are named without their company) is not kept: the next lookup asks again.
    at += 60_000;
    vtiger.queued.set('retrieve', [{ status: 500, body: 'Internal Server Error' }]);
    const withoutCompany = await session.findContacts('+14155550100');
    expect(withoutCompany.ok && withoutCompany.value.map((c) => c.company)).toEqual([null, null]);
    expect((await session.findContacts('+14155550100')).ok && operations().filter((o) => o === 'retrieve')).toHaveLength(4);
    // Without a time to keep them, each lookup asks again.
    const asked = operations().length;
    await open().findContacts('+14155550100');
    await open().findContacts('+14155550100');
    expect(operations().slice(asked).filter((o) => o === 'retrieve')).toHaveLength(2);
  });

  it("tells whom the search found once the account's retrieve is late, and only then", async () => {
    // Only the session's own timer is faked: the fake Vtiger answers without timers.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      let retrieve!: () => void;
      const retrieved = new Promise<void>((resolve) => (retrieve = resolve));
      let asked!: () => void;
      const retrieveAsked = new Promise<void>((resolve) => (asked = resolve));
      const held = recordingFetch(async (request) => {
        if (new URL(request.url).searchParams.get('operation') === 'retrieve') {
          asked();
          await retrieved;
        }
        return vtiger.answer(request);
      });
      const session = openCrmSession(plan, { config, fetch: held.fetch, tokenCache: cache, followUpTtlMs: 60_000 });
      const told: unknown[] = [];
      const found = session.findContacts('+14155550100', (contacts) => told.push(contacts));
      await retrieveAsked;
      // A retrieve that answers within SEARCHED_AFTER_MS is waited for: nothing is told yet.
      vi.advanceTimersByTime(SEARCHED_AFTER_MS - 1);
      expect(told).toEqual([]);
      vi.advanceTimersByTime(1);
      // Named, linked, without the company the account's retrieve brings.
      expect(told).toEqual([
        [
          { id: '4x123', name: 'Jane Doe', company: null, url: `${SITE}/index.php?module=Contacts&view=Detail&record=123`, kind: 'Contacts' },
          { id: '4x125', name: 'Doe-Smith', company: null, url: `${SITE}/index.php?module=Contacts&view=Detail&record=125`, kind: 'Contacts' },
        ],
      ]);
      retrieve();
      const complete = await found;
      expect(complete.ok && complete.value.map((c) => c.company)).toEqual(['Acme', 'Acme']);
      // A retrieve answered in time (another session: the account not kept there): nothing is told, the timer gone with it.
      const prompt = openCrmSession(plan, { config, fetch: recordingFetch((request) => vtiger.answer(request)).fetch, tokenCache: cache });
      expect((await prompt.findContacts('+14155550100', (contacts) => told.push(contacts))).ok).toBe(true);
      vi.advanceTimersByTime(SEARCHED_AFTER_MS);
      // The account's answer kept: nothing is due after the search, nothing is told.
      expect((await session.findContacts('+14155550100', (contacts) => told.push(contacts))).ok).toBe(true);
      // A contact without an account has no follow-up: nothing is told either.
      vtiger.contacts = [{ ...CONTACTS[0]!, account_id: '' }];
      expect((await session.findContacts('+14155550100', (contacts) => told.push(contacts))).ok).toBe(true);
      vi.advanceTimersByTime(SEARCHED_AFTER_MS);
      expect(told).toHaveLength(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('finds nobody when no candidate carries the number', async () => {
    vtiger.contacts = [CONTACTS[1]!];
    vtiger.leads = [];
    expect(await open().findContacts('+14155550100')).toEqual({ ok: true, value: [] });
  });

  it('searches again with separators allowed between the last digits when nothing matched (a number typed "+33 1 99 00 12 34")', async () => {
    const laurent = { id: '4x130', firstname: 'Camille', lastname: 'Laurent', phone: '+33 1 99 00 12 34', mobile: '', homephone: '', otherphone: '', account_id: '' };
    // As VTQL's LIKE does: '%1234' misses the stored '12 34', '%%1%2%3%4' finds it; the Leads are searched with a form only when no Contact matched it.
    vtiger.contacts = [];
    const answer = vtiger.answer;
    vtiger.answer = (request) => {
      const query = new URL(request.url).searchParams.get('query') ?? '';
      if (query.includes("LIKE '%%1%2%3%4'") && query.includes('FROM Contacts')) return ok([laurent]);
      return answer(request);
    };
    vtiger.leads = [];
    recorded = recordingFetch(vtiger.answer);
    const found = await open().findContacts('+33199001234');
    expect(found).toEqual({ ok: true, value: [{ id: '4x130', name: 'Camille Laurent', company: null, url: `${SITE}/index.php?module=Contacts&view=Detail&record=130`, kind: 'Contacts' }] });
    const queries = recorded.requests.map((r) => new URL(r.url).searchParams.get('query')).filter(Boolean);
    expect(queries.map((q) => /LIKE '([^']*)'/.exec(q!)![1])).toEqual(['%1234', '%1234', '%%1%2%3%4']);
  });

  it('does not search for an internal extension', async () => {
    expect(await open().findContacts('204')).toEqual({ ok: true, value: [] });
    expect(recorded.requests).toEqual([]);
  });

  it('logs in again once when the session expired, and replays the request', async () => {
    const session = open();
    await session.findContacts('+14155550100');
    vtiger.sessions.clear();
    recorded.requests.length = 0;
    const found = await session.findContacts('+14155550100');
    expect(found.ok && found.value.map((c) => c.id)).toEqual(['4x123', '4x125']);
    expect(operations()).toEqual(['query', 'getchallenge', 'login', 'query', 'retrieve']);
  });

  it("writes a call as the user of the session it was sent with: a login's values are renewed with its session", async () => {
    const session = open();
    await session.logCall(call);
    vtiger.sessions.clear();
    vtiger.userId = '19x7';
    recorded.requests.length = 0;
    expect(await session.logCall(call)).toMatchObject({ ok: true });
    expect(operations()).toEqual(['create', 'getchallenge', 'login', 'create']);
    const elements = recorded.requests.filter((r) => r.body?.startsWith('operation=create')).map((r) => JSON.parse(new URLSearchParams(r.body).get('element')!));
    expect(elements.map((element) => element.assigned_user_id)).toEqual(['19x1', '19x7']);
  });

  it('gives up after one renewal when the fresh session is refused too', async () => {
    vtiger.queued.set('query', [failed('SESSION_EXPIRED', 'Session expired'), failed('SESSION_LEFT_IDLE', 'Session left idle')]);
    const found = await open().findContacts('+14155550100');
    expect(found).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('SESSION_LEFT_IDLE: Session left idle') });
    expect(operations().filter((o) => o === 'login')).toHaveLength(2);
  });

  it('logs in once for two lookups at the same time (one live challenge per user)', async () => {
    const [first, second] = await Promise.all([open().findContacts('+14155550100'), open().findContacts('+14155550100')]);
    expect(first.ok && second.ok).toBe(true);
    expect(operations().filter((o) => o === 'getchallenge')).toHaveLength(1);
    expect(operations().filter((o) => o === 'login')).toHaveLength(1);
  });

  it('logs in once for concurrent lookups of one session that was given no token cache', async () => {
    const session = openCrmSession(plan, { config, fetch: recorded.fetch, now: () => 0 });
    await Promise.all([session.findContacts('+14155550100'), session.findContacts('+14155550100'), session.logCall(call)]);
    expect(operations().filter((o) => o === 'login')).toHaveLength(1);
  });

  it('creates the call as a held Events call with the notes, recording and relay marker', async () => {
    const logged = await open().logCall(call);
    expect(logged).toEqual({ ok: true, value: { id: '18x456', url: `${SITE}/index.php?module=Calendar&view=Detail&record=456` } });
    const create = recorded.requests.at(-1)!;
    expect(create.method).toBe('POST');
    const form = new URLSearchParams(create.body);
    expect(form.get('elementType')).toBe('Events');
    expect(JSON.parse(form.get('element')!)).toEqual({
      subject: 'Inbound call from +14155550100',
      activitytype: 'Call',
      eventstatus: 'Held',
      assigned_user_id: '19x1',
      date_start: '2025-03-02',
      time_start: '14:05:10',
      due_date: '2025-03-02',
      time_end: '14:09:52',
      duration_hours: '0',
      duration_minutes: '4',
      contact_id: '4x123',
      description: "Wants a callback; it's urgent\nDisposition: Connected\nRecording: https://media.example/RE1.mp3\nDuration: 282 s, agent Ann Agent\n[relay-call:CA8f3c]",
    });
  });

  it('marks a missed call Not Held and leaves out what the call does not have', async () => {
    await open().logCall({ ...call, status: 'no-answer', notes: null, disposition: null, recording_url: null, contact_id: null, duration: 0, direction: 'outbound' });
    const element = JSON.parse(new URLSearchParams(recorded.requests.at(-1)!.body).get('element')!);
    expect(element).toMatchObject({ subject: 'Outbound call to +14155550100', eventstatus: 'Not Held', description: 'Duration: 0 s, agent Ann Agent\n[relay-call:CA8f3c]' });
    expect(element).not.toHaveProperty('contact_id');
  });

  it('links a Contact through contact_id and a Lead through parent_id, by the search that found it', async () => {
    const session = open();
    const element = () => JSON.parse(new URLSearchParams(recorded.requests.at(-1)!.body).get('element')!);
    await session.logCall({ ...call, contact_id: '4x123', contact_kind: 'Contacts' });
    expect(element()).toMatchObject({ contact_id: '4x123' });
    expect(element()).not.toHaveProperty('parent_id');
    await session.logCall({ ...call, contact_id: '2x77', contact_kind: 'Leads' });
    expect(element()).toMatchObject({ parent_id: '2x77' });
    expect(element()).not.toHaveProperty('contact_id');
    // A contact stored before kinds were kept is taken for a Contact, as it always was.
    await session.logCall({ ...call, contact_id: '4x123', contact_kind: null });
    expect(element()).toMatchObject({ contact_id: '4x123' });
    expect(element()).not.toHaveProperty('parent_id');
    await session.updateCall('18x456', { ...call, contact_id: '2x77', contact_kind: 'Leads' });
    expect(element()).toMatchObject({ id: '18x456', parent_id: '2x77' });
    expect(element()).not.toHaveProperty('contact_id');
  });

  it('updates the same record with revise', async () => {
    const updated = await open().updateCall('18x456', { ...call, notes: 'Called back' });
    expect(updated).toEqual({ ok: true, value: { url: `${SITE}/index.php?module=Calendar&view=Detail&record=456` } });
    const revise = new URLSearchParams(recorded.requests.at(-1)!.body);
    expect(revise.get('operation')).toBe('revise');
    expect(JSON.parse(revise.get('element')!)).toMatchObject({ id: '18x456', eventstatus: 'Held', description: expect.stringContaining('Called back') });
  });

  it('links the record to the contact the agent picked after the create, and leaves the link alone when there is none', async () => {
    await open().updateCall('18x456', { ...call, contact_id: '4x125' });
    expect(JSON.parse(new URLSearchParams(recorded.requests.at(-1)!.body).get('element')!)).toMatchObject({ id: '18x456', contact_id: '4x125' });
    await open().updateCall('18x456', { ...call, contact_id: null });
    const element = JSON.parse(new URLSearchParams(recorded.requests.at(-1)!.body).get('element')!);
    expect(element).not.toHaveProperty('contact_id');
    expect(element).not.toHaveProperty('parent_id');
  });

  it('finds a log created before by its marker, and says when there is none', async () => {
    const session = open();
    expect(await session.findCallLog!({ ...call, call_id: 'CA-known' })).toEqual({ ok: true, value: { id: '18x900', url: `${SITE}/index.php?module=Calendar&view=Detail&record=900` } });
    expect(await session.findCallLog!(call)).toEqual({ ok: true, value: null });
  });

  it('turns success:false into a failed outcome with the code and message, not retried', async () => {
    vtiger.queued.set('create', [failed('MANDATORY_FIELDS_MISSING', 'subject does not have a value')]);
    expect(await open().logCall(call)).toEqual({ ok: false, retry: false, status: 200, error: 'log_call: HTTP 200: MANDATORY_FIELDS_MISSING: subject does not have a value' });
  });

  it('retries later on a PHP error page or a 5xx', async () => {
    vtiger.queued.set('create', [{ status: 200, body: '<b>Fatal error</b>: Allowed memory size exhausted' }, { status: 503, body: 'Service Unavailable', headers: { 'Retry-After': '120' } }]);
    expect(await open().logCall(call)).toMatchObject({ ok: false, retry: true });
    expect(await open().logCall(call)).toMatchObject({ ok: false, retry: true, status: 503, retryAfterMs: 120_000 });
  });

  it('never puts the access key or the session in an error', async () => {
    const refused = await open({ accesskey: 'wrong-key-123' }).findContacts('+14155550100');
    expect(refused).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('INVALID_USER_CREDENTIALS') });
    expect(JSON.stringify(refused)).not.toContain('wrong-key-123');
    recorded = recordingFetch((request) => (new URL(request.url).searchParams.get('operation') === 'query' ? { status: 500, body: `crash near ${request.url}` } : vtiger.answer(request)));
    const crashed = await open().findContacts('+14155550100');
    expect(crashed).toMatchObject({ ok: false, retry: true });
    expect(JSON.stringify(crashed)).not.toMatch(/6d1c\dsession/);
  });

  it('signs in alone: the next lookup sends only its search, and a second sign-in sends nothing', async () => {
    const session = open();
    expect(await session.signIn!()).toEqual({ ok: true, value: undefined });
    expect(operations()).toEqual(['getchallenge', 'login']);
    expect(await session.signIn!()).toEqual({ ok: true, value: undefined });
    expect(operations()).toEqual(['getchallenge', 'login']);
    expect(await session.findContacts('+14155550100')).toMatchObject({ ok: true });
    expect(operations().slice(2, 3)).toEqual(['query']);
  });

  it('tells a refused sign-in as an outcome without the key, once: not worth retrying', async () => {
    const refused = await open({ accesskey: 'wrong-key-123' }).signIn!();
    expect(refused).toMatchObject({ ok: false, retry: false, error: expect.stringContaining('sign_in') });
    expect(refused).toMatchObject({ error: expect.stringContaining('INVALID_USER_CREDENTIALS') });
    expect(JSON.stringify(refused)).not.toContain('wrong-key-123');
    expect(operations()).toEqual(['getchallenge', 'login']);
  });

  it('offers the declared dispositions and a prefilled new-contact form', async () => {
    const session = open();
    expect(await session.dispositions()).toEqual({ ok: true, value: ['Connected', 'Left voicemail', 'No answer', 'Busy', 'Wrong number'] });
    expect(session.newContactUrl('+14155550100')).toBe(`${SITE}/index.php?module=Contacts&view=Edit&phone=%2B14155550100`);
    expect(session.canUpdate).toBe(true);
  });
});
