/**
 * A band of the document: a skippable box of the overlay's root (`content-visibility: auto`, its
 * box fixed) that holds the document layer's hosts whose first button starts in its first
 * BAND_STRIDE px. Any write that changes an overlay host's box or adds a host (a positioned box:
 * a paint layer of its own) made Chromium paint the whole document again, 4–5 ms a frame at
 * 10,000 rows however little the frame wrote, and a layer of its own (`will-change: transform`
 * on the root or a host) did not change that; the same writes inside a band skipped off screen
 * paint nothing (tests/bench/overlay-paint-probe.ts, issue #12). Bands overlap: a host grows down
 * from where it starts, and stays inside its band's box as long as it spans less than
 * BAND_HEIGHT - BAND_STRIDE (some 600 rows of a list); past that its band grows, one more such
 * write. Bands are made ahead, several at once: adding one is such a write too.
 */

/** Where bands start, one every BAND_STRIDE px (document coordinates): a host goes into the band its first button starts in. */
const BAND_STRIDE = 4096;

/** A band's height (px): its hosts' boxes (250 buttons each at most) grow within it. */
const BAND_HEIGHT = 16384;

/** Above its start a band covers a button's focus ring. */
const BAND_MARGIN = 32;

/** A band's width until a host wider than it grows it: wider than CRM pages' lists. */
const BAND_WIDTH = 4096;

/** Bands made at once past the one a host needs: a fill of 10,000 rows makes them in a few frames, not in each. */
const BANDS_AHEAD = 15;

/** A box in document coordinates, by its edges. */
export interface Extent {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

/** The band a host whose first button's top is at `top` (document coordinates) goes into. */
export function bandIndexAt(top: number): number {
  return Math.floor(top / BAND_STRIDE);
}

export class OverlayBand {
  readonly element: HTMLElement;
  /** Its box in document coordinates: its hosts are placed relative to its left and top. */
  readonly box: Extent;
  /** Its hosts, placed again when its left or top moves. */
  readonly hosts = new Set<{ place(): void }>();
  private written = '';

  constructor(doc: Document, index: number) {
    this.element = doc.createElement('div');
    this.element.className = 'band';
    this.box = { left: 0, top: index * BAND_STRIDE - BAND_MARGIN, right: BAND_WIDTH, bottom: index * BAND_STRIDE + BAND_HEIGHT };
    this.write();
  }

  /**
   * Grows the band over a host's box, which a tall host or a button moved may take out of it: its
   * paint containment would clip the buttons outside. When its left or top
   * moves, every host in it is placed again.
   */
  cover(extent: Extent): void {
    const { box } = this;
    const moved = extent.left < box.left || extent.top < box.top;
    box.left = Math.min(box.left, extent.left);
    box.top = Math.min(box.top, extent.top);
    box.right = Math.max(box.right, extent.right);
    box.bottom = Math.max(box.bottom, extent.bottom);
    this.write();
    if (moved) for (const host of this.hosts) host.place();
  }

  private write(): void {
    const { left, top, right, bottom } = this.box;
    const box = `left: ${left}px; top: ${top}px; width: ${right - left}px; height: ${bottom - top}px`;
    if (box === this.written) return;
    this.written = box;
    this.element.style.cssText = box;
  }
}

/** The bands of one overlay root, by index, in its hosts' box. */
export class OverlayBands {
  private readonly bands = new Map<number, OverlayBand>();

  constructor(private readonly container: HTMLElement) {}

  /** The band at `index`, and the next ones not made yet, all in one write. */
  at(index: number): OverlayBand {
    const found = this.bands.get(index);
    if (found) return found;
    const doc = this.container.ownerDocument;
    const made: HTMLElement[] = [];
    for (let next = index; next <= index + BANDS_AHEAD; next++) {
      if (this.bands.has(next)) continue;
      const band = new OverlayBand(doc, next);
      this.bands.set(next, band);
      made.push(band.element);
    }
    this.container.append(...made);
    return this.bands.get(index) as OverlayBand;
  }

  /** Takes every band out: the root holds no host any more. */
  clear(): void {
    for (const band of this.bands.values()) band.element.remove();
    this.bands.clear();
  }
}
