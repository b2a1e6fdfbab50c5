/**
 * `npx tsx tests/bench/content-layout-probe.ts`: what one frame costs Chromium when N call
 * decorations go into the bench's generated CRM list (crm-list.html, PC_PROBE_ROWS rows, 10,000
 * by default), for each way of placing them (issue #12). No extension: the decorations are
 * written by the probe itself in one animation frame once the list is laid out, and the frame is
 * timed from that rAF to the next one, with the longest `long-animation-frame` entry and its
 * style-and-layout share (layout + pre-paint). Prints one line per design and count, the median
 * of PC_PROBE_RUNS runs (1 by default). A probe, not a benchmark: nothing is written to the docs.
 */
import { type Page } from 'playwright-core';
import { serveDirectory } from '../e2e/harness/static-server.ts';
import { launchProbeBrowser, TSX_NAME_HELPER } from './probe-browser.ts';

/**
 * inline: today's button, inline-flex after the text node. absolute: the same button
 * `position:absolute` (no in-flow size). zero-wrapper: a zero-size inline-block holding an
 * absolute button. overlay: one contained host (open shadow root, top-level in body) holding
 * buttons at the numbers' rects. overlay-grow: N more buttons into an overlay already holding
 * 9,500. overlay-hosts-grow: the same 9,500 and N more, in contained hosts of 250 buttons each.
 * anchor: a wrapper per number with its own `anchor-name`, the button anchored to it.
 */
const DESIGNS = ['inline', 'absolute', 'zero-wrapper', 'overlay', 'overlay-grow', 'overlay-hosts-grow', 'anchor'] as const;
type Design = (typeof DESIGNS)[number];

interface FrameCost {
  frameMs: number;
  longestFrameMs: number;
  styleAndLayoutMs: number;
  decorations: number;
}

const ROWS = Number(process.env.PC_PROBE_ROWS ?? 10_000);
const RUNS = Number(process.env.PC_PROBE_RUNS ?? 1);
const COUNTS = (process.env.PC_PROBE_COUNTS ?? '50,1000,10000').split(',').map(Number);
const designs = (process.env.PC_PROBE_DESIGNS?.split(',') ?? DESIGNS) as Design[];

const site = await serveDirectory(new URL('../e2e/pages/', import.meta.url).pathname);
const browser = await launchProbeBrowser();
try {
  for (const design of designs) {
    for (const count of COUNTS) {
      const costs: FrameCost[] = [];
      for (let run = 0; run < RUNS; run++) {
        const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
        await page.addInitScript(TSX_NAME_HELPER);
        await page.goto(`${site.url}/crm-list.html`);
        costs.push(await probe(page, design, count));
        await page.close();
      }
      console.log(design.padEnd(18), String(count).padStart(6), JSON.stringify(median(costs)));
    }
  }
} finally {
  await browser.close();
  await site.close();
}

function median(costs: FrameCost[]): FrameCost {
  const pick = (key: keyof FrameCost) => costs.map((cost) => cost[key]).sort((a, b) => a - b)[Math.floor(costs.length / 2)] ?? 0;
  return { frameMs: pick('frameMs'), longestFrameMs: pick('longestFrameMs'), styleAndLayoutMs: pick('styleAndLayoutMs'), decorations: pick('decorations') };
}

