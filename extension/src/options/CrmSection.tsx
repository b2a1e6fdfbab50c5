import { checkCrmConnector, type ConnectorInfo, type CrmTestResult, toE164 } from '@phone-connector/shared';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { instanceBody } from '../instance-body.ts';
import { RelayApi } from '../relay/relay-api.ts';
import { type CrmSettings, crmSettings, providerSettings, relaySettings, resolvedDefaultCountry } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';
import { ConfigFieldInput } from './ConfigFieldInput.tsx';
import { ConnectorDiagnostics } from './ConnectorDiagnostics.tsx';
import { announceInstanceSaved } from './instance-saved.ts';
import { relayDiagnostics, type SaveMessage, SaveStatus } from './SaveStatus.tsx';

const NONE = '';
const CUSTOM = '__custom__';

/**
 * The CRM the relay looks callers up in and logs calls to: a bundled CRM connector (the relay's
 * list, with each one's config fields) or pasted XML, saved on this extension's instance at the
 * relay, and "Test connection", a lookup the relay runs now.
 *
 * Pasted XML is checked as it is typed (line:col, by the same engine the relay runs) and its
 * config form is generated from it, as for providers; the relay checks it again when saving.
 */
export function CrmSection() {
  const [saved] = useStored(crmSettings);
  const [draft, setDraft] = useState<CrmSettings | undefined>(undefined);
  const [connectors, setConnectors] = useState<ConnectorInfo[] | string | undefined>(undefined);
  const [message, setMessage] = useState<SaveMessage | undefined>(undefined);
  const [touched, setTouched] = useState(false);

  useEffect(() => {
    if (saved && !draft) {
      setDraft(saved);
    }
  }, [saved, draft]);
  useEffect(() => {
    void relaySettings.getValue().then(async (relay) => {
      const api = new RelayApi(relay);
      if (!api.configured) return setConnectors('Set up the relay above first: it runs the CRM connector.');
      try {
        setConnectors(await api.crmConnectors());
      } catch (error) {
        setConnectors(`Could not read the CRM connectors: ${(error as Error).message}`);
      }
    });
  }, []);
  const customXml = draft?.customXml;
  const checked = useMemo(() => (customXml?.trim() ? checkCrmConnector(customXml, { file: 'custom-crm.xml' }) : undefined), [customXml]);
  if (!draft) return <section aria-busy="true" />;

  const usingCustom = customXml !== undefined;
  const bundled = Array.isArray(connectors) ? connectors.find((c) => c.id === draft.connectorId) : undefined;
  const fields = usingCustom ? (checked?.plan?.fields ?? []) : (bundled?.fields ?? []);
  const missing = fields.filter((f) => f.mandatory && !draft.config[f.name]?.trim());
  const errors = checked?.diagnostics.filter((d) => d.severity === 'error') ?? [];

  const save = async (event: Event) => {
    event.preventDefault();
    setTouched(true);
    let next: CrmSettings;
    if (usingCustom && (errors.length || !checked?.plan)) return setMessage({ kind: 'error', text: 'The CRM connector has errors: fix them first.' });
    if (missing.length) return setMessage({ kind: 'error', text: `Fill in: ${missing.map((f) => f.label).join(', ')}.` });
    // Only the chosen connector's fields: values typed for another CRM stay here, not at the relay.
    const config = Object.fromEntries(fields.map((f) => [f.name, draft.config[f.name] ?? '']));
    if (usingCustom) {
      next = { customXml, config };
    } else if (draft.connectorId) {
      next = { connectorId: draft.connectorId, config };
    } else {
      next = { config: {} };
    }
    await crmSettings.setValue(next);
    setMessage({ kind: 'ok', text: 'Saving…' });
    try {
      const relay = new RelayApi(await relaySettings.getValue());
      const provider = await providerSettings.getValue();
      const instance = await relay.putInstance(provider.instanceId, instanceBody(provider, next));
      announceInstanceSaved(instance);
      setMessage({ kind: 'ok', text: instance.crm ? `Saved: the relay now looks callers up in ${instance.crm.name} and logs calls there.` : 'Saved: no CRM.' });
    } catch (error) {
      setMessage({ kind: 'error', text: `Saved here, but the relay did not take it: ${(error as Error).message}`, diagnostics: relayDiagnostics(error) });
    }
  };

  return (
    <section aria-labelledby="crm-heading" data-testid="crm-section">
      <h2 id="crm-heading">CRM</h2>
      <p class="hint">The relay looks each caller up in your CRM and logs every call there, even with no browser open.</p>
      {typeof connectors === 'string' ? <p class="hint">{connectors}</p> : null}
      <form onSubmit={save} noValidate>
        <label for="crm-connector">CRM connector</label>
        <select
          id="crm-connector"
          value={usingCustom ? CUSTOM : (draft.connectorId ?? NONE)}
          onChange={(e) => {
            const value = (e.target as HTMLSelectElement).value;
            setDraft(value === CUSTOM ? { config: draft.config, customXml: draft.customXml ?? '' } : { config: draft.config, connectorId: value || undefined });
          }}
        >
          <option value={NONE}>No CRM</option>
          {Array.isArray(connectors)
            ? connectors.map((c) => (
                <option value={c.id} key={c.id}>
                  {c.name}
                </option>
              ))
            : null}
          <option value={CUSTOM}>Custom XML…</option>
        </select>
        {usingCustom ? (
          <>
            <label for="crm-xml">CRM connector XML</label>
            <textarea id="crm-xml" spellcheck={false} value={draft.customXml} onInput={(e) => setDraft((d) => d && { ...d, customXml: (e.target as HTMLTextAreaElement).value })} />
            <ConnectorDiagnostics checked={checked} testId="crm-connector" />
          </>
        ) : null}
        {fields.map((field) => {
          const value = draft.config[field.name] ?? '';
          return (
            <ConfigFieldInput
              key={field.name}
              id={`crm-field-${field.name}`}
              field={field}
              value={value}
              required={field.mandatory}
              invalid={touched && field.mandatory && !value.trim()}
              onInput={(typed) => setDraft((d) => d && { ...d, config: { ...d.config, [field.name]: typed } })}
            />
          );
        })}
        <p>
          <button class="primary" type="submit">
            Save CRM
          </button>
        </p>
        <SaveStatus message={message} testId="crm-message" />
      </form>
      {saved?.connectorId || saved?.customXml !== undefined ? <CrmTest /> : null}
    </section>
  );
}

