import { isCallButton } from '../call-buttons.ts';
import type { PhoneTarget } from '../../numbers/detect-numbers.ts';
import { anchorOf, ButtonOverlay } from './button-overlay.ts';

/** Where numbers were found: a text node, or a tel:/callto: link. Buttons follow it. */
export type Anchor = Text | HTMLAnchorElement;

interface Slot {
  /** The text or href the targets were read from. */
  source: string;
  targets: readonly PhoneTarget[];
}

/** A page that removes our buttons as fast as we add them wins after this many restores. */
const MAX_RESTORES = 30;
const RESTORE_WINDOW_MS = 10_000;

/** The overlay of each document: one set of hosts and listeners, whichever scanner (or rescan) places the buttons. */
const overlays = new WeakMap<Document, ButtonOverlay>();

export function overlayOf(doc: Document): ButtonOverlay {
  let overlay = overlays.get(doc);
  if (!overlay) {
    overlay = new ButtonOverlay(doc);
    overlays.set(doc, overlay);
  }
  return overlay;
}

/**
 * The buttons of each anchor, drawn by the document's overlay (scan/button-overlay.ts): the
 * page's text nodes are never split or wrapped (React keeps references to them), and nothing is
 * written into the page's tree, except next to numbers the overlay cannot follow (inside fixed
 * or sticky elements). Keyed weakly, so nodes the page drops are forgotten with it.
 */
export class ButtonSlots {
  private readonly slots = new WeakMap<Anchor, Slot>();
  private readonly restores = new WeakMap<Anchor, { since: number; count: number }>();

  constructor(
    private readonly doc: Document,
    private readonly overlay: ButtonOverlay = overlayOf(doc),
  ) {}

  /** The targets last read from `source`, if the anchor was read from it already. */
  targetsFor(anchor: Anchor, source: string): readonly PhoneTarget[] | undefined {
    const slot = this.slots.get(anchor);
    return slot?.source === source ? slot.targets : undefined;
  }

  /** True when the anchor's buttons show exactly these targets: in the overlay, or right after it. */
  isCurrent(anchor: Anchor, source: string): boolean {
    const slot = this.slots.get(anchor);
    if (slot?.source !== source) return false;
    const placement = this.overlay.placementOf(anchor);
    if (placement !== 'inline') return placement === 'overlay';
    let expected: Node | null = anchor.nextSibling;
    for (const button of this.overlay.buttonsOf(anchor)) {
      if (button !== expected) return false;
      expected = button.nextSibling;
    }
    return true;
  }

  /** Replaces the anchor's buttons with one per target, in order (made, or taken over, by the overlay). */
  place(anchor: Anchor, source: string, targets: readonly PhoneTarget[]): void {
    this.release(anchor);
    this.overlay.add(anchor, targets);
    this.slots.set(anchor, { source, targets });
  }

  /** Removes the anchor's buttons and forgets it. */
  release(anchor: Anchor): void {
    if (!this.slots.delete(anchor)) return;
    this.overlay.remove(anchor);
  }

  /** Whether every change of the page is read (see ButtonOverlay.readThrough). */
  readThrough(done: boolean): void {
    this.overlay.readThrough(done);
  }

  /** Resolves once every button placed so far is in the page. */
  placed(): Promise<void> {
    return this.overlay.placed();
  }

  has(node: Node): node is Anchor {
    return this.slots.has(node as Anchor);
  }

  /**
   * The anchor whose button the page just removed, if its buttons should come back (the
   * anchor is still in the page and the page is not fighting us in a loop).
   */
  anchorToRestore(removed: Node): Anchor | undefined {
    if (!isCallButton(removed)) return undefined;
    const anchor = anchorOf(removed);
    if (!anchor?.isConnected) return undefined;
    const now = Date.now();
    const restore = this.restores.get(anchor);
    if (!restore || now - restore.since > RESTORE_WINDOW_MS) {
      this.restores.set(anchor, { since: now, count: 1 });
      return anchor;
    }
    return ++restore.count <= MAX_RESTORES ? anchor : undefined;
  }
}

/** Removes every call button from `root` and the open shadow roots inside it, the overlay's first. */
export function removeAllCallButtons(root: Document | ShadowRoot): void {
  if (root.nodeType === Node.DOCUMENT_NODE) overlays.get(root as Document)?.clear();
  for (const button of root.querySelectorAll('button[data-pc-call]')) if (isCallButton(button)) button.remove();
  for (const element of root.querySelectorAll('*')) if (element.shadowRoot) removeAllCallButtons(element.shadowRoot);
}
