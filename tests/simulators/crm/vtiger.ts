/**
 * A Vtiger CRM simulator over real HTTP: the open-source webservice (`{site}/webservice.php`)
 * of ../shared/CRMS.md §1, which a CRM connector uses to find a caller and to log the call as an
 * Event (activitytype Call) or a PBXManager record. Contacts, Leads and Accounts are seeded;
 * everything else comes in through the webservice, as on a real install.
 *
 * Facts used, and where they come from (CRMS.md source keys):
 * - One endpoint; `operation` (lower-cased), `sessionName` and `format` from the query or the
 *   form body; each operation's own parameters only from GET (getchallenge, query, retrieve,
 *   describe, listtypes) or only from a form POST (login, create, update, revise, logout), so a
 *   POSTed query or a create with `element` in the URL loses them: [D VT webservice.php,
 *   OperationManager, DefaultDataPopulator]. A body PHP does not parse into $_POST (JSON) is lost
 *   the same way.
 * - Every answer is HTTP 200 JSON, `{success:true,result}` or `{success:false,error:{code,
 *   message}}`; codes and messages of §1.7: [D VT WebServiceErrorCode.php and throw sites].
 * - getchallenge: `{token, serverTime, expireTime}`, a 13-hex uniqid token living 300 s, each
 *   getchallenge replacing the user's previous one; login: form POST, accessKey = md5hex(token +
 *   the user's access key) compared with strcmp (lower-case only), result {sessionName, userId,
 *   version "0.22", vtigerVersion "5.4.0"}: [D VT AuthToken.php, Login.php, OperationManager].
 *   A login leaves the token usable until it expires (vtws_login deletes nothing); a getchallenge
 *   without a user name answers ACCESS_DENIED "No username given", for an unknown one ACCESS_DENIED
 *   "username does not exists" (sic), and a login for an unknown user INVALID_AUTH_TOKEN (no token
 *   is stored for it); an Inactive user's login is INVALID_USER_CREDENTIALS: [D VT7.1/8.0
 *   include/Webservices/AuthToken.php, Login.php; 5.4 answered an unknown user a token].
 * - Sessions: 86,400 s life (SESSION_EXPIRED), 1,800 s idle (SESSION_LEFT_IDLE), unknown id
 *   (INVALID_SESSIONID), none (AUTHENTICATION_REQUIRED "Authencation required", sic); a
 *   `sessionName` of "null" counts as none: [D VT SessionManager.php, webservice.php]. The
 *   messages of the first three ("Session has life span over please login again", "Session has
 *   been invalidated to due lack activity", "Session Identifier provided is Invalid"): [D VT7
 *   include/Webservices/SessionManager.php].
 * - Ids `<entity type id>x<crmid>`, the type ids install-specific (here not the typical ones,
 *   see vtiger-modules.ts), crmids shared by all entity modules, the login user `<Users id>x1`;
 *   references (account_id, assigned_user_id, contact_id, parent_id) in the same form: [D VT].
 * - create, in this order: references checked against the field's modules (REFERENCE_INVALID
 *   "Invalid reference specified for <field>"; an id whose type is no webservice entity: ACCESS_DENIED
 *   "Permission to perform the operation is denied for id"), mandatory fields (missing, '' or null:
 *   MANDATORY_FIELDS_MISSING "<field> does not have a value"; '0' is a value), then the owner: an
 *   administrator may assign to any id, anyone else only to an Active user (hasAssignPrivilege:
 *   get_user_array without "private" lists them all), else ACCESS_DENIED "Cannot assign record to
 *   the given user"; an absent owner is a missing mandatory field (Events' assigned_user_id is
 *   V~M), no default. The record is read back: [D VT7.1/8.0 include/Webservices/Create.php,
 *   EntityMeta::hasMandatoryFields, VtigerCRMObjectMeta::hasAssignPrivilege, VtigerWebserviceObject::fromId,
 *   modules/Users/DefaultDataPopulator.php]. Which missing field is named first follows the
 *   module's field order [I].
 * - revise: partial, mandatory checked only among the fields sent, an empty reference clears it;
 *   update: every mandatory field, the fields not sent kept (VtigerCRMObject::update reads the
 *   record first; 5.4's emptied them), an empty reference left as it was (unset before saving):
 *   [D VT7.1/8.0 Revise.php, Update.php, VtigerCRMObject.php]. Unknown fields are ignored (the
 *   save writes only the module's vtiger_field columns) and picklist values are stored as sent,
 *   unchecked: [D VT8.0 VtigerCRMObject::create, data/CRMEntity.php insertIntoEntityTable].
 * - retrieve, revise and update of an id: a type that is no webservice entity (or no `x`):
 *   ACCESS_DENIED "Permission to perform the operation is denied for id"; a record missing or
 *   deleted: ACCESS_DENIED "Permission to perform the operation is denied" (getObjectEntityName
 *   finds no module, deleted=0, so RECORD_NOT_FOUND is never reached); the record's module not
 *   the session user's: the same; a type that is not the record's: INVALID_ID_ATTRIBUTE "Id
 *   specified is incorrect": [D VT 5.4 to 8.0 Retrieve.php, Revise.php, Update.php,
 *   VtigerCRMObjectMeta::getObjectEntityName].
 * - An `element` that is not JSON decodes to null, silently (Zend_Json::decode is PHP's
 *   json_decode: setBuiltIn sets a static property on an instance, which leaves it off): a create
 *   answers its first missing mandatory field, a revise or update the id's ACCESS_DENIED "... for
 *   id" [D VT7.1/8.0 OperationManager.php, include/Zend/Json.php]. webservice.php's catch-all,
 *   INTERNAL_SERVER_ERROR "Unknown Error while processing request", answers a plain PHP Exception,
 *   such as VTQL's lexer failing [D VT webservice.php, VTQL_Lexer.php].
 * - query: the module is read from the text (`FROM <name>`) before anything is parsed: no FROM is
 *   ACCESS_DENIED "Permission to perform the operation is denied for query", a name that is no
 *   webservice entity "Permission to perform the operation is denied for name : <name>", a module
 *   not among the session user's listtypes "Permission to perform the operation is denied"; then
 *   the VTQL (vtiger-vtql.ts) [D VT7.1/8.0 Query.php, VtigerWebserviceObject::fromQuery, fromName].
 * - An install may not offer PBXManager to the webservice (`withoutPbxManager`: missing from
 *   listtypes, ACCESS_DENIED on use): a module disabled in Module Manager (vtiger_tab presence 1)
 *   is in neither getPermittedModuleNames nor computeAccess [D VT7.1 include/Webservices/ModuleTypes.php,
 *   VtigerCRMObjectMeta::computeAccess, UserInfoUtil.php]; a 7.x install has it enabled (a mandatory
 *   package, registered with the webservice as an entity module) [D VT7.1
 *   packages/vtiger/mandatory/PBXManager.zip, vtlib/Vtiger/PackageImport.php, Webservice.php].
 * - Users: `user_name`, `first_name`, `last_name`, `email1` (mandatory), `status`: [D VT DefaultDataPopulator, tab
 *   29]. A query reads Active users only, by `vtiger_users.status='Active'` [D VT EntityMeta::getEntityDeletedQuery];
 *   every user here is Active. query, retrieve and describe check that the module is among the session user's
 *   vtws_listtypes, whose Users is an administrator's (or a View All / Edit All profile's: not simulated) only, since
 *   a fresh install gives no profile a Users tab permission and the profile editor hides Users; other users get
 *   ACCESS_DENIED "Permission to perform the operation is denied": [D VT Query.php, Retrieve.php, DescribeObject.php,
 *   ModuleTypes.php, UserInfoUtil.php getPermittedModuleNames, install/CreateTables.inc.php; the same in 7.1 and 8.0:
 *   modules/Install/models/InitSchema.php gives profile2tab rows for tabs 1 to 27 only (Users is 29),
 *   Settings_Profiles_Module_Model::getNonVisibleModulesList lists Users]. A record may still be assigned to any
 *   Active user, by anyone (get_user_array without "private" lists them all) [D VT VtigerCRMObjectMeta::hasAssignPrivilege,
 *   utils.php; the same in 7.1 and 8.0].
 * - logout answers {message: "successfull"} (sic): [D VT7 include/Webservices/Logout.php]. delete, sync and extendsession are
 *   not simulated (UNKNOWN_OPERATION here; real Vtiger has them).
 * - Times are UTC `YYYY-MM-DD HH:MM:SS` (the simulator is pinned to UTC, CRMS.md §1.5); the
 *   webservice stores the times it is sent as they are (DataTransform reformats dates only) [D VT7
 *   include/Webservices/DataTransform.php].
 * - Record URL `{site}/index.php?module=Contacts&view=Detail&record=<crmid>` [D VT7]; Events
 *   open as module=Calendar [D VT7 modules/Calendar/models/Record.php getDetailViewUrl].
 * - Vtiger itself always answers 200; `failNext` stands for a proxy in front of it (nginx-style
 *   HTML pages for 429/502/503, Retry-After when asked) [I: CRMS.md §1.7, "real servers also
 *   produce HTTP 5xx and HTML pages"].
 */
