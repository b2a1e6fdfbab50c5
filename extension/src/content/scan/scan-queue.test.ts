// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScanQueue } from './scan-queue.ts';
import { elementInView } from './viewport-start.ts';

/** A list of `count` rows, each a phone number in a cell, and a button with a number inside the 50th. */
function list(count: number): HTMLElement {
  const rows = Array.from({ length: count }, (_, i) => `<tr id="r${i}"><td>415-555-${String(1000 + i)}</td></tr>`);
  document.body.innerHTML = `<table><tbody>${rows.join('')}</tbody></table>`;
  document.querySelector('#r50 td')?.insertAdjacentHTML('beforeend', '<button><b>415-555-9999</b></button>');
  return document.querySelector('tbody') as HTMLElement;
}

/** Every text the queue yields for `root`, in its order; `jump` says where to jump after the `after`th text. */
function readAll(root: Node, jump?: { after: number; to: () => Node | undefined }): string[] {
  const queue = new ScanQueue(document, () => undefined);
  queue.add(root);
  const texts: string[] = [];
  const slice = { deadline: Number.POSITIVE_INFINITY };
  for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) {
    texts.push(anchor.textContent ?? '');
    const to = texts.length === jump?.after ? jump.to() : undefined;
    if (to) {
      expect(queue.walking).toBe(root);
      queue.jumpTo(to);
    }
  }
  expect(queue.isEmpty).toBe(true);
  return texts;
}

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('ScanQueue', () => {
  it('jumps ahead in a walk, and walks what it jumped over after the rest: each text once', () => {
    const body = list(100);
    const inDocumentOrder = readAll(body);
    expect(inDocumentOrder).toHaveLength(100);
    const texts = readAll(body, { after: 10, to: () => document.querySelector('#r60') ?? undefined });
    expect(texts).toEqual([...inDocumentOrder.slice(0, 10), ...inDocumentOrder.slice(60), ...inDocumentOrder.slice(10, 60)]);
  });

  it("walks added rows with one walker per tree, each row to its end and no further (an infinite scroll's append)", () => {
    const body = list(100);
    const host = document.body.appendChild(document.createElement('div'));
    host.attachShadow({ mode: 'open' }).innerHTML = '<p>+1 212 555 0100</p><p>+1 212 555 0101</p>';
    const makeWalker = vi.spyOn(document, 'createTreeWalker');
    const queue = new ScanQueue(document, () => undefined);
    const added = [...body.children].slice(10, 20);
    for (const row of added) queue.add(row);
    queue.add(host.shadowRoot?.firstChild as Node);
    const texts: string[] = [];
    const slice = { deadline: Number.POSITIVE_INFINITY };
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) texts.push(anchor.textContent ?? '');
    expect(texts).toEqual([...added.map((row) => row.textContent), '+1 212 555 0100']);
    expect(makeWalker).toHaveBeenCalledTimes(2);
  });

  it("stops an added row's walk at the next row though a comment stands between them (the walker never shows comments)", () => {
    const body = list(5);
    for (const row of [...body.children]) row.after(document.createComment(' row '));
    const queue = new ScanQueue(document, () => undefined);
    queue.add(body.children[1] as Node);
    const texts: string[] = [];
    const slice = { deadline: Number.POSITIVE_INFINITY };
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) texts.push(anchor.textContent ?? '');
    expect(texts).toEqual(['415-555-1001']);
  });

  it('finds where a walk stops once per slice, not once per text it yields, nor moves its walker back to where it yielded', () => {
    const body = list(100);
    const queue = new ScanQueue(document, () => undefined);
    queue.add(body);
    const found = vi.spyOn(body, 'getRootNode');
    const walker = document.createTreeWalker(document);
    const moves = vi.spyOn(Object.getPrototypeOf(walker) as TreeWalker, 'currentNode', 'set');
    const slice = { deadline: Number.POSITIVE_INFINITY };
    let texts = 0;
    while (queue.next(slice)) texts++;
    expect(texts).toBe(100);
    expect(found).toHaveBeenCalledTimes(1);
    expect(moves.mock.calls.length).toBeLessThan(5);
  });

  it('finds where a walk stops again in each slice: the page changes the tree between slices', () => {
    const body = list(5);
    const row = body.children[1] as HTMLElement;
    row.insertAdjacentHTML('beforeend', '<td>415-555-2001</td>');
    const queue = new ScanQueue(document, () => undefined);
    queue.add(row);
    expect(queue.next({ deadline: Number.POSITIVE_INFINITY })?.textContent).toBe('415-555-1001');
    // Between two slices the page inserts a row right after the one being walked: the walk stops there.
    row.insertAdjacentHTML('afterend', '<tr><td>415-555-3001</td></tr>');
    const slice = { deadline: Number.POSITIVE_INFINITY };
    const texts: string[] = [];
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) texts.push(anchor.textContent ?? '');
    expect(texts).toEqual(['415-555-2001']);
  });

  it('hands on what the walk read of each text it yields: its data, and whether it shares its line', () => {
    document.body.innerHTML = '<p>+1 415 555 0100</p><p><b>+44</b> 20 7946 0958</p><p>+1 415 555 0102</p>';
    const [run, split, alone] = [...document.body.children];
    const queue = new ScanQueue(document, () => undefined);
    queue.add(run as Node);
    queue.add(split as Node);
    queue.add(alone?.firstChild as Node);
    const slice = { deadline: Number.POSITIVE_INFINITY };
    const read: Array<[string, boolean] | undefined> = [];
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) {
      const walked = queue.walkedTextOf(anchor);
      if (walked) expect(walked.data).toBe((anchor as Text).data);
      read.push(walked && [walked.data, walked.sharesLine]);
    }
    // Each text with digits was asked; a text queued on its own is not walked.
    expect(read).toEqual([['+1 415 555 0100', false], ['+44', true], [' 20 7946 0958', true], undefined]);
  });

  it('turns down a text alone on its line that the scanner has nothing to plan for, never one that shares its line', () => {
    document.body.innerHTML =
      '<table><tr><td>+1 415 555 0100</td><td>2024-05-01</td><td>ORD-2024-000123</td><td><span>Due 2024-05-01</span> <b>+1 415</b> 555 0101</td></tr></table>';
    const asked: string[] = [];
    // As the scanner's detection says: the date and the order id hold no number.
    const queue = new ScanQueue(document, () => undefined, (_, data) => {
      asked.push(data);
      return !data.includes('415');
    });
    queue.add(document.body);
    const slice = { deadline: Number.POSITIVE_INFINITY };
    const texts: string[] = [];
    for (let anchor = queue.next(slice); anchor; anchor = queue.next(slice)) texts.push(anchor.textContent ?? '');
    // The texts of the split number's line are handed on unasked, its date with them: a number may run across them.
    expect(asked).toEqual(['+1 415 555 0100', '2024-05-01', 'ORD-2024-000123']);
    expect(texts).toEqual(['+1 415 555 0100', 'Due 2024-05-01', '+1 415', ' 555 0101']);
  });

  it('never jumps back to what it read already', () => {
    const body = list(100);
    const inDocumentOrder = readAll(body);
    expect(readAll(body, { after: 30, to: () => document.querySelector('#r20') ?? undefined })).toEqual(inDocumentOrder);
  });
});

describe('elementInView', () => {
  it("finds the topmost element in view inside a list's body", () => {
    const body = list(100);
    vi.spyOn(document, 'elementFromPoint').mockImplementation((_x, y) =>
      // A fixed header covers the viewport's top; the list shows from row 40 on below it.
      y === 0 ? document.body : document.querySelector(y < 200 ? '#r40 td' : '#r45 td'),
    );
    expect(elementInView(document, body)).toBe(document.querySelector('#r40 td'));
    const other = document.body.appendChild(document.createElement('ul'));
    expect(elementInView(document, other)).toBeUndefined();
  });

  it('gives the outermost element the walk skips around the hit: nothing inside it is read', () => {
    const body = list(100);
    vi.spyOn(document, 'elementFromPoint').mockImplementation(() => document.querySelector('#r50 b'));
    const start = elementInView(document, body);
    expect(start).toBe(document.querySelector('#r50 button'));
    expect(readAll(body, { after: 1, to: () => start })).not.toContain('415-555-9999');
  });
});
