// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { OverlayHost } from './overlay-host.ts';

const made: OverlayHost[] = [];
afterEach(() => {
  for (const host of made.splice(0)) host.detach();
});

/** A document-layer host (or a clipped one) over one button's box at (left, top), attached and written. */
function hostAt(left: number, top: number, clipped = false): OverlayHost {
  const host = new OverlayHost(document, clipped, top);
  made.push(host);
  host.attach(document);
  host.cover(left, top, left + 18, top + 18);
  host.fit();
  return host;
}

const shadow = () => document.querySelector('[data-pc-ui="call-buttons"]')?.shadowRoot as ShadowRoot;
const bands = () => [...shadow().querySelectorAll<HTMLElement>('.band')];
const px = (value: string) => Number.parseFloat(value);
/** A host's box in document coordinates: its band's offset and its own. */
const documentBox = (host: OverlayHost) => {
  const own = host.element.style;
  const band = (host.element.parentElement as HTMLElement).style;
  return { left: px(band.left) + px(own.left), top: px(band.top) + px(own.top), width: px(own.width), height: px(own.height) };
};

/** What the overlay's root changes from now on: elements added to or taken from its hosts' box, and bands' boxes written. */
function rootChanges() {
  const observer = new MutationObserver(() => undefined);
  observer.observe(shadow(), { childList: true, subtree: true, attributes: true, attributeFilter: ['style'] });
  return () => {
    const records = observer.takeRecords();
    observer.disconnect();
    return {
      bandsAdded: records.filter((r) => r.target === shadow().querySelector('.hosts')).reduce((sum, r) => sum + r.addedNodes.length, 0),
      bandsWritten: records.filter((r) => r.type === 'attributes' && (r.target as Element).classList.contains('band')).length,
    };
  };
}

describe('OverlayHost in bands of the document', () => {
  it('puts a document-layer host into the band its first button starts in, bands made ahead in one write, none written as hosts grow in them (issue #12)', () => {
    const first = hostAt(100, 1000);
    // Bands from 4,096 px to 4,096 px, each 16,384 px tall (and 32 above for a focus ring): 16 made at once.
    expect(bands()).toHaveLength(16);
    expect(first.element.parentElement?.className).toBe('band');
    expect(documentBox(first)).toEqual({ left: 96, top: 996, width: 26, height: 26 });
    const changes = rootChanges();
    // A host further down, and both growing over rows below them: no band added, none written.
    const second = hostAt(100, 9000);
    first.cover(100, 5000, 118, 5018);
    first.fit();
    second.cover(100, 20000, 118, 20018);
    second.fit();
    expect(changes()).toEqual({ bandsAdded: 0, bandsWritten: 0 });
    expect([documentBox(first), documentBox(second)]).toEqual([
      { left: 96, top: 996, width: 26, height: 4026 },
      { left: 96, top: 8996, width: 26, height: 11026 },
    ]);
    // A host past the bands made: the next 16 come in one insertion.
    const far = rootChanges();
    hostAt(100, 70000);
    expect(far()).toEqual({ bandsAdded: 16, bandsWritten: 0 });
    expect(bands()).toHaveLength(32);
  });

  it('grows a band over a host that leaves it, and places its hosts again from its new corner', () => {
    const upper = hostAt(100, 5000);
    const lower = hostAt(300, 6000);
    expect(upper.element.parentElement).toBe(lower.element.parentElement);
    // A button moved above the band's top and left of the page (rows grown above it, an RTL page's scroll): the band grows over it.
    upper.cover(-50, 3000, -32, 3018);
    upper.fit();
    const band = (upper.element.parentElement as HTMLElement).style;
    expect([band.left, band.top]).toEqual(['-54px', '2996px']);
    // Both hosts keep their document boxes: the one not written by the move is placed again too.
    expect([documentBox(upper), documentBox(lower)]).toEqual([
      { left: -54, top: 2996, width: 176, height: 2026 },
      { left: 296, top: 5996, width: 26, height: 26 },
    ]);
  });

  it("keeps a clipped host out of the bands (its clip box follows its element), and the bands go with the root's last host", () => {
    const clipped = hostAt(0, 100, true);
    expect(clipped.element.parentElement?.className).toBe('hosts');
    hostAt(100, 1000);
    expect(bands().length).toBeGreaterThan(0);
    for (const host of made.splice(0)) host.detach();
    expect(document.querySelector('[data-pc-ui="call-buttons"]')).toBeNull();
    // The root made again starts with no band left from before.
    hostAt(100, 1000);
    expect(bands()).toHaveLength(16);
  });
});
