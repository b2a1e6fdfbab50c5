import { vi } from 'vitest';

/**
 * happy-dom lays nothing out: every text would have no box, as a number that is not rendered,
 * and the overlay keeps such numbers' buttons out of the page. From this call on (until the
 * mocks are restored), a text or link has a box when a browser would render it: checkVisibility
 * (display and visibility, from the styles) of its element, a shadow root's host for its text.
 */
export function boxRenderedNodes(): void {
  const boxIf = (rendered: boolean | undefined) => (rendered ? [new DOMRect(0, 0, 10, 10)] : []) as unknown as DOMRectList;
  vi.spyOn(Range.prototype, 'getClientRects').mockImplementation(function (this: Range) {
    const parent = this.startContainer.parentElement ?? (this.startContainer.parentNode as ShadowRoot | null)?.host;
    return boxIf(parent?.checkVisibility({ visibilityProperty: true }));
  });
  vi.spyOn(Element.prototype, 'getClientRects').mockImplementation(function (this: Element) {
    return boxIf(this.checkVisibility({ visibilityProperty: true }));
  });
}
