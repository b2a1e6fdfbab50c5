import { type CallView, isFinalStatus, type StatusTone, statusLabel, statusTone } from '@phone-connector/shared';
import { useEffect, useState } from 'preact/hooks';
import type { CallProgressState, HangUpAnswer } from '../../messages.ts';
import type { CallActions } from '../call-actions.ts';
import { CallContact } from './CallContact.tsx';
import { formatDuration } from '../../ui/duration.ts';
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
  /** When the call was answered (epoch ms): a timer counts the call's time while it is in progress. */
  answeredAt?: number;
  /** The relay's view of the call, once an event brought it: who is called, and the wrap-up. */
  call?: { view: CallView; actions: CallActions };
  /** Ends the call through the provider (its connector's `<hangup>`); absent when it cannot. */
  onHangUp?: () => Promise<HangUpAnswer>;
  onDismiss(): void;
}

/** The statuses a call can still be ended in: ringing the agent's phone (Cancel), or answered (Hang up). */
const ENDABLE: ReadonlySet<CallProgressState> = new Set(['queued', 'ringing', 'in-progress']);

/** Progress of a call the agent placed from this page. */
export function CallProgressCard({ to, state, detail, durationSeconds, answeredAt, call, onHangUp, onDismiss }: CallProgressProps) {
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
        {state === 'completed' && durationSeconds !== undefined ? <span class="pc-timer" data-pc-field="timer">{formatDuration(durationSeconds)}</span> : null}
        {state === 'in-progress' && answeredAt !== undefined ? <TalkTimer since={answeredAt} /> : null}
      </div>
      {detail ? <p class="pc-detail" data-pc-field="detail">{detail}</p> : null}
      {call ? <CallContact call={call.view} actions={call.actions} /> : null}
      {onHangUp && ENDABLE.has(state) ? <HangUp answered={state === 'in-progress'} onHangUp={onHangUp} /> : null}
      {call && isFinalStatus(state) && call.view.crm_log ? <WrapUp call={call.view} ended actions={call.actions} /> : null}
    </div>
  );
}

/**
 * The time since the call was answered, counted each second while the call is in progress. The
 * card is a polite live region: the timer is not (a screen reader would read out every second).
 */
function TalkTimer({ since }: { since: number }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return (
    <span class="pc-timer" role="timer" aria-live="off" data-pc-field="timer">
      {formatDuration(Math.max(0, Math.floor((now - since) / 1000)))}
    </span>
  );
}

/**
 * Cancel (the agent's phone still rings) or Hang up (answered). Only a click of the agent's own
 * counts: a page script's `click()` on our open shadow root is not trusted. Once the provider
 * took it, the button waits for the call's end to come from the relay.
 */
function HangUp({ answered, onHangUp }: { answered: boolean; onHangUp(): Promise<HangUpAnswer> }) {
  const [asked, setAsked] = useState<'idle' | 'sending' | 'sent' | string>('idle');
  const end = async (event: MouseEvent) => {
    if (!event.isTrusted) return;
    setAsked('sending');
    const result = await onHangUp();
    setAsked(result.ok ? 'sent' : result.error);
  };
  const waiting = asked === 'sending' || asked === 'sent';
  return (
    <>
      <div class="pc-actions">
        <button type="button" class="pc-hang-up" data-pc-action="hang-up" disabled={waiting} onClick={(event) => void end(event)}>
          {waiting ? 'Ending…' : answered ? 'Hang up' : 'Cancel call'}
        </button>
      </div>
      {waiting || asked === 'idle' ? null : (
        <p class="pc-detail pc-error" data-pc-field="hang-up-error">
          Could not end the call: {asked}
        </p>
      )}
    </>
  );
}
