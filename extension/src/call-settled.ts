import { type CallView, isFinalStatus } from '@phone-connector/shared';

/**
 * Whether nothing the agent sees will change any more: the call is over and its CRM log, which
 * the relay writes after the end, is no longer pending. Until then the background keeps
 * forwarding the call's events to the tab that shows it.
 */
export function isCallSettled(call: Pick<CallView, 'status' | 'crm_log'>): boolean {
  return isFinalStatus(call.status) && call.crm_log?.state !== 'pending';
}
