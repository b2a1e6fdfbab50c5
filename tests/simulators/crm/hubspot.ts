/**
 * A HubSpot CRM simulator over real HTTP: contacts searched through the CRM search API, call
 * engagements created, updated and read through the calls object API, and the portal's users
 * listed through the owners API, as api.hubapi.com does.
 *
 * Facts used, and where they come from (CRMS.md §2; its source keys and tags):
 * - `Authorization: Bearer <private-app or OAuth token>` [D HSD]; the 401 body
 *   `{status:"error", message:"Authentication credentials not found. …", correlationId,
 *   category:"INVALID_AUTHENTICATION"}` [C], sent for a missing and for a wrong token alike [C
 *   HubSpot/hubspot-api-php#363: a made-up token gets "Authentication credentials not found."; one
 *   that reads as an expired OAuth token gets EXPIRED_AUTHENTICATION instead, not simulated].
 * - `POST /crm/v3/objects/contacts/search`, `{query?, limit?, after? (string), sorts?, properties?,
 *   filterGroups?}`, `Filter {propertyName, operator, value?, values?, highValue?}`, the operator
 *   list [D HS]; groups OR-ed, filters in a group AND-ed [C]; at most 5 groups [D HSD changelog
 *   2024-08 "expanded filtering"]; per group and in all, the tighter of what is published: 6 and 18
 *   [C integrators' docs; the changelog says 10 and 25]; at most 10,000 results per query [C];
 *   limit at most 200 [D HS spec "up to 200 objects", hubspot-sdk-typescript, whose "Up to 6 groups"
 *   is looser than the changelog's 5]. `IN`/`NOT_IN` take `values`, a list: without it HubSpot
 *   refuses the filter ("operator IN requires values" [C hubspot-api-nodejs#251]); at most 100
 *   values per filter [I: no published figure found]; `IN` compares each value as `EQ` does [I].
 *   Bad JSON and a malformed filter are 400 `{status:"error", message:"Invalid input JSON …",
 *   correlationId, category:"VALIDATION_ERROR"}` [C hubspot-api-nodejs#555, #226 "Cannot build
 *   Filter, some of required attributes are not set [propertyName, operator]", #251]; the bodies
 *   for the limits and for unknown operators have that shape too [I].
 * - `EQ` compares the stored string exactly [I]; `phone` and `mobilephone` are free text as typed.
 *   `hs_searchable_calculated_phone_number` / `…_mobile_number` hold the national digits, leading
 *   zeros stripped (`00004` -> `4`) [C]; how HubSpot derives them from a number typed without a
 *   country code is [I]: here, the portal's country (US) when the number is valid there, else its
 *   digits. `CONTAINS_TOKEN` matches a word of the value, `*` a wildcard (`*4155550100`) [C];
 *   words split at spaces and punctuation [I]. `query` matches a word prefix of the default text
 *   properties, phones included [I].
 * - Search answer `{total, results:[{id, properties, createdAt, updatedAt, archived}],
 *   paging?:{next:{after}}}` [D HS, `paging` optional]; `paging` only when there is more [C
 *   captaincontrat/hubspot-api-ruby VCR cassettes: `paging` at total 4 limit 2, none at total 1, 2],
 *   `{total:0, results:[]}` for none [I]; requested properties a contact lacks come back null [D example]; hs_object_id,
 *   createdate and lastmodifieddate always [D example]. Ids are numeric strings [D].
 * - Search lags writes (about 10 s after a create) [C Okta]: `searchLag()` keeps contacts seeded
 *   meanwhile out of search until its release.
 * - `POST /crm/v3/objects/calls` -> 201 `SimplePublicObject` with inline `associations`
 *   [D HS]; call -> contact is type 194 `HUBSPOT_DEFINED` (182 company, 206 deal, 220 ticket)
 *   [D HS AssociationTypes]; property values are strings [D HS] (numbers are taken as their text
 *   [C hubspot-api-ruby cassette meeting_associate: hubspot_owner_id 156644386 comes back
 *   "156644386"]). `hs_timestamp` required, ms or UTC ISO [D HSX]; `hs_call_direction` INBOUND|OUTBOUND,
 *   `hs_call_status` in its list, `hs_call_duration` in ms, recording URL HTTPS only [D HSX, HSD].
 *   A bad value is 400 VALIDATION_ERROR with the list of invalid properties as a JSON string in
 *   `message` [C], `error` codes INVALID_OPTION [C]; a date-time property's value that is no date
 *   is INVALID_LONG, "<value> was not a valid long. Portal <id>, object type 0-47" [C
 *   hubspot-api-ruby cassette meeting_error, a meeting's hs_meeting_start_time; calls are 0-48];
 *   REQUIRED_FIELD, INVALID_INTEGER, PROPERTY_DOESNT_EXIST [I]. Unknown association targets are
 *   refused [I], in the words of the v4 batch API, "CONTACT=1234 is not valid" [C hubspot-api-ruby
 *   cassettes Hubspot_Association_create_with_an_invalid_ID, a 207 VALIDATION_ERROR item].
 * - `PATCH /crm/v3/objects/calls/{id}` `{properties}` -> 200 `SimplePublicObject`, associations
 *   untouched [D HS; I]; `GET /crm/v3/objects/calls/{id}?properties=&associations=` [D HS]: the asked
 *   properties and hs_createdate, hs_lastmodifieddate, hs_object_id [C hubspot-api-ruby cassettes
 *   meeting_find, task_find], those only when none are asked for [I]; associations as
 *   `{contacts:{results:[{id, type:"call_to_contact"}]}}` [C hubspot-api-ruby cassette
 *   meeting_associate, `meeting_event_to_contact`; integrators' code for calls]. An unknown
 *   id is 404 `OBJECT_NOT_FOUND` [C].
 * - Associations v4 (not in CRMS.md) [D HS codegen/crm/associations/v4 BasicApi and models]:
 *   `GET /crm/v4/objects/calls/{id}/associations/contacts` -> 200 `{results:[{toObjectId,
 *   associationTypes:[{category, typeId, label}]}], paging?}`, up to 500 a call [D hubspot-sdk-typescript],
 *   one page here; toObjectId is a number as integrators record it [C] (a string in the spec);
 *   `PUT /crm/v4/objects/calls/{id}/associations/default/contacts/{contactId}` -> 200 `{status:
 *   "COMPLETE", results:[{from:{id}, to:{id}, associationSpec}], startedAt, completedAt}` [D
 *   BatchResponsePublicDefaultAssociation], adding type 194 once however often it is sent [I], 400
 *   VALIDATION_ERROR "CONTACT=<id> is not valid" for a contact that does not exist [I; the words C
 *   above]; `DELETE /crm/v4/objects/calls/{id}/associations/contacts/{contactId}` -> 204 [D], also
 *   when none was there [C hubspot-api-ruby cassette Hubspot_Association_delete_with_an_invalid_ID:
 *   the v4 batch archive of an id never associated is 204]. The listing's shape, label null for an
 *   unlabelled type and no `paging` when all fit [C hubspot-api-ruby cassette
 *   Hubspot_Association_all_with_valid_params]. An unknown call is 404 OBJECT_NOT_FOUND.
 *   They change no property (no `updates`).
 * - A portal may define a unique-value call property (`relay_call_id`, `hasUniqueValue`) and read
 *   and PATCH by it with `?idProperty=` [D HS calls BasicApi, PropertyCreate; HSD changelog
 *   "Updating objects by custom field"]; `POST /crm/v3/objects/calls/batch/upsert {inputs:[{idProperty,
 *   id, properties}]}` creates or updates by it, HubSpot's only idempotent create, with no associations
 *   in its input [D HS SimplePublicObjectBatchInputUpsert], answering 200 `{status:"COMPLETE",
 *   results:[…, new], startedAt, completedAt}` [D HS BatchApi upsert, SimplePublicUpsertObject]. An
 *   idProperty that is not unique is 400 VALIDATION_ERROR [C segmentio/action-destinations#3957]; a
 *   second call with the same unique value refused with 409 CONFLICT, and duplicate ids in one batch
 *   refused, are [I].
 * - Dispositions: `GET /calling/v1/dispositions` -> `[{id, label}]` [D HSD], the default GUIDs [C].
 * - Owners (the portal's users, not in CRMS.md): `GET /crm/v3/owners` (the SDK adds a trailing slash)
 *   `?email=&after=&limit=&archived=` -> 200 `{results:[{id, email, type, firstName, lastName, userId,
 *   userIdIncludingInactive, createdAt, updatedAt, archived, teams?}], paging?:{next:{after}}}` [D HS
 *   codegen/crm/owners OwnersApi getPage, PublicOwner; HSD owners guide and its example]; ids are numeric
 *   strings, userId a number [D example]; `archived=true` lists only archived owners [D]: none here, every
 *   seeded user is active. `email` matches the whole address [C integrators' docs], case aside [I]; limit
 *   100 by default, at most 500 [C integrators], a larger one taken as 500 and a bad one refused with 400
 *   VALIDATION_ERROR [I]; no owner is 200 `{results:[]}` [C hubspot-api-ruby cassette owner_find_by_id,
 *   `?archived=false&email=31871817`], one owner `{results:[…]}` without `paging` [C its
 *   owner_find_by_email]. Without `crm.objects.owners.read` [D HSD] the
 *   token gets 403 `{status:"error", message:"This app hasn't been granted all required scopes to make
 *   this call. …", errors:[{message, context:{requiredGranularScopes}}], links:{scopes},
 *   category:"MISSING_SCOPES"}` [C hubspot-api-nodejs#268, which names `requiredScopes`; CRMS.md §2.5
 *   `requiredGranularScopes`]. A call's `hubspot_owner_id` (create or PATCH) must be an owner's id: a
 *   userId "will result in an error if it is used to assign ownership" [D HSD owners guide]; the error is
 *   INVALID_OWNER_ID [C HubSpot community, as integrators relay it] in the property error list [I].
 * - `GET /account-info/v3/details` gives `portalId`, `uiDomain` (the app's host) and
 *   `dataHostingLocation` [D HSD account-info "Retrieve account details"].
 * - 429 `{status:"error", message:"You have reached your ten_secondly_rolling limit.",
 *   errorType:"RATE_LIMIT", correlationId, policyName:"TEN_SECONDLY_ROLLING"}` [policyName D HS;
 *   rest C]; a search's 429 says "You have reached your secondly limit." [D HS RetryDecorator]
 *   with policyName SECONDLY [C HGData/mk-node-hubspot#89].
 *   `X-HubSpot-RateLimit-*` headers [C]; `Retry-After` when the test asks for one [I: the issue
 *   says HubSpot sends it; HubSpot's SDK waits 10 s × attempt instead]. Other injected statuses
 *   and a 500 carry the error model with category [D HS ModelError; wording I].
 */
