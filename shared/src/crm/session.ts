import type { CrmConnectorPlan, CrmRequestPlan, OperationPlan, RelinkPlan, SearchPlan, ValueMapPlan, ValuePlan } from '../connector/crm-plan.ts';
import { getPath, type PayloadPath } from '../payload/path.ts';
import { nationalDigits, toE164 } from '../record/phone.ts';
import { ConnectorRuntimeError } from '../runtime/errors.ts';
import type { Fetch } from '../runtime/http.ts';
import { forgetChain, memoryTokenCache, resolveAuthMethods, type TokenCache } from '../runtime/auth.ts';
import { REDACTED, secretValues, worthMasking } from '../runtime/redact.ts';
import type { AgentProfile } from '../runtime/scope.ts';
import type { Template } from '../template/ast.ts';
import { references } from '../template/parse.ts';
import { MissingValueError, renderOptional, type TemplateScope } from '../template/render.ts';
import { callVariables } from './call-variables.ts';
import type { Contact, CrmCall, CrmOutcome, CrmSession } from './contract.ts';
import { readCrmAnswer } from './crm-answer.ts';
import { requestTemplates } from '../runtime/request-parameters.ts';
import { buildCrmRequest } from './crm-request.ts';
import { phoneOwners, phonesOf } from './phone-match.ts';

export interface CrmSessionOptions {
  /** The instance's CRM config values, by field name. */
  config: Record<string, string | undefined>;
  fetch: Fetch;
  /**
   * Shared by every session of the relay, so one login serves them all and only one runs at a
   * time (Vtiger keeps one live challenge per user); without it the session keeps its own.
   */
  tokenCache?: TokenCache;
  /** ISO country for numbers written nationally. */
  defaultCountry?: string;
  /** Milliseconds since the epoch. */
  now?: () => number;
  /**
   * How long a follow-up's answer (Vtiger: a contact's account, for its company name) serves
   * later lookups too; 0 (the default): each lookup asks again.
   */
  followUpTtlMs?: number;
  agent?: AgentProfile;
}

type Vars = Record<string, string | undefined>;
/** The operation a request counts as under `<limits>`, by the first word of what `send` names it: a search's follow-up is part of its find_contact, a relink of its update_call. */
const OPERATION_OF_STEP: Record<string, string> = { follow_up: 'find_contact', relink: 'update_call' };
/** A request's answer, with the token chain's values it was sent with: an answer's templates (a record's URL) may read them too. */
type Sent = { ok: true; value: Record<string, unknown>; chain: Vars } | Extract<CrmOutcome<never>, { ok: false }>;
/** A number a lookup searches for: its variables (`@number`, `@national`, its forms, `@variant`), its national digits, which a candidate's phones must end with, and its place among the lookup's numbers. */
type NumberToFind = { vars: Vars; national: string; index: number };
/**
 * One `findContactsOf`: its follow-ups' answers by request (each sent once per lookup), what it
 * found so far by number, and who is told what the searches found while follow-ups are still due.
 */
interface LookupRun {
  followUps: Map<string, Promise<Sent>>;
  found: Contact[][];
  onSearched: ((found: Contact[][]) => void) | undefined;
}
/** A candidate a search listed, before its follow-ups: its id, fields and scope, and the follow-ups it needs, each with its request's key. */
interface Candidate {
  id: string;
  record: unknown;
  fields: Vars;
  scope: TemplateScope;
  followUps: Array<{ followUp: SearchPlan['followUps'][number]; key: string }>;
}

/**
 * Binds a CRM connector to one instance's config: the CrmSession the relay calls. Every
 * operation resolves the token chain (cached), sends the connector's request, reads the answer
 * by the envelope, renews the session and replays once when the CRM says it expired, and never
 * throws: failures are outcomes whose messages carry no secret.
 */
