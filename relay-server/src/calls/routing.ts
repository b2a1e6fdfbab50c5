import type { CallRecord, WebhookEvent } from '@phone-connector/shared';
import type { Agent, AgentDirectory, Call } from '../store/index.ts';

/** What the store knows of a call when news of it arrives. */
export interface KnownCall {
  /** Undefined for a call the relay has not seen. */
  call: Call | undefined;
  /** The agents it was routed to, oldest agent first. */
  agents: Agent[];
}

/**
 * Where routing finds agents: by number first (an indexed read), and all of them only when no
 * number matches, so a new call costs the same with 1 agent or 10,000 (issue 13).
 */
export type AgentLookup = Pick<AgentDirectory, 'agentsWithNumber' | 'listAgents'>;

/** The agents news of a call must reach besides those it already reaches. */
export type Audience = (known: KnownCall, agents: AgentLookup) => Promise<readonly Agent[]>;

/**
 * Who hears about a call the relay has not seen before. Outgoing-call webhooks belong to the
 * agent who owns the instance. So does every call on an instance an agent (not an admin)
 * registered: any agent can register one and post to its callback URLs, so an incoming call
 * it names a colleague in could otherwise be fabricated onto that colleague's screen. An
 * incoming call on an admin's instance (the team's number) goes to the agents whose number is
 * the record's `user_number`, else its `to_number`, else to every agent (Vtiger's rule). Of
 * those, the agents who are away are left out while any is available: a team's call rings the
 * available agents; a call to one agent's own number rings that agent, away or not (nobody else
 * takes their line's calls); and a team whose every agent is away is rung whole, as a caller
 * must never be left with no phone to ring (the reply would have no number to dial).
 */
export async function routeNewCall(event: WebhookEvent, record: CallRecord, owner: Agent, agents: AgentLookup): Promise<Agent[]> {
  if (event !== 'incoming' || !owner.admin) return [owner];
  for (const number of [record.user_number, record.to_number]) {
    if (!number) continue;
    const matching = await agents.agentsWithNumber(number);
    if (matching.length > 0) return availableOf(matching);
  }
  return availableOf(await agents.listAgents());
}

/** The agents who are not away, or all of them when every one is. */
function availableOf(agents: Agent[]): Agent[] {
  if (!agents.some((agent) => agent.awaySince !== null)) return agents;
  const available = agents.filter((agent) => agent.awaySince === null);
  return available.length > 0 ? available : agents;
}

/**
 * Who a webhook's call reaches. A known call keeps the agents it was routed to (a retry rings
 * the same people). But when only a status webhook had been seen (routed to the owner alone:
 * Vonage may send the caller leg's events before the answer request), the incoming webhook
 * routes it as incoming — unless the call is one the agent placed (Africa's Talking posts its
 * answer there too). And an incoming call on an admin's instance reaches the agent whose phone
 * took it (the record's `answered_by`), whom routing may not have named: a call CloudAgent first
 * reported through its events (the owner alone), a call routed to the agents of its user number
 * that a colleague's phone took. That agent's popup then has the wrap-up, and the CRM log names
 * them.
 */
export function webhookAudience(event: WebhookEvent, record: CallRecord, owner: Agent): Audience {
  return async (known, agents) => {
    const ownerOnly = known.agents.length === 1 && known.agents[0]!.id === owner.id;
    const placedByAgent = known.call?.direction === 'outbound';
    const reroute = event === 'incoming' && ownerOnly && !placedByAgent;
    const routed = known.agents.length === 0 || reroute ? await routeNewCall(event, record, owner, agents) : [];
    const taker = takerToReach(record, known.call?.direction ?? record.direction, owner);
    return taker ? [...routed, ...(await agents.agentsWithNumber(taker))] : routed;
  };
}

/**
 * The number that took an incoming call on an admin's instance (the team's number, whose calls
 * may ring any agent), whose agents the call must reach; none elsewhere: an agent's own instance
 * cannot name a colleague.
 */
function takerToReach(record: CallRecord, direction: CallRecord['direction'], owner: Agent): string | undefined {
  return owner.admin && direction === 'inbound' ? record.answered_by : undefined;
}
