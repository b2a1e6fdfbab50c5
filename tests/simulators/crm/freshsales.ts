/**
 * A Freshsales (Freshworks CRM) simulator over real HTTP, at an account's bundle alias
 * (`https://{alias}.myfreshworks.com/crm/sales/api`): contacts found by the lookup API, calls logged as
 * phone calls, the account's owners and sales activity outcomes read from its selectors.
 *
 * Facts used, and where they come from ([D] Freshworks' own pages, [C] integrators' code, [I] assumed;
 * docs/crms/freshsales.md says the same for the connector):
 * - Base and auth: every resource under `/crm/sales/api/`, the user's API key as
 *   `Authorization: Token token=<key>` [D developers.freshworks.com/crm/api, "Authentication"]. A key
 *   the account does not have is 401 `{"login":"failed","message":"Incorrect or expired API key"}` [I].
 * - `GET /lookup?q=&f=&entities=` [C sipgate/clinq-bridge-freshsales: `f` mobile_number or work_number,
 *   `entities=contact`, the answer read at `contacts.contacts`]. One entity key per entity asked, each
 *   `{<entity>s: [records]}` [C, same]; the records are the full contacts [C usefulapi's Freshsales
 *   tools, "Returns the full records"]. What a phone `f` compares is [I]: here the digits of q equal
 *   the digits of that field as stored (`+1 415-555-0100` is found by `+14155550100`, `(415) 555-0100`
 *   by `4155550100`, neither by the other); an email or name field compares whole values, case aside;
 *   q or f missing, or f no field of a contact, is 400 (words [I]).
 * - A contact: `id` (a number), `first_name`, `last_name`, `display_name`, `mobile_number`,
 *   `work_number`, `sales_accounts:[{id, name, is_primary}]` [C clinq-bridge-freshsales mapper].
 *   Seeded phones fill work_number, then mobile_number. A deleted contact is found by no lookup and
 *   takes no phone call (404) [I].
 * - `POST /phone_calls` with `{phone_call:{…}}` [C api-evangelist/freshsales, a spec written from
 *   Freshworks' pages: "logPhoneCall", POST https://{bundleAlias}.myfreshworks.com/crm/sales/api/phone_calls]. `call_direction` a boolean, true incoming and false outgoing,
 *   anything else (the word "incoming") stored as false; `targetable_type` and `targetable:{id}`
 *   together; `note:{description}`, a note that is a string a server error [C an integrator's notes,
 *   "established against a live Freshsales account"; clinq-bridge-freshsales]. `number`,
 *   `call_duration` (seconds), `owner_id` (a user of the account) and the answer 201
 *   `{phone_call:{id, …}}` are [I]; so is a call with no targetable being logged on no record, and
 *   every 4xx's words.
 * - No route changes a phone call (PUT, PATCH: 404) [I: none is documented].
 * - `GET /selector/owners` `{users:[{id, display_name, email, is_active}]}` and
 *   `GET /selector/sales_activity_outcomes` `{sales_activity_outcomes:[{id, name,
 *   sales_activity_type_id}]}` [C Freshsales SDKs read the selectors' id and name; the owners' list
 *   key and the outcomes' names (a new account's defaults) are I].
 * - Errors `{"errors":{"code":<status>,"message":"…"}}` [C clinq-bridge-freshsales reads
 *   errors.message; the code I]. Limits per account: 400 requests a minute, 1000 an hour (the smallest
 *   plan with the API), a 429 past either [D support.freshsales.io API request limits]; the 429's body
 *   and its `x-ratelimit-*` headers are [I, as Freshworks' other products send them].
 */
import { type CrmAnswer, type CrmRateLimit, type CrmRequest, CrmServer, isJsonObject, parseJsonObject, ServedCrmSimulator } from './crm-server.ts';
import type { InjectedFailure, SeedContact, SeedUser, StoredActivity } from './crm-simulator.ts';

export const API_PATH = '/crm/sales/api';
const LOOKUP = `${API_PATH}/lookup`;
const PHONE_CALLS = `${API_PATH}/phone_calls`;
const PHONE_FIELDS = ['work_number', 'mobile_number'] as const;
const TEXT_FIELDS = ['email', 'first_name', 'last_name', 'display_name'];
const ENTITIES = ['contact', 'lead', 'deal', 'sales_account'];
const TARGETABLE_TYPES = new Set(ENTITIES);
/** The outcomes of a new account's sales activities: the phone call's (type 1) and the meeting's (type 2). */
const OUTCOMES = [
  { id: 31000001, name: 'Interested', sales_activity_type_id: 1 },
  { id: 31000002, name: 'Not interested', sales_activity_type_id: 1 },
  { id: 31000003, name: 'Left voicemail', sales_activity_type_id: 1 },
  { id: 31000004, name: 'No response', sales_activity_type_id: 1 },
  { id: 31000005, name: 'Wrong number', sales_activity_type_id: 1 },
  { id: 31000006, name: 'Meeting held', sales_activity_type_id: 2 },
];
/** The API key's own user, the account's first. */
const KEY_USER = { id: 31000100, name: 'Sim Admin', email: 'admin@acme.example' };
const UNAUTHORIZED = { login: 'failed', message: 'Incorrect or expired API key' };

