/**
 * `npx tsx tests/bench/overlay-read-probe.ts [tree] [--appends N] [--rows N]`: the overlay's reads
 * per new button after an infinite scroll's append, split by kind, one tree's ButtonOverlay (this
 * one's by default, or another's: a checkout of main, its node_modules installed), in one headless
 * Chromium page of four iframes holding the generated CRM list (tests/e2e/pages/crm-list.js), each
 * appended the same rows (500 by default), the overlay's passes run as overlay-pass-probe.ts runs
 * them:
 * - counted: the DOM reads the passes call, per new button (each API wrapped to count its calls),
 *   and the numbers' ends read, by whose: the append's own, the numbers just before it read again,
 *   the hosts' sentinels and others;
 * - timed: the passes per new button with every read real, and with one kind of read answered
 *   from values read before the clock started (the ends, a Range's rects, the visibility checks,
 *   the computed styles, all of them): what a kind costs is the full pass less the pass without
 *   it; the kinds in turn, one per append, medians;
 * - alone: each kind of read over an append's new phone texts (or their cells and rows), none read
 *   before, in turn, one per append (whose buttons the overlay then draws, untimed), medians: what
 *   a read costs the first time, and other reads of the same answer (one character's rect, the
 *   overflow shorthand for its two longhands, the styles as typed values, a cell's visibility from
 *   its computed style, the cell's box);
 * - unlocked: the same as alone, paired, in a frame whose overlay hosts Chromium never skips off
 *   screen (no display lock held by a content-visibility: auto host).
 * A garbage collection before each timed append. No extension. A probe: writes no docs (issue #12).
 */
import { resolve } from 'node:path';
import type { Frame } from 'playwright-core';
import { positiveIntegerFlag } from './flags.ts';
import { givePlaceTexts, listFrames, REPO_ROOT, treeBundle } from './in-page-ab.ts';

const args = process.argv.slice(2);
const APPENDS = positiveIntegerFlag(args, '--appends', 60);
const ROWS = positiveIntegerFlag(args, '--rows', 500);
const TREE = args[0] && !args[0].startsWith('--') ? resolve(args[0]) : REPO_ROOT;

const VARIANTS = ['full', 'ends', 'rects', 'visibility', 'styles', 'all'] as const;
const ALONE = ['range rects', 'last character', 'checkVisibility', 'cell and row styles', 'styles, overflow shorthand', 'cell and row style maps', 'cell style visibility', 'cell box'] as const;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

/**
 * Starts the overlay in `frame` (its passes wait in `window.pass`), reading ends through
 * `window.readEnd`, and `window.placeTexts` (in-page-ab.ts), which `run()` times.
 */
async function startIn(frame: Frame, overlay: string, geometry: string, counted: boolean): Promise<void> {
  await frame.addScriptTag({ content: overlay });
  await frame.addScriptTag({ content: geometry });
  await frame.evaluate((counted) => {
    type Pass = (laidOutMs: number) => void;
    type End = { right: number; top: number; bottom: number } | undefined;
    const win = window as unknown as Record<string, unknown> & {
      pcOverlay: { ButtonOverlay: new (doc: Document, options: unknown) => { add(anchor: Node, targets: unknown[]): void } };
      pcGeometry: { numberEndReader: (doc: Document) => (anchor: Node) => End };
      rows(from: number, count: number): string;
    };
    const counts = new Map<string, number>();
    const count = (name: string) => counts.set(name, (counts.get(name) ?? 0) + 1);
    win.counts = counts;
    if (counted) {
      const wrapMethod = (proto: object, name: string, label: string) => {
        const original = (proto as Record<string, unknown>)[name] as ((...a: unknown[]) => unknown) | undefined;
        if (typeof original !== 'function') return;
        Object.defineProperty(proto, name, {
          configurable: true,
          writable: true,
          value: function (this: unknown, ...a: unknown[]) {
            count(label);
            return original.apply(this, a);
          },
        });
      };
      const wrapGetter = (proto: object, name: string, label: string) => {
        const descriptor = Object.getOwnPropertyDescriptor(proto, name);
        const get = descriptor?.get;
        if (!descriptor || !get) return;
        Object.defineProperty(proto, name, {
          ...descriptor,
          get(this: unknown) {
            count(label);
            return get.call(this);
          },
        });
      };
      for (const name of ['getClientRects', 'getBoundingClientRect', 'selectNodeContents', 'setStart', 'setEnd']) wrapMethod(Range.prototype, name, `Range.${name}`);
      for (const name of ['getClientRects', 'getBoundingClientRect', 'checkVisibility']) wrapMethod(Element.prototype, name, `Element.${name}`);
      for (const name of ['clientLeft', 'clientTop', 'clientWidth', 'clientHeight', 'scrollLeft', 'scrollTop']) wrapGetter(Element.prototype, name, `Element.${name}`);
      for (const name of ['offsetLeft', 'offsetTop', 'offsetWidth', 'offsetHeight']) wrapGetter(HTMLElement.prototype, name, `HTMLElement.${name}`);
      for (const name of ['isConnected', 'parentNode', 'parentElement', 'nodeType']) wrapGetter(Node.prototype, name, `Node.${name}`);
      const computed = window.getComputedStyle.bind(window);
      // A computed style's properties are its own (named properties), not accessors of a prototype: counted through a proxy.
      window.getComputedStyle = (element: Element, pseudo?: string | null) => {
        count('getComputedStyle');
        return new Proxy(computed(element, pseudo), {
          get(style, property) {
            if (typeof property === 'string' && !(property in CSSStyleDeclaration.prototype)) count(`style.${property}`);
            const value = Reflect.get(style, property, style) as unknown;
            return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(style) : value;
          },
        });
      };
    }
    const reader = win.pcGeometry.numberEndReader(document);
    win.realReadEnd = reader;
    win.readEnd = reader;
    win.overlay = new win.pcOverlay.ButtonOverlay(document, {
      readNumberEnd: (anchor: Node) => (win.readEnd as (anchor: Node) => End)(anchor),
      schedule: (callback: Pass) => {
        win.pass = callback;
      },
      clock: () => 0,
      ledger: { spentMs: 0, lastFrameMs: 0, opened: () => undefined, close: () => undefined, count: <T>(work: () => T) => work() },
    });
    if (counted) {
      // What made positions stale: the whole page's (markStale), or a growth that sentinels check (markShifted).
      const overlay = win.overlay as Record<string, () => void>;
      for (const name of ['markStale', 'markShifted']) {
        const original = overlay[name]?.bind(overlay) as () => void;
        overlay[name] = () => {
          count(`overlay.${name}`);
          original();
        };
      }
    }
  }, counted);
  await givePlaceTexts(frame);
}

