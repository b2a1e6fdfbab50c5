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
  /** Consecutive children of `root` that one change added: the walk stops after the last; each is walked on its own if the page moved them since. */
  range?: AddedRange;
  /** Its walker and where it stops, as found in this slice; where it left the walker at its last yield. */
  found?: { slice: ReadingSlice; walker: TreeWalker; after: Node | null; left?: Node };
}

/**
 * The nodes one mutation record added to `parent` (consecutive siblings then: an infinite
 * scroll's rows), walked as one range, from the first to the end of the last.
 */
class AddedRange {
  constructor(
    readonly parent: Node,
    readonly nodes: ArrayLike<Node>,
    /** The parent's count of removals (ScanQueue.removedFrom) when its nodes were last known to be consecutive. */
    public checked: number,
  ) {}
}

/**
 * What the walk read of the text it yielded last, for the scanner's plan not to read it again:
 * its data, and whether it shares its line with other text if the walk had to ask (issue #12).
 */
export interface WalkedText {
  readonly data: string;
  /** Undefined when the walk did not ask (a run of digits long enough for a number on its own). */
  readonly sharesLine: boolean | undefined;
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
 * later slice. Yields only what may hold a number: text with enough digits, or with digits and
 * other text on its line, and call links.
 */
export class ScanQueue {
  private readonly pending = new Set<Node | AddedRange>();
  private walk: Walk | undefined;
  /**
   * The text `next` returned last if its walk yielded it, and what the walk read of it (none for a
   * link, or a text queued on its own). One record, rewritten at each text: no garbage per text.
   */
  private readonly walkedText: { text: Text | null; data: string; sharesLine: boolean | undefined } = { text: null, data: '', sharesLine: undefined };
  /** How many times the page removed children of each parent (see removedFrom). */
  private readonly removals = new WeakMap<Node, number>();
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
  ) {}

  get isEmpty(): boolean {
    return this.walk === undefined && this.pending.size === 0;
  }

  add(node: Node): void {
    this.pending.add(node);
  }

  /**
   * The nodes one mutation record added to `parent`, consecutive siblings then: one walk over the
   * parent from the first to the end of the last, not one walk per node. An infinite scroll's
   * append of 500 rows was 500 walks, each set up on its own (issue #12).
   */
  addRange(parent: Node, nodes: ArrayLike<Node>): void {
    if (nodes.length === 1) this.pending.add(nodes[0] as Node);
    else if (nodes.length > 1) this.pending.add(new AddedRange(parent, nodes, this.removalsFrom(parent)));
  }

  /**
   * The page removed (or moved) children of `parent`: a range added to it may no longer be one,
   * and is checked again before it is walked on. Only a removal can take a node the page did not
   * move itself out of a range (a moved node is queued again by the record of its insertion).
   */
  removedFrom(parent: Node): void {
    this.removals.set(parent, this.removalsFrom(parent) + 1);
  }

