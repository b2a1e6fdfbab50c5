/**
 * `npx tsx tests/bench/walk-fill-probe.ts <other tree> [--appends N] [--rows N]`: what the scan
 * queue's walk of a list's body filled at once costs (the bench's 10,000-row fill: one tbody of
 * fresh rows, each text's data read as the scanner reads it), this tree's ScanQueue against
 * another tree's (a checkout of main), in one headless Chromium page, each in an iframe of its own,
 * in turn, first one then the other first, a garbage collection before each fill, the rows new
 * each time (their JavaScript wrappers not made yet). Prints each one's median per fill and the
 * median of the paired ratios. No extension. A probe: writes no docs (issue #12).
 */
import type { Frame } from 'playwright-core';
import { listFrames, probeArgs, REPO_ROOT, reportPaired, treeBundle } from './in-page-ab.ts';

const { other, appends: FILLS, rows: ROWS } = probeArgs('walk-fill-probe.ts');

async function startIn(frame: Frame, bundle: string): Promise<void> {
  await frame.addScriptTag({ content: bundle });
}

/** Fills the list's body with `rows` new rows, then walks it whole: ms. */
function fillAndWalk(frame: Frame, rows: number): Promise<number> {
  return frame.evaluate((count) => {
    const win = window as unknown as { gc(): void; rows(from: number, count: number): string; pcQueue: { ScanQueue: new (doc: Document, onShadowRoot: () => void) => { add(node: Node): void; next(slice: { deadline: number }): Node | undefined; walkedTextOf(node: Node): unknown } } };
    const body = document.createElement('tbody');
    body.innerHTML = win.rows(0, count);
    (document.querySelector('#list') as HTMLElement).replaceChildren(body);
    win.gc();
    const start = performance.now();
    const queue = new win.pcQueue.ScanQueue(document, () => undefined);
    queue.add(body);
    const slice = { deadline: Number.POSITIVE_INFINITY };
    let texts = 0;
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) if (queue.walkedTextOf(anchor)) texts++;
    if (texts === 0) throw new Error('nothing walked');
    return performance.now() - start;
  }, rows);
}

const { browser, frames } = await listFrames(['ours', 'theirs'] as const, 400);
try {
  const module = 'extension/src/content/scan/scan-queue.ts';
  await startIn(frames.ours, await treeBundle(REPO_ROOT, module, 'ScanQueue', 'pcQueue'));
  await startIn(frames.theirs, await treeBundle(other, module, 'ScanQueue', 'pcQueue'));
  const times = { ours: [] as number[], theirs: [] as number[] };
  for (let i = 0; i < FILLS; i++) {
    const order = i % 2 === 0 ? (['ours', 'theirs'] as const) : (['theirs', 'ours'] as const);
    for (const name of order) times[name].push(await fillAndWalk(frames[name], ROWS));
  }
  reportPaired(times, ROWS, 'the walk per fill in ms');
} finally {
  await browser.close();
}
