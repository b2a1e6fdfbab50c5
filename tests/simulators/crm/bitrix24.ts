/**
 * A Bitrix24 simulator over real HTTP: a portal's REST API as an inbound webhook reaches it
 * (`{portal}/rest/{user id}/{code}/{method}.json`), with the methods the bundled connector uses:
 * `batch`, `crm.duplicate.findbycomm`, `crm.contact.list`, `crm.company.get`, `crm.lead.add`,
 * `crm.activity.add`, `crm.activity.update`, `crm.activity.get` and `user.get`.
 *
 * Facts used, and where they come from ([D] Bitrix24's REST documentation, apidocs.bitrix24.com or
 * dev.1c-bitrix.ru/rest_help, the page named; [C] integrators' code and threads; [I] assumed;
 * docs/crms/bitrix24.md says the same for the connector):
 * - A webhook URL `/rest/{user id}/{code}/`; the method's name, with or without `.json`, follows it;
 *   parameters in a JSON body (or the query string) [D "Inbound webhooks", every method page's curl
 *   example; the b24phpsdk ApiClient sends JSON]. A code the portal does not have: 401
 *   `{"error":"INVALID_CREDENTIALS","error_description":"Invalid request credentials"}` [C]; an unknown
 *   method 404 ERROR_METHOD_NOT_FOUND "Method not found!" [C].
 * - Answers `{"result": …, "time": {…}}`, lists with `total` and `next` (50 a page) [D "List methods"];
 *   errors `{"error": "…", "error_description": "…"}` [D "Errors"]; a missing record answered 400 with an
 *   empty error and "Not found" [C].
 * - Limits: a leaky bucket per portal, 50 requests then 2 a second, past it 503 QUERY_LIMIT_EXCEEDED
 *   "Too many requests" [D "REST API limits"; the words C]. Enforced (`enforceRateLimits`) as a window of
 *   50 requests in 25 s, the bucket's sustained rate; a real bucket admits a little more.
 * - `batch` [D]: `halt` and `cmd`, up to 50 commands `"method?query"`, the query URL-encoded as PHP reads
 *   it (`a[b][]=v`); a command reads an earlier one's answer as `$result[name][field]…`. The answer is
 *   `{"result":{"result":{name: result},"result_error":{name: error},"result_total":…,"result_next":…,
 *   "result_time":…}}`, an empty one of them `[]` (PHP's empty array). A reference to nothing is empty
 *   [I]; with halt, the commands after a failed one are not run [D].
 * - `crm.duplicate.findbycomm {type: PHONE, values (20 at most), entity_type}` -> `{"CONTACT": [ids]}`,
 *   at most 20 per type, `[]` when none [D the page; the empty answer I]. The index keeps each phone
 *   normalised: here its digits, which a value's digits must equal (`(415) 555-0100` is found by
 *   `4155550100`, not by `+14155550100`) [I: Bitrix24 normalises numbers typed without a country with
 *   the portal's; the connector asks each form].
 * - `crm.contact.list {filter, select}`: filter `ID`, `@ID` (IN, an array), `PHONE` (exact, as typed)
 *   [D the page's prefixes; "only exact match" for the multiple fields]; `PHONE` answered only when
 *   selected, each `{ID, VALUE_TYPE, VALUE, TYPE_ID: "PHONE"}` [D crm_multifield]; `COMPANY_ID` null
 *   without a company [I]. Seeded phones are WORK, then MOBILE. A deleted contact is gone.
 * - `crm.activity.add {fields}`: OWNER_ID, OWNER_TYPE_ID (3 contact, 1 lead), TYPE_ID and COMMUNICATIONS
 *   required [D crm.activity.add]; an owner or responsible user that does not exist is refused [I words];
 *   the answer is the new id, a number [D]. RESPONSIBLE_ID defaults to the webhook's user [I].
 * - `crm.activity.update {id, fields}` -> `true`, the fields given changed, the owner too [D; the owner I].
 * - `crm.lead.add {fields}` -> the new id [D]. `crm.company.get {id}` -> `{ID, TITLE, …}` [D].
 * - `user.get {FILTER: {EMAIL, ACTIVE}}` -> `[{ID, ACTIVE, EMAIL, NAME, LAST_NAME}]` [D user.get]; EMAIL
 *   compared whole, case aside [I].
 * - A `$result` reference is put into the command as text: a number answered (a new Lead's id) reads
 *   as its digits [I].
 */
