import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { urlSearch } from './url-query.ts';

/** What `urlSearch` stands for: the WHATWG URL's `search`, undefined when the URL cannot be parsed. */
const parsedSearch = (url: string) => (URL.canParse(url) ? new URL(url).search : undefined);

describe('urlSearch', () => {
  it("gives each URL's own query, read again from what is kept and after it was dropped", () => {
    const url = fc.oneof(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.tuple(fc.constantFrom('https://relay.example.com/hooks/in_1/s/', 'http://127.0.0.1:8787/hooks/a/b/'), fc.constantFrom('answer', 'status', 'incoming'), fc.string({ maxLength: 12 })).map((parts) => parts.join('')),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(url, { minLength: 1, maxLength: 150 }), (urls) => {
        // Each URL twice in turn, then all again: far enough apart that the first ones were dropped.
        for (const one of [...urls.flatMap((u) => [u, u]), ...urls]) expect(urlSearch(one)).toBe(parsedSearch(one));
      }),
    );
  });

  it('tells an invalid URL by undefined, a URL without a query by an empty query', () => {
    expect(urlSearch('not a url')).toBeUndefined();
    expect(urlSearch('not a url')).toBeUndefined();
    expect(urlSearch('https://relay.example.com/hooks/in_1/s/status')).toBe('');
    expect(urlSearch('https://relay.example.com/hooks/in_1/s/status?bodySHA256=ab')).toBe('?bodySHA256=ab');
    expect(urlSearch('https://relay.example.com/hooks/in_1/s/status?')).toBe('');
    const long = `https://relay.example.com/hooks/in_1/s/status?a=${'x'.repeat(20_000)}`;
    expect(urlSearch(long)).toBe(`?a=${'x'.repeat(20_000)}`);
    expect(urlSearch(long)).toBe(`?a=${'x'.repeat(20_000)}`);
  });
});
