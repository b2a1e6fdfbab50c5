import { mightContainPhoneNumber } from '../../numbers/detect-numbers.ts';
import type { Anchor } from './button-slots.ts';
import { sharesLine } from './inline-run.ts';
import { isCallLink, isSkippedElement } from './scan-filter.ts';

const DIGIT = /\p{Nd}/u;

/** How many nodes a walk visits between two looks at the clock. */
const NODES_PER_CLOCK_CHECK = 256;

interface Walk {
  root: Node;
  walker: TreeWalker;
  /** Where the walk stops (not read): where the walk it continues jumped to. */
  end?: Node;
  /** The walk of what was jumped over, once this one is done. */
  then?: Walk;
}

/**
 * Nodes waiting to be scanned: text nodes and links as they are, subtrees (elements, shadow
 * roots, the document) through a tree walk that can pause at a deadline and resume in a
 * later slice. Yields only what may hold a number: text with enough digits, or with digits and
 * other text on its line, and call links.
 */
export class ScanQueue {
  private readonly pending = new Set<Node>();
  private walk: Walk | undefined;

  constructor(
    private readonly doc: Document,
    /** Told about each open shadow root met on the way; the queue does not enter them itself. */
    private readonly onShadowRoot: (root: ShadowRoot) => void,
  ) {}

  get isEmpty(): boolean {
    return this.walk === undefined && this.pending.size === 0;
  }

  add(node: Node): void {
    this.pending.add(node);
  }

  clear(): void {
    this.pending.clear();
    this.walk = undefined;
  }

  /**
   * The next text node or call link; undefined when the queue is empty or a walk paused at
   * `deadline`. A walk visits a few hundred nodes at least, so every slice makes progress.
   */
  next(deadline: number): Anchor | undefined {
    for (;;) {
      if (this.walk) {
        const result = this.step(this.walk, deadline);
        if (result === 'paused') return undefined;
        if (result !== 'done') return result;
        this.walk = this.walk.then;
        continue;
      }
      const first = this.pending.values().next();
      if (first.done) return undefined;
      const node = first.value;
      this.pending.delete(node);
      // A detached text node or link is still returned: the scanner drops its buttons.
      if (node.nodeType === Node.TEXT_NODE) return node as Text;
      if (node.nodeType === Node.ELEMENT_NODE) {
        const element = node as Element;
        // Skipped before its shadow root is handed on: the overlay's hosts hold only our buttons.
        if (isSkippedElement(element)) continue;
        if (element.shadowRoot) this.onShadowRoot(element.shadowRoot);
        if (isCallLink(element)) return element;
      }
      if (node.isConnected && node.hasChildNodes()) this.walk = { root: node, walker: this.createWalker(node) };
    }
  }

  /** The subtree being walked, if the walk goes on to its end. */
  get walking(): Node | undefined {
    return this.walk && !this.walk.end ? this.walk.root : undefined;
  }

  /**
   * Walks on from `node` if the walk in progress has it ahead (and the walk goes on to the end of
   * its subtree); what it jumps over is walked after.
   */
  jumpTo(node: Node): void {
    const walk = this.walk;
    if (!walk || walk.end || node === walk.root || !walk.root.contains(node)) return;
    const { root, walker } = walk;
    if (!(walker.currentNode.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) return;
    const jumped = this.createWalker(root);
    // The node before `node` in the walk's order: the next one is `node` itself.
    jumped.currentNode = node;
    jumped.previousNode();
    this.walk = { root, walker: jumped, then: { root, walker, end: node, then: walk.then } };
  }

  private step(walk: Walk, deadline: number): Anchor | 'paused' | 'done' {
    const { walker, root, end } = walk;
    if (!root.isConnected) return 'done';
    // The page removed the node the walk paused at: start over, placing buttons is idempotent.
    if (!root.contains(walker.currentNode)) walker.currentNode = root;
    let visited = 0;
    let node = walker.nextNode();
    while (node && node !== end) {
      if (node.nodeType === Node.ELEMENT_NODE && isSkippedElement(node as Element)) {
        node = nextAfterSubtree(walker);
        continue;
      }
      if (node.nodeType === Node.TEXT_NODE) {
        // A few digits next to other text of the line may be part of a split number.
        if (mightContainPhoneNumber((node as Text).data) || (DIGIT.test((node as Text).data) && sharesLine(node as Text))) return node as Text;
      } else {
        const element = node as Element;
        if (element.shadowRoot) this.onShadowRoot(element.shadowRoot);
        if (isCallLink(element)) return element;
      }
      if (++visited % NODES_PER_CLOCK_CHECK === 0 && performance.now() >= deadline) return 'paused';
      node = walker.nextNode();
    }
    return 'done';
  }

  /** No filter callback: one call per node from the browser into our code was a fifth of a 10,000-row scan (issue #12). */
  private createWalker(root: Node): TreeWalker {
    return this.doc.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
  }
}

/** The node after the walker's current node and everything inside it; null at the end of the walk. */
function nextAfterSubtree(walker: TreeWalker): Node | null {
  for (let current: Node | null = walker.currentNode; current && current !== walker.root; current = walker.parentNode()) {
    const sibling = walker.nextSibling();
    if (sibling) return sibling;
  }
  return null;
}
