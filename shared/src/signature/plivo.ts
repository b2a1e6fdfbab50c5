import { constantTimeEqual, type Hmac, hmacBase64, scriptHmac } from './crypto.ts';

type Params = Record<string, unknown>;

/**
 * Plivo's V3 signature (plivo-python `utils/signature_v3.py`): base64(HMAC-SHA256(authToken,
 * S + "." + nonce)). For GET, S is the URL without its query plus "?" and every parameter
 * (query and given ones) sorted as `k=v&k=v`. For POST, S is the URL without its query, then
 * "?" and the sorted query (when there is a query or any body parameter), "." when there are
 * both, then the sorted body parameters as `k` + `v` with no separators (objects recurse).
 */
export function plivoV3Signature(authToken: string, method: string, url: string, params: Params, nonce: string, hmac: Hmac = scriptHmac): Promise<string> {
  return hmacBase64('SHA-256', authToken, `${plivoV3SignedString(method, url, params)}.${nonce}`, hmac);
}

export function plivoV3SignedString(method: string, url: string, params: Params): string {
  const [withoutFragment = ''] = url.split('#');
  const queryAt = withoutFragment.indexOf('?');
  const base = queryAt < 0 ? withoutFragment : withoutFragment.slice(0, queryAt);
  const query = queryMap(queryAt < 0 ? '' : withoutFragment.slice(queryAt + 1));
  if (method.toUpperCase() === 'GET') {
    const merged = sortedQuery({ ...params, ...query });
    return merged ? `${base}?${merged}` : base;
  }
  const queryString = sortedQuery(query);
  const hasParams = Object.keys(params).length > 0;
  let signed = base;
  if (queryString || hasParams) signed += `?${queryString}`;
  if (queryString && hasParams) signed += '.';
  return signed + sortedParams(params);
}

function queryMap(query: string): Record<string, string[]> {
  const map: Record<string, string[]> = {};
  for (const [key, value] of new URLSearchParams(query)) (map[key] ??= []).push(value);
  return map;
}

function sortedQuery(params: Params): string {
  return Object.keys(params)
    .sort()
    .map((key) => {
      const value = params[key];
      return Array.isArray(value) ? value.map(String).sort().map((v) => `${key}=${v}`).join('&') : `${key}=${String(value)}`;
    })
    .join('&');
}

function sortedParams(params: Params): string {
  return Object.keys(params)
    .sort()
    .map((key) => {
      const value = params[key];
      if (Array.isArray(value)) return value.map(String).sort().map((v) => `${key}${v}`).join('');
      if (value !== null && typeof value === 'object') return `${key}${sortedParams(value as Params)}`;
      return `${key}${String(value)}`;
    })
    .join('');
}

export interface PlivoV3Input {
  authToken: string;
  method: string;
  /** The public URL Plivo called, query included. */
  url: string;
  /** Body parameters (form fields, or a JSON object). */
  params: Params;
  /** X-Plivo-Signature-V3: one signature per active token, comma-separated. */
  signature: string | undefined;
  nonce: string | undefined;
  hmac?: Hmac;
}

export async function verifyPlivoV3(input: PlivoV3Input): Promise<boolean> {
  if (!input.signature || !input.nonce || !input.authToken) return false;
  const expected = await plivoV3Signature(input.authToken, input.method, input.url, input.params, input.nonce, input.hmac);
  return input.signature.split(',').some((candidate) => constantTimeEqual(candidate.trim(), expected));
}

/**
 * Plivo's V2 signature: base64(HMAC-SHA256(authToken, url + nonce)) where the URL loses its
 * query but keeps its port, taken as the string it is (a WHATWG URL would add a `/`).
 */
export function plivoV2Signature(authToken: string, url: string, nonce: string, hmac: Hmac = scriptHmac): Promise<string> {
  const [withoutQuery = ''] = url.split(/[?#]/);
  return hmacBase64('SHA-256', authToken, `${withoutQuery}${nonce}`, hmac);
}

export async function verifyPlivoV2(input: { authToken: string; url: string; signature: string | undefined; nonce: string | undefined; hmac?: Hmac }): Promise<boolean> {
  if (!input.signature || !input.nonce || !input.authToken) return false;
  return constantTimeEqual(input.signature.trim(), await plivoV2Signature(input.authToken, input.url, input.nonce, input.hmac));
}
