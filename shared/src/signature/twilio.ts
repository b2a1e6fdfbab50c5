import { formFields } from '../payload/form-fields.ts';
import { formatFromContentType } from '../payload/parse-body.ts';
import { urlSearch } from '../payload/url-query.ts';
import { constantTimeEqual, type Hmac, hmacBase64, hmacHex, scriptHmac, sha256Hex } from './crypto.ts';

/** Parameters as Twilio signs them; repeated keys keep every value. */
export type SignedParams = Record<string, string | readonly string[]> | ReadonlyArray<readonly [string, string]>;

/**
 * How a scheme concatenates the values of a repeated key. Twilio's SDKs sort them and count an
 * identical pair once (twilio-python `sorted(set(values))`, twilio-node `new Set`); SignalWire's
 * SDK keeps them as sent, duplicates included (signalwire-typescript WebhookValidator).
 */
export type RepeatedValues = 'sorted-distinct' | 'as-sent';

const byKey = (a: readonly [string, unknown], b: readonly [string, unknown]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * `base64(HMAC-SHA1(authToken, url + key1 + value1 + key2 + value2 …))`, keys sorted; the values
 * of a repeated key as `repeated` says (Twilio's rule by default).
 */
export function computeTwilioSignature(authToken: string, url: string, params: SignedParams = {}, repeated: RepeatedValues = 'sorted-distinct', hmac: Hmac = scriptHmac): Promise<string> {
  if (!authToken) return Promise.reject(new Error('cannot sign without an auth token'));
  const pairs: ReadonlyArray<readonly [string, string | readonly string[]]> = Array.isArray(params) ? params : Object.entries(params);
  // Sorted by key in one copy of the pairs, a repeated key's pairs in the order sent (the sort is
  // stable): a Map with a list per key was 3.3 KB of a new call's allocations, 0.6 now (issue 13).
  const sorted = pairs.slice().sort(byKey);
  let data = url;
  for (let first = 0; first < sorted.length; ) {
    const key = sorted[first]![0];
    let end = first + 1;
    while (end < sorted.length && sorted[end]![0] === key) end++;
    const only = sorted[first]![1];
    // Most keys have one value: no set and no sort for them (every webhook signs a dozen).
    if (end === first + 1 && typeof only === 'string') data += key + only;
    else {
      const values = sorted.slice(first, end).flatMap(([, value]) => value);
      for (const value of repeated === 'as-sent' ? values : [...new Set(values)].sort()) data += key + value;
    }
    first = end;
  }
  return hmacBase64('SHA-1', authToken, data, hmac);
}

export interface TwilioSignatureInput {
  authToken: string;
  /** The public URL the provider called, query included. */
  url: string;
  /** The X-Twilio-Signature header. */
  signature: string | undefined;
  /** The raw request body. */
  body?: string;
  contentType?: string;
  /** The HMAC to compute with (the relay's is node:crypto's). */
  hmac?: Hmac;
}

/**
 * Verifies `X-Twilio-Signature`. Form bodies (URL-encoded or multipart) are signed as sorted
 * parameters; JSON bodies are signed through a `bodySHA256` query parameter (URL only), whose
 * hash must match the body. A multipart body that cannot be read throws a PayloadError.
 * Like Twilio's validators, the URL is tried as given, without its port and with the
 * default port added, since proxies differ in whether they keep it.
 */
export async function verifyTwilioSignature(input: TwilioSignatureInput, repeated: RepeatedValues = 'sorted-distinct'): Promise<boolean> {
  const { authToken, url, signature, body = '', contentType = '' } = input;
  if (!signature || !authToken) return false;
  const search = urlSearch(url);
  if (search === undefined) return false;
  // From `search`, and only when there is one (as readPayload reads the query, runtime/webhook.ts).
  const bodyHash = search ? new URLSearchParams(search).get('bodySHA256') : null;
  let params: SignedParams = [];
  if (bodyHash !== null) {
    if (!constantTimeEqual(await sha256Hex(body), bodyHash.toLowerCase())) return false;
  } else {
    if (unsignedBody(input) !== undefined) return false;
    params = formFields(body, contentType) ?? [];
  }
  // The URL as given is the one that matches when no proxy rewrote it: the others only when it does not.
  if (await signs(input, signature, url, params, repeated)) return true;
  for (const candidate of urlVariants(url, new URL(url))) {
    if (candidate !== url && (await signs(input, signature, candidate, params, repeated))) return true;
  }
  return false;
}

/**
 * Whether `signature` is Twilio's for `url`. A module function, not a closure per webhook: the
 * relay's tsx keeps names, a `defineProperty` per named closure made (issue 13).
 */
async function signs(input: TwilioSignatureInput, signature: string, url: string, params: SignedParams, repeated: RepeatedValues): Promise<boolean> {
  return constantTimeEqual(await computeTwilioSignature(input.authToken, url, params, repeated, input.hmac), signature);
}

/**
 * Why Twilio's signature cannot cover this request's body, or undefined when it can. Twilio
 * signs form fields (its webhooks are application/x-www-form-urlencoded) and any other body
 * only through `bodySHA256`; a body of another Content-Type without it would be signed as no
 * parameters at all, while the payload reader still takes fields from it (a connector's
 * fallback format, or sniffing when the Content-Type is missing): the relay would act on
 * fields nobody signed. Such a request is not one Twilio sends, so it is refused.
 */
export function unsignedBody(input: Pick<TwilioSignatureInput, 'url' | 'body' | 'contentType'>): string | undefined {
  const { url, body = '', contentType } = input;
  const format = formatFromContentType(contentType);
  // The form check first: Twilio's own webhooks need no parse of the URL (two per call, issue 13).
  if (format === 'form' || format === 'multipart' || body.trim() === '') return undefined;
  if (URL.canParse(url) && new URL(url).searchParams.has('bodySHA256')) return undefined;
  const named = contentType ? `a ${contentType.split(';')[0]!.trim()} body` : 'a body without a Content-Type';
  return `the signature does not cover ${named}: Twilio signs form fields, or the raw body through bodySHA256`;
}

function urlVariants(original: string, parsed: URL): string[] {
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : '';
  const authority = /^([a-z][a-z0-9+.-]*:\/\/[^/?#]*)/i.exec(original)?.[1] ?? '';
  const rest = original.slice(authority.length);
  const withoutPort = authority.replace(/:\d+$/, '');
  const withPort = /:\d+$/.test(authority) ? authority : `${authority}:${defaultPort}`;
  const bases = [original, withoutPort + rest, withPort + rest];
  // twilio-node treats ' and %27 in the query as the same character; proxies differ in which they send.
  return [...new Set(bases.flatMap((u) => [u, u.replace(/%27/gi, "'"), u.replace(/'/g, '%27')]))];
}

/**
 * SignalWire's signature (signalwire-typescript WebhookValidator): its compatibility API signs
 * like Twilio (form parameters, or bodySHA256 for JSON) except that a repeated key's values stay
 * in the order sent; its RELAY/SWML JSON webhooks sign `hex(HMAC-SHA1(signingKey, url + rawBody))`.
 * Either is accepted.
 */
export async function verifySignalWireSignature(input: TwilioSignatureInput): Promise<boolean> {
  if (await verifyTwilioSignature(input, 'as-sent')) return true;
  const { authToken, url, signature, body = '' } = input;
  if (!signature || !authToken) return false;
  return constantTimeEqual(await hmacHex('SHA-1', authToken, url + body, input.hmac), signature.trim().toLowerCase());
}
