import type { CallView } from '@phone-connector/shared';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { relaySettings } from '../storage.ts';

/** How many calls the popup reads at a time. */
export const CALLS_READ = 50;
/** Calls listed at first, and how many more each "Show more" lists. */
export const CALLS_SHOWN = 8;

export interface CallListing {
  /** The calls read, newest first; a string says why there are none (no relay, an error); undefined while the first page is read. */
  calls: CallView[] | string | undefined;
  /** How many of them are listed. */
  shown: number;
  /** Whether "Show more" has more to list: calls read and not listed, or the relay's next page. */
  more: boolean;
  /** 'reading' while the relay's next page is read; else why it could not be. */
  reading: 'idle' | 'reading' | string;
  showMore(): Promise<void>;
  /** Puts a call as it now is in the list: in its place when listed, first when new and `takes` it. */
  showCall(call: CallView, takes?: (call: CallView) => boolean): void;
}

/**
 * The agent's calls the relay finds for `q` (all of them for '', none read for null), read a page
 * at a time as "Show more" lists them. A search is read after `delayMs` without another (the
 * agent is typing), and an answer to a search the agent has typed past is dropped.
 */
export function useCallListing(q: string | null, delayMs = 0): CallListing {
  const [calls, setCalls] = useState<CallView[] | string | undefined>(undefined);
  const [shown, setShown] = useState(CALLS_SHOWN);
  // The relay's cursor to the calls after those read; null once every call is read.
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [reading, setReading] = useState<'idle' | 'reading' | string>('idle');
  // The search whose answers the list takes: a page read for another is dropped.
  const listed = useRef(q);
  // Calls the relay's events brought while its first page was being read: put in once it is.
  const early = useRef<Array<{ call: CallView; takes: (call: CallView) => boolean }> | null>(null);

  useEffect(() => {
    listed.current = q;
    early.current = q === null ? null : [];
    const current = () => listed.current === q;
    setCalls(undefined);
    setShown(CALLS_SHOWN);
    setNextCursor(null);
    setReading('idle');
    if (q === null) return;
    const read = async () => {
      const api = new RelayApi(await relaySettings.getValue());
      if (!api.configured) return current() && setCalls('Set up the relay in Options to see your calls.');
      try {
        const page = await api.calls({ limit: CALLS_READ, q: q || undefined });
        if (!current()) return;
        // The page may have been read before an event's change: the newer of each stays (withCall).
        setCalls((early.current ?? []).reduce((calls, { call, takes }) => withCall(calls, call, takes), page.calls));
        early.current = null;
        setNextCursor(page.next_cursor);
      } catch (error) {
        if (!current()) return;
        setCalls((error as Error).message);
        early.current = null;
      }
    };
    const timer = setTimeout(() => void read(), q ? delayMs : 0);
    return () => clearTimeout(timer);
  }, [q]);

  // More of those read, and once they are all listed the relay's next page.
  const showMore = async () => {
    if (!Array.isArray(calls)) return;
    if (calls.length < shown + CALLS_SHOWN && nextCursor) {
      setReading('reading');
      try {
        const page = await new RelayApi(await relaySettings.getValue()).calls({ limit: CALLS_READ, cursor: nextCursor, q: q || undefined });
        if (listed.current !== q) return;
        setCalls((read) => (Array.isArray(read) ? [...read, ...page.calls.filter((c) => !read.some((r) => r.id === c.id))] : read));
        setNextCursor(page.next_cursor);
        setReading('idle');
      } catch (error) {
        return setReading((error as Error).message);
      }
    }
    setShown((before) => before + CALLS_SHOWN);
  };

  const showCall = useCallback((changed: CallView, takes: (call: CallView) => boolean = () => true) => {
    if (early.current) early.current.push({ call: changed, takes });
    else setCalls((listed) => (Array.isArray(listed) ? withCall(listed, changed, takes) : listed));
  }, []);

  return { calls, shown, more: Array.isArray(calls) && (calls.length > shown || nextCursor !== null), reading, showMore, showCall };
}

/**
 * The calls with `call` as it now is: in its place when listed, else, when the list takes it,
 * where its id puts it (newest first: a new call first, an older one changed elsewhere below the
 * calls since). The relay's answer to the agent's own change and the event about it race: the
 * newer one stays, as in the page's popups.
 */
function withCall(calls: CallView[], call: CallView, takes: (call: CallView) => boolean): CallView[] {
  const listed = calls.find((c) => c.id === call.id);
  if (!listed) {
    if (!takes(call)) return calls;
    const after = calls.findIndex((c) => c.id < call.id);
    return after === -1 ? [...calls, call] : [...calls.slice(0, after), call, ...calls.slice(after)];
  }
  return call.updated_at < listed.updated_at ? calls : calls.map((c) => (c === listed ? call : c));
}
