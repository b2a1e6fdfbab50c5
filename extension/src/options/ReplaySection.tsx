import { replayWebhook, WEBHOOK_EVENTS, type WebhookEvent, type WebhookResult } from '@phone-connector/shared';
import { useState } from 'preact/hooks';
import { loadCallSetup } from '../call-setup.ts';

const CONTENT_TYPES = ['application/x-www-form-urlencoded', 'application/json', 'text/xml'];

/**
 * Runs a webhook recorded from the provider (or written by hand) through the connector, to
 * see the call record it makes and the reply the provider would get: the same replay the
 * `pnpm connector callback` command offers, for connectors written here.
 */
export function ReplaySection() {
  const [event, setEvent] = useState<WebhookEvent>('incoming');
  const [contentType, setContentType] = useState(CONTENT_TYPES[0]!);
  const [url, setUrl] = useState('');
  const [body, setBody] = useState('');
  const [result, setResult] = useState<Pick<WebhookResult, 'record' | 'reply' | 'status'> | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);

  const replay = async (e: Event) => {
    e.preventDefault();
    setResult(undefined);
    const setup = await loadCallSetup();
    if ('error' in setup) return setError(setup.error);
    try {
      const { record, reply, status } = replayWebhook(setup.plan, event, { url: url.trim(), contentType, body }, setup.context, {
        dialNumbers: setup.context.agent?.extension ? [setup.context.agent.extension] : [],
      });
      setResult({ record, reply, status });
      setError(undefined);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <section aria-labelledby="replay-heading">
      <h2 id="replay-heading">Replay a webhook</h2>
      <p class="hint">Paste a request your provider sent (or would send) to see the call record and the reply it gets.</p>
      <form onSubmit={replay}>
        <div class="row">
          <label style="font-weight: normal">
            Event{' '}
            <select aria-label="Event" value={event} onChange={(e) => setEvent((e.target as HTMLSelectElement).value as WebhookEvent)}>
              {WEBHOOK_EVENTS.map((name) => (
                <option key={name} value={name}>{name}</option>
              ))}
            </select>
          </label>
          <label style="font-weight: normal">
            Content type{' '}
            <select aria-label="Content type" value={contentType} onChange={(e) => setContentType((e.target as HTMLSelectElement).value)}>
              {CONTENT_TYPES.map((type) => (
                <option key={type} value={type}>{type}</option>
              ))}
            </select>
          </label>
        </div>
        <label for="replay-url">URL the provider called (its query is part of the payload)</label>
        <input id="replay-url" type="url" placeholder="the callback URL of this event" value={url} onInput={(e) => setUrl((e.target as HTMLInputElement).value)} />
        <label for="replay-body">Body</label>
        <textarea id="replay-body" style="min-height: 90px" spellcheck={false} value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
        <p>
          <button type="submit">Replay</button>
        </p>
      </form>
      {error ? <p class="error" role="status" data-testid="replay-error">{error}</p> : null}
      {result ? <pre data-testid="replay-result">{JSON.stringify(result, null, 2)}</pre> : null}
    </section>
  );
}
