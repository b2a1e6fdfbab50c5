import { useEffect, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { ConnectionBadge } from '../ui/ConnectionBadge.tsx';
import { useStored } from '../ui/use-stored.ts';
import { connectionStatus, type RelaySettings, relaySettings } from '../storage.ts';

/** Where the relay is and the agent's token; shows the live connection state. */
export function RelaySection() {
  const [saved] = useStored(relaySettings);
  const [status] = useStored(connectionStatus);
  const [draft, setDraft] = useState<RelaySettings | undefined>(undefined);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  useEffect(() => {
    if (saved && !draft) setDraft(saved);
  }, [saved, draft]);
  if (!draft) return <section aria-busy="true" />;

  const save = async (event: Event) => {
    event.preventDefault();
    let url: URL;
    try {
      url = new URL(draft.url.trim());
      if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http');
    } catch {
      return setMessage({ kind: 'error', text: 'The relay URL must start with https:// (or http:// for a local relay).' });
    }
    const next = { url: url.origin + url.pathname.replace(/\/+$/, ''), token: draft.token.trim() };
    if (!next.token) return setMessage({ kind: 'error', text: 'Paste the token `pnpm relay agent add` printed for you.' });
    try {
      const me = await new RelayApi(next).me();
      await relaySettings.setValue(next);
      setMessage({ kind: 'ok', text: `Connected as ${me.name}.` });
    } catch (error) {
      setMessage({ kind: 'error', text: (error as Error).message });
    }
  };

  return (
    <section aria-labelledby="relay-heading">
      <h2 id="relay-heading">Relay</h2>
      <p>
        Status: <ConnectionBadge status={status} />
      </p>
      <form onSubmit={save} noValidate>
        <label for="relay-url" class="required">Relay URL</label>
        <input id="relay-url" type="url" placeholder="https://relay.example.com" value={draft.url} onInput={(e) => setDraft((d) => d && { ...d, url: (e.target as HTMLInputElement).value })} />
        <label for="relay-token" class="required">Your token</label>
        <input id="relay-token" type="password" autocomplete="off" value={draft.token} onInput={(e) => setDraft((d) => d && { ...d, token: (e.target as HTMLInputElement).value })} />
        <p>
          <button class="primary" type="submit">Save and connect</button>
        </p>
        {message ? <p role="status" class={message.kind} data-testid="relay-message">{message.text}</p> : null}
      </form>
    </section>
  );
}
