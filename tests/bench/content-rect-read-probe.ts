/**
 * `npx tsx tests/bench/content-rect-read-probe.ts`: what reading numbers' boxes costs on the
 * bench's 10,000-row list (crm-list.html), and why content-layout-probe.ts saw 1.5 s in one run
 * and 23 ms in another (issue #12). Reads 1,000 phone cells' text boxes (one Range,
 * getClientRects) with the layout clean, after one write into a contained host of our own,
 * after one write into the table, and interleaved with writes (200 reads each after a host
 * write, 20 each after a table write). No extension. A probe: prints one line, writes no docs.
 */
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { launchProbeBrowser, TSX_NAME_HELPER } from './probe-browser.ts';

const site = await serveDirectory(new URL('../e2e/pages/', import.meta.url).pathname);
const browser = await launchProbeBrowser();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.addInitScript(TSX_NAME_HELPER);
  await page.goto(`${site.url}/crm-list.html`);
  await page.evaluate(() => (window as unknown as { bench: { fill(rows: number): number } }).bench.fill(10_000));
  await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 200))));
  const costs = await page.evaluate(() => {
    const texts = [...document.querySelectorAll('td.phone')].slice(0, 1000).map((cell) => cell.firstChild as Text);
    const firstCell = document.querySelector('td') as HTMLElement;
    const range = document.createRange();
    const readBox = (text: Text) => {
      range.selectNodeContents(text);
      return range.getClientRects().length;
    };
    const ms = (work: () => void) => {
      const start = performance.now();
      work();
      return Math.round(performance.now() - start);
    };
    const host = document.createElement('div');
    host.style.cssText = 'position: absolute; contain: strict; width: 10px; height: 10px';
    document.body.append(host);
    return {
      clean: ms(() => texts.forEach(readBox)),
      afterHostWrite: ms(() => {
        host.style.left = '5px';
        texts.forEach(readBox);
      }),
      afterTableWrite: ms(() => {
        firstCell.style.paddingLeft = '7px';
        texts.forEach(readBox);
      }),
      hostWriteBeforeEach200: ms(() => {
        for (const [i, text] of texts.slice(0, 200).entries()) {
          host.style.left = `${i}px`;
          readBox(text);
        }
      }),
      tableWriteBeforeEach20: ms(() => {
        for (const [i, text] of texts.slice(0, 20).entries()) {
          firstCell.style.paddingLeft = `${i % 9}px`;
          readBox(text);
        }
      }),
    };
  });
  console.log(JSON.stringify(costs));
} finally {
  await browser.close();
  await site.close();
}
