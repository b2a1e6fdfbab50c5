import type { AuthPlan, ConnectorPlan } from '../connector/plan.ts';
import { parseBody } from '../payload/parse-body.ts';
import { getPath } from '../payload/path.ts';
import type { TemplateScope } from '../template/render.ts';
import { base64 } from '../template/filters.ts';
import { signJwt } from '../signature/jwt.ts';
import { MissingValueError, renderTemplate } from '../template/render.ts';
import { ConnectorRuntimeError } from './errors.ts';
import { encodeParameters, type Fetch } from './http.ts';
import { buildScope, type RunContext } from './scope.ts';

/** A token from a token step, and when it stops being good (ms since the epoch). */
export interface CachedToken {
  token: string;
  expiresAt?: number;
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
  const scope = buildScope(plan, context);
  const resolved: Record<number, string> = {};
  for (const [index, method] of (plan.provider?.auth ?? []).entries()) {
    if (method.kind === 'token') {
      resolved[index] = await tokenFor(method, scope, environment);
      continue;
    }
    if (method.kind !== 'jwt') continue;
    try {
      const iat = Math.floor(environment.now / 1000);
      const claims: Record<string, unknown> = { iat, exp: iat + method.ttlSeconds, jti: environment.randomId() };
      for (const claim of method.claims) claims[claim.name] = renderTemplate(claim.value, scope);
      resolved[index] = await signJwt(method.algorithm, renderTemplate(method.key, scope), claims);
    } catch (error) {
      if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
      throw new ConnectorRuntimeError(`cannot sign the request token: ${(error as Error).message}`, 'missing-value');
    }
  }
  return resolved;
}

export const defaultAuthEnvironment = (): AuthEnvironment => ({ now: Date.now(), randomId: () => crypto.randomUUID() });

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
        url.searchParams.append(method.name, renderTemplate(method.value, scope));
        break;
      case 'jwt':
      case 'token': {
        const token = resolved[index];
        if (token === undefined) throw new ConnectorRuntimeError('the request token was not minted: call resolveAuth before building the request', 'not-supported');
        if (method.kind === 'token' && method.query) url.searchParams.append(method.query, token);
        else headers[method.header] = `${method.prefix}${token}`;
        break;
      }
    }
  }
}

type TokenStep = Extract<AuthPlan, { kind: 'token' }>;

/** The cache key of a token step: its URL and parameters as rendered (another account, another token). */
function tokenKey(method: TokenStep, scope: TemplateScope): string {
  return JSON.stringify([renderTemplate(method.url, scope), method.parameters.map((p) => [p.name, renderTemplate(p.value, scope)]), method.basic ? renderTemplate(method.basic.username, scope) : '']);
}

/** Forgets the tokens of a plan's token steps (after the provider answered 401). */
export function forgetTokens(plan: ConnectorPlan, context: RunContext, cache: TokenCache | undefined): void {
  if (!cache) return;
  const scope = buildScope(plan, context);
  for (const method of plan.provider?.auth ?? []) if (method.kind === 'token') cache.delete(tokenKey(method, scope));
}

async function tokenFor(method: TokenStep, scope: TemplateScope, environment: AuthEnvironment): Promise<string> {
  let key: string;
  let url: URL;
  const fields: Array<[string, string]> = [];
  const headers: Record<string, string> = {};
  try {
    key = tokenKey(method, scope);
    url = new URL(renderTemplate(method.url, scope));
    for (const parameter of method.parameters) fields.push([parameter.name, renderTemplate(parameter.value, scope)]);
    if (method.basic) headers.Authorization = `Basic ${base64(`${renderTemplate(method.basic.username, scope)}:${renderTemplate(method.basic.password, scope)}`)}`;
  } catch (error) {
    if (error instanceof MissingValueError) throw new ConnectorRuntimeError(error.message, 'missing-value');
    throw new ConnectorRuntimeError(`the token URL is not valid: ${(error as Error).message}`, 'invalid-url');
  }
  const cached = environment.tokenCache?.get(key);
  if (cached && (cached.expiresAt === undefined || cached.expiresAt > environment.now)) return cached.token;
  if (!environment.fetch) throw new ConnectorRuntimeError('this connector fetches a token before each call: no network was given', 'not-supported');
  const { body, contentType } = encodeParameters(method.method, method.format, url, fields, () => Object.fromEntries(fields));
  if (contentType) headers['Content-Type'] = contentType;
  headers.Accept = 'application/json';
  let status: number;
  let text: string;
  try {
    const answer = await environment.fetch(url.toString(), { method: method.method, headers, body });
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
    throw new ConnectorRuntimeError(`the token request to ${url.host} ${reason}${text.trim() ? `: ${text.trim().slice(0, 200)}` : ''}`, 'provider-error');
  }
  const lifetime = method.expiresPath ? Number(getPath(payload, method.expiresPath)) : Number.NaN;
  const fresh: CachedToken = { token: String(token), ...(Number.isFinite(lifetime) && lifetime > 0 ? { expiresAt: environment.now + lifetime * 1000 - EXPIRY_MARGIN_MS } : {}) };
  environment.tokenCache?.set(key, fresh);
  return fresh.token;
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
