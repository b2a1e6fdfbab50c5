/**
 * A Pipedrive simulator over real HTTP, at a company's own host (`https://{company}.pipedrive.com`):
 * persons searched through the v2 search index, calls written either as immutable v1 call logs or
 * as v2 activities of type `call`, which can be patched.
 *
 * Facts used, and where they come from (CRMS.md §3; its source keys and tags; "PD OpenAPI v1/v2" is
 * Pipedrive's own OpenAPI documents, pipedrive-v1-openapi.yml and pipedrive-v2-openapi.yml as copied in
 * api-evangelist/pipedrive openapi/_original/):
 * - Auth: the API token in `x-api-token`, or an OAuth access token as `Authorization: Bearer`
 *   [D PD]. "The API token must be provided in the x-api-token header for all requests" [D
 *   developers.pipedrive.com "Authentication"], so `?api_token=` is refused here. The 401 body
 *   `{success:false, error:"unauthorized access", errorCode:401}` [D PD OpenAPI v1
 *   `unathorizedResponse` example], with `error_info:"Please check developers.pipedrive.com"` [C].
 * - `GET /api/v2/persons/search?term=&fields=&exact_match=&limit=&cursor=` [D PD]: `term` at least
 *   2 characters (1 with `exact_match`); `fields` among custom_fields|email|notes|phone|name;
 *   limit 100 by default, 500 at most; the envelope `{success, data:{items:[{result_score,
 *   item:{id, type:"person", name, phones[], emails[], visible_to, owner{id}, organization{id,
 *   name}, custom_fields[], notes[]}}]}, additional_data:{next_cursor}}` [D PD]; no match is
 *   `items:[]` [C RC]. The index is tolerant of formatting [C RC, 3CX]; how, is [I]: here a phone
 *   term matches when its digits occur in a stored phone's digits (so the national number finds
 *   `(415) 555-0100` and `+1 415-555-0100`, while `+14155550100` misses the number typed without
 *   its country code), `exact_match` when the digits are equal; a name term matches a part of
 *   the name, case aside (`exact_match` "is not case sensitive" [D PD OpenAPI v2 searchPersons]).
 *   `fields` absent searches all of them ("Defaults to all of them" [D, same]); the cursor is "an
 *   opaque string value" [D, same], its format here our own. The scores, the order (score, then
 *   id) and the 400 texts are [I].
 * - `GET /api/v2/persons/{id}`: `phones:[{value, primary, label}]`, `org_id`, `add_time`,
 *   `update_time` (RFC 3339) [C]. A deleted person is only marked deleted and still read, with
 *   `is_deleted:true`, until it is purged 30 days later; then, as for an id never used, 404 [D PD
 *   OpenAPI v2: deletePerson "Marks a person as deleted. After 30 days, the person will be
 *   permanently deleted", getPerson `is_deleted` "Whether the person is deleted or not"; changelog
 *   permanent-deletion-logic-for-6-core-entities: "After an entity has been permanently deleted, it
 *   won't be possible to retrieve it via any API request"]. The purge is not simulated; the 404's
 *   words are [I]. The search never finds a deleted person [I].
 * - `POST /v1/callLogs` [D PD AddCallLogRequest]: `outcome` in connected|no_answer|left_message|
 *   left_voicemail|wrong_number|busy, `to_phone_number`, `start_time` and `end_time` as UTC
 *   `YYYY-MM-DD HH:MM:SS` required; `duration` a string of seconds; `deal_id` or `lead_id`, never
 *   both. The answer 200 `{success:true, data:{id (a string), …, has_recording, company_id}}` [D PD;
 *   200 in its OpenAPI v1 "The call log was successfully created", the model CallLogResponse200
 *   of client-nodejs up to v23]. Its refusals [D PD OpenAPI v1 addCallLog]: 400 "The request
 *   contains wrong or incorrectly formatted arguments" (example error `"outcome" is required.`,
 *   the form used here for every missing field), 403 (below), 404 "A resource required to process
 *   the request was not found" (example error "A resource required for this operation was not
 *   found."), 500. That an unknown or deleted person (and an unknown user_id) is that 404, and that
 *   a non-numeric duration is a 400, are [I]; so are the words of the other 400s. A call log is also an activity: "Since these logs are also considered
 *   activities", deleting one leaves "the related activity" in place, and the created log answers
 *   its `activity_id` (7007 in the example, for a request that names none) [D PD OpenAPI v1
 *   CallLogs tag, deleteCallLog, addCallLog 200 example]. Here `activity_id` is the one given (a
 *   call activity to convert [D, same]), else a fresh activity id; that related activity is not
 *   stored (not readable at /api/v2/activities/{id}), and the conversion's taking the activity's
 *   deal, person and organization is not simulated.
 * - Call logs cannot be updated: the API has add, get, delete, list and a recording upload (an
 *   audio file, multipart `file`) [D PD call-logs-api.ts]. PUT or PATCH on a call log answers the
 *   404 of an unknown route, `{success:false, error:"Unknown method .", …}` [C RocketRide Engine's
 *   Pipedrive tools (rocketride-org), `person_search`: "Pipedrive retired /api/v1/persons/search
 *   (404 "Unknown method .")"].
 * - `POST /api/v2/activities`, `PATCH /api/v2/activities/{id}` (partial), `GET` [D PD]: `type` an
 *   activity type's key_string [C RC], `due_date` `YYYY-MM-DD`, `due_time` and `duration`
 *   `HH:MM` (UTC), `participants[{person_id, primary}]`, `person_id` read-only [C research note],
 *   `deal_id` or `lead_id`. The answer `{success:true, data:{id (a number), …}}` [C RC], with
 *   status 200 [D PD OpenAPI v2 addActivity]. Without `type` an activity is a call, and without
 *   `subject` a call's is "Call" ("When value for subject is not set, it will be given a default
 *   value `Call`", likewise `type` [D PD v1 AddActivityRequest, client-nodejs before v32]); that the
 *   default subject of another type is that type's name, and the default activity types (Call,
 *   Meeting, Task, Deadline, Email, Lunch), are [I].
 * - `GET /v1/activityTypes` and `GET /v1/users/me` (`data.company_domain`) [C RC]. An activity type
 *   is `{id, order_nr, name, key_string, icon_key, active_flag, color (6-digit hex), is_custom_flag,
 *   add_time, update_time}`, `icon_key` one of task, email, meeting, deadline, call, lunch, … [D PD
 *   OpenAPI v1 getActivityTypes, its example `color: FFFFFF`]. The other fields of users/me are [I].
 * - Users (v1 only, CRMS.md §3.1): `GET /v1/users/find?term=&search_by_email=0|1` [D PD users-api.ts
 *   `findUsersByName`, "When enabled, the term will only be matched against email addresses of
 *   users"; `term` required], answering `{success, data:[user]}`, a user `{id, name, email,
 *   active_flag, is_you, access:[{app, admin, permission_set_id}], …}` [D PD GetUsersResponse,
 *   BaseUser; `app` one of global, sales, campaigns, projects, account_settings, partnership, the
 *   example's admin having `{app:"account_settings", admin:true}`: PD OpenAPI v1 findUsersByName].
 *   Nobody is `data:null` [C pipedrive-connect `User.find`, `return [] if items.nil?`; a Rust
 *   client reads `data` as `Option<Vec<…>>`]. The only answer documented is the 200 [D, same]: that
 *   the term matches a part of the email (or, without search_by_email, of the name), case aside,
 *   the 400 for a missing term, and what a token whose user may not list users gets, are [I]. The
 *   token's user is one of the company's users, id 77.
 * - A call log's owner: `user_id`, default the token's user; "a user without account settings
 *   access cannot create call logs for other users" [D PD AddCallLogRequest, `user_id` an integer].
 *   Account settings access is the user's `access` entry `{app:"account_settings"}` [D PD OpenAPI v1
 *   UserAccess]. The refusal is addCallLog's 403, "You don't have permission to access the
 *   resource", example error "You don't have permission to change this resource." [D PD OpenAPI v1
 *   addCallLog, CallLogForbiddenResponse]; that it is this 403 for a user_id of another user, and
 *   that a user_id which is no integer is a 400 (its words), are [I].
 * - Errors: `{success:false, error, error_info, data:null, additional_data:null}` [D PD]. A 429 is
 *   `{success:false, error, errorCode:429}` with `retry-after`, as an integrator recorded it for the
 *   daily budget ("daily request budget exceeded", retry-after 3939 [C: write-up "Migração do sync
 *   diário para o Railway", 2026-08]); the burst limit's wording here, "Request over limit", is [I].
 *   The `x-ratelimit-limit`, `-remaining`, `-reset` headers [D PD rate-limiting page].
 */
