/**
 * `npx tsx tests/bench/scanner-read-probe.ts <other tree> [--appends N] [--rows N]`: what the
 * scanner's read of an infinite scroll's append costs (the walk, the plans, the hand-off to the
 * overlay: its reading slices, timed through the scanner's ledger), this tree's scanner against
 * another tree's (a checkout of main, its node_modules installed), in one headless Chromium page:
 * each in an iframe of its own holding the generated CRM list (tests/e2e/pages/crm-list.js), both
 * appended the same rows (500 by default, as the bench's scroll), in turn, first one then the other
 * first, a garbage collection before each append, each read whole in the observer's callback (the
 * page's frames told costly, as the scroll's are). A third iframe walks the same rows with a bare
 * TreeWalker in its observer's callback (each text's data read): the floor. Prints each one's
 * median per append and the medians of the paired ratios. No extension. A probe: writes no docs
 * (issue #12).
 */
import type { Frame } from 'playwright-core';
import { listFrames, probeArgs, REPO_ROOT, reportPaired, treeBundle } from './in-page-ab.ts';

const { other, appends: APPENDS, rows: ROWS } = probeArgs('scanner-read-probe.ts');

/** Starts the bundle's scanner in `frame`, its reading slices' times kept in `window.reads`. */
async function startIn(frame: Frame, bundle: string): Promise<void> {
  await frame.addScriptTag({ content: bundle });
  await frame.evaluate(() => {
    const win = window as unknown as { pcScanner: { startScanner: (options: unknown) => { idle(): Promise<void> } }; reads: number[]; scanner: unknown };
    win.reads = [];
    const ledger = {
      count<T>(work: () => T): T {
        const start = performance.now();
        try {
          return work();
        } finally {
          win.reads.push(performance.now() - start);
        }
      },
      lastFrameMs: 0,
    };
    win.scanner = win.pcScanner.startScanner({
      root: document,
      defaultCountry: 'US',
      signal: new AbortController().signal,
      onCall: () => undefined,
      // The scroll's frames are long: the append is read whole in the observer's callback.
      measurePageFrame: (callback: (renderMs: number) => void) => callback(5000),
      ledger,
    });
  });
}

/** A bare walk of each append in the observer's callback: nodes, and each text's data. */
async function startBareIn(frame: Frame): Promise<void> {
  await frame.evaluate(() => {
    const win = window as unknown as { reads: number[] };
    win.reads = [];
    new MutationObserver((records) => {
      const start = performance.now();
      for (const record of records) {
        const walker = document.createTreeWalker(record.target, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
        let digits = 0;
        for (const node of record.addedNodes) {
          walker.currentNode = node;
          for (let at: Node | null = node; at && (at === node || node.contains(at)); at = walker.nextNode()) {
            if (at.nodeType === Node.TEXT_NODE) digits += (at as Text).data.length;
          }
        }
        if (digits < 0) console.log(digits);
      }
      win.reads.push(performance.now() - start);
    }).observe(document, { childList: true, subtree: true });
  });
}

/** Appends rows `from`.. to the frame's list after a garbage collection; the time its reads took, once read and drawn. */
async function appendTo(frame: Frame, from: number): Promise<number> {
  return frame.evaluate(
    async ({ from, count }) => {
      const win = window as unknown as { reads: number[]; scanner?: { idle(): Promise<void> }; rows(from: number, count: number): string; gc(): void };
      win.gc();
      const before = win.reads.length;
      document.querySelector('#list tbody')?.insertAdjacentHTML('beforeend', win.rows(from, count));
      await Promise.resolve();
      await win.scanner?.idle();
      return win.reads.slice(before).reduce((sum, ms) => sum + ms, 0);
    },
    { from, count: ROWS },
  );
}

const [ours, theirs] = await Promise.all([REPO_ROOT, other].map((tree) => treeBundle(tree, 'extension/src/content/scan/scanner.ts', 'startScanner', 'pcScanner')));
const { browser, frames } = await listFrames(['ours', 'theirs', 'bare'] as const, 280);
try {
  await startIn(frames.ours, ours!);
  await startIn(frames.theirs, theirs!);
  await startBareIn(frames.bare);
  const times: Record<keyof typeof frames, number[]> = { ours: [], theirs: [], bare: [] };
  for (let append = 0; append < APPENDS; append++) {
    const order: Array<keyof typeof frames> = append % 2 ? ['theirs', 'ours', 'bare'] : ['bare', 'ours', 'theirs'];
    for (const name of order) times[name].push(await appendTo(frames[name], append * ROWS));
  }
  reportPaired(times, ROWS, 'the read per append in ms');
} finally {
  await browser.close();
}