export function openCrmSession(plan: CrmConnectorPlan, options: CrmSessionOptions): CrmSession {
  const now = options.now ?? Date.now;
  const tokenCache = options.tokenCache ?? memoryTokenCache();
  const secrets = secretValues(plan, options.config);
  const configLabels = Object.fromEntries(plan.fields.map((f) => [f.name, f.label]));
  const tokens = new Set<string>();
  const tokenNames = plan.crm.auth.flatMap((method) => (method.kind === 'token' && method.name ? [method.name] : []));
  const mask = (text: string) => [...secrets, ...tokens].filter(worthMasking).sort((a, b) => b.length - a.length).reduce((out, s) => out.split(s).join(REDACTED), text);
  const failure = (error: string, retry: boolean, extra: { retryAfterMs?: number; status?: number } = {}) => ({ ok: false as const, error: mask(error), retry, ...extra });

  /** `@now`: written again only when the clock moved, not for each of the scopes a lookup builds by number and candidate (issue 10). */
  let lastNow: { at: number; iso: string } | undefined;
  const nowIso = () => {
    const at = now();
    if (lastNow?.at !== at) lastNow = { at, iso: new Date(at).toISOString() };
    return lastNow.iso;
  };

  // The maps word a logged call (Vtiger's four: its subject, status and links); a lookup's templates
  // read none of them, and each of its four or five scopes rendered all four (issue 10).
  const lookupMaps = mapsRead(plan.maps, [plan.crm, plan.findContact, plan.newContactUrl]);
  /** The variables templates see: `vars` (with `more` over them), the agent's, and the values of `maps` (the ones the templates at hand read). */
  const scopeOf = (vars: Vars, maps: readonly ValueMapPlan[] = plan.maps, more?: Vars): TemplateScope => {
    const agent = options.agent ?? {};
    const base: Vars = { extension: agent.extension, email: agent.email, now: nowIso(), ...vars, ...more };
    for (const [name, value] of Object.entries(agent.fields ?? {})) base[`user_${name}`] = value;
    // A map sees the maps above it (Zoho: a missed inbound call is "Missed", any other the direction's
    // word): each is added to the one set of variables in turn (a copy of them per map showed in the
    // relay's profile, a scope being built for every request and every record a search returns).
    const scope: TemplateScope = { config: options.config, vars: base, defaultCountry: options.defaultCountry, configLabels };
    for (const map of maps) {
      const ours = renderOptional(map.from, scope);
      if (ours === undefined) continue;
      base[map.name] = map.values[ours.trim().toLowerCase()] ?? (map.default ? renderOptional(map.default, scope) : ours);
    }
    return scope;
  };

  const hasTokens = plan.crm.auth.some((a) => a.kind === 'token');
  /** The token chain's values for a request in `scope`: from the cache, else fetched (a login); each is masked in what the session tells from then on. */
  const resolveChain = async (scope: TemplateScope) => {
    const auth = await resolveAuthMethods(plan.crm.auth, scope, { now: now(), randomId: () => crypto.randomUUID(), fetch: options.fetch, tokenCache });
    for (const value of [...Object.values(auth.resolved), ...tokenNames.map((name) => auth.vars[name] ?? '')]) tokens.add(value);
    return auth;
  };
  /** Why a request (`what`) could not be built or its token chain resolved, as an outcome; anything else thrown is a bug, thrown again. */
  const notBuilt = (what: string, error: unknown) => {
    if (error instanceof ConnectorRuntimeError) return failure(`${what}: ${error.message}`, error.code === 'network');
    if (error instanceof MissingValueError) return failure(`${what}: ${error.message}`, false);
    if (error instanceof TypeError) return failure(`${what}: the request URL is not valid: ${error.message}`, false);
    throw error;
  };

  /** Sends one request of the connector (`what` names it in errors, and as the fetch's step); renews the session and replays once when it expired. */
  const send = async (request: CrmRequestPlan, vars: Vars, what: string, maps?: readonly ValueMapPlan[], batches?: TemplateScope['batches']): Promise<Sent> => {
    for (let attempt = 0; ; attempt++) {
      const scope = scopeOf(vars, maps);
      if (batches) scope.batches = batches;
      let outgoing;
      let chain: Vars;
      try {
        const auth = await resolveChain(scope);
        chain = auth.vars;
        // The chain's values join the request's own variables, which win over them; added to the scope's
        // fresh set, not copied with it: a copy per request was most of `send`'s own time in the profile (issue 10).
        const requestVars = scope.vars as Vars;
        for (const [name, value] of Object.entries(auth.vars)) if (!(name in requestVars)) requestVars[name] = value;
        outgoing = buildCrmRequest(plan, request, scope, auth.resolved);
      } catch (error) {
        return notBuilt(what, error);
      }
      let status: number;
      let body: string;
      let answerHeaders: Awaited<ReturnType<Fetch>>['headers'];
      try {
        const { step, operation } = stepOf(what);
        const answer = await options.fetch(outgoing.url, { method: outgoing.method, headers: outgoing.headers, ...(outgoing.body === undefined ? {} : { body: outgoing.body }), step, operation });
        answerHeaders = answer.headers;
        status = answer.status;
        body = await answer.text();
      } catch (error) {
        return failure(`${what}: could not reach ${new URL(outgoing.url).host}: ${(error as Error).message}`, true);
      }
      // The headers copied only for a failure, which reads Retry-After: the relay's client makes them from node:http's raw lines when asked (issue 10).
      const headers = () => {
        const copy: Record<string, string> = {};
        answerHeaders.forEach((value, key) => (copy[key] = value));
        return copy;
      };
      const answer = readCrmAnswer(status, headers, body, plan.crm.envelope, now());
      if (answer.ok) return { ok: true, value: answer.payload, chain };
      if (answer.renew && hasTokens && attempt === 0) {
        forgetChain(plan.crm.auth, scope, tokenCache);
        continue;
      }
      return failure(`${what}: ${answer.error}`, answer.retry, { status: answer.status, ...(answer.retryAfterMs === undefined ? {} : { retryAfterMs: answer.retryAfterMs }) });
    }
  };

  /**
   * A value of an answer: at its path, else its default rendered; undefined when empty. The scope
   * is built only for a default: a record's id and a logged call's are read from the answer in
   * every connector, and each scope copies the variables and renders the maps (issue 10).
   */
  const valueOf = (value: ValuePlan | undefined, payload: unknown, scope: () => TemplateScope): string | undefined => {
    if (!value) return undefined;
    const found = value.use ? getPath(payload, value.use) : undefined;
    if ((typeof found === 'string' || typeof found === 'number') && String(found).trim() !== '') return String(found).trim();
    return (value.default ? renderOptional(value.default, scope())?.trim() : undefined) || undefined;
  };
  /** A scope built at its first use, then kept. */
  const scopeOnce = (vars: Vars, maps?: readonly ValueMapPlan[], more?: Vars): (() => TemplateScope) => {
    let scope: TemplateScope | undefined;
    return () => (scope ??= scopeOf(vars, maps, more));
  };

  /**
   * Follow-up answers by request, kept `followUpTtlMs` across lookups (callers of one company
   * share one account retrieve); a failed answer is not kept. Within one lookup (`lookup`), each
   * request is sent once whatever it answers (two contacts of one account in one answer).
   */
  const followUpAnswers = new Map<string, { answer: Promise<Sent>; expires: number }>();
  /** The follow-up answers in, kept or not: a candidate whose follow-ups are all in has nothing to wait for. */
  const answered = new WeakSet<Promise<Sent>>();
  const followUpAsked = (key: string, lookup: Map<string, Promise<Sent>>): Promise<Sent> | undefined => {
    const kept = followUpAnswers.get(key);
    return lookup.get(key) ?? (kept && kept.expires > now() ? kept.answer : undefined);
  };
  const followUpOf = (key: string, ask: () => Promise<Sent>, lookup: Map<string, Promise<Sent>>): Promise<Sent> => {
    const answer = followUpAsked(key, lookup);
    if (answer) return answer;
    const asked = ask();
    lookup.set(key, asked);
    if (followUpAnswers.size >= MAX_KEPT_FOLLOW_UPS) followUpAnswers.delete(followUpAnswers.keys().next().value!);
    const entry = { answer: asked, expires: now() + (options.followUpTtlMs ?? 0) };
    followUpAnswers.set(key, entry);
    void asked.then((sent) => {
      answered.add(asked);
      if (!sent.ok && followUpAnswers.get(key) === entry) followUpAnswers.delete(key);
    });
    return asked;
  };

  /**
   * One search for the numbers of `numbers`, `size` per request (its `<batch>`'s; one without it,
   * or when a full answer is asked again number by number): what it found for each number, in
   * order. Each candidate goes to every number one of its phones matches; one failed request fails
   * them all (the relay retries each lookup).
   */
  const runSearch = async (search: SearchPlan, numbers: readonly NumberToFind[], run: LookupRun, size = search.batch?.size ?? 1): Promise<CrmOutcome<Contact[][]>> => {
    const found: Contact[][] = [];
    for (let from = 0; from < numbers.length; from += size) {
      const outcome = await runRequest(search, numbers.slice(from, from + size), run);
      if (!outcome.ok) return outcome;
      found.push(...outcome.value);
    }
    return { ok: true, value: found };
  };

  const runRequest = async (search: SearchPlan, numbers: readonly NumberToFind[], run: LookupRun): Promise<CrmOutcome<Contact[][]>> => {
    const { batch } = search;
    const what = `find_contact ${search.name}`;
    let vars = numbers[0]!.vars;
    // Each number's scope: its <batch> part, and the items of a <parameter each> (HubSpot's IN values), are rendered with it.
    const scopes = batch ? numbers.map((number) => scopeOf(number.vars, lookupMaps)) : [];
    if (batch?.part) {
      const part = batch.part;
      const parts = scopes.map((scope) => renderOptional(part, scope));
      if (parts.some((rendered) => rendered === undefined)) return failure(`${what}: a number's <batch> part has a value missing`, false);
      vars = { ...vars, [batch.name]: parts.join(batch.join) };
    }
    const sent = await send(search.request, vars, what, lookupMaps, batch ? { [batch.name]: scopes } : undefined);
    if (!sent.ok) return sent;
    const items = listAt(sent.value, search.list);
    // As many candidates as the CRM lists at most: some numbers' matches may be cut off, so each is asked alone.
    if (batch?.limit !== undefined && numbers.length > 1 && items.length >= batch.limit) return runSearch(search, numbers, run, 1);
    const found: Contact[][] = numbers.map(() => []);
    const ownersOf = phoneOwners(numbers.map((number) => number.national));
    const matched = items.flatMap((item) => {
      const record = search.record ? getPath(item, search.record) : item;
      const owners = ownersOf(phonesOf(search.phones, record, item));
      return owners.length === 0 ? [] : [{ item, record, owners }];
    });
    const candidates = matched.map(({ item, record, owners }) => candidateOf(search, item, record, numbers[owners[0]!]!.vars));
    // Told only once the follow-ups are late: a CRM close by answers them first, and the relay's
    // thread then gets no message and builds no partial contact for nothing (issue 10).
    const late =
      run.onSearched && candidates.some((candidate) => candidate?.followUps.some(({ key }) => !isAnswered(key, run.followUps)))
        ? setTimeout(() => tellSearched(search, numbers, matched, candidates, run), SEARCHED_AFTER_MS)
        : undefined;
    // The candidates' follow-ups side by side, FOLLOW_UPS_AT_ONCE at most: one after the other, a
    // search answering callers of N accounts waited N more round trips (issue 10).
    const contacts = await inTurns(candidates, FOLLOW_UPS_AT_ONCE, (candidate) => (candidate ? followedUp(search, candidate, run.followUps) : Promise.resolve(undefined)));
    clearTimeout(late);
    matched.forEach(({ owners }, index) => {
      const contact = contacts[index];
      if (contact) for (const owner of owners) found[owner]!.push(contact);
    });
    return { ok: true, value: found };
  };

  /** Each follow-up's templates, which key its answers: listed once, not for every candidate (issue 10). */
  const followUpTemplates = new Map(plan.findContact.searches.flatMap((search) => search.followUps.map((followUp) => [followUp, requestTemplates(followUp.request)] as const)));

  /** A candidate the search listed, before its follow-ups; undefined without an id. */
  const candidateOf = (search: SearchPlan, item: unknown, record: unknown, vars: Vars): Candidate | undefined => {
    // Without a `record` path the item is the record (Vtiger's rows): its fields read once.
    const fields = varsWith(vars);
    addPrimitives(fields, item);
    if (record !== item) addPrimitives(fields, record);
    // A scope renders the connector's maps: built at most once before the id is known and once after, not for every value read.
    const candidate = scopeOnce(fields, lookupMaps);
    const id = valueOf(search.fields.id, record, candidate) ?? valueOf(search.fields.id, item, candidate);
    if (!id) return undefined;
    fields.id = id;
    const scope = scopeOf(fields, lookupMaps);
    // The same request (same rendered values) is sent once per lookup or batch of lookups, and kept across them for followUpTtlMs: two contacts of one account, one retrieve.
    const followUps = search.followUps.flatMap((followUp) => (followUp.when !== undefined && !fields[followUp.when] ? [] : [{ followUp, key: JSON.stringify(followUpTemplates.get(followUp)!.map((t) => renderOptional(t, scope))) }]));
    return { id, record, fields, scope, followUps };
  };

  /** A candidate as a contact, its follow-ups asked. */
  const followedUp = async (search: SearchPlan, candidate: Candidate, lookup: Map<string, Promise<Sent>>): Promise<Contact> => {
    const scoped = () => candidate.scope;
    /** What follow-ups found (`company` from Vtiger's account), over what the search gave. */
    const followed: Record<string, string> = {};
    for (const { followUp, key } of candidate.followUps) {
      const answer = await followUpOf(key, () => send(followUp.request, candidate.fields, `follow_up ${search.name}`, lookupMaps), lookup);
      // A follow-up adds detail (a company name): without it the caller is still named.
      if (!answer.ok) continue;
      for (const [field, value] of Object.entries(followUp.response)) {
        const found = valueOf(value, answer.value, scoped);
        if (found !== undefined) followed[field] = found;
      }
    }
    return contactOf(search, candidate, followed);
  };

  /** The contact a candidate makes, with what its follow-ups found (none yet: what the search alone says). */
  const contactOf = (search: SearchPlan, { id, record, scope }: Candidate, followed: Record<string, string>): Contact => {
    const scoped = () => scope;
    const name = (followed.name ?? valueOf(search.fields.name, record, scoped) ?? '').replace(/\s+/g, ' ').trim();
    return {
      id,
      name: name || id,
      company: followed.company ?? valueOf(search.fields.company, record, scoped) ?? null,
      url: followed.url ?? valueOf(search.fields.url, record, scoped) ?? null,
      kind: search.name,
    };
  };

  const isAnswered = (key: string, lookup: Map<string, Promise<Sent>>) => {
    const asked = followUpAsked(key, lookup);
    return asked !== undefined && answered.has(asked);
  };

  /**
   * The search answered and some of its candidates' follow-ups are still due (Vtiger: the account
   * retrieved for the company, a second round trip): tells `onSearched` whom it found, by number,
   * with what the search alone says (the caller's name, not the company yet), so that the relay can
   * name the caller without waiting for the follow-ups (issue 10).
   */
  const tellSearched = (search: SearchPlan, numbers: readonly NumberToFind[], matched: ReadonlyArray<{ owners: number[] }>, candidates: ReadonlyArray<Candidate | undefined>, run: LookupRun) => {
    const found = run.found.map((contacts) => [...contacts]);
    matched.forEach(({ owners }, index) => {
      const candidate = candidates[index];
      if (candidate) for (const owner of owners) addUnseen(found[numbers[owner]!.index]!, [contactOf(search, candidate, {})]);
    });
    run.onSearched!(found);
  };

  /** The kinds of contact that searches which are no fallback find: once one is found, a fallback search stays out. */
  const firstKinds = new Set(plan.findContact.searches.filter((search) => !search.fallback).map((search) => search.name));
  const foundFirstKind = (contacts: Contact[]) => contacts.some((contact) => contact.kind !== undefined && firstKinds.has(contact.kind));

  /**
   * Every search for `numbers`, what each found by number. `foundBefore`: a search that is no
   * fallback matched someone with an earlier variant of that number (a fallback search then leaves it out).
   */
  const runSearches = async (numbers: ReadonlyArray<NumberToFind & { foundBefore: boolean }>, run: LookupRun): Promise<CrmOutcome<Contact[][]>> => {
    const found: Contact[][] = numbers.map(() => []);
    for (const search of plan.findContact.searches) {
      // Zoho's Leads, searched per variant, still run for a caller only Leads hold, in each form the number may be stored in.
      const asked = numbers.flatMap((number, index) => (search.fallback && (number.foundBefore || foundFirstKind(found[index]!)) ? [] : [index]));
      if (asked.length === 0) continue;
      const outcome = await runSearch(search, asked.map((index) => numbers[index]!), run);
      if (!outcome.ok) return outcome;
      outcome.value.forEach((contacts, k) => addUnseen(found[asked[k]!]!, contacts));
    }
    return { ok: true, value: found };
  };

  /**
   * The contacts of each number, in order, in as few requests as the searches' batches allow. The
   * follow-ups' answers are shared by the whole batch (Vtiger: one retrieve per account, not per caller).
   */
  const findContactsOf = async (numbers: readonly string[], onSearched?: (found: Contact[][]) => void): Promise<CrmOutcome<Contact[][]>> => {
    const found: Contact[][] = numbers.map(() => []);
    const run: LookupRun = { followUps: new Map(), found, onSearched };
    const { mode, variants } = plan.findContact;
    // Internal extensions and withheld numbers identify no one (CRMS.md §6 rule 3).
    const looked = numbers.flatMap((number, index) => {
      const vars = numberVars(number);
      if (!vars) return [];
      const forms: Vars = {};
      for (const variant of variants) forms[variant.name] = renderOptional(variant.value, scopeOf(varsWith(vars, forms), lookupMaps));
      const tried = variants.length ? variants.map((v) => forms[v.name]).filter((v): v is string => !!v) : [vars.number!];
      return [{ index, vars: varsWith(vars, forms), national: vars.national!, tried: [...new Set(tried)] }];
    });
    const gather = (asked: ReadonlyArray<{ index: number }>, outcome: CrmOutcome<Contact[][]>) => {
      if (outcome.ok) outcome.value.forEach((contacts, k) => addUnseen(found[asked[k]!.index]!, contacts));
      return outcome;
    };
    if (mode === 'together') {
      const outcome = gather(looked, await runSearches(looked.map((number) => ({ ...number, foundBefore: false })), run));
      return outcome.ok ? { ok: true, value: found } : outcome;
    }
    for (let step = 0; ; step++) {
      // `each` stops at a number's first variant that finds someone; `every` tries them all.
      const asked = looked.filter((number) => step < number.tried.length && !(mode === 'each' && found[number.index]!.length > 0));
      if (asked.length === 0) return { ok: true, value: found };
      const outcome = gather(asked, await runSearches(asked.map((number) => ({ vars: varsWith(number.vars, { variant: number.tried[step] }), national: number.national, index: number.index, foundBefore: foundFirstKind(found[number.index]!) })), run));
      if (!outcome.ok) return outcome;
    }
  };

  const numberVars = (number: string): Vars | undefined => {
    const e164 = toE164(number, options.defaultCountry);
    const national = e164 ? nationalDigits(e164) : undefined;
    return e164 && national ? { number: e164, national } : undefined;
  };

  /** Links the record to `contactId` and unlinks every other contact the CRM lists; link first, so a failure half-way leaves an extra link rather than none. */
  const relink = async (steps: RelinkPlan, vars: Vars, contactId: string): Promise<CrmOutcome<null>> => {
    const listed = await send(steps.linked.request, vars, 'relink linked');
    if (!listed.ok) return listed;
    const linked = listAt(listed.value, steps.linked.list).map((item) => getPath(item, steps.linked.id)).filter((id): id is string | number => typeof id === 'string' || typeof id === 'number').map(String);
    if (!linked.includes(contactId)) {
      const sent = await send(steps.link, vars, 'relink link');
      if (!sent.ok) return sent;
    }
    for (const linkedId of new Set(linked.filter((id) => id !== contactId))) {
      const sent = await send(steps.unlink, { ...vars, linked_id: linkedId }, 'relink unlink');
      if (!sent.ok) return sent;
    }
    return { ok: true, value: null };
  };

  // An answer's values (the logged call's id, its record's url) read only the maps their templates name: none
  // in the bundled connectors, where Vtiger's url default rendered its four again after the request's
  // (log_call's two scopes were 5.3 KB of each update's garbage with the CRM, issue 10).
  const answerMaps = new Map([plan.logCall, plan.findCall, plan.findUser, plan.updateCall].filter((operation) => operation !== undefined).map((operation) => [operation, mapsRead(plan.maps, [operation.response])]));
  /** Renders an operation's `url` with `@id` set to the record's id. */
  // `@id` joins the variables as the scope copies them: a copy of them first for it was one more per logged call (issue 10).
  const recordUrl = (operation: OperationPlan, payload: unknown, vars: Vars, id: string) => valueOf(operation.response.url, payload, scopeOnce(vars, answerMaps.get(operation), { id })) ?? null;

  return {
    name: plan.name,
    canUpdate: plan.updateCall !== undefined,

    lookupBatch: Math.max(1, ...plan.findContact.searches.map((search) => search.batch?.size ?? 1)),

    async findContacts(number, onSearched) {
      const outcome = await findContactsOf([number], onSearched && ((found) => onSearched(found[0]!)));
      return outcome.ok ? { ok: true, value: outcome.value[0]! } : outcome;
    },

    findContactsOf,

    async logCall(call) {
      const vars = callVars(call);
      const sent = await send(plan.logCall.request, vars, 'log_call');
      if (!sent.ok) return sent;
      const id = valueOf(plan.logCall.response.id, sent.value, scopeOnce(vars, answerMaps.get(plan.logCall)));
      if (!id) return failure(`log_call: the CRM's answer has no ${plan.logCall.response.id?.use?.source ?? 'id'}`, false);
      return { ok: true, value: { id, url: recordUrl(plan.logCall, sent.value, { ...sent.chain, ...vars }, id) } };
    },

    // Without the config field find_call reads by (HubSpot's unique call property), there is no key to find a call by.
    ...(plan.findCall && (plan.findCall.when === undefined || options.config[plan.findCall.when]?.trim())
      ? {
          async findCallLog(call: CrmCall) {
            const operation = plan.findCall!;
            const vars = callVars(call);
            const sent = await send(operation.request, vars, 'find_call');
            if (meansNone(sent, operation.missing)) return { ok: true as const, value: null };
            if (!sent.ok) return sent;
            const id = valueOf(operation.response.id, sent.value, scopeOnce(vars, answerMaps.get(operation)));
            return { ok: true as const, value: id ? { id, url: recordUrl(operation, sent.value, { ...sent.chain, ...vars }, id) } : null };
          },
        }
      : {}),

    ...(plan.findUser
      ? {
          // A CRM that lists its users by pages (`more`) is read page after page until the agent is on one.
          async findUser(email: string, name?: string | null) {
            const operation = plan.findUser!;
            const vars: Vars = { call_agent_email: email };
            if (name) vars.call_agent_name = name;
            const wanted = email.trim().toLowerCase();
            for (let page = 1; page <= (operation.more ? operation.pages : 1); page++) {
              vars.page = String(page);
              const sent = await send(operation.request, vars, 'find_user');
              if (meansNone(sent, operation.missing)) break;
              if (!sent.ok) return sent;
              const user = listAt(sent.value, operation.list).find((item) => String(getPath(item, operation.email) ?? '').trim().toLowerCase() === wanted);
              if (user !== undefined) return { ok: true as const, value: valueOf(operation.response.id, user, scopeOnce(vars, answerMaps.get(operation))) || null };
              const more = operation.more && getPath(sent.value, operation.more);
              if (more === undefined || more === null || more === '' || String(more) === 'false') break;
              if (String(more) !== 'true') vars.cursor = String(more);
            }
            return { ok: true as const, value: null };
          },
        }
      : {}),

    async updateCall(recordId, call) {
      if (!plan.updateCall) return failure(`${plan.name} cannot change a logged call: log it once, when everything is known`, false);
      const vars = callVars(call);
      vars.record_id = recordId;
      const sent = await send(plan.updateCall.request, vars, 'update_call');
      if (!sent.ok) return sent;
      if (plan.updateCall.relink && vars.call_contact_id) {
        const relinked = await relink(plan.updateCall.relink, vars, vars.call_contact_id);
        if (!relinked.ok) return relinked;
      }
      return { ok: true, value: { url: recordUrl(plan.updateCall, sent.value, { ...sent.chain, ...vars }, recordId) } };
    },

    async signIn() {
      if (!hasTokens) return { ok: true, value: undefined };
      try {
        await resolveChain(scopeOf({}, lookupMaps));
      } catch (error) {
        return notBuilt('sign_in', error);
      }
      return { ok: true, value: undefined };
    },

    async dispositions() {
      const { declared, request, list, where, options: inside, label, except } = plan.dispositions;
      if (!request || !list) return { ok: true, value: declared };
      const sent = await send(request, {}, 'dispositions');
      if (!sent.ok) return sent;
      const kept = listAt(sent.value, list).filter((item) => !where || String(getPath(item, where.path) ?? '') === where.value);
      const entries = inside ? kept.flatMap((item) => listAt(item, inside)) : kept;
      const labels = entries.map((item) => (label ? getPath(item, label) : item)).filter((v): v is string | number => typeof v === 'string' || typeof v === 'number');
      return { ok: true, value: labels.map(String).filter((l) => !except.includes(l)) };
    },

    newContactUrl(number) {
      if (!plan.newContactUrl) return null;
      const vars = numberVars(number) ?? { number };
      return renderOptional(plan.newContactUrl, scopeOf(vars, lookupMaps)) ?? null;
    },
  };

  /** The call's variables, `@number` and `@national` added to the set callVariables made rather than to a copy of it. */
  function callVars(call: CrmCall): Vars {
    const vars = callVariables(call);
    vars.number = call.customer_number;
    const national = nationalDigits(call.customer_number, options.defaultCountry);
    if (national) vars.national = national;
    return vars;
  }
}

