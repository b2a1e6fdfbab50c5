import type { RelayDeps } from '../deps.ts';
import { appendUpdated, type Call } from '../store/index.ts';

export type CrmLogRetry = { ok: true; call: Call } | { ok: false; status: 404 | 409; error: string };

/**
 * `POST /calls/:id/crm-log/retry`: a log that failed for good (the CRM refused it: bad
 * credentials, a validation error) is queued again once the cause is fixed, as a fresh row.
 */
export async function retryCrmLog(deps: Pick<RelayDeps, 'store' | 'publish' | 'crm' | 'now'>, agentId: string, id: number): Promise<CrmLogRetry> {
  const at = deps.now().toISOString();
  const retried = await deps.store.transaction(async (tx) => {
    const call = await tx.callFor(agentId, id);
    if (!call) return { ok: false as const, status: 404 as const, error: 'no such call' };
    if (call.crm_log?.state !== 'failed') return { ok: false as const, status: 409 as const, error: `only a failed CRM log can be retried; this one is ${call.crm_log?.state ?? 'not due (no CRM, or the call is not over)'}` };
    const instance = await tx.instanceOfCall(id);
    if (!instance?.crm) return { ok: false as const, status: 409 as const, error: "the call's instance has no CRM any more" };
    await tx.setCallCrmLog(id, { ...call.crm_log, state: 'pending', error: null }, at);
    // The CRM refused the last attempt, so nothing landed: no need to ask it first.
    await tx.putCrmWork({ callId: id, instanceUid: instance.uid, state: 'queued', dueAt: at, attempts: 0, lastError: null, again: false, uncertain: false, lease: null, createdAt: at });
    const updated = (await tx.callFor(agentId, id))!;
    return { ok: true as const, call: updated, events: await appendUpdated(tx, updated, at) };
  });
  if (!retried.ok) return retried;
  deps.publish(retried.events);
  deps.crm.wake();
  return { ok: true, call: retried.call };
}