  private removalsFrom(parent: Node): number {
    return this.removals.get(parent) ?? 0;
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
      if (node instanceof AddedRange) {
        if (node.parent.isConnected) this.walk = { root: node.parent, current: node.parent, range: node };
        continue;
      }
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

  /** The subtree being walked, if the walk goes on to its end (not a range's: an append is read in its order). */
  get walking(): Node | undefined {
    return this.walk && !this.walk.end && !this.walk.range ? this.walk.root : undefined;
  }

  /**
   * Walks on from `node` if the walk in progress has it ahead (and the walk goes on to the end of
   * its subtree); what it jumps over is walked after.
   */
  jumpTo(node: Node): void {
    const walk = this.walk;
    if (!walk || walk.end || walk.range || node === walk.root || !walk.root.contains(node)) return;
    if (!(walk.current.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) return;
    // The node before `node` in the walk's order: the next one is `node` itself.
    const walker = this.walkerOf(node);
    walker.currentNode = node;
    walker.previousNode();
    this.walk = { root: walk.root, current: walker.currentNode, then: { root: walk.root, current: walk.current, end: node, then: walk.then } };
  }

  private addEach(nodes: ArrayLike<Node>): void {
    for (let i = 0; i < nodes.length; i++) this.pending.add(nodes[i] as Node);
  }

  /**
   * Whether a range's nodes still in its parent follow each other there, as added (those the page
   * took out since are left out): then every node of it the page did not move is between the first
   * and the last of them. One sibling read per node, only after a removal from the parent.
   */
  private isStillRange(range: AddedRange): boolean {
    const { parent, nodes } = range;
    if (range.checked === this.removalsFrom(parent)) return true;
    let previous: Node | undefined;
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as Node;
      if (node.parentNode !== parent) continue;
      if (previous && previous.nextSibling !== node) return false;
      previous = node;
    }
    range.checked = this.removalsFrom(parent);
    return true;
  }

  /** The first and last nodes of a range still in its parent; undefined if none is. */
  private endsOf({ parent, nodes }: AddedRange): { first: Node; last: Node } | undefined {
    let first: Node | undefined;
    for (let i = 0; i < nodes.length && !first; i++) if (nodes[i]?.parentNode === parent) first = nodes[i];
    let last: Node | undefined;
    for (let i = nodes.length - 1; i >= 0 && !last; i--) if (nodes[i]?.parentNode === parent) last = nodes[i];
    return first && last ? { first, last } : undefined;
  }

  private step(walk: Walk, slice: ReadingSlice): Anchor | 'paused' | 'done' {
    const { root, range } = walk;
    let found = walk.found;
    if (found?.slice !== slice) {
      if (!root.isConnected) return 'done';
      const walker = this.walkerOf(root);
      if (range) {
        // A range whose nodes the page has moved apart since: each walked on its own (placing buttons is idempotent).
        if (!this.isStillRange(range) || !root.contains(walk.current)) {
          this.addEach(range.nodes);
          return 'done';
        }
        const ends = this.endsOf(range);
        if (!ends) return 'done';
        // Its first slice starts right before the first node (a walk reads what follows its current node).
        if (walk.current === root) {
          walker.currentNode = ends.first;
          walk.current = walker.previousNode() ?? root;
        }
        // It stops at what follows the last, as the page is now.
        walker.currentNode = ends.last;
        found = { slice, walker, after: nextAfterSubtree(walker, null) };
      } else {
        // The page removed the node the walk paused at: start over, placing buttons is idempotent.
        if (!root.contains(walk.current)) walk.current = root;
        // The walker would go on past the subtree: it stops at what follows it, as the page is now,
        // found by the walker itself, so it is a node the walk meets (a comment after the row is not).
        walker.currentNode = root;
        found = { slice, walker, after: nextAfterSubtree(walker, null) };
      }
      walk.found = found;
    }
    const { walker, after } = found;
    // Within a slice nothing else moves the walker between two texts of one walk: it is where it yielded the last.
    if (found.left !== walk.current) walker.currentNode = walk.current;
    let visited = 0;
    let node = walker.nextNode();
    while (node && node !== walk.end && node !== after) {
      // Each DOM property read is a call into the browser: a list row's nine elements and seven
      // texts are each read once, for what they can be (issue #12).
      if (node.nodeType === Node.TEXT_NODE) {
        walk.current = node;
        // A few digits next to other text of the line may be part of a split number.
        const data = (node as Text).data;
        const digits = digitsIn(data);
        if (digits === 'run' || (digits === 'some' && sharesLine(node as Text))) {
          found.left = node;
          return this.walked(node as Text, data, digits === 'run' ? undefined : true);
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
          if (isCallLink(element)) {
            found.left = node;
            return element;
          }
        } else if (mayHostShadowRoot(name) && element.shadowRoot) this.onShadowRoot(element.shadowRoot);
      }
      if (++visited % NODES_PER_CLOCK_CHECK === 0 && performance.now() >= slice.deadline) return 'paused';
      node = walker.nextNode();
    }
    return 'done';
  }

  private walked(text: Text, data: string, line: boolean | undefined): Text {
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