/** Appends `count` rows from `from`, lets the overlay's observer see it and the page lay it out; the new phone texts are `window.fresh`. */
async function append(frame: Frame, from: number): Promise<void> {
  await frame.evaluate(
    async ({ from, count }) => {
      const win = window as unknown as Record<string, unknown> & { rows(from: number, count: number): string };
      const tbody = document.querySelector('#list tbody') as HTMLElement;
      tbody.insertAdjacentHTML('beforeend', win.rows(from, count));
      await Promise.resolve();
      void document.body.offsetHeight;
      win.fresh = [...tbody.querySelectorAll('td.phone')].slice(-count).map((cell) => cell.firstChild as Text);
    },
    { from, count: ROWS },
  );
}

/** Hands the append's numbers to the overlay and runs its passes; their time in ms, the counts since the hand-off, and the ends read by whose. */
async function run(frame: Frame, variant: (typeof VARIANTS)[number], classify: boolean): Promise<{ ms: number; counts: Record<string, number> }> {
  return frame.evaluate(async ({ variant, classify }) => {
    type End = { right: number; top: number; bottom: number } | undefined;
    const win = window as unknown as Record<string, unknown> & {
      fresh: Text[];
      counts: Map<string, number>;
      placeTexts(texts: readonly Text[]): Promise<void>;
      realReadEnd: (anchor: Node) => End;
      gc(): void;
    };
    const fresh = new Set<Node>(win.fresh);
    const phones = [...document.querySelectorAll('td.phone')].map((cell) => cell.firstChild as Text);
    // The rows just before the append: what an append's neighbours re-read can reach.
    const before = new Set<Node>(phones.slice(-win.fresh.length - 20, -win.fresh.length));
    const restore: Array<() => void> = [];
    const stub = (target: object, name: string, value: unknown) => {
      const descriptor = Object.getOwnPropertyDescriptor(target, name) as PropertyDescriptor;
      Object.defineProperty(target, name, { configurable: true, writable: true, value });
      restore.push(() => Object.defineProperty(target, name, descriptor));
    };
    // Answers read before the clock starts, for the kinds this variant leaves out of the passes.
    if (variant === 'ends' || variant === 'all') {
      const ends = new Map(phones.map((text) => [text as Node, win.realReadEnd(text)]));
      win.readEnd = (anchor: Node) => (ends.has(anchor) ? ends.get(anchor) : win.realReadEnd(anchor));
    } else if (classify) {
      win.readEnd = (anchor: Node) => {
        const kind = fresh.has(anchor) ? 'ends: the append' : before.has(anchor) ? 'ends: just before it' : 'ends: sentinels and others';
        win.counts.set(kind, (win.counts.get(kind) ?? 0) + 1);
        return win.realReadEnd(anchor);
      };
    }
    if (variant === 'rects') {
      const range = document.createRange();
      const rects = new Map(
        phones.map((text) => {
          range.selectNodeContents(text);
          return [text as Node, [...range.getClientRects()].map(({ right, top, bottom, width, height }) => ({ right, top, bottom, width, height }))];
        }),
      );
      const real = Range.prototype.getClientRects;
      stub(Range.prototype, 'getClientRects', function (this: Range) {
        return rects.get(this.startContainer) ?? real.call(this);
      });
    }
    if (variant === 'visibility') stub(Element.prototype, 'checkVisibility', () => true);
    if (variant === 'styles' || variant === 'all') {
      const styles = new Map<Element, { position: string; overflowX: string; overflowY: string; visibility: string }>();
      for (const text of phones) {
        for (let element = text.parentElement; element && !styles.has(element); element = element.parentElement) {
          const { position, overflowX, overflowY, visibility } = getComputedStyle(element);
          styles.set(element, { position, overflowX, overflowY, visibility });
        }
      }
      const real = window.getComputedStyle;
      stub(window, 'getComputedStyle', (element: Element) => styles.get(element) ?? real(element));
    }
    win.gc();
    win.counts.clear();
    const start = performance.now();
    await win.placeTexts(win.fresh);
    const ms = performance.now() - start;
    for (const undo of restore.reverse()) undo();
    win.readEnd = win.realReadEnd;
    void document.body.offsetHeight;
    return { ms, counts: Object.fromEntries(win.counts) };
  }, { variant, classify });
}

