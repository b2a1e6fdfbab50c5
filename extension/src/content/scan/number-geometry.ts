import type { Anchor } from './button-slots.ts';

/** Where a number's text ends on screen, in viewport coordinates: the right end of its last line box. */
export interface NumberEnd {
  right: number;
  top: number;
  bottom: number;
}

/** Reads where an anchor's text ends; undefined when it is not rendered (display:none, collapsed, detached). */
export type ReadNumberEnd = (anchor: Anchor) => NumberEnd | undefined;

/** An element's inner box (inside borders, without scrollbars) in viewport coordinates, and how far it is scrolled. */
export interface ClipBox {
  left: number;
  top: number;
  right: number;
  bottom: number;
  scrollLeft: number;
  scrollTop: number;
}

/** Reads a clipping element's box, to clip and move the buttons of the numbers inside it. */
export type ReadClipBox = (element: Element) => ClipBox;

/** One Range for every text read: a Range per number would be garbage for each of 10,000 rows. */
export function numberEndReader(doc: Document): ReadNumberEnd {
  const range = doc.createRange();
  return (anchor) => {
    if (!anchor.isConnected) return undefined;
    let rects: DOMRectList | undefined;
    if (anchor.nodeType === Node.TEXT_NODE) {
      const parent = anchor.parentElement;
      // visibility:hidden text keeps its boxes; its button must not show on an empty spot.
      if (parent && typeof parent.checkVisibility === 'function' && !parent.checkVisibility({ visibilityProperty: true })) return undefined;
      range.selectNodeContents(anchor);
      rects = typeof range.getClientRects === 'function' ? range.getClientRects() : undefined;
    } else {
      const link = anchor as Element;
      if (typeof link.checkVisibility === 'function' && !link.checkVisibility({ visibilityProperty: true })) return undefined;
      rects = link.getClientRects();
    }
    if (!rects) return undefined;
    // A row collapsed to no height (visibility:collapse, height 0 with overflow hidden) keeps flat boxes.
    for (let i = rects.length - 1; i >= 0; i--) {
      const rect = rects[i];
      if (rect && rect.height > 0 && rect.width > 0) return { right: rect.right, top: rect.top, bottom: rect.bottom };
    }
    return undefined;
  };
}

export const readClipBox: ReadClipBox = (element) => {
  const rect = element.getBoundingClientRect();
  const left = rect.left + element.clientLeft;
  const top = rect.top + element.clientTop;
  return { left, top, right: left + element.clientWidth, bottom: top + element.clientHeight, scrollLeft: element.scrollLeft, scrollTop: element.scrollTop };
};

/**
 * Where a number's buttons go: `inline` (next to the text, in the page: the number moves in ways
 * the overlay cannot follow, inside a fixed or sticky element), or the overlay, in the layer of the
 * nearest element that clips it (null: the document's own layer, which only the window scrolls).
 */
export type Placement = { inline: true } | { inline: false; clip: Element | null };

/** Overflow values that clip (and may scroll) what is inside. */
const CLIPPING = new Set(['auto', 'scroll', 'hidden', 'clip', 'overlay']);

const DOCUMENT_LAYER: Placement = { inline: false, clip: null };
const INLINE: Placement = { inline: true };

/**
 * Placements of elements, for one read pass: the rows of a list share their table, its
 * wrappers and the body, so each computed style is read once per pass. Not kept across passes:
 * a class change may make any element fixed or scrolling. For the elements of one document and
 * its shadow roots (the overlay's), whose root and body are placed up front: asked of each
 * element, the document, its root, its body and its window were four calls into the browser for
 * each cell and row of a list (issue #12).
 */
export class PlacementReader {
  private readonly placements = new Map<Element, Placement>();
  private readonly view: Window | null;

  constructor(doc: Document) {
    this.view = doc.defaultView;
    // The document's own layer, which only the window scrolls: their overflow is the viewport's.
    this.placements.set(doc.documentElement, DOCUMENT_LAYER);
    if (doc.body) this.placements.set(doc.body, DOCUMENT_LAYER);
  }

  of(anchor: Anchor): Placement {
    const parent = anchor.nodeType === Node.TEXT_NODE ? composedParent(anchor) : (anchor as Element);
    return parent ? this.ofElement(parent) : DOCUMENT_LAYER;
  }

  ofElement(element: Element): Placement {
    const known = this.placements.get(element);
    if (known) return known;
    const parent = composedParent(element);
    const outer = parent ? this.ofElement(parent) : DOCUMENT_LAYER;
    let placement: Placement;
    if (outer.inline) placement = INLINE;
    else {
      // Each read of a computed style's property makes its value anew (a cell and a row per number, issue #12): one read each.
      const style = this.view?.getComputedStyle(element);
      const position = style?.position;
      if (position === 'fixed' || position === 'sticky') placement = INLINE;
      else if (style && (CLIPPING.has(style.overflowX) || CLIPPING.has(style.overflowY))) placement = { inline: false, clip: element };
      else placement = outer;
    }
    this.placements.set(element, placement);
    return placement;
  }
}

/** The clipping element around `element`'s own clip, up to the document's layer. */
export function outerClip(reader: PlacementReader, clip: Element): Element | null {
  const parent = composedParent(clip);
  if (!parent) return null;
  const outer = reader.ofElement(parent);
  return outer.inline ? null : outer.clip;
}

/** The parent element, across a shadow root to its host: one call into the browser for an element in the page. */
function composedParent(node: Node): Element | null {
  const element = node.parentElement;
  if (element) return element;
  const parent = node.parentNode;
  return parent?.nodeType === Node.DOCUMENT_FRAGMENT_NODE ? ((parent as ShadowRoot).host ?? null) : null;
}
