/**
 * A Salesforce simulator over real HTTP: the REST API a CRM connector uses to find the caller
 * with SOSL, the agent's own User with SOQL, and to log the call as a Task assigned to them,
 * plus the OAuth refresh-token grant. Every request is kept in `requests`.
 *
 * Facts used, and where they come from (CRMS.md §5, source key SF = developer.salesforce.com; AT10 =
 * automationtesting-10/Salesforce's Cucumber suite run against a real org, src/test/resources/features/task/
 * CreateTask.feature and UpdateTask.feature; ts-force = ChuckJonas/ts-force's tests against a real org):
 * - Base `{instance_url}/services/data/vNN.0`, any version; record URLs name the version asked
 *   for [D SF]. `Authorization: Bearer <access_token>`; refused with 401
 *   `[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]` [message D SF
 *   api_rest "Understanding the OAuth Refresh Token Process": an expired access token gets
 *   "Session expired or invalid"; the whole body C, many, e.g. jstanden/cerb#836's 401]. A session
 *   lasts the org's timeout, "default two hours", then INVALID_SESSION_ID [D SF api_meta "Error
 *   Handling for Session Expiration"].
 * - Refresh: `POST /services/oauth2/token` (form) `grant_type=refresh_token&client_id&
 *   client_secret&refresh_token` -> `{access_token, instance_url, token_type:"Bearer",
 *   issued_at}`, no `expires_in` [C jsforce TokenResponse, nango]; a bad one 400
 *   `{"error":"invalid_grant","error_description":"expired access/refresh token"}` [C:
 *   forcedotcom/SalesforceMobileSDK-iOS#1250 "{error=invalid_grant, NSLocalizedDescription=expired
 *   access/refresh token}", restforce#81, jsforce#1656].
 * - Every answer carries `Sforce-Limit-Info: api-usage=N/5000` [D SF headers_api_usage]; past
 *   the org's limit (`apiLimit`) 403 `[{"message":"TotalRequests Limit exceeded.",
 *   "errorCode":"REQUEST_LIMIT_EXCEEDED"}]` [code D SF errorcodes, message I]. Every
 *   authenticated API request counts [I].
 * - Errors are a JSON array `[{message, errorCode, fields?}]` [D SF errorcodes]; unknown resource
 *   404 NOT_FOUND "The requested resource does not exist" [C].
 * - Search `GET /search/?q=FIND {…} IN PHONE FIELDS RETURNING Contact(…), Lead(…)`: the SOSL
 *   subset and escaping are salesforce-sosl.ts; a bad query is 400 MALFORMED_SEARCH [C: restforce's
 *   ErrorCode::MalformedSearch, from Salesforce's codes; D: MALFORMED_QUERY for SOQL]. Answer `{"searchRecords":[…]}` from API 36,
 *   a bare array before [D SF dome_search]; each record has `attributes{type,url}`, and
 *   `Account.Name` is answered as `Account:{attributes,Name}` [D SF dome_search].
 * - Query `GET /query/?q=SELECT … FROM … WHERE …`: the subset is salesforce-soql.ts; answer
 *   `{"totalSize","done":true,"records":[…]}`; exact strings only (a phone matches as typed),
 *   so a connector can read a Task back by `CallObject` [D SF resources_query].
 * - Phone index [I]: a PHONE (or ALL) search finds a record when the digits of one of its phone
 *   fields equal the digits of a term (`4155550100` finds `(415) 555-0100`; `14155550100`
 *   finds `+1 415-555-0100` but not `(415) 555-0100`). NAME compares whole words of the name
 *   (a Lead's company, a Task's subject), case-insensitively [I]. Deleted records are never found. Unknown
 *   object: INVALID_TYPE; unknown field: INVALID_FIELD "No such column…" [codes D SF
 *   errorcodes; messages I].
 * - Phone fields: Contact `Phone, MobilePhone, HomePhone, OtherPhone, AssistantPhone, Fax`;
 *   Lead `Phone, MobilePhone, Fax` [D SF field reference Contact, Lead: these are of type phone;
 *   D SF sosl_in: PHONE FIELDS "Search only phone number fields"]. Seeded phones fill them in that order.
 * - Ids: 15 characters plus the 3-character case checksum (18), prefixes 001 Account, 003 Contact,
 *   005 User, 00Q Lead [D Salesforce Help 000385203, key prefixes], 00T Task [C walling/sfid].
 * - Create `POST /sobjects/Task/` -> 201 `{"id","errors":[],"success":true}` [D SF
 *   dome_sobject_create]. Task fields [D SF field reference]: Subject, TaskSubtype, Type,
 *   CallType, CallDurationInSeconds (int), CallObject (255), CallDisposition (255), Status,
 *   Priority, ActivityDate (date), WhoId (Contact or Lead), WhatId (Account here), OwnerId,
 *   Description (32000). An `Id` in the body is 400 INVALID_FIELD "The Id field should not be
 *   specified in the sobject data." [D SF]. No field is required: a Task of only Status and
 *   Priority is created [C AT10 "User creates a task"]. An unknown field is INVALID_FIELD "No such
 *   column 'X' on sobject of type Task" [C AT10]. Picklists CallType `Internal|Inbound|Outbound`
 *   and TaskSubtype `Task|Email|ListEmail|Cadence|Call|LinkedIn` (values integrations write and
 *   reports filter on: C); CallType is restricted: INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST "Call
 *   Type: bad value for restricted picklist field: X" [C AT10]; TaskSubtype "isn't updateable" [D SF
 *   object reference Task, as copied in PipedreamHQ/pipedream's task.mjs], refused on update as
 *   INVALID_FIELD_FOR_INSERT_UPDATE "Unable to create/update fields: X. Please check the security
 *   settings…" [message C: Adobe Marketo Measure "Error Notifications"]; TaskSubtype being
 *   restricted: [I]. Too long: STRING_TOO_LONG "<label>: data value too large: <the whole value>
 *   (max length=N)", fields [name] [C AT10 for Subject, CallObject, CallDisposition; the message C: a
 *   composite answer "Account Name: data value too large: <256 characters> (max length=255)"]. Bad
 *   ids: MALFORMED_ID, FIELD_INTEGRITY_EXCEPTION, ENTITY_IS_DELETED; wrong JSON type:
 *   JSON_PARSER_ERROR [codes D SF errorcodes; C AT10 for a 280-character ActivityDate]. ActivityDate
 *   also takes a date-time (`2019-09-26T16:30:00.000+0000`) [C AT10], kept as its date [I]. Status
 *   Completed closes the Task: IsClosed "is only set indirectly via the Status picklist" [D SF object
 *   reference Task], and Completed is a closed value of the TaskStatus set [C: orgs' TaskStatus
 *   standardValueSet metadata, e.g. claytonboss7/githubpages]. Defaults Status "Not Started",
 *   Priority "Normal" [I org defaults]. Field names are matched in any case [I].
 * - Update `PATCH /sobjects/Task/{Id}` -> 204, no body [D SF]. Get `GET /sobjects/{type}/{Id}`.
 * - Users (an agent's own account): read with SOQL, `SELECT Id, Email FROM User WHERE Email = '…'
 *   AND IsActive = true`, answered as any query, `attributes.type` "User"; Email and IsActive are
 *   User fields [D SF field reference User]; a User has no OwnerId and no IsDeleted (it is
 *   deactivated, never deleted) [I]. `=` on Email ignores case [D SF soql comparison operators:
 *   "case-insensitive" except "unique case-sensitive fields"]; several users may share an address
 *   (Username is the unique one) [D Salesforce Help "usernames and passwords"; C: thesalesforceguru
 *   "Difference between Email and Username", danlester's Google Apps login handler taking the first
 *   of several]; nobody answers `{"totalSize":0,"done":true,"records":[]}` [C, many clients' fixtures].
 *   A Task's OwnerId ("Assigned To ID") is a User: a malformed id is MALFORMED_ID "<label>: id value
 *   of incorrect type" [C ts-force: OwnerId '12341'], another record's id FIELD_INTEGRITY_EXCEPTION
 *   "<label>: id value of incorrect type: <id>", fields [OwnerId] [C: douglascayers' notes-conversion
 *   README, "FIELD_INTEGRITY_EXCEPTION, Owner ID: id value of incorrect type: 035…: [OwnerId]"], a
 *   deactivated user INACTIVE_OWNER_OR_USER "operation performed with inactive user [<id>] as owner
 *   of task" with no fields [C: Adobe Marketo Measure "Error Notifications" ("… inactive user [1234]
 *   as owner of contact", no Field(s)); SalesforceLabs/Milestones-PM#26 (": []"); Tasks still need
 *   an active owner since Spring '15, which let accounts, opportunities and custom objects have
 *   inactive ones: SalesforceFoundation/NPSP#1484 quoting the release notes]. Left out, it is the
 *   user the token is of: "implicitly set to the current user when inserting" [D SF api "Frequently
 *   Occurring Fields", OwnerId].
 * - External-id upsert (`externalIdField`, e.g. `Relay_Call_Id__c`, not unique):
 *   `PATCH /sobjects/Task/{field}/{value}` inserts (201 `{id,errors,success,created:true}`,
 *   `created` from API 46) or updates; several matches: 300; a field that is not an external
 *   id: 404 NOT_FOUND "The requested resource does not exist" [D SF dome_upsert]. The update's
 *   200 `{…created:false}` from API 46 (204 before), the 300's list of record URLs, and `GET` on
 *   the same path reading it: [I].
 */
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';
import { type CrmAnswer, type CrmRequest, CrmServer, ServedCrmSimulator } from './crm-server.ts';
import { AccessTokens, isRefreshGrant, type OAuthClient } from './oauth-tokens.ts';
import { MalformedQuery, matchesWhere, parseSoql, type SoqlLiteral, type SoqlQuery } from './salesforce-soql.ts';
import { MalformedSearch, parseSosl, type SearchScope, type SoslQuery } from './salesforce-sosl.ts';

