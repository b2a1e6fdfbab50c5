/**
 * The query of the URLs read last, by the URL: every webhook of an instance and event is posted
 * to the same URL, and each was parsed twice, for its signature (signature/twilio.ts) and for its
 * payload (runtime/webhook.ts), a WHATWG `URL` each time for its `search` alone (issue 13).
 */
const recent = new Map<string, string>();
const RECENT_URLS = 64;
/** As for bodies (url-encoded.ts): V8 hashes a longer string by its length alone. */
const LONGEST_KEPT_URL = 16_383;

/**
 * A URL's query as `new URL(url).search` gives it (`?` and all, or `''` when there is none);
 * undefined when `url` is not a valid URL.
 */
export function urlSearch(url: string): string | undefined {
  const known = recent.get(url);
  if (known !== undefined) return known;
  let search: string;
  try {
    search = new URL(url).search;
  } catch {
    return undefined;
  }
  if (url.length <= LONGEST_KEPT_URL) {
    if (recent.size >= RECENT_URLS) recent.delete(recent.keys().next().value!);
    recent.set(url, search);
  }
  return search;
}
