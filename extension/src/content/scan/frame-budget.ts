/**
 * What our script may take of a frame the page did not make long by itself (the overlay's passes
 * after a list's own frame, the reading slices before them): with the style and layout our writes
 * cause, under the 100 ms of a long animation frame on a loaded machine. Counted in wall time: at a
 * load of 2–3 on 2 cores our passes' wall time was three times their CPU, and a re-render's pass of
 * 1,000 buttons (20 ms of reads) took 113 ms, a frame over 100 ms by our share (issue #12).
 */
export const OUR_FRAME_MS = 40;

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
