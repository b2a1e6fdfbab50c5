/**
 * `npx tsx tests/bench/overlay-paint-probe.ts`: what Chromium paints in frames that write a little
 * into an overlay shaped like ours (scan/overlay-host.ts: a root of size 0 at the end of the body,
 * contained hosts of 250 buttons in its open shadow root, each sized to its buttons and skipped off
 * screen) over the bench's generated CRM list (10,000 rows; no extension: the probe writes). 20
 * frames under a trace, each writing 20 buttons (PC_PROBE_WRITES, comma-separated, all by default):
 * `far` into hosts far below the viewport, `near` into hosts in it, `fargrow`/`neargrow` the same
 * with the host's box grown by 1 px as the overlay's fit() grows it, `newhost` a new host of 20
 * buttons far below, `newband` the same into a skipped band made beforehand (as b56e58e's
 * scan/overlay-band.ts put hosts, reverted).
 * Per CSS variant of the overlay (PC_PROBE_VARIANTS): the frames' Paint of the whole document
 * (`#document`), all Paint, pre-paint, layerize, style and layout (thread CPU, ms), and the paint
 * events by node. Issue #12: each frame of ours painted the document again, ~4.4 ms at 10,000 rows.
 * A probe: prints, writes no docs.
 */

import { serveDirectory } from '../e2e/harness/static-server.ts';
import { startTracing, stopTracing, type TraceEvent } from './chromium-trace.ts';
import { launchProbeBrowser, TSX_NAME_HELPER } from './probe-browser.ts';

/** Extra rules for the overlay's shadow root: a layer of its own for the root or a host, isolation, paint containment. */
const VARIANTS: Record<string, string> = {
  base: '',
  rootWillChange: ':host { will-change: transform !important; }',
  rootTranslateZ: ':host { transform: translateZ(0) !important; }',
  rootIsolation: ':host { isolation: isolate !important; }',
  hostsWillChange: '.hosts { will-change: transform; }',
  hostWillChange: '.host { will-change: transform; }',
  hostContainPaint: '.host { contain: strict; }',
};
const WRITES = ['far', 'near', 'fargrow', 'neargrow', 'newhost', 'newband'] as const;
type Write = (typeof WRITES)[number];

const variants = process.env.PC_PROBE_VARIANTS?.split(',') ?? Object.keys(VARIANTS);
const writes = (process.env.PC_PROBE_WRITES?.split(',') ?? WRITES) as Write[];

const site = await serveDirectory(new URL('../e2e/pages/', import.meta.url).pathname);
const browser = await launchProbeBrowser();
try {
  for (const write of writes) {
    for (const variant of variants) {
      const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
      await page.addInitScript(TSX_NAME_HELPER);
      await page.goto(`${site.url}/crm-list.html`);
      await page.evaluate(buildOverlay, VARIANTS[variant] ?? '');
      const cdp = await page.context().newCDPSession(page);
      await startTracing(cdp, ['devtools.timeline', 'disabled-by-default-devtools.timeline']);
      await page.evaluate(writeFrames, write);
      console.log(`${write.padEnd(9)} ${variant.padEnd(17)} ${paintFigures(await stopTracing(cdp))}`);
      await page.close();
    }
  }
} finally {
  await browser.close();
  await site.close();
}

