import { describe, expect, it } from 'vitest';
import { CALL_STATUSES, FINAL_STATUSES, isFinalStatus, isStatusForward } from './call-status.ts';

describe('call statuses', () => {
  it('lists every status once, in the order a call goes through them', () => {
    expect(CALL_STATUSES).toEqual(['queued', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'failed', 'canceled']);
  });

  it('calls the statuses after which nothing more happens final', () => {
    expect([...FINAL_STATUSES].sort()).toEqual(['busy', 'canceled', 'completed', 'failed', 'no-answer']);
    expect(isFinalStatus('ringing')).toBe(false);
    expect(isFinalStatus('no-answer')).toBe(true);
    expect(isFinalStatus(null)).toBe(false);
    expect(isFinalStatus(undefined)).toBe(false);
    expect(isFinalStatus('voicemail')).toBe(false);
  });

  it('moves a call forward or keeps it where it is, never back', () => {
    expect(isStatusForward(null, 'completed')).toBe(true);
    expect(isStatusForward('queued', 'ringing')).toBe(true);
    expect(isStatusForward('ringing', 'ringing')).toBe(true);
    expect(isStatusForward('ringing', 'completed')).toBe(true);
    expect(isStatusForward('completed', 'ringing')).toBe(false);
    expect(isStatusForward('in-progress', 'queued')).toBe(false);
  });

  it('lets a final status replace another final one, as providers correct themselves', () => {
    expect(isStatusForward('no-answer', 'completed')).toBe(true);
    expect(isStatusForward('completed', 'busy')).toBe(true);
  });

});
