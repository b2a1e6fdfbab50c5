// The rows of crm-list.html, driven through `window.bench` by the end-to-end tests and the
// benchmark (tests/bench/content.ts). Plain JavaScript: the page runs it as it is. `?c2d`
// starts ringcentral-c2d on the page (c2d.js, which only the benchmark serves).

const AREA_CODES = ['212', '415', '646', '303', '617', '312', '206', '512'];

/** One contact: a phone number and five look-alikes (date, order id, amount, zip code, long id). */
function row(i) {
  const area = AREA_CODES[i % AREA_CODES.length];
  const line = String(100 + (i % 100)).padStart(4, '0');
  const phone = [`(${area}) 555-${line}`, `+1 ${area} 555 ${line}`, `${area}-555-${line}`][i % 3];
  const date = `2024-${String(1 + (i % 12)).padStart(2, '0')}-${String(1 + (i % 28)).padStart(2, '0')}`;
  const amount = `$${(1000 + ((i * 7919) % 90000)).toLocaleString('en-US')}.${String(i % 100).padStart(2, '0')}`;
  const zip = `${90000 + (i % 9999)}-${String(1000 + (i % 9000))}`;
  const longId = String(8000000000000000 + i * 7919);
  return `<tr><td><a href="#c${i}">Contact ${i}</a></td><td class="phone">${phone}</td><td>${date}</td><td>ORD-2024-${String(i).padStart(6, '0')}</td><td>${amount}</td><td>${zip}</td><td>${longId}</td></tr>`;
}

function rows(from, count) {
  let html = '';
  for (let i = from; i < from + count; i++) html += row(i);
  return html;
}

const list = () => document.getElementById('list');

