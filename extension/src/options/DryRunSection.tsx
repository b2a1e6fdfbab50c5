import { canHangUp, dryRunHangup, dryRunRequest, type OutgoingRequest } from '@phone-connector/shared';
import { useState } from 'preact/hooks';
import { requestCall } from '../call-request.ts';
import { loadCallSetup } from '../call-setup.ts';
import { agentSettings } from '../storage.ts';

/** A stand-in for the call id the provider will answer: the hang-up's request is shown around it. */
const CALL_ID_STAND_IN = '<call id>';

/**
 * Shows the exact request a call would send (secrets redacted), and the one its card's Cancel or
 * Hang up would send, then places a real test call.
 */
export function DryRunSection() {
  const [to, setTo] = useState('');
  const [request, setRequest] = useState<OutgoingRequest | undefined>(undefined);
  /** The hang-up's request, or why it cannot be shown before a call (a field the provider's answer brings); none when the connector cannot end calls. */
  const [hangup, setHangup] = useState<{ request: OutgoingRequest } | { unknown: string } | undefined>(undefined);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  const dryRun = async (event: Event) => {
    event.preventDefault();
    setRequest(undefined);
    setHangup(undefined);
    const setup = await loadCallSetup();
    if ('error' in setup) return setMessage({ kind: 'error', text: setup.error });
    try {
      const target = to.trim() || (await agentSettings.getValue()).extension;
      setRequest(dryRunRequest(setup.plan, setup.context, target));
      setMessage(undefined);
      if (canHangUp(setup.plan)) {
        try {
          setHangup({ request: dryRunHangup(setup.plan, setup.context, { callId: CALL_ID_STAND_IN, toNumber: target }) });
        } catch (error) {
          setHangup({ unknown: (error as Error).message });
        }
      }
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    }
  };
  const testCall = async () => {
    const own = (await agentSettings.getValue()).extension;
    if (!own) return setMessage({ kind: 'error', text: '@extension is empty: set your phone number in Options > Agent' });
    setMessage({ kind: 'ok', text: 'Calling your phone…' });
    const result = await requestCall(to.trim() || own);
    setMessage(result.ok ? { kind: 'ok', text: 'The provider accepted the call: your phone should ring.' } : { kind: 'error', text: result.error });
  };

  return (
    <section aria-labelledby="dryrun-heading">
      <h2 id="dryrun-heading">Try it</h2>
      <form onSubmit={dryRun}>
        <label for="dryrun-to">Number to call</label>
        <div class="row">
          <input id="dryrun-to" type="tel" placeholder="your own number" value={to} onInput={(e) => setTo((e.target as HTMLInputElement).value)} />
          <button type="submit">Show the request</button>
          <button type="button" class="primary" onClick={() => void testCall()}>
            Call my phone
          </button>
        </div>
      </form>
      {request ? <pre data-testid="dry-run">{JSON.stringify(request, null, 2)}</pre> : null}
      {request && hangup ? (
        <>
          <p class="hint">The call's card in the page then offers Cancel call and Hang up, which send:</p>
          {'request' in hangup ? (
            <pre data-testid="dry-run-hangup">{JSON.stringify(hangup.request, null, 2)}</pre>
          ) : (
            <p class="hint" data-testid="dry-run-hangup">
              A request built from what the provider answers the call ({hangup.unknown}).
            </p>
          )}
        </>
      ) : null}
      {message ? <p role="status" class={message.kind} data-testid="dryrun-message">{message.text}</p> : null}
    </section>
  );
}
