import type { AuthPlan, ConnectorPlan } from '../connector/plan.ts';
import { parseBody } from '../payload/parse-body.ts';
import { getPath } from '../payload/path.ts';
import type { TemplateScope } from '../template/render.ts';
import { base64 } from '../template/filters.ts';
import { signJwt } from '../signature/jwt.ts';
import type { Reference, Template } from '../template/ast.ts';
import { references } from '../template/parse.ts';
import { MissingValueError, renderTemplate } from '../template/render.ts';
import { ConnectorRuntimeError } from './errors.ts';
import { appendQuery } from './form-encoded.ts';
import { encodeParameters, type Fetch } from './http.ts';
import { formFields, jsonObject, requestTemplates } from './request-parameters.ts';
import { buildScope, type RunContext } from './scope.ts';

/** A token from a token step, and when it stops being good (ms since the epoch). */
export interface CachedToken {
  token: string;
  expiresAt?: number;
  /** A token chain's named tokens and values (`@challenge`, `@user_id`), when it has any. */
  values?: Record<string, string>;
}

/** Where tokens live between calls; the service worker and tests bring their own. */
export interface TokenCache {
  get(key: string): CachedToken | undefined;
  set(key: string, token: CachedToken): void;
  delete(key: string): void;
}

/** What minting credentials needs from outside: a clock, randomness, the network, a cache. */
export interface AuthEnvironment {
  /** Milliseconds since the epoch. */
  now: number;
  randomId(): string;
  /** For token steps. */
  fetch?: Fetch;
  tokenCache?: TokenCache;
}

/** A token cache in memory, for one process or service worker. */
export function memoryTokenCache(): TokenCache {
  const tokens = new Map<string, CachedToken>();
  return { get: (key) => tokens.get(key), set: (key, token) => void tokens.set(key, token), delete: (key) => void tokens.delete(key) };
}

/** Tokens are renewed this long before they expire, so none expires in flight. */
const EXPIRY_MARGIN_MS = 30_000;

/**
 * Credentials that must be minted per request (a `<jwt>`), by the index of their auth
 * method. Async (WebCrypto); buildOutgoingRequest then stays a pure function of its inputs.
 */
export async function resolveAuth(plan: ConnectorPlan, context: RunContext, environment: AuthEnvironment): Promise<Record<number, string>> {
  return (await resolveAuthMethods(plan.provider?.auth ?? [], buildScope(plan, context), environment)).resolved;
}

/**
 * Mints the credentials of a list of auth methods: token chains (fetched or cached) and JWTs,
 * by method index; and the chain's named tokens and values, as variables for requests.
 */
export async function resolveAuthMethods(auth: AuthPlan[], scope: TemplateScope, environment: AuthEnvironment): Promise<{ resolved: Record<number, string>; vars: Record<string, string> }> {
  const resolved: Record<number, string> = {};
  const chain = tokenChain(auth);
  const vars = chain.length ? await chainValues(chain, scope, environment) : {};
  for (const { method, index } of chain) resolved[index] = vars[stepVariable(method, index)]!;
  let signing: TemplateScope | undefined;
  for (const [index, method] of auth.entries()) {
    if (method.kind !== 'jwt') continue;
    // Built for a JWT only: a copy of every variable per CRM request showed in the relay's profile.
    signing ??= { ...scope, vars: { ...scope.vars, ...vars } };
    try {
      const iat = Math.floor(environment.now / 1000);
      const claims: Record<string, unknown> = { iat, exp: iat + method.ttlSeconds, jti: environment.randomId() };
      for (const claim of method.claims) claims[claim.name] = renderTemplate(claim.value, signing);
      resolved[index] = await signJwt(method.algorithm, renderTemplate(method.key, signing), claims);
    } catch (error) {
      if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
      throw new ConnectorRuntimeError(`cannot sign the request token: ${(error as Error).message}`, 'missing-value');
    }
  }
  return { resolved, vars: publicValues(chain, vars) };
}

/** A random id (a UUID): a JWT's `jti`, a call request's `@request_id`. */
export const newRandomId = (): string => crypto.randomUUID();

export const defaultAuthEnvironment = (): AuthEnvironment => ({ now: Date.now(), randomId: newRandomId });

/**
 * Puts each auth method of a plan on a request: header or query credentials rendered from the
 * scope, minted ones (JWTs, fetched tokens) from `resolved`, by method index.
 */
