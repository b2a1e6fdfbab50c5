import type { Fetch } from '../runtime/http.ts';

/** A request as the engine sent it. */
export interface RecordedRequest {
  /** What the engine was doing (`token-challenge`, `find_contact-Contacts`, `log_call`). */
  step?: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** An answer to give back: recorded from a CRM, or written from its documentation. */
export interface RecordedResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

/**
 * A network that records every request and answers from `answer` (recorded or documented
 * responses): the CLI's dry run and `--responses`, and tests of CRM connectors, use it.
 */
export function recordingFetch(answer: (request: RecordedRequest) => RecordedResponse | Promise<RecordedResponse>): { fetch: Fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const fetch: Fetch = async (url, init) => {
    const request: RecordedRequest = { ...(init.step ? { step: init.step } : {}), method: init.method, url, headers: { ...init.headers }, ...(init.body === undefined ? {} : { body: init.body }) };
    requests.push(request);
    const response = await answer(request);
    const headers = new Map(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    return { status: response.status, headers: { forEach: (callback) => headers.forEach((value, key) => callback(value, key)) }, text: async () => response.body };
  };
  return { fetch, requests };
}
