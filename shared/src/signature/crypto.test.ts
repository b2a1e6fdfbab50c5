import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacBase64, hmacHex } from './crypto.ts';

describe('the HMACs signatures are checked with', () => {
  it('match node:crypto for any key and message, keys longer than a block and non-ASCII text included', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.string({ unit: 'grapheme', maxLength: 400 }), async (key, message) => {
        expect(await hmacBase64('SHA-1', key, message)).toBe(createHmac('sha1', key).update(message).digest('base64'));
        expect(await hmacBase64('SHA-256', key, message)).toBe(createHmac('sha256', key).update(message).digest('base64'));
        expect(await hmacHex('SHA-1', key, message)).toBe(createHmac('sha1', key).update(message).digest('hex'));
      }),
    );
  });
});
