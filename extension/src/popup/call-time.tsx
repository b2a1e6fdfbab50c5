import type { CallView } from '@phone-connector/shared';

/** When a call happened, as a call list says it: the time today, the day and time this week, the date before. */
export interface CallTime {
  /** The instant, for `<time datetime>`. */
  iso: string;
  /** "2:05 PM", "Yesterday 2:05 PM", "Mon 2:05 PM", "Nov 3", "Nov 3, 2025". */
  label: string;
  /** The whole date and time, for a tooltip: "Monday, November 30, 2026 at 2:05 PM". */
  full: string;
}

export interface CallTimeOptions {
  /** Now; the label counts days from it. */
  now?: Date;
  /** The reader's locale; the browser's by default. */
  locale?: string;
  /** The reader's time zone (IANA); the browser's by default. */
  timeZone?: string;
}

/**
 * When `call` happened (began ringing, or, when the provider never said, when the relay first
 * heard of it), in the reader's time zone; undefined when neither time reads as one.
 */
export function callTime(call: Pick<CallView, 'started_at' | 'created_at'>, options: CallTimeOptions = {}): CallTime | undefined {
  return instantTime(call.started_at ?? call.created_at, options);
}

/** An instant (ISO text) as a call list says when, or a time ahead as a return time's: undefined when it reads as none. */
export function instantTime(iso: string, options: CallTimeOptions = {}): CallTime | undefined {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return undefined;
  const { now = new Date(), locale, timeZone } = options;
  const format = (parts: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locale, { timeZone, ...parts }).format(at);
  const time = format({ timeStyle: 'short' });
  // Days between the two calendar dates where the reader is, not 24-hour spans: a call at
  // 11 PM is yesterday's at 1 AM.
  const days = Math.round((calendarDay(now, timeZone) - calendarDay(at, timeZone)) / 86_400_000);
  let label: string;
  if (days === 0) label = time;
  // Ahead (a return time, a number's opening): the day it comes, then its time.
  else if (days === -1) label = `Tomorrow ${time}`;
  else if (days < 0) label = `${format(days > -7 ? { weekday: 'short' } : { month: 'short', day: 'numeric' })} ${time}`;
  else if (days === 1) label = `Yesterday ${time}`;
  else if (days < 7) label = `${format({ weekday: 'short' })} ${time}`;
  else if (calendarYear(at, timeZone) === calendarYear(now, timeZone)) label = format({ month: 'short', day: 'numeric' });
  else label = format({ year: 'numeric', month: 'short', day: 'numeric' });
  return { iso: at.toISOString(), label, full: format({ dateStyle: 'full', timeStyle: 'short' }) };
}

/** A label as it reads inside a sentence ("away until tomorrow 9:00 AM"): a call list's start with a capital. */
export function inSentence(label: string): string {
  return label.replace(/^(Tomorrow|Yesterday)\b/, (word) => word.toLowerCase());
}

/** Midnight UTC of the date `at` falls on in `timeZone`: calendar dates that subtract. */
function calendarDay(at: Date, timeZone: string | undefined): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)!.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'));
}

function calendarYear(at: Date, timeZone: string | undefined): number {
  return new Date(calendarDay(at, timeZone)).getUTCFullYear();
}

/** An instant inside a sentence ("until tomorrow 9:00 AM"), as a `<time>` whose tooltip is the whole date. */
export function TimeInSentence({ time }: { time: CallTime }) {
  return (
    <time dateTime={time.iso} title={time.full}>
      {inSentence(time.label)}
    </time>
  );
}

/** When `call` happened, as a `<time>` whose tooltip is the whole date. */
export function CallWhen({ call }: { call: Pick<CallView, 'started_at' | 'created_at'> }) {
  const time = callTime(call);
  return time ? (
    <time dateTime={time.iso} title={time.full} data-pc-field="when" style="white-space: nowrap">
      {time.label}
    </time>
  ) : null;
}
