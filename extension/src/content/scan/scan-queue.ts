import { digitsIn } from '../../numbers/detect-numbers.ts';
import type { Anchor } from './button-slots.ts';
import { sharesLine } from './inline-run.ts';
import { isCallLink, isSkippedElement, mayHostShadowRoot } from './scan-filter.ts';

/** How many nodes a walk visits between two looks at the clock. */
const NODES_PER_CLOCK_CHECK = 256;

interface Walk {
  root: Node;
  /** The node the walk is at: read already, the walk goes on after it. */
  current: Node;
  /** Where the walk stops (not read): where the walk it continues jumped to. */
  end?: Node;
  /** The walk of what was jumped over, once this one is done. */
  then?: Walk;
  /** Its walker and where it stops, as found in this slice; where it left the walker at its last yield. */
  found?: { slice: ReadingSlice; walker: TreeWalker; after: Node | null; left?: Node };
}

/**
 * What the walk read of the text it yielded last, for the scanner's plan not to read it again:
 * its data, and whether it shares its line with other text (issue #12).
 */
export interface WalkedText {
  readonly data: string;
  readonly sharesLine: boolean;
}

/**
 * One stretch of reading before the page gets the thread back. The page does not change the tree
 * within it: the scanner reads, and writes only after the slice.
 */
export interface ReadingSlice {
  readonly deadline: number;
}

/**
 * Nodes waiting to be scanned: text nodes and links as they are, subtrees (elements, shadow
 * roots, the document) through a tree walk that can pause at a deadline and resume in a
 * later slice. Yields only what may hold a number: text with digits and other text on its line,
 * text alone on its line with enough digits unless the scanner has nothing to plan for it, and
 * call links.
 */
export class ScanQueue {
  private readonly pending = new Set<Node>();
  private walk: Walk | undefined;
  /**
   * The text `next` returned last if its walk yielded it, and what the walk read of it (none for a
   * link, or a text queued on its own). One record, rewritten at each text: no garbage per text.
   */
  private readonly walkedText: { text: Text | null; data: string; sharesLine: boolean } = { text: null, data: '', sharesLine: false };
  /**
   * One walker per tree (the document, each shadow root), moved to each walk's node: a walker
   * made per added node cost more than walking it (an infinite scroll adds 500 rows at a time:
   * 10,000 rows' walkers took 16 ms against 6 ms for one walker moved, in Chromium; issue #12).
   */
  private readonly walkers = new WeakMap<Node, TreeWalker>();

  constructor(
    private readonly doc: Document,
    /** Told about each open shadow root met on the way; the queue does not enter them itself. */
    private readonly onShadowRoot: (root: ShadowRoot) => void,
    /**
     * Whether a text alone on its line, its digits enough for a number, is nothing to plan: no
     * number in it and no button of its own to take away. The walk does not yield it.
     */
    private readonly isNothingToPlan: (text: Text, data: string) => boolean = () => false,
  ) {}

  get isEmpty(): boolean {
    return this.walk === undefined && this.pending.size === 0;
  }

  add(node: Node): void {
    this.pending.add(node);
  }

  /** What the walk read of `anchor`, if `next` just yielded it from a walk. */
  walkedTextOf(anchor: Node): WalkedText | undefined {
    return this.walkedText.text === anchor ? this.walkedText : undefined;
  }

  clear(): void {
    this.pending.clear();
    this.walk = undefined;
  }

