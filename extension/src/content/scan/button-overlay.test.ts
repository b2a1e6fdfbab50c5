// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { PhoneTarget } from '../../numbers/detect-numbers.ts';
import { ButtonOverlay, type IdleTime } from './button-overlay.ts';
import type { Anchor } from './button-slots.ts';
import type { ClipBox, NumberEnd } from './number-geometry.ts';
import { FrameLedger } from './frame-budget.ts';

/** happy-dom lays nothing out: where numbers end is told by the test, frames run when it says. */
function overlay(ends: Map<Anchor, NumberEnd>, clipBoxes = new Map<Element, ClipBox>()) {
  const frames: Frame[] = [];
  const reads: Anchor[] = [];
  const instance = new ButtonOverlay(document, {
    readNumberEnd: (anchor) => {
      reads.push(anchor);
      return anchor.isConnected ? ends.get(anchor) : undefined;
    },
    readClipBox: (element) => clipBoxes.get(element) ?? { left: 0, top: 0, right: 0, bottom: 0, scrollLeft: 0, scrollTop: 0 },
    schedule: (callback) => frames.push((laidOutMs = 0) => callback(laidOutMs)),
    // Stopped: happy-dom's reads on a loaded machine would cut passes by time where a test counts buttons.
    clock: () => 0,
  });
  created.push(instance);
  /** Runs the frames requested so far (and those they request, up to `limit`). */
  const runFrames = (limit = 100) => {
    for (let i = 0; i < limit && frames.length > 0; i++) frames.shift()?.();
  };
  return { instance, frames, reads, runFrames };
}

/**
 * `count` numbers in hosts of 250 one below the other (the first near the viewport, an infinite
 * scroll's others far below it), drawn; then each number's read moves the clock 1 ms, and the page's idle
 * time comes when the test says, `idleMs` of it each time.
 */
function drawnWithIdleTime(count = 5000) {
  const anchors = texts(count);
  const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100 + (i % 3) * 10, top: i * 20, bottom: i * 20 + 16 }]));
  let now = 0;
  let msPerRead = 0;
  const reads: Anchor[] = [];
  const frames: Frame[] = [];
  const idle: Array<(deadline: IdleTime) => void> = [];
  const instance = new ButtonOverlay(document, {
    readNumberEnd: (anchor) => {
      now += msPerRead;
      reads.push(anchor);
      return ends.get(anchor);
    },
    schedule: (callback) => frames.push((laidOutMs = 0) => callback(laidOutMs)),
    idle: (callback) => idle.push(callback),
    clock: () => now,
    ledger: new FrameLedger(() => now),
  });
  created.push(instance);
  for (const anchor of anchors) instance.add(anchor, [target(anchor)]);
  for (let i = 0; i < 100 && frames.length > 0; i++) frames.shift()?.();
  msPerRead = 1;
  reads.length = 0;
  /** Runs the idle slice asked for, told the page stays idle `idleMs` longer: the anchors it read. */
  const idleSlice = (idleMs = 50) => {
    const before = reads.length;
    idle.shift()?.({ timeRemaining: () => idleMs });
    return reads.slice(before);
  };
  const buttons = anchors.map((anchor) => instance.buttonsOf(anchor)[0] as HTMLButtonElement);
  return { anchors, ends, instance, reads, frames, idle, idleSlice, buttons };
}

/** An overlay that drew one button per anchor, the reads it took for that forgotten. */
function drawn(anchors: Anchor[], ends: Map<Anchor, NumberEnd>) {
  const drawing = overlay(ends);
  for (const anchor of anchors) drawing.instance.add(anchor, [target(anchor)]);
  drawing.runFrames();
  drawing.reads.length = 0;
  return { ...drawing, buttons: anchors.map((anchor) => drawing.instance.buttonsOf(anchor)[0] as HTMLButtonElement) };
}

const created: ButtonOverlay[] = [];
afterEach(() => {
  for (const instance of created.splice(0)) instance.clear();
  document.body.innerHTML = '';
});

function texts(count: number, parent: Element = document.body): Text[] {
  return Array.from({ length: count }, (_, i) => {
    const p = document.createElement('p');
    p.textContent = `+1 415 555 ${String(i).padStart(4, '0')}`;
    parent.append(p);
    return p.firstChild as Text;
  });
}

/** An overlay told of `count` numbers one below the other, none drawn yet. */
function waiting(count: number) {
  const anchors = texts(count);
  const drawing = overlay(new Map(anchors.map((a, i) => [a, { right: 50, top: i * 20, bottom: i * 20 + 16 }])));
  for (const anchor of anchors) drawing.instance.add(anchor, [target(anchor)]);
  return drawing;
}

/** Runs the next frame requested; the buttons shown then. */
/** A frame's pass, told how long the frame's own layout took (0 unless the test says). */
type Frame = (laidOutMs?: number) => void;

function drawNext(frames: Frame[], laidOutMs?: number): number {
  frames.shift()?.(laidOutMs);
  return shownButtons().length;
}

/**
 * An overlay on a clock that each number's read moves by 1 ms (its frame ledger on the same
 * clock), the number at `topOf` its anchor; `reads`: the anchors read, in order.
 */
function readingAMillisecondEach(topOf: (anchor: Anchor) => number) {
  let now = 0;
  const reads: Anchor[] = [];
  const frames: Frame[] = [];
  const instance = new ButtonOverlay(document, {
    readNumberEnd: (anchor) => {
      now += 1;
      reads.push(anchor);
      const top = topOf(anchor);
      return { right: 50, top, bottom: top + 16 };
    },
    schedule: (callback) => frames.push((laidOutMs = 0) => callback(laidOutMs)),
    clock: () => now,
    ledger: new FrameLedger(() => now),
  });
  created.push(instance);
  return { instance, frames, reads };
}

