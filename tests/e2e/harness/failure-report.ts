import type { Page } from 'playwright-core';
import { afterEach } from 'vitest';
import { openExtensionBrowsers } from './extension.ts';

/**
 * When an end-to-end test fails, what each page of each browser still open was doing, printed
 * beside the failure: whether it was shown, focused, and drawing frames. A flake seen once in
 * CI (a click that waited 30 s for its button to be "stable", which Playwright reads from
 * animation frames) then says from the log alone whether the page stopped drawing.
 */
afterEach(async (context) => {
  if (context.task.result?.state !== 'fail') return;
  for (const browser of openExtensionBrowsers()) {
    for (const page of browser.context.pages()) console.error(`[e2e failure] ${page.url()}: ${await describePage(page)}`);
  }
});

/** How long a page's own report may take before the page counts as not answering. */
const ANSWER_MS = 5_000;

/** A page's state in one line: visibility, focus, load state, and the animation frames it drew in a second. */
export async function describePage(page: Page): Promise<string> {
  const state = page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        let frames = 0;
        const count = () => {
          frames += 1;
          requestAnimationFrame(count);
        };
        requestAnimationFrame(count);
        // The page's own clock: a report, not a test's wait.
        setTimeout(() => resolve(`${document.visibilityState}, ${document.hasFocus() ? 'focused' : 'not focused'}, ${document.readyState}, ${frames} animation frame(s) in 1 s`), 1_000);
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  const silent = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${ANSWER_MS / 1000} s`), ANSWER_MS);
  });
  try {
    return await Promise.race([state.catch((error: Error) => `not readable (${error.message.split('\n')[0]})`), silent]);
  } finally {
    clearTimeout(timer);
  }
}