import { type CrmAnswer, type CrmRateLimit, type CrmRequest, CrmServer, isJsonObject, parseJsonObject, ServedCrmSimulator } from './crm-server.ts';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';

/** The webhook's own user: the portal's first, its administrator. */
const WEBHOOK_USER = { id: '1', email: 'admin@acme.example', name: 'Sim', lastName: 'Admin' };
const PAGE = 50;
const MAX_COMMANDS = 50;
const MAX_VALUES = 20;
const OWNER_CONTACT = 3;
const OWNER_LEAD = 1;
const ACTIVITY_CALL = 2;

export interface Bitrix24SimulatorOptions {
  /** The webhook's secret code. */
  code?: string;
}

interface Person {
  id: number;
  name: string;
  lastName: string;
  companyId: number | null;
  phones: Array<{ ID: string; VALUE_TYPE: string; VALUE: string; TYPE_ID: 'PHONE' }>;
  deleted: boolean;
}

interface User {
  ID: string;
  ACTIVE: boolean;
  EMAIL: string;
  NAME: string;
  LAST_NAME: string;
}

type Json = Record<string, unknown>;
/** A method's outcome: its result, or Bitrix24's error and the HTTP status it comes with. */
type Outcome = { result: unknown; total?: number; next?: number } | { status: number; error: string; description: string };

