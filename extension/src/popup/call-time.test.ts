import { describe, expect, it } from 'vitest';
import { callTime, inSentence } from './call-time.tsx';

// Monday 30 November 2026, 9:15 AM in New York (14:15 UTC).
const now = new Date('2026-11-30T14:15:00Z');
const newYork = { now, locale: 'en-US', timeZone: 'America/New_York' };
const at = (iso: string, options = newYork) => callTime({ started_at: iso, created_at: '2020-01-01T00:00:00Z' }, options)?.label;

describe('callTime', () => {
  it('says the time of a call today, the day and time this week, the date before', () => {
    expect(at('2026-11-30T13:05:00Z')).toBe('8:05 AM');
    expect(at('2026-11-29T22:40:00Z')).toBe('Yesterday 5:40 PM');
    expect(at('2026-11-25T15:00:00Z')).toBe('Wed 10:00 AM');
    expect(at('2026-11-23T15:00:00Z')).toBe('Nov 23');
    expect(at('2025-12-31T15:00:00Z')).toBe('Dec 31, 2025');
  });

  it('counts days where the reader is, not 24-hour spans', () => {
    // 5:30 UTC on the 30th is 12:30 AM in New York (today) but 9:30 PM on the 29th in Los Angeles.
    expect(at('2026-11-30T05:30:00Z')).toBe('12:30 AM');
    expect(at('2026-11-30T05:30:00Z', { ...newYork, timeZone: 'America/Los_Angeles' })).toBe('Yesterday 9:30 PM');
    // 11:50 PM two days back in New York is "Sat", though under 48 hours ago.
    expect(at('2026-11-29T04:50:00Z')).toBe('Sat 11:50 PM');
  });

  it('speaks the reader’s locale', () => {
    expect(at('2026-11-30T13:05:00Z', { ...newYork, locale: 'en-GB' })).toBe('08:05');
    expect(at('2026-11-23T15:00:00Z', { ...newYork, locale: 'en-GB' })).toBe('23 Nov');
  });

  it('falls back on when the relay heard of the call, and gives the whole date for a tooltip', () => {
    const time = callTime({ started_at: null, created_at: '2026-11-30T13:05:00Z' }, newYork);
    expect(time).toEqual({ iso: '2026-11-30T13:05:00.000Z', label: '8:05 AM', full: 'Monday, November 30, 2026 at 8:05 AM' });
    expect(callTime({ started_at: 'not a time', created_at: '' }, newYork)).toBeUndefined();
  });

  it('takes a call stamped a little in the future (a provider’s clock ahead) as today', () => {
    expect(at('2026-11-30T14:16:00Z')).toBe('9:16 AM');
  });

  it('names the day of a time ahead (a return, an opening) that is not today', () => {
    // 11:30 PM tonight in New York, though the 1st in UTC.
    expect(at('2026-12-01T04:30:00Z')).toBe('11:30 PM');
    expect(at('2026-12-01T14:00:00Z')).toBe('Tomorrow 9:00 AM');
    expect(at('2026-12-04T14:00:00Z')).toBe('Fri 9:00 AM');
    expect(at('2026-12-07T14:00:00Z')).toBe('Dec 7 9:00 AM');
    // Inside a sentence: "closed until tomorrow 9:00 AM".
    expect(inSentence(at('2026-12-01T14:00:00Z')!)).toBe('tomorrow 9:00 AM');
    expect(inSentence('Fri 9:00 AM')).toBe('Fri 9:00 AM');
  });
});
