/**
 * Imported HMAC keys, kept per (hash, secret). WebCrypto's `importKey` on every signature check
 * cost a tenth of the relay's CPU under a webhook burst (issue 13), while an instance signs every
 * webhook with the same token. Bounded, least recently used out first, so a relay with many
 * instances (or a stream of wrong tokens) cannot grow it without end.
 */
export type HmacHash = 'SHA-1' | 'SHA-256';

const encoder = new TextEncoder();

export class HmacKeys {
  /** Insertion order is use order: a hit moves its key to the end. */
  private readonly keys = new Map<string, Promise<CryptoKey>>();

  constructor(private readonly limit: number) {}

  get size(): number {
    return this.keys.size;
  }

  /** The key for `secret`, imported once while it stays among the `limit` most recently used. */
  key(hash: HmacHash, secret: string): Promise<CryptoKey> {
    const id = `${hash}\0${secret}`;
    const cached = this.keys.get(id);
    if (cached) {
      this.keys.delete(id);
      this.keys.set(id, cached);
      return cached;
    }
    const imported = crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash }, false, ['sign']);
    // A failed import is not kept: the next check tries again.
    imported.catch(() => this.keys.get(id) === imported && this.keys.delete(id));
    this.keys.set(id, imported);
    if (this.keys.size > this.limit) this.keys.delete(this.keys.keys().next().value!);
    return imported;
  }
}

/** The keys the signature verifiers share: one per instance token is plenty for a relay's instances. */
export const hmacKeys = new HmacKeys(1024);
