import { describe, expect, it } from 'vitest';
import { buildRecord, normaliseDirection, normaliseDuration, normaliseStatus, normaliseTime, recordVariables } from './call-record.ts';
import { formatForDisplay, nationalDigits, normalisePhone, toE164, toNational } from './phone.ts';

describe('status normalisation', () => {
  it.each([
    ['queued', 'queued'],
    ['initiated', 'queued'],
    ['queued successfully', 'queued'],
    ['ringing', 'ringing'],
    ['ring', 'ringing'],
    ['in-progress', 'in-progress'],
    ['answered', 'in-progress'],
    ['In Progress', 'in-progress'],
    ['completed', 'completed'],
    ['hangup', 'completed'],
    ['normal_clearing', 'completed'],
    ['busy', 'busy'],
    ['user_busy', 'busy'],
    ['no-answer', 'no-answer'],
    ['NotAnswered', 'no-answer'],
    ['not_answered', 'no-answer'],
    ['timeout', 'no-answer'],
    ['failed', 'failed'],
    ['invalid_number', 'failed'],
    ['rejected', 'failed'],
    ['canceled', 'canceled'],
    ['cancelled', 'canceled'],
    ['originator_cancel', 'canceled'],
  ])('%s -> %s', (raw, canonical) => {
    expect(normaliseStatus(raw)).toBe(canonical);
  });

  it('leaves unknown words unnormalised', () => {
    expect(normaliseStatus('purple')).toBeUndefined();
  });
});

describe('other normalisations', () => {
  it.each([
    ['42', 42],
    ['42.6', 43],
    ['01:05', 65],
    ['00:02:05', 125],
    ['1:00:00', 3600],
    ['PT20.056S', 20],
    ['PT0S', 0],
    ['PT1M30S', 90],
    ['PT2H', 7200],
    ['P1DT1S', 86401],
  ])('duration %s -> %d s', (raw, seconds) => {
    expect(normaliseDuration(raw)).toBe(seconds);
  });

  it('rejects durations it cannot read', () => {
    expect(normaliseDuration('two minutes')).toBeUndefined();
    // An ISO duration with nothing in it, or with months (whose length varies).
    for (const raw of ['P', 'PT', 'P1M', 'P1Y']) expect(normaliseDuration(raw), raw).toBeUndefined();
  });

  it('reads a recording\'s length as a duration, kept in seconds among the extras', () => {
    expect(buildRecord({ recording_duration: 'PT41.5S' }).extra).toEqual({ recording_duration: '42' });
    expect(buildRecord({ recording_duration: '12' }).extra).toEqual({ recording_duration: '12' });
    expect(buildRecord({ recording_duration: 'unknown' }).extra).toEqual({ recording_duration: 'unknown' });
  });

  it.each([
    ['2026-11-24T10:00:00Z', '2026-11-24T10:00:00.000Z'],
    ['Tue, 31 Aug 2010 20:36:28 +0000', '2010-08-31T20:36:28.000Z'],
    ['2026-11-24 10:15:02', '2026-11-24T10:15:02'],
    ['2026-11-24 10:15', '2026-11-24T10:15:00'],
    ['1764000000', '2025-11-24T16:00:00.000Z'],
    ['1764000000000', '2025-11-24T16:00:00.000Z'],
  ])('time %s -> %s', (raw, iso) => {
    expect(normaliseTime(raw)).toBe(iso);
  });

  it.each([
    ['inbound', 'inbound'],
    ['outbound-api', 'outbound'],
    ['outbound-dial', 'outbound'],
    ['Manual', 'outbound'],
    ['InBound', 'inbound'],
    ['incoming', 'inbound'],
  ])('direction %s -> %s', (raw, direction) => {
    expect(normaliseDirection(raw)).toBe(direction);
  });

  it('reads a number again as it did the first time, also once many others were read since', () => {
    const readings = [['(415) 555-0100', 'US', '+14155550100'], ['(415) 555-0100', 'us', '+14155550100'], ['098450 12345', 'IN', '+919845012345'], ['098450 12345', 'US', undefined], ['client:alice', 'US', undefined]] as const;
    for (let round = 0; round < 2; round++) {
      for (const [raw, country, e164] of readings) expect(toE164(raw, country)).toBe(e164);
      for (let i = 0; i < 3000; i++) expect(toE164(`+1415600${String(i).padStart(4, '0')}`)).toBe(`+1415600${String(i).padStart(4, '0')}`);
    }
  });

  it("reads a number's national digits again as it did the first time, also once many others were read since", () => {
    const readings = [['+14155550100', undefined, '4155550100'], ['(415) 555-0100', 'US', '4155550100'], ['+44 20 7946 0018', 'US', '2079460018'], ['098450 12345', 'IN', '9845012345'], ['client:alice', 'US', undefined]] as const;
    for (let round = 0; round < 2; round++) {
      for (const [raw, country, national] of readings) expect(nationalDigits(raw, country)).toBe(national);
      for (let i = 0; i < 3000; i++) expect(nationalDigits(`+1415600${String(i).padStart(4, '0')}`)).toBe(`415600${String(i).padStart(4, '0')}`);
    }
  });

  it('formats phone numbers with a default country', () => {
    expect(toE164('(415) 555-0100', 'US')).toBe('+14155550100');
    expect(toE164('098450 12345', 'IN')).toBe('+919845012345');
    expect(toE164('0044 20 7946 0018', 'US')).toBe('+442079460018');
    expect(toE164('919845012345', 'US')).toBe('+919845012345');
    expect(toE164('client:alice', 'US')).toBeUndefined();
    expect(toE164('sip:alice@example.com', 'US')).toBeUndefined();
    expect(toE164('12', 'US')).toBeUndefined();
    expect(toNational('+14155550100')).toBe('(415) 555-0100');
    expect(normalisePhone('anonymous', 'US')).toBe('anonymous');
    expect(formatForDisplay('+14155550100', 'US')).toBe('(415) 555-0100');
    expect(formatForDisplay('+442079460018', 'US')).toBe('+44 20 7946 0018');
    expect(formatForDisplay('client:alice', 'US')).toBe('client:alice');
    // The whole value must be a number: nothing is pulled out of surrounding text or markup.
    expect(toE164('call me at +1 415 555 0100 now', 'US')).toBeUndefined();
    expect(toE164('"><Hangup/><Dial>+19005550000</Dial>', 'US')).toBeUndefined();
  });
});

