import { type CallView, isFinalStatus } from '@phone-connector/shared';

/**
 * Whether nothing the agent sees will change any more: the call is over and its CRM log, which
 * the relay writes after the end, is neither pending nor failed (a failed log has a Retry on the
 * card: its pending and logged events must still reach that tab). Until then, and for the
 * wrap-up window after it (background/call-forwarding.ts), the background forwards the call's events to
 * the tab that shows it.
 */
export function isCallSettled(call: Pick<CallView, 'status' | 'crm_log'>): boolean {
  const log = call.crm_log?.state;
  return isFinalStatus(call.status) && log !== 'pending' && log !== 'failed';
}