import { randomBytes } from 'node:crypto';
import { type CrmAnswer, type CrmRateLimit, type CrmRequest, CrmServer, isJsonObject, parseJsonObject, ServedCrmSimulator } from './crm-server.ts';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';

const PERSON_SEARCH = '/api/v2/persons/search';
const SEARCH_FIELDS = new Set(['custom_fields', 'email', 'notes', 'phone', 'name']);
const MAX_SEARCH_LIMIT = 500;
const CALL_LOG_OUTCOMES = new Set(['connected', 'no_answer', 'left_message', 'left_voicemail', 'wrong_number', 'busy']);
const UTC_DATE_TIME = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const DATE = /^\d{4}-\d\d-\d\d$/;
const HOURS_MINUTES = /^\d\d:\d\d$/;
const ACTIVITY_TYPES = [
  { id: 1, name: 'Call', key_string: 'call', icon_key: 'call' },
  { id: 2, name: 'Meeting', key_string: 'meeting', icon_key: 'meeting' },
  { id: 3, name: 'Task', key_string: 'task', icon_key: 'task' },
  { id: 4, name: 'Deadline', key_string: 'deadline', icon_key: 'deadline' },
  { id: 5, name: 'Email', key_string: 'email', icon_key: 'email' },
  { id: 6, name: 'Lunch', key_string: 'lunch', icon_key: 'lunch' },
];
const USER_ID = 77;
/** When the company's fixed records (its activity types) were added. */
const COMPANY_SINCE = '2024-01-08 09:00:00';
/** The permission sets users' `access` names (UUIDs in Pipedrive). */
const PERMISSION_SETS = {
  sales: '7c1f0a52-0b7e-4c53-9f43-2f6f7f1b8a01',
  salesAdmin: '7c1f0a52-0b7e-4c53-9f43-2f6f7f1b8a02',
  accountSettings: '7c1f0a52-0b7e-4c53-9f43-2f6f7f1b8a03',
};
const COMPANY_ID = 9;
const ERROR_INFO = 'Please check developers.pipedrive.com';
/** addCallLog's 404 and 403, in the words of Pipedrive's examples [D PD OpenAPI v1 addCallLog]. */
const RESOURCE_NOT_FOUND = 'A resource required for this operation was not found.';
const NO_PERMISSION = "You don't have permission to change this resource.";
/** Pipedrive's 401, without the envelope's data fields [C]. */
const UNAUTHORIZED = { success: false, error: 'unauthorized access', errorCode: 401, error_info: ERROR_INFO };

