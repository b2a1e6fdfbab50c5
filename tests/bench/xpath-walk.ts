/**
 * In-page code of xpath-walk-probe.ts: the scan queue's walk of a subtree done instead by
 * XPath snapshots that the browser fills (issue #12), yielding what ScanQueue yields with its
 * default `isNothingToPlan`: texts with digits that share their line, texts with a run of digits
 * long enough for a number, and call links; shadow roots of the elements that may host one are
 * handed on. Bundled for the page with this tree's digitsIn, sharesLine and scan-filter.
 */
import { digitsIn } from '../../extension/src/numbers/detect-numbers.ts';
import { INLINE_ELEMENTS, sharesLine } from '../../extension/src/content/scan/inline-run.ts';
import { isCallLink, isSkippedElement, mayHostShadowRoot, SHADOW_HOST_NAMES, SKIPPED_ELEMENTS } from '../../extension/src/content/scan/scan-filter.ts';

const DIGITS = '0123456789';
const SKIPPED = [...SKIPPED_ELEMENTS];
const INLINE = [...INLINE_ELEMENTS];
const HOSTS = [...SHADOW_HOST_NAMES];

/** Name tests match HTML elements (case-insensitively in an HTML document), not SVG or MathML ones: those are asked their local name. */
const nameIs = (names: readonly string[]) => names.map((name) => (name === 'svg' || name === 'math' ? `local-name()='${name}'` : `self::${name}`)).join(' or ');
/** Not inside an element the walk does not enter (nor our own UI). */
const OUTSIDE_SKIPPED = `not(ancestor::*[${nameIs(SKIPPED)} or @data-pc-ui])`;
const HAS_DIGIT = `(${[...DIGITS].map((digit) => `contains(., '${digit}')`).join(' or ')})`;
const DIGIT_COUNT = `string-length(.) - string-length(translate(., '${DIGITS}', ''))`;
/** A node that may join a line: a text, or an element of an inline name (a superset of inline-run.ts's). */
const JOINS = `(self::text() or self::*[${nameIs(INLINE)}])`;
/** Might share its line (a superset of sharesLine: names only, no call link or skipped check; two inline levels, then any). */
const MAY_SHARE = `(preceding-sibling::node()[1][${JOINS}] or following-sibling::node()[1][${JOINS}] or parent::*[${nameIs(INLINE)}][preceding-sibling::node()[1][${JOINS}] or following-sibling::node()[1][${JOINS}] or parent::*[${nameIs(INLINE)}]])`;
const ELEMENTS = `.//a[contains(translate(@href, 'TELCAO', 'telcao'), 'tel:') or contains(translate(@href, 'TELCAO', 'telcao'), 'callto:')][${OUTSIDE_SKIPPED}] | .//*[${nameIs(HOSTS)} or contains(local-name(), '-')][${OUTSIDE_SKIPPED}]`;

export const EXPRESSIONS = {
  /** Every text with a digit, the call links and the possible shadow hosts, one snapshot. */
  digits: `.//text()[${HAS_DIGIT}][${OUTSIDE_SKIPPED}] | ${ELEMENTS}`,
  /** Texts that may share their line (any digit) or hold seven digits, the elements; one snapshot. */
  lines: `.//text()[${HAS_DIGIT}][${DIGIT_COUNT} >= 7 or ${MAY_SHARE}][${OUTSIDE_SKIPPED}] | ${ELEMENTS}`,
  /** Texts alone on their line for sure (seven digits or more): sharesLine is not asked of them. */
  alone: `.//text()[${DIGIT_COUNT} >= 7][not(${MAY_SHARE})][${OUTSIDE_SKIPPED}]`,
  /** The rest of `lines`: texts that may share their line, and the elements. */
  rest: `.//text()[${HAS_DIGIT}][${MAY_SHARE}][${OUTSIDE_SKIPPED}] | ${ELEMENTS}`,
  /**
   * A floor, not a walk: the texts with seven digits or more, no other check in the browser (no
   * skipped element, no line, no link, no shadow host). Over the list's rows it yields the walk's
   * anchors (no text of a row shares its line); no XPath walk keeping every rule costs less.
   */
  floor: `.//text()[${DIGIT_COUNT} >= 7]`,
  /** Every text with a digit, each checked as the walk does (sharesLine): skipped elements, links and shadow hosts left out. */
  anyDigit: `.//text()[${HAS_DIGIT}]`,
  /** Every text: what the wrappers and checks of all texts cost, the elements left out. */
  texts: './/text()',
} as const;

/** One snapshot each, and what is known of its texts: `floor` asks no text with a run whether it shares its line, `floorLine` does. */
const SNAPSHOTS = {
  digits: { expression: EXPRESSIONS.digits, known: 'unknown' },
  lines: { expression: EXPRESSIONS.lines, known: 'unknown' },
  floor: { expression: EXPRESSIONS.floor, known: 'floor' },
  floorLine: { expression: EXPRESSIONS.floor, known: 'unknown' },
  anyDigit: { expression: EXPRESSIONS.anyDigit, known: 'unknown' },
  texts: { expression: EXPRESSIONS.texts, known: 'unknown' },
} as const;

