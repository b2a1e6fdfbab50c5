import { type OpeningHours, type OpeningHoursInput, type OpenRange, WEEK_DAYS, type WeekDay } from '@phone-connector/shared';

/**
 * Opening hours as an admin types them on the command line (`relay instance hours`) and reads them
 * back (`relay instance list`): a day's ranges as `09:00-12:30,14:00-18:00`, `closed` for none.
 */

/** The flags that set the hours: a time zone, each day's ranges, the weekdays' at once, the closed dates. */
export interface HoursFlags {
  'time-zone'?: string;
  weekdays?: string;
  'closed-on'?: string;
  mon?: string;
  tue?: string;
  wed?: string;
  thu?: string;
  fri?: string;
  sat?: string;
  sun?: string;
}

const WEEKDAYS: readonly WeekDay[] = ['mon', 'tue', 'wed', 'thu', 'fri'];

/**
 * The hours the flags say, for openingHoursSchema to check (which names a wrong field as the API
 * does): a day no flag names is closed; `--weekdays` gives Monday to Friday, a day's own flag wins.
 * Throws on a range that is not `HH:MM-HH:MM`.
 */
export function hoursFromFlags(flags: HoursFlags): OpeningHoursInput {
  const week: Partial<Record<WeekDay, OpenRange[]>> = {};
  for (const day of WEEK_DAYS) {
    const text = flags[day] ?? (WEEKDAYS.includes(day) ? flags.weekdays : undefined);
    if (text !== undefined) week[day] = rangesFrom(text, day);
  }
  const closedOn = (flags['closed-on'] ?? '')
    .split(',')
    .map((date) => date.trim())
    .filter(Boolean);
  return { time_zone: flags['time-zone'] ?? '', week, closed_on: closedOn };
}

function rangesFrom(text: string, day: WeekDay): OpenRange[] {
  if (text.trim().toLowerCase() === 'closed') return [];
  return text.split(',').map((range) => {
    const parts = /^\s*(\S+?)\s*[-–]\s*(\S+)\s*$/.exec(range);
    if (!parts) throw new Error(`--${day} "${text}": give ranges as 09:00-12:30,14:00-18:00, or closed`);
    return { from: parts[1]!, to: parts[2]! };
  });
}

/** `Europe/Paris; mon-fri 09:00-12:30 14:00-18:00; sat 10:00-13:00; closed on 12-25, easter+1`: days with the same hours run together. */
export function describeHours(hours: OpeningHours): string {
  const text = (day: WeekDay) => (hours.week[day] ?? []).map((range) => `${range.from}-${range.to}`).join(' ');
  const runs: string[] = [];
  for (let start = 0; start < WEEK_DAYS.length; ) {
    let end = start;
    while (end + 1 < WEEK_DAYS.length && text(WEEK_DAYS[end + 1]!) === text(WEEK_DAYS[start]!)) end++;
    const ranges = text(WEEK_DAYS[start]!);
    if (ranges) runs.push(`${WEEK_DAYS[start]}${end > start ? `-${WEEK_DAYS[end]}` : ''} ${ranges}`);
    start = end + 1;
  }
  return [hours.time_zone, runs.length ? runs.join('; ') : 'closed every day', hours.closed_on.length ? `closed on ${hours.closed_on.join(', ')}` : ''].filter(Boolean).join('; ');
}
