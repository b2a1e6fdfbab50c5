import { z } from 'zod';

/**
 * A number's opening hours (`PUT /instances/:id {hours}`): the hours of each day of the week, in
 * a time zone, and the dates it stays closed (holidays). Outside them, every agent the number's
 * calls reach counts as away: where the connector sends callers to voicemail while everyone is
 * away (connectors/twilio.xml, `away_voicemail`), they hear the greeting and no phone rings.
 */
export const WEEK_DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type WeekDay = (typeof WEEK_DAYS)[number];

/** A day's opening, local times `HH:MM`; `to` may be `24:00` (open until midnight), and is after `from`. */
export interface OpenRange {
  from: string;
  to: string;
}

const FROM = /^([01]\d|2[0-3]):[0-5]\d$/;
const TO = /^(([01]\d|2[0-3]):[0-5]\d|24:00)$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** A closed date every year: `12-25`. */
const ANNUAL = /^\d{2}-\d{2}$/;
/**
 * A closed day that moves with Easter, in days from it: `easter+1` (Easter Monday), `easter-2`
 * (Good Friday), `easter+50` (Whit Monday); `orthodox-easter+1` from the Orthodox churches' Easter.
 */
const FROM_EASTER = /^(easter|orthodox-easter)(?:([+-])(\d{1,3}))?$/;
/** How far from Easter a closed day may be: Shrove Tuesday (-47) to Corpus Christi (+60), and some room. */
const MAX_DAYS_FROM_EASTER = 100;

/** The ranges one day may have: a morning and an afternoon, or more, but a form's worth. */
export const MAX_RANGES_A_DAY = 6;
/** The closed dates kept: a year's holidays and then some. */
export const MAX_CLOSED_DATES = 400;

const rangeSchema = z.object({
  from: z.string().regex(FROM, 'a time HH:MM, 00:00 to 23:59'),
  to: z.string().regex(TO, 'a time HH:MM, 00:01 to 24:00'),
});

const dayRangesSchema = z
  .array(rangeSchema)
  .max(MAX_RANGES_A_DAY)
  .superRefine((ranges, ctx) => {
    const error = rangesError(ranges);
    if (error) ctx.addIssue({ code: 'custom', message: error });
  });

export const openingHoursSchema = z.object({
  time_zone: z.string().max(64).refine(isTimeZone, 'a time zone name such as Europe/Paris or America/New_York'),
  /** A day left out, or with no range, is closed. */
  week: z.object(Object.fromEntries(WEEK_DAYS.map((day) => [day, dayRangesSchema.optional()])) as Record<WeekDay, z.ZodOptional<typeof dayRangesSchema>>),
  /** Local dates closed all day, whatever their week day says: `YYYY-MM-DD`, `MM-DD` for that day every year, or days from Easter (`easter+1`). */
  closed_on: z
    .array(z.string().refine(isClosedDate, 'a date YYYY-MM-DD, MM-DD for every year, or days from Easter (easter+1, orthodox-easter+1)'))
    .max(MAX_CLOSED_DATES)
    .default([]),
});
export type OpeningHours = z.output<typeof openingHoursSchema>;
export type OpeningHoursInput = z.input<typeof openingHoursSchema>;

/** Whether the number is open now, and when that changes (ISO time; null: never, within a year and a week). */
export interface OpenNow {
  open: boolean;
  until: string | null;
}

/** Why a day's ranges cannot be kept (ends before starts, overlaps), or undefined. */
export function rangesError(ranges: readonly OpenRange[]): string | undefined {
  const sorted = [...ranges].sort((a, b) => minutesOf(a.from) - minutesOf(b.from));
  for (const [i, range] of sorted.entries()) {
    if (minutesOf(range.to) <= minutesOf(range.from)) return `${range.from}–${range.to} ends before it starts`;
    const next = sorted[i + 1];
    if (next && minutesOf(next.from) < minutesOf(range.to)) return `${range.from}–${range.to} and ${next.from}–${next.to} overlap`;
  }
  return undefined;
}

/** `YYYY-MM-DD`, a date the calendar has (not 2026-02-30); `MM-DD`, a day some year has (02-29 too); or days from Easter, at most 100 (`easter-2`). */
export function isClosedDate(text: string): boolean {
  const fromEaster = daysFromEaster(text);
  if (fromEaster) return Math.abs(fromEaster.days) <= MAX_DAYS_FROM_EASTER;
  const date = ANNUAL.test(text) ? `2024-${text}` : text;
  const at = DATE.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  return !Number.isNaN(at) && new Date(at).toISOString().startsWith(date);
}

/** The order a form lists closed dates in: the dates in text order (each year's first), then the days from each Easter, earliest first (`easter-2, easter+1`). */
export function compareClosedDates(a: string, b: string): number {
  const [ea, eb] = [daysFromEaster(a), daysFromEaster(b)];
  if (!ea || !eb) return ea ? 1 : eb ? -1 : a < b ? -1 : a > b ? 1 : 0;
  return ea.kind === eb.kind ? ea.days - eb.days : ea.kind < eb.kind ? -1 : 1;
}