export interface FreshsalesSimulatorOptions {
  apiKey?: string;
  /** The bundle alias: `acme.myfreshworks.com`. */
  domain?: string;
}

interface Contact {
  id: number;
  firstName: string;
  lastName: string;
  phones: Partial<Record<(typeof PHONE_FIELDS)[number], string>>;
  account: { id: number; name: string } | null;
  deleted: boolean;
}

interface User {
  id: number;
  name: string;
  email: string;
}

export class FreshsalesSimulator extends ServedCrmSimulator {
  readonly config: Record<string, string>;
  private readonly contacts: Contact[] = [];
  private readonly accounts = new Map<string, number>();
  private readonly users: User[] = [KEY_USER];
  private readonly calls: Array<Record<string, unknown>> = [];
  private nextContactId = 31002001;
  private nextAccountId = 31005001;
  private nextUserId = KEY_USER.id + 1;
  private nextCallId = 31009001;
  private readonly apiKey: string;

  private constructor(crm: CrmServer, options: FreshsalesSimulatorOptions) {
    super(crm);
    this.apiKey = options.apiKey ?? 'sfg999666t673t7t82';
    this.config = { url: `${crm.baseUrl}${API_PATH}`, api_key: this.apiKey, domain: options.domain ?? 'acme.myfreshworks.com' };
  }

  static async start(options: FreshsalesSimulatorOptions = {}): Promise<FreshsalesSimulator> {
    let simulator: FreshsalesSimulator | undefined;
    const crm = await CrmServer.start({
      route: (request) => simulator!.route(request),
      failure: (failure) => failureAnswer(failure),
      isSearch: (request) => request.path === LOOKUP,
      rateLimits: FRESHSALES_RATE_LIMITS,
      limited: (limit) => ({ ...failureAnswer({ status: 429 }), headers: { 'x-ratelimit-total': String(limit.requests), 'x-ratelimit-remaining': '0', 'retry-after': String(limit.perMs / 1000) } }),
    });
    simulator = new FreshsalesSimulator(crm, options);
    return simulator;
  }

  /** The id of the API key's own user, whom a phone call with no owner_id belongs to. */
  get keyUserId(): string {
    return String(KEY_USER.id);
  }

  seed(contacts: SeedContact[]): string[] {
    return contacts.map((seed) => {
      if (seed.phones.length > PHONE_FIELDS.length) throw new Error(`a Freshsales contact has ${PHONE_FIELDS.length} phone fields, not ${seed.phones.length}`);
      const contact: Contact = {
        id: this.nextContactId++,
        firstName: seed.firstName,
        lastName: seed.lastName,
        phones: Object.fromEntries(seed.phones.map((phone, index) => [PHONE_FIELDS[index]!, phone])),
        account: seed.company ? { id: this.accountId(seed.company), name: seed.company } : null,
        deleted: seed.deleted ?? false,
      };
      this.contacts.push(contact);
      return String(contact.id);
    });
  }

  seedUser(seed: SeedUser): string {
    const user = { id: this.nextUserId++, name: `${seed.firstName} ${seed.lastName}`, email: seed.email };
    this.users.push(user);
    return String(user.id);
  }

  activities(): StoredActivity[] {
    return this.calls.map((call) => ({ id: String(call.id), fields: { ...call }, updates: 0 }));
  }

  private route(request: CrmRequest): CrmAnswer {
    if (request.headers.authorization !== `Token token=${this.apiKey}`) return { status: 401, body: UNAUTHORIZED };
    const { method, path } = request;
    const contactId = new RegExp(`^${API_PATH}/contacts/(\\d+)$`).exec(path)?.[1];
    if (method === 'GET' && path === LOOKUP) return this.lookup(request.query);
    if (method === 'GET' && contactId) return this.readContact(Number(contactId));
    if (method === 'POST' && path === PHONE_CALLS) return this.logPhoneCall(request.body);
    if (method === 'GET' && path === `${API_PATH}/selector/owners`) return { status: 200, body: { users: this.users.map((user) => ({ id: user.id, display_name: user.name, email: user.email, is_active: true })) } };
    if (method === 'GET' && path === `${API_PATH}/selector/sales_activity_outcomes`) return { status: 200, body: { sales_activity_outcomes: OUTCOMES } };
    return failed(404, 'The requested resource was not found');
  }

  private lookup(query: URLSearchParams): CrmAnswer {
    const q = query.get('q') ?? '';
    const field = query.get('f') ?? '';
    if (q === '' || field === '') return failed(400, 'q and f are required');
    if (![...PHONE_FIELDS, ...TEXT_FIELDS].includes(field)) return failed(400, `${field} is not a field of contact`);
    const entities = (query.get('entities') ?? 'contact').split(',');
    const unknown = entities.find((entity) => !ENTITIES.includes(entity));
    if (unknown !== undefined) return failed(400, `${unknown} is not an entity`);
    const found = this.contacts.filter((contact) => !contact.deleted && matches(this.fieldOf(contact, field), q, field));
    // Only contacts are simulated: the other entities asked for answer none.
    return { status: 200, body: Object.fromEntries(entities.map((entity) => [`${entity}s`, { [`${entity}s`]: entity === 'contact' ? found.map((c) => this.record(c)) : [] }])) };
  }

