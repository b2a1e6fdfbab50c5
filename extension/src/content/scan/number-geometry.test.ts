// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PlacementReader } from './number-geometry.ts';

afterEach(() => {
  vi.restoreAllMocks();
  document.body.innerHTML = '';
});

/** Counts the computed style properties read, per property. */
function countStyleReads(): Map<string, number> {
  const reads = new Map<string, number>();
  const computed = window.getComputedStyle.bind(window);
  vi.spyOn(window, 'getComputedStyle').mockImplementation((element) => {
    const style = computed(element);
    return new Proxy(style, {
      get(target, property) {
        if (typeof property === 'string') reads.set(property, (reads.get(property) ?? 0) + 1);
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
  });
  return reads;
}

describe('PlacementReader', () => {
  it('puts numbers in the layer of the element that clips them, inline inside fixed or sticky ones', () => {
    document.body.innerHTML =
      '<div id="scroll" style="overflow-y: auto"><p>+1 415 555 0100</p></div><div style="position: sticky"><p>+1 415 555 0101</p></div><p>+1 415 555 0102</p>';
    const [scrolled, sticky, plain] = [...document.querySelectorAll('p')].map((p) => p.firstChild as Text);
    const reader = new PlacementReader(document);
    expect([reader.of(scrolled as Text), reader.of(sticky as Text), reader.of(plain as Text)]).toEqual([
      { inline: false, clip: document.getElementById('scroll') },
      { inline: true },
      { inline: false, clip: null },
    ]);
  });

  it("reads each element's position once, and no style inside a fixed element", () => {
    document.body.innerHTML = '<table><tbody><tr><td>+1 415 555 0100</td></tr></tbody></table><div style="position: fixed"><span><b>+1 415 555 0101</b></span></div>';
    const reads = countStyleReads();
    const reader = new PlacementReader(document);
    const cell = document.querySelector('td')?.firstChild as Text;
    expect(reader.of(cell)).toEqual({ inline: false, clip: null });
    // td, tr, tbody, table: one position each (a read per property makes its value's string anew).
    expect(reads.get('position')).toBe(4);
    reads.clear();
    expect(reader.of(document.querySelector('b')?.firstChild as Text)).toEqual({ inline: true });
    // The fixed div's own style only: its span and b are inline whatever theirs say.
    expect([reads.get('position'), reads.get('overflowX')]).toEqual([1, undefined]);
  });

  it("puts numbers under a clipping root or body in the document's layer, and crosses shadow roots to their hosts", () => {
    document.documentElement.style.overflow = 'hidden';
    document.body.style.overflowY = 'scroll';
    try {
      document.body.innerHTML = '<p>+1 415 555 0100</p><div id="scroll" style="overflow-y: auto"><div id="host"></div></div>';
      const shadow = (document.getElementById('host') as HTMLElement).attachShadow({ mode: 'open' });
      shadow.innerHTML = '<p>+1 415 555 0101</p>';
      const reader = new PlacementReader(document);
      expect(reader.of(document.querySelector('p')?.firstChild as Text)).toEqual({ inline: false, clip: null });
      expect(reader.of(shadow.querySelector('p')?.firstChild as Text)).toEqual({ inline: false, clip: document.getElementById('scroll') });
    } finally {
      document.documentElement.style.overflow = '';
      document.body.style.overflowY = '';
    }
  });

  it("reads no element's document, nor the document's root, body or window, for each element", () => {
    document.body.innerHTML = `<table><tbody>${'<tr><td>+1 415 555 0100</td></tr>'.repeat(50)}</tbody></table>`;
    const reader = new PlacementReader(document);
    const ownerDocument = vi.spyOn(Node.prototype, 'ownerDocument', 'get');
    for (const cell of document.querySelectorAll('td')) expect(reader.of(cell.firstChild as Text)).toEqual({ inline: false, clip: null });
    // Each cell and row was asked for its document, and the document for its root, body and window.
    expect(ownerDocument).not.toHaveBeenCalled();
  });
});
