import type { CallStatus, CallView } from '@phone-connector/shared';
import { safeLink } from './content/ui/safe-link.ts';
import { missedCalls } from './storage.ts';

/** How an inbound call ends when nobody took it (shared/src/record/call-status.ts): the agent may want to call back. */
const MISSED_STATUSES: ReadonlySet<CallStatus> = new Set(['no-answer', 'busy', 'canceled', 'failed']);

export function isMissedCall(call: Pick<CallView, 'direction' | 'status'>): boolean {
  return call.direction === 'inbound' && call.status !== null && MISSED_STATUSES.has(call.status);
}

/** A message the caller left on a missed call (the connector's voicemail): its link, and its length when the provider said. */
export interface Voicemail {
  url: string;
  seconds?: number;
}

/**
 * The caller's message on a missed call: the recording of a call nobody took is one (Twilio's
 * `<Record>` after the `<Dial>` rang out; `recording_duration` its seconds), unless the connector
 * says it is the call's own (`extra.recording_of` `call`: Vonage records a call from its start,
 * the phones' ringing included). Only a web address: it comes from a webhook, through a
 * connector anyone may write.
 */
export function voicemailOf(call: Pick<CallView, 'direction' | 'status' | 'recording_url' | 'extra'>): Voicemail | undefined {
  const url = isMissedCall(call) && call.extra.recording_of !== 'call' ? safeLink(call.recording_url) : undefined;
  if (!url) return undefined;
  const seconds = Number(call.extra.recording_duration);
  return Number.isInteger(seconds) && seconds > 0 ? { url, seconds } : { url };
}

/**
 * What became of a missed call since, from the calls listed with it: someone called the number
 * back (a call placed to it, whatever its outcome), or the caller called again and was answered.
 * The relay numbers calls in the order they began, so a later call has a higher id.
 */
export function followUpOf(missed: Pick<CallView, 'id' | 'from_number'>, calls: readonly Pick<CallView, 'id' | 'direction' | 'status' | 'from_number' | 'to_number'>[]): 'called-back' | 'answered-later' | undefined {
  const number = missed.from_number;
  if (!number) return undefined;
  let found: 'called-back' | 'answered-later' | undefined;
  for (const call of calls) {
    if (call.id <= missed.id) continue;
    if (call.direction === 'outbound' && call.to_number === number) return 'called-back';
    if (call.direction === 'inbound' && call.from_number === number && call.status === 'completed') found = 'answered-later';
  }
  return found;
}

/** How many missed calls' voicemails are remembered as counted: far more than a list shows. */
const COUNTED_VOICEMAILS = 50;

/**
 * Counts a call the relay pushed as unseen when it is a missed inbound call the toolbar list
 * has not shown yet. Providers repeat final webhooks and the relay pushes each: the id is
 * counted once. The caller's message comes after the call was missed, often once the agent saw
 * it: it makes the call unseen again, once. A call first reported missed may end up answered
 * (Vonage: the caller's leg can end before the agent's, which then says completed): it leaves
 * the count.
 */
export async function noteMissedCall(call: CallView): Promise<void> {
  if (isMissedCall(call)) {
    const state = await missedCalls.getValue();
    const counted = state.voicemails ?? [];
    if (voicemailOf(call) && !counted.includes(call.id)) {
      const unseen = state.unseen.includes(call.id) ? state.unseen : [...state.unseen, call.id];
      await missedCalls.setValue({ ...state, unseen, voicemails: [...counted, call.id].slice(-COUNTED_VOICEMAILS) });
      return;
    }
    if (call.id <= state.seenThrough || state.unseen.includes(call.id)) return;
    await missedCalls.setValue({ ...state, unseen: [...state.unseen, call.id] });
  } else if (call.direction === 'inbound' && call.status === 'completed') {
    // Only an ended inbound call can leave the count: the events of a call still ringing read nothing.
    const state = await missedCalls.getValue();
    if (state.unseen.includes(call.id)) await missedCalls.setValue({ ...state, unseen: state.unseen.filter((id) => id !== call.id) });
  }
}

/** The toolbar list showed these calls: they, and every missed call before them, are seen. */
export async function markMissedCallsSeen(shown: Pick<CallView, 'id'>[]): Promise<void> {
  const state = await missedCalls.getValue();
  const seenThrough = Math.max(state.seenThrough, ...shown.map((call) => call.id));
  // A call missed while the list was loading has a higher id and stays unseen.
  await missedCalls.setValue({ ...state, seenThrough, unseen: state.unseen.filter((id) => id > seenThrough) });
}