/** Long animation frames and long tasks: what the page, and whoever decorates it, cost the page's frames. */
const frames = [];
const tasks = [];
new PerformanceObserver((entries) => {
  // Where the frame's rendering starts, for the bench to lay over a trace (tests/bench/frame-attribution.ts):
  // the entry's own `scripts` leave an extension's content script out.
  for (const entry of entries.getEntries()) {
    frames.push({ start: entry.startTime, duration: entry.duration, renderStart: entry.renderStart, styleAndLayoutStart: entry.styleAndLayoutStart });
  }
}).observe({ type: 'long-animation-frame', buffered: true });
new PerformanceObserver((entries) => {
  for (const entry of entries.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: 'longtask', buffered: true });

const nextTimer = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Every element `selector` matches in the document and in the open shadow roots of the body's
 * children: our content script draws its buttons in an overlay of such roots, c2d wraps numbers in place.
 */
function decorations(selector) {
  const found = [...document.querySelectorAll(selector)];
  for (const element of document.body.children) if (element.shadowRoot) found.push(...element.shadowRoot.querySelectorAll(selector));
  return found;
}

/**
 * The decorations shown: not hidden (display, visibility, an ancestor's content-visibility:
 * hidden). Asked of the first child of each parent for all its children: an overlay's host holds
 * hundreds of buttons, which no one hides one by one.
 */
function shown(found) {
  const parents = new Map();
  return found.filter((decoration) => {
    let visible = parents.get(decoration.parentNode);
    if (visible === undefined) {
      visible = isShown(decoration);
      parents.set(decoration.parentNode, visible);
    }
    return visible;
  });
}

/**
 * Whether an element is shown. One inside a subtree Chromium skips off screen (an ancestor's
 * content-visibility: auto, our overlay's hosts) is asked of that ancestor: asked of the element
 * itself, Chromium styles the whole skipped subtree for the answer, work no page does for a
 * subtree it does not show. After the infinite scroll's last append, the poll's first count
 * styled 100 hosts of 250 buttons, 10 ms each: 1.2-2 s of the page's thread, on which the
 * decorating party's frames wait. Inside a skipped subtree, what hides an element itself is
 * not seen here; the check by place reads each one's box.
 */
function isShown(element) {
  const options = { visibilityProperty: true, contentVisibilityAuto: true };
  if (element.checkVisibility(options)) return true;
  // The nearest ancestor shown, across shadow roots: the skipping one, or one that hides its content.
  for (let ancestor = composedParent(element); ancestor; ancestor = composedParent(ancestor)) {
    if (ancestor.checkVisibility(options)) return getComputedStyle(ancestor).contentVisibility === 'auto';
  }
  return false;
}

const composedParent = (element) => element.parentElement ?? element.getRootNode().host ?? null;

/** Decorations of the page's own numbers, outside its list (above it): <meta name="pc-expected-buttons">. */
const OUTSIDE_LIST = Number(document.querySelector('meta[name="pc-expected-buttons"]')?.getAttribute('content') ?? 0);

/**
 * How many of the list's numbers may be decorated, counted without layout: c2d's wrappers in
 * phone cells (it wraps look-alikes too); our buttons drawn over the page, all of them shown less
 * the page's own numbers'.
 */
function shownInList(selector) {
  if (selector !== 'button[data-pc-call]') return shown([...list().querySelectorAll(`td.phone ${selector}`)]).length;
  return shown(decorations(selector)).length - OUTSIDE_LIST;
}

/** The E.164 form of a US number as the list writes it: its ten digits after +1. */
const e164Of = (text) => `+1${text.replace(/\D/g, '').slice(-10)}`;

/** How far right of its number's end a button may start: ours starts 4 px after it. */
const BUTTON_REACH = 30;

/** Rows are in order: the index of the first box whose bottom is below `y` (its row's cell), by halves. */
function rowAt(boxes, y) {
  let low = 0;
  let high = boxes.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (boxes[middle].bottom < y) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * Checks the list's phone cells by place: each has exactly one decoration of its own number at
 * its number, and no decoration below the list's top is anything else (a leftover of a row gone,
 * a button of another number or away from its number). A button (`data-pc-call`, in the document
 * or our overlay's open shadow roots) is at its number when its box's vertical centre is within
 * the number's last line box and its left edge at or right of that line's end, as the overlay
 * puts it; a wrapper (ringcentral-c2d's) when it is inside the number's cell. Decorations hidden
 * by an ancestor do not count, nor c2d's wrappers of the rows' other cells (it wraps look-alikes:
 * `count` tells them; a wrapper goes with its row, it cannot be left over).
 */
function inPlace(selector) {
  const cells = [...list().querySelectorAll('td.phone')];
  const cellBoxes = cells.map((cell) => cell.getBoundingClientRect());
  const top = list().getBoundingClientRect().top;
  const range = document.createRange();
  const lineEnds = new Map();
  /** The cell's number's last line box. */
  const lineEnd = (cell) => {
    let box = lineEnds.get(cell);
    if (!box) {
      range.selectNodeContents(cell);
      box = [...range.getClientRects()].filter((rect) => rect.width > 0).at(-1) ?? null;
      lineEnds.set(cell, box);
    }
    return box;
  };
  const found = shown(decorations(selector));
  // Chromium gives a zero box to the first element read in a host it skips off screen
  // (content-visibility: auto, our overlay's), one per host: read one of each parent first.
  const parents = new Set();
  for (const decoration of found) {
    if (parents.has(decoration.parentNode)) continue;
    parents.add(decoration.parentNode);
    decoration.getBoundingClientRect();
  }
  const onCell = new Map();
  let misplaced = 0;
  for (const decoration of found) {
    const button = decoration.hasAttribute('data-pc-call');
    let cell;
    if (button) {
      const box = decoration.getBoundingClientRect();
      if (box.width === 0) continue;
      const y = (box.top + box.bottom) / 2;
      if (y < top) continue;
      const low = rowAt(cellBoxes, y);
      const line = cells[low] && lineEnd(cells[low]);
      const at = line && y >= line.top && y <= line.bottom && box.left >= line.right - 1 && box.left <= line.right + BUTTON_REACH;
      cell = at && decoration.getAttribute('data-pc-call') === e164Of(cells[low].textContent) ? cells[low] : undefined;
    } else {
      const candidate = decoration.closest('td.phone');
      // Outside the phone cells: a look-alike's, which the accuracy counts (`count`).
      if (!candidate || !list().contains(candidate)) continue;
      cell = e164Of(decoration.textContent) === e164Of(candidate.textContent) ? candidate : undefined;
    }
    if (cell) onCell.set(cell, (onCell.get(cell) ?? 0) + 1);
    else misplaced++;
  }
  let missing = 0;
  let doubled = 0;
  for (const cell of cells) {
    const count = onCell.get(cell) ?? 0;
    if (count === 0) missing++;
    else if (count > 1) doubled++;
  }
  return { cells: cells.length, missing, doubled, misplaced, exact: missing === 0 && doubled === 0 && misplaced === 0 };
}

/** Is the point inside the box? */
const inside = (box, x, y) => x >= box.left && x <= box.right && y >= box.top && y <= box.bottom;

window.bench = {
  /** Replaces the list with `count` rows; returns the time it started. */
  fill(count) {
    const start = performance.now();
    const body = document.createElement('tbody');
    body.innerHTML = rows(0, count);
    list().replaceChildren(body);
    return start;
  },
  /** The CRM re-renders every row: a new tbody with the same contacts. */
  rerender() {
    const start = performance.now();
    const count = list().querySelectorAll('tr').length;
    const body = document.createElement('tbody');
    body.innerHTML = rows(0, count);
    list().querySelector('tbody').replaceWith(body);
    return start;
  },
  /** Infinite scroll: `batch` rows every `everyMs` for `forMs`; when the appends started and when the last one ended. */
  async scroll(batch, everyMs, forMs) {
    list().replaceChildren(document.createElement('tbody'));
    const start = performance.now();
    let appended = 0;
    for (let due = start; due - start < forMs; due += everyMs) {
      await nextTimer(Math.max(0, due - performance.now()));
      list().querySelector('tbody').insertAdjacentHTML('beforeend', rows(appended, batch));
      appended += batch;
    }
    return { start, lastAppend: performance.now(), rows: appended };
  },
  /**
   * How many decorations `selector` finds shown over the list, and how many of them over phone
   * cells: where each starts (a wrapper's left edge, a button's, just after its number) is inside
   * the list, inside a phone cell. By place, not by tree: an overlay is not inside the cells.
   */
  count(selector) {
    const listBox = list().getBoundingClientRect();
    const cells = [...list().querySelectorAll('td.phone')].map((cell) => cell.getBoundingClientRect());
    let all = 0;
    let inPhoneCells = 0;
    for (const decoration of decorations(selector)) {
      const box = decoration.getBoundingClientRect();
      if (box.width === 0) continue;
      const x = box.left + 1;
      const y = (box.top + box.bottom) / 2;
      if (!inside(listBox, x, y)) continue;
      all++;
      const low = rowAt(cells, y);
      if (cells[low] && inside(cells[low], x, y)) inPhoneCells++;
    }
    return { all, inPhoneCells };
  },
  /**
   * Every phone cell of the list decorated in place, and nothing else below the list's top.
   */
  inPlace,
  /**
   * Resolves with the time the page first shows its phone cells decorated in place (`inPlace`),
   * or null after `deadlineMs`; with the checks by place that missed and what they took (a cost
   * on the thread the decorating party shares, reported apart). Its reads of the page's layout
   * run only once `want` decorations show (counted without layout: `shownInList`), and again
   * after a miss only once that count changed or 250 ms passed: leftovers of a re-render and
   * buttons kept for its new rows look alike to a count, not to their places.
   */
  async decorated(selector, want, deadlineMs) {
    const end = performance.now() + deadlineMs;
    const missed = { checks: 0, ms: 0 };
    let checkedAt = { shown: -1, time: Number.NEGATIVE_INFINITY };
    while (performance.now() < end) {
      const count = shownInList(selector);
      const now = performance.now();
      if (count >= want && (count !== checkedAt.shown || now - checkedAt.time >= 250)) {
        const { exact, missing, doubled, misplaced } = inPlace(selector);
        if (exact) return { at: now, missed };
        const after = performance.now();
        missed.checks++;
        missed.ms += after - now;
        missed.last = { missing, doubled, misplaced };
        checkedAt = { shown: count, time: after };
      }
      await nextTimer(25);
    }
    return { at: null, missed };
  },
  /**
   * Long frames and tasks that end after `since`: the one a change of the rows runs in began with
   * its task, before the change read its clock, and holds the page's own parse, style and layout of
   * the rows, and whatever read them in that task.
   */
  frames: (since) => frames.filter((frame) => frame.start + frame.duration > since),
  tasks: (since) => tasks.filter((task) => task.start + task.duration > since),
};

if (new URLSearchParams(location.search).has('c2d')) {
  const script = document.createElement('script');
  script.src = 'c2d.js';
  script.onload = () => {
    const { RingCentralC2D, WrapperObserver, LibPhoneNumberMatcher } = window.c2d;
    // Wrapping numbers in elements (WrapperObserver) is c2d's way of decorating every number, as ours does.
    window.c2dInstance = new RingCentralC2D({ observer: new WrapperObserver({ matcher: new LibPhoneNumberMatcher({ countryCode: 'US' }) }) });
  };
  document.head.append(script);
}
