/**
 * Which numbers a change of the page can have moved. An append at the end of an element (an
 * infinite scroll's rows, issue #12) moves nothing before it in the flow, except through the
 * boxes that hold both: a table's columns widened, a list aligned to its end, a line centred.
 * Those move numbers in groups (a column, every row), so four numbers of each group, read
 * again, tell whether the group moved, and by how much when all four moved alike (the group's
 * buttons are then moved by as much, unread): the sentinels. The nodes just before the append
 * (the same line, the last row) are read again in full.
 */

/** Nodes just before an append whose numbers are read again, whatever the sentinels say. */
const NODES_BEFORE_APPEND = 200;

/** True for nodes added at the end of their parent, nothing removed: an append. */
export function isAppend(record: MutationRecord): boolean {
  return record.type === 'childList' && record.nextSibling === null && record.removedNodes.length === 0 && record.addedNodes.length > 0;
}

/**
 * The nodes just before an append's first node, nearest first (the siblings before it and what
 * they hold), up to NODES_BEFORE_APPEND: a number on the line the append continues may move.
 */
export function* nodesBefore(record: MutationRecord): Generator<Node> {
  let visited = 0;
  for (let sibling = record.previousSibling; sibling; sibling = sibling.previousSibling) {
    // A node in the page has its document: only a document itself has none, and it is no sibling.
    const walker = (sibling.ownerDocument as Document).createTreeWalker(sibling, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node: Node | null = sibling; node; node = walker.nextNode()) {
      if (++visited > NODES_BEFORE_APPEND) return;
      yield node;
    }
  }
}

/** Where a number's first button was put, in its layer's coordinates. */
export interface ButtonAt {
  left: number;
  top: number;
}

/**
 * A group's sentinels: its topmost and bottommost numbers (rows inserted or grown above the
 * bottom one move it) and its leftmost and rightmost (a column widened moves those right of it,
 * the rightmost among them).
 */
export function sentinelsOf<T extends { at?: ButtonAt }>(group: readonly T[]): T[] {
  const placed = group.filter((item): item is T & { at: ButtonAt } => item.at !== undefined);
  if (placed.length === 0) return [];
  const first = (by: (at: ButtonAt) => number) => placed.reduce((best, item) => (by(item.at) < by(best.at) ? item : best));
  return [...new Set([first((at) => at.top), first((at) => -at.top), first((at) => at.left), first((at) => -at.left)])];
}

/** Same place: the same layout gives the same coordinates, to the bit. */
export function sameAt(a: ButtonAt | undefined, b: ButtonAt): boolean {
  return a?.left === b.left && a.top === b.top;
}
