import { appendQuery, formEncoded } from './form-encoded.ts';

/** An HTTP request the engine wants sent; the caller (service worker, relay, CLI) sends it. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface OutgoingRequest {
  method: HttpMethod;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** An HTTP response as the caller received it. */
export interface ProviderResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/** The network, as the caller hands it to the engine (the engine does no I/O of its own). */
export type Fetch = (
  url: string,
  /**
   * `step` names what the engine is doing (`token-session`, `find_contact-Contacts`, `log_call`):
   * for dry runs and logs; a real fetch ignores it.
   */
  init: {
    method: string;
    headers: Record<string, string>;
    body?: string;
    step?: string;
    /** The CRM connector operation the request is part of (`find_contact`, `log_call`, …), which the relay paces it as (`<limits>`); absent for token steps. */
    operation?: string;
  },
) => Promise<{
  status: number;
  headers: { forEach(callback: (value: string, key: string) => void): void };
  text(): Promise<string>;
}>;

/**
 * Puts a request's parameters where its method and format say: the query of a GET (or a
 * DELETE), else a
 * JSON or form body. Returns the body and its content type; the query is appended to `url`.
 * Call requests and token steps both send their parameters this way.
 */
export function encodeParameters(
  method: HttpMethod,
  format: 'form' | 'json',
  url: URL,
  fields: Array<[string, string]>,
  jsonBody: () => Record<string, unknown>,
): { body?: string; contentType?: string } {
  if (method === 'GET' || method === 'DELETE') {
    appendQuery(url, fields);
    return {};
  }
  if (format === 'json') return { body: JSON.stringify(jsonBody()), contentType: 'application/json' };
  return { body: formEncoded(fields), contentType: 'application/x-www-form-urlencoded' };
}
