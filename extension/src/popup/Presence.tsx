import { MAX_AWAY_HOURS, type TeamMember, type TeamView } from '@phone-connector/shared';
import { useEffect, useState } from 'preact/hooks';
import { RelayApi } from '../relay/relay-api.ts';
import { awayForLock, awaySince, awayUntil, awayWhileLocked, keepPresence, relaySettings } from '../storage.ts';
import { useStored } from '../ui/use-stored.ts';
import { inSentence, instantTime, TimeInSentence } from './call-time.tsx';

/** How often the open popup reads the team again: colleagues take calls and come and go. */
const TEAM_REFRESH_MS = 15_000;

/**
 * Whether the team's calls ring this agent: a switch in the toolbar popup, kept at the relay
 * (`PATCH /me {away}`), where routing leaves an agent who is away out of the team's calls while a
 * colleague is available (a call to their own number still rings them). Read from the relay each
 * time the popup opens: another browser, or an admin's `relay agent away`, may have changed it.
 * With it, the team (`GET /team`) as routing sees it, so the switch says what it changes: whom the
 * team's calls ring, and that being away changes nothing while no colleague is available (or,
 * where those calls go to voicemail while everyone is away, that they go there). An agent alone
 * on the relay has no team's calls to step out of: no switch, unless they are away (they need
 * the way back). Under it, when the agent comes back on their own (`away_until`: the
 * relay makes them available then), and whether locking this computer makes the agent away
 * (background/lock-away.ts).
 */
export function Presence() {
  const [since] = useStored(awaySince);
  const [until] = useStored(awayUntil);
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
        await keepPresence(me);
      } catch {
        // Unreachable: the last value read stays, and the connection badge says why.
      }
    });
    const refresh = setInterval(() => void readTeam(), TEAM_REFRESH_MS);
    return () => clearInterval(refresh);
  }, []);

  if (!configured || since === undefined) return null;
  const away = since !== null;
  const afterHours = team ? <AfterHours team={team} /> : null;
  // Alone on the relay: no switch, unless away (from before the colleagues left): the way back.
  if (team && team.counts.agents < 2 && !away) return afterHours;
  /** Away (until `until`, a time; null: until they say) or available, at the relay. */
  const change = async (patch: { away: boolean; away_until?: string | null }) => {
    setSaving(true);
    setError(undefined);
    try {
      const me = await new RelayApi(await relaySettings.getValue()).updateMe(patch);
      await keepPresence(me);
      // The agent's own say from now on: unlocking the computer leaves it as it is.
      await awayForLock.setValue(false);
      void readTeam();
    } catch (failure) {
      setError(`Could not change it: ${(failure as Error).message}`);
    } finally {
      setSaving(false);
    }
  };
  const when = since === null ? undefined : instantTime(until ?? since);
  const colleagues = team && myId ? team.counts.available - (team.agents.some((agent) => agent.id === myId && agent.away_since === null) ? 1 : 0) : undefined;
  // Closed (the line above says so): whom the team's calls ring is true again once the number opens.
  const onceOpen = team?.closed ? 'once open, ' : '';
  return (
    <div data-pc-field="presence" style="margin-top: 8px">
      {afterHours}
      <div class="row">
        <button type="button" role="switch" aria-checked={!away} data-pc-action="presence" disabled={saving} onClick={() => void change({ away: !away })} title={away ? 'Take the team’s calls again' : 'Stop the team’s calls ringing your phone'}>
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
                  {until ? 'until' : 'since'} <TimeInSentence time={when} />:{' '}
                </>
              ) : null}
              {onceOpen}
              {colleagues === undefined
                ? 'the team’s calls ring your colleagues'
                : colleagues > 0
                  ? `the team’s calls ring your ${colleagues} available ${colleagues === 1 ? 'colleague' : 'colleagues'}`
                  : team?.away_voicemail
                    ? 'no colleague is available, so the team’s calls go to voicemail'
                    : 'no colleague is available, so the team’s calls still ring you'}
            </>
          ) : (
            onceOpen + (colleagues ? `the team’s calls ring you and ${colleagues} ${colleagues === 1 ? 'colleague' : 'colleagues'}` : 'the team’s calls ring you')
          )}
        </span>
      </div>
      <ReturnTime away={away} until={until ?? null} disabled={saving} onChoose={(at) => void change({ away: true, away_until: at })} />
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

/**
 * Outside the opening hours of a number whose calls would ring the agent, where its callers then go
 * to voicemail (`GET /team`'s `closed`): until when. Its calls ring nobody, the agent's switch
 * aside. A number closed whose callers would still ring the agents is not said here: its calls
 * ring as always (Options > Opening hours says why).
 */
function AfterHours({ team }: { team: TeamView }) {
  if (!team.closed) return null;
  const opens = team.closed.until ? instantTime(team.closed.until) : undefined;
  return (
    <p class="hint" data-pc-field="closed" style="margin: 0 0 6px">
      Closed
      {opens ? (
        <>
          {' until '}
          <TimeInSentence time={opens} />
        </>
      ) : null}
      : callers go to voicemail
    </p>
  );
}

