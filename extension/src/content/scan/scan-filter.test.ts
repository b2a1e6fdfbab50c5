// @vitest-environment happy-dom
import { afterEach, describe, expect, it, vi } from 'vitest';
import { isCallLink, ScanFilter } from './scan-filter.ts';

afterEach(() => {
  document.body.replaceChildren();
  vi.restoreAllMocks();
});

/** Whether the text inside each element with an id may get buttons, and the hidden roots reported. */
function allowed(html: string, shadow?: { host: string; html: string }): { allowed: Record<string, boolean>; hiddenRoots: string[] } {
  document.body.innerHTML = html;
  const roots: ParentNode[] = [document];
  if (shadow) {
    const shadowRoot = (document.getElementById(shadow.host) as HTMLElement).attachShadow({ mode: 'open' });
    shadowRoot.innerHTML = shadow.html;
    roots.push(shadowRoot);
  }
  const hiddenRoots: string[] = [];
  const filter = new ScanFilter((element) => hiddenRoots.push(element.id));
  const result: Record<string, boolean> = {};
  for (const root of roots) for (const element of root.querySelectorAll('[id]')) result[element.id] = filter.allowsTextIn(element);
  return { allowed: result, hiddenRoots: [...new Set(hiddenRoots)] };
}

describe('ScanFilter', () => {
  it('decides by the outermost excluded or hidden element around the text, reporting the outermost hidden one', () => {
    const { allowed: result, hiddenRoots } = allowed(`
      <table><tr><td id="cell"><a id="record" href="/contacts/1"><b id="bold">x</b></a></td></tr></table>
      <div id="editor" contenteditable="true"><div id="not-editable" contenteditable="false"><span id="inside-editor">x</span></div></div>
      <div id="off" contenteditable="false"><span id="in-off">x</span></div>
      <div id="hidden" hidden><div id="inner-hidden" aria-hidden="true"><span id="in-hidden">x</span></div><textarea id="field"></textarea></div>
      <div id="aria" aria-hidden="false"><a id="call" href=" TEL:+14155550100"><span id="in-call">x</span></a></div>
      <div id="ours" data-pc-ui><span id="in-ours">x</span></div>
      <form id="form"><label id="label">x</label><select id="select"><option id="option">x</option></select></form>`);
    expect(result).toEqual({
      cell: true, record: true, bold: true,
      editor: false, 'not-editable': false, 'inside-editor': false, off: true, 'in-off': true,
      hidden: false, 'inner-hidden': false, 'in-hidden': false, field: false,
      aria: true, call: false, 'in-call': false, ours: false, 'in-ours': false,
      form: true, label: true, select: false, option: false,
    });
    expect(hiddenRoots).toEqual(['hidden']);
  });

  it('looks across a shadow root to its host and the host\'s own ancestors', () => {
    const inHidden = allowed('<div aria-hidden="true"><div id="host"></div></div>', { host: 'host', html: '<p id="shadow-p"><span id="shadow-span">x</span></p>' });
    expect(inHidden.allowed).toEqual({ host: false, 'shadow-p': false, 'shadow-span': false });
    expect(inHidden.hiddenRoots).toEqual(['']);
    const inEditor = allowed('<div contenteditable><div id="host"></div></div>', { host: 'host', html: '<p id="shadow-p" hidden>x</p>' });
    expect(inEditor.allowed).toEqual({ host: false, 'shadow-p': false });
    expect(inEditor.hiddenRoots).toEqual([]);
    const shown = allowed('<div id="host"></div>', { host: 'host', html: '<p id="shadow-p" hidden><span id="shadow-span">x</span></p><p id="other">x</p>' });
    expect(shown.allowed).toEqual({ host: true, 'shadow-p': false, 'shadow-span': false, other: true });
    expect(shown.hiddenRoots).toEqual(['shadow-p']);
  });

  it("reads no attribute of a list's rows and cells to allow their numbers: the browser finds no candidate around them", () => {
    document.body.innerHTML = `<table><tbody>${'<tr><td>415-555-0100</td><td><a href="#c">Contact</a></td></tr>'.repeat(100)}</tbody></table>`;
    const filter = new ScanFilter(() => undefined);
    const reads = [vi.spyOn(Element.prototype, 'getAttribute'), vi.spyOn(Element.prototype, 'hasAttribute')];
    for (const cell of document.querySelectorAll('td:first-child')) expect(filter.allowsTextIn(cell)).toBe(true);
    // Asked element by element, each row's cell and row were read for contenteditable, hidden, aria-hidden and a call link.
    expect(reads.map((read) => read.mock.calls.length)).toEqual([0, 0]);
  });

  it("asks the browser about a list's cells and rows, not again about the ancestors they share", () => {
    document.body.innerHTML = `<div><table><tbody>${'<tr><td>415-555-0100</td><td><a href="#c">Contact</a></td></tr>'.repeat(100)}</tbody></table></div>`;
    const filter = new ScanFilter(() => undefined);
    const closest = vi.spyOn(Element.prototype, 'closest');
    const matches = vi.spyOn(Element.prototype, 'matches');
    for (const cell of document.querySelectorAll('td:first-child')) expect(filter.allowsTextIn(cell)).toBe(true);
    // The first cell's ancestors (tbody, table, div, body, html) once; then each cell and its row: closest per cell tried all six of its ancestors again.
    expect(closest).not.toHaveBeenCalled();
    expect(matches.mock.calls.length).toBe(5 + 2 * 100);
  });

  it('places an element asked before its ancestors as it would after them, and reports a hidden root once', () => {
    const html = `
      <div id="hidden" aria-hidden="true"><div id="editor" contenteditable><span id="in-editor">x</span></div></div>
      <div id="editor2" contenteditable><p id="hidden2" hidden><span id="in-hidden2">x</span></p></div>
      <section id="shown"><p id="p">x</p></section>`;
    const outerFirst = allowed(html);
    document.body.innerHTML = html;
    const hiddenRoots: string[] = [];
    const filter = new ScanFilter((element) => hiddenRoots.push(element.id));
    const innerFirst: Record<string, boolean> = {};
    for (const element of [...document.querySelectorAll('[id]')].reverse()) innerFirst[element.id] = filter.allowsTextIn(element);
    expect(innerFirst).toEqual(outerFirst.allowed);
    expect(innerFirst).toEqual({ hidden: false, editor: false, 'in-editor': false, editor2: false, hidden2: false, 'in-hidden2': false, shown: true, p: true });
    expect(hiddenRoots).toEqual(['hidden']);
    expect(outerFirst.hiddenRoots).toEqual(['hidden']);
  });
});

