import type { CallRecord, WebhookEvent } from '@phone-connector/shared';
import type { Agent } from '../store/index.ts';

/**
 * Who hears about a call the relay has not seen before. Outgoing-call webhooks belong to the
 * agent who owns the instance. So does every call on an instance an agent (not an admin)
 * registered: any agent can register one and post to its callback URLs, so an incoming call
 * it names a colleague in could otherwise be fabricated onto that colleague's screen. An
 * incoming call on an admin's instance (the team's number) goes to the agents whose number is
 * the record's `user_number`, else its `to_number`, else to every agent (Vtiger's rule).
 */
export function routeNewCall(event: WebhookEvent, record: CallRecord, owner: Agent, agents: readonly Agent[]): Agent[] {
  if (event !== 'incoming' || !owner.admin) return [owner];
  for (const number of [record.user_number, record.to_number]) {
    if (!number) continue;
    const matching = agents.filter((agent) => agent.number === number);
    if (matching.length > 0) return matching;
  }
  return [...agents];
}