export class Bitrix24Simulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  private readonly contacts: Person[] = [];
  private readonly leads: Person[] = [];
  private readonly companies = new Map<number, string>();
  private readonly users: User[] = [{ ID: WEBHOOK_USER.id, ACTIVE: true, EMAIL: WEBHOOK_USER.email, NAME: WEBHOOK_USER.name, LAST_NAME: WEBHOOK_USER.lastName }];
  private readonly calls: Array<{ id: number; fields: Json; updates: number }> = [];
  private nextId = { contact: 101, lead: 501, company: 801, user: 2, activity: 9001, phone: 3001 };
  private readonly code: string;

  private constructor(crm: CrmServer, options: Bitrix24SimulatorOptions) {
    super(crm);
    this.code = options.code ?? 'k7x2q9w4e8r6t1y3';
    this.config = { webhook_url: `${crm.baseUrl}/rest/${WEBHOOK_USER.id}/${this.code}/`, portal_url: crm.baseUrl };
  }

  static async start(options: Bitrix24SimulatorOptions = {}): Promise<Bitrix24Simulator> {
    let simulator: Bitrix24Simulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => simulator!.route(request),
      failure: (failure) => failureAnswer(failure),
      isSearch: (request) => request.body.includes('crm.duplicate.findbycomm') || request.path.endsWith('crm.contact.list.json'),
      // A batch's commands travel in its body: a pattern may name the method it carries.
      failureTarget: ({ url, body }) => `${url}${body ? `\n${body}` : ''}`,
      rateLimits: BITRIX24_RATE_LIMITS,
      limited: () => failureAnswer({ status: 503 }),
    });
    simulator = new Bitrix24Simulator(crm, options);
    return simulator;
  }

  /** The webhook user's id: the responsible user of an activity that names none. */
  get webhookUserId(): string {
    return WEBHOOK_USER.id;
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((seed) => {
      const person: Person = {
        id: seed.lead ? this.nextId.lead++ : this.nextId.contact++,
        name: seed.firstName,
        lastName: seed.lastName,
        companyId: seed.company ? this.companyId(seed.company) : null,
        phones: seed.phones.map((VALUE, index) => ({ ID: String(this.nextId.phone++), VALUE_TYPE: index === 0 ? 'WORK' : 'MOBILE', VALUE, TYPE_ID: 'PHONE' })),
        deleted: seed.deleted ?? false,
      };
      (seed.lead ? this.leads : this.contacts).push(person);
      return String(person.id);
    });
  }

  seedUser(seed: SeedUser): string {
    const user = { ID: String(this.nextId.user++), ACTIVE: true, EMAIL: seed.email, NAME: seed.firstName, LAST_NAME: seed.lastName };
    this.users.push(user);
    return user.ID;
  }

  /** The Leads made so far (a caller nobody knew), as `crm.lead.add` stored them. */
  leadsMade(): Array<{ id: string; title: string; phones: string[] }> {
    return this.leads.filter((lead) => lead.name === '').map((lead) => ({ id: String(lead.id), title: lead.lastName, phones: lead.phones.map((p) => p.VALUE) }));
  }

  activities(): StoredActivity[] {
    return this.calls.map((call) => ({ id: String(call.id), fields: { ...call.fields }, updates: call.updates }));
  }

  private route(request: CrmRequest): CrmAnswer {
    const match = /^\/rest\/(\d+)\/([^/]+)\/([\w.]+?)(?:\.json)?$/.exec(request.path);
    if (!match || match[1] !== WEBHOOK_USER.id || match[2] !== this.code) return answer({ status: 401, error: 'INVALID_CREDENTIALS', description: 'Invalid request credentials' });
    const params: Json = { ...parsePhpQuery(request.query.toString()), ...(request.body.trim() === '' ? {} : (parseJsonObject(request.body) ?? {})) };
    if (request.body.trim() !== '' && !parseJsonObject(request.body)) return answer(refused('Invalid JSON'));
    const method = match[3]!.toLowerCase();
    return answer(method === 'batch' ? this.batch(params) : this.call(method, params));
  }

  private call(method: string, params: Json): Outcome {
    switch (method) {
      case 'crm.duplicate.findbycomm':
        return this.findByComm(params);
      case 'crm.contact.list':
        return this.listContacts(params);
      case 'crm.company.get':
        return this.getCompany(params);
      case 'crm.lead.add':
        return this.addLead(params);
      case 'crm.activity.add':
        return this.addActivity(params);
      case 'crm.activity.update':
        return this.updateActivity(params);
      case 'crm.activity.get':
        return this.getActivity(params);
      case 'user.get':
        return this.getUsers(params);
      default:
        return { status: 404, error: 'ERROR_METHOD_NOT_FOUND', description: 'Method not found!' };
    }
  }

  private batch(params: Json): Outcome {
    const cmd = params.cmd;
    if (!isJsonObject(cmd) && !Array.isArray(cmd)) return refused('cmd is required');
    const commands = Object.entries(cmd);
    if (commands.length > MAX_COMMANDS) return refused(`Max batch length exceeded ${MAX_COMMANDS}`);
    const halt = String(params.halt ?? '0') !== '0' && params.halt !== false;
    const result: Json = {};
    const errors: Json = {};
    const totals: Json = {};
    const next: Json = {};
    for (const [name, command] of commands) {
      const [method = '', query = ''] = String(command).split(/\?(.*)/s);
      const outcome = this.call(method.toLowerCase().replace(/\.json$/, ''), substitute(parsePhpQuery(query), result) as Json);
      if ('error' in outcome) {
        errors[name] = { error: outcome.error, error_description: outcome.description };
        if (halt) break;
        continue;
      }
      result[name] = outcome.result;
      if (outcome.total !== undefined) totals[name] = outcome.total;
      if (outcome.next !== undefined) next[name] = outcome.next;
    }
    const orEmpty = (object: Json) => (Object.keys(object).length === 0 ? [] : object);
    return { result: { result: orEmpty(result), result_error: orEmpty(errors), result_total: orEmpty(totals), result_next: orEmpty(next), result_time: [] } };
  }

  private findByComm(params: Json): Outcome {
    if (String(params.type ?? '').toUpperCase() !== 'PHONE' && String(params.type ?? '').toUpperCase() !== 'EMAIL') return refused('Communication type is not defined or invalid.');
    const values = Array.isArray(params.values) ? params.values.map(String) : [];
    if (values.length === 0) return refused('Communication values are not defined.');
    if (values.length > MAX_VALUES) return refused(`Too many communication values. Maximum is ${MAX_VALUES}.`);
    const digits = new Set(values.map((value) => value.replace(/\D/g, '')).filter(Boolean));
    const holding = (people: Person[]) => people.filter((p) => !p.deleted && p.phones.some((phone) => digits.has(phone.VALUE.replace(/\D/g, '')))).slice(0, MAX_VALUES).map((p) => p.id);
    const type = String(params.entity_type ?? '').toUpperCase();
    const found: Json = {};
    if (type !== 'LEAD' && type !== 'COMPANY') {
      const contacts = holding(this.contacts);
      if (contacts.length > 0) found.CONTACT = contacts;
    }
    if (type === 'LEAD' || type === '') {
      const leads = holding(this.leads);
      if (leads.length > 0) found.LEAD = leads;
    }
    return { result: Object.keys(found).length === 0 ? [] : found };
  }

  private listContacts(params: Json): Outcome {
    const filter = isJsonObject(params.filter) ? params.filter : {};
    const select = Array.isArray(params.select) ? params.select.map(String) : ['*'];
    const start = Number(params.start ?? 0) || 0;
    const ids = (value: unknown) => new Set((Array.isArray(value) ? value : [value]).map(String).filter((id) => id !== ''));
    let found = this.contacts.filter((c) => !c.deleted);
    if ('@ID' in filter) found = found.filter((c) => ids(filter['@ID']).has(String(c.id)));
    if ('ID' in filter) found = found.filter((c) => ids(filter.ID).has(String(c.id)));
    if ('PHONE' in filter) found = found.filter((c) => c.phones.some((p) => ids(filter.PHONE).has(p.VALUE)));
    const page = found.slice(start, start + PAGE).map((c) => this.contactRecord(c, select));
    return { result: page, total: found.length, ...(start + PAGE < found.length ? { next: start + PAGE } : {}) };
  }

  private contactRecord(contact: Person, select: string[]): Json {
    const all = select.includes('*');
    const record: Json = { ID: String(contact.id) };
    const fields: Json = { NAME: contact.name, LAST_NAME: contact.lastName, COMPANY_ID: contact.companyId === null ? null : String(contact.companyId), ASSIGNED_BY_ID: WEBHOOK_USER.id };
    for (const [name, value] of Object.entries(fields)) if (all || select.includes(name)) record[name] = value;
    // Multiple fields only when named: no mask selects them [D].
    if (select.includes('PHONE') && contact.phones.length > 0) record.PHONE = contact.phones;
    return record;
  }

  private getCompany(params: Json): Outcome {
    const title = this.companies.get(Number(params.id ?? params.ID));
    return title === undefined ? refused('Not found') : { result: { ID: String(params.id ?? params.ID), TITLE: title } };
  }

  private addLead(params: Json): Outcome {
    const fields = isJsonObject(params.fields) ? params.fields : undefined;
    if (!fields) return refused('fields is required');
    const phones = Array.isArray(fields.PHONE) ? fields.PHONE.filter(isJsonObject).map((p) => String(p.VALUE ?? '')) : [];
    const lead: Person = {
      id: this.nextId.lead++,
      name: String(fields.NAME ?? ''),
      lastName: String(fields.TITLE ?? ''),
      companyId: null,
      phones: phones.map((VALUE) => ({ ID: String(this.nextId.phone++), VALUE_TYPE: 'WORK', VALUE, TYPE_ID: 'PHONE' })),
      deleted: false,
    };
    this.leads.push(lead);
    return { result: lead.id };
  }

  private addActivity(params: Json): Outcome {
    const fields = isJsonObject(params.fields) ? params.fields : undefined;
    if (!fields) return refused('fields is required');
    for (const required of ['OWNER_ID', 'OWNER_TYPE_ID', 'TYPE_ID']) {
      if (fields[required] === undefined || String(fields[required]) === '') return refused(`The field ${required} is not defined or invalid.`);
    }
    if (!Array.isArray(fields.COMMUNICATIONS) || fields.COMMUNICATIONS.length === 0) return refused('The field COMMUNICATIONS is not defined or invalid.');
    const owner = this.ownerError(fields);
    if (owner) return owner;
    if (fields.RESPONSIBLE_ID !== undefined && !this.users.some((u) => u.ID === String(fields.RESPONSIBLE_ID) && u.ACTIVE)) return refused(`User ${String(fields.RESPONSIBLE_ID)} is not found.`);
    const stored: Json = {
      ...fields,
      OWNER_TYPE_ID: Number(fields.OWNER_TYPE_ID),
      OWNER_ID: String(fields.OWNER_ID),
      TYPE_ID: Number(fields.TYPE_ID),
      RESPONSIBLE_ID: String(fields.RESPONSIBLE_ID ?? WEBHOOK_USER.id),
      COMPLETED: fields.COMPLETED === 'Y' ? 'Y' : 'N',
      AUTHOR_ID: WEBHOOK_USER.id,
    };
    const call = { id: this.nextId.activity++, fields: stored, updates: 0 };
    this.calls.push(call);
    return { result: call.id };
  }

  private updateActivity(params: Json): Outcome {
    const call = this.calls.find((c) => String(c.id) === String(params.id ?? params.ID));
    if (!call) return refused('Not found');
    const fields = isJsonObject(params.fields) ? params.fields : undefined;
    if (!fields) return refused('fields is required');
    const merged = { ...call.fields, ...fields };
    const owner = this.ownerError(merged);
    if (owner) return owner;
    call.fields = { ...merged, OWNER_TYPE_ID: Number(merged.OWNER_TYPE_ID), OWNER_ID: String(merged.OWNER_ID) };
    call.updates += 1;
    return { result: true };
  }

  private getActivity(params: Json): Outcome {
    const call = this.calls.find((c) => String(c.id) === String(params.id ?? params.ID));
    return call ? { result: { ID: String(call.id), ...call.fields } } : refused('Not found');
  }

  /** Why an activity's owner is refused: an owner type it cannot have, or a record that is not there. */
  private ownerError(fields: Json): Outcome | undefined {
    const type = Number(fields.OWNER_TYPE_ID);
    const people = type === OWNER_CONTACT ? this.contacts : type === OWNER_LEAD ? this.leads : undefined;
    if (!people) return refused('The field OWNER_TYPE_ID is not defined or invalid.');
    if (!people.some((p) => String(p.id) === String(fields.OWNER_ID) && !p.deleted)) return refused('The field OWNER_ID is not defined or invalid.');
    if (Number(fields.TYPE_ID ?? ACTIVITY_CALL) !== ACTIVITY_CALL) return refused('The field TYPE_ID is not defined or invalid.');
    return undefined;
  }

  private getUsers(params: Json): Outcome {
    const filter = isJsonObject(params.FILTER) ? params.FILTER : isJsonObject(params.filter) ? params.filter : {};
    let found = this.users;
    if (filter.EMAIL !== undefined) found = found.filter((u) => u.EMAIL.toLowerCase() === String(filter.EMAIL).toLowerCase());
    if (filter.ACTIVE !== undefined) found = found.filter((u) => u.ACTIVE === (filter.ACTIVE === true || filter.ACTIVE === 'Y' || filter.ACTIVE === 'true'));
    return { result: found.slice(0, PAGE), total: found.length };
  }

  private companyId(title: string): number {
    for (const [id, name] of this.companies) if (name === title) return id;
    const id = this.nextId.company++;
    this.companies.set(id, title);
    return id;
  }
}

