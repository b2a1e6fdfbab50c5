import { type CallView, formatForDisplay } from '@phone-connector/shared';
import { useEffect, useState } from 'preact/hooks';
import { requestCall } from '../call-request.ts';
import { markMissedCallsSeen } from '../missed-calls.ts';

export interface MissedCallsProps {
  /** The missed inbound calls, newest first. */
  calls: CallView[];
  country: string;
}

/**
 * The missed and unanswered inbound calls, with who called (the CRM's contact, when the relay
 * found one) and a one-click Call back. Call back asks the background exactly as a call button
 * on a page does (`place-call`), so the background's checks apply to it. Showing the list marks
 * the calls seen, which clears the toolbar badge.
 */
export function MissedCalls({ calls, country }: MissedCallsProps) {
  const [calling, setCalling] = useState<{ id: number; text: string; kind: 'ok' | 'error' } | undefined>(undefined);

  useEffect(() => {
    void markMissedCallsSeen(calls);
  }, [calls]);

  if (calls.length === 0) return null;
  const callBack = async (call: CallView, number: string) => {
    setCalling({ id: call.id, kind: 'ok', text: 'Calling your phone…' });
    const result = await requestCall(number);
    setCalling({ id: call.id, ...(result.ok ? { kind: 'ok', text: 'Your phone is ringing.' } : { kind: 'error', text: result.error }) });
  };

  return (
    <>
      <h2 style="font-size: 13px; margin: 12px 0 4px">Missed calls</h2>
      <ul style="list-style: none; padding: 0; margin: 0" data-testid="missed-calls">
        {calls.map((call) => {
          const number = call.from_number;
          return (
            <li key={call.id} data-pc-missed={call.id} style="padding: 4px 0; border-bottom: 1px solid #e5e7eb">
              <div class="row">
                <span>
                  {call.contact ? <strong data-pc-contact>{call.contact.name}</strong> : null}
                  {call.contact ? ' ' : null}
                  <span class={call.contact ? 'hint' : undefined}>{number ? formatForDisplay(number, country) : 'Unknown number'}</span>
                </span>
                {number ? (
                  <button type="button" data-pc-action="call-back" onClick={() => void callBack(call, number)}>
                    Call back
                  </button>
                ) : null}
              </div>
              {calling?.id === call.id ? (
                <p role="status" class={calling.kind}>
                  {calling.text}
                </p>
              ) : null}
            </li>
          );
        })}
      </ul>
    </>
  );
}
