import { AGENTS_AWAY, FINAL_STATUSES, type FillCondition, mapWebhook, renderWebhookReply, type MappedWebhook, WebhookError, type WebhookReply } from '@phone-connector/shared';
import { type CallUpdate, updateFromRecord } from '../calls/merge.ts';
import { recordCall } from '../calls/record-call.ts';
import { webhookAudience } from '../calls/routing.ts';
import type { RelayDeps } from '../deps.ts';
import { type Agent, isAwayAt } from '../store/index.ts';
import type { VerifiedWebhook } from './guard/index.ts';

export type IngestResult =
  | { kind: 'stored'; reply: WebhookReply; callId: string; created: boolean; events: number }
  /** Stored, but the connector's reply could not be rendered. */
  | { kind: 'reply-failed'; error: string; callId: string; created: boolean; events: number }
  | { kind: 'refused'; status: 400 | 404; error: string };

/**
 * Maps a verified webhook into a call record, records the call (stored with its events in one
 * transaction, then pushed) and returns the connector's reply.
 */
export async function ingestWebhook(deps: RelayDeps, webhook: VerifiedWebhook): Promise<IngestResult> {
  const { event, instance, owner, plan, request, context } = webhook;
  let mapped: MappedWebhook;
  try {
    mapped = mapWebhook(plan, event, request, context);
  } catch (error) {
    if (error instanceof WebhookError && error.code === 'unsupported-event') return { kind: 'refused', status: 404, error: error.message };
    if (error instanceof WebhookError && error.code === 'bad-payload') return { kind: 'refused', status: 400, error: error.message };
    throw error;
  }
  const { record } = mapped;
  const callId = record.call_id;
  if (!callId) return { kind: 'refused', status: 400, error: 'the webhook carries no call id the connector can map' };

  // The reply may ring the call's agents (agentdialing), and who they are depends on the mapped
  // record and on what the store knows of the call: rendered once the call is recorded.
  const recorded = await recordCall(deps, {
    instance,
    callId,
    update: updateFromRecord(record),
    audience: webhookAudience(event, record, owner),
  });
  const summary = { callId, created: recorded.created, events: recorded.events.length };
  try {
    // Agents who share a number (a team's line) ring it once: a call routed to 1,000 of them put the
    // same number 1,000 times into the reply, rendered before any of them heard of the call (issue 13).
    const dialNumbers = [...new Set(recorded.agents.map((a) => a.number))];
    // An incoming call's reply learns whether every agent it reaches is away (not the answer to a
    // call placed here that Africa's Talking posts to the same URL, whose agent may be away).
    const away = event === 'incoming' && recorded.call.direction === 'inbound' && everyoneAway(recorded.agents, deps.now());
    const reply = renderWebhookReply(plan, mapped, away ? { ...context, vars: { ...context.vars, ...AGENTS_AWAY } } : context, { dialNumbers });
    // Then it rang nobody (the connector sends the caller to voicemail): nobody will answer, so
    // the call is missed now, not once the caller hangs up.
    if (away && reply.rings === 0) summary.events += (await recordCall(deps, { instance, callId, update: missedWhileAway(deps.now()), audience: NO_ONE_NEW })).events.length;
    return { kind: 'stored', reply, ...summary };
  } catch (error) {
    if (!(error instanceof WebhookError && error.code === 'reply-failed')) throw error;
    return { kind: 'reply-failed', error: error.message, ...summary };
  }
}

/** Whether every agent a call reaches is away at `now` (and it reaches someone). */
function everyoneAway(agents: readonly Agent[], now: Date): boolean {
  return agents.length > 0 && agents.every((agent) => isAwayAt(agent, now));
}

/**
 * A call whose reply rang no phone, every agent being away: missed at once, and `all_away` says
 * why in the agents' lists. A call ended already (the provider's retry of the webhook) keeps
 * its end.
 */
function missedWhileAway(now: Date): CallUpdate {
  return { status: 'no-answer', ended_at: now.toISOString(), extra: { all_away: 'true' }, fill_only_at: ENDED };
}

const ENDED: readonly FillCondition[] = [...FINAL_STATUSES];

/** The call's agents stay those it reached. */
const NO_ONE_NEW = async () => [];