/** Bitrix24's answer for an outcome: `{result, time}` (with `total`, `next` for a list), or its error envelope. */
function answer(outcome: Outcome): CrmAnswer {
  if ('error' in outcome) return { status: outcome.status, body: { error: outcome.error, error_description: outcome.description } };
  const time = { start: Date.now() / 1000, finish: Date.now() / 1000, duration: 0, processing: 0, date_start: new Date().toISOString(), date_finish: new Date().toISOString() };
  return { status: 200, body: { result: outcome.result, ...(outcome.next === undefined ? {} : { next: outcome.next }), ...(outcome.total === undefined ? {} : { total: outcome.total }), time } };
}

function refused(description: string): Outcome {
  return { status: 400, error: '', description };
}

/**
 * A query string as PHP reads it into nested arrays: `a[b][0][c]=v` sets a.b.0.c, `a[]=v` appends,
 * and a later plain `a=v` replaces. Lists with numeric keys become arrays.
 */
export function parsePhpQuery(query: string): Json {
  const root: Json = {};
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const [rawKey = '', rawValue = ''] = pair.split(/=(.*)/s);
    const decode = (text: string) => decodeURIComponent(text.replace(/\+/g, ' '));
    const key = decode(rawKey);
    const base = /^[^[]+/.exec(key)?.[0];
    if (!base) continue;
    const path = [base, ...[...key.slice(base.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1]!)];
    let node: Json = root;
    path.forEach((segment, index) => {
      const last = index === path.length - 1;
      const name = segment === '' ? String(Object.keys(node).length) : segment;
      if (last) node[name] = decode(rawValue);
      else node = (isJsonObject(node[name]) ? node[name] : (node[name] = {})) as Json;
    });
  }
  return arraysOf(root) as Json;
}

