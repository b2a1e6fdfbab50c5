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

/** Decorations there before the page's change (`mark`): the time counts until the new ones are all there. */
let before = new WeakSet();

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
  /** Remembers the decorations shown now: `decorated` waits for new ones. */
  mark(selector) {
    before = new WeakSet(decorations(selector));
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
      // Rows are in order: the first cell whose bottom is below the point is its row's.
      let low = 0;
      let high = cells.length;
      while (low < high) {
        const middle = (low + high) >> 1;
        if (cells[middle].bottom < y) low = middle + 1;
        else high = middle;
      }
      if (cells[low] && inside(cells[low], x, y)) inPhoneCells++;
    }
    return { all, inPhoneCells };
  },
  /** Resolves with the time the page first shows `want` decorations made since `mark`, or null after `deadlineMs`. */
  async decorated(selector, want, deadlineMs) {
    const end = performance.now() + deadlineMs;
    while (performance.now() < end) {
      if (decorations(selector).filter((decoration) => !before.has(decoration)).length >= want) return performance.now();
      await nextTimer(25);
    }
    return null;
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
