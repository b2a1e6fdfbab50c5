import { type CallView, formatForDisplay, isCallStatus, isFinalStatus, statusLabel } from '@phone-connector/shared';
import { useMemo, useState } from 'preact/hooks';
import { callActions } from '../content/call-actions.ts';
import { CallContact } from '../content/ui/CallContact.tsx';
import { formatDuration } from '../ui/duration.ts';
import { LinkTarget } from '../content/ui/link-target.ts';
import { WrapUp } from '../content/ui/WrapUp.tsx';
import type { TakenBy } from '../messages.ts';
import { voicemailOf } from '../missed-calls.ts';
import { useCallBack } from './call-back.tsx';
import { CallWhen } from './call-time.tsx';

export interface RecentCallProps {
  call: CallView;
  country: string;
  /** Who took the call, when the team's phones rang (takenByOf). */
  taken: TakenBy | undefined;
  /** The call as the relay answered an action on it (notes saved, contact picked, log retried). */
  onChange(call: CallView): void;
}

/**
 * One of the recent calls in the toolbar popup: a line that says who, when, how it went and who
 * took it, and marks a call the CRM refused to log. Opened, it is what the page's popup offered while
 * it was up, for after the page is gone: the contact with its record (and the picker when
 * several share the number), Call back, and the wrap-up (notes, the CRM's outcome, the log's
 * state with Retry), unless a colleague took the call: its notes are his (the relay refuses
 * them from anyone else).
 */
export function RecentCall({ call, country, taken, onChange }: RecentCallProps) {
  const [open, setOpen] = useState(false);
  const { callBack, status } = useCallBack();
  const actions = useMemo(() => callActions(call, onChange), [call.id, call.instance_id, onChange]);
  const other = call.direction === 'inbound' ? call.from_number : call.to_number;
  const details = `pc-recent-${call.id}`;

  return (
    <li data-pc-recent={call.id} class="recent">
      <button type="button" class="recent-toggle" aria-expanded={open} aria-controls={details} onClick={() => setOpen(!open)}>
        <span class="row">
          <span>
            {call.direction === 'inbound' ? '↙' : '↗'} {call.contact ? `${call.contact.name} · ` : ''}
            {/* A number on one line; a caller id that is no number (and long) ends in an ellipsis, whole in its tooltip. */}
            <span class="caller-number" title={other ?? undefined}>
              {other ? formatForDisplay(other, country) : 'Unknown'}
            </span>
          </span>
          <span class="hint" style="text-align: right">
            <CallWhen call={call} />
            {' · '}
            {isCallStatus(call.status) ? statusLabel(call.status, call.direction ?? 'outbound') : (call.status_raw ?? '')}
            {call.duration ? ` · ${formatDuration(call.duration)}` : ''}
            {voicemailOf(call) ? <span data-pc-field="voicemail"> · voicemail</span> : null}
            {taken && <span data-pc-field="taken-by">{` · ${taken.colleague ? `${taken.colleague} took it` : 'you took it'}`}</span>}
          </span>
        </span>
        {call.crm_log?.state === 'failed' ? (
          <span class="error" data-pc-field="crm-log-failed">
            Not logged in the CRM
          </span>
        ) : null}
      </button>
      {open ? (
        <div id={details} class="recent-details">
          <LinkTarget.Provider value="_blank">
            <CallContact call={call} actions={actions} />
            {other ? (
              <div class="pc-actions">
                <button type="button" data-pc-action="call-back" onClick={() => void callBack(call.id, other)}>
                  {call.direction === 'inbound' ? 'Call back' : 'Call again'}
                </button>
              </div>
            ) : null}
            {status(call.id)}
            {taken?.colleague ? (
              <p class="hint" data-pc-field="colleague-call">
                {taken.colleague} took this call: its notes and outcome are theirs to write.
              </p>
            ) : (
              <WrapUp call={call} ended={isFinalStatus(call.status)} actions={actions} />
            )}
          </LinkTarget.Provider>
        </div>
      ) : null}
    </li>
  );
}