import { createHash, randomBytes } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { type CrmAnswer, type CrmRequest, CrmServer, ServedCrmSimulator } from './crm-server.ts';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';
import { ACTIVITY_MODULES, DEFAULT_ID_PREFIXES, describeModule, isModuleName, MODULE_NAMES, MODULES, type ModuleName, type ModuleSpec } from './vtiger-modules.ts';
import { parseVtql, runVtql, VtqlError } from './vtiger-vtql.ts';

export interface VtigerUser {
  userName: string;
  /** My Preferences > Access Key; '' for a user who never had one (ACCESSKEY_UNDEFINED). */
  accessKey: string;
  firstName?: string;
  lastName?: string;
  email?: string;
  /** An administrator (Users > Admin): the only kind of user offered the Users module. Default: the first user only. */
  admin?: boolean;
}

export interface VtigerSimulatorOptions {
  /** Contacts (and Leads) the CRM holds from the start, e.g. the demo CRM's. */
  seed?: SeedContact[];
  /** Webservice users; the first is the connector's (`config`). Default: `admin` with a random access key. */
  users?: VtigerUser[];
  /** This install's entity type ids, over the simulator's own non-typical defaults. */
  idPrefixes?: Partial<Record<ModuleName, number>>;
  /** Where Vtiger is installed on the host, as in `https://crm.example.com/vtigercrm`; default `/vtigercrm`. */
  sitePath?: string;
  /** Milliseconds since the epoch; tests move it to expire challenges and sessions. */
  clock?: () => number;
  /** An install where PBXManager is not offered to the webservice (disabled in Module Manager, [D VT7.1 computeAccess]): ACCESS_DENIED, absent from listtypes. */
  withoutPbxManager?: boolean;
}

