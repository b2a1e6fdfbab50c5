/**
 * A Microsoft Dynamics 365 simulator over real HTTP: the Dataverse Web API a CRM connector uses
 * to find the caller among the contacts, the agent's own user among the system users, and to log
 * the call as a Phone Call activity, plus the Microsoft identity platform's client-credentials
 * token endpoint, served on the same port (the config's `authority`). Every request is kept in
 * `requests`.
 *
 * Facts used, and where they come from (D = learn.microsoft.com, the page named; C = seen in
 * integrators' code, forum threads and answers; I = assumed):
 * - Token: `POST {authority}/{tenant}/oauth2/v2.0/token`, form `grant_type=client_credentials&
 *   client_id&client_secret&scope={resource}/.default` -> `{"token_type":"Bearer","expires_in":3599,
 *   "ext_expires_in":3599,"access_token":"…"}` [D identity platform "OAuth 2.0 client credentials
 *   flow"]; the scope of Dataverse is its environment URL with `/.default` [D Dataverse "Use OAuth
 *   with Dataverse"]. Errors `{"error","error_description":"AADSTS…","error_codes":[…],"timestamp",
 *   "trace_id","correlation_id"}` [D identity platform error responses]; which AADSTS code and HTTP
 *   status for a wrong secret (7000215, 401 invalid_client), an unknown app (700016, 400
 *   unauthorized_client), an unknown tenant (90002, 400 invalid_request), a scope without /.default
 *   (1002012, 400 invalid_scope) and a resource that is not this environment (500011, 400
 *   invalid_resource) [C: many threads quoting them].
 * - Web API base `{environment}/api/data/v9.x`; `Authorization: Bearer`; an expired or unknown token
 *   401 with an empty body and `WWW-Authenticate: Bearer authorization_uri=…, resource_id=…` [C].
 * - Errors `{"error":{"code":"0x…","message":"…"}}` [D "Compose HTTP requests and handle errors"];
 *   a row that does not exist 404 0x80040217 "<table> With Id = <id> Does Not Exist" [C]; an unknown
 *   property in a query 400 0x80060888 "Could not find a property named '<p>' on type
 *   'Microsoft.Dynamics.CRM.<table>'." [C]; in a body, 400 0x80048d19 "Error identified in Payload
 *   provided by the user for Entity :'<set>' … The property '<p>' does not exist on type …" [C];
 *   a value of the wrong type the same code [I].
 * - Service protection: 429 with `Retry-After` (seconds), code 0x80072322 "Number of requests exceeded
 *   the limit of 6000 over time window of 300 seconds." [D "Service protection API limits"]; 6000
 *   requests per user in 300 s (enforced with `enforceRateLimits`) [D].
 * - Query `GET /<set>?$select&$filter&$top` -> `{"@odata.context":"…/$metadata#<set>(<select>)",
 *   "value":[{"@odata.etag":"W/\"<n>\"",…}]}` [D "Query data using the Web API"]; `$filter` is
 *   dynamics-odata.ts. Lookups read as `_<name>_value` (the id); with `Prefer:
 *   odata.include-annotations="OData.Community.Display.V1.FormattedValue"` (or `*`), each also carries
 *   `_<name>_value@OData.Community.Display.V1.FormattedValue`, the row's name, and the answer says
 *   `Preference-Applied` [D "Formatted values"].
 * - Contacts: contactid, firstname, lastname, fullname, telephone1 (Business Phone), telephone2 (Home
 *   Phone), telephone3, mobilephone, emailaddress1, _parentcustomerid_value (account or contact),
 *   statecode 0 Active / 1 Inactive [D contact EntityType]. Phones are kept as typed [D: Phone is a
 *   text format]. Seeded phones fill telephone1, mobilephone, telephone2, telephone3 in that order.
 *   Deleting a row removes it [D]. Leads (leadid, fullname, companyname, telephone1, mobilephone,
 *   telephone2) exist with Dynamics 365 Sales [D lead EntityType; I that every environment has them].
 * - System users: systemuserid, fullname, internalemailaddress (Primary Email), isdisabled [D
 *   systemuser EntityType]. A row owned by a disabled user is refused [I: code and message].
 * - Create `POST /phonecalls` -> 204 with `OData-EntityId: <uri of the row>`, or with `Prefer:
 *   return=representation` 201 with the row (the `$select`ed columns, `@odata.context`, `@odata.etag`)
 *   and `Preference-Applied` [D "Create a table row using the Web API"]. Columns [D phonecall
 *   EntityType]: subject (200 characters [I]), phonenumber, directioncode (Edm.Boolean: true Outgoing),
 *   description, actualstart, actualend, actualdurationminutes (Edm.Int32), leftvoicemail
 *   (Edm.Boolean), statecode, statuscode, category, subcategory; lookups set with
 *   `<navigation>@odata.bind: "/<set>(<id>)"` [D "Associate table rows on create"]:
 *   regardingobjectid_contact, regardingobjectid_account, ownerid (a system user); the From and To
 *   parties as `phonecall_activity_parties: [{"partyid_contact@odata.bind", "participationtypemask"}]`,
 *   1 Sender, 2 To Recipient [D "Activity tables", activityparty]. A bind to a row that does not exist
 *   404 0x80040217 [I status]. Defaults statecode 0 Open, statuscode 1 Open [D phonecall: Open 1, Made 2].
 * - Update `PATCH /phonecalls(<id>)` -> 204; PATCH is an upsert: a missing row is created, unless
 *   `If-Match: *`, which makes it 404 [D "Update and delete table rows using the Web API"].
 * - A custom column with an alternate key (`callIdColumn`): a second row with its value is refused,
 *   412 0x80060892 "A record that has the attribute values <v> already exists. …" [I].
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';
import { type CrmAnswer, type CrmRateLimit, type CrmRequest, CrmServer, isJsonObject, ServedCrmSimulator } from './crm-server.ts';
import { AccessTokens } from './oauth-tokens.ts';
import { filterProperties, matchesFilter, type ODataFilter, ODataSyntaxError, parseODataFilter } from './dynamics-odata.ts';

export interface DynamicsSimulatorOptions {
  /** A Phone Call custom column with an alternate key, for the call id (e.g. `new_relaycallid`). */
  callIdColumn?: string;
  /** The tokens' lifetime, in seconds (expires_in). */
  expiresIn?: number;
  /** Requests a user may send in 300 seconds before the service protection 429 (6000, Microsoft's figure); a test's smaller number. */
  requestLimit?: number;
}

