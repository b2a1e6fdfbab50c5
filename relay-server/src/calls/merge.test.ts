import { buildRecord } from '@phone-connector/shared';
import { describe, expect, it } from 'vitest';
import { type CallState, mergeCall, mergeReport, sameState, updateFromRecord, updateFromReport } from './merge.ts';

const answered = mergeCall(undefined, { direction: 'outbound', status: 'in-progress', status_raw: 'in-progress', to_number: '+14155550100', from_number: '+15005550006' });

describe('mergeCall', () => {
  it('starts from an empty call', () => {
    expect(mergeCall(undefined, {})).toEqual({
      direction: null,
      status: null,
      status_raw: null,
      from_number: null,
      to_number: null,
      user_number: null,
      duration: null,
      started_at: null,
      ended_at: null,
      recording_url: null,
      extra: {},
    });
  });

  it('never erases a field an earlier webhook set', () => {
    const next = mergeCall(answered, { status: 'completed', status_raw: 'completed', duration: 42 });
    expect(next).toMatchObject({ to_number: '+14155550100', from_number: '+15005550006', status: 'completed', duration: 42 });
  });

  it('moves the status forward only', () => {
    const completed = mergeCall(answered, { status: 'completed', status_raw: 'completed' });
    expect(mergeCall(completed, { status: 'ringing', status_raw: 'ringing' })).toMatchObject({ status: 'completed', status_raw: 'completed' });
    expect(mergeCall(completed, { status: 'in-progress', status_raw: 'in-progress' })).toMatchObject({ status: 'completed' });
    expect(mergeCall(answered, { status: 'queued', status_raw: 'initiated' })).toMatchObject({ status: 'in-progress', status_raw: 'in-progress' });
  });

  it('lets a final status replace another final status', () => {
    const busy = mergeCall(answered, { status: 'busy', status_raw: 'busy' });
    expect(mergeCall(busy, { status: 'completed', status_raw: 'completed' })).toMatchObject({ status: 'completed' });
  });

  it('lets an update that only fills an ended call (ended="fill") add what it lacks and change nothing it knows', () => {
    const busy = mergeCall(answered, { status: 'busy', status_raw: 'busy', duration: 0, extra: { dial: 'busy' } });
    const parentEnd = { status: 'completed', status_raw: 'completed', duration: 12, ended_at: '2026-12-06T10:00:12.000Z', extra: { dial: 'x', source: 'call-progress-events' }, fill_only_at: ['completed', 'busy', 'no-answer', 'failed', 'canceled'] } as const;
    expect(mergeCall(busy, parentEnd)).toEqual({ ...busy, ended_at: '2026-12-06T10:00:12.000Z', extra: { dial: 'busy', source: 'call-progress-events' } });
    // On a call still open it is an update as any other.
    expect(mergeCall(answered, parentEnd)).toMatchObject({ status: 'completed', duration: 12, ended_at: '2026-12-06T10:00:12.000Z', extra: { dial: 'x' } });
    expect(mergeCall(undefined, parentEnd)).toMatchObject({ status: 'completed', duration: 12 });
  });

  it('lets an update that only fills a call someone took (answered="fill") leave its status alone', () => {
    // Vonage: the caller's own leg ends, which says no-answer unless an agent's leg took the call.
    const callerLegEnd = { status: 'no-answer', status_raw: 'completed', ended_at: '2026-12-06T10:00:40.000Z', fill_only_at: ['in-progress', 'completed'] } as const;
    expect(mergeCall(answered, callerLegEnd)).toEqual({ ...answered, ended_at: '2026-12-06T10:00:40.000Z' });
    const completed = mergeCall(answered, { status: 'completed', status_raw: 'completed', duration: 30 });
    expect(mergeCall(completed, callerLegEnd)).toEqual({ ...completed, ended_at: '2026-12-06T10:00:40.000Z' });
    // Nobody took it: a missed call.
    const ringing = mergeCall(undefined, { status: 'ringing', status_raw: 'ringing', direction: 'inbound' });
    expect(mergeCall(ringing, callerLegEnd)).toMatchObject({ status: 'no-answer', ended_at: '2026-12-06T10:00:40.000Z' });
    expect(mergeCall(undefined, callerLegEnd)).toMatchObject({ status: 'no-answer' });
  });

  it('lets an update that only fills an incoming call (inbound="fill") leave it alone, and decide a call placed here', () => {
    // Telzio: a child leg's end is the customer's leg of a click to call, one user of a ring group on an incoming call.
    const childLegEnd = { status: 'busy', status_raw: 'busy', duration: 0, ended_at: '2026-12-06T10:00:20.000Z', fill_only_at: ['inbound'] } as const;
    const incoming = mergeCall(undefined, { direction: 'inbound', status: 'in-progress', status_raw: 'in-progress' });
    expect(mergeCall(incoming, childLegEnd)).toEqual({ ...incoming, duration: 0, ended_at: '2026-12-06T10:00:20.000Z' });
    expect(mergeCall(answered, childLegEnd)).toMatchObject({ status: 'busy', duration: 0, ended_at: '2026-12-06T10:00:20.000Z' });
    // A call no webhook has given a direction yet takes it as any update.
    expect(mergeCall(mergeCall(undefined, { status: 'ringing', status_raw: 'ringing' }), childLegEnd)).toMatchObject({ status: 'busy' });
    expect(mergeCall(answered, { ...childLegEnd, fill_only_at: ['outbound'] })).toEqual({ ...answered, duration: 0, ended_at: '2026-12-06T10:00:20.000Z' });
  });

  it('records an unrecognised status word in status_raw only', () => {
    expect(mergeCall(answered, { status_raw: 'warp-speed' })).toMatchObject({ status: 'in-progress', status_raw: 'warp-speed' });
  });

  it('keeps the first direction and merges extra fields key by key', () => {
    const first = mergeCall(undefined, { direction: 'inbound', extra: { a: '1', b: '2' } });
    expect(mergeCall(first, { direction: 'outbound', extra: { b: '3', c: '4' } })).toMatchObject({ direction: 'inbound', extra: { a: '1', b: '3', c: '4' } });
  });

  it("gives a stored call's state the fields of a new call's, in the same order, and none of the call's other columns", () => {
    const stored = { ...answered, id: 7, instance_id: 'main', call_id: 'CA1', notes: null, disposition: null, created_at: 'T1', updated_at: 'T1', contact: null, contacts: [], crm_log: null, new_contact_url: null };
    expect(Object.keys(mergeCall(stored, { status: 'completed', status_raw: 'completed' }))).toEqual(Object.keys(mergeCall(undefined, {})));
  });

  it('takes a field an update sets to an empty string, and keeps the status when only an unknown word comes', () => {
    expect(mergeCall(answered, { recording_url: '' })).toMatchObject({ recording_url: '' });
    expect(mergeCall(undefined, { status_raw: 'warp-speed' })).toMatchObject({ status: null, status_raw: 'warp-speed' });
    expect(mergeCall(answered, { status: 'ringing' })).toMatchObject({ status: 'in-progress', status_raw: 'in-progress' });
    expect(mergeCall(undefined, { status: 'ringing' })).toMatchObject({ status: 'ringing', status_raw: 'ringing' });
  });
});