export function applyAuth(auth: AuthPlan[], scope: TemplateScope, url: URL, headers: Record<string, string>, resolved: Record<number, string>): void {
  for (const [index, method] of auth.entries()) {
    switch (method.kind) {
      case 'basic':
        headers.Authorization = `Basic ${base64(`${renderTemplate(method.username, scope)}:${renderTemplate(method.password, scope)}`)}`;
        break;
      case 'bearer':
        headers.Authorization = `Bearer ${renderTemplate(method.token, scope)}`;
        break;
      case 'header':
        headers[method.name] = renderTemplate(method.value, scope);
        break;
      case 'query':
        appendQuery(url, [[method.name, renderTemplate(method.value, scope)]]);
        break;
      case 'jwt':
      case 'token': {
        if (method.kind === 'token' && !method.sent) break;
        const token = resolved[index];
        if (token === undefined) throw new ConnectorRuntimeError('the request token was not minted: call resolveAuth before building the request', 'not-supported');
        if (method.kind === 'token' && method.query) appendQuery(url, [[method.query, token]]);
        else headers[method.header] = `${method.prefix}${token}`;
        break;
      }
    }
  }
}

type TokenStep = Extract<AuthPlan, { kind: 'token' }>;

/** The token steps of each plan's auth (a part of the compiled plan), listed once: every request asks for them (issue 10). */
const tokenChains = new WeakMap<AuthPlan[], Array<{ method: TokenStep; index: number }>>();

/** The token steps of a plan's auth, in order: one chain. */
function tokenChain(auth: AuthPlan[]): Array<{ method: TokenStep; index: number }> {
  let chain = tokenChains.get(auth);
  if (!chain) {
    chain = auth.flatMap((method, index) => (method.kind === 'token' ? [{ method, index }] : []));
    tokenChains.set(auth, chain);
  }
  return chain;
}

/** Where a step's token lives among the chain's values: its name, or its position. */
function stepVariable(method: TokenStep, index: number): string {
  return method.name ?? `#token${index}`;
}

/**
 * The values a chain gives templates: named tokens and `<value>`s (positional tokens stay internal).
 * Picked out once per cached set of the chain's values, for every request it serves (issue 10: they
 * were picked out again for each): shared, not to be changed.
 */
function publicValues(chain: Array<{ method: TokenStep; index: number }>, values: Record<string, string>): Record<string, string> {
  let names = publicNames.get(chain);
  if (!names) {
    names = chain.flatMap(({ method }) => [...(method.name ? [method.name] : []), ...method.values.map((v) => v.name)]);
    publicNames.set(chain, names);
  }
  // A chain of one unnamed token has none: its values, made per request, are not kept.
  if (names.length === 0) return NO_VALUES;
  let kept = publicOfValues.get(values);
  if (!kept) {
    kept = Object.fromEntries(names.filter((n) => values[n] !== undefined).map((n) => [n, values[n]!]));
    publicOfValues.set(values, kept);
  }
  return kept;
}

/** The names of each chain's public values. */
const publicNames = new WeakMap<Array<{ method: TokenStep; index: number }>, string[]>();
/** The public values of each cached set of a chain's values. */
const publicOfValues = new WeakMap<Record<string, string>, Record<string, string>>();
const NO_VALUES: Record<string, string> = Object.freeze({});

/** The cache key of a token step: its URL and parameters as rendered (another account, another token). */
function tokenKey(method: TokenStep, scope: TemplateScope): string {
  return JSON.stringify([...stepTemplates(method).map((template) => renderTemplate(template, scope)), method.basic ? renderTemplate(method.basic.username, scope) : '']);
}

/**
 * The cache key of a chain. A later step's parameters depend on earlier tokens (Vtiger's
 * md5(challenge + access key)), unknown before fetching: they are rendered with a stand-in for
 * each, so the key still changes with the config values around them.
 */
function chainKey(chain: Array<{ method: TokenStep; index: number }>, scope: TemplateScope): string {
  const known = knownChainKeys(chain);
  const { standIns } = known;
  // The key changes only with the values its templates read (with Vtiger, the config's user name and access key).
  const values: Array<string | null> = [scope.defaultCountry ?? null];
  for (const ref of known.reads) values.push((ref.scope === 'config' ? scope.config[ref.name] : (standIns[ref.name] ?? scope.vars[ref.name])) ?? null);
  const read = JSON.stringify(values);
  const cached = known.keys.get(read);
  if (cached !== undefined) return cached;
  // The variables with the stand-ins copied on a miss only: a copy per CRM request showed in the relay's profile.
  const keyScope: TemplateScope = { ...scope, vars: { ...scope.vars, ...standIns } };
  const keys = chain.map(({ method }) => tokenKey(method, keyScope));
  const key = keys.length === 1 ? keys[0]! : JSON.stringify(keys);
  if (known.keys.size >= MAX_KNOWN_CHAIN_KEYS) known.keys.clear();
  known.keys.set(read, key);
  return key;
}

