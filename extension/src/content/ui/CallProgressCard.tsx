import type { CallProgressState } from '../../messages.ts';
import { formatDuration } from './IncomingPopup.tsx';

const LABELS: Record<CallProgressState, string> = {
  calling: 'Calling…',
  queued: 'Calling your phone…',
  ringing: 'Ringing',
  'in-progress': 'In progress',
  completed: 'Ended',
  busy: 'Busy',
  'no-answer': 'No answer',
  failed: 'Failed',
  canceled: 'Canceled',
  error: 'Could not call',
};

export interface CallProgressProps {
  to: string;
  state: CallProgressState;
  detail?: string;
  durationSeconds?: number;
  onDismiss(): void;
}

/** Progress of a call the agent placed from this page. */
export function CallProgressCard({ to, state, detail, durationSeconds, onDismiss }: CallProgressProps) {
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
        <span class="pc-status" data-state={state} data-pc-field="status">
          {LABELS[state]}
        </span>
        {state === 'completed' && durationSeconds !== undefined ? <span class="pc-timer">{formatDuration(durationSeconds)}</span> : null}
      </div>
      {detail ? <p class="pc-detail" data-pc-field="detail">{detail}</p> : null}
    </div>
  );
}
