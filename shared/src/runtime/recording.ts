import type { ConnectorPlan } from '../connector/plan.ts';
import { parseBody } from '../payload/parse-body.ts';
import { ConnectorRuntimeError } from './errors.ts';
import type { OutgoingRequest, ProviderResponse } from './http.ts';
import { applyMapping } from './mapping.ts';
import { answerFormat, buildProviderRequest } from './outgoing.ts';
import { buildScope, type RunContext } from './scope.ts';
import { renderTemplate } from '../template/render.ts';

/**
 * The call whose recording is fetched: its record's fields and extras as the relay keeps them,
 * `recordingurl` being the link the provider gave.
 */
export type RecordingCall = Record<string, string>;

/** What the answer to a `<recording>` request says: where the file is now, or why there is none. */
export type RecordingAnswer = { kind: 'file' } | { kind: 'moved'; url: string } | { kind: 'refused'; error: string };

/** Whether the connector fetches recordings through the relay (`<recording>`). */
export function fetchesRecordings(plan: ConnectorPlan): boolean {
  return plan.recording !== undefined && plan.provider !== undefined;
}

/** Whether the answer to the connector's `<recording>` request names where the file is (`recordingurl` mapped), rather than being the file. */
export function recordingNamesLink(plan: ConnectorPlan): boolean {
  return plan.recording?.response?.fields.some((f) => f.field === 'recordingurl') ?? false;
}

/** Builds the request for the call's recording (the connector's `<recording>`), with the provider's auth. Pure. */
export function buildRecordingRequest(plan: ConnectorPlan, context: RunContext, call: RecordingCall): OutgoingRequest {
  const recording = plan.recording;
  if (!plan.provider || !recording) throw new ConnectorRuntimeError(`${plan.name} does not fetch recordings: it has no <recording>`, 'not-supported');
  if (!call.recordingurl?.trim()) throw new ConnectorRuntimeError('the call has no recording', 'missing-value');
  const scope = buildScope(plan, { ...context, vars: { ...context.vars, ...call } });
  const request = buildProviderRequest(plan, recording.request, scope, context.resolvedAuth ?? {});
  // The provider's credentials go to the provider alone (its API, or where it keeps its files), whatever link a webhook carried.
  const provider = new URL(renderTemplate(plan.provider.url, scope).trim()).origin;
  const origin = new URL(request.url).origin;
  if (origin !== provider && origin !== recording.media) throw new ConnectorRuntimeError(`the recording is not at the provider's address (${[provider, recording.media].filter(Boolean).join(' or ')})`, 'not-supported');
  return request;
}

/**
 * Reads the provider's answer to a `<recording>` request. A 2xx is the file itself, unless the
 * connector maps `recordingurl`: then it names where the file is. Otherwise the mapped `error`,
 * else the HTTP status.
 */
export function readRecordingAnswer(plan: ConnectorPlan, context: RunContext, call: RecordingCall, response: ProviderResponse): RecordingAnswer {
  const mapping = plan.recording?.response;
  const ok = response.status >= 200 && response.status < 300;
  if (ok && !recordingNamesLink(plan)) return { kind: 'file' };
  let values: Record<string, string> = {};
  if (mapping && response.body.trim()) {
    try {
      values = applyMapping(mapping, parseBody(response.body, answerFormat(mapping, response)), buildScope(plan, { ...context, vars: { ...context.vars, ...call } }));
    } catch {
      // An answer that does not parse says nothing beyond its status.
    }
  }
  if (ok && values.recordingurl && /^https?:\/\//i.test(values.recordingurl)) return { kind: 'moved', url: values.recordingurl };
  const snippet = response.body.trim().slice(0, 200);
  return { kind: 'refused', error: values.error || `HTTP ${response.status}${ok ? ': the answer names no recording link' : snippet ? `: ${snippet}` : ''}` };
}