/** Objects whose keys are 0…n-1 as arrays, all the way down. */
function arraysOf(value: unknown): unknown {
  if (!isJsonObject(value)) return value;
  const entries = Object.entries(value).map(([key, item]) => [key, arraysOf(item)] as const);
  return entries.length > 0 && entries.every(([key], index) => key === String(index)) ? entries.map(([, item]) => item) : Object.fromEntries(entries);
}

/** Each value that is a `$result[name][field]…` reference, replaced by that earlier answer (empty when there is none). */
function substitute(value: unknown, results: Json): unknown {
  if (Array.isArray(value)) return value.map((item) => substitute(item, results));
  if (isJsonObject(value)) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, results)]));
  if (typeof value !== 'string') return value;
  const reference = /^\$result((?:\[[^\]]*\])+)$/.exec(value);
  if (!reference) return value;
  let found: unknown = results;
  for (const [, segment] of reference[1]!.matchAll(/\[([^\]]*)\]/g)) found = isJsonObject(found) || Array.isArray(found) ? (found as Record<string, unknown>)[segment!] : undefined;
  // Put into the command's text, as Bitrix24 does: a number comes back as text; a list stays a list.
  return typeof found === 'number' ? String(found) : (found ?? '');
}

/** The portal's leaky bucket as a window (see the header), enforced after `enforceRateLimits()`. */
const BITRIX24_RATE_LIMITS: CrmRateLimit[] = [{ name: 'bucket', requests: 50, perMs: 25_000, applies: () => true }];

function failureAnswer(failure: InjectedFailure): CrmAnswer {
  if (failure.status === 401) return answer({ status: 401, error: 'INVALID_CREDENTIALS', description: 'Invalid request credentials' });
  if (failure.status === 503 || failure.status === 429) return answer({ status: 503, error: 'QUERY_LIMIT_EXCEEDED', description: 'Too many requests' });
  if (failure.status >= 500) return answer({ status: failure.status, error: 'INTERNAL_SERVER_ERROR', description: 'Internal server error' });
  return answer({ status: failure.status, error: '', description: `Request failed with ${failure.status}` });
}