/** What each request of a session is named (a handful: `log_call`, `find_contact Contacts`, …), worked out once for all sessions. */
const STEPS = new Map<string, { step: string; operation: string }>();

/** A request's step (`what`, dashed) and the operation it counts as under `<limits>`. */
function stepOf(what: string): { step: string; operation: string } {
  let named = STEPS.get(what);
  if (!named) {
    const first = what.split(' ')[0]!;
    named = { step: what.replace(/\s+/g, '-'), operation: OPERATION_OF_STEP[first] ?? first };
    // Searches are named after the connector's: custom connectors could add names without end.
    if (STEPS.size < MAX_STEP_NAMES) STEPS.set(what, named);
  }
  return named;
}

const MAX_STEP_NAMES = 256;

/** Follow-up answers a session keeps at most (the oldest goes first). */
const MAX_KEPT_FOLLOW_UPS = 1000;
/** Follow-up requests of one search's candidates in flight at once: a burst's search answers up to 100 callers, each maybe of an account of its own. */
export const FOLLOW_UPS_AT_ONCE = 4;
/**
 * How long a search's follow-ups may take before `onSearched` hears whom the search found: a CRM on
 * the same network answers them within it, and the lookup's answer comes whole; one a round trip of
 * 100 ms or more away does not, and the relay names the caller before the hold ends.
 */
