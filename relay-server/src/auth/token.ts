import { createHash, randomBytes } from 'node:crypto';

/** A new agent token: 256 random bits. Shown once; only its hash is stored. */
export function generateToken(): string {
  return `pcr_${randomBytes(32).toString('base64url')}`;
}

/**
 * SHA-256 of a token. Tokens carry 256 bits of entropy, so a fast hash is enough (no salt or
 * stretching needed), and lookups by hash reveal nothing about the token.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A callback URL secret: 192 random bits, URL-safe. */
export function generateCallbackSecret(): string {
  return randomBytes(24).toString('base64url');
}

/** A random id with a prefix naming its kind (`ag_`, `in_`). */
export function randomId(prefix: string, bytes = 12): string {
  return `${prefix}${randomBytes(bytes).toString('base64url')}`;
}

/** Whether `text` has the form of an instance uid, `randomId('in_')`: never that of a callback secret (32 characters). */
export function isInstanceUidForm(text: string): boolean {
  return /^in_[A-Za-z0-9_-]{16}$/.test(text);
}
