// @vitest-environment happy-dom
import { describe, expect, it } from 'vitest';
import { isAppend, nodesBefore, sameAt, sentinelsOf } from './layout-shift.ts';

/**
 * A childList record as Chromium makes it: happy-dom's records name no siblings. Records are
 * plain data; the test fills in what the browser would.
 */
function childList(target: Node, added: Node[], removed: Node[], previousSibling: Node | null, nextSibling: Node | null): MutationRecord {
  return { type: 'childList', target, addedNodes: added, removedNodes: removed, previousSibling, nextSibling } as unknown as MutationRecord;
}

function list(rows: number): HTMLElement {
  const element = document.createElement('ul');
  element.innerHTML = Array.from({ length: rows }, (_, i) => `<li><b>Row ${i}</b> +1 415 555 ${String(i).padStart(4, '0')}</li>`).join('');
  document.body.replaceChildren(element);
  return element;
}

describe('layout shifts', () => {
  it('tells an append at the end of an element from insertions, removals and other changes', () => {
    const rows = list(3);
    const [first, , last] = [...rows.children] as [Element, Element, Element];
    const added = document.createElement('li');
    expect(isAppend(childList(rows, [added], [], last, null))).toBe(true);
    expect(isAppend(childList(rows, [added], [], null, first))).toBe(false);
    expect(isAppend(childList(rows, [], [last], rows.children[1] as Element, null))).toBe(false);
    expect(isAppend(childList(rows, [added], [last], null, null))).toBe(false);
    expect(isAppend({ type: 'attributes', target: rows, addedNodes: [], removedNodes: [], previousSibling: null, nextSibling: null } as unknown as MutationRecord)).toBe(false);
  });

  it('names the nodes just before an append, nearest first, up to 200', () => {
    const rows = list(100);
    const before = [...nodesBefore(childList(rows, [document.createElement('li')], [], rows.lastElementChild, null))];
    expect(before).toHaveLength(200);
    // The last old row first, then its bold name and text, then its number: each row is four nodes.
    expect(before.slice(0, 4).map((node) => node.nodeName)).toEqual(['LI', 'B', '#text', '#text']);
    expect(before[3]?.textContent).toBe(' +1 415 555 0099');
    expect(before.at(-1)?.parentNode?.textContent).toContain('Row 50');
    expect([...nodesBefore(childList(rows, [document.createElement('li')], [], null, null))]).toEqual([]);
  });

  it('picks the topmost, bottommost, leftmost and rightmost numbers as sentinels', () => {
    const at = (left: number, top: number) => ({ at: { left, top } });
    const group = [at(100, 40), at(110, 0), at(100, 80), at(120, 20), at(110, 60), { at: undefined }];
    expect(sentinelsOf(group)).toEqual([group[1], group[2], group[0], group[3]]);
    const oneRow = Array.from({ length: 20 }, (_, i) => at(i * 10, 0));
    expect(sentinelsOf(oneRow)).toEqual([oneRow[0], oneRow[19]]);
    expect(sentinelsOf([{ at: undefined }])).toEqual([]);
  });

  it('counts a place as the same only when both coordinates are', () => {
    expect(sameAt({ left: 10.5, top: 20 }, { left: 10.5, top: 20 })).toBe(true);
    expect(sameAt({ left: 10, top: 20 }, { left: 10.4, top: 20 })).toBe(false);
    expect(sameAt({ left: 10, top: 20 }, { left: 10, top: 21 })).toBe(false);
    expect(sameAt(undefined, { left: 10, top: 20 })).toBe(false);
  });
});
