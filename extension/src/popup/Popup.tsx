import type { CallView } from '@phone-connector/shared';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { RelayApi } from '../relay/relay-api.ts';
import { requestCall } from '../call-request.ts';
import { detectSelectedNumber } from '../numbers/detect-numbers.ts';
import { messageListener, type PageMessages } from '../messages.ts';
import { isMissedCall } from '../missed-calls.ts';
import { matchesPattern, originPattern } from '../sites.ts';
import { agentSettings, connectionStatus, enabledSites, relayNumber, relaySettings, resolvedDefaultCountry } from '../storage.ts';
import { takenByOf } from '../taken-by.ts';
import { CALL_PARTS_CSS } from '../content/ui/styles.ts';
import { ConnectionBadge } from '../ui/ConnectionBadge.tsx';
import { useStored } from '../ui/use-stored.ts';
import { MissedCalls } from './MissedCalls.tsx';
import { RecentCall } from './RecentCall.tsx';

/** How many calls the popup reads at a time: the recent ones it lists and the missed ones among them. */
const CALLS_READ = 50;
/** Recent calls listed at first, and how many more each "Show more" lists. */
const RECENT_SHOWN = 8;

/** Toolbar popup: dial box, missed and recent calls (each opens to its contact, call back and wrap-up), connection, enable/disable on the current site. */
export function Popup() {
  const [status] = useStored(connectionStatus);
  const [sites = []] = useStored(enabledSites);
  const [agent] = useStored(agentSettings);
  const [relayPhone] = useStored(relayNumber);
  const [tab, setTab] = useState<browser.Tabs.Tab | undefined>(undefined);
  const [number, setNumber] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);
  const [calls, setCalls] = useState<CallView[] | string | undefined>(undefined);
  const [recentShown, setRecentShown] = useState(RECENT_SHOWN);
  // The relay's cursor to the calls after those read; null once every call is read.
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [reading, setReading] = useState<'idle' | 'reading' | string>('idle');
  const [country, setCountry] = useState('US');
  const missed = useMemo(() => (Array.isArray(calls) ? calls.filter(isMissedCall) : []), [calls]);
  // A call as the relay answered an action on it, or as its last event has it: shown at once.
  const showCall = useCallback((changed: CallView) => setCalls((shown) => (Array.isArray(shown) ? withCall(shown, changed) : shown)), []);

  useEffect(() => {
    void browser.tabs.query({ active: true, currentWindow: true }).then(([active]) => setTab(active));
    void resolvedDefaultCountry().then(setCountry);
    void relaySettings.getValue().then(async (relay) => {
      const api = new RelayApi(relay);
      if (!api.configured) return setCalls('Set up the relay in Options to see your calls.');
      try {
        const page = await api.calls({ limit: CALLS_READ });
        setCalls(page.calls);
        setNextCursor(page.next_cursor);
      } catch (error) {
        setCalls((error as Error).message);
      }
    });
    // While the popup is open the lists follow the relay's events, as the page's popups do.
    const listener = messageListener<PageMessages>({ 'call-changed': ({ call }) => showCall(call) });
    browser.runtime.onMessage.addListener(listener);
    return () => browser.runtime.onMessage.removeListener(listener);
  }, []);

  // Older calls: more of those read, and once they are all listed the relay's next page.
  const showMore = async () => {
    if (!Array.isArray(calls)) return;
    if (calls.length < recentShown + RECENT_SHOWN && nextCursor) {
      setReading('reading');
      try {
        const page = await new RelayApi(await relaySettings.getValue()).calls({ limit: CALLS_READ, cursor: nextCursor });
        setCalls((read) => (Array.isArray(read) ? [...read, ...page.calls.filter((c) => !read.some((r) => r.id === c.id))] : read));
        setNextCursor(page.next_cursor);
        setReading('idle');
      } catch (error) {
        return setReading((error as Error).message);
      }
    }
    setRecentShown((shown) => shown + RECENT_SHOWN);
  };

  const isWeb = Boolean(tab?.url && /^https?:/.test(tab.url));
  const site = isWeb ? sites.find((s) => matchesPattern(s.pattern, tab!.url!)) : undefined;
  const call = async (event: Event) => {
    event.preventDefault();
    const typed = number.trim();
    if (!typed) return;
    setMessage({ kind: 'ok', text: 'Calling your phone…' });
    // "+1 415 555 0100 ext. 204" is read as "Call selection" reads it: the number and its
    // extension. Text that is no number goes as typed, for the engine to say why. The
    // background shows progress in the CRM tab the agent is looking at, if any.
    const target = detectSelectedNumber(typed, country);
    const result = await requestCall(target?.e164 ?? typed, target?.extension);
    setMessage(result.ok ? { kind: 'ok', text: 'Your phone is ringing.' } : { kind: 'error', text: result.error });
  };
  const toggleSite = async () => {
    if (!tab?.url) return;
    if (site) {
      await enabledSites.setValue(sites.filter((s) => s !== site));
      return;
    }
    const pattern = originPattern(tab.url);
    if (!(await browser.permissions.request({ origins: [pattern] }))) return setMessage({ kind: 'error', text: 'Permission was not granted.' });
    await enabledSites.setValue([...(await enabledSites.getValue()), { pattern }]);
  };

  return (
    <main style="width: 320px; padding: 12px">
      <style>{CALL_PARTS_CSS}</style>
      <div class="row" style="justify-content: space-between">
        <strong>Phone Connector</strong>
        <span style="text-align: right">
          <ConnectionBadge status={status} />
        </span>
      </div>
      <form onSubmit={call} class="row" style="margin-top: 10px">
        <input type="tel" aria-label="Number to call" placeholder="Number to call" value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} />
        <button class="primary" type="submit">Call</button>
      </form>
      {message ? <p role="status" class={message.kind}>{message.text}</p> : null}
      {isWeb ? (
        <p>
          <button type="button" onClick={() => void toggleSite()} data-testid="toggle-site">
            {site ? 'Disable on this site' : 'Enable on this site'}
          </button>
        </p>
      ) : null}
      <MissedCalls calls={missed} country={country} />
      <h2 style="font-size: 13px; margin: 12px 0 4px">Recent calls</h2>
      {typeof calls === 'string' ? (
        <p class="hint">{calls}</p>
      ) : calls === undefined ? (
        <p class="hint">Loading…</p>
      ) : calls.length === 0 ? (
        <p class="hint">No calls yet.</p>
      ) : (
        <ul style="list-style: none; padding: 0; margin: 0" data-testid="recent-calls">
          {calls.slice(0, recentShown).map((c) => (
            // A team's call: who took it, for everyone whose phone rang.
            <RecentCall key={c.id} call={c} country={country} taken={takenByOf(c, [agent?.extension, relayPhone], country)} onChange={showCall} />
          ))}
        </ul>
      )}
      {Array.isArray(calls) && (calls.length > recentShown || nextCursor) ? (
        <p>
          <button type="button" data-pc-action="show-more" disabled={reading === 'reading'} onClick={() => void showMore()}>
            {reading === 'reading' ? 'Loading…' : 'Show more'}
          </button>
        </p>
      ) : null}
      {reading !== 'idle' && reading !== 'reading' ? <p class="error">{reading}</p> : null}
      <p style="margin-top: 10px">
        <a href={browser.runtime.getURL('/options.html')} target="_blank" rel="noopener">Options</a>
      </p>
    </main>
  );
}

/**
 * The calls with `call` as it now is: in its place when listed, else first (the newest). The
 * relay's answer to the agent's own change and the event about it race: the newer one stays, as
 * in the page's popups.
 */
function withCall(calls: CallView[], call: CallView): CallView[] {
  const listed = calls.find((c) => c.id === call.id);
  if (!listed) return [call, ...calls];
  return call.updated_at < listed.updated_at ? calls : calls.map((c) => (c === listed ? call : c));
}
