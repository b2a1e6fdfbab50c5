import { type CallView, isCallStatus } from '@phone-connector/shared';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { callActions } from '../content/call-actions.ts';
import { CallProgressCard } from '../content/ui/CallProgressCard.tsx';
import { LinkTarget } from '../content/ui/link-target.ts';
import { type PlacedCallNow, sendToBackground } from '../messages.ts';

export interface CallsUnderWay {
  /** The cards shown, newest first: the calls under way, and those that ended while the popup was open. */
  cards: PlacedCallNow[];
  /** Asks the background again (a call was placed). */
  refresh(): Promise<void>;
  /** A relay event about a call: its card, if it has one, shows the call as it now is. */
  showCall(call: CallView): void;
  dismiss(key: string): void;
}

/**
 * The calls placed from this browser still under way, as the background knows them, followed
 * while the popup is open. A call that ends keeps its card (saying how it ended, with its
 * wrap-up) until the agent dismisses it or closes the popup.
 */
export function useCallsUnderWay(): CallsUnderWay {
  const [cards, setCards] = useState<PlacedCallNow[]>([]);
  const dismissed = useRef(new Set<string>());

  const refresh = useCallback(async () => {
    let answer;
    try {
      answer = await sendToBackground('placed-calls', {});
    } catch {
      return; // The service worker is starting: the next event asks again.
    }
    if (!answer?.ok) return;
    const underWay = answer.calls.filter((call) => !dismissed.current.has(call.key));
    setCards((shown) => {
      const ended = shown.filter((card) => !underWay.some((call) => call.key === card.key));
      // Newest first: the background lists them so, and a card that ended stays where it was, after the newer ones.
      return [...underWay, ...ended];
    });
  }, []);

  const showCall = useCallback((call: CallView) => {
    const now = Date.now();
    setCards((shown) =>
      shown.map((card) => {
        if (card.callId !== call.call_id || card.instanceId !== call.instance_id) return card;
        // Answered while the popup is open: its timer counts from now, as the background's does (it heard the same event).
        const answeredAt = card.answeredAt ?? (call.status === 'in-progress' ? now : undefined);
        return { ...card, call, ...(isCallStatus(call.status) ? { state: call.status } : {}), ...(answeredAt !== undefined ? { answeredAt } : {}) };
      }),
    );
  }, []);

  const dismiss = useCallback((key: string) => {
    dismissed.current.add(key);
    setCards((shown) => shown.filter((card) => card.key !== key));
  }, []);

  useEffect(() => void refresh(), [refresh]);
  return { cards, refresh, showCall, dismiss };
}

/**
 * The cards of the calls under way, at the top of the toolbar popup, as a page shows a call it
 * placed: who is called, the status, Cancel or Hang up where the connector can end the call.
 * A call placed from the dial box with no CRM tab to show it, or from a tab the agent has
 * left, can be followed and ended here.
 */
export function CallsUnderWayCards({ underWay }: { underWay: CallsUnderWay }) {
  if (underWay.cards.length === 0) return null;
  return (
    <div class="pc-under-way" data-testid="calls-under-way">
      <LinkTarget.Provider value="_blank">
        {underWay.cards.map((card) => (
          <UnderWayCard key={card.key} card={card} underWay={underWay} />
        ))}
      </LinkTarget.Provider>
    </div>
  );
}

function UnderWayCard({ card, underWay }: { card: PlacedCallNow; underWay: CallsUnderWay }) {
  const { key, shownTo, state, detail, answeredAt, call, canHangUp } = card;
  const actions = useMemo(() => (call ? callActions(call, underWay.showCall) : undefined), [call?.id, call?.instance_id, underWay.showCall]);
  return (
    <div data-pc-under-way={key}>
      <CallProgressCard
        to={shownTo}
        state={state}
        detail={detail}
        durationSeconds={call?.duration ?? undefined}
        answeredAt={answeredAt}
        call={call && actions ? { view: call, actions } : undefined}
        onHangUp={canHangUp ? () => sendToBackground('hang-up-call', { key }) : undefined}
        onDismiss={() => underWay.dismiss(key)}
      />
    </div>
  );
}
