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
  for (const entry of entries.getEntries()) frames.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: 'long-animation-frame', buffered: true });
new PerformanceObserver((entries) => {
  for (const entry of entries.getEntries()) tasks.push({ start: entry.startTime, duration: entry.duration });
}).observe({ type: 'longtask', buffered: true });

const nextTimer = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

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
  /** How many decorated numbers `selector` finds in the list, and how many of them are in phone cells. */
  count(selector) {
    return { all: list().querySelectorAll(selector).length, inPhoneCells: list().querySelectorAll(`td.phone ${selector}`).length };
  },
  /** Resolves with the time the list first holds `want` decorations, or null after `deadlineMs`. */
  async decorated(selector, want, deadlineMs) {
    const end = performance.now() + deadlineMs;
    while (performance.now() < end) {
      if (list().querySelectorAll(selector).length >= want) return performance.now();
      await nextTimer(25);
    }
    return null;
  },
  frames: (since) => frames.filter((frame) => frame.start >= since),
  tasks: (since) => tasks.filter((task) => task.start >= since),
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
