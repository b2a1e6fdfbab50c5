/**
 * An Odoo simulator over real HTTP: one database behind Odoo's External RPC API, JSON-RPC 2.0 at
 * `POST /jsonrpc`, with contacts (res.partner), users (res.users) and the notes posted in a
 * contact's chatter (mail.message).
 *
 * Facts used, and where they come from ([D] odoo.com/documentation or Odoo's own source in
 * odoo/odoo, [C] integrators' code, [I] assumed; docs/crms/odoo.md says the same for the connector):
 * - One route, `POST /jsonrpc`, body `{"jsonrpc":"2.0","method":"call","params":{"service","method","args"},"id"}`;
 *   the answer `{"jsonrpc":"2.0","id":<the request's>,"result":…}`, or with HTTP 200 too
 *   `{"jsonrpc":"2.0","id":…,"error":{"code":200,"message":"Odoo Server Error","data":{"name","message","arguments","context","debug"}}}`
 *   [D "External RPC API"; odoo/http.py serialize_exception and the JSON-RPC dispatcher]. A body that is
 *   no JSON is a 400 page [I].
 * - `common.authenticate(db, login, password_or_key, {})`: the uid, or `false` when refused [D
 *   "External RPC API", odoo/service/common.py]. An API key stands in for the password [D "API Keys"].
 * - `object.execute_kw(db, uid, key, model, method, args, kwargs)`: the key is checked on every call,
 *   `odoo.exceptions.AccessDenied` "Access Denied" when the uid and key do not go together [D
 *   odoo/service/model.py dispatch, security.check]; a model the database lacks is a UserError
 *   "Object x doesn't exist" [D odoo/service/model.py execute_cr]; a method it lacks an
 *   AttributeError [I: words].
 * - search_read(domain, fields, limit) and read(ids, fields): records as `{id, …}`, an empty field
 *   false, a many2one `[id, display name]`, archived records left out of a search [D ORM reference].
 *   Domains: odoo-domain.ts. A field the model lacks, in a domain or a field list, is a ValueError
 *   [D odoo/osv/expression.py; field list words I]. `mobile` is a field of res.partner up to 18.0 and
 *   none from 18.2 (saas) and 19.0 [D odoo/odoo PR 189739]: `version: 19` leaves it out.
 * - A contact: `name`, `phone`, `mobile`, `is_company`, `parent_id`, `commercial_company_name` (the
 *   company's name, a company's own) [D odoo/addons/base/models/res_partner.py]. Seeded phones fill
 *   phone, then mobile; a company is a partner of its own; a deleted contact is archived (`active` false).
 * - res.partner.message_post(ids, body=, message_type=, subtype_xmlid=, body_is_html=, author_id=)
 *   [D addons/mail/models/mail_thread.py]: one record, else ValueError "Expected singleton" [D ORM
 *   ensure_one]; answers the new mail.message's id (@api.returns); a body that is text is escaped
 *   unless body_is_html [D same]; a record that is gone is a MissingError [D ORM; words I]; an
 *   author_id that is no partner a ValidationError, as Odoo turns a foreign key violation into one
 *   [D odoo/service/model.py _as_validation_error]; an unknown subtype xmlid a ValueError "External ID
 *   not found in the system" [D ir.model.data; words I]; a kwarg message_post does not take a
 *   ValueError "Invalid field" on mail.message [I].
 * - res.users: `login` (its email), `partner_id`, `active` [D res_users.py]. The key's own user is uid 2
 *   with partner 3, as on a fresh database [I].
 * - `refuse(model)`: that model then answers every call with odoo.exceptions.AccessError (a user
 *   whose groups do not reach it) [D odoo/exceptions.py; the message's words I].
 * - Behind odoo.com or a reverse proxy, a 429 and 5xx are HTML pages [I].
 */
import { type CrmAnswer, type CrmRequest, CrmServer, isJsonObject, parseJsonObject, ServedCrmSimulator } from './crm-server.ts';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';
import { DomainError, type DomainRecord, filterByDomain } from './odoo-domain.ts';

