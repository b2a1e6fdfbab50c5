import { describe, expect, it } from 'vitest';
import { CALL_STATUSES } from './call-status.ts';
import { statusLabel, statusTone } from './call-status-label.ts';

describe('call status labels', () => {
  it('names each status the same in the incoming popup and the progress card, but for who is being called first', () => {
    for (const status of CALL_STATUSES.filter((s) => s !== 'queued')) {
      expect(statusLabel(status, 'inbound')).toBe(statusLabel(status, 'outbound'));
    }
    expect(statusLabel('no-answer', 'inbound')).toBe('No answer');
    expect(statusLabel('queued', 'inbound')).toBe('Incoming');
    expect(statusLabel('queued', 'outbound')).toBe('Calling your phone…');
  });

  it('gives every status one tone, and only a conversation that happened is "live"', () => {
    expect(CALL_STATUSES.map((s) => [s, statusTone(s)])).toEqual([
      ['queued', 'waiting'],
      ['ringing', 'waiting'],
      ['in-progress', 'live'],
      ['completed', 'ended'],
      ['busy', 'unsuccessful'],
      ['no-answer', 'unsuccessful'],
      ['failed', 'unsuccessful'],
      ['canceled', 'ended'],
    ]);
  });
});
