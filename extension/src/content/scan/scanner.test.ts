// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { anchorOf } from './button-overlay.ts';
import type { AfterLayoutCallback } from './after-layout.ts';
import { type Anchor, ButtonSlots } from './button-slots.ts';
import { FrameLedger } from './frame-budget.ts';
import { boxRenderedNodes } from '../../testing/rendered-boxes.ts';
import { scriptedFrames } from '../../testing/scripted-frames.ts';
import { type Scanner, type ScannerOptions, startScanner } from './scanner.ts';

const running: AbortController[] = [];

/**
 * The clock the scanner's batch deadlines read, moved 1 ms at each reading: a batch then
 * holds the same work on any machine. With the real clock, a busy machine got smaller
 * batches, so more of them, each paying happy-dom's cost again: minutes instead of seconds.
 */
function steppingClock(): void {
  let now = 0;
  vi.spyOn(performance, 'now').mockImplementation(() => ++now);
}

function scan(html: string, options: Partial<ScannerOptions> = {}) {
  document.body.innerHTML = html;
  steppingClock();
  const controller = new AbortController();
  running.push(controller);
  const onCall = vi.fn();
  const scanner = startScanner({
    root: document,
    defaultCountry: 'US',
    signal: controller.signal,
    onCall,
    yieldToPage: (callback) => setTimeout(callback, 0),
    ...options,
  });
  return { scanner, controller, onCall };
}

/** Every call button, open shadow roots included. */
function buttons(root: Document | ShadowRoot = document): HTMLButtonElement[] {
  const found = [...root.querySelectorAll<HTMLButtonElement>('button[data-pc-call]')];
  for (const element of root.querySelectorAll('*')) if (element.shadowRoot) found.push(...buttons(element.shadowRoot));
  return found;
}

/** The buttons' numbers in the order of their numbers in the page (the overlay holds them in the order they were placed). */
const numbers = () =>
  buttons()
    .sort((a, b) => ((anchorOf(a)?.compareDocumentPosition(anchorOf(b) as Node) ?? 0) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1))
    .map((button) => button.dataset.pcCall);

/**
 * happy-dom recomputes styles after each change, far slower than a browser: the tests that
 * scan many rows, or in many batches, take seconds on an idle machine, so their timeout is
 * sized for a busy one.
 */
const HEAVY_SCAN_MS = 120_000;

/**
 * A settled scan, then one more turn of the event loop (the observer's records of our own
 * writes, anything they schedule) and settled again: nothing may change in between.
 */
async function settled(scanner: Scanner): Promise<void> {
  await scanner.idle();
  await new Promise((resolve) => setTimeout(resolve, 0));
  await scanner.idle();
}

function userClick(target: EventTarget): void {
  // Composed, as the browser's own clicks: they reach the document from open shadow roots.
  const event = new MouseEvent('click', { bubbles: true, cancelable: true, composed: true });
  Object.defineProperty(event, 'isTrusted', { value: true });
  target.dispatchEvent(event);
}

/** A Vtiger-like list: mobile (empty every 10th row), office with an extension every 5th row
 *  (empty every 7th), and look-alike columns (date, order id, price, zip). */
function contactRows(count: number): { html: string; expected: number } {
  let expected = 0;
  const rows: string[] = [];
  for (let i = 0; i < count; i++) {
    const line = String(100 + (i % 100)).padStart(4, '0');
    const areas = ['212', '305', '415', '617', '702'];
    const area = areas[Math.floor(i / 100) % areas.length];
    const mobile = i % 10 === 9 ? '' : `+1 ${area}-555-${line}`;
    const office = i % 7 === 3 ? '' : `(${area}) 555-${line}${i % 5 === 0 ? ' ext. 12' : ''}`;
    expected += (mobile ? 1 : 0) + (office ? 1 : 0);
    rows.push(
      `<tr><td>Contact ${i}</td><td>${mobile}</td><td>${office}</td><td>2024-05-${String((i % 28) + 1).padStart(2, '0')}</td>` +
        `<td>ORD-2024-${String(i).padStart(6, '0')}</td><td>$${i},234.56</td><td>9410${i % 10}</td></tr>`,
    );
  }
  return { html: `<table><tbody>${rows.join('')}</tbody></table>`, expected };
}

/**
 * The reading slices a 30-row append took on a page whose frames cost `renderMs` to render (told
 * after its first change), `ledger` telling how much of that frame was ours.
 */
async function slicesForAppend(renderMs: number, ledger?: FrameLedger): Promise<number> {
  let tasks = 0;
  const { scanner } = scan('<div id="list"><p>+1 415 555 0199</p></div>', {
    yieldToPage: (callback) => {
      tasks++;
      setTimeout(callback, 0);
    },
    measurePageFrame: (callback) => setTimeout(() => callback(renderMs), 0),
    ...(ledger ? { ledger } : {}),
  });
  await settled(scanner);
  // The page's first change (no append: an append after an append is an infinite scroll's, read
  // after its frame's layout) tells what its frames cost; the next is read within that frame.
  (document.querySelector('#list p')?.firstChild as Text).data = '+1 415 555 0100';
  await settled(scanner);
  tasks = 0;
  const { html, expected } = contactRows(30);
  document.getElementById('list')?.insertAdjacentHTML('beforeend', html);
  await settled(scanner);
  expect(buttons()).toHaveLength(expected + 1);
  return tasks;
}

/** Rows parsed in a table's context (happy-dom's insertAdjacentHTML drops a row's tags outside one), as one fragment. */
/** A settled scan whose reading slices and reads after the page's layout wait in these lists, for the test to run. */
async function scanScheduled(html: string) {
  const slices: Array<() => void> = [];
  const laidOut: AfterLayoutCallback[] = [];
  const { scanner } = scan(html, {
    yieldToPage: (callback) => void slices.push(callback),
    afterPageLayout: (callback) => void laidOut.push(callback),
  });
  while (slices.length > 0) slices.shift()?.();
  await settled(scanner);
  return { scanner, slices, laidOut };
}

