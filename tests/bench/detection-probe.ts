/**
 * `npx tsx tests/bench/detection-probe.ts <other tree> [--rounds N] [--tree this|other] [--distinct] [--chromium]`:
 * the CPU per text of the content script's detection (DetectionCache.numbersIn, as the scanner's
 * plan asks it) over the texts of a 10,000-row fill of tests/e2e/pages/crm-list.js (its own row
 * generator: a phone number and five look-alikes a row), this tree's against another's (a clone of
 * main with its node_modules), in one process (issue #12). Each round is one fill: a new cache per
 * tree, every text the scan queue plans asked once in the page's order, the trees taking turns
 * going first. With `--tree`, one tree's fills only (for `node --cpu-prof`). The list repeats its
 * phone texts every 600 rows; `--distinct` gives each row a number of its own (its last four digits
 * the row's index), as a CRM's contacts have. `--chromium`: each fill in a fresh headless Chromium
 * page instead (the compiler cold, as in a page's first fill), each tree's DetectionCache bundled,
 * the page's main thread CPU (CDP's ThreadTime) per text. A check of the detection's own CPU, not
 * figures for the docs.
 */
import { readFileSync } from 'node:fs';

import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { digitsIn } from '../../extension/src/numbers/detect-numbers.ts';
import { threadRunUs } from './cpu-account.ts';
import { otherTreeArg, positiveIntegerFlag } from './flags.ts';
import { treeBundle } from './in-page-ab.ts';
import { inTurn } from './in-turn.ts';
import { median } from './relay-crm.ts';
import { launchProbeBrowser } from './probe-browser.ts';

interface Detections {
  numbersIn(text: string): readonly unknown[];
}

const args = process.argv.slice(2);
const other = otherTreeArg(args, 'detection-probe.ts <other tree> [--rounds N] [--tree this|other] [--distinct] [--chromium]');
const rounds = positiveIntegerFlag(args, '--rounds', 12);
const only = args.includes('--tree') ? args[args.indexOf('--tree') + 1] : undefined;
const ROWS = 10_000;
const thisTree = resolve(fileURLToPath(import.meta.url), '../../..');

/** The list's texts the scan queue hands to the plan (a run of digits long enough for a number), in the page's order: crm-list.js's own `row`, read from the page's script. */
function fillTexts(): string[] {
  const script = readFileSync(join(thisTree, 'tests/e2e/pages/crm-list.js'), 'utf8');
  const generator = script.slice(script.indexOf('const AREA_CODES'), script.indexOf('function rows('));
  const row = new Function(`${generator}\nreturn row;`)() as (i: number) => string;
  const texts: string[] = [];
  for (let i = 0; i < ROWS; i++) {
    const html = args.includes('--distinct') ? row(i).replace(/(class="phone">[^<]*)\d{4}</, `$1${String(i).padStart(4, '0')}<`) : row(i);
    for (const [, text] of html.matchAll(/>([^<>]+)</g)) if (digitsIn(text!) === 'run') texts.push(text!);
  }
  return texts;
}

async function cacheOf(tree: string): Promise<new (country: string) => Detections> {
  const module = (await import(join(tree, 'extension/src/content/scan/detection-cache.ts'))) as { DetectionCache: new (country: string) => Detections };
  return module.DetectionCache;
}

const texts = fillTexts();
const trees = [
  { name: 'this', tree: thisTree, usPerText: [] as number[] },
  { name: 'other', tree: other, usPerText: [] as number[] },
].filter((tree) => !only || tree.name === only);

/** One fill in node: µs of this thread a text. */
function fill(Cache: new (country: string) => Detections): number {
  const cache = new Cache('US');
  let found = 0;
  const start = threadRunUs();
  for (const text of texts) found += cache.numbersIn(text).length;
  const us = threadRunUs() - start;
  if (found !== ROWS) throw new Error(`a fill found ${found} numbers, not ${ROWS}`);
  return us / texts.length;
}

if (args.includes('--chromium')) {
  const bundles = new Map(await Promise.all(trees.map(async ({ tree }) => [tree, await treeBundle(tree, 'extension/src/content/scan/detection-cache.ts', 'DetectionCache', 'probe')] as const)));
  const browser = await launchProbeBrowser();
  try {
    /** One fill in a fresh page: µs of the page's main thread a text. */
    const fillInPage = async (tree: string): Promise<number> => {
      const page = await browser.newPage();
      try {
        await page.addScriptTag({ content: bundles.get(tree) });
        await page.evaluate((all) => Object.assign(window, { probeTexts: all }), texts);
        const cdp = await page.context().newCDPSession(page);
        await cdp.send('Performance.enable', { timeDomain: 'threadTicks' });
        const threadMs = async () => ((await cdp.send('Performance.getMetrics')) as { metrics: Array<{ name: string; value: number }> }).metrics.find((metric) => metric.name === 'ThreadTime')!.value * 1000;
        const before = await threadMs();
        const found = await page.evaluate(`(() => { const cache = new probe.DetectionCache('US'); let found = 0; for (const text of probeTexts) found += cache.numbersIn(text).length; return found; })()`);
        const ms = (await threadMs()) - before;
        if (found !== ROWS) throw new Error(`a fill found ${found} numbers, not ${ROWS}`);
        return (ms * 1000) / texts.length;
      } finally {
        await page.close();
      }
    };
    for (let round = 0; round < rounds; round++) {
      for (const tree of inTurn(trees, round)) tree.usPerText.push(await fillInPage(tree.tree));
    }
  } finally {
    await browser.close();
  }
} else {
  const caches = new Map(await Promise.all(trees.map(async ({ tree }) => [tree, await cacheOf(tree)] as const)));
  // One fill each before the clock: both trees' code compiled alike.
  for (const tree of trees) fill(caches.get(tree.tree)!);
  for (let round = 0; round < rounds; round++) {
    for (const tree of inTurn(trees, round)) tree.usPerText.push(fill(caches.get(tree.tree)!));
  }
}
const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
console.log(`${texts.length} texts a fill, ${rounds} rounds, load ${load}`);
for (const tree of trees) console.log(`${tree.name}: µs a text, median ${median(tree.usPerText).toFixed(3)}: ${tree.usPerText.map((us) => us.toFixed(3)).join(' ')}`);
if (trees.length === 2) {
  const ratios = trees[0]!.usPerText.map((us, round) => us / trees[1]!.usPerText[round]!);
  console.log(`this/other per round: ${ratios.map((ratio) => ratio.toFixed(3)).join(' ')}; median ${median(ratios).toFixed(3)}`);
}
