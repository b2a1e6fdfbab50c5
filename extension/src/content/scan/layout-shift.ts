/**
 * Which numbers a change of the page can have moved. An append at the end of an element (an
 * infinite scroll's rows, issue #12) moves nothing before it in the flow, except through the
 * boxes that hold both: a table's columns widened, a list aligned to its end, a line centred.
 * Those move numbers in groups (a column, every row), so a few numbers of each group, read
 * again, tell whether the group moved: the sentinels. The nodes just before the append (the
 * same line, the last row) are read again in full.
 */

/** Nodes just before an append whose numbers are read again, whatever the sentinels say. */
const NODES_BEFORE_APPEND = 200;

/** Numbers ending at different x in one group (columns of a table) read as sentinels, at most. */
const SENTINEL_COLUMNS = 8;

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
    const walker = sibling.ownerDocument?.createTreeWalker(sibling, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node: Node | null = sibling; node; node = walker?.nextNode() ?? null) {
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
 * bottom one move it) and the first number ending at each x (a widened column moves its
 * numbers sideways), up to SENTINEL_COLUMNS such x.
 */
export function sentinelsOf<T extends { at?: ButtonAt }>(group: readonly T[]): T[] {
  const placed = group.filter((item) => item.at !== undefined);
  if (placed.length === 0) return [];
  const top = (item: T) => (item.at as ButtonAt).top;
  let first = placed[0] as T;
  let last = first;
  const columns = new Map<number, T>();
  for (const item of placed) {
    if (top(item) < top(first)) first = item;
    if (top(item) > top(last)) last = item;
    const x = Math.round((item.at as ButtonAt).left);
    if (!columns.has(x) && columns.size < SENTINEL_COLUMNS) columns.set(x, item);
  }
  return [...new Set([first, last, ...columns.values()])];
}

/** Same place, to the half pixel: a number read again at the same spot has not moved. */
export function sameAt(a: ButtonAt | undefined, b: ButtonAt | undefined): boolean {
  return a !== undefined && b !== undefined && Math.abs(a.left - b.left) < 0.5 && Math.abs(a.top - b.top) < 0.5;
}