/** `count` contact rows (contactRows) appended to the page's tbody at once, as an infinite scroll appends; their numbers. */
function appendContactRows(count: number): number {
  const { html, expected } = contactRows(count);
  document.querySelector('tbody')?.append(rowsFragment(new DOMParser().parseFromString(html, 'text/html').querySelector('tbody')?.innerHTML ?? ''));
  return expected;
}

/** From now on, the numbers whose buttons the scanner hands to the overlay, so far. */
function countHanded(): () => number {
  let handed = 0;
  const place = ButtonSlots.prototype.place;
  vi.spyOn(ButtonSlots.prototype, 'place').mockImplementation(function (this: ButtonSlots, anchor, source, targets) {
    handed += targets.length;
    place.call(this, anchor, source, targets);
  });
  return () => handed;
}

function rowsFragment(html: string): DocumentFragment {
  const fragment = document.createDocumentFragment();
  fragment.append(...(document.createRange().createContextualFragment(`<table><tbody>${html}</tbody></table>`).querySelector('tbody')?.childNodes ?? []));
  return fragment;
}

/** The prototype whose own getter a node's `name` is read through (happy-dom's Text has its own `data`). */
function getterOwner(node: Node, name: string): object {
  for (let proto = Object.getPrototypeOf(node); proto; proto = Object.getPrototypeOf(proto)) if (Object.getOwnPropertyDescriptor(proto, name)?.get) return proto;
  throw new Error(`no getter ${name}`);
}

