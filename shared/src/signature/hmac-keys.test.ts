import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { hmacBase64 } from './crypto.ts';
import { HmacKeys } from './hmac-keys.ts';

describe('HmacKeys', () => {
  afterEach(() => vi.restoreAllMocks());

  it('imports a secret once and gives the same key on every later check', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const keys = new HmacKeys(4);
    const [first, second] = await Promise.all([keys.key('SHA-1', 'token-a'), keys.key('SHA-1', 'token-a')]);
    expect(await keys.key('SHA-1', 'token-a')).toBe(first);
    expect(second).toBe(first);
    expect(importKey).toHaveBeenCalledTimes(1);
    expect(await keys.key('SHA-256', 'token-a')).not.toBe(first);
    expect(importKey).toHaveBeenCalledTimes(2);
  });

  it('keeps at most its limit of keys, dropping the least recently used', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const keys = new HmacKeys(2);
    const a = await keys.key('SHA-1', 'a');
    await keys.key('SHA-1', 'b');
    expect(await keys.key('SHA-1', 'a')).toBe(a);
    await keys.key('SHA-1', 'c');
    expect(keys.size).toBe(2);
    expect(await keys.key('SHA-1', 'a')).toBe(a);
    expect(importKey).toHaveBeenCalledTimes(3);
    await keys.key('SHA-1', 'b');
    expect(importKey).toHaveBeenCalledTimes(4);
    for (let i = 0; i < 50; i++) await keys.key('SHA-256', `wrong-token-${i}`);
    expect(keys.size).toBe(2);
  });

  it('does not keep a key whose import failed', async () => {
    const keys = new HmacKeys(4);
    vi.spyOn(crypto.subtle, 'importKey').mockRejectedValueOnce(new Error('import refused'));
    await expect(keys.key('SHA-1', 'token-a')).rejects.toThrow('import refused');
    await vi.waitFor(() => expect(keys.size).toBe(0));
    await expect(keys.key('SHA-1', 'token-a')).resolves.toBeDefined();
    expect(keys.size).toBe(1);
  });

  it('is what the signature helpers sign with: one import per secret, the same HMAC as node:crypto', async () => {
    const importKey = vi.spyOn(crypto.subtle, 'importKey');
    const secret = `token-${Math.random()}`;
    for (const message of ['one', 'two', 'three']) {
      expect(await hmacBase64('SHA-256', secret, message)).toBe(createHmac('sha256', secret).update(message).digest('base64'));
    }
    expect(importKey).toHaveBeenCalledTimes(1);
  });
});