/**
 * A chain's keys, by the values its templates read, kept per chain (its first step, a part of
 * the compiled plan). Rendering the key cost as much as a CRM request's own templates: it runs
 * for every request, and Vtiger's login template is an md5 of the access key.
 */
const chainKeys = new WeakMap<TokenStep, KnownChainKeys>();

/** What a chain's key reads, the stand-ins of its tokens (the same for every request: built once, issue 10), and its keys so far. */
interface KnownChainKeys {
  reads: Reference[];
  standIns: Record<string, string>;
  keys: Map<string, string>;
}

/** Keys kept per chain: one per config in use, unless a chain reads per-request values (then the cache starts over). */
const MAX_KNOWN_CHAIN_KEYS = 64;

function knownChainKeys(chain: Array<{ method: TokenStep; index: number }>): KnownChainKeys {
  const first = chain[0]!.method;
  let known = chainKeys.get(first);
  if (!known) {
    const templates = chain.flatMap(({ method }) => [...stepTemplates(method), ...(method.basic ? [method.basic.username] : [])]);
    const standIns: Record<string, string> = {};
    for (const { method } of chain) {
      if (method.name) standIns[method.name] = `<${method.name}>`;
      for (const value of method.values) standIns[value.name] = `<${value.name}>`;
    }
    known = { reads: templates.flatMap((template) => [...references(template)].filter((ref) => ref.scope !== 'group')), standIns, keys: new Map() };
    chainKeys.set(first, known);
  }
  return known;
}

/** A step's URL and parameter values, nested ones too: what its cache key renders. */
function stepTemplates(method: TokenStep): Template[] {
  return requestTemplates({ url: method.url, headers: [], parameters: method.parameters });
}

/** Forgets the tokens of a plan's token steps (after the provider answered 401). */
export function forgetTokens(plan: ConnectorPlan, context: RunContext, cache: TokenCache | undefined): void {
  forgetChain(plan.provider?.auth ?? [], buildScope(plan, context), cache);
}

/** Forgets a token chain (after a 401, or a CRM's "session expired"). */
export function forgetChain(auth: AuthPlan[], scope: TemplateScope, cache: TokenCache | undefined): void {
  const chain = tokenChain(auth);
  if (cache && chain.length) cache.delete(asRuntimeError(() => chainKey(chain, scope)));
}

/** Fetches in flight, per cache and key: one caller fetches a chain, the others wait for it (Vtiger keeps one live challenge per user). */
const inFlight = new WeakMap<TokenCache, Map<string, Promise<CachedToken>>>();

/** The chain's tokens and values, by variable: from the cache while good, else fetched step by step. */
async function chainValues(chain: Array<{ method: TokenStep; index: number }>, scope: TemplateScope, environment: AuthEnvironment): Promise<Record<string, string>> {
  const key = asRuntimeError(() => chainKey(chain, scope));
  const cache = environment.tokenCache;
  const fresh = (entry: CachedToken | undefined) => entry && (entry.expiresAt === undefined || entry.expiresAt > environment.now);
  const cached = cache?.get(key);
  if (fresh(cached)) return cached!.values ?? { [stepVariable(chain[0]!.method, chain[0]!.index)]: cached!.token };
  const pending = cache ? inFlight.get(cache)?.get(key) : undefined;
  const entry = await (pending ?? fetchAndCache());
  return entry.values ?? { [stepVariable(chain[0]!.method, chain[0]!.index)]: entry.token };

  async function fetchAndCache(): Promise<CachedToken> {
    const fetching = fetchChain(chain, scope, environment);
    if (cache) {
      const forCache = inFlight.get(cache) ?? new Map<string, Promise<CachedToken>>();
      inFlight.set(cache, forCache);
      forCache.set(key, fetching);
    }
    try {
      const entry = await fetching;
      cache?.set(key, entry);
      return entry;
    } finally {
      if (cache) inFlight.get(cache)?.delete(key);
    }
  }
}