function probe(page: Page, design: Design, count: number): Promise<FrameCost> {
  return page.evaluate(
    async ({ rows, design, count }) => {
      const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
      const settle = async () => {
        for (let i = 0; i < 3; i++) await frame();
        await new Promise((resolve) => setTimeout(resolve, 300));
      };
      // The probe's stylesheet is in place before the list is laid out: the timed frame restyles nothing else.
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(`
        .pc { all: initial; box-sizing: border-box; display: inline-flex; width: 18px; height: 18px; margin: 0 0 0 4px; border-radius: 50%; background: #15803d; vertical-align: middle; }
        .pc.absolute { position: absolute; }
        .pc-wrapper { display: inline-block; position: relative; width: 0; height: 0; }
        .pc-wrapper > .pc { position: absolute; left: 0; top: -14px; }`);
      document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      (window as unknown as { bench: { fill(count: number): void } }).bench.fill(rows);
      await settle();
      const button = () => {
        const made = document.createElement('button');
        made.className = 'pc';
        made.dataset.pcCall = '+12125550100';
        return made;
      };
      const overlay = () => {
        const host = document.createElement('div');
        host.style.cssText = 'position:absolute;top:0;left:0;width:0;height:0;contain:strict;overflow:visible';
        const shadow = host.attachShadow({ mode: 'open' });
        shadow.adoptedStyleSheets = [sheet];
        document.body.append(host);
        return shadow;
      };
      const at = (made: HTMLElement, left: number, top: number) => {
        made.style.cssText = `position:absolute;left:${left}px;top:${top}px;margin:0`;
        return made;
      };
      let shadow: ShadowRoot | undefined;
      const hosts: ShadowRoot[] = [];
      /** Buttons `from`..`to` into hosts of 250 each, as overlay-hosts-grow keeps them. */
      const intoHosts = (from: number, to: number) => {
        for (let i = from; i < to; i++) {
          if (i % 250 === 0) hosts.push(overlay());
          hosts.at(-1)?.append(at(button(), i % 700, i * 20));
        }
      };
      if (design === 'overlay-grow') {
        shadow = overlay();
        for (let i = 0; i < 9_500; i++) shadow.append(at(button(), i % 700, i * 20));
        await settle();
      } else if (design === 'overlay-hosts-grow') {
        intoHosts(0, 9_500);
        await settle();
      }
      const texts = [...document.querySelectorAll('td.phone')].slice(0, count).map((cell) => cell.firstChild as Text);
      const frames: PerformanceEntry[] = [];
      new PerformanceObserver((list) => frames.push(...list.getEntries())).observe({ type: 'long-animation-frame' });
      const start = await frame();
      await new Promise<void>((resolve) =>
        requestAnimationFrame(() => {
          if (design === 'inline') for (const text of texts) text.after(button());
          else if (design === 'absolute') for (const text of texts) text.after(Object.assign(button(), { className: 'pc absolute' }));
          else if (design === 'zero-wrapper') {
            for (const text of texts) {
              const wrapper = document.createElement('span');
              wrapper.className = 'pc-wrapper';
              wrapper.append(button());
              text.after(wrapper);
            }
          } else if (design === 'overlay') {
            // Every rect read while layout is clean, then every button written.
            const range = document.createRange();
            const rects = texts.map((text) => {
              range.selectNodeContents(text);
              return range.getBoundingClientRect();
            });
            shadow = overlay();
            for (const rect of rects) shadow.append(at(button(), rect.right + scrollX + 4, rect.top + scrollY + (rect.height - 18) / 2));
          } else if (design === 'overlay-grow') {
            for (let i = 0; i < count; i++) shadow?.append(at(button(), i % 700, i * 21));
          } else if (design === 'overlay-hosts-grow') {
            intoHosts(9_500, 9_500 + count);
          } else {
            texts.forEach((text, i) => {
              const wrapper = document.createElement('span');
              wrapper.style.setProperty('anchor-name', `--pc${i}`);
              const anchored = button();
              anchored.style.cssText = `position:absolute;position-anchor:--pc${i};left:anchor(right);top:anchor(center)`;
              text.after(wrapper, anchored);
            });
          }
          resolve();
        }),
      );
      const end = await frame();
      await frame();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const longest = (frames as Array<PerformanceEntry & { styleAndLayoutStart: number }>).sort((a, b) => b.duration - a.duration)[0];
      return {
        frameMs: Math.round(end - start),
        longestFrameMs: Math.round(longest?.duration ?? 0),
        styleAndLayoutMs: longest ? Math.round(longest.startTime + longest.duration - longest.styleAndLayoutStart) : 0,
        decorations: [document, ...(shadow ? [shadow] : []), ...hosts].reduce((sum, root) => sum + root.querySelectorAll('[data-pc-call]').length, 0),
      };
    },
    { rows: ROWS, design, count },
  );
}