describe('buildRecord', () => {
  it('normalises each known field and keeps raw values', () => {
    const record = buildRecord(
      {
        call_id: 'CA1',
        call_status: 'Answered',
        direction: 'outbound-api',
        from_number: '(415) 555-0100',
        to_number: '+44 20 7946 0018',
        answered_by: '415.555.0122',
        duration: '00:01:05',
        starttime: '2026-11-24 10:00:00',
        recordingurl: 'https://rec/1.mp3',
        disposition: 'Interested',
      },
      { defaultCountry: 'US' },
    );
    expect(record).toEqual({
      extra: { disposition: 'Interested' },
      call_id: 'CA1',
      call_status: 'in-progress',
      call_status_raw: 'Answered',
      direction: 'outbound',
      direction_raw: 'outbound-api',
      from_number: '+14155550100',
      to_number: '+442079460018',
      answered_by: '+14155550122',
      duration: 65,
      starttime: '2026-11-24T10:00:00',
      recordingurl: 'https://rec/1.mp3',
    });
  });

  it('keeps unreadable durations and times as raw extras instead of dropping them', () => {
    const record = buildRecord({ duration: 'n/a', endtime: 'yesterday-ish' });
    expect(record.duration).toBeUndefined();
    expect(record.extra).toEqual({ duration_raw: 'n/a', endtime_raw: 'yesterday-ish' });
  });

  it('exposes the record as template variables', () => {
    expect(recordVariables(buildRecord({ call_id: 'CA1', duration: '5', custom: 'x' }))).toEqual({ call_id: 'CA1', duration: '5', custom: 'x' });
  });
});
