/**
 * Elements whose text is never a place for a button: form fields and their options, code,
 * embedded documents, graphics, the document head, and other buttons (no nested buttons; our
 * own call buttons are buttons too).
 */
export const SKIPPED_ELEMENTS: ReadonlySet<string> = new Set([
  'input', 'textarea', 'select', 'option', 'optgroup', 'button', 'script', 'style', 'noscript', 'template',
  'svg', 'math', 'canvas', 'iframe', 'frame', 'object', 'embed', 'video', 'audio', 'head', 'title',
]);

const EDITABLE = new Set(['', 'true', 'plaintext-only']);

const CALL_HREF = /^\s*(?:tel|callto):/i;

/**
 * Links whose href holds a call scheme anywhere, as the browser's selector tells (ASCII case
 * folded, as the pattern's): every href CALL_HREF accepts, and only those are read. A list's every
 * row links its record: each href read made a string of it, ~2 µs a link against ~0.1 µs for the
 * selector in an isolated world (10,000 rows' hrefs, 22-41 ms of a fill's script; issue #12).
 */
const MAY_CALL = 'a[href*="tel:" i], a[href*="callto:" i]';

/** `a[href^="tel:"]`, `a[href^="callto:"]`: the link gets one button, its text none. `localName` when read already. */
export function isCallLink(element: Element, localName = element.localName): element is HTMLAnchorElement {
  return localName === 'a' && element.matches(MAY_CALL) && CALL_HREF.test(element.getAttribute('href') ?? '');
}

/**
 * The elements that may have a shadow root besides custom elements (their names hold a dash):
 * the DOM standard's valid shadow host names. attachShadow throws on any other element, so the
 * walk asks a cell, a row or a link for no shadow root (issue #12).
 */
export const SHADOW_HOST_NAMES: ReadonlySet<string> = new Set(['article', 'aside', 'blockquote', 'body', 'div', 'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'main', 'nav', 'p', 'section', 'span']);

/** Whether an element of this local name may host a shadow root. */
export function mayHostShadowRoot(localName: string): boolean {
  return SHADOW_HOST_NAMES.has(localName) || localName.includes('-');
}

/**
 * Subtrees the walk does not enter at all; decided from the tag (`localName`, read once by a walk
 * that has it) and one attribute, so it stays cheap.
 */
export function isSkippedElement(element: Element, localName = element.localName): boolean {
  // data-pc-ui marks our own UI (the cards' stack, the overlay's root): no buttons inside it.
  // Each is a div, a shadow host name: other elements are not asked (issue #12).
  return SKIPPED_ELEMENTS.has(localName) || (mayHostShadowRoot(localName) && element.hasAttribute('data-pc-ui'));
}

type Placement = 'allowed' | 'excluded' | 'hidden';

/**
 * Decides, per element, whether text inside may get buttons, from attributes alone: no style is
 * read (the scanner reads the page's change before its frame, where a style read forces the
 * page's pending style: 2.0 s of the infinite scroll, issue #12). Text hidden by its style gets
 * its buttons in no host of the overlay, which reads where numbers are after the frame's layout
 * (scan/button-overlay.ts). Lives for one reading slice: results are cached per element (a
 * 1,000-row table shares its ancestors).
 */
export class ScanFilter {
  /** Excluded (form fields, editors, …), hidden (hidden, aria-hidden) or allowed. */
  private readonly placements = new Map<Element, Placement>();

  /** `onHiddenRoot` gets each outermost hidden element, to rescan it when it is shown. */
  constructor(private readonly onHiddenRoot: (element: Element) => void) {}

  /** May the text children of `parent` (an element or a shadow root) get buttons? */
  allowsTextIn(parent: Node | null): boolean {
    const element = toElement(parent);
    return element !== null && this.placement(element) === 'allowed';
  }

  /** May this tel:/callto: link get a button? */
  allowsLink(link: HTMLAnchorElement): boolean {
    if (!this.allowsTextIn(link.parentNode)) return false;
    if (!hasHidingAttribute(link)) return true;
    this.onHiddenRoot(link);
    return false;
  }

  /**
   * The outermost element around (or equal to) `element` that is excluded or hidden decides,
   * across shadow roots to their hosts: its parent's placement, if not allowed, else its own. The
   * browser tells whether an element may be one (`matches`, one call), each confirmed here; a
   * list's rows share their tbody, so a cell and its row are asked, not every ancestor of each
   * cell again (`closest` per cell: 19-27 ms of a 10,000-row fill, issue #12). Ancestors not yet
   * placed are placed from the outermost in, without recursion (a page may nest deep).
   */
  private placement(element: Element): Placement {
    const cached = this.placements.get(element);
    if (cached) return cached;
    const unplaced: Element[] = [];
    let outer: Placement = 'allowed';
    for (let at: Element | null = element; at; at = at.parentElement ?? hostOf(at)) {
      const known = this.placements.get(at);
      if (known) {
        outer = known;
        break;
      }
      unplaced.push(at);
    }
    for (let i = unplaced.length - 1; i >= 0; i--) {
      const at = unplaced[i] as Element;
      if (outer === 'allowed' && at.matches(MAY_NOT_ALLOW)) {
        if (isExcluded(at)) outer = 'excluded';
        else if (hasHidingAttribute(at)) {
          outer = 'hidden';
          this.onHiddenRoot(at);
        }
      }
      this.placements.set(at, outer);
    }
    return outer;
  }
}

/** Every element isExcluded or hasHidingAttribute may accept, and others (links, contenteditable="false"): they confirm. */
const MAY_NOT_ALLOW = [...SKIPPED_ELEMENTS, '[data-pc-ui]', 'a[href]', '[contenteditable]', '[hidden]', '[aria-hidden]'].join(', ');

/** The host of the shadow root `element` is in; null in the document. */
function hostOf(element: Element): Element | null {
  const root = element.getRootNode();
  return root.nodeType === Node.DOCUMENT_FRAGMENT_NODE ? ((root as ShadowRoot).host ?? null) : null;
}

function isExcluded(element: Element): boolean {
  const editable = element.getAttribute('contenteditable');
  return isSkippedElement(element) || isCallLink(element) || (editable !== null && EDITABLE.has(editable.toLowerCase()));
}

function hasHidingAttribute(element: Element): boolean {
  return element.hasAttribute('hidden') || element.getAttribute('aria-hidden') === 'true';
}

/** The element a node's children render in: itself, or the host of a shadow root. */
function toElement(node: Node | null): Element | null {
  if (!node) return null;
  if (node.nodeType === Node.ELEMENT_NODE) return node as Element;
  if (node.nodeType === Node.DOCUMENT_FRAGMENT_NODE && 'host' in node) return (node as ShadowRoot).host;
  return null;
}
