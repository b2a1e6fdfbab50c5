/**
 * Our buttons' looks, as one stylesheet adopted by each document and open shadow root that
 * holds call buttons. Inline styles (17 `!important` declarations under `all: initial` on each
 * button) made Chromium cascade every button's style on its own: no two inline styles share
 * their computed style, and on 10,000 rows that cascade was a large share of the frame that
 * inserts the buttons (issue #12). One rule gives every button the same computed style.
 *
 * `:not(#pc#pc#pc)` matches every element and weighs as three ids: no page selector short of
 * three ids and `!important` outweighs it, so CRM themes (`button { … !important }`,
 * `td button { min-width: 60px }`) cannot restyle or hide the button.
 */
const BUTTON = 'button[data-pc-call]:not(#pc#pc#pc)';

/**
 * The handset, an 11 px shape cut out of the button's `::before` (the 16-unit icon scaled by
 * 11/16, arcs' flags as they were). Each button is one element: cloned with an svg and its
 * path, three elements, the clone was a tenth of our script in the infinite scroll (issue
 * #12). A shape in the stylesheet fetches nothing: a CRM whose Content-Security-Policy blocks
 * images (a `data:` background was tried) still shows it.
 */
const HANDSET = `path('M2.475 1.031 3.919 0.688c0.275-0.069 0.55 0.069 0.688 0.344l0.688 1.581c0.138 0.275 0.069 0.55-0.137 0.756L4.263 4.194a5.844 5.844 0 0 0 2.544 2.544l0.825-0.894c0.206-0.206 0.481-0.275 0.756-0.137l1.581 0.688c0.275 0.138 0.413 0.413 0.344 0.688l-0.344 1.444c-0.069 0.275-0.344 0.481-0.619 0.481C4.675 9.006 1.994 6.325 1.994 1.65c0-0.275 0.206-0.55 0.481-0.619z')`;

const RULES = `
${BUTTON} {
  all: initial !important;
  box-sizing: border-box !important;
  display: inline-flex !important;
  align-items: center !important;
  justify-content: center !important;
  flex: none !important;
  width: 18px !important;
  height: 18px !important;
  margin: 0 0 0 4px !important;
  padding: 0 !important;
  border: 0 !important;
  border-radius: 50% !important;
  background: #15803d !important;
  color: #fff !important;
  vertical-align: middle !important;
  line-height: 0 !important;
  cursor: pointer !important;
}
${BUTTON}:hover { background: #166534 !important; }
${BUTTON}:focus-visible { outline: 2px solid #1d4ed8 !important; outline-offset: 2px !important; }
${BUTTON}::before {
  all: initial !important;
  content: '' !important;
  display: block !important;
  width: 11px !important;
  height: 11px !important;
  color: inherit !important;
  background: currentColor !important;
  clip-path: ${HANDSET} !important;
}
`;

/**
 * The overlay's root and its hosts (scan/overlay-host.ts): positioned in document coordinates, contained
 * (the page's layout never depends on them, theirs never on the page's; the hosts in a contained
 * box of the root's, so that adding one lays out the root alone, not the page), under the page's
 * modals and menus (any z-index above 1) and our own cards (z-index 2147483646). `:host` rules
 * marked `!important` win over the page's, whatever its selectors. A clip box is the visible
 * box of the element that scrolls or clips its numbers; its `contain: strict` clips the
 * buttons to it. Buttons sit at the `left`/`top` the overlay writes on each, hidden ones not shown.
 * A host of the document's own layer covers its buttons and is skipped while off screen
 * (`content-visibility: auto`, scan/overlay-host.ts). A host whose numbers the page removed keeps
 * their buttons out of sight (`content-visibility: hidden`: laid out still, not drawn) until new
 * numbers take them over (scan/button-overlay.ts).
 *
 * The buttons' looks in a host are declared without `all: initial`: no page rule crosses the
 * shadow root and the host inherits nothing, so there is nothing to reset. Each overlay button
 * has its own position in its style attribute, which no two buttons share, so Chromium
 * cascades each one on its own: with `all: initial` on the button and its icon that cascade
 * was the style recalc after each overlay pass, ~96 ms for 500 buttons in an infinite scroll's
 * frames (tests/bench/frame-attribution.ts, issue #12).
 */
const OVERLAY_RULES = `
button[data-pc-call] {
  box-sizing: border-box;
  display: inline-flex;
  align-items: center;
  justify-content: center;
  width: 18px;
  height: 18px;
  margin: 0;
  padding: 0;
  border: 0;
  border-radius: 50%;
  background: #15803d;
  color: #fff;
  line-height: 0;
  cursor: pointer;
  appearance: none;
  position: absolute;
  pointer-events: auto;
}
button[data-pc-call]:hover { background: #166534; }
button[data-pc-call]:focus-visible { outline: 2px solid #1d4ed8; outline-offset: 2px; }
button[data-pc-call]::before { content: ''; display: block; width: 11px; height: 11px; background: currentColor; clip-path: ${HANDSET}; }
:host {
  all: initial !important;
  display: block !important;
  position: absolute !important;
  left: 0 !important;
  top: 0 !important;
  width: 0 !important;
  height: 0 !important;
  contain: layout size style !important;
  z-index: 1 !important;
  pointer-events: none !important;
}
.hosts { position: absolute; left: 0; top: 0; width: 0; height: 0; contain: layout size style; }
.host { position: absolute; left: 0; top: 0; width: 0; height: 0; contain: layout size style; }
.host.skippable { content-visibility: auto; }
.host.parked { content-visibility: hidden; }
.clip { position: absolute; left: 0; top: 0; width: 0; height: 0; contain: layout size style; }
.clip.clipped { contain: strict; overflow: hidden; }
.scroll { position: absolute; left: 0; top: 0; width: 0; height: 0; }
`;

/** One sheet per document: a constructed sheet can be adopted only within the document that made it. */
const sheets = new WeakMap<Document, CSSStyleSheet>();
const overlaySheets = new WeakMap<Document, CSSStyleSheet>();

/**
 * Makes sure `root` (a document, or an open shadow root with our buttons in it) uses the call
 * buttons' stylesheet; cheap when it already does. Checked at each write, not remembered: a
 * page may replace its `adoptedStyleSheets` (Lit and other web-component libraries assign them).
 */
export function adoptCallButtonStyle(root: Document | ShadowRoot): void {
  const sheet = sheetOf(root.ownerDocument ?? (root as Document), sheets, RULES);
  if (sheet && !root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}

/** Gives an overlay host's shadow root the overlay's rules, the buttons' looks among them. */
export function adoptOverlayStyle(root: ShadowRoot): void {
  const overlay = sheetOf(root.ownerDocument, overlaySheets, OVERLAY_RULES);
  if (overlay) root.adoptedStyleSheets = [overlay];
}

function sheetOf(doc: Document, cache: WeakMap<Document, CSSStyleSheet>, rules: string): CSSStyleSheet | undefined {
  const view = doc.defaultView;
  if (!view?.CSSStyleSheet) return undefined;
  let sheet = cache.get(doc);
  if (!sheet) {
    sheet = new view.CSSStyleSheet();
    sheet.replaceSync(rules);
    cache.set(doc, sheet);
  }
  return sheet;
}
