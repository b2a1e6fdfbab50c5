import type { Context } from 'hono';

/**
 * The database cannot be reached (PostgreSQL restarting, the network cut): the request fails
 * with 503 so the provider or the extension tries again, and the relay keeps running.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
}

/** The answer to a request that met `StoreUnavailableError`: not the caller's fault, try again shortly. */
export function storeUnavailableReply(c: Context): Response {
  return c.json({ error: "the relay's database is unavailable, try again" }, 503, { 'Retry-After': '1' });
}
