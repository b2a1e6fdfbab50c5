import { mapWebhook, renderWebhookReply, type MappedWebhook, type WebhookEvent, WebhookError, type WebhookReply, type WebhookRequest, type ConnectorPlan } from '@phone-connector/shared';
import { updateFromRecord } from '../calls/merge.ts';
import { routeNewCall } from '../calls/routing.ts';
import type { RelayDeps } from '../deps.ts';
import { runContext } from '../instances/context.ts';
import type { Agent, Instance } from '../store/index.ts';

export interface VerifiedWebhook {
  event: WebhookEvent;
  instance: Instance;
  owner: Agent;
  plan: ConnectorPlan;
  request: WebhookRequest;
}

export type IngestResult =
  | { kind: 'stored'; reply: WebhookReply; callId: string; created: boolean; events: number }
  /** Stored, but the connector's reply could not be rendered. */
  | { kind: 'reply-failed'; error: string; callId: string; created: boolean; events: number }
  | { kind: 'refused'; status: 400 | 404; error: string };

/**
 * Maps a verified webhook into a call record, stores it with its events in one transaction,
 * pushes the events and returns the connector's reply.
 */
export function ingestWebhook(deps: RelayDeps, webhook: VerifiedWebhook): IngestResult {
  const { event, instance, owner, plan, request } = webhook;
  const context = runContext(instance, owner, deps.publicUrl());
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
  // record, hence mapping first and rendering the reply second.
  const known = deps.store
    .callAgentIds(instance.uid, callId)
    .map((id) => deps.store.agentById(id))
    .filter((a) => a !== undefined);
  // A known call keeps the agents it was routed to (a retry rings the same people). But when
  // only a status webhook had been seen (routed to the owner alone: Vonage may send the caller
  // leg's events before the answer request), the incoming webhook routes it as incoming —
  // unless the call is one the agent placed (Africa's Talking posts its answer there too).
  const ownerOnly = known.length === 1 && known[0]!.id === owner.id;
  const placedByAgent = deps.store.callByKey(instance.uid, callId)?.direction === 'outbound';
  const reroute = event === 'incoming' && ownerOnly && !placedByAgent;
  const routed = known.length === 0 || reroute ? routeNewCall(event, record, owner, deps.store.listAgents()) : [];
  const agents = [...known, ...routed.filter((agent) => !known.some((k) => k.id === agent.id))];
  let reply: WebhookReply | undefined;
  let replyError: string | undefined;
  try {
    reply = renderWebhookReply(plan, mapped, context, { dialNumbers: agents.map((a) => a.number) });
  } catch (error) {
    if (!(error instanceof WebhookError && error.code === 'reply-failed')) throw error;
    replyError = error.message;
  }

  const saved = deps.store.saveCall({
    instanceUid: instance.uid,
    callId,
    update: updateFromRecord(record),
    agentIds: agents.map((a) => a.id),
    at: deps.now().toISOString(),
  });
  deps.publish(saved.events);
  const summary = { callId, created: saved.created, events: saved.events.length };
  return reply ? { kind: 'stored', reply, ...summary } : { kind: 'reply-failed', error: replyError!, ...summary };
}
