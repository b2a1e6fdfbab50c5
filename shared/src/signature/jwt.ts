import { constantTimeEqual, sha256Hex } from './crypto.ts';

/** JSON Web Tokens with WebCrypto: HS256 (shared secret) and RS256 (PKCS#8 PEM private key). */
export type JwtAlgorithm = 'HS256' | 'RS256';

const encoder = new TextEncoder();

export function base64Url(bytes: Uint8Array | string): string {
  const data = typeof bytes === 'string' ? encoder.encode(bytes) : bytes;
  let binary = '';
  for (const byte of data) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function signingKey(algorithm: JwtAlgorithm, key: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  if (algorithm === 'HS256') return crypto.subtle.importKey('raw', encoder.encode(key), { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
  const body = key.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  if (!body || /BEGIN RSA PRIVATE KEY/.test(key)) throw new Error('the private key must be a PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----")');
  return crypto.subtle.importKey('pkcs8', Uint8Array.from(atob(body), (c) => c.charCodeAt(0)), { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' }, false, ['sign']);
}

export async function signJwt(algorithm: JwtAlgorithm, key: string, claims: Record<string, unknown>): Promise<string> {
  const unsigned = `${base64Url(JSON.stringify({ alg: algorithm, typ: 'JWT' }))}.${base64Url(JSON.stringify(claims))}`;
  const cryptoKey = await signingKey(algorithm, key, 'sign');
  const algo = algorithm === 'HS256' ? 'HMAC' : 'RSASSA-PKCS1-v1_5';
  return `${unsigned}.${base64Url(new Uint8Array(await crypto.subtle.sign(algo, cryptoKey, encoder.encode(unsigned))))}`;
}

export interface JwtCheck {
  token: string | undefined;
  secret: string;
  /** Milliseconds since the epoch. */
  now: number;
  /** How old `iat` may be, in seconds. */
  toleranceSeconds: number;
  /** When given and the token has a `payload_hash` claim, it must be the body's SHA-256 (hex). */
  body?: string;
}

/**
 * Verifies an HS256 webhook JWT (Vonage signs its webhooks this way): signature, `exp`,
 * `iat` within the tolerance, and `payload_hash` against the raw body.
 */
export async function verifyHs256Jwt(check: JwtCheck): Promise<{ valid: boolean; reason?: string }> {
  const parts = check.token?.split('.');
  if (!parts || parts.length !== 3) return { valid: false, reason: 'no JWT in the Authorization header' };
  const [header, payload, signature] = parts as [string, string, string];
  let claims: { exp?: number; iat?: number; payload_hash?: string; alg?: string };
  try {
    if (JSON.parse(new TextDecoder().decode(fromBase64Url(header))).alg !== 'HS256') return { valid: false, reason: 'the JWT is not HS256' };
    claims = JSON.parse(new TextDecoder().decode(fromBase64Url(payload)));
    const key = await signingKey('HS256', check.secret, 'verify');
    if (!(await crypto.subtle.verify('HMAC', key, fromBase64Url(signature), encoder.encode(`${header}.${payload}`)))) return { valid: false, reason: 'the JWT signature does not match' };
  } catch {
    return { valid: false, reason: 'the JWT is malformed' };
  }
  const nowSeconds = check.now / 1000;
  if (typeof claims.exp === 'number' && claims.exp < nowSeconds) return { valid: false, reason: 'the JWT has expired' };
  if (typeof claims.iat === 'number' && Math.abs(nowSeconds - claims.iat) > check.toleranceSeconds) return { valid: false, reason: 'the JWT was issued outside the tolerance (replay?)' };
  if (check.body !== undefined && typeof claims.payload_hash === 'string' && !constantTimeEqual(claims.payload_hash.toLowerCase(), await sha256Hex(check.body))) {
    return { valid: false, reason: 'payload_hash does not match the body' };
  }
  return { valid: true };
}
