import { followCallChange, logWithChange } from '../crm/call-log.ts';
import { customerNumber } from '../crm/crm-call.ts';
import { identifyFromCache, lookUpCaller, type PendingLookup } from '../crm/identify-caller.ts';
import type { RelayDeps } from '../deps.ts';
import type { Agent, AgentEvent, Call, EventEntry, Instance } from '../store/index.ts';
import { type CallState, type CallUpdate, mergeCall, mergeReport, sameState } from './merge.ts';
import type { Audience } from './routing.ts';

/** News of a call: a provider's webhook or the extension's report of a call it placed. */
export interface CallNews {
  /**
   * The instance the news came through, as its caller read it (the webhook guard, the agent's
   * report): read once and handed on to the CRM side, rather than read again in the transaction.
   */
  instance: Instance;
  callId: string;
  update: CallUpdate;
  /** The extension's report of a call it placed: it fills what the provider's webhooks left blank (`mergeReport`). */
  reported?: boolean;
  audience: Audience;
  /** An incoming call's news, settled once routing named its agents (hooks/while-away.ts). */
  whileAway?: RoutedNews;
}

/** News that depends on whom the call reaches: given the agents routing named, the update to merge. */
export interface RoutedNews {
  routed(update: CallUpdate, agents: readonly Agent[], before: Call | undefined, at: string): CallUpdate;
}

export interface RecordedCall {
  call: Call;
  created: boolean;
  /** Every agent the call reaches, those it already reached first. */
  agents: Agent[];
  /** One per agent that must hear about it: `created` for agents new to the call, `updated` for the others when something changed. */
  events: AgentEvent[];
}

/**
 * The one way a call is recorded: in one store transaction, route it, merge the news into it,
 * save it, link its new agents, bring its CRM side along (a cached contact, the CRM log's outbox
 * row) and append their events; then push the committed events. A new call whose caller is not
 * in the lookup cache is looked up after the commit, off the webhook's path.
 */
export async function recordCall(deps: Pick<RelayDeps, 'store' | 'publish' | 'hold' | 'crm' | 'log' | 'now'>, news: CallNews): Promise<RecordedCall> {
  const at = deps.now().toISOString();
  const recorded = await deps.store.transaction(async (tx): Promise<RecordedCall & { lookup?: PendingLookup }> => {
    const { instance } = news;
    const before = await tx.callByKey(instance.uid, news.callId);
    // A new call has no agents yet: one round trip less on every first webhook of a call. A known
    // call's agents in one read, not their ids and then the agents (issue 13).
    const known = before ? await tx.callAgents(instance.uid, news.callId) : [];
    // The call's agents, those it already reached first, and their ids: pushed, not spread and
    // mapped from `known`, whose elements kind is that of the tier of the code that built it
    // (see below); `ingestWebhook`, optimised for one kind of `agents`, was thrown away on the
    // other late in the bench's warm-up and compiled again in its measured phase (issue 13).
    const agents: Agent[] = [];
    const knownIds: string[] = [];
    for (const agent of known) {
      agents.push(agent);
      knownIds.push(agent.id);
    }
    const routed = await news.audience({ call: before, agents: known }, tx, at);
    // One pass with a set: comparing every routed agent with the others cost a million comparisons
    // for a call to 1,000 agents sharing the team number (issue 13).
    const linkedIds = new Set(knownIds);
    // The arrays handed to the store are pushed, not mapped from the agents added: `map` builds a
    // holey array in optimised code and a packed one in the builtin, and the store's code,
    // optimised for one, was thrown away for the other each time this function changed tier
    // (issue 13).
    const addedIds: string[] = [];
    const entries: EventEntry[] = [];
    for (const agent of routed) {
      if (linkedIds.has(agent.id)) continue;
      linkedIds.add(agent.id);
      agents.push(agent);
      addedIds.push(agent.id);
      entries.push({ agentId: agent.id, kind: 'created' });
    }
    const update = news.whileAway ? news.whileAway.routed(news.update, agents, before, at) : news.update;
    const state = news.reported ? mergeReport(before, update) : mergeCall(before, update);
    if (state.extra.answered_by !== before?.extra.answered_by) nameWhoAnswered(state, agents);
    const changed = !before || !sameState(before, state);
    // A known call that the news ends has its CRM log made pending in the statement that stores its state.
    const crmLog = before && changed ? logWithChange(instance, before, state) : undefined;
    let id: number;
    if (!before) id = await tx.insertCall(instance.uid, news.callId, state, at);
    else {
      id = before.id;
      if (changed) await tx.updateCall(id, state, at, crmLog);
    }
    // An update of a known call links no one, most of the time: no statement, no promise.
    if (addedIds.length > 0) await tx.linkAgents(addedIds, id);
    const current = before ? (changed ? { ...before, ...state, crm_log: crmLog ?? before.crm_log, updated_at: at } : before) : newCall(id, news, state, at);
    const identified = callerToIdentify(before, current) ? await identifyFromCache(deps, tx, instance, current) : { call: current };
    const call = changed ? await followCallChange(deps, tx, instance, before, identified.call) : identified.call;
    if (before && changed) for (const agentId of knownIds) entries.push({ agentId, kind: 'updated' });
    // The transaction's last statement: a store may send the commit behind it.
    return { call, created: !before, agents, events: await tx.appendEvents(entries, call, at, { last: true }), lookup: identified.pending };
  });
  const { lookup, ...result } = recorded;
  if (lookup) lookUpCaller(deps, lookup, result.events);
  else deps.publish(result.events);
  return result;
}

/**
 * Puts the name of the call's agent whose phone took it (a connector's `answered_by`) beside that
 * number as `answered_by_name`, for the colleagues' popups: read from the agents the call reached,
 * which the transaction has at hand.
 */
function nameWhoAnswered(state: CallState, agents: readonly Agent[]): void {
  const name = agents.find((agent) => agent.number === state.extra.answered_by)?.name;
  if (name) state.extra.answered_by_name = name;
  else delete state.extra.answered_by_name;
}

/**
 * A call just inserted, as the store reads it back (its columns' order and defaults), built
 * rather than read: one statement less on every new call. Field by field, in the order the store
 * builds its rows (`callOfValues`): V8 then gives it the map of a call read back (an object rest
 * and a spread gave it one of its own, `%HaveSameMap`), so what reads calls (the event's JSON, the
 * CRM's checks) sees one shape for new calls and updates (issue 13).
 */
function newCall(id: number, news: CallNews, state: CallState, at: string): Call {
  return {
    id,
    instance_id: news.instance.localId,
    call_id: news.callId,
    direction: state.direction,
    status: state.status,
    status_raw: state.status_raw,
    from_number: state.from_number,
    to_number: state.to_number,
    user_number: state.user_number,
    duration: state.duration,
    started_at: state.started_at,
    ended_at: state.ended_at,
    recording_url: state.recording_url,
    notes: null,
    disposition: null,
    created_at: at,
    updated_at: at,
    new_contact_url: null,
    extra: state.extra,
    contact: null,
    contacts: [],
    crm_log: null,
  };
}

/**
 * Whether the call's customer is to be looked up now: once its direction, and so which number is
 * the customer's, is known, and again if that number changes before anyone matched. A provider's
 * status webhook can tell of a placed call before the extension's report does, and says nothing
 * of its direction.
 */
function callerToIdentify(before: Call | undefined, after: Call): boolean {
  if (after.direction === null || after.contact !== null || after.contacts.length > 0) return false;
  const number = customerNumber(after);
  return number !== null && (!before || before.direction === null || customerNumber(before) !== number);
}
