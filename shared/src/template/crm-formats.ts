/**
 * The value formats CRM APIs want, as pure functions behind the template filters `duration`,
 * `date`, `sql`, `soql`, `sosl`, `pattern`, `last` and `after` (CRMS.md: Vtiger's VTQL and split date
 * and time, HubSpot's milliseconds, Zoho's `mm:ss` and offset dates, Salesforce's SOSL).
 * Each returns undefined for a value it cannot read, so a template says which value was bad.
 */

export const DURATION_UNITS = ['s', 'ms', 'minutes', 'hours', 'minutes_of_hour', 'mm:ss', 'hh:mm', 'hh:mm:ss'] as const;
export const DATE_FORMATS = ['iso', 'iso-ms', 'iso-offset', 'sql', 'date', 'time', 'epoch', 'epoch-ms'] as const;

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** A duration given in whole seconds, in `unit`; minutes and hours are rounded down. */
export function formatDuration(seconds: string, unit: string): string | undefined {
  const text = seconds.trim();
  if (!/^\d+(\.\d+)?$/.test(text)) return undefined;
  const total = Math.round(Number(text));
  switch (unit) {
    case 's':
      return String(total);
    case 'ms':
      return String(total * 1000);
    case 'minutes':
      return String(Math.floor(total / 60));
    case 'hours':
      return String(Math.floor(total / 3600));
    case 'minutes_of_hour':
      return String(Math.floor((total % 3600) / 60));
    case 'mm:ss':
      return `${pad(Math.floor(total / 60))}:${pad(total % 60)}`;
    case 'hh:mm':
      return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}`;
    case 'hh:mm:ss':
      return `${pad(Math.floor(total / 3600))}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
    default:
      return undefined;
  }
}

/** An instant (ISO 8601 with a zone, or epoch milliseconds) in `format`, always in UTC. */
export function formatDate(value: string, format: string): string | undefined {
  const instant = instantOf(value);
  if (!instant) return undefined;
  const { iso, ms } = instant;
  const day = iso.slice(0, 10);
  const time = iso.slice(11, 19);
  switch (format) {
    case 'iso':
      return `${day}T${time}Z`;
    case 'iso-ms':
      return iso;
    case 'iso-offset':
      return `${day}T${time}+00:00`;
    case 'sql':
      return `${day} ${time}`;
    case 'date':
      return day;
    case 'time':
      return time;
    case 'epoch':
      return String(Math.floor(ms / 1000));
    case 'epoch-ms':
      return String(ms);
    default:
      return undefined;
  }
}

/**
 * The last value read as an instant, kept: a call's log writes its start and its end each as a
 * date and as a time (Vtiger's four fields), two readings of one value each (issue 10).
 */
let lastInstant: { value: string; instant: { iso: string; ms: number } | undefined } | undefined;

/** An instant's ISO 8601 form in UTC and its epoch milliseconds; undefined when the value is no such instant. */
function instantOf(value: string): { iso: string; ms: number } | undefined {
  if (lastInstant?.value === value) return lastInstant.instant;
  const text = value.trim();
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(text);
  const date = /^\d{10,}$/.test(text) ? new Date(Number(text)) : /^\d{4}-\d\d-\d\dT/.test(text) && hasZone ? new Date(text) : undefined;
  const instant = !date || Number.isNaN(date.getTime()) ? undefined : { iso: date.toISOString(), ms: date.getTime() };
  lastInstant = { value, instant };
  return instant;
}

/** Text for inside a single-quoted SQL or VTQL literal: `'` doubled, and `\` doubled (MySQL reads it as an escape). */
export function quoteSql(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "''");
}

/**
 * Text for inside a single-quoted SOQL literal: SOQL escapes with a backslash (`\'`, `\\`), not
 * by doubling, so `sql` would end the literal early (Salesforce's `query`, CRMS.md §5.2).
 */
export function quoteSoql(text: string): string {
  return text.replace(/[\\']/g, '\\$&');
}

/** Salesforce SOSL: the reserved characters `& | ! ( ) { } [ ] ^ " ~ * ? : \ ' + -` get a backslash. */
export function escapeSosl(text: string): string {
  return text.replace(/[&|!(){}[\]^"~*?:\\'+-]/g, '\\$&');
}

/**
 * Pours digits into the `#` slots of a user format (`(###) ###-####`), the last digits into the
 * last slots; undefined when there are fewer digits than slots.
 */
export function fitPattern(digits: string, pattern: string): string | undefined {
  const slots = (pattern.match(/#/g) ?? []).length;
  if (slots === 0 || digits.length < slots) return undefined;
  let next = digits.length - slots;
  return pattern.replace(/#/g, () => digits[next++]!);
}