type Table = 'contact' | 'account' | 'lead' | 'systemuser' | 'phonecall';

interface Row {
  table: Table;
  fields: Record<string, unknown>;
  updates: number;
  etag: number;
}

const ENTITY_SETS: Record<string, Table> = { contacts: 'contact', accounts: 'account', leads: 'lead', systemusers: 'systemuser', phonecalls: 'phonecall' };
const SET_OF: Record<Table, string> = { contact: 'contacts', account: 'accounts', lead: 'leads', systemuser: 'systemusers', phonecall: 'phonecalls' };
const PRIMARY_KEY: Record<Table, string> = { contact: 'contactid', account: 'accountid', lead: 'leadid', systemuser: 'systemuserid', phonecall: 'activityid' };
const PRIMARY_NAME: Record<Table, string> = { contact: 'fullname', account: 'name', lead: 'fullname', systemuser: 'fullname', phonecall: 'subject' };
const CONTACT_PHONES = ['telephone1', 'mobilephone', 'telephone2', 'telephone3'];
const LEAD_PHONES = ['telephone1', 'mobilephone', 'telephone2'];
const COLUMNS: Record<Table, string[]> = {
  contact: ['contactid', 'firstname', 'lastname', 'fullname', ...CONTACT_PHONES, 'emailaddress1', '_parentcustomerid_value', 'statecode', 'createdon', 'modifiedon'],
  account: ['accountid', 'name', 'telephone1', 'statecode', 'createdon', 'modifiedon'],
  lead: ['leadid', 'firstname', 'lastname', 'fullname', 'companyname', ...LEAD_PHONES, 'statecode', 'createdon', 'modifiedon'],
  systemuser: ['systemuserid', 'firstname', 'lastname', 'fullname', 'internalemailaddress', 'isdisabled', 'createdon', 'modifiedon'],
  phonecall: [
    'activityid', 'subject', 'phonenumber', 'directioncode', 'description', 'actualstart', 'actualend', 'actualdurationminutes', 'leftvoicemail',
    'statecode', 'statuscode', 'category', 'subcategory', '_regardingobjectid_value', '_ownerid_value', 'createdon', 'modifiedon',
  ],
};
/** Phone Call columns a body may set, with their OData types. */
const WRITABLE: Record<string, 'string' | 'boolean' | 'int' | 'datetime'> = {
  subject: 'string', phonenumber: 'string', description: 'string', category: 'string', subcategory: 'string',
  directioncode: 'boolean', leftvoicemail: 'boolean', actualdurationminutes: 'int', statecode: 'int', statuscode: 'int',
  actualstart: 'datetime', actualend: 'datetime',
};
const MAX_LENGTH: Record<string, number> = { subject: 200 };
/** Single-valued navigation properties of a Phone Call: the lookup column each sets, and the tables it may point at. */
const BINDS: Record<string, { column: string; table: Table }> = {
  'regardingobjectid_contact@odata.bind': { column: '_regardingobjectid_value', table: 'contact' },
  'regardingobjectid_account@odata.bind': { column: '_regardingobjectid_value', table: 'account' },
  'regardingobjectid_lead@odata.bind': { column: '_regardingobjectid_value', table: 'lead' },
  'ownerid@odata.bind': { column: '_ownerid_value', table: 'systemuser' },
};
const PARTIES = 'phonecall_activity_parties';
const FORMATTED = 'OData.Community.Display.V1.FormattedValue';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function odataError(status: number, code: string, message: string, headers?: Record<string, string>): CrmAnswer {
  return { status, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}

const notFound = (table: Table, id: string) => odataError(404, '0x80040217', `${table} With Id = ${id} Does Not Exist`);
const noProperty = (table: Table, property: string) => odataError(400, '0x80060888', `Could not find a property named '${property}' on type 'Microsoft.Dynamics.CRM.${table}'.`);
const payloadError = (set: string, detail: string) =>
  odataError(400, '0x80048d19', `Error identified in Payload provided by the user for Entity :'${set}', For more information on this error please follow this help link https://go.microsoft.com/fwlink/?linkid=2195293  ---->  InnerException : Microsoft.OData.ODataException: ${detail}`);

export class DynamicsSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  readonly tenantId = randomUUID();
  private readonly clientId = randomUUID();
  private readonly clientSecret = `Sim8Q~${randomBytes(15).toString('base64url')}`;
  private readonly tokens = new AccessTokens((serial, random) => `eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.sim${serial}.${random}`);
  private readonly rows = new Map<string, Row>();
  /** The application user the client's tokens act as: the owner of what it creates by default. */
  readonly applicationUser: string;

  private constructor(
    crm: CrmServer,
    private readonly options: DynamicsSimulatorOptions,
  ) {
    super(crm);
    this.config = { org_url: crm.baseUrl, tenant_id: this.tenantId, client_id: this.clientId, client_secret: this.clientSecret, authority: crm.baseUrl };
    this.applicationUser = this.insert('systemuser', { firstname: '#', lastname: 'Phone Connector', fullname: '# Phone Connector', internalemailaddress: null, isdisabled: false });
  }

  static async start(options: DynamicsSimulatorOptions = {}): Promise<DynamicsSimulator> {
    let dynamics: DynamicsSimulator | undefined;
    const limit: CrmRateLimit = { name: 'number of requests', requests: options.requestLimit ?? 6000, perMs: 300_000, applies: (request) => request.path.startsWith('/api/data/') };
    const crm = await CrmServer.start({
      route: (request) => dynamics!.route(request),
      failure: (failure) => dynamics!.failure(failure),
      isSearch: (request) => request.method === 'GET' && /^\/api\/data\/v9\.\d\/(contacts|leads)$/.test(request.path),
      rateLimits: [limit],
      // Retry-After says when the window lets one more in; the simulator says a fixed few seconds [I].
      limited: () => ({ ...dynamics!.failure({ status: 429 }), headers: { 'Retry-After': '5' } }),
      jsonType: 'application/json; odata.metadata=minimal',
    });
    dynamics = new DynamicsSimulator(crm, options);
    return dynamics;
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((contact) => {
      const table: Table = contact.lead ? 'lead' : 'contact';
      const slots = table === 'lead' ? LEAD_PHONES : CONTACT_PHONES;
      if (contact.phones.length > slots.length) throw new Error(`a Dynamics ${table} has ${slots.length} phone columns, not ${contact.phones.length}`);
      const fields: Record<string, unknown> = { firstname: contact.firstName, lastname: contact.lastName, fullname: `${contact.firstName} ${contact.lastName}`, statecode: 0 };
      for (const slot of slots) fields[slot] = null;
      contact.phones.forEach((phone, index) => (fields[slots[index]!] = phone));
      if (table === 'lead') fields.companyname = contact.company ?? null;
      else fields._parentcustomerid_value = contact.company ? this.account(contact.company) : null;
      const id = this.insert(table, fields);
      // Deleted rows are gone from Dataverse; the id stays unknown to every request.
      if (contact.deleted) this.rows.delete(id);
      return id;
    });
  }

  seedUser(user: SeedUser): string {
    return this.insert('systemuser', { firstname: user.firstName, lastname: user.lastName, fullname: `${user.firstName} ${user.lastName}`, internalemailaddress: user.email, isdisabled: false });
  }

  /** Deactivates a contact (statecode 1), as a user does with one no longer in business: its row stays, searches for active ones leave it out. */
  deactivate(id: string): void {
    const row = this.rows.get(id);
    if (row?.table !== 'contact') throw new Error(`no Dynamics contact ${id}`);
    row.fields.statecode = 1;
  }

  /** Disables a system user, as an admin does when someone leaves. */
  disableUser(id: string): void {
    const row = this.rows.get(id);
    if (row?.table !== 'systemuser') throw new Error(`no Dynamics user ${id}`);
    row.fields.isdisabled = true;
  }

  activities(): StoredActivity[] {
    return [...this.rows.entries()].filter(([, r]) => r.table === 'phonecall').map(([id, r]) => ({ id, fields: structuredClone(r.fields), updates: r.updates }));
  }

  /** Every access token issued so far stops working, as when its hour is over. */
  expireTokens(): void {
    this.tokens.expireAll();
  }

  private failure(failure: InjectedFailure): CrmAnswer {
    if (failure.status === 401) return this.unauthorized();
    if (failure.status === 429) return odataError(429, '0x80072322', 'Number of requests exceeded the limit of 6000 over time window of 300 seconds.');
    if (failure.status >= 500) return odataError(failure.status, '0x80040216', 'An unexpected error occurred.');
    return odataError(failure.status, '0x80040203', 'Invalid argument.');
  }

  private unauthorized(): CrmAnswer {
    return { status: 401, headers: { 'WWW-Authenticate': `Bearer authorization_uri=https://login.microsoftonline.com/${this.tenantId}/oauth2/authorize, resource_id=${this.url}/` } };
  }

  private route(request: CrmRequest): CrmAnswer {
    const token = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(request.path);
    if (token) return this.issueToken(request, token[1]!);
    const api = /^\/api\/data\/v9\.(\d)\/([a-z_]+)(?:\(([^)]*)\))?$/.exec(request.path);
    if (!api) return odataError(404, '0x8006088a', `Resource not found for the segment '${request.path.split('/').pop()}'.`);
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (!this.tokens.isLive(bearer)) return this.unauthorized();
    const [, minor, set, key] = api;
    const table = ENTITY_SETS[set!];
    if (!table) return odataError(404, '0x8006088a', `Resource not found for the segment '${set}'.`);
    const base = `${this.url}/api/data/v9.${minor}`;
    if (key === undefined) {
      if (request.method === 'GET') return this.query(base, table, request);
      if (request.method === 'POST' && table === 'phonecall') return this.create(base, request, undefined);
      return odataError(405, '0x80060888', `The requested resource does not support http method '${request.method}'.`);
    }
    if (!GUID.test(key)) return odataError(400, '0x80060888', `Bad Request - Error in query syntax: '${key}' is not a valid key of ${set}.`);
    const id = key.toLowerCase();
    if (request.method === 'GET') return this.retrieve(base, table, id, request);
    if (request.method === 'PATCH' && table === 'phonecall') return this.update(base, id, request);
    return odataError(405, '0x80060888', `The requested resource does not support http method '${request.method}'.`);
  }

  private issueToken(request: CrmRequest, tenant: string): CrmAnswer {
    const form = new URLSearchParams(request.body);
    const aad = (status: number, error: string, code: number, description: string): CrmAnswer => {
      const timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
      const [trace, correlation] = [randomUUID(), randomUUID()];
      return {
        status,
        body: { error, error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp.replace('T', ' ')}`, error_codes: [code], timestamp, trace_id: trace, correlation_id: correlation },
      };
    };
    if (request.method !== 'POST') return aad(400, 'invalid_request', 900561, 'The endpoint only accepts POST requests.');
    if (tenant !== this.tenantId) return aad(400, 'invalid_request', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`);
    if (form.get('grant_type') !== 'client_credentials') return aad(400, 'unsupported_grant_type', 70003, 'The app requested an unsupported grant type.');
    if (form.get('client_id') !== this.clientId) return aad(400, 'unauthorized_client', 700016, `Application with identifier '${form.get('client_id') ?? ''}' was not found in the directory '${tenant}'.`);
    if (form.get('client_secret') !== this.clientSecret) {
      return aad(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${this.clientId}'.`);
    }
    const scope = form.get('scope') ?? '';
    if (!scope.endsWith('/.default')) {
      return aad(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`);
    }
    if (scope !== `${this.url}/.default`) return aad(400, 'invalid_resource', 500011, `The resource principal named ${scope.slice(0, -'/.default'.length)} was not found in the tenant named ${tenant}.`);
    const expiresIn = this.options.expiresIn ?? 3599;
    return { status: 200, body: { token_type: 'Bearer', expires_in: expiresIn, ext_expires_in: expiresIn, access_token: this.tokens.issue() } };
  }

  private columnsOf(table: Table): string[] {
    return table === 'phonecall' && this.options.callIdColumn ? [...COLUMNS.phonecall, this.options.callIdColumn] : COLUMNS[table];
  }

  /** `$select` read, else every column; a column the table lacks is the 0x80060888 answer. */
  private selected(table: Table, select: string | null): string[] | CrmAnswer {
    const columns = this.columnsOf(table);
    if (select === null) return columns;
    const wanted = select.split(',').map((c) => c.trim());
    const unknown = wanted.find((c) => !columns.includes(c));
    return unknown === undefined ? wanted : noProperty(table, unknown);
  }

  private query(base: string, table: Table, request: CrmRequest): CrmAnswer {
    const select = this.selected(table, request.query.get('$select'));
    if (!Array.isArray(select)) return select;
    let filter: ODataFilter | undefined;
    const source = request.query.get('$filter');
    if (source !== null) {
      try {
        filter = parseODataFilter(source);
      } catch (failure) {
        if (failure instanceof ODataSyntaxError) return odataError(400, '0x80060888', failure.message);
        throw failure;
      }
      const unknown = filterProperties(filter).find((p) => !this.columnsOf(table).includes(p));
      if (unknown !== undefined) return noProperty(table, unknown);
    }
    const topText = request.query.get('$top');
    const top = topText === null ? 5000 : Number(topText);
    if (!Number.isInteger(top) || top < 0) return odataError(400, '0x80060888', `Invalid value '${topText}' for $top query option found. The $top query option requires a non-negative integer value.`);
    const rows = [...this.rows.entries()]
      .filter(([id, row]) => row.table === table && (!filter || matchesFilter(filter, (p) => this.value(id, row, p))))
      .slice(0, top);
    const formatted = this.formattedValuesAsked(request);
    return {
      status: 200,
      headers: formatted ? { 'Preference-Applied': `odata.include-annotations="${FORMATTED}"` } : {},
      body: { '@odata.context': `${base}/$metadata#${SET_OF[table]}(${select.join(',')})`, value: rows.map(([id, row]) => this.view(id, row, select, formatted)) },
    };
  }

  private retrieve(base: string, table: Table, id: string, request: CrmRequest): CrmAnswer {
    const row = this.rows.get(id);
    if (!row || row.table !== table) return notFound(table, id);
    const select = this.selected(table, request.query.get('$select'));
    if (!Array.isArray(select)) return select;
    const formatted = this.formattedValuesAsked(request);
    return { status: 200, body: { '@odata.context': `${base}/$metadata#${SET_OF[table]}(${select.join(',')})/$entity`, ...this.view(id, row, select, formatted) } };
  }

  private formattedValuesAsked(request: CrmRequest): boolean {
    const annotations = /odata\.include-annotations="([^"]*)"/.exec(request.headers.prefer ?? '')?.[1];
    return annotations !== undefined && annotations.split(',').some((a) => a.trim() === '*' || a.trim() === FORMATTED);
  }

  private value(id: string, row: Row, column: string): unknown {
    return column === PRIMARY_KEY[row.table] ? id : (row.fields[column] ?? null);
  }

  /** A row as the Web API answers it: its etag, the columns asked for, and each lookup's name when formatted values are asked for. */
  private view(id: string, row: Row, select: string[], formatted: boolean): Record<string, unknown> {
    const view: Record<string, unknown> = { '@odata.etag': `W/"${row.etag}"` };
    for (const column of select) {
      const value = this.value(id, row, column);
      view[column] = value;
      if (formatted && column.startsWith('_') && typeof value === 'string') {
        const target = this.rows.get(value);
        if (target) view[`${column}@${FORMATTED}`] = target.fields[PRIMARY_NAME[target.table]];
      }
    }
    return view;
  }

  private create(base: string, request: CrmRequest, id: string | undefined): CrmAnswer {
    const body = this.payload(request.body, 'create');
    if ('status' in body) return body;
    const key = this.options.callIdColumn;
    if (key && body.fields[key] !== undefined && body.fields[key] !== null) {
      const taken = [...this.rows.values()].some((r) => r.table === 'phonecall' && typeof r.fields[key] === 'string' && (r.fields[key] as string).toLowerCase() === String(body.fields[key]).toLowerCase());
      if (taken) {
        return odataError(412, '0x80060892', `A record that has the attribute values ${String(body.fields[key])} already exists. The entity key ${key}_key requires that this set of attributes contains unique values. Select unique values and try again.`);
      }
    }
    const fields: Record<string, unknown> = { statecode: 0, statuscode: 1, _ownerid_value: this.applicationUser, _regardingobjectid_value: null, ...body.fields, [PARTIES]: body.parties ?? [] };
    const created = this.insert('phonecall', fields, id);
    const uri = `${base}/phonecalls(${created})`;
    if (!/(^|[,;\s])return=representation($|[,;\s])/.test(request.headers.prefer ?? '')) return { status: 204, headers: { 'OData-EntityId': uri } };
    const select = this.selected('phonecall', request.query.get('$select'));
    if (!Array.isArray(select)) return select;
    return {
      status: 201,
      headers: { 'OData-EntityId': uri, 'Preference-Applied': 'return=representation' },
      body: { '@odata.context': `${base}/$metadata#phonecalls(${select.join(',')})/$entity`, ...this.view(created, this.rows.get(created)!, select, false) },
    };
  }

  private update(base: string, id: string, request: CrmRequest): CrmAnswer {
    const row = this.rows.get(id);
    if (!row || row.table !== 'phonecall') {
      // PATCH creates what it does not find, unless the client said it must exist.
      if ((request.headers['if-match'] ?? '').trim() === '*' || row) return notFound('phonecall', id);
      return this.create(base, { ...request, headers: { ...request.headers, prefer: '' } }, id);
    }
    const body = this.payload(request.body, 'update');
    if ('status' in body) return body;
    Object.assign(row.fields, body.fields, { modifiedon: new Date().toISOString() });
    row.updates += 1;
    row.etag += 1;
    return { status: 204 };
  }

  /** A Phone Call body's columns (lookups resolved to ids) and parties, or Dataverse's refusal. */
  private payload(raw: string, operation: 'create' | 'update'): { fields: Record<string, unknown>; parties?: unknown[] } | CrmAnswer {
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      return payloadError('phonecalls', 'The request body is not valid JSON.');
    }
    if (!isJsonObject(body)) return payloadError('phonecalls', 'An object was expected in the request body.');
    const fields: Record<string, unknown> = {};
    let parties: unknown[] | undefined;
    for (const [name, value] of Object.entries(body)) {
      const bind = BINDS[name];
      if (bind) {
        const target = this.bound(value, bind.table);
        if ('status' in target) return target;
        fields[bind.column] = target.id;
        continue;
      }
      if (name === PARTIES && operation === 'create') {
        const read = this.parties(value);
        if (!Array.isArray(read)) return read;
        parties = read;
        continue;
      }
      const type = name === this.options.callIdColumn ? 'string' : WRITABLE[name];
      if (!type) return payloadError('phonecalls', `The property '${name}' does not exist on type 'Microsoft.Dynamics.CRM.phonecall'. Make sure to only use property names that are defined by the type or mark the type as open type.`);
      const invalid = invalidValue(name, type, value);
      if (invalid) return payloadError('phonecalls', invalid);
      if (typeof value === 'string' && value.length > (MAX_LENGTH[name] ?? Infinity)) {
        return odataError(400, '0x80044331', `A validation error occurred. The length of the '${name}' attribute of the 'phonecall' entity exceeded the maximum allowed length of '${MAX_LENGTH[name]}'.`);
      }
      fields[name] = value;
    }
    const owner = typeof fields._ownerid_value === 'string' ? this.rows.get(fields._ownerid_value) : undefined;
    if (owner?.fields.isdisabled === true) return odataError(400, '0x8004d24b', `The user with SystemUserId=${String(fields._ownerid_value)} is disabled. Disabled users cannot own records.`);
    return { fields, ...(parties ? { parties } : {}) };
  }

  /** The row a `/<set>(<id>)` bind names, if it is of `table` and exists. */
  private bound(value: unknown, table: Table): { id: string } | CrmAnswer {
    const match = typeof value === 'string' ? /^(?:.*\/)?([a-z]+)\(([^)]*)\)$/.exec(value) : null;
    if (!match || ENTITY_SETS[match[1]!] !== table) return payloadError('phonecalls', `The @odata.bind value ${JSON.stringify(value)} is not a URI of a ${table}.`);
    const id = match[2]!.toLowerCase();
    if (!GUID.test(id)) return odataError(400, '0x80060888', `Bad Request - Error in query syntax: '${match[2]}' is not a valid key of ${SET_OF[table]}.`);
    const row = this.rows.get(id);
    return row?.table === table ? { id } : notFound(table, id);
  }

  private parties(value: unknown): unknown[] | CrmAnswer {
    if (!Array.isArray(value)) return payloadError('phonecalls', `A collection was expected for '${PARTIES}'.`);
    const read: unknown[] = [];
    for (const party of value) {
      if (!isJsonObject(party)) return payloadError('phonecalls', 'An activity party must be an object.');
      const mask = party.participationtypemask;
      if (!Number.isInteger(mask) || (mask as number) < 1 || (mask as number) > 11) return payloadError('phonecalls', `Cannot convert the literal '${String(mask)}' to the expected type 'Edm.Int32' of participationtypemask.`);
      const binds = Object.keys(party).filter((k) => k !== 'participationtypemask');
      const bind = /^partyid_([a-z]+)@odata\.bind$/.exec(binds[0] ?? '');
      if (binds.length !== 1 || !bind || !['contact', 'account', 'lead', 'systemuser'].includes(bind[1]!)) {
        return payloadError('phonecalls', `The property '${binds[0] ?? ''}' does not exist on type 'Microsoft.Dynamics.CRM.activityparty'.`);
      }
      const target = this.bound(party[binds[0]!], bind[1] as Table);
      if ('status' in target) return target;
      read.push({ partyid: target.id, table: bind[1], participationtypemask: mask });
    }
    return read;
  }

  private account(name: string): string {
    const existing = [...this.rows.entries()].find(([, r]) => r.table === 'account' && r.fields.name === name);
    return existing ? existing[0] : this.insert('account', { name, telephone1: null, statecode: 0 });
  }

  private insert(table: Table, fields: Record<string, unknown>, id: string = randomUUID()): string {
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    this.rows.set(id, { table, fields: { createdon: now, modifiedon: now, ...fields }, updates: 0, etag: 1000 + this.rows.size });
    return id;
  }
}

/** Why a value does not fit its column's type, in the words of Dataverse's OData reader [I]; undefined when it fits. */
function invalidValue(name: string, type: 'string' | 'boolean' | 'int' | 'datetime', value: unknown): string | undefined {
  if (value === null) return undefined;
  const fits =
    type === 'string' ? typeof value === 'string'
    : type === 'boolean' ? typeof value === 'boolean'
    : type === 'int' ? Number.isInteger(value)
    : typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const edm = { string: 'Edm.String', boolean: 'Edm.Boolean', int: 'Edm.Int32', datetime: 'Edm.DateTimeOffset' }[type];
  return fits ? undefined : `Cannot convert the literal '${String(value)}' to the expected type '${edm}' of the property '${name}'.`;
}
