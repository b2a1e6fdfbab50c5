import { type CallView, isFinalStatus, type StatusTone, statusLabel, statusTone } from '@phone-connector/shared';
import type { CallProgressState } from '../../messages.ts';
import type { CallActions } from '../call-actions.ts';
import { CallContact } from './CallContact.tsx';
import { formatDuration } from './IncomingPopup.tsx';
import { WrapUp } from './WrapUp.tsx';

/** The card's own states around the call's statuses: before the provider answers, and its refusal. */
function progressLabel(state: CallProgressState): string {
  if (state === 'calling') return 'Calling…';
  if (state === 'error') return 'Could not call';
  return statusLabel(state, 'outbound');
}

function progressTone(state: CallProgressState): StatusTone {
  if (state === 'calling') return 'waiting';
  if (state === 'error') return 'unsuccessful';
  return statusTone(state);
}

export interface CallProgressProps {
  to: string;
  state: CallProgressState;
  detail?: string;
  durationSeconds?: number;
  /** The relay's view of the call, once an event brought it: who is called, and the wrap-up. */
  call?: { view: CallView; actions: CallActions };
  onDismiss(): void;
}

/** Progress of a call the agent placed from this page. */
export function CallProgressCard({ to, state, detail, durationSeconds, call, onDismiss }: CallProgressProps) {
  return (
    <div class="pc-card" role="status" aria-live="polite">
      <div class="pc-row">
        <span class="pc-title">Outgoing call</span>
        <button type="button" class="pc-close" aria-label="Dismiss" onClick={onDismiss}>
          ×
        </button>
      </div>
      <p class="pc-number">{to}</p>
      <div class="pc-row">
        <span class="pc-status" data-state={state} data-tone={progressTone(state)} data-pc-field="status">
          {progressLabel(state)}
        </span>
        {state === 'completed' && durationSeconds !== undefined ? <span class="pc-timer">{formatDuration(durationSeconds)}</span> : null}
      </div>
      {detail ? <p class="pc-detail" data-pc-field="detail">{detail}</p> : null}
      {call ? <CallContact call={call.view} actions={call.actions} /> : null}
      {call && isFinalStatus(state) && call.view.crm_log ? <WrapUp call={call.view} ended actions={call.actions} /> : null}
    </div>
  );
}
