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
    const reader = new PlacementReader();
    expect([reader.of(scrolled as Text), reader.of(sticky as Text), reader.of(plain as Text)]).toEqual([
      { inline: false, clip: document.getElementById('scroll') },
      { inline: true },
      { inline: false, clip: null },
    ]);
  });

  it("reads each element's position once, and no style inside a fixed element", () => {
    document.body.innerHTML = '<table><tbody><tr><td>+1 415 555 0100</td></tr></tbody></table><div style="position: fixed"><span><b>+1 415 555 0101</b></span></div>';
    const reads = countStyleReads();
    const reader = new PlacementReader();
    const cell = document.querySelector('td')?.firstChild as Text;
    expect(reader.of(cell)).toEqual({ inline: false, clip: null });
    // td, tr, tbody, table: one position each (a read per property makes its value's string anew).
    expect(reads.get('position')).toBe(4);
    reads.clear();
    expect(reader.of(document.querySelector('b')?.firstChild as Text)).toEqual({ inline: true });
    // The fixed div's own style only: its span and b are inline whatever theirs say.
    expect([reads.get('position'), reads.get('overflowX')]).toEqual([1, undefined]);
  });
});