export const SEARCHED_AFTER_MS = 25;

/** The maps the templates in `parts` of a plan read, with the maps those read in turn (a map sees the maps above it), in the plan's order. */
function mapsRead(maps: readonly ValueMapPlan[], parts: unknown[]): ValueMapPlan[] {
  const read = new Set<string>();
  const readBy = (template: Template) => {
    for (const ref of references(template)) if (ref.scope === 'var') read.add(ref.name);
  };
  for (const template of templatesIn(parts)) readBy(template);
  const needed = new Set<ValueMapPlan>();
  for (const map of [...maps].reverse()) {
    if (!read.has(map.name)) continue;
    needed.add(map);
    readBy(map.from);
    if (map.default) readBy(map.default);
  }
  return maps.filter((map) => needed.has(map));
}

/** Every template inside a part of a plan (its requests, values, auth). */
function* templatesIn(value: unknown): Generator<Template> {
  if (Array.isArray(value)) {
    for (const item of value) yield* templatesIn(item);
  } else if (value && typeof value === 'object') {
    if (typeof (value as Template).source === 'string' && Array.isArray((value as Template).parts)) yield value as Template;
    else for (const field of Object.values(value)) yield* templatesIn(field);
  }
}

/** A failure whose status the operation's `missing` lists: the CRM has no such record, which is an answer, not a failure. */
function meansNone(sent: Sent, missing: readonly number[]): boolean {
  return !sent.ok && sent.status !== undefined && missing.includes(sent.status);
}

