/**
 * `npx tsx tests/bench/button-position-probe.ts`: what writing 10,000 overlay buttons' positions
 * costs in Chromium, written as one cssText (`left: …px; top: …px`), as two lengths
 * (style.left, style.top), as two setProperty calls and through the typed OM; buttons detached
 * (the overlay's new buttons, positioned before they go into a host) and in a host of an open
 * shadow root (a button moved). Nine rounds, the ways in turn (reversed every other round), a
 * garbage collection before each; prints each way's times, least first. No extension. A probe:
 * writes no docs (issue #12).
 */
import { launchProbeBrowser, TSX_NAME_HELPER } from './probe-browser.ts';

const BUTTONS = 10_000;
const ROUNDS = 9;

const browser = await launchProbeBrowser(['--js-flags=--expose-gc']);
try {
  const page = await browser.newPage();
  await page.setContent('<!doctype html><body></body>');
  await page.evaluate(TSX_NAME_HELPER);
  for (const inHost of [false, true]) {
    const times = await page.evaluate(
      ({ buttons, rounds, inHost }) => {
        const gc = (globalThis as unknown as { gc: () => void }).gc;
        const make = () => {
          const made = Array.from({ length: buttons }, () => document.createElement('button'));
          if (inHost) {
            const host = document.createElement('div');
            host.attachShadow({ mode: 'open' }).append(...made);
            document.body.replaceChildren(host);
          }
          return made;
        };
        const left = (i: number) => 100.5 + i;
        const top = (i: number) => i * 20.25;
        const ways: Array<[string, (made: HTMLButtonElement[]) => void]> = [
          ['cssText', (made) => made.forEach((b, i) => (b.style.cssText = `left: ${left(i)}px; top: ${top(i)}px`))],
          [
            'two lengths',
            (made) =>
              made.forEach((b, i) => {
                const { style } = b;
                style.left = `${left(i)}px`;
                style.top = `${top(i)}px`;
              }),
          ],
          [
            'setProperty',
            (made) =>
              made.forEach((b, i) => {
                b.style.setProperty('left', `${left(i)}px`);
                b.style.setProperty('top', `${top(i)}px`);
              }),
          ],
          [
            'typed OM',
            (made) =>
              made.forEach((b, i) => {
                b.attributeStyleMap.set('left', CSS.px(left(i)));
                b.attributeStyleMap.set('top', CSS.px(top(i)));
              }),
          ],
        ];
        const times: Record<string, number[]> = {};
        for (let round = 0; round < rounds; round++) {
          for (const [name, write] of round % 2 ? [...ways].reverse() : ways) {
            const made = make();
            gc();
            const start = performance.now();
            write(made);
            (times[name] ??= []).push(performance.now() - start);
          }
        }
        return times;
      },
      { buttons: BUTTONS, rounds: ROUNDS, inHost },
    );
    console.log(inHost ? `${BUTTONS} buttons in a host (ms):` : `${BUTTONS} buttons detached (ms):`);
    for (const [name, ms] of Object.entries(times)) {
      const sorted = ms.sort((a, b) => a - b);
      console.log(`  ${name.padEnd(12)} median ${sorted[Math.floor(sorted.length / 2)]?.toFixed(1)}  ${sorted.map((t) => t.toFixed(1)).join(' ')}`);
    }
  }
} finally {
  await browser.close();
}
