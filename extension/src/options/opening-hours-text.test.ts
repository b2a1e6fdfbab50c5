import { describe, expect, it } from 'vitest';
import { formatDayHours, parseClosedDates, parseDayHours } from './opening-hours-text.ts';

describe('a day’s opening hours, typed', () => {
  it('reads ranges as people type them, sorted, and writes them back the same way', () => {
    expect(parseDayHours('9-17:30')).toEqual({ ok: true, ranges: [{ from: '09:00', to: '17:30' }] });
    expect(parseDayHours(' 14:00 – 18:00 ,9 to 1230 ')).toEqual({ ok: true, ranges: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }] });
    expect(parseDayHours('22:00-24:00')).toEqual({ ok: true, ranges: [{ from: '22:00', to: '24:00' }] });
    expect(parseDayHours('  ')).toEqual({ ok: true, ranges: [] });
    expect(formatDayHours([{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }])).toBe('09:00-12:30, 14:00-18:00');
    expect(formatDayHours(undefined)).toBe('');
  });

  it('says what it cannot read: no range, a time that is none, an end first, an overlap', () => {
    expect(parseDayHours('9:00')).toEqual({ ok: false, error: '“9:00” is not a range such as 09:00-17:30' });
    expect(parseDayHours('9:00-25:00')).toEqual({ ok: false, error: '“9:00-25:00” is not a range such as 09:00-17:30' });
    expect(parseDayHours('24:00-24:00').ok).toBe(false);
    expect(parseDayHours('9:60-17')).toMatchObject({ ok: false });
    expect(parseDayHours('18-9')).toEqual({ ok: false, error: '18:00–09:00 ends before it starts' });
    expect(parseDayHours('9-13, 12-18')).toEqual({ ok: false, error: '09:00–13:00 and 12:00–18:00 overlap' });
  });

  it('reads closed dates, once each and in order, and names one that is no date', () => {
    expect(parseClosedDates('2027-01-01, 2026-12-25\n2026-12-25')).toEqual({ ok: true, dates: ['2026-12-25', '2027-01-01'] });
    expect(parseClosedDates('')).toEqual({ ok: true, dates: [] });
    expect(parseClosedDates('2026-02-30')).toEqual({ ok: false, error: '“2026-02-30” is not a date such as 2026-12-25, 12-25 for every year, or days from Easter such as easter+1' });
    // Days that move with Easter, as typed in any case.
    expect(parseClosedDates('Orthodox-Easter+1, easter+50, Easter-2, 12-25, easter+1 easter 2027-03-26')).toEqual({ ok: true, dates: ['12-25', '2027-03-26', 'easter-2', 'easter', 'easter+1', 'easter+50', 'orthodox-easter+1'] });
    expect(parseClosedDates('easter+200')).toEqual({ ok: false, error: '“easter+200” is not a date such as 2026-12-25, 12-25 for every year, or days from Easter such as easter+1' });
    // A day every year, 29 February too.
    expect(parseClosedDates('12-25, 02-29')).toEqual({ ok: true, dates: ['02-29', '12-25'] });
    expect(parseClosedDates('02-30').ok).toBe(false);
    expect(parseClosedDates('25/12/2026').ok).toBe(false);
  });
});