/** Runs every step in order, each seeing the tokens and values of the ones before. */
async function fetchChain(chain: Array<{ method: TokenStep; index: number }>, scope: TemplateScope, environment: AuthEnvironment): Promise<CachedToken> {
  const values: Record<string, string> = {};
  let last: { token: string; expiresAt?: number } | undefined;
  for (const { method, index } of chain) {
    const step = await fetchToken(method, index, { ...scope, vars: { ...scope.vars, ...values } }, environment);
    values[stepVariable(method, index)] = step.token;
    Object.assign(values, step.values);
    // The chain is good as long as its shortest-lived step.
    last = { token: step.token, ...(step.expiresAt === undefined && last?.expiresAt === undefined ? {} : { expiresAt: Math.min(step.expiresAt ?? Infinity, last?.expiresAt ?? Infinity) }) };
  }
  return chain.length === 1 && !chain[0]!.method.name && chain[0]!.method.values.length === 0 ? last! : { ...last!, values };
}

function asRuntimeError<T>(render: () => T): T {
  try {
    return render();
  } catch (error) {
    if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
    throw error;
  }
}

/** One token step over the network: its token, lifetime and `<value>`s. */
async function fetchToken(method: TokenStep, index: number, scope: TemplateScope, environment: AuthEnvironment): Promise<CachedToken & { values: Record<string, string> }> {
  let url: URL;
  let fields: Array<[string, string]> = [];
  let json: Record<string, unknown> | undefined;
  const headers: Record<string, string> = {};
  try {
    url = new URL(renderTemplate(method.url, scope));
    // A JSON body may nest and type its values (Odoo's JSON-RPC `authenticate`), a form or a query only lists them.
    if (method.format === 'json' && method.method !== 'GET') json = jsonObject(method.parameters, scope);
    else fields = formFields(method.parameters, scope);
    if (method.basic) headers.Authorization = `Basic ${base64(`${renderTemplate(method.basic.username, scope)}:${renderTemplate(method.basic.password, scope)}`)}`;
  } catch (error) {
    if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
    // A typed parameter that is no number says so itself.
    if (error instanceof ConnectorRuntimeError) throw error;
    throw new ConnectorRuntimeError(`the token URL is not valid: ${(error as Error).message}`, 'invalid-url');
  }
  if (!environment.fetch) throw new ConnectorRuntimeError('this connector fetches a token before each call: no network was given', 'not-supported');
  const { body, contentType } = encodeParameters(method.method, method.format, url, fields, () => json ?? {});
  if (contentType) headers['Content-Type'] = contentType;
  headers.Accept = 'application/json';
  let status: number;
  let text: string;
  try {
    const answer = await environment.fetch(url.toString(), { method: method.method, headers, body, step: `token-${method.name ?? index}` });
    status = answer.status;
    text = await answer.text();
  } catch (error) {
    throw new ConnectorRuntimeError(`could not reach ${url.host} for a token: ${(error as Error).message}`, 'network');
  }
  let payload: Record<string, unknown> = {};
  try {
    payload = parseBody(text, /^\s*</.test(text) ? 'xml' : 'json');
  } catch {
    // reported below as a missing token
  }
  const token = getPath(payload, method.path);
  if (status < 200 || status >= 300 || (typeof token !== 'string' && typeof token !== 'number')) {
    const reason = status < 200 || status >= 300 ? `answered HTTP ${status}` : `answered without ${method.path.source}`;
    throw new ConnectorRuntimeError(`the token request to ${url.host} ${reason}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`, status >= 500 ? 'network' : 'provider-error');
  }
  const lifetime = method.expiresPath ? Number(getPath(payload, method.expiresPath)) : Number.NaN;
  const values: Record<string, string> = {};
  for (const value of method.values) {
    const found = getPath(payload, value.use);
    if (typeof found === 'string' || typeof found === 'number') values[value.name] = String(found);
  }
  return { token: String(token), ...(Number.isFinite(lifetime) && lifetime > 0 ? { expiresAt: environment.now + lifetime * 1000 - EXPIRY_MARGIN_MS } : {}), values };
}

/**
 * Stand-ins for minted credentials in a dry run, which shows the request without signing
 * anything (the header is redacted in any case).
 */
export function dryRunAuth(plan: ConnectorPlan): Record<number, string> {
  const placeholders: Record<number, string> = {};
  for (const [index, method] of (plan.provider?.auth ?? []).entries()) {
    if (method.kind === 'jwt') placeholders[index] = `<${method.algorithm} JWT minted per call>`;
    if (method.kind === 'token') placeholders[index] = '<token fetched per call>';
  }
  return placeholders;
}
