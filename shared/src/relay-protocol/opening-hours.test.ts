import { describe, expect, it } from 'vitest';
import { isOpenAt, isTimeZone, openingHoursSchema, type OpeningHoursInput, openNow } from './opening-hours.ts';

const office = (input: Partial<OpeningHoursInput> = {}) =>
  openingHoursSchema.parse({
    time_zone: 'Europe/Paris',
    week: { mon: [{ from: '09:00', to: '12:30' }, { from: '14:00', to: '18:00' }], tue: [{ from: '09:00', to: '18:00' }], wed: [{ from: '09:00', to: '18:00' }], thu: [{ from: '09:00', to: '18:00' }], fri: [{ from: '09:00', to: '17:00' }] },
    ...input,
  });

describe('opening hours', () => {
  it('is open within a day’s ranges, in the number’s time zone, and closed between them and at the weekend', () => {
    const hours = office();
    // Monday 7 December 2026: Paris is UTC+1 in winter.
    expect(isOpenAt(hours, new Date('2026-12-07T08:00:00Z'))).toBe(true); // 09:00 in Paris
    expect(isOpenAt(hours, new Date('2026-12-07T07:59:00Z'))).toBe(false); // 08:59
    expect(isOpenAt(hours, new Date('2026-12-07T11:30:00Z'))).toBe(false); // 12:30: the range's end is closed
    expect(isOpenAt(hours, new Date('2026-12-07T13:00:00Z'))).toBe(true); // 14:00
    expect(isOpenAt(hours, new Date('2026-12-05T10:00:00Z'))).toBe(false); // Saturday
    // The same instant is Monday 03:00 in New York: closed there.
    expect(isOpenAt(office({ time_zone: 'America/New_York' }), new Date('2026-12-07T08:00:00Z'))).toBe(false);
  });

  it('follows the clocks’ changes: 09:00 is 07:00 UTC in summer and 08:00 in winter', () => {
    const hours = office();
    expect(isOpenAt(hours, new Date('2026-06-01T07:00:00Z'))).toBe(true);
    expect(isOpenAt(hours, new Date('2026-12-07T07:00:00Z'))).toBe(false);
    // Friday 27 March 2026 closes at 17:00 (+1), the next Monday (30 March, after the change) opens at 09:00 (+2).
    expect(openNow(hours, new Date('2026-03-27T17:00:00Z'))).toEqual({ open: false, until: '2026-03-30T07:00:00.000Z' });
  });

  it('reads the offset of the very minute, on either side of a change of the clocks', () => {
    // Paris springs forward at 01:00 UTC on 29 March 2026 (02:00 -> 03:00), falls back at 01:00 UTC on 25 October.
    const night = openingHoursSchema.parse({ time_zone: 'Europe/Paris', week: { sun: [{ from: '02:30', to: '03:00' }] } });
    expect(isOpenAt(night, new Date('2026-03-29T00:59:00Z'))).toBe(false); // 01:59 (+1)
    expect(isOpenAt(night, new Date('2026-03-29T01:00:00Z'))).toBe(false); // 03:00 (+2): 02:30 never came
    expect(isOpenAt(night, new Date('2026-10-25T00:30:00Z'))).toBe(true); // 02:30 (+2)
    expect(isOpenAt(night, new Date('2026-10-25T00:59:00Z'))).toBe(true); // 02:59 (+2)
    expect(isOpenAt(night, new Date('2026-10-25T01:00:00Z'))).toBe(false); // 02:00 (+1), again
    expect(isOpenAt(night, new Date('2026-10-25T01:30:00Z'))).toBe(true); // 02:30 (+1), again
    // A zone a quarter hour off the hour: Nepal, UTC+5:45.
    const kathmandu = openingHoursSchema.parse({ time_zone: 'Asia/Kathmandu', week: { mon: [{ from: '09:00', to: '17:00' }] } });
    expect([isOpenAt(kathmandu, new Date('2026-12-07T03:14:00Z')), isOpenAt(kathmandu, new Date('2026-12-07T03:15:00Z'))]).toEqual([false, true]);
  });

  it('says until when it is open or closed: the next edge, past breaks, weekends and closed dates', () => {
    const hours = office({ closed_on: ['2026-12-25', '2026-12-28'] });
    expect(openNow(hours, new Date('2026-12-07T10:00:00Z'))).toEqual({ open: true, until: '2026-12-07T11:30:00.000Z' });
    expect(openNow(hours, new Date('2026-12-07T12:00:00Z'))).toEqual({ open: false, until: '2026-12-07T13:00:00.000Z' });
    // Thursday 24 December after hours: Friday 25 is a holiday, then the weekend, then Monday 28 too.
    expect(openNow(hours, new Date('2026-12-24T18:00:00Z'))).toEqual({ open: false, until: '2026-12-29T08:00:00.000Z' });
    expect(isOpenAt(hours, new Date('2026-12-25T10:00:00Z'))).toBe(false);
  });

  it('closes a day every year given as MM-DD, in the number’s time zone', () => {
    const hours = office({ time_zone: 'America/New_York', closed_on: ['12-25', '01-01'] });
    // Friday 25 December, 10:00 in New York, this year and in 2031 (a Thursday).
    expect(isOpenAt(hours, new Date('2026-12-25T15:00:00Z'))).toBe(false);
    expect(isOpenAt(hours, new Date('2031-12-25T15:00:00Z'))).toBe(false);
    // Thursday 24 December 2026, 23:30 in New York is the 25th in UTC: the 24th counts, open hours or not.
    expect(isOpenAt(office({ time_zone: 'America/New_York', closed_on: ['12-25'], week: { thu: [{ from: '00:00', to: '24:00' }] } }), new Date('2026-12-25T04:30:00Z'))).toBe(true);
    // Thursday 31 December 2026, 18:30 in New York: closed until Monday 4 January (1 January every year, then the weekend).
    expect(openNow(hours, new Date('2026-12-31T23:30:00Z'))).toEqual({ open: false, until: '2027-01-04T14:00:00.000Z' });
  });

  it('closes the days that move with Easter, Western or Orthodox, every year: Good Friday, Easter Monday, Whit Monday', () => {
    const hours = office({ closed_on: ['easter-2', 'easter+1', 'easter+50', 'orthodox-easter+1'] });
    const at10 = (date: string) => isOpenAt(hours, new Date(`${date}T09:00:00Z`)); // 10:00 or 11:00 in Paris
    // 2026: Easter 5 April, Orthodox Easter 12 April.
    expect(['2026-04-02', '2026-04-03', '2026-04-06', '2026-04-07', '2026-04-13', '2026-05-25', '2026-05-26'].map(at10)).toEqual([true, false, false, true, false, false, true]);
    // 2027: Easter 28 March, Orthodox Easter 2 May; Whit Monday 17 May.
    expect(['2027-03-26', '2027-03-29', '2027-04-05', '2027-05-03', '2027-05-17'].map(at10)).toEqual([false, false, true, false, false]);
    // Thursday 2 April 2026 after hours: Good Friday, the weekend, Easter Monday; open on Tuesday.
    expect(openNow(hours, new Date('2026-04-02T17:00:00Z'))).toEqual({ open: false, until: '2026-04-07T07:00:00.000Z' });
    // A day before Easter that falls in the year before it: 100 days before Easter 2027 (28 March) is 18 December 2026, a Friday.
    expect(isOpenAt(office({ closed_on: ['easter-100'] }), new Date('2026-12-18T09:00:00Z'))).toBe(false);
    expect(isOpenAt(office({ closed_on: ['easter-100'] }), new Date('2026-12-17T09:00:00Z'))).toBe(true);
  });

  it('takes an opening across midnight as one, and a number always open as open for good', () => {
    const night = openingHoursSchema.parse({ time_zone: 'UTC', week: { fri: [{ from: '22:00', to: '24:00' }], sat: [{ from: '00:00', to: '06:00' }] } });
    expect(openNow(night, new Date('2026-12-04T23:00:00Z'))).toEqual({ open: true, until: '2026-12-05T06:00:00.000Z' });
    expect(isOpenAt(night, new Date('2026-12-05T05:59:00Z'))).toBe(true);
    const always = openingHoursSchema.parse({ time_zone: 'UTC', week: Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => [day, [{ from: '00:00', to: '24:00' }]])) });
    expect(openNow(always, new Date('2026-12-07T12:00:00Z'))).toEqual({ open: true, until: null });
    const never = openingHoursSchema.parse({ time_zone: 'UTC', week: {} });
    expect(openNow(never, new Date('2026-12-07T12:00:00Z'))).toEqual({ open: false, until: null });
  });

  it('refuses what it could not keep: an unknown time zone, a range ending first, overlapping ranges, a bad date', () => {
    expect(isTimeZone('Europe/Paris')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(openingHoursSchema.safeParse({ time_zone: 'Mars/Olympus', week: {} }).success).toBe(false);
    const refused = (week: OpeningHoursInput['week']) => openingHoursSchema.safeParse({ time_zone: 'UTC', week }).error?.issues[0]?.message;
    expect(refused({ mon: [{ from: '18:00', to: '09:00' }] })).toBe('18:00–09:00 ends before it starts');
    expect(refused({ mon: [{ from: '09:00', to: '13:00' }, { from: '12:00', to: '18:00' }] })).toBe('09:00–13:00 and 12:00–18:00 overlap');
    expect(refused({ mon: [{ from: '24:00', to: '24:00' }] })).toBe('a time HH:MM, 00:00 to 23:59');
    for (const date of ['2026-13-01', '2026-02-30', '26-12-25', '02-30', '13-01', '1225', 'easter+', 'easter+101', 'Easter', 'eastern+1', 'orthodox+1', 'easter 1']) {
      expect(openingHoursSchema.safeParse({ time_zone: 'UTC', week: {}, closed_on: [date] }).success, date).toBe(false);
    }
    for (const date of ['easter', 'easter-47', 'easter+100', 'orthodox-easter-2']) expect(openingHoursSchema.safeParse({ time_zone: 'UTC', week: {}, closed_on: [date] }).success, date).toBe(true);
  });
});
