import type { ConnectorPlan } from '../connector/plan.ts';
import type { OutgoingRequest } from './http.ts';

export const REDACTED = '<redacted>';

/**
 * Whether a token or secret is worth masking in a text: one shorter than 4 characters is no
 * secret (Odoo's user id, `2`), and masking it would mask every `2` of the text.
 */
export function worthMasking(value: string): boolean {
  return value.length >= 4;
}
const SECRET_NAME = /(token|secret|password|passwd|pass|api_?key|apikey|private_?key)$/i;

/** The config values a dry-run must not print: password fields and fields named like secrets. */
export function secretValues(plan: Pick<ConnectorPlan, 'fields'>, config: Record<string, string | undefined>): string[] {
  return plan.fields
    .filter((f) => f.type === 'password' || SECRET_NAME.test(f.name))
    .map((f) => config[f.name])
    .filter((v): v is string => typeof v === 'string' && v.length > 0);
}

/**
 * A copy of the request with credentials masked: the Authorization value (scheme kept) and
 * every secret config value wherever it appears, raw, URL-encoded or JSON-escaped.
 */
export function redactRequest<T extends Pick<OutgoingRequest, 'url' | 'headers' | 'body'>>(request: T, secrets: readonly string[]): T {
  const forms = [...new Set(secrets.flatMap((s) => [s, encodeURIComponent(s), new URLSearchParams({ s }).toString().slice(2), JSON.stringify(s).slice(1, -1)]))]
    .filter((s) => s.length > 0)
    .sort((a, b) => b.length - a.length);
  const mask = (text: string) => forms.reduce((out, secret) => out.split(secret).join(REDACTED), text);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    headers[name] = name.toLowerCase() === 'authorization' ? redactAuthorization(value) : mask(value);
  }
  return { ...request, url: mask(request.url), headers, ...(request.body === undefined ? {} : { body: mask(request.body) }) };
}

/** Keeps a well-known scheme (`Basic <redacted>`); anything else (Zadarma's `key:signature`) goes whole. */
function redactAuthorization(value: string): string {
  const scheme = /^(Basic|Bearer|Digest|Token|Key|App|HMAC|AWS4-HMAC-SHA256)\s/i.exec(value)?.[1];
  return scheme ? `${scheme} ${REDACTED}` : REDACTED;
}

/** Parameter names whose values are credentials whatever they were made from (Vtiger's `accessKey` hash, `sessionName`). */
const SECRET_PARAMETER = /(token|secret|password|passwd|api_?key|access_?key|private_?key|session_?name|session_?id)$/i;

/**
 * A copy of a request with the values of credential-named query and form parameters masked:
 * derived credentials (an md5 of a challenge and a key) match no config value, but their names
 * give them away. CRM dry runs show requests this way.
 */
export function redactSecretParameters<T extends Pick<OutgoingRequest, 'url' | 'headers' | 'body'>>(request: T): T {
  const mask = (params: URLSearchParams) => {
    for (const [name] of [...params]) if (SECRET_PARAMETER.test(name)) params.set(name, REDACTED);
    return params;
  };
  const url = new URL(request.url);
  mask(url.searchParams);
  const isForm = Object.entries(request.headers).some(([name, value]) => name.toLowerCase() === 'content-type' && value.startsWith('application/x-www-form-urlencoded'));
  const body = request.body !== undefined && isForm ? mask(new URLSearchParams(request.body)).toString() : request.body;
  return { ...request, url: url.toString(), ...(body === undefined ? {} : { body }) };
}
