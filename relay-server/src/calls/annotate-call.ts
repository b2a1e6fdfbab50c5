import type { RelayDeps } from '../deps.ts';
import type { Call, CallNotes, EventEntry } from '../store/index.ts';

/**
 * Sets an agent's notes and disposition on a call they see, in one store transaction, and tells
 * every agent of the call when something changed. Undefined when the agent cannot see the call.
 */
export function annotateCall(deps: Pick<RelayDeps, 'store' | 'publish' | 'now'>, agentId: string, id: number, notes: CallNotes): Call | undefined {
  const { store } = deps;
  const at = deps.now().toISOString();
  const annotated = store.transaction(() => {
    const current = store.callFor(agentId, id);
    if (!current) return undefined;
    const next = {
      notes: notes.notes === undefined ? current.notes : notes.notes,
      disposition: notes.disposition === undefined ? current.disposition : notes.disposition,
    };
    if (next.notes === current.notes && next.disposition === current.disposition) return { call: current, events: [] };
    store.setCallNotes(id, next, at);
    const call = store.callFor(agentId, id)!;
    const entries: EventEntry[] = store.agentIdsOfCall(id).map((agent) => ({ agentId: agent, kind: 'updated' }));
    return { call, events: store.appendEvents(entries, call, at) };
  });
  if (annotated) deps.publish(annotated.events);
  return annotated?.call;
}
