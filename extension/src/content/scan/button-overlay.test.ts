// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCallButton } from '../call-buttons.ts';
import { ButtonOverlay } from './button-overlay.ts';
import type { Anchor } from './button-slots.ts';
import type { ClipBox, NumberEnd } from './number-geometry.ts';

/** happy-dom lays nothing out: where numbers end is told by the test, frames run when it says. */
function overlay(ends: Map<Anchor, NumberEnd>, clipBoxes = new Map<Element, ClipBox>()) {
  const frames: Array<() => void> = [];
  const reads: Anchor[] = [];
  const instance = new ButtonOverlay(document, {
    readNumberEnd: (anchor) => {
      reads.push(anchor);
      return anchor.isConnected ? ends.get(anchor) : undefined;
    },
    readClipBox: (element) => clipBoxes.get(element) ?? { left: 0, top: 0, right: 0, bottom: 0, scrollLeft: 0, scrollTop: 0 },
    schedule: (callback) => frames.push(callback),
  });
  created.push(instance);
  /** Runs the frames requested so far (and those they request, up to `limit`). */
  const runFrames = (limit = 100) => {
    for (let i = 0; i < limit && frames.length > 0; i++) frames.shift()?.();
  };
  return { instance, frames, reads, runFrames };
}

/** An overlay that drew one button per anchor, the reads it took for that forgotten. */
function drawn(anchors: Anchor[], ends: Map<Anchor, NumberEnd>) {
  const drawing = overlay(ends);
  const buttons = anchors.map((anchor) => {
    const b = button();
    drawing.instance.add(anchor, [b]);
    return b;
  });
  drawing.runFrames();
  drawing.reads.length = 0;
  return { ...drawing, buttons };
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

const button = () => document.createElement('button');
/** Lets the overlay's MutationObserver see the changes made so far. */
const observed = () => new Promise((resolve) => setTimeout(resolve, 0));
const overlayRoots = () => [...document.querySelectorAll('[data-pc-ui="call-buttons"]')];
const hosts = () => overlayRoots().flatMap((root) => [...(root.shadowRoot?.querySelectorAll('.host') ?? [])]);
const shownButtons = () => hosts().flatMap((host) => [...host.querySelectorAll('button')]);

describe('ButtonOverlay', () => {
  it('puts the buttons after the end of the number, on its line, in hosts in an open shadow root', () => {
    const [text] = texts(1) as [Text];
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 20, bottom: 40 }]]));
    const buttons = [button(), button()];
    instance.add(text, buttons);
    expect(shownButtons()).toHaveLength(0);
    runFrames();
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
    const b = createCallButton(document, { text: '415 555 0100', e164: '+14155550100' });
    instance.add(text, [b]);
    runFrames();
    const style = getComputedStyle(b);
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
    instance.add(text, [button()]);
    runFrames();
    expect(overlayRoots()).toHaveLength(1);
    instance.remove(text);
    expect(overlayRoots()).toHaveLength(0);
  });

  it('writes at most 500 new buttons per frame, into hosts of at most 250', async () => {
    const anchors = texts(1200);
    const { instance, frames, runFrames } = overlay(new Map(anchors.map((a, i) => [a, { right: 50, top: i * 20, bottom: i * 20 + 16 }])));
    for (const anchor of anchors) instance.add(anchor, [button()]);
    let placed = false;
    void instance.placed().then(() => (placed = true));
    frames.shift()?.();
    expect(shownButtons()).toHaveLength(500);
    frames.shift()?.();
    expect(shownButtons()).toHaveLength(1000);
    runFrames();
    expect(shownButtons()).toHaveLength(1200);
    expect(hosts().map((host) => host.querySelectorAll('button').length)).toEqual([250, 250, 250, 250, 200]);
    // The hosts are in one root: the body got one element of ours, not one per host (issue #12).
    expect(overlayRoots()).toHaveLength(1);
    await Promise.resolve();
    expect(placed).toBe(true);
  });

  it("sizes each host of the document's layer to its buttons, skippable off screen, the buttons kept in document coordinates", () => {
    // 150 numbers a row apart, two buttons each: two hosts, each over its own rows only (issue #12).
    const anchors = texts(150);
    const ends = new Map<Anchor, NumberEnd>(anchors.map((a, i) => [a, { right: 100, top: 1000 + i * 20, bottom: 1000 + i * 20 + 16 }]));
    const { instance, runFrames } = overlay(ends);
    for (const anchor of anchors) instance.add(anchor, [button(), button()]);
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
    instance.add(late, [button()]);
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
    const [b, o] = [button(), button()];
    instance.add(text, [b]);
    instance.add(other, [o]);
    runFrames();
    expect([b.isConnected, o.isConnected, instance.placementOf(text)]).toEqual([false, true, 'overlay']);
    const shown = { right: 10, top: 100, bottom: 120 };
    ends.set(text, shown);
    instance.markStale();
    runFrames();
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
    const b = button();
    instance.add(text, [b]);
    runFrames();
    expect(b.isConnected).toBe(false);
    ends.set(text, { right: 10, top: 0, bottom: 20 });
    instance.markStale();
    runFrames();
    expect([instance.placementOf(text), text.nextSibling]).toEqual(['inline', b]);
  });

  it('reads stale numbers near the viewport in the next frame, far ones a few hundred per frame', () => {
    const far = texts(1500);
    const [near] = texts(1) as [Text];
    const ends = new Map<Anchor, NumberEnd>(far.map((a) => [a, { right: 10, top: 100_000, bottom: 100_020 }]));
    ends.set(near, { right: 10, top: 100, bottom: 120 });
    const { instance, reads, runFrames, frames } = overlay(ends);
    for (const anchor of [...far, near]) instance.add(anchor, [button()]);
    runFrames();
    reads.length = 0;
    instance.markStale();
    frames.shift()?.();
    expect(reads).toContain(near);
    expect(reads.length).toBeLessThanOrEqual(501);
    runFrames();
    expect(new Set(reads).size).toBe(1501);
  });

  it('after the page grew reads the sentinels of each host only, and every number once they moved', () => {
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

    // The page grew again and widened the column: every number moved right, every button follows.
    for (const [anchor, end] of ends) ends.set(anchor, { ...end, right: end.right + 30 });
    instance.markShifted();
    runFrames();
    expect(buttons.map((b) => b.style.getPropertyValue('left'))).toEqual(anchors.map((_, i) => `${134 + (i % 3) * 10}px`));
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
    const last = button();
    instance.add(appended, [last]);
    runFrames();
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

  it('reads every number again after rows inserted above them, and moves their buttons', async () => {
    // happy-dom's records name no siblings: no insertion there reads as an append, here that is the point.
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
    expect(new Set(reads).size).toBe(300);
    expect(buttons.map((b) => b.style.getPropertyValue('top'))).toEqual(anchors.map((_, i) => `${i * 20 + 19}px`));
  });

  it('writes nothing for a number read again at the same place', () => {
    const [text] = texts(1) as [Text];
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 20, bottom: 40 }]]));
    const b = button();
    instance.add(text, [b]);
    runFrames();
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
      instance.add(late, [button()]);
      runFrames();
      expect(looked.filter((size) => size > 1000)).toEqual([]);
      // A change of the page: every entry may have moved, looked through until all are read (far ones 500 per pass).
      instance.markStale();
      runFrames();
      expect(looked.filter((size) => size > 1000)).toEqual([1001, 1001]);
      instance.add(texts(1)[0] as Text, [button()]);
      runFrames();
      expect(looked.filter((size) => size > 1000)).toEqual([1001, 1001]);
    } finally {
      spy.mockRestore();
    }
  });

  it('takes buttons away when told, and on its own when their number leaves the page', () => {
    const [kept, removed, dropped] = texts(3) as [Text, Text, Text];
    const { instance, runFrames } = overlay(new Map([kept, removed, dropped].map((a) => [a, { right: 10, top: 10, bottom: 30 }])));
    for (const anchor of [kept, removed, dropped]) instance.add(anchor, [button()]);
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
    instance.add(late, [button()]);
    late.remove();
    runFrames();
    expect(shownButtons()).toHaveLength(1);
    expect(instance.placementOf(late)).toBeUndefined();
  });

  it("takes a re-rendered list's hosts out whole, not button by button, and leaves its root in the page", async () => {
    // A number outside the list shares the first host with the list's first rows: that host stays.
    const [kept] = texts(1) as [Text];
    const list = (rows: number) => {
      const body = document.createElement('div');
      document.body.append(body);
      return { body, anchors: texts(rows, body) };
    };
    const old = list(600);
    const at = (anchors: Anchor[]) => anchors.map((a, i): [Anchor, NumberEnd] => [a, { right: 50, top: 20 + i * 20, bottom: 36 + i * 20 }]);
    const ends = new Map<Anchor, NumberEnd>([[kept, { right: 50, top: 0, bottom: 16 }], ...at(old.anchors)]);
    const { instance, runFrames } = drawn([kept, ...old.anchors], ends);
    expect(hosts().map((host) => host.querySelectorAll('button').length)).toEqual([250, 250, 101]);
    const removed = { hosts: 0, buttons: 0, roots: 0 };
    const count = (records: MutationRecord[]) => {
      for (const node of records.flatMap((record) => [...record.removedNodes])) {
        if ((node as Element).classList?.contains('host')) removed.hosts++;
        else if (node.nodeName === 'BUTTON') removed.buttons++;
        else if (overlayRoots().includes(node as Element) || (node as Element).getAttribute?.('data-pc-ui')) removed.roots++;
      }
    };
    const inOverlay = new MutationObserver(count);
    inOverlay.observe(overlayRoots()[0]?.shadowRoot as ShadowRoot, { childList: true, subtree: true });
    const inBody = new MutationObserver(count);
    inBody.observe(document.body, { childList: true });

    // The page replaces the list's body with the same rows (issue #12's re-render).
    old.body.remove();
    const fresh = list(600);
    for (const [anchor, end] of at(fresh.anchors)) ends.set(anchor, end);
    instance.markStale();
    for (const anchor of fresh.anchors) instance.add(anchor, [button()]);
    runFrames();
    await observed();
    count([...inOverlay.takeRecords(), ...inBody.takeRecords()]);
    inOverlay.disconnect();
    inBody.disconnect();

    // The first host lost its 249 rows' buttons; the two others went whole; the root never left the body.
    expect(removed).toEqual({ hosts: 2, buttons: 249, roots: 0 });
    expect(shownButtons()).toHaveLength(601);
    expect(hosts().every((host) => host.querySelector('button'))).toBe(true);
    expect(overlayRoots()).toHaveLength(1);
    expect(old.anchors.some((anchor) => instance.placementOf(anchor) !== undefined)).toBe(false);
  });

  it('clips the buttons of a scrolling element to its box and moves them with its scroll', () => {
    const box = document.createElement('div');
    box.style.overflowX = 'auto';
    box.style.overflowY = 'auto';
    document.body.append(box);
    const [text] = texts(1, box) as [Text];
    const clip: ClipBox = { left: 10, top: 50, right: 210, bottom: 150, scrollLeft: 0, scrollTop: 0 };
    const { instance, runFrames } = overlay(new Map([[text, { right: 100, top: 60, bottom: 80 }]]), new Map([[box, clip]]));
    const b = button();
    instance.add(text, [b]);
    runFrames();
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
