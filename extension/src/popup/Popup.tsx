import { type CallView, callMatches, parseCallSearch } from '@phone-connector/shared';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import browser from 'webextension-polyfill';
import { requestCall } from '../call-request.ts';
import { detectSelectedNumber } from '../numbers/detect-numbers.ts';
import { messageListener, type PageMessages } from '../messages.ts';
import { isMissedCall } from '../missed-calls.ts';
import { matchesPattern, originPattern } from '../sites.ts';
import { agentSettings, connectionStatus, enabledSites, relayNumber, resolvedDefaultCountry } from '../storage.ts';
import { takenByOf } from '../taken-by.ts';
import { CALL_PARTS_CSS } from '../content/ui/styles.ts';
import { ConnectionBadge } from '../ui/ConnectionBadge.tsx';
import { useStored } from '../ui/use-stored.ts';
import { callSelectionShortcut } from '../background/call-selection.ts';
import { type CallListing, useCallListing } from './call-listing.ts';
import { CallsUnderWayCards, useCallsUnderWay } from './CallsUnderWay.tsx';
import { MissedCalls } from './MissedCalls.tsx';
import { Presence } from './Presence.tsx';
import { RecentCall } from './RecentCall.tsx';

/** How long the search box waits for the agent to stop typing before it asks the relay. */
const SEARCH_DELAY_MS = 300;

/** Toolbar popup: whether the team's calls ring the agent, the calls placed and still under way (Cancel, Hang up), dial box, missed and recent calls (each opens to its contact, call back and wrap-up), a search of all calls, connection, enable/disable on the current site. */
export function Popup() {
  const [status] = useStored(connectionStatus);
  const [sites = []] = useStored(enabledSites);
  const [agent] = useStored(agentSettings);
  const [relayPhone] = useStored(relayNumber);
  const [tab, setTab] = useState<browser.Tabs.Tab | undefined>(undefined);
  const [number, setNumber] = useState('');
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);
  const [country, setCountry] = useState('US');
  const [searchText, setSearchText] = useState('');
  // The keys that call a number selected in a page (background/call-selection.ts), as the agent has them.
  const [shortcut, setShortcut] = useState<string | undefined>(undefined);
  const search = searchText.trim();
  const recent = useCallListing('');
  const found = useCallListing(search || null, SEARCH_DELAY_MS);
  const underWay = useCallsUnderWay();
  const listed = useMemo(() => (Array.isArray(recent.calls) ? recent.calls : []), [recent.calls]);
  const missed = useMemo(() => listed.filter(isMissedCall), [listed]);
  // A call as the relay answered an action on it, or as its last event has it: shown at once,
  // among the calls found too when it is one the search finds.
  const showCall = useCallback(
    (changed: CallView) => {
      recent.showCall(changed);
      const wanted = search ? parseCallSearch(search, country) : undefined;
      found.showCall(changed, (call) => wanted !== undefined && callMatches(call, wanted));
    },
    [search, country],
  );

  useEffect(() => {
    void browser.tabs.query({ active: true, currentWindow: true }).then(([active]) => setTab(active));
    void resolvedDefaultCountry().then(setCountry);
    void callSelectionShortcut().then(setShortcut);
  }, []);
  // While the popup is open the lists and the calls under way follow the relay's events, as the page's popups do.
  useEffect(() => {
    const listener = messageListener<PageMessages>({
      'call-changed': ({ call }) => {
        showCall(call);
        underWay.showCall(call);
      },
      'placed-calls-changed': () => void underWay.refresh(),
    });
    browser.runtime.onMessage.addListener(listener);
    return () => browser.runtime.onMessage.removeListener(listener);
  }, [showCall]);

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
      <Presence />
      <CallsUnderWayCards underWay={underWay} />
      <form onSubmit={call} class="row" style="margin-top: 10px">
        <input type="tel" aria-label="Number to call" placeholder="Number to call" value={number} onInput={(e) => setNumber((e.target as HTMLInputElement).value)} />
        <button class="primary" type="submit">Call</button>
      </form>
      {message ? (
        <p role="status" class={message.kind} data-testid="dial-status">
          {message.text}
        </p>
      ) : shortcut ? (
        <p class="hint" data-pc-field="shortcut">
          Or select a number in any page and press <kbd>{shortcut}</kbd>.
        </p>
      ) : null}
      {isWeb ? (
        <p>
          <button type="button" onClick={() => void toggleSite()} data-testid="toggle-site">
            {site ? 'Disable on this site' : 'Enable on this site'}
          </button>
        </p>
      ) : null}
      <MissedCalls calls={missed} recent={listed} country={country} />
      <div class="row" style="margin: 12px 0 4px">
        <h2 style="font-size: 13px; margin: 0">{search ? 'Calls found' : 'Recent calls'}</h2>
        <input
          type="search"
          aria-label="Find a call"
          placeholder="Name, number, notes…"
          style="max-width: 170px"
          value={searchText}
          onInput={(e) => setSearchText((e.target as HTMLInputElement).value)}
        />
      </div>
      <CallList
        listing={search ? found : recent}
        testId={search ? 'found-calls' : 'recent-calls'}
        empty={search ? 'No call found.' : 'No calls yet.'}
        line={(c) => (
          // A team's call: who took it, for everyone whose phone rang.
          <RecentCall key={c.id} call={c} country={country} taken={takenByOf(c, [agent?.extension, relayPhone], country)} onChange={showCall} />
        )}
      />
      <p style="margin-top: 10px">
        <a href={browser.runtime.getURL('/options.html')} target="_blank" rel="noopener">Options</a>
      </p>
    </main>
  );
}

/**
 * The calls of a listing, `line` each, with "Show more" while it has more. A search that read
 * its share of calls without finding any (the relay reads a bounded number per request) offers
 * to search older ones.
 */
function CallList({ listing, testId, empty, line }: { listing: CallListing; testId: string; empty: string; line: (call: CallView) => preact.JSX.Element }) {
  const { calls, shown, more, reading, showMore } = listing;
  if (typeof calls === 'string') return <p class="hint">{calls}</p>;
  if (calls === undefined) return <p class="hint">Loading…</p>;
  return (
    <>
      {calls.length === 0 ? (
        <p class="hint" data-testid="calls-empty">
          {more ? 'None among your latest calls.' : empty}
        </p>
      ) : (
        <ul style="list-style: none; padding: 0; margin: 0" data-testid={testId}>
          {calls.slice(0, shown).map(line)}
        </ul>
      )}
      {more ? (
        <p>
          <button type="button" data-pc-action="show-more" disabled={reading === 'reading'} onClick={() => void showMore()}>
            {reading === 'reading' ? 'Loading…' : calls.length === 0 ? 'Search older calls' : 'Show more'}
          </button>
        </p>
      ) : null}
      {reading !== 'idle' && reading !== 'reading' ? <p class="error">{reading}</p> : null}
    </>
  );
}