export const RPC_PATH = '/jsonrpc';
/** The web client's version route (JSON-RPC, no sign-in) [D odoo/addons/web/controllers/webclient.py version_info]. */
export const VERSION_PATH = '/web/webclient/version_info';
const KEY_USER_ID = 2;
const KEY_PARTNER_ID = 3;
const MESSAGE_TYPES = new Set(['email', 'comment', 'notification', 'auto_comment', 'user_notification']);
const SUBTYPES = new Set(['mail.mt_note', 'mail.mt_comment']);
const MESSAGE_POST_KWARGS = new Set(['body', 'subject', 'message_type', 'email_from', 'author_id', 'parent_id', 'subtype_xmlid', 'subtype_id', 'partner_ids', 'attachments', 'attachment_ids', 'body_is_html']);

export interface OdooSimulatorOptions {
  database?: string;
  login?: string;
  apiKey?: string;
  /** 17 (the default) has res.partner's `mobile`; 19 has none. */
  version?: 17 | 19;
}

interface Partner extends DomainRecord {
  id: number;
  name: string;
  phone: string | false;
  mobile: string | false;
  is_company: boolean;
  parent_id: [number, string] | false;
  commercial_company_name: string | false;
  active: boolean;
}

interface User extends DomainRecord {
  id: number;
  login: string;
  partner_id: [number, string];
  active: boolean;
  key: string | null;
}

interface Message extends DomainRecord {
  id: number;
  model: string;
  res_id: number;
  body: string;
  message_type: string;
  subtype_xmlid: string;
  author_id: [number, string];
  date: string;
}

/** What an RPC call raised: the exception's dotted name and its message. */
class OdooError extends Error {
  constructor(
    readonly exception: string,
    message: string,
  ) {
    super(message);
  }
}

