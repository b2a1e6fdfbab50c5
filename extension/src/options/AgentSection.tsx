import { isCountryCode, toE164 } from '@phone-connector/shared';
import { useEffect, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { type AgentSettings, agentSettings, defaultCountry, localeCountry, relaySettings } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';
import { formatNameValueLines, parseNameValueLines } from './name-value-lines.ts';

/** The agent's own number (rung first on every call), e-mail, caller ID, profile fields, country. */
export function AgentSection() {
  const [saved] = useStored(agentSettings);
  const [savedCountry] = useStored(defaultCountry);
  const [draft, setDraft] = useState<AgentSettings | undefined>(undefined);
  const [country, setCountry] = useState('');
  const [extraText, setExtraText] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  useEffect(() => {
    if (saved && !draft) {
      setDraft(saved);
      setExtraText(formatNameValueLines(saved.fields));
    }
  }, [saved, draft]);
  useEffect(() => setCountry(savedCountry || ''), [savedCountry]);
  if (!draft) return <section aria-busy="true" />;

  const effectiveCountry = country.trim().toUpperCase() || localeCountry();
  const save = async (event: Event) => {
    event.preventDefault();
    if (country.trim() && !isCountryCode(country.trim())) return setMessage({ kind: 'error', text: `"${country}" is not a country code (e.g. US, GB, IN).` });
    const extension = draft.extension.trim() ? toE164(draft.extension, effectiveCountry) : '';
    if (extension === undefined) return setMessage({ kind: 'error', text: `"${draft.extension}" is not a phone number.` });
    const parsed = parseNameValueLines(extraText, /^[a-z0-9_]{1,64}$/);
    if (!parsed.ok) return setMessage({ kind: 'error', text: `Profile fields are name=value lines with lower-case names: "${parsed.line}"` });
    const fields = parsed.values;
    const next: AgentSettings = { ...draft, extension, fields };
    await agentSettings.setValue(next);
    await defaultCountry.setValue(country.trim().toUpperCase());
    setDraft(next);
    const relay = new RelayApi(await relaySettings.getValue());
    if (!relay.configured) return setMessage({ kind: 'ok', text: 'Saved.' });
    try {
      await relay.updateMe({ number: extension || undefined, email: next.email || null, profile: { ...fields, country: effectiveCountry, ...(next.callerid ? { callerid: next.callerid } : {}) } });
      setMessage({ kind: 'ok', text: 'Saved, and the relay now routes your calls to this number.' });
    } catch (error) {
      setMessage({ kind: 'error', text: `Saved here, but the relay did not take it: ${(error as Error).message}` });
    }
  };

  return (
    <section aria-labelledby="agent-heading">
      <h2 id="agent-heading">Agent</h2>
      <form onSubmit={save} noValidate>
        <label for="agent-extension" class="required">Your phone number or extension</label>
        <input id="agent-extension" type="tel" value={draft.extension} onInput={(e) => setDraft((d) => d && { ...d, extension: (e.target as HTMLInputElement).value })} />
        <p class="hint">Your phone rings first on every call you place; incoming calls to this number pop up for you.</p>
        <label for="agent-email">E-mail</label>
        <input id="agent-email" type="email" value={draft.email} onInput={(e) => setDraft((d) => d && { ...d, email: (e.target as HTMLInputElement).value })} />
        <p class="hint">The one you sign in to your CRM with: the calls you take are logged there as yours.</p>
        <label for="agent-callerid">Caller ID</label>
        <input id="agent-callerid" type="tel" value={draft.callerid} onInput={(e) => setDraft((d) => d && { ...d, callerid: (e.target as HTMLInputElement).value })} />
        <p class="hint">Used when the connector has no caller ID of its own.</p>
        <label for="agent-fields">Other profile fields</label>
        <textarea id="agent-fields" style="min-height: 60px" placeholder="phone_home=Inbound_918041234567" value={extraText} onInput={(e) => setExtraText((e.target as HTMLTextAreaElement).value)} />
        <p class="hint">One name=value per line; connectors read them as @user_name.</p>
        <label for="default-country">Default country</label>
        <input id="default-country" type="text" maxLength={2} placeholder={localeCountry()} value={country} onInput={(e) => setCountry((e.target as HTMLInputElement).value)} />
        <p class="hint">Numbers written without a country code are read as numbers of this country ({effectiveCountry}).</p>
        <p>
          <button class="primary" type="submit">Save agent</button>
        </p>
        {message ? <p role="status" class={message.kind} data-testid="agent-message">{message.text}</p> : null}
      </form>
    </section>
  );
}
