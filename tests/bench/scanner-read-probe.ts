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
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Frame } from 'playwright-core';
import { positiveIntegerFlag } from './flags.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const other = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : undefined;
if (!other) throw new Error('usage: scanner-read-probe.ts <other tree> [--appends N] [--rows N]');
const APPENDS = positiveIntegerFlag(args, '--appends', 30);
const ROWS = positiveIntegerFlag(args, '--rows', 500);

/** A tree's startScanner as a script that sets `pcScanner`. */
async function scannerBundle(tree: string): Promise<string> {
  const result = await build({
    stdin: { contents: "export { startScanner } from './extension/src/content/scan/scanner.ts';", resolveDir: tree },
    write: false,
    bundle: true,
    format: 'iife',
    globalName: 'pcScanner',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

const LIST = '<!doctype html><style>body { font: 13px sans-serif; } td { padding: 2px 6px; }</style><table id="list"><tbody></tbody></table>';

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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const [ours, theirs] = await Promise.all([scannerBundle(REPO_ROOT), scannerBundle(other)]);
const rowsScript = readFileSync(join(REPO_ROOT, 'tests', 'e2e', 'pages', 'crm-list.js'), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--js-flags=--expose-gc'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const frameHtml = LIST.replaceAll('"', '&quot;');
  await page.setContent(`<!doctype html><body style="margin:0">${['ours', 'theirs', 'bare'].map((name) => `<iframe name="${name}" srcdoc="${frameHtml}" style="width:1200px;height:280px;border:0"></iframe>`).join('')}</body>`);
  const frameOf = async (name: string) => {
    for (;;) {
      const frame = page.frame({ name });
      if (frame && (await frame.evaluate(() => document.querySelector('#list') !== null).catch(() => false))) return frame;
      await page.waitForTimeout(20);
    }
  };
  const frames = { ours: await frameOf('ours'), theirs: await frameOf('theirs'), bare: await frameOf('bare') };
  for (const frame of Object.values(frames)) {
    // tsx names the functions declared inside the page functions with a `__name` helper the page lacks.
    await frame.evaluate('globalThis.__name = (target) => target;');
    await frame.addScriptTag({ content: rowsScript });
  }
  await startIn(frames.ours, ours);
  await startIn(frames.theirs, theirs);
  await startBareIn(frames.bare);
  const times: Record<keyof typeof frames, number[]> = { ours: [], theirs: [], bare: [] };
  for (let append = 0; append < APPENDS; append++) {
    const order: Array<keyof typeof frames> = append % 2 ? ['theirs', 'ours', 'bare'] : ['bare', 'ours', 'theirs'];
    for (const name of order) times[name].push(await appendTo(frames[name], append * ROWS));
  }
  // The first appends warm the JIT up: left out.
  const warm = Math.min(4, Math.floor(APPENDS / 4));
  const kept = (name: keyof typeof frames) => times[name].slice(warm);
  console.log(`${APPENDS - warm} appends of ${ROWS} rows (after ${warm} to warm up), the read per append in ms:`);
  for (const name of ['theirs', 'ours', 'bare'] as const) console.log(`  ${name.padEnd(7)} median ${median(kept(name)).toFixed(2)}  ${kept(name).map((ms) => ms.toFixed(1)).join(' ')}`);
  const paired = kept('ours').map((ms, i) => ms / (kept('theirs')[i] ?? Number.NaN));
  console.log(`  ours / theirs: median of paired ratios ${median(paired).toFixed(3)}, ratio of medians ${(median(kept('ours')) / median(kept('theirs'))).toFixed(3)}`);
  console.log(`  theirs / bare ${(median(kept('theirs')) / median(kept('bare'))).toFixed(2)}, ours / bare ${(median(kept('ours')) / median(kept('bare'))).toFixed(2)}`);
} finally {
  await browser.close();
}
