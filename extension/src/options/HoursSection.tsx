import { type InstanceView, type OpeningHours, WEEK_DAYS, type WeekDay } from '@phone-connector/shared';
import { type ComponentChildren, Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import { instanceBody } from '../instance-body.ts';
import { instantTime, TimeInSentence } from '../popup/call-time.tsx';
import { RelayApi, RelayError } from '../relay/relay-api.ts';
import { providerSettings, relaySettings } from '../storage.ts';
import { onInstanceSaved } from './instance-saved.ts';
import { formatDayHours, parseClosedDates, parseDayHours } from './opening-hours-text.ts';
import { type SaveMessage, SaveStatus } from './SaveStatus.tsx';

const DAY_NAMES: Record<WeekDay, string> = { mon: 'Monday', tue: 'Tuesday', wed: 'Wednesday', thu: 'Thursday', fri: 'Friday', sat: 'Saturday', sun: 'Sunday' };

/** The form: each day's hours as typed, the closed dates as typed. */
interface Draft {
  enabled: boolean;
  timeZone: string;
  days: Record<WeekDay, string>;
  closedOn: string;
}

/** What the relay says of the instance's hours: whether it is open now, and where its callers go outside them. */
type Known = Pick<InstanceView, 'open_now' | 'away_voicemail'>;

/**
 * The opening hours of this extension's instance's number, kept at the relay (`PUT /instances/:id
 * {hours}`), where outside them every agent its calls reach counts as away: with the provider's
 * "straight to voicemail" box ticked (and a greeting), callers hear the greeting and no phone
 * rings. Read from the relay, whose hours they are (another admin's browser may have set them),
 * and followed as the page's other sections save the instance (the provider's save may create it,
 * and its tick box decides where callers go); saved with the provider's settings, as every
 * instance save is.
 */
export function HoursSection() {
  const [draft, setDraft] = useState<Draft | undefined>(undefined);
  const [known, setKnown] = useState<Known | undefined>(undefined);
  const [unavailable, setUnavailable] = useState<string | undefined>(undefined);
  const [message, setMessage] = useState<SaveMessage | undefined>(undefined);
  const [invalid, setInvalid] = useState<Partial<Record<WeekDay | 'closedOn', string>>>({});
  // The ~400 zones' options, made again only when the zone changes: not on each key typed in a day's hours.
  const zoneOptions = useMemo(
    () =>
      timeZones(draft?.timeZone).map((zone) => (
        <option value={zone} key={zone}>
          {zone}
        </option>
      )),
    [draft?.timeZone],
  );

  useEffect(() => {
    void (async () => {
      const api = new RelayApi(await relaySettings.getValue());
      if (!api.configured) return setUnavailable('Set up the relay above first: it keeps the opening hours.');
      try {
        const instance = await api.instance((await providerSettings.getValue()).instanceId);
        setDraft(draftOf(instance.hours));
        setKnown(instance);
      } catch (error) {
        if (error instanceof RelayError && error.status === 404) return setUnavailable('Save the provider above first: the opening hours are its number’s.');
        setUnavailable(`Could not read the opening hours: ${(error as Error).message}`);
      }
    })();
    // What the relay has once another section saved: the form typed here stays as it is.
    return onInstanceSaved((instance) => {
      setUnavailable(undefined);
      setDraft((typed) => typed ?? draftOf(instance.hours));
      setKnown(instance);
    });
  }, []);

  if (unavailable)
    return (
      <HoursFrame>
        <p class="hint">{unavailable}</p>
      </HoursFrame>
    );
  if (!draft) return <section aria-busy="true" />;

  const save = async (event: Event) => {
    event.preventDefault();
    const read = readDraft(draft);
    setInvalid(read.ok ? {} : read.invalid);
    if (!read.ok) return setMessage({ kind: 'error', text: 'Some hours cannot be read: see above.' });
    setMessage({ kind: 'ok', text: 'Saving…' });
    try {
      const provider = await providerSettings.getValue();
      const instance = await new RelayApi(await relaySettings.getValue()).putInstance(provider.instanceId, { ...instanceBody(provider), hours: read.hours });
      setKnown(instance);
      setDraft(draftOf(instance.hours));
      setMessage({ kind: 'ok', text: savedText(instance) });
    } catch (error) {
      setMessage({ kind: 'error', text: `The relay did not take them: ${(error as Error).message}` });
    }
  };
  const set = (patch: Partial<Draft>) => setDraft((d) => d && { ...d, ...patch });

  return (
    <HoursFrame>
      <form onSubmit={save} noValidate>
        <label>
          <input type="checkbox" data-pc-field="hours-enabled" checked={draft.enabled} onChange={(e) => set({ enabled: (e.target as HTMLInputElement).checked })} /> Calls ring the agents only during
          these hours
        </label>
        {draft.enabled ? (
          <>
            <label for="hours-time-zone">Time zone</label>
            <select id="hours-time-zone" value={draft.timeZone} onChange={(e) => set({ timeZone: (e.target as HTMLSelectElement).value })}>
              {zoneOptions}
            </select>
            <p class="hint">Each day’s hours, 24-hour times: 09:00-17:30, or 09:00-12:30, 14:00-18:00. Blank: closed all day.</p>
            <div class="hours-week">
              {WEEK_DAYS.map((day) => (
                <Fragment key={day}>
                  <label for={`hours-${day}`}>{DAY_NAMES[day]}</label>
                  <div>
                    <input
                      id={`hours-${day}`}
                      type="text"
                      data-pc-day={day}
                      value={draft.days[day]}
                      placeholder="Closed"
                      autocomplete="off"
                      aria-invalid={invalid[day] ? 'true' : undefined}
                      onInput={(e) => set({ days: { ...draft.days, [day]: (e.target as HTMLInputElement).value } })}
                    />
                    {invalid[day] ? <p class="error">{invalid[day]}</p> : null}
                  </div>
                </Fragment>
              ))}
            </div>
            <label for="hours-closed-on">Closed on (holidays)</label>
            <p class="hint">Dates, MM-DD for a day every year, or days from Easter for the days that move with it: 12-25, 01-01, 2027-03-26, easter-2 (Good Friday), easter+1 (Easter Monday), orthodox-easter+1.</p>
            <input
              id="hours-closed-on"
              type="text"
              value={draft.closedOn}
              placeholder="12-25, 2027-03-26"
              autocomplete="off"
              aria-invalid={invalid.closedOn ? 'true' : undefined}
              onInput={(e) => set({ closedOn: (e.target as HTMLInputElement).value })}
            />
            {invalid.closedOn ? <p class="error">{invalid.closedOn}</p> : null}
          </>
        ) : null}
        {known ? <NowLine known={known} /> : null}
        <p>
          <button class="primary" type="submit">
            Save opening hours
          </button>
        </p>
        <SaveStatus message={message} testId="hours-message" />
      </form>
    </HoursFrame>
  );
}

function HoursFrame({ children }: { children: ComponentChildren }) {
  return (
    <section aria-labelledby="hours-heading" data-testid="hours-section">
      <h2 id="hours-heading">Opening hours</h2>
      <p class="hint">
        Outside them every agent counts as away: with “callers go straight to voicemail” ticked under Provider, and a greeting, callers hear it and leave a message, and no
        phone rings.
      </p>
      {children}
    </section>
  );
}

/** Open or closed now, until when, and, closed, where the callers go. */
function NowLine({ known }: { known: Known }) {
  if (!known.open_now) return null;
  const until = known.open_now.until ? instantTime(known.open_now.until) : undefined;
  return (
    <p class="hint" data-pc-field="hours-now">
      {known.open_now.open ? 'Open now' : 'Closed now'}
      {until ? (
        <>
          {known.open_now.open ? ', until ' : ', opens '}
          <TimeInSentence time={until} />
        </>
      ) : null}
      {known.open_now.open ? '.' : known.away_voicemail ? ': callers go to voicemail.' : ': calls still ring the agents, as the provider does not send callers to voicemail while everyone is away.'}
    </p>
  );
}

function savedText(instance: InstanceView): string {
  if (!instance.hours) return 'Saved: calls ring the agents at all hours.';
  return instance.away_voicemail
    ? 'Saved: outside these hours callers go to voicemail.'
    : 'Saved. Outside these hours calls still ring the agents: tick “callers go straight to voicemail” under Provider, with a greeting, to send them to voicemail.';
}

/** The form of the relay's hours, or the usual office week where the browser is, for a number with none. */
function draftOf(hours: OpeningHours | null): Draft {
  if (!hours) {
    const office = '09:00-17:00';
    return { enabled: false, timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone, days: { mon: office, tue: office, wed: office, thu: office, fri: office, sat: '', sun: '' }, closedOn: '' };
  }
  const days = Object.fromEntries(WEEK_DAYS.map((day) => [day, formatDayHours(hours.week[day])])) as Record<WeekDay, string>;
  return { enabled: true, timeZone: hours.time_zone, days, closedOn: hours.closed_on.join(', ') };
}

/** The hours to send (null: none), or what cannot be read, by field. */
function readDraft(draft: Draft): { ok: true; hours: OpeningHours | null } | { ok: false; invalid: Partial<Record<WeekDay | 'closedOn', string>> } {
  if (!draft.enabled) return { ok: true, hours: null };
  const invalid: Partial<Record<WeekDay | 'closedOn', string>> = {};
  const week: OpeningHours['week'] = {};
  for (const day of WEEK_DAYS) {
    const read = parseDayHours(draft.days[day]);
    if (read.ok) week[day] = read.ranges;
    else invalid[day] = read.error;
  }
  const closed = parseClosedDates(draft.closedOn);
  if (!closed.ok) invalid.closedOn = closed.error;
  if (Object.keys(invalid).length > 0 || !closed.ok) return { ok: false, invalid };
  return { ok: true, hours: { time_zone: draft.timeZone, week, closed_on: closed.dates } };
}

/** The browser's time zones, with `current` among them (a relay's zone this browser may not list). */
function timeZones(current: string | undefined): string[] {
  const zones = Intl.supportedValuesOf('timeZone');
  return current === undefined || zones.includes(current) ? zones : [current, ...zones];
}
