/**
 * `PROVIDER_ORIGINS`: where the relay's requests to a provider's API go instead, origin for
 * origin (`https://api.twilio.com=https://egress.internal:8443`): an egress proxy in front of
 * the providers, or the simulators the tests run.
 */
export function parseProviderOrigins(text: string): Map<string, string> {
  const origins = new Map<string, string>();
  for (const pair of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const [from, to, ...rest] = pair.split('=');
    const origin = (url: string | undefined) => {
      try {
        const parsed = new URL(url ?? '');
        return (parsed.protocol === 'http:' || parsed.protocol === 'https:') && parsed.pathname === '/' && !parsed.search ? parsed.origin : undefined;
      } catch {
        return undefined;
      }
    };
    const source = origin(from);
    const target = origin(to);
    if (rest.length || !source || !target) throw new Error(`"${pair}" is not ORIGIN=ORIGIN (https://api.example.com=http://127.0.0.1:8080)`);
    origins.set(source, target);
  }
  return origins;
}

/** `fetch`, sending a request for one of `origins` to the origin it maps to (its path and query kept). */
export function fetchThrough(origins: ReadonlyMap<string, string>, base: typeof fetch = fetch): typeof fetch {
  if (!origins.size) return base;
  return (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const target = origins.get(url.origin);
    return base(target ? `${target}${url.pathname}${url.search}` : url.toString(), init);
  };
}

/**
 * `fetch` that gives up when no answer has begun within `ms`: the timer stops once the headers
 * are in, so a long recording passed on to a slow listener is never cut.
 */
export async function fetchAnswerWithin(fetchFn: typeof fetch, url: string, init: RequestInit, ms: number): Promise<Response> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new Error(`no answer within ${ms / 1000} s`)), ms);
  try {
    return await fetchFn(url, { ...init, signal: controller.signal });
  } finally {
    clearTimeout(timer);
  }
}
