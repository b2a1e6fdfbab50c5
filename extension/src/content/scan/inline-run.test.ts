// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from 'vitest';
import { sharesLine, textAround } from './inline-run.ts';

/** The text nodes of `html`, in order. */
function texts(html: string): Text[] {
  document.body.innerHTML = html;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found: Text[] = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) found.push(node as Text);
  return found;
}

afterEach(() => document.body.replaceChildren());

describe('sharesLine', () => {
  it('is false for a text alone in its cell, inside inline elements or not', () => {
    for (const node of texts('<table><tr><td><a href="#c12">Contact 12</a></td><td><b><i>555 0100</i></b></td><td>2024-05-01</td></tr></table>')) {
      expect(sharesLine(node)).toBe(false);
    }
  });

  it('is true for the parts of a number split across inline elements, however deep', () => {
    const [first, space, last] = texts('<div><span>+1 415</span> <span><b>555 0100</b></span></div>');
    expect([first, space, last].map((node) => sharesLine(node as Text))).toEqual([true, true, true]);
    expect(textAround(last as Text).text).toBe('+1 415 555 0100');
  });

  it('ends the line at a block, a line break or a call link', () => {
    const nodes = texts('<p><span>+1 415</span><br><span>555 0100</span></p><div>Tel <a href="tel:+14155550100">555 0100</a></div>');
    expect(nodes.map((node) => sharesLine(node))).toEqual([false, false, false, false]);
  });
});
