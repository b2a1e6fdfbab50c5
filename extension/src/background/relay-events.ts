import type { CallView } from '@phone-connector/shared';
import type { CallEvent } from '../relay/relay-socket.ts';
import { sendToPages } from '../messages.ts';
import { noteMissedCall } from '../missed-calls.ts';
import { lastSeq } from '../storage.ts';

/** What reacts to a call the relay pushes: the incoming popups, or the progress of a call we placed. */
interface CallEventSink {
  onRelayCall(call: CallView): Promise<void>;
}

/**
 * Hands each relay event to the side of the call it is about, once (an inbound one also counts
 * toward the missed calls' badge), and tells our open pages (`pages`: the toolbar popup's recent
 * calls). After a reconnect the relay replays from the seq we sent, so an event at or below the
 * stored `lastSeq` was handled before (seqs increase, not always by one: a missed event is the
 * socket's to find, `RelaySocket`). The seq is stored only once the event is handled, so a
 * worker stopped midway handles it again rather than losing it.
 */
export function routeRelayEvents(incoming: CallEventSink, outbound: CallEventSink, pages: (call: CallView) => Promise<void> = (call) => sendToPages('call-changed', { call })) {
  return async (event: CallEvent): Promise<void> => {
    const stored = await lastSeq.getValue();
    if (stored !== null && event.seq <= stored) return;
    if (event.call.direction === 'inbound') {
      await incoming.onRelayCall(event.call);
      await noteMissedCall(event.call);
    } else {
      await outbound.onRelayCall(event.call);
    }
    await pages(event.call);
    await lastSeq.setValue(event.seq);
  };
}
