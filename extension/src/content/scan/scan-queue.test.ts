// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ScanQueue } from './scan-queue.ts';
import { viewportStarts } from './viewport-start.ts';

/** A list of `count` rows, each a phone number in a cell, and a button with a number inside the 50th. */
function list(count: number): HTMLElement {
  const rows = Array.from({ length: count }, (_, i) => `<tr id="r${i}"><td>415-555-${String(1000 + i)}</td></tr>`);
  document.body.innerHTML = `<table><tbody>${rows.join('')}</tbody></table>`;
  document.querySelector('#r50 td')?.insertAdjacentHTML('beforeend', '<button><b>415-555-9999</b></button>');
  return document.querySelector('tbody') as HTMLElement;
}

/** Every text the queue yields for `root`, in its order. */
function readAll(root: Node, startAt?: (root: Node) => Node | undefined): string[] {
  const queue = new ScanQueue(document, () => undefined);
  queue.add(root);
  const texts: string[] = [];
  for (let anchor = queue.next(Number.POSITIVE_INFINITY, startAt); anchor; anchor = queue.next(Number.POSITIVE_INFINITY, startAt)) texts.push(anchor.textContent ?? '');
  expect(queue.isEmpty).toBe(true);
  return texts;
}

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

describe('ScanQueue', () => {
  it('walks a subtree from where it is told to start, to its end, then from its beginning: each text once', () => {
    const body = list(100);
    const inDocumentOrder = readAll(body);
    expect(inDocumentOrder).toHaveLength(100);
    const texts = readAll(body, () => document.querySelector('#r60') ?? undefined);
    expect(texts).toEqual([...inDocumentOrder.slice(60), ...inDocumentOrder.slice(0, 60)]);
  });
});

describe('viewportStarts', () => {
  it('starts a large subtree at the topmost element in view inside it', () => {
    const body = list(100);
    const points: number[] = [];
    vi.spyOn(document, 'elementFromPoint').mockImplementation((_x, y) => {
      points.push(y);
      // A fixed header covers the viewport's top; the list shows from row 40 on below it.
      return y === 0 ? document.body : document.querySelector(y < 200 ? '#r40 td' : '#r45 td');
    });
    const startAt = viewportStarts(document);
    expect(startAt(body)).toBe(document.querySelector('#r40 td'));
    // The hit tests ran once for the slice, not per subtree.
    expect(startAt(body)).toBe(document.querySelector('#r40 td'));
    expect(points).toHaveLength(4);
    expect(readAll(body, startAt)[0]).toBe('415-555-1040');
  });

  it('starts outside a subtree the walk skips, reads small subtrees and those out of view in document order', () => {
    const body = list(100);
    vi.spyOn(document, 'elementFromPoint').mockImplementation(() => document.querySelector('#r50 b'));
    const startAt = viewportStarts(document);
    // The number inside the button is never read: the walk starts at the button and skips it.
    expect(startAt(body)).toBe(document.querySelector('#r50 button'));
    expect(readAll(body, startAt)).not.toContain('415-555-9999');
    expect(startAt(document.querySelector('#r50') as Node)).toBeUndefined();
    const other = document.body.appendChild(document.createElement('ul'));
    other.innerHTML = '<li>x</li>'.repeat(70);
    expect(startAt(other)).toBeUndefined();
  });
});
