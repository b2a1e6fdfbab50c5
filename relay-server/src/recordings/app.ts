import {
  buildRecordingRequest,
  type ConnectorPlan,
  ConnectorRuntimeError,
  type AuthEnvironment,
  defaultAuthEnvironment,
  fetchesRecordings,
  forgetTokens,
  memoryTokenCache,
  type OutgoingRequest,
  readRecordingAnswer,
  recordingNamesLink,
  type RecordingCall,
  resolveAuth,
  type RunContext,
} from '@phone-connector/shared';
import { type Context, Hono } from 'hono';
import type { RelayDeps } from '../deps.ts';
import { runContext } from '../instances/context.ts';
import type { Call } from '../store/index.ts';
import { PROVIDER_RECORDING_URL, signatureMatches } from './link.ts';
import { fetchAnswerWithin } from './provider-origins.ts';

/** How long the provider has to start answering for a recording (not to send all of it). */
const PROVIDER_TIMEOUT_MS = 30_000;
/** What a player needs of the file's answer, passed on as the provider gave it. */
const FILE_HEADERS = ['content-type', 'content-length', 'content-range', 'accept-ranges', 'last-modified', 'etag'];

/**
 * `GET /recordings/{instance}/{signature}?call={call id}`: a call's recording, for a connector
 * that fetches recordings through the relay (`<recording>`). The link is the call's
 * `recording_url` (recordings/link.ts); opened, the relay asks the provider with the instance's
 * credentials, then redirects to the fresh link the provider names, or passes the file on.
 * Opened in a browser tab by whoever has the link: no agent token, nothing but that call's
 * recording, and the answers are never cached.
 */
export function recordingsApp(deps: RelayDeps): Hono {
  const app = new Hono();
  // A provider's fetched tokens (Bandwidth's OAuth), kept between recordings until they expire.
  const tokens = memoryTokenCache();
  const fetchWithin: typeof fetch = (input, init) => fetchAnswerWithin(deps.providerFetch, String(input), init ?? {}, PROVIDER_TIMEOUT_MS);
  app.get('/:uid/:signature', async (c) => {
    const callId = c.req.query('call');
    const instance = callId ? await deps.store.instanceByUid(c.req.param('uid')) : undefined;
    if (!callId || !instance || !signatureMatches(instance, callId, c.req.param('signature'))) return missing(c, 'No such recording.');
    const [call, owner, plan] = await Promise.all([deps.store.callByKey(instance.uid, callId), deps.store.agentById(instance.agentId), deps.plans.planFor(instance)]);
    const providerUrl = call?.extra[PROVIDER_RECORDING_URL];
    if (!call || !providerUrl || !owner) return missing(c, 'No such recording.');
    // The connector no longer fetches recordings: the provider's own link is all there is.
    if (!plan || !fetchesRecordings(plan)) return c.redirect(providerUrl, 302);
    const context = runContext(instance, owner, deps.publicUrl());
    const fields = recordingCall(call, providerUrl);
    const log = { instance: instance.uid, call: callId };
    // The answer names the file's fresh link (`recordingurl` mapped), or is the file: a player's range is the file's.
    const namesLink = recordingNamesLink(plan);
    const range = namesLink ? undefined : c.req.header('range');
    const ask = async (): Promise<Response> => {
      const request = await recordingRequest(plan, context, fields, { ...defaultAuthEnvironment(), fetch: fetchWithin, tokenCache: tokens });
      return fetchWithin(request.url, { method: 'GET', headers: { ...request.headers, ...(range ? { Range: range } : {}) } });
    };
    let upstream: Response;
    try {
      upstream = await ask();
      // A fetched token the provider no longer takes (revoked, or expired early) is fetched again, once.
      if (upstream.status === 401 && plan.provider!.auth.some((a) => a.kind === 'token')) {
        await upstream.body?.cancel();
        forgetTokens(plan, context, tokens);
        upstream = await ask();
      }
    } catch (error) {
      if (error instanceof ConnectorRuntimeError) {
        deps.log.warn('recording: no request could be made', { ...log, error: error.message });
        return unavailable(c, error.message);
      }
      deps.log.warn('recording: the provider did not answer', { ...log, error: (error as Error).message });
      return unavailable(c, 'the provider did not answer');
    }
    const ok = upstream.status >= 200 && upstream.status < 300;
    if (ok && !namesLink) {
      const headers = new Headers({ 'Cache-Control': 'private, no-store' });
      for (const name of FILE_HEADERS) {
        const value = upstream.headers.get(name);
        if (value !== null) headers.set(name, value);
      }
      deps.log.info('recording: passed on', { ...log, status: upstream.status });
      return new Response(upstream.body, { status: upstream.status, headers });
    }
    const answer = readRecordingAnswer(plan, context, fields, { status: upstream.status, headers: Object.fromEntries(upstream.headers), body: await upstream.text() });
    if (answer.kind === 'moved') {
      deps.log.info('recording: sent to the provider\'s fresh link', log);
      c.header('Cache-Control', 'private, no-store');
      return c.redirect(answer.url, 302);
    }
    const error = answer.kind === 'refused' ? answer.error : `HTTP ${upstream.status}`;
    deps.log.warn('recording: the provider refused it', { ...log, status: upstream.status, error });
    return unavailable(c, `the provider answered: ${error}`);
  });
  return app;
}

/**
 * The `<recording>` request with the provider's credentials, minted ones too (a token step's
 * token, fetched or kept; a JWT signed for it).
 */
async function recordingRequest(plan: ConnectorPlan, context: RunContext, call: RecordingCall, env: AuthEnvironment): Promise<OutgoingRequest> {
  const resolvedAuth = await resolveAuth(plan, context, env);
  return buildRecordingRequest(plan, { ...context, resolvedAuth }, call);
}

/** The call as the `<recording>` request's templates see it: its fields and extras, `@recordingurl` the provider's link. */
function recordingCall(call: Call, providerUrl: string): RecordingCall {
  const fields: RecordingCall = { ...call.extra, call_id: call.call_id, recordingurl: providerUrl };
  for (const [name, value] of [['from_number', call.from_number], ['to_number', call.to_number], ['user_number', call.user_number], ['direction', call.direction]] as const) {
    if (value) fields[name] = value;
  }
  return fields;
}

function missing(c: Context, text: string) {
  c.header('Cache-Control', 'no-store');
  return c.text(text, 404);
}

function unavailable(c: Context, reason: string) {
  c.header('Cache-Control', 'no-store');
  return c.text(`The recording could not be fetched: ${reason.replace(/\.$/, '')}.`, 502);
}
