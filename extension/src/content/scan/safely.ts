let reported = false;

/**
 * Runs `task`, swallowing what it throws: an exception from our code must never reach the
 * CRM page (its error handlers, its error trackers). The first one is logged for us to debug.
 */
export function safely(task: () => void): void {
  try {
    task();
  } catch (error) {
    reportOnce(error);
  }
}

/** Logs the first error of this content script at debug level; the rest stay silent. */
export function reportOnce(error: unknown): void {
  if (reported) return;
  reported = true;
  console.debug('[phone-connector] content script error', error);
}
