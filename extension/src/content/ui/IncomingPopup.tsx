import { useEffect, useState } from 'preact/hooks';
import { isCallStatus, isFinalStatus, statusLabel, statusTone, type CallView } from '@phone-connector/shared';
import type { TakenBy } from '../../messages.ts';
import type { CallActions } from '../call-actions.ts';
import { CallContact } from './CallContact.tsx';
import { WrapUp } from './WrapUp.tsx';
import { formatDuration } from '../../ui/duration.ts';

export interface IncomingPopupProps {
  call: CallView;
  /** National format of the caller's number, for display. */
  nationalNumber: string;
  searchUrl?: string;
  /** Who took a call the team's phones rang (PopupContext). */
  takenBy?: TakenBy;
  actions: CallActions;
  onDismiss(): void;
}

/**
 * The incoming-call popup: the number at once, who is calling once the relay's CRM lookup
 * answers, live status and timer, CRM links, notes and, after the call, its wrap-up: for the
 * agent who took the call (a colleague's call shows who took it, and no notes or outcome).
 */
export function IncomingPopup({ call, nationalNumber, searchUrl, takenBy, actions, onDismiss }: IncomingPopupProps) {
  const ended = isFinalStatus(call.status);
  const [now, setNow] = useState(Date.now());
  const [shownAt] = useState(Date.now());

  useEffect(() => {
    if (ended) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ended]);

  const seconds = ended && call.duration !== null ? call.duration : Math.max(0, Math.round((now - shownAt) / 1000));
  const status = call.status ?? call.status_raw ?? 'ringing';

  return (
    <div class="pc-card" role="dialog" aria-label={`Incoming call from ${nationalNumber}`}>
      <div class="pc-row">
        <span class="pc-title">Incoming call</span>
        <button type="button" class="pc-close" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      </div>
      <p class="pc-number" data-pc-field="number">{nationalNumber}</p>
      <div class="pc-row">
        <span class="pc-e164" data-pc-field="e164">{call.from_number ?? 'Unknown number'}</span>
        <span class="pc-status" data-state={status} data-tone={isCallStatus(status) ? statusTone(status) : undefined} data-pc-field="status">
          {isCallStatus(status) ? statusLabel(status, 'inbound') : status}
        </span>
      </div>
      <span class="pc-timer" data-pc-field="timer">{formatDuration(seconds)}</span>
      {takenBy && (
        <p class="pc-taken-by" data-pc-field="taken-by">
          {takenBy.colleague ? `Taken by ${takenBy.colleague}` : 'You took this call'}
        </p>
      )}
      <CallContact call={call} searchUrl={searchUrl} actions={actions} />
      {!takenBy?.colleague && <WrapUp call={call} ended={ended} actions={actions} />}
    </div>
  );
}