/** One kind of read over the append's new phone texts, none of them read before; its time in ms. */
async function alone(frame: Frame, kind: (typeof ALONE)[number]): Promise<number> {
  return frame.evaluate((kind) => {
    const win = window as unknown as { fresh: Text[]; gc(): void; sink: unknown };
    const texts = win.fresh;
    const range = document.createRange();
    let sink = 0;
    win.gc();
    const start = performance.now();
    if (kind === 'range rects') {
      for (const text of texts) {
        range.selectNodeContents(text);
        const rects = range.getClientRects();
        const rect = rects[rects.length - 1];
        if (rect && rect.height > 0 && rect.width > 0) sink += rect.right + rect.top + rect.bottom;
      }
    } else if (kind === 'last character') {
      for (const text of texts) {
        const length = text.length;
        range.setStart(text, length - 1);
        range.setEnd(text, length);
        const rect = range.getBoundingClientRect();
        if (rect.height > 0 && rect.width > 0) sink += rect.right + rect.top + rect.bottom;
      }
    } else if (kind === 'checkVisibility') {
      for (const text of texts) if ((text.parentElement as Element).checkVisibility({ visibilityProperty: true })) sink++;
    } else if (kind === 'cell and row styles') {
      for (const text of texts) {
        for (const element of [text.parentElement as Element, (text.parentElement as Element).parentElement as Element]) {
          const style = getComputedStyle(element);
          if (style.position === 'fixed' || style.overflowX === 'auto' || style.overflowY === 'auto') sink++;
        }
      }
    } else if (kind === 'styles, overflow shorthand') {
      for (const text of texts) {
        for (const element of [text.parentElement as Element, (text.parentElement as Element).parentElement as Element]) {
          const style = getComputedStyle(element);
          if (style.position === 'fixed' || style.overflow !== 'visible') sink++;
        }
      }
    } else if (kind === 'cell and row style maps') {
      for (const text of texts) {
        for (const element of [text.parentElement as Element, (text.parentElement as Element).parentElement as Element]) {
          const style = element.computedStyleMap();
          if (String(style.get('position')) === 'fixed' || String(style.get('overflow-x')) === 'auto' || String(style.get('overflow-y')) === 'auto') sink++;
        }
      }
    } else if (kind === 'cell style visibility') {
      for (const text of texts) if (getComputedStyle(text.parentElement as Element).visibility === 'visible') sink++;
    } else {
      for (const text of texts) sink += (text.parentElement as Element).getBoundingClientRect().right;
    }
    const ms = performance.now() - start;
    win.sink = sink;
    return ms;
  }, kind);
}

const [overlay, geometry] = await Promise.all([
  treeBundle(TREE, 'extension/src/content/scan/button-overlay.ts', 'ButtonOverlay', 'pcOverlay'),
  treeBundle(TREE, 'extension/src/content/scan/number-geometry.ts', 'numberEndReader', 'pcGeometry'),
]);
/**
 * Our hosts off screen are skipped by Chromium (content-visibility: auto, display locks): in this
 * frame they are not, so that a kind's read beside locked hosts and beside none compare.
 */
