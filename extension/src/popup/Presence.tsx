import type { TeamMember, TeamView } from '@phone-connector/shared';
import { useEffect, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { awayForLock, awaySince, awayWhileLocked, relaySettings } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';
import { instantTime } from './call-time.tsx';

/** How often the open popup reads the team again: colleagues take calls and come and go. */
const TEAM_REFRESH_MS = 15_000;

/**
 * Whether the team's calls ring this agent: a switch in the toolbar popup, kept at the relay
 * (`PATCH /me {away}`), where routing leaves an agent who is away out of the team's calls while a
 * colleague is available (a call to their own number still rings them). Read from the relay each
 * time the popup opens: another browser, or an admin's `relay agent away`, may have changed it.
 * With it, the team (`GET /team`) as routing sees it, so the switch says what it changes: whom the
 * team's calls ring, and that being away changes nothing while no colleague is available. An
 * agent alone on the relay has no team's calls to step out of: no switch, unless they are away
 * (they need the way back). Below it, whether locking this computer makes the agent away
 * (background/lock-away.ts).
 */
export function Presence() {
  const [since] = useStored(awaySince);
  const [whileLocked] = useStored(awayWhileLocked);
  const [configured, setConfigured] = useState(false);
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [myId, setMyId] = useState<string | undefined>(undefined);
  const [team, setTeam] = useState<TeamView | undefined>(undefined);

  const readTeam = async () => {
    const api = new RelayApi(await relaySettings.getValue());
    if (!api.configured) return;
    // A relay from before the team, or out of reach: the switch says what it always said.
    await api.team().then(setTeam, () => undefined);
  };

  useEffect(() => {
    void relaySettings.getValue().then(async (settings) => {
      const api = new RelayApi(settings);
      if (!api.configured) return;
      setConfigured(true);
      void readTeam();
      try {
        const me = await api.me();
        setMyId(me.id);
        await awaySince.setValue(me.away_since);
      } catch {
        // Unreachable: the last value read stays, and the connection badge says why.
      }
    });
    const refresh = setInterval(() => void readTeam(), TEAM_REFRESH_MS);
    return () => clearInterval(refresh);
  }, []);

  if (!configured || since === undefined) return null;
  const away = since !== null;
  // Alone on the relay: no switch, unless away (from before the colleagues left): the way back.
  if (team && team.counts.agents < 2 && !away) return null;
  const toggle = async () => {
    setSaving(true);
    setError(undefined);
    try {
      const me = await new RelayApi(await relaySettings.getValue()).updateMe({ away: !away });
      await awaySince.setValue(me.away_since);
      // The agent's own say from now on: unlocking the computer leaves it as it is.
      await awayForLock.setValue(false);
      void readTeam();
    } catch (failure) {
      setError(`Could not change it: ${(failure as Error).message}`);
    } finally {
      setSaving(false);
    }
  };
  const when = since === null ? undefined : instantTime(since);
  const colleagues = team && myId ? team.counts.available - (team.agents.some((agent) => agent.id === myId && agent.away_since === null) ? 1 : 0) : undefined;
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
              {colleagues === undefined
                ? 'the team’s calls ring your colleagues'
                : colleagues > 0
                  ? `the team’s calls ring your ${colleagues} available ${colleagues === 1 ? 'colleague' : 'colleagues'}`
                  : 'no colleague is available, so the team’s calls still ring you'}
            </>
          ) : colleagues ? (
            `the team’s calls ring you and ${colleagues} ${colleagues === 1 ? 'colleague' : 'colleagues'}`
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
      {team ? <Team team={team} myId={myId} /> : null}
      {error ? <p class="error">{error}</p> : null}
    </div>
  );
}

/** The team, folded: how many are available (on a call among them) and away, then each by name. */
function Team({ team, myId }: { team: TeamView; myId: string | undefined }) {
  const { available, available_on_call: onCall, away } = team.counts;
  const summary = [`${available} available${onCall ? ` (${onCall} on a call)` : ''}`, away ? `${away} away` : undefined].filter(Boolean).join(', ');
  return (
    <details data-pc-field="team" class="hint" style="margin: 6px 0 0">
      <summary>Team: {summary}</summary>
      <ul style="list-style: none; margin: 4px 0 0; padding: 0">
        {team.agents.map((member) => (
          <li key={member.id} data-pc-member={member.id} style="padding: 1px 0">
            <span aria-hidden="true" style={`color: ${member.away_since !== null ? 'var(--pc-muted)' : member.on_call ? 'var(--pc-warning)' : 'var(--pc-ok)'}`}>
              ●
            </span>{' '}
            {member.name}
            {member.id === myId ? ' (you)' : ''} · {memberState(member)}
          </li>
        ))}
        {team.more > 0 ? <li>and {team.more} more</li> : null}
      </ul>
    </details>
  );
}

function memberState(member: TeamMember): string {
  if (member.away_since !== null) return member.on_call ? 'away, on a call' : 'away';
  return member.on_call ? 'on a call' : 'available';
}
