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

/**
 * Compares two strings in time that depends only on their lengths, code unit by code unit: the
 * UTF-8 bytes of both were encoded first, two buffers per comparison and two comparisons per
 * webhook (its secret, its signature: issue 13), and a lone surrogate encoded as U+FFFD matched
 * any other.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  let difference = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) difference |= (a.length === 0 ? 0 : a.charCodeAt(i % a.length)) ^ (b.length === 0 ? 0 : b.charCodeAt(i % b.length));
  return difference === 0;
}
