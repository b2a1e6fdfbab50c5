/**
 * Texts a re-render brought back: where the page replaced an element with another of the same tag
 * (a list's tbody rendered anew), each text of the new subtree is paired with
 * the old subtree's text at the same step of a walk of both, if it has the same data. The overlay
 * hands such a text the old one's button where it was, its number's box not read then; it is read
 * at a coming pass as a stale one's is. A 10,000-row re-render read every new number's box and its
 * cell's and row's styles inside the page's own frame, to find the same places (issue #12).
 */
export class ReturningTexts {
  /** Old and new subtrees, until paired at the first question. */
  private replaced: Array<[Node, Node]> = [];
  private pairs = new Map<Node, Node>();

  /**
   * The page's changes, one batch of records: an element one parent lost and an element of the same
   * tag it gained, alone of their kind in the batch, are kept to pair their texts. Chromium reports
   * a replaceWith as one record, others (and a framework's remove then insert) as two.
   */
  note(records: readonly MutationRecord[]): void {
    const changes = new Map<Node, { removed: Node[]; added: Node[] }>();
    for (const record of records) {
      if (record.type !== 'childList') continue;
      let change = changes.get(record.target);
      if (!change) {
        change = { removed: [], added: [] };
        changes.set(record.target, change);
      }
      for (const node of record.removedNodes) if (node.nodeType === Node.ELEMENT_NODE) change.removed.push(node);
      for (const node of record.addedNodes) if (node.nodeType === Node.ELEMENT_NODE) change.added.push(node);
    }
    for (const { removed, added } of changes.values()) {
      const [old, now] = [removed[0], added[0]];
      if (removed.length === 1 && added.length === 1 && old && now && (old as Element).localName === (now as Element).localName) this.replaced.push([old, now]);
    }
  }

  /** The text `text` took the place of, with the same data, if a noted replacement brought it. */
  oldOf(text: Node): Node | undefined {
    for (const [removed, added] of this.replaced.splice(0)) pairTexts(removed, added, this.pairs);
    return this.pairs.get(text);
  }

  /** Forgets the old subtrees: their buttons went or were taken over. */
  clear(): void {
    this.replaced = [];
    this.pairs.clear();
  }
}

/** Walks both subtrees in step; stops where their shapes part (a row added, a cell of another tag). */
function pairTexts(removed: Node, added: Node, pairs: Map<Node, Node>): void {
  const doc = added.ownerDocument;
  if (!doc) return;
  const show = NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT;
  const before = doc.createTreeWalker(removed, show);
  const after = doc.createTreeWalker(added, show);
  for (let old = before.nextNode(), now = after.nextNode(); old && now; old = before.nextNode(), now = after.nextNode()) {
    if (old.nodeType !== now.nodeType) return;
    if (old.nodeType === Node.TEXT_NODE) {
      if ((old as Text).data === (now as Text).data) pairs.set(now, old);
    } else if ((old as Element).localName !== (now as Element).localName) return;
  }
}
