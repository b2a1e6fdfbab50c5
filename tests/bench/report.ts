/**
 * docs/benchmarks.md as parts: each part of `pnpm bench` (engine, relay, content script) owns the
 * sections from its heading to the next part's heading (the relay has two: without and with a
 * CRM). A run replaces the sections of the parts it measured and keeps the others as they were.
 */
export const BENCH_PARTS = ['engine', 'relay', 'scale-out', 'content'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

const HEADINGS: Record<BenchPart, string> = { engine: '## Connector engine', relay: '## Relay', 'scale-out': '## Several relays on one database', content: '## Content script' };

/** The report body: measured parts' sections, in part order, the others from `previous`. */
export function mergeReport(previous: string, measured: ReadonlyMap<BenchPart, string>): string {
  return BENCH_PARTS.map((part) => measured.get(part) ?? previousSections(previous, part))
    .filter(Boolean)
    .map((section) => `${section.trimEnd()}\n`)
    .join('\n');
}

function previousSections(report: string, part: BenchPart): string {
  const start = report.indexOf(`\n${HEADINGS[part]}`);
  if (start < 0) return '';
  const ends = BENCH_PARTS.filter((other) => other !== part)
    .map((other) => report.indexOf(`\n${HEADINGS[other]}`, start + 1))
    .filter((at) => at > start);
  return report.slice(start + 1, ends.length ? Math.min(...ends) : undefined);
}