export class OdooSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  readonly database: string;
  readonly version: 17 | 19;
  private readonly partners: Partner[] = [];
  private readonly users: User[] = [];
  private readonly messages: Message[] = [];
  private readonly refused = new Set<string>();
  private readonly partnerFields: ReadonlySet<string>;
  private nextPartnerId = KEY_PARTNER_ID + 1;
  private nextUserId = KEY_USER_ID + 1;
  private nextMessageId = 1001;

  private constructor(crm: CrmServer, options: OdooSimulatorOptions) {
    super(crm);
    this.database = options.database ?? 'acme';
    const login = options.login ?? 'relay@acme.example';
    const apiKey = options.apiKey ?? '7d0f3c1a9b2e4f6a8c0d1e2f3a4b5c6d7e8f9a0b';
    const version = (this.version = options.version ?? 17);
    this.partnerFields = new Set(['id', 'name', 'phone', ...(version >= 19 ? [] : ['mobile']), 'is_company', 'parent_id', 'commercial_company_name', 'active', 'display_name']);
    this.partners.push(partner(KEY_PARTNER_ID, 'Relay User', false));
    this.users.push({ id: KEY_USER_ID, login, partner_id: [KEY_PARTNER_ID, 'Relay User'], active: true, key: apiKey });
    this.config = { url: crm.baseUrl, database: this.database, login, api_key: apiKey, ...(version >= 19 ? {} : { mobile: 'true' }) };
  }

  static async start(options: OdooSimulatorOptions = {}): Promise<OdooSimulator> {
    let simulator: OdooSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => simulator!.route(request),
      failure: (failure, request) => failureAnswer(failure, request),
      isSearch: (request) => /^res\.partner\.search_read$/m.test(callOf(request)),
      // The model and method travel in the body: a pattern may name them (/message_post/).
      failureTarget: (request) => (callOf(request) ? `${request.url}\n${callOf(request)}` : request.url),
      crash: (error) => rpcError(null, new OdooError('builtins.Exception', error.message)),
    });
    simulator = new OdooSimulator(crm, options);
    return simulator;
  }

  /** The key user's own contact, whose chatter gets a note no contact and no agent claims. */
  get keyPartnerId(): string {
    return String(KEY_PARTNER_ID);
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((seed) => {
      if (seed.lead) throw new Error('Odoo has no Leads among its contacts (crm.lead is another model)');
      const phoneFields = this.partnerFields.has('mobile') ? 2 : 1;
      if (seed.phones.length > phoneFields) throw new Error(`an Odoo ${this.partnerFields.has('mobile') ? '17' : '19'} contact has ${phoneFields} phone field(s), not ${seed.phones.length}`);
      const company = seed.company ? this.company(seed.company) : undefined;
      const record = partner(this.nextPartnerId++, `${seed.firstName} ${seed.lastName}`, false);
      record.phone = seed.phones[0] ?? false;
      record.mobile = seed.phones[1] ?? false;
      record.parent_id = company ? [company.id, company.name] : false;
      record.commercial_company_name = company?.name ?? false;
      record.active = !seed.deleted;
      this.partners.push(record);
      return String(record.id);
    });
  }

  /** A user of the database; returns its contact's id, what find_user gives and a note names as author. */
  seedUser(seed: SeedUser): string {
    const record = partner(this.nextPartnerId++, `${seed.firstName} ${seed.lastName}`, false);
    this.partners.push(record);
    this.users.push({ id: this.nextUserId++, login: seed.email, partner_id: [record.id, record.name], active: true, key: null });
    return String(record.id);
  }

  /** The notes posted on contacts; `res_id` the contact whose chatter shows it, `author_id` whose it is. */
  activities(): StoredActivity[] {
    return this.messages.map((message) => ({ id: String(message.id), fields: { ...message, author_id: message.author_id[0] }, updates: 0 }));
  }

  /** From now on every call on `model` is refused with an AccessError. */
  refuse(model: string): void {
    this.refused.add(model);
  }

  private route(request: CrmRequest): CrmAnswer {
    if (request.path === VERSION_PATH) return rpcResult(parseJsonObject(request.body)?.id ?? null, { server_version: `${this.version}.0`, server_version_info: [this.version, 0, 0, 'final', 0, ''], server_serie: `${this.version}.0`, protocol_version: 1 });
    if (request.path !== RPC_PATH) return { status: 404, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><title>404: Not Found</title>' };
    const body = parseJsonObject(request.body);
    if (request.method !== 'POST' || !body || !isJsonObject(body.params)) return { status: 400, headers: { 'Content-Type': 'text/html' }, body: '<!DOCTYPE html><title>400 Bad Request</title><p>Invalid JSON-RPC request</p>' };
    const id = body.id ?? null;
    const { service, method, args } = body.params as { service?: unknown; method?: unknown; args?: unknown };
    try {
      if (!Array.isArray(args)) throw new OdooError('builtins.TypeError', 'args must be a list');
      if (service === 'common' && method === 'authenticate') return rpcResult(id, this.authenticate(args));
      if (service === 'object' && method === 'execute_kw') return rpcResult(id, this.executeKw(args));
      throw new OdooError('builtins.NameError', `Method not available ${String(method)}`);
    } catch (error) {
      if (error instanceof OdooError || error instanceof DomainError) return rpcError(id, error);
      throw error;
    }
  }

  private authenticate([db, login, key]: unknown[]): number | false {
    if (db !== this.database) throw new OdooError('psycopg2.OperationalError', `connection to server failed: FATAL:  database "${String(db)}" does not exist`);
    const user = this.users.find((u) => u.active && u.login.toLowerCase() === String(login).toLowerCase());
    return user && user.key !== null && user.key === key ? user.id : false;
  }

  private executeKw([db, uid, key, model, method, args = [], kwargs = {}]: unknown[]): unknown {
    if (db !== this.database) throw new OdooError('psycopg2.OperationalError', `connection to server failed: FATAL:  database "${String(db)}" does not exist`);
    const user = this.users.find((u) => u.id === Number(uid) && u.active);
    if (!user || user.key === null || user.key !== key) throw new OdooError('odoo.exceptions.AccessDenied', 'Access Denied');
    if (!Array.isArray(args) || !isJsonObject(kwargs)) throw new OdooError('builtins.TypeError', 'execute_kw takes a list of arguments and a dict of keyword arguments');
    const known = ['res.partner', 'res.users', 'mail.message'];
    if (typeof model !== 'string' || !known.includes(model)) throw new OdooError('odoo.exceptions.UserError', `Object ${String(model)} doesn't exist`);
    if (this.refused.has(model)) throw new OdooError('odoo.exceptions.AccessError', `You are not allowed to access '${model}' records.\n\nThis operation is allowed for the following groups:\n\t- Role / User`);
    const call = `${model}.${String(method)}`;
    switch (call) {
      case 'res.partner.search_read':
        return this.searchRead(this.partners, 'res.partner', this.partnerFields, args, kwargs);
      case 'res.partner.read':
        return this.read(this.partners, 'res.partner', this.partnerFields, args, kwargs);
      case 'res.partner.message_post':
        return this.messagePost(user, args, kwargs);
      case 'res.users.search_read':
        return this.searchRead(this.users, 'res.users', USER_FIELDS, args, kwargs);
      case 'res.users.read':
        return this.read(this.users, 'res.users', USER_FIELDS, args, kwargs);
      case 'mail.message.search_read':
        return this.searchRead(this.messages, 'mail.message', MESSAGE_FIELDS, args, kwargs);
      default:
        throw new OdooError('builtins.AttributeError', `The method '${String(method)}' does not exist on the model '${model}'`);
    }
  }

  private searchRead<R extends DomainRecord>(records: R[], model: string, fields: ReadonlySet<string>, args: unknown[], kwargs: Record<string, unknown>): DomainRecord[] {
    const domain = kwargs.domain ?? args[0] ?? [];
    const limit = typeof kwargs.limit === 'number' ? kwargs.limit : undefined;
    // search_read leaves archived records out (active_test).
    const found = filterByDomain(records.filter((r) => r.active !== false), domain, model, fields);
    return found.slice(0, limit).map((record) => pick(record, model, fields, kwargs.fields ?? args[1]));
  }

  private read<R extends DomainRecord & { id: number }>(records: R[], model: string, fields: ReadonlySet<string>, args: unknown[], kwargs: Record<string, unknown>): DomainRecord[] {
    const ids = args[0];
    if (!Array.isArray(ids)) throw new OdooError('builtins.TypeError', 'read takes a list of ids');
    return ids.map((id) => {
      const record = records.find((r) => r.id === id);
      if (!record) throw new OdooError('odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: ${model}(${String(id)},), User: 2)`);
      return pick(record, model, fields, kwargs.fields ?? args[1]);
    });
  }

  private messagePost(user: User, args: unknown[], kwargs: Record<string, unknown>): number {
    const ids = args[0];
    if (!Array.isArray(ids) || ids.length !== 1) throw new OdooError('builtins.ValueError', `Expected singleton: res.partner(${Array.isArray(ids) ? ids.join(', ') : ''})`);
    const unknown = Object.keys(kwargs).find((name) => !MESSAGE_POST_KWARGS.has(name));
    if (unknown) throw new OdooError('builtins.ValueError', `Invalid field '${unknown}' on model 'mail.message'`);
    const record = this.partners.find((p) => p.id === ids[0]);
    if (!record) throw new OdooError('odoo.exceptions.MissingError', `Record does not exist or has been deleted.\n(Record: res.partner(${String(ids[0])},), User: ${user.id})`);
    const messageType = kwargs.message_type ?? 'notification';
    if (typeof messageType !== 'string' || !MESSAGE_TYPES.has(messageType)) throw new OdooError('builtins.ValueError', `Wrong value for mail.message.message_type: '${String(messageType)}'`);
    const subtype = kwargs.subtype_xmlid ?? 'mail.mt_note';
    if (typeof subtype !== 'string' || !SUBTYPES.has(subtype)) throw new OdooError('builtins.ValueError', `External ID not found in the system: ${String(subtype)}`);
    const authorId = kwargs.author_id ?? user.partner_id[0];
    const author = this.partners.find((p) => p.id === authorId);
    if (!author) {
      throw new OdooError('odoo.exceptions.ValidationError', "The operation cannot be completed: another model requires the record being deleted. If possible, archive it instead.\n\nModel: Message (mail.message)\nConstraint: mail_message_author_id_fkey\n");
    }
    const text = typeof kwargs.body === 'string' ? kwargs.body : '';
    const message: Message = {
      id: this.nextMessageId++,
      model: 'res.partner',
      res_id: record.id,
      body: kwargs.body_is_html === true ? text : escapeHtml(text),
      message_type: messageType,
      subtype_xmlid: subtype,
      author_id: [author.id, author.name],
      date: new Date().toISOString().replace('T', ' ').slice(0, 19),
    };
    this.messages.push(message);
    return message.id;
  }

  private company(name: string): Partner {
    let record = this.partners.find((p) => p.is_company && p.name === name);
    if (!record) {
      record = partner(this.nextPartnerId++, name, true);
      record.commercial_company_name = name;
      this.partners.push(record);
    }
    return record;
  }
}

const USER_FIELDS: ReadonlySet<string> = new Set(['id', 'login', 'partner_id', 'active']);
const MESSAGE_FIELDS: ReadonlySet<string> = new Set(['id', 'model', 'res_id', 'body', 'message_type', 'author_id', 'date']);

function partner(id: number, name: string, isCompany: boolean): Partner {
  return { id, name, phone: false, mobile: false, is_company: isCompany, parent_id: false, commercial_company_name: false, active: true };
}

/** The fields asked for (all the model has without a list), `id` always; a field the model lacks is a ValueError. */
function pick(record: DomainRecord, model: string, fields: ReadonlySet<string>, asked: unknown): DomainRecord {
  const names = Array.isArray(asked) && asked.length > 0 ? asked.map(String) : [...fields];
  const unknown = names.find((name) => !fields.has(name));
  if (unknown) throw new OdooError('builtins.ValueError', `Invalid field '${unknown}' on model '${model}'`);
  return Object.fromEntries([['id', record.id], ...names.map((name) => [name, name === 'display_name' ? record.name : (record[name] ?? false)])]);
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;');
}

/** `model.method` of an execute_kw request, `common.authenticate` of a sign-in; empty for anything else. */
function callOf(request: CrmRequest): string {
  const params = parseJsonObject(request.body)?.params;
  if (!isJsonObject(params) || !Array.isArray(params.args)) return '';
  if (params.service === 'common') return `common.${String(params.method)}`;
  return `${String(params.args[3])}.${String(params.args[4])}`;
}

function rpcResult(id: unknown, result: unknown): CrmAnswer {
  return { status: 200, body: { jsonrpc: '2.0', id, result } };
}

function rpcError(id: unknown, error: { exception: string; message: string }): CrmAnswer {
  return {
    status: 200,
    body: {
      jsonrpc: '2.0',
      id,
      error: {
        code: 200,
        message: 'Odoo Server Error',
        data: { name: error.exception, message: error.message, arguments: [error.message], context: {}, debug: `Traceback (most recent call last):\n  …\n${error.exception}: ${error.message}\n` },
      },
    },
  };
}

/**
 * An injected failure: a key revoked meanwhile (what a 401 stands for) is refused as Odoo refuses it, with HTTP 200:
 * authenticate answers false, any other call AccessDenied; a 429 or 5xx is the proxy's HTML page.
 */
function failureAnswer(failure: InjectedFailure, request: CrmRequest): CrmAnswer {
  const id = parseJsonObject(request.body)?.id ?? null;
  if (failure.status === 401) return callOf(request) === 'common.authenticate' ? rpcResult(id, false) : rpcError(id, new OdooError('odoo.exceptions.AccessDenied', 'Access Denied'));
  const reason = failure.status === 429 ? 'Too Many Requests' : failure.status === 503 ? 'Service Unavailable' : failure.status === 502 ? 'Bad Gateway' : 'Internal Server Error';
  return { status: failure.status, headers: { 'Content-Type': 'text/html' }, body: `<html><head><title>${failure.status} ${reason}</title></head><body><h1>${reason}</h1></body></html>` };
}
