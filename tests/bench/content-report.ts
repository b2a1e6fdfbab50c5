import type { ContentFigures, Contender, Measure, ScrollMeasure } from './content.ts';

/** The content script's limit, gzipped (issue #12). */
export const CONTENT_SCRIPT_GZIP_LIMIT_KIB = 60;

/** How the scanner works, and why: what the figures above measure (issue #12). */
const DESIGN = `### The design behind these figures

Absolute times depend on the machine's load (the last run shared 2 cores with other work, a
load average near 14); the ratios come from one Chromium run, each figure a median. Against
issue #12's goals (ours under 0.5× c2d at 10,000 rows and on re-render, scroll appends slowed
at most 20 %, buttons within 1 s of the last append, 60 KiB), the figures above say what is
met and what is not.

- **Read, then write once.** The scanner reads (walks added nodes, finds numbers, reads
  styles) in slices of 10 ms run as tasks, and keeps the button changes it decided; it makes
  them all in one animation frame once everything queued is read, or in the frame of the
  page's own next change, which brings a layout anyway (infinite scroll).
- **Why.** Every write of buttons makes Chromium style and lay out the page again, and on a
  big table that costs about as much for a few buttons as for all of them. The former 8 ms
  batches paid it once per frame: 25 s to decorate 2,000 rows, where one write takes 1.5 s,
  as long as c2d (\`pnpm bench content --quick\`, same machine, same hour).
- **Less script per number.** The numbers of each text are kept per country (a re-render
  reads the same texts: nothing is searched again); buttons are clones of one prototype and
  the document listens once for all of them (capture phase, shadow roots included); the walk
  calls no filter per node.
- **Split numbers.** A text that shares its line with other text (across span, b, a, …) is read
  with 80 characters of its line each side; the numbers ending in it get their button after it.
- **What is left.** That one write is one long frame, and the figures above show it is the
  cost that matters now: far longer than the bare page's own frame or c2d's, whose wrappers are
  unstyled inline elements that land in the page's own frame (c2d wraps synchronously, in the
  task that changed the page). A probe on 2,000 rows without the extension (medians of 3) put
  a frame inserting our button (\`all: initial\`, inline-flex, 17 \`!important\` declarations, an
  SVG icon) at 1.6 s, against 0.6 s for a plain \`<button>\` and 0.7 s for a \`<span>\`: the next
  step is a button cheaper to style and lay out, then fewer buttons per write (the rows in view
  first).
- **Not taken.** Absolutely positioned buttons made that layout about 4 times cheaper in a probe,
  but they cover the text after the number and must follow every scrolling container; the CSS
  Custom Highlight API with one floating button leaves no element per number (DESIGN.md's DOM
  contract, \`data-pc-call\`), which the tests and agents' own tools rely on.
`;

const seconds = (ms: number | null) => (ms === null ? 'not within 180 s' : `${(ms / 1000).toFixed(2)} s`);
const ratio = (ours: number | null, theirs: number | null) => (ours === null || theirs === null || theirs === 0 ? '-' : (ours / theirs).toFixed(2));
const jank = (m: Measure) => `${m.jank.frames} / ${m.jank.framesOver100} / ${m.jank.longestFrameMs}`;
const tasks = (m: Measure) => `${m.jank.longTasks} / ${m.jank.longestTaskMs}`;
const accuracy = (m: Measure, rows: number) => (m.decorated.all === rows && m.decorated.inPhoneCells === rows ? 'exact' : `${m.decorated.inPhoneCells} of ${rows} numbers, ${m.decorated.all - m.decorated.inPhoneCells} look-alikes`);

function rows(label: string, count: number, results: Record<Contender, Measure>): string {
  const { ours, c2d, bare } = results;
  return `| ${label} | ${seconds(ours.ms)} | ${seconds(c2d.ms)} | **${ratio(ours.ms, c2d.ms)}** | ${jank(ours)} | ${jank(c2d)} | ${jank(bare)} | ${tasks(ours)} | ${tasks(c2d)} | ${tasks(bare)} | ${accuracy(ours, count)} | ${accuracy(c2d, count)} |`;
}

/** docs/benchmarks.md's content-script section, from one run of tests/bench/content.ts. */
export function contentSection(figures: ContentFigures): string {
  const { options, load, rerender, scroll } = figures;
  const s = scroll.results as Record<Contender, ScrollMeasure>;
  const slowdown = (m: ScrollMeasure) => `${((m.appendsMs / s.bare.appendsMs - 1) * 100).toFixed(0)} %`;
  const size = figures.contentScriptGzipKiB;
  return `## Content script (Chromium, built extension, side by side with ringcentral-c2d 2.0.3)

A generated CRM list (tests/e2e/pages/crm-list.html and crm-list.js): per row one phone number and five
look-alikes (date, order id, amount, zip code, long id). In one headless Chromium run, the
same page with our content script, with ringcentral-c2d (its \`WrapperObserver\` and
\`LibPhoneNumberMatcher\`, country US: it wraps every number it finds) and bare (neither), each
figure the median of ${options.runs} run(s). Time: from the page changing its rows to every number
decorated (our \`button[data-pc-call]\`, c2d's \`[data-c2d-context]\`). Frames: long animation
frames (\`long-animation-frame\`, over 50 ms) as count / over 100 ms / longest (ms), from the page's
change until everything settled; the bare page's are what the page costs by itself. Long
tasks: count / longest (ms).

| scenario | ours | c2d | ours / c2d | frames, ours | frames, c2d | frames, bare | long tasks, ours | c2d | bare | accuracy, ours | c2d |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |
${load.map((l) => rows(`${l.rows.toLocaleString('en-US')} rows`, l.rows, l.results)).join('\n')}
${rows(`re-render of ${rerender.rows.toLocaleString('en-US')} rows (tbody replaced)`, rerender.rows, rerender.results)}
${rows(`infinite scroll, ${options.scroll.batch} rows / ${options.scroll.everyMs} ms for ${options.scroll.forMs / 1000} s (time after the last append)`, scroll.rows, scroll.results)}

Infinite scroll, the page's own appends: bare ${seconds(s.bare.appendsMs)}, with our content script
${seconds(s.ours.appendsMs)} (${slowdown(s.ours)}), with c2d ${seconds(s.c2d.appendsMs)} (${slowdown(s.c2d)}).

Content script size: ${size} KiB gzipped (limit ${CONTENT_SCRIPT_GZIP_LIMIT_KIB} KiB${size > CONTENT_SCRIPT_GZIP_LIMIT_KIB ? ': OVER THE LIMIT' : ''}).

${DESIGN}`;
}
