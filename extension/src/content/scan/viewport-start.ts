import { isSkippedElement } from './scan-filter.ts';

/**
 * Where the content in view is looked for: the viewport's top, then lower (under a fixed
 * header), as shares of its height, in the middle of its width.
 */
const PROBES = [0, 0.1, 0.25, 0.5];

/**
 * The topmost element of `root` in view (or its outermost ancestor the walk skips: nothing is
 * read inside it), so that the agent sees buttons where they look at once, wherever the list
 * is scrolled to (issue #12). Hit tests lay the page out: on a layout the page's change made
 * stale, one took seconds for a 10,000-row list (6 s in a profile), on a clean one nothing.
 */
export function elementInView(doc: Document, root: Node): Node | undefined {
  const hit = elementsInView(doc).find((element) => element !== root && root.contains(element));
  return hit && outsideSkipped(hit, root);
}

function elementsInView(doc: Document): Element[] {
  const view = doc.defaultView;
  if (!view || typeof doc.elementFromPoint !== 'function') return [];
  const found: Element[] = [];
  for (const share of PROBES) {
    const element = doc.elementFromPoint(view.innerWidth / 2, share * view.innerHeight);
    if (element) found.push(element);
  }
  return found;
}

/** `hit`, or its outermost ancestor below `root` whose subtree the walk skips: no reading inside it. */
function outsideSkipped(hit: Element, root: Node): Node {
  let start: Node = hit;
  for (let node: Node | null = hit; node && node !== root; node = node.parentNode) {
    if (node.nodeType === Node.ELEMENT_NODE && isSkippedElement(node as Element)) start = node;
  }
  return start;
}