export interface PipedriveSimulatorOptions {
  apiToken?: string;
  /** An OAuth access token the company also accepts, as `Authorization: Bearer`. */
  oauthToken?: string;
  companyDomain?: string;
  /**
   * Whether the token's user has account settings access (an admin's token has): without it,
   * Pipedrive refuses a call log for another user. Default: true.
   */
  accountSettingsAccess?: boolean;
}

/** A user of the company: an account someone works in Pipedrive with, whom a call log belongs to. */
interface User {
  id: number;
  name: string;
  email: string;
}

interface Person {
  id: number;
  firstName: string;
  lastName: string;
  phones: string[];
  org: { id: number; name: string } | null;
  deleted: boolean;
  addTime: string;
}

/** A call log or a call activity, as Pipedrive holds it. */
interface Written {
  object: 'callLog' | 'activity';
  data: Record<string, unknown>;
  updates: number;
}

export class PipedriveSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  private readonly persons: Person[] = [];
  private readonly organizations = new Map<string, number>();
  private readonly written: Written[] = [];
  /** The company's users, the token's own first. */
  private readonly users: User[] = [{ id: USER_ID, name: 'Sim Admin', email: 'admin@acme.example' }];
  private nextPersonId = 1021;
  private nextUserId = USER_ID + 1;
  private nextOrgId = 55;
  private nextActivityId = 4312;
  private readonly apiToken: string;
  private readonly oauthToken: string;
  private readonly companyDomain: string;
  private readonly accountSettingsAccess: boolean;

  private constructor(crm: CrmServer, options: PipedriveSimulatorOptions) {
    super(crm);
    this.apiToken = options.apiToken ?? '0123456789abcdef0123456789abcdef01234567';
    this.oauthToken = options.oauthToken ?? 'v1u:AQIBAHj-oauth-access-token';
    this.companyDomain = options.companyDomain ?? 'acme';
    this.accountSettingsAccess = options.accountSettingsAccess ?? true;
    this.config = { url: crm.baseUrl, token: this.apiToken, company_domain: this.companyDomain };
  }

  static async start(options: PipedriveSimulatorOptions = {}): Promise<PipedriveSimulator> {
    let simulator: PipedriveSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => simulator!.route(request),
      failure: (failure) => failureAnswer(failure),
      crash: (error) => failed(500, `Internal server error: ${error.message}`),
      isSearch: (request) => request.path === PERSON_SEARCH,
      rateLimits: PIPEDRIVE_RATE_LIMITS,
      limited: (limit) => ({ ...failureAnswer({ status: 429 }), headers: { 'x-ratelimit-limit': String(limit.requests), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(limit.perMs / 1000) } }),
    });
    simulator = new PipedriveSimulator(crm, options);
    return simulator;
  }

  /** The OAuth access token the company accepts as `Authorization: Bearer`. */
  get bearerToken(): string {
    return this.oauthToken;
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((seed) => {
      const person: Person = {
        id: this.nextPersonId++,
        firstName: seed.firstName,
        lastName: seed.lastName,
        phones: seed.phones,
        org: seed.company ? { id: this.organizationId(seed.company), name: seed.company } : null,
        deleted: seed.deleted ?? false,
        addTime: rfc3339(new Date()),
      };
      this.persons.push(person);
      return String(person.id);
    });
  }

  seedUser(seed: SeedUser): string {
    const user: User = { id: this.nextUserId++, name: `${seed.firstName} ${seed.lastName}`, email: seed.email };
    this.users.push(user);
    return String(user.id);
  }

  activities(): StoredActivity[] {
    return this.written.map((w) => ({ id: String(w.data.id), fields: { ...w.data }, updates: w.updates }));
  }

  private route(request: CrmRequest): CrmAnswer {
    const token = request.headers['x-api-token'];
    const bearer = request.headers.authorization;
    if (token !== this.apiToken && bearer !== `Bearer ${this.oauthToken}`) {
      return { status: 401, body: UNAUTHORIZED };
    }
    const { method, path } = request;
    const personId = /^\/api\/v2\/persons\/(\d+)$/.exec(path)?.[1];
    const callLogId = /^\/v1\/callLogs\/([^/]+)$/.exec(path)?.[1];
    const recordingOf = /^\/v1\/callLogs\/([^/]+)\/recordings$/.exec(path)?.[1];
    const activityId = /^\/api\/v2\/activities\/(\d+)$/.exec(path)?.[1];
    if (method === 'GET' && path === PERSON_SEARCH) return this.searchPersons(request.query);
    if (method === 'GET' && personId) return this.getPerson(Number(personId));
    if (method === 'POST' && path === '/v1/callLogs') return this.addCallLog(request.body);
    if (method === 'GET' && callLogId) return this.readWritten('callLog', callLogId, 'Call log not found');
    if (method === 'DELETE' && callLogId) return this.deleteCallLog(callLogId);
    if (method === 'POST' && recordingOf) return this.addRecording(recordingOf, request);
    if (method === 'POST' && path === '/api/v2/activities') return this.addActivity(request.body);
    if (method === 'PATCH' && activityId) return this.updateActivity(Number(activityId), request.body);
    if (method === 'GET' && activityId) return this.readWritten('activity', Number(activityId), 'Activity not found');
    if (method === 'GET' && path === '/v1/activityTypes') return ok(ACTIVITY_TYPES.map((type, order) => ({ ...type, order_nr: order + 1, active_flag: true, color: 'FFFFFF', is_custom_flag: false, add_time: COMPANY_SINCE, update_time: COMPANY_SINCE })));
    if (method === 'GET' && path === '/v1/users/me') return ok({ ...this.userItem(this.users[0]!), company_id: COMPANY_ID, company_domain: this.companyDomain });
    if (method === 'GET' && path === '/v1/users/find') return this.findUsers(request.query);
    return failed(404, 'Unknown method .');
  }

  private searchPersons(query: URLSearchParams): CrmAnswer {
    const term = query.get('term') ?? '';
    const exact = query.get('exact_match') === 'true';
    if (term.length < (exact ? 1 : 2)) return failed(400, `term must be at least ${exact ? 1 : 2} characters long`);
    const fields = (query.get('fields') ?? [...SEARCH_FIELDS].join(',')).split(',');
    const unknown = fields.find((field) => !SEARCH_FIELDS.has(field));
    if (unknown !== undefined) return failed(400, `fields: ${JSON.stringify(unknown)} is not one of ${[...SEARCH_FIELDS].join(', ')}`);
    const limit = Number(query.get('limit') ?? 100);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT) return failed(400, `limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}`);
    const offset = query.has('cursor') ? cursorOffset(query.get('cursor')!) : 0;
    if (offset === undefined) return failed(400, 'cursor is not valid');

    const scored = this.persons
      .filter((person) => !person.deleted)
      .map((person) => ({ person, score: Math.max(fields.includes('phone') ? phoneScore(person.phones, term, exact) : 0, fields.includes('name') ? nameScore(personName(person), term, exact) : 0) }))
      .filter(({ score }) => score > 0)
      .sort((a, b) => b.score - a.score || a.person.id - b.person.id);
    const page = scored.slice(offset, offset + limit);
    return {
      status: 200,
      body: {
        success: true,
        data: { items: page.map(({ person, score }) => ({ result_score: score, item: this.searchItem(person) })) },
        additional_data: { next_cursor: offset + limit < scored.length ? encodeCursor(offset + limit) : null },
      },
    };
  }

  private searchItem(person: Person) {
    return {
      id: person.id,
      type: 'person',
      name: personName(person),
      phones: person.phones,
      emails: [],
      visible_to: 3,
      owner: { id: USER_ID },
      organization: person.org,
      custom_fields: [],
      notes: [],
    };
  }

  private findUsers(query: URLSearchParams): CrmAnswer {
    const term = (query.get('term') ?? '').toLowerCase();
    if (term === '') return failed(400, 'term is required');
    const byEmail = query.get('search_by_email') === '1';
    const found = this.users.filter((user) => (byEmail ? user.email : user.name).toLowerCase().includes(term));
    // Nobody is no list at all.
    return ok(found.length > 0 ? found.map((user) => this.userItem(user)) : null);
  }

  /** A person, deleted ones too: Pipedrive only marks them deleted until it purges them (see the header). */
  private getPerson(id: number): CrmAnswer {
    const person = this.persons.find((p) => p.id === id);
    if (!person) return failed(404, 'Person not found');
    return ok({
      id: person.id,
      name: personName(person),
      first_name: person.firstName,
      last_name: person.lastName,
      owner_id: USER_ID,
      org_id: person.org?.id ?? null,
      phones: person.phones.map((value, index) => ({ value, primary: index === 0, label: index === 0 ? 'work' : 'mobile' })),
      emails: [],
      add_time: person.addTime,
      update_time: person.addTime,
      is_deleted: person.deleted,
      visible_to: 3,
    });
  }

  private addCallLog(text: string): CrmAnswer {
    const body = parseJsonObject(text);
    if (!body) return failed(400, 'The body must be a JSON object');
    const missing = ['outcome', 'to_phone_number', 'start_time', 'end_time'].filter((field) => body[field] === undefined || body[field] === null || body[field] === '');
    if (missing.length > 0) return failed(400, `"${missing[0]}" is required.`);
    if (!CALL_LOG_OUTCOMES.has(String(body.outcome))) return failed(400, `outcome must be one of ${[...CALL_LOG_OUTCOMES].join(', ')}`);
    for (const field of ['start_time', 'end_time']) {
      if (!UTC_DATE_TIME.test(String(body[field]))) return failed(400, `${field} must be a UTC date and time as YYYY-MM-DD HH:MM:SS`);
    }
    if (body.duration !== undefined && body.duration !== null && !/^\d+$/.test(String(body.duration))) return failed(400, 'duration must be a number of seconds');
    const refused = this.refusedOwner(body.user_id) ?? this.refusedLinks(body);
    if (refused) return refused;
    // The person the log is linked to must be there (see the header).
    if (body.person_id != null && !this.livePerson(Number(body.person_id))) return failed(404, RESOURCE_NOT_FOUND);

    const data = {
      id: randomBytes(16).toString('hex'),
      user_id: body.user_id ?? USER_ID,
      // A call log is an activity too: the one it converts, else one of its own.
      activity_id: body.activity_id ?? this.nextActivityId++,
      subject: body.subject ?? null,
      duration: body.duration === undefined || body.duration === null ? null : String(body.duration),
      outcome: body.outcome,
      from_phone_number: body.from_phone_number ?? null,
      to_phone_number: body.to_phone_number,
      start_time: body.start_time,
      end_time: body.end_time,
      person_id: body.person_id ?? null,
      org_id: body.org_id ?? null,
      deal_id: body.deal_id ?? null,
      lead_id: body.lead_id ?? null,
      note: body.note ?? null,
      has_recording: false,
      company_id: COMPANY_ID,
    };
    this.written.push({ object: 'callLog', data, updates: 0 });
    return ok(data);
  }

  private deleteCallLog(id: string): CrmAnswer {
    const index = this.written.findIndex((w) => w.object === 'callLog' && w.data.id === id);
    if (index < 0) return failed(404, 'Call log not found');
    this.written.splice(index, 1);
    return ok({ id });
  }

  private addRecording(id: string, request: CrmRequest): CrmAnswer {
    const log = this.written.find((w) => w.object === 'callLog' && w.data.id === id);
    if (!log) return failed(404, 'Call log not found');
    // An audio file, uploaded: a recording URL in a JSON body is no upload.
    if (!(request.headers['content-type'] ?? '').startsWith('multipart/form-data') || !/name="file"/.test(request.body)) return failed(400, 'file is required (multipart/form-data)');
    log.data.has_recording = true;
    return ok(true);
  }

  private addActivity(text: string): CrmAnswer {
    const body = parseJsonObject(text);
    if (!body) return failed(400, 'The body must be a JSON object');
    const refused = this.refusedActivity(body) ?? this.refusedLinks(body);
    if (refused) return refused;
    const type = String(body.type ?? 'call');
    const now = rfc3339(new Date());
    const data: Record<string, unknown> = {
      id: this.nextActivityId++,
      subject: body.subject ?? ACTIVITY_TYPES.find((t) => t.key_string === type)!.name,
      type,
      owner_id: body.owner_id ?? USER_ID,
      done: body.done ?? false,
      due_date: body.due_date ?? null,
      due_time: body.due_time ?? null,
      duration: body.duration ?? null,
      note: body.note ?? null,
      org_id: body.org_id ?? null,
      deal_id: body.deal_id ?? null,
      lead_id: body.lead_id ?? null,
      participants: body.participants ?? [],
      add_time: now,
      update_time: now,
      is_deleted: false,
    };
    data.person_id = primaryPerson(data.participants);
    this.written.push({ object: 'activity', data, updates: 0 });
    return ok(data);
  }

  private updateActivity(id: number, text: string): CrmAnswer {
    const activity = this.written.find((w) => w.object === 'activity' && w.data.id === id);
    if (!activity) return failed(404, 'Activity not found');
    const body = parseJsonObject(text);
    if (!body) return failed(400, 'The body must be a JSON object');
    const refused = this.refusedActivity(body) ?? this.refusedLinks({ deal_id: body.deal_id ?? activity.data.deal_id, lead_id: body.lead_id ?? activity.data.lead_id });
    if (refused) return refused;
    const { id: _ignored, ...changes } = body;
    Object.assign(activity.data, changes, { update_time: rfc3339(new Date()) });
    activity.data.person_id = primaryPerson(activity.data.participants);
    activity.updates += 1;
    return ok(activity.data);
  }

  private readWritten(object: Written['object'], id: string | number, notFound: string): CrmAnswer {
    const found = this.written.find((w) => w.object === object && w.data.id === id);
    return found ? ok(found.data) : failed(404, notFound);
  }

  private refusedActivity(body: Record<string, unknown>): CrmAnswer | undefined {
    if (body.person_id !== undefined) return failed(400, 'person_id is read-only: link persons through participants');
    if (body.type !== undefined && !ACTIVITY_TYPES.some((t) => t.key_string === body.type)) return failed(400, `type ${JSON.stringify(body.type)} is not an activity type's key_string`);
    if (body.due_date !== undefined && body.due_date !== null && !DATE.test(String(body.due_date))) return failed(400, 'due_date must be YYYY-MM-DD');
    for (const field of ['due_time', 'duration']) {
      if (body[field] !== undefined && body[field] !== null && !HOURS_MINUTES.test(String(body[field]))) return failed(400, `${field} must be HH:MM`);
    }
    if (body.done !== undefined && typeof body.done !== 'boolean') return failed(400, 'done must be a boolean');
    const participants = body.participants;
    if (participants !== undefined && (!Array.isArray(participants) || !participants.every((p) => isJsonObject(p) && typeof p.person_id === 'number'))) {
      return failed(400, 'participants must be a list of {person_id, primary}');
    }
    const unknown = ((participants as Array<{ person_id: number }> | undefined) ?? []).find((p) => !this.livePerson(p.person_id));
    return unknown ? failed(400, `Person ${unknown.person_id} not found`) : undefined;
  }

  /** A call log's owner: a user of the company, and another than the token's own only with account settings access. */
  private refusedOwner(userId: unknown): CrmAnswer | undefined {
    if (userId === undefined || userId === null) return undefined;
    if (typeof userId !== 'number' || !Number.isInteger(userId)) return failed(400, 'user_id must be an integer');
    if (!this.users.some((user) => user.id === userId)) return failed(404, RESOURCE_NOT_FOUND);
    if (userId !== USER_ID && !this.accountSettingsAccess) return failed(403, NO_PERMISSION);
    return undefined;
  }

  /** The links a call log or an activity may carry: one of deal and lead. */
  private refusedLinks(body: Record<string, unknown>): CrmAnswer | undefined {
    if (body.deal_id != null && body.lead_id != null) return failed(400, 'deal_id and lead_id cannot both be set');
    return undefined;
  }

  private livePerson(id: number): boolean {
    return this.persons.some((p) => p.id === id && !p.deleted);
  }

  private organizationId(name: string): number {
    if (!this.organizations.has(name)) this.organizations.set(name, this.nextOrgId++);
    return this.organizations.get(name)!;
  }

  /**
   * A user as the users endpoints answer it; the fields the simulator has no use for are fixed. The
   * token's user has account settings access unless the options say otherwise; the others have none.
   */
  private userItem(user: User) {
    const settings = user.id === USER_ID && this.accountSettingsAccess;
    return {
      id: user.id,
      name: user.name,
      default_currency: 'USD',
      locale: 'en_US',
      lang: 1,
      email: user.email,
      phone: null,
      activated: true,
      access: [
        { app: 'sales', admin: settings, permission_set_id: settings ? PERMISSION_SETS.salesAdmin : PERMISSION_SETS.sales },
        ...(settings ? [{ app: 'account_settings', admin: true, permission_set_id: PERMISSION_SETS.accountSettings }] : []),
      ],
      active_flag: true,
      is_you: user.id === USER_ID,
      is_deleted: false,
      role_id: 1,
      timezone_name: 'UTC',
      timezone_offset: '+00:00',
      icon_url: null,
    };
  }
}

