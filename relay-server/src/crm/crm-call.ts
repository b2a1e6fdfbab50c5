import { answeringPhone, type CrmCall, isFinalStatus } from '@phone-connector/shared';
import type { Agent, Call } from '../store/index.ts';

/** The customer's number: whom an outbound call went to, whoever called otherwise. */
export function customerNumber(call: Pick<Call, 'direction' | 'from_number' | 'to_number'>): string | null {
  return call.direction === 'outbound' ? call.to_number : call.from_number;
}

/** The call as `log_call` and `update_call` see it; `agent` is the one who took or placed it. */
export function toCrmCall(call: Call, agent: Agent | undefined): CrmCall {
  return {
    id: call.id,
    call_id: call.call_id,
    direction: call.direction ?? 'inbound',
    customer_number: customerNumber(call) ?? '',
    agent_number: answeringPhone(call) ?? call.user_number ?? agent?.number ?? null,
    agent_name: agent?.name ?? null,
    agent_email: agent?.email ?? null,
    status: call.status,
    ...callTimes(call),
    duration: call.duration,
    notes: call.notes,
    disposition: call.disposition,
    recording_url: call.recording_url,
    contact_id: call.contact?.id ?? null,
    contact_kind: call.contact?.kind ?? null,
  };
}

/**
 * When the call started and ended: the provider's times, else the relay's own knowledge. A call
 * started when the relay first heard of it, and a final call ended its duration later. Twilio
 * sends no start time (only the end, as the completed callback's Timestamp) and SignalWire no
 * time at all: without this, an hour-long call would show in the CRM as starting and ending at
 * the moment it was logged.
 */
function callTimes(call: Call): Pick<CrmCall, 'started_at' | 'ended_at'> {
  const started = call.started_at ?? call.created_at;
  if (call.ended_at !== null || call.duration === null || !isFinalStatus(call.status)) return { started_at: started, ended_at: call.ended_at };
  return { started_at: started, ended_at: new Date(Date.parse(started) + call.duration * 1000).toISOString() };
}