import { randomUUID } from 'node:crypto';
import { formatForDisplay, toE164 } from '@phone-connector/shared';
import { type CrmAnswer, type CrmRateLimit, type CrmRequest, CrmServer, escapeRegExp, isJsonObject, parseJsonObject, ServedCrmSimulator } from './crm-server.ts';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';

const CONTACT_SEARCH = '/crm/v3/objects/contacts/search';
const CALLS = '/crm/v3/objects/calls';
const OWNERS = '/crm/v3/owners';
const DEFAULT_OWNER_LIMIT = 100;
const MAX_OWNER_LIMIT = 500;
const OWNERS_SCOPE = 'crm.objects.owners.read';
const MAX_GROUPS = 5;
const MAX_FILTERS_PER_GROUP = 6;
const MAX_FILTERS = 18;
const MAX_IN_VALUES = 100;
const MAX_LIMIT = 200;
const MAX_RESULTS = 10_000;
const PORTAL_COUNTRY = 'US';
const OPERATORS = new Set(['EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN']);
const DEFAULT_CONTACT_PROPERTIES = ['firstname', 'lastname', 'email'];
const ALWAYS_CONTACT_PROPERTIES = ['hs_object_id', 'createdate', 'lastmodifieddate'];
const QUERY_PROPERTIES = ['firstname', 'lastname', 'email', 'phone', 'mobilephone', 'company'];
const CALL_DIRECTIONS = new Set(['INBOUND', 'OUTBOUND']);
const CALL_STATUSES = new Set(['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'NO_ANSWER', 'QUEUED', 'RINGING']);
const CALL_PROPERTIES = new Set([
  'hs_timestamp',
  'hs_call_title',
  'hs_call_body',
  'hs_call_direction',
  'hs_call_status',
  'hs_call_duration',
  'hs_call_from_number',
  'hs_call_to_number',
  'hs_call_recording_url',
  'hs_call_disposition',
  'hs_call_source',
  'hs_call_callee_object_id',
  'hs_call_callee_object_type_id',
  'hs_activity_type',
  'hubspot_owner_id',
]);
const DEFAULT_CALL_PROPERTIES = ['hs_createdate', 'hs_lastmodifieddate', 'hs_object_id'];
/** The default call outcomes of a portal [C]; a portal can add its own. */
export const HUBSPOT_DISPOSITIONS = [
  { id: '9d9162e7-6cf3-4944-bf63-4dff82258764', label: 'Busy' },
  { id: 'f240bbac-87c9-4f6e-bf70-924b57d47db7', label: 'Connected' },
  { id: 'a4c4c377-d246-4b32-a13b-75a56a4cd0ff', label: 'Left live message' },
  { id: 'b2cf5968-551e-4856-9783-52b3da59a7d0', label: 'Left voicemail' },
  { id: '73a0d17f-1163-4015-bdd5-ec830791da20', label: 'No answer' },
  { id: '17b47fee-58de-441e-a44c-c6300d46f273', label: 'Wrong number' },
];
/** A call's association type ids: the objects they point at [D HS AssociationTypes], and their v3 type names [C integrators' code: 194 call_to_contact, 182 call_to_company, 206 call_to_deal; call_to_ticket I]. */
const CALL_ASSOCIATIONS: Record<number, { objects: string; label: string }> = {
  194: { objects: 'contacts', label: 'call_to_contact' },
  182: { objects: 'companies', label: 'call_to_company' },
  206: { objects: 'deals', label: 'call_to_deal' },
  220: { objects: 'tickets', label: 'call_to_ticket' },
};
/** How the v4 associations API names an object that is not there: `CONTACT=1234 is not valid` [C hubspot-api-ruby cassettes]. */
const OBJECT_NAMES: Record<string, string> = { contacts: 'CONTACT', companies: 'COMPANY', deals: 'DEAL', tickets: 'TICKET' };
/** Call to contact, the association HubSpot makes by default [D HS AssociationTypes]. */
const CONTACT_ASSOCIATION = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 194 };
const AUTH_MESSAGE = 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview';

export interface HubSpotSimulatorOptions {
  /** The private-app token the portal accepts (default `pat-na1-…`). */
  token?: string;
  portalId?: string;
  /** Custom call properties the portal defines. */
  customCallProperties?: string[];
  /** Custom call properties with unique values (e.g. `relay_call_id`): an `idProperty` for GET, PATCH and upsert. */
  uniqueCallProperties?: string[];
  /** Whether the token has `crm.objects.owners.read` (default true): without it the owners API answers 403 MISSING_SCOPES. */
  readsOwners?: boolean;
}

interface HubSpotObject {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: boolean;
}

/** A user of the portal as the owners API gives it; `id` is what `hubspot_owner_id` takes, never `userId`. */
interface HubSpotOwner {
  id: string;
  email: string;
  type: 'PERSON';
  firstName: string;
  lastName: string;
  userId: number;
  userIdIncludingInactive: number;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

interface Association {
  to: { id: string };
  types: Array<{ associationCategory: string; associationTypeId: number }>;
}

interface HubSpotCall extends HubSpotObject {
  associations: Association[];
  updates: number;
}

interface Filter {
  propertyName?: unknown;
  operator?: unknown;
  value?: unknown;
  values?: unknown;
  highValue?: unknown;
}

interface InvalidProperty {
  isValid: false;
  message: string;
  error: string;
  name: string;
}

export class HubSpotSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  private readonly contacts: HubSpotObject[] = [];
  /** Contacts seeded during a search lag: stored, but not yet in the search index. */
  private readonly unindexed = new Set<string>();
  private lagging = 0;
  private readonly calls: HubSpotCall[] = [];
  private readonly owners: HubSpotOwner[] = [];
  private nextContactId = 501;
  private nextCallId = 52_431_862_437;
  private nextOwnerId = 41_629_779;
  private nextUserId = 9_586_504;
  private readonly token: string;
  private readonly portalId: string;
  private readonly callProperties: Set<string>;
  private readonly uniqueProperties: Set<string>;
  private readonly readsOwners: boolean;

  private constructor(crm: CrmServer, options: HubSpotSimulatorOptions) {
    super(crm);
    this.token = options.token ?? 'pat-na1-11111111-2222-3333-4444-555555555555';
    this.portalId = options.portalId ?? '7654321';
    this.uniqueProperties = new Set(options.uniqueCallProperties ?? []);
    this.callProperties = new Set([...CALL_PROPERTIES, ...(options.customCallProperties ?? []), ...this.uniqueProperties]);
    this.readsOwners = options.readsOwners ?? true;
    this.config = { api_url: crm.baseUrl, token: this.token, portal_id: this.portalId };
  }

  static async start(options: HubSpotSimulatorOptions = {}): Promise<HubSpotSimulator> {
    let simulator: HubSpotSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => simulator!.route(request),
      failure: (failure, request) => failureAnswer(failure, request.path === CONTACT_SEARCH),
      crash: (error) => ({ status: 500, body: errorBody(`internal error: ${error.message}`, 'INTERNAL_ERROR') }),
      isSearch: (request) => request.path === CONTACT_SEARCH,
      rateLimits: HUBSPOT_RATE_LIMITS,
      limited: (limit) => rateLimited(limit),
    });
    simulator = new HubSpotSimulator(crm, options);
    return simulator;
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((seed) => {
      if (seed.phones.length > 2) throw new Error(`HubSpot contacts have two phone properties (phone, mobilephone); ${seed.firstName} ${seed.lastName} has ${seed.phones.length} phones`);
      const id = String(this.nextContactId++);
      const now = new Date().toISOString();
      const [phone = null, mobile = null] = seed.phones;
      this.contacts.push({
        id,
        properties: {
          firstname: seed.firstName,
          lastname: seed.lastName,
          company: seed.company ?? null,
          email: null,
          phone,
          mobilephone: mobile,
          hs_searchable_calculated_phone_number: phone === null ? null : nationalDigits(phone),
          hs_searchable_calculated_mobile_number: mobile === null ? null : nationalDigits(mobile),
          hs_object_id: id,
          createdate: now,
          lastmodifieddate: now,
        },
        createdAt: now,
        updatedAt: now,
        archived: seed.deleted ?? false,
      });
      if (this.lagging > 0) this.unindexed.add(id);
      return id;
    });
  }

  /** A HubSpot user, listed as an owner; returns its owner id (what a call's `hubspot_owner_id` takes). */
  seedUser(user: SeedUser): string {
    const now = new Date().toISOString();
    const id = String(this.nextOwnerId++);
    const userId = this.nextUserId++;
    this.owners.push({ id, email: user.email, type: 'PERSON', firstName: user.firstName, lastName: user.lastName, userId, userIdIncludingInactive: userId, createdAt: now, updatedAt: now, archived: false });
    return id;
  }

  /** Contacts seeded from now on stay out of search until the returned release (HubSpot's index lag). */
  searchLag(): () => void {
    this.lagging += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.lagging -= 1;
      if (this.lagging === 0) this.unindexed.clear();
    };
  }

  activities(): StoredActivity[] {
    return this.calls.map((call) => ({ id: call.id, fields: { ...call.properties, associations: call.associations }, updates: call.updates }));
  }

  private route(request: CrmRequest): CrmAnswer {
    if (request.headers.authorization !== `Bearer ${this.token}`) return unauthorized();
    const { method, path } = request;
    const callId = /^\/crm\/v3\/objects\/calls\/([^/]+)$/.exec(path)?.[1];
    const linked = /^\/crm\/v4\/objects\/calls\/([^/]+)\/associations(\/default)?\/contacts(?:\/([^/]+))?$/.exec(path);
    if (linked) return this.routeContactLinks(method, linked[1]!, linked[2] !== undefined, linked[3]);
    if (method === 'POST' && path === CONTACT_SEARCH) return this.searchContacts(request.body);
    if (method === 'POST' && path === CALLS) return this.createCall(request.body);
    if (method === 'POST' && path === `${CALLS}/batch/upsert`) return this.upsertCalls(request.body);
    if (method === 'PATCH' && callId) return this.updateCall(callId, request.query, request.body);
    if (method === 'GET' && callId) return this.getCall(callId, request.query);
    if (method === 'GET' && (path === OWNERS || path === `${OWNERS}/`)) return this.listOwners(request.query);
    if (method === 'GET' && path === '/calling/v1/dispositions') return { status: 200, body: HUBSPOT_DISPOSITIONS };
    if (method === 'GET' && path === '/account-info/v3/details') return { status: 200, body: { portalId: Number(this.portalId), uiDomain: 'app.hubspot.com', dataHostingLocation: 'na1' } };
    return { status: 404, body: errorBody('resource not found', 'OBJECT_NOT_FOUND') };
  }

  private searchContacts(text: string): CrmAnswer {
    const body = parseJsonObject(text);
    if (!body) return validationError('Invalid input JSON: the body must be a JSON object');
    const groups = body.filterGroups ?? [];
    if (!Array.isArray(groups)) return validationError('filterGroups must be a list');
    if (groups.length > MAX_GROUPS) return validationError(`Too many filter groups: ${groups.length}. The maximum number of filter groups is ${MAX_GROUPS}.`);
    for (const group of groups) {
      const filters: unknown = isJsonObject(group) ? group.filters : undefined;
      if (!Array.isArray(filters)) return validationError('Each filter group needs a list of filters');
      if (filters.length > MAX_FILTERS_PER_GROUP) return validationError(`Too many filters in a group: ${filters.length}. The maximum number of filters per group is ${MAX_FILTERS_PER_GROUP}.`);
      for (const filter of filters as Filter[]) {
        const unset = isJsonObject(filter) ? (['propertyName', 'operator'] as const).filter((name) => typeof filter[name] !== 'string') : ['propertyName', 'operator'];
        if (unset.length > 0) return validationError(`Invalid input JSON: Cannot build Filter, some of required attributes are not set [${unset.join(', ')}]`);
        if (!OPERATORS.has(filter.operator as string)) return validationError(`Unknown operator ${JSON.stringify(filter.operator)} on ${filter.propertyName as string}`);
        if (filter.operator === 'IN' || filter.operator === 'NOT_IN') {
          if (!Array.isArray(filter.values)) return validationError(`Invalid input JSON: Cannot construct instance of \`com.hubspot.inbounddb.publicobject.core.v3.search.Filter\`, problem: operator ${filter.operator} requires values`);
          if (filter.values.length > MAX_IN_VALUES) return validationError(`Too many values in a filter: ${filter.values.length}. The maximum number of values per filter is ${MAX_IN_VALUES}.`);
        }
      }
    }
    const total = (groups as Array<{ filters: unknown[] }>).reduce((sum, group) => sum + group.filters.length, 0);
    if (total > MAX_FILTERS) return validationError(`Too many filters: ${total}. The maximum number of filters is ${MAX_FILTERS}.`);
    const limit = body.limit ?? 10;
    const after = body.after ?? '0';
    if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0 || limit > MAX_LIMIT) return validationError(`limit must be an integer from 0 to ${MAX_LIMIT}`);
    if (typeof after !== 'string' || !/^\d+$/.test(after)) return validationError('after must be a string of digits');
    const offset = Number(after);
    if (offset + limit > MAX_RESULTS) return validationError(`The search cannot page past ${MAX_RESULTS} results`);
    const wanted = Array.isArray(body.properties) ? body.properties.filter((p): p is string => typeof p === 'string') : DEFAULT_CONTACT_PROPERTIES;
    const query = typeof body.query === 'string' ? body.query : '';

    const matches = this.contacts.filter(
      (contact) =>
        !contact.archived &&
        !this.unindexed.has(contact.id) &&
        (groups.length === 0 || (groups as Array<{ filters: Filter[] }>).some((group) => group.filters.every((filter) => matchesFilter(contact.properties, filter)))) &&
        matchesQuery(contact.properties, query),
    );
    const sorted = sortContacts(matches, body.sorts);
    const page = sorted.slice(offset, offset + limit);
    return {
      status: 200,
      body: {
        total: matches.length,
        results: page.map((contact) => view(contact, [...new Set([...wanted, ...ALWAYS_CONTACT_PROPERTIES])])),
        ...(offset + limit < matches.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
      },
    };
  }

  private listOwners(query: URLSearchParams): CrmAnswer {
    if (!this.readsOwners) return missingScope(OWNERS_SCOPE);
    const limitText = query.get('limit') ?? String(DEFAULT_OWNER_LIMIT);
    const after = query.get('after') ?? '0';
    if (!/^\d+$/.test(limitText) || Number(limitText) < 1) return validationError(`limit must be a positive integer, got ${limitText}`);
    if (!/^\d+$/.test(after)) return validationError(`after must be a paging cursor, got ${after}`);
    const limit = Math.min(Number(limitText), MAX_OWNER_LIMIT);
    const offset = Number(after);
    const email = query.get('email')?.toLowerCase();
    // Every owner here is active: a listing of the archived ones is empty.
    const matches = query.get('archived') === 'true' ? [] : this.owners.filter((owner) => email === undefined || owner.email.toLowerCase() === email);
    return {
      status: 200,
      body: {
        results: matches.slice(offset, offset + limit),
        ...(offset + limit < matches.length ? { paging: { next: { after: String(offset + limit) } } } : {}),
      },
    };
  }

  private createCall(text: string): CrmAnswer {
    const body = parseJsonObject(text);
    if (!body || !isJsonObject(body.properties)) return validationError('Invalid input JSON: expected {"properties": {...}, "associations": [...]}');
    const properties = stringValues(body.properties);
    const refused = this.refusedNewCall(properties);
    if (refused) return refused;
    const associations = body.associations ?? [];
    const badLink = Array.isArray(associations) ? associations.map((a) => this.refusedAssociation(a)).find((reason) => reason !== undefined) : 'associations must be a list';
    if (badLink) return validationError(badLink);
    const call = this.storeCall(properties, associations as Association[]);
    return { status: 201, body: view(call, Object.keys(call.properties)) };
  }

  private updateCall(id: string, query: URLSearchParams, text: string): CrmAnswer {
    const found = this.findCall(id, query.get('idProperty'));
    if (!('call' in found)) return found;
    const body = parseJsonObject(text);
    if (!body || !isJsonObject(body.properties)) return validationError('Invalid input JSON: expected {"properties": {...}}');
    const properties = stringValues(body.properties);
    const refused = this.refusedChange(properties, found.call.id);
    if (refused) return refused;
    this.changeCall(found.call, properties);
    return { status: 200, body: view(found.call, Object.keys(found.call.properties)) };
  }

  /** The v4 association endpoints between call `id` and contacts (see the header): list, link by default, unlink. */
  private routeContactLinks(method: string, id: string, byDefault: boolean, contactId: string | undefined): CrmAnswer {
    const found = this.findCall(id, null);
    if (!('call' in found)) return found;
    const { call } = found;
    if (method === 'GET' && !byDefault && contactId === undefined) {
      const results = call.associations.filter((a) => a.types.some((t) => t.associationTypeId === CONTACT_ASSOCIATION.associationTypeId));
      return { status: 200, body: { results: results.map((a) => ({ toObjectId: Number(a.to.id), associationTypes: [{ category: 'HUBSPOT_DEFINED', typeId: CONTACT_ASSOCIATION.associationTypeId, label: null }] })) } };
    }
    if (method === 'PUT' && byDefault && contactId !== undefined) {
      const refused = this.refusedAssociation({ to: { id: contactId }, types: [CONTACT_ASSOCIATION] });
      if (refused) return validationError(refused);
      if (!call.associations.some((a) => a.to.id === contactId && a.types.some((t) => t.associationTypeId === CONTACT_ASSOCIATION.associationTypeId))) {
        call.associations.push({ to: { id: contactId }, types: [{ ...CONTACT_ASSOCIATION }] });
      }
      const at = new Date().toISOString();
      const link = { from: { id: call.id }, to: { id: contactId }, associationSpec: { ...CONTACT_ASSOCIATION } };
      return { status: 200, body: { status: 'COMPLETE', results: [link], startedAt: at, completedAt: at } };
    }
    if (method === 'DELETE' && !byDefault && contactId !== undefined) {
      call.associations = call.associations
        .map((a) => (a.to.id === contactId ? { ...a, types: a.types.filter((t) => t.associationTypeId !== CONTACT_ASSOCIATION.associationTypeId) } : a))
        .filter((a) => a.types.length > 0);
      return { status: 204 };
    }
    return { status: 404, body: errorBody('resource not found', 'OBJECT_NOT_FOUND') };
  }

  /** Creates each input whose unique property value is new, updates the others; all or nothing. */
  private upsertCalls(text: string): CrmAnswer {
    const body = parseJsonObject(text);
    const inputs = body?.inputs;
    if (!Array.isArray(inputs) || !inputs.every((input) => isJsonObject(input) && typeof input.idProperty === 'string' && typeof input.id === 'string' && isJsonObject(input.properties))) {
      return validationError('Invalid input JSON: expected {"inputs": [{"idProperty", "id", "properties"}]}');
    }
    const keys = inputs.map((input) => `${String(input.idProperty)}=${String(input.id)}`);
    if (new Set(keys).size < keys.length) return validationError('Duplicate IDs found in batch input');
    const plan = (inputs as Array<{ idProperty: string; id: string; properties: Record<string, unknown> }>).map((input) => {
      const properties = { ...stringValues(input.properties), [input.idProperty]: input.id };
      const found = this.findCall(input.id, input.idProperty);
      return 'call' in found ? { properties, existing: found.call } : { properties, notFound: found.status === 404 ? undefined : found };
    });
    for (const step of plan) {
      const refused = step.existing ? this.refusedChange(step.properties, step.existing.id) : (step.notFound ?? this.refusedNewCall(step.properties));
      if (refused) return refused;
    }
    const startedAt = new Date().toISOString();
    const results = plan.map((step) => {
      if (step.existing) this.changeCall(step.existing, step.properties);
      const call = step.existing ?? this.storeCall(step.properties, []);
      return { ...view(call, Object.keys(call.properties)), new: !step.existing };
    });
    return { status: 200, body: { status: 'COMPLETE', results, startedAt, completedAt: new Date().toISOString() } };
  }

  private getCall(id: string, query: URLSearchParams): CrmAnswer {
    const found = this.findCall(id, query.get('idProperty'));
    if (!('call' in found)) return found;
    const { call } = found;
    const asked = (query.get('properties') ?? '').split(',').filter(Boolean);
    const associated = (query.get('associations') ?? '').split(',').filter(Boolean);
    const associations = Object.fromEntries(
      associated.map((type) => [
        type,
        {
          results: call.associations.flatMap((a) =>
            a.types.filter((t) => CALL_ASSOCIATIONS[t.associationTypeId]?.objects === type).map((t) => ({ id: a.to.id, type: CALL_ASSOCIATIONS[t.associationTypeId]!.label })),
          ),
        },
      ]),
    );
    return { status: 200, body: { ...view(call, [...DEFAULT_CALL_PROPERTIES, ...asked]), ...(associated.length > 0 ? { associations } : {}) } };
  }

  /** The call `id` names: its HubSpot id, or the value of the unique property `idProperty`. */
  private findCall(id: string, idProperty: string | null): { call: HubSpotCall } | CrmAnswer {
    if (idProperty !== null && idProperty !== 'hs_object_id' && !this.uniqueProperties.has(idProperty)) return validationError(`${idProperty} is not a unique-value property of calls`);
    const call = this.calls.find((c) => (idProperty === null ? c.id === id : c.properties[idProperty] === id));
    return call ? { call } : { status: 404, body: errorBody('resource not found', 'OBJECT_NOT_FOUND') };
  }

  private refusedNewCall(properties: Record<string, string | null>): CrmAnswer | undefined {
    const invalid = this.invalidCallProperties(properties);
    if (properties.hs_timestamp === undefined || properties.hs_timestamp === null) invalid.unshift(invalidProperty('hs_timestamp', 'REQUIRED_FIELD', 'hs_timestamp is required'));
    return invalid.length > 0 ? propertyErrors(invalid) : this.uniqueConflict(properties, null);
  }

  private refusedChange(properties: Record<string, string | null>, callId: string): CrmAnswer | undefined {
    const invalid = this.invalidCallProperties(properties);
    return invalid.length > 0 ? propertyErrors(invalid) : this.uniqueConflict(properties, callId);
  }

  /** A unique property's value another call already holds: HubSpot refuses the second one. */
  private uniqueConflict(properties: Record<string, string | null>, callId: string | null): CrmAnswer | undefined {
    for (const name of this.uniqueProperties) {
      const value = properties[name];
      const holder = value ? this.calls.find((c) => c.id !== callId && c.properties[name] === value) : undefined;
      if (holder) return { status: 409, body: errorBody(`A call with ${name} "${value}" already exists. Existing ID: ${holder.id}`, 'CONFLICT') };
    }
    return undefined;
  }

  private storeCall(properties: Record<string, string | null>, associations: Association[]): HubSpotCall {
    const now = new Date().toISOString();
    const id = String(this.nextCallId++);
    const call: HubSpotCall = {
      id,
      properties: { ...properties, hs_timestamp: isoTimestamp(properties.hs_timestamp!), hs_createdate: now, hs_lastmodifieddate: now, hs_object_id: id },
      createdAt: now,
      updatedAt: now,
      archived: false,
      associations,
      updates: 0,
    };
    this.calls.push(call);
    return call;
  }

  private changeCall(call: HubSpotCall, properties: Record<string, string | null>): void {
    const now = new Date().toISOString();
    const changed = properties.hs_timestamp ? { ...properties, hs_timestamp: isoTimestamp(properties.hs_timestamp) } : properties;
    Object.assign(call.properties, changed, { hs_lastmodifieddate: now });
    call.updatedAt = now;
    call.updates += 1;
  }

  private invalidCallProperties(properties: Record<string, string | null>): InvalidProperty[] {
    const invalid: InvalidProperty[] = [];
    for (const [name, value] of Object.entries(properties)) {
      if (!this.callProperties.has(name)) invalid.push(invalidProperty(name, 'PROPERTY_DOESNT_EXIST', `Property "${name}" does not exist`));
      else if (value === null || value === '') continue;
      else if (name === 'hs_timestamp' && Number.isNaN(Date.parse(isoTimestamp(value)))) invalid.push(invalidProperty(name, 'INVALID_LONG', `${value} was not a valid long. Portal ${this.portalId}, object type 0-48`));
      else if (name === 'hs_call_direction' && !CALL_DIRECTIONS.has(value)) invalid.push(invalidProperty(name, 'INVALID_OPTION', `${value} was not one of the allowed options: [INBOUND, OUTBOUND]`));
      else if (name === 'hs_call_status' && !CALL_STATUSES.has(value)) invalid.push(invalidProperty(name, 'INVALID_OPTION', `${value} was not one of the allowed options: [${[...CALL_STATUSES].join(', ')}]`));
      else if (name === 'hs_call_disposition' && !HUBSPOT_DISPOSITIONS.some((d) => d.id === value)) invalid.push(invalidProperty(name, 'INVALID_OPTION', `${value} was not one of the allowed options`));
      else if (name === 'hs_call_duration' && !/^\d+$/.test(value)) invalid.push(invalidProperty(name, 'INVALID_INTEGER', `${value} is not a valid integer (milliseconds)`));
      else if (name === 'hs_call_recording_url' && !value.startsWith('https://')) invalid.push(invalidProperty(name, 'INVALID_URL', `${value} is not an HTTPS URL`));
      else if (name === 'hubspot_owner_id' && !this.owners.some((owner) => owner.id === value)) invalid.push(invalidProperty(name, 'INVALID_OWNER_ID', `${value} is not a valid owner id`));
    }
    return invalid;
  }

  private refusedAssociation(association: unknown): string | undefined {
    if (!isJsonObject(association) || !isJsonObject(association.to) || typeof association.to.id !== 'string' || !Array.isArray(association.types) || association.types.length === 0) {
      return 'Each association needs {"to": {"id": "…"}, "types": [{"associationCategory", "associationTypeId"}]}';
    }
    for (const type of association.types as unknown[]) {
      if (!isJsonObject(type) || type.associationCategory !== 'HUBSPOT_DEFINED' || typeof type.associationTypeId !== 'number' || !CALL_ASSOCIATIONS[type.associationTypeId]) {
        return `${JSON.stringify(type)} is not a valid association type for calls`;
      }
      // This portal holds contacts only: any other target does not exist.
      const objects = CALL_ASSOCIATIONS[type.associationTypeId]!.objects;
      if (objects !== 'contacts') return `${OBJECT_NAMES[objects]}=${association.to.id} is not valid`;
      const target = association.to.id;
      if (!this.contacts.some((c) => c.id === target && !c.archived)) return `CONTACT=${target} is not valid`;
    }
    return undefined;
  }
}

