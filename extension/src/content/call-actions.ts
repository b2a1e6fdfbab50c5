import type { CallNotes, CallView } from '@phone-connector/shared';
import { type DispositionsAnswer, sendToBackground } from '../messages.ts';

/** What the popup and the progress card ask about a relay call; the background checks and asks the relay. */
export interface CallActions {
  /** Notes, disposition or the picked contact (`PATCH /calls/:id`). */
  update(patch: CallNotes): Promise<{ ok: true } | { ok: false; error: string }>;
  /** A failed CRM log, queued again. */
  retryLog(): Promise<{ ok: true } | { ok: false; error: string }>;
  dispositions(): Promise<DispositionsAnswer>;
}

/**
 * The actions on one relay call. The relay answers with the call as it now is, which `show`
 * puts on screen at once: the picked contact's name, the log pending again, without waiting
 * for the event that follows.
 */
export function callActions(call: Pick<CallView, 'id' | 'instance_id'>, show: (call: CallView) => void): CallActions {
  const shown = async (answer: Promise<{ ok: true; call: CallView } | { ok: false; error: string }>) => {
    const result = await answer;
    if (!result.ok) return result;
    show(result.call);
    return { ok: true as const };
  };
  return {
    update: (patch) => shown(sendToBackground('update-call', { callId: call.id, patch })),
    retryLog: () => shown(sendToBackground('retry-crm-log', { callId: call.id })),
    dispositions: async () => (call.instance_id ? sendToBackground('crm-dispositions', { instanceId: call.instance_id }) : { ok: true, dispositions: [] }),
  };
}