/** A seeded person as a page shows it: the plain read a demo CRM page renders. */
export interface VtigerContactView {
  id: string;
  module: 'Contacts' | 'Leads';
  name: string;
  company: string | null;
  /** Non-empty phone fields, as typed. */
  phones: Array<{ field: string; label: string; value: string }>;
  url: string;
}

type ErrorCode =
  | 'AUTHENTICATION_REQUIRED'
  | 'INVALID_SESSIONID'
  | 'SESSION_EXPIRED'
  | 'SESSION_LEFT_IDLE'
  | 'INVALID_AUTH_TOKEN'
  | 'INVALID_USER_CREDENTIALS'
  | 'ACCESSKEY_UNDEFINED'
  | 'UNKNOWN_OPERATION'
  | 'QUERY_SYNTAX_ERROR'
  | 'ACCESS_DENIED'
  | 'MANDATORY_FIELDS_MISSING'
  | 'INVALID_ID_ATTRIBUTE'
  | 'RECORD_NOT_FOUND'
  | 'REFERENCE_INVALID'
  | 'DATABASE_QUERY_ERROR'
  | 'INTERNAL_SERVER_ERROR';

/** A webservice error: answered with HTTP 200 and success:false. */
class VtigerError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** How a session can end; `expireSessions` forces one on every live session. */
export type SessionEnd = 'SESSION_EXPIRED' | 'SESSION_LEFT_IDLE' | 'INVALID_SESSIONID';

const SESSION_MESSAGES: Record<SessionEnd, string> = {
  SESSION_EXPIRED: 'Session has life span over please login again',
  SESSION_LEFT_IDLE: 'Session has been invalidated to due lack activity',
  INVALID_SESSIONID: 'Session Identifier provided is Invalid',
};
const HTML = { 'Content-Type': 'text/html' };
const DENIED = 'Permission to perform the operation is denied';
/** VtigerWebserviceObject::fromId's refusal of an id whose type is no webservice entity. */
const DENIED_FOR_ID = `${DENIED} for id`;
const CHALLENGE_LIFE_S = 300;
const SESSION_LIFE_S = 86_400;
const SESSION_IDLE_S = 1_800;
/** Where seeded phones go, in order, per module. */
const PHONE_FIELDS = { Contacts: ['phone', 'mobile', 'homephone', 'otherphone', 'assistantphone', 'fax'], Leads: ['phone', 'mobile', 'fax'] } as const;

interface EntityRecord {
  module: Exclude<ModuleName, 'Users'>;
  crmid: number;
  fields: Record<string, string>;
  deleted: boolean;
  updates: number;
  /** The record as a query reads it (`view`), built at its first search and dropped when it changes. */
  row?: Record<string, string>;
}