/** The national digits HubSpot computes for the searchable phone properties (see the header). */
function nationalDigits(typed: string): string {
  const e164 = toE164(typed, PORTAL_COUNTRY);
  // The international format puts a space after the country code: what follows is national.
  const national = e164 ? formatForDisplay(e164).replace(/^\+\d+\s/, '') : typed;
  return national.replace(/\D/g, '').replace(/^0+/, '');
}

function matchesFilter(properties: Record<string, string | null>, filter: Filter): boolean {
  const stored = properties[filter.propertyName as string] ?? null;
  const value = filter.value === undefined ? undefined : String(filter.value);
  const values = Array.isArray(filter.values) ? filter.values.map(String) : [];
  switch (filter.operator) {
    case 'HAS_PROPERTY':
      return stored !== null && stored !== '';
    case 'NOT_HAS_PROPERTY':
      return stored === null || stored === '';
    case 'EQ':
      return stored === value;
    case 'NEQ':
      return stored !== value;
    case 'IN':
      return stored !== null && values.includes(stored);
    case 'NOT_IN':
      return stored === null || !values.includes(stored);
    case 'CONTAINS_TOKEN':
      return stored !== null && value !== undefined && containsToken(stored, value);
    case 'NOT_CONTAINS_TOKEN':
      return stored === null || value === undefined || !containsToken(stored, value);
    case 'BETWEEN':
      return stored !== null && value !== undefined && compare(stored, value) >= 0 && compare(stored, String(filter.highValue)) <= 0;
    case 'LT':
      return stored !== null && value !== undefined && compare(stored, value) < 0;
    case 'LTE':
      return stored !== null && value !== undefined && compare(stored, value) <= 0;
    case 'GT':
      return stored !== null && value !== undefined && compare(stored, value) > 0;
    case 'GTE':
      return stored !== null && value !== undefined && compare(stored, value) >= 0;
    default:
      return false;
  }
}

