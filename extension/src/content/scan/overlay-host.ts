import { adoptOverlayStyle } from '../call-button-style.ts';

/** Buttons per host: 10,000 into one host cost 1.3 s in one frame, into hosts of 250 0.6 s (tests/bench/content-layout-probe.ts). */
export const HOST_CAPACITY = 250;

/** Marks our overlay's hosts: the scanner never looks inside them, their insertion is no change of the page. */
const OVERLAY_HOST = 'call-buttons';

/** True for an overlay host of ours: its insertion or removal is no change of the page. */
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
 * One overlay host: an element at the top of the body, at the document's origin, with an open
 * shadow root (the tests' locators and agents' tools find the buttons; the page's styles do
 * not reach them). Inside it a clip box (the visible box of the element that clips its numbers,
 * or none for the document's own layer) and in that the scrolled content the buttons sit in.
 * Only the shadow root's content changes after the host is in the page: the page's observers
 * (and our scanner's) see one insertion per host, not our moves.
 */
export class OverlayHost {
  readonly element: HTMLElement;
  private readonly clipBox: HTMLElement;
  private readonly content: HTMLElement;
  private shift = '';
  count = 0;

  constructor(doc: Document, clipped: boolean) {
    this.element = doc.createElement('div');
    // Marks our own UI: the scanner never looks for numbers inside it.
    this.element.setAttribute('data-pc-ui', OVERLAY_HOST);
    const root = this.element.attachShadow({ mode: 'open' });
    adoptOverlayStyle(root);
    this.clipBox = doc.createElement('div');
    this.clipBox.className = clipped ? 'clip clipped' : 'clip';
    this.content = doc.createElement('div');
    this.content.className = 'scroll';
    this.clipBox.append(this.content);
    root.append(this.clipBox);
  }

  get hasRoom(): boolean {
    return this.count < HOST_CAPACITY;
  }

  /** Puts the host back at the end of the body if the page took it out (a body re-rendered whole). */
  attach(doc: Document): void {
    if (!this.element.isConnected) (doc.body ?? doc.documentElement).append(this.element);
  }

  add(buttons: readonly HTMLButtonElement[]): void {
    this.content.append(...buttons);
    this.count += buttons.length;
  }

  remove(buttons: readonly HTMLButtonElement[]): void {
    for (const button of buttons) button.remove();
    this.count -= buttons.length;
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