/** The number an anchor's text shows, as the scanner reads it; `text`: written another way. */
const target = (anchor: Anchor, text = anchor.textContent ?? ''): PhoneTarget => ({ text, e164: (anchor.textContent ?? '').replace(/[^\d+]/g, '') });
/** The same elements, in the same order: toEqual would compare DOM nodes by their shape. */
const same = (actual: ReadonlyArray<Element | undefined>, expected: readonly Element[]) => actual.length === expected.length && actual.every((element, i) => element === expected[i]);
/** Lets the overlay's MutationObserver see the changes made so far. */
const observed = () => new Promise((resolve) => setTimeout(resolve, 0));
const overlayRoots = () => [...document.querySelectorAll('[data-pc-ui="call-buttons"]')];
const hosts = () => overlayRoots().flatMap((root) => [...(root.shadowRoot?.querySelectorAll('.host') ?? [])]);
const shownButtons = () => hosts().flatMap((host) => [...host.querySelectorAll('button')]);

describe('ButtonOverlay', () => {
  it('puts the buttons after the end of the number, on its line, in hosts in an open shadow root', () => {
    const [text] = texts(1) as [Text];
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 20, bottom: 40 }]]));
    instance.add(text, [target(text), { text: '+1 415 555 0001', e164: '+14155550001' }]);
    expect(shownButtons()).toHaveLength(0);
    runFrames();
    const buttons = instance.buttonsOf(text);
    expect(buttons.map((b) => b.dataset.pcCall)).toEqual(['+14155550000', '+14155550001']);
    expect(shownButtons()).toEqual(buttons);
    expect(buttons.map((b) => [b.style.getPropertyValue('left'), b.style.getPropertyValue('top'), b.hidden])).toEqual([
      ['104px', '21px', false],
      ['126px', '21px', false],
    ]);
    // Nothing written into the page's own tree but the overlay's root, at the end of the body.
    expect(text.parentElement?.childNodes).toHaveLength(1);
    expect(overlayRoots()).toHaveLength(1);
    expect(document.body.lastElementChild).toBe(overlayRoots()[0]);
    expect(instance.placementOf(text)).toBe('overlay');
  });

  it('styles its buttons without resetting every property: no page rule reaches them', () => {
    const [text] = texts(1) as [Text];
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 20, bottom: 40 }]]));
    instance.add(text, [target(text)]);
    runFrames();
    const style = getComputedStyle(instance.buttonsOf(text)[0] as HTMLButtonElement);
    expect([style.display, style.width, style.position, style.borderRadius]).toEqual(['inline-flex', '18px', 'absolute', '50%']);
    // `all: initial` on each button made Chromium cascade every property of every button on its own (issue #12).
    const rules = overlayRoots()[0]?.shadowRoot?.adoptedStyleSheets.flatMap((sheet) => [...sheet.cssRules].map((rule) => rule.cssText)) ?? [];
    const buttonRules = rules.filter((rule) => rule.startsWith('button'));
    expect(buttonRules.length).toBeGreaterThan(0);
    expect(buttonRules.join('\n')).not.toMatch(/\ball\s*:/);
  });

  it('takes its root out of the page once it holds no button', () => {
    const [text] = texts(1) as [Text];
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 20, bottom: 40 }]]));
    instance.add(text, [target(text)]);
    runFrames();
    expect(overlayRoots()).toHaveLength(1);
    instance.remove(text);
    expect(overlayRoots()).toHaveLength(0);
  });

  it('writes at most 1,000 new buttons per frame, into hosts of at most 250', async () => {
    const { instance, frames, runFrames } = waiting(2200);
    let placed = false;
    void instance.placed().then(() => (placed = true));
    expect(drawNext(frames)).toBe(1000);
    expect(drawNext(frames)).toBe(2000);
    runFrames();
    expect(shownButtons()).toHaveLength(2200);
    expect(hosts().map((host) => host.querySelectorAll('button').length)).toEqual([...Array(8).fill(250), 200]);
    // The hosts are in one root: the body got one element of ours, not one per host (issue #12).
    expect(overlayRoots()).toHaveLength(1);
    await Promise.resolve();
    expect(placed).toBe(true);
  });

  it('writes up to 2,000 new buttons in a frame after the page appended: what waited is placed with the append', async () => {
    const { instance, frames, runFrames } = waiting(4100);
    // The page grew without an append (an image loaded, a list filled at once): a frame's 1,000.
    instance.markShifted();
    expect(drawNext(frames)).toBe(1000);
    // An infinite scroll's next rows: an append to the page.
    document.body.append(document.createElement('p'));
    await observed();
    expect(drawNext(frames)).toBe(3000);
    // No append since: a frame's 1,000.
    expect(drawNext(frames)).toBe(4000);
    runFrames();
    expect(shownButtons()).toHaveLength(4100);
  });

  it("draws in proportion in a frame whose own layout took long: a tenth of it read, the count as much more", () => {
    const { frames, runFrames } = waiting(4000);
    // The page laid out a list it just filled: 400 ms, a 40 ms read, twice a frame's 1,000.
    expect(drawNext(frames, 400)).toBe(2000);
    expect(drawNext(frames, 0)).toBe(3000);
    // However long the page's layout, a pass reads 250 ms at most: 12,500 here.
    expect(drawNext(frames, 10_000)).toBe(4000);
    runFrames();
    expect(frames).toHaveLength(0);
  });

  it("keeps a frame the page did not make long under 100 ms: the pass takes what its layout left of 60 ms, one new button at least", () => {
    const anchors = texts(60);
    const { instance, frames } = readingAMillisecondEach((anchor) => anchors.indexOf(anchor as Text) * 20);
    for (const anchor of anchors) instance.add(anchor, [target(anchor)]);
    // Laid out in 65 ms: with the page's own task, pre-paint and paint, near 100 ms. One button, to make progress.
    expect(drawNext(frames, 65)).toBe(1);
    // In 40 ms: 20 ms left, half of it reading.
    expect(drawNext(frames, 40)).toBe(11);
    // A frame of our own: 20 ms reading, as ever.
    expect(drawNext(frames, 0)).toBe(31);
    // Laid out in 120 ms: long by the page's doing, the pass takes its share as before (here 20 ms reading).
    expect(drawNext(frames, 120)).toBe(51);
  });

  it("stops reading far stale numbers once the pass's reading time is spent: a widened column's re-reads stay within a frame of our own", () => {
    const far = texts(100);
    const { instance, frames, reads } = readingAMillisecondEach((anchor) => 50_000 + far.indexOf(anchor as Text) * 20);
    for (const anchor of far) instance.add(anchor, [target(anchor)]);
    while (frames.length > 0) drawNext(frames);
    expect(shownButtons()).toHaveLength(100);
    // The page reflowed (a new width): every number stale, all of them far from the viewport.
    reads.length = 0;
    instance.markStale();
    drawNext(frames);
    // 20 ms of reads at 1 ms each, not the 100 (up to 500) of a pass unbounded by time.
    expect(reads).toHaveLength(20);
    while (frames.length > 0) drawNext(frames);
    expect(reads).toHaveLength(100);
  });

  it("reads no far stale number in a frame whose layout left no room: those near the viewport at once, the far ones at the next pass", () => {
    const near = texts(10);
    const far = texts(10);
    const ends = new Map<Anchor, NumberEnd>([...near.map((a, i): [Anchor, NumberEnd] => [a, { right: 50, top: i * 20, bottom: i * 20 + 16 }]), ...far.map((a, i): [Anchor, NumberEnd] => [a, { right: 50, top: 50_000 + i * 20, bottom: 50_000 + i * 20 + 16 }])]);
    const { instance, frames, reads } = drawn([...near, ...far], ends);
    instance.markStale();
    drawNext(frames, 65);
    expect(new Set(reads)).toEqual(new Set(near));
    reads.length = 0;
    drawNext(frames, 0);
    expect(new Set(reads)).toEqual(new Set(far));
  });

  it("stops reading new buttons' numbers after 20 ms of a pass, one at least: a loaded machine's pass stays short", () => {
    const anchors = texts(30);
    let now = 0;
    let readMs = 1;
    const frames: Frame[] = [];
    const instance = new ButtonOverlay(document, {
      readNumberEnd: (anchor) => {
        now += readMs;
        const top = anchors.indexOf(anchor as Text) * 20;
        return { right: 50, top, bottom: top + 16 };
      },
      schedule: (callback) => frames.push((laidOutMs = 0) => callback(laidOutMs)),
      clock: () => now,
    });
    created.push(instance);
    for (const anchor of anchors) instance.add(anchor, [target(anchor)]);
    expect(drawNext(frames)).toBe(20);
    expect(drawNext(frames)).toBe(30);
    // Reads slower than a pass's whole share: one per pass, so that each makes progress.
    readMs = 50;
    for (const anchor of anchors) instance.add(anchor, [target(anchor)]);
    expect(drawNext(frames)).toBe(1);
    expect(drawNext(frames)).toBe(2);
    // In a frame whose own layout took 1.5 s, 150 ms: three more.
    expect(drawNext(frames, 1500)).toBe(5);
  });

  it("takes what our reads left of the frame: half of it reading, the rest writing; what is read and not written goes first at the next pass", () => {
    const anchors = texts(30);
    let now = 0;
    /** A read that takes long (the thread descheduled on a loaded machine, a scavenge): its ms, by anchor. */
    const slow = new Map<Anchor, number>();
    const frames: Frame[] = [];
    const ledger = new FrameLedger(() => now);
    const instance = new ButtonOverlay(document, {
      readNumberEnd: (anchor) => {
        now += slow.get(anchor) ?? 0;
        const top = anchors.indexOf(anchor as Text) * 20;
        return { right: 50, top, bottom: top + 16 };
      },
      schedule: (callback) => frames.push((laidOutMs = 0) => callback(laidOutMs)),
      clock: () => now,
      ledger,
    });
    created.push(instance);
    const shown = () => anchors.filter((anchor) => instance.buttonsOf(anchor)[0]?.isConnected);
    for (const anchor of anchors) instance.add(anchor, [target(anchor)]);
    // The scanner's slices took 30 ms of this frame already: the pass reads for 5 ms (the rest of 40, halved).
    ledger.count(() => (now += 30));
    slow.set(anchors[2] as Text, 5);
    expect(drawNext(frames)).toBe(3);
    // A frame of its own: 20 ms reading. The 10th read takes 45 ms: past the pass's 40, one button
    // written, the 9 others read wait.
    slow.set(anchors[12] as Text, 45);
    expect(drawNext(frames)).toBe(4);
    expect(shown()).toEqual(anchors.slice(0, 4));
    // They are read first at the next pass, before the rest: here it stops reading at the 16th.
    slow.clear();
    slow.set(anchors[15] as Text, 25);
    expect(drawNext(frames)).toBe(16);
    expect(shown()).toEqual(anchors.slice(0, 16));
  });

  it("sizes each host of the document's layer to its buttons, skippable off screen, the buttons kept in document coordinates", () => {
    // 150 numbers a row apart, two buttons each: two hosts, each over its own rows only (issue #12).
    const anchors = texts(150);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100, top: 1000 + i * 20, bottom: 1000 + i * 20 + 16 }]));
    const { instance, runFrames } = overlay(ends);
    for (const anchor of anchors) instance.add(anchor, [target(anchor), target(anchor)]);
    runFrames();
    const box = (host: Element) => {
      const { left, top, width, height } = (host as HTMLElement).style;
      return [left, top, width, height];
    };
    const [first, second] = hosts() as [HTMLElement, HTMLElement];
    expect(hosts().map((host) => host.className)).toEqual(['host skippable', 'host skippable']);
    // Buttons from 104 (the number's end + 4) to 144 (a second one 22 further, 18 wide), from 999
    // (the line's middle less 9) down; rows 0–124 and 125–149; 4 px around for the focus ring.
    expect([box(first), box(second)]).toEqual([
      ['100px', '995px', '48px', '2506px'],
      ['100px', '3495px', '48px', '506px'],
    ]);
    // Its content moved back by as much: a button's left and top stay the page's.
    expect([second.querySelector<HTMLElement>('.clip')?.style.left, second.querySelector<HTMLElement>('.clip')?.style.top]).toEqual(['-100px', '-3495px']);
    // A number that moved out of the host's box grows it: a skippable host paints nothing outside it.
    ends.set(anchors[0] as Text, { right: 300, top: 900, bottom: 916 });
    instance.markStale();
    runFrames();
    expect(box(first)).toEqual(['100px', '895px', '248px', '2606px']);
    // A number placed after the others, far above the last host's: a host of its own, so that no box stretches over the page.
    const [late] = texts(1) as [Text];
    ends.set(late, { right: 100, top: 0, bottom: 16 });
    instance.add(late, [target(late)]);
    runFrames();
    expect(hosts().map(box)).toEqual([
      ['100px', '895px', '248px', '2606px'],
      ['100px', '3495px', '48px', '506px'],
      ['100px', '-5px', '26px', '26px'],
    ]);
  });

  it('keeps the buttons of a number not rendered out of the page, and puts them where it is once it is', () => {
    const [text, other] = texts(2) as [Text, Text];
    const ends = new Map<Anchor, NumberEnd>([[other, { right: 10, top: 0, bottom: 20 }]]);
    const { instance, runFrames } = overlay(ends);
    instance.add(text, [target(text)]);
    instance.add(other, [target(other)]);
    runFrames();
    const o = instance.buttonsOf(other)[0] as HTMLButtonElement;
    expect([instance.buttonsOf(text).some((b) => b.isConnected), o.isConnected, instance.placementOf(text)]).toEqual([false, true, 'overlay']);
    const shown = { right: 10, top: 100, bottom: 120 };
    ends.set(text, shown);
    instance.markStale();
    runFrames();
    const b = instance.buttonsOf(text)[0] as HTMLButtonElement;
    expect([b.isConnected, b.style.getPropertyValue('left'), b.style.getPropertyValue('top')]).toEqual([true, '14px', '101px']);
    // Both hidden (a section collapsed): out of the page, their host with them; shown again at the same place.
    ends.clear();
    instance.markStale();
    runFrames();
    expect([b.isConnected, o.isConnected, hosts()]).toEqual([false, false, []]);
    ends.set(text, shown);
    instance.markStale();
    runFrames();
    expect([b.isConnected, o.isConnected, hosts().length]).toEqual([true, false, 1]);
    expect([b.style.getPropertyValue('left'), b.style.getPropertyValue('top')]).toEqual(['14px', '101px']);
  });

  it('puts no button after a number not rendered in a fixed element, and puts it there once it is', () => {
    const fixed = document.createElement('div');
    fixed.style.position = 'fixed';
    document.body.append(fixed);
    const [text] = texts(1, fixed) as [Text];
    const ends = new Map<Anchor, NumberEnd>();
    const { instance, runFrames } = overlay(ends);
    instance.add(text, [target(text)]);
    runFrames();
    expect(instance.buttonsOf(text).some((b) => b.isConnected)).toBe(false);
    ends.set(text, { right: 10, top: 0, bottom: 20 });
    instance.markStale();
    runFrames();
    expect([instance.placementOf(text), text.nextSibling]).toEqual(['inline', instance.buttonsOf(text)[0]]);
  });

  it('reads stale numbers near the viewport in the next frame, far ones a few hundred per frame', () => {
    const far = texts(1500);
    const [near] = texts(1) as [Text];
    const ends = new Map<Anchor, NumberEnd>(far.map((a) => [a, { right: 10, top: 100_000, bottom: 100_020 }]));
    ends.set(near, { right: 10, top: 100, bottom: 120 });
    const { instance, reads, runFrames, frames } = overlay(ends);
    for (const anchor of [...far, near]) instance.add(anchor, [target(anchor)]);
    runFrames();
    reads.length = 0;
    instance.markStale();
    frames.shift()?.();
    expect(reads).toContain(near);
    expect(reads.length).toBeLessThanOrEqual(501);
    runFrames();
    expect(new Set(reads).size).toBe(1501);
  });

  it('after the page grew reads the sentinels of each host only, and moves every button by their offset once all moved by one', () => {
    const anchors = texts(600);
    // Three columns of number ends, as the bench's three phone formats make.
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100 + (i % 3) * 10, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, reads, runFrames, buttons } = drawn(anchors, ends);
    instance.markShifted();
    runFrames();
    // Topmost, bottommost, leftmost and rightmost in each of 3 hosts: not the 600.
    expect(reads.length).toBeGreaterThan(0);
    expect(reads.length).toBeLessThanOrEqual(15);
    reads.length = 0;
    instance.markShifted();
    runFrames();
    expect(reads.length).toBeLessThanOrEqual(15);

    // The page grew again and widened a column left of the numbers: every number moved right by
    // the same 30 px, every button follows, only the sentinels read (the scroll's 10,000 re-reads).
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, right: end.right + 30 });
    reads.length = 0;
    instance.markShifted();
    runFrames();
    expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.map((_, i) => `${134 + (i % 3) * 10}px`));
    expect(reads.length).toBeLessThanOrEqual(15);
    // And rows grown above them: every button down by as much, again without a read of the others.
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, top: end.top + 7, bottom: end.bottom + 7 });
    reads.length = 0;
    instance.markShifted();
    runFrames();
    expect(buttons.map((b) => b.style.getPropertyValue('top'))).toEqual(anchors.map((_, i) => `${i * 20 + 6}px`));
    expect(reads.length).toBeLessThanOrEqual(15);
    // The shifted places are the numbers' own: the next growth, nothing moved, reads the sentinels and writes nothing.
    reads.length = 0;
    instance.markShifted();
    runFrames();
    expect(reads.length).toBeLessThanOrEqual(15);
    expect(new Set(reads).size).toBe(reads.length);
  });

  it('reads every number of a host again when its sentinels moved apart: one column moved, the others stayed', () => {
    const anchors = texts(600);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100 + (i % 3) * 10, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, reads, runFrames, buttons } = drawn(anchors, ends);
    // The rightmost of three columns moved (a column between them widened): no one offset for the host.
    for (const [i, anchor] of anchors.entries()) if (i % 3 === 2) ends.set(anchor, { ...(ends.get(anchor) as NumberEnd), right: 150 });
    instance.markShifted();
    runFrames();
    expect(new Set(reads).size).toBe(600);
    expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.map((_, i) => `${i % 3 === 2 ? 154 : 104 + (i % 3) * 10}px`));
  });

  it('reads every number of a host again when a sentinel is no longer rendered', () => {
    const anchors = texts(100);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, reads, runFrames, buttons } = drawn(anchors, ends);
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, right: end.right + 30 });
    // The topmost number hidden: the others moved by 30 px, but no offset is taken from a number without a box.
    ends.delete(anchors[0] as Text);
    instance.markShifted();
    runFrames();
    expect(new Set(reads).size).toBe(100);
    expect(buttons[0]?.isConnected).toBe(false);
    expect(buttons.slice(1).map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.slice(1).map(() => '134px'));
  });

  it('after the page grew reads the sentinels of hosts near the viewport in the next frame, of far ones a few dozen per frame', () => {
    // 20 hosts of 250, one below the other: the first near the viewport, the others far below it (an infinite scroll's).
    const anchors = texts(5000);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100 + (i % 3) * 10, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, reads, runFrames, frames, buttons } = drawn(anchors, ends);
    instance.markShifted();
    frames.shift()?.();
    const first = new Set(reads);
    // The near host's sentinels, and far ones' up to the budget (40 reads, a host's at most 4 past it): not the 19 far hosts' 3-4 each.
    expect(first.has(anchors[0] as Text)).toBe(true);
    expect(first.size).toBeGreaterThan(4);
    expect(first.size).toBeLessThanOrEqual(4 + 40 + 3);
    expect(first.has(anchors[4999] as Text)).toBe(false);
    // The page grew again before the far hosts were all read (the scroll's next append): the next
    // frame reads those read longest ago first, the last host's among them, not the same ones again.
    reads.length = 0;
    instance.markShifted();
    frames.shift()?.();
    expect(reads).toContain(anchors[4999]);
    reads.length = 0;
    runFrames();
    // Then the rest, each once: nothing moved, no number read again.
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads.length).toBeLessThanOrEqual(20 * 4);

    // The page grew and widened the column: the near numbers' buttons follow in the next frame, the far ones' in the frames after,
    // each host moved by its sentinels' offset: 20 hosts' sentinels read, not 5,000 numbers.
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, right: end.right + 30 });
    reads.length = 0;
    instance.markShifted();
    frames.shift()?.();
    expect([buttons[0], buttons[4999]].map((b) => b?.style.getPropertyValue('left'))).toEqual(['134px', '114px']);
    runFrames();
    expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.map((_, i) => `${134 + (i % 3) * 10}px`));
    expect(reads.length).toBeLessThanOrEqual(20 * 4);
  });

  it("reads the far hosts' sentinels a pass left in the page's idle time, 10 ms a slice at most, with no frame asked for while nothing moved", () => {
    const { anchors, instance, reads, frames, idle, idleSlice } = drawnWithIdleTime();
    instance.markShifted();
    frames.shift()?.();
    // The near host's and 40 far sentinels read in the pass; the rest wait for idle time, not for
    // a frame (after the scroll's last append an idle page drew none until the bench's next check).
    expect(frames).toHaveLength(0);
    expect(idle).toHaveLength(1);
    const inPass = reads.length;
    const slices: Anchor[][] = [];
    for (let i = 0; i < 100 && idle.length > 0; i++) slices.push(idleSlice(i % 2 === 0 ? 50 : 3));
    // Each slice within the idle time it was told, 10 ms at most (a host's 4 sentinels past it at most).
    for (const [i, slice] of slices.entries()) expect(slice.length).toBeLessThanOrEqual((i % 2 === 0 ? 10 : 3) + 3);
    expect(slices.length).toBeGreaterThan(2);
    // Every far host's sentinels once, the last host's among them; nothing moved, no frame asked for.
    expect(reads).toContain(anchors[4999]);
    expect(new Set(reads).size).toBe(reads.length);
    expect(reads.length - inPass).toBeGreaterThan(slices.length);
    expect(frames).toHaveLength(0);
  });

  it('writes what an idle slice found moved in the next frame, not in the slice, and reads nothing then that the slice read', () => {
    const { anchors, ends, instance, reads, frames, idle, idleSlice, buttons } = drawnWithIdleTime();
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, right: end.right + 30 });
    instance.markShifted();
    frames.shift()?.();
    expect([buttons[0], buttons[4999]].map((b) => b?.style.getPropertyValue('left'))).toEqual(['134px', '114px']);
    for (let i = 0; i < 100 && idle.length > 0; i++) {
      const lefts = buttons.map((b) => b.style.getPropertyValue('left'));
      const slice = idleSlice();
      // Reads only: the slice's hosts moved, their buttons written by the frame it asked for.
      expect(slice.length).toBeGreaterThan(0);
      expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(lefts);
      expect(frames).toHaveLength(1);
      reads.length = 0;
      frames.shift()?.();
      expect(slice.filter((anchor) => reads.includes(anchor))).toEqual([]);
    }
    expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.map((_, i) => `${134 + (i % 3) * 10}px`));
  });

  it("drops an idle slice's finds once the page grew again: their hosts are read again, each button moved once", () => {
    // Three hosts: the near one, two far ones whose sentinels one slice reads.
    const { anchors, ends, instance, frames, idle, idleSlice, buttons } = drawnWithIdleTime(750);
    const widen = () => {
      for (const [anchor, end] of ends) ends.set(anchor, { ...end, right: end.right + 30 });
      instance.markShifted();
    };
    widen();
    // A frame whose layout left no room: the near host's sentinels only, the far ones' when idle.
    frames.shift()?.(60);
    expect(idleSlice()).toContain(anchors[749]);
    // Before the frame that would write the slice's finds, the column widened again.
    widen();
    for (let i = 0; i < 200 && (frames.length > 0 || idle.length > 0); i++) {
      if (frames.length > 0) frames.shift()?.();
      else idleSlice();
    }
    expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.map((_, i) => `${164 + (i % 3) * 10}px`));
  });

  it('reads nothing in an idle slice once a frame of ours is asked for: the page changed since its layout, the pass reads after the next', () => {
    const { anchors, instance, frames, idle, idleSlice } = drawnWithIdleTime(750);
    instance.markShifted();
    frames.shift()?.(60);
    expect(idle).toHaveLength(1);
    instance.markShifted();
    expect(idleSlice()).toEqual([]);
    frames.shift()?.(60);
    expect(idleSlice()).toContain(anchors[749]);
  });

  it("takes a host's sentinels again once numbers joined it or moved in it", () => {
    const anchors = texts(100);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, reads, runFrames, buttons } = drawn(anchors, ends);
    instance.markShifted();
    runFrames();
    // A row appended to the same host: the bottommost number now.
    const [appended] = texts(1) as [Text];
    ends.set(appended, { right: 100, top: 2000, bottom: 2016 });
    instance.add(appended, [target(appended)]);
    runFrames();
    const last = instance.buttonsOf(appended)[0] as HTMLButtonElement;
    // Only the appended row moved (its line grew): its host's sentinels show it, every number is read again.
    ends.set(appended, { right: 140, top: 2000, bottom: 2016 });
    reads.length = 0;
    instance.markShifted();
    runFrames();
    expect(new Set(reads).size).toBe(101);
    expect(last.style.getPropertyValue('left')).toBe('144px');
    // A row in the middle, moved and read again: now the rightmost, so its next move shows too.
    ends.set(anchors[50] as Text, { right: 200, top: 1000, bottom: 1016 });
    instance.markStale();
    runFrames();
    expect(buttons[50]?.style.getPropertyValue('left')).toBe('204px');
    ends.set(anchors[50] as Text, { right: 210, top: 1000, bottom: 1016 });
    instance.markShifted();
    runFrames();
    expect(buttons[50]?.style.getPropertyValue('left')).toBe('214px');
  });

  it('moves every button after rows inserted above them', async () => {
    // happy-dom's records name no siblings: an insertion there reads as an append, whose sentinels
    // all moved down one row (in Chromium, an insertion before them marks every number stale).
    const list = document.createElement('div');
    document.body.append(list);
    const anchors = texts(300, list);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, reads, runFrames, buttons } = drawn(anchors, ends);
    const row = document.createElement('p');
    list.prepend(row);
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, top: end.top + 20, bottom: end.bottom + 20 });
    await observed();
    runFrames();
    expect(buttons.map((b) => b.style.getPropertyValue('top'))).toEqual(anchors.map((_, i) => `${i * 20 + 19}px`));
  });

  it('writes nothing for a number read again at the same place', () => {
    const [text] = texts(1) as [Text];
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 20, bottom: 40 }]]));
    instance.add(text, [target(text)]);
    runFrames();
    const b = instance.buttonsOf(text)[0] as HTMLButtonElement;
    // A marker the overlay's own style write would wipe out.
    b.style.setProperty('--written', 'no');
    instance.markStale();
    runFrames();
    expect(b.style.getPropertyValue('--written')).toBe('no');
  });

  it('looks through its placed buttons only once the page changed, not at each pass that adds buttons', () => {
    const anchors = texts(1000);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100, top: i * 20, bottom: i * 20 + 16 }]));
    const { instance, runFrames } = drawn(anchors, ends);
    // The overlay's own maps are the ones this large: the entries of 1,000 numbers, and 1,001 below.
    const looked: number[] = [];
    const values = Map.prototype.values;
    const spy = vi.spyOn(Map.prototype, 'values').mockImplementation(function (this: Map<unknown, unknown>) {
      looked.push(this.size);
      return values.call(this);
    });
    try {
      const [late] = texts(1) as [Text];
      ends.set(late, { right: 100, top: 20_000, bottom: 20_016 });
      instance.add(late, [target(late)]);
      runFrames();
      expect(looked.filter((size) => size > 1000)).toEqual([]);
      // A change of the page: every entry may have moved, looked through until all are read (far ones 500 per pass).
      instance.markStale();
      runFrames();
      expect(looked.filter((size) => size > 1000)).toEqual([1001, 1001]);
      const [more] = texts(1) as [Text];
      instance.add(more, [target(more)]);
      runFrames();
      expect(looked.filter((size) => size > 1000)).toEqual([1001, 1001]);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes buttons away when told, and on its own when their number leaves the page', () => {
    const [kept, removed, dropped] = texts(3) as [Text, Text, Text];
    const { instance, runFrames } = overlay(new Map([kept, removed, dropped].map((a) => [a, { right: 10, top: 10, bottom: 30 }])));
    for (const anchor of [kept, removed, dropped]) instance.add(anchor, [target(anchor)]);
    runFrames();
    instance.remove(removed);
    expect(shownButtons()).toHaveLength(2);
    // A subtree removed by the page: no one names its numbers; the next pass finds them gone.
    dropped.parentElement?.remove();
    instance.markStale();
    runFrames();
    expect(shownButtons()).toHaveLength(1);
    expect(instance.placementOf(dropped)).toBeUndefined();
    expect(instance.placementOf(kept)).toBe('overlay');
    // Added for a number the page removed before the overlay's frame: never shown.
    const [late] = texts(1) as [Text];
    instance.add(late, [target(late)]);
    late.remove();
    runFrames();
    expect(shownButtons()).toHaveLength(1);
    expect(instance.placementOf(late)).toBeUndefined();
  });

  /** A list of `rows` numbers in a body of its own, each row 20 px below the last, and where they end. */
  function list(rows: number, from = 0) {
    const body = document.createElement('div');
    document.body.append(body);
    const anchors = Array.from({ length: rows }, (_, i) => {
      const p = document.createElement('p');
      p.textContent = `+1 415 555 ${String(from + i).padStart(4, '0')}`;
      body.append(p);
      return p.firstChild as Text;
    });
    return { body, anchors };
  }
  const rowEnds = (anchors: Anchor[], top = 20) => anchors.map((a, i): [Anchor, NumberEnd] => [a, { right: 50, top: top + i * 20, bottom: top + 16 + i * 20 }]);

  /** What the overlay took out of its root and the body, from now on. */
  function removals() {
    const removed = { hosts: 0, buttons: 0, roots: 0 };
    const count = (records: MutationRecord[]) => {
      for (const node of records.flatMap((record) => [...record.removedNodes])) {
        if ((node as Element).classList?.contains('host')) removed.hosts++;
        else if (node.nodeName === 'BUTTON') removed.buttons++;
        else if ((node as Element).getAttribute?.('data-pc-ui')) removed.roots++;
      }
    };
    const inOverlay = new MutationObserver(count);
    inOverlay.observe(overlayRoots()[0]?.shadowRoot as ShadowRoot, { childList: true, subtree: true, attributes: true });
    const inBody = new MutationObserver(count);
    inBody.observe(document.body, { childList: true });
    return async () => {
      await observed();
      count([...inOverlay.takeRecords(), ...inBody.takeRecords()]);
      inOverlay.disconnect();
      inBody.disconnect();
      return removed;
    };
  }

  it("hands a re-rendered list's buttons to its new rows: the same elements, nothing written where the numbers stayed", async () => {
    // A number outside the list shares the first host with the list's first rows: that host stays, shown.
    const [kept] = texts(1) as [Text];
    const old = list(1100);
    const ends = new Map<Anchor, NumberEnd>([[kept, { right: 50, top: 0, bottom: 16 }], ...rowEnds(old.anchors)]);
    const { instance, runFrames, frames, buttons } = drawn([kept, ...old.anchors], ends);
    expect(hosts().map((host) => host.querySelectorAll('button').length)).toEqual([250, 250, 250, 250, 101]);
    // A marker each button's own position write would wipe out, and the attributes it has.
    for (const b of buttons) b.style.setProperty('--written', 'no');
    const attributes = new MutationObserver(() => undefined);
    attributes.observe(overlayRoots()[0]?.shadowRoot as ShadowRoot, { subtree: true, attributeFilter: ['data-pc-call', 'aria-label', 'title', 'style'] });
    const taken = removals();

    // The page replaces the list's body with the same rows (issue #12's re-render).
    old.body.remove();
    const fresh = list(1100);
    for (const [anchor, end] of rowEnds(fresh.anchors)) ends.set(anchor, end);
    instance.markStale();
    instance.readThrough(false);
    for (const anchor of fresh.anchors) instance.add(anchor, [target(anchor)]);
    // The first pass: the old rows' hosts are out of sight until every button in them has its new number.
    frames.shift()?.();
    // The first host keeps a number of the page: its 249 gone rows' buttons go one by one, the new
    // rows' 249 are made, in a host of their own (none goes into a parked one).
    expect(hosts().map((host) => host.classList.contains('parked'))).toEqual([false, false, false, false, true, false]);
    instance.readThrough(true);
    runFrames();

    // The 851 buttons of the four hosts the list alone had are the new rows' own; the first host's 249 were made again.
    const now = fresh.anchors.map((anchor) => instance.buttonsOf(anchor)[0]);
    expect(same(now.slice(249), buttons.slice(250))).toBe(true);
    expect(now.slice(0, 249).some((b) => buttons.includes(b as HTMLButtonElement))).toBe(false);
    expect(await taken()).toEqual({ hosts: 0, buttons: 249, roots: 0 });
    expect(attributes.takeRecords().filter((record) => record.attributeName !== 'style' || (record.target as HTMLElement).style.getPropertyValue('--written') !== 'no')).toEqual([]);
    attributes.disconnect();
    expect(now.slice(249).every((b) => b?.style.getPropertyValue('--written') === 'no')).toBe(true);
    expect(hosts().map((host) => [host.querySelectorAll('button').length, host.classList.contains('parked')])).toEqual([
      [1, false],
      [250, false],
      [250, false],
      [250, false],
      [101, false],
      [249, false],
    ]);
    expect(shownButtons()).toHaveLength(1101);
    expect(old.anchors.some((anchor) => instance.placementOf(anchor) !== undefined)).toBe(false);
  });

  it('moves a kept button where its number now is, and writes the number as now shown', () => {
    const old = list(300);
    const ends = new Map<Anchor, NumberEnd>(rowEnds(old.anchors));
    const { instance, runFrames, buttons } = drawn(old.anchors, ends);
    // The same numbers in the opposite order, one of them written another way.
    old.body.remove();
    const fresh = list(300);
    fresh.anchors.reverse();
    for (const [anchor, end] of rowEnds(fresh.anchors)) ends.set(anchor, end);
    instance.markStale();
    for (const anchor of fresh.anchors) instance.add(anchor, [target(anchor, anchor === fresh.anchors[0] ? '(415) 555-0299' : undefined)]);
    instance.readThrough(true);
    runFrames();
    // Row i now shows what row 299 - i showed: its button, moved to row i's place.
    const now = fresh.anchors.map((anchor) => instance.buttonsOf(anchor)[0] as HTMLButtonElement);
    expect(same(now, [...buttons].reverse())).toBe(true);
    expect(now.map((b) => b.style.getPropertyValue('top'))).toEqual(fresh.anchors.map((_, i) => `${20 + i * 20 - 1}px`));
    expect(now[0]?.getAttribute('aria-label')).toBe('Call (415) 555-0299');
    expect(now[0]?.dataset.pcCall).toBe('+14155550299');
    expect(shownButtons()).toHaveLength(300);
    expect(hosts().some((host) => host.classList.contains('parked'))).toBe(false);
  });

  it("gives a number at a new place a parked button only once the page is read through, not one whose own number is yet to come", () => {
    const old = list(3);
    const ends = new Map<Anchor, NumberEnd>(rowEnds(old.anchors));
    const { instance, runFrames, buttons } = drawn(old.anchors, ends);
    old.body.remove();
    // A new first row calls the old third row's number; the old rows follow, a row lower each.
    const first = list(1, 2);
    const rest = list(3);
    for (const [anchor, end] of rowEnds([...first.anchors, ...rest.anchors])) ends.set(anchor, end);
    instance.markStale();
    instance.readThrough(false);
    instance.add(first.anchors[0] as Text, [target(first.anchors[0] as Text)]);
    runFrames();
    // Read early, at a place no parked button had: a new button; the third row's still waits for it.
    expect(buttons.includes(instance.buttonsOf(first.anchors[0] as Text)[0] as HTMLButtonElement)).toBe(false);
    instance.readThrough(true);
    for (const anchor of rest.anchors) instance.add(anchor, [target(anchor)]);
    runFrames();
    // Read through: each old button taken by its number, one row lower.
    expect(same(rest.anchors.map((anchor) => instance.buttonsOf(anchor)[0]), buttons)).toBe(true);
    expect(buttons.map((b) => b.style.getPropertyValue('top'))).toEqual(['39px', '59px', '79px']);
    expect(shownButtons()).toHaveLength(4);
  });

  it('takes away the buttons of numbers that did not come back, and makes new ones for new numbers, once the page is read through', async () => {
    const old = list(500);
    const ends = new Map<Anchor, NumberEnd>(rowEnds(old.anchors));
    const { instance, runFrames, buttons } = drawn(old.anchors, ends);
    const taken = removals();
    // The first 200 rows are gone; 300 rows stay where they were; 100 new numbers come after them.
    old.body.remove();
    const fresh = list(400, 200);
    for (const [anchor, end] of rowEnds(fresh.anchors, 20 + 200 * 20)) ends.set(anchor, end);
    instance.markStale();
    // The scanner reads on: what the page removed waits for what it will hand over next.
    instance.readThrough(false);
    for (const anchor of fresh.anchors) instance.add(anchor, [target(anchor)]);
    runFrames();
    // Not read through yet: the gone numbers' buttons wait, out of sight.
    // The second host's rows all came back: shown again; the first's 50 that did wait with the rest.
    expect(shownButtons().filter((b) => !b.closest('.parked'))).toHaveLength(250 + 100);
    instance.readThrough(true);
    runFrames();
    const now = fresh.anchors.map((anchor) => instance.buttonsOf(anchor)[0] as HTMLButtonElement);
    expect(same(now.slice(0, 300), buttons.slice(200))).toBe(true);
    expect(now.slice(300).some((b) => buttons.includes(b))).toBe(false);
    expect(now.map((b) => b.dataset.pcCall)).toEqual(fresh.anchors.map((anchor) => target(anchor).e164));
    expect(shownButtons()).toHaveLength(400);
    expect(buttons.slice(0, 200).some((b) => b.isConnected)).toBe(false);
    expect(hosts().some((host) => host.classList.contains('parked') || !host.querySelector('button'))).toBe(false);
    // The first host's 200 gone ones went one by one (it holds 50 that came back), its root stayed.
    expect(await taken()).toEqual({ hosts: 0, buttons: 200, roots: 0 });
  });

  it('clips the buttons of a scrolling element to its box and moves them with its scroll', () => {
    const box = document.createElement('div');
    box.style.overflowX = 'auto';
    box.style.overflowY = 'auto';
    document.body.append(box);
    const [text] = texts(1, box) as [Text];
    const clip: ClipBox = { left: 10, top: 50, right: 210, bottom: 150, scrollLeft: 0, scrollTop: 0 };
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 60, bottom: 80 }]]), new Map([[box, clip]]));
    instance.add(text, [target(text)]);
    runFrames();
    const b = instance.buttonsOf(text)[0] as HTMLButtonElement;
    const root = hosts()[0];
    const clipBox = root?.querySelector<HTMLElement>('.clip');
    expect(clipBox?.className).toBe('clip clipped');
    expect([clipBox?.style.left, clipBox?.style.top, clipBox?.style.width, clipBox?.style.height]).toEqual(['10px', '50px', '200px', '100px']);
    // In the element's content coordinates: its box's corner is 0, 0.
    expect([b.style.getPropertyValue('left'), b.style.getPropertyValue('top')]).toEqual(['94px', '11px']);
    box.scrollTop = 30;
    box.dispatchEvent(new Event('scroll'));
    expect(root?.querySelector<HTMLElement>('.scroll')?.style.transform).toBe('translate(0px, -30px)');
  });
});