export interface SalesforceSimulatorOptions {
  /** The org's daily API request limit (the `/5000` of Sforce-Limit-Info). */
  apiLimit?: number;
  /** A Task custom field set up as an External ID (e.g. `Relay_Call_Id__c`). */
  externalIdField?: string;
}

type SObjectType = 'Contact' | 'Lead' | 'Account' | 'Task' | 'User';

interface SObject {
  type: SObjectType;
  fields: Record<string, unknown>;
  deleted: boolean;
  updates: number;
}

type SalesforceError = { message: string; errorCode: string; fields?: string[] };

/** What a SOSL query without RETURNING answers [I]. */
const DEFAULT_RETURNING: readonly SObjectType[] = ['Contact', 'Lead', 'Account'];
const PREFIX: Record<SObjectType, string> = { Contact: '003', Lead: '00Q', Account: '001', Task: '00T', User: '005' };
const PHONE_FIELDS: Record<SObjectType, string[]> = {
  Contact: ['Phone', 'MobilePhone', 'HomePhone', 'OtherPhone', 'AssistantPhone', 'Fax'],
  Lead: ['Phone', 'MobilePhone', 'Fax'],
  Account: ['Phone', 'Fax'],
  Task: [],
  User: [],
};
const NAME_FIELDS: Record<SObjectType, string[]> = { Contact: ['Name'], Lead: ['Name', 'Company'], Account: ['Name'], Task: ['Subject'], User: ['Name'] };
const COMMON_FIELDS = ['Id', 'OwnerId', 'CreatedDate', 'LastModifiedDate', 'IsDeleted'];
/** A User is nobody's record, and is deactivated rather than deleted. */
const USER_COMMON_FIELDS = COMMON_FIELDS.filter((field) => field !== 'OwnerId' && field !== 'IsDeleted');
const OWN_FIELDS: Record<SObjectType, string[]> = {
  Contact: ['FirstName', 'LastName', 'Name', 'AccountId', 'Email', ...PHONE_FIELDS.Contact],
  Lead: ['FirstName', 'LastName', 'Name', 'Company', 'Email', ...PHONE_FIELDS.Lead],
  Account: ['Name', ...PHONE_FIELDS.Account],
  Task: [
    'Subject', 'TaskSubtype', 'Type', 'CallType', 'CallDurationInSeconds', 'CallObject', 'CallDisposition', 'Status', 'Priority',
    'ActivityDate', 'WhoId', 'WhatId', 'Description', 'IsClosed',
  ],
  User: ['FirstName', 'LastName', 'Name', 'Email', 'IsActive'],
};
/** Fields Salesforce sets itself. */
const READ_ONLY = new Set(['Id', 'CreatedDate', 'LastModifiedDate', 'IsDeleted', 'IsClosed', 'Name']);
const RESTRICTED_PICKLISTS: Record<string, { label: string; values: string[] }> = {
  CallType: { label: 'Call Type', values: ['Internal', 'Inbound', 'Outbound'] },
  TaskSubtype: { label: 'Task Subtype', values: ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'] },
};
const MAX_LENGTH: Record<string, number> = { Subject: 255, CallObject: 255, CallDisposition: 255, Type: 40, Description: 32000 };
/** Field labels, which Salesforce's messages name fields by [D SF field reference Task]. */
const LABELS: Record<string, string> = { Subject: 'Subject', CallObject: 'Call Object Identifier', CallDisposition: 'Call Result', Type: 'Type', Description: 'Comments' };
const API_USER = '0055g000000000AAAA';
const CHECKSUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function errors(status: number, ...list: SalesforceError[]): CrmAnswer {
  return { status, body: list };
}

const notFound = () => errors(404, { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' });
const sessionInvalid = () => errors(401, { message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' });
const limitExceeded = (status: number) => errors(status, { message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' });

/** A path segment decoded, or undefined when its percent-encoding is broken. */
function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/** The 18-character id: each 5-character chunk's upper-case letters, as bits, pick a suffix letter. */
export function toEighteenCharacterId(id15: string): string {
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) if (/[A-Z]/.test(id15[chunk * 5 + i]!)) bits |= 1 << i;
    suffix += CHECKSUM[bits];
  }
  return id15 + suffix;
}

/** Salesforce's datetime: milliseconds and a `+0000` offset. */
function salesforceTime(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

export class SalesforceSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  /** API requests counted against the org's limit so far. */
  apiUsage = 0;
  private readonly records = new Map<string, SObject>();
  private readonly client: OAuthClient = { client_id: '3MVG9SIMCLIENT', client_secret: 'sim-client-secret', refresh_token: '5Aep861SIMREFRESH' };
  private readonly tokens = new AccessTokens((serial, random) => `00D5g000000SIM!AQ${serial}.${random}`);
  private nextNumber = 1;

  private constructor(
    crm: CrmServer,
    private readonly options: SalesforceSimulatorOptions,
  ) {
    super(crm);
    this.config = {
      instance_url: crm.baseUrl,
      access_token: this.tokens.issue(),
      ...this.client,
    };
  }

  static async start(options: SalesforceSimulatorOptions = {}): Promise<SalesforceSimulator> {
    let salesforce: SalesforceSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => salesforce!.withLimitInfo(salesforce!.route(request)),
      failure: (failure) => salesforce!.withLimitInfo(salesforce!.failure(failure)),
      isSearch: (request) => /\/search\/?$/.test(request.path),
      jsonType: 'application/json;charset=UTF-8',
    });
    salesforce = new SalesforceSimulator(crm, options);
    return salesforce;
  }

  get apiLimit(): number {
    return this.options.apiLimit ?? 5000;
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((contact) => {
      const type: SObjectType = contact.lead ? 'Lead' : 'Contact';
      const slots = PHONE_FIELDS[type];
      if (contact.phones.length > slots.length) throw new Error(`a Salesforce ${type} has ${slots.length} phone fields, not ${contact.phones.length}`);
      const fields: Record<string, unknown> = { FirstName: contact.firstName, LastName: contact.lastName, Name: `${contact.firstName} ${contact.lastName}`, Email: null };
      for (const slot of slots) fields[slot] = null;
      contact.phones.forEach((phone, index) => (fields[slots[index]!] = phone));
      // A Lead's Company is required in Salesforce; "[not provided]" is what lead conversion tools write [I].
      if (type === 'Lead') fields.Company = contact.company ?? '[not provided]';
      else fields.AccountId = contact.company ? this.account(contact.company) : null;
      return this.insert(type, fields, contact.deleted ?? false);
    });
  }

  seedUser(user: SeedUser): string {
    return this.insert('User', { FirstName: user.firstName, LastName: user.lastName, Name: `${user.firstName} ${user.lastName}`, Email: user.email, IsActive: true }, false);
  }

  /** Deactivates a seeded user, as an admin does when someone leaves: queries still read it, a new Task cannot be theirs. */
  deactivateUser(id: string): void {
    this.userRecord(id).fields.IsActive = false;
  }

  /** Makes a deactivated user active again. */
  reactivateUser(id: string): void {
    this.userRecord(id).fields.IsActive = true;
  }

  private userRecord(id: string) {
    const user = this.records.get(id);
    if (user?.type !== 'User') throw new Error(`no Salesforce user ${id}`);
    return user;
  }

  activities(): StoredActivity[] {
    return [...this.records.entries()].filter(([, r]) => r.type === 'Task').map(([id, r]) => ({ id, fields: { ...r.fields }, updates: r.updates }));
  }

  /** Every access token issued so far stops working, as when the session times out (INVALID_SESSION_ID). */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  private withLimitInfo(answer: CrmAnswer): CrmAnswer {
    return { ...answer, headers: { ...answer.headers, 'Sforce-Limit-Info': `api-usage=${this.apiUsage}/${this.apiLimit}` } };
  }

  private failure(failure: InjectedFailure): CrmAnswer {
    if (failure.status === 401) return sessionInvalid();
    if (failure.status === 403 || failure.status === 429) return limitExceeded(failure.status);
    if (failure.status === 503) return errors(503, { message: 'Server temporarily unavailable', errorCode: 'SERVER_UNAVAILABLE' });
    return errors(failure.status, { message: 'An unexpected error occurred. Please include this ErrorId if you contact support: 1938712371-12345 (-1234567890)', errorCode: 'UNKNOWN_EXCEPTION' });
  }

  private route(request: CrmRequest): CrmAnswer {
    if (request.path === '/services/oauth2/token') return this.refreshToken(request);
    const route = /^\/services\/data\/v(\d{2,3})\.0(\/.*)$/.exec(request.path);
    if (!route) return notFound();
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!this.tokens.isLive(token)) return sessionInvalid();
    this.apiUsage += 1;
    if (this.apiUsage > this.apiLimit) return limitExceeded(403);
    const version = Number(route[1]);
    const path = route[2]!;
    if (/^\/search\/?$/.test(path) && request.method === 'GET') return this.search(version, request.query.get('q'));
    if (/^\/query\/?$/.test(path) && request.method === 'GET') return this.query(version, request.query.get('q'));
    const sobject = /^\/sobjects\/([A-Za-z]+)\/?(?:([^/]+)(?:\/([^/]+))?)?$/.exec(path);
    if (!sobject) return notFound();
    const [, typeName, idOrField, externalValue] = sobject;
    const type = (Object.keys(PREFIX) as SObjectType[]).find((t) => t.toLowerCase() === typeName!.toLowerCase());
    if (!type) return notFound();
    if (externalValue !== undefined) {
      const [field, value] = [decodeSegment(idOrField!), decodeSegment(externalValue)];
      return field === undefined || value === undefined ? notFound() : this.byExternalId(version, request, type, field, value);
    }
    if (idOrField === undefined) return request.method === 'POST' && type === 'Task' ? this.createTask(request.body, {}) : this.methodNotAllowed(request.method, 'GET');
    if (request.method === 'GET') return this.read(version, type, idOrField);
    if (request.method === 'PATCH' && type === 'Task') return this.updateTask(idOrField, request.body);
    return this.methodNotAllowed(request.method, type === 'Task' ? 'GET, PATCH' : 'GET');
  }

  private methodNotAllowed(method: string, allowed: string): CrmAnswer {
    return errors(405, { errorCode: 'METHOD_NOT_ALLOWED', message: `HTTP Method '${method}' not allowed. Allowed are ${allowed}` });
  }

  private refreshToken(request: CrmRequest): CrmAnswer {
    if (!isRefreshGrant(request.method, new URLSearchParams(), request.body, this.client)) {
      return { status: 400, body: { error: 'invalid_grant', error_description: 'expired access/refresh token' } };
    }
    return { status: 200, body: { access_token: this.tokens.issue(), instance_url: this.url, token_type: 'Bearer', issued_at: String(Date.now()) } };
  }

  private search(version: number, q: string | null): CrmAnswer {
    let query: SoslQuery;
    try {
      query = parseSosl(q ?? '');
    } catch (failure) {
      if (failure instanceof MalformedSearch) return errors(400, { message: failure.message, errorCode: 'MALFORMED_SEARCH' });
      throw failure;
    }
    const returning = query.returning ?? DEFAULT_RETURNING.map((object) => ({ object, fields: ['Id'], limit: undefined }));
    const found: Array<Record<string, unknown>> = [];
    for (const spec of returning) {
      const fields = spec.fields.length > 0 ? spec.fields : ['Id'];
      const resolved = this.resolve(spec.object, fields);
      if ('status' in resolved) return resolved;
      const hits = [...this.records.entries()].filter(([, r]) => r.type === resolved.type && !r.deleted && this.matches(r, query.scope, query.terms));
      for (const [id, record] of hits.slice(0, spec.limit ?? hits.length)) found.push(this.view(version, id, record, fields));
    }
    const limited = found.slice(0, query.limit ?? found.length);
    return { status: 200, body: version >= 36 ? { searchRecords: limited } : limited };
  }

  private query(version: number, q: string | null): CrmAnswer {
    let query: SoqlQuery;
    try {
      query = parseSoql(q ?? '');
    } catch (failure) {
      if (failure instanceof MalformedQuery) return errors(400, { message: failure.message, errorCode: 'MALFORMED_QUERY' });
      throw failure;
    }
    const resolved = this.resolve(query.object, [...query.fields, ...(query.where?.conditions.map((c) => c.field) ?? [])]);
    if ('status' in resolved) return resolved;
    const rows = [...this.records.entries()]
      .filter(([id, r]) => {
        if (r.type !== resolved.type || r.deleted) return false;
        const all = { ...r.fields, Id: id, IsDeleted: false };
        return matchesWhere(query.where, (field) => {
          const value = this.fieldValue(r.type, all, field, version);
          if (!field.includes('.')) return value as SoqlLiteral;
          // A relationship field (`Account.Name`) compares the related record's value.
          const related = Object.entries((value ?? {}) as Record<string, unknown>).find(([name]) => name.toLowerCase() === field.split('.')[1]!.toLowerCase());
          return (related?.[1] ?? null) as SoqlLiteral;
        });
      })
      .slice(0, query.limit);
    return { status: 200, body: { totalSize: rows.length, done: true, records: rows.map(([id, r]) => this.view(version, id, r, query.fields)) } };
  }

  /** The object a query names, once every field asked for exists on it; else Salesforce's INVALID_TYPE or INVALID_FIELD. */
  private resolve(objectName: string, fields: string[]): { type: SObjectType } | CrmAnswer {
    const type = (Object.keys(PREFIX) as SObjectType[]).find((t) => t.toLowerCase() === objectName.toLowerCase());
    if (!type) return errors(400, { message: `sObject type '${objectName}' is not supported.`, errorCode: 'INVALID_TYPE' });
    const unknown = fields.find((f) => this.fieldValue(type, {}, f) === undefined);
    if (unknown) {
      return errors(400, {
        message: `No such column '${unknown}' on entity '${type}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        errorCode: 'INVALID_FIELD',
      });
    }
    return { type };
  }

  private matches(record: SObject, scope: SearchScope, terms: string[]): boolean {
    const phones = scope === 'PHONE' || scope === 'ALL' || scope === 'SIDEBAR' ? PHONE_FIELDS[record.type] : [];
    const names = scope === 'NAME' || scope === 'ALL' || scope === 'SIDEBAR' ? NAME_FIELDS[record.type] : [];
    const emails = scope === 'EMAIL' || scope === 'ALL' ? ['Email'] : [];
    return terms.some((term) => {
      const digits = term.replace(/\D/g, '');
      const words = term.toLowerCase().split(/\s+/);
      const text = (field: string) => (typeof record.fields[field] === 'string' ? (record.fields[field] as string) : '');
      return (
        (digits !== '' && phones.some((f) => text(f).replace(/\D/g, '') === digits)) ||
        names.some((f) => words.every((w) => text(f).toLowerCase().split(/\s+/).includes(w))) ||
        emails.some((f) => text(f).toLowerCase() === term.toLowerCase())
      );
    });
  }

  /** A field of a record as the API answers it (`Account.Name` as a nested record); undefined when `type` has no such field. */
  private fieldValue(type: SObjectType, fields: Record<string, unknown>, name: string, version = 62): unknown {
    const [head, tail] = name.split('.');
    if (tail !== undefined) {
      if (type !== 'Contact' || head!.toLowerCase() !== 'account') return undefined;
      const accountField = [...COMMON_FIELDS, ...OWN_FIELDS.Account].find((f) => f.toLowerCase() === tail.toLowerCase());
      if (!accountField) return undefined;
      const accountId = fields.AccountId as string | null | undefined;
      const account = accountId ? this.records.get(accountId) : undefined;
      return account ? { ...this.attributes(version, 'Account', accountId!), [accountField]: this.fieldValue('Account', { ...account.fields, Id: accountId }, accountField) } : null;
    }
    const known = this.fieldsOf(type).find((f) => f.toLowerCase() === name.toLowerCase());
    return known === undefined ? undefined : (fields[known] ?? null);
  }

  private fieldsOf(type: SObjectType): string[] {
    const external = type === 'Task' && this.options.externalIdField ? [this.options.externalIdField] : [];
    return [...(type === 'User' ? USER_COMMON_FIELDS : COMMON_FIELDS), ...OWN_FIELDS[type], ...external];
  }

  private attributes(version: number, type: SObjectType, id: string) {
    return { attributes: { type, url: `/services/data/v${version}.0/sobjects/${type}/${id}` } };
  }

  /** A record as the API answers it: attributes, then the fields asked for under their own names. */
  private view(version: number, id: string, record: SObject, fields: string[]): Record<string, unknown> {
    const all = { ...record.fields, Id: id, IsDeleted: record.deleted };
    const view: Record<string, unknown> = this.attributes(version, record.type, id);
    for (const field of fields) {
      const [head] = field.split('.');
      const canonical = field.includes('.') ? 'Account' : this.fieldsOf(record.type).find((f) => f.toLowerCase() === head!.toLowerCase())!;
      const value = this.fieldValue(record.type, all, field, version);
      // `Account.Name, Account.Id` answer one nested Account record.
      const earlier = view[canonical];
      view[canonical] = earlier && value && typeof earlier === 'object' ? { ...earlier, ...(value as object) } : value;
    }
    return view;
  }

  private read(version: number, type: SObjectType, id: string): CrmAnswer {
    const record = this.records.get(id);
    if (!record || record.type !== type) return notFound();
    if (record.deleted) return errors(404, { errorCode: 'ENTITY_IS_DELETED', message: 'entity is deleted' });
    return { status: 200, body: this.view(version, id, record, this.fieldsOf(type)) };
  }

  private createTask(raw: string, preset: Record<string, unknown>): CrmAnswer {
    const body = this.parseBody(raw);
    if ('status' in body) return body;
    if ('Id' in body.fields) return errors(400, { message: 'The Id field should not be specified in the sobject data.', errorCode: 'INVALID_FIELD' });
    const fields = { ...body.fields, ...preset };
    const invalid = this.invalidTaskFields(fields, 'create');
    if (invalid) return invalid;
    const now = salesforceTime(new Date());
    const stored: Record<string, unknown> = { Status: 'Not Started', Priority: 'Normal', TaskSubtype: 'Task', OwnerId: API_USER, ...fields, CreatedDate: now, LastModifiedDate: now };
    stored.IsClosed = stored.Status === 'Completed';
    const id = this.insert('Task', stored, false);
    return { status: 201, body: { id, errors: [], success: true } };
  }

  private updateTask(id: string, raw: string): CrmAnswer {
    const record = this.records.get(id);
    if (!record || record.type !== 'Task') return notFound();
    const body = this.parseBody(raw);
    if ('status' in body) return body;
    const invalid = this.invalidTaskFields(body.fields, 'update');
    if (invalid) return invalid;
    Object.assign(record.fields, body.fields, { LastModifiedDate: salesforceTime(new Date()) });
    record.fields.IsClosed = record.fields.Status === 'Completed';
    record.updates += 1;
    return { status: 204 };
  }

  private byExternalId(version: number, request: CrmRequest, type: SObjectType, field: string, value: string): CrmAnswer {
    const external = this.options.externalIdField;
    if (type !== 'Task' || !external || external.toLowerCase() !== field.toLowerCase()) {
      return errors(404, { errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' });
    }
    const matches = [...this.records.entries()].filter(([, r]) => r.type === 'Task' && r.fields[external] === value);
    if (matches.length > 1) return { status: 300, body: matches.map(([id]) => `/services/data/v${version}.0/sobjects/Task/${id}`) };
    const match = matches[0];
    if (request.method === 'GET') return match ? { status: 200, body: this.view(version, match[0], match[1], this.fieldsOf('Task')) } : notFound();
    if (request.method !== 'PATCH') return this.methodNotAllowed(request.method, 'GET, PATCH');
    if (!match) {
      const created = this.createTask(request.body, { [external]: value });
      return created.status === 201 ? { ...created, body: { ...(created.body as object), created: true } } : created;
    }
    const updated = this.updateTask(match[0], request.body);
    if (updated.status !== 204 || version < 46) return updated;
    return { status: 200, body: { id: match[0], errors: [], success: true, created: false } };
  }

  /** A Task body's fields, under their own names. */
  private parseBody(raw: string): { fields: Record<string, unknown> } | CrmAnswer {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch (failure) {
      return errors(400, { message: `Unexpected character in the JSON body: ${(failure as Error).message}`, errorCode: 'JSON_PARSER_ERROR' });
    }
    if (!body || typeof body !== 'object' || Array.isArray(body)) return errors(400, { message: 'Can not deserialize SObject out of the request body: expected a JSON object', errorCode: 'JSON_PARSER_ERROR' });
    // Field names are matched in any case, and stored under their own.
    const known = this.fieldsOf('Task');
    return { fields: Object.fromEntries(Object.entries(body).map(([name, value]) => [known.find((f) => f.toLowerCase() === name.toLowerCase()) ?? name, value])) };
  }

  /** The first reason Salesforce refuses these Task fields, in its own words; undefined when none. */
  private invalidTaskFields(fields: Record<string, unknown>, operation: 'create' | 'update'): CrmAnswer | undefined {
    const known = this.fieldsOf('Task');
    for (const name of Object.keys(fields)) {
      if (!known.includes(name)) return errors(400, { message: `No such column '${name}' on sobject of type Task`, errorCode: 'INVALID_FIELD' });
      if (READ_ONLY.has(name) || (operation === 'update' && name === 'TaskSubtype')) {
        return errors(400, { message: `Unable to create/update fields: ${name}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`, errorCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: [name] });
      }
    }
    for (const [name, limit] of Object.entries(MAX_LENGTH)) {
      const value = fields[name];
      if (typeof value === 'string' && value.length > limit) return errors(400, { message: `${LABELS[name]}: data value too large: ${value} (max length=${limit})`, errorCode: 'STRING_TOO_LONG', fields: [name] });
    }
    for (const [name, picklist] of Object.entries(RESTRICTED_PICKLISTS)) {
      const value = fields[name];
      if (value !== undefined && value !== null && !picklist.values.includes(String(value))) {
        return errors(400, { message: `${picklist.label}: bad value for restricted picklist field: ${String(value)}`, errorCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: [name] });
      }
    }
    const duration = fields.CallDurationInSeconds;
    if (duration !== undefined && duration !== null && !(Number.isInteger(Number(duration)) && String(duration).trim() !== '')) {
      return errors(400, { message: `Cannot deserialize instance of int from VALUE_STRING value ${JSON.stringify(duration)}`, errorCode: 'JSON_PARSER_ERROR' });
    }
    if (duration !== undefined && duration !== null) fields.CallDurationInSeconds = Number(duration);
    const date = fields.ActivityDate;
    // A date, or a date-time kept as its date.
    if (date !== undefined && date !== null && !(typeof date === 'string' && /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(date))) {
      return errors(400, { message: `Cannot deserialize instance of date from VALUE_STRING value ${JSON.stringify(date)} or request may be missing a required field`, errorCode: 'JSON_PARSER_ERROR' });
    }
    if (typeof date === 'string') fields.ActivityDate = date.slice(0, 10);
    return (
      this.invalidReference(fields, 'WhoId', ['Contact', 'Lead'], 'Name ID') ??
      this.invalidReference(fields, 'WhatId', ['Account'], 'Related To ID') ??
      this.invalidReference(fields, 'OwnerId', ['User'], 'Assigned To ID') ??
      this.inactiveOwner(fields)
    );
  }

  /** A Task assigned to a deactivated user: refused, naming the user and no field (the token's user lacks "Update Records with Inactive Owners"). */
  private inactiveOwner(fields: Record<string, unknown>): CrmAnswer | undefined {
    const owner = typeof fields.OwnerId === 'string' ? this.records.get(fields.OwnerId) : undefined;
    if (owner?.fields.IsActive !== false) return undefined;
    return errors(400, { message: `operation performed with inactive user [${String(fields.OwnerId)}] as owner of task`, errorCode: 'INACTIVE_OWNER_OR_USER', fields: [] });
  }

  private invalidReference(fields: Record<string, unknown>, name: string, types: SObjectType[], label: string): CrmAnswer | undefined {
    const value = fields[name];
    if (value === undefined || value === null) return undefined;
    if (typeof value !== 'string' || !/^[a-zA-Z0-9]{15}([a-zA-Z0-9]{3})?$/.test(value)) {
      return errors(400, { message: `${label}: id value of incorrect type: ${String(value)}`, errorCode: 'MALFORMED_ID', fields: [name] });
    }
    const id = value.length === 15 ? toEighteenCharacterId(value) : value;
    const target = this.records.get(id);
    if (!target || !types.includes(target.type)) return errors(400, { message: `${label}: id value of incorrect type: ${value}`, errorCode: 'FIELD_INTEGRITY_EXCEPTION', fields: [name] });
    if (target.deleted) return errors(400, { message: 'entity is deleted', errorCode: 'ENTITY_IS_DELETED', fields: [name] });
    fields[name] = id;
    return undefined;
  }

  private account(name: string): string {
    const existing = [...this.records.entries()].find(([, r]) => r.type === 'Account' && r.fields.Name === name);
    return existing ? existing[0] : this.insert('Account', { Name: name, Phone: null, Fax: null }, false);
  }

  private insert(type: SObjectType, fields: Record<string, unknown>, deleted: boolean): string {
    let serial = '';
    for (let n = this.nextNumber++; serial.length < 6; n = Math.floor(n / 62)) serial = BASE62[n % 62] + serial;
    const id = toEighteenCharacterId(`${PREFIX[type]}5g0000${serial}`);
    const now = salesforceTime(new Date());
    const owned = type === 'User' ? {} : { OwnerId: API_USER };
    this.records.set(id, { type, fields: { ...owned, CreatedDate: now, LastModifiedDate: now, ...fields }, deleted, updates: 0 });
    return id;
  }
}
