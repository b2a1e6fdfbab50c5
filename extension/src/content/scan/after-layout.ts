import { HIDDEN_TAB_FALLBACK_MS, nextTask } from './schedule.ts';

/**
 * Told to each callback: how long the frame took from its animation frame callbacks to its layout
 * (the page's own style and layout of its change), 0 where no resize notice came. A frame the page
 * made long by itself takes more of our work in the same proportion, not a frame of ours more.
 */
export type AfterLayoutCallback = (laidOutMs: number) => void;

let waiting: AfterLayoutCallback[] = [];

/**
 * Runs `callback` once, in a coming frame, right after the browser has laid the page out and
 * before it paints: a ResizeObserver's first notice of an element it starts observing comes then.
 * Reads find the layout clean, and what the callback writes is laid out and painted in that
 * same frame. An animation frame callback runs before the frame's layout: the overlay's first
 * read there paid for the page's whole pending change (14.3 s of the infinite scroll's 30.4 s,
 * issue #12). The observation starts in an animation frame callback, not at once: one started
 * while the page's or our own resize callbacks run would be left for the next frame, with an
 * error event in the page ("ResizeObserver loop completed with undelivered notifications").
 * Where no resize notice comes (a DOM without layout), the next frame's animation frame callbacks
 * run it, cancelled once the notice came: not a task after each frame, which did nothing where the
 * notice had come, yet began the page's next long animation frame at once, the wait for that
 * frame counted in it (a re-render's passes, frame after frame: issue #12). Without
 * ResizeObserver, the first task after the frame runs it; in a hidden tab, without frames, a timer.
 * `first`: before the callbacks already waiting (the scanner's reading, before the overlay's
 * pass that draws what it read).
 */
export function afterLayout(callback: AfterLayoutCallback, { first = false } = {}): void {
  if (first) waiting.unshift(callback);
  else waiting.push(callback);
  if (waiting.length > 1) return;
  let done = false;
  let frameStart = 0;
  const observer = typeof ResizeObserver === 'function' ? new ResizeObserver(() => run(performance.now() - frameStart)) : undefined;
  const hiddenTab = setInterval(() => document.hidden && run(0), HIDDEN_TAB_FALLBACK_MS);
  let fallback: number | undefined;
  if (typeof requestAnimationFrame === 'function') {
    requestAnimationFrame(() => {
      if (!observer) return nextTask(() => run(0));
      frameStart = performance.now();
      observer.observe(document.documentElement);
      fallback = requestAnimationFrame(() => run(0));
    });
  }

  function run(laidOutMs: number): void {
    if (done) return;
    done = true;
    observer?.disconnect();
    if (fallback !== undefined) cancelAnimationFrame(fallback);
    clearInterval(hiddenTab);
    const callbacks = waiting;
    waiting = [];
    for (const laidOut of callbacks) laidOut(laidOutMs);
  }
}
