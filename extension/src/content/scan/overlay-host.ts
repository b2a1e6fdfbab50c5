import { adoptOverlayStyle } from '../call-button-style.ts';

/** Buttons per host: 10,000 into one host cost 1.3 s in one frame, into hosts of 250 0.6 s (tests/bench/content-layout-probe.ts). */
export const HOST_CAPACITY = 250;

/** Marks our overlay's root: the scanner never looks inside it, its insertion is no change of the page. */
const OVERLAY_HOST = 'call-buttons';

/** True for the overlay's root: its insertion or removal is no change of the page. */
export function isOverlayHost(node: Node): boolean {
  return (node as Element).getAttribute?.('data-pc-ui') === OVERLAY_HOST;
}

/** A box in document coordinates. */
export interface DocumentBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The one element of ours at the end of the body that holds every host, in its open shadow root
 * (the tests' locators and agents' tools find the buttons; the page's styles do not reach them).
 * A host put into the body made the frame pre-paint the whole page again after the overlay's
 * pass (the infinite scroll: 1.2–2.1 s, as much as the page's own pre-paint); a host put into
 * this root, 0.3 s (tests/bench/frame-attribution.ts, issue #12). The page's observers (and our
 * scanner's) see one insertion, this root's, not our hosts nor our moves.
 *
 * The hosts go into a contained box inside the root, not into the root itself: Chromium marks
 * the parent of an inserted or removed positioned box for layout from that parent's container
 * up, so a host put straight into the root laid the document out again (the root's containing
 * block: at each append of the infinite scroll, 3 ms at the first to 30 ms at the 50th, growing
 * with the table), while one put into this box stops at the root, a relayout boundary
 * (positioned, `contain: layout size`): 0.1–2 ms (tests/bench/layout-roots.ts, issue #12).
 */
interface OverlayRoot {
  element: HTMLElement;
  hosts: HTMLElement;
}

const roots = new WeakMap<Document, OverlayRoot>();

function overlayRootOf(doc: Document): OverlayRoot {
  let root = roots.get(doc);
  if (!root) {
    const element = doc.createElement('div');
    // Marks our own UI: the scanner never looks for numbers inside it.
    element.setAttribute('data-pc-ui', OVERLAY_HOST);
    const shadowRoot = element.attachShadow({ mode: 'open' });
    adoptOverlayStyle(shadowRoot);
    const hosts = doc.createElement('div');
    hosts.className = 'hosts';
    shadowRoot.append(hosts);
    root = { element, hosts };
    roots.set(doc, root);
  }
  return root;
}

/** Room around a host's buttons for their focus ring (2 px, 2 px away): a skippable host paints nothing outside its box. */
const FOCUS_RING = 4;

/** How far beyond a document-layer host's box a new button may go into it (px): a list's next rows do. */
const NEARBY = 1000;

/**
 * One overlay host: a contained box in the overlay's root. Inside it a clip box (the visible box
 * of the element that clips its numbers, or none for the document's own layer) and in that the
 * scrolled content the buttons sit in. A host of the document's own layer covers its buttons'
 * extent and is skipped by Chromium while off screen (`content-visibility: auto`): a frame that
 * adds buttons far from the viewport neither styles, lays out nor paints them (issue #12).
 */
export class OverlayHost {
  readonly element: HTMLElement;
  private readonly clipBox: HTMLElement;
  private readonly content: HTMLElement;
  private shift = '';
  /** What the buttons of a document-layer host cover, in document coordinates; none for a clipped host (its clip box bounds it). */
  private extent: { left: number; top: number; right: number; bottom: number } | undefined;
  private written = '';
  count = 0;
  /** Its buttons' numbers are gone from the page: out of sight until new numbers take them or they go. */
  parked = false;

  constructor(doc: Document, clipped: boolean) {
    this.element = doc.createElement('div');
    this.element.className = clipped ? 'host' : 'host skippable';
    this.clipBox = doc.createElement('div');
    this.clipBox.className = clipped ? 'clip clipped' : 'clip';
    this.content = doc.createElement('div');
    this.content.className = 'scroll';
    this.clipBox.append(this.content);
    this.element.append(this.clipBox);
  }

  get hasRoom(): boolean {
    return this.count < HOST_CAPACITY && !this.parked;
  }

  /** Hides the host's buttons, one write for all of them: none of their numbers is in the page. */
  park(): void {
    this.parked = true;
    this.element.classList.add('parked');
  }

  unpark(): void {
    this.parked = false;
    this.element.classList.remove('parked');
  }

  /** Puts the host in the overlay's root, and the root back at the end of the body if the page took it out (a body re-rendered whole). */
  attach(doc: Document): void {
    const root = overlayRootOf(doc);
    if (!this.element.parentNode) root.hosts.append(this.element);
    if (!root.element.isConnected) (doc.body ?? doc.documentElement).append(root.element);
  }

  /** Takes the host out; the overlay's root too once it holds no host. */
  detach(): void {
    const hosts = this.element.parentNode;
    this.element.remove();
    if (hosts && !hosts.firstChild) roots.get(this.element.ownerDocument)?.element.remove();
  }

  add(buttons: readonly HTMLButtonElement[]): void {
    this.content.append(...buttons);
    this.count += buttons.length;
  }

  remove(buttons: readonly HTMLButtonElement[]): void {
    for (const button of buttons) button.remove();
    this.count -= buttons.length;
  }

  /**
   * Grows the host over a button's box (document coordinates). It never shrinks: a button moved
   * away leaves its old spot covered, which costs a larger box, never a clipped button.
   */
  cover(left: number, top: number, right: number, bottom: number): void {
    const extent = this.extent;
    if (!extent) this.extent = { left: left - FOCUS_RING, top: top - FOCUS_RING, right: right + FOCUS_RING, bottom: bottom + FOCUS_RING };
    else {
      extent.left = Math.min(extent.left, left - FOCUS_RING);
      extent.top = Math.min(extent.top, top - FOCUS_RING);
      extent.right = Math.max(extent.right, right + FOCUS_RING);
      extent.bottom = Math.max(extent.bottom, bottom + FOCUS_RING);
    }
  }

  /**
   * Whether a button at `top` (document coordinates) keeps this host's box near its own: a button
   * far from the others (a number placed again after the rest) would stretch the box over the
   * page, and a box always near the viewport is never skipped.
   */
  takesAt(top: number): boolean {
    return !this.extent || (top >= this.extent.top - NEARBY && top <= this.extent.bottom + NEARBY);
  }

  /** Writes the extent covered so far, its content moved back so that the buttons keep document coordinates. */
  fit(): void {
    if (!this.extent) return;
    const { left, top, right, bottom } = this.extent;
    const box = `left: ${left}px; top: ${top}px; width: ${right - left}px; height: ${bottom - top}px`;
    if (box === this.written) return;
    this.written = box;
    this.element.style.cssText = box;
    this.clipBox.style.cssText = `left: ${-left}px; top: ${-top}px`;
  }

  /** The clip box at `box`, its content moved by (x, y): the clipping element's scroll. */
  clipTo(box: DocumentBox): void {
    const { style } = this.clipBox;
    style.left = `${box.left}px`;
    style.top = `${box.top}px`;
    style.width = `${Math.max(0, box.width)}px`;
    style.height = `${Math.max(0, box.height)}px`;
  }

  scrollTo(x: number, y: number): void {
    const shift = `translate(${x}px, ${y}px)`;
    if (shift === this.shift) return;
    this.shift = shift;
    this.content.style.transform = shift;
  }
}
