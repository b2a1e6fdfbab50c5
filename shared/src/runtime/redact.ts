import type { ConnectorPlan } from '../connector/plan.ts';
import type { OutgoingRequest } from './http.ts';

export const REDACTED = '<redacted>';
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
export function redactRequest(request: OutgoingRequest, secrets: readonly string[]): OutgoingRequest {
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