  private readContact(id: number): CrmAnswer {
    const contact = this.contacts.find((c) => c.id === id && !c.deleted);
    return contact ? { status: 200, body: { contact: this.record(contact) } } : failed(404, 'Contact not found');
  }

  private logPhoneCall(text: string): CrmAnswer {
    const body = parseJsonObject(text);
    const call = body?.phone_call;
    if (!isJsonObject(call)) return failed(400, 'phone_call is required');
    // A note that is no object breaks Freshsales' server (see the header).
    if (call.note !== undefined && !isJsonObject(call.note)) return failed(500, 'Something went wrong');
    const targetable = call.targetable;
    if ((call.targetable_type === undefined) !== (targetable === undefined)) return failed(400, 'targetable_type and targetable go together');
    let targetId: number | null = null;
    if (targetable !== undefined) {
      const type = String(call.targetable_type).toLowerCase();
      if (!TARGETABLE_TYPES.has(type)) return failed(400, `targetable_type must be one of ${[...TARGETABLE_TYPES].join(', ')}`);
      if (!isJsonObject(targetable) || targetable.id === undefined) return failed(400, 'targetable needs its id');
      targetId = Number(targetable.id);
      if (type !== 'contact' || !this.contacts.some((c) => c.id === targetId && !c.deleted)) return failed(404, `${type} ${String(targetable.id)} not found`);
    }
    if (call.call_duration !== undefined && !(Number.isInteger(call.call_duration) && (call.call_duration as number) >= 0)) return failed(400, 'call_duration must be a number of seconds');
    if (call.owner_id !== undefined && !this.users.some((user) => user.id === call.owner_id)) return failed(400, 'owner_id is not a user of the account');
    const now = new Date().toISOString();
    const stored = {
      id: this.nextCallId++,
      call_direction: call.call_direction === true,
      targetable_type: targetId === null ? null : 'contact',
      targetable_id: targetId,
      number: call.number ?? null,
      call_duration: call.call_duration ?? null,
      owner_id: call.owner_id ?? KEY_USER.id,
      note: call.note === undefined ? null : { id: this.nextCallId++, description: (call.note as Record<string, unknown>).description ?? null },
      created_at: now,
      updated_at: now,
    };
    this.calls.push(stored);
    return { status: 201, body: { phone_call: stored } };
  }

  private record(contact: Contact) {
    return {
      id: contact.id,
      first_name: contact.firstName,
      last_name: contact.lastName,
      display_name: `${contact.firstName} ${contact.lastName}`,
      email: null,
      work_number: contact.phones.work_number ?? null,
      mobile_number: contact.phones.mobile_number ?? null,
      sales_accounts: contact.account ? [{ ...contact.account, is_primary: true }] : [],
      owner_id: KEY_USER.id,
    };
  }

  private fieldOf(contact: Contact, field: string): string | undefined {
    if ((PHONE_FIELDS as readonly string[]).includes(field)) return contact.phones[field as (typeof PHONE_FIELDS)[number]];
    const record: Record<string, unknown> = this.record(contact);
    return typeof record[field] === 'string' ? (record[field] as string) : undefined;
  }

  private accountId(name: string): number {
    if (!this.accounts.has(name)) this.accounts.set(name, this.nextAccountId++);
    return this.accounts.get(name)!;
  }
}

/** Whether a field's stored value is the one looked up: the same digits for a phone field, else the same text, case aside. */
function matches(stored: string | undefined, q: string, field: string): boolean {
  if (stored === undefined) return false;
  if (!(PHONE_FIELDS as readonly string[]).includes(field)) return stored.toLowerCase() === q.toLowerCase();
  const digits = q.replace(/\D/g, '');
  return digits !== '' && stored.replace(/\D/g, '') === digits;
}

function failed(status: number, message: string): CrmAnswer {
  return { status, body: { errors: { code: status, message } } };
}

/** Freshsales' limits per account (see the header), enforced after `enforceRateLimits()`. */
const FRESHSALES_RATE_LIMITS: CrmRateLimit[] = [
  { name: 'minute', requests: 400, perMs: 60_000, applies: () => true },
  { name: 'hour', requests: 1000, perMs: 3_600_000, applies: () => true },
];

function failureAnswer(failure: InjectedFailure): CrmAnswer {
  if (failure.status === 401) return { status: 401, body: UNAUTHORIZED };
  if (failure.status === 429) return { ...failed(429, 'Too many requests'), headers: { 'x-ratelimit-total': '1000', 'x-ratelimit-remaining': '0' } };
  return failed(failure.status, failure.status >= 500 ? 'Something went wrong' : `Request failed with ${failure.status}`);
}
