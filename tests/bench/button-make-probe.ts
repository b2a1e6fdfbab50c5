/**
 * `npx tsx tests/bench/button-make-probe.ts [--buttons N] [--rounds N] [--isolated] [--page-rows N]`: what making the overlay's
 * new buttons costs in Chromium, step by step, each button made for the first time: cloned from a
 * prototype and labelled (data-pc-call, aria-label, title), positioned (style.left and style.top),
 * put into a host of an open shadow root in the document; and other ways to the same buttons: the
 * attributes set by setAttribute, the position as one style attribute, all of a pass's buttons as
 * markup parsed into the host at once. 500 buttons (an append's) by default, many rounds, the
 * ways in turn (reversed every other round), a garbage collection before each; prints each way's
 * median in µs per button. `--isolated`: in a world made by CDP's Page.createIsolatedWorld, as
 * the content script's (each node it touches a wrapper of that world's), not the page's own.
 * `--page-rows N`: the page holds a CRM list of N rows first (tests/e2e/pages/crm-list.js's rows,
 * seven cells each), as the content script's pages do. No extension. A probe: writes no docs
 * (issue #12).
 */
import { resolve } from 'node:path';
import { positiveIntegerFlag } from './flags.ts';
import { launchProbeBrowser, TSX_NAME_HELPER } from './probe-browser.ts';

const args = process.argv.slice(2);
const BUTTONS = positiveIntegerFlag(args, '--buttons', 500);
const ROUNDS = positiveIntegerFlag(args, '--rounds', 41);
const ISOLATED = args.includes('--isolated');
const PAGE_ROWS = args.includes('--page-rows') ? positiveIntegerFlag(args, '--page-rows', 10_000) : 0;

const browser = await launchProbeBrowser(['--js-flags=--expose-gc']);
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><body><table id="list"><tbody></tbody></table></body>');
  if (PAGE_ROWS > 0) {
    await page.addScriptTag({ path: resolve(import.meta.dirname, '../e2e/pages/crm-list.js') });
    await page.evaluate((rows) => (window as unknown as { bench: { fill(rows: number): number } }).bench.fill(rows), PAGE_ROWS);
  }
  await page.evaluate(TSX_NAME_HELPER);
  const probe = ({ buttons, rounds }: { buttons: number; rounds: number }) => {
    const gc = (globalThis as unknown as { gc: () => void }).gc;
    const root = document.createElement('div');
    const shadowRoot = root.attachShadow({ mode: 'open' });
    document.body.append(root);
    const targetsOf = new WeakMap<Node, unknown>();
    const owners = new WeakMap<Node, unknown>();
    const prototype = document.createElement('button');
    prototype.type = 'button';
    const targets = Array.from({ length: buttons }, (_, i) => ({ e164: `+1415555${String(1000 + i)}`, text: `(415) 555-${1000 + i}`, anchor: {} }));
    const at = (i: number) => ({ left: 100.5 + (i % 7), top: i * 20.25 });
    const escape = (value: string) => value.replace(/[&"<]/g, (c) => (c === '&' ? '&amp;' : c === '"' ? '&quot;' : '&lt;'));
    let host: HTMLElement;
    const newHost = () => {
      host = document.createElement('div');
      host.style.cssText = 'position: absolute; contain: layout size style; content-visibility: auto; width: 200px; height: 200px';
      shadowRoot.append(host);
    };
    const labelled = (target: (typeof targets)[number], byAttribute: boolean) => {
      const button = prototype.cloneNode(true) as HTMLButtonElement;
      if (byAttribute) button.setAttribute('data-pc-call', target.e164);
      else button.dataset.pcCall = target.e164;
      button.setAttribute('aria-label', `Call ${target.text}`);
      if (byAttribute) button.setAttribute('title', `Call ${target.e164}`);
      else button.title = `Call ${target.e164}`;
      targetsOf.set(button, target);
      owners.set(button, target.anchor);
      return button;
    };
    const positioned = (button: HTMLButtonElement, i: number) => {
      const { left, top } = at(i);
      const { style } = button;
      style.left = `${left}px`;
      style.top = `${top}px`;
      return button;
    };
    const ways: Array<[string, () => void]> = [
      ['labelled', () => void targets.map((target) => labelled(target, false))],
      ['labelled, setAttribute', () => void targets.map((target) => labelled(target, true))],
      ['labelled, positioned', () => void targets.map((target, i) => positioned(labelled(target, false), i))],
      [
        'labelled, style attribute',
        () =>
          void targets.map((target, i) => {
            const button = labelled(target, true);
            button.setAttribute('style', `left: ${at(i).left}px; top: ${at(i).top}px`);
            return button;
          }),
      ],
      ['as main: labelled, positioned, into the host', () => targets.forEach((target, i) => host.append(positioned(labelled(target, true), i)))],
      ['the same, into the host at once', () => host.append(...targets.map((target, i) => positioned(labelled(target, true), i)))],
      [
        'markup into the host',
        () => {
          let html = '';
          targets.forEach((target, i) => {
            const { left, top } = at(i);
            html += `<button type="button" data-pc-call="${escape(target.e164)}" aria-label="${escape(`Call ${target.text}`)}" title="${escape(`Call ${target.e164}`)}" style="left: ${left}px; top: ${top}px"></button>`;
          });
          host.insertAdjacentHTML('beforeend', html);
          let button = host.firstElementChild;
          for (const target of targets) {
            if (!button) break;
            targetsOf.set(button, target);
            owners.set(button, target.anchor);
            button = button.nextElementSibling;
          }
        },
      ],
    ];
    const times: Record<string, number[]> = {};
    for (let round = 0; round < rounds; round++) {
      for (const [name, make] of round % 2 ? [...ways].reverse() : ways) {
        newHost();
        gc();
        const start = performance.now();
        make();
        (times[name] ??= []).push(((performance.now() - start) * 1000) / buttons);
      }
    }
    return times;
  };
  const input = { buttons: BUTTONS, rounds: ROUNDS };
  let times: Record<string, number[]>;
  if (ISOLATED) {
    const cdp = await page.context().newCDPSession(page);
    const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
    const { executionContextId: contextId } = (await cdp.send('Page.createIsolatedWorld', { frameId: frameTree.frame.id, worldName: 'pc-button-make-probe' })) as { executionContextId: number };
    const expression = `${TSX_NAME_HELPER} (${probe.toString()})(${JSON.stringify(input)})`;
    const reply = (await cdp.send('Runtime.evaluate', { expression, contextId, returnByValue: true })) as { result: { value: Record<string, number[]> }; exceptionDetails?: unknown };
    if (reply.exceptionDetails) throw new Error(`in the isolated world: ${JSON.stringify(reply.exceptionDetails)}`);
    times = reply.result.value;
  } else times = await page.evaluate(probe, input);
  console.log(`${BUTTONS} buttons, ${ROUNDS} rounds, ${ISOLATED ? 'an isolated world' : "the page's world"}, a page of ${PAGE_ROWS} rows (µs per button):`);
  for (const [name, us] of Object.entries(times)) {
    const sorted = us.sort((a, b) => a - b);
    console.log(`  ${name.padEnd(44)} median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(2)}  least ${sorted[0]?.toFixed(2)}`);
  }
} finally {
  await browser.close();
}
