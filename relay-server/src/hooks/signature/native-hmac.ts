import { createHmac } from 'node:crypto';
import type { Hmac } from '@phone-connector/shared';

/**
 * node:crypto's HMAC for the engine's signature checks: OpenSSL, about a tenth of the script
 * HMAC's CPU for a Twilio-sized message (the script one stays the engine's default, for the
 * extension's service worker). Keys and messages are UTF-8, as the script one reads them.
 */
export const nativeHmac: Hmac = (algorithm, key, message) => createHmac(algorithm === 'SHA-1' ? 'sha1' : 'sha256', key).update(message).digest();
