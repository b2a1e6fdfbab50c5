import type { CallNotes as CallNotesBody } from '@phone-connector/shared';
import { crmFields, followCallChange } from '../crm/call-log.ts';
import type { RelayDeps } from '../deps.ts';
import { type Agent, appendUpdated, type Call } from '../store/index.ts';

export type Annotation = { ok: true; call: Call } | { ok: false; status: 404 | 409 | 422; error: string };

/**
 * Sets an agent's notes, disposition and chosen contact (`contact_id`, one of the call's
 * `contacts`) on a call they see, in one store transaction with the CRM work it causes (the
 * call's CRM record follows), and tells every agent of the call when something changed.
 *
 * The notes and disposition of a team's call that a colleague took are the colleague's: the
 * call's one record holds one agent's wrap-up, and another agent's would replace it.
 */
export async function annotateCall(deps: Pick<RelayDeps, 'store' | 'publish' | 'crm' | 'now'>, agent: Pick<Agent, 'id' | 'number'>, id: number, body: CallNotesBody): Promise<Annotation> {
  const at = deps.now().toISOString();
  const annotated = await deps.store.transaction(async (tx) => {
    const current = await tx.callFor(agent.id, id);
    if (!current) return { ok: false as const, status: 404 as const, error: 'no such call' };
    const contact = body.contact_id === undefined ? current.contact : current.contacts.find((c) => c.id === body.contact_id);
    if (contact === undefined) {
      const known = current.contacts.map((c) => c.id).join(', ') || 'none';
      return { ok: false as const, status: 422 as const, error: `contact_id "${body.contact_id}" is not one of the call's contacts (${known})` };
    }
    const next = {
      notes: body.notes === undefined ? current.notes : body.notes,
      disposition: body.disposition === undefined ? current.disposition : body.disposition,
    };
    const notesChanged = next.notes !== current.notes || next.disposition !== current.disposition;
    const colleague = notesChanged ? colleagueWhoTook(current, agent) : undefined;
    if (colleague) return { ok: false as const, status: 409 as const, error: `${colleague} took this call: its notes and disposition are theirs to write` };
    const contactChanged = contact?.id !== current.contact?.id;
    if (!notesChanged && !contactChanged) return { ok: true as const, call: current, events: [] };
    if (notesChanged) await tx.setCallNotes(id, next, at);
    if (contactChanged) await tx.setCallCrm(id, { ...crmFields(current), contact }, at);
    const instance = await tx.instanceOfCall(id);
    const after = (await tx.callFor(agent.id, id))!;
    const call = instance ? await followCallChange(deps, tx, instance, current, after) : after;
    return { ok: true as const, call, events: await appendUpdated(tx, call, at) };
  });
  if (!annotated.ok) return annotated;
  deps.publish(annotated.events);
  return { ok: true, call: annotated.call };
}

/** The name of the colleague whose phone took the incoming call (`record-call.ts` names them), when it was not `agent`'s. */
function colleagueWhoTook(call: Call, agent: Pick<Agent, 'number'>): string | undefined {
  const name = call.direction === 'inbound' ? call.extra.answered_by_name : undefined;
  return name && call.extra.answered_by !== agent.number ? name : undefined;
}
