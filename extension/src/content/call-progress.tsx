import { formatForDisplay, isFinalStatus } from '@phone-connector/shared';
import type { CallProgressState } from '../messages.ts';
import { CallProgressCard } from './ui/CallProgressCard.tsx';
import { mountCard } from './ui/mount.ts';

const CLOSE_AFTER_END_MS = 5000;
/** Errors stay longer: the agent has to read why the call did not go through. */
const CLOSE_AFTER_ERROR_MS = 20000;

/** Progress cards of the calls placed from this page, one per call. */
export class CallProgressCards {
  private readonly cards = new Map<string, { update(node: preact.ComponentChild): void; remove(): void; timer?: ReturnType<typeof setTimeout> }>();

  constructor(
    private readonly doc: Document,
    private readonly country: () => string,
  ) {}

  update(key: string, to: string, state: CallProgressState, detail?: string, durationSeconds?: number): void {
    const node = <CallProgressCard to={formatForDisplay(to, this.country())} state={state} detail={detail} durationSeconds={durationSeconds} onDismiss={() => this.close(key)} />;
    let card = this.cards.get(key);
    if (card) card.update(node);
    else {
      const mounted = mountCard(this.doc, { 'data-pc-progress': key }, node);
      card = { update: mounted.update, remove: mounted.remove };
      this.cards.set(key, card);
    }
    clearTimeout(card.timer);
    if (state === 'error') card.timer = setTimeout(() => this.close(key), CLOSE_AFTER_ERROR_MS);
    else if (isFinalStatus(state)) card.timer = setTimeout(() => this.close(key), CLOSE_AFTER_END_MS);
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
