import { dryRunRequest, type OutgoingRequest } from '@phone-connector/shared';
import { useState } from 'preact/hooks';
import { requestCall } from '../call-request.ts';
import { loadCallSetup } from '../call-setup.ts';
import { agentSettings } from '../storage.ts';

/** Shows the exact request a call would send (secrets redacted), then places a real test call. */
export function DryRunSection() {
  const [to, setTo] = useState('');
  const [request, setRequest] = useState<OutgoingRequest | undefined>(undefined);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  const dryRun = async (event: Event) => {
    event.preventDefault();
    setRequest(undefined);
    const setup = await loadCallSetup();
    if ('error' in setup) return setMessage({ kind: 'error', text: setup.error });
    try {
      const target = to.trim() || (await agentSettings.getValue()).extension;
      setRequest(dryRunRequest(setup.plan, setup.context, target));
      setMessage(undefined);
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
      {message ? <p role="status" class={message.kind} data-testid="dryrun-message">{message.text}</p> : null}
    </section>
  );
}
