import type { CallDirection } from './call-record.ts';
import type { CallStatus } from './call-status.ts';

/**
 * What the agent reads for each status, in the incoming popup and the outgoing call's progress
 * card alike. `no-answer` says "No answer" in both: for an incoming call nobody picked up, for
 * an outgoing one the customer did not.
 */
const LABELS: Record<Exclude<CallStatus, 'queued'>, string> = {
  ringing: 'Ringing',
  'in-progress': 'In progress',
  completed: 'Ended',
  busy: 'Busy',
  'no-answer': 'No answer',
  failed: 'Failed',
  canceled: 'Canceled',
};

/** A queued outgoing call is the provider ringing the agent's own phone first. */
const QUEUED: Record<CallDirection, string> = { inbound: 'Incoming', outbound: 'Calling your phone…' };

export function statusLabel(status: CallStatus, direction: CallDirection): string {
  return status === 'queued' ? QUEUED[direction] : LABELS[status];
}

/** How a status looks: still waiting, talking, over, or over without a conversation. */
export type StatusTone = 'waiting' | 'live' | 'ended' | 'unsuccessful';

const TONES: Record<CallStatus, StatusTone> = {
  queued: 'waiting',
  ringing: 'waiting',
  'in-progress': 'live',
  completed: 'ended',
  canceled: 'ended',
  busy: 'unsuccessful',
  'no-answer': 'unsuccessful',
  failed: 'unsuccessful',
};

export function statusTone(status: CallStatus): StatusTone {
  return TONES[status];
}