/** The list filled, and the overlay over it: a host of 250 buttons' places each (none written yet), and an empty band far below. */
async function buildOverlay(extra: string): Promise<void> {
  const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
  (window as unknown as { bench: { fill(count: number): void } }).bench.fill(10_000);
  for (let i = 0; i < 3; i++) await frame();
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(`
    button { position: absolute; width: 18px; height: 18px; border-radius: 50%; background: #15803d; border: 0; padding: 0; margin: 0; }
    :host { all: initial !important; display: block !important; position: absolute !important; left: 0 !important; top: 0 !important; width: 0 !important; height: 0 !important; contain: layout size style !important; z-index: 1 !important; pointer-events: none !important; }
    .hosts, .clip, .scroll { position: absolute; left: 0; top: 0; width: 0; height: 0; }
    .hosts, .clip { contain: layout size style; }
    .host { position: absolute; left: 0; top: 0; width: 0; height: 0; contain: layout size style; content-visibility: auto; }
    .band { position: absolute; contain: strict; content-visibility: auto; }
    ${extra}`);
  const root = document.createElement('div');
  const shadow = root.attachShadow({ mode: 'open' });
  shadow.adoptedStyleSheets = [sheet];
  const hosts = document.createElement('div');
  hosts.className = 'hosts';
  shadow.append(hosts);
  document.body.append(root);
  const range = document.createRange();
  const places = [...document.querySelectorAll('td.phone')].map((cell) => {
    range.selectNodeContents(cell);
    const rect = range.getBoundingClientRect();
    return { left: rect.right + scrollX + 4, top: rect.top + scrollY };
  });
  const contents: HTMLElement[] = [];
  for (let first = 0; first < places.length; first += 250) {
    const host = document.createElement('div');
    host.className = 'host';
    const top = (places[first]?.top ?? 0) - 4;
    const bottom = (places[Math.min(first + 249, places.length - 1)]?.top ?? 0) + 22;
    host.style.cssText = `left: 0px; top: ${top}px; width: 1280px; height: ${bottom - top}px`;
    const clip = document.createElement('div');
    clip.className = 'clip';
    clip.style.cssText = `left: 0px; top: ${-top}px`;
    const content = document.createElement('div');
    content.className = 'scroll';
    clip.append(content);
    host.append(clip);
    hosts.append(host);
    contents.push(content);
  }
  const band = document.createElement('div');
  band.className = 'band';
  band.style.cssText = 'left: 0px; top: 99000px; width: 1280px; height: 60000px';
  hosts.append(band);
  (window as unknown as { overlayProbe: unknown }).overlayProbe = { places, contents, hosts, band };
  for (let i = 0; i < 3; i++) await frame();
  await new Promise((resolve) => setTimeout(resolve, 300));
}

/** 20 frames, each writing 20 buttons as `write` says; then two frames with no write. */
async function writeFrames(write: string): Promise<void> {
  const frame = () => new Promise<number>((resolve) => requestAnimationFrame(resolve));
  const { places, contents, hosts, band } = (window as unknown as { overlayProbe: { places: Array<{ left: number; top: number }>; contents: HTMLElement[]; hosts: HTMLElement; band: HTMLElement } }).overlayProbe;
  const button = (left: number, top: number) => {
    const made = document.createElement('button');
    made.style.cssText = `left: ${left}px; top: ${top}px`;
    return made;
  };
  for (let f = 0; f < 20; f++) {
    await frame();
    if (write === 'newhost' || write === 'newband') {
      const host = document.createElement('div');
      host.className = 'host';
      host.style.cssText = `left: 0px; top: ${(write === 'newband' ? 1_000 : 100_000) + f * 2_000}px; width: 1280px; height: 500px`;
      for (let b = 0; b < 20; b++) host.append(button(b * 30, 10));
      (write === 'newband' ? band : hosts).append(host);
      continue;
    }
    const first = write.startsWith('near') ? f * 20 : 5_000 + f * 20;
    for (let i = first; i < first + 20; i++) contents[Math.floor(i / 250)]?.append(button(places[i]?.left ?? 0, places[i]?.top ?? 0));
    if (write.endsWith('grow')) {
      const host = contents[Math.floor(first / 250)]?.parentElement?.parentElement as HTMLElement;
      host.style.height = `${Number.parseFloat(host.style.height) + 1}px`;
    }
  }
  await frame();
  await frame();
}

/** The frames' paint figures from the trace: thread CPU (ms) of the document's Paint, all Paint, pre-paint, layerize, style and layout, and paints by node. */
function paintFigures(trace: TraceEvent[]): string {
  const complete = trace.filter((event) => event.ph === 'X');
  const nodeOf = (event: TraceEvent) => (event.args?.data as { nodeName?: string } | undefined)?.nodeName ?? '?';
  const cpu = (name: string, only: (event: TraceEvent) => boolean = () => true) =>
    (complete.filter((event) => event.name === name && only(event)).reduce((sum, event) => sum + (event.tdur ?? event.dur ?? 0), 0) / 1000).toFixed(1);
  const byNode = new Map<string, number>();
  for (const event of complete) if (event.name === 'Paint') byNode.set(nodeOf(event), (byNode.get(nodeOf(event)) ?? 0) + 1);
  return `#document Paint ${cpu('Paint', (event) => nodeOf(event) === '#document')}, Paint ${cpu('Paint')}, PrePaint ${cpu('PrePaint')}, Layerize ${cpu('Layerize')}, style ${cpu('UpdateLayoutTree')}, layout ${cpu('Layout')}; paints ${JSON.stringify(Object.fromEntries(byNode))}`;
}
