/** WebCrypto helpers shared by the signature verifiers (the engine runs in a service worker too). */

import { type HmacHash, hmacKeys } from './hmac-keys.ts';

const encoder = new TextEncoder();

async function hmac(algorithm: HmacHash, key: string, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await hmacKeys.key(algorithm, key), encoder.encode(message)));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function hmacBase64(algorithm: HmacHash, key: string, message: string): Promise<string> {
  let binary = '';
  for (const byte of await hmac(algorithm, key, message)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export async function hmacHex(algorithm: HmacHash, key: string, message: string): Promise<string> {
  return hex(await hmac(algorithm, key, message));
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
