import type { EnvelopePlan } from '../connector/crm-plan.ts';
import { parseBody } from '../payload/parse-body.ts';
import { getPath } from '../payload/path.ts';
import { meansSuccess } from '../runtime/outgoing.ts';

/** A CRM's answer as the engine reads it: its payload, or why it failed and what to do about it. */
export type CrmAnswer =
  | { ok: true; payload: Record<string, unknown> }
  | {
      ok: false;
      error: string;
      /** Worth trying again later. */
      retry: boolean;
      /** The session expired: renew the token chain and replay, once. */
      renew: boolean;
      retryAfterMs?: number;
      status: number;
    };

/**
 * Reads an answer by the engine's HTTP rules and the connector's envelope: 401 (and the
 * envelope's session codes) renew the session; 429, 5xx (and the envelope's retry codes) are
 * retried later, after Retry-After; any other 4xx, and a 2xx whose envelope says it failed (by
 * its success flag, or by holding what only a failure holds), fail for good with the CRM's own
 * code and message. `headers` are read on a failure only.
 */
export function readCrmAnswer(status: number, headers: () => Record<string, string>, body: string, envelope: EnvelopePlan, now: number): CrmAnswer {
  let payload: Record<string, unknown> | undefined;
  try {
    payload = parseBody(body, /^\s*</.test(body) ? 'xml' : 'json');
  } catch {
    payload = undefined;
  }
  const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean' ? String(value) : undefined);
  const code = payload && envelope.code ? text(getPath(payload, envelope.code)) : undefined;
  const message = payload && envelope.message ? text(getPath(payload, envelope.message)) : undefined;
  const fail = (retry: boolean, renew = false): CrmAnswer => {
    // What the CRM said, read on failure only: the body's whitespace collapsed for every answer was a pass over each and a copy (issue 10).
    const said = [code, message].filter(Boolean).join(': ') || body.trim().replace(/\s+/g, ' ').slice(0, 200);
    const retryAfterMs = retry ? retryAfter(headers(), now) : undefined;
    return { ok: false, error: `HTTP ${status}${said ? `: ${said}` : ''}`, retry, renew, status, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) };
  };
  const listed = (codes: string[]) => code !== undefined && codes.includes(code);
  if (status === 401 || listed(envelope.renew)) return fail(false, true);
  if (status === 429 || status >= 500 || listed(envelope.retry)) return fail(true);
  if (status < 200 || status >= 300) return fail(false);
  if (payload === undefined) {
    // A PHP fatal answered with HTML and 200 (Vtiger): the server is in trouble, not our request.
    return { ok: false, error: `HTTP ${status}: the CRM's answer is not JSON or XML: ${body.trim().slice(0, 200)}`, retry: true, renew: false, status };
  }
  if (envelope.error) {
    const error = getPath(payload, envelope.error);
    if (error !== undefined && error !== null) return fail(false);
  }
  if (envelope.success) {
    if (!meansSuccess(text(getPath(payload, envelope.success)), envelope.in)) return fail(false);
  }
  return { ok: true, payload };
}

/** Retry-After in milliseconds: delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfter(headers: Record<string, string>, now: number): number | undefined {
  const value = Object.entries(headers).find(([name]) => name.toLowerCase() === 'retry-after')?.[1]?.trim();
  if (!value) return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
