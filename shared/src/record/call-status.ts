/**
 * The canonical call statuses and the rules every part applies to them: the engine maps
 * provider words onto them, the relay merges webhooks with them, the extension shows them.
 */

/** Every status, in the order a call goes through them; the final ones last. */
export const CALL_STATUSES = ['queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** How far along a call is; the final statuses share the last stage. */
const STAGE: Record<CallStatus, number> = { queued: 0, ringing: 1, 'in-progress': 2, completed: 3, busy: 3, 'no-answer': 3, failed: 3, canceled: 3 };

/** Statuses after which nothing more happens to a call. */
export const FINAL_STATUSES: ReadonlySet<CallStatus> = new Set(CALL_STATUSES.filter((status) => STAGE[status] === STAGE.completed));

export function isCallStatus(value: unknown): value is CallStatus {
  return (CALL_STATUSES as readonly unknown[]).includes(value);
}

export function isFinalStatus(status: string | null | undefined): boolean {
  return isCallStatus(status) && FINAL_STATUSES.has(status);
}

/**
 * Whether a call at `from` may move to `to`. Providers retry and reorder webhooks, so a late
 * `ringing` after `completed` is dropped; one final status may replace another (a provider
 * that said `no-answer` may correct itself to `completed`).
 */
export function isStatusForward(from: CallStatus | null, to: CallStatus): boolean {
  return from === null || STAGE[to] >= STAGE[from];
}

/** Statuses of a call someone took: in progress, or ended after a conversation. */
export const ANSWERED_STATUSES: readonly CallStatus[] = ['in-progress', 'completed'];

/** How far along a call at `status` is: the statuses of one call's events never go down. */
export function statusStage(status: CallStatus): number {
  return STAGE[status];
}
