import type { CrmCall } from '@phone-connector/shared';
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
    agent_number: call.user_number ?? agent?.number ?? null,
    agent_name: agent?.name ?? null,
    agent_email: agent?.email ?? null,
    status: call.status,
    started_at: call.started_at,
    ended_at: call.ended_at,
    duration: call.duration,
    notes: call.notes,
    disposition: call.disposition,
    recording_url: call.recording_url,
    contact_id: call.contact?.id ?? null,
  };
}