describe('sameState', () => {
  it('compares every field, extra included', () => {
    const copy: CallState = { ...answered, extra: { ...answered.extra } };
    expect(sameState(answered, copy)).toBe(true);
    expect(sameState(answered, { ...copy, duration: 1 })).toBe(false);
    expect(sameState(answered, { ...copy, extra: { x: '1' } })).toBe(false);
    expect(sameState({ ...copy, extra: { x: '1' } }, { ...copy, extra: { y: '1' } })).toBe(false);
  });
});

describe('updates', () => {
  it('takes a mapped record, known extras into extra', () => {
    const record = buildRecord({ call_id: 'CA1', call_status: 'answered', duration: '00:01:05', starttime: '2026-11-24 10:00:00', recordingurl: 'https://r/1.mp3', gateway: 'gw', region: 'eu' });
    // Strict: what the record does not say is no key at all, not a key holding undefined.
    expect(updateFromRecord(record)).toStrictEqual({
      status: 'in-progress',
      status_raw: 'answered',
      duration: 65,
      started_at: '2026-11-24T10:00:00',
      recording_url: 'https://r/1.mp3',
      extra: { region: 'eu', gateway: 'gw' },
    });
  });

  it("fills, with the extension's report, the numbers the provider's webhooks left blank, and replaces none", () => {
    // Exotel's StatusCallbacks came first: the customer rang from the ExoPhone, the agent's leg known.
    const fromProvider = mergeCall(undefined, { direction: 'outbound', status: 'completed', status_raw: 'completed', from_number: '+918047112233', user_number: '+919900011122', duration: 42 });
    const report = updateFromReport({ to_number: '+919812345678', from_number: '+919900011122', status: 'queued' });
    expect(mergeReport(fromProvider, report)).toEqual({ ...fromProvider, to_number: '+919812345678' });
    // The report first: it stands until a webhook says otherwise.
    const reported = mergeReport(undefined, report);
    expect(reported).toMatchObject({ direction: 'outbound', status: 'queued', from_number: '+919900011122', to_number: '+919812345678' });
    expect(mergeCall(reported, { status: 'completed', status_raw: 'completed', from_number: '+918047112233' })).toMatchObject({ status: 'completed', from_number: '+918047112233', to_number: '+919812345678' });
  });

  it('takes a report from the extension, numbers in E.164', () => {
    expect(updateFromReport({ to_number: '(415) 555-0100', status: 'queued' }, 'US')).toEqual({ direction: 'outbound', to_number: '+14155550100', status: 'queued', status_raw: 'queued' });
    expect(updateFromReport({ to_number: 'sip:alice@example.com', from_number: '+14155550111' })).toStrictEqual({ direction: 'outbound', to_number: 'sip:alice@example.com', from_number: '+14155550111' });
  });
});
