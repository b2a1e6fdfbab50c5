import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { Hmac } from '@phone-connector/shared';

/** Keys of the last instances' signatures, made once: a key from a string is made again on every HMAC. */
const recentKeys = new Map<string, KeyObject>();
const RECENT_KEYS = 256;

/**
 * node:crypto's HMAC for the engine's signature checks: OpenSSL, about a tenth of the script
 * HMAC's CPU for a Twilio-sized message (the script one stays the engine's default, for the
 * extension's service worker). Keys and messages are UTF-8, as the script one reads them. The
 * key object of each recent key is kept (the same auth token signs webhook after webhook): an
 * HMAC with it costs about a quarter less than with the key as a string (issue 13).
 */
export const nativeHmac: Hmac = (algorithm, key, message) => createHmac(algorithm === 'SHA-1' ? 'sha1' : 'sha256', secretKey(key)).update(message).digest();

function secretKey(key: string): KeyObject {
  let made = recentKeys.get(key);
  if (!made) {
    if (recentKeys.size >= RECENT_KEYS) recentKeys.delete(recentKeys.keys().next().value!);
    made = createSecretKey(Buffer.from(key, 'utf8'));
    recentKeys.set(key, made);
  }
  return made;
}
