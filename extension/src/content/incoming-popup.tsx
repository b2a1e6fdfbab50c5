import { formatForDisplay } from '@phone-connector/shared';
import { isFinalStatus, type CallView } from '@phone-connector/shared';
import { IncomingPopup } from './ui/IncomingPopup.tsx';
import { mountCard } from './ui/mount.ts';

/** How long an ended call stays on screen, so the agent sees how it ended. */
export const CLOSE_AFTER_END_MS = 4000;

interface Shown {
  update(call: CallView, searchUrl?: string): void;
  remove(): void;
}

/**
 * One popup per call id: a second event for the same call updates it in place; it closes a
 * few seconds after the call ends, or when the agent dismisses it.
 */
export class IncomingPopups {
  private readonly shown = new Map<string, Shown>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();

  constructor(
    private readonly doc: Document,
    private readonly saveNotes: (callId: number, notes: string) => Promise<{ ok: boolean; error?: string }>,
    private readonly country: () => string,
  ) {}

  show(call: CallView, searchUrl?: string): void {
    let popup = this.shown.get(call.call_id);
    if (!popup) {
      const render = (c: CallView, url?: string) => (
        <IncomingPopup
          call={c}
          nationalNumber={c.from_number ? formatForDisplay(c.from_number, this.country()) : 'Unknown number'}
          searchUrl={url}
          onSaveNotes={(notes) => this.saveNotes(c.id, notes)}
          onDismiss={() => this.close(c.call_id)}
        />
      );
      const card = mountCard(this.doc, { 'data-pc-popup': call.call_id }, render(call, searchUrl));
      popup = { update: (c, url) => card.update(render(c, url)), remove: card.remove };
      this.shown.set(call.call_id, popup);
    } else {
      popup.update(call, searchUrl);
    }
    if (isFinalStatus(call.status) && !this.timers.has(call.call_id)) {
      this.timers.set(call.call_id, setTimeout(() => this.close(call.call_id), CLOSE_AFTER_END_MS));
    }
  }

  close(callId: string): void {
    clearTimeout(this.timers.get(callId));
    this.timers.delete(callId);
    this.shown.get(callId)?.remove();
    this.shown.delete(callId);
  }

  closeAll(): void {
    for (const id of [...this.shown.keys()]) this.close(id);
  }
}
