/** Background tabs get no animation frames; timers still run there, throttled. */
export const HIDDEN_TAB_FALLBACK_MS = 100;

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

/**
 * Runs `callback` with how long the browser took to render the next frame: from its animation
 * frame callbacks (the page's own among them) through style, layout and paint, to the first task
 * after it. What a page's change costs the page itself.
 */
export function measureNextFrame(callback: (renderMs: number) => void): void {
  nextFrame(() => {
    const start = performance.now();
    nextTask(() => callback(performance.now() - start));
  });
}

let channel: MessageChannel | undefined;
const tasks: Array<() => void> = [];

/**
 * Runs `callback` in a new task: the page's own pending tasks and a frame, if one is due,
 * have their turn first. Unlike a timer's, no 4 ms clamp once tasks chain.
 */
export function nextTask(callback: () => void): void {
  if (typeof MessageChannel !== 'function') {
    setTimeout(callback, 0);
    return;
  }
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => tasks.shift()?.();
  }
  tasks.push(callback);
  channel.port2.postMessage(undefined);
}
