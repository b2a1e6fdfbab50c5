/**
 * Whose time a page's long animation frames are (issue #12). Chromium's `long-animation-frame`
 * entries list no script of an extension's isolated world (measured: `scripts` stays empty for
 * our content script), so the frames the page saw are laid over a trace of its renderer's main
 * thread, where our script shows by its URL: what of each frame is our script, layout and style
 * it forced, the style and layout the frame ran again after our pass in it (the page was laid
 * out already), and the pre-paint and paint after that pass (the frame's own, grown by our writes).
 */

/** A long animation frame as the page saw it, on the page's clock (ms). */
export interface LongFrame {
  start: number;
  duration: number;
  /** Where the frame's rendering (animation frame callbacks) and its style and layout begin. */
  renderStart: number;
  styleAndLayoutStart: number;
}

/** A complete trace event of the page's renderer main thread, moved onto the page's clock (ms). */
export interface FrameEvent {
  name: string;
  start: number;
  duration: number;
  /** The script's URL, for events that run script. */
  url?: string;
  /** The thread's CPU time in it (ms), when the trace has it: unlike `duration`, not stretched by other processes on a loaded machine. */
  cpu?: number;
  /** A task's: the Chromium source file it was posted from (traced with the `toplevel` category). */
  postedFrom?: string;
  /** Traced in the `toplevel` category (tasks, microtask checkpoints, mojo messages): around the timeline's events, not among them. */
  toplevel?: boolean;
}

export interface FrameShares {
  /** Long frames (over 50 ms) and their summed duration. */
  frames: number;
  totalMs: number;
  /** Our script, less the style and layout it forced. */
  ourScriptMs: number;
  ourForcedMs: number;
  /** Style and layout after our pass in the frame's rendering. */
  relayoutAfterOursMs: number;
  /** Pre-paint and paint after our pass in the frame's rendering. */
  paintAfterOursMs: number;
  over100: number;
  /** Frames over 100 ms that our script, its forced layout and the relayout after it took over 100 ms. */
  over100ByUs: number;
  /** The longest frame, and the longest with our share taken out. */
  longestMs: number;
  longestWithoutOursMs: number;
}

/** Events that run script: layout or style inside them is forced. */
const SCRIPT = new Set(['FunctionCall', 'EvaluateScript', 'TimerFire', 'FireAnimationFrame', 'EventDispatch', 'v8.callFunction', 'V8.Execute']);
const STYLE_AND_LAYOUT = new Set(['UpdateLayoutTree', 'RecalculateStyles', 'Layout']);
const PAINT = new Set(['PrePaint', 'Paint', 'Layerize', 'UpdateLayer']);

const isOurs = (event: FrameEvent) => event.url?.startsWith('chrome-extension://') === true;

/** One long frame's shares: ours (as in FrameShares) and what it took over 100 ms by. */
export interface FrameShare {
  frame: LongFrame;
  ourScriptMs: number;
  ourForcedMs: number;
  relayoutAfterOursMs: number;
  paintAfterOursMs: number;
  /** Our script, its forced style and layout and the relayout after our pass: what the frame would be without us less this. */
  byUsMs: number;
}

/** Each frame's shares, from the events within it (sorted here). */
export function attributeEachFrame(frames: readonly LongFrame[], events: readonly FrameEvent[], ours: (event: FrameEvent) => boolean = isOurs): FrameShare[] {
  const sorted = [...events].sort((a, b) => a.start - b.start || b.duration - a.duration);
  return frames.map((frame) => {
    const end = frame.start + frame.duration;
    const one = attributeFrame(
      frame,
      sorted.filter((event) => event.start >= frame.start && event.start < end),
      ours,
    );
    return { frame, ...one, byUsMs: one.ourScriptMs + one.ourForcedMs + one.relayoutAfterOursMs };
  });
}

/** Whether our share took a frame over 100 ms: without it, it would be 100 ms or less. */
export const over100ByUs = ({ frame, byUsMs }: FrameShare) => frame.duration > 100 && frame.duration - byUsMs <= 100;

/** Sums our shares of the frames. */
export function attributeFrames(frames: readonly LongFrame[], events: readonly FrameEvent[], ours: (event: FrameEvent) => boolean = isOurs): FrameShares {
  const shares: FrameShares = { frames: 0, totalMs: 0, ourScriptMs: 0, ourForcedMs: 0, relayoutAfterOursMs: 0, paintAfterOursMs: 0, over100: 0, over100ByUs: 0, longestMs: 0, longestWithoutOursMs: 0 };
  for (const one of attributeEachFrame(frames, events, ours)) {
    const { frame, byUsMs: byUs } = one;
    shares.frames++;
    shares.totalMs += frame.duration;
    shares.ourScriptMs += one.ourScriptMs;
    shares.ourForcedMs += one.ourForcedMs;
    shares.relayoutAfterOursMs += one.relayoutAfterOursMs;
    shares.paintAfterOursMs += one.paintAfterOursMs;
    if (frame.duration > 100) shares.over100++;
    if (over100ByUs(one)) shares.over100ByUs++;
    shares.longestMs = Math.max(shares.longestMs, frame.duration);
    shares.longestWithoutOursMs = Math.max(shares.longestWithoutOursMs, frame.duration - byUs);
  }
  return shares;
}

function attributeFrame(frame: LongFrame, events: readonly FrameEvent[], ours: (event: FrameEvent) => boolean) {
  const one = { ourScriptMs: 0, ourForcedMs: 0, relayoutAfterOursMs: 0, paintAfterOursMs: 0 };
  /** The open events around the current one. */
  const open: FrameEvent[] = [];
  /** When our first script after the frame's own style and layout (the overlay's pass after layout) ended. */
  let oursPassEnd = Number.POSITIVE_INFINITY;
  /**
   * When the frame's first style or layout ended: its animation frame callbacks (ours among
   * them) ran before, though the page's clock may put them at its `styleAndLayoutStart`.
   */
  let laidOutFrom = Number.POSITIVE_INFINITY;
  for (const event of events) {
    while (open.length > 0 && (open.at(-1) as FrameEvent).start + (open.at(-1) as FrameEvent).duration <= event.start) open.pop();
    const inOurScript = open.find((outer) => SCRIPT.has(outer.name) && ours(outer));
    const inScript = open.some((outer) => SCRIPT.has(outer.name));
    if (SCRIPT.has(event.name) && ours(event) && !inOurScript) {
      one.ourScriptMs += event.duration;
      if (event.start >= laidOutFrom) oursPassEnd = Math.min(oursPassEnd, event.start + event.duration);
    } else if (STYLE_AND_LAYOUT.has(event.name) && inOurScript && !open.some((outer) => STYLE_AND_LAYOUT.has(outer.name))) {
      one.ourForcedMs += event.duration;
      one.ourScriptMs -= event.duration;
    } else if (!inScript && STYLE_AND_LAYOUT.has(event.name) && event.start >= frame.styleAndLayoutStart && laidOutFrom === Number.POSITIVE_INFINITY) {
      laidOutFrom = event.start + event.duration;
    } else if (!inScript && event.start >= oursPassEnd && !open.some((outer) => STYLE_AND_LAYOUT.has(outer.name) || PAINT.has(outer.name))) {
      if (STYLE_AND_LAYOUT.has(event.name)) one.relayoutAfterOursMs += event.duration;
      else if (PAINT.has(event.name)) one.paintAfterOursMs += event.duration;
    }
    open.push(event);
  }
  return one;
}
