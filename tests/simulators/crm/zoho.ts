/**
 * A Zoho CRM simulator over real HTTP: the v8 REST API a CRM connector uses to find the caller
 * in Contacts and Leads and to log the call in the Calls module, plus the accounts server's
 * refresh-token grant. Every request is kept in `requests`.
 *
 * Facts used, and where they come from (CRMS.md §4, its source keys ZS, ZO, ZR):
 * - Base `{api_domain}/crm/v8`; `Authorization: Zoho-oauthtoken <access_token>` [D ZS].
 *   Refused: 401 `{"code":"INVALID_TOKEN","details":{},"message":"invalid oauth token",
 *   "status":"error"}` for an unknown or expired token [D ZO code and message; 401 I]; a missing
 *   header or another scheme (`Bearer`) answers 401 AUTHENTICATION_FAILURE "Authentication
 *   failed" [code D ZO; when Zoho picks it over INVALID_TOKEN, and the message, I].
 * - Refresh: `POST {accounts}/oauth/v2/token?grant_type=refresh_token&client_id&client_secret&
 *   refresh_token` -> `{access_token, api_domain, token_type: "Bearer", expires_in: 3600}` [D Zoho
 *   "Refresh Access Token" pages (PhoneBridge v3, Assist, PDF Editor): one accounts server for
 *   every Zoho API]; the same parameters in a form body are read too, and a refusal is a body
 *   with `error` [D ZS models/authenticator/oauth_token.ts: the SDK posts them as a form and
 *   reads `error`]. A refusal is HTTP 200 all the same: a refresh token Zoho does not know
 *   `{"error":"invalid_code"}` [C Weble/ZohoBooksApi#84: a refresh answered `invalid_code`, "code:
 *   200"], a client id it does not know `{"error":"invalid_client"}` [C asciisd/zoho#6: "HTTP/1.1
 *   200 … {"error":"invalid_client"}"], a wrong client secret `{"error":"invalid_client_secret"}`
 *   [C schmorrison/Zoho#34]; which one wins when several are wrong: I.
 * - Search `GET /crm/v8/{Contacts|Leads|Accounts|Calls}/search` with one of `criteria`, `email`,
 *   `phone`, `word`, plus `fields`, `page`, `per_page` (<= 200) [D ZO]. 200 `{data:[records],
 *   info:{per_page,count,page,more_records}}` [D ZO]; **no match: 204 with an empty body** [D ZS
 *   for 204 handling; C NangoHQ/integration-templates zoho-crm tests/search-records.test.json: a
 *   recorded `GET /crm/v2/Leads/search?word=test` answered 204, body ""]. Record `id`s are
 *   19-digit strings [D ZO].
 *   `Account_Name` is a lookup `{name,id}`, Leads carry `Company` [D ZS field.ts].
 * - `phone=` searches every phone field of the module, `word=` is a "global search by word" [D Zoho
 *   search-records v7: "All the phone fields of a particular module will be searched"]. What
 *   `phone=` compares is [I]: here the digits of the number sent equal the digits of one
 *   phone field as stored (`+1 415 555 0100` is found by `+14155550100`, `(415) 555-0100` only
 *   by `4155550100`), so a connector must try E.164 and then the national number (CRMS.md §6).
 *   `word=` is a case-insensitive substring of a name, company or phone [I]; `criteria` is
 *   zoho-criteria.ts [D Zoho search-records v8]. Deleted records are never found.
 * - Query `POST /crm/v8/coql` `{"select_query"}`: the subset is zoho-coql.ts; answer `{data:[{id,
 *   …fields}], info:{count, more_records}}` [D ZO], none 204 [I]; a query outside the subset 400
 *   SYNTAX_ERROR, an unknown field 400 INVALID_QUERY [D Zoho COQL v7 "Possible Errors": SYNTAX_ERROR
 *   HTTP 400, INVALID_QUERY HTTP 400 "The query contains an invalid column name"; ZO coql.json],
 *   an unknown module INVALID_QUERY too, and the messages [I]. COQL reads a record at once, where
 *   a search may answer 204 for one just written [D Zoho search-records v7: "you may face the 204
 *   NO CONTENT error due to a delay in indexing. To fetch records without any delay, use the Query API"].
 * - Phone fields: Contacts `Phone, Mobile, Home_Phone, Other_Phone, Asst_Phone, Fax`, Leads
 *   `Phone, Mobile, Fax` [D ZS field.ts]. Seeded phones fill them in that order.
 * - Create `POST /crm/v8/Calls` `{data:[…]}` (at most 100) -> per-record envelopes
 *   `{code,details,message,status}`; success `SUCCESS`, "record added", details with
 *   `id, Created_Time, Modified_Time, Created_By, Modified_By` [D ZO]; HTTP 201 "record added",
 *   207 Multi-Status when only some records were written, 400 INVALID_DATA when none was [D
 *   Zoho status-codes v8]. Errors [codes D ZO, `details` shapes C/I]:
 *   MANDATORY_NOT_FOUND for `Subject`, `Call_Type`, `Call_Start_Time` (the first missing one);
 *   INVALID_DATA for a `Call_Type` other than Inbound/Outbound/Missed (any case: the official
 *   sample sends `outbound`, D ZR; stored as the display value, I), a `Call_Start_Time` that is
 *   not `yyyy-MM-ddTHH:mm:ss±HH:mm` (ISO 8601 with an offset: D Zoho insert-records v7 "DateTime in
 *   ISO8601 format", C NangoHQ/integration-templates zoho-crm tests/create-call.test.json: a recorded
 *   create with "2026-05-14T10:00:00+05:30" answered 201; that other forms are refused: I), a
 *   `Call_Duration` not matching `^\d{1,4}:\d{2}$` (CRMS.md §4.3's rule; **mm:ss** [C the same
 *   Nango recordings read Calls back with "Call_Duration":"10:00" and Call_Duration_in_seconds 600,
 *   "01:00" and 60, "00:15" and 15; D Zoho Bigin's Calls response "10:00 … mm:ss"], though Zoho's
 *   insert-records v7 page and Kaizen #38 call it "HH:mm"; minutes past 59 taken: I), and a
 *   `Who_Id`/`What_Id` naming no live record ("the id given seems to be invalid." D ZO). `Who_Id` is a Contact; a Lead goes in `What_Id` with `$se_module` "Leads",
 *   an Account with "Accounts"; Call_Type Inbound/Outbound/Missed, mandatory with Subject and
 *   Call_Start_Time [D Zoho Kaizen #38 "Calls API"]. A Lead in `Who_Id` is refused like a
 *   missing record [I]; `$se_module` is "mandatory when you give What_Id" [D Zoho insert-records v7],
 *   refused without it as MANDATORY_NOT_FOUND [code I]. Unknown fields are ignored [C Nango
 *   tests/create-call.test.json: a create with `Outbound_Call_Status`, a key the Calls record read
 *   back does not have, answered 201 "record added"]. `Call_Duration_in_seconds` is computed from
 *   `Call_Duration` [C the Nango recordings above].
 * - Update `PUT /crm/v8/Calls/{id}` `{data:[{…}]}` -> 200 "record updated" [D ZO]; an unknown id
 *   is INVALID_DATA [I]. Get `GET /crm/v8/Calls/{id}` -> `{data:[record]}`, unknown id 204 [I].
 * - Upsert `POST /crm/v8/Calls/upsert` with `duplicate_check_fields` [D ZO]: `action`
 *   insert (201) or update (200), `duplicate_field` [D ZO record.json: upsert's success has
 *   `action` insert|update and `duplicate_field`; statuses I]. A custom field declared unique
 *   (`uniqueCallField`, e.g. `Relay_Call_Id`) refuses a second create with DUPLICATE_DATA [D Zoho insert-records: "Duplicates are
 *   checked for every insert record API call based on unique fields"; the code D ZO; its
 *   `details` I].
 * - Fields `GET /crm/v8/settings/fields?module=Calls` -> `{fields:[{api_name, field_label,
 *   data_type, system_mandatory, pick_list_values:[{display_value, actual_value}]}]}` [shape
 *   D ZO v8.0/fields.json]; the picklists a new org has (Call_Result: Interested, ...) are
 *   [I; C Nango tests/get-call.test.json: a sample Call of a new org holds Call_Purpose
 *   "Negotiation", Call_Result "Interested"]. Picklist values are not enforced on write, except
 *   Call_Type [I].
 * - Limits: past the concurrency cap Zoho answers code TOO_MANY_REQUESTS [D Zoho Kaizen #203
 *   "Handling API Limits and Error Responses"], HTTP 429 for spent credits or concurrency [C: a
 *   summary of Zoho's status-codes page]; its message, and Retry-After only when the test
 *   injects one: [I].
 *   5xx bodies `{"code":"INTERNAL_ERROR","message":"Internal Server Error",…}` [D ZO record.json
 *   API_Exception codes; Zoho search-records v7: "INTERNAL_ERROR HTTP 500 Internal Server Error"],
 *   the Users API's `INTERNAL_SERVER_ERROR` [D ZO users.json InternalError]. Unknown module INVALID_MODULE, unknown route
 *   INVALID_URL_PATTERN [codes D ZO; statuses, messages I]. Module names in the path in any case
 *   (the official sample writes `$se_module:"accounts"`) [I].
 * - Users `GET /crm/v8/users?type&page&per_page` -> `{users:[{id, email, first_name, last_name,
 *   full_name, status, confirm, profile, role, …}], info:{per_page,count,page,more_records}}`, none
 *   204; `type` AllUsers by default [D ZO v8.0/users getUsers; default D Zoho Kaizen #51]; "the
 *   default and the maximum possible value" of `per_page` is 200, more paged by `page` [D Zoho
 *   get-users v7; C Nango actions/list-users.ts: "Default and max is 200", next page while
 *   info.more_records]. The Users API has no search by email [D ZO users.json, and the SDK's
 *   GetUsersParam: type, page, per_page, ids]; Zoho's search-records page lists `users` among its
 *   modules, with a `type` "supported only for Users module" [D Zoho search-records v7], but not
 *   what that search answers: not served here [I].
 *   Every user here is active and confirmed; the token's user (the author of every
 *   record) is one, an Administrator, role CEO [C Nango tests/list-users.test.json: a new org's
 *   one user is profile Administrator …026011, role CEO …026005, as the ids here]. Only the types
 *   those flags answer are served; another type, or a `per_page` past 200, is 400 INVALID_DATA [I].
 *   User ids are 19-digit strings like record ids [C the same recording: "7328395000000605001"].
 * - A Calls record's `Owner` is a user lookup `{id}`: not an object is INVALID_DATA "Invalid data
 *   type" with expected_data_type jsonobject [D ZO, a record example]; an id naming no active user
 *   is INVALID_DATA "invalid data" with details.api_name "Owner" [C verygoodplugins/wp-fusion-lite#17,
 *   Zoho's answer to an Owner id it did not know: `{"code":"INVALID_DATA","details":{"api_name":
 *   "Owner"},"message":"invalid data","status":"error"}`; json_path added as ZO's ErrorDetails: I].
 *   Without it the token's user owns the record [C Nango tests/update-call.test.json: a Call the
 *   API created with no Owner reads back Owner = Created_By, the token's user]. Stored, and answered,
 *   as `{name, id}`.
 */
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';
import { type CrmAnswer, type CrmRequest, CrmServer, ServedCrmSimulator } from './crm-server.ts';
import { AccessTokens, isRefreshGrant, type OAuthClient } from './oauth-tokens.ts';
import { type CoqlQuery, equalsCoql, parseCoql } from './zoho-coql.ts';
import { criteriaFields, matchesCriteria, parseCriteria } from './zoho-criteria.ts';

