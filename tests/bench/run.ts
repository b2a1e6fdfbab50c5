/**
 * `pnpm bench [engine] [relay] [content] [--quick]`: measures the engine, a real relay process
 * and the content script in Chromium (every part when none is named), and writes the figures
 * of the parts it ran into their sections of docs/benchmarks.md. `--quick` runs the content
 * script on one small list, once: a check while iterating, not figures for the docs.
 * PC_BENCH_ROWS=1000,10000 and PC_BENCH_RUNS=1 pick the content script's list sizes and runs
 * (the docs are then left alone too).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../relay/harness.ts';
import { benchContentScript, type ContentBenchOptions, FULL_CONTENT_BENCH, QUICK_CONTENT_BENCH } from './content.ts';
import { contentSection } from './content-report.ts';
import { benchEngine } from './engine.ts';
import { benchRelay } from './relay.ts';

const PARTS = ['engine', 'relay', 'content'] as const;
type Part = (typeof PARTS)[number];

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const unknown = args.filter((arg) => arg !== '--quick' && !PARTS.includes(arg as Part));
if (unknown.length > 0) {
  console.error(`unknown argument(s): ${unknown.join(' ')}; usage: pnpm bench [${PARTS.join('] [')}] [--quick]`);
  process.exit(2);
}
const named = args.filter((arg): arg is Part => PARTS.includes(arg as Part));
const parts: Part[] = named.length > 0 ? named : [...PARTS];

const sections = new Map<Part, string>();
if (parts.includes('engine')) {
  const engine = benchEngine();
  console.log('engine', engine);
  sections.set(
    'engine',
    `## Connector engine

| operation | ops/s | µs/op |
| --- | ---: | ---: |
${engine.map((r) => `| ${r.name} | ${r.opsPerSecond.toLocaleString('en-US')} | ${r.microsecondsPerOp} |`).join('\n')}
`,
  );
}
if (parts.includes('relay')) {
  const relay = await benchRelay();
  console.log('relay', relay);
  sections.set(
    'relay',
    `## Relay (a real process, SQLite in WAL mode)

${relay.webhooks} signed Twilio status webhooks for distinct calls from ${relay.concurrency} concurrent senders on loopback, while one agent's WebSocket receives every event.

| figure | value |
| --- | ---: |
| webhooks per second | ${relay.webhooksPerSecond} |
| webhook round trip p50 / p95 / p99 / max (ms) | ${relay.webhookMs.p50} / ${relay.webhookMs.p95} / ${relay.webhookMs.p99} / ${relay.webhookMs.max} |
| webhook sent -> event on the agent's socket p50 / p95 / p99 / max (ms) | ${relay.pushMs.p50} / ${relay.pushMs.p95} / ${relay.pushMs.p99} / ${relay.pushMs.max} |
| relay resident memory after the run (MiB) | ${relay.rssMiB} |

Target: an incoming call reaches the agent's page within one second; the push latency above
is the relay's share of it. The end-to-end test checks that the popup is pushed, not how fast:
a time limit there would fail on a busy machine.
`,
  );
}
if (parts.includes('content')) {
  const content = await benchContentScript(contentOptions());
  console.log('content script', JSON.stringify(content, null, 1));
  const section = contentSection(content);
  console.log(section);
  sections.set('content', section);
}

if (quick || process.env.PC_BENCH_ROWS || process.env.PC_BENCH_RUNS) {
  console.log('a partial run: docs/benchmarks.md left as it is');
} else {
  writeReport(sections);
}

function contentOptions(): ContentBenchOptions {
  const base = quick ? QUICK_CONTENT_BENCH : FULL_CONTENT_BENCH;
  const rows = process.env.PC_BENCH_ROWS?.split(',').map(Number) ?? base.rows;
  const runs = Number(process.env.PC_BENCH_RUNS ?? base.runs);
  if (rows.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(runs) || runs < 1) {
    console.error('PC_BENCH_ROWS takes list sizes (1000,10000), PC_BENCH_RUNS a count of runs');
    process.exit(2);
  }
  return { ...base, rows, runs };
}

/** Replaces the sections measured now, keeps the others as the last run wrote them. */
function writeReport(measured: Map<Part, string>): void {
  const file = join(REPO_ROOT, 'docs', 'benchmarks.md');
  const previous = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const headings: Record<Part, string> = { engine: '## Connector engine', relay: '## Relay', content: '## Content script' };
  const body = PARTS.map((part) => measured.get(part) ?? previousSection(previous, headings[part]))
    .filter(Boolean)
    .join('\n');
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  writeFileSync(file, `# Benchmarks\n\nWritten by \`pnpm bench\` (tests/bench/); run it again to refresh. Machine of the last run: ${machine}.\n\n${body}`);
  console.log(`wrote ${[...measured.keys()].join(', ')} to docs/benchmarks.md`);
}

/** A section of the last report: from its heading to the next level-2 heading. */
function previousSection(report: string, heading: string): string {
  const start = report.indexOf(`\n${heading}`);
  if (start < 0) return '';
  const end = report.indexOf('\n## ', start + 1);
  return `${report.slice(start + 1, end < 0 ? undefined : end).trimEnd()}\n`;
}
