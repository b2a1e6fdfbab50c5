import { callbackEventOfField, type ConfigField, type ConnectorPlan, renderTemplate } from '@phone-connector/shared';
import browser from 'webextension-polyfill';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { instanceBody } from '../instance-body.ts';
import { ConfigFieldInput } from './ConfigFieldInput.tsx';
import { ConnectorDiagnostics } from './ConnectorDiagnostics.tsx';
import { announceInstanceSaved } from './instance-saved.ts';
import { relayDiagnostics, type SaveMessage, SaveStatus } from './SaveStatus.tsx';
import { bundledConnectorIds, compileConnector, connectorSource } from '../connectors.ts';
import { callbackUrls, type ProviderSettings, providerSettings, relaySettings } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';

const CUSTOM = '__custom__';

/** Choose a bundled connector or paste one, fill its config form, register it with the relay. */
export function ProviderSection() {
  const [saved] = useStored(providerSettings);
  const [callbacks] = useStored(callbackUrls);
  const [draft, setDraft] = useState<ProviderSettings | undefined>(undefined);
  const [message, setMessage] = useState<SaveMessage | undefined>(undefined);
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    if (saved && !draft) setDraft(saved);
  }, [saved, draft]);

  const source = draft ? connectorSource(draft) : undefined;
  const checked = useMemo(() => (source ? compileConnector(source) : undefined), [source?.xml, source?.file]);
  if (!draft) return <section aria-busy="true" />;

  const usingCustom = draft.customXml !== undefined;
  const fields: ConfigField[] = checked?.plan?.fields ?? [];
  const missing = fields.filter((f) => f.mandatory && !f.callbackUrl && !draft.config[f.name]?.trim());
  const errors = checked?.diagnostics.filter((d) => d.severity === 'error') ?? [];

  const save = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    if (errors.length) return setMessage({ kind: 'error', text: 'The connector has errors: fix them first.' });
    if (missing.length) return setMessage({ kind: 'error', text: `Fill in: ${missing.map((f) => f.label).join(', ')}.` });
    setMessage({ kind: 'ok', text: 'Saving…' });
    // Asked before any other await: the browser only shows the prompt during the click itself.
    const origin = checked?.plan ? providerOrigin(checked.plan, draft.config) : undefined;
    if (origin && !(await browser.permissions.request({ origins: [origin] }))) {
      return setMessage({ kind: 'error', text: `Phone Connector needs access to ${origin} to place calls through this provider.` });
    }
    const config = Object.fromEntries(Object.entries(draft.config).filter(([name]) => fields.some((f) => f.name === name && !f.callbackUrl)));
    const next: ProviderSettings = { ...draft, config };
    await providerSettings.setValue(next);
    const relay = new RelayApi(await relaySettings.getValue());
    if (!relay.configured) return setMessage({ kind: 'ok', text: 'Saved. Set up the relay below to get your callback URLs.' });
    try {
      const instance = await relay.putInstance(next.instanceId, instanceBody(next));
      announceInstanceSaved(instance);
      await callbackUrls.setValue(instance.callbacks);
      setMessage({ kind: 'ok', text: 'Saved and registered with the relay. Paste the callback URLs below into your provider\'s console.' });
    } catch (error) {
      setMessage({ kind: 'error', text: `Saved here, but the relay did not take it: ${(error as Error).message}`, diagnostics: relayDiagnostics(error) });
    }
  };

  return (
    <section aria-labelledby="provider-heading">
      <h2 id="provider-heading">Provider</h2>
      <form onSubmit={save} noValidate>
        <label for="connector">Connector</label>
        <select
          id="connector"
          value={usingCustom ? CUSTOM : draft.connectorId}
          onChange={(e) => {
            const value = (e.target as HTMLSelectElement).value;
            setDraft(value === CUSTOM ? { ...draft, connectorId: undefined, customXml: draft.customXml ?? '' } : { ...draft, connectorId: value, customXml: undefined });
          }}
        >
          {bundledConnectorIds().map((id) => (
            <option value={id} key={id}>
              {id}
            </option>
          ))}
          <option value={CUSTOM}>Custom XML…</option>
        </select>
        {usingCustom ? (
          <>
            <label for="custom-xml">Connector XML</label>
            <textarea id="custom-xml" spellcheck={false} value={draft.customXml} onInput={(e) => setDraft((d) => d && { ...d, customXml: (e.target as HTMLTextAreaElement).value })} />
          </>
        ) : null}
        <ConnectorDiagnostics checked={checked} testId="connector" />
        {fields.map((field) => {
          const isCallback = field.callbackUrl;
          const value = isCallback ? (callbacks?.[callbackEventOfField(field.name)!] ?? '') : (draft.config[field.name] ?? '');
          const invalid = touched && field.mandatory && !isCallback && !value.trim();
          return (
            <ConfigFieldInput
              key={field.name}
              id={`field-${field.name}`}
              field={field}
              value={value}
              required={field.mandatory && !isCallback}
              invalid={invalid}
              readOnly={isCallback}
              placeholder={isCallback ? 'generated by the relay when you save' : undefined}
              onInput={(typed) => setDraft((d) => d && { ...d, config: { ...d.config, [field.name]: typed } })}
            >
              {isCallback ? (
                <button type="button" disabled={!value} onClick={() => void navigator.clipboard.writeText(value)} aria-label={`Copy ${field.label}`}>
                  Copy
                </button>
              ) : null}
            </ConfigFieldInput>
          );
        })}
        <p>
          <button class="primary" type="submit">
            Save provider
          </button>
        </p>
        <SaveStatus message={message} testId="provider-message" />
      </form>
    </section>
  );
}

/** The host permission placing calls needs: the provider API's origin. */
export function providerOrigin(plan: ConnectorPlan, config: Record<string, string>): string | undefined {
  if (!plan.provider) return undefined;
  let url: string;
  try {
    url = renderTemplate(plan.provider.url, { config, vars: {} });
  } catch {
    const first = plan.provider.url.parts[0];
    url = first?.kind === 'text' ? first.text : '';
  }
  const match = /^(https?):\/\/([^/?#:]+)/i.exec(url.trim());
  return match ? `${match[1]!.toLowerCase()}://${match[2]}/*` : undefined;
}