interface Session {
  userId: number;
  startedAt: number;
  lastUsedAt: number;
  ended?: SessionEnd;
}

type Params = URLSearchParams;
interface Operation {
  /** Where its own parameters are read from. */
  type: 'GET' | 'POST';
  preLogin?: boolean;
  search?: boolean;
  /** `userId`: the session's user (1 for the first); 0 for an operation before login, which has none. */
  run: (input: Params, userId: number) => unknown;
}

export class VtigerSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  private readonly users: Required<VtigerUser>[];
  private readonly prefixes: Record<ModuleName, number>;
  /** The modules this install offers the webservice. */
  private readonly modules: ModuleName[];
  private readonly clock: () => number;
  private readonly records = new Map<number, EntityRecord>();
  private nextCrmid = 101;
  private readonly challenges = new Map<string, { token: string; expiresAt: number }>();
  private readonly sessions = new Map<string, Session>();
  private readonly operations: Map<string, Operation>;

  private constructor(
    crm: CrmServer,
    private readonly sitePath: string,
    options: VtigerSimulatorOptions,
  ) {
    super(crm);
    this.clock = options.clock ?? Date.now;
    this.prefixes = { ...DEFAULT_ID_PREFIXES, ...options.idPrefixes };
    this.modules = MODULE_NAMES.filter((m) => !(options.withoutPbxManager && m === 'PBXManager'));
    this.users = (options.users ?? [{ userName: 'admin', accessKey: randomAccessKey() }]).map((u, i) => ({
      firstName: '',
      lastName: i === 0 ? 'Administrator' : u.userName,
      email: `${u.userName}@crm.example`,
      admin: i === 0,
      ...u,
    }));
    this.config = { url: this.url, username: this.users[0]!.userName, accesskey: this.users[0]!.accessKey };
    this.operations = new Map(Object.entries<Operation>({
      getchallenge: { type: 'GET', preLogin: true, run: (input) => this.getChallenge(input) },
      login: { type: 'POST', preLogin: true, run: (input) => this.login(input) },
      logout: { type: 'POST', run: (input) => this.logout(input) },
      listtypes: { type: 'GET', run: (_, userId) => this.listTypes(userId) },
      describe: { type: 'GET', run: (input, userId) => this.describe(input.get('elementType'), userId) },
      query: { type: 'GET', search: true, run: (input, userId) => this.query(input.get('query'), userId) },
      retrieve: { type: 'GET', run: (input, userId) => this.retrieve(input.get('id'), userId) },
      create: { type: 'POST', run: (input, userId) => this.create(input, userId) },
      revise: { type: 'POST', run: (input, userId) => this.revise(input, 'partial', userId) },
      update: { type: 'POST', run: (input, userId) => this.revise(input, 'full', userId) },
    }));
    this.seed(options.seed ?? []);
  }

  static async start(options: VtigerSimulatorOptions = {}): Promise<VtigerSimulator> {
    let simulator: VtigerSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => simulator!.route(request),
      failure: proxyFailure,
      isSearch: (request) => simulator!.isSearch(request),
      // A PHP fatal error: Apache's bare 500 page.
      crash: () => ({ status: 500, headers: HTML, body: '<html><body><h1>Internal Server Error</h1></body></html>' }),
      // The operation may travel in the form body: a `failNext` pattern is tested against the URL and, after a newline, the body.
      failureTarget: ({ url, body }) => `${url}${body ? `\n${body}` : ''}`,
    });
    simulator = new VtigerSimulator(crm, normalizeSitePath(options.sitePath ?? '/vtigercrm'), options);
    return simulator;
  }

  /** The site URL: the host and the path Vtiger is installed under. */
  override get url(): string {
    return `${this.crm.baseUrl}${this.sitePath}`;
  }

  seed(contacts: SeedContact[]): string[] {
    const owner = this.userWsId(1);
    return contacts.map((person) => {
      const module = person.lead ? 'Leads' : 'Contacts';
      const slots = PHONE_FIELDS[module];
      if (person.phones.length > slots.length) throw new Error(`a Vtiger ${module} record holds at most ${slots.length} phones (${slots.join(', ')}); ${person.lastName} has ${person.phones.length}`);
      const phones = Object.fromEntries(person.phones.map((phone, i) => [slots[i]!, phone]));
      const company: Record<string, string> = person.lead ? { company: person.company ?? '' } : person.company ? { account_id: this.accountNamed(person.company, owner) } : {};
      const record = this.store(module, { firstname: person.firstName, lastname: person.lastName, assigned_user_id: owner, ...company, ...phones });
      record.deleted = person.deleted ?? false;
      return this.wsId(record);
    });
  }

  /**
   * Adds an Active user, not an administrator, as an admin adds one under Users: the user name is the email's
   * local part, lower-cased, and must be free (Vtiger refuses a taken one); it gets an access key of its own.
   */
  seedUser(user: SeedUser): string {
    const userName = user.email.split('@')[0]!.toLowerCase();
    if (this.users.some((u) => u.userName === userName)) throw new Error(`a Vtiger user named ${userName} exists already`);
    this.users.push({ userName, accessKey: randomAccessKey(), firstName: user.firstName, lastName: user.lastName, email: user.email, admin: false });
    return this.userWsId(this.users.length);
  }

  /** The webservice id of the user whose email is `email`, case aside: whom a test expects a record assigned to. */
  userId(email: string): string | undefined {
    const index = this.users.findIndex((u) => u.email.toLowerCase() === email.toLowerCase());
    return index < 0 ? undefined : this.userWsId(index + 1);
  }

  /** The Contacts and Leads a search can find, for a page to render (the demo CRM). */
  contacts(): VtigerContactView[] {
    return [...this.records.values()]
      .filter((r): r is EntityRecord & { module: 'Contacts' | 'Leads' } => !r.deleted && (r.module === 'Contacts' || r.module === 'Leads'))
      .map((r) => ({
        id: this.wsId(r),
        module: r.module,
        name: [r.fields.firstname, r.fields.lastname].filter(Boolean).join(' '),
        company: (r.module === 'Leads' ? r.fields.company : this.records.get(crmidOf(r.fields.account_id))?.fields.accountname) || null,
        phones: PHONE_FIELDS[r.module].filter((f) => r.fields[f]).map((f) => ({ field: f, label: MODULES[r.module].fields.find((s) => s.name === f)!.label, value: r.fields[f]! })),
        url: this.recordUrl(this.wsId(r)),
      }));
  }

  activities(): StoredActivity[] {
    return [...this.records.values()].filter((r) => ACTIVITY_MODULES.has(r.module) && !r.deleted).map((r) => ({ id: this.wsId(r), fields: this.view(r), updates: r.updates }));
  }

  /** Where a record opens in the CRM (CRMS.md §1.8): the numeric crmid, not the webservice id. */
  recordUrl(wsId: string): string {
    const [prefix, crmid] = wsId.split('x');
    const module = this.moduleOfPrefix(prefix);
    return `${this.url}/index.php?module=${module === 'Events' ? 'Calendar' : module}&view=Detail&record=${crmid}`;
  }

  /** Ends every live session: its next request gets `end` (default SESSION_EXPIRED), as after a day or a server restart. */
  expireSessions(end: SessionEnd = 'SESSION_EXPIRED'): void {
    for (const session of this.sessions.values()) session.ended ??= end;
  }

  private route(request: CrmRequest): CrmAnswer {
    if (!this.isWebservice(request)) {
      return { status: 404, headers: HTML, body: `<html><body><h1>Not Found</h1><p>The requested URL ${request.path} was not found on this server.</p></body></html>` };
    }
    const { post, params } = phpParams(request);
    try {
      const operation = this.operations.get(operationName(params));
      if (!operation) throw new VtigerError('UNKNOWN_OPERATION', 'Unknown operation requested');
      const userId = operation.preLogin ? 0 : this.checkSession(params.get('sessionName'));
      const result = operation.run(operation.type === 'GET' ? request.query : post, userId);
      return { status: 200, body: { success: true, result } };
    } catch (error) {
      if (!(error instanceof VtigerError)) throw error;
      return { status: 200, body: { success: false, error: { code: error.code, message: error.message } } };
    }
  }

  /** A VTQL query: held while a test holds searches (before its session is checked, as a slow server would be). */
  private isSearch(request: CrmRequest): boolean {
    return this.isWebservice(request) && this.operations.get(operationName(phpParams(request).params))?.search === true;
  }

  private isWebservice(request: CrmRequest): boolean {
    return request.path.replace(/\/{2,}/g, '/') === `${this.sitePath}/webservice.php`;
  }

  /** Refuses a request whose session is missing, unknown or over; a good one is used again now. Returns its user. */
  private checkSession(name: string | null): number {
    if (!name || name.toLowerCase() === 'null') throw new VtigerError('AUTHENTICATION_REQUIRED', 'Authencation required');
    const session = this.sessions.get(name);
    if (!session) throw new VtigerError('INVALID_SESSIONID', SESSION_MESSAGES.INVALID_SESSIONID);
    const now = this.seconds();
    const end = session.ended ?? (now - session.startedAt > SESSION_LIFE_S ? 'SESSION_EXPIRED' : now - session.lastUsedAt > SESSION_IDLE_S ? 'SESSION_LEFT_IDLE' : undefined);
    if (end) {
      this.sessions.delete(name);
      throw new VtigerError(end, SESSION_MESSAGES[end]);
    }
    session.lastUsedAt = now;
    return session.userId;
  }

  private getChallenge(input: Params): unknown {
    const serverTime = this.seconds();
    // PHP uniqid(): 8 hex digits of seconds, 5 of microseconds.
    const token = serverTime.toString(16).padStart(8, '0').slice(-8) + randomBytes(3).toString('hex').slice(0, 5);
    const userName = input.get('username') ?? '';
    if (!userName) throw new VtigerError('ACCESS_DENIED', 'No username given');
    if (!this.users.some((u) => u.userName === userName)) throw new VtigerError('ACCESS_DENIED', 'username does not exists');
    this.challenges.set(userName, { token, expiresAt: serverTime + CHALLENGE_LIFE_S });
    return { token, serverTime, expireTime: serverTime + CHALLENGE_LIFE_S };
  }

  private login(input: Params): unknown {
    const userName = input.get('username') ?? '';
    const challenge = this.challenges.get(userName);
    if (!challenge || challenge.expiresAt < this.seconds()) throw new VtigerError('INVALID_AUTH_TOKEN', 'Specified token is invalid or expired');
    const index = this.users.findIndex((u) => u.userName === userName);
    const user = this.users[index]!;
    if (!user.accessKey) throw new VtigerError('ACCESSKEY_UNDEFINED', 'Access key for the user is undefined');
    const expected = createHash('md5').update(challenge.token + user.accessKey).digest('hex');
    if (input.get('accessKey') !== expected) throw new VtigerError('INVALID_USER_CREDENTIALS', 'Invalid username or password');
    const sessionName = randomBytes(16).toString('hex');
    const now = this.seconds();
    this.sessions.set(sessionName, { userId: index + 1, startedAt: now, lastUsedAt: now });
    return { sessionName, userId: this.userWsId(index + 1), version: '0.22', vtigerVersion: '5.4.0' };
  }

  private logout(input: Params): unknown {
    this.sessions.delete(input.get('sessionName') ?? '');
    return { message: 'successfull' };
  }

  private listTypes(userId: number): unknown {
    const types = this.modules.filter((m) => this.offers(m, userId));
    return {
      types,
      information: Object.fromEntries(types.map((m) => [m, { isEntity: m !== 'Users', label: m, singular: MODULES[m].singular }])),
    };
  }

  private query(text: string | null, userId: number): unknown {
    // Query.php finds the module by a regular expression first, then checks it, then parses.
    const named = /[fF][rR][Oo][Mm]\s+([^\s;]+)/.exec(text ?? '')?.[1];
    if (named === undefined) throw new VtigerError('ACCESS_DENIED', `${DENIED} for query`);
    if (!isModuleName(named)) throw new VtigerError('ACCESS_DENIED', `${DENIED} for name : ${named}`);
    if (!this.offers(named, userId)) throw new VtigerError('ACCESS_DENIED', DENIED);
    try {
      const query = parseVtql(text ?? '');
      if (!this.offers(query.module, userId)) throw new VtigerError('ACCESS_DENIED', DENIED);
      const spec = MODULES[query.module];
      const rows = query.module === 'Users' ? this.users.map((_, i) => this.userView(i + 1)) : this.rowsOf(query.module);
      return runVtql(query, rows, spec.fields.map((f) => f.name));
    } catch (error) {
      if (error instanceof VtqlError) throw new VtigerError(error.code, error.message);
      throw error;
    }
  }

  /**
   * A module's live records as a query reads them, each viewed once and kept until it changes:
   * a copy of every record per search made the bench's simulator cost about what the relay did (issue 10).
   */
  private rowsOf(module: ModuleName): Array<Record<string, string>> {
    const rows: Array<Record<string, string>> = [];
    for (const record of this.records.values()) if (record.module === module && !record.deleted) rows.push((record.row ??= this.view(record)));
    return rows;
  }

  private describe(elementType: string | null, userId: number): unknown {
    const spec = this.moduleSpec(elementType, userId);
    return describeModule(spec, this.prefixes[spec.name]);
  }

  private retrieve(wsId: string | null, userId: number): unknown {
    return this.view(this.find(wsId, userId));
  }

  private create(input: Params, userId: number): unknown {
    const spec = this.moduleSpec(input.get('elementType'), userId);
    if (!spec.createable) throw new VtigerError('ACCESS_DENIED', DENIED);
    const element = decodeElement(input.get('element'));
    this.checkReferences(spec, element);
    const missing = spec.fields.find((f) => f.mandatory && !f.readonly && !element[f.name]);
    if (missing) throw new VtigerError('MANDATORY_FIELDS_MISSING', `${missing.name} does not have a value`);
    this.checkOwner(element, userId);
    return this.view(this.store(spec.name as EntityRecord['module'], element));
  }

  /**
   * revise (`partial`: mandatory fields checked among those sent) and update (`full`: every mandatory field must be
   * sent, and an empty reference is dropped, not cleared). Both keep the fields not sent (Vtiger 7 and 8 read the
   * record first).
   */
  private revise(input: Params, mode: 'partial' | 'full', userId: number): unknown {
    const element = decodeElement(input.get('element'));
    const target = this.find(element.id ?? null, userId);
    if (!('crmid' in target)) throw new VtigerError('ACCESS_DENIED', DENIED);
    const spec = MODULES[target.module];
    this.checkReferences(spec, element);
    if (mode === 'full') for (const f of spec.fields) if (f.type.name === 'reference' && element[f.name] === '') delete element[f.name];
    const missing = spec.fields.find((f) => f.mandatory && !f.readonly && (mode === 'full' || Object.hasOwn(element, f.name)) && !element[f.name]);
    if (missing) throw new VtigerError('MANDATORY_FIELDS_MISSING', `${missing.name} does not have a value`);
    this.checkOwner(element, userId);
    const editable = spec.fields.filter((f) => !f.readonly);
    for (const f of editable) if (Object.hasOwn(element, f.name)) target.fields[f.name] = element[f.name]!;
    target.fields.modifiedtime = this.timestamp();
    target.updates += 1;
    target.row = undefined;
    return this.view(target);
  }

  /**
   * The record a webservice id names, if the session user may use its module, or the webservice's error for it:
   * the id's type first, then the record's own module (none for a missing or deleted record), then whether they agree.
   */
  private find(wsId: string | null, userId: number): EntityRecord | { module: 'Users'; userId: number } {
    const [, prefix, id] = /^(\d+)x(\d+)$/.exec(wsId ?? '') ?? [];
    const module = this.moduleOfPrefix(prefix);
    if (!module) throw new VtigerError('ACCESS_DENIED', DENIED_FOR_ID);
    if (module === 'Users') {
      if (!this.users[Number(id) - 1] || !this.offers(module, userId)) throw new VtigerError('ACCESS_DENIED', DENIED);
      return { module, userId: Number(id) };
    }
    const record = this.records.get(Number(id));
    if (!record || record.deleted || !this.offers(record.module, userId)) throw new VtigerError('ACCESS_DENIED', DENIED);
    if (record.module !== module) throw new VtigerError('INVALID_ID_ATTRIBUTE', 'Id specified is incorrect');
    return record;
  }

  private checkReferences(spec: ModuleSpec, element: Record<string, string>): void {
    for (const f of spec.fields) {
      const value = element[f.name];
      // The owner is no reference field: checkOwner looks at it after the mandatory fields.
      if (!value || f.type.name !== 'reference') continue;
      const [, prefix] = /^(\d+)x\d+$/.exec(value) ?? [];
      const module = this.moduleOfPrefix(prefix);
      if (!module) throw new VtigerError('ACCESS_DENIED', DENIED_FOR_ID);
      if (!f.type.refersTo.includes(module)) throw new VtigerError('REFERENCE_INVALID', `Invalid reference specified for ${f.name}`);
    }
  }

  /** hasAssignPrivilege: an administrator may assign to any id; anyone else to an Active user (every user here is). */
  private checkOwner(element: Record<string, string>, userId: number): void {
    const owner = element.assigned_user_id;
    if (!owner || this.users[userId - 1]?.admin) return;
    const [, prefix, id] = /^(\d+)x(\d+)$/.exec(owner) ?? [];
    const module = this.moduleOfPrefix(prefix);
    if (!module) throw new VtigerError('ACCESS_DENIED', DENIED_FOR_ID);
    if (module !== 'Users' || !this.users[Number(id) - 1]) throw new VtigerError('ACCESS_DENIED', 'Cannot assign record to the given user');
  }

  /** Whether the user's session may use the module (it is among the user's vtws_listtypes): this install's modules, Users for an administrator only. */
  private offers(name: string, userId: number): name is ModuleName {
    return isModuleName(name) && this.modules.includes(name) && (name !== 'Users' || this.users[userId - 1]?.admin === true);
  }

  /** The module whose entity type id is `prefix` on this install. */
  private moduleOfPrefix(prefix: string | undefined): ModuleName | undefined {
    return this.modules.find((m) => String(this.prefixes[m]) === prefix);
  }

  private moduleSpec(elementType: string | null, userId: number): ModuleSpec {
    if (!elementType || !this.offers(elementType, userId)) throw new VtigerError('ACCESS_DENIED', DENIED);
    return MODULES[elementType];
  }

  private store(module: EntityRecord['module'], values: Record<string, string>): EntityRecord {
    const stamp = this.timestamp();
    const fields = Object.fromEntries(MODULES[module].fields.filter((f) => !f.readonly).map((f) => [f.name, values[f.name] ?? '']));
    const record: EntityRecord = { module, crmid: this.nextCrmid++, fields: { ...fields, createdtime: stamp, modifiedtime: stamp }, deleted: false, updates: 0 };
    this.records.set(record.crmid, record);
    return record;
  }

  /** A record as the webservice returns it: every field a string, its id included. */
  private view(target: EntityRecord | { module: 'Users'; userId: number }): Record<string, string> {
    return 'crmid' in target ? { ...target.fields, id: this.wsId(target) } : this.userView(target.userId);
  }

  private userView(userId: number): Record<string, string> {
    const user = this.users[userId - 1]!;
    return { user_name: user.userName, first_name: user.firstName, last_name: user.lastName, email1: user.email, status: 'Active', id: this.userWsId(userId) };
  }

  private accountNamed(name: string, owner: string): string {
    const existing = [...this.records.values()].find((r) => r.module === 'Accounts' && r.fields.accountname === name);
    return this.wsId(existing ?? this.store('Accounts', { accountname: name, assigned_user_id: owner }));
  }

  private wsId(record: EntityRecord): string {
    return `${this.prefixes[record.module]}x${record.crmid}`;
  }

  private userWsId(userId: number): string {
    return `${this.prefixes.Users}x${userId}`;
  }

  private seconds(): number {
    return Math.floor(this.clock() / 1000);
  }

  private timestamp(): string {
    return new Date(this.clock()).toISOString().slice(0, 19).replace('T', ' ');
  }
}

