import { describe, expect, it } from 'vitest';
import { attributeEachFrame, attributeFrames, type FrameEvent, type LongFrame, over100ByUs } from './frame-attribution.ts';

const OURS = 'chrome-extension://abc/content-scripts/content.js';
const PAGE = 'http://127.0.0.1/crm-list.js';

/**
 * A 200 ms frame: the page's append (20 ms of its script), our mutation callback (30 ms, 10 of
 * them a layout it forced), the page's style and layout (60 ms), our pass after layout (10 ms),
 * the layout again after it (25 ms), then pre-paint and paint (40 ms).
 */
const FRAME: LongFrame = { start: 1000, duration: 200, renderStart: 1060, styleAndLayoutStart: 1060 };
const EVENTS: FrameEvent[] = [
  { name: 'TimerFire', start: 1000, duration: 20 },
  { name: 'FunctionCall', start: 1000, duration: 20, url: PAGE },
  { name: 'FunctionCall', start: 1025, duration: 30, url: OURS },
  { name: 'Layout', start: 1030, duration: 10 },
  { name: 'UpdateLayoutTree', start: 1060, duration: 20 },
  { name: 'Layout', start: 1080, duration: 40 },
  { name: 'FunctionCall', start: 1121, duration: 10, url: OURS },
  { name: 'Layout', start: 1132, duration: 25 },
  { name: 'PrePaint', start: 1158, duration: 30 },
  { name: 'Paint', start: 1189, duration: 10 },
  // After the frame: another frame's.
  { name: 'FunctionCall', start: 1300, duration: 50, url: OURS },
];

describe('attributeFrames', () => {
  it('splits a frame into our script, the layout it forced, and the rendering after our pass', () => {
    const shares = attributeFrames([FRAME], EVENTS);
    expect(shares).toMatchObject({ frames: 1, totalMs: 200, ourScriptMs: 30, ourForcedMs: 10, relayoutAfterOursMs: 25, paintAfterOursMs: 40 });
    // 200 - (30 + 10 + 25) = 135: the page's own frame is long already.
    expect(shares).toMatchObject({ over100: 1, over100ByUs: 0, longestMs: 200, longestWithoutOursMs: 135 });
  });

  it('counts a frame over 100 ms as ours when our share took it over', () => {
    const shares = attributeFrames([{ ...FRAME, duration: 160 }], EVENTS.filter((event) => event.start < 1160));
    // 160 - 65 = 95.
    expect(shares).toMatchObject({ over100: 1, over100ByUs: 1, longestWithoutOursMs: 95 });
  });

  it('counts no rendering as after our pass in a frame where we ran before its layout only', () => {
    const shares = attributeFrames([FRAME], EVENTS.filter((event) => event.start !== 1121));
    expect(shares).toMatchObject({ ourScriptMs: 20, ourForcedMs: 10, relayoutAfterOursMs: 0, paintAfterOursMs: 0 });
  });

  it('takes no animation frame callback of ours, on the clock at the start of the frame\'s layout, for the pass after it', () => {
    const shares = attributeFrames([FRAME], [{ name: 'FunctionCall', start: 1060, duration: 0.1, url: OURS }, ...EVENTS.filter((event) => event.start !== 1121)]);
    expect(shares).toMatchObject({ relayoutAfterOursMs: 0, paintAfterOursMs: 0 });
  });

  it('takes whose script it is from the caller: the page script of another party', () => {
    const shares = attributeFrames([FRAME], EVENTS, (event) => event.url === PAGE);
    expect(shares).toMatchObject({ ourScriptMs: 20, ourForcedMs: 0, relayoutAfterOursMs: 0 });
  });

  it('tells, frame by frame, which frames our share took over 100 ms: the ones the sums count', () => {
    const later: LongFrame = { start: 1300, duration: 120, renderStart: 1360, styleAndLayoutStart: 1360 };
    const each = attributeEachFrame([FRAME, later], EVENTS);
    // The first is the page's own (135 ms without us); the later one 120 - 50 = 70 ms without our task.
    expect(each.map(({ frame, byUsMs }) => [frame.start, byUsMs])).toEqual([
      [1000, 65],
      [1300, 50],
    ]);
    expect(each.filter(over100ByUs).map(({ frame }) => frame.start)).toEqual([1300]);
    expect(attributeFrames([FRAME, later], EVENTS)).toMatchObject({ over100: 2, over100ByUs: 1 });
  });
});