async function unlock(frame: Frame): Promise<void> {
  await frame.evaluate(() => {
    const root = [...document.body.children].find((element) => element.getAttribute('data-pc-ui') === 'call-buttons')?.shadowRoot;
    if (!root || root.adoptedStyleSheets.some((sheet) => (sheet as CSSStyleSheet & { unlocked?: true }).unlocked)) return;
    const sheet = Object.assign(new CSSStyleSheet(), { unlocked: true });
    sheet.replaceSync('.host { content-visibility: visible !important; }');
    root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
    void document.body.offsetHeight;
  });
}

const { browser, frames } = await listFrames(['counted', 'timed', 'alone', 'unlocked'] as const, 300);
try {
  await startIn(frames.counted, overlay, geometry, true);
  await startIn(frames.timed, overlay, geometry, false);
  await startIn(frames.alone, overlay, geometry, false);
  await startIn(frames.unlocked, overlay, geometry, false);
  const counted: Array<Record<string, number>> = [];
  const timed = new Map<string, number[]>(VARIANTS.map((variant) => [variant, []]));
  const alones = new Map<string, number[]>(ALONE.map((kind) => [kind, []]));
  const unlocked = new Map<string, number[]>(ALONE.map((kind) => [kind, []]));
  const warm = Math.min(VARIANTS.length, Math.floor(APPENDS / 4));
  for (let i = 0; i < APPENDS; i++) {
    await append(frames.counted, i * ROWS);
    counted.push((await run(frames.counted, 'full', true)).counts);
    // The kinds in turn, reversed every other round: each sees as many hosts before it, on average.
    const round = Math.floor(i / VARIANTS.length);
    const variant = VARIANTS[round % 2 ? VARIANTS.length - 1 - (i % VARIANTS.length) : i % VARIANTS.length] as (typeof VARIANTS)[number];
    await append(frames.timed, i * ROWS);
    const { ms } = await run(frames.timed, variant, false);
    if (i >= warm) timed.get(variant)?.push((ms * 1000) / ROWS);
    const kind = ALONE[i % ALONE.length] as (typeof ALONE)[number];
    await append(frames.alone, i * ROWS);
    const aloneMs = await alone(frames.alone, kind);
    if (i >= warm) alones.get(kind)?.push((aloneMs * 1000) / ROWS);
    // Then the overlay draws them, untimed: the reads above ran beside as many hosts as the passes' (some skipped off screen).
    await run(frames.alone, 'full', false);
    await append(frames.unlocked, i * ROWS);
    const unlockedMs = await alone(frames.unlocked, kind);
    if (i >= warm) unlocked.get(kind)?.push((unlockedMs * 1000) / ROWS);
    await run(frames.unlocked, 'full', false);
    await unlock(frames.unlocked);
  }
  const perButton = (from: number, to: number) => {
    const sums = new Map<string, number>();
    for (const counts of counted.slice(from, to)) for (const [name, n] of Object.entries(counts)) sums.set(name, (sums.get(name) ?? 0) + n);
    return sums;
  };
  const early = perButton(1, 4);
  const late = perButton(APPENDS - 3, APPENDS);
  console.log(`${TREE}: ${APPENDS} appends of ${ROWS} rows. Calls per new button, appends 2-4 | the last 3:`);
  for (const name of [...new Set([...early.keys(), ...late.keys()])].sort()) {
    console.log(`  ${name.padEnd(32)} ${((early.get(name) ?? 0) / (3 * ROWS)).toFixed(3).padStart(8)} | ${((late.get(name) ?? 0) / (3 * ROWS)).toFixed(3).padStart(8)}`);
  }
  const full = median(timed.get('full') ?? []);
  console.log(`Passes per new button, µs (median of ${timed.get('full')?.length} appends each), and what the left-out kind costs (full less it):`);
  for (const [variant, values] of timed) {
    const m = median(values);
    console.log(`  ${variant.padEnd(12)} ${m.toFixed(2).padStart(7)}  ${variant === 'full' ? '' : `without it: ${(full - m).toFixed(2)}`}   ${values.map((v) => v.toFixed(1)).join(' ')}`);
  }
  console.log('Each kind alone over an append\'s new texts, first read, µs per text:');
  for (const [kind, values] of alones) {
    const beside = unlocked.get(kind) ?? [];
    const paired = median(values.map((v, i) => v / (beside[i] ?? Number.NaN)));
    console.log(`  ${kind.padEnd(28)} ${median(values).toFixed(2).padStart(7)}, beside no locked host ${median(beside).toFixed(2).padStart(7)} (paired ratio ${paired.toFixed(2)})   ${values.map((v) => v.toFixed(1)).join(' ')}`);
  }
} finally {
  await browser.close();
}