/** Adds the contacts `found` does not hold yet (by id), in order: one record found twice is one match. */
function addUnseen(found: Contact[], contacts: Contact[]): void {
  for (const contact of contacts) if (!found.some((c) => c.id === contact.id)) found.push(contact);
}

/** The list at `path`: an array, or the object a JSON array was read into (`{0: …, 1: …}`). */
function listAt(payload: unknown, path: PayloadPath): unknown[] {
  const value = path.segments.length ? getPath(payload, path) : payload;
  if (Array.isArray(value)) return value;
  if (value && typeof value === 'object' && Object.keys(value).every((k, i) => k === String(i))) return Object.values(value);
  return [];
}

/**
 * A copy of `vars` with `more` over them, as `{ ...vars, ...more }`, made key by key: V8 gives a
 * spread's copy a hidden class of its own, which each field added to it later copied again (a
 * Vtiger candidate's fields, added to its number's variables, made 3.4 KB of garbage; issue 10).
 */
function varsWith(vars: Vars, more?: Vars): Vars {
  const copy: Vars = {};
  for (const key of Object.keys(vars)) copy[key] = vars[key];
  if (more) for (const key of Object.keys(more)) copy[key] = more[key];
  return copy;
}

/** Adds the text and number fields of an object to `vars`: the variables a candidate's templates see. */
function addPrimitives(vars: Vars, value: unknown): void {
  if (!value || typeof value !== 'object') return;
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const field = (value as Record<string, unknown>)[key];
    if ((typeof field === 'string' || typeof field === 'number') && VARIABLE_NAME.test(key)) vars[key] = String(field);
  }
}

const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `work` on each item, `atOnce` at a time, each started as one ends; the results in the items' order. */
async function inTurns<T, R>(items: readonly T[], atOnce: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(atOnce, items.length) }, worker));
  return results;
}
