import { fetchesRecordings, mapWebhook, renderWebhookReply, type MappedWebhook, WebhookError, type WebhookReply } from '@phone-connector/shared';
import { updateFromRecord } from '../calls/merge.ts';
import { recordCall } from '../calls/record-call.ts';
import { webhookAudience } from '../calls/routing.ts';
import type { RelayDeps } from '../deps.ts';
import { throughRelay } from '../recordings/link.ts';
import type { VerifiedWebhook } from './guard/index.ts';
import { dialNumbersOf, WhileAway } from './while-away.ts';

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
  // record and on what the store knows of the call: rendered once the call is recorded, or, for
  // an incoming call whose agents are all away (or its number closed), as routing names them (`WhileAway`).
  const whileAway = event === 'incoming' ? new WhileAway(plan, mapped, context, instance.hours) : undefined;
  const update = updateFromRecord(record);
  const recorded = await recordCall(deps, {
    instance,
    callId,
    // A provider whose recordings need its credentials, or expire: the relay's link is the call's.
    update: update.recording_url && fetchesRecordings(plan) ? throughRelay(update, deps.publicUrl(), instance, callId) : update,
    audience: webhookAudience(event, record, owner),
    whileAway,
  });
  const summary = { callId, created: recorded.created, events: recorded.events.length };
  try {
    const reply = whileAway?.reply ?? renderWebhookReply(plan, mapped, context, { dialNumbers: dialNumbersOf(recorded.agents) });
    return { kind: 'stored', reply, ...summary };
  } catch (error) {
    if (!(error instanceof WebhookError && error.code === 'reply-failed')) throw error;
    return { kind: 'reply-failed', error: error.message, ...summary };
  }
}
