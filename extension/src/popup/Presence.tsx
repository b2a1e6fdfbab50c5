import { useEffect, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { awayForLock, awaySince, awayWhileLocked, relaySettings } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';
import { instantTime } from './call-time.tsx';

/**
 * Whether the team's calls ring this agent: a switch in the toolbar popup, kept at the relay
 * (`PATCH /me {away}`), where routing leaves an agent who is away out of the team's calls while a
 * colleague is available (a call to their own number still rings them). Read from the relay each
 * time the popup opens: another browser, or an admin's `relay agent away`, may have changed it.
 * Below it, whether locking this computer makes the agent away (background/lock-away.ts).
 */
export function Presence() {
  const [since] = useStored(awaySince);
  const [whileLocked] = useStored(awayWhileLocked);
  const [configured, setConfigured] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);

  useEffect(() => {
    void relaySettings.getValue().then(async (settings) => {
      const api = new RelayApi(settings);
      if (!api.configured) return;
      setConfigured(true);
      try {
        await awaySince.setValue((await api.me()).away_since);
      } catch {
        // Unreachable: the last value read stays, and the connection badge says why.
      }
    });
  }, []);

  if (!configured || since === undefined) return null;
  const away = since !== null;
  const toggle = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const me = await new RelayApi(await relaySettings.getValue()).updateMe({ away: !away });
      await awaySince.setValue(me.away_since);
      // The agent's own say from now on: unlocking the computer leaves it as it is.
      await awayForLock.setValue(false);
    } catch (failure) {
      setError(`Could not change it: ${(failure as Error).message}`);
    } finally {
      setSaving(false);
    }
  };
  const when = since === null ? undefined : instantTime(since);
  return (
    <div data-pc-field="presence" style="margin-top: 8px">
      <div class="row">
        <button type="button" role="switch" aria-checked={!away} data-pc-action="presence" disabled={saving} onClick={() => void toggle()} title={away ? 'Take the team’s calls again' : 'Stop the team’s calls ringing your phone'}>
          <span aria-hidden="true" style={`color: ${away ? 'var(--pc-muted)' : 'var(--pc-ok)'}`}>
            ●
          </span>{' '}
          {away ? 'Away' : 'Available'}
        </button>
        <span class="hint" data-pc-field="presence-hint">
          {away ? (
            <>
              {when ? (
                <>
                  since{' '}
                  <time dateTime={when.iso} title={when.full}>
                    {when.label}
                  </time>
                  :{' '}
                </>
              ) : null}
              the team’s calls ring your colleagues
            </>
          ) : (
            'the team’s calls ring you'
          )}
        </span>
      </div>
      {/* Firefox never reports a locked screen (its idle states are active and idle). */}
      {import.meta.env.FIREFOX ? null : (
        <label class="hint" style="display: block; margin: 6px 0 0; font-weight: 400">
          <input
            type="checkbox"
            data-pc-field="away-while-locked"
            checked={whileLocked ?? true}
            onChange={(event) => void awayWhileLocked.setValue((event.target as HTMLInputElement).checked)}
          />{' '}
          Away while this computer is locked
        </label>
      )}
      {error ? <p class="error">{error}</p> : null}
    </div>
  );
}
