import { isCallButton } from '../call-buttons.ts';
import { isCallLink, isSkippedElement } from './scan-filter.ts';

/**
 * Elements that flow within a line of text: a number may be split across them
 * (`<span>+1 415</span> <span>555 0100</span>`, `<b>+44</b> 20 7946 0958`). Any other element
 * (a cell, a block, a line break, a form field) ends the line.
 */
export const INLINE_ELEMENTS: ReadonlySet<string> = new Set([
  'a', 'abbr', 'b', 'bdi', 'bdo', 'big', 'cite', 'data', 'del', 'em', 'font', 'i', 'ins', 'kbd', 'label', 'mark', 'nobr', 'q', 's', 'samp', 'small', 'span', 'strong', 'sub', 'sup', 'time', 'tt', 'u', 'var',
]);

/**
 * How far the text around a node reaches each way: a number (at most 40 characters or so)
 * that ends in the node, and the 32 characters of context the look-alike guards read.
 */
const REACH = 80;

/** A text node's text with the text before and after it on the same line, across inline elements. */
export interface TextAround {
  text: string;
  /** Where the node's own text starts in `text`. */
  start: number;
  end: number;
}

/**
 * Whether a text node shares its line with other text: a number may start or end outside it.
 * Looked for as textAround would find it, not assumed from an inline parent: a list's link
 * alone in its cell ("Contact 12") has nothing beside it and is not read as a line (issue #12).
 * `plainLink`: a link the caller has just read is no call link (the walk reads each link's href),
 * inline without its href read again: a list's "Contact 12" link was a second href read and
 * pattern test per row (sharesLine and what it asks: 69 ms of a 10,000-row fill's 1,265 ms of
 * our script, sampled; issue #12).
 */
export function sharesLine(node: Text, plainLink?: Element | null): boolean {
  for (let current: Node = node; ; ) {
    if (joins(current.previousSibling) || joins(current.nextSibling)) return true;
    const parent = current.parentNode;
    if (parent !== plainLink && !isInline(parent)) return false;
    current = parent as Element;
  }
}

/** `node`'s text and up to REACH characters of its line before and after it. */
export function textAround(node: Text): TextAround {
  let before = '';
  for (const text of textsBeside(node, true)) {
    before = text.data + before;
    if (before.length >= REACH) break;
  }
  let after = '';
  for (const text of textsBeside(node, false)) {
    after += text.data;
    if (after.length >= REACH) break;
  }
  return { text: before + node.data + after, start: before.length, end: before.length + node.data.length };
}

/** The text nodes after `node` whose numbers may start in it: they are read again when it changes. */
export function textsReachedAfter(node: Text): Text[] {
  const reached: Text[] = [];
  let length = 0;
  for (const text of textsBeside(node, false)) {
    if (length >= REACH) break;
    reached.push(text);
    length += text.data.length;
  }
  return reached;
}

/** The texts of the line on one side of `node`, nearest first, up to whatever ends the line. */
function* textsBeside(node: Node, backward: boolean): Generator<Text> {
  for (let current: Node = node; ; ) {
    for (let sibling = backward ? current.previousSibling : current.nextSibling; sibling; sibling = backward ? sibling.previousSibling : sibling.nextSibling) {
      if ((yield* textsIn(sibling, backward)) === 'line ends') return;
    }
    const parent = current.parentNode;
    if (!parent || !isInline(parent)) return;
    current = parent;
  }
}

/** The text nodes of `node` in line order (or reversed); 'line ends' at an element that ends the line. */
function* textsIn(node: Node, backward: boolean): Generator<Text, 'line ends' | undefined> {
  if (node.nodeType === Node.TEXT_NODE) {
    yield node as Text;
    return undefined;
  }
  // Comments and our own buttons are not part of the page's line.
  if (node.nodeType !== Node.ELEMENT_NODE || isCallButton(node)) return undefined;
  if (!isInline(node)) return 'line ends';
  const children = [...node.childNodes];
  if (backward) children.reverse();
  for (const child of children) if ((yield* textsIn(child, backward)) === 'line ends') return 'line ends';
  return undefined;
}

function joins(node: Node | null): boolean {
  return node !== null && (node.nodeType === Node.TEXT_NODE || isInline(node));
}

/** A tel: link is a number of its own, with its own button: it ends the line. */
function isInline(node: Node | null): node is Element {
  if (node?.nodeType !== Node.ELEMENT_NODE) return false;
  const element = node as Element;
  const name = element.localName;
  return INLINE_ELEMENTS.has(name) && !isCallLink(element, name) && !isSkippedElement(element, name);
}