function containsToken(stored: string, token: string): boolean {
  const pattern = new RegExp(`^${token.split('*').map(escapeRegExp).join('.*')}$`, 'i');
  return stored.split(/[^\p{L}\p{N}]+/u).some((word) => word !== '' && pattern.test(word));
}

function matchesQuery(properties: Record<string, string | null>, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const indexed = QUERY_PROPERTIES.flatMap((name) => (properties[name] ?? '').toLowerCase().split(/[^\p{L}\p{N}+]+/u));
  return words.every((word) => indexed.some((entry) => entry.startsWith(word)));
}

function sortContacts(contacts: HubSpotObject[], sorts: unknown): HubSpotObject[] {
  const sort = Array.isArray(sorts) && isJsonObject(sorts[0]) ? sorts[0] : undefined;
  const property = typeof sort?.propertyName === 'string' ? sort.propertyName : 'hs_object_id';
  const direction = sort?.direction === 'DESCENDING' ? -1 : 1;
  return [...contacts].sort((a, b) => direction * compare(a.properties[property] ?? '', b.properties[property] ?? ''));
}

function compare(a: string, b: string): number {
  const numeric = /^-?\d+(\.\d+)?$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function view(object: HubSpotObject, names: string[]) {
  return {
    id: object.id,
    properties: Object.fromEntries(names.map((name) => [name, object.properties[name] ?? null])),
    createdAt: object.createdAt,
    updatedAt: object.updatedAt,
    archived: object.archived,
  };
}

function stringValues(properties: Record<string, unknown>): Record<string, string | null> {
  return Object.fromEntries(Object.entries(properties).map(([name, value]) => [name, value === null ? null : typeof value === 'object' ? JSON.stringify(value) : String(value)]));
}

/** `hs_timestamp` as HubSpot stores it: ms since the epoch are taken as such, text as a date. */
function isoTimestamp(value: string): string {
  const date = /^\d+$/.test(value) ? new Date(Number(value)) : new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
}

function invalidProperty(name: string, error: string, message: string): InvalidProperty {
  return { isValid: false, message, error, name };
}

function propertyErrors(invalid: InvalidProperty[]): CrmAnswer {
  return validationError(`Property values were not valid: ${JSON.stringify(invalid)}`);
}

function validationError(message: string): CrmAnswer {
  return { status: 400, body: errorBody(message, 'VALIDATION_ERROR') };
}

/** A token without the scope a call needs. */
function missingScope(scope: string): CrmAnswer {
  return {
    status: 403,
    body: {
      ...errorBody("This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.", 'MISSING_SCOPES'),
      errors: [{ message: 'One or more of the following scopes are required.', context: { requiredGranularScopes: [scope] } }],
      links: { scopes: 'https://developers.hubspot.com/scopes' },
    },
  };
}

function unauthorized(): CrmAnswer {
  return { status: 401, body: errorBody(AUTH_MESSAGE, 'INVALID_AUTHENTICATION') };
}

function errorBody(message: string, category: string) {
  return { status: 'error', message, correlationId: randomUUID(), category };
}

/**
 * HubSpot's limits per token, enforced after `enforceRateLimits()`: search 4 a second [D HSD
 * changelog crm-search-api-rate-limit-increase], every request 100 per 10 s (Free/Starter) [D HSD
 * changelog heads-up-new-and-improved-hubspot-api-limits]. Both as sliding windows, the strictest
 * reading [I: only the policy name TEN_SECONDLY_ROLLING says how HubSpot counts].
 */
const HUBSPOT_RATE_LIMITS: CrmRateLimit[] = [
  { name: 'SECONDLY', requests: 4, perMs: 1000, applies: (request) => request.path === CONTACT_SEARCH },
  { name: 'TEN_SECONDLY_ROLLING', requests: 100, perMs: 10_000, applies: () => true },
];

/** The 429 of a limit gone past, as `failureAnswer` words an injected one, with the limit's figures in its headers. */
function rateLimited(limit: CrmRateLimit): CrmAnswer {
  const answer = failureAnswer({ status: 429 }, limit.name === 'SECONDLY');
  const figures = { 'X-HubSpot-RateLimit-Interval-Milliseconds': String(limit.perMs), 'X-HubSpot-RateLimit-Max': String(limit.requests), 'X-HubSpot-RateLimit-Remaining': '0' };
  return { ...answer, headers: { ...answer.headers, ...figures } };
}

function failureAnswer(failure: InjectedFailure, search: boolean): CrmAnswer {
  if (failure.status === 429) {
    const body = search
      ? { status: 'error', message: 'You have reached your secondly limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'SECONDLY' }
      : { status: 'error', message: 'You have reached your ten_secondly_rolling limit.', errorType: 'RATE_LIMIT', correlationId: randomUUID(), policyName: 'TEN_SECONDLY_ROLLING' };
    const limits = { 'X-HubSpot-RateLimit-Interval-Milliseconds': '10000', 'X-HubSpot-RateLimit-Max': '100', 'X-HubSpot-RateLimit-Remaining': '0' };
    return { status: 429, headers: limits, body };
  }
  if (failure.status === 401) return unauthorized();
  const category = failure.status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR';
  return { status: failure.status, body: errorBody(`injected ${failure.status}`, category) };
}