/** "Test connection": the relay looks a number up in the saved CRM now, and this shows what came back. */
function CrmTest() {
  const [number, setNumber] = useState('');
  const [result, setResult] = useState<CrmTestResult | { relayError: string } | 'testing' | undefined>(undefined);

  const test = async (event: Event) => {
    event.preventDefault();
    setResult('testing');
    try {
      const relay = new RelayApi(await relaySettings.getValue());
      // The relay looks E.164 numbers up; one typed as the agent reads it is read in their country.
      const e164 = toE164(number.trim(), await resolvedDefaultCountry()) ?? number.trim();
      setResult(await relay.testCrm((await providerSettings.getValue()).instanceId, e164));
    } catch (error) {
      setResult({ relayError: (error as Error).message });
    }
  };

  return (
    <form onSubmit={test} noValidate data-testid="crm-test">
      <label for="crm-test-number">Test connection: look up a number</label>
      <div class="row">
        <input id="crm-test-number" type="tel" placeholder="+1 415 555 0100" value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} />
        <button type="submit" disabled={result === 'testing' || !number.trim()}>
          Test connection
        </button>
      </div>
      {result === 'testing' ? <p class="hint">Asking the CRM…</p> : null}
      {result && typeof result === 'object' ? (
        <div role="status" data-testid="crm-test-result" data-pc-crm-test={'relayError' in result || !result.ok ? 'error' : 'ok'}>
          {'relayError' in result ? (
            <p class="error">{result.relayError}</p>
          ) : !result.ok ? (
            <p class="error">The CRM answered with an error: {result.error ?? 'no reason given'}</p>
          ) : result.contacts.length === 0 ? (
            <p class="ok">Connected. No contact has this number.</p>
          ) : (
            <>
              <p class="ok">
                Connected. {result.contacts.length} contact{result.contacts.length === 1 ? '' : 's'} found:
              </p>
              <ul>
                {result.contacts.map((c) => (
                  <li key={c.id}>
                    {c.name}
                    {c.company ? ` (${c.company})` : ''} · {c.id}
                  </li>
                ))}
              </ul>
            </>
          )}
          {'relayError' in result || !result.user ? null : <LoggedFor user={result.user} />}
        </div>
      ) : null}
    </form>
  );
}

/** Whom the agent's calls are logged for in the CRM: their own CRM user, found by their e-mail, or the connector's default owner, and why. */
function LoggedFor({ user }: { user: NonNullable<CrmTestResult['user']> }) {
  const fallback = "your calls are logged for the connector's default owner";
  if (user.id) return <p class="ok" data-testid="crm-test-user">Your calls are logged for your CRM user ({user.email}, id {user.id}).</p>;
  if (user.error) return <p class="error" data-testid="crm-test-user">The CRM's users could not be read ({user.error}): {fallback}.</p>;
  if (!user.email) return <p class="hint" data-testid="crm-test-user">Add your e-mail above, the one you sign in to the CRM with, to have your calls logged as yours; until then {fallback}.</p>;
  return <p class="hint" data-testid="crm-test-user">No CRM user has your e-mail ({user.email}): {fallback}.</p>;
}