export interface ZohoSimulatorOptions {
  /** A custom Calls field marked "Do not allow duplicate values" (e.g. `Relay_Call_Id`). */
  uniqueCallField?: string;
}

type Module = 'Contacts' | 'Leads' | 'Accounts' | 'Calls';

/** A user of the org, as the Users API answers it. */
interface ZohoUser {
  id: string;
  email: string;
  first_name: string | null;
  last_name: string;
  full_name: string;
  status: 'active';
  confirm: true;
  profile: { name: string; id: string };
  role: { name: string; id: string };
}

interface ZohoRecord {
  id: string;
  module: Module;
  fields: Record<string, unknown>;
  deleted: boolean;
  created: string;
  modified: string;
  updates: number;
}

const PHONE_FIELDS: Record<Module, string[]> = {
  Contacts: ['Phone', 'Mobile', 'Home_Phone', 'Other_Phone', 'Asst_Phone', 'Fax'],
  Leads: ['Phone', 'Mobile', 'Fax'],
  Accounts: ['Phone', 'Fax'],
  Calls: [],
};
const NAME_FIELDS: Record<Module, string[]> = {
  Contacts: ['First_Name', 'Last_Name', 'Full_Name', 'Account_Name', 'Email'],
  Leads: ['First_Name', 'Last_Name', 'Full_Name', 'Company', 'Email'],
  Accounts: ['Account_Name'],
  Calls: [],
};
const CALL_FIELDS = [
  'Subject', 'Call_Type', 'Call_Start_Time', 'Call_Duration', 'Who_Id', 'What_Id', '$se_module', 'Outgoing_Call_Status',
  'Call_Purpose', 'Call_Agenda', 'Call_Result', 'Description', 'Reminder', 'Voice_Recording__s', 'Caller_ID', 'Dialled_Number',
  'CTI_Entry', 'Scheduled_In_CRM', 'Tag', 'Record_Status__s', 'Owner',
];
const LOOKUP_FIELDS = ['Who_Id', 'What_Id', 'Account_Name'];
const MANDATORY_CALL_FIELDS = ['Subject', 'Call_Type', 'Call_Start_Time'];
const CALL_TYPES = ['Inbound', 'Outbound', 'Missed'];
/** The Calls picklists a new org has; values as Zoho's UI lists them [I; Call_Purpose "Negotiation", Call_Result "Interested" C Nango]. */
const CALL_PICKLISTS: Record<string, string[]> = {
  Call_Type: CALL_TYPES,
  Call_Purpose: ['-None-', 'Prospecting', 'Administrative', 'Negotiation', 'Demo', 'Project', 'Desk'],
  Call_Result: ['-None-', 'Interested', 'Not interested', 'No response/Busy', 'Requested more info', 'Requested call back', 'Invalid number'],
  Outgoing_Call_Status: ['Scheduled', 'Completed', 'Overdue', 'Cancelled'],
};
const START_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$/;
const DURATION = /^(\d{1,4}):(\d{2})$/;
const SYSTEM_FIELDS = ['id', 'Created_Time', 'Modified_Time', 'Created_By', 'Modified_By', 'Owner'];
/** The user the token belongs to: the author of every record, and its owner unless the write names another. */
const API_USER = { name: 'Relay', id: '5725767000000312001' };
/** A new org's profiles and roles [ids I]. */
const ADMINISTRATOR = { name: 'Administrator', id: '5725767000000026011' };
const STANDARD = { name: 'Standard', id: '5725767000000026014' };
const CEO = { name: 'CEO', id: '5725767000000026005' };
/** The `type`s of the Users API the simulated users can answer: every one is active and confirmed. */
const USER_TYPES: Record<string, (user: ZohoUser) => boolean> = {
  AllUsers: () => true,
  ActiveUsers: () => true,
  AllActiveUsers: () => true,
  ConfirmedUsers: () => true,
  ActiveConfirmedUsers: () => true,
  ActiveAndDeactive: () => true,
  AdminUsers: (user) => user.profile.id === ADMINISTRATOR.id,
  ActiveConfirmedAdmins: (user) => user.profile.id === ADMINISTRATOR.id,
  CurrentUser: (user) => user.id === API_USER.id,
  DeactiveUsers: () => false,
  NotConfirmedUsers: () => false,
  DeletedUsers: () => false,
};
const MAX_USERS_PER_PAGE = 200;
const MAX_RECORDS_PER_WRITE = 100;

