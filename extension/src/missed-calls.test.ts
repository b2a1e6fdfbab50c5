import { beforeEach, describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { followUpOf, isMissedCall, markMissedCallsSeen, noteMissedCall, voicemailOf } from './missed-calls.ts';
import { missedCalls } from './storage.ts';
import { callView } from './testing/call-view.ts';

// Missed calls as the background counts them and the toolbar list clears them, in WXT's fake storage.
beforeEach(() => fakeBrowser.reset());

describe('missed calls', () => {
  it.each([
    ['no-answer', 'inbound', true],
    ['busy', 'inbound', true],
    ['canceled', 'inbound', true],
    ['failed', 'inbound', true],
    ['completed', 'inbound', false],
    ['ringing', 'inbound', false],
    ['no-answer', 'outbound', false],
  ] as const)('a call ending %s, %s, is missed: %s', (status, direction, missed) => {
    expect(isMissedCall({ status, direction })).toBe(missed);
  });

  it("finds the caller's message on a missed call only: its web address, and its length when the provider said", () => {
    const url = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE1';
    expect(voicemailOf(callView({ status: 'no-answer', recording_url: url, extra: { recording_duration: '23' } }))).toEqual({ url, seconds: 23 });
    expect(voicemailOf(callView({ status: 'busy', recording_url: url }))).toEqual({ url });
    for (const duration of ['', '0', 'soon', '2.5']) expect(voicemailOf(callView({ status: 'no-answer', recording_url: url, extra: { recording_duration: duration } }))).toEqual({ url });
    // A talk's recording is no message; nor is what is no web address.
    expect(voicemailOf(callView({ status: 'completed', recording_url: url }))).toBeUndefined();
    expect(voicemailOf(callView({ status: 'no-answer', direction: 'outbound', recording_url: url }))).toBeUndefined();
    expect(voicemailOf(callView({ status: 'no-answer', recording_url: 'javascript:alert(1)' }))).toBeUndefined();
    expect(voicemailOf(callView({ status: 'no-answer' }))).toBeUndefined();
    // A recorded call's file that began before anyone answered (Vonage: the phones ringing) is no message either.
    expect(voicemailOf(callView({ status: 'no-answer', recording_url: url, extra: { recording_of: 'call' } }))).toBeUndefined();
    expect(voicemailOf(callView({ status: 'no-answer', recording_url: url, extra: { recording_of: 'message' } }))).toEqual({ url });
  });

  it('says a missed call was followed up by a later call to its number, or by a later answered call from it', () => {
    const missed = callView({ id: 10, status: 'no-answer', from_number: '+14155550199' });
    const later = (id: number, fields: Parameters<typeof callView>[0]) => callView({ id, ...fields });
    expect(followUpOf(missed, [missed])).toBeUndefined();
    // Called back, whatever came of it; before the missed call, or another number, says nothing.
    expect(followUpOf(missed, [later(12, { direction: 'outbound', to_number: '+14155550199', status: 'no-answer' }), missed])).toBe('called-back');
    expect(followUpOf(missed, [later(9, { direction: 'outbound', to_number: '+14155550199' }), later(11, { direction: 'outbound', to_number: '+14155550100' })])).toBeUndefined();
    // Called again: answered is a follow-up, missed again is not; a call back says more.
    expect(followUpOf(missed, [later(11, { status: 'completed', from_number: '+14155550199' })])).toBe('answered-later');
    expect(followUpOf(missed, [later(11, { status: 'no-answer', from_number: '+14155550199' })])).toBeUndefined();
    expect(followUpOf(missed, [later(13, { status: 'completed', from_number: '+14155550199' }), later(12, { direction: 'outbound', to_number: '+14155550199' })])).toBe('called-back');
    expect(followUpOf(callView({ id: 10, status: 'no-answer', from_number: null }), [later(11, { direction: 'outbound', to_number: '+14155550199' })])).toBeUndefined();
  });

  it("counts a missed call already seen again when its caller's voicemail comes, once, until the list shows it", async () => {
    const url = 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE8';
    await noteMissedCall(callView({ id: 8, status: 'no-answer' }));
    await markMissedCallsSeen([{ id: 8 }]);
    expect((await missedCalls.getValue()).unseen).toEqual([]);
    const left = callView({ id: 8, status: 'no-answer', recording_url: url });
    await noteMissedCall(left);
    await noteMissedCall(left);
    expect(await missedCalls.getValue()).toEqual({ unseen: [8], seenThrough: 8, voicemails: [8] });
    await markMissedCallsSeen([{ id: 8 }]);
    // The relay pushes the call again (its CRM log): it stays seen.
    await noteMissedCall({ ...left, crm_log: { state: 'logged', id: '43x8', url: null, error: null } });
    expect(await missedCalls.getValue()).toEqual({ unseen: [], seenThrough: 8, voicemails: [8] });
    // A message on a call not yet seen is counted with the call, once.
    await noteMissedCall(callView({ id: 9, status: 'busy' }));
    await noteMissedCall(callView({ id: 9, status: 'busy', recording_url: url }));
    expect(await missedCalls.getValue()).toEqual({ unseen: [9], seenThrough: 8, voicemails: [8, 9] });
  });

  it('counts each missed inbound call once, however many final events the provider repeats', async () => {
    await noteMissedCall(callView({ id: 3, status: 'no-answer' }));
    await noteMissedCall(callView({ id: 3, status: 'no-answer' }));
    await noteMissedCall(callView({ id: 4, status: 'completed' }));
    await noteMissedCall(callView({ id: 5, status: 'busy' }));
    expect(await missedCalls.getValue()).toEqual({ unseen: [3, 5], seenThrough: 0 });
  });

  it('takes a call back out of the count when a later event says it was answered after all', async () => {
    await noteMissedCall(callView({ id: 3, status: 'no-answer' }));
    await noteMissedCall(callView({ id: 5, status: 'no-answer' }));
    // Vonage: the caller hung up first (their leg said the call went unanswered), then the agent's leg completed.
    await noteMissedCall(callView({ id: 3, status: 'completed' }));
    expect(await missedCalls.getValue()).toEqual({ unseen: [5], seenThrough: 0 });
    await noteMissedCall(callView({ id: 7, status: 'completed' }));
    expect(await missedCalls.getValue()).toEqual({ unseen: [5], seenThrough: 0 });
  });

  it('clears the count once the list showed them, for good: a later event about a seen call does not bring it back', async () => {
    await noteMissedCall(callView({ id: 3 }));
    await noteMissedCall(callView({ id: 5 }));
    await markMissedCallsSeen([{ id: 5 }, { id: 3 }]);
    expect(await missedCalls.getValue()).toEqual({ unseen: [], seenThrough: 5 });
    await noteMissedCall(callView({ id: 3, status: 'canceled' }));
    expect((await missedCalls.getValue()).unseen).toEqual([]);
    await noteMissedCall(callView({ id: 6 }));
    expect((await missedCalls.getValue()).unseen).toEqual([6]);
  });

  it('keeps a call missed while the list was loading unseen', async () => {
    await noteMissedCall(callView({ id: 3 }));
    await noteMissedCall(callView({ id: 9 }));
    await markMissedCallsSeen([{ id: 3 }]);
    expect(await missedCalls.getValue()).toEqual({ unseen: [9], seenThrough: 3 });
  });
});
