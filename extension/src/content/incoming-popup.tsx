import { isFinalStatus, type CallView } from '@phone-connector/shared';
import type { PopupContext } from '../messages.ts';
import { callActions } from './call-actions.ts';
import { IncomingPopup } from './ui/IncomingPopup.tsx';
import { mountCard } from './ui/mount.ts';

/** How long an ended call (or one a colleague took) stays on screen, so the agent sees how it ended. */
export const CLOSE_AFTER_END_MS = 4000;

/** How many closed popups' calls a page remembers, so that their later events show nothing. */
const GONE_KEPT = 200;

interface Shown {
  call: CallView;
  /** As the background last gave it: the relay's answers to the agent's own changes carry none. */
  context: PopupContext;
  render(): void;
  remove(): void;
  timer?: ReturnType<typeof setTimeout>;
}

/**
 * One popup per call id: a second event for the same call updates it in place. A call without
 * a CRM closes a few seconds after it ends; one the relay logs in a CRM stays for its wrap-up
 * (dispositions, notes, the log's state) until the agent dismisses it. A call a colleague took
 * is theirs, wrap-up included: it closes a few seconds after they took it. A popup that closed,
 * however, stays closed: its call's later events (the end of a colleague's call, its CRM log,
 * a call the agent dismissed while it rang) show nothing.
 */
export class IncomingPopups {
  private readonly shown = new Map<string, Shown>();
  private readonly gone = new Set<string>();

  constructor(private readonly doc: Document) {}

  show(call: CallView, context: PopupContext = {}): void {
    if (this.gone.has(call.call_id)) return;
    let popup = this.shown.get(call.call_id);
    if (popup) {
      // The relay's answer to the agent's own change and the event about it race: the newer one stays.
      if (call.updated_at < popup.call.updated_at) return;
      popup.call = call;
      popup.context = keptContext(popup.context, context);
      popup.render();
    } else {
      popup = this.mount(call, { ...context });
      this.shown.set(call.call_id, popup);
    }
    const leaves = popup.context.takenBy?.colleague !== undefined || (isFinalStatus(call.status) && call.crm_log === null);
    if (leaves) popup.timer ??= setTimeout(() => this.close(call.call_id), CLOSE_AFTER_END_MS);
    else {
      clearTimeout(popup.timer);
      popup.timer = undefined;
    }
  }

  private mount(call: CallView, context: PopupContext): Shown {
    const actions = callActions(call, (answer) => this.show(answer));
    const node = (shown: Shown) => (
      <IncomingPopup
        call={shown.call}
        nationalNumber={shown.context.shownFrom ?? shown.call.from_number ?? 'Unknown number'}
        searchUrl={shown.context.searchUrl}
        takenBy={shown.context.takenBy}
        actions={actions}
        onDismiss={() => this.close(call.call_id)}
      />
    );
    const shown: Shown = { call, context, render: () => card.update(node(shown)), remove: () => card.remove() };
    const card = mountCard(this.doc, { 'data-pc-popup': call.call_id }, node(shown));
    return shown;
  }

  close(callId: string): void {
    const popup = this.shown.get(callId);
    clearTimeout(popup?.timer);
    popup?.remove();
    this.shown.delete(callId);
    this.gone.add(callId);
    if (this.gone.size > GONE_KEPT) this.gone.delete(this.gone.values().next().value!);
  }

  closeAll(): void {
    for (const id of [...this.shown.keys()]) this.close(id);
  }
}

/** The background's context for a call: each part it gave stays until an event brings a new one (the relay's answers to the agent's own changes bring none). */
function keptContext(kept: PopupContext, news: PopupContext): PopupContext {
  return { searchUrl: news.searchUrl ?? kept.searchUrl, shownFrom: news.shownFrom ?? kept.shownFrom, takenBy: news.takenBy ?? kept.takenBy };
}
