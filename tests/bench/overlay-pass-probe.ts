/**
 * `npx tsx tests/bench/overlay-pass-probe.ts <other tree> [--appends N] [--rows N]`: what the
 * overlay's pass costs per new button after an infinite scroll's append, this tree's ButtonOverlay
 * against another tree's (a checkout of main, its node_modules installed), in one headless
 * Chromium page: each in an iframe of its own holding the generated CRM list
 * (tests/e2e/pages/crm-list.js), both appended the same rows (500 by default), in turn, first one
 * then the other first, a garbage collection before each. Each append is laid out first, then its
 * phone cells' texts are handed to the overlay and its passes are run (no time bound: its clock
 * stands still) until every button is placed; the passes' time is what is printed, per button,
 * with the medians of the paired ratios. No extension. A probe: writes no docs (issue #12).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { build } from 'esbuild';
import { chromium, type Frame } from 'playwright-core';
import { positiveIntegerFlag } from './flags.ts';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const args = process.argv.slice(2);
const other = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : undefined;
if (!other) throw new Error('usage: overlay-pass-probe.ts <other tree> [--appends N] [--rows N]');
const APPENDS = positiveIntegerFlag(args, '--appends', 30);
const ROWS = positiveIntegerFlag(args, '--rows', 500);

/** A tree's ButtonOverlay as a script that sets `pcOverlay`. */
async function overlayBundle(tree: string): Promise<string> {
  const result = await build({
    stdin: { contents: "export { ButtonOverlay } from './extension/src/content/scan/button-overlay.ts';", resolveDir: tree },
    write: false,
    bundle: true,
    format: 'iife',
    globalName: 'pcOverlay',
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

const LIST = '<!doctype html><style>body { font: 13px sans-serif; } td { padding: 2px 6px; }</style><table id="list"><tbody></tbody></table>';

/** Starts the bundle's overlay in `frame`: its passes wait in `window.pass` until the probe runs them. */
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
}

/** Appends rows `from`.. to the frame's list, lays them out, hands their numbers to the overlay after a garbage collection; the passes' time until all are placed, and their count. */
async function appendTo(frame: Frame, from: number): Promise<{ ms: number; buttons: number }> {
  return frame.evaluate(
    async ({ from, count }) => {
      type Pass = (laidOutMs: number) => void;
      const win = window as unknown as { overlay: { add(anchor: Node, targets: unknown[]): void }; pass: Pass | undefined; rows(from: number, count: number): string; gc(): void };
      const tbody = document.querySelector('#list tbody') as HTMLElement;
      tbody.insertAdjacentHTML('beforeend', win.rows(from, count));
      // The overlay's observer sees the append (its microtask), and the page lays it out: the pass reads a clean layout, as after the page's frame.
      await Promise.resolve();
      void document.body.offsetHeight;
      const cells = [...tbody.querySelectorAll('td.phone')].slice(-count);
      win.gc();
      const start = performance.now();
      for (const cell of cells) {
        const text = cell.firstChild as Text;
        const digits = text.data.replace(/\D/g, '').slice(-10);
        win.overlay.add(text, [{ e164: `+1${digits}`, text: text.data }]);
      }
      let passes = 0;
      while (win.pass && passes < 100) {
        const pass = win.pass;
        win.pass = undefined;
        pass(0);
        passes++;
      }
      const ms = performance.now() - start;
      // The buttons drawn, as the frame would: their hosts' style and layout are not in the time above.
      void document.body.offsetHeight;
      return { ms, buttons: cells.length };
    },
    { from, count: ROWS },
  );
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

const [ours, theirs] = await Promise.all([overlayBundle(REPO_ROOT), overlayBundle(other)]);
const rowsScript = readFileSync(join(REPO_ROOT, 'tests', 'e2e', 'pages', 'crm-list.js'), 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--js-flags=--expose-gc'] });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const frameHtml = LIST.replaceAll('"', '&quot;');
  await page.setContent(`<!doctype html><body style="margin:0">${['ours', 'theirs'].map((name) => `<iframe name="${name}" srcdoc="${frameHtml}" style="width:1200px;height:400px;border:0"></iframe>`).join('')}</body>`);
  const frameOf = async (name: string) => {
    for (;;) {
      const frame = page.frame({ name });
      if (frame && (await frame.evaluate(() => document.querySelector('#list') !== null).catch(() => false))) return frame;
      await page.waitForTimeout(20);
    }
  };
  const frames = { ours: await frameOf('ours'), theirs: await frameOf('theirs') };
  for (const frame of Object.values(frames)) {
    // tsx names the functions declared inside the page functions with a `__name` helper the page lacks.
    await frame.evaluate('globalThis.__name = (target) => target;');
    await frame.addScriptTag({ content: rowsScript });
  }
  await startIn(frames.ours, ours);
  await startIn(frames.theirs, theirs);
  const times: Record<keyof typeof frames, number[]> = { ours: [], theirs: [] };
  for (let append = 0; append < APPENDS; append++) {
    const order: Array<keyof typeof frames> = append % 2 ? ['theirs', 'ours'] : ['ours', 'theirs'];
    for (const name of order) {
      const { ms, buttons } = await appendTo(frames[name], append * ROWS);
      times[name].push((ms * 1000) / buttons);
    }
  }
  const warm = Math.min(4, Math.floor(APPENDS / 4));
  const kept = (name: keyof typeof frames) => times[name].slice(warm);
  console.log(`${APPENDS - warm} appends of ${ROWS} rows (after ${warm} to warm up), the overlay's passes per new button in µs:`);
  for (const name of ['theirs', 'ours'] as const) console.log(`  ${name.padEnd(7)} median ${median(kept(name)).toFixed(2)}  ${kept(name).map((us) => us.toFixed(1)).join(' ')}`);
  const paired = kept('ours').map((us, i) => us / (kept('theirs')[i] ?? Number.NaN));
  console.log(`  ours / theirs: median of paired ratios ${median(paired).toFixed(3)}, ratio of medians ${(median(kept('ours')) / median(kept('theirs'))).toFixed(3)}`);
} finally {
  await browser.close();
}