function personName(person: Person): string {
  return `${person.firstName} ${person.lastName}`;
}

/** How well a phone term matches (see the header): 1 for the same digits, less for a part of them, 0 for none. */
function phoneScore(phones: string[], term: string, exact: boolean): number {
  const wanted = term.replace(/\D/g, '');
  if (wanted === '') return 0;
  const scores = phones.map((phone) => {
    const digits = phone.replace(/\D/g, '');
    if (digits === wanted) return 1;
    return !exact && digits.includes(wanted) ? wanted.length / digits.length : 0;
  });
  return Math.max(0, ...scores);
}

function nameScore(name: string, term: string, exact: boolean): number {
  const [lower, wanted] = [name.toLowerCase(), term.toLowerCase()];
  if (lower === wanted) return 1;
  return !exact && lower.includes(wanted) ? wanted.length / lower.length : 0;
}

function primaryPerson(participants: unknown): number | null {
  const list = Array.isArray(participants) ? (participants as Array<{ person_id: number; primary?: boolean }>) : [];
  return (list.find((p) => p.primary) ?? list[0])?.person_id ?? null;
}

function encodeCursor(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

function cursorOffset(cursor: string): number | undefined {
  const match = /^offset:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}

/** Pipedrive's times: RFC 3339 in UTC, to the second. */
function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function ok(data: unknown): CrmAnswer {
  return { status: 200, body: { success: true, data } };
}

function failed(status: number, error: string, extra: Record<string, unknown> = {}): CrmAnswer {
  return { status, body: { success: false, error, ...extra, error_info: ERROR_INFO, data: null, additional_data: null } };
}

/**
 * Pipedrive's limits per token, enforced after `enforceRateLimits()`: search 10 per 2 s [D PD changelog
 * announcing-search-api-rate-limit], every request 20 per 2 s (API token, Lite plan), as the "rolling
 * 2-second window" it says [D developers.pipedrive.com core-api-concepts-rate-limiting]. The daily token
 * budget and Cloudflare's HTML 403 after repeated 429s [D, same page] are not simulated.
 */
const PIPEDRIVE_RATE_LIMITS: CrmRateLimit[] = [
  { name: 'search', requests: 10, perMs: 2000, applies: (request) => request.path === PERSON_SEARCH },
  { name: 'burst', requests: 20, perMs: 2000, applies: () => true },
];

function failureAnswer(failure: InjectedFailure): CrmAnswer {
  if (failure.status === 401) return { status: 401, body: UNAUTHORIZED };
  if (failure.status === 429) {
    const limits = { 'x-ratelimit-limit': '80', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(failure.retryAfterSeconds ?? 2) };
    return { ...failed(429, 'Request over limit', { errorCode: 429 }), headers: limits };
  }
  return failed(failure.status, failure.status >= 500 ? 'Internal server error' : `Request failed with ${failure.status}`);
}