describe('isCallLink', () => {
  it('takes tel: and callto: hrefs in any case after blanks, and reads no href without a call scheme in it', () => {
    document.body.innerHTML = `
      <a id="tel" href="tel:+14155550100">x</a><a id="blank-upper" href="  TEL:+14155550100">x</a><a id="callto" href="CallTo:+14155550100">x</a>
      <a id="record" href="#c12">x</a><a id="page" href="/contacts/12">x</a><a id="inside" href="https://crm.example/tel:+14155550100">x</a>
      <a id="none">x</a><span id="span" href="tel:+14155550100">x</span>`;
    const elements = [...document.querySelectorAll('[id]')];
    // The hrefs our code reads, not those happy-dom's selector engine reads inside `matches`.
    const { getAttribute, matches } = Element.prototype;
    let matching = 0;
    const read: Element[] = [];
    vi.spyOn(Element.prototype, 'matches').mockImplementation(function (this: Element, selectors: string) {
      matching++;
      try {
        return matches.call(this, selectors);
      } finally {
        matching--;
      }
    });
    vi.spyOn(Element.prototype, 'getAttribute').mockImplementation(function (this: Element, name: string) {
      if (matching === 0) read.push(this);
      return getAttribute.call(this, name);
    });
    const result = elements.map((element) => isCallLink(element));
    vi.restoreAllMocks();
    expect(Object.fromEntries(elements.map((element, i) => [element.id, result[i]]))).toEqual({
      tel: true, 'blank-upper': true, callto: true, record: false, page: false, inside: false, none: false, span: false,
    });
    // A list links each row's record: those hrefs are never made into strings (issue #12).
    expect(read.map((element) => element.id)).toEqual(['tel', 'blank-upper', 'callto', 'inside']);
  });
});
