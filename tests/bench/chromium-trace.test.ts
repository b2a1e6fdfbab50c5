import { describe, expect, it } from 'vitest';
import { eventsBetween } from './chromium-trace.ts';

describe('eventsBetween', () => {
  it('keeps the events that overlap the span and cuts the one running at its end, its CPU in proportion', () => {
    const events = [
      { name: 'TimerFire', start: 0, duration: 10 },
      { name: 'FunctionCall', start: 15, duration: 20, cpu: 10 },
      // The poll's task that saw every number at 120 and then checked each by place until 1,120.
      { name: 'TimerFire', start: 110, duration: 1010, cpu: 505 },
      { name: 'Paint', start: 1200, duration: 5 },
    ];
    expect(eventsBetween(events, 10, 120)).toEqual([
      { name: 'FunctionCall', start: 15, duration: 20, cpu: 10 },
      { name: 'TimerFire', start: 110, duration: 10, cpu: 5 },
    ]);
  });

  it('keeps everything after the start when the end was never reached', () => {
    expect(eventsBetween([{ name: 'Paint', start: 5, duration: 5 }], 0, null)).toEqual([{ name: 'Paint', start: 5, duration: 5 }]);
  });
});
