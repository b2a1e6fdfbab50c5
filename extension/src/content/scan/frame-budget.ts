/**
 * What our script may take of a frame the page did not make long by itself (the overlay's passes
 * after a list's own frame, the reading slices before them): with the style and layout our writes
 * cause, under the 100 ms of a long animation frame on a loaded machine. Counted in wall time: at a
 * load of 2–3 on 2 cores our passes' wall time was three times their CPU, and a re-render's pass of
 * 1,000 buttons (20 ms of reads) took 113 ms, a frame over 100 ms by our share (issue #12).
 */
export const OUR_FRAME_MS = 40;

/**
 * A frame whose own style and layout (as after-layout.ts measures them: from its animation frame
 * callback to the resize notice) took this long or more is long by the page's doing: its task,
 * pre-paint and paint come on top, over 100 ms without us, and our work after its layout takes a
 * share of it. One laid out in less is not: in the infinite scroll's first seconds the page's own
 * frames took 88–99 ms (the trace's style and layout ~60 ms: no column widened), and our ~40 ms of
 * reading and placing in them made the only frames over 100 ms by our share (two of 51, issue #12).
 * At 75 ms one such frame (the trace's style and layout 63 ms) still got 37 ms of ours, and in
 * another run this measure was never under 120 ms in the scroll's first frames, which traces lay
 * out in 55–180 ms: it runs longer than the trace's style and layout (not pinned down).
 */
export const PAGE_LONG_LAYOUT_MS = 100;

/**
 * In a frame the page did not make long, our work after its layout takes what leaves the frame
 * under 100 ms: this, less the page's own style and layout (its task before them, its pre-paint
 * and paint after, ~35 ms in the scroll's short frames, and a margin are taken out).
 */
const FRAME_ROOM_MS = 60;

/**
 * Our time after the page's layout in a frame whose own style and layout took `laidOutMs` and
 * that is not long by the page's doing: OUR_FRAME_MS in a frame of our own, down to none in one the
 * page's layout brought near 100 ms.
 */
export function roomAfterLayout(laidOutMs: number): number {
  return Math.max(0, Math.min(OUR_FRAME_MS, FRAME_ROOM_MS - laidOutMs));
}

/**
 * Our script's time in the frame under way: from the first of our tasks after a frame of ours was
 * asked for (a hand-off to the overlay) until the overlay's pass closes it, in that frame's
 * rendering. The reading slices and the scanner's reads inside the page's frame count towards it;
 * the pass takes what is left of OUR_FRAME_MS, or its share of a frame the page made long.
 */
export class FrameLedger {
  private spent = 0;
  private open = false;
  private closedMs = 0;

  constructor(private readonly clock: () => number = () => performance.now()) {}

  /** A frame of ours was asked for: our time from now on is in it. */
  opened(): void {
    this.open = true;
  }

  /** Runs `work`, its time counted in the frame if one is asked for (at its end: a hand-off asks for one). */
  count<T>(work: () => T): T {
    const start = this.clock();
    try {
      return work();
    } finally {
      if (this.open) this.spent += this.clock() - start;
    }
  }

  /** Our time in the frame under way so far. */
  get spentMs(): number {
    return this.spent;
  }

  /** The frame's last work of ours is done (the overlay's pass): what follows is in the next one. */
  close(passMs: number): void {
    this.closedMs = this.spent + passMs;
    this.spent = 0;
    this.open = false;
  }

  /** Our time in the frame last closed: taken out of what that frame cost the page. */
  get lastFrameMs(): number {
    return this.closedMs;
  }
}

/** The content script's: its scanner and its document's overlay share the frames. */
export const ourFrames = new FrameLedger();
