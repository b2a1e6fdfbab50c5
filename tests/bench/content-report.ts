import type { ContentFigures, Contender, Measure, ScrollMeasure } from './content.ts';

/** The content script's limit, gzipped (issue #12). */
export const CONTENT_SCRIPT_GZIP_LIMIT_KIB = 60;

const seconds = (ms: number | null) => (ms === null ? 'not within 180 s' : `${(ms / 1000).toFixed(2)} s`);
const ratio = (ours: number | null, theirs: number | null) => (ours === null || theirs === null || theirs === 0 ? '-' : (ours / theirs).toFixed(2));
const jank = (m: Measure) => `${m.jank.frames} / ${m.jank.framesOver100} / ${m.jank.longestFrameMs} / ${m.jank.longestOwnFrameMs}`;
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
frames (\`long-animation-frame\`, over 50 ms) as count / over 100 ms / longest / longest in which
the decorating party's own script ran (ms). Long tasks: count / longest (ms).

| scenario | ours | c2d | ours / c2d | frames, ours | frames, c2d | frames, bare | long tasks, ours | c2d | bare | accuracy, ours | c2d |
| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |
${load.map((l) => rows(`${l.rows.toLocaleString('en-US')} rows`, l.rows, l.results)).join('\n')}
${rows(`re-render of ${rerender.rows.toLocaleString('en-US')} rows (tbody replaced)`, rerender.rows, rerender.results)}
${rows(`infinite scroll, ${options.scroll.batch} rows / ${options.scroll.everyMs} ms for ${options.scroll.forMs / 1000} s (time after the last append)`, scroll.rows, scroll.results)}

Infinite scroll, the page's own appends: bare ${seconds(s.bare.appendsMs)}, with our content script
${seconds(s.ours.appendsMs)} (${slowdown(s.ours)}), with c2d ${seconds(s.c2d.appendsMs)} (${slowdown(s.c2d)}).

Content script size: ${size} KiB gzipped (limit ${CONTENT_SCRIPT_GZIP_LIMIT_KIB} KiB${size > CONTENT_SCRIPT_GZIP_LIMIT_KIB ? ': OVER THE LIMIT' : ''}).
`;
}
