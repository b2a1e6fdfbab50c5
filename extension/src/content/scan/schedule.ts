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

/** `scheduler.postTask` (Chromium 94+): tasks the browser runs by priority. */
interface PrioritizedScheduler {
  postTask(callback: () => void, options: { priority: 'background' }): Promise<unknown>;
}

let channel: MessageChannel | undefined;
const tasks: Array<() => void> = [];

/**
 * Runs `callback` in a new task. Where the browser has `scheduler.postTask`, a task of
 * background priority: the page's own tasks (its timers, input, a list appending rows as the
 * agent scrolls) run first, our reading in the gaps (issue #12: infinite scroll, the page's
 * appends slowed by our reading slices). Elsewhere a MessageChannel task: unlike a timer's,
 * no 4 ms clamp once tasks chain.
 */
export function nextTask(callback: () => void): void {
  const scheduler = (globalThis as { scheduler?: Partial<PrioritizedScheduler> }).scheduler;
  if (typeof scheduler?.postTask === 'function') {
    // The callback never throws (the scanner runs it `safely`); an aborted task is no error either.
    void scheduler.postTask(callback, { priority: 'background' }).catch(() => undefined);
    return;
  }
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