/** A time zone name this runtime's Intl knows (`Europe/Paris`, `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    wallClockFormat(name);
    return true;
  } catch {
    return false;
  }
}

/** Whether `hours` has the number open at `at`. */
export function isOpenAt(hours: OpeningHours, at: Date): boolean {
  const wall = wallClock(hours.time_zone, at);
  return dayRanges(hours, wall.date).some((range) => minutesOf(range.from) <= wall.minutes && wall.minutes < minutesOf(range.to));
}

/** Whether `hours` has the number open at `at`, and until when. */
export function openNow(hours: OpeningHours, at: Date): OpenNow {
  const wall = wallClock(hours.time_zone, at);
  for (const [from, to] of openings(hours, wall.date)) {
    if (to <= wall.minutes) continue;
    const open = from <= wall.minutes;
    const edge = open ? to : from;
    const until = edge === Infinity ? null : instantOf(hours.time_zone, addDays(wall.date, Math.floor(edge / DAY)), edge % DAY).toISOString();
    return { open, until };
  }
  return { open: false, until: null };
}

/** How far `openNow` looks for the next change: a year of holidays past a week. */
const LOOK_AHEAD_DAYS = 366 + 7;
const DAY = 24 * 60;

/**
 * The openings from local date `today` on, in minutes since its midnight, each day's ranges laid
 * end to end: a range to 24:00 and the next day's from 00:00 are one opening. One still open at
 * the end of the look-ahead ends at Infinity.
 */
function* openings(hours: OpeningHours, today: LocalDate): Generator<[number, number]> {
  let current: [number, number] | undefined;
  for (let offset = 0; offset <= LOOK_AHEAD_DAYS; offset++) {
    for (const range of dayRanges(hours, addDays(today, offset))) {
      const from = offset * DAY + minutesOf(range.from);
      const to = offset * DAY + minutesOf(range.to);
      if (current && current[1] >= from) current[1] = to;
      else {
        if (current) yield current;
        current = [from, to];
      }
    }
  }
  if (current) yield current[1] >= (LOOK_AHEAD_DAYS + 1) * DAY ? [current[0], Infinity] : current;
}

/** The ranges of a local date, sorted: none on a closed date. */
function dayRanges(hours: OpeningHours, date: LocalDate): readonly OpenRange[] {
  if (hours.closed_on.length > 0 && isClosedOn(closedDaysOf(hours), date)) return [];
  const ranges = hours.week[WEEK_DAYS[date.weekDay]!] ?? [];
  return ranges.length < 2 ? ranges : [...ranges].sort((a, b) => minutesOf(a.from) - minutesOf(b.from));
}

function minutesOf(time: string): number {
  return Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));
}

/** A local date: its day count since 1970 (for arithmetic), and its week day (0 Monday). */
interface LocalDate {
  epochDay: number;
  weekDay: number;
}

/** Closed dates as a webhook's check reads them: the dates as day counts, the yearly ones as `MM-DD`, the days from each Easter. */
interface ClosedDays {
  dates: ReadonlySet<number>;
  yearly: ReadonlySet<string>;
  fromEaster: Record<EasterKind, ReadonlySet<number>>;
}

type EasterKind = 'easter' | 'orthodox-easter';

/** `easter+1` -> Western Easter, 1 day on; undefined for anything else. */
function daysFromEaster(text: string): { kind: EasterKind; days: number } | undefined {
  const match = FROM_EASTER.exec(text);
  if (!match) return undefined;
  return { kind: match[1] as EasterKind, days: match[3] === undefined ? 0 : Number(match[3]) * (match[2] === '-' ? -1 : 1) };
}

/** Each year's Easter Sunday, by kind, as a day count since 1970. */
const easters = new Map<string, number>();

/**
 * Easter Sunday of `year` as a day count: the Western churches' by the Gregorian computus
 * (the anonymous algorithm of 1876, Meeus's "Astronomical Algorithms" ch. 8), the Orthodox
 * churches' by the Julian computus (Meeus), a Julian date moved to the Gregorian calendar
 * (13 days from 1900 to 2099, a day more each century but every fourth).
 */
function easterDay(kind: EasterKind, year: number): number {
  const key = `${kind}${year}`;
  let day = easters.get(key);
  if (day === undefined) {
    if (kind === 'easter') {
      const a = year % 19;
      const b = Math.floor(year / 100);
      const c = year % 100;
      const h = (19 * a + b - Math.floor(b / 4) - Math.floor((b - Math.floor((b + 8) / 25) + 1) / 3) + 15) % 30;
      const l = (32 + 2 * (b % 4) + 2 * Math.floor(c / 4) - h - (c % 4)) % 7;
      const m = Math.floor((year % 19 + 11 * h + 22 * l) / 451);
      const month = Math.floor((h + l - 7 * m + 114) / 31);
      day = Date.UTC(year, month - 1, ((h + l - 7 * m + 114) % 31) + 1) / DAY_MS;
    } else {
      const d = (19 * (year % 19) + 15) % 30;
      const e = (2 * (year % 4) + 4 * (year % 7) - d + 34) % 7;
      const month = Math.floor((d + e + 114) / 31);
      const century = Math.floor(year / 100);
      const julianToGregorian = century - Math.floor(century / 4) - 2;
      day = Date.UTC(year, month - 1, ((d + e + 114) % 31) + 1) / DAY_MS + julianToGregorian;
    }
    easters.set(key, day);
  }
  return day;
}

