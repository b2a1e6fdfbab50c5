import { isSkippedElement } from './scan-filter.ts';

/**
 * Where the content in view is looked for: the viewport's top, then lower (under a fixed
 * header), as shares of its height, in the middle of its width.
 */
const PROBES = [0, 0.1, 0.25, 0.5];

/**
 * A subtree with fewer children is read in document order: a hit test lays the page out, worth
 * it for a list's body (10,000 rows filled or re-rendered at once), not for each row an
 * infinite scroll appends.
 */
const MIN_CHILDREN = 64;

/**
 * Tells where a walk of a subtree starts: at the first element of it in view, so that the agent
 * sees buttons where they look at once, wherever the list is scrolled to (issue #12); undefined
 * for document order. The hit tests run at most once, for one reading slice.
 */
export function viewportStarts(doc: Document): (root: Node) => Node | undefined {
  let inView: Element[] | undefined;
  return (root) => {
    if (!isLargeSubtree(root)) return undefined;
    inView ??= elementsInView(doc);
    const hit = inView.find((element) => element !== root && root.contains(element));
    return hit && outsideSkipped(hit, root);
  };
}

function isLargeSubtree(root: Node): boolean {
  return (root as Element | Document | ShadowRoot).childElementCount >= MIN_CHILDREN;
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
