import { isFinalStatus } from '@phone-connector/shared';
import { type Message, sendToBackground, type TabMessages } from '../messages.ts';
import { type CallActions, callActions } from './call-actions.ts';
import { CallProgressCard } from './ui/CallProgressCard.tsx';
import { mountCard } from './ui/mount.ts';

const CLOSE_AFTER_END_MS = 5000;
/** Errors stay longer: the agent has to read why the call did not go through. */
const CLOSE_AFTER_ERROR_MS = 20000;

type Progress = Omit<Message<TabMessages, 'call-progress'>, 'type'>;

interface Card {
  progress: Progress;
  update(node: preact.ComponentChild): void;
  remove(): void;
  /** Set once the relay's view of the call came with an event: the card can then change the call. */
  actions?: CallActions;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * Progress cards of the calls placed from this page, one per call. A call the relay logs in a
 * CRM keeps its card after it ends, for the wrap-up; others close a few seconds later.
 */
export class CallProgressCards {
  private readonly cards = new Map<string, Card>();

  constructor(private readonly doc: Document) {}

  update(progress: Progress): void {
    const { key } = progress;
    let card = this.cards.get(key);
    if (card) card.progress = progress;
    else {
      const mounted = mountCard(this.doc, { 'data-pc-progress': key }, null);
      card = { progress, update: mounted.update, remove: mounted.remove };
      this.cards.set(key, card);
    }
    if (progress.call && !card.actions) {
      // The relay answers with the call as it now is: shown on the card with its latest progress.
      card.actions = callActions(progress.call, (call) => {
        const shown = this.cards.get(key);
        if (shown) this.update({ ...shown.progress, call });
      });
    }
    this.render(card);
    clearTimeout(card.timer);
    const { state, call } = progress;
    if (state === 'error') card.timer = setTimeout(() => this.close(key), CLOSE_AFTER_ERROR_MS);
    else if (isFinalStatus(state) && !call?.crm_log) card.timer = setTimeout(() => this.close(key), CLOSE_AFTER_END_MS);
  }

  private render(card: Card): void {
    const { key, shownTo, state, detail, durationSeconds, answeredAt, call, canHangUp } = card.progress;
    card.update(
      <CallProgressCard
        to={shownTo}
        state={state}
        detail={detail}
        durationSeconds={durationSeconds}
        answeredAt={answeredAt}
        call={call && card.actions ? { view: call, actions: card.actions } : undefined}
        onHangUp={canHangUp ? () => sendToBackground('hang-up-call', { key }) : undefined}
        onDismiss={() => this.close(key)}
      />,
    );
  }

  close(key: string): void {
    const card = this.cards.get(key);
    clearTimeout(card?.timer);
    card?.remove();
    this.cards.delete(key);
  }

  closeAll(): void {
    for (const key of [...this.cards.keys()]) this.close(key);
  }
}