/** The closed dates of each hours read, kept: a webhook's check is then a lookup. */
const closedDays = new WeakMap<OpeningHours, ClosedDays>();

function closedDaysOf(hours: OpeningHours): ClosedDays {
  let days = closedDays.get(hours);
  if (!days) {
    const yearly = hours.closed_on.filter((date) => ANNUAL.test(date));
    const dates = hours.closed_on.filter((date) => DATE.test(date)).map((date) => Date.parse(`${date}T00:00:00Z`) / DAY_MS);
    const fromEaster: Record<EasterKind, Set<number>> = { easter: new Set(), 'orthodox-easter': new Set() };
    for (const date of hours.closed_on) {
      const from = daysFromEaster(date);
      if (from) fromEaster[from.kind].add(from.days);
    }
    days = { dates: new Set(dates), yearly: new Set(yearly), fromEaster };
    closedDays.set(hours, days);
  }
  return days;
}

function isClosedOn(closed: ClosedDays, date: LocalDate): boolean {
  if (closed.dates.has(date.epochDay)) return true;
  const day = closed.yearly.size > 0 || closed.fromEaster.easter.size > 0 || closed.fromEaster['orthodox-easter'].size > 0 ? new Date(date.epochDay * DAY_MS) : undefined;
  if (!day) return false;
  if (closed.yearly.size > 0 && closed.yearly.has(day.toISOString().slice(5, 10))) return true;
  // A day up to 100 days before Easter may fall in the year before Easter's.
  const year = day.getUTCFullYear();
  for (const kind of ['easter', 'orthodox-easter'] as const) {
    const offsets = closed.fromEaster[kind];
    if (offsets.size > 0 && (offsets.has(date.epochDay - easterDay(kind, year)) || offsets.has(date.epochDay - easterDay(kind, year + 1)))) return true;
  }
  return false;
}

function dateOfEpochDay(epochDay: number): LocalDate {
  // 1970-01-01 was a Thursday (3, counting from Monday).
  return { epochDay, weekDay: (((epochDay + 3) % 7) + 7) % 7 };
}

function addDays(date: LocalDate, days: number): LocalDate {
  return days === 0 ? date : dateOfEpochDay(date.epochDay + days);
}

/** One formatter a time zone: building one costs as much as a hundred readings. */
const formats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  let format = formats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' });
    formats.set(timeZone, format);
  }
  return format;
}

/** The local date and minute of the day at `at` in `timeZone`. */
function wallClock(timeZone: string, at: Date): { date: LocalDate; minutes: number } {
  const local = at.getTime() + offsetAt(timeZone, at.getTime());
  const epochDay = Math.floor(local / DAY_MS);
  return { date: dateOfEpochDay(epochDay), minutes: Math.floor((local - epochDay * DAY_MS) / 60_000) };
}

/**
 * The instant a local date and minute names in `timeZone` (the offset read at a first guess, then
 * at the instant it gives). A local time the clocks skip (spring forward) or repeat (fall back)
 * names an instant within the hour of the change.
 */
function instantOf(timeZone: string, date: LocalDate, minutes: number): Date {
  const asUtc = date.epochDay * DAY_MS + minutes * 60_000;
  const first = offsetAt(timeZone, asUtc);
  const second = offsetAt(timeZone, asUtc - first);
  return new Date(asUtc - second);
}

const DAY_MS = 86_400_000;
/**
 * The span over which a zone's offset is read once: the clocks change at a whole or half hour of
 * local time, and offsets are whole quarter hours, so a change falls on a quarter hour of UTC.
 */
const QUARTER_HOUR_MS = 15 * 60_000;
/** The offset each time zone had at its last quarter hour read: the webhooks of a burst share it. */
const offsets = new Map<string, { quarter: number; offset: number }>();

/**
 * How far `timeZone`'s clocks are ahead of UTC at the instant `at` (ms). Read through the zone's
 * formatter once a quarter hour, at the quarter's start: a reading took 9 µs, and every incoming
 * call of an instance with hours asks, on the webhook's path.
 */
function offsetAt(timeZone: string, at: number): number {
  const quarter = Math.floor(at / QUARTER_HOUR_MS);
  const kept = offsets.get(timeZone);
  if (kept?.quarter === quarter) return kept.offset;
  const start = quarter * QUARTER_HOUR_MS;
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0 };
  for (const part of wallClockFormat(timeZone).formatToParts(new Date(start))) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const wall = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour % 24, fields.minute);
  const offset = wall - start;
  offsets.set(timeZone, { quarter, offset });
  return offset;
}
