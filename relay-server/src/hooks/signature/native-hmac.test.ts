import { scriptHmac } from '@phone-connector/shared';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nativeHmac } from './native-hmac.ts';

describe('nativeHmac', () => {
  it('gives the bytes of the engine’s script HMAC, for any UTF-8 key and message', () => {
    fc.assert(
      fc.property(fc.constantFrom('SHA-1' as const, 'SHA-256' as const), fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme', maxLength: 300 }), (algorithm, key, message) => {
        expect([...nativeHmac(algorithm, key, message)]).toEqual([...scriptHmac(algorithm, key, message)]);
      }),
    );
  });

  it('matches RFC 2202 / RFC 4231 vectors', () => {
    const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
    expect(hex(nativeHmac('SHA-1', 'Jefe', 'what do ya want for nothing?'))).toBe('effcdf6ae5eb2fa2d27416d5f184df9c259a7c79');
    expect(hex(nativeHmac('SHA-256', 'Jefe', 'what do ya want for nothing?'))).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('gives the same bytes for a key seen again after many others (its key object kept, or made again)', () => {
    const keys = Array.from({ length: 600 }, (_, i) => `token-${i}`);
    for (const key of [...keys, ...keys.slice(0, 10), ...keys.slice(-10)]) {
      expect([...nativeHmac('SHA-1', key, `message for ${key}`)]).toEqual([...scriptHmac('SHA-1', key, `message for ${key}`)]);
    }
  });
});
