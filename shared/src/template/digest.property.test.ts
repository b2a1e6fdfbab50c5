import { createHash, createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hmacSha1, hmacSha256, md5, sha1, sha256 } from './digest.ts';

// The template filters' digests against node:crypto, on any text (multi-block, unicode).
const text = fc.string({ unit: 'grapheme', maxLength: 300 });

describe('digests agree with node:crypto', () => {
  it('md5, sha1, sha256', () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(md5(t)).toBe(createHash('md5').update(t).digest('hex'));
        expect(sha1(t)).toBe(createHash('sha1').update(t).digest('hex'));
        expect(sha256(t)).toBe(createHash('sha256').update(t).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('HMAC-SHA1 and HMAC-SHA256, keys longer and shorter than a block', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), text, (key, t) => {
        expect(hmacSha1(key, t)).toBe(createHmac('sha1', key).update(t).digest('hex'));
        expect(hmacSha256(key, t)).toBe(createHmac('sha256', key).update(t).digest('hex'));
      }),
      { numRuns: 200 },
    );
  });

  it('known answers', () => {
    expect(md5('')).toBe('d41d8cd98f00b204e9800998ecf8427e');
    expect(sha1('abc')).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