  /**
   * The next text node or call link; undefined when the queue is empty or a walk paused at the
   * slice's deadline. A walk visits a few hundred nodes at least, so every slice makes progress.
   * A walk finds its walker and where it stops once per slice, not once per text it yields (five
   * of a list row's seven texts, issue #12).
   */
  next(slice: ReadingSlice): Anchor | undefined {
    this.walkedText.text = null;
    for (;;) {
      if (this.walk) {
        const result = this.step(this.walk, slice);
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
      if (node.isConnected && node.hasChildNodes()) this.walk = { root: node, current: node };
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
    if (!(walk.current.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) return;
    // The node before `node` in the walk's order: the next one is `node` itself.
    const walker = this.walkerOf(node);
    walker.currentNode = node;
    walker.previousNode();
    this.walk = { root: walk.root, current: walker.currentNode, then: { root: walk.root, current: walk.current, end: node, then: walk.then } };
  }

  private step(walk: Walk, slice: ReadingSlice): Anchor | 'paused' | 'done' {
    const { root } = walk;
    let found = walk.found;
    if (found?.slice !== slice) {
      if (!root.isConnected) return 'done';
      // The page removed the node the walk paused at: start over, placing buttons is idempotent.
      if (!root.contains(walk.current)) walk.current = root;
      // The walker would go on past the subtree: it stops at what follows it, as the page is now,
      // found by the walker itself, so it is a node the walk meets (a comment after the row is not).
      const walker = this.walkerOf(root);
      walker.currentNode = root;
      found = { slice, walker, after: nextAfterSubtree(walker, null) };
      walk.found = found;
    }
    const { walker, after } = found;
    // Within a slice nothing else moves the walker between two texts of one walk: it is where it yielded the last.
    if (found.left !== walk.current) walker.currentNode = walk.current;
    let visited = 0;
    /** The last link met that is no call link: a text inside it asks sharesLine, which need not read its href again. */
    let plainLink: Element | null = null;
    let node = walker.nextNode();
    while (node && node !== walk.end && node !== after) {
      // Each DOM property read is a call into the browser: a list row's nine elements and seven
      // texts are each read once, for what they can be (issue #12).
      if (node.nodeType === Node.TEXT_NODE) {
        walk.current = node;
        // A few digits next to other text of the line may be part of a split number.
        const data = (node as Text).data;
        const digits = digitsIn(data);
        if (digits !== 'none') {
          const line = sharesLine(node as Text, plainLink);
          // A look-alike alone in its cell (a date, an order id, a zip code) is turned down here,
          // not yielded to the scanner's plan for the same answer: four of a list row's five texts
          // with a run of digits (issue #12).
          if (line || (digits === 'run' && !this.isNothingToPlan(node as Text, data))) {
            found.left = node;
            return this.walked(node as Text, data, line);
          }
        }
      } else {
        const element = node as Element;
        const name = element.localName;
        if (isSkippedElement(element, name)) {
          node = nextAfterSubtree(walker, root);
          continue;
        }
        walk.current = node;
        if (name === 'a') {
          if (isCallLink(element, name)) {
            found.left = node;
            return element;
          }
          plainLink = element;
        } else if (mayHostShadowRoot(name) && element.shadowRoot) this.onShadowRoot(element.shadowRoot);
      }
      if (++visited % NODES_PER_CLOCK_CHECK === 0 && performance.now() >= slice.deadline) return 'paused';
      node = walker.nextNode();
    }
    return 'done';
  }

  private walked(text: Text, data: string, line: boolean): Text {
    this.walkedText.text = text;
    this.walkedText.data = data;
    this.walkedText.sharesLine = line;
    return text;
  }

  /** No filter callback: one call per node from the browser into our code was a fifth of a 10,000-row scan (issue #12). */
  private walkerOf(node: Node): TreeWalker {
    const tree = node.getRootNode();
    let walker = this.walkers.get(tree);
    if (!walker) {
      walker = this.doc.createTreeWalker(tree, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
      this.walkers.set(tree, walker);
    }
    return walker;
  }
}

/** The node after the walker's current node and everything inside it, within `root` (null: its whole tree); null at the end of the walk. */
function nextAfterSubtree(walker: TreeWalker, root: Node | null): Node | null {
  for (let current: Node | null = walker.currentNode; current && current !== root; current = walker.parentNode()) {
    const sibling = walker.nextSibling();
    if (sibling) return sibling;
  }
  return null;
}
