/**
 * What the in-page probes share (scanner-read-probe.ts, overlay-pass-probe.ts, overlay-read-probe.ts): their
 * arguments, a tree's module bundled for the page, one headless Chromium page whose iframes each
 * hold the generated CRM list (tests/e2e/pages/crm-list.js), and the report of per-append times
 * with the medians of the paired ratios, this tree's ("ours") against the other's ("theirs").
 * Probes: they write no docs (issue #12).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, Frame } from 'playwright-core';
import { otherTreeArg, positiveIntegerFlag } from './flags.ts';
import { launchProbeBrowser, TSX_NAME_HELPER } from './probe-browser.ts';

export const REPO_ROOT = join(import.meta.dirname, '..', '..');

/** `<other tree> [--appends N] [--rows N]`: the other tree (a checkout of main, its node_modules installed), how many appends, of how many rows. */
export function probeArgs(usage: string): { other: string; appends: number; rows: number } {
  const args = process.argv.slice(2);
  const other = otherTreeArg(args, `${usage} <other tree> [--appends N] [--rows N]`);
  return { other, appends: positiveIntegerFlag(args, '--appends', 30), rows: positiveIntegerFlag(args, '--rows', 500) };
}

/** `tree`'s export `name` of `module` (a path from the tree's root) as a script that sets the global `globalName`. */
export async function treeBundle(tree: string, module: string, name: string, globalName: string): Promise<string> {
  const result = await build({
    stdin: { contents: `export { ${name} } from './${module}';`, resolveDir: tree },
    write: false,
    bundle: true,
    format: 'iife',
    globalName,
    platform: 'browser',
    target: 'chrome120',
    minify: true,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

const LIST = '<!doctype html><style>body { font: 13px sans-serif; } td { padding: 2px 6px; }</style><table id="list"><tbody></tbody></table>';

/** A headless Chromium page (garbage collection exposed) with an iframe per name, each holding an empty list and the page's `rows(from, count)`. */
export async function listFrames<Name extends string>(names: readonly Name[], height: number): Promise<{ browser: Browser; frames: Record<Name, Frame> }> {
  const rowsScript = readFileSync(join(REPO_ROOT, 'tests', 'e2e', 'pages', 'crm-list.js'), 'utf8');
  const browser = await launchProbeBrowser(['--js-flags=--expose-gc']);
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const frameHtml = LIST.replaceAll('"', '&quot;');
    await page.setContent(`<!doctype html><body style="margin:0">${names.map((name) => `<iframe name="${name}" srcdoc="${frameHtml}" style="width:1200px;height:${height}px;border:0"></iframe>`).join('')}</body>`);
    const frameOf = async (name: string) => {
      for (;;) {
        const frame = page.frame({ name });
        if (frame && (await frame.evaluate(() => document.querySelector('#list') !== null).catch(() => false))) return frame;
        await page.waitForTimeout(20);
      }
    };
    const frames = {} as Record<Name, Frame>;
    for (const name of names) {
      const frame = await frameOf(name);
      await frame.evaluate(TSX_NAME_HELPER);
      await frame.addScriptTag({ content: rowsScript });
      frames[name] = frame;
    }
    return { browser, frames };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Gives `frame` \`window.placeTexts(texts)\`, for the overlay probes: hands each phone text to the
 * overlay the probe started there (\`window.overlay\`, its passes waiting in \`window.pass\`) and runs
 * the passes until the texts' buttons are placed. A pass the overlay asks for after that (reads it
 * left for later, far from the viewport) runs with the next call's, as in a scroll whose appends
 * come faster than the overlay's frames.
 */
export async function givePlaceTexts(frame: Frame): Promise<void> {
  await frame.evaluate(() => {
    type Pass = (laidOutMs: number) => void;
    const win = window as unknown as { overlay: { add(anchor: Node, targets: unknown[]): void; placed(): Promise<void> }; pass: Pass | undefined; placeTexts(texts: readonly Text[]): Promise<void> };
    win.placeTexts = async (texts) => {
      for (const text of texts) {
        const digits = text.data.replace(/\D/g, '').slice(-10);
        win.overlay.add(text, [{ e164: `+1${digits}`, text: text.data }]);
      }
      let placed = false;
      void win.overlay.placed().then(() => {
        placed = true;
      });
      for (let passes = 0; win.pass && !placed && passes < 100; passes++) {
        const pass = win.pass;
        win.pass = undefined;
        pass(0);
        await Promise.resolve();
      }
    };
  });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Prints each party's median per append (after the first appends, which warm the JIT up, left
 * out), and ours against theirs: the median of the paired ratios and the ratio of the medians;
 * against `bare` too when it ran. `what`: what a figure is, with its unit.
 */
export function reportPaired(times: { ours: number[]; theirs: number[]; bare?: number[] }, rows: number, what: string): void {
  const appends = times.ours.length;
  const warm = Math.min(4, Math.floor(appends / 4));
  const kept = (values: number[]) => values.slice(warm);
  const parties = { theirs: kept(times.theirs), ours: kept(times.ours), ...(times.bare ? { bare: kept(times.bare) } : {}) };
  console.log(`${appends - warm} appends of ${rows} rows (after ${warm} to warm up), ${what}:`);
  for (const [name, values] of Object.entries(parties)) console.log(`  ${name.padEnd(7)} median ${median(values).toFixed(2)}  ${values.map((v) => v.toFixed(1)).join(' ')}`);
  const paired = parties.ours.map((v, i) => v / (parties.theirs[i] ?? Number.NaN));
  console.log(`  ours / theirs: median of paired ratios ${median(paired).toFixed(3)}, ratio of medians ${(median(parties.ours) / median(parties.theirs)).toFixed(3)}`);
  if (parties.bare) console.log(`  theirs / bare ${(median(parties.theirs) / median(parties.bare)).toFixed(2)}, ours / bare ${(median(parties.ours) / median(parties.bare)).toFixed(2)}`);
}