function error(status: number, code: string, message: string, details: Record<string, unknown> = {}): CrmAnswer {
  return { status, body: { code, details, message, status: 'error' } };
}

/** A per-record envelope inside `data[]`. */
function recordError(code: string, message: string, details: Record<string, unknown>) {
  return { code, details, message, status: 'error' };
}

/** The envelope of a record that lacks a mandatory field. */
function mandatoryMissing(field: string, index: number) {
  return recordError('MANDATORY_NOT_FOUND', 'required field not found', { api_name: field, json_path: `$.data[${index}].${field}` });
}

/** A write's status: `done` when every record was written, 207 Multi-Status when some were, 400 when none was. */
function writeStatus(results: ReadonlyArray<{ status?: unknown }>, done: number): number {
  const written = results.filter((r) => r.status === 'success').length;
  return written === results.length ? done : written > 0 ? 207 : 400;
}

const invalidUrl = () => error(404, 'INVALID_URL_PATTERN', 'Please check if the URL trying to access is a correct one');

/** Zoho's datetime: seconds, with an offset rather than `Z`. */
function zohoTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}+00:00`;
}

export class ZohoSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  private readonly records = new Map<string, ZohoRecord>();
  private readonly users = new Map<string, ZohoUser>([
    [API_USER.id, { id: API_USER.id, email: 'relay@example.com', first_name: null, last_name: API_USER.name, full_name: API_USER.name, status: 'active', confirm: true, profile: ADMINISTRATOR, role: CEO }],
  ]);
  private readonly client: OAuthClient = { client_id: '1000.SIMCLIENT', client_secret: 'sim-client-secret', refresh_token: '1000.sim-refresh-token' };
  private readonly tokens = new AccessTokens((serial, random) => `1000.${String(serial).padStart(4, '0')}${random}.${random.slice(0, 8)}`);
  private nextId = 524157;

  private constructor(
    crm: CrmServer,
    private readonly options: ZohoSimulatorOptions,
  ) {
    super(crm);
    this.config = {
      api_domain: crm.baseUrl,
      accounts_url: crm.baseUrl,
      access_token: this.tokens.issue(),
      ...this.client,
    };
  }

  static async start(options: ZohoSimulatorOptions = {}): Promise<ZohoSimulator> {
    let zoho: ZohoSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => zoho!.route(request),
      failure: (failure, request) => zoho!.failure(failure, request),
      isSearch: (request) => /\/search$/.test(request.path),
      jsonType: 'application/json;charset=UTF-8',
    });
    zoho = new ZohoSimulator(crm, options);
    return zoho;
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((contact) => {
      const module: Module = contact.lead ? 'Leads' : 'Contacts';
      const slots = PHONE_FIELDS[module];
      if (contact.phones.length > slots.length) throw new Error(`a Zoho ${module} record has ${slots.length} phone fields, not ${contact.phones.length}`);
      const fields: Record<string, unknown> = {
        First_Name: contact.firstName,
        Last_Name: contact.lastName,
        Full_Name: `${contact.firstName} ${contact.lastName}`,
      };
      for (const slot of slots) fields[slot] = null;
      contact.phones.forEach((phone, index) => (fields[slots[index]!] = phone));
      if (module === 'Leads') fields.Company = contact.company ?? null;
      else fields.Account_Name = contact.company ? { name: contact.company, id: this.account(contact.company).id } : null;
      return this.insert(module, fields, contact.deleted ?? false).id;
    });
  }

  seedUser(user: SeedUser): string {
    const id = this.newId();
    const fullName = `${user.firstName} ${user.lastName}`;
    this.users.set(id, { id, email: user.email, first_name: user.firstName, last_name: user.lastName, full_name: fullName, status: 'active', confirm: true, profile: STANDARD, role: CEO });
    return id;
  }

  activities(): StoredActivity[] {
    return [...this.records.values()].filter((r) => r.module === 'Calls').map((r) => ({ id: r.id, fields: this.view(r), updates: r.updates }));
  }

  /** Every access token issued so far stops working, as after its hour (Zoho answers INVALID_TOKEN). */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  private failure(failure: InjectedFailure, request: CrmRequest): CrmAnswer {
    if (failure.status === 401) return error(401, 'INVALID_TOKEN', 'invalid oauth token');
    if (failure.status === 429) return error(429, 'TOO_MANY_REQUESTS', 'too many requests');
    // The Users API names its 5xx INTERNAL_SERVER_ERROR, the records APIs INTERNAL_ERROR (ZO users.json, record.json).
    if (failure.status >= 500) return error(failure.status, request.path.startsWith('/crm/v8/users') ? 'INTERNAL_SERVER_ERROR' : 'INTERNAL_ERROR', 'Internal Server Error');
    return error(failure.status, 'INVALID_REQUEST', 'unable to process your request');
  }

  private route(request: CrmRequest): CrmAnswer {
    if (request.path === '/oauth/v2/token') return this.refreshToken(request);
    const refused = this.refuseAuthorization(request.headers.authorization);
    if (refused) return refused;
    if (request.path === '/crm/v8/settings/fields' && request.method === 'GET') return this.fieldsOf(request.query.get('module') ?? '');
    if (request.path === '/crm/v8/coql' && request.method === 'POST') return this.coql(request.body);
    if (request.path === '/crm/v8/users' && request.method === 'GET') return this.listUsers(request.query);
    const route = /^\/crm\/v8\/([A-Za-z_]+)(?:\/([^/]+))?$/.exec(request.path);
    if (!route) return invalidUrl();
    const [, moduleName, rest] = route;
    const module = (Object.keys(PHONE_FIELDS) as Module[]).find((m) => m.toLowerCase() === moduleName!.toLowerCase());
    if (!module) return error(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { resource_path_index: 0 });
    if (rest === 'search' && request.method === 'GET') return this.search(module, request.query);
    if (module !== 'Calls') return invalidUrl();
    const body = request.method === 'POST' || request.method === 'PUT' ? this.parseData(request.body) : undefined;
    if (body && 'status' in body) return body;
    if (rest === undefined && request.method === 'POST') return this.createCalls(body!.data, false, []);
    if (rest === 'upsert' && request.method === 'POST') return this.createCalls(body!.data, true, body!.duplicateCheckFields);
    if (rest === undefined && request.method === 'PUT') return this.updateCalls(body!.data, undefined);
    if (rest !== undefined && request.method === 'PUT') return this.updateCalls(body!.data, rest);
    if (rest !== undefined && request.method === 'GET') {
      const record = this.records.get(rest);
      return record?.module === 'Calls' ? { status: 200, body: { data: [this.view(record)] } } : { status: 204 };
    }
    return error(405, 'INVALID_REQUEST_METHOD', 'The http request method type is not a valid one');
  }

  private refuseAuthorization(header: string | undefined): CrmAnswer | undefined {
    const scheme = /^Zoho-oauthtoken (.+)$/.exec(header ?? '');
    if (!scheme) return error(401, 'AUTHENTICATION_FAILURE', 'Authentication failed');
    if (!this.tokens.isLive(scheme[1])) return error(401, 'INVALID_TOKEN', 'invalid oauth token');
    return undefined;
  }

  /** The refresh grant; a refusal is HTTP 200 with `error`: the client checked first, then the refresh token. */
  private refreshToken(request: CrmRequest): CrmAnswer {
    if (!isRefreshGrant(request.method, request.query, request.body, this.client)) {
      const params = new URLSearchParams(request.query);
      for (const [name, value] of new URLSearchParams(request.body)) params.set(name, value);
      const refusal = params.get('client_id') !== this.client.client_id ? 'invalid_client' : params.get('client_secret') !== this.client.client_secret ? 'invalid_client_secret' : 'invalid_code';
      return { status: 200, body: { error: refusal } };
    }
    return { status: 200, body: { access_token: this.tokens.issue(), api_domain: this.url, token_type: 'Bearer', expires_in: 3600 } };
  }

  /** One page of the users of a `type`, in the order they were added; none is 204. */
  private listUsers(query: URLSearchParams): CrmAnswer {
    const type = query.get('type') ?? 'AllUsers';
    const perPage = Number(query.get('per_page') ?? MAX_USERS_PER_PAGE);
    const page = Number(query.get('page') ?? 1);
    const ofType = Object.hasOwn(USER_TYPES, type) ? USER_TYPES[type] : undefined;
    if (!ofType) return error(400, 'INVALID_DATA', 'invalid data', { param_name: 'type' });
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > MAX_USERS_PER_PAGE) return error(400, 'INVALID_DATA', 'invalid data', { param_name: 'per_page', maximum_length: MAX_USERS_PER_PAGE });
    if (!Number.isInteger(page) || page < 1) return error(400, 'INVALID_DATA', 'invalid data', { param_name: 'page' });
    const found = [...this.users.values()].filter(ofType);
    const users = found.slice((page - 1) * perPage, page * perPage);
    if (users.length === 0) return { status: 204 };
    return { status: 200, body: { users, info: { per_page: perPage, count: users.length, page, more_records: found.length > page * perPage } } };
  }

  /** The fields of a module with their types, and the values of each picklist: where a connector reads the dispositions. */
  private fieldsOf(moduleName: string): CrmAnswer {
    const module = (Object.keys(PHONE_FIELDS) as Module[]).find((m) => m.toLowerCase() === moduleName.toLowerCase());
    if (!module) return error(400, 'INVALID_MODULE', 'the module name given seems to be invalid', { param_name: 'module' });
    const names = module === 'Calls' ? this.callFields() : [...NAME_FIELDS[module], ...PHONE_FIELDS[module]];
    const fields = names.map((name) => {
      const picklist = module === 'Calls' ? CALL_PICKLISTS[name] : undefined;
      const dataType = picklist ? 'picklist' : PHONE_FIELDS[module].includes(name) ? 'phone' : name === 'Call_Start_Time' ? 'datetime' : name === 'Owner' ? 'ownerlookup' : LOOKUP_FIELDS.includes(name) ? 'lookup' : 'text';
      return {
        api_name: name,
        field_label: name.replace(/_/g, ' ').replace(/\$/g, ''),
        data_type: dataType,
        system_mandatory: module === 'Calls' && MANDATORY_CALL_FIELDS.includes(name),
        pick_list_values: (picklist ?? []).map((value) => ({ display_value: value, actual_value: value })),
      };
    });
    return { status: 200, body: { fields } };
  }

  private search(module: Module, query: URLSearchParams): CrmAnswer {
    const perPage = Number(query.get('per_page') ?? 200);
    const page = Number(query.get('page') ?? 1);
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > 200) return error(400, 'INVALID_DATA', 'invalid data', { param_name: 'per_page', maximum_length: 200 });
    if (!Number.isInteger(page) || page < 1) return error(400, 'INVALID_DATA', 'invalid data', { param_name: 'page' });
    const known = new Set([...PHONE_FIELDS[module], ...NAME_FIELDS[module], ...(module === 'Calls' ? this.callFields() : []), ...SYSTEM_FIELDS]);
    const fields = query.get('fields')?.split(',').map((f) => f.trim()).filter(Boolean);
    const unknownField = fields?.find((f) => !known.has(f));
    if (unknownField) return error(400, 'INVALID_DATA', 'the field name given seems to be invalid', { api_name: unknownField });

    const matches = this.matcher(module, query, known);
    if ('status' in matches) return matches;
    const found = [...this.records.values()].filter((r) => r.module === module && !r.deleted && matches.test(r));
    const shown = found.slice((page - 1) * perPage, page * perPage);
    if (shown.length === 0) return { status: 204 };
    const data = shown.map((r) => {
      const view = this.view(r);
      return fields ? Object.fromEntries([['id', r.id], ...fields.map((f) => [f, view[f] ?? null])]) : view;
    });
    return { status: 200, body: { data, info: { per_page: perPage, count: data.length, page, more_records: found.length > page * perPage } } };
  }

  /** A COQL select of one module's records whose field is one value; none is 204, as for a search [I]. */
  private coql(raw: string): CrmAnswer {
    let query: CoqlQuery;
    try {
      const source = (JSON.parse(raw) as { select_query?: unknown } | null)?.select_query;
      if (typeof source !== 'string') return error(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'select_query' });
      query = parseCoql(source);
    } catch (failure) {
      return error(400, 'SYNTAX_ERROR', 'error occurred while parsing the query', { reason: (failure as Error).message });
    }
    const module = (Object.keys(PHONE_FIELDS) as Module[]).find((m) => m.toLowerCase() === query.module.toLowerCase());
    if (!module) return error(400, 'INVALID_QUERY', 'invalid query formed', { reason: 'the module is not available for query', module: query.module });
    const known = new Set([...PHONE_FIELDS[module], ...NAME_FIELDS[module], ...(module === 'Calls' ? this.callFields() : []), ...SYSTEM_FIELDS]);
    const unknown = [...query.fields, query.where.field].find((f) => !known.has(f));
    if (unknown) return error(400, 'INVALID_QUERY', 'invalid query formed', { reason: 'the field is not available for query', api_name: unknown });
    const found = [...this.records.values()].filter((r) => r.module === module && !r.deleted && equalsCoql(query, this.text(r, query.where.field)));
    if (found.length === 0) return { status: 204 };
    const data = found.slice(0, query.limit).map((r) => {
      const view = this.view(r);
      return Object.fromEntries([['id', r.id], ...query.fields.map((f) => [f, view[f] ?? null])]);
    });
    return { status: 200, body: { data, info: { count: data.length, more_records: found.length > query.limit } } };
  }

  /** A field as the searches compare it: a lookup by its name. */
  private text(r: ZohoRecord, field: string): string | null {
    const value = this.view(r)[field];
    if (value && typeof value === 'object' && 'name' in value) return String((value as { name: unknown }).name);
    return typeof value === 'string' || typeof value === 'number' ? String(value) : null;
  }

  /** How one search parameter picks records; a 400 when none is given or the criteria is bad. */
  private matcher(module: Module, query: URLSearchParams, known: Set<string>): { test: (r: ZohoRecord) => boolean } | CrmAnswer {
    const criteria = query.get('criteria');
    if (criteria) {
      let parsed;
      try {
        parsed = parseCriteria(criteria);
      } catch (failure) {
        return error(400, 'INVALID_QUERY', 'invalid query formed', { reason: (failure as Error).message });
      }
      const unknown = criteriaFields(parsed).find((f) => !known.has(f));
      if (unknown) return error(400, 'INVALID_QUERY', 'invalid query formed', { reason: 'the field is not available for search', api_name: unknown });
      return { test: (r) => matchesCriteria(parsed, (field) => this.text(r, field)) };
    }
    const phone = query.get('phone');
    if (phone) {
      const wanted = phone.replace(/\D/g, '');
      return { test: (r) => wanted !== '' && PHONE_FIELDS[module].some((f) => this.text(r, f)?.replace(/\D/g, '') === wanted) };
    }
    const word = query.get('word')?.toLowerCase();
    if (word) return { test: (r) => [...NAME_FIELDS[module], ...PHONE_FIELDS[module]].some((f) => this.text(r, f)?.toLowerCase().includes(word)) };
    const email = query.get('email')?.toLowerCase();
    if (email) return { test: (r) => this.text(r, 'Email')?.toLowerCase() === email };
    return error(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'criteria|email|phone|word' });
  }

  private parseData(raw: string): { data: Array<Record<string, unknown>>; duplicateCheckFields: string[] } | CrmAnswer {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return error(400, 'INVALID_DATA', 'body', { reason: 'the request body is not valid JSON' });
    }
    const data = (body as { data?: unknown } | null)?.data;
    if (!Array.isArray(data) || data.length === 0) return error(400, 'REQUIRED_PARAM_MISSING', 'One of the expected parameter is missing', { param: 'data' });
    if (data.length > MAX_RECORDS_PER_WRITE) return error(400, 'LIMIT_EXCEEDED', 'the number of records exceeded the limit', { limit: MAX_RECORDS_PER_WRITE });
    if (data.some((item) => !item || typeof item !== 'object' || Array.isArray(item))) return error(400, 'INVALID_DATA', 'invalid data', { expected_data_type: 'jsonobject', json_path: '$.data' });
    const check = (body as { duplicate_check_fields?: unknown }).duplicate_check_fields;
    return { data: data as Array<Record<string, unknown>>, duplicateCheckFields: Array.isArray(check) ? check.map(String) : [] };
  }

  private createCalls(data: Array<Record<string, unknown>>, upsert: boolean, duplicateCheckFields: string[]): CrmAnswer {
    const results = data.map((item, index) => {
      const existing = upsert ? this.findDuplicate(item, duplicateCheckFields) : undefined;
      if (existing) return { ...this.applyUpdate(existing, item, index), action: 'update', duplicate_field: duplicateCheckFields.find((f) => item[f] !== undefined) ?? null };
      const missing = MANDATORY_CALL_FIELDS.find((f) => item[f] === undefined || item[f] === null || item[f] === '');
      if (missing) return mandatoryMissing(missing, index);
      const fields = this.validCallFields(item, index);
      if ('code' in fields) return fields;
      const duplicate = this.uniqueClash(fields, index);
      if (duplicate) return duplicate;
      const added = { code: 'SUCCESS', details: this.details(this.insert('Calls', fields, false)), message: 'record added', status: 'success' };
      return upsert ? { ...added, action: 'insert', duplicate_field: null } : added;
    });
    return { status: writeStatus(results, results.some((r) => r.message === 'record added') ? 201 : 200), body: { data: results } };
  }

  private updateCalls(data: Array<Record<string, unknown>>, pathId: string | undefined): CrmAnswer {
    const results = data.map((item, index) => {
      const id = pathId ?? (typeof item.id === 'string' ? item.id : undefined);
      const record = id === undefined ? undefined : this.records.get(id);
      if (id === undefined) return mandatoryMissing('id', index);
      if (!record || record.module !== 'Calls' || record.deleted) return recordError('INVALID_DATA', 'the id given seems to be invalid.', { id });
      return this.applyUpdate(record, item, index);
    });
    return { status: writeStatus(results, 200), body: { data: results } };
  }

  private applyUpdate(record: ZohoRecord, item: Record<string, unknown>, index: number) {
    const cleared = MANDATORY_CALL_FIELDS.find((f) => f in item && (item[f] === null || item[f] === ''));
    if (cleared) return mandatoryMissing(cleared, index);
    const fields = this.validCallFields(item, index);
    if ('code' in fields) return fields;
    const duplicate = this.uniqueClash(fields, index, record);
    if (duplicate) return duplicate;
    Object.assign(record.fields, fields);
    record.modified = zohoTime(new Date());
    record.updates += 1;
    return { code: 'SUCCESS', details: this.details(record), message: 'record updated', status: 'success' };
  }

  /** The known Calls fields of `item`, checked and in stored form; or the first field's error envelope. */
  private validCallFields(item: Record<string, unknown>, index: number): Record<string, unknown> | ReturnType<typeof recordError> {
    const invalid = (field: string, expected: string) =>
      recordError('INVALID_DATA', 'invalid data', { expected_data_type: expected, api_name: field, json_path: `$.data[${index}].${field}` });
    const fields: Record<string, unknown> = {};
    for (const field of this.callFields()) if (field in item) fields[field] = item[field];

    if (fields.Call_Type !== undefined) {
      const type = CALL_TYPES.find((t) => t.toLowerCase() === String(fields.Call_Type).toLowerCase());
      if (!type) return invalid('Call_Type', 'picklist');
      fields.Call_Type = type;
    }
    if (fields.Call_Start_Time !== undefined && !(typeof fields.Call_Start_Time === 'string' && START_TIME.test(fields.Call_Start_Time))) return invalid('Call_Start_Time', 'datetime');
    if (fields.Call_Duration !== undefined && fields.Call_Duration !== null) {
      const duration = typeof fields.Call_Duration === 'string' ? DURATION.exec(fields.Call_Duration) : null;
      if (!duration) return invalid('Call_Duration', 'text');
      fields.Call_Duration_in_seconds = Number(duration[1]) * 60 + Number(duration[2]);
    }
    if (fields.Owner !== undefined) {
      const raw = fields.Owner;
      if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
        return recordError('INVALID_DATA', 'Invalid data type', { api_name: 'Owner', expected_data_type: 'jsonobject', json_path: `$.data[${index}].Owner` });
      }
      const id = (raw as { id?: unknown }).id;
      const owner = typeof id === 'string' ? this.users.get(id) : undefined;
      if (!owner) return recordError('INVALID_DATA', 'invalid data', { api_name: 'Owner', json_path: `$.data[${index}].Owner` });
      fields.Owner = { name: owner.full_name, id: owner.id };
    }
    // A Lead is linked as What_Id with $se_module Leads, not as Who_Id (Zoho's Calls guide, Kaizen #38).
    for (const [field, modules] of [['Who_Id', ['Contacts']], ['What_Id', ['Accounts', 'Leads']]] as const) {
      if (fields[field] === undefined || fields[field] === null) continue;
      const raw = fields[field];
      const id = typeof raw === 'string' ? raw : (raw as { id?: unknown } | null)?.id;
      const target = typeof id === 'string' ? this.records.get(id) : undefined;
      const module = field === 'What_Id' ? String(item.$se_module ?? '') : undefined;
      if (field === 'What_Id' && !module) return mandatoryMissing('$se_module', index);
      const wanted = module ? modules.filter((m) => m.toLowerCase() === module.toLowerCase()) : modules;
      if (!target || target.deleted || !(wanted as readonly string[]).includes(target.module)) {
        return recordError('INVALID_DATA', 'the id given seems to be invalid.', { api_name: field, json_path: `$.data[${index}].${field}` });
      }
      fields[field] = { name: String(target.fields.Full_Name ?? target.fields.Account_Name), id: target.id };
      if (module) fields.$se_module = target.module;
    }
    return fields;
  }

  /** The Calls fields of this org: Zoho's, plus the custom unique one when it has it. */
  private callFields(): string[] {
    const custom = this.options.uniqueCallField ? [this.options.uniqueCallField] : [];
    return [...CALL_FIELDS, 'Call_Duration_in_seconds', ...custom];
  }

  private findDuplicate(item: Record<string, unknown>, checkFields: string[]): ZohoRecord | undefined {
    const keys = checkFields.filter((f) => item[f] !== undefined && item[f] !== null);
    if (keys.length === 0) return undefined;
    return [...this.records.values()].find((r) => r.module === 'Calls' && !r.deleted && keys.every((f) => r.fields[f] === item[f]));
  }

  /** The DUPLICATE_DATA envelope when `fields` repeats another Calls record's unique field. */
  private uniqueClash(fields: Record<string, unknown>, index: number, self?: ZohoRecord) {
    const unique = this.options.uniqueCallField;
    if (!unique || fields[unique] === undefined || fields[unique] === null) return undefined;
    const other = [...this.records.values()].find((r) => r !== self && r.module === 'Calls' && !r.deleted && r.fields[unique] === fields[unique]);
    if (!other) return undefined;
    return recordError('DUPLICATE_DATA', 'duplicate data', { api_name: unique, json_path: `$.data[${index}].${unique}`, duplicate_record: { module: { api_name: 'Calls' }, id: other.id } });
  }

  private account(name: string): ZohoRecord {
    const existing = [...this.records.values()].find((r) => r.module === 'Accounts' && r.fields.Account_Name === name);
    return existing ?? this.insert('Accounts', { Account_Name: name, Phone: null, Fax: null }, false);
  }

  private insert(module: Module, fields: Record<string, unknown>, deleted: boolean): ZohoRecord {
    const now = zohoTime(new Date());
    const record: ZohoRecord = { id: this.newId(), module, fields, deleted, created: now, modified: now, updates: 0 };
    this.records.set(record.id, record);
    return record;
  }

  /** A new id, records' and users' from one sequence: 19 digits, as Zoho's. */
  private newId(): string {
    return `5725767000000${String(this.nextId++).padStart(6, '0')}`;
  }

  private details(record: ZohoRecord) {
    return { Modified_Time: record.modified, Modified_By: API_USER, Created_Time: record.created, id: record.id, Created_By: API_USER };
  }

  /** The record as Zoho answers it: its fields plus the system ones; the token's user owns it unless the write named another. */
  private view(record: ZohoRecord): Record<string, unknown> {
    return { Owner: API_USER, ...record.fields, ...this.details(record) };
  }
}