beforeEach(boxRenderedNodes);
afterEach(() => {
  for (const controller of running.splice(0)) controller.abort();
  document.body.replaceChildren();
  document.head.replaceChildren();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('startScanner', () => {
  it('puts exactly one button per number on a 1,000-row list, read in slices', async () => {
    const { html, expected } = contactRows(1000);
    let slices = 0;
    const { scanner } = scan(html, {
      // 200 readings of the stepping clock: a few dozen slices, fewer than the default budget
      // would make, each costly in happy-dom. The next test bounds slices exactly.
      budgetMs: 200,
      yieldToPage: (callback) => {
        slices++;
        setTimeout(callback, 0);
      },
    });
    await settled(scanner);
    expect(expected).toBe(1757);
    expect(buttons()).toHaveLength(expected);
    expect(slices).toBeGreaterThan(1);
    expect(buttons().filter((button) => button.dataset.pcExt === '12')).toHaveLength(171);
  }, HEAVY_SCAN_MS);

  it('ends a reading slice at the budget, yet always makes progress', async () => {
    const { html, expected } = contactRows(30);
    let slices = 0;
    const { scanner } = scan(html, {
      budgetMs: 0,
      yieldToPage: (callback) => {
        slices++;
        setTimeout(callback, 0);
      },
    });
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    // A zero budget plans one text node per slice: each phone number's (the walk turns the dates and order ids down).
    expect(slices).toBeGreaterThanOrEqual(expected);
  }, HEAVY_SCAN_MS);

  it('hands the buttons of a long read to the overlay a few hundred at a time, not slice by slice nor once the reading is done', async () => {
    const { html, expected } = contactRows(30);
    let slices = 0;
    // The slice of each button handed over: texts read with no number (dates, order ids) hand none.
    const handedInSlice: number[] = [];
    const place = ButtonSlots.prototype.place;
    vi.spyOn(ButtonSlots.prototype, 'place').mockImplementation(function (this: ButtonSlots, anchor, source, targets) {
      for (const _ of targets) handedInSlice.push(slices);
      place.call(this, anchor, source, targets);
    });
    const { scanner } = scan(html, {
      budgetMs: 0,
      yieldToPage: (callback) => {
        slices++;
        setTimeout(callback, 0);
      },
      // Five buttons at a time here (a frame's worth in the page), however many texts without one come between; no hand-off for the time waited.
      handOff: { buttons: 5, waitMs: 60_000 },
    });
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    expect(slices).toBeGreaterThanOrEqual(expected);
    // Handed over in batches, the first while most of the rows were still to read.
    const batches = [...new Set(handedInSlice)].map((slice) => handedInSlice.filter((handed) => handed === slice).length);
    expect(handedInSlice[0]).toBeLessThan(slices / 3);
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.slice(0, -1).every((size) => size >= 5)).toBe(true);
  }, HEAVY_SCAN_MS);

  it("plans no look-alike alone in its cell: the walk turns a list row's dates and order ids down, each found number planned once", async () => {
    const { html, expected } = contactRows(30);
    const planned: string[] = [];
    const targetsFor = ButtonSlots.prototype.targetsFor;
    vi.spyOn(ButtonSlots.prototype, 'targetsFor').mockImplementation(function (this: ButtonSlots, anchor, source) {
      planned.push(source);
      return targetsFor.call(this, anchor, source);
    });
    const { scanner } = scan(html);
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    expect(planned).toHaveLength(expected);
    expect(planned.every((source) => /^(?:\+1 \d{3}-|\(\d{3}\) )555-\d{4}(?: ext\. 12)?$/.test(source))).toBe(true);
  });

  it("remembers no text without a number: a list row's dates and order ids are no button change, nor kept", async () => {
    const { html, expected } = contactRows(30);
    const placed: number[] = [];
    const place = ButtonSlots.prototype.place;
    vi.spyOn(ButtonSlots.prototype, 'place').mockImplementation(function (this: ButtonSlots, anchor, source, targets) {
      placed.push(targets.length);
      place.call(this, anchor, source, targets);
    });
    const { scanner } = scan(html);
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    // One place per phone cell, each with its button: the date and order id of each row (seven digits or more) made none.
    expect(placed).toHaveLength(expected);
    expect(placed.every((count) => count === 1)).toBe(true);
    // Read again (an attribute shown), still no change for them.
    placed.length = 0;
    document.querySelector('td')?.closest('tbody')?.setAttribute('hidden', '');
    document.querySelector('tbody')?.removeAttribute('hidden');
    await settled(scanner);
    expect(placed).toEqual([]);
    expect(buttons()).toHaveLength(expected);
  });

  it("reads what the page adds in the observer's callback and hands its buttons over there: they join the page's own next frame", async () => {
    let tasks = 0;
    const handed: string[] = [];
    const place = ButtonSlots.prototype.place;
    vi.spyOn(ButtonSlots.prototype, 'place').mockImplementation(function (this: ButtonSlots, anchor, source, targets) {
      handed.push(...targets.map((target) => target.e164));
      place.call(this, anchor, source, targets);
    });
    const { scanner } = scan('<ul></ul>', {
      yieldToPage: (callback) => {
        tasks++;
        setTimeout(callback, 0);
      },
    });
    await settled(scanner);
    tasks = 0;
    document.querySelector('ul')?.insertAdjacentHTML('beforeend', '<li><p>+1 415 555 0100</p><p>2024-05-01</p><p>ORD-2024-000123</p></li>');
    // The observer's callback is the microtask queued by the change: it has run after this one.
    await Promise.resolve();
    expect(handed).toEqual(['+14155550100']);
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550100']);
    // No reading task: the row was read before the frame.
    expect(tasks).toBe(0);
  });

  it("reads each text of an append once: the plan does not read again the data its walk read", async () => {
    // The page's frames are costly: its next change is read whole in the observer's callback.
    const { scanner } = scan('<table><tbody></tbody></table><p>+1 415 555 0199</p>', { measurePageFrame: (callback) => callback(10_000) });
    await settled(scanner);
    // No append: the rows below are the page's first, read in the callback (not after the frame's layout, as a scroll's next).
    (document.querySelector('p')?.firstChild as Text).data = '+1 415 555 0100';
    await settled(scanner);
    const { html, expected } = contactRows(30);
    const fragment = rowsFragment(new DOMParser().parseFromString(html, 'text/html').querySelector('tbody')?.innerHTML ?? '');
    const texts = document.createTreeWalker(fragment, NodeFilter.SHOW_TEXT);
    let count = 0;
    while (texts.nextNode()) count++;
    const dataReads = vi.spyOn(getterOwner(document.createTextNode(''), 'data') as Text, 'data', 'get');
    document.querySelector('tbody')?.append(fragment);
    // The observer's callback reads the append.
    await Promise.resolve();
    expect(dataReads).toHaveBeenCalledTimes(count);
    await settled(scanner);
    expect(buttons()).toHaveLength(expected + 1);
  });

  it("reads no plain link's href: the walk's selector and the check of its text's line tell it is no call link, numbers split across the link still found", async () => {
    const { scanner } = scan('<table><tbody></tbody></table>', { measurePageFrame: (callback) => callback(10_000) });
    await settled(scanner);
    const rows = Array.from({ length: 20 }, (_, i) => `<tr><td><a href="#c${i}">Contact ${i}</a></td><td>(212) 555-${1000 + i}</td></tr>`).join('');
    const fragment = rowsFragment(`${rows}<tr><td><a href="/c/99">+1 415</a> 555 0199</td></tr>`);
    const links = [...fragment.querySelectorAll('a[href^="#c"]')];
    const attributeReads = vi.spyOn(Element.prototype, 'getAttribute');
    document.querySelector('tbody')?.append(fragment);
    await settled(scanner);
    // The contacts' links: no href made a string, by the walk or by the check of the line their text is on (issue #12).
    const hrefReads = attributeReads.mock.calls.filter(([name], i) => name === 'href' && links.includes(attributeReads.mock.contexts[i] as Element));
    attributeReads.mockRestore();
    expect(links).toHaveLength(20);
    expect(hrefReads).toEqual([]);
    expect(buttons().map((button) => button.dataset.pcCall)).toEqual([...Array.from({ length: 20 }, (_, i) => `+1212555${1000 + i}`), '+14155550199']);
  });

  it("gives an append's rows their buttons, as the walk handed them on: split numbers, nodes added inside, rows removed or moved before the read", async () => {
    const row = (i: number) => `<tr id="r${i}"><td><span>+1 415</span> <span>555 ${1000 + i}</span></td><td>(212) 555-${1000 + i}</td><td>2024-05-01</td><td>ORD-2024-${String(i).padStart(6, '0')}</td></tr>`;
    const rowNumbers = (i: number) => [`+1415555${1000 + i}`, `+1212555${1000 + i}`, ...(i === 5 ? ['+442079460905'] : [])];
    const rows = (from: number, to: number) => rowsFragment(Array.from({ length: to - from }, (_, k) => row(from + k)).join(''));
    const { scanner } = scan(`<table><tbody></tbody></table><p id="after">+1 646 555 0100</p>`);
    const tbody = document.querySelector('tbody') as HTMLElement;
    tbody.append(rows(0, 2));
    await settled(scanner);
    // One task: rows 2 to 11 appended (one record), a cell added inside row 5, row 7 taken out.
    tbody.append(rows(2, 12));
    document.querySelector('#r5')?.append(rowsFragment('<tr><td><b>+44</b> 20 7946 0905</td></tr>').querySelector('td') as Node);
    document.querySelector('#r7')?.remove();
    await settled(scanner);
    expect(numbers()).toEqual([...[0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11].flatMap(rowNumbers), '+16465550100']);
    // Rows 12 to 15 appended, the last of them taken out before the read; rows 16 to 19, the first of them put at the end.
    tbody.append(rows(12, 16));
    document.querySelector('#r15')?.remove();
    tbody.append(rows(16, 20));
    tbody.append(document.querySelector('#r16') as Node);
    await settled(scanner);
    const order = [...tbody.querySelectorAll('tr')].map((tr) => Number(tr.id.slice(1)));
    expect(order.slice(-6)).toEqual([13, 14, 17, 18, 19, 16]);
    expect(numbers()).toEqual([...order.flatMap(rowNumbers), '+16465550100']);
    expect(buttons()).toHaveLength(order.length * 2 + 2);
  });

  it('reads a large change from what is in view once the page has laid it out, then the rows before it', async () => {
    const frame = () => new Promise((resolve) => requestAnimationFrame(resolve));
    // Each slice two frames later: the look at the viewport, a task after the next frame, comes between two slices.
    const { scanner } = scan('<div id="list"></div>', { budgetMs: 5, yieldToPage: (callback) => void frame().then(frame).then(callback) });
    await settled(scanner);
    const handed: string[] = [];
    const place = ButtonSlots.prototype.place;
    vi.spyOn(ButtonSlots.prototype, 'place').mockImplementation(function (this: ButtonSlots, anchor, source, targets) {
      handed.push(...targets.map((target) => target.e164));
      place.call(this, anchor, source, targets);
    });
    // The list is scrolled to its 81st row.
    vi.spyOn(document, 'elementFromPoint').mockImplementation(() => document.querySelector('tr:nth-child(81) td'));
    const { html, expected } = contactRows(100);
    (document.getElementById('list') as HTMLElement).innerHTML = html;
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    // Row 81's mobile, then the rows after it, before row 41's.
    expect(handed.indexOf('+12125550180')).toBeGreaterThan(-1);
    expect(handed.indexOf('+12125550180')).toBeLessThan(handed.indexOf('+12125550140'));
    expect(handed.indexOf('+12125550199')).toBeLessThan(handed.indexOf('+12125550140'));
  }, HEAVY_SCAN_MS);

  it("looks at the viewport for a large change right after the page's frame laid it out, not in a task after that frame (the page's next change laid out by the hit test)", async () => {
    const { slices } = await scanScheduled('<div id="list"></div>');
    const { frame } = scriptedFrames();
    const hitTests = vi.spyOn(document, 'elementFromPoint').mockImplementation(() => document.querySelector('tr:nth-child(81) td'));
    (document.getElementById('list') as HTMLElement).innerHTML = contactRows(100).html;
    // The callback read part of it: the rest waits for slices, the look at the viewport for the frame.
    await vi.waitFor(() => expect(slices).toHaveLength(1));
    expect(hitTests).not.toHaveBeenCalled();
    // After the frame's layout (none in its animation frame callbacks), before any task.
    let beforeLayout = -1;
    frame(() => {
      beforeLayout = hitTests.mock.calls.length;
    });
    expect(beforeLayout).toBe(0);
    expect(hitTests).toHaveBeenCalled();
  }, HEAVY_SCAN_MS);

  it('reads the rest of a large change in slices, after the part read in the page frame', async () => {
    let tasks = 0;
    const { scanner } = scan('<div id="list"></div>', {
      yieldToPage: (callback) => {
        tasks++;
        setTimeout(callback, 0);
      },
    });
    await settled(scanner);
    const { html, expected } = contactRows(30);
    const list = document.getElementById('list');
    if (list) list.innerHTML = html;
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    expect(tasks).toBeGreaterThan(0);
  }, HEAVY_SCAN_MS);

  it("reads a whole change in the observer's callback when the page's own frames are costly", async () => {
    // An infinite scroll's frames: the layout of its growing table takes seconds.
    expect(await slicesForAppend(2000)).toBe(0);
  }, HEAVY_SCAN_MS);

  it("takes our own time out of what the page's frame cost: a frame we made long raises no read's share", async () => {
    let now = 0;
    // The last frame took 2 s, 1.99 s of it ours (a fake clock's): the page's own 10 ms, the read 8 ms.
    const ledger = new FrameLedger(() => now);
    ledger.opened();
    ledger.count(() => (now += 1990));
    ledger.close(0);
    // Read in slices, as a change with no measure: not in the callback.
    expect(await slicesForAppend(2000, ledger)).toBeGreaterThan(0);
  }, HEAVY_SCAN_MS);

  it("reads on, right after the page's layout, what its callback left of a large change: a share of that layout, no slice after it", async () => {
    const { scanner, slices, laidOut } = await scanScheduled('<div id="list"></div>');
    const handed: Anchor[] = [];
    const place = ButtonSlots.prototype.place;
    vi.spyOn(ButtonSlots.prototype, 'place').mockImplementation(function (this: ButtonSlots, anchor, source, targets) {
      handed.push(anchor);
      place.call(this, anchor, source, targets);
    });
    const { html, expected } = contactRows(10);
    const list = document.getElementById('list') as HTMLElement;
    list.innerHTML = html;
    await vi.waitFor(() => expect(laidOut).toHaveLength(1));
    // The callback read 8 ms of it, before the page's frame: the rest waits for slices.
    expect(handed.length).toBeLessThan(expected);
    expect(slices).toHaveLength(1);
    // The page's layout took 2 s: a fifth of it (250 ms at most) reads the rest in that frame.
    laidOut[0]?.(2000);
    expect(handed).toHaveLength(expected);
    slices.shift()?.();
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    expect(handed).toHaveLength(expected);
  }, HEAVY_SCAN_MS);

  it("reads an append after an append (an infinite scroll) right after its frame's layout, by what that layout took: a share of a long one, the room a short one leaves, none of one laid out near 100 ms; never in the callback nor in slices", async () => {
    let tasks = 0;
    const laidOut: AfterLayoutCallback[] = [];
    const { scanner } = scan('<table><tbody></tbody></table>', {
      yieldToPage: (callback) => {
        tasks++;
        setTimeout(callback, 0);
      },
      afterPageLayout: (callback) => void laidOut.push(callback),
    });
    await settled(scanner);
    // The page's first append: read in the observer's callback, as any change of the page.
    let total = appendContactRows(1);
    await Promise.resolve();
    await settled(scanner);
    while (laidOut.length > 0) laidOut.shift()?.(0);
    expect(buttons()).toHaveLength(total);
    // Counted from here on: what the appends below hand over.
    const first = total;
    const handed = countHanded();
    tasks = 0;
    // The next: nothing read before the page's frame lays it out.
    let expected = appendContactRows(10);
    total += expected;
    await Promise.resolve();
    expect(handed()).toBe(0);
    expect(laidOut).toHaveLength(1);
    // Laid out in 65 ms: with the page's task, pre-paint and paint, near 100 ms. Nothing read; the next frame's layout is waited for.
    laidOut.shift()?.(65);
    expect(handed()).toBe(0);
    expect(laidOut).toHaveLength(1);
    // Laid out in 2 s: long by the page's doing, a fifth of it read, the whole append.
    laidOut.shift()?.(2000);
    expect(handed()).toBe(expected);
    expect(laidOut).toHaveLength(0);
    // Laid out in 30 ms: half the 30 ms left under 100 ms, part of it; the rest in the frames after.
    expected = appendContactRows(10);
    total += expected;
    await Promise.resolve();
    laidOut.shift()?.(30);
    const inRoom = handed();
    expect(inRoom).toBeGreaterThan(total - expected - first);
    expect(inRoom).toBeLessThan(total - first);
    expect(laidOut).toHaveLength(1);
    while (laidOut.length > 0) laidOut.shift()?.(0);
    expect(handed()).toBe(total - first);
    // Frame after frame laid out near 100 ms: three wait, the fourth reads for 8 ms all the same.
    expected = appendContactRows(10);
    total += expected;
    await Promise.resolve();
    const before = handed();
    for (let frame = 0; frame < 3; frame++) laidOut.shift()?.(65);
    expect(handed()).toBe(before);
    laidOut.shift()?.(65);
    expect(handed()).toBeGreaterThan(before);
    while (laidOut.length > 0) laidOut.shift()?.(0);
    expect(handed()).toBe(total - first);
    expect(tasks).toBe(0);
    await settled(scanner);
    expect(buttons()).toHaveLength(total);
  }, HEAVY_SCAN_MS);

  it("leaves a first append's reading slice to the layout of the page's next append, when that append came before the slice's turn: no slice in the scroll's second frame", async () => {
    const { scanner, slices, laidOut } = await scanScheduled('<table><tbody></tbody></table>');
    const handed = countHanded();
    // The page's first append: its callback read 8 ms of it, a slice is to read on.
    let total = appendContactRows(30);
    await vi.waitFor(() => expect(slices).toHaveLength(1));
    const inCallback = handed();
    expect(inCallback).toBeLessThan(total);
    // The page's second append, before that slice's turn (its timer came first): the slice reads no text.
    total += appendContactRows(10);
    await Promise.resolve();
    const dataReads = vi.spyOn(getterOwner(document.createTextNode(''), 'data') as Text, 'data', 'get');
    slices.shift()?.();
    expect(dataReads).not.toHaveBeenCalled();
    dataReads.mockRestore();
    expect(handed()).toBe(inCallback);
    expect(slices).toHaveLength(0);
    // The frame's layout left room: the rest is read after it, and in the frames after.
    while (laidOut.length > 0) laidOut.shift()?.(0);
    expect(handed()).toBe(total);
    expect(slices).toHaveLength(0);
    await settled(scanner);
    expect(buttons()).toHaveLength(total);
  }, HEAVY_SCAN_MS);

  it("looks at the viewport for the page's first append, not for the appends after it (an infinite scroll's rows come after what it shows)", async () => {
    const { slices, laidOut } = await scanScheduled('<table><tbody></tbody></table>');
    // No resize notices (happy-dom lays nothing out): what waits for a frame's layout runs at the next frame.
    const { frame, animationCallbacks } = scriptedFrames({ notices: false });
    const handed = countHanded();
    const readOn = () => {
      while (slices.length > 0 || laidOut.length > 0) slices.length > 0 ? slices.shift()?.() : laidOut.shift()?.(0);
    };
    // The viewport shows the last row appended: a look at it jumps there.
    const hitTests = vi.spyOn(document, 'elementFromPoint').mockImplementation(() => document.querySelector('tbody tr:last-child td'));
    // The page's first append, as any change: part read in the callback, a look at the viewport after its frame's layout.
    let total = appendContactRows(30);
    await vi.waitFor(() => expect(slices).toHaveLength(1));
    frame();
    frame();
    expect(hitTests).toHaveBeenCalled();
    readOn();
    expect(handed()).toBe(total);
    hitTests.mockClear();
    // The next appends: read after their frames' layout, part of each in the room its frame left, none after a look at the viewport.
    for (let append = 0; append < 3; append++) {
      total += appendContactRows(30);
      await Promise.resolve();
      laidOut.shift()?.(30);
      expect(handed()).toBeLessThan(total);
      frame();
      readOn();
      frame();
      expect(handed()).toBe(total);
    }
    // The overlay's passes: nothing left waiting for a frame.
    while (animationCallbacks.size > 0) frame();
    expect(hitTests).not.toHaveBeenCalled();
  }, HEAVY_SCAN_MS);

  it('gives the text node its buttons in the overlay: the page is left untouched', async () => {
    const { scanner } = scan('<p>Call 415-555-0100 or +44 20 7946 0018 today</p>');
    const text = document.querySelector('p')?.firstChild;
    await settled(scanner);
    expect(document.querySelector('p')?.firstChild).toBe(text);
    expect(text?.textContent).toBe('Call 415-555-0100 or +44 20 7946 0018 today');
    expect([...(document.querySelector('p')?.childNodes ?? [])].map((node) => node.nodeName)).toEqual(['#text']);
    expect(buttons().map(anchorOf)).toEqual([text, text]);
    expect(numbers()).toEqual(['+14155550100', '+442079460018']);
  });

  it('uses the default scheduling (tasks, animation frames) when none is given', async () => {
    document.body.innerHTML = '<p>415-555-0100</p>';
    const controller = new AbortController();
    running.push(controller);
    const scanner = startScanner({ root: document, defaultCountry: 'US', signal: controller.signal, onCall: vi.fn() });
    await scanner.idle();
    expect(numbers()).toEqual(['+14155550100']);
  });

  it('scans open shadow roots, attached before or after it started, and observes them', async () => {
    document.body.innerHTML = '<div id="before"></div><div id="later"></div><div id="closed"></div>';
    document.querySelector('#before')?.attachShadow({ mode: 'open' }).append(Object.assign(document.createElement('span'), { textContent: '415-555-0101' }));
    document.querySelector('#closed')?.attachShadow({ mode: 'closed' }).append('415-555-0109');
    const controller = new AbortController();
    running.push(controller);
    const scanner = startScanner({ root: document, defaultCountry: 'US', signal: controller.signal, onCall: vi.fn(), yieldToPage: (cb) => setTimeout(cb, 0) });
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550101']);

    // A custom element inserted later, rendering into its shadow root afterwards (Lit, Stencil).
    const host = document.createElement('x-contact-card');
    const shadow = host.attachShadow({ mode: 'open' });
    document.body.append(host);
    await settled(scanner);
    shadow.innerHTML = '<p>Mobile: <b>+1 415 555 0102</b></p>';
    await settled(scanner);
    // A shadow root attached to an element already scanned, found with its host's next change.
    const later = document.querySelector('#later');
    later?.attachShadow({ mode: 'open' }).append('415-555-0103');
    later?.setAttribute('class', 'loaded');
    await settled(scanner);
    expect(numbers().sort()).toEqual(['+14155550101', '+14155550102', '+14155550103']);
    // The page's shadow roots are left alone: their numbers' buttons are in the overlay.
    expect(shadow.adoptedStyleSheets).toHaveLength(0);
    expect(later?.shadowRoot?.adoptedStyleSheets).toHaveLength(0);
  });

  it('puts no button in our own UI, its shadow roots included', async () => {
    const { scanner } = scan('<div data-pc-ui="">Calling 415-555-0100</div><p>415-555-0101</p>');
    const card = document.createElement('div');
    card.attachShadow({ mode: 'open' }).append('415-555-0102');
    document.querySelector('[data-pc-ui]')?.append(card);
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550101']);
  });

  it('never touches form fields, editors, code or hidden nodes', async () => {
    document.head.innerHTML = '<title>415-555-0100</title><style>.hide { display: none } .ghost { visibility: hidden }</style>';
    const { scanner } = scan(`
      <input value="415-555-0100"><textarea>415-555-0101</textarea>
      <select><option>415-555-0102</option></select>
      <div contenteditable="true"><p>415-555-0103</p></div>
      <div contenteditable="plaintext-only">415-555-0104</div>
      <script>var phone = "415-555-0105";</script><style>/* 415-555-0106 */</style>
      <noscript>415-555-0107</noscript><template><p>415-555-0108</p></template>
      <div hidden><p>415-555-0109</p></div>
      <div aria-hidden="true">415-555-0110</div>
      <div style="display: none"><span>415-555-0111</span></div>
      <div class="hide"><span>415-555-0112</span></div>
      <div class="ghost">415-555-0113</div>
      <button type="button">415-555-0114</button>
      <svg><text>415-555-0115</text></svg>
      <iframe srcdoc="<p>415-555-0116</p>"></iframe>
      <p>Visible: 415-555-0199</p>`);
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550199']);
  });

  it('takes the buttons away from text that becomes editable, and gives them back when it stops being', async () => {
    // CRMs turn a detail view into an inline editor by setting contenteditable on it.
    const { scanner } = scan(`
      <div id="field"><p>415-555-0160 <a href="tel:+14155550161">office</a></p></div>
      <div id="editor" contenteditable="false"><span>415-555-0162</span></div>
      <p>Elsewhere: 415-555-0163</p>`);
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550160', '+14155550161', '+14155550162', '+14155550163']);
    document.querySelector('#field')?.setAttribute('contenteditable', 'true');
    document.querySelector('#editor')?.setAttribute('contenteditable', 'plaintext-only');
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550163']);
    document.querySelector('#field')?.removeAttribute('contenteditable');
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550160', '+14155550161', '+14155550163']);
  });

  it('scans a hidden subtree once it is shown', async () => {
    document.head.innerHTML = '<style>.collapsed .details { display: none }</style>';
    const { scanner } = scan(`
      <section class="collapsed"><div class="details">415-555-0120</div></section>
      <div hidden>415-555-0121</div>
      <div aria-hidden="true"><span>415-555-0122</span></div>`);
    await settled(scanner);
    expect(buttons()).toHaveLength(0);
    document.querySelector('section')?.classList.remove('collapsed');
    document.querySelector('[hidden]')?.removeAttribute('hidden');
    document.querySelector('[aria-hidden]')?.removeAttribute('aria-hidden');
    await settled(scanner);
    expect(numbers().sort()).toEqual(['+14155550120', '+14155550121', '+14155550122']);
  });

  it('gives a number split across inline elements one button, after its last part', async () => {
    const { scanner } = scan('<p id="spans"><span>+1 415</span> <span>555 0100</span></p><p id="bold"><b>+44</b> 20 7946 0958</p>');
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550100', '+442079460958']);
    const [spanButton, boldButton] = buttons();
    expect(anchorOf(spanButton as HTMLButtonElement)?.textContent).toBe('555 0100');
    expect(spanButton?.getAttribute('aria-label')).toBe('Call +1 415 555 0100');
    expect(anchorOf(boldButton as HTMLButtonElement)?.textContent).toBe(' 20 7946 0958');
    // The page's text nodes stay whole.
    expect(document.querySelector('#bold')?.textContent).toBe('+44 20 7946 0958');
  });

  it('follows a split number when one of its parts changes or goes', async () => {
    const { scanner } = scan('<p><span id="area">+1 415</span> <span>555 0100</span></p>');
    await settled(scanner);
    const area = document.querySelector('#area') as HTMLElement;
    area.textContent = '+1 212';
    await settled(scanner);
    expect(numbers()).toEqual(['+12125550100']);
    area.remove();
    await settled(scanner);
    expect(numbers()).toEqual([]);
  });

  it('joins no text across cells, blocks or line breaks', async () => {
    const { scanner } = scan('<table><tr><td>+1 415</td><td>555 0100</td></tr></table><div><div>+1 415</div>555 0100</div><p>+1 415<br>555 0100</p>');
    await settled(scanner);
    expect(numbers()).toEqual([]);
  });

  it('keeps one button on a split number through re-renders', async () => {
    const { scanner } = scan('<ul><li><span>+1 415</span> <span>555 0100</span></li></ul>');
    await settled(scanner);
    for (let render = 0; render < 3; render++) {
      (document.querySelector('ul') as HTMLElement).innerHTML = '<li><span>+1 415</span> <span>555 0100</span></li>';
      await settled(scanner);
      expect(numbers()).toEqual(['+14155550100']);
    }
  });

  it('gives a tel:/callto: link one button after it, none for its text', async () => {
    const { scanner } = scan(`
      <p><a href="tel:+14155550130">+1 (415) 555-0130</a></p>
      <p><a href="tel:+1-415-555-0131;ext=7">Call Ana</a></p>
      <p><a href="callto:+442079460018">London office</a></p>
      <p><a href="tel:911">Emergency 911</a></p>
      <p><a href="/contacts/4155550132">Contact 4155550132</a></p>`);
    await settled(scanner);
    const links = [...document.querySelectorAll('a[href^="tel:"], a[href^="callto:"]')];
    expect(links.map((link) => buttons().find((button) => anchorOf(button) === link)?.dataset.pcCall)).toEqual(['+14155550130', '+14155550131', '+442079460018', undefined]);
    expect(buttons().find((button) => button.dataset.pcExt === '7')?.getAttribute('aria-label')).toBe('Call +1-415-555-0131');
    expect(buttons().find((button) => button.dataset.pcCall === '+14155550130')?.getAttribute('aria-label')).toBe('Call +1 (415) 555-0130');
    // A number in an ordinary link's text gets its button after the text.
    const contact = document.querySelector('a[href^="/contacts"]') as Element;
    expect(buttons().find((button) => anchorOf(button)?.parentNode === contact)?.dataset.pcCall).toBe('+14155550132');
    expect(buttons()).toHaveLength(4);

    document.querySelector('a[href^="tel:+14155550130"]')?.setAttribute('href', 'tel:+14155550133');
    document.querySelector('a[href^="callto:"]')?.setAttribute('href', 'https://example.com');
    await settled(scanner);
    expect(numbers().sort()).toEqual(['+14155550131', '+14155550132', '+14155550133']);
  });

  it('never duplicates buttons, whatever the page does to the nodes', async () => {
    const { html, expected } = contactRows(60);
    const { scanner } = scan(html);
    await settled(scanner);
    const tbody = document.querySelector('tbody');
    if (!tbody) throw new Error('no table');
    for (let round = 0; round < 3; round++) {
      // Sort (moves every row), re-set identical text, touch classes, re-append a cell's text.
      for (const row of [...tbody.querySelectorAll('tr')].reverse()) tbody.append(row);
      for (const cell of tbody.querySelectorAll('td:nth-child(2)')) {
        const text = cell.firstChild;
        if (text?.nodeType === Node.TEXT_NODE) (text as Text).data = (text as Text).data;
      }
      tbody.querySelector('tr')?.classList.toggle('selected');
      const cell = tbody.querySelector('tr:nth-child(2) td:nth-child(2)');
      if (cell?.firstChild) cell.append(cell.firstChild);
      await settled(scanner);
    }
    scanner.rescan();
    await settled(scanner);
    expect(buttons()).toHaveLength(expected);
    for (const button of buttons()) expect(anchorOf(button)?.isConnected).toBe(true);
  }, HEAVY_SCAN_MS);

  it('replaces the buttons when the text changes', async () => {
    const { scanner } = scan('<p>415-555-0140</p>');
    await settled(scanner);
    const text = document.querySelector('p')?.firstChild as Text;
    text.data = 'Office 415-555-0141, mobile 415-555-0142';
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550141', '+14155550142']);
    text.data = 'No phone on file';
    await settled(scanner);
    expect(buttons()).toHaveLength(0);
  });

  it('brings buttons back exactly once after React-like re-renders', async () => {
    const { scanner } = scan('<table><tbody><tr><td class="phone">+1 415-555-0150</td><td class="when">12:00:00</td></tr></tbody></table>');
    await settled(scanner);
    const row = () => document.querySelector('tr') as HTMLTableRowElement;
    for (let tick = 0; tick < 3; tick++) {
      // React's setTextContent when the cell has more than one child: new text node, our button gone.
      (row().querySelector('.phone') as HTMLElement).textContent = '+1 415-555-0150';
      (row().querySelector('.when') as HTMLElement).textContent = `12:00:0${tick}`;
      await settled(scanner);
      expect(numbers()).toEqual(['+14155550150']);
      // A key change: the whole row is re-created.
      row().replaceWith(row().cloneNode(false));
      row().innerHTML = '<td class="phone">+1 415-555-0150</td><td class="when">12:00:00</td>';
      await settled(scanner);
      expect(numbers()).toEqual(['+14155550150']);
    }
  });

  it('is handed no record of its own buttons, and loses no change the page makes just before a hand-off', async () => {
    let ownRecords = 0;
    const Observer = globalThis.MutationObserver;
    vi.stubGlobal(
      'MutationObserver',
      class extends Observer {
        constructor(callback: MutationCallback) {
          super((records, observer) => {
            // Buttons only: the overlay's hosts (one per 250 buttons) do reach it, and the scan queue skips them.
            ownRecords += records.filter((record) => [...record.addedNodes].some((node) => (node as Element).localName === 'button')).length;
            callback(records, observer);
          });
        }
      },
    );
    const { html, expected } = contactRows(30);
    let slices = 0;
    const { scanner } = scan(`<ul><li>415-555-0170</li></ul>${html}`, {
      budgetMs: 20,
      yieldToPage: (callback) =>
        setTimeout(() => {
          // In the task of the second slice, before it: a number where the walk has passed already.
          // Its record is still queued when the slice disconnects the observer to hand its buttons over.
          if (++slices === 2) document.querySelector('ul')?.insertAdjacentHTML('afterbegin', '<li>415-555-0172</li>');
          callback();
        }, 0),
    });
    await settled(scanner);
    expect(slices).toBeGreaterThan(2);
    expect(numbers().slice(0, 2)).toEqual(['+14155550172', '+14155550170']);
    expect(buttons()).toHaveLength(expected + 2);
    document.querySelector('ul')?.insertAdjacentHTML('beforeend', '<li>415-555-0173</li>');
    await settled(scanner);
    expect(buttons()).toHaveLength(expected + 3);
    expect(ownRecords).toBe(0);
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
  }, HEAVY_SCAN_MS);

  it('puts back the overlay when the page removes it, and an inline button the page removed', async () => {
    // A fixed element's number keeps its button in the page, after it (the overlay cannot follow it).
    const { scanner } = scan('<p>415-555-0160</p><div style="position: fixed"><span>415-555-0164</span></div>');
    await settled(scanner);
    const inline = document.querySelector('span')?.lastChild as HTMLButtonElement;
    expect(inline.dataset.pcCall).toBe('+14155550164');
    inline.remove();
    document.querySelector('[data-pc-ui="call-buttons"]')?.remove();
    document.body.insertAdjacentHTML('beforeend', '<p>no number</p>');
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550160', '+14155550164']);
    expect(document.querySelector('span')?.lastChild).toHaveProperty('dataset.pcCall', '+14155550164');
  });

  it('drops the buttons of a removed text node', async () => {
    const { scanner } = scan('<p><span>Phone </span>415-555-0161</p>');
    await settled(scanner);
    document.querySelector('p')?.lastChild?.remove();
    await settled(scanner);
    expect(buttons()).toHaveLength(0);
  });

  it('calls only on a trusted click', async () => {
    const { scanner, onCall } = scan('<div class="row"><span>(415) 555-0170 ext. 12</span></div>');
    const rowClicks = vi.fn();
    document.querySelector('.row')?.addEventListener('click', rowClicks);
    await settled(scanner);
    const [button] = buttons();
    if (!button) throw new Error('no button');
    button.click();
    button.dispatchEvent(new MouseEvent('click', { bubbles: true }));
    expect(onCall).not.toHaveBeenCalled();
    userClick(button);
    expect(onCall).toHaveBeenCalledExactlyOnceWith('+14155550170', '12');
    // The button is in the overlay, not in the row: the row sees none of its clicks.
    expect(rowClicks).not.toHaveBeenCalled();
  });

  it('never lets a throwing onCall escape into the page', async () => {
    vi.spyOn(console, 'debug').mockImplementation(() => undefined);
    const { scanner } = scan('<p>415-555-0180</p>', {
      onCall: () => {
        throw new Error('extension context invalidated');
      },
    });
    await settled(scanner);
    const pageErrors = vi.fn();
    window.addEventListener('error', pageErrors);
    expect(() => userClick(buttons()[0] as HTMLButtonElement)).not.toThrow();
    window.removeEventListener('error', pageErrors);
    expect(pageErrors).not.toHaveBeenCalled();
  });

  it('reads national numbers in the new country on rescan', async () => {
    const { scanner } = scan('<p>020 7946 0018</p><p>+1 415 555 0190</p>');
    await settled(scanner);
    expect(numbers()).toEqual(['+14155550190']);
    scanner.rescan('GB');
    await settled(scanner);
    expect(numbers()).toEqual(['+442079460018', '+14155550190']);
  });

  it('removes every button and stops observing when aborted', async () => {
    const { scanner, controller } = scan('<p>415-555-0100</p><div id="host"></div>');
    document.querySelector('#host')?.attachShadow({ mode: 'open' }).append('415-555-0101');
    await settled(scanner);
    expect(buttons()).toHaveLength(2);
    controller.abort();
    expect(buttons()).toHaveLength(0);
    document.body.insertAdjacentHTML('beforeend', '<p>415-555-0102</p>');
    await settled(scanner);
    expect(buttons()).toHaveLength(0);
  });

  it('does nothing when started with an aborted signal', async () => {
    const { scanner } = scan('<p>415-555-0100</p>', { signal: AbortSignal.abort() });
    await settled(scanner);
    expect(buttons()).toHaveLength(0);
  });
});
