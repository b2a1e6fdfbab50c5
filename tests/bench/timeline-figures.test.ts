import { describe, expect, it } from 'vitest';
import { lastAppendFrame, partyCpuInFramesEndedBy, ratio, timelineFigures } from './timeline-figures.ts';

/** The lines of a content-timeline.ts rerender run the figures come from (a run on main's tree). */
const DECORATED = `ours, rerender of 10000 rows: decorated 6176 ms after the change
 from ms   span   idle   cpu     tasks    render    inPage     style    layout  prePaint     paint    timers     other
       0   5823      1   483      0(0)       595       258       673      2842       377        17      1060         0
in all 8 frames (ms): span 6085, idle 81, the party's CPU 607; tasks 106, render 653, inPage 258, style 673, layout 2843, prePaint 377, paint 17, timers 1072, other 4
after the page's frame (ends at 5823 ms): 7 frames, idle 80 ms
thread CPU after the page's frame (ms): party 124 (tasks 85, in rendering 39, in the page's tasks 0), rendering 2, timers 28, other 4
the party's last script ended 240 ms after the page's frame; the bench saw every number 262 ms after it
the party's CPU from the change through the bench's wait and check: 655 ms
`;

describe('timelineFigures', () => {
  it("reads when every number was decorated, from the change and after the page's frame, the party's CPU in all frames and after the page's frame, and through the bench's check, and the rendering after the page's frame", () => {
    expect(timelineFigures(DECORATED)).toEqual({ decoratedMs: 6176, partyCpuMs: 607, partyCpuAfterFrameMs: 124, renderingAfterFrameMs: 2, partyCpuSettledMs: 655, seenAfterFrameMs: 262 });
  });

  it('says null for a run that was not decorated in time, and for a figure the run did not print', () => {
    const never = `ours, rerender of 10000 rows: not decorated within the deadline\nin all 2 frames (ms): span 4266, idle 453, the party's CPU 448; tasks 0\n`;
    expect(timelineFigures(never)).toEqual({ decoratedMs: null, partyCpuMs: 448, partyCpuAfterFrameMs: null, renderingAfterFrameMs: null, partyCpuSettledMs: null, seenAfterFrameMs: null });
  });
});

/** The first frames of a content-timeline.ts scroll --whole run (a run on main's tree, load 6), its appends 1,140 ms. */
const SCROLL = `the page's appends took 1140 ms
 from ms   span   idle   cpu     tasks    render    inPage     style    layout  prePaint     paint    timers     other
       0    217      4    12      0(0)        10         2        18       125         9        18        44         0
     217    395      6    33      1(1)        30         2        16       262        23         6        19         0
     612     11     10     0      0(1)         0         0         0         0         0         0         0         1
     623    517      5    41      0(0)        39         2        31       362        45        10        43         0
    1140    824      7    90      0(0)        88         2        26       560        88        12        15         0
in all 5 frames (ms): span 1964, idle 32, the party's CPU 176; tasks 1, render 167, inPage 8, style 91, layout 1309, prePaint 165, paint 46, timers 121, other 1
`;

describe('partyCpuInFramesEndedBy', () => {
  it("sums the party's CPU of the frames that ended by then, not of one that ended after", () => {
    expect(partyCpuInFramesEndedBy(SCROLL, 1140)).toBe(86);
    expect(partyCpuInFramesEndedBy(SCROLL, 1139)).toBe(45);
    expect(partyCpuInFramesEndedBy(SCROLL, 1964)).toBe(176);
  });
});

describe('lastAppendFrame', () => {
  it("reads the scroll's last append's frame: its layerize after the append, the page's rendering and the party's CPU in it, and when the bench saw every number after it", () => {
    const line = `the last append's frame: its layerize 1132 ms after the append (the frame 1215 ms), thread CPU in it 512 ms: the page's rendering 408, the party's 30, the page's timers 71, other 3; the bench saw every number 65 ms after its layerize`;
    expect(lastAppendFrame(`${SCROLL}${line}\n`)).toEqual({ afterAppendMs: 1132, renderingCpuMs: 408, partyCpuMs: 30, seenAfterMs: 65 });
  });

  it('is null for a run that printed no such frame (the bare page, or never decorated)', () => {
    expect(lastAppendFrame(SCROLL)).toBeNull();
    expect(lastAppendFrame(`the last append's frame: its layerize 1132 ms after the append (the frame 1215 ms), thread CPU in it 512 ms: the page's rendering 408, the party's 30, the page's timers 71, other 3; the bench saw every number never`)).toBeNull();
  });
});

describe('ratio', () => {
  it('is B / A to two decimals, undefined where either is missing or A is zero', () => {
    expect([ratio(607, 448), ratio(null, 448), ratio(607, null), ratio(0, 448)]).toEqual([0.74, undefined, undefined, undefined]);
  });
});
