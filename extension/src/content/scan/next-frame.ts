/** Background tabs get no animation frames; timers still run there, throttled. */
const HIDDEN_TAB_FALLBACK_MS = 100;

/**
 * Runs `callback` once, at the next animation frame, or after a short timeout when the tab
 * is hidden and frames stop, so queued work still completes.
 */
export function nextFrame(callback: () => void): void {
  let frame: number | undefined;
  const timer = setTimeout(run, HIDDEN_TAB_FALLBACK_MS);
  if (typeof requestAnimationFrame === 'function') frame = requestAnimationFrame(run);

  function run(): void {
    clearTimeout(timer);
    if (frame !== undefined) cancelAnimationFrame(frame);
    callback();
  }
}
