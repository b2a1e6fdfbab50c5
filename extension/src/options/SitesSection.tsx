import { useEffect, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { callSelectionShortcut } from '../background/call-selection.ts';
import { CRM_PRESETS, originPattern } from '../sites.ts';
import { type EnabledSite, enabledSites } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';

/**
 * The sites the extension works on. Enabling asks for the host permission at that moment;
 * nothing runs on a site until it is enabled here or from the toolbar popup.
 */
export function SitesSection() {
  const [sites = []] = useStored(enabledSites);
  const [custom, setCustom] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);

  const enable = async (added: EnabledSite[]) => {
    const granted = await browser.permissions.request({ origins: added.map((s) => s.pattern) });
    if (!granted) return setMessage({ kind: 'error', text: 'Permission was not granted, so the site stays disabled.' });
    const current = await enabledSites.getValue();
    await enabledSites.setValue([...current.filter((s) => !added.some((a) => a.pattern === s.pattern)), ...added]);
    setMessage({ kind: 'ok', text: 'Enabled. Open tabs of the site get call buttons now.' });
  };
  const disable = async (patterns: string[]) => {
    const current = await enabledSites.getValue();
    await enabledSites.setValue(current.filter((s) => !patterns.includes(s.pattern)));
    await browser.permissions.remove({ origins: patterns }).catch(() => false);
  };
  const addCustom = (event: Event) => {
    event.preventDefault();
    let pattern: string;
    try {
      pattern = originPattern(/^[a-z]+:\/\//i.test(custom.trim()) ? custom.trim() : `https://${custom.trim()}`);
    } catch {
      return setMessage({ kind: 'error', text: `"${custom}" is not a web address.` });
    }
    setCustom('');
    void enable([{ pattern }]);
  };

  return (
    <section aria-labelledby="sites-heading">
      <h2 id="sites-heading">Sites</h2>
      <p class="hint">Call buttons and incoming-call popups appear only on these sites.</p>
      {CRM_PRESETS.map((preset) => {
        const on = preset.matches.every((m) => sites.some((s) => s.pattern === m));
        return (
          <label key={preset.id} style="font-weight: normal">
            <input
              type="checkbox"
              checked={on}
              onChange={() => void (on ? disable(preset.matches) : enable(preset.matches.map((pattern) => ({ pattern, preset: preset.id }))))}
            />{' '}
            {preset.name}
          </label>
        );
      })}
      <form onSubmit={addCustom} class="row" style="margin-top: 10px">
        <input type="text" aria-label="Another site" placeholder="crm.example.com" value={custom} onInput={(e) => setCustom((e.target as HTMLInputElement).value)} />
        <button type="submit">Enable site</button>
      </form>
      <ul data-testid="enabled-sites">
        {sites
          .filter((s) => !s.preset)
          .map((s) => (
            <li key={s.pattern}>
              {s.pattern}{' '}
              <button type="button" onClick={() => void disable([s.pattern])}>
                Disable
              </button>
            </li>
          ))}
      </ul>
      {message ? <p role="status" class={message.kind}>{message.text}</p> : null}
      <ShortcutHint />
    </section>
  );
}

/**
 * The keys that call a number selected in any page, as the agent has them (the browser lets them
 * be changed or removed, and may not have assigned the manifest's), with the browser's page to
 * change them: extensions may open it, a link to it would not.
 */
function ShortcutHint() {
  const [shortcut, setShortcut] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    void callSelectionShortcut().then((keys) => setShortcut(keys ?? null));
  }, []);
  if (shortcut === undefined) return null;
  const change = () => {
    const commands = browser.commands as typeof browser.commands & { openShortcutSettings?: () => Promise<void> };
    // Firefox has its own call for its page; Chromium's is a page extensions may open.
    void (commands.openShortcutSettings ? commands.openShortcutSettings() : browser.tabs.create({ url: 'chrome://extensions/shortcuts' }));
  };
  return (
    <p class="hint" data-pc-field="shortcut">
      {shortcut ? (
        <>
          On any page, select a number and press <kbd>{shortcut}</kbd> to call it.{' '}
        </>
      ) : (
        'No keys call a number selected in a page. '
      )}
      <button type="button" data-pc-action="change-shortcut" onClick={change}>
        {shortcut ? 'Change the keys' : 'Choose keys'}
      </button>
    </p>
  );
}
