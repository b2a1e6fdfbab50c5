/** Hashes shared by the signature verifiers (the engine runs in a service worker too). */

import { hmacSha1Bytes, hmacSha256Bytes } from '../template/digest.ts';

export type HmacHash = 'SHA-1' | 'SHA-256';

const encoder = new TextEncoder();

/** An HMAC of `message` (UTF-8) under `key` (UTF-8), synchronous. */
export type Hmac = (algorithm: HmacHash, key: string, message: string) => Uint8Array;

/**
 * The default HMAC, computed in script (template/digest.ts), not with WebCrypto: every webhook is
 * checked with an HMAC, and WebCrypto's `sign` cost the relay about 120 µs of CPU per call (a job
 * sent to the thread pool and back), the script 20 µs for a Twilio-sized message (issue 13). It
 * runs wherever the engine does (the extension's service worker has no node:crypto); the relay
 * hands the verifiers node:crypto's instead (`VerifyOptions.hmac`).
 */
export const scriptHmac: Hmac = (algorithm, key, message) => (algorithm === 'SHA-1' ? hmacSha1Bytes(key, message) : hmacSha256Bytes(key, message));

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function hmacBase64(algorithm: HmacHash, key: string, message: string, hmac: Hmac = scriptHmac): Promise<string> {
  let binary = '';
  for (const byte of hmac(algorithm, key, message)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export async function hmacHex(algorithm: HmacHash, key: string, message: string, hmac: Hmac = scriptHmac): Promise<string> {
  return hex(hmac(algorithm, key, message));
}

export async function sha256Hex(message: string): Promise<string> {
  return hex(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(message))));
}

/** Compares two strings in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let difference = left.length ^ right.length;
  for (let i = 0; i < Math.max(left.length, right.length); i++) difference |= (left[i % (left.length || 1)] ?? 0) ^ (right[i % (right.length || 1)] ?? 0);
  return difference === 0;
}
