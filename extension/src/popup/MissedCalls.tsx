import { type CallView, formatForDisplay } from '@phone-connector/shared';
import { useEffect } from 'preact/hooks';
import { formatDuration } from '../ui/duration.ts';
import { followUpOf, markMissedCallsSeen, voicemailOf } from '../missed-calls.ts';
import { useCallBack } from './call-back.tsx';
import { CallWhen } from './call-time.tsx';

export interface MissedCallsProps {
  /** The missed inbound calls, newest first. */
  calls: CallView[];
  /** Every call listed with them: a later one to or from the same number says it was followed up. */
  recent: CallView[];
  country: string;
}

/**
 * The missed and unanswered inbound calls, with who called (the CRM's contact, when the relay
 * found one), when, whether it rang no phone because every agent was away, the message the
 * caller left (a link, in a tab of its own), whether it was followed up since (called back, or
 * the caller called again and was answered), and a one-click Call back. Showing the list marks
 * the calls seen, which clears the toolbar badge.
 */
export function MissedCalls({ calls, recent, country }: MissedCallsProps) {
  const { callBack, status } = useCallBack();

  useEffect(() => {
    void markMissedCallsSeen(calls);
  }, [calls]);

  if (calls.length === 0) return null;

  return (
    <>
      <h2 style="font-size: 13px; margin: 12px 0 4px">Missed calls</h2>
      <ul style="list-style: none; padding: 0; margin: 0" data-testid="missed-calls">
        {calls.map((call) => {
          const number = call.from_number;
          const voicemail = voicemailOf(call);
          const followUp = followUpOf(call, recent);
          return (
            <li key={call.id} data-pc-missed={call.id} style="padding: 4px 0; border-bottom: 1px solid var(--pc-border)">
              <div class="row">
                <span style="min-width: 0">
                  {call.contact ? <strong data-pc-contact>{call.contact.name}</strong> : null}
                  {call.contact ? ' ' : null}
                  {/* As in the recent calls: a caller id that is no number ends in an ellipsis. */}
                  <span class={call.contact ? 'hint caller-number' : 'caller-number'} title={number ?? undefined}>
                    {number ? formatForDisplay(number, country) : 'Unknown number'}
                  </span>
                  <span class="hint">
                    {' · '}
                    <CallWhen call={call} />
                  </span>
                  {call.extra.all_away === 'true' ? (
                    <span class="hint" data-pc-field="all-away" title="Every agent was away: the call rang no phone">
                      {' · everyone away'}
                    </span>
                  ) : call.extra.after_hours === 'true' ? (
                    <span class="hint" data-pc-field="after-hours" title="The number was closed (outside its opening hours): the call rang no phone">
                      {' · after hours'}
                    </span>
                  ) : null}
                  {followUp ? (
                    <span class="hint" data-pc-field="follow-up">
                      {followUp === 'called-back' ? ' · called back' : ' · called again, answered'}
                    </span>
                  ) : null}
                  {voicemail ? (
                    <span class="hint">
                      {' · '}
                      <a class="pc-link" href={voicemail.url} target="_blank" rel="noopener noreferrer" data-pc-action="voicemail">
                        {voicemail.seconds ? `Voicemail ${formatDuration(voicemail.seconds)}` : 'Voicemail'}
                      </a>
                    </span>
                  ) : null}
                </span>
                {number ? (
                  <button type="button" data-pc-action="call-back" onClick={() => void callBack(call.id, number)}>
                    Call back
                  </button>
                ) : null}
              </div>
              {status(call.id)}
            </li>
          );
        })}
      </ul>
    </>
  );
}