export type Variant = keyof typeof SNAPSHOTS | 'split' | 'iterator' | 'complete';

/** One yielded anchor: the node, and for texts whether it shares its line. */
type Yield = (node: Node, line: boolean) => void;

function visit(node: Node, known: 'alone' | 'floor' | 'unknown', onShadowRoot: (root: ShadowRoot) => void, yielded: Yield): void {
  if (node.nodeType === Node.TEXT_NODE) {
    const data = (node as Text).data;
    const digits = digitsIn(data);
    if (digits === 'none') return;
    const line = known === 'alone' || (known === 'floor' && digits === 'run') ? false : sharesLine(node as Text);
    if (line || digits === 'run') yielded(node, line);
    return;
  }
  const element = node as Element;
  const name = element.localName;
  if (name === 'a' && isCallLink(element)) yielded(element, false);
  else if (mayHostShadowRoot(name) && element.shadowRoot) onShadowRoot(element.shadowRoot);
}

/** What the walk meets besides texts: skipped elements (our UI too), possible shadow hosts of the standard names, call links (confirmed by isCallLink). */
const ELEMENT_SELECTOR = [...SKIPPED, '[data-pc-ui]', ...HOSTS, 'a[href*="tel:" i]', 'a[href*="callto:" i]'].join(', ');
/** Custom elements, which may host a shadow root: no selector tells them. */
const CUSTOM_ELEMENTS = './/*[contains(local-name(), "-")]';

/**
 * Every rule kept, each list from the browser: every text (one snapshot, no predicate), the
 * elements the walk must see (one querySelectorAll, custom elements by one XPath), merged in
 * document order (a compareDocumentPosition per text once any element is listed); a skipped
 * element's texts and elements dropped.
 */
function walkComplete(root: Node, onShadowRoot: (root: ShadowRoot) => void, yielded: Yield): void {
  const doc = root.ownerDocument ?? (root as Document);
  const texts = doc.evaluate('.//text()', root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  const listed = [...(root as ParentNode).querySelectorAll(ELEMENT_SELECTOR)];
  const custom = doc.evaluate(CUSTOM_ELEMENTS, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  for (let i = 0; i < custom.snapshotLength; i++) listed.push(custom.snapshotItem(i) as Element);
  if (custom.snapshotLength > 0) listed.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  let e = 0;
  let skipped: Element | null = null;
  const inSkipped = (node: Node) => skipped?.contains(node) ?? false;
  const meet = (element: Element) => {
    if (inSkipped(element)) return;
    if (isSkippedElement(element)) skipped = element;
    else visit(element, 'unknown', onShadowRoot, yielded);
  };
  for (let i = 0, n = texts.snapshotLength; i < n; i++) {
    const text = texts.snapshotItem(i) as Text;
    // The elements before this text (or around it), in order.
    for (let element = listed[e]; element && text.compareDocumentPosition(element) & (Node.DOCUMENT_POSITION_PRECEDING | Node.DOCUMENT_POSITION_CONTAINS); element = listed[++e]) meet(element);
    if (!inSkipped(text)) visit(text, 'unknown', onShadowRoot, yielded);
  }
  for (let element = listed[e]; element; element = listed[++e]) meet(element);
}

/** Walks `root` as the variant says; calls `yielded` for each anchor in document order. */
export function walkByXPath(root: Node, variant: Variant, onShadowRoot: (root: ShadowRoot) => void, yielded: Yield): void {
  const doc = root.ownerDocument ?? (root as Document);
  if (variant === 'complete') {
    walkComplete(root, onShadowRoot, yielded);
    return;
  }
  if (variant === 'iterator') {
    const result = doc.evaluate(EXPRESSIONS.lines, root, null, XPathResult.ORDERED_NODE_ITERATOR_TYPE, null);
    for (let node = result.iterateNext(); node; node = result.iterateNext()) visit(node, 'unknown', onShadowRoot, yielded);
    return;
  }
  if (variant !== 'split') {
    const { expression, known } = SNAPSHOTS[variant];
    const result = doc.evaluate(expression, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
    for (let i = 0, n = result.snapshotLength; i < n; i++) visit(result.snapshotItem(i) as Node, known, onShadowRoot, yielded);
    return;
  }
  // Two snapshots merged in document order: one compareDocumentPosition per yield, no new wrappers.
  const alone = doc.evaluate(EXPRESSIONS.alone, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  const rest = doc.evaluate(EXPRESSIONS.rest, root, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
  let i = 0;
  let j = 0;
  let a = alone.snapshotItem(0);
  let r = rest.snapshotItem(0);
  while (a || r) {
    if (a && (!r || a.compareDocumentPosition(r) & Node.DOCUMENT_POSITION_FOLLOWING)) {
      visit(a, 'alone', onShadowRoot, yielded);
      a = alone.snapshotItem(++i);
    } else {
      visit(r as Node, 'unknown', onShadowRoot, yielded);
      r = rest.snapshotItem(++j);
    }
  }
}