/**
 * When the agent comes back on their own: offered while available (away for half an hour, an
 * hour, two, until the next 8 AM, or a day and time of their own within the relay's week) and
 * while away (another return time, or none: until they switch back). The relay makes them
 * available at that time, browser open or not.
 */
function ReturnTime({ away, until, disabled, onChoose }: { away: boolean; until: string | null; disabled: boolean; onChoose(at: string | null): void }) {
  const [picking, setPicking] = useState(false);
  const [problem, setProblem] = useState<string | undefined>(undefined);
  const choices = returnChoices(new Date());
  if (picking) {
    const now = new Date();
    const set = (event: Event) => {
      event.preventDefault();
      const typed = (event.currentTarget as HTMLFormElement).querySelector('input')!.value;
      const at = pickedReturn(typed, new Date());
      if (typeof at !== 'string') return setProblem(at.problem);
      setPicking(false);
      setProblem(undefined);
      onChoose(at);
    };
    return (
      <form class="row" style="margin-top: 6px" onSubmit={set} data-pc-field="away-until-form">
        <input
          type="datetime-local"
          aria-label={away ? 'Back at' : 'Away until'}
          data-pc-field="away-until-time"
          min={localInputValue(now)}
          max={localInputValue(new Date(now.getTime() + MAX_AWAY_MS))}
          value={localInputValue(new Date(choices.at(-1)!.at))}
          style="width: auto"
        />
        <button type="submit" class="primary" disabled={disabled}>
          Set
        </button>
        <button type="button" onClick={() => (setPicking(false), setProblem(undefined))}>
          Cancel
        </button>
        {problem ? (
          <p class="error" role="alert" style="flex-basis: 100%; margin: 4px 0 0">
            {problem}
          </p>
        ) : null}
      </form>
    );
  }
  return (
    <select
      data-pc-field="away-for"
      aria-label={away ? 'Back' : 'Away for'}
      disabled={disabled}
      style="margin-top: 6px; width: auto"
      value=""
      onChange={(event) => {
        const select = event.target as HTMLSelectElement;
        const picked = select.value;
        select.value = '';
        if (picked === 'pick') setPicking(true);
        else if (picked) onChoose(picked === 'none' ? null : picked);
      }}
    >
      <option value="">{away ? 'Back…' : 'Away for…'}</option>
      {choices.map((choice) => (
        <option key={choice.label} value={choice.at}>
          {away ? choice.back : choice.label}
        </option>
      ))}
      <option value="pick">{away ? 'At a day and time…' : 'Until a day and time…'}</option>
      {away && until ? <option value="none">When I switch back</option> : null}
    </select>
  );
}

/** The relay's farthest return time from now (`MAX_AWAY_HOURS`). */
const MAX_AWAY_MS = MAX_AWAY_HOURS * 3_600_000;

/** A date as a `datetime-local` input holds it: the reader's own time, to the minute. */
function localInputValue(date: Date): string {
  const two = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())}T${two(date.getHours())}:${two(date.getMinutes())}`;
}

/**
 * The return time a `datetime-local` value picks (the reader's own time), as the relay takes it:
 * later than `now` and within its week (`MAX_AWAY_HOURS`); else why not.
 */
function pickedReturn(value: string, now: Date): string | { problem: string } {
  const at = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value) ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) return { problem: 'Pick a day and a time.' };
  if (at.getTime() <= now.getTime()) return { problem: 'Pick a time still to come.' };
  if (at.getTime() > now.getTime() + MAX_AWAY_MS) return { problem: 'Pick a time within the next 7 days.' };
  return at.toISOString();
}

/** The return times offered at `now`: in 30 minutes, 1 hour, 2 hours, and at the next 8:00 in the reader's time zone. */
export function returnChoices(now: Date): Array<{ label: string; back: string; at: string }> {
  const later = (minutes: number) => new Date(now.getTime() + minutes * 60_000).toISOString();
  const morning = new Date(now);
  morning.setHours(8, 0, 0, 0);
  const today = morning.getTime() > now.getTime();
  if (!today) morning.setDate(morning.getDate() + 1);
  const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(morning);
  const day = today ? 'today' : 'tomorrow';
  return [
    { label: '30 minutes', back: 'In 30 minutes', at: later(30) },
    { label: '1 hour', back: 'In 1 hour', at: later(60) },
    { label: '2 hours', back: 'In 2 hours', at: later(120) },
    { label: `Until ${time} ${day}`, back: `At ${time} ${day}`, at: morning.toISOString() },
  ];
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
  if (member.away_since !== null) {
    // A relay from before return times sends none.
    const back = member.away_until ? instantTime(member.away_until) : undefined;
    const away = back ? `away until ${inSentence(back.label)}` : 'away';
    return member.on_call ? `${away}, on a call` : away;
  }
  return member.on_call ? 'on a call' : 'available';
}
