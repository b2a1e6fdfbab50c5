import type { CallRecord, WebhookEvent } from '@phone-connector/shared';
import { type Agent, type AgentDirectory, type Call, type CallLog, isAwayAt } from '../store/index.ts';

/** What the store knows of a call when news of it arrives. */
export interface KnownCall {
  /** Undefined for a call the relay has not seen. */
  call: Call | undefined;
  /** The agents it was routed to, oldest agent first. */
  agents: Agent[];
}

/**
 * Where routing finds agents: by number first (an indexed read), and all of them only when no
 * number matches, so a new call costs the same with 1 agent or 10,000 (issue 13); and who is on a
 * call, for a team's call only.
 */
export type AgentLookup = Pick<AgentDirectory, 'agentsWithNumber' | 'listAgents'> & Pick<CallLog, 'agentsOnCalls'>;

/** The agents news of a call must reach besides those it already reaches, the news arriving at `at` (ISO time). */
export type Audience = (known: KnownCall, agents: AgentLookup, at: string) => Promise<readonly Agent[]>;

/**
 * How long a call the provider never said ended keeps its agent busy: a lost status callback
 * must not keep an agent out of the team's calls for good. Few calls last longer.
 */
export const ON_CALL_AT_MOST_MS = 4 * 60 * 60 * 1000;

/**
 * The agents on a call at `at`, by id: the calls begun within `ON_CALL_AT_MOST_MS` before it that
 * can keep one busy. What routing reads, and what `GET /team` and `relay agent list` show.
 */
export async function agentsOnCallAt(calls: Pick<CallLog, 'agentsOnCalls'>, at: Date): Promise<Set<string>> {
  return new Set(await calls.agentsOnCalls(new Date(at.getTime() - ON_CALL_AT_MOST_MS).toISOString()));
}

/**
 * Who hears about a call the relay has not seen before. Outgoing-call webhooks belong to the
 * agent who owns the instance. So does every call on an instance an agent (not an admin)
 * registered: any agent can register one and post to its callback URLs, so an incoming call
 * it names a colleague in could otherwise be fabricated onto that colleague's screen. An
 * incoming call on an admin's instance (the team's number) goes to the agents whose number is
 * the record's `user_number`, else its `to_number`, else to every agent (Vtiger's rule). Of
 * those, it rings the ones free to take it (`ringable`).
 */
export async function routeNewCall(event: WebhookEvent, record: CallRecord, owner: Agent, agents: AgentLookup, at: string): Promise<Agent[]> {
  if (event !== 'incoming' || !owner.admin) return [owner];
  for (const number of [record.user_number, record.to_number]) {
    if (!number) continue;
    const matching = await agents.agentsWithNumber(number);
    if (matching.length > 0) return ringable(matching, agents, at);
  }
  return ringable(await agents.listAgents(), agents, at);
}

/**
 * Of the agents a team's call may ring, those free to take it: the agents who are away are left
 * out while any is available, then the agents on a call (one they placed, or an incoming one
 * their phone took) while any available one is not, so a colleague on the phone hears no call
 * waiting while another is free. A call to one agent's own number rings that agent, away or on
 * a call (nobody else takes their line's calls); when every agent is away the team's call rings
 * them all, and when every available agent is on a call it rings those, as a caller must never
 * be left with no phone to ring (the reply would have no number to dial).
 */
async function ringable(agents: Agent[], lookup: AgentLookup, at: string): Promise<Agent[]> {
  // An agent whose return time has come is available, whether or not the relay's clock cleared it yet.
  const now = new Date(at);
  const available = narrowed(agents, (agent) => !isAwayAt(agent, now));
  if (available.length < 2) return available;
  const onCalls = await agentsOnCallAt(lookup, now);
  return narrowed(available, (agent) => !onCalls.has(agent.id));
}

/** The agents `keep` keeps, or all of them when it keeps none. */
function narrowed(agents: Agent[], keep: (agent: Agent) => boolean): Agent[] {
  if (agents.every(keep)) return agents;
  const kept = agents.filter(keep);
  return kept.length > 0 ? kept : agents;
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
  return async (known, agents, at) => {
    const ownerOnly = known.agents.length === 1 && known.agents[0]!.id === owner.id;
    const placedByAgent = known.call?.direction === 'outbound';
    const reroute = event === 'incoming' && ownerOnly && !placedByAgent;
    const routed = known.agents.length === 0 || reroute ? await routeNewCall(event, record, owner, agents, at) : [];
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