/** `element`: URL-encoded JSON, decoded as json_decode does (text that is not JSON is null: no fields); scalars become the strings the database gives back. */
function decodeElement(text: string | null): Record<string, string> {
  let decoded: unknown;
  try {
    decoded = text === null ? null : JSON.parse(text);
  } catch {
    decoded = null;
  }
  if (typeof decoded !== 'object' || decoded === null || Array.isArray(decoded)) return {};
  const element: Record<string, string> = {};
  for (const [name, value] of Object.entries(decoded)) {
    // PHP's string of a value: true "1", false "", an array "Array"; null leaves the field unset.
    if (value === null) continue;
    element[name] = typeof value === 'boolean' ? (value ? '1' : '') : typeof value === 'object' ? 'Array' : String(value);
  }
  return element;
}

/** PHP's view of a request: $_POST is filled only from a form body; $_REQUEST (`params`) is GET overlaid with POST. */
function phpParams({ method, headers, query, body }: CrmRequest): { post: Params; params: Params } {
  const isForm = method === 'POST' && /^application\/x-www-form-urlencoded/i.test(headers['content-type'] ?? '');
  const post = new URLSearchParams(isForm ? body : '');
  return { post, params: new URLSearchParams([...query, ...post]) };
}

function operationName(params: Params): string {
  return (params.get('operation') ?? '').toLowerCase();
}

/** A proxy's error page in front of Vtiger (nginx's wording). */
function proxyFailure(failure: InjectedFailure): CrmAnswer {
  const title = `${failure.status} ${STATUS_CODES[failure.status] ?? 'Error'}`;
  return { status: failure.status, headers: HTML, body: `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n` };
}

/** Vtiger's user access keys: 16 letters and digits. */
function randomAccessKey(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  return Array.from(randomBytes(16), (byte) => alphabet[byte % alphabet.length]).join('');
}

function crmidOf(wsId: string | undefined): number {
  return Number(/x(\d+)$/.exec(wsId ?? '')?.[1] ?? 0);
}

function normalizeSitePath(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed && !trimmed.startsWith('/') ? `/${trimmed}` : trimmed;
}
