import { adoptCallButtonStyle } from '../call-button-style.ts';
import { createCallButton, isCallButton } from '../call-buttons.ts';
import type { PhoneTarget } from '../../numbers/detect-numbers.ts';

/** Where numbers were found: a text node, or a tel:/callto: link. Buttons follow it. */
export type Anchor = Text | HTMLAnchorElement;

interface Slot {
  /** The text or href the targets were read from. */
  source: string;
  targets: readonly PhoneTarget[];
  buttons: HTMLButtonElement[];
}

/** A page that removes our buttons as fast as we add them wins after this many restores. */
const MAX_RESTORES = 30;
const RESTORE_WINDOW_MS = 10_000;

/**
 * The buttons of each anchor, inserted as its next siblings: the page's text nodes are never
 * split or wrapped (React keeps references to them). Keyed weakly, so nodes the page drops
 * are forgotten with it.
 */
export class ButtonSlots {
  private readonly slots = new WeakMap<Anchor, Slot>();
  private readonly owners = new WeakMap<HTMLButtonElement, Anchor>();
  private readonly restores = new WeakMap<Anchor, { since: number; count: number }>();

  constructor(private readonly doc: Document) {}

  /** The targets last read from `source`, if the anchor was read from it already. */
  targetsFor(anchor: Anchor, source: string): readonly PhoneTarget[] | undefined {
    const slot = this.slots.get(anchor);
    return slot?.source === source ? slot.targets : undefined;
  }

  /** True when the anchor's buttons show exactly these targets, right after it. */
  isCurrent(anchor: Anchor, source: string): boolean {
    const slot = this.slots.get(anchor);
    if (slot?.source !== source) return false;
    let expected: Node | null = anchor.nextSibling;
    for (const button of slot.buttons) {
      if (button !== expected) return false;
      expected = button.nextSibling;
    }
    return true;
  }

  /** Replaces the anchor's buttons with one per target, in order. */
  place(anchor: Anchor, source: string, targets: readonly PhoneTarget[]): void {
    this.release(anchor);
    const buttons = targets.map((target) => createCallButton(this.doc, target));
    if (buttons.length > 0 && anchor.parentNode) {
      const root = anchor.getRootNode();
      if (root.nodeType === Node.DOCUMENT_NODE || root.nodeType === Node.DOCUMENT_FRAGMENT_NODE) adoptCallButtonStyle(root as Document | ShadowRoot);
      anchor.after(...buttons);
    }
    for (const button of buttons) this.owners.set(button, anchor);
    this.slots.set(anchor, { source, targets, buttons });
  }

  /** Removes the anchor's buttons and forgets it. */
  release(anchor: Anchor): void {
    const slot = this.slots.get(anchor);
    if (!slot) return;
    this.slots.delete(anchor);
    for (const button of slot.buttons) {
      // Forget the owner first: our own removal must not look like the page removing it.
      this.owners.delete(button);
      button.remove();
    }
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
    const anchor = this.owners.get(removed);
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

/** Removes every call button from `root` and the open shadow roots inside it. */
export function removeAllCallButtons(root: Document | ShadowRoot): void {
  for (const button of root.querySelectorAll('button[data-pc-call]')) if (isCallButton(button)) button.remove();
  for (const element of root.querySelectorAll('*')) if (element.shadowRoot) removeAllCallButtons(element.shadowRoot);
}
