/**
 * `npx tsx tests/bench/overlay-pass-probe.ts <other tree> [--appends N] [--rows N]`: what the
 * overlay's pass costs per new button after an infinite scroll's append, this tree's ButtonOverlay
 * against another tree's (a checkout of main, its node_modules installed), in one headless
 * Chromium page: each in an iframe of its own holding the generated CRM list
 * (tests/e2e/pages/crm-list.js), both appended the same rows (500 by default), in turn, first one
 * then the other first, a garbage collection before each. Each append is laid out first, then its
 * phone cells' texts are handed to the overlay and its passes are run (no time bound: its clock
 * stands still) until every button is placed; a pass asked for after that runs with the next
 * append's (an infinite scroll appends faster than the overlay's frames). The passes' time is what
 * is printed, per button, with the medians of the paired ratios. No extension. A probe: writes no
 * docs (issue #12).
 */
import type { Frame } from 'playwright-core';
import { givePlaceTexts, listFrames, probeArgs, REPO_ROOT, reportPaired, treeBundle } from './in-page-ab.ts';
import { inTurn } from './in-turn.ts';

const { other, appends: APPENDS, rows: ROWS } = probeArgs('overlay-pass-probe.ts');

/** Starts the bundle's overlay in `frame`: its passes wait in `window.pass` until `window.placeTexts` runs them. */
async function startIn(frame: Frame, bundle: string): Promise<void> {
  await frame.addScriptTag({ content: bundle });
  await frame.evaluate(() => {
    type Pass = (laidOutMs: number) => void;
    const win = window as unknown as { pcOverlay: { ButtonOverlay: new (doc: Document, options: unknown) => unknown }; overlay: unknown; pass: Pass | undefined };
    const ledger = { spentMs: 0, lastFrameMs: 0, opened: () => undefined, close: () => undefined, count: <T>(work: () => T) => work() };
    win.overlay = new win.pcOverlay.ButtonOverlay(document, {
      schedule: (callback: Pass) => {
        win.pass = callback;
      },
      clock: () => 0,
      ledger,
    });
  });
  await givePlaceTexts(frame);
}

/** Appends rows `from`.. to the frame's list, lays them out, hands their numbers to the overlay after a garbage collection; the passes' time until all are placed, and their count. */
async function appendTo(frame: Frame, from: number): Promise<{ ms: number; buttons: number }> {
  return frame.evaluate(
    async ({ from, count }) => {
      const win = window as unknown as { placeTexts(texts: readonly Text[]): Promise<void>; rows(from: number, count: number): string; gc(): void };
      const tbody = document.querySelector('#list tbody') as HTMLElement;
      tbody.insertAdjacentHTML('beforeend', win.rows(from, count));
      // The overlay's observer sees the append (its microtask), and the page lays it out: the pass reads a clean layout, as after the page's frame.
      await Promise.resolve();
      void document.body.offsetHeight;
      const cells = [...tbody.querySelectorAll('td.phone')].slice(-count);
      win.gc();
      const start = performance.now();
      await win.placeTexts(cells.map((cell) => cell.firstChild as Text));
      const ms = performance.now() - start;
      // The buttons drawn, as the frame would: their hosts' style and layout are not in the time above.
      void document.body.offsetHeight;
      return { ms, buttons: cells.length };
    },
    { from, count: ROWS },
  );
}

const [ours, theirs] = await Promise.all([REPO_ROOT, other].map((tree) => treeBundle(tree, 'extension/src/content/scan/button-overlay.ts', 'ButtonOverlay', 'pcOverlay')));
const { browser, frames } = await listFrames(['ours', 'theirs'] as const, 400);
try {
  await startIn(frames.ours, ours!);
  await startIn(frames.theirs, theirs!);
  const times: Record<keyof typeof frames, number[]> = { ours: [], theirs: [] };
  for (let append = 0; append < APPENDS; append++) {
    const order = inTurn<keyof typeof frames>(['ours', 'theirs'], append);
    for (const name of order) {
      const { ms, buttons } = await appendTo(frames[name], append * ROWS);
      times[name].push((ms * 1000) / buttons);
    }
  }
  reportPaired(times, ROWS, "the overlay's passes per new button in µs");
} finally {
  await browser.close();
}
