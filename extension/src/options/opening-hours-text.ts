import { compareClosedDates, isClosedDate, MAX_RANGES_A_DAY, type OpenRange, rangesError } from '@phone-connector/shared';

/**
 * A day's opening hours as the options page takes them, typed: `9:00-17:30`, or a morning and an
 * afternoon, `9-12:30, 14-18`; blank is closed. 24-hour times, a dash (or "to") between the two
 * ends, `24:00` for midnight at the end.
 */
export function parseDayHours(text: string): { ok: true; ranges: OpenRange[] } | { ok: false; error: string } {
  const ranges: OpenRange[] = [];
  for (const part of text.split(/[,;]/)) {
    if (!part.trim()) continue;
    const ends = part.split(/\s*(?:-|–|—|\bto\b)\s*/i);
    const [from, to] = ends.map((end) => readTime(end.trim()));
    if (ends.length !== 2 || !from || !to || from === '24:00') return { ok: false, error: `“${part.trim()}” is not a range such as 09:00-17:30` };
    ranges.push({ from, to });
  }
  if (ranges.length > MAX_RANGES_A_DAY) return { ok: false, error: `at most ${MAX_RANGES_A_DAY} ranges a day` };
  const error = rangesError(ranges);
  return error ? { ok: false, error } : { ok: true, ranges: ranges.sort((a, b) => a.from.localeCompare(b.from)) };
}

export function formatDayHours(ranges: readonly OpenRange[] | undefined): string {
  return (ranges ?? []).map((range) => `${range.from}-${range.to}`).join(', ');
}

/** `9`, `09`, `9:30`, `930`, `0930` or `24:00`, as `HH:MM`; undefined for anything else. */
function readTime(text: string): string | undefined {
  const match = /^(\d{1,2})(?::?(\d{2}))?$/.exec(text);
  if (!match) return undefined;
  const hours = Number(match[1]);
  const minutes = Number(match[2] ?? 0);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes > 0)) return undefined;
  return `${String(hours).padStart(2, '0')}:${String(minutes).padStart(2, '0')}`;
}

/**
 * Closed dates typed as `12-25, 2027-04-05, Easter+1` (a day every year, a date, or days from
 * Easter, whatever the case; commas, spaces or lines between): the dates, or the first that is none.
 */
export function parseClosedDates(text: string): { ok: true; dates: string[] } | { ok: false; error: string } {
  const dates: string[] = [];
  for (const typed of text.split(/[\s,;]+/)) {
    if (!typed) continue;
    const word = typed.toLowerCase();
    if (!isClosedDate(word)) return { ok: false, error: `“${typed}” is not a date such as 2026-12-25, 12-25 for every year, or days from Easter such as easter+1` };
    if (!dates.includes(word)) dates.push(word);
  }
  return { ok: true, dates: dates.sort(compareClosedDates) };
}
